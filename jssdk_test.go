package wego_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wego-sdk/wego"
	"github.com/wego-sdk/wego/wegotest"
)

// The example of WeChat's JS-SDK documentation (附录1, 签名算法).
const (
	docTicket    = "sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg"
	docNonce     = "Wm3WZYTPz0wzccnW"
	docTimestamp = 1414587457
)

func TestJSSignatureOfWeChatsExamples(t *testing.T) {
	t.Parallel()
	// The page's example today, with a query, and the one it carried
	// before, without.
	assert.Equal(t, "0f9de62fce790f9a083d5c99e95740ceb90c27ed",
		wego.JSSignature(docTicket, docNonce, docTimestamp, "http://mp.weixin.qq.com?params=value"))
	assert.Equal(t, "f4d90daf4b3bca3078ab155816175ba34c443a7b",
		wego.JSSignature(docTicket, docNonce, docTimestamp, "http://mp.weixin.qq.com"))
}

func TestJSSignatureDropsTheFragment(t *testing.T) {
	t.Parallel()
	const page = "http://mp.weixin.qq.com?params=value"
	want := wego.JSSignature(docTicket, docNonce, docTimestamp, page)
	for _, u := range []string{page + "#", page + "#/cart?x=1", page + "#a#b"} {
		assert.Equal(t, want, wego.JSSignature(docTicket, docNonce, docTimestamp, u), u)
	}
	// A long URL (past the stack buffer) signs the same way.
	long := "https://m.example.com/?q=" + string(make([]byte, 2000))
	assert.Len(t, wego.JSSignature(docTicket, docNonce, docTimestamp, long), 40)
}

func TestGetTicketRequest(t *testing.T) {
	t.Parallel()
	const answer = `{"errcode":0,"errmsg":"ok","ticket":"T","expires_in":7200}`
	runMockCases(t, []mockCase{
		{"jsapi", func(ctx context.Context, c *wego.Client) error {
			raw, err := c.WeChat.GetTicket(ctx, wego.TicketJSAPI)
			assert.JSONEq(t, answer, string(raw))
			return err
		}, []wantCall{{method: http.MethodGet, path: "/cgi-bin/ticket/getticket", query: url.Values{"type": {"jsapi"}}, answer: answer}}},
		{"wx_card", func(ctx context.Context, c *wego.Client) error {
			_, err := c.WeChat.GetTicket(ctx, wego.TicketWXCard)
			return err
		}, []wantCall{{method: http.MethodGet, path: "/cgi-bin/ticket/getticket", query: url.Values{"type": {"wx_card"}}, answer: answer}}},
	})

	c := mockCalls(t) // no request
	_, err := c.WeChat.GetTicket(context.Background(), "")
	require.ErrorIs(t, err, wego.ErrMissingParameter)
}

// JSConfig asks for a jsapi ticket once and signs with it.
func TestJSConfigRequestsTicketOnce(t *testing.T) {
	t.Parallel()
	c := mockCalls(t, wantCall{method: http.MethodGet, path: "/cgi-bin/ticket/getticket",
		query: url.Values{"type": {"jsapi"}}, answer: `{"errcode":0,"errmsg":"ok","ticket":"T","expires_in":7200}`})
	for range 3 {
		cfg, err := c.JSConfig(context.Background(), "https://m.example.com/a")
		require.NoError(t, err)
		assert.Equal(t, wego.JSSignature("T", cfg.NonceStr, cfg.Timestamp, "https://m.example.com/a"), cfg.Signature)
	}
}

func TestJSConfigRefusesAnswerWithoutTicket(t *testing.T) {
	t.Parallel()
	for _, answer := range []string{`{"errcode":0,"errmsg":"ok"}`, `{"errcode":0,"errmsg":"ok","ticket":"T"}`, `{"ticket":"","expires_in":7200}`} {
		c := mockCalls(t, wantCall{method: http.MethodGet, path: "/cgi-bin/ticket/getticket", query: url.Values{"type": {"jsapi"}}, answer: answer})
		_, err := c.JSConfig(context.Background(), "https://m.example.com/")
		var he *wego.HTTPError
		require.ErrorAs(t, err, &he, answer)
		assert.Equal(t, "/cgi-bin/ticket/getticket", he.Endpoint)
	}
}

