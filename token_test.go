package wego_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
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

// setup returns a fake platform and a client pointed at it.
func setup(t *testing.T, edit ...func(*wego.Settings)) (*wegotest.Server, *wego.Client) {
	t.Helper()
	srv := wegotest.New(t)
	s := srv.Settings()
	for _, e := range edit {
		e(&s)
	}
	c, err := wego.NewClient(s)
	require.NoError(t, err)
	return srv, c
}

// callAll runs fn in n goroutines at once and returns the errors.
func callAll(n int, fn func() error) []error {
	errs := make([]error, n)
	var start, done sync.WaitGroup
	start.Add(1)
	for i := range n {
		done.Add(1)
		go func() {
			defer done.Done()
			start.Wait()
			errs[i] = fn()
		}()
	}
	start.Done()
	done.Wait()
	return errs
}

func TestAccessTokenColdCacheOneRequest(t *testing.T) {
	t.Parallel()
	for _, ep := range []wego.TokenEndpoint{wego.TokenEndpointStable, wego.TokenEndpointClassic} {
		t.Run(ep.String(), func(t *testing.T) {
			t.Parallel()
			srv, c := setup(t, func(s *wego.Settings) { s.TokenEndpoint = ep })
			srv.SetLatency(50 * time.Millisecond)
			srv.SetTokenTTL(2 * time.Second)
			ctx := context.Background()

			var mu sync.Mutex
			seen := map[string]int{}
			get := func() error {
				tok, err := c.AccessToken(ctx)
				mu.Lock()
				seen[tok]++
				mu.Unlock()
				return err
			}
			for _, err := range callAll(1000, get) {
				require.NoError(t, err)
			}
			assert.Equal(t, 1, srv.TokenRequests(), "a cold cache must cause exactly one token request")
			assert.Len(t, seen, 1, "every caller must get the same token")

			// The client stops using a 2 s token after 1.5 s (a quarter of the
			// lifetime as margin); then exactly one more request.
			time.Sleep(1600 * time.Millisecond)
			for _, err := range callAll(1000, get) {
				require.NoError(t, err)
			}
			assert.Equal(t, 2, srv.TokenRequests(), "an expired cache must cause exactly one more request")
			assert.Len(t, seen, 2, "the refresh must bring a new token")
		})
	}
}

func TestAccessTokenCached(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	ctx := context.Background()
	first, err := c.AccessToken(ctx)
	require.NoError(t, err)
	require.NotEmpty(t, first)
	for range 10 {
		tok, err := c.AccessToken(ctx)
		require.NoError(t, err)
		require.Equal(t, first, tok)
	}
	assert.Equal(t, 1, srv.Requests(wegotest.PathStableToken))
	assert.Equal(t, 0, srv.Requests(wegotest.PathToken), "stable_token is the default endpoint")
}

func TestTokenRejectedOnceIsRefreshedAndRetried(t *testing.T) {
	t.Parallel()
	for _, code := range []int{40001, 40014, 42001} {
		srv, c := setup(t)
		ctx := context.Background()
		_, err := c.GetWeChatServersList(ctx) // warm the cache
		require.NoError(t, err)

		srv.FailNext("/cgi-bin/getcallbackip", code)
		ips, err := c.GetWeChatServersList(ctx)
		require.NoError(t, err, "errcode %d", code)
		assert.Equal(t, []string{"127.0.0.1", "::1"}, ips)
		assert.Equal(t, 3, srv.Requests("/cgi-bin/getcallbackip"), "warm-up, rejected call, retry")
		assert.Equal(t, 2, srv.TokenRequests(), "the rejected token is dropped and fetched again")
	}
}

func TestTokenRejectedTwiceSurfacesAPIError(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	srv.FailNext("/cgi-bin/getcallbackip", 40001)
	srv.FailNext("/cgi-bin/getcallbackip", 40001)
	_, err := c.GetWeChatServersList(context.Background())
	var ae *wego.APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, 40001, ae.Code)
	assert.Equal(t, "/cgi-bin/getcallbackip", ae.Endpoint)
	assert.True(t, ae.TokenInvalid())
	assert.Equal(t, 2, srv.Requests("/cgi-bin/getcallbackip"), "one retry, not more")
}

func TestTokenExpiredOnServerIsRefreshed(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	ctx := context.Background()
	old, err := c.AccessToken(ctx)
	require.NoError(t, err)
	srv.ExpireTokens() // WeChat now answers 42001 for the cached token
	_, err = c.GetWeChatServersList(ctx)
	require.NoError(t, err)
	tok, err := c.AccessToken(ctx)
	require.NoError(t, err)
	assert.NotEqual(t, old, tok)
}

