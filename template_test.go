package wego_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wego-sdk/wego"
	"github.com/wego-sdk/wego/wegotest"
)

func TestRawTemplateRequests(t *testing.T) {
	t.Parallel()
	runRawCases(t, []rawCase{
		{"MessageTemplateSend", func(ctx context.Context, w *wego.WeChatAPI) (json.RawMessage, error) {
			return w.MessageTemplateSend(ctx, wego.TemplateMessage{ToUser: "o1", TemplateID: "T1", Data: map[string]string{"thing1": "x"}})
		}, wantCall{method: "POST", path: "/cgi-bin/message/template/send",
			body: `{"touser":"o1","template_id":"T1","data":{"thing1":{"value":"x"}}}`}},
		{"TemplateAPISetIndustry", func(ctx context.Context, w *wego.WeChatAPI) (json.RawMessage, error) {
			return w.TemplateAPISetIndustry(ctx, 1, 4)
		}, wantCall{method: "POST", path: "/cgi-bin/template/api_set_industry", body: `{"industry_id1":"1","industry_id2":"4"}`}},
		{"TemplateGetIndustry", func(ctx context.Context, w *wego.WeChatAPI) (json.RawMessage, error) {
			return w.TemplateGetIndustry(ctx)
		}, wantCall{method: "GET", path: "/cgi-bin/template/get_industry"}},
		{"TemplateAPIAddTemplate", func(ctx context.Context, w *wego.WeChatAPI) (json.RawMessage, error) {
			return w.TemplateAPIAddTemplate(ctx, "TM00015", nil)
		}, wantCall{method: "POST", path: "/cgi-bin/template/api_add_template", body: `{"template_id_short":"TM00015"}`}},
		{"TemplateAPIAddTemplate with keywords", func(ctx context.Context, w *wego.WeChatAPI) (json.RawMessage, error) {
			return w.TemplateAPIAddTemplate(ctx, "45318", []string{"订单号", "金额"})
		}, wantCall{method: "POST", path: "/cgi-bin/template/api_add_template", body: `{"template_id_short":"45318","keyword_name_list":["订单号","金额"]}`}},
		{"TemplateGetAllPrivateTemplate", func(ctx context.Context, w *wego.WeChatAPI) (json.RawMessage, error) {
			return w.TemplateGetAllPrivateTemplate(ctx)
		}, wantCall{method: "GET", path: "/cgi-bin/template/get_all_private_template"}},
		{"TemplateDelPrivateTemplate", func(ctx context.Context, w *wego.WeChatAPI) (json.RawMessage, error) {
			return w.TemplateDelPrivateTemplate(ctx, "T1")
		}, wantCall{method: "POST", path: "/cgi-bin/template/del_private_template", body: `{"template_id":"T1"}`}},
	})
}

const templateListAnswer = `{"template_list":[{"template_id":"iPk5sOIt5X_flOVKn5GrTFpncEYTojx6ddbt8WYoV5s",
	"title":"领取奖金提醒","primary_industry":"IT科技","deputy_industry":"互联网|电子商务",
	"content":"{ {result.DATA} }\n\n领奖金额:{{withdrawMoney.DATA}}\n领奖时间: {{withdrawTime.DATA}}\n{{withdrawMoney.DATA}}",
	"example":"您已提交领奖申请\n\n领奖金额：xxxx元\n领奖时间：2013-10-10 12:22:22"}]}`

