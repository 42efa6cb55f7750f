package wego_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wego-sdk/wego"
	"github.com/wego-sdk/wego/wegotest"
)

// messagePaths are the paths of the message side: a test of bad input
// checks that none of them, nor the token endpoints, saw a request.
var messagePaths = []string{
	wegotest.PathMessageCustomSend, wegotest.PathMessageCustomTyping,
	wegotest.PathTemplateSend, wegotest.PathTemplateSetIndustry, wegotest.PathTemplateGetIndustry,
	wegotest.PathTemplateAddTemplate, wegotest.PathTemplateGetAllPrivate, wegotest.PathTemplateDelPrivate,
}

func messageRequests(srv *wegotest.Server) int {
	n := srv.TokenRequests()
	for _, p := range messagePaths {
		n += srv.Requests(p)
	}
	return n
}

// every is one message of each type custom/send takes, and the body WeChat
// gets for it, besides touser and msgtype.
var every = []struct {
	msgType string
	m       wego.Reply
	content string
}{
	{"text", wego.Text("a & <b>"), `{"content":"a & <b>"}`},
	{"image", wego.Image("MEDIA_I"), `{"media_id":"MEDIA_I"}`},
	{"voice", wego.Voice("MEDIA_V"), `{"media_id":"MEDIA_V"}`},
	{"video", wego.VideoReply{MediaID: "MEDIA_VID", ThumbMediaID: "THUMB", Title: "T", Description: "D"},
		`{"media_id":"MEDIA_VID","thumb_media_id":"THUMB","title":"T","description":"D"}`},
	{"music", wego.Music(wego.MusicReply{Title: "T", Description: "D", MusicURL: "http://m/1.mp3?a=1&b=2", HQMusicURL: "http://m/hq.mp3", ThumbMediaID: "THUMB"}),
		`{"title":"T","description":"D","musicurl":"http://m/1.mp3?a=1&b=2","hqmusicurl":"http://m/hq.mp3","thumb_media_id":"THUMB"}`},
	{"news", wego.News(wego.Article{Title: "Happy Day", Description: "Is Really A Happy Day", URL: "https://e.com/?a=1&b=2", PicURL: "https://e.com/p.png"}),
		`{"articles":[{"title":"Happy Day","description":"Is Really A Happy Day","url":"https://e.com/?a=1&b=2","picurl":"https://e.com/p.png"}]}`},
	{"mpnews", wego.MPNews("MEDIA_N"), `{"media_id":"MEDIA_N"}`},
	{"mpnewsarticle", wego.MPNewsArticle("ARTICLE_ID"), `{"article_id":"ARTICLE_ID"}`},
	{"msgmenu", wego.MsgMenu("您对本次服务是否满意呢? ", "欢迎再次光临", wego.MsgMenuItem{ID: "101", Content: "满意"}, wego.MsgMenuItem{ID: "102", Content: "不满意"}),
		`{"head_content":"您对本次服务是否满意呢? ","list":[{"id":"101","content":"满意"},{"id":"102","content":"不满意"}],"tail_content":"欢迎再次光临"}`},
	{"wxcard", wego.Card("123dsdajkasd231jhksad"), `{"card_id":"123dsdajkasd231jhksad"}`},
	{"miniprogrampage", wego.MiniProgramPage(wego.MiniProgramPageReply{Title: "title", AppID: "appid", PagePath: "pages/index?id=1&x=2", ThumbMediaID: "thumb"}),
		`{"title":"title","appid":"appid","pagepath":"pages/index?id=1&x=2","thumb_media_id":"thumb"}`},
}

func customSendBody(openid, msgType, content, kf string) string {
	body := `{"touser":"` + openid + `","msgtype":"` + msgType + `","` + msgType + `":` + content
	if kf != "" {
		body += `,"customservice":{"kf_account":"` + kf + `"}`
	}
	return body + "}"
}