func TestTokenFetchFailureReachesEveryWaiter(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	srv.SetLatency(30 * time.Millisecond)
	srv.FailNext(wegotest.PathStableToken, 40013)
	errs := callAll(50, func() error { _, err := c.AccessToken(context.Background()); return err })
	for _, err := range errs {
		var ae *wego.APIError
		require.ErrorAs(t, err, &ae)
		assert.Equal(t, 40013, ae.Code)
	}
	assert.Equal(t, 1, srv.TokenRequests())
	// The failure is not cached: the next call asks again and succeeds.
	_, err := c.AccessToken(context.Background())
	require.NoError(t, err)
	assert.Equal(t, 2, srv.TokenRequests())
}

func TestWrongSecretIsAPIError(t *testing.T) {
	t.Parallel()
	for _, ep := range []wego.TokenEndpoint{wego.TokenEndpointStable, wego.TokenEndpointClassic} {
		_, c := setup(t, func(s *wego.Settings) { s.AppSecret = "not-the-secret"; s.TokenEndpoint = ep })
		_, err := c.AccessToken(context.Background())
		var ae *wego.APIError
		require.ErrorAs(t, err, &ae, ep.String())
		assert.Equal(t, 40125, ae.Code)
		assert.NotContains(t, err.Error(), "not-the-secret")
	}
}

func TestAccessTokenHonoursCancellation(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	srv.SetLatency(300 * time.Millisecond)

	ctx, cancel := context.WithCancel(context.Background())
	var quitter error
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		_, quitter = c.AccessToken(ctx)
	}()
	time.Sleep(20 * time.Millisecond) // the quitter started the fetch
	begin := time.Now()
	cancel()
	wg.Wait()
	assert.ErrorIs(t, quitter, context.Canceled)
	assert.Less(t, time.Since(begin), 200*time.Millisecond, "a cancelled caller returns at once")

	// The fetch the quitter started goes on for the callers still waiting.
	tok, err := c.AccessToken(context.Background())
	require.NoError(t, err)
	assert.NotEmpty(t, tok)
	assert.Equal(t, 1, srv.TokenRequests())
}

func TestAccessTokenSource(t *testing.T) {
	t.Parallel()
	srv := wegotest.New(t)
	s := srv.Settings()
	var calls atomic.Int32
	// The source serves tokens fetched by another client, as a central token
	// service would; it hands out a fresh one after a rejection.
	central, err := wego.NewClient(srv.Settings())
	require.NoError(t, err)
	s.AccessTokenSource = func(ctx context.Context) (string, error) {
		calls.Add(1)
		return central.AccessToken(ctx)
	}
	c, err := wego.NewClient(s)
	require.NoError(t, err)

	_, err = c.GetWeChatServersList(context.Background())
	require.NoError(t, err)
	assert.Equal(t, int32(1), calls.Load())

	srv.FailNext("/cgi-bin/getcallbackip", 40001)
	_, err = c.GetWeChatServersList(context.Background())
	require.NoError(t, err)
	assert.Equal(t, int32(3), calls.Load(), "the source is asked again after a rejection")

	s.AccessTokenSource = func(context.Context) (string, error) { return "", errors.New("token service down") }
	c, err = wego.NewClient(s)
	require.NoError(t, err)
	_, err = c.GetWeChatServersList(context.Background())
	require.ErrorContains(t, err, "token service down")
}

func TestSharedTokenStore(t *testing.T) {
	t.Parallel()
	srv := wegotest.New(t)
	store := wego.NewMemoryTokenStore()
	s := srv.Settings()
	s.TokenStore = store
	s.TokenEndpoint = wego.TokenEndpointClassic // every fetch would invalidate the other's token
	a, err := wego.NewClient(s)
	require.NoError(t, err)
	b, err := wego.NewClient(s)
	require.NoError(t, err)

	ta, err := a.AccessToken(context.Background())
	require.NoError(t, err)
	tb, err := b.AccessToken(context.Background())
	require.NoError(t, err)
	assert.Equal(t, ta, tb, "servers sharing a store share the token")
	assert.Equal(t, 1, srv.TokenRequests())
}

// failingStore is a TokenStore whose reads fail, as a Redis outage would.
type failingStore struct{ wego.MemoryTokenStore }

