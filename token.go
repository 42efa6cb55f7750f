package wego

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"
)

// Token is a global access token and the moment the SDK stops using it.
type Token struct {
	Value     string
	ExpiresAt time.Time
}

// TokenStore caches global access tokens and what the SDK fetches with
// them. Keys are not only AppIDs: the access token is stored under the
// AppID, the JS-SDK's jsapi_ticket ([Client.JSConfig]) under the AppID
// followed by "/jsapi_ticket", and the card api_ticket ([Client.CardTicket])
// under the AppID followed by "/wx_card_ticket" (a WeChat AppID, "wx" and
// 16 hex digits, holds no "/", so they never collide). Values are opaque strings to the store: it keeps each key's
// Value and ExpiresAt as given. Implementations must be safe for concurrent
// use. The SDK reads the store on every call to WeChat, so Token should be
// fast; a store shared by several servers (Redis, see the redisstore
// module) lets them use one token and one ticket.
type TokenStore interface {
	// Token returns the token stored under key; ok is false when there is none.
	Token(ctx context.Context, key string) (tok Token, ok bool, err error)
	// SetToken stores tok under key, replacing what was there.
	SetToken(ctx context.Context, key string, tok Token) error
	// DeleteToken removes what is stored under key if its value is still
	// value, so a server that saw a token rejected does not drop the fresh
	// token another server has just stored.
	DeleteToken(ctx context.Context, key, value string) error
}

// TokenLocker is an optional interface of a [TokenStore] that several
// processes share (the redisstore module's Store has it). With it, one
// process at a time fetches a token from WeChat: the others, finding the
// lock taken, wait for the token to appear in the store instead of asking
// WeChat themselves, which matters for the classic endpoint (each fetch
// issues a new token and cuts the old one's life to five minutes) and for
// WeChat's daily quotas. A waiting process fetches by itself when no token
// came within a bound (the holder may have died; its lock expires), and
// when the lock cannot be asked for (the store is down), so that a store
// outage costs no call.
type TokenLocker interface {
	// LockToken takes the refresh lock of key for at most ttl when no one
	// holds it, and reports whether it did; unlock releases it if it is
	// still this caller's.
	LockToken(ctx context.Context, key string, ttl time.Duration) (unlock func(context.Context) error, ok bool, err error)
}

// How a process that finds the refresh lock taken waits for the token:
// it looks at the store every tokenLockPoll, for at most tokenLockWait
// (WeChat answers a token request well within it), then fetches itself.
// The lock lives at most as long as a fetch may take.
const (
	tokenLockTTL  = tokenFetchTimeout
	tokenLockPoll = 50 * time.Millisecond
	tokenLockWait = 5 * time.Second
)

// MemoryTokenStore is the default [TokenStore]: a map in this process.
// Reads take no lock (the map is replaced, never changed, on a write), as
// the SDK reads the token on every call. The zero value is ready to use.
type MemoryTokenStore struct {
	mu     sync.Mutex // serialises writers
	tokens atomic.Pointer[map[string]Token]
}

// NewMemoryTokenStore returns an empty in-memory store.
func NewMemoryTokenStore() *MemoryTokenStore { return &MemoryTokenStore{} }

// Token implements [TokenStore].
func (m *MemoryTokenStore) Token(_ context.Context, key string) (Token, bool, error) {
	if p := m.tokens.Load(); p != nil {
		t, ok := (*p)[key]
		return t, ok, nil
	}
	return Token{}, false, nil
}

// SetToken implements [TokenStore].
func (m *MemoryTokenStore) SetToken(_ context.Context, key string, tok Token) error {
	m.update(func(tokens map[string]Token) { tokens[key] = tok })
	return nil
}

// DeleteToken implements [TokenStore].
func (m *MemoryTokenStore) DeleteToken(_ context.Context, key, value string) error {
	m.update(func(tokens map[string]Token) {
		if t, ok := tokens[key]; ok && t.Value == value {
			delete(tokens, key)
		}
	})
	return nil
}

