package wego_test

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wego-sdk/wego"
	"github.com/wego-sdk/wego/wegotest"
)

// merchant is a notify endpoint that answers SUCCESS to everything, for
// tests that only need orders to get paid.
func merchant(t *testing.T) *httptest.Server {
	t.Helper()
	m := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write((*wego.PayNotify)(nil).Success())
	}))
	t.Cleanup(m.Close)
	return m
}

// paidOrder places a JSAPI order of fee fen and has the platform pay it.
func paidOrder(t *testing.T, srv *wegotest.Server, c *wego.Client, outTradeNo string, fee int64) {
	t.Helper()
	_, err := c.UnifiedOrder(context.Background(), wego.UnifiedOrderRequest{
		Body: "商品", OutTradeNo: outTradeNo, TotalFee: fee, SpbillCreateIP: "1.2.3.4", OpenID: "oUser",
		NotifyURL: merchant(t).URL,
	})
	require.NoError(t, err)
	require.NoError(t, srv.PayOrder(outTradeNo))
}

func payError(t *testing.T, err error) *wego.PayError {
	t.Helper()
	var pe *wego.PayError
	require.ErrorAs(t, err, &pe)
	return pe
}

func TestUnifiedOrderTradeTypes(t *testing.T) {
	t.Parallel()
	for _, st := range []wego.SignType{wego.SignTypeMD5, wego.SignTypeHMACSHA256} {
		for _, tt := range []wego.TradeType{"", wego.TradeTypeJSAPI, wego.TradeTypeNative, wego.TradeTypeApp, wego.TradeTypeMWeb} {
			t.Run(string(st)+"/"+string(tt), func(t *testing.T) {
				t.Parallel()
				srv, c := setup(t, func(s *wego.Settings) { s.PaySignType = st; s.PayNotifyURL = "https://example.com/pay/notify" })
				r, err := c.UnifiedOrder(context.Background(), wego.UnifiedOrderRequest{
					Body: "腾讯充值中心-QQ会员充值", OutTradeNo: "o-" + string(tt), TotalFee: 888, SpbillCreateIP: "123.12.12.123",
					TradeType: tt, OpenID: "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o", ProductID: "p1", SceneInfo: `{"h5_info":{}}`,
				})
				require.NoError(t, err)
				require.NotEmpty(t, r.PrepayID)
				assert.Equal(t, r.PrepayID, r.Fields["prepay_id"])
				switch tt {
				case "", wego.TradeTypeJSAPI: // JSAPI is the default, as in Python wego
					assert.Equal(t, wego.TradeTypeJSAPI, r.TradeType)
					require.NotNil(t, r.JSAPI)
					p := r.JSAPI
					assert.Equal(t, srv.AppID, p.AppID)
					assert.Equal(t, "prepay_id="+r.PrepayID, p.Package)
					assert.Equal(t, string(st), p.SignType, "the bridge signs as the order did")
					assert.Len(t, p.NonceStr, 32)
					assert.InDelta(t, time.Now().Unix(), atoi(t, p.TimeStamp), 5)
					assert.Equal(t, wego.Sign(map[string]string{"appId": p.AppID, "timeStamp": p.TimeStamp, "nonceStr": p.NonceStr,
						"package": p.Package, "signType": p.SignType}, srv.MchSecret, st), p.PaySign)
					assert.Nil(t, r.App)
				case wego.TradeTypeNative:
					assert.True(t, strings.HasPrefix(r.CodeURL, "weixin://wxpay/bizpayurl?pr="), r.CodeURL)
					assert.Nil(t, r.JSAPI)
				case wego.TradeTypeApp:
					require.NotNil(t, r.App)
					p := r.App
					assert.Equal(t, "Sign=WXPay", p.Package)
					assert.Equal(t, srv.MchID, p.PartnerID)
					assert.Equal(t, wego.Sign(map[string]string{"appid": p.AppID, "partnerid": p.PartnerID, "prepayid": p.PrepayID,
						"package": p.Package, "noncestr": p.NonceStr, "timestamp": p.Timestamp}, srv.MchSecret, st), p.Sign)
				case wego.TradeTypeMWeb:
					assert.Contains(t, r.MWebURL, "prepay_id="+r.PrepayID)
				}
				assert.Equal(t, 1, srv.Requests(wegotest.PathUnifiedOrder))
			})
		}
	}
}

func atoi(t *testing.T, s string) int64 {
	t.Helper()
	var n int64
	for _, c := range s {
		require.True(t, c >= '0' && c <= '9', s)
		n = n*10 + int64(c-'0')
	}
	return n
}

