package wego_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wego-sdk/wego"
	"github.com/wego-sdk/wego/wegotest"
)

func TestRawSubscribeRequests(t *testing.T) {
	t.Parallel()
	runRawCases(t, []rawCase{
		{"MessageSubscribeBizSend", func(ctx context.Context, w *wego.WeChatAPI) (json.RawMessage, error) {
			return w.MessageSubscribeBizSend(ctx, wego.SubscribeMessage{ToUser: "o1", TemplateID: "T1", Data: map[string]string{"thing1": "x"}})
		}, wantCall{method: "POST", path: "/cgi-bin/message/subscribe/bizsend",
			body: `{"touser":"o1","template_id":"T1","data":{"thing1":{"value":"x"}}}`}},
		{"NewTmplAddTemplate", func(ctx context.Context, w *wego.WeChatAPI) (json.RawMessage, error) {
			return w.NewTmplAddTemplate(ctx, 401, []int{1, 3}, "发货提醒")
		}, wantCall{method: "POST", path: "/wxaapi/newtmpl/addtemplate", body: `{"tid":"401","kidList":[1,3],"sceneDesc":"发货提醒"}`}},
		{"NewTmplDelTemplate", func(ctx context.Context, w *wego.WeChatAPI) (json.RawMessage, error) {
			return w.NewTmplDelTemplate(ctx, "P1")
		}, wantCall{method: "POST", path: "/wxaapi/newtmpl/deltemplate", body: `{"priTmplId":"P1"}`}},
		{"NewTmplGetCategory", func(ctx context.Context, w *wego.WeChatAPI) (json.RawMessage, error) {
			return w.NewTmplGetCategory(ctx)
		}, wantCall{method: "GET", path: "/wxaapi/newtmpl/getcategory"}},
		{"NewTmplGetPubTemplateKeywords", func(ctx context.Context, w *wego.WeChatAPI) (json.RawMessage, error) {
			return w.NewTmplGetPubTemplateKeywords(ctx, 99)
		}, wantCall{method: "GET", path: "/wxaapi/newtmpl/getpubtemplatekeywords", query: url.Values{"tid": {"99"}}}},
		{"NewTmplGetPubTemplateTitles", func(ctx context.Context, w *wego.WeChatAPI) (json.RawMessage, error) {
			return w.NewTmplGetPubTemplateTitles(ctx, []int{2, 616}, 0, 1)
		}, wantCall{method: "GET", path: "/wxaapi/newtmpl/getpubtemplatetitles", query: url.Values{"ids": {"2,616"}, "start": {"0"}, "limit": {"1"}}}},
		{"NewTmplGetTemplate", func(ctx context.Context, w *wego.WeChatAPI) (json.RawMessage, error) {
			return w.NewTmplGetTemplate(ctx)
		}, wantCall{method: "GET", path: "/wxaapi/newtmpl/gettemplate"}},
	})
}

