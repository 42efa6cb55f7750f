package wego_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wego-sdk/wego"
	"github.com/wego-sdk/wego/wegotest"
)

// browser is a cookie-keeping HTTP client that does not follow redirects
// by itself, so tests see each hop.
type browser struct {
	t   *testing.T
	jar *cookiejar.Jar
	hc  *http.Client
}

func newBrowser(t *testing.T) *browser {
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	return &browser{t: t, jar: jar, hc: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

// page is one answer: status, Location, body and the cookies it set.
type page struct {
	status   int
	location string
	body     string
	cookies  []*http.Cookie
}

func (b *browser) do(method, u string) page {
	b.t.Helper()
	req, err := http.NewRequest(method, u, nil)
	require.NoError(b.t, err)
	resp, err := b.hc.Do(req)
	require.NoError(b.t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(b.t, err)
	return page{resp.StatusCode, resp.Header.Get("Location"), string(body), resp.Cookies()}
}

func (b *browser) get(u string) page { return b.do(http.MethodGet, u) }

// follow GETs u and follows redirects; it returns the last answer and the
// URLs visited after u.
func (b *browser) follow(u string) (page, []string) {
	b.t.Helper()
	var hops []string
	for range 10 {
		p := b.get(u)
		if p.location == "" {
			return p, hops
		}
		next, err := url.Parse(u)
		require.NoError(b.t, err)
		next, err = next.Parse(p.location)
		require.NoError(b.t, err)
		next.Fragment = ""
		u = next.String()
		hops = append(hops, u)
	}
	b.t.Fatalf("redirect loop: %v", hops)
	return page{}, nil
}

// loginApp starts wegotest with a user who logs in at once and an app
// serving /me behind LoginRequired, answering "hello <nickname> <query>".
func loginApp(t *testing.T, edit ...func(*wego.Settings)) (*wegotest.Server, *wego.Client, *[]*http.Request) {
	t.Helper()
	srv, c := setup(t, edit...)
	require.NoError(t, srv.AddUser(wegotest.User{OpenID: "oAlice", Nickname: "Alice <&>", HeadImgURL: "https://thirdwx.qlogo.cn/a/132", UnionID: "uAlice"}))
	require.NoError(t, srv.AuthorizeAs("oAlice"))
	var mu sync.Mutex
	var seen []*http.Request
	me := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r)
		mu.Unlock()
		if wego.IsSnapshotVisit(r.Context()) {
			_, _ = io.WriteString(w, "snapshot visit")
			return
		}
		u, ok := wego.UserFrom(r.Context())
		if !ok {
			http.Error(w, "no user", http.StatusInternalServerError)
			return
		}
		name := "(no profile)"
		if u.Profile != nil {
			name = u.Profile.Nickname
		}
		_, _ = io.WriteString(w, "hello "+name+" "+wego.OpenIDFrom(r.Context())+" "+r.URL.RawQuery)
	})
	mux := http.NewServeMux()
	mux.Handle("/me", c.LoginRequired(me))
	mux.Handle("/cb", c.LoginRequired(me))
	mux.HandleFunc("/logout", c.Logout)
	srv.SetApp(mux)
	return srv, c, &seen
}

func sessionCookie(cs []*http.Cookie) *http.Cookie {
	for _, c := range cs {
		if c.Name == "wego_session" {
			return c
		}
	}
	return nil
}

