package wego

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"html"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Defaults and limits of LoginRequired's sessions.
const (
	defaultSessionCookie  = "wego_session"
	defaultSessionMaxAge  = 7 * 24 * time.Hour
	defaultUserInfoExpire = time.Hour
	// loginTimeout is how long a login under way may take: from the
	// redirect to WeChat to the return with a code (a code itself lives 5
	// minutes once issued).
	loginTimeout = 10 * time.Minute
	// maxPendingLogins is how many logins a session keeps under way at
	// once: one per tab that started one. Older ones are forgotten.
	maxPendingLogins = 5
	// profileRetry is how long a session waits before asking WeChat for
	// the profile again after it failed to answer.
	profileRetry = time.Minute
	// maxSessionData caps what the SDK decodes from the store.
	maxSessionData = 16 << 10
)

// session is what the SessionStore keeps for one visitor (see
// session_codec.go for its stored form).
type session struct {
	// Expires is when the session ends (Unix seconds); the store's ttl
	// says the same, checked again here for stores that keep data late.
	Expires int64

	// The logged-in user; OpenID is empty before login.
	OpenID  string
	UnionID string
	Token   *storedToken
	Profile *UserProfile
	// ProfileAt is when Profile was fetched (Unix seconds); 0 when never.
	ProfileAt int64

	// Pending are the logins under way: the state each was given and the
	// page to return to.
	Pending []pendingLogin
	// Snapshot is set by a Moments snapshot visit's return and cleared by
	// the next request, which the wrapped handler sees as that visit.
	Snapshot string
}

// storedToken is a UserToken in the session.
type storedToken struct {
	Access  string
	Refresh string
	Expires int64 // Unix seconds
	Scope   Scope
}

type pendingLogin struct {
	State   string
	Return  string // the path and query first asked for
	Expires int64
}

// visit is what LoginRequired tells the wrapped handler through the
// request's context. The user lives in it, so that one allocation carries
// both.
type visit struct {
	user     WeChatUser
	loggedIn bool
	snapshot bool
}

type visitKey struct{}

// UserFrom returns the user [Client.LoginRequired] logged in, from the
// context of the request it passed on; ok is false in any other context
// and for a Moments snapshot visit ([IsSnapshotVisit]).
func UserFrom(ctx context.Context) (*WeChatUser, bool) {
	v, _ := ctx.Value(visitKey{}).(*visit)
	if v == nil || !v.loggedIn {
		return nil, false
	}
	return &v.user, true
}

// OpenIDFrom returns the openid of the user [Client.LoginRequired] logged
// in; "" when there is none.
func OpenIDFrom(ctx context.Context) string {
	if u, ok := UserFrom(ctx); ok {
		return u.OpenID
	}
	return ""
}

// IsSnapshotVisit reports whether [Client.LoginRequired] passed on the
// request of a visit from a Moments snapshot page (朋友圈快照页): WeChat
// showed the page to someone it does not name (the code exchange answered
// is_snapshotuser 1 with a virtual openid), so no one is logged in and
// [UserFrom] gives nothing. Show the page's public content, or ask the
// visitor to open it in full (WeChat offers a button for that).
func IsSnapshotVisit(ctx context.Context) bool {
	v, _ := ctx.Value(visitKey{}).(*visit)
	return v != nil && v.snapshot
}

