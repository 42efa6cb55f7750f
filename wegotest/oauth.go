package wegotest

import (
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/wego-sdk/wego"
)

// Paths of web authorization (网页授权) the fake serves, all on
// [Server.URL]: the authorize page WeChat serves on open.weixin.qq.com
// (Settings.OAuthBaseURL points there), the page's confirmation, which is
// the fake's own, and the sns endpoints of api.weixin.qq.com.
const (
	PathAuthorize = "/connect/oauth2/authorize"
	// PathAuthorizeConfirm is where the links of the fake's chooser page
	// go (a user picked, or the refusal); WeChat has no such path.
	PathAuthorizeConfirm = "/connect/oauth2/authorize/confirm"
	PathOAuthToken       = "/sns/oauth2/access_token"
	PathOAuthRefresh     = "/sns/oauth2/refresh_token"
	PathSNSUserInfo      = "/sns/userinfo"
	PathSNSAuth          = "/sns/auth"
)

// DefaultUserTokenTTL is the lifetime of the user access tokens of web
// authorization unless [Server.SetUserTokenTTL] says otherwise; WeChat's
// is 7200 s.
const DefaultUserTokenTTL = 7200 * time.Second

// WeChat's rules of web authorization, as the fake applies them.
const (
	codeTTL          = 5 * time.Minute     // a code is good once, for 5 minutes
	refreshTokenTTL  = 30 * 24 * time.Hour // a refresh token lives 30 days
	maxStateBytes    = 128                 // state: a-zA-Z0-9, at most 128 bytes
	chooserMaxUsers  = 50                  // users the chooser page lists
	defaultNickChars = 6                   // the default nickname ends with this much of the openid
	snapshotPrefix   = "oWegotestSnapshot" // virtual openids of Moments snapshot visits
)

// oauthState is the fake's side of web authorization: the OAuth domain,
// what the authorize page does next, and what it issued. Guarded by its
// own mutex; never held with the users' one.
type oauthState struct {
	mu           sync.Mutex
	domain       string // host[:port] redirect_uri must have, lower case
	as           string // the user AuthorizeAs chose; "" shows the chooser page
	refusals     int    // snsapi_userinfo authorizations still to refuse
	snapshots    int    // snsapi_base authorizations still to play as snapshot visits
	userTokenTTL time.Duration
	codes        map[string]*issued // code → grant; used ones stay until they expire
	tokens       map[string]*issued // user access token → grant
	refresh      map[string]*issued // refresh token → grant
}

// grant is what one authorization gave: who, with which scope.
type grant struct {
	openID   string
	scope    string
	snapshot bool // a Moments snapshot visit: openID is virtual
}

// issued is a code or token with its grant.
type issued struct {
	grant
	expires time.Time
	used    bool // codes only
}

func (s *Server) initOAuth() {
	o := &s.oauth
	o.userTokenTTL = DefaultUserTokenTTL
	o.codes = make(map[string]*issued)
	o.tokens = make(map[string]*issued)
	o.refresh = make(map[string]*issued)

	s.routePage(PathAuthorize, s.serveAuthorize)
	s.routePage(PathAuthorizeConfirm, s.serveAuthorizeConfirm)
	s.routeSNS(PathOAuthToken, s.serveOAuthToken)
	s.routeSNS(PathOAuthRefresh, s.serveOAuthRefresh)
	s.routeSNS(PathSNSUserInfo, s.serveSNSUserInfo)
	s.routeSNS(PathSNSAuth, s.serveSNSAuth)
}

// routePage registers a page of open.weixin.qq.com: it answers HTML, and
// so do the faults injected on its path.
func (s *Server) routePage(path string, h http.HandlerFunc) {
	s.pages[path] = true
	s.route(path, func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		h(w, r)
	})
}

// routeSNS registers a GET endpoint of the sns API. These take no global
// access token: fn checks the appid and secret, or the user's access
// token, itself. Other methods get 43001 (require GET method).
func (s *Server) routeSNS(path string, fn func(q url.Values) (any, int)) {
	s.route(path, func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet {
			writeJSON(w, errorBody(43001, r))
			return
		}
		out, code := fn(r.URL.Query())
		if code != 0 {
			writeJSON(w, errorBody(code, r))
			return
		}
		writeJSON(w, out)
	})
}

