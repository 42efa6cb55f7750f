// Command material uploads a picture as a temporary material and
// downloads it back, adds it as a permanent image, lists the account's
// images, deletes the one it added, and shows a file WeChat would refuse
// being refused before a byte is sent.
//
// With no environment set it runs offline against wegotest, the fake
// WeChat platform, and needs no account:
//
//	go run ./examples/material                  # testdata/media/cat.jpg
//	go run ./examples/material -file photo.png
//
// With WEGO_APP_ID and WEGO_APP_SECRET set it talks to the real WeChat
// API (the permanent image it adds is deleted at the end).
package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"flag"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/wego-sdk/wego"
	"github.com/wego-sdk/wego/wegotest"
)

func main() {
	file := flag.String("file", defaultFile(), "a picture: JPEG, PNG or GIF, at most 10 MB")
	flag.Parse()
	if err := run(context.Background(), *file); err != nil {
		fmt.Fprintln(os.Stderr, "material:", err)
		os.Exit(1)
	}
}

// defaultFile is the repository's testdata/media/cat.jpg, found from this
// source file, so that the example runs from any directory.
func defaultFile() string {
	_, src, _, ok := runtime.Caller(0)
	if !ok {
		return "cat.jpg"
	}
	return filepath.Join(filepath.Dir(src), "..", "..", "testdata", "media", "cat.jpg")
}

func run(ctx context.Context, file string) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()

	var srv *wegotest.Server
	settings := wego.Settings{AppID: os.Getenv("WEGO_APP_ID"), AppSecret: os.Getenv("WEGO_APP_SECRET")}
	if settings.AppID == "" {
		srv = wegotest.NewServer()
		defer srv.Close()
		settings = srv.Settings()
		fmt.Println("against wegotest, the offline fake platform")
	}
	c, err := wego.NewClient(settings)
	if err != nil {
		return err
	}

	// 1. A temporary material, streamed from the file: checked against
	// WeChat's limits (format by name and content, size) before sending.
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	temp, err := c.AddTemporaryMaterial(ctx, wego.MediaImage, wego.Media{Name: f.Name(), Body: f})
	if err != nil {
		return fmt.Errorf("upload: %w", err)
	}
	fmt.Printf("temporary image %s…, good until %s\n", temp.MediaID[:8], temp.Expiry.Format(time.DateTime))

	// 2. Downloaded back as it arrives, here into a hash: the same bytes.
	sum := sha256.New()
	got, err := c.GetTemporaryMaterial(ctx, temp.MediaID, sum)
	if err != nil {
		return fmt.Errorf("download: %w", err)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	want := sha256.Sum256(data)
	fmt.Printf("downloaded %d bytes (%s), the same as uploaded: %v\n", got.Written, got.ContentType, bytes.Equal(sum.Sum(nil), want[:]))

	// 3. A permanent image: it comes with its address on WeChat's servers.
	if _, err := f.Seek(0, 0); err != nil {
		return err
	}
	perm, err := c.AddOtherMaterial(ctx, wego.OtherMaterial{Type: wego.MediaImage, Media: wego.Media{Name: f.Name(), Body: f}})
	if err != nil {
		return fmt.Errorf("add permanent image: %w", err)
	}
	if u, err := url.Parse(perm.URL); err == nil {
		fmt.Println("permanent image on", u.Host) // shown within Tencent's domains only
	}

	// 4. Every permanent image, one page of 20 at a time, newest first.
	n := 0
	for m, err := range c.Materials(ctx, wego.MediaImage) {
		if err != nil {
			return fmt.Errorf("list: %w", err)
		}
		if n < 3 {
			fmt.Println("  image:", m.Name)
		}
		n++
	}
	fmt.Println("permanent images:", n)

	// 5. Deleted again, so that the example leaves the account as it was.
	if err := c.DeleteMaterial(ctx, perm.MediaID); err != nil {
		return fmt.Errorf("delete: %w", err)
	}
	fmt.Println("deleted the permanent image")

	// 6. A file WeChat would refuse: refused here, nothing sent.
	_, err = c.AddTemporaryMaterial(ctx, wego.MediaThumb, wego.Media{Name: "cover.png", Body: bytes.NewReader(data)})
	fmt.Println("refused before sending:", errors.Is(err, wego.ErrInvalidParameter))
	fmt.Println(" ", err)
	return nil
}