// LoginRequired returns middleware that passes on only requests of a
// logged-in WeChat user (Python wego's login_required), plain net/http so
// that any router takes it:
//
//	http.Handle("/me", c.LoginRequired(me))                 // net/http, chi: r.With(mw)
//	r.GET("/me", gin.WrapH(c.LoginRequired(me)))            // gin
//	e.GET("/me", echo.WrapHandler(c.LoginRequired(me)))     // echo
//	r.Use(c.LoginRequired)                                  // chi, a group of routes
//
// The wrapped handler gets the user from [UserFrom] (and [OpenIDFrom]).
//
// A visitor without a session is sent to WeChat's authorize page with a
// fresh random state (after [Settings].RedirectState) kept in a new
// session, and comes back with a code. The code is exchanged once, only
// when the state is one this visitor's session was given: another state,
// or a code without a session (a link replayed from another browser, the
// login CSRF a fixed state allows), gets 400 and no exchange. After the
// exchange the user is kept in a session under a new id (no session
// fixation) and the visitor is redirected to the page first asked for,
// query included, so a reload never reuses the code. A refusal gets a
// page saying so, 403. Requests other than GET and HEAD without a session
// get 401 rather than a redirect, which would lose their body.
//
// The session cookie ([Settings].SessionCookie, "wego_session") holds a
// random id only: HttpOnly, SameSite=Lax, Secure when
// [Settings].RegisterURL is https. The user token, refresh token and
// profile stay in the [SessionStore]; the profile is asked again after
// [Settings].UserInfoExpire, the token renewed with the refresh token when
// it expires, and when the refresh token has expired too (30 days) the
// visitor logs in again. A visit from a Moments snapshot page is passed
// on with no user ([IsSnapshotVisit]).
//
// WeChat sends the visitor back to the page itself, or to
// [Settings].RedirectPath when set: serve that path with a handler wrapped
// in LoginRequired too. Without [Settings].RegisterURL the middleware
// answers every request 500 and logs why once.
func (c *Client) LoginRequired(next http.Handler) http.Handler {
	return &loginHandler{
		c: c, next: next,
		broken: newUnconfigured("LoginRequired", []byte("login is not configured\n"),
			need{"Settings.RegisterURL", c.s.RegisterURL == ""}),
	}
}

type loginHandler struct {
	c      *Client
	next   http.Handler
	broken *unconfigured
}

func (h *loginHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c := h.c
	if h.broken.serve(c, w, r) {
		return
	}
	ctx := r.Context()
	id, s, err := c.loadSession(ctx, r)
	if err != nil {
		c.quiet.sessionRead.log(ctx, c.log, slog.LevelError, "wego: session store read failed", slog.String("error", redact(err.Error())))
		loginPage(w, http.StatusServiceUnavailable, "Login is unavailable, please try again shortly.", "")
		return
	}
	// WeChat's return carries the state, and the code unless the user
	// refused. A page's own "code" parameter without a state is not one.
	// (The query is parsed only when it may be one: most requests are not.)
	if strings.Contains(r.URL.RawQuery, "state") {
		q := r.URL.Query()
		if q.Has("state") && (q.Has("code") || (s != nil && s.pending(last(q, "state")) >= 0)) {
			c.finishLogin(w, r, id, s, q)
			return
		}
	}
	if s != nil && s.OpenID != "" {
		v, ok := c.sessionUser(w, r, id, s)
		if !ok {
			return
		}
		h.next.ServeHTTP(w, r.WithContext(context.WithValue(ctx, visitKey{}, v)))
		return
	}
	if s != nil && s.Snapshot != "" {
		// The page a snapshot visit asked for: shown once, with no user.
		s.Snapshot = ""
		if err := c.saveSession(ctx, id, s); err != nil {
			c.sessionWriteFailed(w, r, err)
			return
		}
		h.next.ServeHTTP(w, r.WithContext(context.WithValue(ctx, visitKey{}, &visit{snapshot: true})))
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		loginPage(w, http.StatusUnauthorized, "Please log in with WeChat first.", "")
		return
	}
	c.redirectForCode(w, r, id, s)
}

// RedirectForCode sends the visitor to WeChat's authorize page (Python
// wego's redirect_for_code) with a fresh random state bound to their
// session, to come back to the page they asked for, as [Client.LoginRequired]
// does for a visitor without a session. Use it to log a visitor in again,
// e.g. with another scope after [Client.Logout]; a handler that calls it
// must be wrapped in LoginRequired to finish the login when WeChat sends
// the visitor back.
func (c *Client) RedirectForCode(w http.ResponseWriter, r *http.Request) {
	if c.s.RegisterURL == "" {
		newUnconfigured("RedirectForCode", []byte("login is not configured\n"),
			need{"Settings.RegisterURL", true}).serve(c, w, r)
		return
	}
	id, s, err := c.loadSession(r.Context(), r)
	if err != nil {
		c.quiet.sessionRead.log(r.Context(), c.log, slog.LevelError, "wego: session store read failed", slog.String("error", redact(err.Error())))
		loginPage(w, http.StatusServiceUnavailable, "Login is unavailable, please try again shortly.", "")
		return
	}
	c.redirectForCode(w, r, id, s)
}

