package redisstore

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wego-sdk/wego"
	"github.com/wego-sdk/wego/wegotest"
)

func TestSessionRoundTrip(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, rdb := newStore(t, testPrefix(t))
	_, ok, err := s.Session(ctx, "k")
	require.NoError(t, err)
	assert.False(t, ok)

	require.NoError(t, s.SetSession(ctx, "k", []byte("\x01data\x00"), time.Hour))
	got, ok, err := s.Session(ctx, "k")
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, []byte("\x01data\x00"), got, "bytes kept as they are")
	ttl, err := rdb.PTTL(ctx, s.sessionKey("k")).Result()
	require.NoError(t, err)
	assert.True(t, ttl > 59*time.Minute && ttl <= time.Hour, "the key expires with the session: %v", ttl)

	require.NoError(t, s.DeleteSession(ctx, "k"))
	_, ok, err = s.Session(ctx, "k")
	require.NoError(t, err)
	assert.False(t, ok)

	// A session already over is not kept.
	require.NoError(t, s.SetSession(ctx, "k", []byte("x"), 0))
	_, ok, _ = s.Session(ctx, "k")
	assert.False(t, ok)
}

// Two servers behind one address (a load balancer alternating between
// them) share sessions through Redis: the login starts on one, WeChat's
// return lands on the other, and every page after is logged in whichever
// server answers, with one code exchange in all.
func TestLoginOnOneServerHoldsOnTheOther(t *testing.T) {
	t.Parallel()
	srv := wegotest.New(t)
	require.NoError(t, srv.AddUser(wegotest.User{OpenID: "oAlice", Nickname: "Alice"}))
	require.NoError(t, srv.AuthorizeAs("oAlice"))
	prefix := testPrefix(t) // one deployment
	var servers [2]http.Handler
	var served [2]atomic.Int64
	for i := range servers {
		store, _ := newStore(t, prefix)
		s := srv.Settings()
		s.TokenStore, s.DedupStore, s.SessionStore = store, store, store
		c, err := wego.NewClient(s)
		require.NoError(t, err)
		servers[i] = c.LoginRequired(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			served[i].Add(1)
			u, _ := wego.UserFrom(r.Context())
			_, _ = io.WriteString(w, "hello "+u.Profile.Nickname)
		}))
	}
	var next atomic.Int64
	srv.SetApp(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		servers[next.Add(1)%2].ServeHTTP(w, r) // round robin
	}))

	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	browser := &http.Client{Jar: jar}
	get := func() string {
		resp, err := browser.Get(srv.AppURL + "/me?x=1")
		require.NoError(t, err)
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, resp.StatusCode, string(b))
		return string(b)
	}
	assert.Equal(t, "hello Alice", get()) // page (A), WeChat, return (B), page (A)
	for range 4 {
		assert.Equal(t, "hello Alice", get())
	}
	assert.Equal(t, 1, srv.Requests(wegotest.PathOAuthToken), "one code exchange for both servers")
	assert.Positive(t, served[0].Load())
	assert.Positive(t, served[1].Load())
}

// With Redis down, LoginRequired serves no page and sends no one to log
// in: it answers 503 (sessions fail closed).
func TestSessionsFailClosedWhenRedisIsDown(t *testing.T) {
	t.Parallel()
	srv := wegotest.New(t)
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1, DialTimeout: 100 * time.Millisecond})
	t.Cleanup(func() { rdb.Close() })
	s := srv.Settings()
	s.SessionStore = New(rdb)
	c, err := wego.NewClient(s)
	require.NoError(t, err)
	srv.SetApp(c.LoginRequired(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		t.Error("a page was served without a session store")
	})))
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	req, err := http.NewRequest(http.MethodGet, srv.AppURL+"/me", nil)
	require.NoError(t, err)
	req.AddCookie(&http.Cookie{Name: "wego_session", Value: "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"})
	resp, err := noFollow.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
	assert.Empty(t, resp.Header.Get("Location"))
	assert.Equal(t, "5", resp.Header.Get("Retry-After"), "come back in a few seconds")

	// A visitor without a cookie cannot be given a login to finish either.
	resp, err = noFollow.Get(srv.AppURL + "/me")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
	assert.Zero(t, srv.Requests(wegotest.PathOAuthToken))
}

