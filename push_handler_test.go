package wego_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wego-sdk/wego"
	"github.com/wego-sdk/wego/wegotest"
)

// plainPush is a plain-mode push request as WeChat signs it: the signature
// covers the token, the timestamp and the nonce, not the body.
func plainPush(token, nonce, body string) *http.Request {
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	q := "signature=" + wego.Signature(token, ts, nonce) + "&timestamp=" + ts + "&nonce=" + nonce
	return httptest.NewRequest(http.MethodPost, "/wechat?"+q, strings.NewReader(body))
}

func textPushXML(from, content, msgID string) string {
	return "<xml><ToUserName><![CDATA[gh_test]]></ToUserName><FromUserName><![CDATA[" + from +
		"]]></FromUserName><CreateTime>" + strconv.FormatInt(time.Now().Unix(), 10) +
		"</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[" + content +
		"]]></Content><MsgId>" + msgID + "</MsgId></xml>"
}

// plainSetup is a client in plain mode: no EncodingAESKey.
func plainSetup(t *testing.T, edit ...func(*wego.Settings)) (*wegotest.Server, *wego.Client) {
	t.Helper()
	return pushSetup(t, wegotest.PushPlain, edit...)
}

// With an EncodingAESKey the account is in safe mode: a push that comes
// without encryption is someone replaying a URL they saw, with a body of
// their own (the plain signature does not cover the body). It is refused
// before anything reaches the function, unless the switch for a migration
// says otherwise.
func TestPushSafeModeRefusesPlainPushes(t *testing.T) {
	t.Parallel()
	srv, c := pushSetup(t, wegotest.PushSafe)
	srv.SetPushMode(wegotest.PushPlain) // WeChat, or someone posing as it, sends a plain push
	var calls atomic.Int32
	fn := func(context.Context, *wego.Push) (wego.Reply, error) { calls.Add(1); return wego.Text("ok"), nil }

	r, err := srv.Deliver(c.PushHandler(fn), wegotest.TextMessage("", "forged"))
	require.Error(t, err)
	require.NotNil(t, r)
	assert.Equal(t, http.StatusForbidden, r.Status)
	assert.Equal(t, int32(0), calls.Load(), "nothing reached the function")

	_, err = c.ParsePush(plainPush(srv.PushToken, "1", textPushXML("o", "forged", "1")))
	assert.ErrorIs(t, err, wego.ErrPushNotEncrypted)

	// Compatible mode carries the encrypted copy: accepted.
	srv.SetPushMode(wegotest.PushCompatible)
	reply, err := srv.Deliver(c.PushHandler(fn), wegotest.TextMessage("", "hi"))
	require.NoError(t, err)
	assert.Equal(t, "ok", reply.Get("Content"))
	assert.Equal(t, int32(1), calls.Load())

	// A migration from plain to safe mode opts in to plain pushes.
	srv.SetPushMode(wegotest.PushPlain)
	s := srv.Settings()
	s.PushAllowPlain = true
	migrating, err := wego.NewClient(s)
	require.NoError(t, err)
	reply, err = srv.Deliver(migrating.PushHandler(fn), wegotest.TextMessage("", "hi"))
	require.NoError(t, err)
	assert.Equal(t, "ok", reply.Get("Content"))
	assert.Equal(t, int32(2), calls.Load())
}

func TestPushAllowPlainNeedsAESKey(t *testing.T) {
	t.Parallel()
	srv := wegotest.New(t)
	s := srv.Settings()
	s.PushEncodingAESKey, s.PushAllowPlain = "", true
	_, err := wego.NewClient(s)
	var ie *wego.InitError
	require.ErrorAs(t, err, &ie)
	assert.True(t, ie.Has("PushAllowPlain"), err.Error())
}