func (c *Client) redirectForCode(w http.ResponseWriter, r *http.Request, id string, s *session) {
	ctx := r.Context()
	now := c.tokens.now()
	if s == nil {
		id, s = "", &session{}
	}
	if id == "" {
		id = newSessionID()
	}
	if s.OpenID == "" {
		s.Expires = now.Add(loginTimeout).Unix()
	}
	state := c.s.RedirectState + randomString(22)
	ret := returnPath(r.URL)
	s.dropExpiredLogins(now)
	if len(s.Pending) >= maxPendingLogins {
		s.Pending = append(s.Pending[:0], s.Pending[len(s.Pending)-maxPendingLogins+1:]...)
	}
	s.Pending = append(s.Pending, pendingLogin{State: state, Return: ret, Expires: now.Add(loginTimeout).Unix()})
	if err := c.saveSession(ctx, id, s); err != nil {
		c.sessionWriteFailed(w, r, err)
		return
	}
	c.setSessionCookie(w, id, 0)
	// WeChat adds code and state to redirect_uri's query: a page's own
	// parameters of those names are left out of it (the return to ret
	// brings them back), so that WeChat's are the only ones.
	redirect := withoutOAuthParams(r.URL)
	if c.s.RedirectPath != "" {
		redirect = c.s.RedirectPath
	}
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, c.GetCodeURL(c.registerBase()+redirect, state, ""), http.StatusFound)
}

// finishLogin handles the return from the authorize page.
func (c *Client) finishLogin(w http.ResponseWriter, r *http.Request, id string, s *session, q url.Values) {
	ctx := r.Context()
	w.Header().Set("Cache-Control", "no-store")
	state := last(q, "state")
	i := -1
	if s != nil {
		s.dropExpiredLogins(c.tokens.now())
		i = s.pending(state)
	}
	if i < 0 {
		// No login of this browser's session has that state: a link from
		// another browser, an old one, or a forged one. Never exchange it.
		c.log.LogAttrs(ctx, slog.LevelInfo, "wego: OAuth return refused: state not given to this session",
			slog.Bool("has_session", s != nil))
		loginPage(w, http.StatusBadRequest, "This login link is not valid in this browser, or has expired.", withoutOAuthParams(r.URL))
		return
	}
	p := s.Pending[i]
	s.Pending = append(s.Pending[:i], s.Pending[i+1:]...)
	code := last(q, "code")
	if code == "" {
		// WeChat sends back the state without a code when the user refuses.
		if err := c.saveSession(ctx, id, s); err != nil {
			c.sessionWriteFailed(w, r, err)
			return
		}
		loginPage(w, http.StatusForbidden, "You did not allow this page to know who you are on WeChat.", p.Return)
		return
	}
	// The state is used up before the exchange, so a second return with it
	// (a reload, a double click) never exchanges a code again.
	if err := c.saveSession(ctx, id, s); err != nil {
		c.sessionWriteFailed(w, r, err)
		return
	}
	tok, err := c.GetOpenID(ctx, code)
	if err != nil {
		c.log.LogAttrs(ctx, slog.LevelWarn, "wego: OAuth code exchange failed", slog.String("error", redact(err.Error())))
		loginPage(w, http.StatusBadGateway, "WeChat did not confirm the login.", p.Return)
		return
	}
	if tok.Snapshot {
		s.Snapshot = "1"
		if err := c.saveSession(ctx, id, s); err != nil {
			c.sessionWriteFailed(w, r, err)
			return
		}
		http.Redirect(w, r, c.registerBase()+p.Return, http.StatusFound)
		return
	}
	now := c.tokens.now()
	maxAge := c.sessionMaxAge()
	user := &session{
		Expires: now.Add(maxAge).Unix(),
		OpenID:  tok.OpenID, UnionID: tok.UnionID,
		Token: &storedToken{Access: tok.AccessToken, Refresh: tok.RefreshToken, Expires: tok.ExpiresAt.Unix(), Scope: tok.Scope},
		// Logins other tabs started go on in the new session.
		Pending: s.Pending,
	}
	if tok.Scope == ScopeBase {
		user.ProfileAt = now.Unix() // a snsapi_base login has no profile to ask for
	} else {
		c.loadProfile(ctx, user, tok, now)
	}
	// A new id for the logged-in session: an id an attacker planted before
	// the login (session fixation) is worth nothing after it.
	newID := newSessionID()
	if err := c.saveSession(ctx, newID, user); err != nil {
		c.sessionWriteFailed(w, r, err)
		return
	}
	if err := c.sessions.DeleteSession(ctx, c.sessionKey(id)); err != nil {
		c.log.LogAttrs(ctx, slog.LevelWarn, "wego: session store delete failed", slog.String("error", redact(err.Error())))
	}
	c.setSessionCookie(w, newID, maxAge)
	c.log.LogAttrs(ctx, slog.LevelDebug, "wego: OAuth login", slog.String("openid", tok.OpenID), slog.String("scope", string(tok.Scope)))
	http.Redirect(w, r, c.registerBase()+p.Return, http.StatusFound)
}