func TestTemplateCallRequests(t *testing.T) {
	t.Parallel()
	runMockCases(t, []mockCase{
		{"SendTemplateMessage", func(ctx context.Context, c *wego.Client) error {
			id, err := c.SendTemplateMessage(ctx, wego.TemplateMessage{
				ToUser: "oFan", TemplateID: "ngqIpbwh8bUfcSsECmogfXcV14J0tQlEpBO27izEYtY",
				URL:         "http://weixin.qq.com/download?a=1&b=2",
				MiniProgram: &wego.TemplateMiniProgram{AppID: "xiaochengxuappid12345", PagePath: "index?foo=bar"},
				Data:        map[string]string{"thing1": "巧克力", "amount2": "39.8元"},
				ClientMsgID: "order-42-shipped",
			})
			assert.Equal(t, int64(200228332), id)
			return err
		}, []wantCall{{method: "POST", path: "/cgi-bin/message/template/send",
			body: `{"touser":"oFan","template_id":"ngqIpbwh8bUfcSsECmogfXcV14J0tQlEpBO27izEYtY",
				"url":"http://weixin.qq.com/download?a=1&b=2",
				"miniprogram":{"appid":"xiaochengxuappid12345","pagepath":"index?foo=bar"},
				"client_msg_id":"order-42-shipped",
				"data":{"thing1":{"value":"巧克力"},"amount2":{"value":"39.8元"}}}`,
			answer: `{"errcode":0,"errmsg":"ok","msgid":200228332}`}}},
		{"SetIndustry", func(ctx context.Context, c *wego.Client) error {
			return c.SetIndustry(ctx, 13, 41)
		}, []wantCall{{method: "POST", path: "/cgi-bin/template/api_set_industry", body: `{"industry_id1":"13","industry_id2":"41"}`}}},
		{"GetIndustry", func(ctx context.Context, c *wego.Client) error {
			in, err := c.GetIndustry(ctx)
			if err == nil {
				assert.Equal(t, wego.Industries{
					Primary:   wego.Industry{FirstClass: "运输与仓储", SecondClass: "快递"},
					Secondary: wego.Industry{FirstClass: "IT科技", SecondClass: "互联网|电子商务"},
				}, *in)
			}
			return err
		}, []wantCall{{method: "GET", path: "/cgi-bin/template/get_industry",
			answer: `{"primary_industry":{"first_class":"运输与仓储","second_class":"快递"},"secondary_industry":{"first_class":"IT科技","second_class":"互联网|电子商务"}}`}}},
		{"AddTemplate", func(ctx context.Context, c *wego.Client) error {
			id, err := c.AddTemplate(ctx, "TM00015")
			assert.Equal(t, "Doclyl5uP7Aciu-qZ7mJNPtWkbkYnWBWVja26EGbNyk", id)
			return err
		}, []wantCall{{method: "POST", path: "/cgi-bin/template/api_add_template", body: `{"template_id_short":"TM00015"}`,
			answer: `{"errcode":0,"errmsg":"ok","template_id":"Doclyl5uP7Aciu-qZ7mJNPtWkbkYnWBWVja26EGbNyk"}`}}},
		{"AddTemplate with keywords", func(ctx context.Context, c *wego.Client) error {
			_, err := c.AddTemplate(ctx, "45318", "订单号", "金额")
			return err
		}, []wantCall{{method: "POST", path: "/cgi-bin/template/api_add_template", body: `{"template_id_short":"45318","keyword_name_list":["订单号","金额"]}`,
			answer: `{"errcode":0,"errmsg":"ok","template_id":"x"}`}}},
		{"GetTemplates", func(ctx context.Context, c *wego.Client) error {
			list, err := c.GetTemplates(ctx)
			if err == nil {
				require.Len(t, list, 1)
				assert.Equal(t, "领取奖金提醒", list[0].Title)
				assert.Equal(t, "互联网|电子商务", list[0].DeputyIndustry)
				assert.Equal(t, []string{"withdrawMoney", "withdrawTime"}, list[0].Keys(), "each key once, in order; a broken one is none")
			}
			return err
		}, []wantCall{{method: "GET", path: "/cgi-bin/template/get_all_private_template", answer: templateListAnswer}}},
		{"DeleteTemplate", func(ctx context.Context, c *wego.Client) error {
			return c.DeleteTemplate(ctx, "Dyvp3-Ff0cnail_CDSzk1fIc6-9lOkxsQE7exTJbwUE")
		}, []wantCall{{method: "POST", path: "/cgi-bin/template/del_private_template", body: `{"template_id":"Dyvp3-Ff0cnail_CDSzk1fIc6-9lOkxsQE7exTJbwUE"}`}}},
	})
}