func (f *failingStore) Token(context.Context, string) (wego.Token, bool, error) {
	return wego.Token{}, false, errors.New("store unreachable")
}

func TestTokenStoreOutageDoesNotBurnQuota(t *testing.T) {
	t.Parallel()
	srv, c := setup(t, func(s *wego.Settings) { s.TokenStore = &failingStore{} })
	for range 20 {
		_, err := c.GetWeChatServersList(context.Background())
		require.NoError(t, err)
	}
	assert.Equal(t, 1, srv.TokenRequests(), "the token fetched here is reused while the store is down")
}

// downStore is a TokenStore shared by servers that goes down on demand,
// as a Redis does: every call then fails.
type downStore struct {
	wego.MemoryTokenStore
	down atomic.Bool
}

var errStoreDown = errors.New("store unreachable")

func (d *downStore) Token(ctx context.Context, key string) (wego.Token, bool, error) {
	if d.down.Load() {
		return wego.Token{}, false, errStoreDown
	}
	return d.MemoryTokenStore.Token(ctx, key)
}

func (d *downStore) SetToken(ctx context.Context, key string, tok wego.Token) error {
	if d.down.Load() {
		return errStoreDown
	}
	return d.MemoryTokenStore.SetToken(ctx, key, tok)
}

func (d *downStore) DeleteToken(ctx context.Context, key, value string) error {
	if d.down.Load() {
		return errStoreDown
	}
	return d.MemoryTokenStore.DeleteToken(ctx, key, value)
}

// A server that only ever read the token and the ticket from the shared
// store (another server fetched them) keeps using them when the store goes
// down: the outage costs neither a call nor a request to WeChat while they
// live.
func TestTokenStoreOutageKeepsWhatWasRead(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := wegotest.New(t)
	store := &downStore{}
	s := srv.Settings()
	s.TokenStore = store
	fetcher, err := wego.NewClient(s)
	require.NoError(t, err)
	reader, err := wego.NewClient(s)
	require.NoError(t, err)
	const page = "https://m.example.com/"
	_, err = fetcher.JSConfig(ctx, page)
	require.NoError(t, err)
	_, err = reader.JSConfig(ctx, page) // read from the store, not fetched
	require.NoError(t, err)
	require.Equal(t, 1, srv.TokenRequests())
	require.Equal(t, 1, srv.Requests(wegotest.PathTicket))

	store.down.Store(true)
	for range 10 {
		_, err := reader.GetWeChatServersList(ctx)
		require.NoError(t, err)
		cfg, err := reader.JSConfig(ctx, page)
		require.NoError(t, err)
		verifyConfig(t, srv, page, cfg)
	}
	assert.Equal(t, 1, srv.TokenRequests(), "the token read before the outage serves through it")
	assert.Equal(t, 1, srv.Requests(wegotest.PathTicket), "so does the ticket")
}

func TestMemoryTokenStoreDeleteOnlyMatching(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	var m wego.MemoryTokenStore // the zero value works
	_, ok, err := m.Token(ctx, "app")
	require.NoError(t, err)
	require.False(t, ok)
	require.NoError(t, m.SetToken(ctx, "app", wego.Token{Value: "new", ExpiresAt: time.Now().Add(time.Hour)}))
	require.NoError(t, m.DeleteToken(ctx, "app", "old"))
	got, ok, _ := m.Token(ctx, "app")
	require.True(t, ok, "deleting a stale value keeps the fresh token")
	assert.Equal(t, "new", got.Value)
	require.NoError(t, m.DeleteToken(ctx, "app", "new"))
	_, ok, _ = m.Token(ctx, "app")
	assert.False(t, ok)
}

// testClock stands still until the test moves it, so a slow machine never
// opens a window the test expects closed.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func newTestClock() *testClock { return &testClock{t: time.Now()} }

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

const ipPath = "/cgi-bin/getcallbackip"

// wantCode returns an error unless err is an *APIError with code.
func wantCode(err error, code int) error {
	var ae *wego.APIError
	if !errors.As(err, &ae) || ae.Code != code {
		return fmt.Errorf("want errcode %d, got %v", code, err)
	}
	return nil
}

// callRejected makes 200 calls, 20 goroutines at once, to an endpoint
// answering 40001, and checks that each fails with that code.
func callRejected(t *testing.T, c *wego.Client) {
	t.Helper()
	errs := callAll(20, func() error {
		for range 10 {
			if err := wantCode(c.WeChat.Get(context.Background(), ipPath, nil, nil), 40001); err != nil {
				return err
			}
		}
		return nil
	})
	for _, err := range errs {
		require.NoError(t, err)
	}
}