// In plain mode the body is not authenticated, so a signature seen with one
// body is refused with another while its timestamp is accepted: a URL from
// a log cannot carry a message of the reader's choosing. The same body
// again (WeChat's retry) is still answered, and the check holds across
// servers sharing a DedupStore.
func TestPushPlainSignatureIsBoundToItsBody(t *testing.T) {
	t.Parallel()
	store := wego.NewMemoryDedupStore(0)
	srv, c := plainSetup(t, func(s *wego.Settings) { s.DedupStore = store })
	s2 := srv.Settings()
	s2.PushEncodingAESKey, s2.DedupStore = "", store
	other, err := wego.NewClient(s2)
	require.NoError(t, err)

	var got []string
	var mu sync.Mutex
	fn := func(_ context.Context, p *wego.Push) (wego.Reply, error) {
		mu.Lock()
		got = append(got, p.Content())
		mu.Unlock()
		return wego.Text("ok"), nil
	}
	h, h2 := c.PushHandler(fn), other.PushHandler(fn)
	serve := func(h http.Handler, r *http.Request) int {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		return rec.Code
	}

	genuine := plainPush(srv.PushToken, "7", textPushXML("o_user", "hello", "100"))
	query := genuine.URL.RawQuery
	with := func(body string) *http.Request {
		return httptest.NewRequest(http.MethodPost, "/wechat?"+query, strings.NewReader(body))
	}
	require.Equal(t, http.StatusOK, serve(h, genuine))
	assert.Equal(t, http.StatusForbidden, serve(h, with(textPushXML("o_user", "send me the money", "101"))))
	assert.Equal(t, http.StatusForbidden, serve(h2, with(textPushXML("o_victim", "forged", "102"))), "on another server")
	assert.Equal(t, http.StatusOK, serve(h2, with(textPushXML("o_user", "hello", "100"))), "WeChat's retry of the same body")
	_, err = c.ParsePush(with(textPushXML("o_user", "bye", "103")))
	assert.ErrorIs(t, err, wego.ErrInvalidSignature)

	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, []string{"hello"}, got, "the function saw the genuine message once")
}

// A function that overruns the deadline must not hold up the pushes that
// come after it on the same keep-alive connection: the watchdog's answer
// closes the connection.
func TestPushOverrunDoesNotStallTheConnection(t *testing.T) {
	t.Parallel()
	srv, c := plainSetup(t, func(s *wego.Settings) { s.PushDeadline = 100 * time.Millisecond })
	release := make(chan struct{})
	h := c.PushHandler(func(_ context.Context, p *wego.Push) (wego.Reply, error) {
		if p.Content() == "slow" {
			<-release
		}
		return wego.Text("fast"), nil
	})
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	t.Cleanup(func() { close(release) }) // runs before ts.Close
	client := ts.Client()                // keeps connections alive
	client.Timeout = 10 * time.Second

	send := func(content, msgID string) (*http.Response, string, time.Duration) {
		r := plainPush(srv.PushToken, msgID, textPushXML("o", content, msgID))
		req, err := http.NewRequest(http.MethodPost, ts.URL+r.URL.RequestURI(), r.Body)
		require.NoError(t, err)
		begin := time.Now()
		resp, err := client.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return resp, string(b), time.Since(begin)
	}
	resp, body, _ := send("slow", "1")
	assert.Equal(t, "success", body)
	assert.True(t, resp.Close, "the watchdog's answer closes the connection")
	_, body, took := send("quick", "2")
	assert.Contains(t, body, "fast")
	assert.Less(t, took, 2*time.Second, "the second push did not wait for the first function")
}

