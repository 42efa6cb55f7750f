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

// TokenStore caches global access tokens, keyed by AppID. Implementations
// must be safe for concurrent use. The SDK reads the store on every call to
// WeChat, so Token should be fast; a store shared by several servers (Redis,
// see the redisstore module) lets them use one token.
type TokenStore interface {
	// Token returns the token stored for appID; ok is false when there is none.
	Token(ctx context.Context, appID string) (tok Token, ok bool, err error)
	// SetToken stores tok for appID, replacing what was there.
	SetToken(ctx context.Context, appID string, tok Token) error
	// DeleteToken removes the token stored for appID if its value is still
	// value, so a server that saw a token rejected does not drop the fresh
	// token another server has just stored.
	DeleteToken(ctx context.Context, appID, value string) error
}

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
func (m *MemoryTokenStore) Token(_ context.Context, appID string) (Token, bool, error) {
	if p := m.tokens.Load(); p != nil {
		t, ok := (*p)[appID]
		return t, ok, nil
	}
	return Token{}, false, nil
}

// SetToken implements [TokenStore].
func (m *MemoryTokenStore) SetToken(_ context.Context, appID string, tok Token) error {
	m.update(func(tokens map[string]Token) { tokens[appID] = tok })
	return nil
}

// DeleteToken implements [TokenStore].
func (m *MemoryTokenStore) DeleteToken(_ context.Context, appID, value string) error {
	m.update(func(tokens map[string]Token) {
		if t, ok := tokens[appID]; ok && t.Value == value {
			delete(tokens, appID)
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

// AccessToken returns the global access token (seed get_global_access_token),
// from the cache while it has more than three minutes to live, otherwise
// fetched from WeChat. Concurrent callers facing an empty or expired cache
// share one request to WeChat. With [Settings].AccessTokenSource set, that
// function is called instead.
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
	// last is the newest token this process fetched: used when the store
	// cannot be read, so a store outage does not turn every call into a
	// token request against WeChat's daily quota.
	last atomic.Pointer[Token]

	mu     sync.Mutex
	flight *tokenFlight // the fetch under way, if any
}

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
	tc.store = c.s.TokenStore
	if tc.store == nil {
		tc.store = NewMemoryTokenStore()
	}
	tc.now = time.Now
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
// the last one fetched here).
func (tc *tokenCache) cached(ctx context.Context) (Token, bool) {
	t, ok, err := tc.store.Token(ctx, tc.appID)
	if err != nil {
		tc.c.log.LogAttrs(ctx, slog.LevelWarn, "wego: token store read failed", slog.String("error", redact(err.Error())))
		if p := tc.last.Load(); p != nil {
			t, ok = *p, true
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
// token: 180 s as the seed does, or a quarter of the lifetime for the short
// lifetimes of test servers.
func refreshMargin(ttl time.Duration) time.Duration {
	return min(180*time.Second, ttl/4)
}

// invalidate drops token after WeChat rejected it, unless the store already
// holds another one.
func (tc *tokenCache) invalidate(ctx context.Context, token string) error {
	if tc.source != nil {
		return nil // the source owns its cache; the retry asks it again
	}
	if p := tc.last.Load(); p != nil && p.Value == token {
		tc.last.CompareAndSwap(p, nil)
	}
	if err := tc.store.DeleteToken(ctx, tc.appID, token); err != nil {
		return fmt.Errorf("wego: token store delete: %w", redactedError{err})
	}
	return nil
}