func TestRawMessageRequests(t *testing.T) {
	t.Parallel()
	runRawCases(t, []rawCase{
		{"MessageCustomSend", func(ctx context.Context, w *wego.WeChatAPI) (json.RawMessage, error) {
			return w.MessageCustomSend(ctx, "o1", wego.Text("hi"), "")
		}, wantCall{method: "POST", path: "/cgi-bin/message/custom/send", body: `{"touser":"o1","msgtype":"text","text":{"content":"hi"}}`}},
		{"MessageCustomSend as an agent, unchecked", func(ctx context.Context, w *wego.WeChatAPI) (json.RawMessage, error) {
			return w.MessageCustomSend(ctx, "o1", wego.News(wego.Article{Title: "1"}, wego.Article{Title: "2"}), "kf1@acct")
		}, wantCall{method: "POST", path: "/cgi-bin/message/custom/send",
			body: `{"touser":"o1","msgtype":"news","news":{"articles":[{"title":"1","description":"","url":"","picurl":""},{"title":"2","description":"","url":"","picurl":""}]},"customservice":{"kf_account":"kf1@acct"}}`}},
		{"MessageCustomTyping", func(ctx context.Context, w *wego.WeChatAPI) (json.RawMessage, error) {
			return w.MessageCustomTyping(ctx, "o1", "Typing")
		}, wantCall{method: "POST", path: "/cgi-bin/message/custom/typing", body: `{"touser":"o1","command":"Typing"}`}},
	})
}

func TestMessageCallRequests(t *testing.T) {
	t.Parallel()
	var cases []mockCase
	for _, e := range every {
		cases = append(cases, mockCase{"SendMessage " + e.msgType, func(ctx context.Context, c *wego.Client) error {
			return c.SendMessage(ctx, "oFan", e.m)
		}, []wantCall{{method: "POST", path: "/cgi-bin/message/custom/send", body: customSendBody("oFan", e.msgType, e.content, "")}}})
	}
	cases = append(cases,
		mockCase{"SendMessage as an agent", func(ctx context.Context, c *wego.Client) error {
			return c.SendMessage(ctx, "oFan", wego.Text("hi"), wego.WithKFAccount("test1@kftest"))
		}, []wantCall{{method: "POST", path: "/cgi-bin/message/custom/send", body: customSendBody("oFan", "text", `{"content":"hi"}`, "test1@kftest")}}},
		mockCase{"SendMessage: a video without its optional fields", func(ctx context.Context, c *wego.Client) error {
			return c.SendMessage(ctx, "oFan", wego.Video("MEDIA", "", ""))
		}, []wantCall{{method: "POST", path: "/cgi-bin/message/custom/send", body: customSendBody("oFan", "video", `{"media_id":"MEDIA"}`, "")}}},
		mockCase{"Typing on", func(ctx context.Context, c *wego.Client) error {
			return c.Typing(ctx, "oFan", true)
		}, []wantCall{{method: "POST", path: "/cgi-bin/message/custom/typing", body: `{"touser":"oFan","command":"Typing"}`}}},
		mockCase{"Typing off", func(ctx context.Context, c *wego.Client) error {
			return c.Typing(ctx, "oFan", false)
		}, []wantCall{{method: "POST", path: "/cgi-bin/message/custom/typing", body: `{"touser":"oFan","command":"CancelTyping"}`}}},
	)
	runMockCases(t, cases)
}

// rawBodies returns a client whose requests go to httpmock, answered ok,
// and the bodies they carried, byte for byte.
func rawBodies(t *testing.T, answer string) (*wego.Client, func() []string) {
	t.Helper()
	mt, c := mockClient(t)
	var mu sync.Mutex
	var bodies []string
	mt.RegisterNoResponder(func(r *http.Request) (*http.Response, error) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		bodies = append(bodies, string(b))
		mu.Unlock()
		return httpmock.NewStringResponse(200, answer), nil
	})
	return c, func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), bodies...)
	}
}

// WeChat stores what it gets: "&", "<" and ">" go as they are, not as
// \u0026, \u003c and \u003e.
func TestMessageBodiesAreNotHTMLEscaped(t *testing.T) {
	t.Parallel()
	c, bodies := rawBodies(t, `{"errcode":0,"errmsg":"ok","msgid":1}`)
	ctx := context.Background()
	require.NoError(t, c.SendMessage(ctx, "oFan", wego.Text("a & <b> c")))
	_, err := c.SendTemplateMessage(ctx, wego.TemplateMessage{ToUser: "oFan", TemplateID: "T1",
		URL: "https://e.com/o?id=1&x=<2>", Data: map[string]string{"thing1": "A & <B>"}})
	require.NoError(t, err)
	got := bodies()
	require.Len(t, got, 2)
	assert.Contains(t, got[0], `"content":"a & <b> c"`)
	assert.Contains(t, got[1], `"url":"https://e.com/o?id=1&x=<2>"`)
	assert.Contains(t, got[1], `"thing1":{"value":"A & <B>"}`)
	for _, b := range got {
		assert.NotContains(t, b, `\u00`)
	}
}

