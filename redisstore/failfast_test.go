package redisstore

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wego-sdk/wego"
)

// fakeClock is a Store's clock that moves only when the test moves it.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time          { return c.t }
func (c *fakeClock) add(d time.Duration)     { c.t = c.t.Add(d) }
func newFakeClock() *fakeClock               { return &fakeClock{t: time.Now()} }
func (c *fakeClock) install(s *Store) *Store { s.now = c.now; return s }

// After Redis failed, the store answers ErrUnavailable without asking it
// until the fail-fast time has passed; then one call asks again, and an
// answer ends the outage.
func TestFailFastAfterRedisFailed(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	r := startRedis(t)
	rdb := redis.NewClient(&redis.Options{Addr: r.Addr})
	defer rdb.Close()
	clock := newFakeClock()
	s := clock.install(New(rdb, WithPrefix(testPrefix(t)), WithLocalCache(0)))
	require.NoError(t, s.SetToken(ctx, "wx1", wego.Token{Value: "T1", ExpiresAt: clock.t.Add(time.Hour)}))

	r.stop()
	_, _, err := s.Token(ctx, "wx1")
	require.Error(t, err)
	assert.NotErrorIs(t, err, ErrUnavailable, "the first failure comes from Redis")
	for _, f := range []func() error{
		func() error { _, _, err := s.Token(ctx, "wx1"); return err },
		func() error { _, _, _, err := s.Claim(ctx, "k", time.Minute); return err },
		func() error { _, _, err := s.Session(ctx, "sess"); return err },
		func() error { _, _, err := s.LockToken(ctx, "wx1", time.Second); return err },
		func() error { return s.SetSession(ctx, "sess", []byte("x"), time.Minute) },
	} {
		assert.ErrorIs(t, f(), ErrUnavailable, "Redis is not asked again within a second")
	}

	r.restart(t)
	clock.add(500 * time.Millisecond)
	_, _, err = s.Token(ctx, "wx1")
	assert.ErrorIs(t, err, ErrUnavailable, "still within the second")
	clock.add(600 * time.Millisecond)
	_, ok, err := s.Token(ctx, "wx1")
	require.NoError(t, err, "past the second, Redis is asked again")
	assert.False(t, ok, "the restarted Redis is empty")
	claimed, _, _, err := s.Claim(ctx, "k", time.Minute)
	require.NoError(t, err, "an answer ended the outage for every call")
	assert.True(t, claimed)
}

// Once the fail-fast time has passed, one call asks Redis; the others keep
// failing fast until it answers.
func TestFailFastProbesWithOneCall(t *testing.T) {
	t.Parallel()
	rdb := redis.NewClient(&redis.Options{Addr: blackhole(t), ReadTimeout: 300 * time.Millisecond, MaxRetries: -1})
	defer rdb.Close()
	clock := newFakeClock()
	s := clock.install(New(rdb, WithLocalCache(0)))
	s.downUntil.Store(clock.t.UnixNano()) // Redis failed a second ago: the window ends now

	probe := make(chan error, 1)
	go func() { _, _, err := s.Token(context.Background(), "wx1"); probe <- err }()
	require.Eventually(t, func() bool { return s.downUntil.Load() > clock.t.UnixNano() },
		5*time.Second, time.Millisecond, "the probe pushed the window back")
	_, _, err := s.Token(context.Background(), "wx1")
	assert.ErrorIs(t, err, ErrUnavailable, "a call during the probe fails fast")
	err = <-probe
	require.Error(t, err)
	assert.NotErrorIs(t, err, ErrUnavailable, "the probe asked the Redis that hangs")
}

// The caller's context ending is not Redis failing: the next call asks it.
func TestFailFastIgnoresTheCallersContext(t *testing.T) {
	t.Parallel()
	s, _ := newStore(t, testPrefix(t), WithLocalCache(0))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, _, err := s.Token(ctx, "wx1")
	require.ErrorIs(t, err, context.Canceled)
	_, _, err = s.Token(context.Background(), "wx1")
	assert.NoError(t, err)
}

// WithFailFast(0) asks Redis on every call.
func TestFailFastOff(t *testing.T) {
	t.Parallel()
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1, DialTimeout: 100 * time.Millisecond})
	defer rdb.Close()
	s := New(rdb, WithFailFast(0))
	for range 3 {
		_, _, err := s.Token(context.Background(), "wx1")
		require.Error(t, err)
		assert.False(t, errors.Is(err, ErrUnavailable))
	}
}
