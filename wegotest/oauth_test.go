package wegotest

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wego-sdk/wego"
)

// noRedirects returns a client of the fake that stops at every redirect,
// as a test that reads Location needs.
func noRedirects(s *Server) *http.Client {
	c := *s.ts.Client()
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &c
}

// authorizeURL is the authorize page for a redirect_uri and scope, with
// the server's appid and response_type=code; extra replaces or adds
// parameters ("" removes one).
func authorizeURL(s *Server, redirectURI string, scope wego.Scope, state string, extra ...string) string {
	q := url.Values{"appid": {s.AppID}, "redirect_uri": {redirectURI}, "response_type": {"code"},
		"scope": {string(scope)}, "state": {state}}
	for i := 0; i+1 < len(extra); i += 2 {
		if extra[i+1] == "" {
			q.Del(extra[i])
		} else {
			q.Set(extra[i], extra[i+1])
		}
	}
	return s.URL + PathAuthorize + "?" + q.Encode() + "#wechat_redirect"
}

// authorizeAnswer is an answer of the authorize page.
type authorizeAnswer struct {
	status   int
	location *url.URL // nil without a Location header
	ctype    string
	body     string
}

func fetch(t *testing.T, hc *http.Client, u string) authorizeAnswer {
	t.Helper()
	resp, err := hc.Get(u)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	p := authorizeAnswer{status: resp.StatusCode, ctype: resp.Header.Get("Content-Type"), body: string(b)}
	if loc := resp.Header.Get("Location"); loc != "" {
		p.location, err = url.Parse(loc)
		require.NoError(t, err)
	}
	return p
}

// authorize opens the authorize page and returns the redirect it answers.
func authorize(t *testing.T, s *Server, redirectURI string, scope wego.Scope, state string) *url.URL {
	t.Helper()
	p := fetch(t, noRedirects(s), authorizeURL(s, redirectURI, scope, state))
	require.Equal(t, http.StatusFound, p.status, "authorize answered %s", p.body)
	require.NotNil(t, p.location)
	return p.location
}

// snsAnswer is every field the sns endpoints answer, errors included.
type snsAnswer struct {
	ErrCode        int      `json:"errcode"`
	ErrMsg         string   `json:"errmsg"`
	AccessToken    string   `json:"access_token"`
	ExpiresIn      int      `json:"expires_in"`
	RefreshToken   string   `json:"refresh_token"`
	OpenID         string   `json:"openid"`
	Scope          string   `json:"scope"`
	UnionID        string   `json:"unionid"`
	IsSnapshotUser int      `json:"is_snapshotuser"`
	Nickname       string   `json:"nickname"`
	Sex            int      `json:"sex"`
	Province       string   `json:"province"`
	City           string   `json:"city"`
	Country        string   `json:"country"`
	HeadImgURL     string   `json:"headimgurl"`
	Privilege      []string `json:"privilege"`
}

// sns calls an sns endpoint with plain net/http, as it takes no global
// access token, and returns its answer and the raw JSON.
func sns(t *testing.T, s *Server, path string, q url.Values) (snsAnswer, map[string]any) {
	t.Helper()
	resp, err := s.ts.Client().Get(s.URL + path + "?" + q.Encode())
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	var a snsAnswer
	var raw map[string]any
	require.NoError(t, json.Unmarshal(b, &a), "%s", b)
	require.NoError(t, json.Unmarshal(b, &raw))
	return a, raw
}

func exchange(t *testing.T, s *Server, code string) snsAnswer {
	t.Helper()
	a, _ := sns(t, s, PathOAuthToken, url.Values{"appid": {s.AppID}, "secret": {s.AppSecret}, "code": {code}, "grant_type": {"authorization_code"}})
	return a
}

func userInfo(t *testing.T, s *Server, token, openid string) snsAnswer {
	t.Helper()
	a, _ := sns(t, s, PathSNSUserInfo, url.Values{"access_token": {token}, "openid": {openid}, "lang": {"zh_CN"}})
	return a
}

func snsAuth(t *testing.T, s *Server, token, openid string) int {
	t.Helper()
	a, _ := sns(t, s, PathSNSAuth, url.Values{"access_token": {token}, "openid": {openid}})
	return a.ErrCode
}

