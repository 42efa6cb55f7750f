package wego

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Client is the friendly layer of the SDK: token caching, typed results,
// push and pay helpers. Create it with [NewClient]; it is safe for
// concurrent use and meant to live as long as the process.
type Client struct {
	// WeChat is the raw transport: one method per WeChat endpoint, answers
	// returned as WeChat sent them. Use it for anything the Client does not type.
	WeChat *WeChatAPI

	s             Settings // the caller's settings, normalised
	http          *http.Client
	certHTTP      *http.Client // http presenting cert, for /secapi/; nil without cert
	log           *slog.Logger
	baseURL       string
	payBaseURL    string
	paySecureBase string

	tokens   tokenCache
	sessions SessionStore // LoginRequired's sessions
	tickets  ticketCache  // the jsapi_ticket of JSConfig
	cards    ticketCache  // the card api_ticket of CardTicket
	crypt    *MsgCrypt    // safe-mode crypto, nil without PushEncodingAESKey
	pushOnce *deliveries  // runs the push handlers once per message
	payOnce  *deliveries  // runs the pay notification handlers once per transaction
	quiet    storeLogs    // store failures, logged once per quietPeriod

	// busyRetries and busyBackoff bound the retries of reads answered with
	// errcode -1.
	busyRetries int
	busyBackoff time.Duration

	// analyticsClock tells the analytics calls what day it is in China
	// (they take days up to yesterday); nil is time.Now.
	analyticsClock func() time.Time
}

// NewClient checks s and returns a Client. Every problem in s is reported at
// once in an [*InitError].
func NewClient(s Settings) (*Client, error) {
	chk, ie := s.validate()
	if ie != nil {
		return nil, ie
	}
	c := &Client{
		s:           s,
		http:        s.HTTPClient,
		log:         s.Logger,
		baseURL:     strings.TrimRight(s.BaseURL, "/"),
		payBaseURL:  strings.TrimRight(s.PayBaseURL, "/"),
		busyRetries: 3,
		busyBackoff: 200 * time.Millisecond,
	}
	if c.http == nil {
		c.http = &http.Client{Timeout: 30 * time.Second}
	}
	if chk.cert != nil {
		c.certHTTP = certHTTPClient(c.http, chk.cert)
	}
	if c.log == nil {
		c.log = slog.New(discardHandler{})
	}
	if c.s.PaySignType == "" {
		c.s.PaySignType = SignTypeMD5
	}
	if c.baseURL == "" {
		c.baseURL = DefaultBaseURL
	}
	if c.payBaseURL == "" {
		c.payBaseURL = DefaultPayBaseURL
	}
	c.paySecureBase = strings.TrimRight(s.PaySecureBaseURL, "/")
	if c.paySecureBase == "" {
		c.paySecureBase = c.payBaseURL
	}
	// Without a shared store, pushes and pay notifications get a memory
	// store each, so that a stream of messages (kept a minute) does not
	// push out the notifications (kept a day), which carry no result.
	pushStore, payStore := s.DedupStore, s.DedupStore
	if pushStore == nil {
		pushStore = newMemoryDedupStore(16384, 4<<20)
		payStore = newMemoryDedupStore(DefaultDedupCapacity, 0)
	}
	c.pushOnce = newDeliveries(c, pushStore)
	c.payOnce = newDeliveries(c, payStore)
	if s.PushEncodingAESKey != "" {
		var opts []MsgCryptOption
		if s.PushPreviousEncodingAESKey != "" {
			opts = append(opts, WithPreviousAESKey(s.PushPreviousEncodingAESKey))
		}
		crypt, err := NewMsgCrypt(s.PushToken, s.PushEncodingAESKey, s.AppID, opts...)
		if err != nil { // validate checked the keys; keep the error typed anyway
			return nil, &InitError{Problems: []SettingProblem{{Field: "PushEncodingAESKey", Reason: err.Error()}}}
		}
		c.crypt = crypt
	}
	c.tokens.init(c)
	c.sessions = s.SessionStore
	if c.sessions == nil {
		c.sessions = NewMemorySessionStore(0)
	}
	c.tickets.init(c, TicketJSAPI)
	c.cards.init(c, TicketWXCard)
	c.WeChat = &WeChatAPI{c: c}
	return c, nil
}