func TestUnifiedOrderRejectsBadInputBeforeSending(t *testing.T) {
	t.Parallel()
	good := wego.UnifiedOrderRequest{Body: "b", OutTradeNo: "o1", TotalFee: 1, SpbillCreateIP: "1.2.3.4", OpenID: "o", NotifyURL: "https://e.com/n"}
	tests := []struct {
		name string
		edit func(*wego.UnifiedOrderRequest)
		want error
		text string
	}{
		{"zero amount", func(o *wego.UnifiedOrderRequest) { o.TotalFee = 0 }, wego.ErrInvalidAmount, "total_fee"},
		{"negative amount", func(o *wego.UnifiedOrderRequest) { o.TotalFee = -100 }, wego.ErrInvalidAmount, "-100"},
		{"no body", func(o *wego.UnifiedOrderRequest) { o.Body = "" }, wego.ErrMissingParameter, "body"},
		{"no out_trade_no", func(o *wego.UnifiedOrderRequest) { o.OutTradeNo = "" }, wego.ErrMissingParameter, "out_trade_no"},
		{"no ip", func(o *wego.UnifiedOrderRequest) { o.SpbillCreateIP = "" }, wego.ErrMissingParameter, "spbill_create_ip"},
		{"no notify url anywhere", func(o *wego.UnifiedOrderRequest) { o.NotifyURL = "" }, wego.ErrMissingParameter, "notify_url"},
		{"JSAPI without openid", func(o *wego.UnifiedOrderRequest) { o.OpenID = "" }, wego.ErrMissingParameter, "openid"},
		{"NATIVE without product_id", func(o *wego.UnifiedOrderRequest) { o.TradeType = wego.TradeTypeNative }, wego.ErrMissingParameter, "product_id"},
		{"unknown trade type", func(o *wego.UnifiedOrderRequest) { o.TradeType = "CASH" }, nil, "trade_type"},
		{"bad extra name", func(o *wego.UnifiedOrderRequest) { o.Extra = map[string]string{"a b": "x"} }, nil, "XML name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, c := setup(t, func(s *wego.Settings) { s.PayNotifyURL = "" }) // wegotest's default would fill in
			o := good
			tt.edit(&o)
			r, err := c.UnifiedOrder(context.Background(), o)
			require.Error(t, err)
			assert.Nil(t, r)
			if tt.want != nil {
				require.ErrorIs(t, err, tt.want)
			}
			assert.Contains(t, err.Error(), tt.text)
			assert.Zero(t, srv.Requests(wegotest.PathUnifiedOrder), "nothing is sent")
		})
	}
}

func TestPayWithoutMerchantSettings(t *testing.T) {
	t.Parallel()
	srv, c := setup(t, func(s *wego.Settings) { s.MchID, s.MchSecret, s.CertPEMPath, s.KeyPEMPath = "", "", "", "" })
	ctx := context.Background()
	_, err := c.UnifiedOrder(ctx, wego.UnifiedOrderRequest{Body: "b", OutTradeNo: "o", TotalFee: 1, SpbillCreateIP: "1.2.3.4", OpenID: "o", NotifyURL: "https://e.com"})
	require.ErrorIs(t, err, wego.ErrPayNotConfigured)
	_, err = c.WeChat.OrderQuery(ctx, map[string]string{"out_trade_no": "o"})
	require.ErrorIs(t, err, wego.ErrPayNotConfigured)
	assert.Zero(t, srv.Requests(wegotest.PathOrderQuery))
}

func TestUnifiedOrderDebugForcesOneFen(t *testing.T) {
	t.Parallel()
	var logs syncBuffer
	srv, c := setup(t, func(s *wego.Settings) {
		s.Debug = true
		s.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	})
	ctx := context.Background()
	_, err := c.UnifiedOrder(ctx, wego.UnifiedOrderRequest{Body: "b", OutTradeNo: "dbg", TotalFee: 9900, SpbillCreateIP: "1.2.3.4", OpenID: "o", NotifyURL: merchant(t).URL})
	require.NoError(t, err)
	o, err := c.QueryOrder(ctx, wego.OrderRef{OutTradeNo: "dbg"})
	require.NoError(t, err)
	assert.Equal(t, int64(1), o.TotalFee)
	assert.Contains(t, logs.String(), "level=WARN")
	assert.Contains(t, logs.String(), "forced to 1 fen")

	require.NoError(t, srv.PayOrder("dbg"))
	r, err := c.RefundOrder(ctx, wego.RefundRequest{OutTradeNo: "dbg", OutRefundNo: "dbg-r", TotalFee: 9900, RefundFee: 500})
	require.NoError(t, err)
	assert.Equal(t, int64(1), r.RefundFee, "the refund is forced to 1 fen as the order was")
}

func TestOrderLifecycle(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	ctx := context.Background()
	m := merchant(t)
	order := wego.UnifiedOrderRequest{Body: "书", OutTradeNo: "life-1", TotalFee: 4200, SpbillCreateIP: "1.2.3.4", OpenID: "oUser", NotifyURL: m.URL, Attach: "a=1"}
	first, err := c.UnifiedOrder(ctx, order)
	require.NoError(t, err)
	again, err := c.UnifiedOrder(ctx, order)
	require.NoError(t, err)
	assert.Equal(t, first.PrepayID, again.PrepayID, "the same order placed twice is one order")

	changed := order
	changed.TotalFee = 4300
	_, err = c.UnifiedOrder(ctx, changed)
	assert.Equal(t, "INVALID_REQUEST", payError(t, err).ErrCode)

	o, err := c.QueryOrder(ctx, wego.OrderRef{OutTradeNo: "life-1"})
	require.NoError(t, err)
	assert.Equal(t, wego.TradeStateNotPay, o.TradeState)
	assert.Empty(t, o.TransactionID)
	assert.True(t, o.TimeEnd.IsZero())

	require.NoError(t, srv.PayOrder("life-1"))
	require.Error(t, srv.PayOrder("life-1"), "an order is paid once")
	o, err = c.QueryOrder(ctx, wego.OrderRef{OutTradeNo: "life-1"})
	require.NoError(t, err)
	assert.Equal(t, wego.TradeStateSuccess, o.TradeState)
	assert.Equal(t, int64(4200), o.TotalFee)
	assert.Equal(t, int64(4200), o.CashFee)
	assert.Equal(t, "a=1", o.Attach)
	assert.WithinDuration(t, time.Now(), o.TimeEnd, 5*time.Second)
	require.NotEmpty(t, o.TransactionID)

	byTxn, err := c.QueryOrder(ctx, wego.OrderRef{TransactionID: o.TransactionID})
	require.NoError(t, err)
	assert.Equal(t, "life-1", byTxn.OutTradeNo)

	_, err = c.UnifiedOrder(ctx, order)
	assert.Equal(t, "ORDERPAID", payError(t, err).ErrCode)
	err = c.CloseOrder(ctx, "life-1")
	pe := payError(t, err)
	assert.Equal(t, "ORDERPAID", pe.ErrCode)
	assert.Equal(t, "FAIL", pe.ResultCode)
	assert.Equal(t, wego.PayError{Endpoint: "/pay/closeorder", ReturnCode: "SUCCESS", ReturnMsg: "OK", ResultCode: "FAIL",
		ErrCode: "ORDERPAID", ErrCodeDes: "订单已支付，不能发起关单"}, *pe)

	// An unpaid order closes once.
	order.OutTradeNo = "life-2"
	_, err = c.UnifiedOrder(ctx, order)
	require.NoError(t, err)
	require.NoError(t, c.CloseOrder(ctx, "life-2"))
	assert.Equal(t, wego.TradeStateClosed, srv.TradeState("life-2"))
	assert.Equal(t, "ORDERCLOSED", payError(t, c.CloseOrder(ctx, "life-2")).ErrCode)
	require.Error(t, srv.PayOrder("life-2"), "a closed order cannot be paid")
	_, err = c.UnifiedOrder(ctx, order)
	assert.Equal(t, "ORDERCLOSED", payError(t, err).ErrCode)

	_, err = c.QueryOrder(ctx, wego.OrderRef{OutTradeNo: "nope"})
	assert.Equal(t, "ORDERNOTEXIST", payError(t, err).ErrCode)
	_, err = c.QueryOrder(ctx, wego.OrderRef{})
	require.ErrorIs(t, err, wego.ErrMissingParameter)
	assert.Contains(t, err.Error(), "out_trade_no or transaction_id")
	require.ErrorIs(t, c.CloseOrder(ctx, ""), wego.ErrMissingParameter)
}