// login authorizes as openid with scope and exchanges the code.
func login(t *testing.T, s *Server, openid string, scope wego.Scope) snsAnswer {
	t.Helper()
	require.NoError(t, s.AuthorizeAs(openid))
	loc := authorize(t, s, s.AppURL+"/cb", scope, "s1")
	a := exchange(t, s, loc.Query().Get("code"))
	require.Zero(t, a.ErrCode, a.ErrMsg)
	return a
}

func TestAuthorizeAsRedirectsWithCodeAndState(t *testing.T) {
	t.Parallel()
	s := New(t)
	require.NoError(t, s.AddUser(User{OpenID: "oAlice"}))
	assert.Error(t, s.AuthorizeAs("oNobody"), "only a user of the account logs in")
	require.NoError(t, s.AuthorizeAs("oAlice"))

	loc := authorize(t, s, s.AppURL+"/cb?from=menu&x=1", wego.ScopeUserInfo, "abcXYZ0123")
	assert.Equal(t, s.AppURL+"/cb", (&url.URL{Scheme: loc.Scheme, Host: loc.Host, Path: loc.Path}).String())
	q := loc.Query()
	assert.Equal(t, "menu", q.Get("from"), "the redirect_uri's own query is kept")
	assert.Equal(t, "1", q.Get("x"))
	assert.Equal(t, "abcXYZ0123", q.Get("state"))
	assert.NotEmpty(t, q.Get("code"))
	assert.True(t, strings.HasPrefix(loc.RawQuery, "from=menu&x=1&code="), "code and state come after the redirect_uri's query: %s", loc.RawQuery)

	loc2 := authorize(t, s, s.AppURL+"/cb#top", wego.ScopeBase, "")
	assert.NotEqual(t, q.Get("code"), loc2.Query().Get("code"), "every authorization has a code of its own")
	assert.Equal(t, "top", loc2.Fragment, "the redirect_uri's fragment stays at the end")
	assert.True(t, loc2.Query().Has("state"), "state= is there, empty")
	assert.Equal(t, 2, s.Requests(PathAuthorize))
	assert.Zero(t, s.Requests(PathOAuthToken), "no code was exchanged")
}

func TestCodeExchangeAnswersTheTokens(t *testing.T) {
	t.Parallel()
	s := New(t)
	require.NoError(t, s.AddUser(User{OpenID: "oAlice", UnionID: "uAlice"}))
	require.NoError(t, s.AddUser(User{OpenID: "oBob"}))

	a := login(t, s, "oAlice", wego.ScopeUserInfo)
	assert.NotEmpty(t, a.AccessToken)
	assert.NotEmpty(t, a.RefreshToken)
	assert.NotEqual(t, a.AccessToken, a.RefreshToken)
	assert.Equal(t, 7200, a.ExpiresIn)
	assert.Equal(t, "oAlice", a.OpenID)
	assert.Equal(t, "snsapi_userinfo", a.Scope)
	assert.Equal(t, "uAlice", a.UnionID)

	require.NoError(t, s.AuthorizeAs("oBob"))
	code := authorize(t, s, s.AppURL+"/cb", wego.ScopeBase, "s").Query().Get("code")
	_, raw := sns(t, s, PathOAuthToken, url.Values{"appid": {s.AppID}, "secret": {s.AppSecret}, "code": {code}, "grant_type": {"authorization_code"}})
	assert.ElementsMatch(t, []string{"access_token", "expires_in", "refresh_token", "openid", "scope"}, keys(raw),
		"no unionid for a user without one, no is_snapshotuser for a real visit")
	assert.Equal(t, "snsapi_base", raw["scope"])
	assert.Equal(t, 40163, exchange(t, s, code).ErrCode, "a code is good once")

	s.SetUserTokenTTL(90 * time.Second)
	assert.Equal(t, 90, login(t, s, "oBob", wego.ScopeBase).ExpiresIn)
}

