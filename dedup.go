package wego

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/maphash"
	"log/slog"
	"strings"
	"sync"
	"time"
)

// DedupStore remembers which deliveries from WeChat were handled, so that a
// push or a pay notification WeChat sends again (it retries a push three
// times and a pay notification for 24 hours, sometimes from several servers
// at once) reaches the application once. Keys are opaque strings the SDK
// builds (they name the account and the message); results are the bytes
// answered to WeChat.
//
// Implementations must be safe for concurrent use. [NewMemoryDedupStore] is
// the default; a store shared by several servers (see the redisstore
// module) de-duplicates across them.
//
// The SDK bounds how long it waits for a store: a call of a push handler
// gets an eighth of [Settings].PushDeadline, a call of a pay notification
// handler 3 s, after which ctx is cancelled and the call counts as failed
// (a push is then handled anyway, a notification answered FAIL). Calls of
// stores other than [MemoryDedupStore] run on a goroutine of their own for
// this, so a store that ignores ctx delays nothing, but its call goes on
// until it returns by itself.
type DedupStore interface {
	// Claim takes key for ttl if nobody holds it: claimed is true and the
	// caller must end the claim with Finish or Release. Otherwise claimed is
	// false, and done tells whether the holder finished, with its result.
	Claim(ctx context.Context, key string, ttl time.Duration) (claimed bool, result []byte, done bool, err error)
	// Finish records the result of a claimed key and keeps it for ttl. It
	// copies result if it keeps it: the slice is the caller's again once
	// Finish returns.
	Finish(ctx context.Context, key string, result []byte, ttl time.Duration) error
	// Release drops a claim without a result, so that the next delivery of
	// the same key is handled again.
	Release(ctx context.Context, key string) error
}

// MemoryDedupStore is a [DedupStore] in this process's memory, bounded in
// size: past its capacity the oldest keys are forgotten first, and results
// live in a fixed arena where the oldest are overwritten first (a repeat
// whose result is gone is still not handled again; it gets a nil result).
//
// It holds no pointers for the garbage collector to scan, however many keys
// it keeps: keys are stored as two independent 64-bit hashes (a false match
// needs a 128-bit collision) and results as bytes in the arena. Pushes run
// through it on every user message.
type MemoryDedupStore struct {
	mu      sync.Mutex
	now     func() time.Time
	seeds   [2]maphash.Seed
	entries map[uint64]dedupEntry // by the key's first hash
	order   []uint64              // first hashes in claim order, a ring for eviction; may hold stale slots
	head    int                   // order[head] is the oldest slot
	live    int                   // slots in use in order
	arena   []byte                // results, written round and round
	written int64                 // bytes ever written to arena: the next result goes at written % len(arena)
}

type dedupEntry struct {
	check   uint64 // the key's second hash
	expires int64  // Unix nanoseconds
	at      int64  // where the result was written (a value of written), valid while written-at <= len(arena)
	n       int32  // result length
	done    bool
}

// Sizes of a default MemoryDedupStore.
const (
	DefaultDedupCapacity = 65536   // keys
	defaultDedupArena    = 8 << 20 // bytes of results: 20 000 push replies or so
)

// NewMemoryDedupStore returns a store keeping at most capacity keys
// (DefaultDedupCapacity when capacity <= 0) and 8 MiB of results.
func NewMemoryDedupStore(capacity int) *MemoryDedupStore {
	return newMemoryDedupStore(capacity, defaultDedupArena)
}

func newMemoryDedupStore(capacity, arena int) *MemoryDedupStore {
	if capacity <= 0 {
		capacity = DefaultDedupCapacity
	}
	return &MemoryDedupStore{
		now:     time.Now,
		seeds:   [2]maphash.Seed{maphash.MakeSeed(), maphash.MakeSeed()},
		entries: make(map[uint64]dedupEntry),
		order:   make([]uint64, capacity),
		arena:   make([]byte, arena),
	}
}

func (m *MemoryDedupStore) hash(key string) (uint64, uint64) {
	return maphash.String(m.seeds[0], key), maphash.String(m.seeds[1], key)
}

// Claim implements [DedupStore]. A result it returns is a copy.
func (m *MemoryDedupStore) Claim(_ context.Context, key string, ttl time.Duration) (bool, []byte, bool, error) {
	h, check := m.hash(key)
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now().UnixNano()
	if e, ok := m.entries[h]; ok && e.check == check && now < e.expires {
		return false, m.result(e), e.done, nil
	}
	m.put(h, dedupEntry{check: check, expires: now + int64(ttl)}, now)
	return true, nil, false, nil
}