func TestSubscribeCallRequests(t *testing.T) {
	t.Parallel()
	runMockCases(t, []mockCase{
		{"SendSubscribeMessage", func(ctx context.Context, c *wego.Client) error {
			return c.SendSubscribeMessage(ctx, wego.SubscribeMessage{
				ToUser: "OPENID", TemplateID: "TEMPLATE_ID", Page: "https://shop.example/o?a=1&b=<2>",
				MiniProgram: &wego.TemplateMiniProgram{AppID: "xiaochengxuappid12345", PagePath: "index?foo=bar"},
				Data:        map[string]string{"name1": "广州腾讯科技有限公司", "thing8": "a & <b>"},
			})
		}, []wantCall{{method: "POST", path: "/cgi-bin/message/subscribe/bizsend",
			body: `{"touser":"OPENID","template_id":"TEMPLATE_ID","page":"https://shop.example/o?a=1&b=<2>",
				"miniprogram":{"appid":"xiaochengxuappid12345","pagepath":"index?foo=bar"},
				"data":{"name1":{"value":"广州腾讯科技有限公司"},"thing8":{"value":"a & <b>"}}}`}}},
		{"AddSubscribeTemplate", func(ctx context.Context, c *wego.Client) error {
			id, err := c.AddSubscribeTemplate(ctx, 401, []int{1, 2}, "测试数据")
			assert.Equal(t, "9Aw5ZV1j9xdWTFEkqCpZ7mIBbSC34khK55OtzUPl0rU", id)
			return err
		}, []wantCall{{method: "POST", path: "/wxaapi/newtmpl/addtemplate", body: `{"tid":"401","kidList":[1,2],"sceneDesc":"测试数据"}`,
			answer: `{"errcode":0,"errmsg":"ok","priTmplId":"9Aw5ZV1j9xdWTFEkqCpZ7mIBbSC34khK55OtzUPl0rU"}`}}},
		{"DeleteSubscribeTemplate", func(ctx context.Context, c *wego.Client) error {
			return c.DeleteSubscribeTemplate(ctx, "wDYzYZVxobJivW9oMpSCpuvACOfJXQIoKUm0PY397Tc")
		}, []wantCall{{method: "POST", path: "/wxaapi/newtmpl/deltemplate", body: `{"priTmplId":"wDYzYZVxobJivW9oMpSCpuvACOfJXQIoKUm0PY397Tc"}`}}},
		{"GetSubscribeCategories", func(ctx context.Context, c *wego.Client) error {
			cats, err := c.GetSubscribeCategories(ctx)
			assert.Equal(t, []wego.SubscribeCategory{{ID: 616, Name: "公交"}, {ID: 627, Name: "房地产"}}, cats)
			return err
		}, []wantCall{{method: "GET", path: "/wxaapi/newtmpl/getcategory",
			answer: `{"errcode":0,"errmsg":"ok","data":[{"id":616,"name":"公交"},{"id":627,"name":"房地产"}]}`}}},
		{"GetSubscribeTemplateKeywords", func(ctx context.Context, c *wego.Client) error {
			kws, err := c.GetSubscribeTemplateKeywords(ctx, 99)
			assert.Equal(t, []wego.SubscribeKeyword{{KID: 1, Name: "物品名称", Example: "名称", Rule: "thing"}}, kws)
			return err
		}, []wantCall{{method: "GET", path: "/wxaapi/newtmpl/getpubtemplatekeywords", query: url.Values{"tid": {"99"}},
			answer: `{"errcode":0,"errmsg":"ok","count":1,"data":[{"kid":1,"name":"物品名称","example":"名称","rule":"thing"}]}`}}},
		{"GetSubscribeTemplateTitles", func(ctx context.Context, c *wego.Client) error {
			titles, total, err := c.GetSubscribeTemplateTitles(ctx, []int{2, 616}, 0, 1)
			assert.Equal(t, 55, total)
			assert.Equal(t, []wego.SubscribeTemplateTitle{{TID: 99, Title: "付款成功通知", Type: 2, CategoryID: 616}}, titles,
				"categoryId read whether a string, as in WeChat's example, or a number")
			return err
		}, []wantCall{{method: "GET", path: "/wxaapi/newtmpl/getpubtemplatetitles",
			query:  url.Values{"ids": {"2,616"}, "start": {"0"}, "limit": {"1"}},
			answer: `{"errcode":0,"errmsg":"ok","count":55,"data":[{"tid":99,"title":"付款成功通知","type":2,"categoryId":"616"}]}`}}},
		{"GetSubscribeTemplates", func(ctx context.Context, c *wego.Client) error {
			list, err := c.GetSubscribeTemplates(ctx)
			require.Len(t, list, 1)
			assert.Equal(t, wego.SubscribeTemplate{ID: "9Aw5ZV1j9xdWTFEkqCpZ7mIBbSC34khK55OtzUPl0rU", Title: "报名结果通知",
				Content: "会议时间:{{date2.DATA}}\n会议地点:{{thing1.DATA}}\n", Example: "会议时间:2016年8月8日\n会议地点:TIT会议室\n", Type: 2}, list[0])
			assert.Equal(t, []string{"date2", "thing1"}, list[0].Keys())
			return err
		}, []wantCall{{method: "GET", path: "/wxaapi/newtmpl/gettemplate",
			answer: `{"errcode":0,"errmsg":"ok","data":[{"priTmplId":"9Aw5ZV1j9xdWTFEkqCpZ7mIBbSC34khK55OtzUPl0rU","title":"报名结果通知",
				"content":"会议时间:{{date2.DATA}}\n会议地点:{{thing1.DATA}}\n","example":"会议时间:2016年8月8日\n会议地点:TIT会议室\n","type":2}]}`}}},
	})
}