// SetOAuthDomain sets the account's OAuth domain (网页授权域名): the host,
// with its port if it has one, that the redirect_uri of every
// authorization must have, exactly (a subdomain is another host). It is
// the host of [Server.AppURL] ("127.0.0.1:port") by default. It returns an
// error, and changes nothing, for anything but a bare host[:port], e.g.
// one with a scheme or a path.
func (s *Server) SetOAuthDomain(host string) error {
	u, err := url.Parse("//" + host)
	if host == "" || err != nil || u.Host != host || u.Path != "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil || u.Hostname() == "" {
		return fmt.Errorf("wegotest: SetOAuthDomain: %q is not a host[:port] like m.example.com", host)
	}
	s.oauth.mu.Lock()
	s.oauth.domain = strings.ToLower(host)
	s.oauth.mu.Unlock()
	return nil
}

// AuthorizeAs makes the authorize page approve every authorization at
// once as the user openid, as WeChat does for a silent authorization:
// it redirects to the redirect_uri with a code for that user. Any user of
// the account can log in, a former follower too ([User].Unsubscribed):
// WeChat lets anyone authorize a page. AuthorizeAs("") brings back the
// chooser page, where a person picks the user. It returns an error, and
// changes nothing, when the account has no such user.
func (s *Server) AuthorizeAs(openid string) error {
	if openid != "" {
		if _, ok := s.User(openid); !ok {
			return fmt.Errorf("wegotest: AuthorizeAs: no user %q (add one with AddUser)", openid)
		}
	}
	s.oauth.mu.Lock()
	s.oauth.as = openid
	s.oauth.mu.Unlock()
	return nil
}

// RefuseNextAuthorize makes the user refuse the next authorization with
// scope snsapi_userinfo: the authorize page redirects to the redirect_uri
// with the state and no code, as WeChat does when the user taps refuse.
// Authorizations with snsapi_base are silent, nothing to refuse, and go
// on as before. Calls queue up: twice refuses the next two.
func (s *Server) RefuseNextAuthorize() {
	s.oauth.mu.Lock()
	s.oauth.refusals++
	s.oauth.mu.Unlock()
}

// SnapshotNextAuthorize makes the next authorization with scope
// snsapi_base a visit from a Moments snapshot (朋友圈快照页): the
// authorize page redirects at once, whoever was chosen, with a code that
// exchanges to is_snapshotuser 1 and a virtual openid that stands for no
// user of the account; sns/userinfo refuses its token (48001).
// Authorizations with snsapi_userinfo go on as before. Calls queue up.
func (s *Server) SnapshotNextAuthorize() {
	s.oauth.mu.Lock()
	s.oauth.snapshots++
	s.oauth.mu.Unlock()
}

// SetUserTokenTTL sets the lifetime of the user access tokens issued from
// now on by the code exchange and the refresh (whole seconds, at least
// one; WeChat's is 7200 s).
func (s *Server) SetUserTokenTTL(d time.Duration) {
	s.oauth.mu.Lock()
	s.oauth.userTokenTTL = max(d.Truncate(time.Second), time.Second)
	s.oauth.mu.Unlock()
}

// ExpireCodes makes every code of web authorization issued so far expired:
// exchanging one answers 40029 (invalid code), as after WeChat's five
// minutes.
func (s *Server) ExpireCodes() { s.oauth.expire(s.oauth.codes) }

// ExpireUserTokens makes every user access token issued so far expired:
// sns/userinfo and sns/auth answer 42001 (access_token expired).
func (s *Server) ExpireUserTokens() { s.oauth.expire(s.oauth.tokens) }

// ExpireRefreshTokens makes every refresh token issued so far expired, as
// after WeChat's 30 days: refreshing answers 40030 (invalid
// refresh_token).
func (s *Server) ExpireRefreshTokens() { s.oauth.expire(s.oauth.refresh) }