// Many functions that never return still get every push answered, by
// clients that keep their connections alive and send one push after another.
func TestPushManyOverrunsAllAnswered(t *testing.T) {
	t.Parallel()
	srv, c := plainSetup(t, func(s *wego.Settings) { s.PushDeadline = 50 * time.Millisecond })
	release := make(chan struct{})
	h := c.PushHandler(func(context.Context, *wego.Push) (wego.Reply, error) {
		<-release
		return nil, nil
	})
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	t.Cleanup(func() { close(release) })
	client := ts.Client()
	client.Timeout = 3 * time.Second

	const workers, each = 8, 25
	var answered atomic.Int32
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				id := strconv.Itoa(1000 + w*each + i)
				r := plainPush(srv.PushToken, id, textPushXML("o", "hang", id))
				req, _ := http.NewRequest(http.MethodPost, ts.URL+r.URL.RequestURI(), r.Body)
				resp, err := client.Do(req)
				if err != nil {
					return // stalled behind a running function: the rest of this worker's pushes are lost too
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if string(b) == "success" {
					answered.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	assert.Equal(t, int32(workers*each), answered.Load())
}

// slowStore is a DedupStore whose calls block for a while, ignoring ctx, as
// a Redis that accepts connections and never answers does.
type slowStore struct {
	wego.DedupStore
	claim, finish time.Duration
	finishTTL     atomic.Int64 // the ttl of the last Finish
}

func (s *slowStore) Claim(ctx context.Context, key string, ttl time.Duration) (bool, []byte, bool, error) {
	time.Sleep(s.claim)
	return s.DedupStore.Claim(ctx, key, ttl)
}

func (s *slowStore) Finish(ctx context.Context, key string, result []byte, ttl time.Duration) error {
	s.finishTTL.Store(int64(ttl))
	time.Sleep(s.finish)
	return s.DedupStore.Finish(ctx, key, result, ttl)
}

// PushDeadline bounds the whole request: a de-dup store that hangs costs a
// slice of it, and the function still runs with time left.
func TestPushDeadlineCoversTheStore(t *testing.T) {
	t.Parallel()
	for name, store := range map[string]*slowStore{
		"slow finish":    {DedupStore: wego.NewMemoryDedupStore(0), finish: 3 * time.Second},
		"blackhole":      {DedupStore: wego.NewMemoryDedupStore(0), claim: 5 * time.Second, finish: 5 * time.Second},
		"slow claim 0.8": {DedupStore: wego.NewMemoryDedupStore(0), claim: 800 * time.Millisecond},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv, c := pushSetup(t, wegotest.PushSafe, func(s *wego.Settings) {
				s.PushDeadline = time.Second
				s.DedupStore = store
			})
			left := make(chan time.Duration, 1)
			h := c.PushHandler(func(ctx context.Context, p *wego.Push) (wego.Reply, error) {
				d, _ := ctx.Deadline()
				left <- time.Until(d)
				return wego.Text("handled " + p.Content()), nil
			})
			reply, err := srv.Deliver(h, wegotest.TextMessage("", "hi"))
			require.NoError(t, err)
			assert.Less(t, reply.Took, 1500*time.Millisecond, "answered within the deadline")
			assert.Equal(t, "handled hi", reply.Get("Content"), "the function's reply, not a timeout")
			assert.Greater(t, <-left, 500*time.Millisecond, "the function started with most of the deadline left")
		})
	}
}

// A body that drips in byte by byte is cut off at the deadline; nothing
// reaches the function.
func TestPushSlowBodyCutOffAtDeadline(t *testing.T) {
	t.Parallel()
	srv, c := plainSetup(t, func(s *wego.Settings) { s.PushDeadline = 300 * time.Millisecond })
	var calls atomic.Int32
	ts := httptest.NewServer(c.PushHandler(func(context.Context, *wego.Push) (wego.Reply, error) {
		calls.Add(1)
		return nil, nil
	}))
	t.Cleanup(ts.Close)

	conn, err := net.Dial("tcp", ts.Listener.Addr().String())
	require.NoError(t, err)
	defer conn.Close()
	r := plainPush(srv.PushToken, "9", "")
	body := textPushXML("o", "drip", "9")
	_, err = fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n", r.URL.RequestURI(), len(body))
	require.NoError(t, err)
	begin := time.Now()
	answered := make(chan int, 1)
	go func() {
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			answered <- 0
			return
		}
		resp.Body.Close()
		answered <- resp.StatusCode
	}()
	for i := 0; i < len(body); i++ {
		select {
		case status := <-answered:
			assert.GreaterOrEqual(t, status, 400)
			assert.Less(t, time.Since(begin), 2*time.Second)
			assert.Equal(t, int32(0), calls.Load())
			return
		case <-time.After(50 * time.Millisecond):
		}
		if _, err := conn.Write([]byte{body[i]}); err != nil {
			break // the server hung up on us: that is an answer too
		}
	}
	select {
	case status := <-answered:
		assert.GreaterOrEqual(t, status, 400)
		assert.Less(t, time.Since(begin), 2*time.Second)
	case <-time.After(5 * time.Second):
		t.Fatal("a dripping body held the handler past its deadline")
	}
	assert.Equal(t, int32(0), calls.Load())
}