func TestLoginRequiredLogsInAndReturnsToThePage(t *testing.T) {
	t.Parallel()
	srv, _, _ := loginApp(t)
	b := newBrowser(t)
	pageURL := srv.AppURL + "/me?item=7&note=a+b"

	// First visit: to WeChat with a state, a session cookie set.
	first := b.get(pageURL)
	require.Equal(t, http.StatusFound, first.status)
	auth, err := url.Parse(first.location)
	require.NoError(t, err)
	assert.Equal(t, srv.URL+"/connect/oauth2/authorize", auth.Scheme+"://"+auth.Host+auth.Path)
	assert.Equal(t, "wechat_redirect", auth.Fragment)
	assert.Equal(t, pageURL, auth.Query().Get("redirect_uri"), "WeChat sends the user back to the page")
	state := auth.Query().Get("state")
	assert.Len(t, state, 22)
	pre := sessionCookie(first.cookies)
	require.NotNil(t, pre)
	assert.True(t, pre.HttpOnly)
	assert.Equal(t, http.SameSiteLaxMode, pre.SameSite)
	assert.False(t, pre.Secure, "RegisterURL is http here")

	// WeChat's page sends the user back with a code; the app exchanges it
	// and redirects to the page as first asked, under a new session id.
	back := b.get(first.location)
	require.Equal(t, http.StatusFound, back.status)
	cb, err := url.Parse(back.location)
	require.NoError(t, err)
	assert.Equal(t, state, cb.Query().Get("state"))
	require.NotEmpty(t, cb.Query().Get("code"))
	landed := b.get(back.location)
	require.Equal(t, http.StatusFound, landed.status)
	assert.Equal(t, pageURL, landed.location)
	post := sessionCookie(landed.cookies)
	require.NotNil(t, post)
	assert.NotEqual(t, pre.Value, post.Value, "the session id changes at login")
	assert.Equal(t, 7*24*3600, post.MaxAge)
	assert.Equal(t, 1, srv.Requests(wegotest.PathOAuthToken))

	got := b.get(pageURL)
	require.Equal(t, http.StatusOK, got.status)
	assert.Equal(t, "hello Alice <&> oAlice item=7&note=a+b", got.body)

	// A reload, and the callback URL itself again: no new exchange.
	assert.Equal(t, got.body, b.get(pageURL).body)
	again := b.get(back.location)
	assert.Equal(t, http.StatusBadRequest, again.status, "a used state is refused")
	assert.Equal(t, 1, srv.Requests(wegotest.PathOAuthToken))
	assert.Equal(t, 1, srv.Requests(wegotest.PathSNSUserInfo), "the profile is cached in the session")

	// The old, pre-login id no longer works.
	old := newBrowser(t)
	u, _ := url.Parse(srv.AppURL)
	old.jar.SetCookies(u, []*http.Cookie{{Name: "wego_session", Value: pre.Value}})
	assert.Equal(t, http.StatusFound, old.get(pageURL).status)
}

func TestLoginRequiredRefusesATamperedState(t *testing.T) {
	t.Parallel()
	srv, _, seen := loginApp(t)
	b := newBrowser(t)
	first := b.get(srv.AppURL + "/me?x=1")
	back := b.get(first.location)
	cb, err := url.Parse(back.location)
	require.NoError(t, err)
	q := cb.Query()
	good := q.Get("state")
	last := "X" // the last character changed: to another than the one it was
	if strings.HasSuffix(good, last) {
		last = "Y"
	}
	for _, bad := range []string{good[:len(good)-1] + last, "WEGO", "", good + "0"} {
		q.Set("state", bad)
		cb.RawQuery = q.Encode()
		p := b.get(cb.String())
		assert.Equal(t, http.StatusBadRequest, p.status, "state %q", bad)
		assert.Contains(t, p.body, "not valid in this browser")
		assert.Contains(t, p.body, `href="/me?x=1"`, "a link to try again, without code and state")
	}
	assert.Zero(t, srv.Requests(wegotest.PathOAuthToken), "no exchange for a state the session was not given")
	assert.Empty(t, *seen)

	// The genuine return still works afterwards.
	p, _ := b.follow(back.location)
	assert.Equal(t, "hello Alice <&> oAlice x=1", p.body)
	assert.Equal(t, 1, srv.Requests(wegotest.PathOAuthToken))
}