// A lifetime past WeChat's 7200 s is capped, as the token's is.
func TestTicketExpiresInIsClamped(t *testing.T) {
	t.Parallel()
	mt := httpmock.NewMockTransport()
	var fetches atomic.Int32
	mt.RegisterResponder(http.MethodGet, "https://api.weixin.qq.com/cgi-bin/ticket/getticket",
		func(*http.Request) (*http.Response, error) {
			fetches.Add(1)
			return httpmock.NewStringResponse(200, `{"errcode":0,"errmsg":"ok","ticket":"T","expires_in":1e30}`), nil
		})
	store := wego.NewMemoryTokenStore()
	c, err := wego.NewClient(wego.Settings{
		AppID: "wx1", AppSecret: "secret", TokenStore: store,
		HTTPClient:        &http.Client{Transport: mt},
		AccessTokenSource: func(context.Context) (string, error) { return "TOKEN", nil },
	})
	require.NoError(t, err)
	ctx := context.Background()
	for range 3 {
		_, err := c.JSConfig(ctx, "https://m.example.com/")
		require.NoError(t, err)
	}
	assert.Equal(t, int32(1), fetches.Load())
	got, ok, err := store.Token(ctx, "wx1/jsapi_ticket")
	require.NoError(t, err)
	require.True(t, ok, "the ticket is stored under AppID/jsapi_ticket")
	assert.WithinDuration(t, time.Now().Add(7200*time.Second-180*time.Second), got.ExpiresAt, time.Minute)
	_, ok, _ = store.Token(ctx, "wx1")
	assert.False(t, ok, "not under the access token's key")
}

// verifyConfig checks cfg as wx.config would on WeChat, for pageURL.
func verifyConfig(t *testing.T, srv *wegotest.Server, pageURL string, cfg *wego.JSConfig) {
	t.Helper()
	require.NotNil(t, cfg)
	require.NoError(t, srv.VerifyJSSignature(pageURL, cfg.NonceStr, cfg.Timestamp, cfg.Signature))
}

func TestJSConfigEndToEnd(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	const page = "https://m.example.com/shop?item=1&from=timeline"
	before := time.Now().Unix()
	cfg, err := c.JSConfig(context.Background(), page)
	require.NoError(t, err)
	verifyConfig(t, srv, page, cfg)

	assert.Equal(t, srv.AppID, cfg.AppID)
	assert.InDelta(t, before, cfg.Timestamp, 2)
	assert.Regexp(t, regexp.MustCompile(`^[A-Za-z0-9]{16,32}$`), cfg.NonceStr)
	assert.Equal(t, wego.JSSignature(srv.JSAPITicket(), cfg.NonceStr, cfg.Timestamp, page), cfg.Signature)

	// What wx.config takes: the timestamp is a number.
	b, err := json.Marshal(cfg)
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m))
	assert.Equal(t, map[string]any{"appId": cfg.AppID, "timestamp": float64(cfg.Timestamp), "nonceStr": cfg.NonceStr, "signature": cfg.Signature}, m)

	// Each config has its own nonce.
	again, err := c.JSConfig(context.Background(), page)
	require.NoError(t, err)
	assert.NotEqual(t, cfg.NonceStr, again.NonceStr)
	verifyConfig(t, srv, page, again)
	assert.Equal(t, 1, srv.Requests(wegotest.PathTicket))
}