// SendMessage is a write: WeChat busy is an error, not a second message.
func TestSendMessageIsNeverSentTwice(t *testing.T) {
	t.Parallel()
	busy := wantCall{method: "POST", path: "/cgi-bin/message/custom/send", body: customSendBody("oFan", "text", `{"content":"hi"}`, ""),
		answer: `{"errcode":-1,"errmsg":"system error"}`}
	c := mockCalls(t, busy)
	err := c.SendMessage(context.Background(), "oFan", wego.Text("hi"))
	var ae *wego.APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, -1, ae.Code)
}

// Every type reaches the user on the fake, as sent, agent included.
func TestSendMessageEveryType(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	ctx := context.Background()
	require.NoError(t, srv.AddUser(wegotest.User{OpenID: "oFan"}))
	for i, e := range every {
		if i%wegotest.ServiceWindowMessages == 0 {
			srv.SetLastInteraction("oFan", time.Now()) // the user writes again: 5 more
		}
		require.NoError(t, c.SendMessage(ctx, "oFan", e.m, wego.WithKFAccount("kf1@acct")), e.msgType)
	}
	sent := srv.SentMessages("oFan")
	require.Len(t, sent, len(every))
	for i, e := range every {
		assert.Equal(t, e.msgType, sent[i].MsgType)
		assert.JSONEq(t, e.content, string(sent[i].Content), e.msgType)
		assert.Equal(t, "kf1@acct", sent[i].KFAccount)
	}
	assert.Equal(t, "a & <b>", sent[0].Get("content"))
	assert.Equal(t, "MEDIA_I", sent[1].Get("media_id"))
}

// WeChat takes customer-service messages for 48 hours after the user's
// last message: at 49 hours the send fails with ErrOutsideServiceWindow,
// at 47 it is delivered.
func TestSendMessageServiceWindow(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	ctx := context.Background()
	require.NoError(t, srv.AddUser(wegotest.User{OpenID: "oFan"}))

	srv.SetLastInteraction("oFan", time.Now().Add(-49*time.Hour))
	err := c.SendMessage(ctx, "oFan", wego.Text("too late"))
	require.ErrorIs(t, err, wego.ErrOutsideServiceWindow)
	var ae *wego.APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, wego.CodeOutOfServiceWindow, ae.Code)
	assert.Contains(t, ae.Msg, "response out of time limit")
	assert.Empty(t, srv.SentMessages("oFan"))

	srv.SetLastInteraction("oFan", time.Now().Add(-47*time.Hour))
	require.NoError(t, c.SendMessage(ctx, "oFan", wego.Text("just in time")))
	sent := srv.SentMessages("oFan")
	require.Len(t, sent, 1)
	assert.Equal(t, "just in time", sent[0].Get("content"))

	// A user who never wrote, and one who stopped following: the same code.
	require.NoError(t, srv.AddUser(wegotest.User{OpenID: "oSilent"}))
	require.ErrorIs(t, c.SendMessage(ctx, "oSilent", wego.Text("hi")), wego.ErrOutsideServiceWindow)
	require.NoError(t, srv.AddUser(wegotest.User{OpenID: "oFan", Unsubscribed: true}))
	require.ErrorIs(t, c.SendMessage(ctx, "oFan", wego.Text("hi")), wego.ErrOutsideServiceWindow)
	err = c.SendMessage(ctx, "oNobody", wego.Text("hi"))
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, 40003, ae.Code, "an openid the account does not know")
}

