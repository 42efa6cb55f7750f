package wego_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wego-sdk/wego"
	"github.com/wego-sdk/wego/wegotest"
)

// FuzzParsePush feeds arbitrary bodies to ParsePush with a valid signature,
// in plain mode (the body is the message) and in safe mode (the input is the
// Encrypt value, signed, so that decryption runs on it). Nothing may panic;
// what parses must carry a sender, a receiver and a type.
func FuzzParsePush(f *testing.F) {
	for _, file := range []string{"testdata/vectors/push/text.xml", "testdata/vectors/push/event_scancode_waitmsg.xml", "testdata/push/event_pic_weixin.xml"} {
		f.Add(readFile(f, file), false)
	}
	f.Add("<xml><ToUserName>gh</ToUserName><FromUserName>o</FromUserName><MsgType>event</MsgType><Event>subscribe</Event><EventKey>qrscene_1</EventKey></xml>", false)
	f.Add("<!DOCTYPE xml [<!ENTITY a 'b'>]><xml>&a;</xml>", false)
	f.Add("jn1L23DB+6ELqJ+6bruv21Y6MD7KeIfP82D6gU39rmkgczbWwt5+3bnyg5K55bgVtVzd832WzZGMhkP72vVOfg==", true)
	f.Add("AAAAAAAAAAAAAAAAAAAAAA==", true)

	srv := wegotest.NewServer()
	defer srv.Close()
	s := srv.Settings()
	c, err := wego.NewClient(s)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, input string, encrypted bool) {
		ts := strconv.FormatInt(time.Now().Unix(), 10)
		q := url.Values{"timestamp": {ts}, "nonce": {"42"}, "signature": {wego.Signature(s.PushToken, ts, "42")}}
		body := input
		if encrypted {
			q.Set("encrypt_type", "aes")
			q.Set("msg_signature", wego.Signature(s.PushToken, ts, "42", input))
			body = "<xml><ToUserName><![CDATA[gh]]></ToUserName><Encrypt><![CDATA[" + input + "]]></Encrypt></xml>"
		}
		p, err := c.ParsePush(httptest.NewRequest(http.MethodPost, "/?"+q.Encode(), strings.NewReader(body)))
		if err != nil {
			return
		}
		if p.Type == "" || p.FromUser == "" || p.ToUser == "" {
			t.Fatalf("parsed push without type or parties: %+v", p)
		}
		if _, err := p.ReplyText(input); err != nil {
			t.Fatalf("reply to a parsed push: %v", err)
		}
	})
}

// FuzzPushHandler drives the whole handler with arbitrary bodies and
// queries: it must answer every request with a status, never panic.
func FuzzPushHandler(f *testing.F) {
	f.Add("signature=x&timestamp=1&nonce=2", "<xml/>")
	f.Add("encrypt_type=aes&msg_signature=x&timestamp=1&nonce=2", "<xml><Encrypt>x</Encrypt></xml>")
	f.Add("echostr=abc", "")
	srv := wegotest.NewServer()
	defer srv.Close()
	c, err := wego.NewClient(srv.Settings())
	if err != nil {
		f.Fatal(err)
	}
	h := c.PushHandler(func(context.Context, *wego.Push) (wego.Reply, error) { return wego.Text("ok"), nil })
	f.Fuzz(func(t *testing.T, query, body string) {
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
	})
}
