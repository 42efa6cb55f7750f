package wegotest

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wego-sdk/wego"
)

// DefaultTokenTTL is the lifetime of the access tokens the server issues
// unless [Server.SetTokenTTL] says otherwise; WeChat's is 7200 s.
const DefaultTokenTTL = 7200 * time.Second

// Server is a fake WeChat platform. Its methods are safe for concurrent use.
type Server struct {
	// URL is the base URL of the fake API (like https://api.weixin.qq.com).
	URL string
	// AppID and AppSecret are the credentials the server accepts; they are
	// random for each server.
	AppID     string
	AppSecret string
	// MchID and MchSecret are the WeChat Pay merchant id and API key the
	// server accepts, random for each server. PaySecureURL is the base URL
	// of the pay endpoints that demand the merchant's client certificate
	// (refunds); the certificate and key are files named by Settings.
	MchID        string
	MchSecret    string
	PaySecureURL string
	// PushToken and PushEncodingAESKey are the account's server
	// configuration (服务器配置), random for each server; OriginalID is the
	// account's original id (gh_...), the ToUserName of its pushes.
	PushToken          string
	PushEncodingAESKey string
	OriginalID         string
	// AppURL is the base URL of the app under test: a loopback server,
	// started with the platform, that serves the handler given to
	// [Server.SetApp]. Pushes to a path and pay notifications to the
	// notify_url of [Server.Settings] arrive there.
	AppURL string

	ts      *httptest.Server
	mux     *http.ServeMux
	builtin map[string]bool // the paths the fake serves itself; fixed once started
	pages   map[string]bool // those of them that answer HTML (the authorize page); fixed once started
	stop    chan struct{}
	app     *httptest.Server
	appH    atomic.Pointer[appHandler]
	log     *slog.Logger // the test's log, for servers made by New; set before use

	mu          sync.Mutex
	tokenTTL    time.Duration
	latency     time.Duration
	tokens      map[string]time.Time // access token → expiry
	stable      string               // the token stable_token hands out in normal mode
	counts      map[string]int
	faults      map[string][]int
	always      map[string]int          // path → errcode answered until cleared
	handlers    map[string]http.Handler // added by Handle
	callbackIPs []string

	pay   payState
	push  pushConfig
	users userState
	oauth oauthState
	menus menuState

	tickets   ticketState
	qrcodes   qrState
	materials materialState

	messages  messageState
	templates templateState
	mass      massState
	subscribe subscribeState // subscription notices: templates, users' subscriptions, notices sent
	analytics analyticsState
	draftBox  draftState // drafts, publish jobs and publications
}

// NewServer starts a fake WeChat platform. Call Close when done.
func NewServer() *Server {
	s := &Server{
		AppID:       "wx" + randomHex(8),
		AppSecret:   randomHex(16),
		mux:         http.NewServeMux(),
		builtin:     make(map[string]bool),
		pages:       make(map[string]bool),
		stop:        make(chan struct{}),
		tokenTTL:    DefaultTokenTTL,
		tokens:      make(map[string]time.Time),
		counts:      make(map[string]int),
		faults:      make(map[string][]int),
		always:      make(map[string]int),
		handlers:    make(map[string]http.Handler),
		callbackIPs: []string{"127.0.0.1", "::1"},
	}
	s.routeTokens()
	s.routeJSON("/cgi-bin/getcallbackip", func(*http.Request, []byte) (any, int) {
		s.mu.Lock()
		defer s.mu.Unlock()
		return map[string]any{"ip_list": append([]string(nil), s.callbackIPs...)}, 0
	})
	s.initPush()
	s.initUsers()
	s.initMenus()
	s.initOAuth()
	s.initTickets()
	s.initQRCodes()
	s.initMessages()
	s.initMass()
	s.initSubscribe()
	s.initAnalytics()
	s.initMaterials()
	s.initDrafts()
	s.ts = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.ts.URL
	s.startPay()
	s.startApp()
	s.oauth.domain = strings.TrimPrefix(s.AppURL, "http://") // the OAuth domain: the app's host and port
	return s
}

// New starts a server for the test tb and closes it when the test ends.
// The Settings of the server send the SDK's logs to tb's log (t.Log), at
// Debug and up (Warn and up in a benchmark, whose log is always printed),
// until the test's cleanup runs: what a client logs after the test ended,
// from a goroutine that outlived it, is dropped.
func New(tb testing.TB) *Server {
	tb.Helper()
	s := NewServer()
	s.log = newTestLogger(tb) // its cleanup runs after Close's
	tb.Cleanup(s.Close)
	s.keepPayCertsUntilEnd(tb)
	return s
}

// Close shuts the server down, ending requests held by injected latency.
func (s *Server) Close() {
	s.mu.Lock()
	select {
	case <-s.stop:
	default:
		close(s.stop)
	}
	s.mu.Unlock()
	s.ts.Close()
	s.closePay()
	s.closeApp()
}

