package redisstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wego-sdk/wego"
	"github.com/wego-sdk/wego/wegotest"
)

// The tests of this file play one deployment of two servers, A and B,
// behind WeChat: each server has its own wego.Client, its own Redis client
// and its own Store, and the stores share one key prefix, as the servers
// of one deployment share one Redis. WeChat (wegotest) delivers a push or
// a pay notification to one and its repeat to the other.

// server is one server of a deployment.
type server struct {
	c     *wego.Client
	rdb   *redis.Client
	store *Store
	// waiting receives the key of a delivery each time this server's
	// Claim finds it held by a run that has not finished: the tests' way
	// to know, without sleeping, that a copy waits for the other server.
	waiting chan string
}

// deployment is two servers sharing one Redis, and the WeChat they serve.
type deployment struct {
	srv  *wegotest.Server
	a, b server
	logs *syncBuffer // what both clients logged
}

// newDeployment starts a fake WeChat and two servers on the Redis at addr,
// their Redis clients built from opts (nil: go-redis's defaults). edit,
// when not nil, changes the settings both clients are built with. When
// the test ends it checks that nothing either client logged holds a
// secret of the account.
func newDeployment(t *testing.T, addr string, opts *redis.Options, edit func(*wego.Settings)) *deployment {
	t.Helper()
	d := &deployment{srv: wegotest.New(t), logs: &syncBuffer{}}
	prefix := testPrefix(t) // one deployment: both servers share it
	logger := slog.New(slog.NewTextHandler(d.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	for _, sv := range []*server{&d.a, &d.b} {
		o := redis.Options{}
		if opts != nil {
			o = *opts
		}
		o.Addr = addr
		sv.rdb = redis.NewClient(&o)
		t.Cleanup(func() { sv.rdb.Close() })
		sv.waiting = make(chan string, 1)
		s := d.srv.Settings()
		sv.store = New(sv.rdb, WithPrefix(prefix))
		s.DedupStore = &watchedStore{Store: sv.store, waiting: sv.waiting}
		s.Logger = logger
		if edit != nil {
			edit(&s)
		}
		c, err := wego.NewClient(s)
		require.NoError(t, err)
		sv.c = c
	}
	t.Cleanup(func() {
		out := d.logs.String()
		for name, secret := range map[string]string{
			"AppSecret": d.srv.AppSecret, "MchSecret": d.srv.MchSecret,
			"PushToken": d.srv.PushToken, "EncodingAESKey": d.srv.PushEncodingAESKey,
		} {
			assert.NotContains(t, out, secret, "the logs reveal the %s", name)
		}
		if t.Failed() {
			t.Log("the clients' logs:\n" + out)
		}
	})
	return d
}

// watchedStore is a Store that reports on waiting each time a Claim of a
// delivery (a push or a pay notification, not a plain push's signature)
// finds the key held by a run that has not finished.
type watchedStore struct {
	*Store
	waiting chan<- string
}

func (w *watchedStore) Claim(ctx context.Context, key string, ttl time.Duration) (bool, []byte, bool, error) {
	claimed, result, done, err := w.Store.Claim(ctx, key, ttl)
	if err == nil && !claimed && !done && !strings.HasPrefix(key, "pushsig:") {
		select {
		case w.waiting <- key:
		default: // the test has been told already
		}
	}
	return claimed, result, done, err
}

// syncBuffer is a bytes.Buffer safe for concurrent use: the clients log
// from the handlers' goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// waitFor returns what ch receives, failing the test if nothing comes
// within a generous bound (the event is due in milliseconds; the bound
// only keeps a broken build from hanging).
func waitFor[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
		panic("unreachable")
	}
}

// pushCase is a push and how WeChat sends it.
type pushCase struct {
	name  string
	plain bool // plain mode (明文模式); otherwise safe mode (encrypted)
	msg   func() wegotest.Message
}

var pushCases = []pushCase{
	{"safe text", false, func() wegotest.Message { return wegotest.TextMessage("oFanA1", "hi") }},
	{"plain text", true, func() wegotest.Message { return wegotest.TextMessage("oFanA1", "hi") }},
	// An event has no MsgId: it is known by sender, time, event and key.
	{"safe subscribe event", false, func() wegotest.Message {
		return wegotest.EventMessage("oFanA1", wegotest.EventSubscribe, "")
	}},
	{"plain subscribe event", true, func() wegotest.Message {
		return wegotest.EventMessage("oFanA1", wegotest.EventSubscribe, "")
	}},
}

// pushDeployment is a deployment for c, in plain or safe mode.
func pushDeployment(t *testing.T, c pushCase) *deployment {
	d := newDeployment(t, redisAddr, nil, func(s *wego.Settings) {
		if c.plain {
			s.PushEncodingAESKey = "" // a plain-mode account has no key
		}
	})
	if c.plain {
		d.srv.SetPushMode(wegotest.PushPlain)
	}
	return d
}

// numbered is a push function that counts its runs and puts the count in
// its reply, so that a reply tells which run wrote it.
func numbered(runs *atomic.Int32) wego.PushFunc {
	return func(_ context.Context, p *wego.Push) (wego.Reply, error) {
		n := runs.Add(1)
		return wego.Text(fmt.Sprintf("run %d: %s %s", n, p.Type, p.Content())), nil
	}
}

// A push delivered to server A and WeChat's retry of it delivered to
// server B: the function runs once in all, and B answers A's reply, byte
// for byte (in safe mode, the very ciphertext A answered). A new message
// on B still runs the function: B de-duplicates, it does not drop.
func TestPushRetryOnAnotherServerIsHandledOnce(t *testing.T) {
	t.Parallel()
	for _, tc := range pushCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			d := pushDeployment(t, tc)
			var runs atomic.Int32
			hA, hB := d.a.c.PushHandler(numbered(&runs)), d.b.c.PushHandler(numbered(&runs))

			msg := tc.msg()
			ra, err := d.srv.Deliver(hA, msg)
			require.NoError(t, err)
			require.False(t, ra.Success(), "A answers the function's reply")
			assert.True(t, strings.HasPrefix(ra.Get("Content"), "run 1: "), ra.Get("Content"))
			assert.Equal(t, tc.plain, !bytes.Contains(ra.Body, []byte("<Encrypt>")), "encrypted in safe mode only")

			rb, err := d.srv.Deliver(hB, msg) // WeChat's retry, to the other server
			require.NoError(t, err)
			assert.Equal(t, int32(1), runs.Load(), "the retry on B does not run the function again")
			assert.Equal(t, string(ra.Body), string(rb.Body), "B answers A's reply, byte for byte")
			assert.Equal(t, ra.Get("Content"), rb.Get("Content"))

			other := tc.msg() // another message: a new MsgId, or another CreateTime...
			if !strings.Contains(tc.name, "text") {
				// ...but an event made in the same second is the same event:
				// tell this one apart by its key.
				other = other.With("EventKey", "qrscene_42")
			}
			ro, err := d.srv.Deliver(hB, other)
			require.NoError(t, err)
			assert.Equal(t, int32(2), runs.Load(), "a new message on B runs the function")
			assert.True(t, strings.HasPrefix(ro.Get("Content"), "run 2: "), ro.Get("Content"))
		})
	}
}