// The body goes out without HTML escaping: WeChat shows what was sent.
func TestSubscribeSendIsNotHTMLEscaped(t *testing.T) {
	t.Parallel()
	mt, c := mockClient(t)
	var body string
	mt.RegisterNoResponder(func(r *http.Request) (*http.Response, error) {
		b, _ := io.ReadAll(r.Body)
		body = string(b)
		return httpmock.NewStringResponse(200, `{"errcode":0,"errmsg":"ok"}`), nil
	})
	require.NoError(t, c.SendSubscribeMessage(context.Background(), wego.SubscribeMessage{ToUser: "o", TemplateID: "T",
		Page: "https://a.example/?x=1&y=2", Data: map[string]string{"thing1": "<b>&"}}))
	assert.Contains(t, body, `"https://a.example/?x=1&y=2"`)
	assert.Contains(t, body, `"<b>&"`)
}

func TestSubscribeBadInputSendsNothing(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	ctx := context.Background()
	ok := wego.SubscribeMessage{ToUser: "oFan", TemplateID: "T1", Data: map[string]string{"thing1": "x"}}
	with := func(edit func(*wego.SubscribeMessage)) error {
		m := ok
		edit(&m)
		return c.SendSubscribeMessage(ctx, m)
	}
	tests := []struct {
		name     string
		err      error
		sentinel error
		says     string
	}{
		{"no ToUser", with(func(m *wego.SubscribeMessage) { m.ToUser = "" }), wego.ErrMissingParameter, "ToUser"},
		{"no TemplateID", with(func(m *wego.SubscribeMessage) { m.TemplateID = "" }), wego.ErrMissingParameter, "TemplateID"},
		{"no Data", with(func(m *wego.SubscribeMessage) { m.Data = nil }), wego.ErrMissingParameter, "Data"},
		{"an empty key", with(func(m *wego.SubscribeMessage) { m.Data = map[string]string{"": "x"} }), wego.ErrInvalidParameter, "Data: a key is empty"},
		{"a mini program without appid", with(func(m *wego.SubscribeMessage) { m.MiniProgram = &wego.TemplateMiniProgram{} }), wego.ErrMissingParameter, "MiniProgram.AppID"},
		{"add: no tid", func() error { _, err := c.AddSubscribeTemplate(ctx, 0, []int{1}, ""); return err }(), wego.ErrMissingParameter, "tid"},
		{"add: no kids", func() error { _, err := c.AddSubscribeTemplate(ctx, 1, nil, ""); return err }(), wego.ErrMissingParameter, "kids"},
		{"add: long scene", func() error {
			_, err := c.AddSubscribeTemplate(ctx, 1, []int{1}, strings.Repeat("长", 16))
			return err
		}(), wego.ErrInvalidParameter, "sceneDesc: 16 characters, at most 15"},
		{"delete: no id", c.DeleteSubscribeTemplate(ctx, ""), wego.ErrMissingParameter, "priTmplID"},
		{"keywords: no tid", func() error { _, err := c.GetSubscribeTemplateKeywords(ctx, 0); return err }(), wego.ErrMissingParameter, "tid"},
		{"titles: no ids", func() error { _, _, err := c.GetSubscribeTemplateTitles(ctx, nil, 0, 1); return err }(), wego.ErrMissingParameter, "ids"},
		{"titles: start", func() error { _, _, err := c.GetSubscribeTemplateTitles(ctx, []int{1}, -1, 1); return err }(), wego.ErrInvalidParameter, "start"},
		{"titles: limit 31", func() error { _, _, err := c.GetSubscribeTemplateTitles(ctx, []int{1}, 0, 31); return err }(), wego.ErrInvalidParameter, "limit: 31, WeChat takes 1 to 30"},
	}
	for _, tt := range tests {
		require.ErrorIs(t, tt.err, tt.sentinel, tt.name)
		assert.Contains(t, tt.err.Error(), tt.says, tt.name)
	}
	assert.Zero(t, srv.TokenRequests(), "bad input sent nothing, not even a token request")
}

