package wego_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wego-sdk/wego"
	"github.com/wego-sdk/wego/internal/mediatest"
)

// exchange is a request of the material calls, checked as mockCalls checks
// JSON requests, multipart uploads included, and the answer it gets.
type exchange struct {
	method string
	path   string
	query  url.Values  // besides access_token
	json   string      // the JSON body; "" for none
	upload *wantUpload // the multipart body of an upload
	answer *http.Response
}

// wantUpload is the multipart/form-data body an upload must send.
type wantUpload struct {
	fileName string // of the part "media"
	fileType string // its Content-Type
	file     []byte
	fields   map[string]string // the other form fields
	length   bool              // Content-Length announced
}

func jsonAnswer(body string) *http.Response {
	return respond(200, "application/json; charset=utf-8", []byte(body), int64(len(body)))
}

// mockExchanges returns a client whose requests go to httpmock and must be
// calls, in that order.
func mockExchanges(t *testing.T, calls ...exchange) *wego.Client {
	t.Helper()
	return mockSequence(t, len(calls), func(next int, r *http.Request) *http.Response {
		w := calls[next-1]
		assert.Equal(t, w.method, r.Method, "request %d", next)
		assert.Equal(t, "api.weixin.qq.com", r.URL.Host)
		assert.Equal(t, w.path, r.URL.Path, "request %d", next)
		q := r.URL.Query()
		assert.Equal(t, "TOKEN", q.Get("access_token"), "request %d carries the token", next)
		q.Del("access_token")
		want := w.query
		if want == nil {
			want = url.Values{}
		}
		assert.Equal(t, want, q, "request %d: %s query", next, w.path)
		var body []byte
		if r.Body != nil {
			body, _ = io.ReadAll(r.Body)
		}
		switch {
		case w.upload != nil:
			checkUpload(t, r, body, w.upload)
		case w.json != "":
			assert.JSONEq(t, w.json, string(body), "request %d: %s body", next, w.path)
			assert.Equal(t, "application/json; charset=utf-8", r.Header.Get("Content-Type"))
		default:
			assert.Empty(t, body, "request %d: %s has no body", next, w.path)
		}
		if w.answer == nil {
			return jsonAnswer(`{"errcode":0,"errmsg":"ok"}`)
		}
		return w.answer
	})
}

// checkUpload checks a multipart/form-data body: the file in "media" with
// its name, Content-Type and bytes, and the other fields.
func checkUpload(t *testing.T, r *http.Request, body []byte, w *wantUpload) {
	t.Helper()
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	require.NoError(t, err)
	require.Equal(t, "multipart/form-data", mt)
	if w.length {
		assert.Equal(t, int64(len(body)), r.ContentLength, "Content-Length announced, and right")
	} else {
		assert.Equal(t, int64(-1), r.ContentLength, "a body of unknown length")
	}
	mr := multipart.NewReader(bytes.NewReader(body), params["boundary"])
	fields := map[string]string{}
	files := 0
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		require.NoError(t, err)
		data, err := io.ReadAll(p)
		require.NoError(t, err)
		if p.FormName() == "media" {
			files++
			assert.Equal(t, w.fileName, p.FileName())
			assert.Equal(t, w.fileType, p.Header.Get("Content-Type"))
			assert.True(t, bytes.Equal(w.file, data), "the file's %d bytes, sent as given (%d sent)", len(w.file), len(data))
			continue
		}
		fields[p.FormName()] = string(data)
	}
	assert.Equal(t, 1, files, "one file, in the field media")
	if w.fields == nil {
		w.fields = map[string]string{}
	}
	assert.Equal(t, w.fields, fields)
}

// onlyReader hides every method of a reader but Read: its size is unknown
// and it cannot seek.
type onlyReader struct{ r io.Reader }

func (o onlyReader) Read(p []byte) (int, error) { return o.r.Read(p) }

// Files of each format.
var (
	jpegFile  = mediatest.JPEG(32, 32)
	pngFile   = mediatest.PNG(16, 16)
	amrFile   = mediatest.AMR(150, false) // 3 s
	mp4File   = mediatest.MP4(3000)
	thumbFile = mediatest.JPEG(8, 8)
)

const newsAnswer = `{"news_item":[{"title":"T1","thumb_media_id":"TH","show_cover_pic":1,"author":"A","digest":"D",
	"content":"<p>C</p>","url":"http://mp.weixin.qq.com/s?x","content_source_url":"https://example.com","thumb_url":"http://mmbiz/x",
	"need_open_comment":1,"only_fans_can_comment":0}]}`

