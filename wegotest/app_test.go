package wegotest

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wego-sdk/wego"
)

// echoBot is an app whose mux routes /wechat to a push handler that
// echoes text, as an application's main would.
func echoBot(t *testing.T, s *Server) (http.Handler, *wego.Client) {
	t.Helper()
	c, err := wego.NewClient(s.Settings())
	require.NoError(t, err)
	mux := http.NewServeMux()
	mux.Handle("/wechat", c.PushHandler(func(_ context.Context, p *wego.Push) (wego.Reply, error) {
		return wego.Text("echo: " + p.Content()), nil
	}))
	return mux, c
}

func TestPushAndVerifyByPathOnTheApp(t *testing.T) {
	t.Parallel()
	s := New(t)
	app, c := echoBot(t, s)
	s.SetApp(app)

	require.NoError(t, s.VerifyURL("/wechat"))
	r, err := s.Push("/wechat", TextMessage("oUser", "hi"))
	require.NoError(t, err)
	assert.Equal(t, "echo: hi", r.Get("Content"))
	assert.Equal(t, 1, r.Attempts)
	r, err = s.Deliver("/wechat", TextMessage("oUser", "once"))
	require.NoError(t, err)
	assert.Equal(t, "echo: once", r.Get("Content"))

	// A full URL reaches the same app; a handler target works as before.
	r, err = s.Push(s.AppURL+"/wechat", TextMessage("oUser", "by URL"))
	require.NoError(t, err)
	assert.Equal(t, "echo: by URL", r.Get("Content"))
	require.NoError(t, s.VerifyURL(s.AppURL+"/wechat"))
	h := c.PushHandler(func(context.Context, *wego.Push) (wego.Reply, error) { return wego.Text("direct"), nil })
	r, err = s.Push(h, TextMessage("oUser", "x"))
	require.NoError(t, err)
	assert.Equal(t, "direct", r.Get("Content"))
	require.NoError(t, s.VerifyURL(h))

	// A path the app does not route is the app's 404, said in the error.
	_, err = s.Push("/wrong", TextMessage("oUser", "hi"))
	require.ErrorContains(t, err, "HTTP 404")
	var ve *VerifyError
	require.ErrorAs(t, s.VerifyURL("/wrong"), &ve)
	assert.Equal(t, http.StatusNotFound, ve.Status)
	assert.Contains(t, ve.Body, "404 page not found")
}

func TestVerifyURLSaysWhatTheAppAnswered(t *testing.T) {
	t.Parallel()
	s := New(t)
	long := strings.Repeat("x", 5000)
	mux := http.NewServeMux()
	mux.HandleFunc("/wrong-echo", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("hello")) })
	mux.HandleFunc("/broken", func(w http.ResponseWriter, _ *http.Request) { http.Error(w, long, http.StatusInternalServerError) })
	s.SetApp(mux)

	var ve *VerifyError
	require.ErrorAs(t, s.VerifyURL("/wrong-echo"), &ve)
	assert.Equal(t, http.StatusOK, ve.Status)
	assert.Equal(t, "hello", ve.Body)
	assert.Len(t, ve.Echostr, 19)
	assert.Contains(t, ve.Error(), `"hello"`)

	require.ErrorAs(t, s.VerifyURL("/broken"), &ve)
	assert.Equal(t, http.StatusInternalServerError, ve.Status)
	assert.Len(t, ve.Body, 256, "the body is capped")
	assert.Contains(t, ve.Error(), "HTTP 500")
}

