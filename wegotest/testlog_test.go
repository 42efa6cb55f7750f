package wegotest

import (
	"context"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wego-sdk/wego"
)

// recTB is a test as New sees it: its log lines and cleanups are kept, and
// a Log after its cleanups ran is counted, where testing.T would panic.
type recTB struct {
	testing.TB // the real test, for everything not overridden

	mu       sync.Mutex
	lines    []string
	cleanups []func()
	ended    bool
	late     int // Log calls after the end
}

func (r *recTB) Log(args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ended {
		r.late++
		return
	}
	for _, a := range args {
		r.lines = append(r.lines, a.(string))
	}
}

func (r *recTB) Cleanup(f func()) {
	r.mu.Lock()
	r.cleanups = append(r.cleanups, f)
	r.mu.Unlock()
}

// end runs the cleanups, last first, and marks the test ended, as the
// testing package does.
func (r *recTB) end() {
	r.mu.Lock()
	fs := r.cleanups
	r.cleanups = nil
	r.mu.Unlock()
	for i := len(fs) - 1; i >= 0; i-- {
		fs[i]()
	}
	r.mu.Lock()
	r.ended = true
	r.mu.Unlock()
}

func (r *recTB) logged() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.lines...)
}

func TestSettingsLogToTheTest(t *testing.T) {
	t.Parallel()
	rec := &recTB{TB: t}
	defer rec.end()
	s := New(rec)
	c, err := wego.NewClient(s.Settings())
	require.NoError(t, err)
	_, err = c.AccessToken(context.Background())
	require.NoError(t, err)

	lines := rec.logged()
	require.NotEmpty(t, lines, "the SDK's request log reached the test's log")
	found := false
	for _, l := range lines {
		if strings.Contains(l, "level=DEBUG") && strings.Contains(l, `msg="wego: request"`) && strings.Contains(l, "endpoint="+PathStableToken) {
			found = true
		}
		assert.NotContains(t, l, s.AppSecret, "secrets stay out of logs")
	}
	assert.True(t, found, "a Debug line for the token request: %q", lines)

	assert.Nil(t, NewServer().Settings().Logger, "a server without a test logs nothing")
}

// Goroutines that outlive the test keep logging; none of their records
// reaches the test's log once its cleanup has run.
func TestTestLogStopsAtCleanup(t *testing.T) {
	t.Parallel()
	rec := &recTB{TB: t}
	s := New(rec)
	log := s.Settings().Logger
	require.NotNil(t, log)

	var after atomic.Int64 // records written after the end
	var ended atomic.Bool
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				log.Info("background work", "n", 1)
				if ended.Load() {
					after.Add(1)
				}
			}
		}()
	}
	for len(rec.logged()) < 100 { // the goroutines are logging
		runtime.Gosched()
	}
	rec.end()
	ended.Store(true)
	for after.Load() < 1000 { // and go on past the end
		runtime.Gosched()
	}
	close(stop)
	wg.Wait()

	rec.mu.Lock()
	defer rec.mu.Unlock()
	assert.Zero(t, rec.late, "no Log after the test's cleanup ran")
}