// The window is what the user's pushes opened: a message (5 in 48 hours)
// or a follow by QR code (3 in a minute); past the count WeChat answers
// 45047.
func TestSendMessageWindowFromPushes(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	ctx := context.Background()
	bot := c.PushHandler(func(context.Context, *wego.Push) (wego.Reply, error) { return nil, nil })

	_, err := srv.Push(bot, wegotest.TextMessage("oWriter", "where is my order?"))
	require.NoError(t, err)
	for i := range wegotest.ServiceWindowMessages {
		require.NoError(t, c.SendMessage(ctx, "oWriter", wego.Text("answer")), "message %d", i+1)
	}
	err = c.SendMessage(ctx, "oWriter", wego.Text("one too many"))
	var ae *wego.APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, 45047, ae.Code)
	assert.NotErrorIs(t, err, wego.ErrOutsideServiceWindow)

	qr, err := c.CreateQRCode(ctx, wego.QRCode{SceneStr: "poster", ExpireIn: time.Hour})
	require.NoError(t, err)
	_, err = srv.ScanQRCode(bot, qr.Ticket, "oScanner")
	require.NoError(t, err)
	for range wegotest.EventWindowMessages {
		require.NoError(t, c.SendMessage(ctx, "oScanner", wego.Text("welcome")))
	}
	err = c.SendMessage(ctx, "oScanner", wego.Text("one too many"))
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, 45047, ae.Code)
	assert.Len(t, srv.SentMessages("oScanner"), wegotest.EventWindowMessages)

	// A link opened from the menu (VIEW) opens no window.
	_, err = srv.Push(bot, wegotest.EventMessage("oViewer", wegotest.EventView, "https://e.com"))
	require.NoError(t, err)
	require.ErrorIs(t, c.SendMessage(ctx, "oViewer", wego.Text("hi")), wego.ErrOutsideServiceWindow)
}

func TestTyping(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	ctx := context.Background()
	require.NoError(t, srv.AddUser(wegotest.User{OpenID: "oFan"}))
	srv.SetLastInteraction("oFan", time.Now())

	require.NoError(t, c.Typing(ctx, "oFan", true))
	assert.True(t, srv.Typing("oFan"))
	var ae *wego.APIError
	require.ErrorAs(t, c.Typing(ctx, "oFan", true), &ae)
	assert.Equal(t, 45081, ae.Code, "already typing")
	require.NoError(t, c.Typing(ctx, "oFan", false))
	assert.False(t, srv.Typing("oFan"))

	require.NoError(t, c.Typing(ctx, "oFan", true))
	require.NoError(t, c.SendMessage(ctx, "oFan", wego.Text("here it is")))
	assert.False(t, srv.Typing("oFan"), "a message ends the typing")

	srv.SetLastInteraction("oFan", time.Now().Add(-time.Minute))
	require.ErrorAs(t, c.Typing(ctx, "oFan", true), &ae)
	assert.Equal(t, 45080, ae.Code, "no message exchanged within 30 seconds")

	srv.SetLastInteraction("oFan", time.Now().Add(-49*time.Hour))
	require.ErrorIs(t, c.Typing(ctx, "oFan", true), wego.ErrOutsideServiceWindow)
}

