package wego_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wego-sdk/wego"
	"github.com/wego-sdk/wego/wegotest"
)

// mockClient returns a client whose HTTP goes to a httpmock transport and
// whose access token is always "TOKEN".
func mockClient(t *testing.T) (*httpmock.MockTransport, *wego.Client) {
	t.Helper()
	mt := httpmock.NewMockTransport()
	c, err := wego.NewClient(wego.Settings{
		AppID: "wx1", AppSecret: "secret",
		HTTPClient:        &http.Client{Transport: mt},
		AccessTokenSource: func(context.Context) (string, error) { return "TOKEN", nil },
	})
	require.NoError(t, err)
	wego.SetBusyBackoff(c, time.Millisecond)
	return mt, c
}

// mockSequence returns a client whose requests go to httpmock and must be
// n requests, each checked and answered in order by answer(i, r) (i from
// 1). The test fails on a request past the n-th and, at its end, when
// fewer came.
func mockSequence(t *testing.T, n int, answer func(i int, r *http.Request) *http.Response) *wego.Client {
	t.Helper()
	mt, c := mockClient(t)
	var mu sync.Mutex
	seen := 0
	mt.RegisterNoResponder(func(r *http.Request) (*http.Response, error) {
		mu.Lock()
		defer mu.Unlock()
		seen++
		if seen > n {
			t.Errorf("request %d: %s %s not expected", seen, r.Method, r.URL.Path)
			return httpmock.NewStringResponse(200, `{"errcode":-2,"errmsg":"unexpected"}`), nil
		}
		return answer(seen, r), nil
	})
	t.Cleanup(func() {
		mu.Lock()
		defer mu.Unlock()
		assert.Equal(t, n, min(seen, n), "every expected request was made")
	})
	return c
}

func TestRawGetAddsTokenAndQuery(t *testing.T) {
	t.Parallel()
	mt, c := mockClient(t)
	mt.RegisterResponder(http.MethodGet, "https://api.weixin.qq.com/cgi-bin/user/info",
		func(r *http.Request) (*http.Response, error) {
			assert.Equal(t, "TOKEN", r.URL.Query().Get("access_token"))
			assert.Equal(t, "o1", r.URL.Query().Get("openid"))
			return httpmock.NewStringResponse(200, `{"openid":"o1","subscribe":1}`), nil
		})
	var out struct {
		OpenID    string `json:"openid"`
		Subscribe int    `json:"subscribe"`
	}
	q := url.Values{"openid": {"o1"}}
	require.NoError(t, c.WeChat.Get(context.Background(), "/cgi-bin/user/info", q, &out))
	assert.Equal(t, "o1", out.OpenID)
	assert.Equal(t, 1, out.Subscribe)
	assert.Equal(t, url.Values{"openid": {"o1"}}, q, "the caller's query is not modified")
}

func TestRawPostSendsUnescapedJSON(t *testing.T) {
	t.Parallel()
	mt, c := mockClient(t)
	mt.RegisterResponder(http.MethodPost, "https://api.weixin.qq.com/cgi-bin/menu/create",
		func(r *http.Request) (*http.Response, error) {
			body, _ := io.ReadAll(r.Body)
			assert.Equal(t, `{"url":"https://x.cn/?a=1&b=<2>","name":"菜单"}`, string(body))
			assert.Equal(t, "application/json; charset=utf-8", r.Header.Get("Content-Type"))
			return httpmock.NewStringResponse(200, `{"errcode":0,"errmsg":"ok"}`), nil
		})
	body := struct {
		URL  string `json:"url"`
		Name string `json:"name"`
	}{"https://x.cn/?a=1&b=<2>", "菜单"}
	require.NoError(t, c.WeChat.Post(context.Background(), "/cgi-bin/menu/create", nil, body, nil))
}

func TestRawErrcodeBecomesAPIError(t *testing.T) {
	t.Parallel()
	mt, c := mockClient(t)
	mt.RegisterResponder(http.MethodGet, "https://api.weixin.qq.com/cgi-bin/menu/get",
		httpmock.NewStringResponder(200, `{"errcode":46003,"errmsg":"menu no exist"}`))
	err := c.WeChat.Get(context.Background(), "/cgi-bin/menu/get", nil, nil)
	var ae *wego.APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, wego.APIError{Code: 46003, Msg: "menu no exist", Endpoint: "/cgi-bin/menu/get"}, *ae)
	assert.False(t, wego.IsRetryable(err))
}