func TestLoginRequiredRefusesACallbackFromAnotherBrowser(t *testing.T) {
	t.Parallel()
	srv, _, _ := loginApp(t)
	victim, attacker := newBrowser(t), newBrowser(t)

	// The attacker gets a valid code and state for their own login...
	first := attacker.get(srv.AppURL + "/me")
	back := attacker.get(first.location)
	require.Contains(t, back.location, "code=")

	// ...and makes the victim's browser open it: without a session, and
	// with a session of the victim's own, it is refused unexchanged.
	p := victim.get(back.location)
	assert.Equal(t, http.StatusBadRequest, p.status)
	victim.get(srv.AppURL + "/me") // the victim starts a login of their own
	p = victim.get(back.location)
	assert.Equal(t, http.StatusBadRequest, p.status)
	assert.Zero(t, srv.Requests(wegotest.PathOAuthToken))
}

func TestLoginRequiredRefusal(t *testing.T) {
	t.Parallel()
	srv, _, seen := loginApp(t)
	srv.RefuseNextAuthorize()
	b := newBrowser(t)
	p, hops := b.follow(srv.AppURL + "/me?x=1")
	require.Len(t, hops, 2, "to WeChat, back without a code: no loop")
	assert.Equal(t, http.StatusForbidden, p.status)
	assert.Contains(t, p.body, "did not allow")
	assert.Contains(t, p.body, `href="/me?x=1"`)
	assert.Zero(t, srv.Requests(wegotest.PathOAuthToken))
	assert.Empty(t, *seen)

	// Trying again logs in.
	p, _ = b.follow(srv.AppURL + "/me?x=1")
	assert.Equal(t, "hello Alice <&> oAlice x=1", p.body)
}

func TestLoginRequiredBadCallbacks(t *testing.T) {
	t.Parallel()
	srv, _, seen := loginApp(t)
	b := newBrowser(t)

	// A "code" of the page's own, without a state, is not a callback.
	p, hops := b.follow(srv.AppURL + "/me?code=ABC")
	assert.Equal(t, http.StatusOK, p.status)
	assert.Len(t, hops, 3)
	assert.Equal(t, "hello Alice <&> oAlice code=ABC", p.body)

	// A state this session was given with an unknown code: WeChat refuses
	// it (40029), the visitor gets a page and a link, no panic, no loop.
	b2 := newBrowser(t)
	first := b2.get(srv.AppURL + "/me")
	auth, _ := url.Parse(first.location)
	state := auth.Query().Get("state")
	p = b2.get(srv.AppURL + "/me?code=bogus&state=" + state)
	assert.Equal(t, http.StatusBadGateway, p.status)
	assert.Contains(t, p.body, "did not confirm")
	assert.Contains(t, p.body, `href="/me"`)
	// The state is used up: the same again is refused unexchanged.
	exchanges := srv.Requests(wegotest.PathOAuthToken)
	p = b2.get(srv.AppURL + "/me?code=bogus&state=" + state)
	assert.Equal(t, http.StatusBadRequest, p.status)
	assert.Equal(t, exchanges, srv.Requests(wegotest.PathOAuthToken))
	assert.Len(t, *seen, 1)

	// A POST without a session gets 401, not a redirect that loses its body.
	p = newBrowser(t).do(http.MethodPost, srv.AppURL+"/me")
	assert.Equal(t, http.StatusUnauthorized, p.status)
}

func TestLoginRequiredBuildsRedirectsOnRegisterURL(t *testing.T) {
	t.Parallel()
	srv, _, _ := loginApp(t)
	req, err := http.NewRequest(http.MethodGet, srv.AppURL+"/me?x=1", nil)
	require.NoError(t, err)
	req.Host = "evil.example"
	resp, err := (&http.Transport{}).RoundTrip(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusFound, resp.StatusCode)
	auth, err := url.Parse(resp.Header.Get("Location"))
	require.NoError(t, err)
	assert.Equal(t, srv.AppURL+"/me?x=1", auth.Query().Get("redirect_uri"), "never the request's Host")
}

