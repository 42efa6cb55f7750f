package wego_test

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"strings"

	"github.com/wego-sdk/wego"
	"github.com/wego-sdk/wego/wegotest"
)

// The signature example of WeChat Pay's security rules (安全规范).
func ExampleSign() {
	params := map[string]string{
		"appid": "wxd930ea5d5a258f4f", "mch_id": "10000100", "device_info": "1000",
		"body": "test", "nonce_str": "ibuaiVcKdpRxkhJA",
	}
	const key = "192006250b4c09247ec02edce69f6a2d"
	fmt.Println(wego.Sign(params, key, wego.SignTypeMD5))
	fmt.Println(wego.Sign(params, key, wego.SignTypeHMACSHA256))
	// Output:
	// 9A0A8659F005D6984697E2CA0A9CF3B7
	// 6A9AE1657590FD6257D693A078E1C3E4BB6BA4DC30B23E0EE2496E54170DACD6
}

// A JSAPI order returns the parameters of WeixinJSBridge's
// getBrandWCPayRequest, ready to be written into the page as JSON.
func ExampleClient_UnifiedOrder() {
	srv := wegotest.NewServer() // a fake WeChat; use your own Settings in production
	defer srv.Close()
	c, err := wego.NewClient(srv.Settings())
	if err != nil {
		panic(err)
	}
	r, err := c.UnifiedOrder(context.Background(), wego.UnifiedOrderRequest{
		Body:           "T恤",
		OutTradeNo:     "20240101-0001",
		TotalFee:       2990, // 29.90 yuan, in fen
		SpbillCreateIP: "203.0.113.7",
		OpenID:         "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o",
		NotifyURL:      "https://shop.example.com/pay/notify",
	})
	if err != nil {
		panic(err)
	}
	p := r.JSAPI
	fmt.Println(r.TradeType, strings.HasPrefix(p.Package, "prepay_id=wx"), p.SignType, len(p.PaySign))
	// Output: JSAPI true MD5 32
}

// The notify endpoint: the handler verifies each notification, answers
// WeChat, and calls the function once per payment however often WeChat
// repeats it.
func ExampleClient_PayNotifyHandler() {
	srv := wegotest.NewServer()
	defer srv.Close()
	c, _ := wego.NewClient(srv.Settings())

	orders := map[string]int64{"A-1001": 1500} // the shop's own orders: amount in fen
	calls := 0
	handler := c.PayNotifyHandler(func(ctx context.Context, n *wego.PayNotify) error {
		if err := c.CheckPaidAmount(n, orders[n.OutTradeNo]); err != nil {
			return err // answered FAIL: never deliver goods for the wrong amount
		}
		calls++
		fmt.Println("paid:", n.OutTradeNo, n.TotalFee, "fen")
		return nil
	})
	shop := httptest.NewServer(handler)
	defer shop.Close()

	ctx := context.Background()
	_, err := c.UnifiedOrder(ctx, wego.UnifiedOrderRequest{
		Body: "咖啡", OutTradeNo: "A-1001", TotalFee: 1500, SpbillCreateIP: "203.0.113.7",
		OpenID: "oUser", NotifyURL: shop.URL,
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(srv.PayOrder("A-1001"))        // the user pays; WeChat notifies
	fmt.Println(srv.ResendPayNotify("A-1001")) // WeChat repeats itself
	fmt.Println("function calls:", calls)
	// Output:
	// paid: A-1001 1500 fen
	// <nil>
	// <nil>
	// function calls: 1
}

// Refunds go over mutual TLS with the merchant's client certificate
// (Settings.CertPEMPath and KeyPEMPath); the refund completes later.
func ExampleClient_RefundOrder() {
	srv := wegotest.NewServer()
	defer srv.Close()
	c, _ := wego.NewClient(srv.Settings())
	ctx := context.Background()
	payForExample(srv, c, "B-7", 5000)

	r, err := c.RefundOrder(ctx, wego.RefundRequest{OutTradeNo: "B-7", OutRefundNo: "B-7-R1", TotalFee: 5000, RefundFee: 1200})
	if err != nil {
		panic(err)
	}
	fmt.Println("refund accepted:", r.RefundFee)
	q, _ := c.QueryRefund(ctx, wego.RefundQuery{OutRefundNo: "B-7-R1"})
	fmt.Println(q.Refunds[0].RefundStatus)
	_ = srv.CompleteRefund("B-7-R1")
	q, _ = c.QueryRefund(ctx, wego.RefundQuery{OutRefundNo: "B-7-R1"})
	fmt.Println(q.Refunds[0].RefundStatus)
	// Output:
	// refund accepted: 1200
	// PROCESSING
	// SUCCESS
}

// A bill is parsed into typed rows (amounts in fen) and its summary.
func ExampleClient_DownloadBill() {
	srv := wegotest.NewServer()
	defer srv.Close()
	c, _ := wego.NewClient(srv.Settings())
	payForExample(srv, c, "C-1", 1990)
	payForExample(srv, c, "C-2", 10)

	ctx := context.Background()
	o, _ := c.QueryOrder(ctx, wego.OrderRef{OutTradeNo: "C-2"})
	// The bill of the day C-2 was paid (in China time, as WeChat's days are).
	b, err := c.DownloadBill(ctx, wego.BillRequest{Date: o.TimeEnd, Type: wego.BillTypeSuccess, Gzip: true})
	if err != nil {
		panic(err)
	}
	for _, r := range b.Rows {
		fmt.Println(r.OutTradeNo, r.SettlementTotalFee, r.Fee)
	}
	fmt.Println("total:", b.Summary.TradeCount, b.Summary.SettlementTotalFee)
	// Output:
	// C-1 1990 0.11940
	// C-2 10 0.00060
	// total: 2 2000
}

// WeChat Pay failures arrive as *PayError with WeChat's err_code.
func ExamplePayError() {
	srv := wegotest.NewServer()
	defer srv.Close()
	c, _ := wego.NewClient(srv.Settings())
	payForExample(srv, c, "D-1", 100)

	err := c.CloseOrder(context.Background(), "D-1")
	var pe *wego.PayError
	if errors.As(err, &pe) {
		fmt.Println(pe.ErrCode, pe.Retryable())
	}
	// Output: ORDERPAID false
}

// payForExample places an order and has the fake platform pay it.
func payForExample(srv *wegotest.Server, c *wego.Client, outTradeNo string, fee int64) {
	shop := httptest.NewServer(c.PayNotifyHandler(func(context.Context, *wego.PayNotify) error { return nil }))
	defer shop.Close()
	_, err := c.UnifiedOrder(context.Background(), wego.UnifiedOrderRequest{
		Body: "商品", OutTradeNo: outTradeNo, TotalFee: fee, SpbillCreateIP: "203.0.113.7", OpenID: "oUser", NotifyURL: shop.URL,
	})
	if err == nil {
		err = srv.PayOrder(outTradeNo)
	}
	if err != nil {
		panic(err)
	}
}