var newsMaterialArticle = wego.NewsArticle{
	Title: "T1", ThumbMediaID: "TH", ShowCoverPic: true, Author: "A", Digest: "D", Content: "<p>C</p>",
	ContentSourceURL: "https://example.com", NeedOpenComment: true, URL: "http://mp.weixin.qq.com/s?x", ThumbURL: "http://mmbiz/x",
}

const newsMaterialJSON = `{"title":"T1","thumb_media_id":"TH","author":"A","digest":"D","show_cover_pic":1,"content":"<p>C</p>",
	"content_source_url":"https://example.com","need_open_comment":1}`

func TestRawMaterialRequests(t *testing.T) {
	t.Parallel()
	runRawCases(t, []rawCase{
		{"MaterialAddNews", func(ctx context.Context, w *wego.WeChatAPI) (json.RawMessage, error) {
			return w.MaterialAddNews(ctx, []wego.NewsArticle{newsMaterialArticle})
		}, wantCall{method: "POST", path: "/cgi-bin/material/add_news", body: `{"articles":[` + newsMaterialJSON + `]}`}},
		{"MaterialUpdateNews", func(ctx context.Context, w *wego.WeChatAPI) (json.RawMessage, error) {
			return w.MaterialUpdateNews(ctx, "M1", 2, newsMaterialArticle)
		}, wantCall{method: "POST", path: "/cgi-bin/material/update_news", body: `{"media_id":"M1","index":2,"articles":` + newsMaterialJSON + `}`}},
		{"MaterialDelMaterial", func(ctx context.Context, w *wego.WeChatAPI) (json.RawMessage, error) {
			return w.MaterialDelMaterial(ctx, "M1")
		}, wantCall{method: "POST", path: "/cgi-bin/material/del_material", body: `{"media_id":"M1"}`}},
		{"MaterialGetMaterialCount", func(ctx context.Context, w *wego.WeChatAPI) (json.RawMessage, error) {
			return w.MaterialGetMaterialCount(ctx)
		}, wantCall{method: "GET", path: "/cgi-bin/material/get_materialcount"}},
		{"MaterialBatchGetMaterial", func(ctx context.Context, w *wego.WeChatAPI) (json.RawMessage, error) {
			return w.MaterialBatchGetMaterial(ctx, "image", 40, 20)
		}, wantCall{method: "POST", path: "/cgi-bin/material/batchget_material", body: `{"type":"image","offset":40,"count":20}`}},
	})
}

// The raw uploads send what they are given, unchecked: the Content-Type
// the extension names, the bytes as they are, a description for a video.
func TestRawMaterialUploads(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	text := []byte("not an image at all")
	c := mockExchanges(t,
		exchange{method: "POST", path: "/cgi-bin/media/upload", query: url.Values{"type": {"anything"}},
			upload: &wantUpload{fileName: "x.png", fileType: "image/png", file: text, length: true},
			answer: jsonAnswer(`{"type":"anything","media_id":"M","created_at":1}`)},
		exchange{method: "POST", path: "/cgi-bin/media/uploadimg",
			upload: &wantUpload{fileName: "a.webp", fileType: "application/octet-stream", file: text, length: true}, // shorter than the bytes read to sniff: known
			answer: jsonAnswer(`{"url":"http://mmbiz.qpic.cn/x"}`)},
		exchange{method: "POST", path: "/cgi-bin/material/add_material", query: url.Values{"type": {"video"}},
			upload: &wantUpload{fileName: "v.mp4", fileType: "video/mp4", file: mp4File, length: true,
				fields: map[string]string{"description": `{"title":"片 & <1>","introduction":""}`}},
			answer: jsonAnswer(`{"media_id":"V"}`)},
		exchange{method: "POST", path: "/cgi-bin/material/add_material", query: url.Values{"type": {"image"}},
			upload: &wantUpload{fileName: "cat.jpg", fileType: "image/jpeg", file: jpegFile, length: true},
			answer: jsonAnswer(`{"media_id":"I","url":"http://mmbiz.qpic.cn/y"}`)},
	)
	raw, err := c.WeChat.MediaUpload(ctx, "anything", wego.Media{Name: "dir/x.png", Body: bytes.NewReader(text)})
	require.NoError(t, err)
	assert.JSONEq(t, `{"type":"anything","media_id":"M","created_at":1}`, string(raw))
	raw, err = c.WeChat.MediaUploadImg(ctx, wego.Media{Name: "a.webp", Body: onlyReader{bytes.NewReader(text)}})
	require.NoError(t, err)
	assert.JSONEq(t, `{"url":"http://mmbiz.qpic.cn/x"}`, string(raw))
	raw, err = c.WeChat.MaterialAddMaterial(ctx, "video", wego.Media{Name: "v.mp4", Body: bytes.NewReader(mp4File)}, "片 & <1>", "")
	require.NoError(t, err)
	assert.JSONEq(t, `{"media_id":"V"}`, string(raw))
	_, err = c.WeChat.MaterialAddMaterial(ctx, "image", wego.Media{Name: "cat.jpg", Body: bytes.NewReader(jpegFile)}, "ignored", "ignored")
	require.NoError(t, err)
}

