package wego

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"
)

// PushFunc handles one push and returns the reply, or nil to answer
// "success" (WeChat then shows the user nothing). Its ctx ends when the
// handler's deadline passes ([Settings].PushDeadline); the Push is valid
// until it returns.
type PushFunc func(ctx context.Context, p *Push) (Reply, error)

const defaultPushDeadline = 4500 * time.Millisecond

var successReply = []byte("success")

// PushHandler returns the HTTP handler of the account's server URL
// (服务器地址). GET answers WeChat's URL verification (echostr, plain or
// encrypted); POST verifies and parses the push, calls fn and writes its
// reply, encrypted when the push was.
//
// WeChat must hear back within 5 seconds or it tells the user "该公众号暂时
// 无法提供服务". [Settings].PushDeadline (4.5 s by default) counts from the
// request's arrival and bounds everything before the answer: a body still
// arriving at the deadline is cut off (408), each call of the de-dup store
// may take an eighth of the deadline, and when fn fails, panics or is still
// running at the deadline the handler logs it and answers "success". That
// answer closes the connection, so that WeChat's next push does not queue
// behind fn on a kept-alive connection; fn's context ends at the deadline.
//
// WeChat delivers a push it gets no answer to three times in all, five
// seconds apart (its page: 总共重试三次); fn runs once per message (keyed by MsgId, or for events by sender, time and event),
// through [Settings].DedupStore, which remembers it for as long as
// [Settings].PushMaxAge accepts its timestamp, so that a captured push
// replayed later is not handled again. A retry arriving while the first
// delivery still runs waits for it and answers the same reply.
//
// Requests that do not verify are answered 403 (a plain push to a client in
// safe mode too: see [Client.ParsePush]), malformed ones 400, bodies over
// 1 MiB 413; none reaches fn. A handler built without [Settings].PushToken
// or without fn answers every request 500 and logs at Error, once, what it
// lacks.
func (c *Client) PushHandler(fn PushFunc) http.Handler {
	deadline := c.pushDeadline()
	return &pushHandler{c: c, fn: fn, deadline: deadline, rules: pushRules(deadline),
		unconfigured: newUnconfigured("PushHandler", []byte(http.StatusText(http.StatusInternalServerError)),
			need{"Settings.PushToken", c.s.PushToken == ""}, need{"a PushFunc", fn == nil})}
}

type pushHandler struct {
	c            *Client
	fn           PushFunc
	deadline     time.Duration
	rules        onceRules
	unconfigured *unconfigured
}