// The retry reaches server B while A's function still runs: B waits for
// A and answers A's reply; the function runs once. The order of events is
// forced with channels: A's function holds until B has found A's claim.
func TestPushRetryOnAnotherServerWaitsForTheFirst(t *testing.T) {
	t.Parallel()
	for _, tc := range pushCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			d := pushDeployment(t, tc)
			var runs atomic.Int32
			var aReturned atomic.Bool
			entered, release := make(chan struct{}), make(chan struct{})
			var releaseOnce sync.Once
			letAGo := func() { releaseOnce.Do(func() { close(release) }) }
			t.Cleanup(letAGo) // should the test stop early
			hA := d.a.c.PushHandler(func(ctx context.Context, p *wego.Push) (wego.Reply, error) {
				close(entered)
				<-release // slow: the retry arrives on B meanwhile
				r, err := numbered(&runs)(ctx, p)
				aReturned.Store(true)
				return r, err
			})
			hB := d.b.c.PushHandler(numbered(&runs))

			type answer struct {
				r   *wegotest.PushReply
				err error
				// afterA: A's function had returned when the answer came.
				afterA bool
			}
			msg := tc.msg()
			deliver := func(h any) <-chan answer {
				ch := make(chan answer, 1)
				go func() {
					r, err := d.srv.Deliver(h, msg)
					ch <- answer{r, err, aReturned.Load()}
				}()
				return ch
			}
			fromA := deliver(hA)
			waitFor(t, entered, "A's function to start")
			fromB := deliver(hB)
			key := waitFor(t, d.b.waiting, "B to find A's claim")
			assert.True(t, strings.HasPrefix(key, "push:"), key)
			letAGo()

			a, b := waitFor(t, fromA, "A's answer"), waitFor(t, fromB, "B's answer")
			require.NoError(t, a.err)
			require.NoError(t, b.err)
			assert.Equal(t, int32(1), runs.Load(), "the function runs once")
			require.False(t, b.r.Success(), "B answers the reply, not success")
			assert.True(t, b.afterA, "B answered after A's function returned")
			assert.Equal(t, string(a.r.Body), string(b.r.Body), "B answers A's reply, byte for byte")
			assert.True(t, strings.HasPrefix(b.r.Get("Content"), "run 1: "), b.r.Get("Content"))
		})
	}
}