func (o *oauthState) expire(m map[string]*issued) {
	o.mu.Lock()
	now := time.Now()
	for _, it := range m {
		it.expires = now
	}
	o.mu.Unlock()
}

// authorizeRequest is an authorize request that passed WeChat's checks.
type authorizeRequest struct {
	redirectURI string
	scope       string
	state       string
}

// pageError is the error page the authorize page answers instead of a
// redirect; code 0 for a rule WeChat documents without a code the fake
// knows.
type pageError struct {
	code int
	msg  string
}

func pageErr(code int) *pageError { return &pageError{code: code, msg: errmsgs[code]} }

// checkAuthorize checks an authorize request as WeChat does: the appid
// (10012 empty, 10016 not the account's), the redirect_uri (10011 empty,
// 10003 not an http(s) URL on the OAuth domain), response_type code, the
// scope (10010 empty, 10005 neither snsapi_base nor snsapi_userinfo) and
// the state (at most 128 bytes of a-zA-Z0-9).
func (s *Server) checkAuthorize(q url.Values) (authorizeRequest, *pageError) {
	req := authorizeRequest{redirectURI: q.Get("redirect_uri"), scope: q.Get("scope"), state: q.Get("state")}
	switch appID := q.Get("appid"); {
	case appID == "":
		return req, pageErr(10012)
	case appID != s.AppID:
		return req, pageErr(10016)
	case req.redirectURI == "":
		return req, pageErr(10011)
	case !s.onOAuthDomain(req.redirectURI):
		return req, pageErr(10003)
	case q.Get("response_type") != "code":
		return req, &pageError{msg: "response_type 参数错误: must be code"}
	case req.scope == "":
		return req, pageErr(10010)
	case req.scope != string(wego.ScopeBase) && req.scope != string(wego.ScopeUserInfo):
		return req, pageErr(10005)
	case len(req.state) > maxStateBytes || !alnum(req.state):
		return req, &pageError{msg: "state 参数错误: at most 128 bytes of a-z, A-Z and 0-9"}
	}
	return req, nil
}

// onOAuthDomain reports whether raw is an absolute http(s) URL, without
// user information, whose host is the OAuth domain.
func (s *Server) onOAuthDomain(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.User != nil {
		return false
	}
	s.oauth.mu.Lock()
	domain := s.oauth.domain
	s.oauth.mu.Unlock()
	return u.Host != "" && strings.EqualFold(u.Host, domain)
}

