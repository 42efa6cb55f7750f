package wego

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"
)

// PayNotifyHandler returns an http.Handler for the notify_url of pay orders
// (Python wego analysis_push, pay branch). It verifies each notification as
// [Client.ParsePayNotify] does and answers FAIL to one that does not verify,
// without calling fn. For a verified one it calls fn once per transaction
// (transaction_id, or out_trade_no when WeChat sent none) and answers
// SUCCESS when fn returns nil, FAIL when it returns an error, so that WeChat
// sends it again later.
//
// WeChat repeats a notification until it is answered SUCCESS, for 24 hours,
// sometimes from several servers within seconds. A repeat of a handled
// notification is answered SUCCESS without calling fn; a copy arriving while
// fn runs for the first waits for its result, and is answered FAIL when
// that failed (so a later repeat runs fn again). Settings.DedupStore
// remembers what was handled (in memory when it is nil, shared with the
// Client's push handler); a store shared by every server (the redisstore
// module) makes that hold across servers.
//
// fn gets the request's context. Check the amount with
// [Client.CheckPaidAmount] before delivering the goods. A handler built
// without Settings.MchID and MchSecret, or without fn, answers every
// request 500 (WeChat repeats it later) and logs at Error, once, what it
// lacks.
//
// WeChat docs: https://pay.weixin.qq.com/wiki/doc/api/jsapi.php?chapter=9_7&index=8
func (c *Client) PayNotifyHandler(fn func(ctx context.Context, n *PayNotify) error) http.Handler {
	return newNotifyHandler(c, payNotifyPay, fn, func(body []byte) (*PayNotify, string, error) {
		n, err := c.ParsePayNotifyBody(body)
		if err != nil {
			return nil, "", err
		}
		id := n.TransactionID
		if id == "" {
			id = "out_trade_no:" + n.OutTradeNo
		}
		return n, "pay:" + n.MchID + ":" + id, nil
	})
}

// RefundNotifyHandler returns an http.Handler for the notify_url of
// refunds. It decrypts and checks each notification as
// [Client.ParseRefundNotify] does and calls fn once per refund (refund_id
// and refund_status), with the answers and de-duplication of
// [Client.PayNotifyHandler].
//
// WeChat docs: https://pay.weixin.qq.com/wiki/doc/api/jsapi.php?chapter=9_16&index=10
func (c *Client) RefundNotifyHandler(fn func(ctx context.Context, n *RefundNotify) error) http.Handler {
	return newNotifyHandler(c, payNotifyRefund, fn, func(body []byte) (*RefundNotify, string, error) {
		n, err := c.ParseRefundNotifyBody(body)
		if err != nil {
			return nil, "", err
		}
		return n, "refund:" + n.MchID + ":" + n.RefundID + ":" + string(n.RefundStatus), nil
	})
}

// notifyHandler answers one kind of notification.
type notifyHandler[T any] struct {
	c            *Client
	kind         string
	parse        func(body []byte) (T, string, error) // the verified notification and its de-duplication key
	fn           func(context.Context, T) error
	unconfigured *unconfigured
}

func newNotifyHandler[T any](c *Client, kind string, fn func(context.Context, T) error, parse func([]byte) (T, string, error)) *notifyHandler[T] {
	return &notifyHandler[T]{c: c, kind: kind, fn: fn, parse: parse, unconfigured: newUnconfigured(
		"the "+kind+" handler", payNotifyFail("handler not configured"),
		need{"Settings.MchID and MchSecret", c.payConfigured() != nil}, need{"a function", fn == nil})}
}

// ServeHTTP verifies, de-duplicates and answers one notification.
func (h *notifyHandler[T]) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	if h.unconfigured.serve(h.c, w, r) {
		return
	}
	body, err := readNotifyBody(r)
	var n T
	var key string
	if err == nil {
		n, key, err = h.parse(body)
	}
	if err != nil {
		h.c.log.LogAttrs(ctx, slog.LevelWarn, "wego: "+h.kind+" rejected",
			slog.String("remote", r.RemoteAddr), slog.String("error", redact(err.Error())))
		_, _ = w.Write(payNotifyFail("invalid notification"))
		return
	}
	_, err = h.c.payOnce.do(ctx, key, payNotifyRules, func(ctx context.Context) (_ []byte, err error) {
		defer func() {
			if v := recover(); v != nil {
				h.c.appLog().LogAttrs(ctx, slog.LevelError, "wego: "+h.kind+" handler panicked",
					slog.String("panic", redact(fmt.Sprint(v))), slog.String("stack", string(debug.Stack())))
				err = fmt.Errorf("wego: %s handler panicked: %v", h.kind, v)
			}
		}()
		return nil, h.fn(ctx, n)
	})
	if err != nil {
		h.c.appLog().LogAttrs(ctx, slog.LevelWarn, "wego: "+h.kind+" not handled; WeChat will repeat it",
			slog.String("key", key), slog.String("error", redact(err.Error())))
		_, _ = w.Write(payNotifyFail("not handled"))
		return
	}
	_, _ = w.Write(payNotifySuccess())
}

// payNotifyRules are the de-duplication rules of notifications: a claim
// lasts while fn runs (a server that dies in fn blocks repeats that long), a
// handled notification is remembered longer than WeChat repeats it (24 h),
// a copy waits 5 s for another server's run before answering FAIL, one
// call of the store may take 3 s (a healthy Redis answers in a
// millisecond), and a failing store answers FAIL (WeChat repeats later)
// rather than risk delivering twice.
var payNotifyRules = onceRules{lease: 5 * time.Minute, keep: 25 * time.Hour, wait: 5 * time.Second, storeTimeout: 3 * time.Second}