// notified is what a pay notification function saw: which server ran it
// and for which order.
type notified struct {
	server, outTradeNo, transactionID string
}

// payHandlers returns the pay notification handlers of servers A and B,
// which check the amount (29.90 yuan) and call paid with the server's
// name, and routes WeChat's notify_url (the PayNotifyURL of the settings)
// to A: srv.PayOrder and srv.ResendPayNotify reach A, and
// srv.DeliverPayNotify(hB, ...) plays WeChat's repeat reaching B.
func (d *deployment) payHandlers(paid func(ctx context.Context, server string, n *wego.PayNotify) error) (hA, hB http.Handler) {
	handler := func(name string, c *wego.Client) http.Handler {
		return c.PayNotifyHandler(func(ctx context.Context, n *wego.PayNotify) error {
			if err := c.CheckPaidAmount(n, 2990); err != nil {
				return err
			}
			return paid(ctx, name, n)
		})
	}
	hA, hB = handler("A", d.a.c), handler("B", d.b.c)
	d.srv.SetApp(hA)
	return hA, hB
}

// order places an order of 29.90 yuan through server A, to be paid with
// srv.PayOrder.
func (d *deployment) order(t *testing.T, outTradeNo string) {
	t.Helper()
	_, err := d.a.c.UnifiedOrder(context.Background(), wego.UnifiedOrderRequest{
		Body: "T恤", OutTradeNo: outTradeNo, TotalFee: 2990, SpbillCreateIP: "1.2.3.4", OpenID: "oPayerA1",
	})
	require.NoError(t, err)
}

// recorder collects what the pay functions saw.
type recorder struct {
	mu   sync.Mutex
	seen []notified
}

func (r *recorder) add(server string, n *wego.PayNotify) {
	r.mu.Lock()
	r.seen = append(r.seen, notified{server, n.OutTradeNo, n.TransactionID})
	r.mu.Unlock()
}

func (r *recorder) calls() []notified {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]notified(nil), r.seen...)
}

// isFail tells whether err is the merchant's FAIL answer.
func isFail(err error) bool {
	var rej *wegotest.NotifyRejectedError
	return errors.As(err, &rej) && rej.ReturnCode == "FAIL"
}

// A pay notification delivered to server A and WeChat's repeat of it
// delivered to server B (the same signed body, byte for byte): the
// function runs once, on A, and both answer SUCCESS. Another order's
// notification reaching B first runs on B.
func TestPayNotifyRepeatOnAnotherServerIsHandledOnce(t *testing.T) {
	t.Parallel()
	d := newDeployment(t, redisAddr, nil, nil)
	var rec recorder
	_, hB := d.payHandlers(func(_ context.Context, server string, n *wego.PayNotify) error {
		rec.add(server, n)
		return nil
	})
	d.order(t, "dedup-1")
	require.NoError(t, d.srv.PayOrder("dedup-1"), "A answers SUCCESS")
	require.NoError(t, d.srv.DeliverPayNotify(hB, "dedup-1"), "B answers SUCCESS")
	require.NoError(t, d.srv.ResendPayNotify("dedup-1"), "A again: SUCCESS")
	calls := rec.calls()
	require.Len(t, calls, 1, "three deliveries on two servers, one run")
	assert.Equal(t, "A", calls[0].server)
	assert.Equal(t, "dedup-1", calls[0].outTradeNo)
	assert.NotEmpty(t, calls[0].transactionID)

	d.srv.SetApp(hB) // the next order's notification reaches B first
	d.order(t, "dedup-2")
	require.NoError(t, d.srv.PayOrder("dedup-2"))
	require.NoError(t, d.srv.DeliverPayNotify(d.a.c.PayNotifyHandler(func(context.Context, *wego.PayNotify) error {
		t.Error("A ran a notification B handled")
		return nil
	}), "dedup-2"))
	calls = rec.calls()
	require.Len(t, calls, 2)
	assert.Equal(t, notified{"B", "dedup-2", calls[1].transactionID}, calls[1])
}

