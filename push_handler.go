package wego

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strconv"
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
// 无法提供服务". So when fn fails, panics or runs past [Settings].PushDeadline
// (4.5 s by default), the handler logs it and answers "success". WeChat
// retries a push it got no answer to up to three times; fn runs once per
// message (keyed by MsgId, or for events by sender, time and event), through
// [Settings].DedupStore. A retry arriving while the first delivery still runs
// waits for it and answers the same reply.
//
// Requests that do not verify are answered 403, malformed ones 400, bodies
// over 1 MiB 413; none reaches fn.
func (c *Client) PushHandler(fn PushFunc) http.Handler {
	deadline := c.s.PushDeadline
	if deadline == 0 {
		deadline = defaultPushDeadline
	}
	return &pushHandler{c: c, fn: fn, deadline: deadline, rules: pushRules(deadline)}
}

type pushHandler struct {
	c        *Client
	fn       PushFunc
	deadline time.Duration
	rules    onceRules
}

func (h *pushHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
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
	case c.s.PushToken == "":
		h.reject(w, r, errNoPushToken)
		return
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

// reject answers a request that is not a valid push from WeChat.
func (h *pushHandler) reject(w http.ResponseWriter, r *http.Request, err error) {
	status := http.StatusBadRequest
	switch {
	case errors.Is(err, ErrInvalidSignature), errors.Is(err, ErrPushTooOld), errors.Is(err, ErrAppIDMismatch):
		status = http.StatusForbidden
	case errors.Is(err, ErrBodyTooLarge):
		status = http.StatusRequestEntityTooLarge
	}
	h.c.log.LogAttrs(r.Context(), slog.LevelWarn, "wego: push rejected",
		slog.Int("status", status), slog.String("remote", r.RemoteAddr), slog.String("error", redact(err.Error())))
	http.Error(w, http.StatusText(status), status)
}

func (h *pushHandler) servePush(w http.ResponseWriter, r *http.Request) {
	s := pushPool.Get().(*pushState)
	defer s.release()
	if err := h.c.parsePush(r, s); err != nil {
		h.reject(w, r, err)
		return
	}
	// One deadline for the whole answer, waiting for a first delivery included.
	ctx, cancel := context.WithTimeout(r.Context(), h.deadline)
	defer cancel()
	s.answer.w = w
	answer, err := h.c.pushOnce.do(ctx, s.Push.dedupKey(), h.rules, func(ctx context.Context) ([]byte, error) {
		return h.run(ctx, s), nil
	})
	if err != nil {
		// The first delivery of this push is still running, here past our
		// deadline or on another server: answer success in time.
		h.c.log.LogAttrs(ctx, slog.LevelWarn, "wego: push retry found its first delivery unfinished, answered success",
			slog.String("type", s.Push.Type), slog.String("error", redact(err.Error())))
		answer = successReply
	}
	s.answer.write(answer)
}

// dedupKey names a delivery: the message id for messages; sender, time,
// event and key for events (WeChat's advice is sender and time, but a user
// who follows by scanning sends subscribe and LOCATION in the same second).
func (p *Push) dedupKey() string {
	if id := p.MsgID(); id != "" {
		return "push:" + p.c.s.AppID + ":" + id
	}
	return "push:" + p.c.s.AppID + ":" + p.FromUser + ":" + p.doc.Get("CreateTime") + ":" + p.doc.Get("Event") + ":" + p.doc.Get("EventKey")
}

// pushRules are the de-duplication rules of pushes: WeChat retries a push
// three times, five seconds apart, so a result is kept a minute; a copy
// waits for another server's run until its own deadline; and a failing store
// does not stop a push from being handled (a rare duplicate is better than a
// lost message).
func pushRules(deadline time.Duration) onceRules {
	return onceRules{lease: time.Minute, keep: time.Minute, wait: deadline, failOpen: true}
}

// pushAnswer writes the one answer of a push request: from the request's
// goroutine, or from the watchdog when fn overruns the deadline. Whichever
// comes first answers; the other writes nothing. It lives in the pooled
// pushState.
type pushAnswer struct {
	w        http.ResponseWriter
	mu       sync.Mutex
	answered bool
	watchdog sync.WaitGroup // the watchdog's run, waited for before the request ends
}

// write answers body unless the watchdog answered already.
func (a *pushAnswer) write(body []byte) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if !a.answered {
		a.writeLocked(body, false)
	}
}