// A WeChat that keeps answering 40001 (a secret rotated elsewhere, a proxy
// gone wrong) must not turn every call into a token request: the quota of
// the classic endpoint is 2000 a day.
func TestPersistentRejectionRefreshesAreBounded(t *testing.T) {
	t.Parallel()
	for _, ep := range []wego.TokenEndpoint{wego.TokenEndpointClassic, wego.TokenEndpointStable} {
		t.Run(ep.String(), func(t *testing.T) {
			t.Parallel()
			srv, c := setup(t, func(s *wego.Settings) { s.TokenEndpoint = ep })
			clock := newTestClock()
			wego.SetTokenClock(c, clock.Now)
			ctx := context.Background()
			srv.FailAlways(ipPath, 40001)

			// 200 calls while the clock stands still: the first rejection
			// drives one refresh, every other call gets the APIError at once.
			callRejected(t, c)
			assert.Equal(t, 2, srv.TokenRequests(), "the first fetch and one refresh")

			// A whole day of rejections, a call every 150 s: refreshes back
			// off to one every five minutes, far under the quota.
			before := srv.TokenRequests()
			for range 24 * 60 * 60 / 150 {
				clock.Advance(150 * time.Second)
				require.NoError(t, wantCode(c.WeChat.Get(ctx, ipPath, nil, nil), 40001))
			}
			day := srv.TokenRequests() - before
			assert.LessOrEqual(t, day, 300, "token requests in a day of rejections")
			assert.GreaterOrEqual(t, day, 250, "the SDK keeps trying, about every five minutes")

			// WeChat accepts tokens again; after half an hour without
			// rejections the bound is back to its first step: a rejection
			// is refreshed at once, and another five seconds later too.
			srv.FailAlways(ipPath, 0)
			require.NoError(t, c.WeChat.Get(ctx, ipPath, nil, nil))
			clock.Advance(30 * time.Minute)
			before = srv.TokenRequests()
			srv.FailNext(ipPath, 40001)
			require.NoError(t, c.WeChat.Get(ctx, ipPath, nil, nil), "refreshed and retried")
			clock.Advance(5 * time.Second)
			srv.FailNext(ipPath, 42001)
			require.NoError(t, c.WeChat.Get(ctx, ipPath, nil, nil), "refreshed and retried")
			assert.Equal(t, before+2, srv.TokenRequests())
		})
	}
}

// Every call in flight when WeChat revokes the token is retried with the
// one new token: the bound holds back nobody in a real revocation.
func TestRevokedTokenEveryCallerRetries(t *testing.T) {
	t.Parallel()
	for _, ep := range []wego.TokenEndpoint{wego.TokenEndpointClassic, wego.TokenEndpointStable} {
		t.Run(ep.String(), func(t *testing.T) {
			t.Parallel()
			srv, c := setup(t, func(s *wego.Settings) { s.TokenEndpoint = ep })
			wego.SetTokenClock(c, newTestClock().Now)
			ctx := context.Background()
			_, err := c.AccessToken(ctx)
			require.NoError(t, err)
			srv.ExpireTokens()
			srv.SetLatency(20 * time.Millisecond)
			for _, err := range callAll(50, func() error { return c.WeChat.Get(ctx, ipPath, nil, nil) }) {
				require.NoError(t, err)
			}
			assert.Equal(t, 2, srv.TokenRequests())
		})
	}
}

// WeChat's expires_in is 7200; a larger one (a broken proxy, a fake server)
// must not overflow time.Duration into a token that is always expired.
func TestTokenExpiresInIsClamped(t *testing.T) {
	t.Parallel()
	for _, expiresIn := range []string{"7201", "9223372036", "9223372037", "9223372036854775807", "99999999999999999999", "1e30"} {
		t.Run(expiresIn, func(t *testing.T) {
			t.Parallel()
			mt := httpmock.NewMockTransport()
			var fetches atomic.Int32
			mt.RegisterResponder(http.MethodPost, "https://api.weixin.qq.com/cgi-bin/stable_token",
				func(*http.Request) (*http.Response, error) {
					fetches.Add(1)
					return httpmock.NewStringResponse(200, `{"access_token":"T","expires_in":`+expiresIn+`}`), nil
				})
			store := wego.NewMemoryTokenStore()
			c, err := wego.NewClient(wego.Settings{
				AppID: "wx1", AppSecret: "secret", TokenStore: store,
				HTTPClient: &http.Client{Transport: mt},
			})
			require.NoError(t, err)
			ctx := context.Background()
			for range 3 {
				tok, err := c.AccessToken(ctx)
				require.NoError(t, err)
				require.Equal(t, "T", tok)
			}
			assert.Equal(t, int32(1), fetches.Load(), "the token is cached")
			got, ok, err := store.Token(ctx, "wx1")
			require.NoError(t, err)
			require.True(t, ok)
			assert.WithinDuration(t, time.Now().Add(7200*time.Second-180*time.Second), got.ExpiresAt, time.Minute,
				"cached as long as WeChat's real lifetime allows")
		})
	}
}