func TestRefundNeedsTheClientCertificate(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	req := wego.RefundRequest{OutTradeNo: "cert-1", OutRefundNo: "cert-1-r", TotalFee: 100, RefundFee: 100}

	t.Run("with the certificate", func(t *testing.T) {
		t.Parallel()
		srv, c := setup(t)
		paidOrder(t, srv, c, "cert-1", 100)
		r, err := c.RefundOrder(ctx, req)
		require.NoError(t, err)
		assert.NotEmpty(t, r.RefundID)
		assert.Equal(t, "cert-1-r", r.OutRefundNo)
		assert.Equal(t, int64(100), r.RefundFee)
		assert.Equal(t, int64(100), r.TotalFee)
		assert.NotEmpty(t, r.TransactionID)
		assert.Equal(t, wego.TradeStateRefund, srv.TradeState("cert-1"))
	})
	t.Run("without a certificate the SDK refuses to send", func(t *testing.T) {
		t.Parallel()
		srv, c := setup(t, func(s *wego.Settings) { s.CertPEMPath, s.KeyPEMPath = "", "" })
		_, err := c.RefundOrder(ctx, req)
		require.ErrorIs(t, err, wego.ErrPayNotConfigured)
		assert.Contains(t, err.Error(), "CertPEMPath")
		assert.Zero(t, srv.Requests(wegotest.PathRefund))
	})
	t.Run("without a certificate the TLS handshake fails", func(t *testing.T) {
		t.Parallel()
		srv := wegotest.New(t)
		resp, err := srv.Settings().HTTPClient.Post(srv.PaySecureURL+wegotest.PathRefund, "text/xml", strings.NewReader("<xml></xml>"))
		if resp != nil {
			resp.Body.Close()
		}
		require.Error(t, err)
		assert.Contains(t, err.Error(), "tls")
		assert.Zero(t, srv.Requests(wegotest.PathRefund), "the request never reached the handler")
	})
	t.Run("a certificate the platform did not issue fails the handshake", func(t *testing.T) {
		t.Parallel()
		certPath, keyPath := writePair(t) // self-signed, CN = a merchant id
		srv, c := setup(t, func(s *wego.Settings) { s.CertPEMPath, s.KeyPEMPath = certPath, keyPath })
		paidOrder(t, srv, c, "cert-1", 100)
		_, err := c.RefundOrder(ctx, req)
		require.Error(t, err)
		var pe *wego.PayError
		assert.False(t, errors.As(err, &pe), "a transport failure, not an answer")
		assert.Contains(t, err.Error(), "tls")
		assert.Zero(t, srv.Requests(wegotest.PathRefund))
		assert.Equal(t, wego.TradeStateSuccess, srv.TradeState("cert-1"))
	})
	t.Run("the endpoint on the plain listener answers FAIL", func(t *testing.T) {
		t.Parallel()
		srv, c := setup(t, func(s *wego.Settings) { s.PaySecureBaseURL = "" })
		paidOrder(t, srv, c, "cert-1", 100)
		_, err := c.RefundOrder(ctx, req)
		pe := payError(t, err)
		assert.Equal(t, "FAIL", pe.ReturnCode)
		assert.Contains(t, pe.ReturnMsg, "证书")
	})
}