// The raw downloads copy the file into the writer, or return the JSON
// WeChat answered in its place.
func TestRawMaterialDownloads(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := mockExchanges(t,
		exchange{method: "GET", path: "/cgi-bin/media/get", query: url.Values{"media_id": {"M1"}},
			answer: respond(200, "image/jpeg", jpegFile, int64(len(jpegFile)))},
		exchange{method: "GET", path: "/cgi-bin/media/get", query: url.Values{"media_id": {"V1"}},
			answer: jsonAnswer(`{"video_url":"http://v.weixin.qq.com/x"}`)},
		exchange{method: "POST", path: "/cgi-bin/material/get_material", json: `{"media_id":"P1"}`,
			answer: respond(200, "audio/amr", amrFile, -1)},
		exchange{method: "POST", path: "/cgi-bin/material/get_material", json: `{"media_id":"N1"}`,
			answer: jsonAnswer(newsAnswer)},
	)
	var buf bytes.Buffer
	n, answer, err := c.WeChat.MediaGet(ctx, "M1", &buf)
	require.NoError(t, err)
	assert.Equal(t, int64(len(jpegFile)), n)
	assert.Nil(t, answer)
	assert.True(t, bytes.Equal(jpegFile, buf.Bytes()))

	buf.Reset()
	n, answer, err = c.WeChat.MediaGet(ctx, "V1", &buf)
	require.NoError(t, err)
	assert.Zero(t, n)
	assert.JSONEq(t, `{"video_url":"http://v.weixin.qq.com/x"}`, string(answer))
	assert.Zero(t, buf.Len())

	n, answer, err = c.WeChat.MaterialGetMaterial(ctx, "P1", &buf)
	require.NoError(t, err)
	assert.Equal(t, int64(len(amrFile)), n)
	assert.Nil(t, answer)
	assert.True(t, bytes.Equal(amrFile, buf.Bytes()))

	n, answer, err = c.WeChat.MaterialGetMaterial(ctx, "N1", &buf)
	require.NoError(t, err)
	assert.Zero(t, n)
	assert.JSONEq(t, newsAnswer, string(answer))

	_, _, err = c.WeChat.MediaGet(ctx, "M1", nil)
	assert.ErrorIs(t, err, wego.ErrMissingParameter)
	_, _, err = c.WeChat.MaterialGetMaterial(ctx, "M1", nil)
	assert.ErrorIs(t, err, wego.ErrMissingParameter)
}

// mockExchangeCase is a call of the Client and the requests it must make.
type mockExchangeCase struct {
	name  string
	call  func(ctx context.Context, c *wego.Client) error
	calls []exchange
}