// cachingSource is an AccessTokenSource with a cache of its own, filled from
// a token service (here the fake platform), that drops its token when told
// WeChat rejected it.
type cachingSource struct {
	issue func() string // the token service

	mu       sync.Mutex
	token    string
	issued   int
	rejected []string // "errcode token" per rejection told
}

func (s *cachingSource) Token(context.Context) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.token == "" {
		s.token = s.issue()
		s.issued++
	}
	return s.token, nil
}

func (s *cachingSource) Rejected(_ context.Context, token string, errcode int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rejected = append(s.rejected, fmt.Sprint(errcode, " ", token))
	if s.token == token {
		s.token = ""
	}
}

func (s *cachingSource) counts() (issued, rejected int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.issued, len(s.rejected)
}

// sourceSetup returns a fake platform, a caching token source of its
// tokens, and a client taking its token from the source and telling it of
// rejections.
func sourceSetup(t *testing.T) (*wegotest.Server, *cachingSource, *wego.Client) {
	t.Helper()
	srv := wegotest.New(t)
	src := &cachingSource{issue: srv.IssueToken}
	s := srv.Settings()
	s.AccessTokenSource = src.Token
	s.AccessTokenRejected = src.Rejected
	c, err := wego.NewClient(s)
	require.NoError(t, err)
	return srv, src, c
}

// A source that caches its token learns that WeChat rejected it, with the
// token and the errcode, and is asked again; before, every call failed
// with 42001 until the process restarted.
func TestAccessTokenSourceLearnsOfRejection(t *testing.T) {
	t.Parallel()
	srv, src, c := sourceSetup(t)
	ctx := context.Background()

	_, err := c.GetWeChatServersList(ctx)
	require.NoError(t, err)
	old, err := c.AccessToken(ctx)
	require.NoError(t, err)

	srv.ExpireTokens() // WeChat now answers 42001 to the source's token
	for range 3 {
		_, err = c.GetWeChatServersList(ctx)
		require.NoError(t, err)
	}
	issued, _ := src.counts()
	assert.Equal(t, 2, issued, "the source got one new token")
	assert.Equal(t, []string{"42001 " + old}, src.rejected, "told once, with the token and the errcode")
}

// Told of rejections, the source is bounded as the SDK's own cache is: one
// rejection told per window, the other calls fail at once.
func TestAccessTokenRejectedIsBounded(t *testing.T) {
	t.Parallel()
	srv, src, c := sourceSetup(t)
	clock := newTestClock()
	wego.SetTokenClock(c, clock.Now)
	ctx := context.Background()
	srv.FailAlways(ipPath, 40001)

	callRejected(t, c)
	issued, rejected := src.counts()
	assert.Equal(t, 1, rejected, "one rejection told while the clock stands still")
	assert.Equal(t, 2, issued)

	clock.Advance(5 * time.Second)
	require.NoError(t, wantCode(c.WeChat.Get(ctx, ipPath, nil, nil), 40001))
	issued, rejected = src.counts()
	assert.Equal(t, 2, rejected, "the next one once the window is over")
	assert.Equal(t, 3, issued)
}

func BenchmarkAccessTokenCached(b *testing.B) {
	srv := wegotest.New(b)
	c, err := wego.NewClient(srv.Settings())
	require.NoError(b, err)
	ctx := context.Background()
	_, err = c.AccessToken(ctx)
	require.NoError(b, err)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if _, err := c.AccessToken(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAccessTokenCachedParallel(b *testing.B) {
	srv := wegotest.New(b)
	c, err := wego.NewClient(srv.Settings())
	require.NoError(b, err)
	ctx := context.Background()
	_, err = c.AccessToken(ctx)
	require.NoError(b, err)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := c.AccessToken(ctx); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
