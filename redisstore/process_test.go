package redisstore

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"strconv"
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

// The tests here run servers as separate OS processes: the test binary
// started again with workerEnv set runs a worker (runWorker) instead of
// the tests. A worker is one server of a deployment: a wego.Client on a
// Store of its own over its own Redis connection, driven by commands on
// its stdin and answering one JSON line per command on its stdout.
const workerEnv = "WEGO_REDISSTORE_WORKER"

// workerConfig is what a worker is started with (in workerEnv, as JSON).
type workerConfig struct {
	Redis      string        // Redis address
	Prefix     string        // the deployment's key prefix
	BaseURL    string        // the fake WeChat
	AppID      string        //
	AppSecret  string        //
	LocalCache time.Duration // WithLocalCache
	Classic    bool          // wego.TokenEndpointClassic
}

// workerReport is a worker's answer to one command.
type workerReport struct {
	Tokens  []string        `json:"tokens,omitempty"`  // distinct tokens the goroutines got
	Configs []wego.JSConfig `json:"configs,omitempty"` // one per goroutine
	Calls   int             `json:"calls,omitempty"`   // API calls made (loop)
	Errors  []string        `json:"errors,omitempty"`  // distinct errors
	Failed  int             `json:"failed,omitempty"`  // calls that failed
	// LongestFailure is the longest time between a goroutine's failed
	// call and its next call that worked (loop).
	LongestFailure time.Duration `json:"longest_failure,omitempty"`
	Token          string        `json:"token,omitempty"` // the token after the loop
}

// workerPage is the page workers sign wx.config for.
const workerPage = "https://m.example.com/shop?item=1"

// runWorker is the worker's main: it runs commands until stdin closes.
//
//	tokens N   N goroutines, released at once, ask for the access token
//	tickets N  N goroutines, released at once, sign wx.config
//	loop N     N goroutines call an API every 20 ms until the line "stop"
func runWorker() int {
	var cfg workerConfig
	if err := json.Unmarshal([]byte(os.Getenv(workerEnv)), &cfg); err != nil {
		fmt.Fprintln(os.Stderr, "worker:", err)
		return 2
	}
	rdb := redis.NewClient(&redis.Options{Addr: cfg.Redis})
	defer rdb.Close()
	s := wego.Settings{
		AppID: cfg.AppID, AppSecret: cfg.AppSecret, BaseURL: cfg.BaseURL,
		TokenStore: New(rdb, WithPrefix(cfg.Prefix), WithLocalCache(cfg.LocalCache)),
		// Token fetches and store failures, for the test to show when it fails.
		Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo})),
	}
	if cfg.Classic {
		s.TokenEndpoint = wego.TokenEndpointClassic
	}
	c, err := wego.NewClient(s)
	if err != nil {
		fmt.Fprintln(os.Stderr, "worker:", err)
		return 2
	}
	in := bufio.NewScanner(os.Stdin)
	out := json.NewEncoder(os.Stdout)
	for in.Scan() {
		cmd, arg, _ := strings.Cut(in.Text(), " ")
		n, _ := strconv.Atoi(arg)
		var r workerReport
		switch cmd {
		case "tokens":
			r = workerTokens(c, n)
		case "tickets":
			r = workerTickets(c, n)
		case "loop":
			r = workerLoop(c, n, in)
		default:
			fmt.Fprintln(os.Stderr, "worker: unknown command", cmd)
			return 2
		}
		if err := out.Encode(r); err != nil {
			return 2
		}
	}
	return 0
}

// fanOut runs f on n goroutines released at the same moment.
func fanOut(n int, f func()) {
	start := make(chan struct{})
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			f()
		}()
	}
	close(start)
	wg.Wait()
}

// errorSet gathers distinct errors.
type errorSet struct {
	mu   sync.Mutex
	seen map[string]bool
	n    int
}

func (e *errorSet) add(err error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.seen == nil {
		e.seen = map[string]bool{}
	}
	e.seen[err.Error()] = true
	e.n++
}

func (e *errorSet) list() []string {
	var l []string
	for s := range e.seen {
		l = append(l, s)
	}
	return l
}

func workerTokens(c *wego.Client, n int) workerReport {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var mu sync.Mutex
	tokens := map[string]bool{}
	var errs errorSet
	fanOut(n, func() {
		tok, err := c.AccessToken(ctx)
		if err != nil {
			errs.add(err)
			return
		}
		mu.Lock()
		tokens[tok] = true
		mu.Unlock()
	})
	r := workerReport{Errors: errs.list(), Failed: errs.n}
	for t := range tokens {
		r.Tokens = append(r.Tokens, t)
	}
	return r
}

func workerTickets(c *wego.Client, n int) workerReport {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var mu sync.Mutex
	var r workerReport
	var errs errorSet
	fanOut(n, func() {
		cfg, err := c.JSConfig(ctx, workerPage)
		if err != nil {
			errs.add(err)
			return
		}
		mu.Lock()
		r.Configs = append(r.Configs, *cfg)
		mu.Unlock()
	})
	r.Errors, r.Failed = errs.list(), errs.n
	return r
}