func alnum(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

// serveAuthorize is GET /connect/oauth2/authorize: after the checks, a
// pending snapshot visit (snsapi_base) or refusal (snsapi_userinfo), then
// the user of AuthorizeAs, is redirected to at once; otherwise the
// chooser page lets a person pick.
func (s *Server) serveAuthorize(w http.ResponseWriter, r *http.Request) {
	req, perr := s.checkAuthorize(r.URL.Query())
	if perr != nil {
		writeErrorPage(w, perr)
		return
	}
	o := &s.oauth
	o.mu.Lock()
	switch {
	case req.scope == string(wego.ScopeBase) && o.snapshots > 0:
		o.snapshots--
		code := o.issueCodeLocked(grant{openID: virtualOpenID(), scope: req.scope, snapshot: true})
		o.mu.Unlock()
		redirect(w, req, code)
	case req.scope == string(wego.ScopeUserInfo) && o.refusals > 0:
		o.refusals--
		o.mu.Unlock()
		redirect(w, req, "")
	case o.as != "":
		code := o.issueCodeLocked(grant{openID: o.as, scope: req.scope})
		o.mu.Unlock()
		redirect(w, req, code)
	default:
		o.mu.Unlock()
		s.writeChooser(w, req)
	}
}

// serveAuthorizeConfirm is GET /connect/oauth2/authorize/confirm, the
// fake's own: a link of the chooser page, with the authorize request and
// openid (the user picked) or refuse=1.
func (s *Server) serveAuthorizeConfirm(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	req, perr := s.checkAuthorize(q)
	if perr != nil {
		writeErrorPage(w, perr)
		return
	}
	if q.Get("refuse") != "" {
		redirect(w, req, "")
		return
	}
	openid := q.Get("openid")
	if _, ok := s.User(openid); !ok {
		writeErrorPage(w, pageErr(40003))
		return
	}
	s.oauth.mu.Lock()
	code := s.oauth.issueCodeLocked(grant{openID: openid, scope: req.scope})
	s.oauth.mu.Unlock()
	redirect(w, req, code)
}

// virtualOpenID makes the openid of a Moments snapshot visit: WeChat's
// length, random, "oWegotestSnapshot" first so that it reads as what it
// is in a test's log.
func virtualOpenID() string {
	return (snapshotPrefix + randomHex(16))[:len(generatedOpenIDPrefix)+generatedOpenIDDigits]
}

// issueCodeLocked issues a code for g, dropping the expired ones; o.mu is
// held.
func (o *oauthState) issueCodeLocked(g grant) string {
	now := time.Now()
	for c, it := range o.codes {
		if !now.Before(it.expires) {
			delete(o.codes, c)
		}
	}
	code := randomHex(16)
	o.codes[code] = &issued{grant: g, expires: now.Add(codeTTL)}
	return code
}

// redirect sends the browser back to the redirect_uri as WeChat does:
// 302, code (none for a refusal) and state added to the redirect_uri's own
// query, before its fragment.
func redirect(w http.ResponseWriter, req authorizeRequest, code string) {
	add := "state=" + url.QueryEscape(req.state)
	if code != "" {
		add = "code=" + url.QueryEscape(code) + "&" + add
	}
	base, frag, hasFrag := strings.Cut(req.redirectURI, "#")
	switch {
	case !strings.Contains(base, "?"):
		base += "?" + add
	case strings.HasSuffix(base, "?") || strings.HasSuffix(base, "&"):
		base += add
	default:
		base += "&" + add
	}
	if hasFrag {
		base += "#" + frag
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Location", base)
	w.WriteHeader(http.StatusFound)
}

// The pages are small and plain, and escape everything they show.
var (
	chooserTemplate = template.Must(template.New("chooser").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Log in with WeChat · wegotest</title>
</head>
<body>
<h1>Log in with WeChat</h1>
<p>{{.Host}} asks the account {{.AppID}} for {{.Scope}}. Who are you?</p>
<ul>
{{- range .Users}}
<li><a href="{{.Link}}">Log in as {{.Nickname}}</a> <small>{{.OpenID}}</small></li>
{{- else}}
<li>The account has no users: add them with Server.AddUser.</li>
{{- end}}
</ul>
{{- with .More}}
<p>{{.}} more users are not listed.</p>
{{- end}}
{{- with .Refuse}}
<p><a href="{{.}}">Refuse</a></p>
{{- end}}
<p><small>wegotest, a fake WeChat: Server.AuthorizeAs skips this page.</small></p>
</body>
</html>
`))
	errorTemplate = template.Must(template.New("error").Parse(`<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>微信网页授权 · wegotest</title>
</head>
<body>
<h1>{{.Msg}}</h1>
{{- if .Code}}
<p>错误码：<span id="errcode">{{.Code}}</span></p>
{{- end}}
</body>
</html>
`))
)

type chooserUser struct {
	Nickname, OpenID, Link string
}

// writeChooser answers the chooser page for req: the account's first
// users as links to PathAuthorizeConfirm, and a refusal for
// snsapi_userinfo, the scope that asks consent.
func (s *Server) writeChooser(w http.ResponseWriter, req authorizeRequest) {
	users, total := s.users.first(chooserMaxUsers)
	link := func(k, v string) string {
		q := url.Values{"appid": {s.AppID}, "redirect_uri": {req.redirectURI}, "response_type": {"code"},
			"scope": {req.scope}, "state": {req.state}, k: {v}}
		return PathAuthorizeConfirm + "?" + q.Encode()
	}
	data := struct {
		AppID, Host, Scope string
		Users              []chooserUser
		More               int
		Refuse             string
	}{AppID: s.AppID, Scope: req.scope, More: total - len(users)}
	if u, err := url.Parse(req.redirectURI); err == nil {
		data.Host = u.Host
	}
	for _, u := range users {
		data.Users = append(data.Users, chooserUser{Nickname: u.nickname(), OpenID: u.OpenID, Link: link("openid", u.OpenID)})
	}
	if req.scope == string(wego.ScopeUserInfo) {
		data.Refuse = link("refuse", "1")
	}
	writePage(w, http.StatusOK, chooserTemplate, data)
}

// writeErrorPage answers the error page of the authorize page: 400, the
// message and the errcode, and no redirect.
func writeErrorPage(w http.ResponseWriter, e *pageError) {
	msg := e.msg
	if msg == "" {
		msg = "error"
	}
	writePage(w, http.StatusBadRequest, errorTemplate, struct {
		Msg  string
		Code int
	}{msg, e.code})
}

func writePage(w http.ResponseWriter, status int, t *template.Template, data any) {
	var b strings.Builder
	if err := t.Execute(&b, data); err != nil {
		http.Error(w, "wegotest: page: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(b.String()))
}

// userTokenAnswer is what the code exchange and the refresh answer.
type userTokenAnswer struct {
	AccessToken    string `json:"access_token"`
	ExpiresIn      int    `json:"expires_in"`
	RefreshToken   string `json:"refresh_token"`
	OpenID         string `json:"openid"`
	Scope          string `json:"scope"`
	IsSnapshotUser int    `json:"is_snapshotuser,omitempty"`
	UnionID        string `json:"unionid,omitempty"`
}

// issueUserTokenLocked issues a user access token for g; o.mu is held.
func (o *oauthState) issueUserTokenLocked(g grant, now time.Time) (string, int) {
	tok := "SNS_ACCESS_TOKEN_" + randomHex(24)
	o.tokens[tok] = &issued{grant: g, expires: now.Add(o.userTokenTTL)}
	return tok, int(o.userTokenTTL / time.Second)
}

// serveOAuthToken is GET /sns/oauth2/access_token: grant_type
// authorization_code (40002), the account's appid (41002, 40013) and
// secret (41004, 40125), then a code (41008) the fake issued that has not
// expired (40029) and was not used (40163).
func (s *Server) serveOAuthToken(q url.Values) (any, int) {
	switch {
	case q.Get("grant_type") != "authorization_code":
		return nil, 40002
	case q.Get("appid") == "":
		return nil, 41002
	case q.Get("appid") != s.AppID:
		return nil, 40013
	case q.Get("secret") == "":
		return nil, 41004
	case q.Get("secret") != s.AppSecret:
		return nil, 40125
	case q.Get("code") == "":
		return nil, 41008
	}
	o := &s.oauth
	o.mu.Lock()
	now := time.Now()
	c, ok := o.codes[q.Get("code")]
	switch {
	case !ok || !now.Before(c.expires):
		o.mu.Unlock()
		return nil, 40029
	case c.used:
		o.mu.Unlock()
		return nil, 40163
	}
	c.used = true
	g := c.grant
	tok, ttl := o.issueUserTokenLocked(g, now)
	refresh := "REFRESH_TOKEN_" + randomHex(24)
	o.refresh[refresh] = &issued{grant: g, expires: now.Add(refreshTokenTTL)}
	o.mu.Unlock()

	a := userTokenAnswer{AccessToken: tok, ExpiresIn: ttl, RefreshToken: refresh, OpenID: g.openID, Scope: g.scope}
	if g.snapshot {
		a.IsSnapshotUser = 1
	} else if u, ok := s.User(g.openID); ok {
		a.UnionID = u.UnionID
	}
	return a, 0
}

// serveOAuthRefresh is GET /sns/oauth2/refresh_token: grant_type
// refresh_token (40002), the account's appid (41002, 40013), then a
// refresh token (41003) the fake issued that has not expired (40030). It
// answers a new access token, valid beside the older ones, and the same
// refresh token, whose 30 days do not start again.
func (s *Server) serveOAuthRefresh(q url.Values) (any, int) {
	switch {
	case q.Get("grant_type") != "refresh_token":
		return nil, 40002
	case q.Get("appid") == "":
		return nil, 41002
	case q.Get("appid") != s.AppID:
		return nil, 40013
	case q.Get("refresh_token") == "":
		return nil, 41003
	}
	o := &s.oauth
	o.mu.Lock()
	defer o.mu.Unlock()
	now := time.Now()
	rt, ok := o.refresh[q.Get("refresh_token")]
	if !ok || !now.Before(rt.expires) {
		return nil, 40030
	}
	tok, ttl := o.issueUserTokenLocked(rt.grant, now)
	return userTokenAnswer{AccessToken: tok, ExpiresIn: ttl, RefreshToken: q.Get("refresh_token"), OpenID: rt.openID, Scope: rt.scope}, 0
}

// checkUserToken returns the grant of a user access token valid for
// openid, or WeChat's errcode: 41001 missing, 40001 unknown (the account's
// global access token included), 42001 expired, 41009 no openid, 40003 not
// the token's openid.
func (s *Server) checkUserToken(q url.Values) (grant, int) {
	tok, openid := q.Get("access_token"), q.Get("openid")
	if tok == "" {
		return grant{}, 41001
	}
	o := &s.oauth
	o.mu.Lock()
	it, ok := o.tokens[tok]
	var g grant
	var expires time.Time
	if ok {
		g, expires = it.grant, it.expires
	}
	o.mu.Unlock()
	switch {
	case !ok:
		return grant{}, 40001
	case !time.Now().Before(expires):
		return grant{}, 42001
	case openid == "":
		return grant{}, 41009
	case openid != g.openID:
		return grant{}, 40003
	}
	return g, 0
}

// snsUserInfoAnswer is what sns/userinfo answers.
type snsUserInfoAnswer struct {
	OpenID     string   `json:"openid"`
	Nickname   string   `json:"nickname"`
	Sex        int      `json:"sex"`
	Province   string   `json:"province"`
	City       string   `json:"city"`
	Country    string   `json:"country"`
	HeadImgURL string   `json:"headimgurl"`
	Privilege  []string `json:"privilege"`
	UnionID    string   `json:"unionid,omitempty"`
}

// serveSNSUserInfo is GET /sns/userinfo: the profile of the token's user,
// for a token of scope snsapi_userinfo (48001 otherwise, a snapshot
// visit's included). lang is not checked.
func (s *Server) serveSNSUserInfo(q url.Values) (any, int) {
	g, code := s.checkUserToken(q)
	if code != 0 {
		return nil, code
	}
	if g.scope != string(wego.ScopeUserInfo) || g.snapshot {
		return nil, 48001
	}
	u, ok := s.User(g.openID)
	if !ok {
		return nil, 40003
	}
	priv := u.Privilege
	if priv == nil {
		priv = []string{}
	}
	return snsUserInfoAnswer{
		OpenID: u.OpenID, Nickname: u.nickname(), Sex: u.Sex, Province: u.Province, City: u.City,
		Country: u.Country, HeadImgURL: u.HeadImgURL, Privilege: priv, UnionID: u.UnionID,
	}, 0
}

// serveSNSAuth is GET /sns/auth: {"errcode":0,"errmsg":"ok"} for a user
// access token that is valid for openid, of either scope.
func (s *Server) serveSNSAuth(q url.Values) (any, int) {
	if _, code := s.checkUserToken(q); code != 0 {
		return nil, code
	}
	return answerOK, 0
}

// nickname is the nickname sns/userinfo answers: Nickname, or "User " and
// the end of the openid when it is empty.
func (u User) nickname() string {
	if u.Nickname != "" {
		return u.Nickname
	}
	id := []rune(u.OpenID)
	return "User " + string(id[max(len(id)-defaultNickChars, 0):])
}

// first returns the first n users, in the order they came, and how many
// there are.
func (us *userState) first(n int) ([]User, int) {
	us.mu.Lock()
	defer us.mu.Unlock()
	out := make([]User, 0, min(n, len(us.fans)))
	for i := 0; i < len(us.fans) && len(out) < n; i++ {
		out = append(out, us.userAt(i))
	}
	return out, len(us.fans)
}
