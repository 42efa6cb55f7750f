package wego

import (
	"context"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// The ticket types of [WeChatAPI.GetTicket].
const (
	// TicketJSAPI is the jsapi_ticket, which signs the JS-SDK's wx.config
	// ([Client.JSConfig]).
	TicketJSAPI = "jsapi"
	// TicketWXCard is the api_ticket of the card (卡券) JS APIs,
	// wx.chooseCard and wx.addCard.
	TicketWXCard = "wx_card"
)

const pathTicket = "/cgi-bin/ticket/getticket"

// GetTicket returns WeChat's answer to getticket for ticketType
// ([TicketJSAPI] or [TicketWXCard]), as JSON:
// {"errcode":0,"errmsg":"ok","ticket":"...","expires_in":7200}. Each call
// asks WeChat, which allows few of them a day; [Client.JSConfig] caches the
// jsapi_ticket.
//
// WeChat docs: https://developers.weixin.qq.com/doc/offiaccount/OA_Web_Apps/JS-SDK.html (附录1)
func (w *WeChatAPI) GetTicket(ctx context.Context, ticketType string) (json.RawMessage, error) {
	return w.getTicket(ctx, ticketType, nil)
}

// getTicket is GetTicket, calling tokenUsed (when not nil) as
// request.tokenUsed says.
func (w *WeChatAPI) getTicket(ctx context.Context, ticketType string, tokenUsed func(string)) (json.RawMessage, error) {
	if ticketType == "" {
		return nil, missing("type")
	}
	var raw json.RawMessage
	r := request{method: http.MethodGet, path: pathTicket, query: url.Values{"type": {ticketType}}, token: true, tokenUsed: tokenUsed}
	if err := w.c.doJSON(ctx, r, &raw); err != nil {
		return nil, err
	}
	return raw, nil
}

// JSConfig is what the JS-SDK's wx.config takes to grant a page the JS
// APIs (权限验证配置), less what the page adds itself (debug, jsApiList,
// openTagList). Marshalled to JSON it is the object wx.config takes:
// {"appId":"wx...","timestamp":1414587457,"nonceStr":"...","signature":"..."},
// the timestamp a number as WeChat's documentation writes it.
//
//	wx.config(Object.assign(cfg, {jsApiList: ['chooseWXPay', 'scanQRCode']}))
type JSConfig struct {
	AppID     string `json:"appId"`
	Timestamp int64  `json:"timestamp"` // Unix seconds
	NonceStr  string `json:"nonceStr"`
	Signature string `json:"signature"` // [JSSignature] of the ticket, NonceStr, Timestamp and the page URL
}

// JSConfig returns the wx.config parameters for the page at pageURL, signed
// with the account's jsapi_ticket and a new nonce and timestamp. pageURL is
// the page's address as the browser has it (location.href), query
// included; what follows '#' is dropped, as WeChat does. It must be an
// absolute http or https URL: an empty one is an error wrapping
// [ErrMissingParameter], another an error wrapping [ErrInvalidParameter],
// and neither sends anything. wx.config accepts the signature only on the
// account's JS interface domains (JS接口安全域名), so signing any URL a
// browser sends gives nothing away.
//
// The ticket is cached and shared as the access token is
// ([Client.AccessToken]): any number of concurrent callers facing an empty
// or expired cache share one request to WeChat; it is kept in
// [Settings].TokenStore under the AppID followed by "/jsapi_ticket", so
// servers sharing the store share it; it is used until three minutes
// before it expires (a quarter of a short lifetime). It belongs to the
// access token it was fetched with: when WeChat rejects that token and the
// SDK drops it, the ticket goes too (whatever revoked the token may have
// revoked the ticket), and a Client using the SDK's own token cache takes a
// ticket only while its token is the current one, so a ticket stored by
// another server with a token since dropped is fetched anew. When the
// store cannot be read, the ticket this process last fetched or read is
// used while it lives.
//
// WeChat docs: https://developers.weixin.qq.com/doc/offiaccount/OA_Web_Apps/JS-SDK.html (附录1)
func (c *Client) JSConfig(ctx context.Context, pageURL string) (*JSConfig, error) {
	if err := checkPageURL(pageURL); err != nil {
		return nil, err
	}
	ticket, err := c.tickets.get(ctx)
	if err != nil {
		return nil, err
	}
	cfg := &JSConfig{AppID: c.s.AppID, Timestamp: time.Now().Unix(), NonceStr: payNonce()}
	cfg.Signature = JSSignature(ticket, cfg.NonceStr, cfg.Timestamp, pageURL)
	return cfg, nil
}

// CardTicket returns the api_ticket of the card (卡券) JS APIs, which
// signs wx.chooseCard and wx.addCard (cardSign). It is cached, shared and
// dropped exactly as the jsapi_ticket of [Client.JSConfig] is, under the
// AppID followed by "/wx_card_ticket" in [Settings].TokenStore: one
// request to WeChat per lifetime, whatever the number of callers and
// servers.
//
// WeChat docs: https://developers.weixin.qq.com/doc/offiaccount/OA_Web_Apps/JS-SDK.html (附录4)
func (c *Client) CardTicket(ctx context.Context) (string, error) {
	return c.cards.get(ctx)
}

// ticketsTokenDropped tells the ticket caches that token was dropped.
func (c *Client) ticketsTokenDropped(ctx context.Context, token string) {
	c.tickets.tokenDropped(ctx, token)
	c.cards.tokenDropped(ctx, token)
}

// checkPageURL accepts an absolute http or https URL with a host.
func checkPageURL(pageURL string) error {
	if pageURL == "" {
		return missing("pageURL")
	}
	u, err := url.Parse(pageURL)
	switch {
	case err != nil:
		return invalid("pageURL", "not a URL: %v", unwrapURLError(err))
	case u.Scheme != "http" && u.Scheme != "https":
		return invalid("pageURL", "%q is not an absolute http or https URL (location.href of the page)", pageURL)
	case u.Host == "":
		return invalid("pageURL", "%q has no host", pageURL)
	}
	return nil
}

// unwrapURLError returns the cause of a *url.Error, whose text repeats the URL.
func unwrapURLError(err error) error {
	if ue, ok := err.(*url.Error); ok {
		return ue.Err
	}
	return err
}

// JSSignature returns the JS-SDK signature (签名算法, JS-SDK 附录1) of a page:
// the SHA-1, in lower-case hex, of
// "jsapi_ticket=TICKET&noncestr=NONCE&timestamp=TIMESTAMP&url=URL", with
// pageURL cut at its '#' and every value as given, not escaped. It is what
// [Client.JSConfig] signs with; use it to check a signature or to sign with
// a ticket of your own.
//
// WeChat docs: https://developers.weixin.qq.com/doc/offiaccount/OA_Web_Apps/JS-SDK.html (附录1)
func JSSignature(ticket, nonceStr string, timestamp int64, pageURL string) string {
	if i := strings.IndexByte(pageURL, '#'); i >= 0 {
		pageURL = pageURL[:i]
	}
	// On the stack up to 512 bytes (a ticket is 86, a nonce 16 to 32): the
	// hex string is then the only allocation.
	var buf [512]byte
	b := append(buf[:0], "jsapi_ticket="...)
	b = append(b, ticket...)
	b = append(b, "&noncestr="...)
	b = append(b, nonceStr...)
	b = append(b, "&timestamp="...)
	b = strconv.AppendInt(b, timestamp, 10)
	b = append(b, "&url="...)
	b = append(b, pageURL...)
	sum := sha1.Sum(b)
	var out [2 * sha1.Size]byte
	hex.Encode(out[:], sum[:])
	return string(out[:])
}

// ticketCache fetches, caches and drops the tickets of one type (the
// jsapi_ticket, the card api_ticket), as tokenCache does the access token,
// in the same TokenStore.
//
// A ticket is tied to the access token it was fetched with: the store
// holds, before the ticket, a tag of that token (a digest: the store never
// holds a second copy of the token). Two rules follow from it:
//
//   - Dropping: when the transport reports a token rejected and the token
//     cache drops it (or finds it already replaced), tokenDropped drops the
//     ticket carrying its tag, here and in the store (compare-and-delete, so
//     a newer ticket another server stored survives). A ticket whose
//     request took a token that this process dropped before the answer
//     came is handed to the callers waiting for it, not kept.
//   - Matching, with the SDK's own token cache: a ticket is used only while
//     its tag is the current token's. This is what makes dropping hold
//     across servers sharing the store, races included: a server that
//     fetched a ticket with token X and stored it just after another server
//     saw X rejected and deleted X and its ticket leaves a ticket nobody
//     would delete, but no server uses it, as the current token is no
//     longer X. A token replaced in the normal way (near its expiry) costs
//     one ticket request, about as often as the ticket's own expiry would.
//
// Matching is not applied with Settings.AccessTokenSource: sources of
// different servers may hand out different valid tokens at once (or a
// source a new one on each call), and matching would make them take turns
// fetching the ticket on every call. There, dropping alone applies, and
// servers sharing a store leave one race open: a ticket another server
// stores just after this one dropped its token lives until it expires.
//
// A token that WeChat keeps rejecting while the SDK holds it back (the
// bound on refreshes, see tokenCache.rejected) keeps its ticket: dropping
// it would only bring the same token's ticket again, one request per call.
type ticketCache struct {
	c   *Client
	typ string // TicketJSAPI or TicketWXCard
	key string // AppID + "/" + typ + "_ticket"
	// last is the newest ticket this process fetched or read from a store
	// that can fail: used when the store cannot be read, as tokenCache.last
	// is.
	last atomic.Pointer[jsTicket]
	// dropped is the tag of the last token dropped after a rejection, and
	// drops counts those drops, so that a fetch can tell whether its token
	// was dropped while it ran.
	dropped atomic.Pointer[string]
	drops   atomic.Uint64
	// tagged memoises tokenTag for the current token.
	tagged atomic.Pointer[[2]string]

	mu     sync.Mutex
	flight *ticketFlight
}

// jsTicket is a jsapi_ticket as the cache holds it.
type jsTicket struct {
	tag     string // tokenTag of the access token it was fetched with
	ticket  string
	expires time.Time // when the SDK stops using it
}

// stored is t as the store holds it: its tag, ':', the ticket.
func (t *jsTicket) stored() Token {
	return Token{Value: t.tag + ":" + t.ticket, ExpiresAt: t.expires}
}

// parseTicket reads what stored wrote; ok is false for anything else.
func parseTicket(tok Token) (jsTicket, bool) {
	v := tok.Value
	if len(v) <= tokenTagLen+1 || v[tokenTagLen] != ':' {
		return jsTicket{}, false
	}
	return jsTicket{tag: v[:tokenTagLen], ticket: v[tokenTagLen+1:], expires: tok.ExpiresAt}, true
}

// tokenTagLen is the length of a tokenTag: 16 hex digits, 64 bits of
// SHA-256, ample to tell the few tokens of an account apart.
const tokenTagLen = 16

// tokenTag returns the tag of an access token.
func tokenTag(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:tokenTagLen/2])
}