// Settings returns client settings pointing at this server, with its
// credentials and its HTTP client. PayNotifyURL is [Server.AppURL] +
// [PathPayNotify], so orders placed without a NotifyURL of their own are
// notified to the app under test. RegisterURL is AppURL too, the host of
// the default OAuth domain, and OAuthBaseURL is URL, which serves the
// authorize page ([PathAuthorize]). QRCodeImageBaseURL is URL, which
// serves the QR code images ([PathShowQRCode]). Logger is the test's log for a server
// made by [New], nil (no logs) for one made by [NewServer].
func (s *Server) Settings() wego.Settings {
	return wego.Settings{
		AppID:      s.AppID,
		AppSecret:  s.AppSecret,
		BaseURL:    s.URL,
		PayBaseURL: s.URL,
		HTTPClient: s.ts.Client(),

		MchID:            s.MchID,
		MchSecret:        s.MchSecret,
		PayNotifyURL:     s.AppURL + PathPayNotify,
		CertPEMPath:      s.pay.certs.certPath,
		KeyPEMPath:       s.pay.certs.keyPath,
		PaySecureBaseURL: s.PaySecureURL,

		PushToken:          s.PushToken,
		PushEncodingAESKey: s.PushEncodingAESKey,

		RegisterURL:  s.AppURL,
		OAuthBaseURL: s.URL,

		QRCodeImageBaseURL: s.URL,

		Logger: s.log,
	}
}

// SetTokenTTL sets the lifetime of access tokens issued from now on
// (whole seconds, at least one; WeChat's is 7200 s).
func (s *Server) SetTokenTTL(d time.Duration) {
	s.mu.Lock()
	s.tokenTTL = max(d.Truncate(time.Second), time.Second)
	s.mu.Unlock()
}

// SetLatency delays every answer by d, as a slow network or a busy WeChat
// would. A request whose client gives up stops waiting.
func (s *Server) SetLatency(d time.Duration) {
	s.mu.Lock()
	s.latency = d
	s.mu.Unlock()
}

// SetCallbackIPs sets the addresses getcallbackip answers (127.0.0.1 and ::1
// by default: the addresses the fake's pushes come from).
func (s *Server) SetCallbackIPs(ips ...string) {
	s.mu.Lock()
	s.callbackIPs = append([]string(nil), ips...)
	s.mu.Unlock()
}

// FailNext makes the next request to path answer errcode instead of being
// served, with WeChat's errmsg for it and a rid, as WeChat answers:
// {"errcode":45009,"errmsg":"reach max api daily quota limit rid:
// 6613a8f6-1b2c3d4e-5f6a7b8c"}. The fake knows the errmsg of the common
// codes:
//   - -1 system error;
//   - 40001, 40002, 40003, 40007, 40008, 40013, 40014, 40029, 40030, 40032,
//     40037, 40050, 40051, 40052, 40053, 40092, 40097, 40125, 40163, 40164
//     (naming the caller's address, as in "invalid ip 127.0.0.1 ipv6
//     ::ffff:127.0.0.1, not in whitelist"), 40246;
//   - 41001, 41002, 41003, 41004, 41008, 41009; 42001, 42002; 43001, 43002,
//     43004; 44002, 44003, 44004;
//   - 45008, 45009, 45011, 45015, 45047, 45056, 45057, 45058, 45059, 45072,
//     45080, 45081, 45103, 45157, 45158, 45159; 46003, 46004; 47001, 47003;
//     48001, 48004; 49003; 50001, 50002;
//   - the material codes 40004 to 40007, 41005 and 45106;
//   - the menu codes 40016 to 40027, 46002, 65301 to 65314, 65316, 65317
//     and 65320;
//   - the analytics codes 61500 and 61501;
//   - the draft and publishing codes 40114, 45002 to 45005, 45110, 45166,
//     53404 to 53406, 53503 to 53505, 53600 and 88000.
//
// Other codes get errmsg "error". On the authorize page ([PathAuthorize],
// [PathAuthorizeConfirm]) a fault is WeChat's HTML error page instead, with
// the code and its text, known for the page's own codes 10003, 10005,
// 10010, 10011, 10012 and 10016. Calls queue up: FailNext twice fails the
// next two requests. A fault comes before everything else the path would
// check, the access token included, and applies to the paths of
// [Server.Handle] too.
func (s *Server) FailNext(path string, errcode int) {
	s.mu.Lock()
	s.faults[path] = append(s.faults[path], errcode)
	s.mu.Unlock()
}

// FailAlways makes every request to path answer errcode (with WeChat's
// errmsg for it) instead of being served, once the faults queued by
// [Server.FailNext] are used up, until FailAlways(path, 0) stops it. It plays
// a WeChat that keeps refusing, e.g. answering 40001 to every access token.
func (s *Server) FailAlways(path string, errcode int) {
	s.mu.Lock()
	if errcode == 0 {
		delete(s.always, path)
	} else {
		s.always[path] = errcode
	}
	s.mu.Unlock()
}