// update replaces the map with a copy changed by fn.
func (m *MemoryTokenStore) update(fn func(map[string]Token)) {
	m.mu.Lock()
	defer m.mu.Unlock()
	next := make(map[string]Token)
	if p := m.tokens.Load(); p != nil {
		for k, v := range *p {
			next[k] = v
		}
	}
	fn(next)
	m.tokens.Store(&next)
}

// AccessToken returns the global access token (Python wego get_global_access_token),
// from the cache while it has more than three minutes to live, otherwise
// fetched from WeChat. Concurrent callers facing an empty or expired cache
// share one request to WeChat. With [Settings].AccessTokenSource set, that
// function is called instead.
//
// When WeChat rejects the token (errcode 40001, 40014 or 42001), the SDK
// drops it and fetches another (with a source: tells
// [Settings].AccessTokenRejected and asks the source again), but at most
// once per window for each Client: the window is 5 s after a first
// rejection, doubles while rejections keep coming, up to 5 min, and is back
// to 5 s after half an hour without such a refresh. A call rejected inside
// the window gets WeChat's [*APIError] at once, unless another token has
// replaced the rejected one; a WeChat that refuses every token thus costs
// under 300 token requests a day, not one per call.
func (c *Client) AccessToken(ctx context.Context) (string, error) {
	return c.tokens.get(ctx)
}

// tokenCache fetches, caches and invalidates the global access token.
type tokenCache struct {
	c      *Client
	appID  string
	source func(context.Context) (string, error)
	store  TokenStore
	now    func() time.Time
	// last is the newest token this process fetched or read from a store
	// that can fail: used when the store cannot be read, so that a store
	// outage (a Redis down) costs no call while that token lives and does
	// not turn every call into a token request against WeChat's daily
	// quota.
	last atomic.Pointer[Token]
	// keepLast is false for the memory store, which never fails: reads
	// from it need not update last.
	keepLast bool
	// sourceRejected is Settings.AccessTokenRejected.
	sourceRejected func(ctx context.Context, token string, errcode int)

	mu     sync.Mutex
	flight *tokenFlight // the fetch under way, if any
	// lockWait bounds the wait for another process's token (tokenLockWait).
	lockWait time.Duration

	// Refreshes driven by WeChat rejecting the token; see rejected.
	rejMu   sync.Mutex
	rejAt   time.Time     // when the last one started
	rejWait time.Duration // how long after rejAt the next one may start
	rejLast *rejection    // the last one
}

// rejection is one refresh driven by WeChat rejecting token; done is closed
// once token is dropped (or the source told), so that the calls rejected
// with the same token retry with the next one.
type rejection struct {
	token string
	done  chan struct{}
}

// The bound on refreshes driven by rejections. WeChat rejects a token it
// revoked (another fetch on the classic endpoint, a force_refresh, a reset
// AppSecret) and one refresh cures that; when it keeps rejecting (a secret
// rotated elsewhere, a proxy gone wrong), refreshing cures nothing and,
// without a bound, costs a token request per call: 50 goroutines made a
// thousand in two seconds, half the classic endpoint's quota of 2000 a day.
//
//   - rejectWaitMin (5 s): a refresh and the retry on its token take a
//     round trip or two, so 5 s shows whether the new token works before
//     another refresh is allowed, and a second real revocation in a row
//     waits 5 s at most. (The calls in flight with a revoked token share
//     its one refresh whatever the window.)
//   - Doubling up to rejectWaitMax (5 min) while rejections keep coming:
//     refreshes at 0, 5, 15, 35, 75, 155, 315 s, then every 5 min: 293
//     token requests in a day of rejections, under 15 % of the quota,
//     room for several servers sharing the account, and a cause fixed is
//     noticed within 5 min.
//   - Back to rejectWaitMin after rejectQuiet (30 min) without such a
//     refresh. Quiet time resets it, not a call that worked: a token that
//     works on one endpoint and is rejected on another (a raw call wanting
//     another kind of token, a proxy rewriting one path) would reset it at
//     each success and refresh every 5 s, 17,280 times a day. After 30 quiet
//     minutes the doubling brings 7 refreshes in 5¼ min, no more than 5 min
//     steps would have brought in those 35 min.
const (
	rejectWaitMin = 5 * time.Second
	rejectWaitMax = 5 * time.Minute
	rejectQuiet   = 30 * time.Minute
)