// WeChat's repeat reaches server B while A's function still runs, and B
// waits. When A's function succeeds, B answers SUCCESS after it, without
// running the function. When it fails, A answers FAIL and releases the
// claim; B, looking again (every 50 ms, for up to 5 s), finds it gone,
// claims it, runs the function itself and answers SUCCESS. (A copy
// waiting in A's own process is answered FAIL with A's run instead.)
// Either way, a later repeat is answered SUCCESS without a run.
func TestPayNotifyRepeatOnAnotherServerWaitsForTheFirst(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		aErr    error
		servers []string // the runs, in order
	}{
		{"A succeeds", nil, []string{"A"}},
		{"A fails", errors.New("database down"), []string{"A", "B"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			d := newDeployment(t, redisAddr, nil, nil)
			var rec recorder
			var aReturned atomic.Bool
			entered, release := make(chan struct{}), make(chan struct{})
			var releaseOnce sync.Once
			letAGo := func() { releaseOnce.Do(func() { close(release) }) }
			t.Cleanup(letAGo) // should the test stop early
			_, hB := d.payHandlers(func(_ context.Context, server string, n *wego.PayNotify) error {
				rec.add(server, n)
				if server == "A" {
					close(entered)
					<-release // slow: the repeat reaches B meanwhile
					aReturned.Store(true)
					return tc.aErr
				}
				return nil
			})
			d.order(t, "slow-1")

			type answer struct {
				err    error
				afterA bool // A's function had returned when the answer came
			}
			deliver := func(f func() error) <-chan answer {
				ch := make(chan answer, 1)
				go func() {
					err := f()
					ch <- answer{err, aReturned.Load()}
				}()
				return ch
			}
			fromA := deliver(func() error { return d.srv.PayOrder("slow-1") })
			waitFor(t, entered, "A's function to start")
			fromB := deliver(func() error { return d.srv.DeliverPayNotify(hB, "slow-1") })
			key := waitFor(t, d.b.waiting, "B to find A's claim")
			assert.True(t, strings.HasPrefix(key, "pay:"), key)
			letAGo()

			a, b := waitFor(t, fromA, "A's answer"), waitFor(t, fromB, "B's answer")
			if tc.aErr == nil {
				assert.NoError(t, a.err, "A answers SUCCESS")
			} else {
				assert.True(t, isFail(a.err), "A answers FAIL: %v", a.err)
			}
			assert.NoError(t, b.err, "B answers SUCCESS")
			assert.True(t, b.afterA, "B answered after A's function returned")
			var servers []string
			for _, c := range rec.calls() {
				servers = append(servers, c.server)
			}
			assert.Equal(t, tc.servers, servers, "the runs")

			require.NoError(t, d.srv.ResendPayNotify("slow-1"), "a later repeat is answered SUCCESS")
			require.NoError(t, d.srv.DeliverPayNotify(hB, "slow-1"))
			assert.Len(t, rec.calls(), len(tc.servers), "without a run")
		})
	}
}

// failFast are go-redis options under which a command to a Redis that is
// down fails at once: one dial, no retry.
func failFast() *redis.Options {
	return &redis.Options{
		DialTimeout:        200 * time.Millisecond,
		DialerRetries:      1,
		DialerRetryTimeout: time.Millisecond,
		MaxRetries:         -1,
	}
}