func TestJSConfigDropsTheFragment(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	const page = "https://m.example.com/app/?id=7"
	cfg, err := c.JSConfig(context.Background(), page+"#/cart?step=2")
	require.NoError(t, err)
	verifyConfig(t, srv, page, cfg)
	assert.Equal(t, wego.JSSignature(srv.JSAPITicket(), cfg.NonceStr, cfg.Timestamp, page), cfg.Signature)
}

func TestJSConfigRefusesBadPageURL(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	_, err := c.JSConfig(context.Background(), "")
	require.ErrorIs(t, err, wego.ErrMissingParameter)
	assert.ErrorContains(t, err, "pageURL")
	for _, u := range []string{
		"m.example.com/shop",       // no scheme
		"/shop?item=1",             // relative
		"//m.example.com/shop",     // no scheme
		"ftp://m.example.com/shop", // not http
		"javascript:alert(1)",
		"https://",                       // no host
		"https:///shop",                  // no host
		"https%3A%2F%2Fm.example.com%2F", // escaped, as encodeURIComponent gives it
		"https://m.exa mple.com/",        // not a URL
		"http://m.example.com/\x7f",      // control character
	} {
		_, err := c.JSConfig(context.Background(), u)
		require.ErrorIs(t, err, wego.ErrInvalidParameter, u)
		assert.ErrorContains(t, err, "pageURL", u)
	}
	assert.Equal(t, 0, srv.Requests(wegotest.PathTicket), "nothing sent")
	assert.Equal(t, 0, srv.TokenRequests(), "nothing sent")
}

// Any number of callers on a cold cache: one token request, one ticket
// request, and every signature verifies.
func TestJSConfigColdCacheOneRequest(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	srv.SetLatency(50 * time.Millisecond)
	const page = "https://m.example.com/"
	var mu sync.Mutex
	var cfgs []*wego.JSConfig
	for _, err := range callAll(200, func() error {
		cfg, err := c.JSConfig(context.Background(), page)
		mu.Lock()
		cfgs = append(cfgs, cfg)
		mu.Unlock()
		return err
	}) {
		require.NoError(t, err)
	}
	assert.Equal(t, 1, srv.Requests(wegotest.PathTicket), "a cold cache must cause exactly one ticket request")
	assert.Equal(t, 1, srv.TokenRequests())
	for _, cfg := range cfgs {
		verifyConfig(t, srv, page, cfg)
	}
}

// The ticket is used until a quarter of a short lifetime is left (three
// minutes of WeChat's 7200 s), then fetched again, once.
func TestJSConfigTicketExpiry(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	srv.SetTicketTTL(2 * time.Second)
	const page = "https://m.example.com/"
	get := func() error {
		cfg, err := c.JSConfig(context.Background(), page)
		if err == nil {
			err = srv.VerifyJSSignature(page, cfg.NonceStr, cfg.Timestamp, cfg.Signature)
		}
		return err
	}
	require.NoError(t, get())
	time.Sleep(1200 * time.Millisecond)
	require.NoError(t, get())
	assert.Equal(t, 1, srv.Requests(wegotest.PathTicket), "still fresh after 1.2 s of 2 s")
	time.Sleep(400 * time.Millisecond)
	for _, err := range callAll(50, get) {
		require.NoError(t, err)
	}
	assert.Equal(t, 2, srv.Requests(wegotest.PathTicket), "fetched again once after 1.5 s")
	assert.Equal(t, 1, srv.TokenRequests(), "the token lives on")
}

// ticketKey is where the ticket of srv's account is stored.
func ticketKey(srv *wegotest.Server) string { return srv.AppID + "/jsapi_ticket" }

