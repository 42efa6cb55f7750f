package wego

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
)

// A store that fails on every call logs one line per quietPeriod, and the
// next line says how many it left out.
func TestQuietLogLetsOneLineThroughPerPeriod(t *testing.T) {
	var buf bytes.Buffer
	l := slog.New(slog.NewTextHandler(&buf, nil))
	var q quietLog
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 100 {
				q.log(context.Background(), l, slog.LevelWarn, "store failed")
			}
		}()
	}
	wg.Wait()
	if n := strings.Count(buf.String(), "store failed"); n != 1 {
		t.Fatalf("800 failures in one period logged %d lines, want 1:\n%s", n, buf.String())
	}
	q.next.Store(0) // the period is over
	buf.Reset()
	q.log(context.Background(), l, slog.LevelWarn, "store failed")
	if !strings.Contains(buf.String(), "suppressed=799") {
		t.Fatalf("the line after the period does not count the 799 left out: %s", buf.String())
	}
	buf.Reset()
	q.next.Store(0)
	q.log(context.Background(), l, slog.LevelWarn, "store failed")
	if strings.Contains(buf.String(), "suppressed") {
		t.Fatalf("nothing was left out since the last line: %s", buf.String())
	}
}
