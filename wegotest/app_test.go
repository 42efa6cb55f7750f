package wegotest

import (
	"context"
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
