package wego_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"image/png"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wego-sdk/wego"
	"github.com/wego-sdk/wego/wegotest"
)

// A ticket of WeChat's shape with "+", "/" and "=": each must reach
// showqrcode escaped.
const ticketWithPlus = "gQF+8DwAAAAAAAAAAS5odHRwOi8vd2VpeGluLnFxLmNvbS9xLzAyd1BG/0JtUEpmdTIxUVFQSXh5Y0cAAgS0IetiAwSAUQEA=="

func TestRawQRCodeRequests(t *testing.T) {
	t.Parallel()
	runRawCases(t, []rawCase{
		{"QRCodeCreate temporary", func(ctx context.Context, w *wego.WeChatAPI) (json.RawMessage, error) {
			return w.QRCodeCreate(ctx, "QR_SCENE", 123, "", 604800)
		}, wantCall{method: "POST", path: "/cgi-bin/qrcode/create",
			body: `{"expire_seconds":604800,"action_name":"QR_SCENE","action_info":{"scene":{"scene_id":123}}}`}},
		{"QRCodeCreate permanent string", func(ctx context.Context, w *wego.WeChatAPI) (json.RawMessage, error) {
			return w.QRCodeCreate(ctx, "QR_LIMIT_STR_SCENE", 0, "a&b<c>", 0)
		}, wantCall{method: "POST", path: "/cgi-bin/qrcode/create",
			body: `{"action_name":"QR_LIMIT_STR_SCENE","action_info":{"scene":{"scene_str":"a&b<c>"}}}`}},
		{"QRCodeCreate as given, unchecked", func(ctx context.Context, w *wego.WeChatAPI) (json.RawMessage, error) {
			return w.QRCodeCreate(ctx, "QR_ANYTHING", 5, "s", -3)
		}, wantCall{method: "POST", path: "/cgi-bin/qrcode/create",
			body: `{"action_name":"QR_ANYTHING","action_info":{"scene":{"scene_id":5,"scene_str":"s"}}}`}},
		{"ShortURL", func(ctx context.Context, w *wego.WeChatAPI) (json.RawMessage, error) {
			return w.ShortURL(ctx, "https://example.com/a?b=1&c=2")
		}, wantCall{method: "POST", path: "/cgi-bin/shorturl",
			body: `{"action":"long2short","long_url":"https://example.com/a?b=1&c=2"}`}},
	})
}

const qrAnswer = `{"ticket":"` + ticketWithPlus + `","expire_seconds":%d,"url":"http://weixin.qq.com/q/02wPFKBmPJfu21QQPIxycG"}`

func qrAnswerWith(expire int) string {
	return strings.Replace(qrAnswer, "%d", strconv.Itoa(expire), 1)
}