// sessionUser returns the user of a logged-in session, renewing the
// profile when it is older than UserInfoExpire. ok is false when it
// answered the request itself.
func (c *Client) sessionUser(w http.ResponseWriter, r *http.Request, id string, s *session) (*visit, bool) {
	now := c.tokens.now()
	if s.Token.Scope != ScopeBase && !s.profileFresh(now, c.userInfoExpire()) {
		ctx := r.Context()
		tok := s.userToken()
		fresh := c.loadProfile(ctx, s, tok, now)
		if tok.AccessToken == "" {
			// WeChat refused the refresh token (30 days are over): log in again.
			c.relogin(w, r, id)
			return nil, false
		}
		if expire := c.userInfoExpire(); !fresh && expire > profileRetry {
			// WeChat failing: the profile held serves a minute more, rather
			// than every page view asking a WeChat that fails.
			s.ProfileAt = max(s.ProfileAt, now.Add(profileRetry-expire).Unix())
		}
		if err := c.saveSession(ctx, id, s); err != nil {
			c.log.LogAttrs(ctx, slog.LevelWarn, "wego: session store write failed", slog.String("error", redact(err.Error())))
		}
	}
	return &visit{user: WeChatUser{OpenID: s.OpenID, UnionID: s.UnionID, Profile: s.Profile, c: c}, loggedIn: true}, true
}

// loadProfile asks WeChat for the profile of s's user with tok (renewed
// first when expired) and keeps it, and the renewed token, in s. It
// reports whether s now has a profile that is fresh. When the refresh
// token is refused, tok's AccessToken is emptied: the login is over.
func (c *Client) loadProfile(ctx context.Context, s *session, tok *UserToken, now time.Time) bool {
	u, err := c.GetUserInfo(ctx, tok)
	s.Token = &storedToken{Access: tok.AccessToken, Refresh: tok.RefreshToken, Expires: tok.ExpiresAt.Unix(), Scope: tok.Scope}
	var ae *APIError
	switch {
	case err == nil:
		s.Profile, s.ProfileAt = u.Profile, now.Unix()
		if u.UnionID != "" {
			s.UnionID = u.UnionID
		}
		return true
	case errors.As(err, &ae) && ae.Code == CodeAPIUnauthorized:
		// A snsapi_base login: WeChat gives no profile; ask no more.
		s.Token.Scope, s.ProfileAt = ScopeBase, now.Unix()
		return true
	case errors.As(err, &ae) && (ae.Endpoint == pathOAuthRefresh) &&
		(ae.Code == CodeInvalidRefreshToken || ae.Code == CodeRefreshTokenExpired):
		tok.AccessToken = ""
		return false
	}
	// WeChat failing now: keep the profile there is, ask again next time.
	c.log.LogAttrs(ctx, slog.LevelWarn, "wego: OAuth user info failed", slog.String("error", redact(err.Error())))
	return false
}

