package wego_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image/png"
	"net/http"
	"time"

	"github.com/wego-sdk/wego"
	"github.com/wego-sdk/wego/wegotest"
)

// A poster's QR code: who scans it arrives at the push handler with its
// scene, following the account by it (PushScanSubscribe) or already a
// follower (PushScan).
func ExampleClient_CreateQRCode() {
	srv := wegotest.NewServer() // a fake WeChat; use your own Settings in production
	defer srv.Close()
	c, err := wego.NewClient(srv.Settings())
	if err != nil {
		panic(err)
	}
	ctx := context.Background()

	qr, err := c.CreateQRCode(ctx, wego.QRCode{SceneStr: "poster-42", ExpireIn: 7 * 24 * time.Hour})
	if err != nil {
		panic(err)
	}
	fmt.Println(qr.Permanent(), time.Until(qr.Expiry) > 6*24*time.Hour)
	// Show qr.ImageURL in an <img>, or draw your own code from qr.URL.

	mux := http.NewServeMux()
	mux.Handle("/wechat", c.PushHandler(func(_ context.Context, p *wego.Push) (wego.Reply, error) {
		switch p.Type {
		case wego.PushScanSubscribe:
			return wego.Text("welcome, from " + p.Scene()), nil
		case wego.PushScan:
			return wego.Text("welcome back, from " + p.Scene()), nil
		}
		return nil, nil
	}))
	srv.SetApp(mux)

	for range 2 { // wegotest plays a user scanning the code twice
		reply, err := srv.ScanQRCode("/wechat", qr.Ticket, "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o")
		if err != nil {
			panic(err)
		}
		fmt.Println(reply.Get("Content"))
	}
	// Output:
	// false true
	// welcome, from poster-42
	// welcome back, from poster-42
}

// The image of a QR code, streamed into any io.Writer (a file, an
// http.ResponseWriter); a temporary code's image fails once it expired.
func ExampleClient_QRCodeImage() {
	srv := wegotest.NewServer()
	defer srv.Close()
	c, _ := wego.NewClient(srv.Settings())
	ctx := context.Background()

	qr, err := c.CreateQRCode(ctx, wego.QRCode{SceneID: 1001, ExpireIn: time.Hour})
	if err != nil {
		panic(err)
	}
	var img bytes.Buffer
	if _, err := c.QRCodeImage(ctx, qr.Ticket, &img); err != nil {
		panic(err)
	}
	cfg, err := png.DecodeConfig(&img) // WeChat answers a JPEG; wegotest a small PNG
	fmt.Println(cfg.Width, cfg.Height, err)

	srv.ExpireQRCodes() // an hour later
	_, err = c.QRCodeImage(ctx, qr.Ticket, &img)
	fmt.Println(errors.Is(err, wego.ErrQRCodeTicketInvalid))
	// Output:
	// 132 132 <nil>
	// true
}

// The address of WeChat's image of a QR code, the ticket escaped.
func ExampleShowQRCodeURL() {
	fmt.Println(wego.ShowQRCodeURL("gQF+8DwAAAAAAAAAAS5odHRwOi8v=="))
	// Output: https://mp.weixin.qq.com/cgi-bin/showqrcode?ticket=gQF%2B8DwAAAAAAAAAAS5odHRwOi8v%3D%3D
}

// WeChat retired short links: the call fails with errcode 45103, as on
// WeChat since 2023.
func ExampleClient_CreateShortURL() {
	srv := wegotest.NewServer()
	defer srv.Close()
	c, _ := wego.NewClient(srv.Settings())

	_, err := c.CreateShortURL(context.Background(), "https://example.com/a/very/long/link")
	var ae *wego.APIError
	fmt.Println(errors.As(err, &ae) && ae.Code == wego.CodeAPIUnsupported)
	// Output: true
}