// When WeChat rejects the access token a ticket was fetched with, the
// ticket is dropped with it and fetched again with the next token.
func TestJSConfigTicketDroppedWithRejectedToken(t *testing.T) {
	t.Parallel()
	for name, reject := range map[string]func(*wegotest.Server){
		"expired (42001)": func(srv *wegotest.Server) { srv.ExpireTokens() },
		"invalid (40001)": func(srv *wegotest.Server) { srv.FailNext(ipPath, 40001) },
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			store := wego.NewMemoryTokenStore()
			srv, c := setup(t, func(s *wego.Settings) { s.TokenStore = store })
			ctx := context.Background()
			const page = "https://m.example.com/"
			_, err := c.JSConfig(ctx, page)
			require.NoError(t, err)

			reject(srv)
			_, err = c.GetWeChatServersList(ctx)
			require.NoError(t, err, "refreshed and retried")
			_, ok, err := store.Token(ctx, ticketKey(srv))
			require.NoError(t, err)
			assert.False(t, ok, "the ticket left the store with its token")

			cfg, err := c.JSConfig(ctx, page)
			require.NoError(t, err)
			verifyConfig(t, srv, page, cfg)
			assert.Equal(t, 2, srv.Requests(wegotest.PathTicket))
			assert.Equal(t, 2, srv.TokenRequests())
		})
	}
}

// With a token source, whose servers may hold different tokens, dropping
// alone ends a ticket: when WeChat rejects the source's token, the ticket
// fetched with it goes, and the next one comes with the new token.
func TestJSConfigTicketDroppedWithRejectedSourceToken(t *testing.T) {
	t.Parallel()
	srv, src, c := sourceSetup(t)
	ctx := context.Background()
	const page = "https://m.example.com/"
	for range 3 {
		_, err := c.JSConfig(ctx, page)
		require.NoError(t, err)
	}
	assert.Equal(t, 1, srv.Requests(wegotest.PathTicket))

	srv.ExpireTokens()
	_, err := c.GetWeChatServersList(ctx)
	require.NoError(t, err)
	issued, rejected := src.counts()
	require.Equal(t, 1, rejected)
	require.Equal(t, 2, issued)

	cfg, err := c.JSConfig(ctx, page)
	require.NoError(t, err)
	verifyConfig(t, srv, page, cfg)
	assert.Equal(t, 2, srv.Requests(wegotest.PathTicket), "the ticket went with its token")
}

// A rejection on the ticket endpoint itself refreshes the token and
// retries, as on any endpoint.
func TestJSConfigTicketRequestRejected(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	ctx := context.Background()
	_, err := c.AccessToken(ctx)
	require.NoError(t, err)
	srv.FailNext(wegotest.PathTicket, 40001)
	const page = "https://m.example.com/"
	cfg, err := c.JSConfig(ctx, page)
	require.NoError(t, err)
	verifyConfig(t, srv, page, cfg)
	_, err = c.JSConfig(ctx, page)
	require.NoError(t, err)
	assert.Equal(t, 2, srv.Requests(wegotest.PathTicket), "rejected, retried, then cached")
	assert.Equal(t, 2, srv.TokenRequests())
}

// While the SDK holds back refreshes of a token WeChat keeps rejecting
// (the bound of AccessToken), the token stays in use and so does its
// ticket: dropping it at each rejection would cost a ticket request per
// call.
func TestJSConfigTicketKeptWhileRefreshHeldBack(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	wego.SetTokenClock(c, newTestClock().Now)
	ctx := context.Background()
	const page = "https://m.example.com/"
	_, err := c.JSConfig(ctx, page)
	require.NoError(t, err)

	srv.FailAlways(ipPath, 40001)
	callRejected(t, c) // 200 rejected calls: one refresh, the others held back
	for range 3 {
		cfg, err := c.JSConfig(ctx, page)
		require.NoError(t, err)
		verifyConfig(t, srv, page, cfg)
	}
	callRejected(t, c)
	_, err = c.JSConfig(ctx, page)
	require.NoError(t, err)
	assert.Equal(t, 2, srv.Requests(wegotest.PathTicket), "one more ticket, with the one refreshed token")
	assert.Equal(t, 2, srv.TokenRequests())
}