// Without a ClientMsgID a template send is a write like any other: WeChat
// busy is an error, not a second message. With one, it is sent once more.
func TestTemplateSendRetriesOnlyWithClientMsgID(t *testing.T) {
	t.Parallel()
	busy := `{"errcode":-1,"errmsg":"system error"}`
	plain := wantCall{method: "POST", path: "/cgi-bin/message/template/send",
		body: `{"touser":"oFan","template_id":"T1","data":{"thing1":{"value":"x"}}}`, answer: busy}
	c := mockCalls(t, plain)
	_, err := c.SendTemplateMessage(context.Background(), wego.TemplateMessage{ToUser: "oFan", TemplateID: "T1", Data: map[string]string{"thing1": "x"}})
	var ae *wego.APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, -1, ae.Code)

	keyed := wantCall{method: "POST", path: "/cgi-bin/message/template/send",
		body: `{"touser":"oFan","template_id":"T1","client_msg_id":"k1","data":{"thing1":{"value":"x"}}}`, answer: busy}
	ok := keyed
	ok.answer = `{"errcode":0,"errmsg":"ok","msgid":7}`
	c = mockCalls(t, keyed, ok)
	id, err := c.SendTemplateMessage(context.Background(), wego.TemplateMessage{ToUser: "oFan", TemplateID: "T1",
		Data: map[string]string{"thing1": "x"}, ClientMsgID: "k1"})
	require.NoError(t, err)
	assert.Equal(t, int64(7), id)

	c = mockCalls(t, keyed, keyed) // once more, not again and again
	_, err = c.SendTemplateMessage(context.Background(), wego.TemplateMessage{ToUser: "oFan", TemplateID: "T1",
		Data: map[string]string{"thing1": "x"}, ClientMsgID: "k1"})
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, -1, ae.Code)
}

// shipped is a template of the account on the fake, and a message for it.
func shipped(t *testing.T, srv *wegotest.Server) (string, wego.TemplateMessage) {
	t.Helper()
	require.NoError(t, srv.AddUser(wegotest.User{OpenID: "oFan"}))
	id := srv.AddTemplate(wego.Template{Title: "订单发货通知", Content: "商品名称:{{thing1.DATA}}\n快递单号:{{character_string2.DATA}}"})
	return id, wego.TemplateMessage{ToUser: "oFan", TemplateID: id, URL: "https://shop.example/o/42?x=1&y=2",
		Data: map[string]string{"thing1": "巧克力 & <糖>", "character_string2": "SF1234567890"}}
}

func TestSendTemplateMessage(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	ctx := context.Background()
	tid, m := shipped(t, srv)

	id, err := c.SendTemplateMessage(ctx, m)
	require.NoError(t, err)
	sent := srv.SentTemplates("oFan")
	require.Len(t, sent, 1)
	assert.Equal(t, id, sent[0].MsgID)
	assert.Equal(t, m, sent[0].TemplateMessage, "delivered as sent")
	assert.Equal(t, wego.TemplateSendSuccess, sent[0].Status)

	// A template message needs no window: a user silent for a month gets it.
	srv.SetLastInteraction("oFan", sent[0].Time.AddDate(0, -1, 0))
	_, err = c.SendTemplateMessage(ctx, m)
	require.NoError(t, err)

	var ae *wego.APIError
	bad := m
	bad.TemplateID = "nope"
	_, err = c.SendTemplateMessage(ctx, bad)
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, 40037, ae.Code)

	bad = m
	bad.Data = map[string]string{"thing1": "巧克力"}
	_, err = c.SendTemplateMessage(ctx, bad)
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, 47003, ae.Code)
	assert.Contains(t, ae.Msg, "argument invalid! data.character_string2.value is empty")

	bad.Data = map[string]string{"thing1": strings.Repeat("长", 21), "character_string2": "SF1"}
	_, err = c.SendTemplateMessage(ctx, bad)
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, 47003, ae.Code, "a thing of 21 characters")

	require.NoError(t, srv.AddUser(wegotest.User{OpenID: "oGone", Unsubscribed: true}))
	bad = m
	bad.ToUser = "oGone"
	_, err = c.SendTemplateMessage(ctx, bad)
	require.ErrorIs(t, err, wego.ErrNotSubscribed, "43004")
	bad.ToUser = "oNobody"
	_, err = c.SendTemplateMessage(ctx, bad)
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, 40003, ae.Code)

	assert.Len(t, srv.SentTemplates("oFan"), 2, "refused sends deliver nothing")
	assert.Equal(t, tid, srv.SentTemplates("oFan")[1].TemplateID)
}

