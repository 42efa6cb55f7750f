package wego

import (
	"context"
	"crypto/tls"
	"log/slog"
	"net/http"
	"net/url"
	"time"
)

// TokenEndpoint selects how the SDK asks WeChat for the global access token.
type TokenEndpoint int

const (
	// TokenEndpointStable uses POST /cgi-bin/stable_token in normal mode
	// (the default). Every caller gets the same valid token and a new one is
	// issued only in the last five minutes of the old one's life, so many
	// servers fetching at once never invalidate each other's token.
	TokenEndpointStable TokenEndpoint = iota
	// TokenEndpointClassic uses GET /cgi-bin/token. Each call issues a new
	// token (the previous one stays valid for five minutes) and counts against
	// a daily quota of 2000.
	TokenEndpointClassic
)

// String names the endpoint as its path does.
func (e TokenEndpoint) String() string {
	switch e {
	case TokenEndpointStable:
		return "stable_token"
	case TokenEndpointClassic:
		return "token"
	}
	return "TokenEndpoint(invalid)"
}

// SignType is a WeChat Pay v2 signature algorithm.
type SignType string

// The signature algorithms of WeChat Pay v2.
const (
	SignTypeMD5        SignType = "MD5"
	SignTypeHMACSHA256 SignType = "HMAC-SHA256"
)