func TestQRCodeCallRequests(t *testing.T) {
	t.Parallel()
	perm := `{"ticket":"T","url":"http://weixin.qq.com/q/02x"}`
	runMockCases(t, []mockCase{
		{"temporary integer scene", func(ctx context.Context, c *wego.Client) error {
			_, err := c.CreateQRCode(ctx, wego.QRCode{SceneID: 4294967295, ExpireIn: 30 * 24 * time.Hour})
			return err
		}, []wantCall{{method: "POST", path: "/cgi-bin/qrcode/create", answer: qrAnswerWith(2592000),
			body: `{"expire_seconds":2592000,"action_name":"QR_SCENE","action_info":{"scene":{"scene_id":4294967295}}}`}}},
		{"temporary string scene", func(ctx context.Context, c *wego.Client) error {
			_, err := c.CreateQRCode(ctx, wego.QRCode{SceneStr: "促销&<1>", ExpireIn: time.Hour})
			return err
		}, []wantCall{{method: "POST", path: "/cgi-bin/qrcode/create", answer: qrAnswerWith(3600),
			body: `{"expire_seconds":3600,"action_name":"QR_STR_SCENE","action_info":{"scene":{"scene_str":"促销&<1>"}}}`}}},
		{"temporary, WeChat's default expiry", func(ctx context.Context, c *wego.Client) error {
			_, err := c.CreateQRCode(ctx, wego.QRCode{SceneID: 1})
			return err
		}, []wantCall{{method: "POST", path: "/cgi-bin/qrcode/create", answer: qrAnswerWith(60),
			body: `{"action_name":"QR_SCENE","action_info":{"scene":{"scene_id":1}}}`}}},
		{"temporary, expiry rounded up to seconds", func(ctx context.Context, c *wego.Client) error {
			_, err := c.CreateQRCode(ctx, wego.QRCode{SceneID: 1, ExpireIn: 1500 * time.Millisecond})
			return err
		}, []wantCall{{method: "POST", path: "/cgi-bin/qrcode/create", answer: qrAnswerWith(2),
			body: `{"expire_seconds":2,"action_name":"QR_SCENE","action_info":{"scene":{"scene_id":1}}}`}}},
		{"permanent integer scene", func(ctx context.Context, c *wego.Client) error {
			_, err := c.CreateQRCode(ctx, wego.QRCode{SceneID: 100000, Permanent: true})
			return err
		}, []wantCall{{method: "POST", path: "/cgi-bin/qrcode/create", answer: perm,
			body: `{"action_name":"QR_LIMIT_SCENE","action_info":{"scene":{"scene_id":100000}}}`}}},
		{"permanent string scene", func(ctx context.Context, c *wego.Client) error {
			_, err := c.CreateQRCode(ctx, wego.QRCode{SceneStr: strings.Repeat("s", 64), Permanent: true})
			return err
		}, []wantCall{{method: "POST", path: "/cgi-bin/qrcode/create", answer: perm,
			body: `{"action_name":"QR_LIMIT_STR_SCENE","action_info":{"scene":{"scene_str":"` + strings.Repeat("s", 64) + `"}}}`}}},
		{"CreateShortURL", func(ctx context.Context, c *wego.Client) error {
			short, err := c.CreateShortURL(ctx, "weixin://wxpay/bizpayurl?pr=abc")
			assert.Equal(t, "https://w.url.cn/s/AvCo6Ih", short)
			return err
		}, []wantCall{{method: "POST", path: "/cgi-bin/shorturl", answer: `{"errcode":0,"errmsg":"ok","short_url":"https://w.url.cn/s/AvCo6Ih"}`,
			body: `{"action":"long2short","long_url":"weixin://wxpay/bizpayurl?pr=abc"}`}}},
	})
}