// WeChat sends one message for an openid and a ClientMsgID: a repeat is
// answered the first one's msgid and delivers nothing.
func TestTemplateClientMsgIDDropsRepeats(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	ctx := context.Background()
	_, m := shipped(t, srv)
	m.ClientMsgID = "order-42-shipped"
	first, err := c.SendTemplateMessage(ctx, m)
	require.NoError(t, err)
	again, err := c.SendTemplateMessage(ctx, m)
	require.NoError(t, err)
	assert.Equal(t, first, again)
	assert.Len(t, srv.SentTemplates("oFan"), 1)

	m.ClientMsgID = "order-43-shipped"
	other, err := c.SendTemplateMessage(ctx, m)
	require.NoError(t, err)
	assert.NotEqual(t, first, other)
	assert.Len(t, srv.SentTemplates("oFan"), 2)
}

// loseFirstAnswer is a transport that lets the first request to path
// reach the server, reads the server's answer, and reports a broken
// connection instead: WeChat acted, the caller never heard.
type loseFirstAnswer struct {
	next http.RoundTripper
	path string
	lost atomic.Bool
}

func (l *loseFirstAnswer) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := l.next.RoundTrip(r)
	if err != nil || r.URL.Path != l.path || !l.lost.CompareAndSwap(false, true) {
		return resp, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	return nil, errors.New("read tcp: connection reset by peer")
}

func TestTemplateSendAfterALostAnswer(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name        string
		clientMsgID string
	}{{"with a ClientMsgID: sent once more, delivered once", "order-42"}, {"without: not sent again", ""}} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var lose *loseFirstAnswer
			srv, c := setup(t, func(s *wego.Settings) {
				lose = &loseFirstAnswer{next: s.HTTPClient.Transport, path: wegotest.PathTemplateSend}
				s.HTTPClient = &http.Client{Transport: lose}
			})
			wego.SetBusyBackoff(c, time.Millisecond)
			_, m := shipped(t, srv)
			m.ClientMsgID = tt.clientMsgID

			id, err := c.SendTemplateMessage(context.Background(), m)
			require.True(t, lose.lost.Load(), "the first answer was lost")
			sent := srv.SentTemplates("oFan")
			require.Len(t, sent, 1, "WeChat delivered one message")
			if tt.clientMsgID == "" {
				require.ErrorContains(t, err, "connection reset by peer")
				assert.Equal(t, 1, srv.Requests(wegotest.PathTemplateSend), "a write without ClientMsgID is never sent twice")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, sent[0].MsgID, id, "the answer to the second request names the message delivered")
			assert.Equal(t, 2, srv.Requests(wegotest.PathTemplateSend))
		})
	}
}

// "System busy" on a template send: with a ClientMsgID sent once more and
// delivered once; without, an error and nothing delivered.
func TestTemplateSendWhenWeChatIsBusy(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	wego.SetBusyBackoff(c, time.Millisecond)
	ctx := context.Background()
	_, m := shipped(t, srv)

	srv.FailNext(wegotest.PathTemplateSend, -1)
	_, err := c.SendTemplateMessage(ctx, m)
	var ae *wego.APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, -1, ae.Code)
	assert.Empty(t, srv.SentTemplates("oFan"))

	m.ClientMsgID = "k1"
	srv.FailNext(wegotest.PathTemplateSend, -1)
	id, err := c.SendTemplateMessage(ctx, m)
	require.NoError(t, err)
	sent := srv.SentTemplates("oFan")
	require.Len(t, sent, 1)
	assert.Equal(t, id, sent[0].MsgID)
	assert.Equal(t, 3, srv.Requests(wegotest.PathTemplateSend))
}