func keys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestCodeExchangeRefuses(t *testing.T) {
	t.Parallel()
	s := New(t)
	require.NoError(t, s.AddUser(User{OpenID: "oAlice"}))
	require.NoError(t, s.AuthorizeAs("oAlice"))
	newCode := func() string { return authorize(t, s, s.AppURL+"/cb", wego.ScopeBase, "s").Query().Get("code") }

	expired := newCode()
	s.ExpireCodes()
	assert.Equal(t, 40029, exchange(t, s, expired).ErrCode, "an expired code")
	assert.Equal(t, 40029, exchange(t, s, "0a1b2c3d4e5f").ErrCode, "an unknown code")

	code := newCode()
	tests := map[string]struct {
		q    url.Values
		want int
	}{
		"bad secret":     {url.Values{"appid": {s.AppID}, "secret": {"nope"}, "code": {code}, "grant_type": {"authorization_code"}}, 40125},
		"no secret":      {url.Values{"appid": {s.AppID}, "code": {code}, "grant_type": {"authorization_code"}}, 41004},
		"bad appid":      {url.Values{"appid": {"wxnope"}, "secret": {s.AppSecret}, "code": {code}, "grant_type": {"authorization_code"}}, 40013},
		"bad grant_type": {url.Values{"appid": {s.AppID}, "secret": {s.AppSecret}, "code": {code}, "grant_type": {"client_credential"}}, 40002},
		"no code":        {url.Values{"appid": {s.AppID}, "secret": {s.AppSecret}, "grant_type": {"authorization_code"}}, 41008},
	}
	for name, tt := range tests {
		a, _ := sns(t, s, PathOAuthToken, tt.q)
		assert.Equal(t, tt.want, a.ErrCode, name)
		assert.Regexp(t, ` rid: `, a.ErrMsg, name)
	}
	a, _ := sns(t, s, PathOAuthToken, tests["bad secret"].q)
	assert.Regexp(t, `^invalid appsecret rid: `, a.ErrMsg)
	assert.Zero(t, exchange(t, s, code).ErrCode, "refused exchanges did not use the code")
	assert.Regexp(t, `^code been used rid: `, exchange(t, s, code).ErrMsg)

	resp, err := s.ts.Client().Post(s.URL+PathOAuthToken, "application/x-www-form-urlencoded", nil)
	require.NoError(t, err)
	defer resp.Body.Close()
	var e snsAnswer
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&e))
	assert.Equal(t, 43001, e.ErrCode, "the sns endpoints are GETs")
	assert.Equal(t, 0, s.TokenRequests(), "web authorization needs no global access token")
}

func TestRefreshToken(t *testing.T) {
	t.Parallel()
	s := New(t)
	require.NoError(t, s.AddUser(User{OpenID: "oAlice", UnionID: "uAlice"}))
	a := login(t, s, "oAlice", wego.ScopeUserInfo)
	refresh := func(rt string) (snsAnswer, map[string]any) {
		return sns(t, s, PathOAuthRefresh, url.Values{"appid": {s.AppID}, "grant_type": {"refresh_token"}, "refresh_token": {rt}})
	}

	s.ExpireUserTokens()
	assert.Equal(t, 42001, userInfo(t, s, a.AccessToken, "oAlice").ErrCode)
	r, raw := refresh(a.RefreshToken)
	require.Zero(t, r.ErrCode, r.ErrMsg)
	assert.NotEqual(t, a.AccessToken, r.AccessToken, "a new access token")
	assert.Equal(t, a.RefreshToken, r.RefreshToken, "the same refresh token")
	assert.Equal(t, 7200, r.ExpiresIn)
	assert.Equal(t, "oAlice", r.OpenID)
	assert.Equal(t, "snsapi_userinfo", r.Scope)
	assert.ElementsMatch(t, []string{"access_token", "expires_in", "refresh_token", "openid", "scope"}, keys(raw))
	assert.Zero(t, userInfo(t, s, r.AccessToken, "oAlice").ErrCode, "the new token works")

	bad, _ := sns(t, s, PathOAuthRefresh, url.Values{"appid": {"wxnope"}, "grant_type": {"refresh_token"}, "refresh_token": {a.RefreshToken}})
	assert.Equal(t, 40013, bad.ErrCode)
	bad, _ = sns(t, s, PathOAuthRefresh, url.Values{"appid": {s.AppID}, "grant_type": {"authorization_code"}, "refresh_token": {a.RefreshToken}})
	assert.Equal(t, 40002, bad.ErrCode)
	bad, _ = refresh("")
	assert.Equal(t, 41003, bad.ErrCode)
	bad, _ = refresh("REFRESH_TOKEN_nope")
	assert.Equal(t, 40030, bad.ErrCode)

	s.ExpireRefreshTokens()
	bad, _ = refresh(a.RefreshToken)
	assert.Equal(t, 40030, bad.ErrCode)
	assert.Regexp(t, `^invalid refresh_token rid: `, bad.ErrMsg)
	assert.Equal(t, 6, s.Requests(PathOAuthRefresh))
}