// appLog is where failures of the application's own code are logged (a
// push function that fails, panics, overruns its deadline or returns an
// invalid reply; a notification function that fails or panics; a handler
// built without the settings it needs): Settings.Logger, or slog.Default()
// when it is nil, so that they are never silent, as net/http logs a
// handler's panic. The SDK's own logs (c.log) stay off without a Logger.
func (c *Client) appLog() *slog.Logger {
	if c.s.Logger != nil {
		return c.s.Logger
	}
	return slog.Default()
}

// unconfigured answers every request of a handler built without what it
// needs: 500, as the fault is the server's and not the request's (400 would
// tell WeChat its request was bad), and one log at Error, the first time,
// saying what is missing.
type unconfigured struct {
	handler string // the handler's name in the log
	missing string // what the handler lacks, "" when nothing
	body    []byte // the answer's body
	once    sync.Once
}

// need is something a handler needs, and whether it is missing.
type need struct {
	what    string
	missing bool
}

// newUnconfigured names what handler lacks among needs; body is what it
// answers then.
func newUnconfigured(handler string, body []byte, needs ...need) *unconfigured {
	var names []string
	for _, n := range needs {
		if n.missing {
			names = append(names, n.what)
		}
	}
	return &unconfigured{handler: handler, missing: strings.Join(names, " and "), body: body}
}

// serve answers r when something is missing and reports whether it did.
func (u *unconfigured) serve(c *Client, w http.ResponseWriter, r *http.Request) bool {
	if u.missing == "" {
		return false
	}
	u.once.Do(func() {
		c.appLog().LogAttrs(r.Context(), slog.LevelError, "wego: "+u.handler+" built without "+u.missing+": it answers every request 500")
	})
	w.WriteHeader(http.StatusInternalServerError)
	_, _ = w.Write(u.body)
	return true
}

// AppID returns the account's AppID.
func (c *Client) AppID() string { return c.s.AppID }

// WeChatAPI is the raw transport to WeChat's JSON API (exposed as
// [Client.WeChat]). Each method sends its parameters with the global access
// token and returns the body WeChat answered; an answer whose errcode is not 0
// becomes an [*APIError], an HTTP failure an [*HTTPError]. It refreshes the
// token and retries once when WeChat rejects the token, at most one such
// refresh per window (5 s, doubling up to 5 min while rejections go on: see
// [Client.AccessToken]); a call rejected inside the window returns the
// [*APIError] at once unless another token has replaced the rejected one.
// It retries reads (GETs, and the POSTs that only read) that WeChat
// answered with "system busy" (-1) with bounded backoff. A write is never
// sent twice, except one WeChat de-duplicates: a template message with a
// ClientMsgID is sent once more when its answer is lost on the network or
// is "system busy" ([Client.SendTemplateMessage]).
type WeChatAPI struct {
	c *Client
}

// Get calls GET path on the WeChat API host with query and the access token,
// and decodes the JSON answer into out (nil discards it; a *json.RawMessage
// keeps it raw). It is the escape hatch for endpoints the SDK does not wrap.
func (w *WeChatAPI) Get(ctx context.Context, path string, query url.Values, out any) error {
	return w.c.doJSON(ctx, request{method: http.MethodGet, path: path, query: query, token: true}, out)
}

// Post calls POST path on the WeChat API host with query and the access
// token, sending body as JSON (non-ASCII and <>& unescaped, as WeChat
// expects), and decodes the JSON answer into out.
func (w *WeChatAPI) Post(ctx context.Context, path string, query url.Values, body, out any) error {
	b, err := encodeJSON(body)
	if err != nil {
		return fmt.Errorf("wego: %s: encode request: %w", path, err)
	}
	return w.c.doJSON(ctx, request{method: http.MethodPost, path: path, query: query, body: b, token: true}, out)
}

