package wegotest

import (
	"bytes"
	"context"
	"encoding/base64"
	"image/png"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wego-sdk/wego"
)

type qrAnswer struct {
	Ticket        string `json:"ticket"`
	ExpireSeconds *int64 `json:"expire_seconds"`
	URL           string `json:"url"`
}

func qrBody(action string, sceneID int64, sceneStr string, expire int64) map[string]any {
	scene := map[string]any{}
	if sceneID != 0 {
		scene["scene_id"] = sceneID
	}
	if sceneStr != "" {
		scene["scene_str"] = sceneStr
	}
	b := map[string]any{"action_name": action, "action_info": map[string]any{"scene": scene}}
	if expire != 0 {
		b["expire_seconds"] = expire
	}
	return b
}

// showQRCode fetches the image of ticket as a browser would.
func showQRCode(t *testing.T, s *Server, method, ticket string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, s.URL+PathShowQRCode+"?ticket="+url.QueryEscape(ticket), nil)
	require.NoError(t, err)
	resp, err := s.ts.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, body
}

func TestQRCodeCreateAnswersAsWeChat(t *testing.T) {
	t.Parallel()
	s, c := userClient(t)
	tests := []struct {
		name      string
		body      map[string]any
		permanent bool
		expire    int64 // the answer's expire_seconds
		sceneID   int64
		sceneStr  string
	}{
		{"temporary integer", qrBody("QR_SCENE", 4294967295, "", 600), false, 600, 4294967295, ""},
		{"temporary string", qrBody("QR_STR_SCENE", 0, strings.Repeat("s", 64), 2592000), false, 2592000, 0, strings.Repeat("s", 64)},
		{"temporary, WeChat's default life", qrBody("QR_SCENE", 1, "", 0), false, 60, 1, ""},
		{"temporary, past 30 days", qrBody("QR_SCENE", 1, "", 2592001), false, 2592000, 1, ""},
		{"permanent integer", qrBody("QR_LIMIT_SCENE", 100000, "", 0), true, 0, 100000, ""},
		{"permanent string", qrBody("QR_LIMIT_STR_SCENE", 0, "会员", 0), true, 0, 0, "会员"},
		{"permanent, expire_seconds ignored", qrBody("QR_LIMIT_SCENE", 7, "", 60), true, 0, 7, ""},
	}
	for _, tt := range tests {
		var a qrAnswer
		before := time.Now()
		require.Zero(t, post(t, c, PathQRCodeCreate, tt.body, &a), tt.name)
		assert.Regexp(t, `^http://weixin\.qq\.com/q/02[0-9A-Za-z]{20}$`, a.URL, tt.name)
		raw, err := base64.StdEncoding.DecodeString(a.Ticket)
		require.NoError(t, err, "%s: the ticket is standard base64", tt.name)
		assert.Contains(t, string(raw), a.URL, "%s: the ticket holds the url, as WeChat's do", tt.name)
		assert.Contains(t, a.Ticket, "+", "%s: a ticket that needs escaping", tt.name)

		q, ok := s.QRCode(a.Ticket)
		require.True(t, ok, tt.name)
		assert.Equal(t, tt.permanent, q.Permanent, tt.name)
		assert.Equal(t, tt.sceneID, q.SceneID, tt.name)
		assert.Equal(t, tt.sceneStr, q.SceneStr, tt.name)
		assert.Equal(t, a.URL, q.URL, tt.name)
		if tt.permanent {
			assert.Nil(t, a.ExpireSeconds, "%s: no expire_seconds for a permanent code", tt.name)
			assert.True(t, q.Expires.IsZero(), tt.name)
			continue
		}
		require.NotNil(t, a.ExpireSeconds, tt.name)
		assert.Equal(t, tt.expire, *a.ExpireSeconds, tt.name)
		assert.WithinRange(t, q.Expires, before.Add(time.Duration(tt.expire)*time.Second), time.Now().Add(time.Duration(tt.expire)*time.Second), tt.name)
	}

	var a1, a2 qrAnswer
	require.Zero(t, post(t, c, PathQRCodeCreate, qrBody("QR_LIMIT_SCENE", 9, "", 0), &a1))
	require.Zero(t, post(t, c, PathQRCodeCreate, qrBody("QR_LIMIT_SCENE", 9, "", 0), &a2))
	assert.NotEqual(t, a1.Ticket, a2.Ticket, "every call makes a new ticket")
}