// fillLibrary puts a one-time and a long-term public template in the
// fake's library, in two categories.
func fillLibrary(srv *wegotest.Server) {
	srv.AddSubscribeLibraryTemplate(wegotest.SubscribeLibraryTemplate{TID: 401, Title: "订单发货通知",
		Category: wego.SubscribeCategory{ID: 616, Name: "公交"},
		Keywords: []wego.SubscribeKeyword{{KID: 1, Name: "商品名称", Example: "巧克力", Rule: "thing"},
			{KID: 2, Name: "快递单号", Example: "SF123", Rule: "character_string"}, {KID: 3, Name: "发货时间", Example: "2024年1月1日", Rule: "time"}}})
	srv.AddSubscribeLibraryTemplate(wegotest.SubscribeLibraryTemplate{TID: 402, Title: "航班动态提醒", Type: wego.SubscribeLongTerm,
		Category: wego.SubscribeCategory{ID: 627, Name: "航空"},
		Keywords: []wego.SubscribeKeyword{{KID: 1, Name: "航班号", Example: "CA1234", Rule: "character_string"}, {KID: 2, Name: "状态", Example: "延误", Rule: "phrase"}}})
}

func TestSubscribeTemplatesOnTheFake(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	ctx := context.Background()
	fillLibrary(srv)

	cats, err := c.GetSubscribeCategories(ctx)
	require.NoError(t, err)
	assert.Equal(t, []wego.SubscribeCategory{{ID: 616, Name: "公交"}, {ID: 627, Name: "航空"}}, cats)

	titles, total, err := c.GetSubscribeTemplateTitles(ctx, []int{616, 627}, 1, 30)
	require.NoError(t, err)
	assert.Equal(t, 2, total)
	assert.Equal(t, []wego.SubscribeTemplateTitle{{TID: 402, Title: "航班动态提醒", Type: wego.SubscribeLongTerm, CategoryID: 627}}, titles)

	kws, err := c.GetSubscribeTemplateKeywords(ctx, 401)
	require.NoError(t, err)
	require.Len(t, kws, 3)
	assert.Equal(t, "快递单号", kws[1].Name)

	id, err := c.AddSubscribeTemplate(ctx, 401, []int{3, 1}, "发货提醒")
	require.NoError(t, err)
	list, err := c.GetSubscribeTemplates(ctx)
	require.NoError(t, err)
	require.Len(t, list, 1)
	assert.Equal(t, id, list[0].ID)
	assert.Equal(t, wego.SubscribeOneTime, list[0].Type)
	assert.Equal(t, []string{"time3", "thing1"}, list[0].Keys(), "the keywords chosen, in their order")

	var ae *wego.APIError
	for _, tt := range []struct {
		name string
		err  error
		code int
	}{
		{"unknown tid", func() error { _, err := c.AddSubscribeTemplate(ctx, 999, []int{1}, ""); return err }(), 200014},
		{"unknown kid", func() error { _, err := c.AddSubscribeTemplate(ctx, 401, []int{9}, ""); return err }(), 200020},
		{"keywords of an unknown tid", func() error { _, err := c.GetSubscribeTemplateKeywords(ctx, 999); return err }(), 200014},
		{"delete unknown", c.DeleteSubscribeTemplate(ctx, "nope"), 40037},
	} {
		require.ErrorAs(t, tt.err, &ae, tt.name)
		assert.Equal(t, tt.code, ae.Code, tt.name)
	}

	require.NoError(t, c.DeleteSubscribeTemplate(ctx, id))
	assert.Empty(t, srv.SubscribeTemplates())
}