// A logged-in visitor while Redis is killed and started again empty: 503
// during the outage (never a page, never a login that could not be kept),
// then, the session gone with Redis' data, sent to log in again, after
// which the pages are the visitor's again.
func TestLoggedInVisitorAcrossARedisRestart(t *testing.T) {
	t.Parallel()
	r := startRedis(t)
	srv := wegotest.New(t)
	require.NoError(t, srv.AddUser(wegotest.User{OpenID: "oAlice", Nickname: "Alice"}))
	require.NoError(t, srv.AuthorizeAs("oAlice"))
	rdb := redis.NewClient(&redis.Options{Addr: r.Addr})
	t.Cleanup(func() { rdb.Close() })
	store := New(rdb, WithPrefix(testPrefix(t)))
	s := srv.Settings()
	s.SessionStore = store
	c, err := wego.NewClient(s)
	require.NoError(t, err)
	srv.SetApp(c.LoginRequired(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, _ := wego.UserFrom(r.Context())
		_, _ = io.WriteString(w, "hello "+u.Profile.Nickname)
	})))
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	browser := &http.Client{Jar: jar}
	get := func() (int, string) {
		resp, err := browser.Get(srv.AppURL + "/me")
		require.NoError(t, err)
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return resp.StatusCode, string(b)
	}
	code, body := get()
	require.Equal(t, http.StatusOK, code, body)
	require.Equal(t, "hello Alice", body)
	require.Equal(t, 1, srv.Requests(wegotest.PathOAuthToken))

	r.stop()
	code, _ = get()
	assert.Equal(t, http.StatusServiceUnavailable, code, "Redis down: no page")
	assert.Equal(t, 1, srv.Requests(wegotest.PathOAuthToken), "and no login started")

	r.restart(t)
	require.Eventually(t, func() bool { _, _, err := store.Session(context.Background(), "probe"); return err == nil },
		10*time.Second, 20*time.Millisecond, "the store reaches the restarted Redis")
	code, body = get() // the session went with Redis' data: a new login, followed by the client
	assert.Equal(t, http.StatusOK, code, body)
	assert.Equal(t, "hello Alice", body)
	assert.Equal(t, 2, srv.Requests(wegotest.PathOAuthToken), "sent to log in again: a second code exchange")
}

// BenchmarkSessionLookup is one LoginRequired session read through Redis
// (a real redis-server on loopback): what a logged-in request adds when
// sessions are shared.
//
//	(cd redisstore && go test -run '^$' -bench SessionLookup -benchmem)
func BenchmarkSessionLookup(b *testing.B) {
	ctx := context.Background()
	rdb := redis.NewClient(&redis.Options{Addr: redisAddr})
	b.Cleanup(func() { rdb.Close() })
	s := New(rdb, WithPrefix("bench:"+b.Name()+":"))
	data := make([]byte, 400) // a logged-in session with a profile is about this size
	if err := s.SetSession(ctx, "k", data, time.Minute); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = s.DeleteSession(ctx, "k") })
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if _, ok, err := s.Session(ctx, "k"); err != nil || !ok {
			b.Fatal(ok, err)
		}
	}
}

// Servers sharing one Redis, each with a store of its own as a process
// has, on the classic token endpoint (each fetch issues a new token): a
// cold cache met by 50 goroutines on each server costs one token request
// in all; the refresh lock makes the others wait for it.
func TestServersShareOneRefresh(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := wegotest.New(t)
	prefix := testPrefix(t)
	stores := make([]*Store, 4)
	for i := range stores {
		stores[i], _ = newStore(t, prefix)
	}
	clients := classicClients(t, srv, stores...)
	assertOneTokenFetch(t, srv, clients, 50)
	_, err := clients[3].GetWeChatServersList(ctx)
	require.NoError(t, err, "the shared token works")
}

func TestTokenLockIsReleasedOnlyByItsOwner(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	prefix := testPrefix(t)
	a, rdb := newStore(t, prefix)
	b, _ := newStore(t, prefix)
	unlockA, ok, err := a.LockToken(ctx, "wx1", time.Minute)
	require.NoError(t, err)
	require.True(t, ok)
	_, ok, err = b.LockToken(ctx, "wx1", time.Minute)
	require.NoError(t, err)
	assert.False(t, ok, "held by a")

	// a's lock expired and b took it: a's unlock leaves b's lock alone.
	require.NoError(t, rdb.Del(ctx, a.lockKey("wx1")).Err())
	unlockB, ok, err := b.LockToken(ctx, "wx1", time.Minute)
	require.NoError(t, err)
	require.True(t, ok)
	require.NoError(t, unlockA(ctx))
	_, ok, _ = a.LockToken(ctx, "wx1", time.Minute)
	assert.False(t, ok, "b still holds it")
	require.NoError(t, unlockB(ctx))
	_, ok, _ = a.LockToken(ctx, "wx1", time.Minute)
	assert.True(t, ok)
	ttl, err := rdb.PTTL(ctx, a.lockKey("wx1")).Result()
	require.NoError(t, err)
	assert.True(t, ttl > 0 && ttl <= time.Minute, "the lock expires: %v", ttl)
}

// The jsapi_ticket is fetched under the lock too: servers sharing a Redis
// meeting a cold cache at once make one ticket request (and one token
// request) in all, and sign with the same ticket.
func TestServersShareOneTicket(t *testing.T) {
	t.Parallel()
	srv := wegotest.New(t)
	prefix := testPrefix(t)
	stores := make([]*Store, 4)
	for i := range stores {
		stores[i], _ = newStore(t, prefix)
	}
	assertOneTicketFetch(t, srv, 50, stores...)
}
