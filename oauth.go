package wego

import (
	"log/slog"
	"net/url"
	"strings"
	"time"
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

// String shows the token without its secrets.
func (t *UserToken) String() string {
	if t == nil {
		return "<nil>"
	}
	return "UserToken{OpenID:" + t.OpenID + " Scope:" + string(t.Scope) + " ExpiresAt:" + t.ExpiresAt.Format(time.RFC3339) + "}"
}

// LogValue logs the token without its secrets.
func (t *UserToken) LogValue() slog.Value {
	if t == nil {
		return slog.StringValue("<nil>")
	}
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