// ticketFlight is one fetch shared by every caller that arrives while it runs.
type ticketFlight struct {
	done chan struct{}
	t    jsTicket
	err  error
}

func (tk *ticketCache) init(c *Client, typ string) {
	tk.c = c
	tk.typ = typ
	tk.key = c.s.AppID + "/" + typ + "_ticket"
}

// tag returns tokenTag(token), memoised for the last token.
func (tk *ticketCache) tag(token string) string {
	if p := tk.tagged.Load(); p != nil && p[0] == token {
		return p[1]
	}
	t := tokenTag(token)
	tk.tagged.Store(&[2]string{token, t})
	return t
}

func (tk *ticketCache) get(ctx context.Context) (string, error) {
	want, err := tk.wantTag(ctx)
	if err != nil {
		return "", err
	}
	if t, ok := tk.cached(ctx, want); ok {
		return t.ticket, nil
	}
	return tk.refresh(ctx)
}

// wantTag returns the tag a ticket must carry to be used: the current
// token's with the SDK's own token cache (fetching a token if none is
// cached), "" (any) with a token source.
func (tk *ticketCache) wantTag(ctx context.Context) (string, error) {
	if tk.c.tokens.source != nil {
		return "", nil
	}
	tok, err := tk.c.tokens.get(ctx)
	if err != nil {
		return "", err
	}
	return tk.tag(tok), nil
}

