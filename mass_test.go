package wego_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wego-sdk/wego"
	"github.com/wego-sdk/wego/wegotest"
)

var massPaths = []string{
	wegotest.PathMassSendAll, wegotest.PathMassSend, wegotest.PathMassPreview, wegotest.PathMassDelete,
	wegotest.PathMassGet, wegotest.PathMassSpeedGet, wegotest.PathMassSpeedSet,
}

func massRequests(srv *wegotest.Server) int {
	n := srv.TokenRequests()
	for _, p := range massPaths {
		n += srv.Requests(p)
	}
	return n
}

// everyMass is one message of each type the mass endpoints take, and the
// content WeChat gets for it under its msgtype.
var everyMass = []struct {
	msgType string
	m       wego.Reply
	content string
}{
	{"mpnews", wego.MPNews("DRAFT_MEDIA_ID"), `{"media_id":"DRAFT_MEDIA_ID"}`},
	{"text", wego.Text("a & <b>"), `{"content":"a & <b>"}`},
	{"voice", wego.Voice("MEDIA_V"), `{"media_id":"MEDIA_V"}`},
	{"images", wego.MassImages(wego.MassImagesReply{MediaIDs: []string{"I1", "I2"}, Recommend: "看 & 看", NeedOpenComment: true}),
		`{"media_ids":["I1","I2"],"recommend":"看 & 看","need_open_comment":1,"only_fans_can_comment":0}`},
	{"mpvideo", wego.MPVideo("MEDIA_MV"), `{"media_id":"MEDIA_MV"}`},
	{"wxcard", wego.Card("CARD1"), `{"card_id":"CARD1"}`},
}

func TestRawMassRequests(t *testing.T) {
	t.Parallel()
	all := map[string]any{"filter": map[string]any{"is_to_all": true}, "msgtype": "text", "text": map[string]string{"content": "<hi>"}}
	list := map[string]any{"touser": []string{"o1", "o2"}, "msgtype": "text", "text": map[string]string{"content": "hi"}, "clientmsgid": "k"}
	runRawCases(t, []rawCase{
		{"MessageMassSendAll", func(ctx context.Context, w *wego.WeChatAPI) (json.RawMessage, error) {
			return w.MessageMassSendAll(ctx, all)
		}, wantCall{method: "POST", path: "/cgi-bin/message/mass/sendall", body: `{"filter":{"is_to_all":true},"msgtype":"text","text":{"content":"<hi>"}}`}},
		{"MessageMassSend", func(ctx context.Context, w *wego.WeChatAPI) (json.RawMessage, error) {
			return w.MessageMassSend(ctx, list)
		}, wantCall{method: "POST", path: "/cgi-bin/message/mass/send", body: `{"touser":["o1","o2"],"msgtype":"text","text":{"content":"hi"},"clientmsgid":"k"}`}},
		{"MessageMassPreview", func(ctx context.Context, w *wego.WeChatAPI) (json.RawMessage, error) {
			return w.MessageMassPreview(ctx, map[string]any{"towxname": "wx1", "msgtype": "text", "text": map[string]string{"content": "hi"}})
		}, wantCall{method: "POST", path: "/cgi-bin/message/mass/preview", body: `{"towxname":"wx1","msgtype":"text","text":{"content":"hi"}}`}},
		{"MessageMassDelete", func(ctx context.Context, w *wego.WeChatAPI) (json.RawMessage, error) {
			return w.MessageMassDelete(ctx, 30124, 2)
		}, wantCall{method: "POST", path: "/cgi-bin/message/mass/delete", body: `{"msg_id":30124,"article_idx":2}`}},
		{"MessageMassGet", func(ctx context.Context, w *wego.WeChatAPI) (json.RawMessage, error) {
			return w.MessageMassGet(ctx, 201053012)
		}, wantCall{method: "POST", path: "/cgi-bin/message/mass/get", body: `{"msg_id":201053012}`}},
		{"MessageMassSpeedGet", func(ctx context.Context, w *wego.WeChatAPI) (json.RawMessage, error) {
			return w.MessageMassSpeedGet(ctx)
		}, wantCall{method: "POST", path: "/cgi-bin/message/mass/speed/get", body: `{}`}},
		{"MessageMassSpeedSet", func(ctx context.Context, w *wego.WeChatAPI) (json.RawMessage, error) {
			return w.MessageMassSpeedSet(ctx, 0)
		}, wantCall{method: "POST", path: "/cgi-bin/message/mass/speed/set", body: `{"speed":0}`}},
	})
}

