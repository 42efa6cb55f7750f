// Package redisstore keeps wego's shared state in Redis, so that every
// server of a deployment uses one global access token and one of each ticket,
// handles each push and pay notification once, and knows every visitor
// LoginRequired logged in, whichever server WeChat or the browser reaches.
//
//	rdb := redis.NewClient(&redis.Options{Addr: "localhost:6379"})
//	store := redisstore.New(rdb)
//	c, err := wego.NewClient(wego.Settings{
//		AppID: "...", AppSecret: "...",
//		TokenStore:   store, // wego.TokenStore
//		DedupStore:   store, // wego.DedupStore
//		SessionStore: store, // wego.SessionStore
//	})
//
// # Keys
//
// Every key starts with the prefix ("wego:" by default, WithPrefix):
// token:<key> holds the access token (key: the AppID) and the tickets
// (the AppID and "/jsapi_ticket" or "/wx_card_ticket"), lock:<key> the
// refresh lock of one of them, dedup:<key> a push or pay notification
// under way or done, session:<key> a LoginRequired session. Each key
// expires with what it holds.
//
// # Redis Cluster and Sentinel
//
// New takes any redis.UniversalClient: redis.NewClient for one server,
// redis.NewClusterClient for Redis Cluster, redis.NewFailoverClient for
// Sentinel, or redis.NewUniversalClient, which makes the one its options
// ask for (MasterName: Sentinel; several Addrs: Cluster). Every command and
// script the store sends touches exactly one key (GET, SET, SET NX, DEL,
// and a compare-and-delete script that names its key in KEYS), so none
// spans two hash slots (no CROSSSLOT error) and each runs on the node that
// holds its key: a deployment's tokens, tickets, locks, de-dup entries and
// sessions spread over all the masters. Keep the prefix free of a hash
// tag: with WithPrefix("{wego}:") every key lives on one master, which then
// carries all of the store's load for nothing in return. Leave go-redis's
// ReadOnly, RouteByLatency and RouteRandomly off: they send reads to
// replicas, which lag their master, so a server could miss a token, a
// lock, a finished push or a logout written a moment before.
//
// Replication is asynchronous: what a master acknowledged but had not yet
// copied is lost when a replica is promoted. That costs a token or ticket
// fetched again, a refresh lock two servers hold at once, a push retry
// handled a second time, a login to make again, or a logout undone until
// the session expires.
//
// # One refresher
//
// The Store is a [wego.TokenLocker]: when the token (or a ticket) is
// missing or expired, the server that takes the lock (SET NX with an
// owner value and a 30 s expiry, released only by its owner) asks WeChat
// and stores the answer; the others poll Redis every 50 ms for it and ask
// WeChat themselves only when nothing came within 5 s (the holder died).
//
// # When Redis is down
//
//   - Tokens and tickets: each server goes on with the one it last read or
//     fetched while it lives, then fetches its own (one request per
//     process, however many goroutines wait), and keeps it until Redis is
//     back; the next one is shared again. No call fails for the outage.
//   - Sessions fail closed: LoginRequired answers 503 and serves no page,
//     so no visitor is ever served as someone else (a login could not
//     start either: its state is kept in the session).
//   - De-duplication fails open for pushes: the push is handled and
//     answered; a retry of it may then be handled twice, rather than a
//     message be lost. It fails closed for pay notifications: the answer
//     is FAIL and WeChat notifies again later, when it is handled once.
//
// After a command failed, the store answers ErrUnavailable at once for a
// second (WithFailFast) instead of paying go-redis's dial retries on
// every call; then one call tries Redis again.
//
// It is a module of its own so that the core SDK does not depend on Redis.
package redisstore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/wego-sdk/wego"
)

// Store implements [wego.TokenStore], [wego.DedupStore] and
// [wego.SessionStore] on Redis. It is safe for concurrent use.
type Store struct {
	rdb      redis.UniversalClient
	prefix   string
	localTTL time.Duration
	failFast time.Duration
	now      func() time.Time

	// downUntil is when (Unix nanoseconds) the store tries Redis again
	// after a failure; 0 while Redis answers. See WithFailFast.
	downUntil atomic.Int64

	// local holds the tokens read from Redis (key → token): replaced,
	// never changed, on a write, so that a lookup, made before every call
	// to WeChat, takes no lock. mu serialises the writers.
	mu    sync.Mutex
	local atomic.Pointer[map[string]localToken]
}