// Servers sharing a store share the ticket.
func TestJSConfigSharedStore(t *testing.T) {
	t.Parallel()
	srv := wegotest.New(t)
	s := srv.Settings()
	s.TokenStore = wego.NewMemoryTokenStore()
	a, err := wego.NewClient(s)
	require.NoError(t, err)
	b, err := wego.NewClient(s)
	require.NoError(t, err)
	const page = "https://m.example.com/"
	for _, c := range []*wego.Client{a, b, a, b} {
		cfg, err := c.JSConfig(context.Background(), page)
		require.NoError(t, err)
		verifyConfig(t, srv, page, cfg)
	}
	assert.Equal(t, 1, srv.Requests(wegotest.PathTicket))
	assert.Equal(t, 1, srv.TokenRequests())
}

// A ticket in a shared store is used only with the token it was fetched
// with: a server that stored it just after another server dropped that
// token (a race dropping cannot close) leaves a ticket no one uses.
func TestJSConfigSharedStoreTicketFollowsToken(t *testing.T) {
	t.Parallel()
	srv := wegotest.New(t)
	store := wego.NewMemoryTokenStore()
	s := srv.Settings()
	s.TokenStore = store
	s.TokenEndpoint = wego.TokenEndpointClassic // a new token on every fetch
	a, err := wego.NewClient(s)
	require.NoError(t, err)
	b, err := wego.NewClient(s)
	require.NoError(t, err)
	ctx := context.Background()
	const page = "https://m.example.com/"

	_, err = a.JSConfig(ctx, page)
	require.NoError(t, err)
	old, err := a.AccessToken(ctx)
	require.NoError(t, err)
	// Another server saw the token rejected and dropped it; its ticket
	// stays in the store, as when it was stored a moment too late.
	require.NoError(t, store.DeleteToken(ctx, srv.AppID, old))
	_, ok, _ := store.Token(ctx, ticketKey(srv))
	require.True(t, ok)

	for _, c := range []*wego.Client{b, a, b} {
		cfg, err := c.JSConfig(ctx, page)
		require.NoError(t, err)
		verifyConfig(t, srv, page, cfg)
	}
	assert.Equal(t, 2, srv.Requests(wegotest.PathTicket), "one more ticket, with the new token")
	assert.Equal(t, 2, srv.TokenRequests())
}

// When the store cannot be read, the ticket fetched here is used, as the
// token is: a store outage does not turn every call into a request.
func TestJSConfigStoreOutageUsesLastTicket(t *testing.T) {
	t.Parallel()
	srv, c := setup(t, func(s *wego.Settings) { s.TokenStore = &failingStore{} })
	const page = "https://m.example.com/"
	for range 20 {
		cfg, err := c.JSConfig(context.Background(), page)
		require.NoError(t, err)
		verifyConfig(t, srv, page, cfg)
	}
	assert.Equal(t, 1, srv.Requests(wegotest.PathTicket))
	assert.Equal(t, 1, srv.TokenRequests())
}

func TestJSConfigHonoursCancellation(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	_, err := c.AccessToken(context.Background()) // the ticket is what waits
	require.NoError(t, err)
	srv.SetLatency(300 * time.Millisecond)

	ctx, cancel := context.WithCancel(context.Background())
	var quitter error
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		_, quitter = c.JSConfig(ctx, "https://m.example.com/")
	}()
	time.Sleep(20 * time.Millisecond) // the quitter started the fetch
	begin := time.Now()
	cancel()
	wg.Wait()
	assert.ErrorIs(t, quitter, context.Canceled)
	assert.Less(t, time.Since(begin), 200*time.Millisecond, "a cancelled caller returns at once")

	// The fetch the quitter started goes on for the callers still waiting.
	cfg, err := c.JSConfig(context.Background(), "https://m.example.com/")
	require.NoError(t, err)
	verifyConfig(t, srv, "https://m.example.com/", cfg)
	assert.Equal(t, 1, srv.Requests(wegotest.PathTicket))
}