func TestMaterialCallRequests(t *testing.T) {
	t.Parallel()
	page := func(ids ...string) string {
		items := make([]map[string]any, len(ids))
		for i, id := range ids {
			items[i] = map[string]any{"media_id": id, "name": id + ".jpg", "update_time": 1714550400, "url": "http://mmbiz/" + id}
		}
		return jsonOf(t, map[string]any{"total_count": 3, "item_count": len(ids), "item": items})
	}
	batch := func(offset int) string {
		return jsonOf(t, map[string]any{"type": "image", "offset": offset, "count": 20})
	}
	cases := []mockExchangeCase{
		{"AddTemporaryMaterial image, size known", func(ctx context.Context, c *wego.Client) error {
			m, err := c.AddTemporaryMaterial(ctx, wego.MediaImage, wego.Media{Name: "photos/cat.jpg", Body: bytes.NewReader(jpegFile)})
			if err == nil {
				assert.Equal(t, wego.TemporaryMedia{Type: wego.MediaImage, MediaID: "M1", CreatedAt: time.Unix(1714550400, 0),
					Expiry: time.Unix(1714550400, 0).Add(72 * time.Hour)}, *m)
			}
			return err
		}, []exchange{{method: "POST", path: "/cgi-bin/media/upload", query: url.Values{"type": {"image"}},
			upload: &wantUpload{fileName: "cat.jpg", fileType: "image/jpeg", file: jpegFile, length: true},
			answer: jsonAnswer(`{"type":"image","media_id":"M1","created_at":1714550400}`)}}},
		{"AddTemporaryMaterial voice, size unknown", func(ctx context.Context, c *wego.Client) error {
			_, err := c.AddTemporaryMaterial(ctx, wego.MediaVoice, wego.Media{Name: "hi.amr", Body: onlyReader{bytes.NewReader(amrFile)}})
			return err
		}, []exchange{{method: "POST", path: "/cgi-bin/media/upload", query: url.Values{"type": {"voice"}},
			upload: &wantUpload{fileName: "hi.amr", fileType: "audio/amr", file: amrFile},
			answer: jsonAnswer(`{"type":"voice","media_id":"M2","created_at":"1714550400"}`)}}},
		{"AddTemporaryMaterial thumb: thumb_media_id", func(ctx context.Context, c *wego.Client) error {
			m, err := c.AddTemporaryMaterial(ctx, wego.MediaThumb, wego.Media{Name: "t.JPG", Body: onlyReader{bytes.NewReader(thumbFile)}, Size: int64(len(thumbFile))})
			if err == nil {
				assert.Equal(t, "T1", m.MediaID)
			}
			return err
		}, []exchange{{method: "POST", path: "/cgi-bin/media/upload", query: url.Values{"type": {"thumb"}},
			upload: &wantUpload{fileName: "t.JPG", fileType: "image/jpeg", file: thumbFile, length: true},
			answer: jsonAnswer(`{"type":"thumb","thumb_media_id":"T1","created_at":1714550400}`)}}},
		{"GetTemporaryMaterial", func(ctx context.Context, c *wego.Client) error {
			var buf bytes.Buffer
			m, err := c.GetTemporaryMaterial(ctx, "M1", &buf)
			if err == nil {
				assert.Equal(t, wego.TemporaryMaterial{Written: int64(len(pngFile)), ContentType: "image/png", FileName: "M1.png"}, *m)
				assert.True(t, bytes.Equal(pngFile, buf.Bytes()))
			}
			return err
		}, []exchange{{method: "GET", path: "/cgi-bin/media/get", query: url.Values{"media_id": {"M1"}},
			answer: withHeader(respond(200, "image/png", pngFile, int64(len(pngFile))), "Content-disposition", `attachment; filename="M1.png"`)}}},
		{"GetTemporaryMaterial video", func(ctx context.Context, c *wego.Client) error {
			m, err := c.GetTemporaryMaterial(ctx, "V1", io.Discard)
			if err == nil {
				assert.Equal(t, wego.TemporaryMaterial{VideoURL: "http://v.weixin.qq.com/v"}, *m)
			}
			return err
		}, []exchange{{method: "GET", path: "/cgi-bin/media/get", query: url.Values{"media_id": {"V1"}},
			answer: respond(200, "text/plain", []byte(`{"video_url":"http://v.weixin.qq.com/v"}`), -1)}}},
		{"AddPermanentMaterial", func(ctx context.Context, c *wego.Client) error {
			id, err := c.AddPermanentMaterial(ctx, []wego.NewsArticle{newsMaterialArticle})
			assert.Equal(t, "N1", id)
			return err
		}, []exchange{{method: "POST", path: "/cgi-bin/material/add_news", json: `{"articles":[` + newsMaterialJSON + `]}`,
			answer: jsonAnswer(`{"media_id":"N1"}`)}}},
		{"UploadContentPicture", func(ctx context.Context, c *wego.Client) error {
			u, err := c.UploadContentPicture(ctx, wego.Media{Name: "in.png", Body: bytes.NewReader(pngFile)})
			assert.Equal(t, "http://mmbiz.qpic.cn/mmbiz_png/x/0", u)
			return err
		}, []exchange{{method: "POST", path: "/cgi-bin/media/uploadimg",
			upload: &wantUpload{fileName: "in.png", fileType: "image/png", file: pngFile, length: true},
			answer: jsonAnswer(`{"url":"http://mmbiz.qpic.cn/mmbiz_png/x/0"}`)}}},
		{"AddOtherMaterial video with its description", func(ctx context.Context, c *wego.Client) error {
			m, err := c.AddOtherMaterial(ctx, wego.OtherMaterial{Type: wego.MediaVideo, Media: wego.Media{Name: "clip.mp4", Body: bytes.NewReader(mp4File)},
				Title: "开业 & <1>", Introduction: "第一天"})
			if err == nil {
				assert.Equal(t, wego.PermanentMedia{MediaID: "V9"}, *m)
			}
			return err
		}, []exchange{{method: "POST", path: "/cgi-bin/material/add_material", query: url.Values{"type": {"video"}},
			upload: &wantUpload{fileName: "clip.mp4", fileType: "video/mp4", file: mp4File, length: true,
				fields: map[string]string{"description": `{"title":"开业 & <1>","introduction":"第一天"}`}},
			answer: jsonAnswer(`{"media_id":"V9"}`)}}},
		{"AddOtherMaterial image", func(ctx context.Context, c *wego.Client) error {
			m, err := c.AddOtherMaterial(ctx, wego.OtherMaterial{Type: wego.MediaImage, Media: wego.Media{Name: "cat.jpeg", Body: bytes.NewReader(jpegFile)}})
			if err == nil {
				assert.Equal(t, wego.PermanentMedia{MediaID: "I9", URL: "http://mmbiz.qpic.cn/i"}, *m)
			}
			return err
		}, []exchange{{method: "POST", path: "/cgi-bin/material/add_material", query: url.Values{"type": {"image"}},
			upload: &wantUpload{fileName: "cat.jpeg", fileType: "image/jpeg", file: jpegFile, length: true},
			answer: jsonAnswer(`{"media_id":"I9","url":"http://mmbiz.qpic.cn/i"}`)}}},
		{"GetPermanentMaterial file", func(ctx context.Context, c *wego.Client) error {
			var buf bytes.Buffer
			m, err := c.GetPermanentMaterial(ctx, "I9", &buf)
			if err == nil {
				assert.Equal(t, wego.PermanentMaterial{Written: int64(len(jpegFile)), ContentType: "image/jpeg", FileName: "cat.jpeg"}, *m)
				assert.True(t, bytes.Equal(jpegFile, buf.Bytes()))
			}
			return err
		}, []exchange{{method: "POST", path: "/cgi-bin/material/get_material", json: `{"media_id":"I9"}`,
			answer: withHeader(respond(200, "image/jpeg", jpegFile, int64(len(jpegFile))), "Content-Disposition", `attachment; filename="cat.jpeg"`)}}},
		{"GetPermanentMaterial news", func(ctx context.Context, c *wego.Client) error {
			m, err := c.GetPermanentMaterial(ctx, "N1", io.Discard)
			if err == nil {
				assert.Equal(t, wego.PermanentMaterial{News: []wego.NewsArticle{newsMaterialArticle}}, *m)
			}
			return err
		}, []exchange{{method: "POST", path: "/cgi-bin/material/get_material", json: `{"media_id":"N1"}`, answer: jsonAnswer(newsAnswer)}}},
		{"GetPermanentMaterial video", func(ctx context.Context, c *wego.Client) error {
			m, err := c.GetPermanentMaterial(ctx, "V9", io.Discard)
			if err == nil {
				assert.Equal(t, wego.PermanentMaterial{Video: &wego.VideoMaterial{Title: "开业", Description: "第一天", DownURL: "http://v/x"}}, *m)
			}
			return err
		}, []exchange{{method: "POST", path: "/cgi-bin/material/get_material", json: `{"media_id":"V9"}`,
			answer: jsonAnswer(`{"title":"开业","description":"第一天","down_url":"http://v/x"}`)}}},
		{"DeleteMaterial", func(ctx context.Context, c *wego.Client) error {
			return c.DeleteMaterial(ctx, "I9")
		}, []exchange{{method: "POST", path: "/cgi-bin/material/del_material", json: `{"media_id":"I9"}`}}},
		{"UpdateMaterial", func(ctx context.Context, c *wego.Client) error {
			return c.UpdateMaterial(ctx, "N1", 1, newsMaterialArticle)
		}, []exchange{{method: "POST", path: "/cgi-bin/material/update_news", json: `{"media_id":"N1","index":1,"articles":` + newsMaterialJSON + `}`}}},
		{"GetMaterialsCount", func(ctx context.Context, c *wego.Client) error {
			n, err := c.GetMaterialsCount(ctx)
			if err == nil {
				assert.Equal(t, wego.MaterialsCount{Voice: 1, Video: 2, Image: 3, News: 4}, *n)
			}
			return err
		}, []exchange{{method: "GET", path: "/cgi-bin/material/get_materialcount",
			answer: jsonAnswer(`{"voice_count":1,"video_count":2,"image_count":3,"news_count":4}`)}}},
		{"GetMaterialsList", func(ctx context.Context, c *wego.Client) error {
			p, err := c.GetMaterialsList(ctx, wego.MediaImage, 1, 2)
			if err == nil {
				assert.Equal(t, 3, p.Total)
				assert.Equal(t, []wego.Material{
					{MediaID: "b", Type: wego.MediaImage, Name: "b.jpg", URL: "http://mmbiz/b", UpdateTime: time.Unix(1714550400, 0)},
					{MediaID: "c", Type: wego.MediaImage, Name: "c.jpg", URL: "http://mmbiz/c", UpdateTime: time.Unix(1714550400, 0)},
				}, p.Items)
			}
			return err
		}, []exchange{{method: "POST", path: "/cgi-bin/material/batchget_material", json: `{"type":"image","offset":1,"count":2}`,
			answer: jsonAnswer(page("b", "c"))}}},
		{"Materials, page after page", func(ctx context.Context, c *wego.Client) error {
			var ids []string
			for m, err := range c.Materials(ctx, wego.MediaImage) {
				if err != nil {
					return err
				}
				ids = append(ids, m.MediaID)
			}
			assert.Equal(t, []string{"a", "b", "c"}, ids)
			return nil
		}, []exchange{
			{method: "POST", path: "/cgi-bin/material/batchget_material", json: batch(0), answer: jsonAnswer(page("a", "b"))},
			{method: "POST", path: "/cgi-bin/material/batchget_material", json: batch(2), answer: jsonAnswer(page("c"))},
		}},
		{"Materials of news", func(ctx context.Context, c *wego.Client) error {
			for m, err := range c.Materials(ctx, wego.MediaNews) {
				if err != nil {
					return err
				}
				assert.Equal(t, wego.Material{MediaID: "N1", Type: wego.MediaNews, UpdateTime: time.Unix(1714550400, 0),
					News: []wego.NewsArticle{newsMaterialArticle}}, m)
			}
			return nil
		}, []exchange{{method: "POST", path: "/cgi-bin/material/batchget_material", json: `{"type":"news","offset":0,"count":20}`,
			answer: jsonAnswer(`{"total_count":1,"item_count":1,"item":[{"media_id":"N1","update_time":1714550400,"content":` +
				newsAnswer + `}]}`)}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := mockExchanges(t, tc.calls...)
			require.NoError(t, tc.call(context.Background(), c))
		})
	}
}