// waitRedis waits until the servers' stores reach the Redis that was
// restarted. After failed dials go-redis may answer its last dial error
// until a background dial succeeds (it tries once a second), and the
// store fails fast for a second after a failure (WithFailFast); WeChat's
// repeat of a notification answered FAIL comes minutes later.
func waitRedis(t *testing.T, servers ...*server) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for _, sv := range servers {
		for sv.rdb.Ping(context.Background()).Err() != nil {
			if time.Now().After(deadline) {
				t.Fatal("the clients did not reconnect to the restarted Redis")
			}
			time.Sleep(20 * time.Millisecond)
		}
		for {
			_, _, err := sv.store.Session(context.Background(), "probe")
			if err == nil {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the store still fails after Redis came back: %v", err)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}

// The push deadline of the Redis-down tests (WeChat waits 5 s).
const downPushDeadline = 3 * time.Second

// Redis is down (killed) when a push arrives: de-duplication fails open.
// The push is handled and answered within the push deadline, on A, and
// WeChat's retry of it on B is handled again (a repeat handled twice
// rather than a message lost). Once Redis is back (empty), the push
// delivered again is handled once more and its retry on the other server
// is de-duplicated again.
func TestRedisDownPushFailsOpen(t *testing.T) {
	t.Parallel()
	for _, tc := range pushCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := startRedis(t)
			d := newDeployment(t, r.Addr, failFast(), func(s *wego.Settings) {
				s.PushDeadline = downPushDeadline
				if tc.plain {
					s.PushEncodingAESKey = ""
				}
			})
			if tc.plain {
				d.srv.SetPushMode(wegotest.PushPlain)
			}
			var runs atomic.Int32
			hA, hB := d.a.c.PushHandler(numbered(&runs)), d.b.c.PushHandler(numbered(&runs))
			// Redis up: both servers hold connections to it.
			warmUp := wegotest.TextMessage("oWarmUp", "warm up")
			for _, h := range []any{hA, hB} {
				_, err := d.srv.Deliver(h, warmUp)
				require.NoError(t, err)
			}
			require.Equal(t, int32(1), runs.Load())

			r.stop()
			msg := tc.msg()
			ra, err := d.srv.Deliver(hA, msg)
			require.NoError(t, err)
			assert.True(t, strings.HasPrefix(ra.Get("Content"), "run 2: "), "A handled it: %q", ra.Get("Content"))
			assert.Less(t, ra.Took, downPushDeadline, "answered within the push deadline")
			rb, err := d.srv.Deliver(hB, msg)
			require.NoError(t, err)
			assert.True(t, strings.HasPrefix(rb.Get("Content"), "run 3: "), "B handled the retry again: %q", rb.Get("Content"))
			assert.Less(t, rb.Took, downPushDeadline)
			assert.Equal(t, int32(3), runs.Load())
			logs := d.logs.String()
			assert.Contains(t, logs, "dedup store failed, handling anyway")
			assert.NotContains(t, logs, "oFanA1", "the sender stays out of the logs")

			r.restart(t)
			waitRedis(t, &d.a, &d.b)
			ra, err = d.srv.Deliver(hA, msg)
			require.NoError(t, err)
			assert.True(t, strings.HasPrefix(ra.Get("Content"), "run 4: "), "the restarted Redis is empty: %q", ra.Get("Content"))
			rb, err = d.srv.Deliver(hB, msg)
			require.NoError(t, err)
			assert.Equal(t, int32(4), runs.Load(), "de-duplicated across servers again")
			assert.Equal(t, string(ra.Body), string(rb.Body))
		})
	}
}