// What CreateQRCode makes of WeChat's answer: the ticket, the url, the
// image address and the expiry.
func TestCreateQRCodeResult(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := mockCalls(t, wantCall{method: "POST", path: "/cgi-bin/qrcode/create", answer: qrAnswerWith(600),
		body: `{"expire_seconds":600,"action_name":"QR_SCENE","action_info":{"scene":{"scene_id":7}}}`})
	before := time.Now()
	qr, err := c.CreateQRCode(ctx, wego.QRCode{SceneID: 7, ExpireIn: 10 * time.Minute})
	require.NoError(t, err)
	assert.Equal(t, ticketWithPlus, qr.Ticket)
	assert.Equal(t, "http://weixin.qq.com/q/02wPFKBmPJfu21QQPIxycG", qr.URL)
	assert.Equal(t, wego.ShowQRCodeURL(ticketWithPlus), qr.ImageURL)
	assert.WithinRange(t, qr.Expiry, before.Add(10*time.Minute), time.Now().Add(10*time.Minute))
	assert.False(t, qr.Permanent())

	// WeChat has been seen answering expire_seconds 0: what was asked holds,
	// or WeChat's default when nothing was.
	c = mockCalls(t,
		wantCall{method: "POST", path: "/cgi-bin/qrcode/create", answer: qrAnswerWith(0),
			body: `{"expire_seconds":90,"action_name":"QR_SCENE","action_info":{"scene":{"scene_id":7}}}`},
		wantCall{method: "POST", path: "/cgi-bin/qrcode/create", answer: qrAnswerWith(0),
			body: `{"action_name":"QR_SCENE","action_info":{"scene":{"scene_id":7}}}`})
	before = time.Now()
	qr, err = c.CreateQRCode(ctx, wego.QRCode{SceneID: 7, ExpireIn: 90 * time.Second})
	require.NoError(t, err)
	assert.WithinRange(t, qr.Expiry, before.Add(90*time.Second), time.Now().Add(90*time.Second))
	qr, err = c.CreateQRCode(ctx, wego.QRCode{SceneID: 7})
	require.NoError(t, err)
	assert.WithinRange(t, qr.Expiry, before.Add(wego.DefaultQRCodeExpiry), time.Now().Add(wego.DefaultQRCodeExpiry))

	c = mockCalls(t, wantCall{method: "POST", path: "/cgi-bin/qrcode/create", answer: `{"ticket":"T","url":"u"}`,
		body: `{"action_name":"QR_LIMIT_SCENE","action_info":{"scene":{"scene_id":7}}}`})
	qr, err = c.CreateQRCode(ctx, wego.QRCode{SceneID: 7, Permanent: true})
	require.NoError(t, err)
	assert.True(t, qr.Expiry.IsZero())
	assert.True(t, qr.Permanent())

	c = mockCalls(t, wantCall{method: "POST", path: "/cgi-bin/qrcode/create", answer: `{"url":"u"}`,
		body: `{"action_name":"QR_LIMIT_SCENE","action_info":{"scene":{"scene_id":7}}}`})
	_, err = c.CreateQRCode(ctx, wego.QRCode{SceneID: 7, Permanent: true})
	var he *wego.HTTPError
	require.ErrorAs(t, err, &he, "an answer without a ticket is no QR code")

	c = mockCalls(t, wantCall{method: "POST", path: "/cgi-bin/qrcode/create", answer: `{"errcode":40053,"errmsg":"invalid action info"}`,
		body: `{"action_name":"QR_LIMIT_SCENE","action_info":{"scene":{"scene_id":7}}}`})
	_, err = c.CreateQRCode(ctx, wego.QRCode{SceneID: 7, Permanent: true})
	var ae *wego.APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, 40053, ae.Code)
}

// imageMock returns a client whose requests go to httpmock, where
// showqrcode answers with answer after the request is checked: a GET on
// mp.weixin.qq.com with the ticket escaped, no access token, no body.
func imageMock(t *testing.T, answer func(r *http.Request) *http.Response) *wego.Client {
	t.Helper()
	mt, c := mockClient(t)
	var mu sync.Mutex
	calls := 0
	mt.RegisterNoResponder(func(r *http.Request) (*http.Response, error) {
		mu.Lock()
		calls++
		mu.Unlock()
		assert.Equal(t, http.MethodGet, r.Method)
		assert.Equal(t, "https", r.URL.Scheme)
		assert.Equal(t, "mp.weixin.qq.com", r.URL.Host)
		assert.Equal(t, "/cgi-bin/showqrcode", r.URL.Path)
		assert.Equal(t, "ticket="+strings.NewReplacer("+", "%2B", "/", "%2F", "=", "%3D").Replace(ticketWithPlus), r.URL.RawQuery,
			"the ticket alone, escaped, and no access token")
		if r.Body != nil {
			b, _ := io.ReadAll(r.Body)
			assert.Empty(t, b)
		}
		return answer(r), nil
	})
	t.Cleanup(func() {
		mu.Lock()
		defer mu.Unlock()
		assert.Equal(t, 1, calls, "one request")
	})
	return c
}

func respond(status int, contentType string, body []byte, length int64) *http.Response {
	r := httpmock.NewBytesResponse(status, body)
	r.Status = strconv.Itoa(status) + " " + http.StatusText(status)
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	r.ContentLength = length
	return r
}

