package wego_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wego-sdk/wego"
	"github.com/wego-sdk/wego/wegotest"
)

// withDefaultLogger sends slog.Default() to a buffer, at Debug and up, for
// the test. The test must not be parallel: slog.Default() is the process's.
func withDefaultLogger(t *testing.T) *syncBuffer {
	t.Helper()
	var logs syncBuffer
	old := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	t.Cleanup(func() { slog.SetDefault(old) })
	return &logs
}

// Without Settings.Logger, failures of the application's own code still
// reach slog.Default(); the SDK's own logs (requests, token fetches) do not.
func TestAppFailuresAreLoggedWithoutALogger(t *testing.T) {
	logs := withDefaultLogger(t)
	srv := wegotest.New(t)
	s := srv.Settings()
	s.Logger, s.PushDeadline = nil, 200*time.Millisecond
	c, err := wego.NewClient(s)
	require.NoError(t, err)

	fns := map[string]wego.PushFunc{
		"push handler failed":   func(context.Context, *wego.Push) (wego.Reply, error) { return nil, errors.New("db down") },
		"push handler panicked": func(context.Context, *wego.Push) (wego.Reply, error) { panic("boom") },
		"push handler missed its deadline": func(ctx context.Context, _ *wego.Push) (wego.Reply, error) {
			time.Sleep(400 * time.Millisecond)
			return nil, nil
		},
		"push reply invalid": func(context.Context, *wego.Push) (wego.Reply, error) { return wego.Image(""), nil },
		"push reply invalid: news": func(context.Context, *wego.Push) (wego.Reply, error) {
			return wego.News(wego.Article{Title: "a"}, wego.Article{Title: "b"}), nil
		},
	}
	for want, fn := range fns {
		reply, err := srv.Push(c.PushHandler(fn), wegotest.TextMessage("", "hi"))
		require.NoError(t, err, want)
		assert.True(t, reply.Success(), want)
		want, _, _ = strings.Cut(want, ":")
		assert.Contains(t, logs.String(), want)
	}
	_, err = c.GetWeChatServersList(context.Background())
	require.NoError(t, err)

	pc := docClient(t)
	body := readFixture(t, "notify_signed_md5.xml")
	pc.PayNotifyHandler(func(context.Context, *wego.PayNotify) error { return errors.New("stock db down") }).
		ServeHTTP(httptest.NewRecorder(), notifyRequest(body))
	pc.PayNotifyHandler(func(context.Context, *wego.PayNotify) error { panic("nil map") }).
		ServeHTTP(httptest.NewRecorder(), notifyRequest(body))

	out := logs.String()
	assert.Contains(t, out, "level=WARN msg=\"wego: pay notification not handled")
	assert.Contains(t, out, "stock db down")
	assert.Contains(t, out, "level=ERROR msg=\"wego: pay notification handler panicked")
	for _, own := range []string{"wego: request", "access token fetched"} {
		assert.NotContains(t, out, own, "the SDK's own logs stay off without a Logger")
	}
}

// A handler built without the settings it needs answers 500 (the fault is
// the server's: 400 would tell WeChat its request was bad) and says once,
// at Error, what is missing.
func TestHandlersWithoutTheirSettings(t *testing.T) {
	logs := withDefaultLogger(t)
	srv := wegotest.New(t)
	s := srv.Settings()
	s.Logger, s.PushToken, s.PushEncodingAESKey, s.MchID, s.MchSecret = nil, "", "", "", ""
	s.CertPEMPath, s.KeyPEMPath = "", ""
	c, err := wego.NewClient(s)
	require.NoError(t, err)
	fn := func(context.Context, *wego.Push) (wego.Reply, error) { return nil, nil }
	handlers := map[string]http.Handler{
		"Settings.PushToken":            c.PushHandler(fn),
		"a PushFunc":                    wegotestClient(t, srv).PushHandler(nil),
		"Settings.MchID and MchSecret":  c.PayNotifyHandler(func(context.Context, *wego.PayNotify) error { return nil }),
		"Settings.MchID and MchSecret ": c.RefundNotifyHandler(func(context.Context, *wego.RefundNotify) error { return nil }),
		"a function":                    docClient(t).PayNotifyHandler(nil),
	}
	for missing, h := range handlers {
		for _, method := range []string{http.MethodPost, http.MethodGet, http.MethodPost} {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(method, "/?signature=x&timestamp=1&nonce=1&echostr=e", strings.NewReader("<xml/>")))
			assert.Equal(t, http.StatusInternalServerError, rec.Code, missing)
		}
		missing = strings.TrimSpace(missing)
		assert.Contains(t, logs.String(), "built without "+missing, missing)
	}
	assert.Equal(t, 1, strings.Count(logs.String(), "PushHandler built without Settings.PushToken"), "logged once, not per request")
}

// wegotestClient is a client of srv with every setting wegotest gives but
// its Logger: it logs to slog.Default().
func wegotestClient(t *testing.T, srv *wegotest.Server) *wego.Client {
	t.Helper()
	s := srv.Settings()
	s.Logger = nil
	c, err := wego.NewClient(s)
	require.NoError(t, err)
	return c
}