// Finish implements [DedupStore]. The result is copied into the arena.
func (m *MemoryDedupStore) Finish(_ context.Context, key string, result []byte, ttl time.Duration) error {
	h, check := m.hash(key)
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now().UnixNano()
	e := dedupEntry{check: check, expires: now + int64(ttl), done: true, at: -1}
	if len(result) > 0 && len(result) <= len(m.arena)/4 {
		e.at, e.n = m.store(result), int32(len(result))
	}
	if old, ok := m.entries[h]; ok && old.check == check {
		m.entries[h] = e // the key keeps its place in the order
		return nil
	}
	m.put(h, e, now) // evicted while running: remember the result anyway
	return nil
}

// Release implements [DedupStore].
func (m *MemoryDedupStore) Release(_ context.Context, key string) error {
	h, check := m.hash(key)
	m.mu.Lock()
	if e, ok := m.entries[h]; ok && e.check == check {
		delete(m.entries, h)
	}
	m.mu.Unlock()
	return nil
}

// Len returns the number of keys held.
func (m *MemoryDedupStore) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.entries)
}

// put adds the entry of h at the newest end of the order, first forgetting
// the oldest keys while they have expired or the order is full. m.mu is held.
func (m *MemoryDedupStore) put(h uint64, e dedupEntry, now int64) {
	for m.live > 0 {
		old := m.order[m.head]
		oe, ok := m.entries[old]
		if ok && now < oe.expires && m.live < len(m.order) {
			break
		}
		// Expired, or the order is full, or a slot left by a key released
		// (or claimed again) since: forget the oldest. A key claimed again
		// has a newer slot; dropping it here only shortens its life.
		if ok && (now >= oe.expires || m.live == len(m.order)) {
			delete(m.entries, old)
		}
		m.head = (m.head + 1) % len(m.order)
		m.live--
	}
	m.entries[h] = e
	m.order[(m.head+m.live)%len(m.order)] = h
	m.live++
}

// store writes result into the arena and returns where. A result never
// wraps: one that does not fit before the end starts at the beginning.
// m.mu is held.
func (m *MemoryDedupStore) store(result []byte) int64 {
	size := int64(len(m.arena))
	off := m.written % size
	if off+int64(len(result)) > size {
		m.written += size - off // skip the tail
		off = 0
	}
	at := m.written
	copy(m.arena[off:], result)
	m.written += int64(len(result))
	return at
}

// result returns a copy of e's result, nil when there is none or the arena
// has written over it since. m.mu is held.
func (m *MemoryDedupStore) result(e dedupEntry) []byte {
	size := int64(len(m.arena))
	if !e.done || e.at < 0 || m.written-e.at > size {
		return nil
	}
	off := e.at % size
	return bytes.Clone(m.arena[off : off+int64(e.n)])
}

// deliveries runs a function once per delivery key: a copy arriving in this
// process while the function runs waits for its result on a channel; a copy
// on another server finds the claim or the result in the DedupStore. The
// push and pay notification handlers share it.
type deliveries struct {
	c     *Client
	store DedupStore
	// inline is true for a *MemoryDedupStore, which never blocks: its calls
	// run on the caller's goroutine. Calls of any other store run on a
	// goroutine of their own, so that a store that ignores ctx (a Redis
	// that accepts connections and never answers) cannot hold the caller
	// past onceRules.storeTimeout. Such a store pays a network round trip
	// per call anyway; the goroutine costs far less.
	inline bool

	mu      sync.Mutex
	running map[string]*delivery
}

// delivery is one run that copies arriving meanwhile wait for.
type delivery struct {
	done    chan struct{}
	waiters int    // copies waiting; guarded by deliveries.mu
	result  []byte // for the waiters: a copy, as the runner's may be a pooled buffer
	err     error  // set, like result, before done is closed
}

// onceRules says how long claims and results live and what a copy does when
// the store fails or another server's run outlasts its wait.
type onceRules struct {
	lease        time.Duration // a claim's life while the function runs
	keep         time.Duration // a result's life
	wait         time.Duration // how long a copy waits for another server's run
	storeTimeout time.Duration // the longest wait for one call of the store
	failOpen     bool          // when the store fails, run anyway (push) rather than fail (pay)
}