func TestRawHTTPFailures(t *testing.T) {
	t.Parallel()
	mt, c := mockClient(t)
	mt.RegisterResponder(http.MethodGet, "https://api.weixin.qq.com/status",
		httpmock.NewStringResponder(502, `<html>bad gateway</html>`))
	mt.RegisterResponder(http.MethodGet, "https://api.weixin.qq.com/html",
		httpmock.NewStringResponder(200, `<html>login</html>`))
	mt.RegisterResponder(http.MethodGet, "https://api.weixin.qq.com/huge",
		httpmock.NewBytesResponder(200, bytes.Repeat([]byte(" "), 9<<20)))

	err := c.WeChat.Get(context.Background(), "/status", nil, nil)
	var he *wego.HTTPError
	require.ErrorAs(t, err, &he)
	assert.Equal(t, 502, he.StatusCode)
	assert.True(t, wego.IsRetryable(err))

	var out map[string]any
	err = c.WeChat.Get(context.Background(), "/html", nil, &out)
	require.ErrorAs(t, err, &he)
	assert.Equal(t, 200, he.StatusCode)
	assert.Contains(t, he.Reason, "invalid JSON")

	err = c.WeChat.Get(context.Background(), "/huge", nil, &out)
	require.ErrorIs(t, err, wego.ErrResponseTooLarge)
}

func TestBusyReadsAreRetried(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	wego.SetBusyBackoff(c, time.Millisecond)
	srv.FailNext("/cgi-bin/getcallbackip", -1)
	srv.FailNext("/cgi-bin/getcallbackip", -1)
	ips, err := c.GetWeChatServersList(context.Background())
	require.NoError(t, err)
	assert.NotEmpty(t, ips)
	assert.Equal(t, 3, srv.Requests("/cgi-bin/getcallbackip"))

	for range 4 {
		srv.FailNext("/cgi-bin/getcallbackip", -1)
	}
	_, err = c.GetWeChatServersList(context.Background())
	var ae *wego.APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, -1, ae.Code)
	assert.True(t, wego.IsRetryable(err))
	assert.Equal(t, 3+4, srv.Requests("/cgi-bin/getcallbackip"), "bounded: one call and three retries")
}

func TestBusyWritesAreNotRetried(t *testing.T) {
	t.Parallel()
	mt, c := mockClient(t)
	mt.RegisterResponder(http.MethodPost, "https://api.weixin.qq.com/cgi-bin/menu/create",
		httpmock.NewStringResponder(200, `{"errcode":-1,"errmsg":"system error"}`))
	err := c.WeChat.Post(context.Background(), "/cgi-bin/menu/create", nil, map[string]any{}, nil)
	var ae *wego.APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, -1, ae.Code)
	assert.Equal(t, 1, mt.GetTotalCallCount(), "a write is never sent twice")
}

func TestBusyRetryStopsWhenContextEnds(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	wego.SetBusyBackoff(c, time.Hour)
	srv.FailNext("/cgi-bin/getcallbackip", -1)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := c.GetWeChatServersList(ctx)
	require.ErrorIs(t, err, context.DeadlineExceeded)
}