// The TEMPLATESENDJOBFINISH push tells the app how the message fared, its
// Status typed.
func TestTemplateSendJobFinish(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	ctx := context.Background()
	_, m := shipped(t, srv)
	type seen struct {
		typ    string
		msgID  string
		status wego.TemplateSendStatus
	}
	got := make(chan seen, 2)
	srv.SetApp(c.PushHandler(func(_ context.Context, p *wego.Push) (wego.Reply, error) {
		got <- seen{p.Type, p.MsgID(), p.TemplateSendStatus()}
		return nil, nil
	}))

	id, err := c.SendTemplateMessage(ctx, m)
	require.NoError(t, err)
	_, err = srv.ReportTemplateSend("/wechat", id)
	require.NoError(t, err)
	s := <-got
	assert.Equal(t, seen{wego.PushTemplateSendJobFinish, fmt.Sprint(id), wego.TemplateSendSuccess}, s)
	assert.True(t, s.status.Delivered())

	srv.SetTemplateSendStatus("oFan", wego.TemplateSendUserBlock)
	id, err = c.SendTemplateMessage(ctx, m)
	require.NoError(t, err, "WeChat takes the send of a user who refuses messages")
	_, err = srv.ReportTemplateSend("/wechat", id)
	require.NoError(t, err)
	s = <-got
	assert.Equal(t, wego.TemplateSendUserBlock, s.status)
	assert.False(t, s.status.Delivered())

	_, err = srv.Push("/wechat", wegotest.TextMessage("oFan", "hi"))
	require.NoError(t, err)
	assert.Empty(t, (<-got).status, "no status on other pushes")
	_, err = srv.ReportTemplateSend("/wechat", 1)
	assert.Error(t, err, "no message has that msgid")
}

func TestIndustriesAndTemplates(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	ctx := context.Background()

	in, err := c.GetIndustry(ctx)
	require.NoError(t, err)
	assert.Equal(t, wego.Industry{FirstClass: "IT科技", SecondClass: "互联网|电子商务"}, in.Primary)
	assert.Equal(t, wego.Industry{FirstClass: "IT科技", SecondClass: "IT软件与服务"}, in.Secondary)

	srv.AddLibraryTemplate("TM00015", wego.Template{Title: "订单支付成功", Content: "{{first.DATA}}\n支付金额：{{orderMoneySum.DATA}}\n商品信息：{{orderProductName.DATA}}\n{{remark.DATA}}"})
	srv.AddLibraryTemplate("45318", wego.Template{Title: "订单状态通知",
		Content: "订单号:{{character_string1.DATA}}\n客户代号:{{thing2.DATA}}\n金额:{{amount3.DATA}}"})
	whole, err := c.AddTemplate(ctx, "TM00015")
	require.NoError(t, err)
	picked, err := c.AddTemplate(ctx, "45318", "金额", "订单号")
	require.NoError(t, err)
	software := srv.AddTemplate(wego.Template{Title: "工单提醒", Content: "工单:{{thing1.DATA}}", PrimaryIndustry: "IT科技", DeputyIndustry: "IT软件与服务"})

	list, err := c.GetTemplates(ctx)
	require.NoError(t, err)
	require.Len(t, list, 3)
	assert.Equal(t, whole, list[0].ID)
	assert.Equal(t, []string{"first", "orderMoneySum", "orderProductName", "remark"}, list[0].Keys())
	assert.Equal(t, picked, list[1].ID)
	assert.Equal(t, []string{"amount3", "character_string1"}, list[1].Keys(), "the keywords named, in their order")
	assert.Equal(t, "IT科技", list[1].PrimaryIndustry)

	// An industry template leaves first and remark to WeChat, which drops them.
	require.NoError(t, srv.AddUser(wegotest.User{OpenID: "oFan"}))
	_, err = c.SendTemplateMessage(ctx, wego.TemplateMessage{ToUser: "oFan", TemplateID: whole,
		Data: map[string]string{"orderMoneySum": "30元", "orderProductName": "咖啡"}})
	require.NoError(t, err)

	var ae *wego.APIError
	_, err = c.AddTemplate(ctx, "TM99999")
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, 40037, ae.Code)
	_, err = c.AddTemplate(ctx, "45318", "不存在")
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, 40246, ae.Code)

	// Leaving IT软件与服务 deletes its templates, as WeChat does.
	require.NoError(t, c.SetIndustry(ctx, 1, 13))
	in, err = c.GetIndustry(ctx)
	require.NoError(t, err)
	assert.Equal(t, wego.Industry{FirstClass: "运输与仓储", SecondClass: "快递"}, in.Secondary)
	ids := func() []string {
		var out []string
		for _, tm := range srv.Templates() {
			out = append(out, tm.ID)
		}
		return out
	}
	assert.Equal(t, []string{whole, picked}, ids())
	assert.NotContains(t, ids(), software)

	require.NoError(t, c.DeleteTemplate(ctx, picked))
	assert.Equal(t, []string{whole}, ids())
	require.ErrorAs(t, c.DeleteTemplate(ctx, picked), &ae)
	assert.Equal(t, 40037, ae.Code)
}

