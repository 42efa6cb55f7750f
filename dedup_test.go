package wego

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wego-sdk/wego/internal/xmlscan"
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

// hangingStore is a DedupStore that never answers and ignores ctx, as a
// Redis that accepts connections and never replies (with its own timeouts
// set long).
type hangingStore struct{ release chan struct{} }

func (s hangingStore) Claim(context.Context, string, time.Duration) (bool, []byte, bool, error) {
	<-s.release
	return true, nil, false, nil
}

func (s hangingStore) Finish(context.Context, string, []byte, time.Duration) error {
	<-s.release
	return nil
}

func (s hangingStore) Release(context.Context, string) error {
	<-s.release
	return nil
}

func testDeliveries(t *testing.T, store DedupStore) *deliveries {
	t.Helper()
	c, err := NewClient(Settings{AppID: "wxtest", AppSecret: "secret"})
	require.NoError(t, err)
	return newDeliveries(c, store)
}

// A store that does not answer holds a delivery a bounded time: pushes
// (fail open) run fn anyway, pay notifications (fail closed) fail.
func TestDeliveriesBoundTheStore(t *testing.T) {
	t.Parallel()
	store := hangingStore{release: make(chan struct{})}
	t.Cleanup(func() { close(store.release) })
	o := testDeliveries(t, store)
	require.False(t, o.inline)
	ctx := context.Background()
	rules := onceRules{lease: time.Minute, keep: time.Minute, wait: time.Second, storeTimeout: 50 * time.Millisecond}

	begin := time.Now()
	rules.failOpen = true
	res, err := o.do(ctx, "push:1", rules, func(context.Context) ([]byte, error) { return []byte("ran"), nil })
	require.NoError(t, err)
	assert.Equal(t, "ran", string(res), "the push was handled without the store")

	rules.failOpen = false
	called := false
	_, err = o.do(ctx, "pay:1", rules, func(context.Context) ([]byte, error) { called = true; return nil, nil })
	assert.ErrorIs(t, err, errStoreTimeout)
	assert.False(t, called, "a notification is not handled without the store")
	assert.Less(t, time.Since(begin), 2*time.Second, "two calls waited about 50 ms each, not for the store")
}

// A store's answer that is there when the wait for it ends counts, even
// when the wait's context is done too. A select with both ready picks one
// at random, and bounded's goroutine used to cancel that context right
// after answering: when the caller reached the select late (held up on a
// loaded server, e.g. by a GC assist), a store that answered in a
// millisecond was taken, half the time, for one that did not answer. A
// push claimed in Redis then ran as if Redis were down and its reply was
// never recorded, so its retry on another server waited out its deadline
// and answered "success"; a notification claimed in Redis was answered
// FAIL, and its repeats too until the claim expired (five minutes).
func TestBoundedTakesAnAnswerGivenInTime(t *testing.T) {
	t.Parallel()
	done, cancel := context.WithCancel(context.Background())
	cancel()
	for i := range 200 {
		ch := make(chan answer[int], 1)
		ch <- answer[int]{v: i}
		v, err := awaitAnswer(done, time.Second, ch)
		require.NoError(t, err, "try %d: the answer was there", i)
		require.Equal(t, i, v)
	}
	_, err := awaitAnswer(done, time.Second, make(chan answer[int], 1))
	assert.ErrorIs(t, err, errStoreTimeout, "no answer: the timeout")
}

// The function never starts with an expired context; the claim is released
// so that the next delivery runs it.
func TestDeliveriesDoNotStartPastTheDeadline(t *testing.T) {
	t.Parallel()
	o := testDeliveries(t, NewMemoryDedupStore(0))
	rules := pushRules(time.Second)
	expired, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel()
	calls := 0
	fn := func(context.Context) ([]byte, error) { calls++; return []byte("ok"), nil }
	_, err := o.do(expired, "push:late", rules, fn)
	assert.ErrorIs(t, err, errNoTimeLeft)
	assert.Equal(t, 0, calls)
	res, err := o.do(context.Background(), "push:late", rules, fn)
	require.NoError(t, err)
	assert.Equal(t, "ok", string(res))
	assert.Equal(t, 1, calls)

	// The same when the store fails and the push would be handled anyway.
	o = testDeliveries(t, erroringStore{})
	_, err = o.do(expired, "push:late", rules, fn)
	assert.ErrorIs(t, err, errNoTimeLeft)
	assert.Equal(t, 1, calls)
}

type erroringStore struct{}

func (erroringStore) Claim(context.Context, string, time.Duration) (bool, []byte, bool, error) {
	return false, nil, false, fmt.Errorf("down")
}
func (erroringStore) Finish(context.Context, string, []byte, time.Duration) error { return nil }
func (erroringStore) Release(context.Context, string) error                       { return nil }

// A captured push replayed after WeChat's retry minute, while PushMaxAge
// still accepts its timestamp, is answered from the store, not run again.
func TestPushReplayedWithinMaxAgeRunsOnce(t *testing.T) {
	t.Parallel()
	key := "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
	c, err := NewClient(Settings{AppID: "wxtest", AppSecret: "secret", PushToken: "tok", PushEncodingAESKey: key})
	require.NoError(t, err)
	store := c.pushOnce.store.(*MemoryDedupStore)
	now := time.Now()
	store.now = func() time.Time { return now }
	calls := 0
	h := c.PushHandler(func(context.Context, *Push) (Reply, error) { calls++; return Text("hi"), nil })

	ts := strconv.FormatInt(time.Now().Unix(), 10)
	env, err := c.crypt.Encrypt([]byte("<xml><ToUserName>gh</ToUserName><FromUserName>o</FromUserName><CreateTime>"+ts+
		"</CreateTime><MsgType>text</MsgType><Content>hi</Content><MsgId>42</MsgId></xml>"), ts, "n")
	require.NoError(t, err)
	var d xmlscan.Doc
	require.NoError(t, d.Parse(env))
	query := "encrypt_type=aes&timestamp=" + ts + "&nonce=n&msg_signature=" + d.Get("MsgSignature")
	body := "<xml><ToUserName>gh</ToUserName><Encrypt>" + d.Get("Encrypt") + "</Encrypt></xml>"
	for _, after := range []time.Duration{0, 61 * time.Second, 4 * time.Minute} {
		now = time.Now().Add(after)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/?"+query, strings.NewReader(body)))
		require.Equal(t, http.StatusOK, rec.Code, "replayed after %v", after)
	}
	assert.Equal(t, 1, calls)
}