func TestRequestHonoursCancellation(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	_, err := c.AccessToken(context.Background())
	require.NoError(t, err)
	srv.SetLatency(time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	begin := time.Now()
	_, err = c.GetWeChatServersList(ctx)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Less(t, time.Since(begin), 500*time.Millisecond)
}

// syncBuffer is a log sink for concurrent writers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestNoSecretsInLogsOrErrors drives every path that logs or fails (token
// fetch on both endpoints, rejection and refresh, a refresh held back by the
// bound, a token source told of a rejection, busy retries, network failure)
// with a debug logger and checks neither the AppSecret nor any token appears
// in the log or in an error.
func TestNoSecretsInLogsOrErrors(t *testing.T) {
	t.Parallel()
	for _, ep := range []wego.TokenEndpoint{wego.TokenEndpointStable, wego.TokenEndpointClassic} {
		srv := wegotest.New(t)
		var logs syncBuffer
		s := srv.Settings()
		s.TokenEndpoint = ep
		s.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
		c, err := wego.NewClient(s)
		require.NoError(t, err)
		wego.SetBusyBackoff(c, time.Millisecond)
		clock := newTestClock()
		wego.SetTokenClock(c, clock.Now)
		ctx := context.Background()

		var errs []error
		tokens := map[string]bool{}
		remember := func() {
			tok, err := c.AccessToken(ctx)
			require.NoError(t, err)
			tokens[tok] = true
		}
		_, err = c.GetWeChatServersList(ctx)
		require.NoError(t, err)
		remember()
		srv.FailNext("/cgi-bin/getcallbackip", 40001)
		srv.FailNext("/cgi-bin/getcallbackip", 40001)
		_, err = c.GetWeChatServersList(ctx)
		errs = append(errs, err)
		remember()
		srv.FailNext("/cgi-bin/getcallbackip", 40001) // within the bound's window: held back
		_, err = c.GetWeChatServersList(ctx)
		errs = append(errs, err)
		srv.FailNext("/cgi-bin/getcallbackip", -1)
		_, err = c.GetWeChatServersList(ctx)
		require.NoError(t, err)
		clock.Advance(time.Minute)
		srv.ExpireTokens()
		_, err = c.GetWeChatServersList(ctx)
		require.NoError(t, err)
		remember()

		// A token source told of a rejection, and its refresh held back.
		src := &cachingSource{issue: srv.IssueToken}
		ss := s
		ss.AccessTokenSource, ss.AccessTokenRejected = src.Token, src.Rejected
		sc, err := wego.NewClient(ss)
		require.NoError(t, err)
		wego.SetTokenClock(sc, clock.Now)
		for range 2 {
			_, err = sc.GetWeChatServersList(ctx)
			require.NoError(t, err)
			tok, err := sc.AccessToken(ctx)
			require.NoError(t, err)
			tokens[tok] = true
			srv.ExpireTokens()
		}
		_, err = sc.GetWeChatServersList(ctx)
		errs = append(errs, err)

		// A network failure: net/http puts the whole URL, access_token
		// included, into its error.
		srv.Close()
		_, err = c.GetWeChatServersList(ctx)
		errs = append(errs, err)

		bad := s
		bad.AppSecret = "wrong-" + s.AppSecret
		bc, err := wego.NewClient(bad)
		require.NoError(t, err)
		_, err = bc.AccessToken(ctx)
		errs = append(errs, err)

		out := logs.String()
		require.Contains(t, out, "getcallbackip", "the test must actually capture request logs")
		require.Contains(t, out, "refreshing")
		require.Contains(t, out, "held back")
		secrets := []string{s.AppSecret}
		for tok := range tokens {
			secrets = append(secrets, tok)
		}
		require.GreaterOrEqual(t, len(tokens), 4)
		for _, secret := range secrets {
			assert.NotContains(t, out, secret)
			for _, e := range errs {
				require.Error(t, e)
				assert.NotContains(t, e.Error(), secret)
			}
		}
		var ue *url.Error
		require.True(t, errors.As(errs[3], &ue), "a network failure keeps its type: %v", errs[3])
		assert.Contains(t, ue.URL, "access_token=REDACTED")
	}
}

func TestRedact(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"https://h/p?access_token=abc&openid=o":      "https://h/p?access_token=REDACTED&openid=o",
		"appid=wx1&secret=s3&grant_type=g":           "appid=wx1&secret=REDACTED&grant_type=g",
		`{"appid":"wx","secret":"s3","x":1}`:         `{"appid":"wx","secret":"REDACTED","x":1}`,
		`{"access_token": "t0k"}`:                    `{"access_token": "REDACTED"}`,
		"errcode=40001 and monkey=1":                 "errcode=40001 and monkey=1",
		"nothing to see":                             "nothing to see",
		"a?code=c1&refresh_token=r1&sign=ABC&key=k1": "a?code=REDACTED&refresh_token=REDACTED&sign=REDACTED&key=REDACTED",
	}
	for in, want := range tests {
		assert.Equal(t, want, wego.Redact(in), in)
	}
}

func TestAPIErrorText(t *testing.T) {
	t.Parallel()
	err := &wego.APIError{Code: 40001, Msg: "invalid credential, access_token=abc", Endpoint: "/cgi-bin/x"}
	assert.Equal(t, "wego: /cgi-bin/x: errcode 40001: invalid credential, access_token=REDACTED", err.Error())
	wrapped := errors.Join(errors.New("ctx"), err)
	assert.False(t, wego.IsRetryable(wrapped))
	assert.True(t, wego.IsRetryable(&wego.APIError{Code: -1}))
	assert.True(t, strings.HasPrefix((&wego.PayError{Endpoint: "/pay/x", ReturnCode: "FAIL", ReturnMsg: "签名错误"}).Error(), "wego: /pay/x: return_code FAIL"))
}

func TestGetCallbackIPRaw(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	srv.SetCallbackIPs("101.226.62.77")
	raw, err := c.WeChat.GetCallbackIP(context.Background())
	require.NoError(t, err)
	var got map[string][]string
	require.NoError(t, json.Unmarshal(raw, &got))
	assert.Equal(t, []string{"101.226.62.77"}, got["ip_list"])
}