// tinyPNG is a PNG to answer with.
func tinyPNG(t *testing.T) []byte {
	t.Helper()
	srv := wegotest.New(t)
	c, err := wego.NewClient(srv.Settings())
	require.NoError(t, err)
	qr, err := c.CreateQRCode(context.Background(), wego.QRCode{SceneID: 1, Permanent: true})
	require.NoError(t, err)
	var buf bytes.Buffer
	_, err = c.QRCodeImage(context.Background(), qr.Ticket, &buf)
	require.NoError(t, err)
	return buf.Bytes()
}

func TestQRCodeImageRequest(t *testing.T) {
	t.Parallel()
	img := tinyPNG(t)
	for _, name := range []string{"Client.QRCodeImage", "WeChatAPI.ShowQRCode"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c := imageMock(t, func(*http.Request) *http.Response {
				return respond(200, "image/jpg", img, int64(len(img)))
			})
			var buf bytes.Buffer
			var n int64
			var err error
			if name == "Client.QRCodeImage" {
				n, err = c.QRCodeImage(context.Background(), ticketWithPlus, &buf)
			} else {
				n, err = c.WeChat.ShowQRCode(context.Background(), ticketWithPlus, &buf)
			}
			require.NoError(t, err)
			assert.Equal(t, int64(len(img)), n)
			assert.Equal(t, img, buf.Bytes())
		})
	}
}

// signalWriter tells when the first bytes arrive.
type signalWriter struct {
	buf   bytes.Buffer
	first chan struct{}
	once  sync.Once
}

func (w *signalWriter) Write(p []byte) (int, error) {
	n, err := w.buf.Write(p)
	w.once.Do(func() { close(w.first) })
	return n, err
}

// The image reaches the writer while WeChat is still sending it: the
// second half is sent only once the first half was written.
func TestQRCodeImageStreams(t *testing.T) {
	t.Parallel()
	img := bytes.Repeat([]byte("0123456789abcdef"), 16<<10) // 256 KiB
	w := &signalWriter{first: make(chan struct{})}
	failed := make(chan string, 1)
	c := imageMock(t, func(*http.Request) *http.Response {
		pr, pw := io.Pipe()
		go func() {
			half := len(img) / 2
			if _, err := pw.Write(img[:half]); err != nil {
				return
			}
			select {
			case <-w.first:
				_, _ = pw.Write(img[half:])
				_ = pw.Close()
			case <-time.After(5 * time.Second):
				failed <- "nothing was written before the image ended: it was buffered"
				_ = pw.CloseWithError(errors.New("test: gave up"))
			}
		}()
		r := respond(200, "image/jpg", nil, -1)
		r.Body = pr
		return r
	})
	n, err := c.QRCodeImage(context.Background(), ticketWithPlus, w)
	select {
	case msg := <-failed:
		t.Fatal(msg)
	default:
	}
	require.NoError(t, err)
	assert.Equal(t, int64(len(img)), n)
	assert.True(t, bytes.Equal(img, w.buf.Bytes()))
}