func TestMassCallRequests(t *testing.T) {
	t.Parallel()
	sent := `{"errcode":0,"errmsg":"send job submission success","msg_id":34182,"msg_data_id":206227730}`
	var cases []mockCase
	for _, e := range everyMass {
		cases = append(cases, mockCase{"SendMass to all " + e.msgType, func(ctx context.Context, c *wego.Client) error {
			r, err := c.SendMass(ctx, wego.MassToAll(), e.m)
			if err == nil {
				assert.Equal(t, wego.MassSendResult{MsgID: 34182, MsgDataID: 206227730}, *r)
			}
			return err
		}, []wantCall{{method: "POST", path: "/cgi-bin/message/mass/sendall",
			body: `{"filter":{"is_to_all":true},"msgtype":"` + e.msgType + `","` + e.msgType + `":` + e.content + `}`, answer: sent}}})
	}
	cases = append(cases,
		mockCase{"SendMass to a tag, a reprint sent, with a clientmsgid", func(ctx context.Context, c *wego.Client) error {
			_, err := c.SendMass(ctx, wego.MassToTag(2), wego.MPNews("M"), wego.WithSendIgnoreReprint(true), wego.WithMassClientMsgID("job-1"))
			return err
		}, []wantCall{{method: "POST", path: "/cgi-bin/message/mass/sendall",
			body: `{"filter":{"is_to_all":false,"tag_id":2},"msgtype":"mpnews","mpnews":{"media_id":"M"},"send_ignore_reprint":1,"clientmsgid":"job-1"}`, answer: sent}}},
		mockCase{"SendMass to a tag, a reprint stopped", func(ctx context.Context, c *wego.Client) error {
			_, err := c.SendMass(ctx, wego.MassToTag(0), wego.MPNews("M"), wego.WithSendIgnoreReprint(false))
			return err
		}, []wantCall{{method: "POST", path: "/cgi-bin/message/mass/sendall",
			body: `{"filter":{"is_to_all":false,"tag_id":0},"msgtype":"mpnews","mpnews":{"media_id":"M"},"send_ignore_reprint":0}`, answer: sent}}},
		mockCase{"SendMass to openids", func(ctx context.Context, c *wego.Client) error {
			_, err := c.SendMass(ctx, wego.MassToUsers("o1", "o2"), wego.Text("hi"))
			return err
		}, []wantCall{{method: "POST", path: "/cgi-bin/message/mass/send",
			body: `{"touser":["o1","o2"],"msgtype":"text","text":{"content":"hi"}}`, answer: sent}}},
		mockCase{"PreviewMass by openid", func(ctx context.Context, c *wego.Client) error {
			id, err := c.PreviewMass(ctx, "oFan", false, wego.MPNews("M"))
			assert.Equal(t, int64(34182), id)
			return err
		}, []wantCall{{method: "POST", path: "/cgi-bin/message/mass/preview",
			body: `{"touser":"oFan","msgtype":"mpnews","mpnews":{"media_id":"M"}}`, answer: `{"errcode":0,"errmsg":"preview success","msg_id":34182}`}}},
		mockCase{"PreviewMass by WeChat ID", func(ctx context.Context, c *wego.Client) error {
			_, err := c.PreviewMass(ctx, "wx_fan", true, wego.Text("hi"))
			return err
		}, []wantCall{{method: "POST", path: "/cgi-bin/message/mass/preview",
			body: `{"towxname":"wx_fan","msgtype":"text","text":{"content":"hi"}}`}}},
		mockCase{"DeleteMass every article", func(ctx context.Context, c *wego.Client) error {
			return c.DeleteMass(ctx, 30124, 0)
		}, []wantCall{{method: "POST", path: "/cgi-bin/message/mass/delete", body: `{"msg_id":30124}`}}},
		mockCase{"GetMassStatus", func(ctx context.Context, c *wego.Client) error {
			s, err := c.GetMassStatus(ctx, 201053012)
			assert.Equal(t, wego.MassSendSuccess, s)
			return err
		}, []wantCall{{method: "POST", path: "/cgi-bin/message/mass/get", body: `{"msg_id":201053012}`,
			answer: `{"msg_id":201053012,"msg_status":"SEND_SUCCESS"}`}}},
		mockCase{"GetMassSpeed", func(ctx context.Context, c *wego.Client) error {
			s, err := c.GetMassSpeed(ctx)
			if err == nil {
				assert.Equal(t, wego.MassSpeed{Speed: 3, RealSpeed: 15}, *s)
			}
			return err
		}, []wantCall{{method: "POST", path: "/cgi-bin/message/mass/speed/get", body: `{}`, answer: `{"speed":3,"realspeed":15}`}}},
		mockCase{"SetMassSpeed", func(ctx context.Context, c *wego.Client) error {
			return c.SetMassSpeed(ctx, 4)
		}, []wantCall{{method: "POST", path: "/cgi-bin/message/mass/speed/set", body: `{"speed":4}`}}},
	)
	runMockCases(t, cases)
}