func TestLoginRequiredRedirectPathAndState(t *testing.T) {
	t.Parallel()
	srv, _, _ := loginApp(t, func(s *wego.Settings) { s.RedirectPath, s.RedirectState = "/cb", "WEGO" })
	b := newBrowser(t)
	first := b.get(srv.AppURL + "/me?x=1")
	auth, err := url.Parse(first.location)
	require.NoError(t, err)
	assert.Equal(t, srv.AppURL+"/cb", auth.Query().Get("redirect_uri"))
	state := auth.Query().Get("state")
	assert.True(t, strings.HasPrefix(state, "WEGO") && len(state) == 26, state)
	p, hops := b.follow(srv.AppURL + "/me?x=1")
	assert.Equal(t, "hello Alice <&> oAlice x=1", p.body)
	require.Len(t, hops, 3)
	assert.True(t, strings.HasPrefix(hops[1], srv.AppURL+"/cb?"), hops[1])
	assert.Equal(t, srv.AppURL+"/me?x=1", hops[2])
}

func TestLoginRequiredSeveralTabs(t *testing.T) {
	t.Parallel()
	srv, _, _ := loginApp(t)
	b := newBrowser(t)
	// Two tabs start a login before either comes back.
	a1 := b.get(srv.AppURL + "/me?tab=1")
	a2 := b.get(srv.AppURL + "/me?tab=2")
	back1 := b.get(a1.location)
	back2 := b.get(a2.location)
	p1, _ := b.follow(back1.location)
	p2, _ := b.follow(back2.location)
	assert.Equal(t, "hello Alice <&> oAlice tab=1", p1.body)
	assert.Equal(t, "hello Alice <&> oAlice tab=2", p2.body)
}

func TestLoginRequiredSnapshotVisit(t *testing.T) {
	t.Parallel()
	srv, _, seen := loginApp(t, func(s *wego.Settings) { s.OAuthScope = wego.ScopeBase })
	srv.SnapshotNextAuthorize()
	b := newBrowser(t)
	p, _ := b.follow(srv.AppURL + "/me?x=1")
	assert.Equal(t, http.StatusOK, p.status)
	assert.Equal(t, "snapshot visit", p.body)
	require.Len(t, *seen, 1)
	_, ok := wego.UserFrom((*seen)[0].Context())
	assert.False(t, ok, "no user for a snapshot visit")
	assert.Empty(t, wego.OpenIDFrom((*seen)[0].Context()))

	// Nothing was kept as a login: the next visit authorizes again.
	assert.Equal(t, http.StatusFound, b.get(srv.AppURL+"/me?x=1").status)
	p, _ = b.follow(srv.AppURL + "/me?x=1")
	assert.Equal(t, "hello (no profile) oAlice x=1", p.body, "a snsapi_base login has the openid only")
	assert.Zero(t, srv.Requests(wegotest.PathSNSUserInfo), "no profile asked for with snsapi_base")
}

func TestLoginRequiredRenewsTokenAndProfile(t *testing.T) {
	t.Parallel()
	srv, _, _ := loginApp(t, func(s *wego.Settings) { s.UserInfoExpire = -1 })
	b := newBrowser(t)
	p, _ := b.follow(srv.AppURL + "/me")
	require.Equal(t, "hello Alice <&> oAlice ", p.body)
	assert.Equal(t, 2, srv.Requests(wegotest.PathSNSUserInfo), "at the login, and for the page")

	// Asked again on every request, as Python wego's USERINFO_EXPIRE 0.
	b.get(srv.AppURL + "/me")
	assert.Equal(t, 3, srv.Requests(wegotest.PathSNSUserInfo))

	// An expired user token is renewed with the refresh token.
	srv.ExpireUserTokens()
	p = b.get(srv.AppURL + "/me")
	assert.Equal(t, "hello Alice <&> oAlice ", p.body)
	assert.Equal(t, 1, srv.Requests(wegotest.PathOAuthRefresh))

	// The refresh token gone too: the visitor logs in again, once.
	srv.ExpireUserTokens()
	srv.ExpireRefreshTokens()
	p, hops := b.follow(srv.AppURL + "/me?again=1")
	assert.Equal(t, "hello Alice <&> oAlice again=1", p.body)
	assert.Len(t, hops, 3)
	assert.Equal(t, 2, srv.Requests(wegotest.PathOAuthToken))
}