// failingWriter fails every write.
type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestQRCodeImageFailures(t *testing.T) {
	t.Parallel()
	const mib = 1 << 20
	big := bytes.Repeat([]byte{0xff}, mib+1)
	tests := []struct {
		name    string
		answer  *http.Response
		is      []error
		status  int   // of the *HTTPError, 0 when there is none
		errcode int   // of the *APIError, 0 when there is none
		written int64 // bytes written before the error
	}{
		{"404: unknown or expired ticket", respond(404, "text/html", []byte("<html>not found</html>"), -1),
			[]error{wego.ErrQRCodeTicketInvalid}, 404, 0, 0},
		{"500", respond(500, "", nil, 0), nil, 500, 0, 0},
		{"JSON errcode in place of the image", respond(200, "application/json; charset=utf-8", []byte(`{"errcode":-1,"errmsg":"system error"}`), -1),
			nil, 0, -1, 0},
		{"an HTML page in place of the image", respond(200, "text/html; charset=utf-8", []byte("<html>oops</html>"), -1),
			nil, 200, 0, 0},
		{"announced over 1 MiB", respond(200, "image/jpg", big, int64(len(big))),
			[]error{wego.ErrResponseTooLarge}, 0, 0, 0},
		{"over 1 MiB, not announced", respond(200, "image/jpg", big, -1),
			[]error{wego.ErrResponseTooLarge}, 0, 0, mib},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := imageMock(t, func(*http.Request) *http.Response { return tt.answer })
			var buf bytes.Buffer
			n, err := c.QRCodeImage(context.Background(), ticketWithPlus, &buf)
			require.Error(t, err)
			assert.Equal(t, tt.written, n)
			assert.Equal(t, int(tt.written), buf.Len(), "what was written is what n says")
			for _, target := range tt.is {
				assert.ErrorIs(t, err, target)
			}
			if !slices.Contains(tt.is, wego.ErrQRCodeTicketInvalid) {
				assert.NotErrorIs(t, err, wego.ErrQRCodeTicketInvalid, "only WeChat's 404 says the ticket is bad")
			}
			var he *wego.HTTPError
			if tt.status != 0 {
				require.ErrorAs(t, err, &he)
				assert.Equal(t, tt.status, he.StatusCode)
				assert.Equal(t, "/cgi-bin/showqrcode", he.Endpoint)
			} else {
				assert.False(t, errors.As(err, &he), "no HTTPError: %v", err)
			}
			var ae *wego.APIError
			if tt.errcode != 0 {
				require.ErrorAs(t, err, &ae)
				assert.Equal(t, tt.errcode, ae.Code)
				assert.NotErrorIs(t, err, wego.ErrQRCodeTicketInvalid, "an errcode says nothing of the ticket")
			} else {
				assert.False(t, errors.As(err, &ae))
			}
		})
	}

	t.Run("exactly 1 MiB", func(t *testing.T) {
		t.Parallel()
		c := imageMock(t, func(*http.Request) *http.Response { return respond(200, "image/jpg", big[:mib], -1) })
		n, err := c.QRCodeImage(context.Background(), ticketWithPlus, io.Discard)
		require.NoError(t, err)
		assert.Equal(t, int64(mib), n)
	})
	t.Run("the writer fails", func(t *testing.T) {
		t.Parallel()
		c := imageMock(t, func(*http.Request) *http.Response { return respond(200, "image/jpg", []byte("jpeg"), 4) })
		_, err := c.QRCodeImage(context.Background(), ticketWithPlus, failingWriter{})
		assert.ErrorContains(t, err, "disk full")
	})
}

func TestShowQRCodeURL(t *testing.T) {
	t.Parallel()
	escaped := strings.NewReplacer("+", "%2B", "/", "%2F", "=", "%3D").Replace(ticketWithPlus)
	assert.Equal(t, "https://mp.weixin.qq.com/cgi-bin/showqrcode?ticket="+escaped, wego.ShowQRCodeURL(ticketWithPlus))

	_, c := mockClient(t)
	assert.Equal(t, wego.ShowQRCodeURL(ticketWithPlus), c.ShowQRCodeURL(ticketWithPlus), "WeChat's host by default")
	s := wego.Settings{AppID: "wx1", AppSecret: "s", QRCodeImageBaseURL: "http://127.0.0.1:8080/"}
	c, err := wego.NewClient(s)
	require.NoError(t, err)
	assert.Equal(t, "http://127.0.0.1:8080/cgi-bin/showqrcode?ticket="+escaped, c.ShowQRCodeURL(ticketWithPlus))

	s.QRCodeImageBaseURL = "mp.weixin.qq.com"
	_, err = wego.NewClient(s)
	var ie *wego.InitError
	require.ErrorAs(t, err, &ie)
	assert.True(t, ie.Has("QRCodeImageBaseURL"))
}

