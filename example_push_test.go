package wego_test

import (
	"context"
	"fmt"
	"net/http"

	"github.com/wego-sdk/wego"
	"github.com/wego-sdk/wego/wegotest"
)

// A push server: PushHandler answers WeChat's URL verification, verifies and
// decrypts each push, runs your function once per message and encrypts the
// reply. Here wegotest plays WeChat.
func ExampleClient_PushHandler() {
	srv := wegotest.NewServer()
	defer srv.Close()
	c, _ := wego.NewClient(srv.Settings()) // PushToken and PushEncodingAESKey set: safe mode

	h := c.PushHandler(func(ctx context.Context, p *wego.Push) (wego.Reply, error) {
		if p.Type == wego.PushText {
			return wego.Text("you said: " + p.Content()), nil
		}
		return nil, nil // "success": nothing shown to the user
	})
	mux := http.NewServeMux()
	mux.Handle("/wechat", h) // the server URL set in WeChat's admin console

	reply, err := srv.Push(h, wegotest.TextMessage("oUser", "hello"))
	if err != nil {
		panic(err)
	}
	fmt.Println(reply.Get("Content"))
	fmt.Println(reply.Get("ToUserName"))
	// Output:
	// you said: hello
	// oUser
}

// A router sends each type of push to its own function.
func ExamplePushRouter() {
	srv := wegotest.NewServer()
	defer srv.Close()
	c, _ := wego.NewClient(srv.Settings())

	var r wego.PushRouter
	// Every follow, from a QR code (PushScanSubscribe) or not.
	r.On(wego.PushSubscribe, func(_ context.Context, p *wego.Push) (wego.Reply, error) {
		if scene := p.Scene(); scene != "" {
			return wego.Text("welcome from scene " + scene), nil
		}
		return wego.Text("welcome"), nil
	})
	r.On(wego.PushClick, func(_ context.Context, p *wego.Push) (wego.Reply, error) {
		return wego.News(wego.Article{Title: "Today", URL: "https://example.com/" + p.EventKey()}), nil
	})
	h := c.PushHandler(r.Handle)

	reply, _ := srv.Push(h, wegotest.EventMessage("oUser", "subscribe", "qrscene_poster42").With("Ticket", "T"))
	fmt.Println(reply.Get("Content"))
	reply, _ = srv.Push(h, wegotest.EventMessage("oUser", "CLICK", "news"))
	fmt.Println(reply.Get("Articles.item.Url"))
	// Output:
	// welcome from scene poster42
	// https://example.com/news
}

// MsgCrypt is WeChat's safe-mode crypto on its own, here with the values of
// WeChat's sample code.
func ExampleNewMsgCrypt() {
	mc, err := wego.NewMsgCrypt("pamtest", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", "wxb11529c136998cb6")
	if err != nil {
		panic(err)
	}
	reply, _ := mc.Encrypt([]byte("<xml><Content><![CDATA[hi]]></Content></xml>"), "1409304348", "xxxxxx")
	var env struct{ sig, ts, nonce string }
	env.sig, env.ts, env.nonce = between(reply, "<MsgSignature><![CDATA[", "]]>"), "1409304348", "xxxxxx"
	plain, err := mc.Decrypt(env.sig, env.ts, env.nonce, reply)
	fmt.Println(string(plain), err)
	// Output: <xml><Content><![CDATA[hi]]></Content></xml> <nil>
}
