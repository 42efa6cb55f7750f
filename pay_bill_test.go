package wego_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wego-sdk/wego"
)

// A value may hold commas (an attach of JSON, a product name): WeChat's
// field boundary is a comma followed by the backtick each value starts with.
func TestParseBillValuesWithCommas(t *testing.T) {
	t.Parallel()
	const attach = `{"size":"L","colors":["red","blue"]}`
	bill := "交易时间,商户订单号,商品名称,商户数据包,应结订单金额\r\n" +
		"`2024-01-02 10:00:00,`o1,`T恤, 白色,`" + attach + ",`12.30\r\n" +
		"`2024-01-02 11:00:00,`o2,`,,`,`0.01\r\n" +
		"总交易单数,应结订单总金额,备注\r\n" +
		"`2,`12.31,`a,b\r\n"
	b, err := wego.ParseBill([]byte(bill))
	require.NoError(t, err)
	require.Len(t, b.Rows, 2)
	assert.Equal(t, "T恤, 白色", b.Rows[0].Body)
	assert.Equal(t, attach, b.Rows[0].Attach)
	assert.Equal(t, int64(1230), b.Rows[0].SettlementTotalFee)
	assert.Equal(t, []string{"2024-01-02 11:00:00", "o2", ",", "", "0.01"}, b.Rows[1].Values)
	assert.Equal(t, wego.BillSummary{TradeCount: 2, SettlementTotalFee: 1231}, b.Summary)
}

func TestParseBillRefusesWhatItCannotSplit(t *testing.T) {
	t.Parallel()
	for name, bad := range map[string]struct{ bill, line string }{
		// ",`" inside a value is a field boundary: the line has a value too
		// many, and is refused rather than shifted into the next column.
		"a value holding a comma and a backtick": {"商品名称,商户数据包\r\n`a,`b,`c\r\n总交易单数\r\n`1\r\n", "line 2: 3 values for 2 columns"},
		"a row without its backticks":            {"商品名称,商户数据包\r\na,b\r\n总交易单数\r\n`1\r\n", "line 2"},
		"a summary without its backticks":        {"商品名称\r\n`a\r\n总交易单数\r\n1\r\n", "line 4"},
	} {
		_, err := wego.ParseBill([]byte(bad.bill))
		require.ErrorIs(t, err, wego.ErrMalformedMessage, name)
		assert.Contains(t, err.Error(), bad.line, name)
	}
}

// Bills from the fake platform, which prints values as WeChat does, keep
// the commas of an order's body and attach, plain and gzipped.
func TestDownloadBillValuesWithCommas(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	ctx := context.Background()
	const body, attach = "T恤, 白色", `{"size":"L","n":2}`
	_, err := c.UnifiedOrder(ctx, wego.UnifiedOrderRequest{
		Body: body, Attach: attach, OutTradeNo: "comma-1", TotalFee: 100, SpbillCreateIP: "1.2.3.4",
		OpenID: "oUser", NotifyURL: merchant(t).URL,
	})
	require.NoError(t, err)
	require.NoError(t, srv.PayOrder("comma-1"))
	o, err := c.QueryOrder(ctx, wego.OrderRef{OutTradeNo: "comma-1"})
	require.NoError(t, err)
	for _, gz := range []bool{false, true} {
		b, err := c.DownloadBill(ctx, wego.BillRequest{Date: o.TimeEnd, Gzip: gz})
		require.NoError(t, err, "gzip %v", gz)
		require.Len(t, b.Rows, 1)
		assert.Equal(t, body, b.Rows[0].Body)
		assert.Equal(t, attach, b.Rows[0].Attach)
		assert.Equal(t, attach, b.Rows[0].Get("商户数据包"))
		assert.Equal(t, int64(100), b.Rows[0].TotalFee)
	}
}