// The four kinds of QR code on wegotest: each made as asked, its image
// streamed without a token, its expiry kept.
func TestCreateQRCodeOnWegotest(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	ctx := context.Background()
	tests := []struct {
		name string
		q    wego.QRCode
	}{
		{"temporary integer", wego.QRCode{SceneID: 4294967295, ExpireIn: time.Hour}},
		{"temporary string", wego.QRCode{SceneStr: "促销-2024", ExpireIn: 30 * 24 * time.Hour}},
		{"temporary, WeChat's default expiry", wego.QRCode{SceneID: 42}},
		{"permanent integer", wego.QRCode{SceneID: 100000, Permanent: true}},
		{"permanent string", wego.QRCode{SceneStr: strings.Repeat("码", 21), Permanent: true}},
	}
	for _, tt := range tests {
		before := time.Now()
		qr, err := c.CreateQRCode(ctx, tt.q)
		require.NoError(t, err, tt.name)
		stored, ok := srv.QRCode(qr.Ticket)
		require.True(t, ok, tt.name)
		assert.Equal(t, wegotest.QRCode{Ticket: qr.Ticket, URL: qr.URL, SceneID: tt.q.SceneID, SceneStr: tt.q.SceneStr,
			Permanent: tt.q.Permanent, Expires: stored.Expires}, stored, tt.name)
		assert.Equal(t, srv.URL+"/cgi-bin/showqrcode?ticket="+strings.NewReplacer("+", "%2B", "/", "%2F", "=", "%3D").Replace(qr.Ticket),
			qr.ImageURL, tt.name)
		if tt.q.Permanent {
			assert.True(t, qr.Expiry.IsZero(), tt.name)
			continue
		}
		life := tt.q.ExpireIn
		if life == 0 {
			life = wego.DefaultQRCodeExpiry
		}
		assert.WithinRange(t, qr.Expiry, before.Add(life), time.Now().Add(life), tt.name)
		assert.False(t, qr.Expiry.After(stored.Expires), "%s: the SDK never thinks a code lives longer than WeChat does", tt.name)
	}

	qr, err := c.CreateQRCode(ctx, wego.QRCode{SceneStr: "img", ExpireIn: time.Minute})
	require.NoError(t, err)
	tokens := srv.TokenRequests()
	var buf bytes.Buffer
	n, err := c.QRCodeImage(ctx, qr.Ticket, &buf)
	require.NoError(t, err)
	assert.Equal(t, int64(buf.Len()), n)
	resp, err := srv.Settings().HTTPClient.Get(qr.ImageURL)
	require.NoError(t, err)
	direct, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.NoError(t, err)
	assert.Equal(t, direct, buf.Bytes(), "the bytes of the image")
	_, err = png.Decode(bytes.NewReader(buf.Bytes()))
	require.NoError(t, err, "a PNG")
	assert.Equal(t, tokens, srv.TokenRequests(), "the image needs no access token")

	srv.ExpireQRCodes()
	buf.Reset()
	n, err = c.QRCodeImage(ctx, qr.Ticket, &buf)
	require.ErrorIs(t, err, wego.ErrQRCodeTicketInvalid, "an expired code")
	var he *wego.HTTPError
	require.ErrorAs(t, err, &he)
	assert.Equal(t, http.StatusNotFound, he.StatusCode)
	assert.Zero(t, n)
	assert.Zero(t, buf.Len())
	_, err = c.QRCodeImage(ctx, "gQF+unknown==", &buf)
	assert.ErrorIs(t, err, wego.ErrQRCodeTicketInvalid, "an unknown ticket")
}