// Bad input is refused before anything is sent, naming what is wrong.
func TestMessageBadInputSendsNothing(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	ctx := context.Background()
	two := wego.News(wego.Article{Title: "1"}, wego.Article{Title: "2"})
	tests := []struct {
		name     string
		err      error
		sentinel error
		says     string
	}{
		{"no openid", c.SendMessage(ctx, "", wego.Text("hi")), wego.ErrMissingParameter, "openid"},
		{"no message", c.SendMessage(ctx, "oFan", nil), wego.ErrMissingParameter, "message"},
		{"image without media id", c.SendMessage(ctx, "oFan", wego.Image("")), wego.ErrInvalidReply, "image message without media id"},
		{"video without media id", c.SendMessage(ctx, "oFan", wego.Video("", "t", "d")), wego.ErrInvalidReply, "video message without media id"},
		{"news of 2", c.SendMessage(ctx, "oFan", two), wego.ErrInvalidReply, "2 articles; WeChat takes 1"},
		{"news of none", c.SendMessage(ctx, "oFan", wego.News()), wego.ErrInvalidReply, "without articles"},
		{"mpnews without id", c.SendMessage(ctx, "oFan", wego.MPNews("")), wego.ErrInvalidReply, "mpnews message without media id"},
		{"mpnewsarticle without id", c.SendMessage(ctx, "oFan", wego.MPNewsArticle("")), wego.ErrInvalidReply, "without article id"},
		{"msgmenu without items", c.SendMessage(ctx, "oFan", wego.MsgMenu("h", "t")), wego.ErrInvalidReply, "without items"},
		{"msgmenu item without id", c.SendMessage(ctx, "oFan", wego.MsgMenu("h", "t", wego.MsgMenuItem{Content: "yes"})), wego.ErrInvalidReply, "msgmenu item 1"},
		{"wxcard without id", c.SendMessage(ctx, "oFan", wego.Card("")), wego.ErrInvalidReply, "without card id"},
		{"miniprogrampage without page", c.SendMessage(ctx, "oFan", wego.MiniProgramPage(wego.MiniProgramPageReply{AppID: "wxa", ThumbMediaID: "t"})), wego.ErrInvalidReply, "without PagePath"},
		{"a transfer", c.SendMessage(ctx, "oFan", wego.TransferCustomerService("")), wego.ErrInvalidReply, "transfer_customer_service is a passive reply only"},
		{"kf account", c.SendMessage(ctx, "oFan", wego.Text("hi"), wego.WithKFAccount("kf1")), wego.ErrInvalidParameter, `kf_account: "kf1" is not name@account`},
		{"typing without openid", c.Typing(ctx, "", true), wego.ErrMissingParameter, "openid"},
	}
	for _, tt := range tests {
		require.ErrorIs(t, tt.err, tt.sentinel, tt.name)
		assert.Contains(t, tt.err.Error(), tt.says, tt.name)
	}
	_, err := c.WeChat.MessageCustomSend(ctx, "oFan", wego.TransferCustomerService(""), "")
	require.ErrorIs(t, err, wego.ErrInvalidReply, "the raw layer has no customer-service form of a transfer either")
	assert.Zero(t, messageRequests(srv), "bad input sent nothing, not even a token request")
}

// The types only customer-service messages have are refused as passive
// replies: the handler answers "success" and logs why.
func TestCustomOnlyTypesAreRefusedAsReplies(t *testing.T) {
	t.Parallel()
	var logs syncBuffer
	srv, c := pushSetup(t, wegotest.PushSafe, func(s *wego.Settings) {
		s.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	})
	for _, r := range []struct {
		msgType string
		m       wego.Reply
	}{
		{"mpnews", wego.MPNews("M")}, {"mpnewsarticle", wego.MPNewsArticle("A")},
		{"msgmenu", wego.MsgMenu("h", "t", wego.MsgMenuItem{ID: "1", Content: "yes"})}, {"wxcard", wego.Card("C")},
		{"miniprogrampage", wego.MiniProgramPage(wego.MiniProgramPageReply{AppID: "wxa", PagePath: "p", ThumbMediaID: "t"})},
	} {
		h := c.PushHandler(func(context.Context, *wego.Push) (wego.Reply, error) { return r.m, nil })
		reply, err := srv.Push(h, wegotest.TextMessage("oFan", "hi"))
		require.NoError(t, err)
		assert.True(t, reply.Success(), "%s: answered success", r.msgType)
		assert.Contains(t, logs.String(), r.msgType+" is a customer-service message only (send it with Client.SendMessage)")

		var p wego.Push
		_, err = p.Reply(r.m)
		assert.ErrorIs(t, err, wego.ErrInvalidReply, r.msgType)
	}
	assert.Contains(t, logs.String(), "push reply invalid")
}

func TestOutsideServiceWindowMatches45015(t *testing.T) {
	t.Parallel()
	assert.ErrorIs(t, &wego.APIError{Code: 45015}, wego.ErrOutsideServiceWindow)
	assert.NotErrorIs(t, &wego.APIError{Code: 45047}, wego.ErrOutsideServiceWindow)
	assert.NotErrorIs(t, &wego.APIError{Code: 45015}, wego.ErrNotSubscribed)
	assert.ErrorIs(t, &wego.APIError{Code: 43004}, wego.ErrNotSubscribed)
	wrapped := errors.Join(errors.New("context"), &wego.APIError{Code: 45015})
	assert.ErrorIs(t, wrapped, wego.ErrOutsideServiceWindow)
}