// tokenFlight is one fetch shared by every caller that arrives while it runs.
type tokenFlight struct {
	done chan struct{}
	tok  Token
	err  error
}

// tokenFetchTimeout bounds a fetch, which runs detached from the context of
// the caller that started it so that its cancellation does not fail the
// callers waiting on the same fetch.
const tokenFetchTimeout = 30 * time.Second

func (tc *tokenCache) init(c *Client) {
	tc.c = c
	tc.appID = c.s.AppID
	tc.source = c.s.AccessTokenSource
	tc.sourceRejected = c.s.AccessTokenRejected
	tc.store = c.s.TokenStore
	if tc.store == nil {
		tc.store = NewMemoryTokenStore()
	}
	_, inMemory := tc.store.(*MemoryTokenStore)
	tc.keepLast = !inMemory
	tc.now = time.Now
	tc.lockWait = tokenLockWait
}

func (tc *tokenCache) get(ctx context.Context) (string, error) {
	if tc.source != nil {
		return tc.fromSource(ctx)
	}
	if t, ok := tc.cached(ctx); ok {
		return t.Value, nil
	}
	return tc.refresh(ctx)
}

// cached returns a usable token from the store (or, when the store fails,
// the last one this process fetched or read).
func (tc *tokenCache) cached(ctx context.Context) (Token, bool) {
	t, ok, err := tc.store.Token(ctx, tc.appID)
	if err != nil {
		tc.c.quiet.tokenRead.log(ctx, tc.c.log, slog.LevelWarn, "wego: token store read failed", slog.String("error", redact(err.Error())))
		if p := tc.last.Load(); p != nil {
			t, ok = *p, true
		}
	} else if ok && tc.keepLast {
		if p := tc.last.Load(); p == nil || p.Value != t.Value || !p.ExpiresAt.Equal(t.ExpiresAt) {
			kept := t
			tc.last.Store(&kept)
		}
	}
	if ok && t.Value != "" && tc.now().Before(t.ExpiresAt) {
		return t, true
	}
	return Token{}, false
}

func (tc *tokenCache) fromSource(ctx context.Context) (string, error) {
	tok, err := tc.source(ctx)
	if err != nil {
		return "", fmt.Errorf("wego: access token source: %w", redactedError{err})
	}
	if tok == "" {
		return "", errors.New("wego: access token source returned an empty token")
	}
	return tok, nil
}

