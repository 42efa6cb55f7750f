package wegotest

import (
	"context"
	"strconv"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wego-sdk/wego"
)

// Every event name reaches wego as the push type wego gives that event.
func TestEventNamesAreWeChats(t *testing.T) {
	t.Parallel()
	s := New(t)
	c, err := wego.NewClient(s.Settings())
	require.NoError(t, err)
	var mu sync.Mutex
	got := map[string]string{} // FromUser → Push.Type
	h := c.PushHandler(func(_ context.Context, p *wego.Push) (wego.Reply, error) {
		mu.Lock()
		got[p.FromUser] = p.Type
		mu.Unlock()
		return nil, nil
	})
	tests := []struct {
		event, key, want string
	}{
		{EventSubscribe, "", wego.PushSubscribe},
		{EventSubscribe, "qrscene_42", wego.PushScanSubscribe},
		{EventUnsubscribe, "", wego.PushUnsubscribe},
		{EventScan, "42", wego.PushScan},
		{EventLocation, "", wego.PushUserLocation},
		{EventClick, "K1", wego.PushClick},
		{EventView, "https://example.com", wego.PushView},
		{EventScancodePush, "rselfmenu_0_1", wego.PushScancodePush},
		{EventScancodeWaitmsg, "rselfmenu_0_0", wego.PushScancodeWaitmsg},
		{EventPicSysphoto, "rselfmenu_1_0", wego.PushPicSysphoto},
		{EventPicPhotoOrAlbum, "rselfmenu_1_1", wego.PushPicPhotoOrAlbum},
		{EventPicWeixin, "rselfmenu_1_2", wego.PushPicWeixin},
		{EventLocationSelect, "rselfmenu_2_0", wego.PushLocationSelect},
		{EventViewMiniprogram, "pages/index", "view_miniprogram"},
		{EventTemplateSendJobFinish, "", wego.PushTemplateSendJobFinish},
		{EventMassSendJobFinish, "", wego.PushMassSendJobFinish},
		{EventPublishJobFinish, "", wego.PushPublishJobFinish},
	}
	for i, tt := range tests {
		from := "oEvent" + strconv.Itoa(i) // events carry no MsgId: one user each, so none is a repeat
		r, err := s.Deliver(h, EventMessage(from, tt.event, tt.key))
		require.NoError(t, err, tt.event)
		require.True(t, r.Success())
		mu.Lock()
		assert.Equal(t, tt.want, got[from], "Event %s, key %q", tt.event, tt.key)
		mu.Unlock()
	}
}

// The states wegotest reports are the SDK's own types, so a test compares
// them with the constants it compares an OrderQuery's with.
func TestPayStatesAreTheSDKTypes(t *testing.T) {
	t.Parallel()
	s := New(t)
	c, err := wego.NewClient(s.Settings())
	require.NoError(t, err)
	s.SetApp(c.PayNotifyHandler(func(context.Context, *wego.PayNotify) error { return nil }))
	ctx := context.Background()
	_, err = c.UnifiedOrder(ctx, wego.UnifiedOrderRequest{Body: "b", OutTradeNo: "st-1", TotalFee: 100, SpbillCreateIP: "1.2.3.4", OpenID: "o"})
	require.NoError(t, err)

	var state wego.TradeState = s.TradeState("st-1")
	assert.Equal(t, wego.TradeStateNotPay, state)
	require.NoError(t, s.PayOrder("st-1"))
	o, err := c.QueryOrder(ctx, wego.OrderRef{OutTradeNo: "st-1"})
	require.NoError(t, err)
	assert.Equal(t, o.TradeState, s.TradeState("st-1"))
	assert.Equal(t, wego.TradeStateSuccess, s.TradeState("st-1"))

	var status wego.RefundStatus = s.RefundStatus("none")
	assert.Empty(t, status)
	_, err = c.RefundOrder(ctx, wego.RefundRequest{OutTradeNo: "st-1", OutRefundNo: "st-r1", TotalFee: 100, RefundFee: 40})
	require.NoError(t, err)
	assert.Equal(t, wego.TradeStateRefund, s.TradeState("st-1"))
	assert.Equal(t, wego.RefundStatusProcessing, s.RefundStatus("st-r1"))
	require.NoError(t, s.CompleteRefund("st-r1"))
	assert.Equal(t, wego.RefundStatusSuccess, s.RefundStatus("st-r1"))
}
