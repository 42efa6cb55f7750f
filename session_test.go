package wego_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wego-sdk/wego"
)

func TestMemorySessionStore(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m := wego.NewMemorySessionStore(0)
	_, ok, err := m.Session(ctx, "k")
	require.NoError(t, err)
	assert.False(t, ok)

	data := []byte("one")
	require.NoError(t, m.SetSession(ctx, "k", data, time.Hour))
	data[0] = 'X' // the store keeps its own copy
	got, ok, err := m.Session(ctx, "k")
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, "one", string(got))

	require.NoError(t, m.SetSession(ctx, "k", []byte("two"), time.Hour))
	got, _, _ = m.Session(ctx, "k")
	assert.Equal(t, "two", string(got))
	assert.Equal(t, 1, m.Len())

	require.NoError(t, m.DeleteSession(ctx, "k"))
	_, ok, _ = m.Session(ctx, "k")
	assert.False(t, ok)
	require.NoError(t, m.DeleteSession(ctx, "absent"))
}

func TestMemorySessionStoreBoundedInAge(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	now := time.Unix(1_700_000_000, 0)
	m := wego.NewMemorySessionStore(10)
	wego.SetSessionStoreClock(m, func() time.Time { return now })
	require.NoError(t, m.SetSession(ctx, "short", []byte("s"), time.Minute))
	require.NoError(t, m.SetSession(ctx, "long", []byte("l"), time.Hour))
	now = now.Add(time.Minute)
	_, ok, _ := m.Session(ctx, "short")
	assert.False(t, ok, "expired at its ttl")
	_, ok, _ = m.Session(ctx, "long")
	assert.True(t, ok)
	assert.Equal(t, 1, m.Len(), "the expired one was dropped")

	// Expired sessions at the front go when another is written.
	require.NoError(t, m.SetSession(ctx, "a", []byte("a"), time.Second))
	now = now.Add(2 * time.Hour)
	require.NoError(t, m.SetSession(ctx, "b", []byte("b"), time.Hour))
	assert.Equal(t, 1, m.Len())
}

func TestMemorySessionStoreBoundedInNumber(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m := wego.NewMemorySessionStore(100)
	for i := range 250 {
		require.NoError(t, m.SetSession(ctx, fmt.Sprint(i), []byte("x"), time.Hour))
	}
	assert.Equal(t, 100, m.Len())
	_, ok, _ := m.Session(ctx, "149")
	assert.False(t, ok, "the oldest written go first")
	_, ok, _ = m.Session(ctx, "150")
	assert.True(t, ok)

	// Writing a session again makes it the newest.
	require.NoError(t, m.SetSession(ctx, "150", []byte("y"), time.Hour))
	require.NoError(t, m.SetSession(ctx, "new", []byte("z"), time.Hour))
	_, ok, _ = m.Session(ctx, "150")
	assert.True(t, ok)
	_, ok, _ = m.Session(ctx, "151")
	assert.False(t, ok)
}

func TestMemorySessionStoreConcurrent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m := wego.NewMemorySessionStore(50)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 500 {
				k := fmt.Sprint(g, "-", i%70)
				_ = m.SetSession(ctx, k, []byte(k), time.Hour)
				if got, ok, _ := m.Session(ctx, k); ok {
					assert.Equal(t, k, string(got))
				}
				if i%7 == 0 {
					_ = m.DeleteSession(ctx, k)
				}
			}
		}()
	}
	wg.Wait()
	assert.LessOrEqual(t, m.Len(), 50)
}

func TestMemorySessionStoreKeepsLoginsOverVisitors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m := wego.NewMemorySessionStore(100)
	for i := range 50 {
		require.NoError(t, m.SetSession(ctx, fmt.Sprint("user", i), []byte("u"), 7*24*time.Hour))
	}
	// A flood of visitors who start a login and never finish it.
	for i := range 10_000 {
		require.NoError(t, m.SetSession(ctx, fmt.Sprint("visitor", i), []byte("v"), 10*time.Minute))
	}
	assert.Equal(t, 100, m.Len())
	for i := range 50 {
		_, ok, _ := m.Session(ctx, fmt.Sprint("user", i))
		require.True(t, ok, "logged-in session %d kept", i)
	}
	_, ok, _ := m.Session(ctx, "visitor9999")
	assert.True(t, ok, "the newest visitors are kept")
	_, ok, _ = m.Session(ctx, "visitor0")
	assert.False(t, ok)

	// Only logged-in sessions left over capacity: the oldest written goes.
	for i := 50; i < 150; i++ {
		require.NoError(t, m.SetSession(ctx, fmt.Sprint("user", i), []byte("u"), 7*24*time.Hour))
	}
	_, ok, _ = m.Session(ctx, "user0")
	assert.False(t, ok)
	_, ok, _ = m.Session(ctx, "user149")
	assert.True(t, ok)
}
