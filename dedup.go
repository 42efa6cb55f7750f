package wego

import (
	"context"
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
	// Finish records the result of a claimed key and keeps it for ttl.
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
	e.result = append([]byte(nil), result...)
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
