package wegotest

import (
	"log/slog"
	"strings"
	"sync"
	"testing"
)

// testLog is the writer of the logger [Server.Settings] gives a server
// made by [New]: each record becomes a line of the test's log, until the
// test's cleanup stops it. The SDK logs from goroutines that may outlive
// the test (a push handler past its deadline, a token fetch), and
// testing.T panics on a Log after the test ended; records written after
// stop are dropped. A Write holds the read lock while it logs, and stop
// takes the write lock, so no Log runs once stop has returned.
type testLog struct {
	tb      testing.TB
	mu      sync.RWMutex
	stopped bool
}

// Write logs one record (slog handlers write a record at a time).
func (l *testLog) Write(p []byte) (int, error) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	if !l.stopped {
		l.tb.Log(strings.TrimSuffix(string(p), "\n"))
	}
	return len(p), nil
}

func (l *testLog) stop() {
	l.mu.Lock()
	l.stopped = true
	l.mu.Unlock()
}

// newTestLogger returns a logger writing to tb's log at Debug and up, Warn
// and up for a benchmark (whose log is printed even when it passes, and
// where a line per request would be noise and cost). It stops when tb's
// cleanup runs; register it before the server's Close, so that what
// happens while the server closes is still logged.
func newTestLogger(tb testing.TB) *slog.Logger {
	l := &testLog{tb: tb}
	tb.Cleanup(l.stop)
	level := slog.LevelDebug
	if _, ok := tb.(*testing.B); ok {
		level = slog.LevelWarn
	}
	return slog.New(slog.NewTextHandler(l, &slog.HandlerOptions{
		Level: level,
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey && len(groups) == 0 {
				// Clock time to the millisecond: enough to follow
				// deadlines and retries, short in a test's output.
				return slog.String(slog.TimeKey, a.Value.Time().Format("15:04:05.000"))
			}
			return a
		},
	}))
}