func TestSNSUserInfo(t *testing.T) {
	t.Parallel()
	s := New(t)
	require.NoError(t, s.AddUser(User{
		OpenID: "oAlice", UnionID: "uAlice", Nickname: "爱丽丝", HeadImgURL: "https://thirdwx.qlogo.cn/mmopen/a/132",
		Sex: 2, Province: "广东", City: "广州", Country: "中国", Privilege: []string{"chinaunicom"},
	}))
	require.NoError(t, s.AddUser(User{OpenID: "oGone0123456789", Unsubscribed: true}))

	a := login(t, s, "oAlice", wego.ScopeUserInfo)
	assert.Equal(t, snsAnswer{
		OpenID: "oAlice", UnionID: "uAlice", Nickname: "爱丽丝", HeadImgURL: "https://thirdwx.qlogo.cn/mmopen/a/132",
		Sex: 2, Province: "广东", City: "广州", Country: "中国", Privilege: []string{"chinaunicom"},
	}, userInfo(t, s, a.AccessToken, "oAlice"))

	g := login(t, s, "oGone0123456789", wego.ScopeUserInfo)
	_, raw := sns(t, s, PathSNSUserInfo, url.Values{"access_token": {g.AccessToken}, "openid": {"oGone0123456789"}})
	assert.Equal(t, map[string]any{
		"openid": "oGone0123456789", "nickname": "User 456789", "sex": 0.0, "province": "", "city": "",
		"country": "", "headimgurl": "", "privilege": []any{},
	}, raw, "a user who does not follow logs in too; the default nickname")

	assert.Equal(t, 40003, userInfo(t, s, a.AccessToken, "oGone0123456789").ErrCode, "another user's openid")
	assert.Equal(t, 41009, userInfo(t, s, a.AccessToken, "").ErrCode)
	assert.Equal(t, 41001, userInfo(t, s, "", "oAlice").ErrCode)
	assert.Equal(t, 40001, userInfo(t, s, "SNS_ACCESS_TOKEN_nope", "oAlice").ErrCode)
	assert.Equal(t, 40001, userInfo(t, s, s.IssueToken(), "oAlice").ErrCode, "the account's access token is not a user's")

	base := login(t, s, "oAlice", wego.ScopeBase)
	e := userInfo(t, s, base.AccessToken, "oAlice")
	assert.Equal(t, 48001, e.ErrCode, "snsapi_base gives the openid only")
	assert.Regexp(t, `^api unauthorized rid: `, e.ErrMsg)

	s.ExpireUserTokens()
	assert.Equal(t, 42001, userInfo(t, s, a.AccessToken, "oAlice").ErrCode)
}

func TestSNSAuth(t *testing.T) {
	t.Parallel()
	s := New(t)
	require.NoError(t, s.AddUser(User{OpenID: "oAlice"}))
	require.NoError(t, s.AddUser(User{OpenID: "oBob"}))
	a := login(t, s, "oAlice", wego.ScopeBase)

	ok, raw := sns(t, s, PathSNSAuth, url.Values{"access_token": {a.AccessToken}, "openid": {"oAlice"}})
	assert.Zero(t, ok.ErrCode)
	assert.Equal(t, map[string]any{"errcode": 0.0, "errmsg": "ok"}, raw)
	assert.Equal(t, 40003, snsAuth(t, s, a.AccessToken, "oBob"))
	assert.Equal(t, 40001, snsAuth(t, s, "SNS_ACCESS_TOKEN_nope", "oAlice"))
	s.ExpireUserTokens()
	assert.Equal(t, 42001, snsAuth(t, s, a.AccessToken, "oAlice"))
	assert.Zero(t, snsAuth(t, s, login(t, s, "oAlice", wego.ScopeUserInfo).AccessToken, "oAlice"), "tokens issued after the expiry are good")
	assert.Equal(t, 5, s.Requests(PathSNSAuth))
}

func TestRefuseNextAuthorize(t *testing.T) {
	t.Parallel()
	s := New(t)
	require.NoError(t, s.AddUser(User{OpenID: "oAlice"}))
	require.NoError(t, s.AuthorizeAs("oAlice"))
	s.RefuseNextAuthorize()

	loc := authorize(t, s, s.AppURL+"/cb", wego.ScopeBase, "s0")
	assert.NotEmpty(t, loc.Query().Get("code"), "snsapi_base asks nothing, so nothing is refused")

	loc = authorize(t, s, s.AppURL+"/cb?keep=1", wego.ScopeUserInfo, "s1")
	assert.Equal(t, url.Values{"keep": {"1"}, "state": {"s1"}}, loc.Query(), "refused: the state and no code")

	loc = authorize(t, s, s.AppURL+"/cb", wego.ScopeUserInfo, "s2")
	assert.NotEmpty(t, loc.Query().Get("code"), "only the next one is refused")
	assert.Zero(t, s.Requests(PathOAuthToken))
}