func withHeader(r *http.Response, key, value string) *http.Response {
	r.Header.Set(key, value)
	return r
}

// WeChat's errors in place of a file are typed, and nothing is written;
// a rejected token is replaced and the download asked again.
func TestMaterialDownloadFailures(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	get := exchange{method: "GET", path: "/cgi-bin/media/get", query: url.Values{"media_id": {"M1"}}}
	with := func(e exchange, answer *http.Response) exchange {
		e.answer = answer
		return e
	}
	c := mockExchanges(t,
		with(get, respond(200, "text/plain", []byte(`{"errcode":40007,"errmsg":"invalid media_id"}`), -1)),
		with(get, jsonAnswer(`{"errcode":42001,"errmsg":"access_token expired"}`)),
		with(get, respond(200, "image/jpeg", jpegFile, -1)),
		with(get, jsonAnswer(`{"errcode":-1,"errmsg":"system error"}`)),
		with(get, respond(200, "image/jpeg", jpegFile, -1)),
		with(get, jsonAnswer(`{"something":"else"}`)),
		with(get, respond(500, "text/html", []byte("oops"), -1)),
	)
	var buf bytes.Buffer
	_, err := c.GetTemporaryMaterial(ctx, "M1", &buf)
	var ae *wego.APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, wego.CodeInvalidMediaID, ae.Code)
	assert.Zero(t, buf.Len())

	m, err := c.GetTemporaryMaterial(ctx, "M1", &buf)
	require.NoError(t, err, "a rejected token is refreshed and the download asked again")
	assert.Equal(t, int64(len(jpegFile)), m.Written)
	m, err = c.GetTemporaryMaterial(ctx, "M1", io.Discard)
	require.NoError(t, err, "a busy WeChat is asked again: a download only reads")
	assert.Equal(t, int64(len(jpegFile)), m.Written)

	_, err = c.GetTemporaryMaterial(ctx, "M1", &buf)
	var he *wego.HTTPError
	require.ErrorAs(t, err, &he, "JSON that is neither an error nor a video")
	_, err = c.GetTemporaryMaterial(ctx, "M1", &buf)
	require.ErrorAs(t, err, &he)
	assert.Equal(t, 500, he.StatusCode)
}

