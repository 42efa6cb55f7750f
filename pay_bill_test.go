package wego_test

import (
	"context"
	"testing"

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