// Requests returns how many requests arrived for path, counting the failed
// and the rejected ones.
func (s *Server) Requests(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts[path]
}

// TokenRequests returns how many requests arrived at both token endpoints.
func (s *Server) TokenRequests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts[PathToken] + s.counts[PathStableToken]
}

// ExpireTokens makes every access token issued so far expired (42001).
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	now := time.Now()
	for t := range s.tokens {
		s.tokens[t] = now
	}
	s.mu.Unlock()
}

// serve counts the request, applies latency and faults, then dispatches it.
func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.counts[r.URL.Path]++
	latency := s.latency
	var fault int
	failed := false
	if q := s.faults[r.URL.Path]; len(q) > 0 {
		fault, failed = q[0], true
		s.faults[r.URL.Path] = q[1:]
	} else if code, ok := s.always[r.URL.Path]; ok {
		fault, failed = code, true
	}
	added := s.handlers[r.URL.Path]
	s.mu.Unlock()

	if latency > 0 {
		t := time.NewTimer(latency)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		case <-s.stop:
			t.Stop()
			return
		}
	}
	if failed {
		if s.pages[r.URL.Path] {
			writeErrorPage(w, pageErr(fault))
			return
		}
		writeJSON(w, errorBody(fault, r))
		return
	}
	if added != nil {
		if code := s.checkToken(r.URL.Query().Get("access_token")); code != 0 {
			writeJSON(w, errorBody(code, r))
			return
		}
		added.ServeHTTP(w, r)
		return
	}
	s.mux.ServeHTTP(w, r)
}

// route registers one of the fake's own endpoints.
func (s *Server) route(path string, h http.HandlerFunc) {
	s.builtin[path] = true
	s.mux.HandleFunc(path, h)
}

// Handle serves h at path on the fake WeChat API ([Server.URL] and
// [Server.PaySecureURL]), for an endpoint the SDK does not wrap that the
// code under test calls through wego's raw layer (c.WeChat.Get, Post).
// The path is matched exactly, query aside. As on WeChat, the access
// token is checked first: h is called only for requests whose
// access_token the fake issued and is still valid; the others are
// answered 41001 (missing), 40001 (unknown or revoked) or 42001
// (expired), and h never sees them. Faults ([Server.FailNext],
// [Server.FailAlways]), latency and request counts apply as to every
// path. h answers as WeChat would, e.g. with {"errcode":0,"errmsg":"ok"}.
//
// Handle replaces the handler an earlier call gave path, and a nil h
// removes it. It returns an error, and changes nothing, when path does
// not start with "/", carries a query or fragment, or is one the fake
// serves itself (every endpoint the SDK wraps, the authorize page
// included): change those with the fault methods instead.
func (s *Server) Handle(path string, h http.Handler) error {
	if path == "" || path[0] != '/' || strings.ContainsAny(path, "?#") {
		return fmt.Errorf("wegotest: Handle: path %q must start with / and carry no query", path)
	}
	if s.builtin[path] {
		return fmt.Errorf("wegotest: Handle: %s is served by the fake itself; use FailNext, FailAlways or SetLatency to change its answers", path)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if isNilHandler(h) {
		delete(s.handlers, path)
	} else {
		s.handlers[path] = h
	}
	return nil
}

// isNilHandler reports whether h is nil or a nil HandlerFunc, which would
// panic when called.
func isNilHandler(h http.Handler) bool {
	if h == nil {
		return true
	}
	f, ok := h.(http.HandlerFunc)
	return ok && f == nil
}

// routeJSON registers a JSON endpoint that needs a valid access token. fn
// gets the request and its body and returns the answer, or a non-zero
// errcode.
func (s *Server) routeJSON(path string, fn func(r *http.Request, body []byte) (any, int)) {
	s.route(path, func(w http.ResponseWriter, r *http.Request) {
		if code := s.checkToken(r.URL.Query().Get("access_token")); code != 0 {
			writeJSON(w, errorBody(code, r))
			return
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, 16<<20))
		if err != nil {
			writeJSON(w, errorBody(-1, r))
			return
		}
		out, code := fn(r, body)
		if code != 0 {
			writeJSON(w, errorBody(code, r))
			return
		}
		writeJSON(w, out)
	})
}

// checkToken returns 0 for a valid token, otherwise WeChat's errcode.
func (s *Server) checkToken(tok string) int {
	if tok == "" {
		return 41001
	}
	s.mu.Lock()
	exp, ok := s.tokens[tok]
	s.mu.Unlock()
	switch {
	case !ok:
		return 40001
	case !time.Now().Before(exp):
		return 42001
	}
	return 0
}

// writeJSON answers v as WeChat does: compact JSON, no HTML escaping, no
// trailing newline.
func writeJSON(w http.ResponseWriter, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_, _ = w.Write(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
