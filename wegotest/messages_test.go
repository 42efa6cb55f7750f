package wegotest

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wego-sdk/wego"
)

// custom/send checks each msgtype's content as WeChat does, with its
// codes and errmsgs, before the window.
func TestCustomSendChecksTheContent(t *testing.T) {
	t.Parallel()
	s, c := userClient(t)
	ctx := context.Background()
	require.NoError(t, s.AddUser(User{OpenID: "oFan"}))
	s.SetLastInteraction("oFan", time.Now())
	send := func(body string) error {
		return c.WeChat.Post(ctx, PathMessageCustomSend, nil, json.RawMessage(body), nil)
	}
	tests := []struct {
		body string
		code int
		msg  string
	}{
		{`{"touser":"oFan","msgtype":"sticker","sticker":{}}`, 40008, "invalid message type"},
		{`{"touser":"oFan","msgtype":"text","text":{"content":""}}`, 44004, "empty content"},
		{`{"touser":"oFan","msgtype":"text"}`, 47001, "data format error"},
		{`{"touser":"oFan","msgtype":"image","image":{}}`, 40007, "invalid media_id"},
		{`{"touser":"oFan","msgtype":"news","news":{"articles":[]}}`, 44003, "empty news data"},
		{`{"touser":"oFan","msgtype":"news","news":{"articles":[{},{}]}}`, 45008, "article size out of limit"},
		{`{"touser":"oFan","msgtype":"msgmenu","msgmenu":{"list":[{"id":"1"}]}}`, 47001, "data format error"},
		{`{"touser":"oFan","msgtype":"miniprogrampage","miniprogrampage":{"appid":"wxa","pagepath":"p"}}`, 47001, ""},
		{`[1,2]`, 47001, ""},
		{`{"touser":"oNobody","msgtype":"text","text":{"content":"hi"}}`, 40003, "invalid openid"},
	}
	for _, tt := range tests {
		err := send(tt.body)
		assert.Equal(t, tt.code, errcode(t, err), tt.body)
		var ae *wego.APIError
		if tt.msg != "" && errors.As(err, &ae) {
			assert.Regexp(t, "^"+tt.msg+" rid: ", ae.Msg, tt.body)
		}
	}
	assert.Empty(t, s.SentMessages("oFan"), "nothing refused was delivered")
	assert.Equal(t, 43002, errcode(t, c.WeChat.Get(ctx, PathMessageCustomSend, nil, nil)), "require POST method")
}

func TestCustomTypingCommands(t *testing.T) {
	t.Parallel()
	s, c := userClient(t)
	ctx := context.Background()
	require.NoError(t, s.AddUser(User{OpenID: "oFan"}))
	s.SetLastInteraction("oFan", time.Now())
	typing := func(command string) error {
		return c.WeChat.Post(ctx, PathMessageCustomTyping, nil, map[string]string{"touser": "oFan", "command": command}, nil)
	}
	assert.Equal(t, 45072, errcode(t, typing("typing")), "the command is case-sensitive")
	assert.NoError(t, typing("CancelTyping"), "cancelling while not typing is fine")
	assert.NoError(t, typing("Typing"))
	assert.True(t, s.Typing("oFan"))
	assert.Equal(t, 45081, errcode(t, typing("Typing")))
	assert.False(t, s.Typing("oNobody"))
}

// A click opens the one-minute window; a LOCATION report does not, and a
// former follower is refused whatever was pushed.
func TestPushesOpenTheWindow(t *testing.T) {
	t.Parallel()
	s, c := userClient(t)
	ctx := context.Background()
	s.SetPushMode(PushPlain)
	ok := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("success")) })
	text := map[string]any{"msgtype": "text", "text": map[string]string{"content": "hi"}}
	send := func(to string) error {
		body := map[string]any{"touser": to}
		for k, v := range text {
			body[k] = v
		}
		return c.WeChat.Post(ctx, PathMessageCustomSend, nil, body, nil)
	}
	_, err := s.Push(ok, EventMessage("oClicker", EventClick, "K1"))
	require.NoError(t, err)
	assert.NoError(t, send("oClicker"))
	_, err = s.Push(ok, EventMessage("oWalker", EventLocation, "").With("Latitude", "23.1").With("Longitude", "113.3"))
	require.NoError(t, err)
	assert.Equal(t, 45015, errcode(t, send("oWalker")))

	require.NoError(t, s.AddUser(User{OpenID: "oGone", Unsubscribed: true}))
	_, err = s.Push(ok, TextMessage("oGone", "hi"))
	require.NoError(t, err)
	assert.Equal(t, 45015, errcode(t, send("oGone")))
}

func TestTemplateEndpoints(t *testing.T) {
	t.Parallel()
	s, c := userClient(t)
	ctx := context.Background()
	post := func(path string, body any) error { return c.WeChat.Post(ctx, path, nil, body, nil) }
	assert.Equal(t, 40097, errcode(t, post(PathTemplateSetIndustry, map[string]any{"industry_id1": "0", "industry_id2": "2"})))
	assert.NoError(t, post(PathTemplateSetIndustry, map[string]any{"industry_id1": 41, "industry_id2": "13"}), "a number is taken too")
	in, err := c.GetIndustry(ctx)
	require.NoError(t, err)
	assert.Equal(t, wego.Industries{Primary: wego.Industry{FirstClass: "其它", SecondClass: "其它"},
		Secondary: wego.Industry{FirstClass: "运输与仓储", SecondClass: "快递"}}, *in)

	id := s.AddTemplate(wego.Template{Title: "t", Content: "{{thing1.DATA}}"})
	assert.Equal(t, "其它", s.Templates()[0].PrimaryIndustry, "the account's primary industry by default")
	assert.Len(t, id, 43, "a template id of WeChat's length")
	assert.Equal(t, id, s.AddTemplate(wego.Template{ID: id, Title: "t2", Content: "{{thing1.DATA}}"}))
	require.Len(t, s.Templates(), 1, "the same id replaces")
	assert.Equal(t, "t2", s.Templates()[0].Title)

	require.NoError(t, s.AddUser(User{OpenID: "oFan"}))
	send := map[string]any{"touser": "oFan", "template_id": id, "data": map[string]any{"thing1": map[string]string{"value": "x"}}}
	var a struct {
		MsgID int64 `json:"msgid"`
	}
	require.NoError(t, c.WeChat.Post(ctx, PathTemplateSend, nil, send, &a))
	assert.Greater(t, a.MsgID, int64(firstTemplateMsgID))
	send["data"] = map[string]any{"thing1": "x"}
	assert.Equal(t, 47001, errcode(t, post(PathTemplateSend, send)), "a value must be {\"value\":...}")
}
