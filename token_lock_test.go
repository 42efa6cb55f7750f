package wego_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wego-sdk/wego"
	"github.com/wego-sdk/wego/wegotest"
)

// lockingStore is a memory TokenStore with a refresh lock, as a store
// shared by several processes has one.
type lockingStore struct {
	*wego.MemoryTokenStore
	mu      sync.Mutex
	held    map[string]bool
	fail    error
	locks   int
	unlocks int
}

func newLockingStore() *lockingStore {
	return &lockingStore{MemoryTokenStore: wego.NewMemoryTokenStore(), held: map[string]bool{}}
}

func (s *lockingStore) LockToken(_ context.Context, key string, _ time.Duration) (func(context.Context) error, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil {
		return nil, false, s.fail
	}
	if s.held[key] {
		return nil, false, nil
	}
	s.held[key] = true
	s.locks++
	return func(context.Context) error {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.held[key] = false
		s.unlocks++
		return nil
	}, true, nil
}

// The process holding the lock fetches; another waits and uses its token.
func TestTokenLockOneProcessFetches(t *testing.T) {
	t.Parallel()
	store := newLockingStore()
	srv, a := setup(t, func(s *wego.Settings) { s.TokenStore = store })
	b, err := wego.NewClient(func() wego.Settings { s := srv.Settings(); s.TokenStore = store; return s }())
	require.NoError(t, err)
	ctx := context.Background()

	var wg sync.WaitGroup
	tokens := make([]string, 40)
	for i := range tokens {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := a
			if i%2 == 1 {
				c = b
			}
			tok, err := c.AccessToken(ctx)
			assert.NoError(t, err)
			tokens[i] = tok
		}()
	}
	wg.Wait()
	assert.Equal(t, 1, srv.TokenRequests(), "one process fetched, the other waited for its token")
	for _, tok := range tokens {
		assert.Equal(t, tokens[0], tok)
	}
	store.mu.Lock()
	assert.Equal(t, store.locks, store.unlocks, "every lock taken is released")
	store.mu.Unlock()
}

// A waiting process takes the token the holder stores, without asking
// WeChat; when none comes within the bound (the holder died), it fetches.
func TestTokenLockWaitsThenFetches(t *testing.T) {
	t.Parallel()
	store := newLockingStore()
	srv, c := setup(t, func(s *wego.Settings) { s.TokenStore = store })
	ctx := context.Background()
	unlock, ok, err := store.LockToken(ctx, srv.AppID, time.Minute) // another process holds it
	require.NoError(t, err)
	require.True(t, ok)

	go func() {
		time.Sleep(100 * time.Millisecond) // the other process's fetch
		_ = store.SetToken(ctx, srv.AppID, wego.Token{Value: srv.IssueToken(), ExpiresAt: time.Now().Add(time.Hour)})
	}()
	_, err = c.GetWeChatServersList(ctx)
	require.NoError(t, err)
	assert.Zero(t, srv.TokenRequests(), "the token came from the other process")

	// The holder never stores one: past the bound this process fetches.
	srv2, c2 := setup(t, func(s *wego.Settings) { s.TokenStore = newLockingStore() })
	wego.SetTokenLockWait(c2, 200*time.Millisecond)
	_, _, _ = holdLock(t, srv2, c2)
	_, err = c2.AccessToken(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, srv2.TokenRequests())
	require.NoError(t, unlock(ctx))
}

// holdLock takes the lock of c's store as a dead process would
// have left it.
func holdLock(t *testing.T, srv *wegotest.Server, c *wego.Client) (func(context.Context) error, bool, error) {
	t.Helper()
	store := wego.TokenStoreOf(c).(*lockingStore)
	unlock, ok, err := store.LockToken(context.Background(), srv.AppID, time.Minute)
	require.True(t, ok)
	return unlock, ok, err
}

// A store whose lock cannot be asked for (Redis down) costs no call: the
// process fetches by itself.
func TestTokenLockFailureFetchesAnyway(t *testing.T) {
	t.Parallel()
	store := newLockingStore()
	store.fail = errors.New("redis: connection refused")
	srv, c := setup(t, func(s *wego.Settings) { s.TokenStore = store })
	_, err := c.GetWeChatServersList(context.Background())
	require.NoError(t, err)
	assert.Equal(t, 1, srv.TokenRequests())
}
