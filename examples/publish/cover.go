package main

import (
	"context"
	"os"

	"github.com/wego-sdk/wego"
	"github.com/wego-sdk/wego/wegotest"
)

// coverImage returns the media id of the article's cover: a permanent
// image material of the account.
//
// PLACEHOLDER, to be replaced once the materials side of wego is merged:
// upload a cover image here as a permanent image material (with the
// materials call of the Client, on wegotest as on WeChat) and return its
// media id. For now it returns WEGO_THUMB_MEDIA_ID when set (the media id
// of an image already uploaded to the real account, e.g. in the web
// console) and otherwise a fixed id, which wegotest takes: until then the
// fake checks a cover for being non-empty only.
func coverImage(ctx context.Context, c *wego.Client, srv *wegotest.Server) (string, error) {
	_, _, _ = ctx, c, srv // used by the upload that replaces this placeholder
	if id := os.Getenv("WEGO_THUMB_MEDIA_ID"); id != "" {
		return id, nil
	}
	return "wegotest-cover-placeholder", nil
}
