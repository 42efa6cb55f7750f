package redisstore

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wego-sdk/wego"
	"github.com/wego-sdk/wego/wegotest"
)

// redisAddr is the address of the redis-server TestMain starts.
var redisAddr string

// TestMain starts a real redis-server (it must be on PATH: apt-get install
// redis-server) on a free port for the tests, and stops it after.
//
// Started with workerEnv set, the test binary is a worker process of
// process_test.go instead.
func TestMain(m *testing.M) {
	if os.Getenv(workerEnv) != "" {
		os.Exit(runWorker())
	}
	os.Exit(runWithRedis(m))
}

// testPrefix returns a key prefix of t's own: its name, so that a key left
// in Redis says which test wrote it, and a random suffix, because one
// redis-server serves every run of a test (go test -count=N runs it N times
// in one process) and a run must not find the keys of the run before. The
// keys under the prefix are deleted when t ends.
func testPrefix(t *testing.T) string {
	t.Helper()
	prefix := fmt.Sprintf("%s:%016x:", t.Name(), rand.Uint64())
	t.Cleanup(func() {
		rdb := redis.NewClient(&redis.Options{Addr: redisAddr})
		defer rdb.Close()
		ctx := context.Background()
		it := rdb.Scan(ctx, 0, globEscape(prefix)+"*", 100).Iterator()
		for it.Next(ctx) {
			if err := rdb.Del(ctx, it.Val()).Err(); err != nil {
				t.Errorf("deleting %q: %v", it.Val(), err)
			}
		}
		if err := it.Err(); err != nil {
			t.Errorf("listing the keys under %q: %v", prefix, err)
		}
	})
	return prefix
}

