package wego_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/wego-sdk/wego"
	"github.com/wego-sdk/wego/internal/mediatest"
)

// discardingClient returns a client whose uploads go to a server that
// reads every byte and keeps none, so that what is measured is the SDK's.
func discardingClient(tb testing.TB) *wego.Client {
	tb.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"type":"video","media_id":"M","created_at":1714550400}`)
	}))
	tb.Cleanup(srv.Close)
	c, err := wego.NewClient(wego.Settings{
		AppID: "wx1", AppSecret: "secret", BaseURL: srv.URL, HTTPClient: srv.Client(),
		AccessTokenSource: func(context.Context) (string, error) { return "TOKEN", nil },
	})
	require.NoError(tb, err)
	return c
}

const videoSize = 9 << 20

// videoMedia is a 9 MB video whose bytes are generated as they are read:
// of a size the SDK learns by seeking, or of a size nothing tells.
func videoMedia(known bool) wego.Media {
	v := mediatest.NewVideo(videoSize)
	if known {
		return wego.Media{Name: "clip.mp4", Body: io.NewSectionReader(v, 0, videoSize)}
	}
	return wego.Media{Name: "clip.mp4", Body: onlyReader{v}}
}

// BenchmarkUploadVideo9MB uploads a 9 MB video through the SDK to a local
// server: the bytes stream from the reader to the connection, so the SDK
// allocates some kilobytes an upload, not the file's 9 MB.
func BenchmarkUploadVideo9MB(b *testing.B) {
	for _, tc := range []struct {
		name  string
		known bool
	}{{"size known", true}, {"size unknown", false}} {
		b.Run(tc.name, func(b *testing.B) {
			c := discardingClient(b)
			ctx := context.Background()
			b.SetBytes(videoSize)
			b.ReportAllocs()
			for range b.N {
				if _, err := c.AddTemporaryMaterial(ctx, wego.MediaVideo, videoMedia(tc.known)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// An upload of 9 MB allocates far less than 9 MB: the file is never held.
// Not parallel: it reads the process's allocation counter.
func TestUploadVideoAllocatesLittle(t *testing.T) {
	c := discardingClient(t)
	ctx := context.Background()
	for _, known := range []bool{true, false} {
		_, err := c.AddTemporaryMaterial(ctx, wego.MediaVideo, videoMedia(known)) // warm the connection
		require.NoError(t, err)
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, err = c.AddTemporaryMaterial(ctx, wego.MediaVideo, videoMedia(known))
		runtime.ReadMemStats(&after)
		require.NoError(t, err)
		allocated := after.TotalAlloc - before.TotalAlloc
		t.Logf("size known %v: %d bytes allocated for a %d-byte upload", known, allocated, videoSize)
		require.Less(t, allocated, uint64(videoSize/16), "the upload allocated %d bytes for a file of %d", allocated, videoSize)
	}
}