// WeChat stores what it gets: "&", "<" and ">" go as they are.
func TestMassBodiesAreNotHTMLEscaped(t *testing.T) {
	t.Parallel()
	c, bodies := rawBodies(t, `{"errcode":0,"errmsg":"ok","msg_id":1}`)
	ctx := context.Background()
	_, err := c.SendMass(ctx, wego.MassToAll(), wego.Text("a & <b> c"))
	require.NoError(t, err)
	_, err = c.PreviewMass(ctx, "oFan", false, wego.MassImages(wego.MassImagesReply{MediaIDs: []string{"I"}, Recommend: "<&>"}))
	require.NoError(t, err)
	got := bodies()
	require.Len(t, got, 2)
	assert.Contains(t, got[0], `"content":"a & <b> c"`)
	assert.Contains(t, got[1], `"recommend":"<&>"`)
	for _, b := range got {
		assert.NotContains(t, b, `\u00`)
	}
}

// Without a clientmsgid a mass send is a write like any other: WeChat
// busy is an error. With one, it is sent once more, and only once.
func TestMassSendRetriesOnlyWithClientMsgID(t *testing.T) {
	t.Parallel()
	busy := `{"errcode":-1,"errmsg":"system error"}`
	plain := wantCall{method: "POST", path: "/cgi-bin/message/mass/sendall",
		body: `{"filter":{"is_to_all":true},"msgtype":"text","text":{"content":"x"}}`, answer: busy}
	c := mockCalls(t, plain)
	_, err := c.SendMass(context.Background(), wego.MassToAll(), wego.Text("x"))
	var ae *wego.APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, -1, ae.Code)

	keyed := wantCall{method: "POST", path: "/cgi-bin/message/mass/sendall",
		body: `{"filter":{"is_to_all":true},"msgtype":"text","text":{"content":"x"},"clientmsgid":"k1"}`, answer: busy}
	ok := keyed
	ok.answer = `{"errcode":0,"errmsg":"send job submission success","msg_id":7}`
	c = mockCalls(t, keyed, ok)
	r, err := c.SendMass(context.Background(), wego.MassToAll(), wego.Text("x"), wego.WithMassClientMsgID("k1"))
	require.NoError(t, err)
	assert.Equal(t, int64(7), r.MsgID)

	c = mockCalls(t, keyed, keyed)
	_, err = c.SendMass(context.Background(), wego.MassToAll(), wego.Text("x"), wego.WithMassClientMsgID("k1"))
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, -1, ae.Code)
}

// followers adds n followers to the fake, tagged with tag when tag != 0.
func followers(t *testing.T, srv *wegotest.Server, prefix string, n, tag int) []string {
	t.Helper()
	var ids []string
	for i := range n {
		u := wegotest.User{OpenID: fmt.Sprintf("%s%02d", prefix, i)}
		if tag != 0 {
			u.TagIDs = []int{tag}
		}
		require.NoError(t, srv.AddUser(u))
		ids = append(ids, u.OpenID)
	}
	return ids
}