// cached returns a usable ticket carrying want ("" for any) from the store
// (or, when the store fails, the last one this process fetched or read).
func (tk *ticketCache) cached(ctx context.Context, want string) (jsTicket, bool) {
	var t jsTicket
	st, ok, err := tk.c.tokens.store.Token(ctx, tk.key)
	switch {
	case err != nil:
		tk.c.quiet.ticketRead.log(ctx, tk.c.log, slog.LevelWarn, "wego: token store read failed", slog.String("key", tk.key), slog.String("error", redact(err.Error())))
		if p := tk.last.Load(); p != nil {
			t, ok = *p, true
		}
	case ok:
		if t, ok = parseTicket(st); ok && tk.c.tokens.keepLast {
			if p := tk.last.Load(); p == nil || p.ticket != t.ticket || p.tag != t.tag || !p.expires.Equal(t.expires) {
				kept := t
				tk.last.Store(&kept)
			}
		}
	}
	if !ok || !tk.c.tokens.now().Before(t.expires) || want != "" && t.tag != want {
		return jsTicket{}, false
	}
	return t, true
}

// refresh joins the fetch under way or starts one, and waits for it or for ctx.
func (tk *ticketCache) refresh(ctx context.Context) (string, error) {
	tk.mu.Lock()
	f := tk.flight
	if f == nil {
		f = &ticketFlight{done: make(chan struct{})}
		tk.flight = f
		go tk.fetch(context.WithoutCancel(ctx), f)
	}
	tk.mu.Unlock()

	select {
	case <-f.done:
		if f.err != nil {
			return "", f.err
		}
		return f.t.ticket, nil
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// fetch runs one flight: it looks at the store once more, otherwise asks
// WeChat and stores the answer.
func (tk *ticketCache) fetch(ctx context.Context, f *ticketFlight) {
	ctx, cancel := context.WithTimeout(ctx, tokenFetchTimeout)
	defer func() {
		cancel()
		tk.mu.Lock()
		tk.flight = nil
		tk.mu.Unlock()
		close(f.done)
	}()
	want, err := tk.wantTag(ctx)
	if err != nil {
		f.err = err
		return
	}
	if t, ok := tk.cached(ctx, want); ok {
		f.t = t
		return
	}
	if l, ok := tk.c.tokens.store.(TokenLocker); ok {
		// One process at a time asks WeChat for the ticket, as for the token.
		cached := func(ctx context.Context) (jsTicket, bool) { return tk.cached(ctx, want) }
		unlock, t, done := lockOrWait(ctx, tk.c, l, tk.key, tk.c.tokens.lockWait, cached)
		if done {
			f.t = t
			return
		}
		if unlock != nil {
			defer releaseLock(ctx, tk.c, unlock)
		}
	}
	t, drops, err := tk.request(ctx)
	if err != nil {
		f.err = err
		return
	}
	f.t = t
	tk.last.Store(&t)
	if err := tk.c.tokens.store.SetToken(ctx, tk.key, t.stored()); err != nil {
		tk.c.log.LogAttrs(ctx, slog.LevelWarn, "wego: token store write failed", slog.String("key", tk.key), slog.String("error", redact(err.Error())))
	}
	tk.c.log.LogAttrs(ctx, slog.LevelInfo, "wego: ticket fetched", slog.String("type", tk.typ), slog.Time("expires_at", t.expires))
	// Its token was rejected and dropped since the request took it: the
	// callers of this flight use the ticket WeChat gave, it is not kept.
	// (Only then: a token handed out again after its rejection, by a source
	// or by stable_token, is fine for the ticket fetched with it after.)
	if tk.drops.Load() != drops {
		if p := tk.dropped.Load(); p != nil && *p == t.tag {
			tk.drop(ctx, t.tag)
		}
	}
}

// ticketAnswer is WeChat's answer from getticket.
type ticketAnswer struct {
	Ticket    string  `json:"ticket"`
	ExpiresIn float64 `json:"expires_in"` // as tokenAnswer.ExpiresIn
}

// request asks WeChat for a jsapi_ticket and tags it with the access token
// the answer came with; drops is tk.drops when the request took that token.
func (tk *ticketCache) request(ctx context.Context) (t jsTicket, drops uint64, err error) {
	start := tk.c.tokens.now()
	var used string
	raw, err := tk.c.WeChat.getTicket(ctx, tk.typ, func(tok string) { used, drops = tok, tk.drops.Load() })
	if err != nil {
		return jsTicket{}, 0, err
	}
	var a ticketAnswer
	if err := decodeJSON(pathTicket, raw, &a); err != nil {
		return jsTicket{}, 0, err
	}
	if a.Ticket == "" || !(a.ExpiresIn >= 1) {
		return jsTicket{}, 0, &HTTPError{Endpoint: pathTicket, StatusCode: http.StatusOK, Reason: "answer without ticket or expires_in"}
	}
	// Tickets live 7200 s, as tokens: the same cap and margin apply.
	ttl := maxTokenLifetime
	if a.ExpiresIn < maxTokenLifetime.Seconds() {
		ttl = time.Duration(a.ExpiresIn * float64(time.Second))
	}
	return jsTicket{tag: tk.tag(used), ticket: a.Ticket, expires: start.Add(ttl - refreshMargin(ttl))}, drops, nil
}

// tokenDropped is told by the token cache that token was dropped after
// WeChat rejected it, or found already replaced: the ticket fetched with it
// goes too.
func (tk *ticketCache) tokenDropped(ctx context.Context, token string) {
	tag := tokenTag(token)
	tk.dropped.Store(&tag)
	tk.drops.Add(1)
	tk.drop(ctx, tag)
}

// drop removes the ticket carrying tag, here and from the store.
func (tk *ticketCache) drop(ctx context.Context, tag string) {
	if p := tk.last.Load(); p != nil && p.tag == tag {
		tk.last.CompareAndSwap(p, nil)
	}
	st, ok, err := tk.c.tokens.store.Token(ctx, tk.key)
	if err != nil || !ok {
		return // unreadable: matching, or expiry, ends it
	}
	if t, ok := parseTicket(st); !ok || t.tag != tag {
		return
	}
	if err := tk.c.tokens.store.DeleteToken(ctx, tk.key, st.Value); err != nil {
		tk.c.log.LogAttrs(ctx, slog.LevelWarn, "wego: token store delete failed", slog.String("key", tk.key), slog.String("error", redact(err.Error())))
		return
	}
	tk.c.log.LogAttrs(ctx, slog.LevelInfo, "wego: jsapi_ticket dropped with the access token it was fetched with")
}