// postRead is Post for the endpoints that read with a POST (a list of
// users, a page of a tag's followers): like GET reads, they are retried
// when WeChat is busy, which a write never is.
func (w *WeChatAPI) postRead(ctx context.Context, path string, body, out any) error {
	b, err := encodeJSON(body)
	if err != nil {
		return fmt.Errorf("wego: %s: encode request: %w", path, err)
	}
	return w.c.doJSON(ctx, request{method: http.MethodPost, path: path, body: b, token: true, read: true}, out)
}

// postIdempotent is Post for a write WeChat de-duplicates itself (a
// template message with a client_msg_id): it is sent once more when its
// answer is lost on the network or WeChat answers "system busy", which
// another write never is.
func (w *WeChatAPI) postIdempotent(ctx context.Context, path string, body, out any) error {
	b, err := encodeJSON(body)
	if err != nil {
		return fmt.Errorf("wego: %s: encode request: %w", path, err)
	}
	return w.c.doJSON(ctx, request{method: http.MethodPost, path: path, body: b, token: true, idempotent: true}, out)
}

// request is one call to a WeChat JSON endpoint.
type request struct {
	method string
	path   string
	query  url.Values
	body   []byte
	token  bool // add the global access token and retry once on 40001/40014/42001
	read   bool // a POST that only reads: retried on "system busy" as GETs are
	once   bool // a GET never sent twice (an OAuth code works once): no retry on "system busy"
	// idempotent marks a write that WeChat de-duplicates (a template
	// message with a client_msg_id): it is sent once more after a
	// transport error (the answer may be lost after WeChat acted) or
	// "system busy". Other writes are never sent twice.
	idempotent bool
	// tokenUsed, when not nil, is called with the access token of each
	// attempt, before it is sent; the last call names the token of the
	// answer returned, so that what is fetched with it can be tied to it
	// (the jsapi_ticket).
	tokenUsed func(token string)
}

// maxJSONResponse caps what the SDK reads of a JSON answer.
const maxJSONResponse = 8 << 20

// envelope is the part of every WeChat JSON answer that tells success.
type envelope struct {
	ErrCode int    `json:"errcode"`
	ErrMsg  string `json:"errmsg"`
}

// doJSON sends r, checks errcode and decodes the answer into out.
func (c *Client) doJSON(ctx context.Context, r request, out any) error {
	retried := false
	var stale string       // a rejected token not refreshed: the retry needs another
	var staleErr *APIError // WeChat's answer to it
	busy := 0
	resent := false // an idempotent write sent once more
	for {
		var tok string
		if r.token {
			var err error
			if tok, err = c.AccessToken(ctx); err != nil {
				return err
			}
			if r.tokenUsed != nil {
				r.tokenUsed(tok)
			}
			if tok == stale {
				c.log.LogAttrs(ctx, slog.LevelDebug, "wego: access token rejected, refresh held back",
					slog.String("endpoint", r.path), slog.Int("errcode", staleErr.Code),
					slog.Duration("next_refresh_in", c.tokens.nextRefreshIn()))
				return staleErr
			}
		}
		body, err := c.send(ctx, r, tok)
		if err != nil && r.idempotent && !resent && ctx.Err() == nil && lostAnswer(err) {
			resent = true
			c.log.LogAttrs(ctx, slog.LevelInfo, "wego: answer lost, sending the idempotent request once more",
				slog.String("endpoint", r.path), slog.String("error", redact(err.Error())))
			if err := sleep(ctx, backoff(c.busyBackoff, 1)); err != nil {
				return err
			}
			continue
		}
		if err == nil {
			err = checkEnvelope(r.path, body)
		}
		var ae *APIError
		if errors.As(err, &ae) {
			switch {
			case r.token && ae.TokenInvalid() && !retried:
				retried = true
				refreshed, err := c.tokens.rejected(ctx, r.path, tok, ae.Code)
				if err != nil {
					return err
				}
				if !refreshed {
					stale, staleErr = tok, ae
				}
				continue
			case ae.Code == CodeSystemBusy && (r.method == http.MethodGet || r.read) && !r.once && busy < c.busyRetries:
				busy++
				c.log.LogAttrs(ctx, slog.LevelInfo, "wego: system busy, retrying",
					slog.String("endpoint", r.path), slog.Int("attempt", busy))
				if err := sleep(ctx, backoff(c.busyBackoff, busy)); err != nil {
					return err
				}
				continue
			case ae.Code == CodeSystemBusy && r.idempotent && !resent:
				resent = true
				c.log.LogAttrs(ctx, slog.LevelInfo, "wego: system busy, sending the idempotent request once more",
					slog.String("endpoint", r.path))
				if err := sleep(ctx, backoff(c.busyBackoff, 1)); err != nil {
					return err
				}
				continue
			}
		}
		if err != nil {
			return err
		}
		return decodeJSON(r.path, body, out)
	}
}