// allocated returns the bytes allocated while fn runs, by every goroutine:
// its callers are not parallel tests, so fn is all that runs.
func allocated(fn func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// gzipBomb is a gzip stream of head, n MiB of unit repeated, and tail: a
// member of 1 MiB, repeated between two others (a reader of gzip reads
// every member).
func gzipBomb(t *testing.T, head, unit string, n int, tail string) []byte {
	t.Helper()
	member := func(b []byte) []byte {
		var z bytes.Buffer
		zw, err := gzip.NewWriterLevel(&z, gzip.BestCompression)
		require.NoError(t, err)
		_, err = zw.Write(b)
		require.NoError(t, err)
		require.NoError(t, zw.Close())
		return z.Bytes()
	}
	bomb := append(member([]byte(head)), bytes.Repeat(member(bytes.Repeat([]byte(unit), (1<<20)/len(unit))), n)...)
	return append(bomb, member([]byte(tail))...)
}

// billAnswering returns a client whose /pay/downloadbill answers body.
func billAnswering(t *testing.T, body []byte) *wego.Client {
	t.Helper()
	mt, c := mockPayClient(t, wego.SignTypeMD5)
	mt.RegisterResponder(http.MethodPost, "https://api.mch.weixin.qq.com/pay/downloadbill", httpmock.NewBytesResponder(200, body))
	return c
}

// A gzip bomb, a small answer that unpacks past the cap on bills (256 MiB),
// fails with ErrResponseTooLarge and costs a small multiple of the answer,
// never what it unpacks to: a bomb of 298 KiB took 1.4 GiB before, in
// readCapped's growing buffer. Whether the bomb is of blank lines or of
// rows that parse, nothing is parsed until the bill is measured. Not
// parallel: it measures the process's allocation.
func TestDownloadBillGzipBombPastTheCap(t *testing.T) {
	ctx := context.Background()
	const row = "`2024-01-02 10:00:00,`o1,`T恤, 白色,`{\"size\":\"L\"},`19.90\r\n"
	for name, bomb := range map[string][]byte{
		"blank lines": gzipBomb(t, "", "\n", 257, ""),
		"rows":        gzipBomb(t, "交易时间,商户订单号,商品名称,商户数据包,应结订单金额\r\n", row, 257, "总交易单数\r\n`1\r\n"),
	} {
		c := billAnswering(t, bomb)
		var err error
		n := allocated(func() {
			_, err = c.WeChat.DownloadBill(ctx, map[string]string{"bill_date": "20240101", "tar_type": "GZIP"})
		})
		t.Logf("%s, %d KiB: WeChatAPI.DownloadBill allocated %d KiB: %v", name, len(bomb)>>10, n>>10, err)
		require.ErrorIs(t, err, wego.ErrResponseTooLarge, name)
		assert.Contains(t, err.Error(), "a gzipped bill unpacks to more than 268435456 bytes")
		assert.Less(t, n, 16*uint64(len(bomb)), name)

		n = allocated(func() { _, err = c.DownloadBill(ctx, wego.BillRequest{Date: time.Now(), Gzip: true}) })
		t.Logf("%s, %d KiB: Client.DownloadBill allocated %d KiB: %v", name, len(bomb)>>10, n>>10, err)
		require.ErrorIs(t, err, wego.ErrResponseTooLarge, name)
		assert.Less(t, n, 16*uint64(len(bomb)), name)
	}
}

// A bomb of one endless line fails as soon as the line is longer than a
// bill line may be; the raw layer, which knows no lines, fails at the cap.
// Not parallel: it measures the process's allocation.
func TestDownloadBillGzipBombOfOneLine(t *testing.T) {
	ctx := context.Background()
	bomb := gzipBomb(t, "", "0", 257, "")
	c := billAnswering(t, bomb)
	var err error
	n := allocated(func() { _, err = c.DownloadBill(ctx, wego.BillRequest{Date: time.Now(), Gzip: true}) })
	t.Logf("Client.DownloadBill: %d KiB allocated: %v", n>>10, err)
	require.ErrorIs(t, err, wego.ErrMalformedMessage)
	assert.Contains(t, err.Error(), "bill line 1: longer than 65536 bytes")
	assert.Less(t, n, 16*uint64(len(bomb)))

	n = allocated(func() {
		_, err = c.WeChat.DownloadBill(ctx, map[string]string{"bill_date": "20240101", "tar_type": "GZIP"})
	})
	t.Logf("WeChatAPI.DownloadBill: %d KiB allocated: %v", n>>10, err)
	require.ErrorIs(t, err, wego.ErrResponseTooLarge)
	assert.Less(t, n, 16*uint64(len(bomb)))
}

// A bomb of bad lines after a good row, within the cap and at 64 bytes a
// line, passes the first pass: the parse must not reserve rows for all the
// lines counted before it finds that the second is bad. Not parallel: it
// measures the process's allocation.
func TestDownloadBillGzipBombOfBadLines(t *testing.T) {
	ctx := context.Background()
	bomb := gzipBomb(t, "商户订单号\n`o1\n", strings.Repeat("x", 64)+"\n", 250, "总交易单数\n`1\n")
	c := billAnswering(t, bomb)
	var err error
	n := allocated(func() { _, err = c.DownloadBill(ctx, wego.BillRequest{Date: time.Now(), Gzip: true}) })
	t.Logf("Client.DownloadBill, %d KiB: %d KiB allocated: %v", len(bomb)>>10, n>>10, err)
	require.ErrorIs(t, err, wego.ErrMalformedMessage)
	assert.Contains(t, err.Error(), "bill line 3: values must start with a backtick")
	assert.Less(t, n, 16*uint64(len(bomb)))
}

// A bill of empty rows within the cap would parse into hundreds of times
// its size (each row takes about 500 bytes): past 4096 lines, a bill has at
// least 64 bytes per line, or is refused before anything is parsed. Not
// parallel: it measures the process's allocation.
func TestDownloadBillOfEmptyRows(t *testing.T) {
	ctx := context.Background()
	bomb := gzipBomb(t, "商户数据包\n", "`\n", 16, "总交易单数\n`8388608\n") // 8 Mi rows
	c := billAnswering(t, bomb)
	var err error
	n := allocated(func() { _, err = c.DownloadBill(ctx, wego.BillRequest{Date: time.Now(), Gzip: true}) })
	t.Logf("Client.DownloadBill: %d KiB allocated: %v", n>>10, err)
	require.ErrorIs(t, err, wego.ErrMalformedMessage)
	assert.Contains(t, err.Error(), "more than one line per 64 bytes")
	assert.Less(t, n, 16*uint64(len(bomb)))

	_, err = wego.ParseBill([]byte("商户数据包\n" + strings.Repeat("`\n", 5000) + "总交易单数\n`5000\n"))
	require.ErrorIs(t, err, wego.ErrMalformedMessage)
	b, err := wego.ParseBill([]byte("商户数据包\n" + strings.Repeat("`\n", 4000) + "总交易单数\n`4000\n"))
	require.NoError(t, err, "the first 4096 lines are free")
	assert.Len(t, b.Rows, 4000)
}

// bigBill prints a bill of the ALL type with rows transactions.
func bigBill(rows int) []byte {
	var b bytes.Buffer
	b.WriteString("交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额," +
		"微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注\r\n")
	for i := range rows {
		fmt.Fprintf(&b, "`2024-01-02 10:%02d:%02d,`wx2421b1c4370ec43b,`10000100,`0,`,`42000001%020d,`order-%08d,`oUpF8uMuAJO_M2pxb1Q9zNjWeS6o,"+
			"`JSAPI,`SUCCESS,`CMC,`CNY,`19.90,`0.00,`0,`0,`0.00,`0.00,`,`,`T恤, 白色,`{\"size\":\"L\",\"n\":%d},`0.11940,`0.60%%,`19.90,`0.00,`\r\n",
			i/60%60, i%60, i, i, i)
	}
	b.WriteString("总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额\r\n")
	fmt.Fprintf(&b, "`%d,`%d.%02d,`0.00,`0.00,`0.00000,`%d.%02d,`0.00\r\n", rows, rows*1990/100, rows*1990%100, rows*1990/100, rows*1990%100)
	return b.Bytes()
}

// A real gzipped bill costs a small multiple of its unpacked size: once for
// the bytes the raw layer returns; a few times for the parsed Bill, whose
// rows and values outweigh the text (7 times allocated, 8.6 with -race; 5
// kept). Not parallel: it measures the process's allocation.
func TestDownloadBillGzipMemory(t *testing.T) {
	ctx := context.Background()
	const rows = 20_000
	plain := bigBill(rows)
	var z bytes.Buffer
	zw := gzip.NewWriter(&z)
	_, err := zw.Write(plain)
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	c := billAnswering(t, z.Bytes())
	size := uint64(len(plain))
	t.Logf("bill: %d KiB, %d KiB gzipped", size>>10, z.Len()>>10)

	var raw []byte
	n := allocated(func() {
		raw, err = c.WeChat.DownloadBill(ctx, map[string]string{"bill_date": "20240102", "tar_type": "GZIP"})
	})
	require.NoError(t, err)
	require.Equal(t, plain, raw)
	t.Logf("WeChatAPI.DownloadBill: %d KiB allocated, %.1f× the bill", n>>10, float64(n)/float64(size))
	assert.Less(t, n, 2*size, "the bill once, and the answer read")

	var b *wego.Bill
	n = allocated(func() { b, err = c.DownloadBill(ctx, wego.BillRequest{Date: time.Now(), Gzip: true}) })
	require.NoError(t, err)
	require.Len(t, b.Rows, rows)
	assert.Equal(t, `{"size":"L","n":19999}`, b.Rows[rows-1].Attach)
	assert.Equal(t, rows, b.Summary.TradeCount)
	t.Logf("Client.DownloadBill: %d KiB allocated, %.1f× the bill", n>>10, float64(n)/float64(size))
	assert.Less(t, n, 10*size, "rows of 488 bytes (grown by doubling), Values of 27 strings and the row's text")
}