func TestSnapshotNextAuthorize(t *testing.T) {
	t.Parallel()
	s := New(t)
	require.NoError(t, s.AddUser(User{OpenID: "oAlice", UnionID: "uAlice"}))
	s.SnapshotNextAuthorize()

	assert.Equal(t, http.StatusOK, fetch(t, noRedirects(s), authorizeURL(s, s.AppURL+"/cb", wego.ScopeUserInfo, "s")).status,
		"snsapi_userinfo is no snapshot visit: the chooser page, as no one was chosen")

	// The snapshot visit needs no chosen user: no one logs in.
	loc := authorize(t, s, s.AppURL+"/cb", wego.ScopeBase, "s")
	a, raw := sns(t, s, PathOAuthToken, url.Values{"appid": {s.AppID}, "secret": {s.AppSecret}, "code": {loc.Query().Get("code")}, "grant_type": {"authorization_code"}})
	require.Zero(t, a.ErrCode, a.ErrMsg)
	assert.Equal(t, 1.0, raw["is_snapshotuser"])
	assert.NotContains(t, raw, "unionid")
	assert.Equal(t, "snsapi_base", a.Scope)
	assert.Len(t, a.OpenID, 28, "a virtual openid of WeChat's length")
	_, isUser := s.User(a.OpenID)
	assert.False(t, isUser, "the virtual openid is no user's")
	assert.Equal(t, 48001, userInfo(t, s, a.AccessToken, a.OpenID).ErrCode)
	assert.Zero(t, snsAuth(t, s, a.AccessToken, a.OpenID), "the token itself is valid")

	next := login(t, s, "oAlice", wego.ScopeBase)
	assert.Equal(t, "oAlice", next.OpenID, "only the next snsapi_base authorization is a snapshot visit")
	assert.Zero(t, next.IsSnapshotUser)
}

// The authorize page's errors are WeChat's HTML pages, never a redirect.
func TestAuthorizeRefusesBadRequests(t *testing.T) {
	t.Parallel()
	s := New(t)
	require.NoError(t, s.AddUser(User{OpenID: "oAlice"}))
	require.NoError(t, s.AuthorizeAs("oAlice"))
	appURL, err := url.Parse(s.AppURL)
	require.NoError(t, err)
	cb := s.AppURL + "/cb"

	tests := map[string]struct {
		u        string
		code     int    // 0: none shown
		contains string // in the page
	}{
		"another host":     {authorizeURL(s, "http://evil.example/cb", wego.ScopeBase, "s"), 10003, "redirect_uri 参数错误"},
		"another port":     {authorizeURL(s, "http://"+appURL.Hostname()+":1/cb", wego.ScopeBase, "s"), 10003, ""},
		"a subdomain":      {authorizeURL(s, "http://m."+appURL.Host+"/cb", wego.ScopeBase, "s"), 10003, ""},
		"not http":         {authorizeURL(s, "ftp://"+appURL.Host+"/cb", wego.ScopeBase, "s"), 10003, ""},
		"user info in URL": {authorizeURL(s, "http://evil.example@"+appURL.Host+"/cb", wego.ScopeBase, "s"), 10003, ""},
		"no redirect_uri":  {authorizeURL(s, cb, wego.ScopeBase, "s", "redirect_uri", ""), 10011, ""},
		"bad appid":        {authorizeURL(s, cb, wego.ScopeBase, "s", "appid", "wx0000000000000000"), 10016, ""},
		"no appid":         {authorizeURL(s, cb, wego.ScopeBase, "s", "appid", ""), 10012, ""},
		"bad scope":        {authorizeURL(s, cb, "snsapi_login", "s"), 10005, "Scope 参数错误或没有 Scope 权限"},
		"two scopes":       {authorizeURL(s, cb, "snsapi_base,snsapi_userinfo", "s"), 10005, ""},
		"no scope":         {authorizeURL(s, cb, "", "s"), 10010, ""},
		"response_type":    {authorizeURL(s, cb, wego.ScopeBase, "s", "response_type", "token"), 0, "response_type"},
		"long state":       {authorizeURL(s, cb, wego.ScopeBase, strings.Repeat("a", 129)), 0, "state"},
		"state not alnum":  {authorizeURL(s, cb, wego.ScopeBase, "a-b_c"), 0, "state"},
	}
	hc := noRedirects(s)
	for name, tt := range tests {
		p := fetch(t, hc, tt.u)
		assert.Equal(t, http.StatusBadRequest, p.status, name)
		assert.Nil(t, p.location, "%s: no redirect", name)
		assert.Equal(t, "text/html; charset=utf-8", p.ctype, name)
		assert.True(t, strings.HasPrefix(p.body, "<!doctype html>"), name)
		if tt.code != 0 {
			assert.Contains(t, p.body, fmt.Sprintf(`<span id="errcode">%d</span>`, tt.code), name)
			assert.Contains(t, p.body, errmsgs[tt.code], name)
		} else {
			assert.NotContains(t, p.body, "errcode", name)
		}
		assert.Contains(t, p.body, tt.contains, name)
	}
	assert.Equal(t, len(tests), s.Requests(PathAuthorize))
	loc := authorize(t, s, cb, wego.ScopeBase, strings.Repeat("a", 128))
	assert.Equal(t, strings.Repeat("a", 128), loc.Query().Get("state"), "128 bytes are fine")
}

