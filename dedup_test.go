package wego

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMemoryDedupStoreLifecycle(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m := NewMemoryDedupStore(0)
	claimed, _, _, err := m.Claim(ctx, "k", time.Minute)
	require.NoError(t, err)
	require.True(t, claimed)

	claimed, _, done, _ := m.Claim(ctx, "k", time.Minute)
	assert.False(t, claimed, "a second delivery does not claim a running key")
	assert.False(t, done)

	require.NoError(t, m.Finish(ctx, "k", []byte("reply"), time.Minute))
	claimed, res, done, _ := m.Claim(ctx, "k", time.Minute)
	assert.False(t, claimed)
	assert.True(t, done)
	assert.Equal(t, "reply", string(res))

	claimed, _, _, _ = m.Claim(ctx, "other", time.Minute)
	require.True(t, claimed)
	require.NoError(t, m.Release(ctx, "other"))
	claimed, _, _, _ = m.Claim(ctx, "other", time.Minute)
	assert.True(t, claimed, "a released key is handled again")
}

func TestMemoryDedupStoreExpiry(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m := NewMemoryDedupStore(0)
	now := time.Unix(1_700_000_000, 0)
	m.now = func() time.Time { return now }
	m.Claim(ctx, "k", time.Minute)
	require.NoError(t, m.Finish(ctx, "k", nil, time.Minute))
	now = now.Add(61 * time.Second)
	claimed, _, _, _ := m.Claim(ctx, "k", time.Minute)
	assert.True(t, claimed, "an expired key is claimed anew")
	assert.Equal(t, 1, m.Len())
}

func TestMemoryDedupStoreBounded(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m := NewMemoryDedupStore(100)
	for i := range 1000 {
		key := fmt.Sprint("k", i)
		claimed, _, _, err := m.Claim(ctx, key, time.Hour)
		require.NoError(t, err)
		require.True(t, claimed)
		if i%3 == 0 {
			require.NoError(t, m.Release(ctx, key))
		} else {
			require.NoError(t, m.Finish(ctx, key, []byte(key), time.Hour))
		}
	}
	assert.LessOrEqual(t, m.Len(), 100)
	assert.LessOrEqual(t, len(m.order), 2*100+1, "released keys' slots are dropped")
	_, res, done, _ := m.Claim(ctx, "k998", time.Hour)
	assert.True(t, done, "the newest keys are kept")
	assert.Equal(t, "k998", string(res))
	claimed, _, _, _ := m.Claim(ctx, "k1", time.Hour)
	assert.True(t, claimed, "the oldest keys are forgotten first")
}

func TestMemoryDedupStoreConcurrentClaimsOneWinner(t *testing.T) {
	t.Parallel()
	m := NewMemoryDedupStore(0)
	var winners atomic.Int32
	var wg sync.WaitGroup
	for range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if claimed, _, _, _ := m.Claim(context.Background(), "same", time.Minute); claimed {
				winners.Add(1)
			}
		}()
	}
	wg.Wait()
	assert.Equal(t, int32(1), winners.Load())
}