// Settings configure a [Client]. Only AppID and AppSecret are required; each
// optional group enables an area of the SDK (MchID and MchSecret for pay,
// PushToken for push, and so on). [NewClient] checks them all and reports
// every problem at once in an [*InitError].
type Settings struct {
	// AppID and AppSecret identify the Official Account (基本配置). Required.
	AppID     string
	AppSecret string

	// MchID and MchSecret are the WeChat Pay merchant id (商户号) and API key
	// (API 密钥). Set both or neither.
	MchID     string
	MchSecret string
	// CertPEMPath and KeyPEMPath are the merchant's client certificate and key
	// (apiclient_cert.pem, apiclient_key.pem), needed for refunds. Set both or
	// neither; NewClient loads them.
	CertPEMPath string
	KeyPEMPath  string
	// PayNotifyURL is the default notify_url of pay orders. Absolute http(s) URL.
	PayNotifyURL string
	// PaySignType is how the merchant signs pay requests; it also verifies
	// notifications that do not name their sign_type. Default [SignTypeMD5].
	PaySignType SignType

	// PushToken is the Token of the server configuration (服务器配置).
	// PushEncodingAESKey, the 43-character EncodingAESKey, enables safe mode
	// (安全模式) and needs PushToken.
	PushToken          string
	PushEncodingAESKey string
	// PushPreviousEncodingAESKey is the EncodingAESKey before the last
	// change: while WeChat switches over, a message that does not decrypt
	// with the current key is tried with this one, and its reply is
	// encrypted with the key that worked.
	PushPreviousEncodingAESKey string
	// PushAllowPlain accepts plain-mode pushes (明文模式) although
	// PushEncodingAESKey is set. Leave it off: a plain push's signature
	// covers the token, timestamp and nonce but not the body, so anyone
	// who saw one push URL (WeChat puts the signature in it; proxies log
	// it) could post any message with it. Set it only while switching an
	// account from plain to safe mode, when WeChat may still send plain
	// pushes; without it such a push is answered 403 ([ErrPushNotEncrypted]).
	PushAllowPlain bool
	// PushMaxAge rejects pushes whose timestamp is further than this from
	// the server's clock, so a captured push cannot be replayed later; a
	// replay within it is found in DedupStore, which keeps each push as long.
	// 0 means 5 minutes; a negative value turns the check off (pushes are
	// then remembered 5 minutes).
	PushMaxAge time.Duration
	// PushDeadline bounds the time [Client.PushHandler] takes to answer a
	// push, from its arrival: reading it, de-duplicating it and the
	// application's function; past it the handler answers "success"
	// without the function's reply (WeChat waits 5 s). 0 means 4.5 s.
	PushDeadline time.Duration
	// DedupStore remembers handled pushes and pay notifications so that
	// WeChat's repeats reach the application once. nil means memory stores
	// of this process (one for pushes, one for notifications); give every
	// server of a deployment one shared store (redisstore) to de-duplicate
	// across them.
	DedupStore DedupStore

	// AccessTokenSource, when set, replaces the SDK's own token fetch and cache
	// entirely (Python wego's GET_GLOBAL_ACCESS_TOKEN): the SDK calls it whenever
	// it needs the global access token, so it must be cheap (it caches) and
	// must return a fresh token after WeChat rejected the previous one; set
	// AccessTokenRejected to learn of those rejections.
	AccessTokenSource func(ctx context.Context) (string, error)
	// AccessTokenRejected, when set, is told that WeChat answered errcode
	// (40001, 40014 or 42001) to token, a token AccessTokenSource returned,
	// before the SDK asks the source again: the source should drop that
	// token if it still holds it, and get another. It is called with the
	// context of the call WeChat rejected, at most once per window of the
	// bound on refreshes (5 s, doubling up to 5 min while rejections go on;
	// see [Client.AccessToken]); inside it, a rejected call returns the
	// [*APIError] at once unless the source already gives another token.
	// Calls rejected with the same token wait for it to return, so it should
	// not block long. Requires AccessTokenSource.
	AccessTokenRejected func(ctx context.Context, token string, errcode int)
	// TokenStore is where the SDK caches the global access token it fetched
	// and the JS-SDK's jsapi_ticket; the default keeps them in memory. A
	// shared store (see the redisstore module) lets many servers use one
	// token and one ticket.
	TokenStore TokenStore
	// TokenEndpoint selects the WeChat endpoint that issues the token;
	// the zero value is [TokenEndpointStable].
	TokenEndpoint TokenEndpoint

	// RegisterURL is the base of the pages behind [Client.LoginRequired]
	// (Python wego's REGISTER_URL): scheme and host, as the OAuth domain
	// (网页授权域名) set under 接口权限 › 网页授权获取用户基本信息, e.g.
	// "https://m.example.com". The middleware builds every redirect_uri on
	// it, never on the request's Host header, and marks its session cookie
	// Secure when it is https. Required by LoginRequired.
	RegisterURL string
	// OAuthBaseURL overrides https://open.weixin.qq.com, the host of the
	// authorize page, e.g. to point at a wegotest server.
	OAuthBaseURL string
	// OAuthScope is the scope [Client.LoginRequired] asks for: the default
	// [ScopeUserInfo] asks the user's consent and gives the nickname and
	// avatar; [ScopeBase] is silent and gives the openid only.
	OAuthScope Scope
	// RedirectPath, when set, is the one path WeChat sends every user back
	// to after authorizing (Python wego's REDIRECT_PATH), on RegisterURL,
	// e.g. "/wechat/oauth"; serve it with a handler wrapped in
	// LoginRequired. Empty means the page the user asked for.
	RedirectPath string
	// RedirectState starts the state of every authorize request (Python
	// wego's REDIRECT_STATE): at most 64 letters and digits. The SDK
	// appends a random part bound to the visitor's session, as a fixed
	// state would let anyone log a victim in to the attacker's account
	// (login CSRF).
	RedirectState string
	// UserInfoExpire is how long LoginRequired keeps a user's OAuth profile
	// (nickname, avatar) in the session before asking WeChat again (Python
	// wego's USERINFO_EXPIRE). 0 means an hour; a negative value asks on
	// every request, as Python wego's 0 does.
	UserInfoExpire time.Duration
	// SessionStore keeps the sessions of LoginRequired; nil means a memory
	// store of this process ([NewMemorySessionStore]). Give every server of a
	// deployment one shared store (redisstore) so a user logged in on one
	// is logged in on all.
	SessionStore SessionStore
	// SessionCookie names the cookie holding the session id; default
	// "wego_session".
	SessionCookie string
	// SessionMaxAge is how long a login lasts; 0 means 7 days. WeChat's
	// refresh token lives 30 days, so a longer session would have to log in
	// again anyway: more than 30 days is refused.
	SessionMaxAge time.Duration

	// Debug makes pay orders cost 1 fen whatever the amount and logs a warning
	// for each; never enable it in production.
	Debug bool

	// HTTPClient sends every request; nil means a client with a 30 s timeout.
	// It is used as given.
	HTTPClient *http.Client
	// BaseURL and PayBaseURL override https://api.weixin.qq.com and
	// https://api.mch.weixin.qq.com, e.g. to point at a wegotest server.
	BaseURL    string
	PayBaseURL string
	// PaySecureBaseURL overrides the host of the pay endpoints that need the
	// client certificate (refund); empty means PayBaseURL. wegotest serves
	// them on a listener that demands the certificate in the TLS handshake.
	PaySecureBaseURL string
	// QRCodeImageBaseURL overrides https://mp.weixin.qq.com, the host that
	// serves QR code images ([Client.ShowQRCodeURL], [Client.QRCodeImage]),
	// e.g. to point at a wegotest server.
	QRCodeImageBaseURL string
	// Logger receives the SDK's logs (requests at Debug, retries and token
	// refreshes at Info, problems at Warn). With nil, the SDK's own logs are
	// discarded, but failures of the application's code (a push or pay
	// notification function that fails, panics or overruns, a reply WeChat
	// would refuse, a handler built without the settings it needs) still go
	// to slog.Default() at Warn or Error, as net/http logs a handler's
	// panic. Secrets are redacted before anything is logged.
	Logger *slog.Logger
}