func TestSetOAuthDomain(t *testing.T) {
	t.Parallel()
	s := New(t)
	require.NoError(t, s.AddUser(User{OpenID: "oAlice"}))
	require.NoError(t, s.AuthorizeAs("oAlice"))
	for _, bad := range []string{"", "https://m.example.com", "m.example.com/cb", "m.example.com?x", "u@m.example.com", ":80"} {
		assert.Error(t, s.SetOAuthDomain(bad), bad)
	}
	hc := noRedirects(s)
	assert.Equal(t, http.StatusFound, fetch(t, hc, authorizeURL(s, s.AppURL+"/cb", wego.ScopeBase, "s")).status, "still the default")

	require.NoError(t, s.SetOAuthDomain("M.Example.com"))
	loc := authorize(t, s, "https://m.example.com/wechat/oauth", wego.ScopeBase, "s")
	assert.Equal(t, "m.example.com", loc.Host)
	assert.Equal(t, http.StatusFound, fetch(t, hc, authorizeURL(s, "http://m.EXAMPLE.com/", wego.ScopeBase, "s")).status, "hosts compare without case")
	p := fetch(t, hc, authorizeURL(s, s.AppURL+"/cb", wego.ScopeBase, "s"))
	assert.Equal(t, http.StatusBadRequest, p.status, "AppURL is no longer the domain")
	assert.Contains(t, p.body, ">10003<")
}