func TestQRCodeCreateRefusesWhatWeChatRefuses(t *testing.T) {
	t.Parallel()
	s, c := userClient(t)
	tests := []struct {
		name string
		body any
		code int
	}{
		{"unknown action", qrBody("QR_FOREVER", 1, "", 0), 40052},
		{"no action", qrBody("", 1, "", 0), 40052},
		{"temporary scene 0", qrBody("QR_SCENE", 0, "", 0), 40053},
		{"temporary scene past 32 bits", qrBody("QR_SCENE", 4294967296, "", 0), 40053},
		{"negative scene", qrBody("QR_SCENE", -1, "", 0), 40053},
		{"permanent scene 100001", qrBody("QR_LIMIT_SCENE", 100001, "", 0), 40053},
		{"integer action, string scene", qrBody("QR_LIMIT_SCENE", 0, "x", 0), 40053},
		{"string action, integer scene", qrBody("QR_STR_SCENE", 5, "", 0), 40053},
		{"65-byte scene", qrBody("QR_LIMIT_STR_SCENE", 0, strings.Repeat("x", 65), 0), 40053},
		{"not JSON of the shape", map[string]any{"action_name": 5}, 47001},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.code, post(t, c, PathQRCodeCreate, tt.body, nil), tt.name)
	}
	assert.Equal(t, 43002, get(t, c, PathQRCodeCreate, nil, nil), "a GET")

	resp, err := s.ts.Client().Post(s.URL+PathQRCodeCreate, "application/json", strings.NewReader(`{"action_name":"QR_SCENE"}`))
	require.NoError(t, err)
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	assert.Contains(t, string(body), `"errcode":41001`, "no access token")
}

func TestShowQRCode(t *testing.T) {
	t.Parallel()
	s, c := userClient(t)
	var temp, perm qrAnswer
	require.Zero(t, post(t, c, PathQRCodeCreate, qrBody("QR_STR_SCENE", 0, "a", 600), &temp))
	require.Zero(t, post(t, c, PathQRCodeCreate, qrBody("QR_LIMIT_SCENE", 1, "", 0), &perm))
	tokens := s.TokenRequests()

	resp, img := showQRCode(t, s, http.MethodGet, temp.Ticket)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "image/png", resp.Header.Get("Content-Type"))
	assert.Equal(t, int64(len(img)), resp.ContentLength)
	assert.Less(t, len(img), 1024, "small")
	pic, err := png.Decode(bytes.NewReader(img))
	require.NoError(t, err)
	assert.Equal(t, 132, pic.Bounds().Dx())
	_, again := showQRCode(t, s, http.MethodGet, temp.Ticket)
	assert.Equal(t, img, again, "the same image for the same ticket")
	_, other := showQRCode(t, s, http.MethodGet, perm.Ticket)
	assert.NotEqual(t, img, other, "another for another ticket")
	resp, head := showQRCode(t, s, http.MethodHead, temp.Ticket)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Empty(t, head)
	resp, _ = showQRCode(t, s, http.MethodPost, temp.Ticket)
	assert.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode)

	resp, body := showQRCode(t, s, http.MethodGet, "nope")
	assert.Equal(t, http.StatusNotFound, resp.StatusCode, "an unknown ticket")
	assert.Empty(t, body)
	resp, _ = showQRCode(t, s, http.MethodGet, "")
	assert.Equal(t, http.StatusNotFound, resp.StatusCode, "no ticket")
	resp, _ = showQRCode(t, s, http.MethodGet, strings.ReplaceAll(temp.Ticket, "+", " "))
	assert.Equal(t, http.StatusNotFound, resp.StatusCode, "a ticket whose + became a space")

	s.ExpireQRCodes()
	resp, _ = showQRCode(t, s, http.MethodGet, temp.Ticket)
	assert.Equal(t, http.StatusNotFound, resp.StatusCode, "an expired code")
	resp, _ = showQRCode(t, s, http.MethodGet, perm.Ticket)
	assert.Equal(t, http.StatusOK, resp.StatusCode, "a permanent code never expires")
	q, ok := s.QRCode(temp.Ticket)
	assert.True(t, ok, "an expired code is still known")
	assert.False(t, q.Expires.After(time.Now()))
	assert.Equal(t, tokens, s.TokenRequests(), "the image needs no token")
	assert.Equal(t, 10, s.Requests(PathShowQRCode), "every request counts, the refused ones too")
}