// relogin ends the session of id and starts a new login.
func (c *Client) relogin(w http.ResponseWriter, r *http.Request, id string) {
	if err := c.sessions.DeleteSession(r.Context(), c.sessionKey(id)); err != nil {
		c.log.LogAttrs(r.Context(), slog.LevelWarn, "wego: session store delete failed", slog.String("error", redact(err.Error())))
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		loginPage(w, http.StatusUnauthorized, "Your WeChat login has expired, please log in again.", "")
		return
	}
	c.redirectForCode(w, r, "", nil)
}

// Logout ends the visitor's session: it is deleted from the store and the
// cookie cleared. The next request to a page behind LoginRequired logs in
// again.
func (c *Client) Logout(w http.ResponseWriter, r *http.Request) {
	if ck, err := r.Cookie(c.sessionCookie()); err == nil && validSessionID(ck.Value) {
		if err := c.sessions.DeleteSession(r.Context(), c.sessionKey(ck.Value)); err != nil {
			c.log.LogAttrs(r.Context(), slog.LevelWarn, "wego: session store delete failed", slog.String("error", redact(err.Error())))
		}
	}
	c.setSessionCookie(w, "", -1)
}

func (s *session) userToken() *UserToken {
	return &UserToken{AccessToken: s.Token.Access, RefreshToken: s.Token.Refresh,
		ExpiresAt: time.Unix(s.Token.Expires, 0), Scope: s.Token.Scope, OpenID: s.OpenID, UnionID: s.UnionID}
}

func (s *session) profileFresh(now time.Time, expire time.Duration) bool {
	if s.ProfileAt == 0 || expire < 0 {
		return false
	}
	return now.Before(time.Unix(s.ProfileAt, 0).Add(expire))
}

// pending returns the index of the login under way with state, or -1.
func (s *session) pending(state string) int {
	if state == "" {
		return -1
	}
	for i, p := range s.Pending {
		if subtle.ConstantTimeCompare([]byte(p.State), []byte(state)) == 1 {
			return i
		}
	}
	return -1
}

func (s *session) dropExpiredLogins(now time.Time) {
	keep := s.Pending[:0]
	for _, p := range s.Pending {
		if now.Unix() < p.Expires {
			keep = append(keep, p)
		}
	}
	s.Pending = keep
}

// loadSession reads the session of r's cookie: id "" and s nil when there
// is none (no cookie, a malformed one, nothing stored or expired).
func (c *Client) loadSession(ctx context.Context, r *http.Request) (id string, s *session, err error) {
	ck, err := r.Cookie(c.sessionCookie())
	if err != nil || !validSessionID(ck.Value) {
		return "", nil, nil
	}
	data, ok, err := c.sessions.Session(ctx, c.sessionKey(ck.Value))
	if err != nil || !ok {
		return "", nil, err
	}
	if len(data) > maxSessionData {
		c.log.LogAttrs(ctx, slog.LevelWarn, "wego: session too large, ignored", slog.Int("bytes", len(data)))
		return "", nil, nil
	}
	s, err = unmarshalSession(data)
	if err != nil {
		c.log.LogAttrs(ctx, slog.LevelWarn, "wego: session unreadable, ignored", slog.String("error", err.Error()))
		return "", nil, nil
	}
	if c.tokens.now().Unix() >= s.Expires || (s.OpenID != "" && s.Token == nil) {
		return "", nil, nil
	}
	return ck.Value, s, nil
}

// saveSession writes s under id for the rest of its life.
func (c *Client) saveSession(ctx context.Context, id string, s *session) error {
	ttl := time.Unix(s.Expires, 0).Sub(c.tokens.now())
	if ttl <= 0 {
		return errors.New("session already expired")
	}
	return c.sessions.SetSession(ctx, c.sessionKey(id), s.marshal(), ttl)
}

func (c *Client) sessionWriteFailed(w http.ResponseWriter, r *http.Request, err error) {
	c.log.LogAttrs(r.Context(), slog.LevelError, "wego: session store write failed", slog.String("error", redact(err.Error())))
	loginPage(w, http.StatusServiceUnavailable, "Login is unavailable, please try again shortly.", "")
}