func TestChooseWXPay(t *testing.T) {
	t.Parallel()
	for _, st := range []wego.SignType{wego.SignTypeMD5, wego.SignTypeHMACSHA256} {
		srv, c := setup(t, func(s *wego.Settings) { s.PaySignType = st })
		p, err := c.JSAPIPayParams("wx201410272009395522657a690389285100")
		require.NoError(t, err)
		ch := p.ChooseWXPay()
		assert.Equal(t, wego.ChooseWXPayParams{Timestamp: p.TimeStamp, NonceStr: p.NonceStr, Package: p.Package, SignType: p.SignType, PaySign: p.PaySign}, ch)

		// The object wx.chooseWXPay takes: no appId, timestamp in lower
		// case and a string, the digits signed.
		b, err := json.Marshal(ch)
		require.NoError(t, err)
		var m map[string]any
		require.NoError(t, json.Unmarshal(b, &m))
		assert.Equal(t, map[string]any{"timestamp": p.TimeStamp, "nonceStr": p.NonceStr,
			"package": "prepay_id=wx201410272009395522657a690389285100", "signType": string(st), "paySign": p.PaySign}, m)

		// paySign was made over timeStamp, as the bridge gets it from the
		// JS-SDK (timeStamp: timestamp + "").
		signed := wego.Sign(map[string]string{"appId": srv.AppID, "timeStamp": m["timestamp"].(string),
			"nonceStr": ch.NonceStr, "package": ch.Package, "signType": ch.SignType}, srv.MchSecret, st)
		assert.Equal(t, signed, ch.PaySign, st)
	}
	var none *wego.JSAPIPayParams
	assert.Equal(t, wego.ChooseWXPayParams{}, none.ChooseWXPay(), "nil gives nothing, not a panic")
}

// The card api_ticket is cached, shared by servers sharing a store, kept
// apart from the jsapi_ticket, and dropped with the token it was fetched
// with.
func TestCardTicket(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := wegotest.New(t)
	store := wego.NewMemoryTokenStore()
	s := srv.Settings()
	s.TokenStore = store
	a, err := wego.NewClient(s)
	require.NoError(t, err)
	b, err := wego.NewClient(s)
	require.NoError(t, err)

	var wg sync.WaitGroup
	got := make([]string, 40)
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tk, err := a.CardTicket(ctx)
			assert.NoError(t, err)
			got[i] = tk
		}()
	}
	wg.Wait()
	assert.Equal(t, 1, srv.Requests(wegotest.PathTicket), "one request for 40 callers")
	for _, tk := range got {
		assert.Equal(t, got[0], tk)
	}
	onB, err := b.CardTicket(ctx)
	require.NoError(t, err)
	assert.Equal(t, got[0], onB, "another server sharing the store uses it")
	assert.Equal(t, 1, srv.Requests(wegotest.PathTicket))
	st, ok, err := store.Token(ctx, srv.AppID+"/wx_card_ticket")
	require.NoError(t, err)
	require.True(t, ok, "kept under the AppID and /wx_card_ticket")
	assert.Contains(t, st.Value, got[0])

	cfg, err := a.JSConfig(ctx, "https://m.example.com/")
	require.NoError(t, err)
	assert.NotEqual(t, wego.JSSignature(got[0], cfg.NonceStr, cfg.Timestamp, "https://m.example.com/"), cfg.Signature,
		"wx.config is not signed with the card ticket")
	assert.Equal(t, 2, srv.Requests(wegotest.PathTicket), "the jsapi_ticket is a ticket of its own")

	srv.ExpireTokens() // WeChat rejects the token: the tickets fetched with it go
	_, err = a.GetWeChatServersList(ctx)
	require.NoError(t, err)
	_, err = b.CardTicket(ctx)
	require.NoError(t, err)
	assert.Equal(t, 3, srv.Requests(wegotest.PathTicket), "a new card ticket with the new token")
}