func TestShortURLIsRetired(t *testing.T) {
	t.Parallel()
	s, c := userClient(t)
	err := c.WeChat.Post(context.Background(), PathShortURL, nil,
		map[string]string{"action": "long2short", "long_url": "https://example.com/a"}, nil)
	var ae *wego.APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, 45103, ae.Code)
	assert.True(t, strings.HasPrefix(ae.Msg, "This API has been unsupported rid: "), ae.Msg)

	resp, err := s.ts.Client().Post(s.URL+PathShortURL, "application/json", strings.NewReader(`{}`))
	require.NoError(t, err)
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	assert.Contains(t, string(body), `"errcode":41001`, "the token is checked first")
}

// scanned is what a push handler saw of a scan.
type scanned struct {
	event, key, ticket, from string
}

func scanRecorder(got *scanned) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// A bare handler, not wego's: the fake's plain mode lets it read the XML.
		body, _ := io.ReadAll(r.Body)
		field := func(name string) string {
			s := string(body)
			i := strings.Index(s, "<"+name+">")
			if i < 0 {
				return ""
			}
			s = s[i+len(name)+2:]
			s = strings.TrimPrefix(s[:strings.Index(s, "</"+name+">")], "<![CDATA[")
			return strings.TrimSuffix(s, "]]>")
		}
		*got = scanned{field("Event"), field("EventKey"), field("Ticket"), field("FromUserName")}
		_, _ = io.WriteString(w, "success")
	})
}

func TestScanQRCode(t *testing.T) {
	t.Parallel()
	s, c := userClient(t)
	s.SetPushMode(PushPlain)
	var temp, perm qrAnswer
	require.Zero(t, post(t, c, PathQRCodeCreate, qrBody("QR_SCENE", 4000000000, "", 600), &temp))
	require.Zero(t, post(t, c, PathQRCodeCreate, qrBody("QR_LIMIT_STR_SCENE", 0, "poster", 0), &perm))
	require.NoError(t, s.AddUser(User{OpenID: "oGone", Unsubscribed: true, Remark: "老王", UnionID: "uGone"}))
	fan := s.AddFollowers(1)[0]
	var got scanned
	h := scanRecorder(&got)

	before := time.Now().Truncate(time.Second)
	reply, err := s.ScanQRCode(h, temp.Ticket, "oNew")
	require.NoError(t, err)
	assert.True(t, reply.Success())
	assert.Equal(t, scanned{"subscribe", "qrscene_4000000000", temp.Ticket, "oNew"}, got, "a new user follows")
	u, ok := s.User("oNew")
	require.True(t, ok)
	assert.False(t, u.Unsubscribed)
	assert.Equal(t, "ADD_SCENE_QR_CODE", u.SubscribeScene)
	assert.Equal(t, 4000000000, u.QRScene)
	assert.Empty(t, u.QRSceneStr)
	assert.False(t, u.SubscribeTime.Before(before))

	_, err = s.ScanQRCode(h, temp.Ticket, "oNew")
	require.NoError(t, err)
	assert.Equal(t, scanned{"SCAN", "4000000000", temp.Ticket, "oNew"}, got, "a follower scans")

	_, err = s.ScanQRCode(h, perm.Ticket, "oGone")
	require.NoError(t, err)
	assert.Equal(t, scanned{"subscribe", "qrscene_poster", perm.Ticket, "oGone"}, got, "a former follower follows again")
	u, _ = s.User("oGone")
	assert.False(t, u.Unsubscribed)
	assert.Equal(t, "poster", u.QRSceneStr)
	assert.Zero(t, u.QRScene)
	assert.Equal(t, "老王", u.Remark, "what the account knew stays")
	assert.Equal(t, "uGone", u.UnionID)

	_, err = s.ScanQRCode(h, perm.Ticket, fan)
	require.NoError(t, err)
	assert.Equal(t, scanned{"SCAN", "poster", perm.Ticket, fan}, got)
	u, _ = s.User(fan)
	assert.Equal(t, "ADD_SCENE_OTHERS", u.SubscribeScene, "a follower's scene does not change")

	var ids []string
	for id, err := range c.Followers(context.Background()) {
		require.NoError(t, err)
		ids = append(ids, id)
	}
	assert.ElementsMatch(t, []string{fan, "oNew", "oGone"}, ids, "the new followers are in the list")

	got = scanned{}
	s.ExpireQRCodes()
	_, err = s.ScanQRCode(h, temp.Ticket, "oOther")
	assert.ErrorContains(t, err, "expired")
	_, err = s.ScanQRCode(h, "nope", "oOther")
	assert.ErrorContains(t, err, "no QR code")
	_, err = s.ScanQRCode(h, perm.Ticket, "")
	assert.ErrorContains(t, err, "openid")
	assert.Equal(t, scanned{}, got, "nothing pushed")
	_, ok = s.User("oOther")
	assert.False(t, ok, "nobody followed")
}