type localToken struct {
	tok   wego.Token
	until time.Time
}

// Option configures a Store.
type Option func(*Store)

// WithPrefix sets the prefix of every key the store writes ("wego:" by
// default), to share one Redis between deployments.
func WithPrefix(p string) Option { return func(s *Store) { s.prefix = p } }

// WithLocalCache keeps a token read from Redis in this process for d (10 s
// by default; 0 reads Redis on every call). The SDK reads the token before
// every call to WeChat; the local copy saves that round trip. A token
// WeChat rejects is dropped from the local copy at once.
func WithLocalCache(d time.Duration) Option { return func(s *Store) { s.localTTL = d } }

// WithFailFast sets how long the store answers [ErrUnavailable] at once,
// without asking Redis, after a command failed for a reason other than
// the caller's context (1 s by default; 0 asks Redis every time). Once it
// has passed, one call tries Redis again while the others keep failing
// fast; a call that works ends it.
//
// A Redis that is down costs each command go-redis's dial attempts and
// retries, seconds with its defaults; without this every call to WeChat
// would wait that long for its token lookup before the SDK fell back on
// the token it holds. With it, an outage costs one such wait per second
// per process, and a push's de-duplication, a login's session lookup and
// a token lookup fail at once and take their fallback (see the package
// documentation).
func WithFailFast(d time.Duration) Option { return func(s *Store) { s.failFast = d } }

// ErrUnavailable is the error (wrapped) of a call the store answered
// without asking Redis, because Redis failed less than the WithFailFast
// duration ago.
var ErrUnavailable = errors.New("redis failed moments ago; not asked again yet")

// New returns a store using rdb, which the caller keeps and closes.
func New(rdb redis.UniversalClient, opts ...Option) *Store {
	s := &Store{rdb: rdb, prefix: "wego:", localTTL: 10 * time.Second, failFast: time.Second, now: time.Now}
	for _, o := range opts {
		o(s)
	}
	return s
}

var (
	_ wego.TokenStore   = (*Store)(nil)
	_ wego.TokenLocker  = (*Store)(nil)
	_ wego.DedupStore   = (*Store)(nil)
	_ wego.SessionStore = (*Store)(nil)
)

func (s *Store) tokenKey(appID string) string { return s.prefix + "token:" + appID }
func (s *Store) dedupKey(key string) string   { return s.prefix + "dedup:" + key }
func (s *Store) sessionKey(key string) string { return s.prefix + "session:" + key }
func (s *Store) lockKey(key string) string    { return s.prefix + "lock:" + key }

// Token implements [wego.TokenStore].
func (s *Store) Token(ctx context.Context, appID string) (wego.Token, bool, error) {
	now := s.now()
	var l localToken
	ok := false
	if m := s.local.Load(); m != nil {
		l, ok = (*m)[appID]
	}
	if ok && now.Before(l.until) && now.Before(l.tok.ExpiresAt) {
		return l.tok, true, nil
	}
	v, err := call(ctx, s, func() (string, error) { return s.rdb.Get(ctx, s.tokenKey(appID)).Result() })
	if errors.Is(err, redis.Nil) {
		return wego.Token{}, false, nil
	}
	if err != nil {
		return wego.Token{}, false, fmt.Errorf("redisstore: read token: %w", err)
	}
	tok, err := decodeToken(v)
	if err != nil {
		return wego.Token{}, false, err
	}
	s.remember(appID, tok)
	return tok, true, nil
}

// SetToken implements [wego.TokenStore]. The key expires with the token.
func (s *Store) SetToken(ctx context.Context, appID string, tok wego.Token) error {
	ttl := tok.ExpiresAt.Sub(s.now())
	if ttl <= 0 {
		return nil
	}
	if err := do(ctx, s, func() error { return s.rdb.Set(ctx, s.tokenKey(appID), encodeToken(tok), ttl).Err() }); err != nil {
		return fmt.Errorf("redisstore: write token: %w", err)
	}
	s.remember(appID, tok)
	return nil
}