// lostAnswer reports whether err, from send, may have come after WeChat
// got the request: a failure of the connection or of reading the answer,
// not an answer WeChat gave (*HTTPError) or one too large to read.
func lostAnswer(err error) bool {
	var he *HTTPError
	return !errors.As(err, &he) && !errors.Is(err, ErrResponseTooLarge)
}

// send does one HTTP round trip and returns the body of a 200 answer.
func (c *Client) send(ctx context.Context, r request, token string) ([]byte, error) {
	u := c.baseURL + r.path
	q := r.query
	if token != "" {
		q = cloneValues(q)
		q.Set("access_token", token)
	}
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	var body io.Reader
	if r.body != nil {
		body = bytes.NewReader(r.body)
	}
	req, err := http.NewRequestWithContext(ctx, r.method, u, body)
	if err != nil {
		return nil, fmt.Errorf("wego: %s: %w", r.path, redactURLError(err))
	}
	if r.body != nil {
		req.Header.Set("Content-Type", "application/json; charset=utf-8")
	}
	return c.roundTrip(ctx, c.http, req, r.path, maxJSONResponse)
}

// roundTrip sends req with hc and returns the body of a 200 answer, read up
// to limit bytes. It logs the request by endpoint (never its query or body)
// and keeps secrets out of its errors. Every call to WeChat goes through it.
func (c *Client) roundTrip(ctx context.Context, hc *http.Client, req *http.Request, endpoint string, limit int64) ([]byte, error) {
	start := time.Now()
	resp, err := hc.Do(req)
	if err != nil {
		c.log.LogAttrs(ctx, slog.LevelDebug, "wego: request failed",
			slog.String("method", req.Method), slog.String("endpoint", endpoint),
			slog.Duration("took", time.Since(start)), slog.String("error", redact(err.Error())))
		return nil, fmt.Errorf("wego: %s: %w", endpoint, redactURLError(err))
	}
	defer resp.Body.Close()
	data, err := readCapped(resp.Body, limit)
	c.log.LogAttrs(ctx, slog.LevelDebug, "wego: request",
		slog.String("method", req.Method), slog.String("endpoint", endpoint),
		slog.Int("status", resp.StatusCode), slog.Int("bytes", len(data)),
		slog.Duration("took", time.Since(start)))
	if err != nil {
		return nil, fmt.Errorf("wego: %s: %w", endpoint, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, &HTTPError{Endpoint: endpoint, StatusCode: resp.StatusCode, Reason: "unexpected status " + resp.Status}
	}
	return data, nil
}

// maxErrorBody caps what the SDK reads of an error answered in place of
// a download.
const maxErrorBody = 64 << 10

// download sends req and copies the body of a 200 answer into w as it
// arrives, never holding it whole: the way of the endpoints that answer
// media (a QR code image). An answer that is JSON or text is WeChat's error
// in place of the media: its errcode becomes an *APIError, anything else
// an *HTTPError, and nothing is written; so is a status other than 200.
// Past limit bytes it fails with ErrResponseTooLarge, having written limit
// bytes, or none when the answer announced its length. It logs as
// roundTrip does.
func (c *Client) download(ctx context.Context, req *http.Request, endpoint string, limit int64, w io.Writer) (int64, error) {
	a, err := c.downloadMedia(ctx, req, endpoint, limit, w, false)
	return a.n, err
}

// mediaAnswer is what downloadMedia got besides the bytes it wrote.
type mediaAnswer struct {
	n      int64       // bytes written
	header http.Header // the answer's header (Content-Type, Content-Disposition); nil without an answer
	json   []byte      // a JSON answer without errcode, when JSON was accepted; nothing was written then
}

// downloadMedia is download for the endpoints that answer some media with
// JSON (media/get a video's address, get_material a news or a video's
// description): with acceptJSON, a JSON object without a non-zero errcode
// is returned in the answer's json instead of being an error.
func (c *Client) downloadMedia(ctx context.Context, req *http.Request, endpoint string, limit int64, w io.Writer, acceptJSON bool) (mediaAnswer, error) {
	start := time.Now()
	resp, err := c.http.Do(req)
	if err != nil {
		c.log.LogAttrs(ctx, slog.LevelDebug, "wego: request failed",
			slog.String("method", req.Method), slog.String("endpoint", endpoint),
			slog.Duration("took", time.Since(start)), slog.String("error", redact(err.Error())))
		return mediaAnswer{}, fmt.Errorf("wego: %s: %w", endpoint, redactURLError(err))
	}
	defer resp.Body.Close()
	a := mediaAnswer{header: resp.Header}
	a.n, a.json, err = copyMedia(resp, endpoint, limit, w, acceptJSON)
	c.log.LogAttrs(ctx, slog.LevelDebug, "wego: request",
		slog.String("method", req.Method), slog.String("endpoint", endpoint),
		slog.Int("status", resp.StatusCode), slog.Int64("bytes", max(a.n, int64(len(a.json)))),
		slog.Duration("took", time.Since(start)))
	return a, err
}

// copyMedia copies the media resp carries into w, or with acceptJSON
// returns the JSON it carries instead; see download and downloadMedia.
func copyMedia(resp *http.Response, endpoint string, limit int64, w io.Writer, acceptJSON bool) (int64, []byte, error) {
	if resp.StatusCode != http.StatusOK {
		return 0, nil, &HTTPError{Endpoint: endpoint, StatusCode: resp.StatusCode, Reason: "unexpected status " + resp.Status}
	}
	if ct := resp.Header.Get("Content-Type"); isTextAnswer(ct) {
		limit := int64(maxErrorBody)
		if acceptJSON { // a news material's articles: up to 1 MB of content each
			limit = maxJSONResponse
		}
		body, err := readCapped(resp.Body, limit)
		if err != nil {
			return 0, nil, fmt.Errorf("wego: %s: %w", endpoint, err)
		}
		if err := checkEnvelope(endpoint, body); err != nil {
			return 0, nil, err
		}
		if trimmed := bytes.TrimSpace(body); acceptJSON && len(trimmed) > 0 && trimmed[0] == '{' && json.Valid(trimmed) {
			return 0, body, nil
		}
		return 0, nil, &HTTPError{Endpoint: endpoint, StatusCode: resp.StatusCode, Reason: "answered " + ct + " where media was expected"}
	}
	if resp.ContentLength > limit {
		return 0, nil, fmt.Errorf("wego: %s: %w: %d bytes announced, at most %d", endpoint, ErrResponseTooLarge, resp.ContentLength, limit)
	}
	n, err := io.Copy(w, io.LimitReader(resp.Body, limit))
	if err != nil {
		return n, nil, fmt.Errorf("wego: %s: %w", endpoint, err)
	}
	if n == limit {
		var one [1]byte
		if _, err := io.ReadFull(resp.Body, one[:]); err == nil {
			return n, nil, fmt.Errorf("wego: %s: %w: more than %d bytes", endpoint, ErrResponseTooLarge, limit)
		}
	}
	return n, nil, nil
}

// isTextAnswer reports whether a Content-Type is JSON or text: what WeChat
// answers instead of media when something is wrong.
func isTextAnswer(contentType string) bool {
	t, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return false
	}
	return t == "application/json" || strings.HasSuffix(t, "+json") || strings.HasPrefix(t, "text/")
}

