package wego

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Paths of web authorization (网页授权). The authorize page is on
// open.weixin.qq.com ([Settings].OAuthBaseURL), the others on the API host.
//
// WeChat docs: https://developers.weixin.qq.com/doc/offiaccount/OA_Web_Apps/Wechat_webpage_authorization.html
const (
	pathAuthorize    = "/connect/oauth2/authorize"
	pathOAuthToken   = "/sns/oauth2/access_token"
	pathOAuthRefresh = "/sns/oauth2/refresh_token"
	pathSNSUserInfo  = "/sns/userinfo"
	pathSNSAuth      = "/sns/auth"
)

// Scope is the scope of a web authorization (网页授权作用域).
type Scope string

// The scopes of web authorization.
const (
	// ScopeBase (snsapi_base) redirects at once without asking the user and
	// gives the openid only.
	ScopeBase Scope = "snsapi_base"
	// ScopeUserInfo (snsapi_userinfo) asks the user's consent, unless the
	// user follows the account and came from its chats or menu, and gives
	// the nickname and avatar too ([Client.GetUserInfo]).
	ScopeUserInfo Scope = "snsapi_userinfo"
)

func (s Scope) valid() bool { return s == ScopeBase || s == ScopeUserInfo }

// UserToken is what WeChat answers for the code of a web authorization:
// the user's own access token (not the account's global one), good for
// [Client.GetUserInfo] until ExpiresAt, and the refresh token that renews
// it for 30 days. It holds secrets: keep it on the server (the session of
// [Client.LoginRequired] does), never in a cookie or a page. Printed with
// %v or logged with slog, it shows the openid, scope and expiry only.
type UserToken struct {
	AccessToken  string
	RefreshToken string
	// ExpiresAt is when the SDK stops using AccessToken: WeChat's expires_in
	// less a margin (180 s, as Python wego).
	ExpiresAt time.Time
	Scope     Scope
	OpenID    string
	UnionID   string // set when the account is bound to an Open Platform account
	// Snapshot is set when WeChat answered is_snapshotuser 1: the visit came
	// from a page opened in a Moments snapshot (朋友圈快照页), OpenID is a
	// virtual openid standing for no real user, and the token gives nothing
	// else. [Client.LoginRequired] never logs such a visit in.
	Snapshot bool
}

// Expired reports whether the access token is past ExpiresAt at now.
func (t *UserToken) Expired(now time.Time) bool { return !now.Before(t.ExpiresAt) }

// String shows the token without its secrets (fmt's %v, %+v and %s).
func (t UserToken) String() string {
	return "UserToken{OpenID:" + t.OpenID + " Scope:" + string(t.Scope) + " ExpiresAt:" + t.ExpiresAt.Format(time.RFC3339) + "}"
}

// GoString is String, for fmt's %#v.
func (t UserToken) GoString() string { return t.String() }

// LogValue logs the token without its secrets.
func (t UserToken) LogValue() slog.Value {
	return slog.GroupValue(slog.String("openid", t.OpenID), slog.String("scope", string(t.Scope)),
		slog.Time("expires_at", t.ExpiresAt), slog.Bool("snapshot", t.Snapshot))
}

// Limits of the OAuth settings.
const (
	maxRedirectState = 64                  // RedirectState: the random part takes 22 of WeChat's 128
	maxSessionAge    = 30 * 24 * time.Hour // WeChat's refresh token lives 30 days
)