// Redis is down (killed) when a pay notification arrives: de-duplication
// fails closed. A and B answer FAIL without running the function, so that
// WeChat repeats it later. Once Redis is back, the repeat is handled once
// and answered SUCCESS, on whichever server it lands, and so are the
// repeats after it, without a run.
func TestRedisDownPayNotifyFailsClosed(t *testing.T) {
	t.Parallel()
	r := startRedis(t)
	d := newDeployment(t, r.Addr, failFast(), nil)
	var rec recorder
	_, hB := d.payHandlers(func(_ context.Context, server string, n *wego.PayNotify) error {
		rec.add(server, n)
		return nil
	})
	// Redis up: a first order is handled, and both servers hold connections.
	d.order(t, "up-1")
	require.NoError(t, d.srv.PayOrder("up-1"))
	require.NoError(t, d.srv.DeliverPayNotify(hB, "up-1"))
	require.Len(t, rec.calls(), 1)

	d.order(t, "down-1")
	r.stop()
	err := d.srv.PayOrder("down-1")
	assert.True(t, isFail(err), "A answers FAIL: %v", err)
	err = d.srv.DeliverPayNotify(hB, "down-1")
	assert.True(t, isFail(err), "B answers FAIL: %v", err)
	assert.Len(t, rec.calls(), 1, "the function did not run")
	logs := d.logs.String()
	assert.Contains(t, logs, "not handled; WeChat will repeat it")
	assert.Contains(t, logs, "dedup store")
	assert.NotContains(t, logs, "oPayerA1", "the payer stays out of the logs")

	r.restart(t)
	waitRedis(t, &d.a, &d.b)
	require.NoError(t, d.srv.ResendPayNotify("down-1"), "WeChat's repeat is handled: SUCCESS")
	calls := rec.calls()
	require.Len(t, calls, 2, "the function ran for the repeat")
	assert.Equal(t, notified{"A", "down-1", calls[1].transactionID}, calls[1])
	require.NoError(t, d.srv.DeliverPayNotify(hB, "down-1"), "a further repeat, on B: SUCCESS")
	require.NoError(t, d.srv.ResendPayNotify("down-1"), "and on A")
	assert.Len(t, rec.calls(), 2, "without running the function again")
}

// A Redis that is down costs a push at most an eighth of its deadline
// before its function runs, and a pay notification at most the 3 s the
// SDK gives one call of the store before it is answered FAIL, whatever
// go-redis would wait: with its defaults (retries, five dial attempts a
// connection, a 3 s read timeout) on a Redis that refuses connections or
// one that accepts them and never answers, and without a read timeout on
// the latter, where only the SDK's bound ends the wait.
func TestRedisDownAnswersAreBounded(t *testing.T) {
	t.Parallel()
	killed := func(t *testing.T) (string, func()) { r := startRedis(t); return r.Addr, r.stop }
	hanging := func(t *testing.T) (string, func()) { return blackhole(t), nil }
	for _, tc := range []struct {
		name  string
		start func(t *testing.T) (addr string, kill func())
		opts  *redis.Options
	}{
		{"refused, go-redis defaults", killed, nil},
		{"hanging, go-redis defaults", hanging, nil},
		{"hanging, no read timeout", hanging, &redis.Options{ReadTimeout: -1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			addr, kill := tc.start(t)
			d := newDeployment(t, addr, tc.opts, func(s *wego.Settings) { s.PushDeadline = downPushDeadline })
			var runs atomic.Int32
			left := make(chan time.Duration, 2)
			hA := d.a.c.PushHandler(func(ctx context.Context, p *wego.Push) (wego.Reply, error) {
				deadline, _ := ctx.Deadline()
				left <- time.Until(deadline)
				return numbered(&runs)(ctx, p)
			})
			var rec recorder
			d.payHandlers(func(_ context.Context, server string, n *wego.PayNotify) error {
				rec.add(server, n)
				return nil
			})
			d.order(t, "down-1")
			if kill != nil {
				// Redis up: A holds a connection to it, then Redis dies.
				_, err := d.srv.Deliver(hA, wegotest.TextMessage("oWarmUp", "warm up"))
				require.NoError(t, err)
				<-left
				kill()
			}

			reply, err := d.srv.Deliver(hA, wegotest.TextMessage("oFanA1", "hi"))
			require.NoError(t, err)
			assert.True(t, strings.HasSuffix(reply.Get("Content"), ": text hi"), "handled: %q", reply.Get("Content"))
			t.Logf("push answered in %v", reply.Took)
			assert.Less(t, reply.Took, downPushDeadline, "answered within the push deadline")
			assert.Greater(t, <-left, downPushDeadline/2, "the function started with most of the deadline left")

			start := time.Now()
			err = d.srv.PayOrder("down-1")
			took := time.Since(start)
			t.Logf("pay notification answered in %v", took)
			assert.True(t, isFail(err), "answered FAIL: %v", err)
			assert.Empty(t, rec.calls(), "the function did not run")
			assert.Less(t, took, 6*time.Second, "the store's call is cut off at 3 s")
		})
	}
}