// checkEnvelope turns a non-zero errcode into an *APIError.
func checkEnvelope(path string, body []byte) error {
	if !bytes.Contains(body, []byte(`"errcode"`)) {
		return nil
	}
	var env envelope
	if err := json.Unmarshal(body, &env); err != nil {
		return &HTTPError{Endpoint: path, StatusCode: http.StatusOK, Reason: "invalid JSON: " + err.Error()}
	}
	if env.ErrCode != 0 {
		return &APIError{Code: env.ErrCode, Msg: env.ErrMsg, Endpoint: path}
	}
	return nil
}

func decodeJSON(path string, body []byte, out any) error {
	if out == nil {
		return nil
	}
	if raw, ok := out.(*json.RawMessage); ok {
		*raw = append((*raw)[:0], body...)
		return nil
	}
	if err := json.Unmarshal(body, out); err != nil {
		return &HTTPError{Endpoint: path, StatusCode: http.StatusOK, Reason: "invalid JSON: " + err.Error()}
	}
	return nil
}

// encodeJSON marshals v without HTML escaping: WeChat stores menu URLs and
// texts as sent, so "&" must stay "&".
func encodeJSON(v any) ([]byte, error) {
	if v == nil {
		return nil, nil
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// readCapped reads r up to limit bytes and fails with ErrResponseTooLarge past it.
func readCapped(r io.Reader, limit int64) ([]byte, error) {
	data, err := appendCapped(nil, r, int(limit))
	switch {
	case errors.Is(err, errCapExceeded):
		return nil, fmt.Errorf("%w: more than %d bytes", ErrResponseTooLarge, limit)
	case err != nil:
		return nil, fmt.Errorf("read response: %w", err)
	}
	return data, nil
}

// errCapExceeded is what appendCapped reports past its limit.
var errCapExceeded = errors.New("size limit exceeded")

// appendCapped appends what r yields to dst, failing with errCapExceeded
// once more than limit bytes were read.
func appendCapped(dst []byte, r io.Reader, limit int) ([]byte, error) {
	start := len(dst)
	for {
		if len(dst) == cap(dst) {
			// At least double, from 512 bytes: append's own steps (8, 16,
			// ... then 1.25x past 256 bytes) cost a 300 KB page of
			// followers 1.5 MB of copies, and a small answer six allocations.
			grown := make([]byte, len(dst), max(512, 2*cap(dst)))
			copy(grown, dst)
			dst = grown
		}
		n, err := r.Read(dst[len(dst):cap(dst)])
		dst = dst[:len(dst)+n]
		if len(dst)-start > limit {
			return dst, errCapExceeded
		}
		if err == io.EOF {
			return dst, nil
		}
		if err != nil {
			return dst, err
		}
	}
}

// redactURLError removes secrets from the URL a *url.Error carries (net/http
// puts the whole URL, query included, into its errors).
func redactURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return &url.Error{Op: ue.Op, URL: redact(ue.URL), Err: redactedError{ue.Err}}
	}
	return redactedError{err}
}

// redactedError is err with secrets removed from its text; errors.Is and
// errors.As still reach the original.
type redactedError struct{ err error }

func (e redactedError) Error() string { return redact(e.err.Error()) }
func (e redactedError) Unwrap() error { return e.err }

func cloneValues(q url.Values) url.Values {
	out := make(url.Values, len(q)+1)
	for k, v := range q {
		out[k] = v
	}
	return out
}

// backoff returns the wait before retry n (1-based): base·2^(n-1), with ±50 % jitter.
func backoff(base time.Duration, n int) time.Duration {
	d := base << (n - 1)
	return d/2 + rand.N(d)
}

// sleep waits d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// discardHandler drops every record (slog.DiscardHandler needs Go 1.24).
type discardHandler struct{}

func (discardHandler) Enabled(context.Context, slog.Level) bool  { return false }
func (discardHandler) Handle(context.Context, slog.Record) error { return nil }
func (d discardHandler) WithAttrs([]slog.Attr) slog.Handler      { return d }
func (d discardHandler) WithGroup(string) slog.Handler           { return d }