// A mass send on the fake: every audience counts the followers it
// selects, the job is SENDING until WeChat finishes it, then the app gets
// MASSSENDJOBFINISH with the counts, and the status is SEND_SUCCESS.
func TestSendMass(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	ctx := context.Background()
	tag, err := srv.AddTag("VIP")
	require.NoError(t, err)
	vips := followers(t, srv, "oVip", 3, tag)
	others := followers(t, srv, "oFan", 4, 0)
	require.NoError(t, srv.AddUser(wegotest.User{OpenID: "oGone", Unsubscribed: true, TagIDs: nil}))

	reports := make(chan *wego.MassSendReport, 4)
	srv.SetApp(c.PushHandler(func(_ context.Context, p *wego.Push) (wego.Reply, error) {
		r, err := p.MassSendResult()
		assert.NoError(t, err)
		reports <- r
		return nil, nil
	}))

	for _, tt := range []struct {
		name string
		to   wego.MassAudience
		m    wego.Reply
		want int
	}{
		{"to all", wego.MassToAll(), wego.MPNews("DRAFT"), len(vips) + len(others)},
		{"to a tag", wego.MassToTag(tag), wego.Text("VIP sale & more"), len(vips)},
		{"to a list", wego.MassToUsers(others[0], others[1], "oGone"), wego.Voice("V"), 2},
	} {
		r, err := c.SendMass(ctx, tt.to, tt.m)
		require.NoError(t, err, tt.name)
		status, err := c.GetMassStatus(ctx, r.MsgID)
		require.NoError(t, err)
		assert.Equal(t, wego.MassSending, status, tt.name)

		_, err = srv.FinishMassSend("/wechat", r.MsgID)
		require.NoError(t, err)
		got := <-reports
		assert.Equal(t, r.MsgID, got.MsgID, tt.name)
		assert.Equal(t, "send success", got.Status)
		assert.Equal(t, tt.want, got.TotalCount, tt.name)
		assert.Equal(t, tt.want, got.FilterCount, tt.name)
		assert.Equal(t, tt.want, got.SentCount, tt.name)
		assert.Zero(t, got.ErrorCount)
		status, err = c.GetMassStatus(ctx, r.MsgID)
		require.NoError(t, err)
		assert.Equal(t, wego.MassSendSuccess, status, tt.name)
	}
	sends := srv.MassSends()
	require.Len(t, sends, 3)
	assert.True(t, sends[0].ToAll)
	assert.NotZero(t, sends[0].MsgDataID, "an mpnews send has a msg_data_id")
	assert.Equal(t, tag, sends[1].TagID)
	assert.JSONEq(t, `{"content":"VIP sale & more"}`, string(sends[1].Content))
	assert.Zero(t, sends[1].MsgDataID)
	assert.Equal(t, []string{others[0], others[1]}, sends[2].Recipients, "the former follower is left out")

	var ae *wego.APIError
	_, err = c.SendMass(ctx, wego.MassToTag(999), wego.Text("x"))
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, 45159, ae.Code, "a tag the account lacks")
	_, err = srv.FinishMassSend("/wechat", 1)
	assert.Error(t, err, "no send has that msg_id")
}

// WeChat runs one job for a clientmsgid in 24 hours: a repeat is 45065,
// ErrMassSendRepeated, and sends nothing.
func TestMassClientMsgIDRepeat(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	ctx := context.Background()
	followers(t, srv, "oFan", 2, 0)
	r, err := c.SendMass(ctx, wego.MassToAll(), wego.Text("x"), wego.WithMassClientMsgID("newsletter-42"))
	require.NoError(t, err)
	_, err = c.SendMass(ctx, wego.MassToAll(), wego.Text("x"), wego.WithMassClientMsgID("newsletter-42"))
	require.ErrorIs(t, err, wego.ErrMassSendRepeated)
	var ae *wego.APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, wego.CodeMassClientMsgIDRepeat, ae.Code)
	require.Len(t, srv.MassSends(), 1)
	assert.Equal(t, r.MsgID, srv.MassSends()[0].MsgID)
	_, err = c.SendMass(ctx, wego.MassToAll(), wego.Text("x"), wego.WithMassClientMsgID("newsletter-43"))
	require.NoError(t, err)
	assert.Len(t, srv.MassSends(), 2)
}

// A send whose answer is lost: with a clientmsgid it is sent once more,
// WeChat answers 45065 and one job exists; without, it is not resent.
func TestMassSendAfterALostAnswer(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name        string
		clientMsgID string
	}{{"with a clientmsgid: sent once more, one job", "job-7"}, {"without: not sent again", ""}} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var lose *loseFirstAnswer
			srv, c := setup(t, func(s *wego.Settings) {
				lose = &loseFirstAnswer{next: s.HTTPClient.Transport, path: wegotest.PathMassSendAll}
				s.HTTPClient = &http.Client{Transport: lose}
			})
			wego.SetBusyBackoff(c, time.Millisecond)
			followers(t, srv, "oFan", 2, 0)
			_, err := c.SendMass(context.Background(), wego.MassToAll(), wego.Text("x"), wego.WithMassClientMsgID(tt.clientMsgID))
			require.True(t, lose.lost.Load())
			require.Len(t, srv.MassSends(), 1, "WeChat runs one job")
			if tt.clientMsgID == "" {
				require.ErrorContains(t, err, "connection reset by peer")
				assert.Equal(t, 1, srv.Requests(wegotest.PathMassSendAll))
				return
			}
			require.ErrorIs(t, err, wego.ErrMassSendRepeated, "the resend learns the job exists")
			assert.Equal(t, 2, srv.Requests(wegotest.PathMassSendAll))
		})
	}
}