// An upload whose body seeks is sent again, whole, after WeChat rejected
// the token; one that cannot seek is not, and the rejection is returned
// with the token replaced.
func TestMaterialUploadAfterTokenRejection(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	expired := jsonAnswer(`{"errcode":40001,"errmsg":"invalid credential"}`)
	up := func(length bool, answer *http.Response) exchange {
		return exchange{method: "POST", path: "/cgi-bin/media/upload", query: url.Values{"type": {"image"}},
			upload: &wantUpload{fileName: "cat.jpg", fileType: "image/jpeg", file: jpegFile, length: length}, answer: answer}
	}
	c := mockExchanges(t,
		up(true, expired),
		up(true, jsonAnswer(`{"type":"image","media_id":"M1","created_at":1}`)),
		up(false, jsonAnswer(`{"errcode":40001,"errmsg":"invalid credential"}`)),
	)
	m, err := c.AddTemporaryMaterial(ctx, wego.MediaImage, wego.Media{Name: "cat.jpg", Body: bytes.NewReader(jpegFile)})
	require.NoError(t, err)
	assert.Equal(t, "M1", m.MediaID)

	_, err = c.AddTemporaryMaterial(ctx, wego.MediaImage, wego.Media{Name: "cat.jpg", Body: onlyReader{bytes.NewReader(jpegFile)}})
	var ae *wego.APIError
	require.ErrorAs(t, err, &ae)
	assert.True(t, ae.TokenInvalid(), "a body read once is not sent twice")
}