func TestRefundRules(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	ctx := context.Background()
	paidOrder(t, srv, c, "rr", 1000)

	for _, bad := range []wego.RefundRequest{
		{OutTradeNo: "rr", OutRefundNo: "x", TotalFee: 1000, RefundFee: 0},
		{OutTradeNo: "rr", OutRefundNo: "x", TotalFee: 0, RefundFee: 1},
		{OutTradeNo: "rr", OutRefundNo: "x", TotalFee: 1000, RefundFee: 1001},
		{OutTradeNo: "rr", OutRefundNo: "x", TotalFee: 1000, RefundFee: -1},
	} {
		_, err := c.RefundOrder(ctx, bad)
		require.ErrorIs(t, err, wego.ErrInvalidAmount, "%+v", bad)
	}
	_, err := c.RefundOrder(ctx, wego.RefundRequest{OutRefundNo: "x", TotalFee: 1000, RefundFee: 1})
	require.ErrorIs(t, err, wego.ErrMissingParameter)
	_, err = c.RefundOrder(ctx, wego.RefundRequest{OutTradeNo: "rr", TotalFee: 1000, RefundFee: 1})
	require.ErrorIs(t, err, wego.ErrMissingParameter)
	assert.Zero(t, srv.Requests(wegotest.PathRefund))

	a, err := c.RefundOrder(ctx, wego.RefundRequest{OutTradeNo: "rr", OutRefundNo: "rr-1", TotalFee: 1000, RefundFee: 600})
	require.NoError(t, err)
	again, err := c.RefundOrder(ctx, wego.RefundRequest{OutTradeNo: "rr", OutRefundNo: "rr-1", TotalFee: 1000, RefundFee: 600})
	require.NoError(t, err)
	assert.Equal(t, a.RefundID, again.RefundID, "the same out_refund_no refunds once")

	_, err = c.RefundOrder(ctx, wego.RefundRequest{OutTradeNo: "rr", OutRefundNo: "rr-2", TotalFee: 1000, RefundFee: 500})
	assert.Equal(t, "NOTENOUGH", payError(t, err).ErrCode, "600 + 500 > 1000")
	_, err = c.RefundOrder(ctx, wego.RefundRequest{OutTradeNo: "rr", OutRefundNo: "rr-2", TotalFee: 999, RefundFee: 1})
	assert.Equal(t, "PARAM_ERROR", payError(t, err).ErrCode, "total_fee must be the order's")
	_, err = c.RefundOrder(ctx, wego.RefundRequest{TransactionID: a.TransactionID, OutRefundNo: "rr-2", TotalFee: 1000, RefundFee: 400})
	require.NoError(t, err, "by transaction_id")

	// An unpaid order cannot be refunded.
	_, err = c.UnifiedOrder(ctx, wego.UnifiedOrderRequest{Body: "b", OutTradeNo: "unpaid", TotalFee: 5, SpbillCreateIP: "1.2.3.4", OpenID: "o", NotifyURL: merchant(t).URL})
	require.NoError(t, err)
	_, err = c.RefundOrder(ctx, wego.RefundRequest{OutTradeNo: "unpaid", OutRefundNo: "u-1", TotalFee: 5, RefundFee: 5})
	assert.Equal(t, "TRADE_STATE_ERROR", payError(t, err).ErrCode)
}

func TestQueryRefund(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	ctx := context.Background()
	paidOrder(t, srv, c, "qr", 1000)
	r1, err := c.RefundOrder(ctx, wego.RefundRequest{OutTradeNo: "qr", OutRefundNo: "qr-1", TotalFee: 1000, RefundFee: 100})
	require.NoError(t, err)
	_, err = c.RefundOrder(ctx, wego.RefundRequest{OutTradeNo: "qr", OutRefundNo: "qr-2", TotalFee: 1000, RefundFee: 200})
	require.NoError(t, err)
	require.NoError(t, srv.CompleteRefund("qr-1"))

	all, err := c.QueryRefund(ctx, wego.RefundQuery{OutTradeNo: "qr"})
	require.NoError(t, err)
	assert.Equal(t, int64(1000), all.TotalFee)
	assert.Equal(t, 2, all.TotalRefundCount)
	require.Len(t, all.Refunds, 2)
	assert.Equal(t, "qr-1", all.Refunds[0].OutRefundNo)
	assert.Equal(t, wego.RefundStatusSuccess, all.Refunds[0].RefundStatus)
	assert.WithinDuration(t, time.Now(), all.Refunds[0].SuccessTime, 5*time.Second)
	assert.Equal(t, int64(200), all.Refunds[1].RefundFee)
	assert.Equal(t, wego.RefundStatusProcessing, all.Refunds[1].RefundStatus)
	assert.True(t, all.Refunds[1].SuccessTime.IsZero())

	for _, q := range []wego.RefundQuery{{RefundID: r1.RefundID}, {OutRefundNo: "qr-1"}} {
		one, err := c.QueryRefund(ctx, q)
		require.NoError(t, err)
		require.Len(t, one.Refunds, 1)
		assert.Equal(t, r1.RefundID, one.Refunds[0].RefundID)
	}
	byTxn, err := c.QueryRefund(ctx, wego.RefundQuery{TransactionID: r1.TransactionID})
	require.NoError(t, err)
	assert.Len(t, byTxn.Refunds, 2)

	_, err = c.QueryRefund(ctx, wego.RefundQuery{OutRefundNo: "none"})
	assert.Equal(t, "REFUNDNOTEXIST", payError(t, err).ErrCode)
	_, err = c.QueryRefund(ctx, wego.RefundQuery{})
	require.ErrorIs(t, err, wego.ErrMissingParameter)
}