func TestMassPreviewDeleteSpeed(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	ctx := context.Background()
	require.NoError(t, srv.AddUser(wegotest.User{OpenID: "oFan", WeChatID: "wx_fan"}))
	followers(t, srv, "oOther", 2, 0)

	_, err := c.PreviewMass(ctx, "oFan", false, wego.MPNews("DRAFT"))
	require.NoError(t, err)
	_, err = c.PreviewMass(ctx, "wx_fan", true, wego.Text("by WeChat ID"))
	require.NoError(t, err)
	previews := srv.MassPreviews("oFan")
	require.Len(t, previews, 2)
	assert.Equal(t, "mpnews", previews[0].MsgType)
	assert.Equal(t, "DRAFT", previews[0].Get("media_id"))
	assert.Equal(t, "by WeChat ID", previews[1].Get("content"))
	assert.Empty(t, srv.MassSends(), "a preview is no mass send")
	var ae *wego.APIError
	_, err = c.PreviewMass(ctx, "oNobody", false, wego.Text("x"))
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, 40003, ae.Code)

	r, err := c.SendMass(ctx, wego.MassToAll(), wego.MPNews("DRAFT"))
	require.NoError(t, err)
	require.NoError(t, c.DeleteMass(ctx, r.MsgID, 2))
	assert.Equal(t, []int{2}, srv.MassSends()[0].DeletedArticles)
	require.NoError(t, c.DeleteMass(ctx, r.MsgID, 0))
	status, err := c.GetMassStatus(ctx, r.MsgID)
	require.NoError(t, err)
	assert.Equal(t, wego.MassDeleted, status)

	speed, err := c.GetMassSpeed(ctx)
	require.NoError(t, err)
	assert.Equal(t, wego.MassSpeed{Speed: 0, RealSpeed: 80}, *speed)
	require.NoError(t, c.SetMassSpeed(ctx, 3))
	speed, err = c.GetMassSpeed(ctx)
	require.NoError(t, err)
	assert.Equal(t, wego.MassSpeed{Speed: 3, RealSpeed: 30}, *speed)
}