// A QR code scanned in wegotest arrives at PushHandler with the scene it
// was made with: PushScanSubscribe for a user who follows by scanning it,
// PushScan for a follower; temporary and permanent, integer and string
// scenes. The user who followed has the code's scene in user/info.
func TestQRCodeScanArrivesWithItsScene(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		q     wego.QRCode
		scene string
	}{
		{"temporary string", wego.QRCode{SceneStr: "poster-42", ExpireIn: time.Hour}, "poster-42"},
		{"temporary integer", wego.QRCode{SceneID: 4000000000, ExpireIn: time.Hour}, "4000000000"},
		{"permanent string", wego.QRCode{SceneStr: "门店_7", Permanent: true}, "门店_7"},
		{"permanent integer", wego.QRCode{SceneID: 100000, Permanent: true}, "100000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, c := setup(t)
			ctx := context.Background()
			type seen struct{ typ, scene, ticket, from string }
			var mu sync.Mutex
			var got []seen
			mux := http.NewServeMux()
			mux.Handle("/wechat", c.PushHandler(func(_ context.Context, p *wego.Push) (wego.Reply, error) {
				mu.Lock()
				got = append(got, seen{p.Type, p.Scene(), p.Ticket(), p.FromUser})
				mu.Unlock()
				return wego.Text("scene " + p.Scene()), nil
			}))
			srv.SetApp(mux)

			qr, err := c.CreateQRCode(ctx, tt.q)
			require.NoError(t, err)
			reply, err := srv.ScanQRCode("/wechat", qr.Ticket, "oNewcomer")
			require.NoError(t, err)
			assert.Equal(t, "scene "+tt.scene, reply.Get("Content"))
			reply, err = srv.ScanQRCode("/wechat", qr.Ticket, "oNewcomer")
			require.NoError(t, err)
			assert.Equal(t, "scene "+tt.scene, reply.Get("Content"))
			mu.Lock()
			assert.Equal(t, []seen{
				{wego.PushScanSubscribe, tt.scene, qr.Ticket, "oNewcomer"},
				{wego.PushScan, tt.scene, qr.Ticket, "oNewcomer"},
			}, got)
			mu.Unlock()

			u, err := c.GetExtUserInfo(ctx, "oNewcomer")
			require.NoError(t, err)
			in, err := u.Ext(ctx)
			require.NoError(t, err)
			assert.True(t, in.Subscribed)
			assert.Equal(t, "ADD_SCENE_QR_CODE", in.SubscribeScene)
			assert.Equal(t, tt.q.SceneStr, in.QRSceneStr)
			assert.Equal(t, int(tt.q.SceneID), in.QRScene)
		})
	}
}