func TestLogout(t *testing.T) {
	t.Parallel()
	srv, _, _ := loginApp(t)
	b := newBrowser(t)
	b.follow(srv.AppURL + "/me")
	out := b.get(srv.AppURL + "/logout")
	ck := sessionCookie(out.cookies)
	require.NotNil(t, ck)
	assert.Equal(t, -1, ck.MaxAge)
	assert.Equal(t, http.StatusFound, b.get(srv.AppURL+"/me").status)
}

// recordingStore is a SessionStore that keeps every value written, so a
// test can find the tokens in it.
type recordingStore struct {
	wego.SessionStore
	mu      sync.Mutex
	written [][]byte
	fail    error
}

func (r *recordingStore) SetSession(ctx context.Context, key string, data []byte, ttl time.Duration) error {
	r.mu.Lock()
	r.written = append(r.written, append([]byte(nil), data...))
	fail := r.fail
	r.mu.Unlock()
	if fail != nil {
		return fail
	}
	return r.SessionStore.SetSession(ctx, key, data, ttl)
}

func (r *recordingStore) Session(ctx context.Context, key string) ([]byte, bool, error) {
	r.mu.Lock()
	fail := r.fail
	r.mu.Unlock()
	if fail != nil {
		return nil, false, fail
	}
	return r.SessionStore.Session(ctx, key)
}