func TestAppTargetsRefusedWithAnError(t *testing.T) {
	t.Parallel()
	s := New(t)
	msg := TextMessage("oUser", "hi")

	// No app yet: the path cannot be reached.
	_, err := s.Push("/wechat", msg)
	require.ErrorIs(t, err, ErrNoApp)
	_, err = s.Deliver(s.AppURL+"/wechat", msg)
	require.ErrorIs(t, err, ErrNoApp)
	require.ErrorIs(t, s.VerifyURL("/wechat"), ErrNoApp)

	var nilFunc http.HandlerFunc
	var nilHandler http.Handler
	for _, target := range []any{42, nil, nilHandler, nilFunc, "wechat", "ftp://example.com/wechat", "http://", []byte("/wechat")} {
		_, err := s.Push(target, msg)
		assert.Error(t, err, "push to %#v", target)
		assert.Error(t, s.VerifyURL(target), "verify %#v", target)
	}

	// SetApp swaps the app; SetApp(nil) removes it.
	var first, second atomic.Int32
	s.SetApp(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { first.Add(1); _, _ = w.Write([]byte("success")) }))
	_, err = s.Push("/wechat", msg)
	require.NoError(t, err)
	s.SetApp(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { second.Add(1); _, _ = w.Write([]byte("success")) }))
	_, err = s.Push("/wechat", msg)
	require.NoError(t, err)
	assert.Equal(t, int32(1), first.Load())
	assert.Equal(t, int32(1), second.Load())
	s.SetApp(nil)
	_, err = s.Push("/wechat", msg)
	require.ErrorIs(t, err, ErrNoApp)
}

// A shop's test: the app routes PathPayNotify to its notify handler, and
// an order placed without a NotifyURL is notified there when paid.
func TestPayOrderReachesTheAppThroughSettings(t *testing.T) {
	t.Parallel()
	s := New(t)
	settings := s.Settings()
	assert.Equal(t, s.AppURL+PathPayNotify, settings.PayNotifyURL)
	c, err := wego.NewClient(settings)
	require.NoError(t, err)
	var paid, refunded atomic.Int32
	mux := http.NewServeMux()
	mux.Handle(PathPayNotify, c.PayNotifyHandler(func(_ context.Context, n *wego.PayNotify) error {
		paid.Add(1)
		return c.CheckPaidAmount(n, 990)
	}))
	ctx := context.Background()
	_, err = c.UnifiedOrder(ctx, wego.UnifiedOrderRequest{Body: "T恤", OutTradeNo: "app-1", TotalFee: 990, SpbillCreateIP: "1.2.3.4", OpenID: "oUser"})
	require.NoError(t, err)

	err = s.PayOrder("app-1")
	require.ErrorIs(t, err, ErrNoApp, "no app yet")
	assert.Equal(t, wego.TradeStateSuccess, s.TradeState("app-1"), "paid all the same, as on WeChat")

	s.SetApp(mux)
	require.NoError(t, s.ResendPayNotify("app-1"))
	assert.Equal(t, int32(1), paid.Load())

	// Straight to a handler: another of the merchant's servers, with a
	// client (and a de-duplication store) of its own.
	c2, err := wego.NewClient(settings)
	require.NoError(t, err)
	var other atomic.Int32
	require.NoError(t, s.DeliverPayNotify(c2.PayNotifyHandler(func(context.Context, *wego.PayNotify) error {
		other.Add(1)
		return nil
	}), "app-1"))
	assert.Equal(t, int32(1), other.Load())
	require.NoError(t, s.DeliverPayNotify(PathPayNotify, "app-1"))
	assert.Equal(t, int32(1), paid.Load(), "a repeat reaches the function once")
	require.ErrorIs(t, s.DeliverPayNotify(PathPayNotify, "unknown"), ErrNoOrder)

	_, err = c.RefundOrder(ctx, wego.RefundRequest{OutTradeNo: "app-1", OutRefundNo: "app-r1", TotalFee: 990, RefundFee: 990})
	require.NoError(t, err)
	require.NoError(t, s.CompleteRefund("app-r1"), "no notify_url: nothing sent")
	mux.Handle("/pay/refund", c.RefundNotifyHandler(func(_ context.Context, n *wego.RefundNotify) error {
		if n.RefundStatus != wego.RefundStatusSuccess {
			return errors.New("not refunded")
		}
		refunded.Add(1)
		return nil
	}))
	require.NoError(t, s.DeliverRefundNotify("/pay/refund", "app-r1"))
	assert.Equal(t, int32(1), refunded.Load())
}
