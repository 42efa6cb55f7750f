package wego

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
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
type DedupStore interface {
	// Claim takes key for ttl if nobody holds it: claimed is true and the
	// caller must end the claim with Finish or Release. Otherwise claimed is
	// false, and done tells whether the holder finished, with its result.
	Claim(ctx context.Context, key string, ttl time.Duration) (claimed bool, result []byte, done bool, err error)
	// Finish records the result of a claimed key and keeps it for ttl. The
	// store may keep result itself: the caller does not change it after.
	Finish(ctx context.Context, key string, result []byte, ttl time.Duration) error
	// Release drops a claim without a result, so that the next delivery of
	// the same key is handled again.
	Release(ctx context.Context, key string) error
}

// MemoryDedupStore is a [DedupStore] in this process's memory, bounded in
// size: past its capacity the oldest keys are forgotten first.
type MemoryDedupStore struct {
	mu       sync.Mutex
	capacity int
	now      func() time.Time
	entries  map[string]*dedupEntry
	order    []string // keys in claim order, for eviction; may hold stale slots
	head     int      // order[:head] is consumed
}

type dedupEntry struct {
	done    bool
	result  []byte
	expires time.Time
}

// DefaultDedupCapacity is the number of keys a default MemoryDedupStore keeps.
const DefaultDedupCapacity = 65536

// NewMemoryDedupStore returns a store keeping at most capacity keys
// (DefaultDedupCapacity when capacity <= 0).
func NewMemoryDedupStore(capacity int) *MemoryDedupStore {
	if capacity <= 0 {
		capacity = DefaultDedupCapacity
	}
	return &MemoryDedupStore{capacity: capacity, now: time.Now, entries: make(map[string]*dedupEntry)}
}

// Claim implements [DedupStore].
func (m *MemoryDedupStore) Claim(_ context.Context, key string, ttl time.Duration) (bool, []byte, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	if e, ok := m.entries[key]; ok && now.Before(e.expires) {
		return false, e.result, e.done, nil
	}
	m.entries[key] = &dedupEntry{expires: now.Add(ttl)}
	m.order = append(m.order, key)
	m.evict(now)
	return true, nil, false, nil
}

// Finish implements [DedupStore].
func (m *MemoryDedupStore) Finish(_ context.Context, key string, result []byte, ttl time.Duration) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.entries[key]
	if !ok {
		// Evicted while running: remember the result anyway.
		e = &dedupEntry{}
		m.entries[key] = e
		m.order = append(m.order, key)
	}
	e.done = true
	e.result = result
	e.expires = m.now().Add(ttl)
	m.evict(m.now())
	return nil
}

// Release implements [DedupStore].
func (m *MemoryDedupStore) Release(_ context.Context, key string) error {
	m.mu.Lock()
	delete(m.entries, key)
	m.mu.Unlock()
	return nil
}

// Len returns the number of keys held.
func (m *MemoryDedupStore) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.entries)
}

// evict forgets keys from the oldest on while they have expired or the
// store is over capacity. m.mu is held.
func (m *MemoryDedupStore) evict(now time.Time) {
	for m.head < len(m.order) {
		key := m.order[m.head]
		e, ok := m.entries[key]
		if ok && !now.After(e.expires) && len(m.entries) <= m.capacity {
			break
		}
		// Expired, over capacity, or a slot left by a key released (or
		// claimed again) since.
		if ok && (now.After(e.expires) || len(m.entries) > m.capacity) {
			delete(m.entries, key)
		}
		m.order[m.head] = ""
		m.head++
	}
	// Reclaim the consumed front once it is half the slice.
	if m.head > 0 && m.head >= len(m.order)/2 {
		m.order = append(m.order[:0], m.order[m.head:]...)
		m.head = 0
	}
	// Released keys leave slots behind a long-lived oldest key; drop them
	// before they outnumber the keys.
	if len(m.order) > 2*m.capacity {
		live := m.order[:0]
		for _, k := range m.order {
			if _, ok := m.entries[k]; ok {
				live = append(live, k)
			}
		}
		clear(m.order[len(live):])
		m.order = live
	}
}

// deliveries runs a function once per delivery key: a copy arriving in this
// process while the function runs waits for its result on a channel; a copy
// on another server finds the claim or the result in the DedupStore. The
// push and pay notification handlers share it.
type deliveries struct {
	c     *Client
	store DedupStore

	mu      sync.Mutex
	running map[string]*delivery
}

// delivery is one run that copies arriving meanwhile wait for.
type delivery struct {
	done   chan struct{}
	result []byte
	err    error // set, like result, before done is closed
}

// onceRules says how long claims and results live and what a copy does when
// the store fails or another server's run outlasts its wait.
type onceRules struct {
	lease    time.Duration // a claim's life while the function runs
	keep     time.Duration // a result's life
	wait     time.Duration // how long a copy waits for another server's run
	failOpen bool          // when the store fails, run anyway (push) rather than fail (pay)
}

// Errors of deliveries.do.
var (
	// errRunningElsewhere: another server holds the claim beyond the wait.
	errRunningElsewhere = errors.New("wego: the same delivery is being handled elsewhere")
	// errAbandoned: the run this copy waited for ended without a result.
	errAbandoned = errors.New("wego: the delivery's handling was abandoned")
)

func newDeliveries(c *Client, store DedupStore) *deliveries {
	return &deliveries{c: c, store: store, running: make(map[string]*delivery)}
}

// do returns the result of fn for key: run now, or the result of an earlier
// successful run, or of the run under way. A failed run releases the key, so
// that the next copy runs fn again.
func (o *deliveries) do(ctx context.Context, key string, rules onceRules, fn func(context.Context) ([]byte, error)) ([]byte, error) {
	o.mu.Lock()
	if run := o.running[key]; run != nil {
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
	defer func() {
		o.mu.Lock()
		delete(o.running, key)
		o.mu.Unlock()
		close(run.done)
	}()
	run.result, run.err = o.claimAndRun(ctx, key, rules, fn)
	return run.result, run.err
}

// claimAndRun claims key in the store, waiting up to rules.wait for another
// server's run of it, and runs fn when the claim is ours.
func (o *deliveries) claimAndRun(ctx context.Context, key string, rules onceRules, fn func(context.Context) ([]byte, error)) ([]byte, error) {
	deadline := time.Now().Add(rules.wait)
	for {
		claimed, result, done, err := o.store.Claim(ctx, key, rules.lease)
		switch {
		case err != nil && rules.failOpen:
			o.c.log.LogAttrs(ctx, slog.LevelWarn, "wego: dedup store failed, handling anyway",
				slog.String("key", key), slog.String("error", redact(err.Error())))
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
// panic) releases the claim.
func (o *deliveries) run(ctx context.Context, key string, rules onceRules, fn func(context.Context) ([]byte, error)) ([]byte, error) {
	finished := false
	defer func() {
		if !finished {
			if err := o.store.Release(context.WithoutCancel(ctx), key); err != nil {
				o.c.log.LogAttrs(ctx, slog.LevelWarn, "wego: dedup store release failed",
					slog.String("key", key), slog.String("error", redact(err.Error())))
			}
		}
	}()
	result, err := fn(ctx)
	if err != nil {
		return nil, err
	}
	finished = true
	if err := o.store.Finish(context.WithoutCancel(ctx), key, result, rules.keep); err != nil {
		o.c.log.LogAttrs(ctx, slog.LevelWarn, "wego: dedup store write failed; a repeat may be handled again",
			slog.String("key", key), slog.String("error", redact(err.Error())))
	}
	return result, nil
}
