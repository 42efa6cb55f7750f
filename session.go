package wego

import (
	"container/list"
	"context"
	"sync"
	"time"
)

// SessionStore keeps the sessions of [Client.LoginRequired]: who is logged
// in, their user token and cached profile, and the logins under way.
// Implementations must be safe for concurrent use; a store shared by every
// server of a deployment (the redisstore module has one for Redis) keeps a
// user logged in whichever server answers.
//
// The SDK never hands the store a session id as the cookie holds it: key
// is a digest of the id, so whoever reads the store (a Redis dump, a
// replica) learns no id to log in with. data is opaque to the store.
type SessionStore interface {
	// Session returns the data stored under key; ok is false when there is
	// none or it expired.
	Session(ctx context.Context, key string) (data []byte, ok bool, err error)
	// SetSession stores data under key for ttl, replacing what was there.
	SetSession(ctx context.Context, key string, data []byte, ttl time.Duration) error
	// DeleteSession removes what is stored under key, if anything.
	DeleteSession(ctx context.Context, key string) error
}

// DefaultSessionCapacity is how many sessions a [MemorySessionStore] made
// by [NewMemorySessionStore] keeps.
const DefaultSessionCapacity = 100_000

// MemorySessionStore is the default [SessionStore]: sessions in this
// process's memory, bounded in number and in age (each expires after the
// ttl it was stored with). It suits a single server; sessions are lost
// when the process ends.
//
// When full, it drops the oldest written of the short-lived sessions first
// (a ttl of at most [ShortSessionTTL]: the logins under way of visitors who
// may never come back), and logged-in sessions only when there are no
// others, so that a flood of visitors who never log in cannot log everyone
// out.
type MemorySessionStore struct {
	mu    sync.Mutex
	cap   int
	now   func() time.Time
	items map[string]*list.Element // key → element of short or long
	short list.List                // *memSession with ttl ≤ ShortSessionTTL, oldest written first
	long  list.List                // the others, oldest written first
}

// ShortSessionTTL is the longest ttl a [MemorySessionStore] counts as short
// lived, to be dropped first when full: LoginRequired stores a login under
// way for 10 minutes.
const ShortSessionTTL = 15 * time.Minute

type memSession struct {
	key     string
	data    []byte
	expires time.Time
	short   bool
}

// NewMemorySessionStore returns a store keeping at most capacity sessions;
// capacity ≤ 0 means [DefaultSessionCapacity].
func NewMemorySessionStore(capacity int) *MemorySessionStore {
	if capacity <= 0 {
		capacity = DefaultSessionCapacity
	}
	return &MemorySessionStore{cap: capacity, now: time.Now, items: make(map[string]*list.Element)}
}

// Session implements [SessionStore]. The data returned is the store's own
// copy: callers must not change it.
func (m *MemorySessionStore) Session(_ context.Context, key string) ([]byte, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.items[key]
	if !ok {
		return nil, false, nil
	}
	s := e.Value.(*memSession)
	if !m.now().Before(s.expires) {
		m.removeLocked(e)
		return nil, false, nil
	}
	return s.data, true, nil
}

// SetSession implements [SessionStore]. It keeps a copy of data.
func (m *MemorySessionStore) SetSession(_ context.Context, key string, data []byte, ttl time.Duration) error {
	s := &memSession{key: key, data: append([]byte(nil), data...), expires: m.now().Add(ttl), short: ttl <= ShortSessionTTL}
	m.mu.Lock()
	defer m.mu.Unlock()
	if e, ok := m.items[key]; ok {
		m.removeLocked(e)
	}
	if s.short {
		m.items[key] = m.short.PushBack(s)
	} else {
		m.items[key] = m.long.PushBack(s)
	}
	m.evictLocked()
	return nil
}

// DeleteSession implements [SessionStore].
func (m *MemorySessionStore) DeleteSession(_ context.Context, key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if e, ok := m.items[key]; ok {
		m.removeLocked(e)
	}
	return nil
}

// Len returns how many sessions the store holds, expired ones not yet
// dropped included.
func (m *MemorySessionStore) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.items)
}

func (m *MemorySessionStore) removeLocked(e *list.Element) {
	s := e.Value.(*memSession)
	if s.short {
		m.short.Remove(e)
	} else {
		m.long.Remove(e)
	}
	delete(m.items, s.key)
}

// evictLocked drops the expired sessions at the front of each list, then,
// while over capacity, the oldest short-lived one, or the oldest of all
// when none is short-lived.
func (m *MemorySessionStore) evictLocked() {
	now := m.now()
	for _, l := range []*list.List{&m.short, &m.long} {
		for e := l.Front(); e != nil && !now.Before(e.Value.(*memSession).expires); e = l.Front() {
			m.removeLocked(e)
		}
	}
	for len(m.items) > m.cap {
		e := m.short.Front()
		if e == nil {
			e = m.long.Front()
		}
		m.removeLocked(e)
	}
}