func TestDownloadBill(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	ctx := context.Background()
	paidOrder(t, srv, c, "bill-1", 1990)
	paidOrder(t, srv, c, "bill-2", 1)
	_, err := c.RefundOrder(ctx, wego.RefundRequest{OutTradeNo: "bill-1", OutRefundNo: "bill-1-r", TotalFee: 1990, RefundFee: 990})
	require.NoError(t, err)
	o, err := c.QueryOrder(ctx, wego.OrderRef{OutTradeNo: "bill-2"})
	require.NoError(t, err)
	today := o.TimeEnd // in China time: the bill's day

	for _, gz := range []bool{false, true} {
		all, err := c.DownloadBill(ctx, wego.BillRequest{Date: today, Gzip: gz})
		require.NoError(t, err)
		require.Len(t, all.Rows, 3)
		assert.Equal(t, 3, all.Summary.TradeCount)
		assert.Equal(t, int64(1991), all.Summary.SettlementTotalFee)
		assert.Equal(t, int64(990), all.Summary.RefundFee)
		assert.Equal(t, int64(1991), all.Summary.TotalFee)
		assert.Equal(t, "0.06006", all.Summary.Fee, "0.6 %% of 19.91 less 0.6 %% of 9.90")
		var paid, refunds int
		for _, r := range all.Rows {
			assert.Equal(t, srv.AppID, r.AppID)
			assert.Equal(t, srv.MchID, r.MchID)
			assert.WithinDuration(t, time.Now(), r.TradeTime, time.Minute)
			switch r.TradeState {
			case "SUCCESS":
				paid++
			case "REFUND":
				refunds++
				assert.Equal(t, "bill-1", r.OutTradeNo)
				assert.Equal(t, "bill-1-r", r.OutRefundNo)
				assert.Equal(t, int64(990), r.RefundFee)
				assert.Equal(t, "-0.05940", r.Fee)
			}
			assert.Equal(t, r.OutTradeNo, r.Get("商户订单号"))
		}
		assert.Equal(t, 2, paid)
		assert.Equal(t, 1, refunds)
	}

	ok, err := c.DownloadBill(ctx, wego.BillRequest{Date: today, Type: wego.BillTypeSuccess})
	require.NoError(t, err)
	require.Len(t, ok.Rows, 2)
	assert.Equal(t, int64(1990), ok.Rows[0].SettlementTotalFee)
	assert.Equal(t, "商品", ok.Rows[0].Body)
	assert.Len(t, ok.Columns, 20)

	ref, err := c.DownloadBill(ctx, wego.BillRequest{Date: today, Type: wego.BillTypeRefund})
	require.NoError(t, err)
	require.Len(t, ref.Rows, 1)
	assert.False(t, ref.Rows[0].RefundApplyTime.IsZero())

	_, err = c.DownloadBill(ctx, wego.BillRequest{Date: today.AddDate(0, 0, -3)})
	pe := payError(t, err)
	assert.Equal(t, "20002", pe.ErrCode)
	assert.Equal(t, "No Bill Exist", pe.ReturnMsg)

	_, err = c.DownloadBill(ctx, wego.BillRequest{})
	require.ErrorIs(t, err, wego.ErrMissingParameter)
	_, err = c.DownloadBill(ctx, wego.BillRequest{Date: today, Type: "EVERYTHING"})
	require.Error(t, err)
}

func TestPayReport(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	ctx := context.Background()
	err := c.PayReport(ctx, wego.PayReportRequest{
		InterfaceURL: "https://api.mch.weixin.qq.com/pay/unifiedorder", ExecuteTime: 1200 * time.Millisecond,
		ReturnCode: "SUCCESS", ResultCode: "SUCCESS", UserIP: "8.8.8.8",
	})
	require.NoError(t, err)
	assert.Equal(t, 1, srv.Requests(wegotest.PathPayReport))
	err = c.PayReport(ctx, wego.PayReportRequest{InterfaceURL: "https://x", ReturnCode: "SUCCESS", ResultCode: "SUCCESS"})
	require.ErrorIs(t, err, wego.ErrMissingParameter)
}

func TestPayReadsRetryWritesDoNot(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	wego.SetBusyBackoff(c, time.Millisecond)
	ctx := context.Background()
	_, err := c.UnifiedOrder(ctx, wego.UnifiedOrderRequest{Body: "b", OutTradeNo: "rt", TotalFee: 5, SpbillCreateIP: "1.2.3.4", OpenID: "o", NotifyURL: "https://e.com/n"})
	require.NoError(t, err)

	srv.FailNextPay(wegotest.PathOrderQuery, "SYSTEMERROR")
	srv.FailNextPay(wegotest.PathOrderQuery, "SYSTEMERROR")
	o, err := c.QueryOrder(ctx, wego.OrderRef{OutTradeNo: "rt"})
	require.NoError(t, err)
	assert.Equal(t, wego.TradeStateNotPay, o.TradeState)
	assert.Equal(t, 3, srv.Requests(wegotest.PathOrderQuery))

	srv.FailNextPay(wegotest.PathCloseOrder, "SYSTEMERROR")
	err = c.CloseOrder(ctx, "rt")
	pe := payError(t, err)
	assert.True(t, pe.Retryable())
	assert.Equal(t, "系统错误", pe.ErrCodeDes)
	assert.Equal(t, 1, srv.Requests(wegotest.PathCloseOrder), "a write is sent once")

	srv.FailNextPay(wegotest.PathOrderQuery, "NOAUTH")
	_, err = c.QueryOrder(ctx, wego.OrderRef{OutTradeNo: "rt"})
	assert.False(t, payError(t, err).Retryable())
	assert.Equal(t, 4, srv.Requests(wegotest.PathOrderQuery), "only retryable codes are retried")
}

func TestPayWrongKeyIsSignatureError(t *testing.T) {
	t.Parallel()
	srv, c := setup(t, func(s *wego.Settings) { s.MchSecret = "ffffffffffffffffffffffffffffffff" })
	_, err := c.QueryOrder(context.Background(), wego.OrderRef{OutTradeNo: "x"})
	pe := payError(t, err)
	assert.Equal(t, "FAIL", pe.ReturnCode)
	assert.Equal(t, "签名错误", pe.ReturnMsg)
	assert.NotContains(t, err.Error(), "ffffffff")
	assert.NotContains(t, err.Error(), srv.MchSecret)
}