// writeLocked answers body, flushing it when asked; a.mu is held and no
// answer was written.
func (a *pushAnswer) writeLocked(body []byte, flush bool) {
	a.answered = true
	hd := a.w.Header()
	hd.Set("Content-Type", "application/xml; charset=utf-8")
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
// would cost more than the rest of the round trip) and returns the answer.
// Should fn run past the deadline, the watchdog answers "success" and
// flushes it, so WeChat has its answer in time while fn finishes.
func (h *pushHandler) run(ctx context.Context, s *pushState) []byte {
	p, a := &s.Push, &s.answer
	a.watchdog.Add(1)
	watchdog := time.AfterFunc(h.deadline, func() {
		defer a.watchdog.Done()
		// ctx's deadline came first (it was set before this timer), but its
		// timer may run after this one: let fn see DeadlineExceeded, not
		// the cancellation that follows WeChat closing the connection once
		// it has the answer.
		<-ctx.Done()
		a.mu.Lock()
		defer a.mu.Unlock()
		if !a.answered {
			h.c.log.LogAttrs(ctx, slog.LevelError, "wego: push handler missed its deadline, answered success",
				slog.String("type", p.Type), slog.Duration("deadline", h.deadline))
			a.writeLocked(successReply, true)
		}
	})
	reply, panicked, err := h.call(ctx, p)
	if watchdog.Stop() {
		a.watchdog.Done() // the watchdog will not run
	} else {
		a.watchdog.Wait() // it ran (or runs): let it finish with the writer
	}
	switch {
	case panicked != nil:
		h.c.log.LogAttrs(ctx, slog.LevelError, "wego: push handler panicked, answered success",
			slog.String("type", p.Type), slog.String("panic", fmt.Sprint(panicked.value)), slog.String("stack", string(panicked.stack)))
		return successReply
	case err != nil:
		h.c.log.LogAttrs(ctx, slog.LevelError, "wego: push handler failed, answered success",
			slog.String("type", p.Type), slog.String("error", redact(err.Error())))
		return successReply
	}
	s.out, s.plain, err = p.appendReply(s.out[:0], s.plain, reply, time.Now())
	if err != nil {
		h.c.log.LogAttrs(ctx, slog.LevelError, "wego: push reply invalid, answered success",
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
//	r.OnText(func(ctx context.Context, p *wego.Push) (wego.Reply, error) {
//		return wego.Text("you said " + p.Content()), nil
//	})
//	r.OnEvent(wego.PushSubscribe, welcome)
//	http.Handle("/wechat", c.PushHandler(r.Handle))
//
// Register everything before serving; the zero value routes nothing and
// answers "success".
type PushRouter struct {
	routes   map[string]PushFunc
	fallback PushFunc
}

// On routes pushes whose [Push].Type is typ (a Push* constant) to fn.
func (rt *PushRouter) On(typ string, fn PushFunc) {
	if rt.routes == nil {
		rt.routes = make(map[string]PushFunc)
	}
	rt.routes[typ] = fn
}

// OnText routes text messages to fn.
func (rt *PushRouter) OnText(fn PushFunc) { rt.On(PushText, fn) }

// OnEvent routes the event typ (such as [PushSubscribe] or [PushClick]) to fn.
func (rt *PushRouter) OnEvent(typ string, fn PushFunc) { rt.On(typ, fn) }

// Default routes every push no other route takes to fn.
func (rt *PushRouter) Default(fn PushFunc) { rt.fallback = fn }

// Handle is the router as a [PushFunc].
func (rt *PushRouter) Handle(ctx context.Context, p *Push) (Reply, error) {
	if fn, ok := rt.routes[p.Type]; ok {
		return fn(ctx, p)
	}
	if rt.fallback != nil {
		return rt.fallback(ctx, p)
	}
	return nil, nil
}
