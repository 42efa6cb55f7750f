package main

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"os"

	"github.com/wego-sdk/wego"
	"github.com/wego-sdk/wego/wegotest"
)

// coverImage uploads the article's cover as a permanent image material
// and returns its media id. With WEGO_COVER set it uploads that file
// (a jpg or png under 10 MB); otherwise a small picture drawn here.
func coverImage(ctx context.Context, c *wego.Client, _ *wegotest.Server) (string, error) {
	m := wego.Media{Name: "cover.jpg"}
	if path := os.Getenv("WEGO_COVER"); path != "" {
		f, err := os.Open(path)
		if err != nil {
			return "", err
		}
		defer f.Close()
		m = wego.Media{Name: path, Body: f} // streamed, never read whole
	} else {
		m.Body = bytes.NewReader(drawCover())
	}
	pm, err := c.AddOtherMaterial(ctx, wego.OtherMaterial{Type: wego.MediaImage, Media: m})
	if err != nil {
		return "", fmt.Errorf("cover: %w", err)
	}
	return pm.MediaID, nil
}

// drawCover draws a 900×383 cover (WeChat's 2.35:1) in two colours.
func drawCover() []byte {
	img := image.NewRGBA(image.Rect(0, 0, 900, 383))
	for y := range 383 {
		for x := range 900 {
			c := color.RGBA{0x07, 0xc1, 0x60, 0xff} // WeChat green
			if (x/60+y/60)%2 == 0 {
				c = color.RGBA{0xf5, 0xf5, 0xf5, 0xff}
			}
			img.Set(x, y, c)
		}
	}
	var buf bytes.Buffer
	_ = jpeg.Encode(&buf, img, &jpeg.Options{Quality: 80})
	return buf.Bytes()
}