// Bad input is refused before anything is sent, with an error that names
// the field and wraps one of the two sentinels.
func TestQRCodeBadInputSendsNothing(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	ctx := context.Background()
	create := func(q wego.QRCode) func() error {
		return func() error { _, err := c.CreateQRCode(ctx, q); return err }
	}
	tests := []struct {
		name     string
		call     func() error
		sentinel error
		says     string
	}{
		{"no scene", create(wego.QRCode{ExpireIn: time.Hour}), wego.ErrMissingParameter, "scene: set SceneID or SceneStr"},
		{"no scene, permanent", create(wego.QRCode{Permanent: true}), wego.ErrMissingParameter, "scene"},
		{"both scenes", create(wego.QRCode{SceneID: 1, SceneStr: "a"}), wego.ErrInvalidParameter, "scene: both SceneID and SceneStr"},
		{"permanent scene 100001", create(wego.QRCode{SceneID: 100001, Permanent: true}), wego.ErrInvalidParameter, "SceneID: 100001: a permanent QR code's scene is 1 to 100000"},
		{"permanent scene negative", create(wego.QRCode{SceneID: -1, Permanent: true}), wego.ErrInvalidParameter, "SceneID: -1"},
		{"temporary scene past 32 bits", create(wego.QRCode{SceneID: 4294967296}), wego.ErrInvalidParameter, "SceneID: 4294967296: a temporary QR code's scene is 1 to 4294967295"},
		{"temporary scene negative", create(wego.QRCode{SceneID: -5}), wego.ErrInvalidParameter, "SceneID: -5"},
		{"65-byte scene", create(wego.QRCode{SceneStr: strings.Repeat("x", 65)}), wego.ErrInvalidParameter, "SceneStr: 65 bytes, at most 64"},
		{"22 Chinese characters", create(wego.QRCode{SceneStr: strings.Repeat("码", 22), Permanent: true}), wego.ErrInvalidParameter, "SceneStr: 66 bytes"},
		{"scene not UTF-8", create(wego.QRCode{SceneStr: "a\xffb"}), wego.ErrInvalidParameter, "SceneStr: not valid UTF-8"},
		{"31-day expiry", create(wego.QRCode{SceneID: 1, ExpireIn: 31 * 24 * time.Hour}), wego.ErrInvalidParameter, "ExpireIn: 744h0m0s, at most 720h0m0s"},
		{"30 days and a second", create(wego.QRCode{SceneID: 1, ExpireIn: 30*24*time.Hour + time.Second}), wego.ErrInvalidParameter, "ExpireIn"},
		{"negative expiry", create(wego.QRCode{SceneID: 1, ExpireIn: -time.Second}), wego.ErrInvalidParameter, "ExpireIn: -1s is negative"},
		{"expiry on a permanent code", create(wego.QRCode{SceneID: 1, Permanent: true, ExpireIn: time.Hour}), wego.ErrInvalidParameter, "ExpireIn: 1h0m0s on a permanent QR code"},
		{"QRCodeImage without a ticket", func() error { _, err := c.QRCodeImage(ctx, "", io.Discard); return err }, wego.ErrMissingParameter, "ticket"},
		{"QRCodeImage without a writer", func() error { _, err := c.QRCodeImage(ctx, "T", nil); return err }, wego.ErrMissingParameter, "writer"},
		{"CreateShortURL empty", func() error { _, err := c.CreateShortURL(ctx, ""); return err }, wego.ErrMissingParameter, "long_url"},
		{"CreateShortURL ftp", func() error { _, err := c.CreateShortURL(ctx, "ftp://example.com/a"); return err }, wego.ErrInvalidParameter, "long_url: must be an http://, https:// or weixin://wxpay URL"},
		{"CreateShortURL scheme alone", func() error { _, err := c.CreateShortURL(ctx, "https://"); return err }, wego.ErrInvalidParameter, "long_url"},
		{"CreateShortURL relative", func() error { _, err := c.CreateShortURL(ctx, "/a/b"); return err }, wego.ErrInvalidParameter, "long_url"},
	}
	for _, tt := range tests {
		err := tt.call()
		require.ErrorIs(t, err, tt.sentinel, tt.name)
		assert.Contains(t, err.Error(), tt.says, tt.name)
	}
	assert.Zero(t, srv.Requests(wegotest.PathQRCodeCreate), "no QR code request")
	assert.Zero(t, srv.Requests(wegotest.PathShowQRCode), "no image request")
	assert.Zero(t, srv.Requests(wegotest.PathShortURL), "no shorturl request")
	assert.Zero(t, srv.TokenRequests(), "not even a token request")
}

// WeChat retired shorturl: wegotest answers as WeChat has since 2023.
func TestCreateShortURLIsRetired(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	short, err := c.CreateShortURL(context.Background(), "https://example.com/very/long?x=1")
	assert.Empty(t, short)
	var ae *wego.APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, wego.CodeAPIUnsupported, ae.Code)
	assert.Equal(t, "/cgi-bin/shorturl", ae.Endpoint)
	assert.Contains(t, ae.Msg, "This API has been unsupported")
	assert.Equal(t, 1, srv.Requests(wegotest.PathShortURL))

	// From 2021-03-15 to 2023, WeChat answered the long URL itself: returned as it came.
	long := "https://example.com/very/long?x=1"
	c = mockCalls(t, wantCall{method: "POST", path: "/cgi-bin/shorturl",
		body:   `{"action":"long2short","long_url":"` + long + `"}`,
		answer: `{"errcode":0,"errmsg":"ok","short_url":"` + long + `"}`})
	short, err = c.CreateShortURL(context.Background(), long)
	require.NoError(t, err)
	assert.Equal(t, long, short)

	c = mockCalls(t, wantCall{method: "POST", path: "/cgi-bin/shorturl",
		body: `{"action":"long2short","long_url":"` + long + `"}`, answer: `{"errcode":0,"errmsg":"ok"}`})
	_, err = c.CreateShortURL(context.Background(), long)
	var he *wego.HTTPError
	require.ErrorAs(t, err, &he, "an answer without a short_url")
}