// Errors of deliveries.do.
var (
	// errRunningElsewhere: another server holds the claim beyond the wait.
	errRunningElsewhere = errors.New("wego: the same delivery is being handled elsewhere")
	// errAbandoned: the run this copy waited for ended without a result.
	errAbandoned = errors.New("wego: the delivery's handling was abandoned")
	// errNoTimeLeft: the deadline passed before the function could start.
	errNoTimeLeft = errors.New("wego: the deadline passed before the handler could run")
)

func newDeliveries(c *Client, store DedupStore) *deliveries {
	_, inline := store.(*MemoryDedupStore)
	return &deliveries{c: c, store: store, inline: inline, running: make(map[string]*delivery)}
}

// do returns the result of fn for key: run now, or the result of an earlier
// successful run, or of the run under way. A failed run releases the key, so
// that the next copy runs fn again. The result fn returns goes back to its
// caller as is (it may be a pooled buffer); copies get their own. fn is
// never started once ctx is done.
func (o *deliveries) do(ctx context.Context, key string, rules onceRules, fn func(context.Context) ([]byte, error)) ([]byte, error) {
	o.mu.Lock()
	if run := o.running[key]; run != nil {
		run.waiters++
		o.mu.Unlock()
		select {
		case <-run.done:
			return run.result, run.err
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	run := &delivery{done: make(chan struct{}), err: errAbandoned}
	o.running[key] = run
	o.mu.Unlock()
	var result []byte
	var err error = errAbandoned
	defer func() {
		o.mu.Lock()
		delete(o.running, key)
		if run.waiters > 0 {
			run.result, run.err = bytes.Clone(result), err
		}
		o.mu.Unlock()
		close(run.done)
	}()
	result, err = o.claimAndRun(ctx, key, rules, fn)
	return result, err
}

// claimAndRun claims key in the store, waiting up to rules.wait for another
// server's run of it, and runs fn when the claim is ours.
func (o *deliveries) claimAndRun(ctx context.Context, key string, rules onceRules, fn func(context.Context) ([]byte, error)) ([]byte, error) {
	deadline := time.Now().Add(rules.wait)
	for {
		claimed, result, done, err := o.claim(ctx, key, rules)
		switch {
		case err != nil && rules.failOpen:
			o.c.quiet.dedup.log(ctx, o.c.log, slog.LevelWarn, "wego: dedup store failed, handling anyway",
				logKey(key), slog.String("error", redact(err.Error())))
			if err := ctx.Err(); err != nil {
				return nil, fmt.Errorf("%w: %w", errNoTimeLeft, err)
			}
			return fn(ctx)
		case err != nil:
			return nil, fmt.Errorf("wego: dedup store: %w", redactedError{err})
		case done:
			return result, nil
		case claimed:
			return o.run(ctx, key, rules, fn)
		case !time.Now().Before(deadline):
			return nil, errRunningElsewhere
		}
		if err := sleep(ctx, min(dedupPoll, time.Until(deadline))); err != nil {
			return nil, err
		}
	}
}

// dedupPoll is how often a copy looks whether another server's run finished.
const dedupPoll = 50 * time.Millisecond

// run runs fn under a claim of key: a success is recorded, a failure (or a
// panic) releases the claim, and so does a deadline that passed before fn
// could start. Recording and releasing outlive ctx's cancellation, within
// rules.storeTimeout.
func (o *deliveries) run(ctx context.Context, key string, rules onceRules, fn func(context.Context) ([]byte, error)) ([]byte, error) {
	finished := false
	defer func() {
		if !finished {
			if err := o.release(ctx, key, rules); err != nil {
				o.c.log.LogAttrs(ctx, slog.LevelWarn, "wego: dedup store release failed",
					logKey(key), slog.String("error", redact(err.Error())))
			}
		}
	}()
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("%w: %w", errNoTimeLeft, err)
	}
	result, err := fn(ctx)
	if err != nil {
		return nil, err
	}
	finished = true
	if err := o.finish(ctx, key, result, rules); err != nil {
		o.c.log.LogAttrs(ctx, slog.LevelWarn, "wego: dedup store write failed; a repeat may be handled again",
			logKey(key), slog.String("error", redact(err.Error())))
	}
	return result, nil
}

// bindBody ties the body of a plain push to its signature: the first body
// seen under key (which names the signature) is recorded by its digest sum
// for ttl, and another body under the same key is refused. A store that
// fails lets the push through (logged), as de-duplication does.
func (o *deliveries) bindBody(ctx context.Context, key string, sum []byte, ttl, storeTimeout time.Duration) error {
	rules := onceRules{lease: ttl, keep: ttl, storeTimeout: storeTimeout}
	claimed, prev, done, err := o.claim(ctx, key, rules)
	switch {
	case err != nil:
		o.c.log.LogAttrs(ctx, slog.LevelWarn, "wego: dedup store failed, plain push accepted without checking its signature's earlier use",
			logKey(key), slog.String("error", redact(err.Error())))
		return nil
	case claimed:
		if err := o.finish(ctx, key, sum, rules); err != nil {
			o.c.log.LogAttrs(ctx, slog.LevelWarn, "wego: dedup store write failed; a plain push's signature is not bound to its body",
				logKey(key), slog.String("error", redact(err.Error())))
		}
		return nil
	case done && bytes.Equal(prev, sum):
		return nil // WeChat's repeat of the same push
	}
	return fmt.Errorf("%w: plain push signature already used with another body", ErrInvalidSignature)
}

// claim, finish and release call the store, waiting at most
// rules.storeTimeout for a store other than the memory one: a claim not
// past ctx either, while finishing and releasing outlive ctx's end (they
// record what was done).
func (o *deliveries) claim(ctx context.Context, key string, rules onceRules) (claimed bool, result []byte, done bool, err error) {
	if o.inline {
		return o.store.Claim(ctx, key, rules.lease)
	}
	type answer struct {
		claimed, done bool
		result        []byte
	}
	a, err := bounded(ctx, rules.storeTimeout, func(ctx context.Context) (a answer, err error) {
		a.claimed, a.result, a.done, err = o.store.Claim(ctx, key, rules.lease)
		return a, err
	})
	return a.claimed, a.result, a.done, err
}

func (o *deliveries) finish(ctx context.Context, key string, result []byte, rules onceRules) error {
	if o.inline {
		return o.store.Finish(ctx, key, result, rules.keep)
	}
	// The store may keep result after a timeout: give it its own copy, as
	// the caller's may be a pooled buffer.
	result = bytes.Clone(result)
	_, err := bounded(context.WithoutCancel(ctx), rules.storeTimeout, func(ctx context.Context) (struct{}, error) {
		return struct{}{}, o.store.Finish(ctx, key, result, rules.keep)
	})
	return err
}

func (o *deliveries) release(ctx context.Context, key string, rules onceRules) error {
	if o.inline {
		return o.store.Release(ctx, key)
	}
	_, err := bounded(context.WithoutCancel(ctx), rules.storeTimeout, func(ctx context.Context) (struct{}, error) {
		return struct{}{}, o.store.Release(ctx, key)
	})
	return err
}

// errStoreTimeout is what bounded reports when the store did not answer in time.
var errStoreTimeout = errors.New("no answer in time")

// bounded runs f on a goroutine of its own and waits for it at most timeout
// and not past ctx; f's context ends then too, so a store that honours it
// stops. A store that does not finishes on its own, unwaited for.
func bounded[T any](ctx context.Context, timeout time.Duration, f func(context.Context) (T, error)) (T, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	// Cancelled when the wait ends, not when f returns: f's goroutine
	// cancelling it after answering made the answer and ctx's end race
	// in awaitAnswer's select.
	defer cancel()
	ch := make(chan answer[T], 1)
	go func() {
		v, err := f(ctx)
		ch <- answer[T]{v, err}
	}()
	return awaitAnswer(ctx, timeout, ch)
}

// answer is what a call bounded runs returned.
type answer[T any] struct {
	v   T
	err error
}

// awaitAnswer returns the answer ch receives, or errStoreTimeout once ctx
// is done without one. An answer that is there when ctx ends wins: a
// select with both ready picks one at random, and a store that answered
// in time must not count as failed (a push whose claim succeeded would be
// handled as if the store were down, its reply never recorded; a
// notification whose claim succeeded would be answered FAIL, its claim
// left to expire).
func awaitAnswer[T any](ctx context.Context, timeout time.Duration, ch <-chan answer[T]) (T, error) {
	select {
	case a := <-ch:
		return a.v, a.err
	case <-ctx.Done():
		select {
		case a := <-ch:
			return a.v, a.err
		default:
		}
		var zero T
		return zero, fmt.Errorf("%w within %v: %w", errStoreTimeout, timeout, ctx.Err())
	}
}

// logKey names a delivery in logs without the user it came from (event keys
// hold the sender's openid): its kind and a digest of the key, enough to
// tell the lines of one delivery from another's.
func logKey(key string) slog.Attr {
	kind, _, _ := strings.Cut(key, ":")
	sum := sha256.Sum256([]byte(key))
	return slog.String("delivery", kind+":"+hex.EncodeToString(sum[:6]))
}