// A one-time subscription allows one notice; a long-term one, notices
// until the user refuses them. The app hears each event, typed.
func TestSubscriptionsOnTheFake(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	ctx := context.Background()
	fillLibrary(srv)
	once, err := c.AddSubscribeTemplate(ctx, 401, []int{1, 2}, "")
	require.NoError(t, err)
	always, err := c.AddSubscribeTemplate(ctx, 402, []int{1, 2}, "")
	require.NoError(t, err)

	type event struct {
		typ   string
		from  string
		items []wego.SubscribeMsgItem
	}
	events := make(chan event, 8)
	srv.SetApp(c.PushHandler(func(_ context.Context, p *wego.Push) (wego.Reply, error) {
		items, err := p.SubscribeMsgEvents()
		require.NoError(t, err)
		events <- event{p.Type, p.FromUser, items}
		return nil, nil
	}))

	shipped := wego.SubscribeMessage{ToUser: "oFan", TemplateID: once, Page: "https://shop.example/o/42",
		Data: map[string]string{"thing1": "巧克力", "character_string2": "SF1234567890"}}
	require.ErrorIs(t, c.SendSubscribeMessage(ctx, shipped), wego.ErrNoSubscription, "43101 before the popup")

	_, err = srv.AcceptSubscription("/wechat", "oFan", once, always)
	require.NoError(t, err)
	assert.Equal(t, event{wego.PushSubscribeMsgPopup, "oFan", []wego.SubscribeMsgItem{
		{TemplateID: once, Status: wego.SubscribeAccept, PopupScene: "2"},
		{TemplateID: always, Status: wego.SubscribeAccept, PopupScene: "2"},
	}}, <-events)

	require.NoError(t, c.SendSubscribeMessage(ctx, shipped))
	sent := srv.SentSubscribeMessages("oFan")
	require.Len(t, sent, 1)
	assert.Equal(t, shipped, sent[0].SubscribeMessage, "delivered as sent")
	err = c.SendSubscribeMessage(ctx, shipped)
	require.ErrorIs(t, err, wego.ErrNoSubscription, "the one-time subscription is used up")
	var ae *wego.APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, 43101, ae.Code)
	assert.Contains(t, ae.Msg, "user refuse to accept the msg")

	_, err = srv.ReportSubscribeSend("/wechat", sent[0].MsgID)
	require.NoError(t, err)
	assert.Equal(t, event{wego.PushSubscribeMsgSent, "oFan", []wego.SubscribeMsgItem{
		{TemplateID: once, MsgID: strconv.FormatInt(sent[0].MsgID, 10), ErrorStatus: "success"},
	}}, <-events)

	flight := wego.SubscribeMessage{ToUser: "oFan", TemplateID: always, Data: map[string]string{"character_string1": "CA1234", "phrase2": "延误"}}
	for range 3 {
		require.NoError(t, c.SendSubscribeMessage(ctx, flight), "a long-term subscription stays")
	}
	_, err = srv.RefuseSubscription("/wechat", "oFan", always)
	require.NoError(t, err)
	assert.Equal(t, event{wego.PushSubscribeMsgChange, "oFan", []wego.SubscribeMsgItem{{TemplateID: always, Status: wego.SubscribeReject}}}, <-events)
	require.ErrorIs(t, c.SendSubscribeMessage(ctx, flight), wego.ErrNoSubscription, "refused")

	// Within the second of the first popup for the same template, the app
	// takes this one for WeChat's retry of it (events are de-duplicated by
	// sender, time, event and templates) and may not hear it; the
	// platform records the grant.
	_, err = srv.AcceptSubscription("/wechat", "oFan", once)
	require.NoError(t, err)
	bad := shipped
	bad.TemplateID = "nope"
	require.ErrorAs(t, c.SendSubscribeMessage(ctx, bad), &ae)
	assert.Equal(t, 40037, ae.Code)
	bad = shipped
	bad.Data = map[string]string{"thing1": strings.Repeat("长", 21), "character_string2": "SF1"}
	require.ErrorAs(t, c.SendSubscribeMessage(ctx, bad), &ae)
	assert.Equal(t, 47003, ae.Code)
	require.NoError(t, c.SendSubscribeMessage(ctx, shipped), "a refused send leaves the subscription")
	assert.Len(t, srv.SentSubscribeMessages("oFan"), 5)

	_, err = srv.AcceptSubscription("/wechat", "oFan", "nope")
	assert.Error(t, err, "no such template")
	_, err = srv.ReportSubscribeSend("/wechat", 1)
	assert.Error(t, err, "no notice has that msgid")
}

