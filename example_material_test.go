package wego_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/wego-sdk/wego"
	"github.com/wego-sdk/wego/wegotest"
)

// A file uploaded as a temporary material, streamed from disk, for a
// reply or a message in the next three days.
func ExampleClient_AddTemporaryMaterial() {
	srv := wegotest.NewServer() // a fake WeChat; use your own Settings in production
	defer srv.Close()
	c, err := wego.NewClient(srv.Settings())
	if err != nil {
		panic(err)
	}

	f, err := os.Open("testdata/media/cat.jpg")
	if err != nil {
		panic(err)
	}
	defer f.Close()
	m, err := c.AddTemporaryMaterial(context.Background(), wego.MediaImage, wego.Media{Name: f.Name(), Body: f})
	if err != nil {
		panic(err)
	}
	_ = wego.Image(m.MediaID) // a reply with the picture
	fmt.Println(m.Type, m.Expiry.Sub(m.CreatedAt))
	// Output: image 72h0m0s
}

// A voice a user sent (the MediaId of the push), saved as it downloads.
func ExampleClient_GetTemporaryMaterial() {
	srv := wegotest.NewServer()
	defer srv.Close()
	c, _ := wego.NewClient(srv.Settings())
	ctx := context.Background()
	voice, _ := os.ReadFile("testdata/media/hello.amr") // wegotest plays the user's voice message
	sent, _ := c.AddTemporaryMaterial(ctx, wego.MediaVoice, wego.Media{Name: "hello.amr", Body: bytes.NewReader(voice)})
	mediaID := sent.MediaID // p.Get("MediaId") in the push handler

	var saved bytes.Buffer // an *os.File, an http.ResponseWriter, ...
	got, err := c.GetTemporaryMaterial(ctx, mediaID, &saved)
	if err != nil {
		panic(err)
	}
	fmt.Println(got.Written, got.ContentType, bytes.Equal(saved.Bytes(), voice))
	// Output: 4806 audio/amr true
}

// A file WeChat would refuse is refused before a byte is sent, with an
// error that names it and says why.
func ExampleMedia() {
	srv := wegotest.NewServer()
	defer srv.Close()
	c, _ := wego.NewClient(srv.Settings())

	f, _ := os.Open("testdata/media/chart.png")
	defer f.Close()
	_, err := c.AddTemporaryMaterial(context.Background(), wego.MediaThumb, wego.Media{Name: "chart.png", Body: f})
	fmt.Println(errors.Is(err, wego.ErrInvalidParameter))
	fmt.Println(err)
	fmt.Println(srv.Requests(wegotest.PathMediaUpload))
	// Output:
	// true
	// wego: invalid parameter: media "chart.png": a temporary thumb is JPEG; the name's extension ".png" is not
	// 0
}

// A permanent video with its title, and what WeChat tells of it later.
func ExampleClient_AddOtherMaterial() {
	srv := wegotest.NewServer()
	defer srv.Close()
	c, _ := wego.NewClient(srv.Settings())
	ctx := context.Background()

	f, err := os.Open("testdata/media/clip.mp4")
	if err != nil {
		panic(err)
	}
	defer f.Close()
	v, err := c.AddOtherMaterial(ctx, wego.OtherMaterial{
		Type: wego.MediaVideo, Media: wego.Media{Name: f.Name(), Body: f},
		Title: "Opening day", Introduction: "The shop on its first morning",
	})
	if err != nil {
		panic(err)
	}
	got, err := c.GetPermanentMaterial(ctx, v.MediaID, io.Discard) // a video writes nothing: it comes as its address
	if err != nil {
		panic(err)
	}
	fmt.Println(got.Video.Title, "-", got.Video.Description)
	// Output: Opening day - The shop on its first morning
}

// A picture for the content of an article: its address is the one an
// article may show.
func ExampleClient_UploadContentPicture() {
	srv := wegotest.NewServer()
	defer srv.Close()
	c, _ := wego.NewClient(srv.Settings())

	f, _ := os.Open("testdata/media/chart.png")
	defer f.Close()
	url, err := c.UploadContentPicture(context.Background(), wego.Media{Name: "chart.png", Body: f})
	if err != nil {
		panic(err)
	}
	fmt.Println(url[:len("http://mmbiz.qpic.cn/mmbiz_png/")])
	// Output: http://mmbiz.qpic.cn/mmbiz_png/
}

// Every permanent image, one page of 20 in memory at a time, newest first.
func ExampleClient_Materials() {
	srv := wegotest.NewServer()
	defer srv.Close()
	c, _ := wego.NewClient(srv.Settings())
	ctx := context.Background()
	cat, _ := os.ReadFile("testdata/media/cat.jpg")
	for _, name := range []string{"cat-1.jpg", "cat-2.jpg", "cat-3.jpg"} {
		if _, err := c.AddOtherMaterial(ctx, wego.OtherMaterial{Type: wego.MediaImage,
			Media: wego.Media{Name: name, Body: bytes.NewReader(cat)}}); err != nil {
			panic(err)
		}
	}

	for m, err := range c.Materials(ctx, wego.MediaImage) {
		if err != nil {
			panic(err)
		}
		fmt.Println(m.Name, time.Since(m.UpdateTime) < time.Minute)
	}
	// Output:
	// cat-3.jpg true
	// cat-2.jpg true
	// cat-1.jpg true
}

// WeChat retired news materials in 2022: the call fails with errcode
// 45106, as on WeChat; drafts replace it.
func ExampleClient_AddPermanentMaterial() {
	srv := wegotest.NewServer()
	defer srv.Close()
	c, _ := wego.NewClient(srv.Settings())

	_, err := c.AddPermanentMaterial(context.Background(), []wego.NewsArticle{{
		Title: "Opening day", ThumbMediaID: "a permanent thumb's media_id", Content: "<p>Welcome</p>",
	}})
	var ae *wego.APIError
	fmt.Println(errors.As(err, &ae) && ae.Code == wego.CodeAPIRetired)
	// Output: true
}