func TestPayHonoursCancellation(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	srv.SetLatency(time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	begin := time.Now()
	_, err := c.QueryOrder(ctx, wego.OrderRef{OutTradeNo: "x"})
	require.ErrorIs(t, err, context.DeadlineExceeded)
	_, err = c.RefundOrder(ctx, wego.RefundRequest{OutTradeNo: "x", OutRefundNo: "y", TotalFee: 1, RefundFee: 1})
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Less(t, time.Since(begin), 500*time.Millisecond)
}

func TestPayNoSecretsInLogsOrErrors(t *testing.T) {
	t.Parallel()
	var logs syncBuffer
	srv, c := setup(t, func(s *wego.Settings) {
		s.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	ctx := context.Background()
	var errs []error
	r, err := c.UnifiedOrder(ctx, wego.UnifiedOrderRequest{Body: "b", OutTradeNo: "s1", TotalFee: 5, SpbillCreateIP: "1.2.3.4", OpenID: "o", NotifyURL: merchant(t).URL})
	require.NoError(t, err)
	require.NoError(t, srv.PayOrder("s1"))
	_, err = c.RefundOrder(ctx, wego.RefundRequest{OutTradeNo: "s1", OutRefundNo: "s1-r", TotalFee: 5, RefundFee: 9})
	errs = append(errs, err)
	errs = append(errs, c.CloseOrder(ctx, "s1"))
	body, err := srv.PayNotification("s1")
	require.NoError(t, err)
	h := c.PayNotifyHandler(func(context.Context, *wego.PayNotify) error { return errors.New("boom") })
	h.ServeHTTP(httptest.NewRecorder(), notifyRequest(body))
	tampered := bytes.Replace(body, []byte("<total_fee><![CDATA[5]]>"), []byte("<total_fee><![CDATA[6]]>"), 1)
	require.NotEqual(t, body, tampered)
	_, err = c.ParsePayNotify(notifyRequest(tampered))
	errs = append(errs, err)
	h.ServeHTTP(httptest.NewRecorder(), notifyRequest(tampered))

	out := logs.String()
	require.Contains(t, out, "/pay/unifiedorder", "the test captures pay request logs")
	require.Contains(t, out, "pay notification rejected")
	var sign string
	for _, f := range bytes.Split(body, []byte("<sign><![CDATA["))[1:] {
		sign = string(f[:32])
	}
	require.Len(t, sign, 32)
	for _, secret := range []string{srv.MchSecret, sign, r.JSAPI.PaySign} {
		assert.NotContains(t, out, secret)
		for _, e := range errs {
			require.Error(t, e)
			assert.NotContains(t, e.Error(), secret)
		}
	}
}

// mockPayClient returns a client whose HTTP goes to a httpmock transport.
func mockPayClient(t *testing.T, signType wego.SignType) (*httpmock.MockTransport, *wego.Client) {
	t.Helper()
	mt := httpmock.NewMockTransport()
	c, err := wego.NewClient(wego.Settings{
		AppID: docAppID, AppSecret: "secret", MchID: docMchID, MchSecret: docKey, PaySignType: signType,
		HTTPClient: &http.Client{Transport: mt},
	})
	require.NoError(t, err)
	wego.SetBusyBackoff(c, time.Millisecond)
	return mt, c
}

// flatXML reads a flat <xml> document with encoding/xml.
func flatXML(t *testing.T, body []byte) map[string]string {
	t.Helper()
	var doc struct {
		Fields []struct {
			XMLName xml.Name
			Value   string `xml:",chardata"`
		} `xml:",any"`
	}
	require.NoError(t, xml.Unmarshal(body, &doc))
	m := map[string]string{}
	for _, f := range doc.Fields {
		m[f.XMLName.Local] = f.Value
	}
	return m
}

// answerXML writes a pay answer, signed with key unless sign is given.
func answerXML(fields map[string]string, key string, signType wego.SignType) string {
	if _, ok := fields["sign"]; !ok && key != "" {
		fields["sign"] = wego.Sign(fields, key, signType)
	}
	var b strings.Builder
	b.WriteString("<xml>")
	for k, v := range fields {
		b.WriteString("<" + k + "><![CDATA[" + v + "]]></" + k + ">")
	}
	b.WriteString("</xml>")
	return b.String()
}

func TestRawPayPostSignsAndFills(t *testing.T) {
	t.Parallel()
	for _, st := range []wego.SignType{wego.SignTypeMD5, wego.SignTypeHMACSHA256} {
		mt, c := mockPayClient(t, st)
		mt.RegisterResponder(http.MethodPost, "https://api.mch.weixin.qq.com/pay/micropay",
			func(r *http.Request) (*http.Response, error) {
				assert.Equal(t, "text/xml; charset=utf-8", r.Header.Get("Content-Type"))
				body, _ := io.ReadAll(r.Body)
				req := flatXML(t, body)
				assert.Equal(t, docAppID, req["appid"])
				assert.Equal(t, docMchID, req["mch_id"])
				assert.Len(t, req["nonce_str"], 32)
				assert.Equal(t, "a<b&c]]>d", req["body"], "values are carried verbatim")
				if st == wego.SignTypeHMACSHA256 {
					assert.Equal(t, "HMAC-SHA256", req["sign_type"])
				} else {
					assert.NotContains(t, req, "sign_type")
				}
				assert.Equal(t, wego.Sign(req, docKey, st), req["sign"])
				return httpmock.NewStringResponse(200, answerXML(map[string]string{
					"return_code": "SUCCESS", "result_code": "SUCCESS", "appid": docAppID, "mch_id": docMchID,
					"nonce_str": "n", "transaction_id": "t1", "unknown_new_field": "kept",
				}, docKey, st)), nil
			})
		params := map[string]string{"body": "a<b&c]]>d", "auth_code": "120061098828009406"}
		out, err := c.WeChat.PayPost(context.Background(), "/pay/micropay", params)
		require.NoError(t, err, st)
		assert.Equal(t, "t1", out["transaction_id"])
		assert.Equal(t, "kept", out["unknown_new_field"])
		assert.Equal(t, map[string]string{"body": "a<b&c]]>d", "auth_code": "120061098828009406"}, params, "the caller's map is not modified")
	}
}

func TestRawPayAnswers(t *testing.T) {
	t.Parallel()
	ok := func() map[string]string {
		return map[string]string{"return_code": "SUCCESS", "result_code": "SUCCESS", "appid": docAppID, "mch_id": docMchID, "nonce_str": "n", "prepay_id": "wx1"}
	}
	tests := []struct {
		name   string
		status int
		body   string
		check  func(t *testing.T, err error)
	}{
		{"valid", 200, answerXML(ok(), docKey, wego.SignTypeMD5), func(t *testing.T, err error) { require.NoError(t, err) }},
		{"sign under another key", 200, answerXML(ok(), "0123456789abcdef0123456789abcdef", wego.SignTypeMD5), func(t *testing.T, err error) {
			require.ErrorIs(t, err, wego.ErrInvalidSignature)
		}},
		{"no sign", 200, answerXML(ok(), "", ""), func(t *testing.T, err error) { require.ErrorIs(t, err, wego.ErrInvalidSignature) }},
		{"tampered after signing", 200, strings.Replace(answerXML(ok(), docKey, wego.SignTypeMD5), "wx1", "wx2", 1), func(t *testing.T, err error) {
			require.ErrorIs(t, err, wego.ErrInvalidSignature)
		}},
		{"result FAIL, signed", 200, answerXML(map[string]string{"return_code": "SUCCESS", "result_code": "FAIL", "err_code": "ORDERPAID", "err_code_des": "该订单已支付"}, docKey, wego.SignTypeMD5), func(t *testing.T, err error) {
			pe := payError(t, err)
			assert.Equal(t, "ORDERPAID", pe.ErrCode)
			assert.Equal(t, "该订单已支付", pe.ErrCodeDes)
		}},
		{"result FAIL with a bad sign is untrusted", 200, answerXML(map[string]string{"return_code": "SUCCESS", "result_code": "FAIL", "err_code": "X", "sign": "BAD"}, "", ""), func(t *testing.T, err error) {
			require.ErrorIs(t, err, wego.ErrInvalidSignature)
		}},
		{"repeated sign, the last one valid", 200, strings.Replace(answerXML(ok(), docKey, wego.SignTypeMD5), "<xml>", "<xml><sign>"+strings.Repeat("A", 32)+"</sign>", 1), func(t *testing.T, err error) {
			require.ErrorIs(t, err, wego.ErrMalformedMessage)
			assert.NotContains(t, err.Error(), strings.Repeat("A", 32), "errors never quote a sign")
		}},
		{"repeated prepay_id, one copy empty", 200, strings.Replace(answerXML(ok(), docKey, wego.SignTypeMD5), "<xml>", "<xml><prepay_id></prepay_id>", 1), func(t *testing.T, err error) {
			require.ErrorIs(t, err, wego.ErrMalformedMessage)
		}},
		{"return FAIL", 200, "<xml><return_code><![CDATA[FAIL]]></return_code><return_msg><![CDATA[签名错误]]></return_msg></xml>", func(t *testing.T, err error) {
			pe := payError(t, err)
			assert.Equal(t, "FAIL", pe.ReturnCode)
			assert.Equal(t, "签名错误", pe.ReturnMsg)
			assert.Equal(t, "/pay/unifiedorder", pe.Endpoint)
		}},
		{"not XML", 200, "<html>busy</html", func(t *testing.T, err error) {
			var he *wego.HTTPError
			require.ErrorAs(t, err, &he)
			assert.Contains(t, he.Reason, "invalid XML")
		}},
		{"no return_code", 200, "<xml><a>1</a></xml>", func(t *testing.T, err error) {
			var he *wego.HTTPError
			require.ErrorAs(t, err, &he)
		}},
		{"HTTP 502", 502, "bad gateway", func(t *testing.T, err error) {
			var he *wego.HTTPError
			require.ErrorAs(t, err, &he)
			assert.Equal(t, 502, he.StatusCode)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			mt, c := mockPayClient(t, wego.SignTypeMD5)
			mt.RegisterResponder(http.MethodPost, "https://api.mch.weixin.qq.com/pay/unifiedorder", httpmock.NewStringResponder(tt.status, tt.body))
			_, err := c.WeChat.UnifiedOrder(context.Background(), map[string]string{"body": "x"})
			tt.check(t, err)
		})
	}
}

// The answer of /payitil/report carries no sign, but a repeated field is
// as malformed there: which result_code would count?
func TestRawPayReportRepeatedField(t *testing.T) {
	t.Parallel()
	mt, c := mockPayClient(t, wego.SignTypeMD5)
	mt.RegisterResponder(http.MethodPost, "https://api.mch.weixin.qq.com/payitil/report", httpmock.NewStringResponder(200,
		"<xml><return_code>SUCCESS</return_code><result_code>SUCCESS</result_code><result_code>FAIL</result_code></xml>"))
	_, err := c.WeChat.PayReport(context.Background(), map[string]string{"interface_url": "https://x"})
	require.ErrorIs(t, err, wego.ErrMalformedMessage)
}

func TestRawPayBadParams(t *testing.T) {
	t.Parallel()
	mt, c := mockPayClient(t, wego.SignTypeMD5)
	_, err := c.WeChat.PayPost(context.Background(), "/pay/x", map[string]string{"<evil>": "1"})
	require.ErrorContains(t, err, "not an XML name")
	_, err = c.WeChat.PayPost(context.Background(), "/pay/x", map[string]string{"sign_type": "SHA1"})
	require.ErrorContains(t, err, "sign_type")
	for _, v := range []string{"a\r\nb", "bell\x07", "\xff\xfe"} {
		_, err = c.WeChat.PayPost(context.Background(), "/pay/x", map[string]string{"body": v})
		require.ErrorContains(t, err, "XML cannot carry", "%q", v)
	}
	_, err = c.WeChat.PayPost(context.Background(), "pay/x", nil)
	require.ErrorContains(t, err, "must start with /")
	assert.Zero(t, mt.GetTotalCallCount())
}

func TestRawDownloadBillAnswers(t *testing.T) {
	t.Parallel()
	mt, c := mockPayClient(t, wego.SignTypeMD5)
	var answer string
	mt.RegisterResponder(http.MethodPost, "https://api.mch.weixin.qq.com/pay/downloadbill",
		func(*http.Request) (*http.Response, error) { return httpmock.NewStringResponse(200, answer), nil })
	ctx := context.Background()

	answer = "<xml><return_code><![CDATA[FAIL]]></return_code><return_msg><![CDATA[invalid bill_date]]></return_msg><error_code><![CDATA[20001]]></error_code></xml>"
	_, err := c.WeChat.DownloadBill(ctx, map[string]string{"bill_date": "x"})
	assert.Equal(t, "20001", payError(t, err).ErrCode)

	answer = "\x1f\x8b not really gzip"
	_, err = c.WeChat.DownloadBill(ctx, map[string]string{"bill_date": "20240101"})
	var he *wego.HTTPError
	require.ErrorAs(t, err, &he)

	answer = "交易时间,商户订单号\r\n`2024-01-01 10:00:00,`o1\r\n总交易单数,应结订单总金额\r\n`1,`0.01\r\n"
	raw, err := c.WeChat.DownloadBill(ctx, map[string]string{"bill_date": "20240101"})
	require.NoError(t, err)
	assert.Equal(t, answer, string(raw))
}

func TestParseBill(t *testing.T) {
	t.Parallel()
	bill := "\ufeff交易时间,公众账号ID,商户订单号,应结订单金额,手续费,未来的新列\r\n" +
		"`2024-01-02 10:00:00,`wx1,`o1,`12.30,`0.07380,`x\r\n" +
		"`2024-01-02 11:00:00,`wx1,`o2,`0.01,`0.00006,`y\n" +
		"\r\n" +
		"总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额\r\n" +
		"`2,`12.31,`0.00,`0.00,`0.07386,`12.31,`0.00\r\n"
	b, err := wego.ParseBill([]byte(bill))
	require.NoError(t, err)
	require.Len(t, b.Rows, 2)
	assert.Equal(t, int64(1230), b.Rows[0].SettlementTotalFee)
	assert.Equal(t, int64(1), b.Rows[1].SettlementTotalFee)
	assert.Equal(t, "0.07380", b.Rows[0].Fee)
	assert.Equal(t, "y", b.Rows[1].Get("未来的新列"), "unknown columns are kept")
	assert.Equal(t, 2024, b.Rows[0].TradeTime.Year())
	assert.Equal(t, wego.BillSummary{TradeCount: 2, SettlementTotalFee: 1231, Fee: "0.07386", TotalFee: 1231}, b.Summary)

	for name, bad := range map[string]string{
		"empty":           "",
		"header only":     "交易时间\r\n",
		"no summary":      "交易时间,商户订单号\r\n`2024-01-02 10:00:00,`o1\r\n`2024-01-02 10:00:00,`o2\r\n",
		"short row":       "交易时间,商户订单号\r\n`2024-01-02 10:00:00\r\n总交易单数\r\n`1\r\n",
		"bad amount":      "应结订单金额\r\n`1.234\r\n总交易单数\r\n`1\r\n",
		"float amount":    "应结订单金额\r\n`1e3\r\n总交易单数\r\n`1\r\n",
		"bad time":        "交易时间\r\n`yesterday\r\n总交易单数\r\n`1\r\n",
		"bad summary":     "交易时间\r\n`2024-01-02 10:00:00\r\n总交易单数\r\n`many\r\n",
		"summary too few": "交易时间\r\n`2024-01-02 10:00:00\r\n总交易单数,订单总金额\r\n`1\r\n",
	} {
		_, err := wego.ParseBill([]byte(bad))
		require.ErrorIs(t, err, wego.ErrMalformedMessage, name)
	}
}

func TestParseYuanExact(t *testing.T) {
	t.Parallel()
	// 0.29 and 0.57 are the classic float traps: 0.29*100 = 28.999999999999996.
	b, err := wego.ParseBill([]byte("应结订单金额\r\n`0.29\r\n`0.57\r\n`-1.5\r\n`7\r\n总交易单数\r\n`4\r\n"))
	require.NoError(t, err)
	var got []int64
	for _, r := range b.Rows {
		got = append(got, r.SettlementTotalFee)
	}
	assert.Equal(t, []int64{29, 57, -150, 700}, got)
}

func TestPayerParamsForAPlacedOrder(t *testing.T) {
	t.Parallel()
	c := docClient(t, func(s *wego.Settings) { s.PaySignType = wego.SignTypeHMACSHA256 })
	p, err := c.JSAPIPayParams("wx201410272009395522657a690389285100")
	require.NoError(t, err)
	assert.Equal(t, "HMAC-SHA256", p.SignType)
	assert.Equal(t, wego.Sign(map[string]string{"appId": p.AppID, "timeStamp": p.TimeStamp, "nonceStr": p.NonceStr,
		"package": p.Package, "signType": p.SignType}, docKey, wego.SignTypeHMACSHA256), p.PaySign)
	a, err := c.AppPayParams("wx201410272009395522657a690389285100")
	require.NoError(t, err)
	assert.Equal(t, docMchID, a.PartnerID)

	_, err = c.JSAPIPayParams("")
	require.ErrorIs(t, err, wego.ErrMissingParameter)
	noPay, err := wego.NewClient(wego.Settings{AppID: "wx1", AppSecret: "s"})
	require.NoError(t, err)
	_, err = noPay.AppPayParams("wx1")
	require.ErrorIs(t, err, wego.ErrPayNotConfigured)
}