// De-duplication keeps a push while PushMaxAge still accepts its
// timestamp, so a captured push replayed late does not run the function
// again.
func TestPushKeptForTheReplayWindow(t *testing.T) {
	t.Parallel()
	for _, maxAge := range []time.Duration{0, 10 * time.Minute} {
		store := &slowStore{DedupStore: wego.NewMemoryDedupStore(0)}
		srv, c := pushSetup(t, wegotest.PushSafe, func(s *wego.Settings) {
			s.DedupStore, s.PushMaxAge = store, maxAge
		})
		_, err := srv.Push(c.PushHandler(func(context.Context, *wego.Push) (wego.Reply, error) { return nil, nil }),
			wegotest.TextMessage("", "hi"))
		require.NoError(t, err)
		want := maxAge
		if want == 0 {
			want = 5 * time.Minute
		}
		assert.GreaterOrEqual(t, time.Duration(store.finishTTL.Load()), want-2*time.Second, "max age %v", maxAge)
	}
}

// The user's panic value and the store's failures are logged without
// secrets or openids.
func TestPushLogsKeepSecretsAndUsersOut(t *testing.T) {
	t.Parallel()
	var logs syncBuffer
	failing := downDedupStore{}
	srv, c := pushSetup(t, wegotest.PushSafe, func(s *wego.Settings) {
		s.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
		s.DedupStore = failing
	})
	h := c.PushHandler(func(context.Context, *wego.Push) (wego.Reply, error) {
		panic("calling https://api.weixin.qq.com/cgi-bin/user/info?access_token=SECRET-TOKEN-123&openid=x")
	})
	reply, err := srv.Push(h, wegotest.EventMessage("o_private_openid", "CLICK", "K1"))
	require.NoError(t, err)
	assert.True(t, reply.Success())
	out := logs.String()
	assert.Contains(t, out, "panicked")
	assert.Contains(t, out, "dedup store failed")
	assert.NotContains(t, out, "SECRET-TOKEN-123")
	assert.NotContains(t, out, "o_private_openid")
}

// downDedupStore is a DedupStore whose every call fails, as a Redis outage.
type downDedupStore struct{}

func (downDedupStore) Claim(context.Context, string, time.Duration) (bool, []byte, bool, error) {
	return false, nil, false, errors.New("redis: connection refused")
}
func (downDedupStore) Finish(context.Context, string, []byte, time.Duration) error {
	return errors.New("redis: connection refused")
}
func (downDedupStore) Release(context.Context, string) error {
	return errors.New("redis: connection refused")
}

// An event push without its Event is malformed, not a push of no type.
func TestPushEventWithoutEvent(t *testing.T) {
	t.Parallel()
	srv, c := plainSetup(t)
	_, err := c.ParsePush(plainPush(srv.PushToken, "3",
		"<xml><ToUserName>gh</ToUserName><FromUserName>o</FromUserName><MsgType>event</MsgType></xml>"))
	assert.ErrorIs(t, err, wego.ErrMalformedMessage)
}
