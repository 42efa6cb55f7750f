package wego_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wego-sdk/wego"
	"github.com/wego-sdk/wego/wegotest"
)

// FuzzParsePush feeds arbitrary bodies to ParsePush with a valid signature,
// in plain mode (the body is the message, to a client without an AES key)
// and in safe mode (the input is the Encrypt value, signed, so that
// decryption runs on it). Nothing may panic; what parses must carry a
// sender, a receiver and a type, and an event its Event.
func FuzzParsePush(f *testing.F) {
	for _, file := range []string{"testdata/vectors/push/text.xml", "testdata/vectors/push/event_scancode_waitmsg.xml", "testdata/push/event_pic_weixin.xml"} {
		f.Add(readFile(f, file), false)
	}
	f.Add("<xml><ToUserName>gh</ToUserName><FromUserName>o</FromUserName><MsgType>event</MsgType><Event>subscribe</Event><EventKey>qrscene_1</EventKey></xml>", false)
	f.Add("<!DOCTYPE xml [<!ENTITY a 'b'>]><xml>&a;</xml>", false)
	f.Add("jn1L23DB+6ELqJ+6bruv21Y6MD7KeIfP82D6gU39rmkgczbWwt5+3bnyg5K55bgVtVzd832WzZGMhkP72vVOfg==", true)
	f.Add("AAAAAAAAAAAAAAAAAAAAAA==", true)

	f.Add("<xml><ToUserName>gh</ToUserName><FromUserName>o</FromUserName><MsgType>event</MsgType></xml>", false)

	srv := wegotest.NewServer()
	defer srv.Close()
	s := srv.Settings()
	safe, err := wego.NewClient(s)
	if err != nil {
		f.Fatal(err)
	}
	s.PushEncodingAESKey = ""
	plain, err := wego.NewClient(s)
	if err != nil {
		f.Fatal(err)
	}
	var nonces atomic.Int64 // a plain push's signature is bound to its first body: one nonce each
	f.Fuzz(func(t *testing.T, input string, encrypted bool) {
		ts := strconv.FormatInt(time.Now().Unix(), 10)
		nonce := strconv.FormatInt(nonces.Add(1), 10)
		q := url.Values{"timestamp": {ts}, "nonce": {nonce}, "signature": {wego.Signature(s.PushToken, ts, nonce)}}
		body, c := input, plain
		if encrypted {
			q.Set("encrypt_type", "aes")
			q.Set("msg_signature", wego.Signature(s.PushToken, ts, nonce, input))
			body = "<xml><ToUserName><![CDATA[gh]]></ToUserName><Encrypt><![CDATA[" + input + "]]></Encrypt></xml>"
			c = safe
		}
		p, err := c.ParsePush(httptest.NewRequest(http.MethodPost, "/?"+q.Encode(), strings.NewReader(body)))
		if err != nil {
			return
		}
		if p.Type == "" || p.FromUser == "" || p.ToUser == "" {
			t.Fatalf("parsed push without type or parties: %+v", p)
		}
		if p.MsgType() == "event" && p.Event() == "" {
			t.Fatalf("parsed an event without Event: %+v", p)
		}
		if _, err := p.ReplyText(input); err != nil {
			t.Fatalf("reply to a parsed push: %v", err)
		}
	})
}

// plainPushParser returns a function that parses body as a plain-mode
// push, signed with a fresh nonce each time (a plain push's signature is
// bound to its first body), by a client of a fake platform: the fuzz
// targets of a push's typed accessors start from it.
func plainPushParser(f *testing.F) func(body string) (*wego.Push, error) {
	f.Helper()
	srv := wegotest.NewServer()
	f.Cleanup(srv.Close)
	s := srv.Settings()
	s.PushEncodingAESKey = ""
	c, err := wego.NewClient(s)
	if err != nil {
		f.Fatal(err)
	}
	var nonces atomic.Int64
	return func(body string) (*wego.Push, error) {
		ts := strconv.FormatInt(time.Now().Unix(), 10)
		nonce := strconv.FormatInt(nonces.Add(1), 10)
		q := url.Values{"timestamp": {ts}, "nonce": {nonce}, "signature": {wego.Signature(s.PushToken, ts, nonce)}}
		return c.ParsePush(httptest.NewRequest(http.MethodPost, "/?"+q.Encode(), strings.NewReader(body)))
	}
}

// FuzzPushHandler drives the whole handler with arbitrary bodies and
// queries: it must answer every request with a status, never panic.
func FuzzPushHandler(f *testing.F) {
	f.Add("signature=x&timestamp=1&nonce=2", "<xml/>")
	f.Add("encrypt_type=aes&msg_signature=x&timestamp=1&nonce=2", "<xml><Encrypt>x</Encrypt></xml>")
	f.Add("echostr=abc", "")
	srv := wegotest.NewServer()
	defer srv.Close()
	s := srv.Settings()
	safe, err := wego.NewClient(s)
	if err != nil {
		f.Fatal(err)
	}
	s.PushEncodingAESKey = ""
	plain, err := wego.NewClient(s)
	if err != nil {
		f.Fatal(err)
	}
	fn := func(context.Context, *wego.Push) (wego.Reply, error) { return wego.Text("ok"), nil }
	handlers := []http.Handler{safe.PushHandler(fn), plain.PushHandler(fn)}
	f.Fuzz(func(t *testing.T, query, body string) {
		for _, h := range handlers {
			for _, m := range []string{http.MethodGet, http.MethodPost} {
				req, err := http.NewRequest(m, "/", strings.NewReader(body))
				if err != nil {
					return
				}
				req.URL.RawQuery = query
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code == 0 {
					t.Fatal("no status")
				}
			}
		}
	})
}