// sessionKey is the store's key for session id: a digest, so the store
// never holds an id a cookie could carry, under the AppID, so accounts
// can share a store.
func (c *Client) sessionKey(id string) string {
	sum := sha256.Sum256([]byte(id))
	b := make([]byte, 0, len(c.s.AppID)+1+base64.RawURLEncoding.EncodedLen(len(sum)))
	b = append(b, c.s.AppID...)
	b = append(b, ':')
	b = base64.RawURLEncoding.AppendEncode(b, sum[:])
	return string(b)
}

func (c *Client) setSessionCookie(w http.ResponseWriter, id string, maxAge time.Duration) {
	ck := &http.Cookie{
		Name: c.sessionCookie(), Value: id, Path: "/",
		HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: strings.HasPrefix(c.s.RegisterURL, "https:"),
	}
	switch {
	case maxAge < 0:
		ck.MaxAge = -1
	case maxAge > 0:
		ck.MaxAge = int(maxAge / time.Second)
	}
	http.SetCookie(w, ck)
}

func (c *Client) sessionCookie() string {
	if c.s.SessionCookie != "" {
		return c.s.SessionCookie
	}
	return defaultSessionCookie
}

func (c *Client) sessionMaxAge() time.Duration {
	if c.s.SessionMaxAge > 0 {
		return c.s.SessionMaxAge
	}
	return defaultSessionMaxAge
}

func (c *Client) userInfoExpire() time.Duration {
	if c.s.UserInfoExpire == 0 {
		return defaultUserInfoExpire
	}
	return c.s.UserInfoExpire
}

// registerBase is RegisterURL without a trailing slash.
func (c *Client) registerBase() string { return strings.TrimRight(c.s.RegisterURL, "/") }

// sessionIDLen is the length of a session id: 32 random bytes in
// unpadded base64url.
const sessionIDLen = 43

func newSessionID() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func validSessionID(id string) bool {
	if len(id) != sessionIDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// randomString returns n random letters and digits (a state WeChat keeps
// as is: it allows a-zA-Z0-9).
func randomString(n int) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		// 256 = 4·62 + 8: rejecting the top 8 values keeps it uniform.
		for b[i] >= 248 {
			var one [1]byte
			_, _ = rand.Read(one[:])
			b[i] = one[0]
		}
		b[i] = alphabet[b[i]%62]
	}
	return string(b)
}

// returnPath is the path and query of u, to return to after login; "/"
// when u has no usable path.
func returnPath(u *url.URL) string {
	p := u.EscapedPath()
	if p == "" || p[0] != '/' || strings.HasPrefix(p, "//") || strings.HasPrefix(p, "/\\") {
		p = "/"
	}
	if u.RawQuery != "" {
		p += "?" + u.RawQuery
	}
	return p
}

// last returns the last value of q's key: WeChat appends its code and
// state after whatever the URL had.
func last(q url.Values, key string) string {
	if v := q[key]; len(v) > 0 {
		return v[len(v)-1]
	}
	return ""
}

// withoutOAuthParams is u's path and query without WeChat's code and
// state, as a link to try again.
func withoutOAuthParams(u *url.URL) string {
	v := *u
	q := v.Query()
	q.Del("code")
	q.Del("state")
	v.RawQuery = q.Encode()
	return returnPath(&v)
}

// loginPage answers a small HTML page saying what happened, with a link to
// try again when retry is not empty.
func loginPage(w http.ResponseWriter, status int, msg, retry string) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	if status == http.StatusServiceUnavailable {
		// The session store is down: try again in a few seconds.
		h.Set("Retry-After", "5")
	}
	w.WriteHeader(status)
	var b strings.Builder
	b.WriteString("<!doctype html>\n<html><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\"><title>")
	b.WriteString(http.StatusText(status))
	b.WriteString("</title></head><body><h1>WeChat login</h1><p>")
	b.WriteString(html.EscapeString(msg))
	b.WriteString("</p>")
	if retry != "" {
		b.WriteString(`<p><a href="`)
		b.WriteString(html.EscapeString(retry))
		b.WriteString(`">Try again</a></p>`)
	}
	b.WriteString("</body></html>\n")
	_, _ = w.Write([]byte(b.String()))
}