// workerLoop calls an API that needs the access token on n goroutines,
// every 20 ms each, until the line "stop" arrives, then reports the calls,
// the failures and the token it holds.
func workerLoop(c *wego.Client, n int, in *bufio.Scanner) workerReport {
	stop := make(chan struct{})
	var calls atomic.Int64
	var longest atomic.Int64
	var errs errorSet
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var failedAt time.Time // first failure since the last success
			for {
				select {
				case <-stop:
					return
				case <-time.After(20 * time.Millisecond):
				}
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				_, err := c.GetWeChatServersList(ctx)
				cancel()
				calls.Add(1)
				switch {
				case err != nil:
					errs.add(err)
					if failedAt.IsZero() {
						failedAt = time.Now()
					}
				case !failedAt.IsZero():
					d := int64(time.Since(failedAt))
					for {
						old := longest.Load()
						if d <= old || longest.CompareAndSwap(old, d) {
							break
						}
					}
					failedAt = time.Time{}
				}
			}
		}()
	}
	for in.Scan() && in.Text() != "stop" {
	}
	close(stop)
	wg.Wait()
	r := workerReport{Calls: int(calls.Load()), Errors: errs.list(), Failed: errs.n, LongestFailure: time.Duration(longest.Load())}
	tok, err := c.AccessToken(context.Background())
	if err != nil {
		r.Errors = append(r.Errors, "token after the loop: "+err.Error())
		r.Failed++
	}
	r.Token = tok
	return r
}

// worker is a running worker process, seen from the test.
type worker struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	out    *json.Decoder
	stderr strings.Builder
}

// startWorkers starts n worker processes with cfg, stopped when t ends.
func startWorkers(t *testing.T, n int, cfg workerConfig) []*worker {
	t.Helper()
	env, err := json.Marshal(cfg)
	require.NoError(t, err)
	ws := make([]*worker, n)
	for i := range ws {
		w := &worker{cmd: exec.Command(os.Args[0], "-test.run=^$")}
		w.cmd.Env = append(os.Environ(), workerEnv+"="+string(env))
		dieWithParent(w.cmd)
		w.cmd.Stderr = &w.stderr
		w.stdin, err = w.cmd.StdinPipe()
		require.NoError(t, err)
		stdout, err := w.cmd.StdoutPipe()
		require.NoError(t, err)
		w.out = json.NewDecoder(stdout)
		require.NoError(t, w.cmd.Start())
		ws[i] = w
		t.Cleanup(func() {
			w.stdin.Close()
			done := make(chan error, 1)
			go func() { done <- w.cmd.Wait() }()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("worker %d: %v\n%s", i, err, w.stderr.String())
				} else if t.Failed() {
					t.Logf("worker %d's log:\n%s", i, w.stderr.String())
				}
			case <-time.After(10 * time.Second):
				_ = w.cmd.Process.Kill()
				t.Errorf("worker %d did not stop\n%s", i, w.stderr.String())
			}
		})
	}
	return ws
}

// send sends line to every worker at once.
func send(t *testing.T, ws []*worker, line string) {
	t.Helper()
	for _, w := range ws {
		_, err := io.WriteString(w.stdin, line+"\n")
		require.NoError(t, err)
	}
}

// collect reads one report from every worker.
func collect(t *testing.T, ws []*worker) []workerReport {
	t.Helper()
	rs := make([]workerReport, len(ws))
	for i, w := range ws {
		if err := w.out.Decode(&rs[i]); err != nil {
			t.Fatalf("worker %d: %v\n%s", i, err, w.stderr.String())
		}
	}
	return rs
}

// run sends a command to every worker and returns their reports.
func run(t *testing.T, ws []*worker, line string) []workerReport {
	t.Helper()
	send(t, ws, line)
	return collect(t, ws)
}

// oneToken checks that no goroutine failed and all got one token, and
// returns it.
func oneToken(t *testing.T, rs []workerReport) string {
	t.Helper()
	seen := map[string]bool{}
	for i, r := range rs {
		require.Zero(t, r.Failed, "worker %d: %v", i, r.Errors)
		for _, tok := range r.Tokens {
			seen[tok] = true
		}
	}
	require.Len(t, seen, 1, "every process got the same token")
	for tok := range seen {
		return tok
	}
	return ""
}

// oneTicket checks that no goroutine failed and every wx.config was signed
// with the ticket the fake hands out now.
func oneTicket(t *testing.T, srv *wegotest.Server, rs []workerReport, perWorker int) {
	t.Helper()
	ticket := srv.JSAPITicket()
	for i, r := range rs {
		require.Zero(t, r.Failed, "worker %d: %v", i, r.Errors)
		require.Len(t, r.Configs, perWorker)
		for _, cfg := range r.Configs {
			require.Equal(t, wego.JSSignature(ticket, cfg.NonceStr, cfg.Timestamp, workerPage), cfg.Signature,
				"worker %d signed with another ticket", i)
		}
	}
}