// Default WeChat hosts.
const (
	DefaultBaseURL      = "https://api.weixin.qq.com"
	DefaultPayBaseURL   = "https://api.mch.weixin.qq.com"
	DefaultOAuthBaseURL = "https://open.weixin.qq.com"
	// DefaultQRCodeImageBaseURL serves QR code images (showqrcode).
	DefaultQRCodeImageBaseURL = "https://mp.weixin.qq.com"
)

// checked holds what validate derived from Settings.
type checked struct {
	cert *tls.Certificate // loaded client certificate, nil without one
}

// validate returns every problem of s at once.
func (s *Settings) validate() (checked, *InitError) {
	var out checked
	var ie InitError
	add := func(field, reason string) {
		ie.Problems = append(ie.Problems, SettingProblem{Field: field, Reason: reason})
	}

	if s.AppID == "" {
		add("AppID", "required")
	}
	if s.AppSecret == "" {
		add("AppSecret", "required")
	}
	checkURL := func(field, v string) {
		if v != "" && !isAbsoluteHTTPURL(v) {
			add(field, "must be an absolute http(s) URL")
		}
	}
	checkURL("PayNotifyURL", s.PayNotifyURL)
	checkURL("BaseURL", s.BaseURL)
	checkURL("PayBaseURL", s.PayBaseURL)
	checkURL("PaySecureBaseURL", s.PaySecureBaseURL)
	checkURL("OAuthBaseURL", s.OAuthBaseURL)
	checkURL("QRCodeImageBaseURL", s.QRCodeImageBaseURL)
	s.validateOAuth(add)

	if s.MchID != "" && s.MchSecret == "" {
		add("MchSecret", "required when MchID is set")
	}
	if s.MchSecret != "" && s.MchID == "" {
		add("MchID", "required when MchSecret is set")
	}
	switch {
	case s.CertPEMPath != "" && s.KeyPEMPath == "":
		add("KeyPEMPath", "required when CertPEMPath is set")
	case s.KeyPEMPath != "" && s.CertPEMPath == "":
		add("CertPEMPath", "required when KeyPEMPath is set")
	case s.CertPEMPath != "":
		cert, err := tls.LoadX509KeyPair(s.CertPEMPath, s.KeyPEMPath)
		if err != nil {
			// The error names the files and what is wrong with them, never
			// their content.
			add("CertPEMPath", "certificate and key do not load as a pair: "+err.Error())
		} else {
			out.cert = &cert
		}
	}

	if s.PushEncodingAESKey != "" {
		if !validAESKey(s.PushEncodingAESKey) {
			add("PushEncodingAESKey", "must be 43 characters of base64 encoding 32 bytes")
		}
		if s.PushToken == "" {
			add("PushToken", "required when PushEncodingAESKey is set")
		}
	}
	if s.PushPreviousEncodingAESKey != "" {
		if !validAESKey(s.PushPreviousEncodingAESKey) {
			add("PushPreviousEncodingAESKey", "must be 43 characters of base64 encoding 32 bytes")
		}
		if s.PushEncodingAESKey == "" {
			add("PushEncodingAESKey", "required when PushPreviousEncodingAESKey is set")
		}
	}
	if s.PushAllowPlain && s.PushEncodingAESKey == "" {
		add("PushAllowPlain", "set without PushEncodingAESKey: without the key every push is plain anyway")
	}
	if s.PushDeadline < 0 {
		add("PushDeadline", "must not be negative")
	}
	switch s.PaySignType {
	case "", SignTypeMD5, SignTypeHMACSHA256:
	default:
		add("PaySignType", "must be MD5 or HMAC-SHA256")
	}
	if s.TokenEndpoint != TokenEndpointStable && s.TokenEndpoint != TokenEndpointClassic {
		add("TokenEndpoint", "unknown endpoint")
	}
	if s.AccessTokenRejected != nil && s.AccessTokenSource == nil {
		add("AccessTokenSource", "required when AccessTokenRejected is set")
	}

	if len(ie.Problems) > 0 {
		return checked{}, &ie
	}
	return out, nil
}

// validAESKey reports whether k is an EncodingAESKey MsgCrypt accepts.
func validAESKey(k string) bool {
	var mk msgKey
	return mk.load(k, "key") == nil
}

func isAbsoluteHTTPURL(v string) bool {
	u, err := url.Parse(v)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}