// compareAndDelete deletes KEYS[1] only while it still holds ARGV[1].
var compareAndDelete = redis.NewScript(`
if redis.call("GET", KEYS[1]) == ARGV[1] then
	return redis.call("DEL", KEYS[1])
end
return 0`)

// DeleteToken implements [wego.TokenStore]: the token is deleted only while
// it is still value, so a fresh token another server stored survives.
func (s *Store) DeleteToken(ctx context.Context, appID, value string) error {
	s.updateLocal(func(m map[string]localToken) {
		if l, ok := m[appID]; ok && l.tok.Value == value {
			delete(m, appID)
		}
	})
	key := s.tokenKey(appID)
	v, err := call(ctx, s, func() (string, error) { return s.rdb.Get(ctx, key).Result() })
	if errors.Is(err, redis.Nil) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("redisstore: read token: %w", err)
	}
	if tok, err := decodeToken(v); err != nil || tok.Value != value {
		return err
	}
	if err := do(ctx, s, func() error { return compareAndDelete.Run(ctx, s.rdb, []string{key}, v).Err() }); err != nil {
		return fmt.Errorf("redisstore: delete token: %w", err)
	}
	return nil
}

func (s *Store) remember(appID string, tok wego.Token) {
	if s.localTTL <= 0 {
		return
	}
	until := s.now().Add(s.localTTL)
	s.updateLocal(func(m map[string]localToken) { m[appID] = localToken{tok: tok, until: until} })
}

// updateLocal replaces the local copies with a copy changed by fn.
func (s *Store) updateLocal(fn func(map[string]localToken)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	next := make(map[string]localToken)
	if m := s.local.Load(); m != nil {
		for k, v := range *m {
			next[k] = v
		}
	}
	fn(next)
	s.local.Store(&next)
}

// encodeToken stores the expiry (Unix milliseconds) before the value.
func encodeToken(t wego.Token) string {
	return strconv.FormatInt(t.ExpiresAt.UnixMilli(), 10) + ":" + t.Value
}

func decodeToken(v string) (wego.Token, error) {
	ms, val, ok := strings.Cut(v, ":")
	n, err := strconv.ParseInt(ms, 10, 64)
	if !ok || err != nil || val == "" {
		return wego.Token{}, errors.New("redisstore: malformed token entry")
	}
	return wego.Token{Value: val, ExpiresAt: time.UnixMilli(n)}, nil
}

// Dedup entries hold "r" while the first delivery runs and "d" + result
// once it finished.
const (
	running = "r"
	done    = "d"
)

// Claim implements [wego.DedupStore] with SET NX.
func (s *Store) Claim(ctx context.Context, key string, ttl time.Duration) (bool, []byte, bool, error) {
	k := s.dedupKey(key)
	for range 3 {
		ok, err := call(ctx, s, func() (bool, error) { return s.rdb.SetNX(ctx, k, running, ttl).Result() })
		if err != nil {
			return false, nil, false, fmt.Errorf("redisstore: claim: %w", err)
		}
		if ok {
			return true, nil, false, nil
		}
		v, err := call(ctx, s, func() (string, error) { return s.rdb.Get(ctx, k).Result() })
		if errors.Is(err, redis.Nil) {
			continue // released or expired in between: claim again
		}
		if err != nil {
			return false, nil, false, fmt.Errorf("redisstore: claim: %w", err)
		}
		if strings.HasPrefix(v, done) {
			return false, []byte(v[len(done):]), true, nil
		}
		return false, nil, false, nil
	}
	return false, nil, false, errors.New("redisstore: claim: key keeps changing")
}

// Finish implements [wego.DedupStore].
func (s *Store) Finish(ctx context.Context, key string, result []byte, ttl time.Duration) error {
	if err := do(ctx, s, func() error { return s.rdb.Set(ctx, s.dedupKey(key), done+string(result), ttl).Err() }); err != nil {
		return fmt.Errorf("redisstore: finish: %w", err)
	}
	return nil
}

// Release implements [wego.DedupStore].
func (s *Store) Release(ctx context.Context, key string) error {
	if err := do(ctx, s, func() error { return s.rdb.Del(ctx, s.dedupKey(key)).Err() }); err != nil {
		return fmt.Errorf("redisstore: release: %w", err)
	}
	return nil
}

