package wego

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"
)

// quietLog lets one line of a kind through per quietPeriod, for failures
// that come once per call while a store is down: a Redis outage would
// otherwise log a line for every call to WeChat, every push and every page
// view. The first line after a quiet spell says how many were left out
// (attribute "suppressed").
type quietLog struct {
	next       atomic.Int64 // Unix nanoseconds before which lines are left out
	suppressed atomic.Int64
}

// quietPeriod is the least time between two lines of one quietLog.
const quietPeriod = 10 * time.Second

// log logs msg unless a line of q went out less than quietPeriod ago.
func (q *quietLog) log(ctx context.Context, l *slog.Logger, level slog.Level, msg string, attrs ...slog.Attr) {
	now := time.Now().UnixNano()
	next := q.next.Load()
	if now < next || !q.next.CompareAndSwap(next, now+int64(quietPeriod)) {
		q.suppressed.Add(1)
		return
	}
	if n := q.suppressed.Swap(0); n > 0 {
		attrs = append(attrs, slog.Int64("suppressed", n))
	}
	l.LogAttrs(ctx, level, msg, attrs...)
}

// storeLogs are the quietLogs of the store failures that come once per
// call.
type storeLogs struct {
	tokenRead, ticketRead, dedup, sessionRead quietLog
}