// validateOAuth checks the OAuth and session settings.
func (s *Settings) validateOAuth(add func(field, reason string)) {
	if s.RegisterURL != "" {
		u, err := url.Parse(s.RegisterURL)
		switch {
		case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
			add("RegisterURL", "must be an absolute http(s) URL")
		case (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" || u.User != nil:
			add("RegisterURL", "must be scheme and host only (the OAuth domain), without path, query or user")
		}
	}
	if s.OAuthScope != "" && !s.OAuthScope.valid() {
		add("OAuthScope", "must be snsapi_base or snsapi_userinfo")
	}
	if p := s.RedirectPath; p != "" {
		switch {
		case p[0] != '/' || strings.HasPrefix(p, "//") || strings.ContainsAny(p, "#\\"):
			add("RedirectPath", "must be a path on RegisterURL, starting with one /")
		case s.RegisterURL == "":
			add("RegisterURL", "required when RedirectPath is set")
		}
	}
	if st := s.RedirectState; st != "" {
		if len(st) > maxRedirectState || !isAlnum(st) {
			add("RedirectState", "must be at most 64 letters and digits")
		}
	}
	if s.SessionCookie != "" && !validCookieName(s.SessionCookie) {
		add("SessionCookie", "not a valid cookie name")
	}
	if s.SessionMaxAge < 0 || s.SessionMaxAge > maxSessionAge {
		add("SessionMaxAge", "must be between 0 (7 days) and 30 days, the life of WeChat's refresh token")
	}
}

func isAlnum(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

// validCookieName reports whether name is an RFC 6265 token.
func validCookieName(name string) bool {
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte("()<>@,;:\\\"/[]?={}", c) >= 0 {
			return false
		}
	}
	return name != ""
}

// AuthorizeURL returns the authorize page that sends the user back to
// redirectURI with a code and state: scope and state as given, parameters
// in the order WeChat's page wants them, ending in #wechat_redirect. It
// checks nothing; [Client.GetCodeURL] fills in the default scope.
func (w *WeChatAPI) AuthorizeURL(redirectURI string, scope Scope, state string) string {
	base := w.c.s.OAuthBaseURL
	if base == "" {
		base = DefaultOAuthBaseURL
	}
	var b strings.Builder
	b.Grow(len(base) + len(pathAuthorize) + len(redirectURI)*3/2 + len(state) + 120)
	b.WriteString(strings.TrimRight(base, "/"))
	b.WriteString(pathAuthorize)
	b.WriteString("?appid=")
	b.WriteString(url.QueryEscape(w.c.s.AppID))
	b.WriteString("&redirect_uri=")
	b.WriteString(url.QueryEscape(redirectURI))
	b.WriteString("&response_type=code&scope=")
	b.WriteString(url.QueryEscape(string(scope)))
	b.WriteString("&state=")
	b.WriteString(url.QueryEscape(state))
	b.WriteString("#wechat_redirect")
	return b.String()
}

// OAuthAccessToken exchanges the code of a web authorization for the
// user's token (GET /sns/oauth2/access_token, Python wego's
// get_access_token). A code works once: the call is never retried.
func (w *WeChatAPI) OAuthAccessToken(ctx context.Context, code string) (json.RawMessage, error) {
	return rawAnswer(func(out any) error { return w.oauthAccessToken(ctx, code, out) })
}

func (w *WeChatAPI) oauthAccessToken(ctx context.Context, code string, out any) error {
	q := url.Values{"appid": {w.c.s.AppID}, "secret": {w.c.s.AppSecret}, "code": {code}, "grant_type": {"authorization_code"}}
	return w.c.doJSON(ctx, request{method: http.MethodGet, path: pathOAuthToken, query: q, once: true}, out)
}

// OAuthRefreshToken renews a user access token with its refresh token
// (GET /sns/oauth2/refresh_token, Python wego's refresh_access_token).
func (w *WeChatAPI) OAuthRefreshToken(ctx context.Context, refreshToken string) (json.RawMessage, error) {
	return rawAnswer(func(out any) error { return w.oauthRefreshToken(ctx, refreshToken, out) })
}

func (w *WeChatAPI) oauthRefreshToken(ctx context.Context, refreshToken string, out any) error {
	q := url.Values{"appid": {w.c.s.AppID}, "grant_type": {"refresh_token"}, "refresh_token": {refreshToken}}
	return w.c.doJSON(ctx, request{method: http.MethodGet, path: pathOAuthRefresh, query: q}, out)
}

// SNSUserInfo asks what the user who authorized tells of themselves (GET
// /sns/userinfo, Python wego's get_userinfo_by_token), with the user's
// access token of scope snsapi_userinfo; lang may be empty (zh_CN).
func (w *WeChatAPI) SNSUserInfo(ctx context.Context, userAccessToken, openid string, lang Lang) (json.RawMessage, error) {
	return rawAnswer(func(out any) error { return w.snsUserInfo(ctx, userAccessToken, openid, lang, out) })
}

func (w *WeChatAPI) snsUserInfo(ctx context.Context, userAccessToken, openid string, lang Lang, out any) error {
	q := url.Values{"access_token": {userAccessToken}, "openid": {openid}}
	if lang != "" {
		q.Set("lang", string(lang))
	}
	return w.c.doJSON(ctx, request{method: http.MethodGet, path: pathSNSUserInfo, query: q}, out)
}

// SNSAuth asks whether a user access token is valid for openid (GET
// /sns/auth, Python wego's is_access_token_has_expired): nil when it is,
// the [*APIError] WeChat answered when not.
func (w *WeChatAPI) SNSAuth(ctx context.Context, userAccessToken, openid string) (json.RawMessage, error) {
	return rawAnswer(func(out any) error {
		q := url.Values{"access_token": {userAccessToken}, "openid": {openid}}
		return w.c.doJSON(ctx, request{method: http.MethodGet, path: pathSNSAuth, query: q}, out)
	})
}

// GetCodeURL returns the authorize page for a user to go to (Python wego's
// get_code_url): WeChat sends the user back to redirectURL with a code for
// [Client.GetOpenID] and state. scope "" means [Settings].OAuthScope (by
// default [ScopeUserInfo]). redirectURL must be on the OAuth domain set in
// WeChat's console, and state at most 128 letters and digits; make state
// random and check it on return, or use [Client.LoginRequired], which does.
func (c *Client) GetCodeURL(redirectURL, state string, scope Scope) string {
	if scope == "" {
		scope = c.oauthScope()
	}
	return c.WeChat.AuthorizeURL(redirectURL, scope, state)
}

func (c *Client) oauthScope() Scope {
	if c.s.OAuthScope != "" {
		return c.s.OAuthScope
	}
	return ScopeUserInfo
}

// oauthTokenJSON is WeChat's answer to the code exchange and the refresh.
type oauthTokenJSON struct {
	AccessToken    string  `json:"access_token"`
	ExpiresIn      float64 `json:"expires_in"`
	RefreshToken   string  `json:"refresh_token"`
	OpenID         string  `json:"openid"`
	Scope          string  `json:"scope"`
	UnionID        string  `json:"unionid"`
	IsSnapshotUser int     `json:"is_snapshotuser"`
}

// userToken checks the answer of endpoint, which started at start.
func (j *oauthTokenJSON) userToken(endpoint string, start time.Time) (*UserToken, error) {
	if j.AccessToken == "" || j.OpenID == "" || !(j.ExpiresIn >= 1) {
		return nil, &HTTPError{Endpoint: endpoint, StatusCode: http.StatusOK, Reason: "answer without access_token, openid or expires_in"}
	}
	ttl := maxTokenLifetime
	if j.ExpiresIn < maxTokenLifetime.Seconds() {
		ttl = time.Duration(j.ExpiresIn * float64(time.Second))
	}
	return &UserToken{
		AccessToken: j.AccessToken, RefreshToken: j.RefreshToken,
		ExpiresAt: start.Add(ttl - refreshMargin(ttl)),
		Scope:     Scope(j.Scope), OpenID: j.OpenID, UnionID: j.UnionID,
		Snapshot: j.IsSnapshotUser == 1,
	}, nil
}

// GetOpenID exchanges the code WeChat brought back from the authorize page
// for the user's token (Python wego's get_openid): openid, unionid, the
// user access token and its refresh token, scope. A code works once and
// for five minutes: a second exchange gets errcode 40163
// ([CodeCodeUsed]), an old or unknown code 40029 ([CodeInvalidCode]).
// A token with Snapshot set comes from a Moments snapshot page: its
// OpenID is virtual, standing for no user.
func (c *Client) GetOpenID(ctx context.Context, code string) (*UserToken, error) {
	if code == "" {
		return nil, missing("code")
	}
	start := time.Now()
	var j oauthTokenJSON
	if err := c.WeChat.oauthAccessToken(ctx, code, &j); err != nil {
		return nil, err
	}
	return j.userToken(pathOAuthToken, start)
}

// RefreshUserToken renews a user token with its refresh token, which
// lives 30 days; after that WeChat answers 42002
// ([CodeRefreshTokenExpired]) or 40030 ([CodeInvalidRefreshToken]) and
// the user must authorize again.
func (c *Client) RefreshUserToken(ctx context.Context, refreshToken string) (*UserToken, error) {
	if refreshToken == "" {
		return nil, missing("refresh token")
	}
	start := time.Now()
	var j oauthTokenJSON
	if err := c.WeChat.oauthRefreshToken(ctx, refreshToken, &j); err != nil {
		return nil, err
	}
	t, err := j.userToken(pathOAuthRefresh, start)
	if err != nil {
		return nil, err
	}
	if t.RefreshToken == "" {
		t.RefreshToken = refreshToken
	}
	return t, nil
}

// snsUserJSON is WeChat's answer from sns/userinfo.
type snsUserJSON struct {
	OpenID  string `json:"openid"`
	UnionID string `json:"unionid"`
	UserProfile
}

// GetUserInfo returns the user who authorized with tok, with their
// [UserProfile] from sns/userinfo (Python wego's get_userinfo). A token
// past its ExpiresAt, or one WeChat answers is expired, is first renewed
// with its refresh token, and tok is updated in place, so keep it. A
// token of scope snsapi_base gets errcode 48001 ([CodeAPIUnauthorized])
// unless the user once authorized snsapi_userinfo.
func (c *Client) GetUserInfo(ctx context.Context, tok *UserToken) (*WeChatUser, error) {
	if tok == nil || tok.AccessToken == "" {
		return nil, missing("user token")
	}
	if tok.OpenID == "" {
		return nil, missing("user token's openid")
	}
	if tok.Expired(time.Now()) {
		if err := c.renewUserToken(ctx, tok); err != nil {
			return nil, err
		}
	}
	var j snsUserJSON
	err := c.WeChat.snsUserInfo(ctx, tok.AccessToken, tok.OpenID, "", &j)
	var ae *APIError
	if errors.As(err, &ae) && (ae.Code == CodeAccessTokenExpired || ae.Code == CodeInvalidCredential) && tok.RefreshToken != "" {
		// Expired early, or revoked: renew once and ask again.
		if err := c.renewUserToken(ctx, tok); err != nil {
			return nil, err
		}
		j = snsUserJSON{}
		err = c.WeChat.snsUserInfo(ctx, tok.AccessToken, tok.OpenID, "", &j)
	}
	if err != nil {
		return nil, err
	}
	if j.OpenID == "" {
		j.OpenID = tok.OpenID
	}
	if j.UnionID == "" {
		j.UnionID = tok.UnionID
	}
	profile := j.UserProfile
	return &WeChatUser{OpenID: j.OpenID, UnionID: j.UnionID, Profile: &profile, c: c}, nil
}

// renewUserToken replaces *tok with its renewal.
func (c *Client) renewUserToken(ctx context.Context, tok *UserToken) error {
	if tok.RefreshToken == "" {
		return missing("user token's refresh token")
	}
	nt, err := c.RefreshUserToken(ctx, tok.RefreshToken)
	if err != nil {
		return err
	}
	if nt.UnionID == "" {
		nt.UnionID = tok.UnionID
	}
	if nt.Scope == "" {
		nt.Scope = tok.Scope
	}
	*tok = *nt
	return nil
}

// VerificationToken reports whether userAccessToken is still valid for
// openid (Python wego's verification_token, WeChat's sns/auth). WeChat's
// refusals of the token or openid (40001, 40003, 40014, 42001) give false
// and no error; other failures give the error.
func (c *Client) VerificationToken(ctx context.Context, openid, userAccessToken string) (bool, error) {
	if openid == "" {
		return false, missing("openid")
	}
	if userAccessToken == "" {
		return false, missing("user access token")
	}
	_, err := c.WeChat.SNSAuth(ctx, userAccessToken, openid)
	var ae *APIError
	if errors.As(err, &ae) {
		switch ae.Code {
		case CodeInvalidCredential, CodeInvalidAccessToken, CodeAccessTokenExpired, CodeInvalidOpenID:
			return false, nil
		}
	}
	return err == nil, err
}