func TestLoginKeepsTokensOutOfCookiesAndLogs(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	var logMu sync.Mutex
	store := &recordingStore{SessionStore: wego.NewMemorySessionStore(0)}
	srv, _, _ := loginApp(t, func(s *wego.Settings) {
		s.SessionStore = store
		s.Logger = slog.New(slog.NewTextHandler(lockedWriter{&logMu, &logs}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	b := newBrowser(t)
	first := b.get(srv.AppURL + "/me")
	back := b.get(first.location)
	cb, _ := url.Parse(back.location)
	code := cb.Query().Get("code")
	landed := b.get(back.location)
	b.get(srv.AppURL + "/me")
	srv.ExpireUserTokens()
	b.get(srv.AppURL + "/me") // a renewal, logged

	// Every secret the login handled.
	secrets := []string{code}
	store.mu.Lock()
	for _, data := range store.written {
		if access, refresh, ok := wego.SessionTokens(data); ok {
			secrets = append(secrets, access, refresh)
		}
	}
	store.mu.Unlock()
	require.Greater(t, len(secrets), 2)

	var cookies []string
	for _, p := range []page{first, back, landed} {
		for _, c := range p.cookies {
			cookies = append(cookies, c.String())
		}
	}
	logMu.Lock()
	text := logs.String()
	logMu.Unlock()
	require.Contains(t, text, "OAuth login", "the login was logged")
	for _, s := range secrets {
		require.NotEmpty(t, s)
		assert.NotContains(t, text, s, "no secret in the logs")
		for _, c := range cookies {
			assert.NotContains(t, c, s, "no secret in a cookie")
		}
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func TestLoginRequiredWhenTheStoreFails(t *testing.T) {
	t.Parallel()
	store := &recordingStore{SessionStore: wego.NewMemorySessionStore(0)}
	srv, _, seen := loginApp(t, func(s *wego.Settings) { s.SessionStore = store })
	b := newBrowser(t)
	b.get(srv.AppURL + "/me")
	store.mu.Lock()
	store.fail = errors.New("redis: connection refused")
	store.mu.Unlock()
	p := b.get(srv.AppURL + "/me")
	assert.Equal(t, http.StatusServiceUnavailable, p.status, "no redirect to a login that cannot be kept")
	assert.Empty(t, p.location)
	assert.Empty(t, *seen)
}

func TestLoginRequiredUnconfigured(t *testing.T) {
	t.Parallel()
	_, c := setup(t, func(s *wego.Settings) { s.RegisterURL = "" })
	h := c.LoginRequired(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { t.Error("reached") }))
	for range 2 {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/me", nil))
		assert.Equal(t, http.StatusInternalServerError, rec.Code)
	}
	rec := httptest.NewRecorder()
	c.RedirectForCode(rec, httptest.NewRequest(http.MethodGet, "/me", nil))
	assert.Equal(t, http.StatusInternalServerError, rec.Code)
}

func TestSecureCookieOnHTTPS(t *testing.T) {
	t.Parallel()
	_, c := setup(t, func(s *wego.Settings) { s.RegisterURL, s.SessionCookie = "https://m.example.com", "sid" })
	rec := httptest.NewRecorder()
	c.RedirectForCode(rec, httptest.NewRequest(http.MethodGet, "/shop?x=1", nil))
	require.Equal(t, http.StatusFound, rec.Code)
	resp := rec.Result()
	require.Len(t, resp.Cookies(), 1)
	ck := resp.Cookies()[0]
	assert.Equal(t, "sid", ck.Name)
	assert.True(t, ck.Secure)
	assert.Len(t, ck.Value, 43)
	auth, err := url.Parse(rec.Header().Get("Location"))
	require.NoError(t, err)
	assert.Equal(t, "https://m.example.com/shop?x=1", auth.Query().Get("redirect_uri"))
}

func TestLoginRequiredRedirectURIOffTheOAuthDomain(t *testing.T) {
	t.Parallel()
	// The console's OAuth domain is not where the pages are (RegisterURL
	// set wrong): WeChat's page says so, and nothing loops or is exchanged.
	srv, _, seen := loginApp(t)
	require.NoError(t, srv.SetOAuthDomain("m.example.com"))
	b := newBrowser(t)
	p, hops := b.follow(srv.AppURL + "/me")
	require.Len(t, hops, 1)
	assert.Equal(t, http.StatusBadRequest, p.status)
	assert.Contains(t, p.body, "10003")
	assert.Contains(t, p.body, "redirect_uri")
	assert.Zero(t, srv.Requests(wegotest.PathOAuthToken))
	assert.Empty(t, *seen)
}

func TestLoginRequiredWhenWeChatFailsTheProfile(t *testing.T) {
	t.Parallel()
	srv, c, _ := loginApp(t)
	var mu sync.Mutex
	offset := time.Duration(0)
	wego.SetTokenClock(c, func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		return time.Now().Add(offset)
	})
	later := func(d time.Duration) {
		mu.Lock()
		offset += d
		mu.Unlock()
	}
	b := newBrowser(t)
	p, _ := b.follow(srv.AppURL + "/me")
	require.Equal(t, "hello Alice <&> oAlice ", p.body)
	asked := srv.Requests(wegotest.PathSNSUserInfo)

	// An hour later the profile is stale, and WeChat fails: the page is
	// served with the profile held, WeChat asked once (its -1 retried 3
	// times)...
	srv.FailAlways(wegotest.PathSNSUserInfo, -1)
	later(time.Hour + time.Second)
	for range 3 {
		p = b.get(srv.AppURL + "/me")
		assert.Equal(t, "hello Alice <&> oAlice ", p.body)
	}
	assert.Equal(t, asked+4, srv.Requests(wegotest.PathSNSUserInfo), "not on every page view")

	// ...and again a minute later.
	later(time.Minute + time.Second)
	b.get(srv.AppURL + "/me")
	assert.Equal(t, asked+8, srv.Requests(wegotest.PathSNSUserInfo))
}
