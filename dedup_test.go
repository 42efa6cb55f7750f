package wego

import (
	"context"
	"fmt"
	"reflect"
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
	assert.LessOrEqual(t, m.live, 100)
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

func TestMemoryDedupStoreResultsAreCopies(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m := NewMemoryDedupStore(0)
	m.Claim(ctx, "k", time.Minute)
	buf := []byte("reply")
	require.NoError(t, m.Finish(ctx, "k", buf, time.Minute))
	copy(buf, "XXXXX") // the caller reuses its buffer (a pooled one)
	_, res, done, _ := m.Claim(ctx, "k", time.Minute)
	require.True(t, done)
	assert.Equal(t, "reply", string(res))
	res[0] = 'Y'
	_, res, _, _ = m.Claim(ctx, "k", time.Minute)
	assert.Equal(t, "reply", string(res), "a returned result is the caller's to change")
}

// Results live in a fixed arena: once newer results have written over one,
// its key is still remembered as done, with no result.
func TestMemoryDedupStoreArenaOverwrite(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m := NewMemoryDedupStore(0)
	m.arena = make([]byte, 64)
	for i := range 6 {
		key := fmt.Sprint("k", i)
		m.Claim(ctx, key, time.Minute)
		require.NoError(t, m.Finish(ctx, key, []byte(fmt.Sprintf("result-%d--", i)), time.Minute)) // 10 bytes
	}
	_, res, done, _ := m.Claim(ctx, "k5", time.Minute)
	assert.True(t, done)
	assert.Equal(t, "result-5--", string(res))
	for i := range 6 {
		m.Claim(ctx, fmt.Sprint("n", i), time.Minute)
		require.NoError(t, m.Finish(ctx, fmt.Sprint("n", i), []byte("0123456789"), time.Minute))
	}
	claimed, res, done, _ := m.Claim(ctx, "k0", time.Minute)
	assert.False(t, claimed, "the key is still remembered")
	assert.True(t, done)
	assert.Nil(t, res, "its result was written over")

	big := make([]byte, 40) // over a quarter of the arena: not kept
	m.Claim(ctx, "big", time.Minute)
	require.NoError(t, m.Finish(ctx, "big", big, time.Minute))
	_, res, done, _ = m.Claim(ctx, "big", time.Minute)
	assert.True(t, done)
	assert.Nil(t, res)
}

// The memory store keeps nothing the garbage collector must scan: its map
// and rings hold no pointers, whatever number of keys it keeps.
func TestMemoryDedupStoreHoldsNoPointers(t *testing.T) {
	t.Parallel()
	for _, typ := range []reflect.Type{
		reflect.TypeOf(dedupEntry{}), reflect.TypeOf(uint64(0)),
	} {
		assert.False(t, hasPointers(typ), typ.String())
	}
}

func hasPointers(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Pointer, reflect.String, reflect.Slice, reflect.Map, reflect.Interface, reflect.Chan, reflect.Func:
		return true
	case reflect.Struct:
		for i := range t.NumField() {
			if hasPointers(t.Field(i).Type) {
				return true
			}
		}
	case reflect.Array:
		return hasPointers(t.Elem())
	}
	return false
}