// With no user chosen, a person picks one on a page; its links go
// through the fake, which redirects as WeChat would.
func TestChooserPage(t *testing.T) {
	t.Parallel()
	s := New(t)
	require.NoError(t, s.AddUser(User{OpenID: "oEvil", Nickname: `<script>alert("x")</script>`}))
	require.NoError(t, s.AddUser(User{OpenID: "oWang", Nickname: "老王"}))
	ids := s.AddFollowers(60)
	hc := noRedirects(s)

	p := fetch(t, hc, authorizeURL(s, s.AppURL+"/cb?from=menu", wego.ScopeUserInfo, "st8"))
	require.Equal(t, http.StatusOK, p.status)
	assert.Equal(t, "text/html; charset=utf-8", p.ctype)
	assert.True(t, strings.HasPrefix(p.body, "<!doctype html>\n<html"), p.body)
	assert.Contains(t, p.body, `<meta charset="utf-8">`)
	assert.Regexp(t, `<title>[^<]+</title>`, p.body)
	assert.NotContains(t, p.body, "<script>", "a nickname is shown, never run")
	assert.Contains(t, p.body, "Log in as &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;")
	assert.Contains(t, p.body, "Log in as 老王")
	assert.Contains(t, p.body, "Log in as User "+ids[0][len(ids[0])-6:], "the default nickname")
	assert.NotContains(t, p.body, ids[len(ids)-1], "the page lists the first users only")
	assert.Contains(t, p.body, "12 more users")

	links := map[string]string{} // link text → href
	for _, m := range regexp.MustCompile(`<a href="([^"]+)">([^<]+)</a>`).FindAllStringSubmatch(p.body, -1) {
		links[html.UnescapeString(m[2])] = html.UnescapeString(m[1])
	}
	require.Contains(t, links, "Log in as 老王")
	require.Contains(t, links, "Refuse")
	assert.Len(t, links, 51, "50 users and the refusal")

	pick := fetch(t, hc, s.URL+links["Log in as 老王"])
	require.Equal(t, http.StatusFound, pick.status, pick.body)
	assert.Equal(t, "menu", pick.location.Query().Get("from"))
	assert.Equal(t, "st8", pick.location.Query().Get("state"))
	a := exchange(t, s, pick.location.Query().Get("code"))
	assert.Equal(t, "oWang", a.OpenID)
	assert.Equal(t, "snsapi_userinfo", a.Scope)
	assert.Equal(t, "老王", userInfo(t, s, a.AccessToken, "oWang").Nickname)

	refuse := fetch(t, hc, s.URL+links["Refuse"])
	require.Equal(t, http.StatusFound, refuse.status)
	assert.Equal(t, url.Values{"from": {"menu"}, "state": {"st8"}}, refuse.location.Query())

	// A link is checked again: the openid must be a user's, the request
	// must still be good.
	forged := strings.Replace(links["Log in as 老王"], "openid=oWang", "openid=oNobody", 1)
	require.NotEqual(t, links["Log in as 老王"], forged)
	assert.Equal(t, http.StatusBadRequest, fetch(t, hc, s.URL+forged).status)
	elsewhere := strings.Replace(links["Refuse"], "redirect_uri=", "redirect_uri=http%3A%2F%2Fevil.example%2F&x=", 1)
	assert.Nil(t, fetch(t, hc, s.URL+elsewhere).location)
	assert.Equal(t, 4, s.Requests(PathAuthorizeConfirm))

	base := fetch(t, hc, authorizeURL(s, s.AppURL+"/cb", wego.ScopeBase, "s"))
	assert.NotContains(t, base.body, "Refuse", "snsapi_base asks no consent")

	empty := New(t)
	p = fetch(t, noRedirects(empty), authorizeURL(empty, empty.AppURL+"/cb", wego.ScopeBase, "s"))
	assert.Equal(t, http.StatusOK, p.status)
	assert.Contains(t, p.body, "AddUser", "an account without users says how to add one")

	require.NoError(t, s.AuthorizeAs("oWang"))
	require.NoError(t, s.AuthorizeAs(""))
	assert.Equal(t, http.StatusOK, fetch(t, hc, authorizeURL(s, s.AppURL+"/cb", wego.ScopeBase, "s")).status, `AuthorizeAs("") brings the page back`)
}

func TestAuthorizeFaults(t *testing.T) {
	t.Parallel()
	s := New(t)
	require.NoError(t, s.AddUser(User{OpenID: "oAlice"}))
	require.NoError(t, s.AuthorizeAs("oAlice"))
	hc := noRedirects(s)

	s.FailNext(PathAuthorize, 10005)
	p := fetch(t, hc, authorizeURL(s, s.AppURL+"/cb", wego.ScopeBase, "s"))
	assert.Equal(t, http.StatusBadRequest, p.status)
	assert.Nil(t, p.location)
	assert.Equal(t, "text/html; charset=utf-8", p.ctype, "a fault on the page is its HTML error page")
	assert.Contains(t, p.body, "Scope 参数错误或没有 Scope 权限")
	code := authorize(t, s, s.AppURL+"/cb", wego.ScopeBase, "s").Query().Get("code")

	s.FailNext(PathOAuthToken, -1)
	assert.Equal(t, -1, exchange(t, s, code).ErrCode)
	assert.Zero(t, exchange(t, s, code).ErrCode, "the fault came first: the code was not used")
	assert.Equal(t, 2, s.Requests(PathAuthorize))
	assert.Equal(t, 2, s.Requests(PathOAuthToken))

	assert.Error(t, s.Handle(PathSNSUserInfo, http.NotFoundHandler()), "the fake serves it")
}