// WeChat's samples of the three events read the same in plain,
// compatible and safe mode.
func TestSubscribeMsgEventsOfTheSamples(t *testing.T) {
	t.Parallel()
	samples := []struct {
		file string
		typ  string
		want []wego.SubscribeMsgItem
	}{
		{"testdata/push/event_subscribe_msg_popup.xml", wego.PushSubscribeMsgPopup, []wego.SubscribeMsgItem{
			{TemplateID: "VRR0UEO9VJOLs0MHlU0OilqX6MVFDwH3_3gz3Oc0NIc", Status: wego.SubscribeAccept, PopupScene: "2"},
			{TemplateID: "9nLIlbOQZC5Y89AZteFEux3WCXRRRG5Wfzkpssu4bLI", Status: wego.SubscribeReject, PopupScene: "2"},
		}},
		{"testdata/push/event_subscribe_msg_change.xml", wego.PushSubscribeMsgChange, []wego.SubscribeMsgItem{
			{TemplateID: "VRR0UEO9VJOLs0MHlU0OilqX6MVFDwH3_3gz3Oc0NIc", Status: wego.SubscribeReject},
		}},
		{"testdata/push/event_subscribe_msg_sent.xml", wego.PushSubscribeMsgSent, []wego.SubscribeMsgItem{
			{TemplateID: "VRR0UEO9VJOLs0MHlU0OilqX6MVFDwH3_3gz3Oc0NIc", MsgID: "1700827132819554304", ErrorStatus: "success"},
		}},
	}
	for name, mode := range modes {
		for _, s := range samples {
			t.Run(name+"/"+s.typ, func(t *testing.T) {
				t.Parallel()
				srv, c := pushSetup(t, mode)
				type got struct {
					typ   string
					items []wego.SubscribeMsgItem
					err   error
				}
				ch := make(chan got, 1)
				h := c.PushHandler(func(_ context.Context, p *wego.Push) (wego.Reply, error) {
					items, err := p.SubscribeMsgEvents()
					ch <- got{p.Type, items, err}
					return nil, nil
				})
				_, err := srv.Push(h, wegotest.XMLMessage(readFile(t, s.file)))
				require.NoError(t, err)
				g := <-ch
				require.NoError(t, g.err)
				assert.Equal(t, s.typ, g.typ)
				assert.Equal(t, s.want, g.items)
			})
		}
	}
}

func TestSubscribeMsgEventsOfOtherPushes(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	ch := make(chan error, 2)
	h := c.PushHandler(func(_ context.Context, p *wego.Push) (wego.Reply, error) {
		items, err := p.SubscribeMsgEvents()
		if p.Type == wego.PushText {
			assert.Nil(t, items, "none for other pushes")
		}
		ch <- err
		return nil, nil
	})
	_, err := srv.Push(h, wegotest.TextMessage("oFan", "hi"))
	require.NoError(t, err)
	require.NoError(t, <-ch)
	_, err = srv.Push(h, wegotest.EventMessage("oFan", wego.PushSubscribeMsgSent, "").
		With("SubscribeMsgSentEvent.List.TemplateId", "T").With("SubscribeMsgSentEvent.List.ErrorCode", "x"))
	require.NoError(t, err)
	assert.ErrorIs(t, <-ch, wego.ErrMalformedMessage, "an ErrorCode that is not a number")
}

// Two popups of one user in one second, for different templates, are two
// events; the same popup again is WeChat's retry, handled once.
func TestSubscribePopupsInOneSecondAreTwoEvents(t *testing.T) {
	t.Parallel()
	srv, c := pushSetup(t, wegotest.PushSafe)
	var mu sync.Mutex
	var got []string
	srv.SetApp(c.PushHandler(func(_ context.Context, p *wego.Push) (wego.Reply, error) {
		items, err := p.SubscribeMsgEvents()
		if err != nil || len(items) == 0 {
			return nil, err
		}
		mu.Lock()
		got = append(got, items[0].TemplateID)
		mu.Unlock()
		return nil, nil
	}))
	popup := func(template string) wegotest.Message {
		return wegotest.XMLMessage(`<xml><ToUserName><![CDATA[gh_1]]></ToUserName><FromUserName><![CDATA[oFan]]></FromUserName>` +
			`<CreateTime>1700000000</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[subscribe_msg_popup_event]]></Event>` +
			`<SubscribeMsgPopupEvent><List><TemplateId><![CDATA[` + template + `]]></TemplateId>` +
			`<SubscribeStatusString><![CDATA[accept]]></SubscribeStatusString><PopupScene>0</PopupScene></List></SubscribeMsgPopupEvent></xml>`)
	}
	for _, tmpl := range []string{"T1", "T2", "T1"} {
		_, err := srv.Deliver("/", popup(tmpl))
		require.NoError(t, err)
	}
	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, []string{"T1", "T2"}, got)
}