func TestMassBadInputSendsNothing(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	ctx := context.Background()
	send := func(to wego.MassAudience, m wego.Reply, opts ...wego.MassOption) error {
		_, err := c.SendMass(ctx, to, m, opts...)
		return err
	}
	many := make([]string, wego.MaxMassOpenIDs+1)
	for i := range many {
		many[i] = fmt.Sprintf("o%05d", i)
	}
	tests := []struct {
		name     string
		err      error
		sentinel error
		says     string
	}{
		{"1 openid", send(wego.MassToUsers("o1"), wego.Text("x")), wego.ErrInvalidParameter, "touser: 1 openids; WeChat takes 2 to 10000"},
		{"10001 openids", send(wego.MassToUsers(many...), wego.Text("x")), wego.ErrInvalidParameter, "touser: 10001 openids"},
		{"an empty openid", send(wego.MassToUsers("o1", ""), wego.Text("x")), wego.ErrMissingParameter, "touser[1]"},
		{"a negative tag", send(wego.MassToTag(-1), wego.Text("x")), wego.ErrInvalidParameter, "tag_id"},
		{"no message", send(wego.MassToAll(), nil), wego.ErrMissingParameter, "message"},
		{"an image", send(wego.MassToAll(), wego.Image("I")), wego.ErrInvalidReply, "image is no mass message"},
		{"news", send(wego.MassToAll(), wego.News(wego.Article{Title: "t"})), wego.ErrInvalidReply, "news is no mass message"},
		{"empty text", send(wego.MassToAll(), wego.Text("")), wego.ErrInvalidReply, "text message without content"},
		{"images without ids", send(wego.MassToAll(), wego.MassImages(wego.MassImagesReply{})), wego.ErrInvalidReply, "images message without media ids"},
		{"mpnews without id", send(wego.MassToAll(), wego.MPNews("")), wego.ErrInvalidReply, "mpnews message without media id"},
		{"a long clientmsgid", send(wego.MassToAll(), wego.Text("x"), wego.WithMassClientMsgID(strings.Repeat("k", 65))), wego.ErrInvalidParameter, "clientmsgid: 65 bytes, at most 64"},
		{"preview to nobody", func() error { _, err := c.PreviewMass(ctx, "", false, wego.Text("x")); return err }(), wego.ErrMissingParameter, "touser"},
		{"delete no id", c.DeleteMass(ctx, 0, 0), wego.ErrMissingParameter, "msg_id"},
		{"delete article -1", c.DeleteMass(ctx, 1, -1), wego.ErrInvalidParameter, "article_idx"},
		{"status no id", func() error { _, err := c.GetMassStatus(ctx, 0); return err }(), wego.ErrMissingParameter, "msg_id"},
		{"speed 5", c.SetMassSpeed(ctx, 5), wego.ErrInvalidParameter, "speed: 5; WeChat's levels are 0 to 4"},
		{"speed -1", c.SetMassSpeed(ctx, -1), wego.ErrInvalidParameter, "speed: -1"},
		{"images by custom/send", c.SendMessage(ctx, "oFan", wego.MassImages(wego.MassImagesReply{MediaIDs: []string{"I"}})), wego.ErrInvalidReply, "images is a mass message only"},
		{"mpvideo by custom/send", c.SendMessage(ctx, "oFan", wego.MPVideo("V")), wego.ErrInvalidReply, "mpvideo is a mass message only"},
	}
	for _, tt := range tests {
		require.ErrorIs(t, tt.err, tt.sentinel, tt.name)
		assert.Contains(t, tt.err.Error(), tt.says, tt.name)
	}
	assert.Zero(t, massRequests(srv)+messageRequests(srv), "bad input sent nothing, not even a token request")
}

// The MASSSENDJOBFINISH of WeChat's page, with its original-content
// check, reads the same in each push mode.
func TestMassSendResultOfAFixture(t *testing.T) {
	t.Parallel()
	xml := readFile(t, "testdata/vectors/push/event_masssendjobfinish.xml")
	want := &wego.MassSendReport{MsgID: 1000001625, Status: "err(30003)",
		CopyrightCheckResult: wego.CopyrightCheckResult{Count: 2, CheckState: 2, ResultList: []wego.CopyrightCheckItem{
			{ArticleIdx: 1, AuditState: 2, OriginalArticleURL: "Url_1", OriginalArticleType: 1, CanReprint: 1, NeedReplaceContent: 1, NeedShowReprintSource: 1},
			{ArticleIdx: 2, AuditState: 2, OriginalArticleURL: "Url_2", OriginalArticleType: 1, CanReprint: 1, NeedReplaceContent: 1, NeedShowReprintSource: 1},
		}}}
	for name, mode := range modes {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv, c := pushSetup(t, mode)
			got := make(chan *wego.MassSendReport, 1)
			h := c.PushHandler(func(_ context.Context, p *wego.Push) (wego.Reply, error) {
				assert.Equal(t, wego.PushMassSendJobFinish, p.Type)
				r, err := p.MassSendResult()
				assert.NoError(t, err)
				got <- r
				return nil, nil
			})
			_, err := srv.Push(h, wegotest.XMLMessage(xml))
			require.NoError(t, err)
			assert.Equal(t, want, <-got)
		})
	}
}

func TestMassSendResultRefusesOtherPushesAndBadNumbers(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	errs := make(chan error, 1)
	h := c.PushHandler(func(_ context.Context, p *wego.Push) (wego.Reply, error) {
		_, err := p.MassSendResult()
		errs <- err
		return nil, nil
	})
	_, err := srv.Push(h, wegotest.TextMessage("oFan", "hi"))
	require.NoError(t, err)
	assert.ErrorContains(t, <-errs, "carries no mass send result")
	_, err = srv.Push(h, wegotest.EventMessage("oFan", wegotest.EventMassSendJobFinish, "").With("MsgID", "1").With("SentCount", "many"))
	require.NoError(t, err)
	assert.ErrorIs(t, <-errs, wego.ErrMalformedMessage)
}