// An app built on wego, wired by Settings, logs a user in through the
// fake with a browser-like client that follows redirects. The sns
// endpoints take no global token, so the app calls them with net/http on
// Settings' BaseURL and HTTPClient.
func TestOAuthThroughSettings(t *testing.T) {
	t.Parallel()
	s := New(t)
	require.NoError(t, s.AddUser(User{OpenID: "oAlice", Nickname: "Alice"}))
	require.NoError(t, s.AuthorizeAs("oAlice"))
	st := s.Settings()
	_, err := wego.NewClient(st)
	require.NoError(t, err, "the settings hold")

	getJSON := func(ctx context.Context, path string, q url.Values, out any) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, st.BaseURL+path+"?"+q.Encode(), nil)
		if err != nil {
			return err
		}
		resp, err := st.HTTPClient.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		return json.NewDecoder(resp.Body).Decode(out)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/me", func(w http.ResponseWriter, r *http.Request) {
		code := r.URL.Query().Get("code")
		if code == "" {
			q := url.Values{"appid": {st.AppID}, "redirect_uri": {st.RegisterURL + "/me"}, "response_type": {"code"},
				"scope": {string(wego.ScopeUserInfo)}, "state": {"abc"}}
			http.Redirect(w, r, st.OAuthBaseURL+PathAuthorize+"?"+q.Encode()+"#wechat_redirect", http.StatusFound)
			return
		}
		var tok snsAnswer
		if err := getJSON(r.Context(), PathOAuthToken, url.Values{"appid": {st.AppID}, "secret": {st.AppSecret},
			"code": {code}, "grant_type": {"authorization_code"}}, &tok); err != nil || tok.ErrCode != 0 {
			http.Error(w, fmt.Sprint("exchange: ", err, tok.ErrCode), http.StatusBadGateway)
			return
		}
		var me snsAnswer
		if err := getJSON(r.Context(), PathSNSUserInfo, url.Values{"access_token": {tok.AccessToken}, "openid": {tok.OpenID}, "lang": {"zh_CN"}}, &me); err != nil || me.ErrCode != 0 {
			http.Error(w, fmt.Sprint("userinfo: ", err, me.ErrCode), http.StatusBadGateway)
			return
		}
		fmt.Fprintf(w, "hello %s, state %s", me.Nickname, r.URL.Query().Get("state"))
	})
	s.SetApp(mux)

	resp, err := s.ts.Client().Get(s.AppURL + "/me")
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "hello Alice, state abc", string(b))
	assert.Equal(t, 1, s.Requests(PathAuthorize))
	assert.Equal(t, 1, s.Requests(PathOAuthToken))
	assert.Equal(t, 1, s.Requests(PathSNSUserInfo))
	assert.Zero(t, s.TokenRequests(), "no global access token was needed")
}

// Many logins at once, while the choices change, each get a code and a
// token of their own.
func TestConcurrentLogins(t *testing.T) {
	t.Parallel()
	s := New(t)
	ids := s.AddFollowers(2)
	require.NoError(t, s.AuthorizeAs(ids[0]))
	hc := noRedirects(s)
	// login runs in a goroutine: it reports with errors, not require.
	login := func(i int) (string, error) {
		if i%5 == 0 {
			if err := s.AuthorizeAs(ids[i%2]); err != nil {
				return "", err
			}
			s.RefuseNextAuthorize() // for a snsapi_userinfo login that never comes
		}
		resp, err := hc.Get(authorizeURL(s, s.AppURL+"/cb", wego.ScopeBase, "s"))
		if err != nil {
			return "", err
		}
		resp.Body.Close()
		loc, err := url.Parse(resp.Header.Get("Location"))
		if err != nil {
			return "", err
		}
		q := url.Values{"appid": {s.AppID}, "secret": {s.AppSecret}, "code": {loc.Query().Get("code")}, "grant_type": {"authorization_code"}}
		resp, err = hc.Get(s.URL + PathOAuthToken + "?" + q.Encode())
		if err != nil {
			return "", err
		}
		defer resp.Body.Close()
		var a snsAnswer
		if err := json.NewDecoder(resp.Body).Decode(&a); err != nil {
			return "", err
		}
		if a.ErrCode != 0 || a.AccessToken == "" {
			return "", fmt.Errorf("exchange: %d %s", a.ErrCode, a.ErrMsg)
		}
		return a.AccessToken, nil
	}
	const n = 20
	tokens := make([]string, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tokens[i], errs[i] = login(i)
		}()
	}
	wg.Wait()
	seen := map[string]bool{}
	for i := range n {
		require.NoError(t, errs[i], "login %d", i)
		seen[tokens[i]] = true
	}
	assert.Len(t, seen, n)
}