func TestTemplateBadInputSendsNothing(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	ctx := context.Background()
	ok := wego.TemplateMessage{ToUser: "oFan", TemplateID: "T1", Data: map[string]string{"thing1": "x"}}
	with := func(edit func(*wego.TemplateMessage)) wego.TemplateMessage {
		m := ok
		edit(&m)
		return m
	}
	send := func(m wego.TemplateMessage) error { _, err := c.SendTemplateMessage(ctx, m); return err }
	tests := []struct {
		name     string
		err      error
		sentinel error
		says     string
	}{
		{"no ToUser", send(with(func(m *wego.TemplateMessage) { m.ToUser = "" })), wego.ErrMissingParameter, "ToUser"},
		{"no TemplateID", send(with(func(m *wego.TemplateMessage) { m.TemplateID = "" })), wego.ErrMissingParameter, "TemplateID"},
		{"no Data", send(with(func(m *wego.TemplateMessage) { m.Data = nil })), wego.ErrMissingParameter, "Data"},
		{"an empty key", send(with(func(m *wego.TemplateMessage) { m.Data = map[string]string{"": "x"} })), wego.ErrInvalidParameter, "Data: a key is empty"},
		{"a mini program without appid", send(with(func(m *wego.TemplateMessage) { m.MiniProgram = &wego.TemplateMiniProgram{PagePath: "p"} })), wego.ErrMissingParameter, "MiniProgram.AppID"},
		{"industry 0", c.SetIndustry(ctx, 0, 2), wego.ErrInvalidParameter, "primary: industry 0: WeChat's codes are 1 to 41"},
		{"industry 42", c.SetIndustry(ctx, 1, 42), wego.ErrInvalidParameter, "secondary: industry 42"},
		{"AddTemplate no short id", func() error { _, err := c.AddTemplate(ctx, ""); return err }(), wego.ErrMissingParameter, "shortID"},
		{"AddTemplate empty keyword", func() error { _, err := c.AddTemplate(ctx, "45318", "a", ""); return err }(), wego.ErrMissingParameter, "keywords[1]"},
		{"DeleteTemplate no id", c.DeleteTemplate(ctx, ""), wego.ErrMissingParameter, "templateID"},
	}
	for _, tt := range tests {
		require.ErrorIs(t, tt.err, tt.sentinel, tt.name)
		assert.Contains(t, tt.err.Error(), tt.says, tt.name)
	}
	assert.Zero(t, messageRequests(srv), "bad input sent nothing, not even a token request")
}

// The push of WeChat's page reads as the accessor says, with each of the
// three statuses WeChat's page lists, spelt as it spells them.
func TestTemplateSendStatusOfAFixture(t *testing.T) {
	t.Parallel()
	var fixture pushFixture
	for _, f := range pushFixtures(t) {
		if f.typ == wego.PushTemplateSendJobFinish {
			fixture = f
		}
	}
	require.Equal(t, "success", fixture.fields["Status"])
	raw, err := os.ReadFile(fixture.file)
	require.NoError(t, err)
	for name, mode := range modes { // plain, compatible and safe
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv, c := pushSetup(t, mode)
			got := make(chan wego.TemplateSendStatus, 1)
			h := c.PushHandler(func(_ context.Context, p *wego.Push) (wego.Reply, error) {
				got <- p.TemplateSendStatus()
				return nil, nil
			})
			for i, status := range []wego.TemplateSendStatus{wego.TemplateSendSuccess, wego.TemplateSendUserBlock, wego.TemplateSendSystemFailed} {
				xml := strings.Replace(string(raw), "<![CDATA[success]]>", "<![CDATA["+string(status)+"]]>", 1)
				xml = strings.Replace(xml, "200163836", fmt.Sprint(200163836+i), 1) // another message, not a retry
				_, err := srv.Push(h, wegotest.XMLMessage(xml))
				require.NoError(t, err)
				assert.Equal(t, status, <-got)
			}
		})
	}
}