func (h *pushHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h.unconfigured.serve(h.c, w, r) {
		return
	}
	switch r.Method {
	case http.MethodPost:
		h.servePush(w, r)
	case http.MethodGet:
		h.serveVerify(w, r)
	default:
		w.Header().Set("Allow", "GET, POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	}
}

// serveVerify answers the URL verification WeChat sends when the server
// configuration is saved: echo echostr if the signature is ours.
func (h *pushHandler) serveVerify(w http.ResponseWriter, r *http.Request) {
	c := h.c
	q := parsePushQuery(r.URL.RawQuery)
	var echo string
	switch {
	case q.msgSignature != "" && c.crypt != nil:
		var err error
		if echo, err = c.crypt.VerifyURL(q.msgSignature, q.timestamp, q.nonce, q.echostr); err != nil {
			h.reject(w, r, fmt.Errorf("wego: push verification: %w", err))
			return
		}
	default:
		if !c.checkPlainSignature(q) || q.echostr == "" {
			h.reject(w, r, fmt.Errorf("%w: push verification", ErrInvalidSignature))
			return
		}
		echo = q.echostr
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte(echo))
}

// reject answers a request that is not a valid push from WeChat, and
// closes its connection: what is left of its body is not read (net/http
// would otherwise wait for the rest of a body that drips in).
func (h *pushHandler) reject(w http.ResponseWriter, r *http.Request, err error) {
	status := http.StatusBadRequest
	switch {
	case errors.Is(err, ErrInvalidSignature), errors.Is(err, ErrPushTooOld), errors.Is(err, ErrAppIDMismatch),
		errors.Is(err, ErrPushNotEncrypted):
		status = http.StatusForbidden
	case errors.Is(err, ErrBodyTooLarge):
		status = http.StatusRequestEntityTooLarge
	case errors.Is(err, os.ErrDeadlineExceeded):
		status = http.StatusRequestTimeout // the body did not arrive by the deadline
	}
	h.c.log.LogAttrs(r.Context(), slog.LevelWarn, "wego: push rejected",
		slog.Int("status", status), slog.String("remote", r.RemoteAddr), slog.String("error", redact(err.Error())))
	w.Header().Set("Connection", "close")
	http.Error(w, http.StatusText(status), status)
}

func (h *pushHandler) servePush(w http.ResponseWriter, r *http.Request) {
	// One deadline, counted from the request's arrival, bounds everything
	// before the answer: reading the body, the de-dup store, fn.
	deadline := time.Now().Add(h.deadline)
	ctx, cancel := context.WithDeadline(r.Context(), deadline)
	defer cancel()
	s := pushPool.Get().(*pushState)
	defer s.release()
	// A body that drips in is cut off at the deadline. The read deadline is
	// cleared once the body is read: past it, the server's read ahead
	// would fail and cancel r.Context(), which fn's context derives from.
	setReadDeadline(w, deadline)
	err := h.c.parsePush(ctx, r, s, h.rules.storeTimeout)
	setReadDeadline(w, time.Time{})
	if err != nil {
		h.reject(w, r, err)
		return
	}

	a := &s.answer
	a.w = w
	// The watchdog answers "success" at the deadline if nothing has been
	// answered by then, wherever the request is held up (a store that does
	// not answer, fn running on).
	a.watchdog.Add(1)
	watchdog := time.AfterFunc(time.Until(deadline), func() {
		defer a.watchdog.Done()
		h.timeUp(ctx, s)
	})
	defer func() {
		if watchdog.Stop() {
			a.watchdog.Done() // the watchdog will not run
		} else {
			a.watchdog.Wait() // it ran (or runs): let it finish with the writer
		}
	}()

	rules := h.rules
	rules.keep = h.c.replayKeep(s.Push.ts, time.Now())
	flush := !h.c.pushOnce.inline
	answer, err := h.c.pushOnce.do(ctx, s.Push.dedupKey(), rules, func(ctx context.Context) ([]byte, error) {
		out := h.run(ctx, s)
		// Answer before the store records the result: a slow store then
		// delays neither the answer nor, flushed, its delivery.
		a.write(out, flush)
		return out, nil
	})
	switch {
	case errors.Is(err, errNoTimeLeft):
		h.c.appLog().LogAttrs(ctx, slog.LevelError, "wego: push deadline passed before the handler could run, answered success",
			slog.String("type", s.Push.Type), slog.Duration("deadline", h.deadline))
		answer = successReply
	case err != nil:
		// The first delivery of this push is still running, here past our
		// deadline or on another server: answer success in time.
		h.c.log.LogAttrs(ctx, slog.LevelWarn, "wego: push retry found its first delivery unfinished, answered success",
			slog.String("type", s.Push.Type), slog.String("error", redact(err.Error())))
		answer = successReply
	}
	a.write(answer, false)
}

// timeUp is the watchdog: at the deadline, it answers "success" unless
// something was answered. The answer closes the connection, so that a
// keep-alive client does not queue its next push behind a handler that is
// still running.
func (h *pushHandler) timeUp(ctx context.Context, s *pushState) {
	// ctx's deadline is this timer's, but ctx's own timer may fire after
	// this one: let fn see DeadlineExceeded, not the cancellation that
	// follows WeChat closing the connection once it has the answer.
	<-ctx.Done()
	a := &s.answer
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.answered {
		return
	}
	h.c.appLog().LogAttrs(ctx, slog.LevelError, "wego: push handler missed its deadline, answered success",
		slog.String("type", s.Push.Type), slog.Duration("deadline", h.deadline))
	a.writeLocked(successReply, true, true)
}

// setReadDeadline sets the read deadline of w's connection, as
// http.ResponseController does but without allocating when w does not
// support it (a recorder in tests: it has no connection to cut off).
func setReadDeadline(w http.ResponseWriter, t time.Time) {
	for {
		switch rw := w.(type) {
		case interface{ SetReadDeadline(time.Time) error }:
			_ = rw.SetReadDeadline(t)
			return
		case interface{ Unwrap() http.ResponseWriter }:
			w = rw.Unwrap()
		default:
			return
		}
	}
}

// dedupKey names a delivery: the message id for messages; sender, time,
// event and key for events (WeChat's advice is sender and time, but a user
// who follows by scanning sends subscribe and LOCATION in the same second),
// the publish job of PUBLISHJOBFINISH, whose sender is always the
// account's mass-send helper and which carries neither id nor key (two jobs
// ending in the same second are two events), and the templates of a
// subscription event.
func (p *Push) dedupKey() string {
	if id := p.MsgID(); id != "" {
		return "push:" + p.c.s.AppID + ":" + id
	}
	key := "push:" + p.c.s.AppID + ":" + p.FromUser + ":" + p.doc.Get("CreateTime") + ":" + p.doc.Get("Event") + ":" + p.doc.Get("EventKey")
	if job := p.doc.Get(publishInfoPublishID); job != "" {
		key += ":" + job
	}
	if prefix, ok := subscribeEventContainer[p.Type]; ok {
		// Subscription events carry no key either: two popups of one user
		// in one second (two pages asking) differ by their templates and,
		// for sent events, their msg ids.
		for name, value := range p.doc.All() {
			if field, ok := strings.CutPrefix(name, prefix); ok && (field == "TemplateId" || field == "MsgID") {
				key += ":" + value
			}
		}
	}
	return key
}

// pushRules are the de-duplication rules of pushes: a claim lives a minute
// (WeChat delivers a push three times in all, five seconds apart); a result is kept
// while the push's timestamp is accepted (set per push, see
// Client.replayKeep); a copy waits for another server's run until its own
// deadline; one call of the store may take an eighth of the deadline (a
// Redis call takes a millisecond: an eighth is far beyond a healthy store
// and leaves fn most of the time); and a failing store does not stop a
// push from being handled (a rare duplicate is better than a lost message).
func pushRules(deadline time.Duration) onceRules {
	return onceRules{lease: time.Minute, keep: time.Minute, wait: deadline, storeTimeout: deadline / 8, failOpen: true}
}

// pushAnswer writes the one answer of a push request: from the request's
// goroutine, or from the watchdog when the deadline passes first. Whichever
// comes first answers; the other writes nothing. It lives in the pooled
// pushState.
type pushAnswer struct {
	w        http.ResponseWriter
	mu       sync.Mutex
	answered bool
	watchdog sync.WaitGroup // the watchdog's run, waited for before the request ends
}

// write answers body unless something was answered already; flush sends it
// at once.
func (a *pushAnswer) write(body []byte, flush bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if !a.answered {
		a.writeLocked(body, flush, false)
	}
}

// writeLocked answers body, flushing it when asked and asking the client to
// close the connection after it when closeConn; a.mu is held and nothing
// was answered.
func (a *pushAnswer) writeLocked(body []byte, flush, closeConn bool) {
	a.answered = true
	hd := a.w.Header()
	hd.Set("Content-Type", "application/xml; charset=utf-8")
	if closeConn {
		hd.Set("Connection", "close")
	}
	if flush {
		// The length lets WeChat take the answer as complete while the
		// handler still runs.
		hd.Set("Content-Length", strconv.Itoa(len(body)))
	}
	_, _ = a.w.Write(body)
	if flush {
		_ = http.NewResponseController(a.w).Flush()
	}
}

// run calls fn on the request's goroutine (no goroutine per push: the wake-up
// would cost more than the rest of the round trip) and returns the answer:
// the reply, or "success" when fn failed, panicked or returned an invalid
// reply. Should fn run past the deadline, the watchdog has answered
// "success" meanwhile and this answer is dropped.
func (h *pushHandler) run(ctx context.Context, s *pushState) []byte {
	p := &s.Push
	reply, panicked, err := h.call(ctx, p)
	switch {
	case panicked != nil:
		h.c.appLog().LogAttrs(ctx, slog.LevelError, "wego: push handler panicked, answered success",
			slog.String("type", p.Type), slog.String("panic", redact(fmt.Sprint(panicked.value))), slog.String("stack", string(panicked.stack)))
		return successReply
	case err != nil:
		h.c.appLog().LogAttrs(ctx, slog.LevelError, "wego: push handler failed, answered success",
			slog.String("type", p.Type), slog.String("error", redact(err.Error())))
		return successReply
	}
	s.out, s.plain, err = p.appendReply(s.out[:0], s.plain, reply, time.Now())
	if err != nil {
		h.c.appLog().LogAttrs(ctx, slog.LevelError, "wego: push reply invalid, answered success",
			slog.String("type", p.Type), slog.String("error", redact(err.Error())))
		return successReply
	}
	return s.out
}

// recovered is a panic of fn and where it happened.
type recovered struct {
	value any
	stack []byte
}

// call runs fn, turning a panic into a value.
func (h *pushHandler) call(ctx context.Context, p *Push) (reply Reply, panicked *recovered, err error) {
	defer func() {
		if v := recover(); v != nil {
			panicked = &recovered{value: v, stack: debug.Stack()}
		}
	}()
	reply, err = h.fn(ctx, p)
	return reply, nil, err
}

// PushRouter dispatches pushes by type to the functions registered for
// them: a small router for those who want one.
//
//	var r wego.PushRouter
//	r.On(wego.PushText, func(ctx context.Context, p *wego.Push) (wego.Reply, error) {
//		return wego.Text("you said " + p.Content()), nil
//	})
//	r.On(wego.PushSubscribe, welcome) // follows from a QR code too
//	http.Handle("/wechat", c.PushHandler(r.Handle))
//
// A follow from a QR code with a scene is typed [PushScanSubscribe]; it goes
// to the [PushSubscribe] route unless it has a route of its own, so a
// handler written for follows gets every follow.
//
// Register everything before serving; the zero value routes nothing and
// answers "success".
type PushRouter struct {
	routes   map[string]PushFunc
	fallback PushFunc
}

// On routes pushes whose [Push].Type is typ (a Push* constant: a message
// such as [PushText] or an event such as [PushClick]) to fn.
func (rt *PushRouter) On(typ string, fn PushFunc) {
	if rt.routes == nil {
		rt.routes = make(map[string]PushFunc)
	}
	rt.routes[typ] = fn
}

// Default routes every push no other route takes to fn.
func (rt *PushRouter) Default(fn PushFunc) { rt.fallback = fn }

// Handle is the router as a [PushFunc].
func (rt *PushRouter) Handle(ctx context.Context, p *Push) (Reply, error) {
	if fn, ok := rt.routes[p.Type]; ok {
		return fn(ctx, p)
	}
	if p.Type == PushScanSubscribe {
		if fn, ok := rt.routes[PushSubscribe]; ok {
			return fn(ctx, p)
		}
	}
	if rt.fallback != nil {
		return rt.fallback(ctx, p)
	}
	return nil, nil
}