// Session implements [wego.SessionStore]: one key per session, read from
// Redis on every request (no local copy, so that a logout or a new login
// holds on every server at once). When Redis cannot be read the error
// goes back to LoginRequired, which answers 503: a session fails closed,
// and no visitor is ever served as someone else.
func (s *Store) Session(ctx context.Context, key string) ([]byte, bool, error) {
	v, err := call(ctx, s, func() ([]byte, error) { return s.rdb.Get(ctx, s.sessionKey(key)).Bytes() })
	switch {
	case errors.Is(err, redis.Nil):
		return nil, false, nil
	case err != nil:
		return nil, false, fmt.Errorf("redisstore: session: %w", err)
	}
	return v, true, nil
}

// SetSession implements [wego.SessionStore]: the key expires with the
// session (SET with PX), so Redis holds no session past its life.
func (s *Store) SetSession(ctx context.Context, key string, data []byte, ttl time.Duration) error {
	if ttl < time.Millisecond {
		return s.DeleteSession(ctx, key) // expired already: nothing to keep
	}
	if err := do(ctx, s, func() error { return s.rdb.Set(ctx, s.sessionKey(key), data, ttl).Err() }); err != nil {
		return fmt.Errorf("redisstore: set session: %w", err)
	}
	return nil
}

// DeleteSession implements [wego.SessionStore].
func (s *Store) DeleteSession(ctx context.Context, key string) error {
	if err := do(ctx, s, func() error { return s.rdb.Del(ctx, s.sessionKey(key)).Err() }); err != nil {
		return fmt.Errorf("redisstore: delete session: %w", err)
	}
	return nil
}

// LockToken implements [wego.TokenLocker]: SET NX with an expiry and a
// random owner value, released (compare-and-delete) only by its owner, so
// that one server at a time fetches the token from WeChat and the others
// wait for it to appear here. A holder that dies leaves a lock that
// expires after ttl.
func (s *Store) LockToken(ctx context.Context, key string, ttl time.Duration) (func(context.Context) error, bool, error) {
	var b [16]byte
	_, _ = rand.Read(b[:])
	owner := hex.EncodeToString(b[:])
	k := s.lockKey(key)
	ok, err := call(ctx, s, func() (bool, error) { return s.rdb.SetNX(ctx, k, owner, ttl).Result() })
	if err != nil {
		return nil, false, fmt.Errorf("redisstore: token lock: %w", err)
	}
	if !ok {
		return nil, false, nil
	}
	return func(ctx context.Context) error {
		if err := do(ctx, s, func() error { return compareAndDelete.Run(ctx, s.rdb, []string{k}, owner).Err() }); err != nil {
			return fmt.Errorf("redisstore: token unlock: %w", err)
		}
		return nil
	}, true, nil
}

// call runs one Redis command f under the fail-fast rule (WithFailFast):
// while Redis is taken as down it returns ErrUnavailable without running
// f; a failure of f (other than redis.Nil, a key not found, and the
// caller's context ending) takes Redis as down, an answer as up.
func call[T any](ctx context.Context, s *Store, f func() (T, error)) (T, error) {
	if err := s.enter(); err != nil {
		var zero T
		return zero, err
	}
	v, err := f()
	s.settle(ctx, err)
	return v, err
}

// do is call for a command whose only result is its error.
func do(ctx context.Context, s *Store, f func() error) error {
	_, err := call(ctx, s, func() (struct{}, error) { return struct{}{}, f() })
	return err
}

// enter returns ErrUnavailable while Redis is taken as down. Once the
// fail-fast time has passed, the first caller goes ahead (and the window
// is pushed back for the others until its command settles).
func (s *Store) enter() error {
	until := s.downUntil.Load()
	if until == 0 {
		return nil
	}
	now := s.now().UnixNano()
	if now < until || !s.downUntil.CompareAndSwap(until, now+int64(s.failFast)) {
		return ErrUnavailable
	}
	return nil
}

// settle records what a command's error says of Redis.
func (s *Store) settle(ctx context.Context, err error) {
	switch {
	case err == nil || errors.Is(err, redis.Nil):
		if s.downUntil.Load() != 0 {
			s.downUntil.Store(0)
		}
	case s.failFast > 0 && ctx.Err() == nil:
		s.downUntil.Store(s.now().Add(s.failFast).UnixNano())
	}
}