// What Client checks first is refused with an error naming the field, and
// nothing is sent (mockExchanges fails on any request).
func TestMaterialBadInputSendsNothing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := mockExchanges(t)
	long := strings.Repeat("字", 20000)
	tests := []struct {
		name string
		call func() error
		is   error
		says string
	}{
		{"unknown type", func() error {
			_, err := c.AddTemporaryMaterial(ctx, "gif", wego.Media{Name: "a.gif", Body: bytes.NewReader(jpegFile)})
			return err
		}, wego.ErrInvalidParameter, `type: "gif"`},
		{"news is no temporary material", func() error {
			_, err := c.AddTemporaryMaterial(ctx, wego.MediaNews, wego.Media{Name: "a.jpg", Body: bytes.NewReader(jpegFile)})
			return err
		}, wego.ErrInvalidParameter, "type"},
		{"no name", func() error {
			_, err := c.AddTemporaryMaterial(ctx, wego.MediaImage, wego.Media{Body: bytes.NewReader(jpegFile)})
			return err
		}, wego.ErrMissingParameter, "Media.Name"},
		{"no body", func() error {
			_, err := c.AddTemporaryMaterial(ctx, wego.MediaImage, wego.Media{Name: "a.jpg"})
			return err
		}, wego.ErrMissingParameter, "Media.Body"},
		{"a name that would break the form", func() error {
			_, err := c.WeChat.MediaUpload(ctx, "image", wego.Media{Name: "a\r\nX-Evil: 1.jpg", Body: bytes.NewReader(jpegFile)})
			return err
		}, wego.ErrInvalidParameter, "Media.Name"},
		{"a quote in the name", func() error {
			_, err := c.AddTemporaryMaterial(ctx, wego.MediaImage, wego.Media{Name: `a".jpg`, Body: bytes.NewReader(jpegFile)})
			return err
		}, wego.ErrInvalidParameter, "Media.Name"},
		{"negative size", func() error {
			_, err := c.AddTemporaryMaterial(ctx, wego.MediaImage, wego.Media{Name: "a.jpg", Body: onlyReader{bytes.NewReader(jpegFile)}, Size: -1})
			return err
		}, wego.ErrInvalidParameter, "Media.Size"},
		{"an extension the type does not take", func() error {
			_, err := c.AddTemporaryMaterial(ctx, wego.MediaImage, wego.Media{Name: "a.bmp", Body: bytes.NewReader(mediatest.BMP(4, 4))})
			return err
		}, wego.ErrInvalidParameter, `media "a.bmp": a temporary image is PNG, JPEG or GIF; the name's extension ".bmp" is not`},
		{"a PNG named .jpg", func() error {
			_, err := c.AddTemporaryMaterial(ctx, wego.MediaImage, wego.Media{Name: "a.jpg", Body: bytes.NewReader(pngFile)})
			return err
		}, wego.ErrInvalidParameter, `media "a.jpg": the content is PNG, not JPEG as the name says`},
		{"text named .mp4", func() error {
			_, err := c.AddTemporaryMaterial(ctx, wego.MediaVideo, wego.Media{Name: "a.mp4", Body: strings.NewReader("hello")})
			return err
		}, wego.ErrInvalidParameter, "the content is not MP4"},
		{"empty", func() error {
			_, err := c.AddTemporaryMaterial(ctx, wego.MediaImage, wego.Media{Name: "a.jpg", Body: onlyReader{strings.NewReader("")}})
			return err
		}, wego.ErrInvalidParameter, "empty"},
		{"a thumb over 64 KB", func() error {
			_, err := c.AddTemporaryMaterial(ctx, wego.MediaThumb, wego.Media{Name: "t.jpg", Body: bytes.NewReader(append(append([]byte(nil), thumbFile...), make([]byte, 64<<10)...))})
			return err
		}, wego.ErrInvalidParameter, "a temporary thumb is at most 64 KB"},
		{"a content picture of 1 MB", func() error {
			_, err := c.UploadContentPicture(ctx, wego.Media{Name: "p.png", Body: onlyReader{bytes.NewReader(pngFile)}, Size: 1 << 20})
			return err
		}, wego.ErrInvalidParameter, "a content picture is at most under 1 MB"},
		{"a GIF as content picture", func() error {
			_, err := c.UploadContentPicture(ctx, wego.Media{Name: "p.gif", Body: bytes.NewReader(mediatest.GIF(2, 2))})
			return err
		}, wego.ErrInvalidParameter, "a content picture is JPEG or PNG"},
		{"a title on an image", func() error {
			_, err := c.AddOtherMaterial(ctx, wego.OtherMaterial{Type: wego.MediaImage, Media: wego.Media{Name: "a.jpg", Body: bytes.NewReader(jpegFile)}, Title: "t"})
			return err
		}, wego.ErrInvalidParameter, "only a video takes a title"},
		{"a permanent news from a file", func() error {
			_, err := c.AddOtherMaterial(ctx, wego.OtherMaterial{Type: wego.MediaNews, Media: wego.Media{Name: "a.jpg", Body: bytes.NewReader(jpegFile)}})
			return err
		}, wego.ErrInvalidParameter, "Type"},
		{"no articles", func() error {
			_, err := c.AddPermanentMaterial(ctx, nil)
			return err
		}, wego.ErrMissingParameter, "articles"},
		{"nine articles", func() error {
			_, err := c.AddPermanentMaterial(ctx, make([]wego.NewsArticle, 9))
			return err
		}, wego.ErrInvalidParameter, "articles: 9, at most 8"},
		{"an article without a cover", func() error {
			a := newsMaterialArticle
			a.ThumbMediaID = ""
			_, err := c.AddPermanentMaterial(ctx, []wego.NewsArticle{newsMaterialArticle, a})
			return err
		}, wego.ErrMissingParameter, "articles[1].ThumbMediaID"},
		{"content of 20000 characters", func() error {
			a := newsMaterialArticle
			a.Content = long
			return c.UpdateMaterial(ctx, "N1", 0, a)
		}, wego.ErrInvalidParameter, "article.Content: 20000 characters, fewer than 20000"},
		{"a negative index", func() error { return c.UpdateMaterial(ctx, "N1", -1, newsMaterialArticle) }, wego.ErrInvalidParameter, "index"},
		{"UpdateMaterial without media_id", func() error { return c.UpdateMaterial(ctx, "", 0, newsMaterialArticle) }, wego.ErrMissingParameter, "media_id"},
		{"GetTemporaryMaterial without media_id", func() error {
			_, err := c.GetTemporaryMaterial(ctx, "", io.Discard)
			return err
		}, wego.ErrMissingParameter, "media_id"},
		{"GetTemporaryMaterial without writer", func() error {
			_, err := c.GetTemporaryMaterial(ctx, "M", nil)
			return err
		}, wego.ErrMissingParameter, "writer"},
		{"GetPermanentMaterial without media_id", func() error {
			_, err := c.GetPermanentMaterial(ctx, "", io.Discard)
			return err
		}, wego.ErrMissingParameter, "media_id"},
		{"GetPermanentMaterial without writer", func() error {
			_, err := c.GetPermanentMaterial(ctx, "M", nil)
			return err
		}, wego.ErrMissingParameter, "writer"},
		{"DeleteMaterial without media_id", func() error { return c.DeleteMaterial(ctx, "") }, wego.ErrMissingParameter, "media_id"},
		{"a list of thumbs", func() error {
			_, err := c.GetMaterialsList(ctx, wego.MediaThumb, 0, 20)
			return err
		}, wego.ErrInvalidParameter, "no thumbs apart"},
		{"a count of 21", func() error {
			_, err := c.GetMaterialsList(ctx, wego.MediaImage, 0, 21)
			return err
		}, wego.ErrInvalidParameter, "count: 21, 1 to 20"},
		{"a negative offset", func() error {
			_, err := c.GetMaterialsList(ctx, wego.MediaImage, -1, 20)
			return err
		}, wego.ErrInvalidParameter, "offset"},
		{"Materials of an unknown type", func() error {
			for _, err := range c.Materials(ctx, "gif") {
				return err
			}
			return nil
		}, wego.ErrInvalidParameter, "type"},
	}
	for _, tt := range tests {
		err := tt.call()
		require.ErrorIs(t, err, tt.is, tt.name)
		assert.Contains(t, err.Error(), tt.says, tt.name)
	}
}