// refresh joins the fetch under way or starts one, and waits for it or for ctx.
func (tc *tokenCache) refresh(ctx context.Context) (string, error) {
	tc.mu.Lock()
	f := tc.flight
	if f == nil {
		f = &tokenFlight{done: make(chan struct{})}
		tc.flight = f
		go tc.fetch(context.WithoutCancel(ctx), f)
	}
	tc.mu.Unlock()

	select {
	case <-f.done:
		if f.err != nil {
			return "", f.err
		}
		return f.tok.Value, nil
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// fetch runs one flight: it looks at the store once more (another flight or
// another server may have stored a token since the caller looked), otherwise
// asks WeChat and stores the answer.
func (tc *tokenCache) fetch(ctx context.Context, f *tokenFlight) {
	ctx, cancel := context.WithTimeout(ctx, tokenFetchTimeout)
	defer func() {
		cancel()
		tc.mu.Lock()
		tc.flight = nil
		tc.mu.Unlock()
		close(f.done)
	}()
	if t, ok := tc.cached(ctx); ok {
		f.tok = t
		return
	}
	if l, ok := tc.store.(TokenLocker); ok {
		unlock, t, done := lockOrWait(ctx, tc.c, l, tc.appID, tc.lockWait, tc.cached)
		if done {
			f.tok = t
			return
		}
		if unlock != nil {
			defer releaseLock(ctx, tc.c, unlock)
		}
	}
	t, err := tc.request(ctx)
	if err != nil {
		f.err = err
		return
	}
	tc.last.Store(&t)
	if err := tc.store.SetToken(ctx, tc.appID, t); err != nil {
		tc.c.log.LogAttrs(ctx, slog.LevelWarn, "wego: token store write failed", slog.String("error", redact(err.Error())))
	}
	tc.c.log.LogAttrs(ctx, slog.LevelInfo, "wego: access token fetched",
		slog.Time("expires_at", t.ExpiresAt))
	f.tok = t
}

// lockOrWait takes the store's refresh lock of key, or waits for the
// process that holds it: cached looks for what that process stores. done
// reports that a value came (v), from the store right after the lock was
// taken or while waiting; otherwise the caller fetches, and releases the
// lock with unlock when it is not nil. The access token and the
// jsapi_ticket are fetched under it.
func lockOrWait[T any](ctx context.Context, c *Client, l TokenLocker, key string, wait time.Duration,
	cached func(context.Context) (T, bool)) (unlock func(context.Context) error, v T, done bool) {
	unlock, got, err := l.LockToken(ctx, key, tokenLockTTL)
	switch {
	case err != nil:
		c.log.LogAttrs(ctx, slog.LevelWarn, "wego: token lock failed, fetching without it",
			slog.String("key", key), slog.String("error", redact(err.Error())))
		return nil, v, false
	case got:
		// Another process may have stored one between the caller's look
		// at the store and the lock.
		if v, ok := cached(ctx); ok {
			_ = unlock(context.WithoutCancel(ctx))
			return nil, v, true
		}
		return unlock, v, false
	}
	timeout := time.NewTimer(wait)
	defer timeout.Stop()
	tick := time.NewTicker(tokenLockPoll)
	defer tick.Stop()
	for {
		select {
		case <-tick.C:
			if v, ok := cached(ctx); ok {
				return nil, v, true
			}
		case <-timeout.C:
			c.log.LogAttrs(ctx, slog.LevelWarn, "wego: nothing from the process holding the refresh lock, fetching",
				slog.String("key", key), slog.Duration("waited", wait))
			return nil, v, false
		case <-ctx.Done():
			return nil, v, false
		}
	}
}

// releaseLock releases a refresh lock, logging a failure (the lock then
// expires by itself).
func releaseLock(ctx context.Context, c *Client, unlock func(context.Context) error) {
	if err := unlock(context.WithoutCancel(ctx)); err != nil {
		c.log.LogAttrs(ctx, slog.LevelWarn, "wego: token lock release failed", slog.String("error", redact(err.Error())))
	}
}

// tokenAnswer is WeChat's answer from both token endpoints.
type tokenAnswer struct {
	AccessToken string `json:"access_token"`
	// ExpiresIn is decoded as a float64 so that a number of any size is
	// clamped (maxTokenLifetime) rather than refused or overflowed.
	ExpiresIn float64 `json:"expires_in"`
}

// maxTokenLifetime caps the lifetime WeChat announces in expires_in. Its
// tokens live 7200 s; a larger value comes from a broken proxy or server,
// and one past what time.Duration holds used to overflow into a token
// always expired, fetched anew on every call. Trusting at most WeChat's
// documented lifetime costs nothing when it is right, and a token kept past
// its real life would only be rejected and refreshed.
const maxTokenLifetime = 7200 * time.Second

// request asks WeChat for a token through the configured endpoint. It never
// sends force_refresh: WeChat allows that 20 times a day, and normal mode
// already hands out a new token when the old one is rejected or near expiry.
func (tc *tokenCache) request(ctx context.Context) (Token, error) {
	s := &tc.c.s
	var r request
	switch s.TokenEndpoint {
	case TokenEndpointClassic:
		r = request{method: http.MethodGet, path: "/cgi-bin/token", query: url.Values{
			"grant_type": {"client_credential"}, "appid": {s.AppID}, "secret": {s.AppSecret},
		}}
	default:
		body, err := encodeJSON(struct {
			GrantType string `json:"grant_type"`
			AppID     string `json:"appid"`
			Secret    string `json:"secret"`
		}{"client_credential", s.AppID, s.AppSecret})
		if err != nil {
			return Token{}, err
		}
		r = request{method: http.MethodPost, path: "/cgi-bin/stable_token", body: body}
	}
	start := tc.now()
	var a tokenAnswer
	if err := tc.c.doJSON(ctx, r, &a); err != nil {
		return Token{}, err
	}
	if a.AccessToken == "" || !(a.ExpiresIn >= 1) {
		return Token{}, &HTTPError{Endpoint: r.path, StatusCode: http.StatusOK, Reason: "answer without access_token or expires_in"}
	}
	ttl := maxTokenLifetime
	if a.ExpiresIn < maxTokenLifetime.Seconds() {
		ttl = time.Duration(a.ExpiresIn * float64(time.Second))
	}
	return Token{Value: a.AccessToken, ExpiresAt: start.Add(ttl - refreshMargin(ttl))}, nil
}

// refreshMargin is how long before WeChat's expiry the SDK stops using a
// token: 180 s as Python wego does, or a quarter of the lifetime for the short
// lifetimes of test servers.
func refreshMargin(ttl time.Duration) time.Duration {
	return min(180*time.Second, ttl/4)
}

// rejected is told by the transport that WeChat answered errcode (40001,
// 40014 or 42001) to token on endpoint. It reports whether it refreshed:
// dropped token from the cache, or told Settings.AccessTokenRejected, so
// that the next AccessToken brings another. Whenever token is dropped or
// found replaced, the jsapi_ticket fetched with it is dropped too. It refreshes at most once per
// window (see rejectWaitMin); inside the window it returns false, after
// waiting for the refresh under way when that one is for the same token.
// The transport then retries only with a token other than the rejected one.
func (tc *tokenCache) rejected(ctx context.Context, endpoint, token string, errcode int) (bool, error) {
	if tc.source == nil {
		if t, ok := tc.cached(ctx); !ok || t.Value != token {
			// Already replaced, here or by another server.
			tc.c.ticketsTokenDropped(ctx, token)
			return false, nil
		}
	}
	tc.rejMu.Lock()
	now := tc.now()
	if last := tc.rejLast; last != nil && now.Before(tc.rejAt.Add(tc.rejWait)) {
		tc.rejMu.Unlock()
		if last.token == token {
			select {
			case <-last.done:
			case <-ctx.Done():
				return false, ctx.Err()
			}
		}
		return false, nil
	}
	level := slog.LevelInfo
	if tc.rejLast == nil || now.Sub(tc.rejAt) >= rejectQuiet {
		tc.rejWait = rejectWaitMin
	} else {
		tc.rejWait = min(2*tc.rejWait, rejectWaitMax)
		level = slog.LevelWarn // rejected again soon after a refresh
	}
	r := &rejection{token: token, done: make(chan struct{})}
	tc.rejAt, tc.rejLast = now, r
	wait := tc.rejWait
	tc.rejMu.Unlock()
	defer close(r.done)

	tc.c.log.LogAttrs(ctx, level, "wego: access token rejected, refreshing",
		slog.String("endpoint", endpoint), slog.Int("errcode", errcode), slog.Duration("next_refresh_in", wait))
	if tc.source != nil {
		if tc.sourceRejected != nil {
			tc.sourceRejected(ctx, token, errcode)
		}
		tc.c.ticketsTokenDropped(ctx, token)
		return true, nil
	}
	err := tc.invalidate(ctx, token)
	tc.c.ticketsTokenDropped(ctx, token) // after the token: see ticketCache
	return true, err
}

// nextRefreshIn returns how long until a rejection may refresh the token
// again; 0 when it may now.
func (tc *tokenCache) nextRefreshIn() time.Duration {
	tc.rejMu.Lock()
	defer tc.rejMu.Unlock()
	if tc.rejLast == nil {
		return 0
	}
	return max(tc.rejAt.Add(tc.rejWait).Sub(tc.now()), 0)
}

// invalidate drops token after WeChat rejected it, unless the store already
// holds another one.
func (tc *tokenCache) invalidate(ctx context.Context, token string) error {
	if p := tc.last.Load(); p != nil && p.Value == token {
		tc.last.CompareAndSwap(p, nil)
	}
	if err := tc.store.DeleteToken(ctx, tc.appID, token); err != nil {
		return fmt.Errorf("wego: token store delete: %w", redactedError{err})
	}
	return nil
}