func newWorkerConfig(srv *wegotest.Server, redisAddr, prefix string) workerConfig {
	return workerConfig{
		Redis: redisAddr, Prefix: prefix, BaseURL: srv.URL,
		AppID: srv.AppID, AppSecret: srv.AppSecret,
		LocalCache: 10 * time.Second, Classic: true,
	}
}

// Eight processes of 100 goroutines each, on a cold cache, share one token
// request; when the token expires, one more; the jsapi_ticket likewise.
// The classic endpoint issues a new token on every request, so a second
// request would show as a second token too.
func TestProcessesShareOneTokenAndTicket(t *testing.T) {
	t.Parallel()
	const procs, goroutines = 8, 100
	srv := wegotest.New(t)
	// The SDK stops using a token a quarter of its life early: 10 s
	// tokens are used for 7.5 s, 4 s tickets for 3 s.
	srv.SetTokenTTL(10 * time.Second)
	srv.SetTicketTTL(4 * time.Second)
	ws := startWorkers(t, procs, newWorkerConfig(srv, redisAddr, testPrefix(t)))
	n := " " + strconv.Itoa(goroutines)

	first := oneToken(t, run(t, ws, "tokens"+n))
	tokenAt := time.Now() // the token was fetched before: it expires by tokenAt + 7.5 s
	assert.Equal(t, 1, srv.TokenRequests(), "one token request for 800 goroutines in 8 processes")

	oneTicket(t, srv, run(t, ws, "tickets"+n), goroutines)
	ticketAt := time.Now()
	assert.Equal(t, 1, srv.Requests(wegotest.PathTicket), "one ticket request")

	time.Sleep(time.Until(ticketAt.Add(3*time.Second + 200*time.Millisecond)))
	oneTicket(t, srv, run(t, ws, "tickets"+n), goroutines)
	assert.Equal(t, 2, srv.Requests(wegotest.PathTicket), "one more ticket request once it expired")
	assert.Equal(t, first, oneToken(t, run(t, ws, "tokens"+n)), "the token lives on")
	require.Equal(t, 1, srv.TokenRequests())

	time.Sleep(time.Until(tokenAt.Add(7500*time.Millisecond + 200*time.Millisecond)))
	second := oneToken(t, run(t, ws, "tokens"+n))
	assert.NotEqual(t, first, second)
	assert.Equal(t, 2, srv.TokenRequests(), "one more token request once it expired")
}

// A redis-server killed in the middle of a run of eight processes and
// started again (empty) 3.5 s later: no call fails, each process asks
// WeChat at most once for the token that expires during the outage, and
// once Redis is back they agree on one token again.
func TestProcessesRideOutARedisRestart(t *testing.T) {
	t.Parallel()
	const procs = 8
	r := startRedis(t)
	srv := wegotest.New(t)
	srv.SetTokenTTL(4 * time.Second) // used for 3 s: it expires during the outage
	cfg := newWorkerConfig(srv, r.Addr, testPrefix(t))
	cfg.LocalCache = 100 * time.Millisecond // so that the workers read Redis during the outage
	ws := startWorkers(t, procs, cfg)

	// The timeline counts from the first token (fetched at t=0, expiring
	// at 3 s): Redis is killed at 1 s, started again at 4.5 s, and the run
	// ends at 5.5 s, before any token fetched after 2.5 s expires.
	send(t, ws, "loop 4")
	for srv.TokenRequests() == 0 {
		time.Sleep(5 * time.Millisecond)
	}
	t0 := time.Now()
	time.Sleep(time.Until(t0.Add(time.Second)))
	before := srv.TokenRequests()
	r.stop()
	time.Sleep(time.Until(t0.Add(4500 * time.Millisecond)))
	during := srv.TokenRequests() - before
	r.restart(t)
	time.Sleep(time.Until(t0.Add(5500 * time.Millisecond)))
	after := srv.TokenRequests() - before - during
	send(t, ws, "stop")
	rs := collect(t, ws)

	calls := 0
	for i, rep := range rs {
		calls += rep.Calls
		assert.Zero(t, rep.Failed, "worker %d: %d failed calls, the longest failure lasted %v: %v",
			i, rep.Failed, rep.LongestFailure, rep.Errors)
	}
	t.Logf("%d calls; token requests: %d before the outage, %d during, %d after", calls, before, during, after)
	assert.Equal(t, 1, before, "one token for all before the outage")
	assert.LessOrEqual(t, during, procs, "at most one token request per process during the outage")
	assert.LessOrEqual(t, after, 1, "one token for all once Redis is back")
	agreed := rs[0].Token
	for i, rep := range rs {
		assert.Equal(t, agreed, rep.Token, "worker %d holds another token", i)
	}
	assert.NotEmpty(t, agreed)
}