// globEscape quotes the characters that have a meaning in a Redis key
// pattern outside brackets.
func globEscape(s string) string {
	var b strings.Builder
	for _, c := range s {
		if strings.ContainsRune(`*?[]\`, c) {
			b.WriteByte('\\')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// newStore returns a store on the test Redis using the key prefix given,
// one from testPrefix; stores of one test that share a prefix play the
// servers of one deployment.
func newStore(t *testing.T, prefix string, opts ...Option) (*Store, *redis.Client) {
	t.Helper()
	rdb := redis.NewClient(&redis.Options{Addr: redisAddr})
	t.Cleanup(func() { rdb.Close() })
	return New(rdb, append([]Option{WithPrefix(prefix)}, opts...)...), rdb
}

// TestPrefixIsolatesRuns checks the helpers every other test relies on to
// run again: each run of a test gets a prefix of its own, and the keys
// under it are gone when the run ends.
func TestPrefixIsolatesRuns(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rdb := redis.NewClient(&redis.Options{Addr: redisAddr})
	defer rdb.Close()
	var prefixes []string
	for range 2 {
		t.Run("run", func(t *testing.T) {
			p := testPrefix(t)
			prefixes = append(prefixes, p)
			s, _ := newStore(t, p)
			claimed, _, _, err := s.Claim(ctx, "k", time.Minute)
			require.NoError(t, err)
			assert.True(t, claimed, "a run does not see the keys of the run before")
			require.NoError(t, s.SetToken(ctx, "wx1", wego.Token{Value: "T1", ExpiresAt: time.Now().Add(time.Hour)}))
		})
	}
	require.Len(t, prefixes, 2)
	assert.NotEqual(t, prefixes[0], prefixes[1])
	for _, p := range prefixes {
		assert.True(t, strings.HasPrefix(p, t.Name()+"/run"), p)
		n, err := rdb.Exists(ctx, p+"dedup:k", p+"token:wx1").Result()
		require.NoError(t, err)
		assert.Zero(t, n, "keys under %q outlive their test", p)
	}
}

func TestTokenRoundTrip(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	prefix := testPrefix(t)
	s, rdb := newStore(t, prefix, WithLocalCache(0))
	_, ok, err := s.Token(ctx, "wx1")
	require.NoError(t, err)
	require.False(t, ok)

	exp := time.Now().Add(time.Hour).Truncate(time.Millisecond)
	require.NoError(t, s.SetToken(ctx, "wx1", wego.Token{Value: "T1", ExpiresAt: exp}))
	tok, ok, err := s.Token(ctx, "wx1")
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, "T1", tok.Value)
	assert.True(t, exp.Equal(tok.ExpiresAt))

	ttl, err := rdb.PTTL(ctx, prefix+"token:wx1").Result()
	require.NoError(t, err)
	assert.InDelta(t, time.Hour.Seconds(), ttl.Seconds(), 5, "the key expires with the token")

	require.NoError(t, s.DeleteToken(ctx, "wx1", "stale"))
	_, ok, _ = s.Token(ctx, "wx1")
	assert.True(t, ok, "deleting another value keeps the token")
	require.NoError(t, s.DeleteToken(ctx, "wx1", "T1"))
	_, ok, _ = s.Token(ctx, "wx1")
	assert.False(t, ok)
}

func TestTokenLocalCache(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	prefix := testPrefix(t)
	s, rdb := newStore(t, prefix)
	require.NoError(t, s.SetToken(ctx, "wx1", wego.Token{Value: "T1", ExpiresAt: time.Now().Add(time.Hour)}))
	require.NoError(t, rdb.Del(ctx, prefix+"token:wx1").Err())
	tok, ok, err := s.Token(ctx, "wx1")
	require.NoError(t, err)
	require.True(t, ok, "served from the local copy without Redis")
	assert.Equal(t, "T1", tok.Value)

	require.NoError(t, s.DeleteToken(ctx, "wx1", "T1"))
	_, ok, _ = s.Token(ctx, "wx1")
	assert.False(t, ok, "a rejected token leaves the local copy at once")
}

func TestMalformedEntryIsAnError(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	prefix := testPrefix(t)
	s, rdb := newStore(t, prefix)
	require.NoError(t, rdb.Set(ctx, prefix+"token:wx1", "garbage", time.Minute).Err())
	_, _, err := s.Token(ctx, "wx1")
	require.ErrorContains(t, err, "malformed")
}

// Two servers of one deployment, each with its own client and store
// connection, share one token; when WeChat rejects it on one server the
// other picks up the replacement from Redis instead of fetching its own.
func TestServersShareOneToken(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := wegotest.New(t)
	prefix := testPrefix(t) // one deployment: both servers share it
	clients := make([]*wego.Client, 2)
	for i := range clients {
		store, _ := newStore(t, prefix)
		s := srv.Settings()
		s.TokenStore = store
		s.TokenEndpoint = wego.TokenEndpointClassic // each fetch issues a new token and counts against the quota
		c, err := wego.NewClient(s)
		require.NoError(t, err)
		clients[i] = c
	}
	_, err := clients[0].GetWeChatServersList(ctx)
	require.NoError(t, err)
	_, err = clients[1].GetWeChatServersList(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, srv.TokenRequests(), "the second server uses the first one's token")

	srv.ExpireTokens() // WeChat now rejects the shared token on both servers
	_, err = clients[0].GetWeChatServersList(ctx)
	require.NoError(t, err)
	_, err = clients[1].GetWeChatServersList(ctx)
	require.NoError(t, err)
	assert.Equal(t, 2, srv.TokenRequests(), "one refresh serves both servers")
	a, _ := clients[0].AccessToken(ctx)
	b, _ := clients[1].AccessToken(ctx)
	assert.Equal(t, a, b)
}

func TestDedupAcrossStores(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	prefix := testPrefix(t)
	a, _ := newStore(t, prefix)
	b, _ := newStore(t, prefix)

	assertOneClaimWinner(t, "push:wx1:1234", a, b)

	claimed, _, done, err := b.Claim(ctx, "push:wx1:1234", time.Minute)
	require.NoError(t, err)
	assert.False(t, claimed)
	assert.False(t, done, "still running")

	require.NoError(t, a.Finish(ctx, "push:wx1:1234", []byte("<xml>reply</xml>"), time.Minute))
	claimed, res, done, err := b.Claim(ctx, "push:wx1:1234", time.Minute)
	require.NoError(t, err)
	assert.False(t, claimed)
	assert.True(t, done)
	assert.Equal(t, "<xml>reply</xml>", string(res))

	claimed, _, _, _ = a.Claim(ctx, "pay:tx1", time.Minute)
	require.True(t, claimed)
	require.NoError(t, a.Release(ctx, "pay:tx1"))
	claimed, _, _, _ = b.Claim(ctx, "pay:tx1", time.Minute)
	assert.True(t, claimed, "a released key is handled again, on any server")
}

func TestDedupKeyExpires(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := newStore(t, testPrefix(t))
	claimed, _, _, err := s.Claim(ctx, "k", 50*time.Millisecond)
	require.NoError(t, err)
	require.True(t, claimed)
	time.Sleep(120 * time.Millisecond)
	claimed, _, _, err = s.Claim(ctx, "k", time.Minute)
	require.NoError(t, err)
	assert.True(t, claimed, "a claim whose holder died expires")
}

func TestRedisDownIsAnError(t *testing.T) {
	t.Parallel()
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1, DialTimeout: 100 * time.Millisecond})
	defer rdb.Close()
	s := New(rdb)
	_, _, err := s.Token(context.Background(), "wx1")
	require.ErrorContains(t, err, "redisstore: read token")
	_, _, _, err = s.Claim(context.Background(), "k", time.Second)
	require.ErrorContains(t, err, "redisstore: claim")
}

// blackhole listens on loopback, accepts connections and never answers: a
// Redis that hangs.
func blackhole(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return ln.Addr().String()
}

// A Redis that accepts connections and never answers costs a push a slice
// of its deadline, not go-redis's own timeouts: the function runs and its
// reply reaches WeChat in time.
func TestPushAnsweredInTimeWhenRedisHangs(t *testing.T) {
	t.Parallel()
	rdb := redis.NewClient(&redis.Options{Addr: blackhole(t)}) // go-redis's defaults: 3 s read timeout, retries
	defer rdb.Close()
	srv := wegotest.New(t)
	s := srv.Settings()
	s.DedupStore, s.PushDeadline = New(rdb), time.Second
	c, err := wego.NewClient(s)
	require.NoError(t, err)
	h := c.PushHandler(func(_ context.Context, p *wego.Push) (wego.Reply, error) {
		return wego.Text("handled " + p.Content()), nil
	})
	reply, err := srv.Deliver(h, wegotest.TextMessage("", "hi"))
	require.NoError(t, err)
	assert.Equal(t, "handled hi", reply.Get("Content"))
	assert.Less(t, reply.Took, 1500*time.Millisecond, "answered within the 1 s deadline, give or take")
}
