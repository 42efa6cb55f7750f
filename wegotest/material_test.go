package wegotest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
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

// form builds a multipart body: fields, then files (name → field, file
// name, bytes).
type formFile struct {
	field, name string
	data        []byte
}

func form(t *testing.T, fields map[string]string, files ...formFile) (string, []byte) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for k, v := range fields {
		require.NoError(t, mw.WriteField(k, v))
	}
	for _, f := range files {
		w, err := mw.CreateFormFile(f.field, f.name)
		require.NoError(t, err)
		_, _ = w.Write(f.data)
	}
	require.NoError(t, mw.Close())
	return mw.FormDataContentType(), b.Bytes()
}

// postForm posts body to path with a valid token and returns the errcode
// and the answer.
func postForm(t *testing.T, s *Server, c *wego.Client, path string, q url.Values, contentType string, body []byte) (int, map[string]any) {
	t.Helper()
	tok, err := c.AccessToken(context.Background())
	require.NoError(t, err)
	if q == nil {
		q = url.Values{}
	}
	q.Set("access_token", tok)
	resp, err := s.ts.Client().Post(s.URL+path+"?"+q.Encode(), contentType, bytes.NewReader(body))
	require.NoError(t, err)
	defer resp.Body.Close()
	var a map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&a))
	code, _ := a["errcode"].(float64)
	return int(code), a
}

func TestUploadsRefusedAsWeChatRefusesThem(t *testing.T) {
	t.Parallel()
	s, c := userClient(t)
	jpeg := mediatest.JPEG(4, 4)
	image := url.Values{"type": {"image"}}
	tests := []struct {
		name  string
		path  string
		q     url.Values
		ctype string
		body  []byte
		want  int
	}{
		{"an unknown type", PathMediaUpload, url.Values{"type": {"file"}}, "", nil, 40004},
		{"no type", PathMaterialAdd, nil, "", nil, 40004},
		{"news is not uploaded", PathMaterialAdd, url.Values{"type": {"news"}}, "", nil, 40004},
		{"not multipart", PathMediaUpload, image, "application/json", []byte(`{}`), 41005},
		{"no file", PathMediaUpload, image, "", nil, 41005},
		{"a file in another field", PathMediaUploadImg, nil, "", nil, 41005},
		{"an extension the type does not take", PathMediaUpload, image, "", []byte("webp"), 40005},
		{"a BMP is no temporary image", PathMediaUpload, image, "", []byte("bmp"), 40005},
		{"empty", PathMediaUpload, image, "", []byte("empty"), 40006},
		{"a thumb over 64 KB", PathMediaUpload, url.Values{"type": {"thumb"}}, "", []byte("big thumb"), 40006},
		{"a content picture of 1 MB", PathMediaUploadImg, nil, "", []byte("1 MB"), 40006},
	}
	for _, tt := range tests {
		ctype, body := tt.ctype, tt.body
		if ctype == "" {
			var file formFile
			switch string(tt.body) {
			case "webp":
				file = formFile{"media", "a.webp", jpeg}
			case "bmp":
				file = formFile{"media", "a.bmp", mediatest.BMP(2, 2)}
			case "empty":
				file = formFile{"media", "a.jpg", nil}
			case "big thumb":
				file = formFile{"media", "t.jpg", append(append([]byte(nil), jpeg...), make([]byte, 64<<10)...)}
			case "1 MB":
				file = formFile{"media", "p.png", make([]byte, 1<<20)}
			default:
				file = formFile{"other", "a.jpg", jpeg}
			}
			if tt.name == "no file" {
				ctype, body = form(t, map[string]string{"description": "{}"})
			} else {
				ctype, body = form(t, nil, file)
			}
		}
		code, _ := postForm(t, s, c, tt.path, tt.q, ctype, body)
		assert.Equal(t, tt.want, code, tt.name)
	}
	assert.Equal(t, 43002, get(t, c, PathMediaUpload, url.Values{"type": {"image"}}, nil), "an upload is a POST")
	ctype, body := form(t, nil, formFile{"media", "a.jpg", jpeg})
	resp, err := s.ts.Client().Post(s.URL+PathMediaUpload+"?type=image", ctype, bytes.NewReader(body))
	require.NoError(t, err)
	var a struct {
		ErrCode int `json:"errcode"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&a))
	resp.Body.Close()
	assert.Equal(t, 41001, a.ErrCode, "an upload needs the access token")
}

// An upload keeps the file's name, Content-Type and bytes; a thumb's id is
// thumb_media_id; the file comes back with WeChat's headers.
func TestTemporaryMediaKeptAndServed(t *testing.T) {
	t.Parallel()
	s, c := userClient(t)
	ctx := context.Background()
	thumb := mediatest.JPEG(6, 6)
	raw, err := c.WeChat.MediaUpload(ctx, "thumb", wego.Media{Name: "cover.jpg", Body: bytes.NewReader(thumb)})
	require.NoError(t, err)
	var a struct {
		Type         string `json:"type"`
		MediaID      string `json:"media_id"`
		ThumbMediaID string `json:"thumb_media_id"`
		CreatedAt    int64  `json:"created_at"`
	}
	require.NoError(t, json.Unmarshal(raw, &a))
	assert.Equal(t, "thumb", a.Type)
	assert.Empty(t, a.MediaID, "a thumb's id comes as thumb_media_id")
	assert.Regexp(t, `^[0-9A-Za-z_-]{64}$`, a.ThumbMediaID)
	assert.InDelta(t, time.Now().Unix(), a.CreatedAt, 2)

	m, ok := s.Media(a.ThumbMediaID)
	require.True(t, ok)
	assert.Equal(t, StoredMedia{MediaID: a.ThumbMediaID, Type: wego.MediaThumb, Name: "cover.jpg", ContentType: "image/jpeg",
		Data: thumb, Created: time.Unix(a.CreatedAt, 0), Expires: time.Unix(a.CreatedAt, 0).Add(72 * time.Hour)}, m)
	m.Data[0] = 0 // a copy
	again, _ := s.Media(a.ThumbMediaID)
	assert.Equal(t, thumb[0], again.Data[0])

	resp, err := s.ts.Client().Get(s.URL + PathMediaGet + "?" + url.Values{"media_id": {a.ThumbMediaID}, "access_token": {mustToken(t, c)}}.Encode())
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, thumb, body)
	assert.Equal(t, "image/jpeg", resp.Header.Get("Content-Type"))
	assert.Equal(t, `attachment; filename="`+a.ThumbMediaID+`.jpg"`, resp.Header.Get("Content-Disposition"))
	assert.Equal(t, "no-cache, must-revalidate", resp.Header.Get("Cache-Control"))

	assert.Equal(t, 43001, post(t, c, PathMediaGet, map[string]string{"media_id": a.ThumbMediaID}, nil), "media/get is a GET")
	_, ok = s.permanentMaterial(a.ThumbMediaID)
	assert.False(t, ok, "a temporary thumb is no permanent material")
	_, ok = s.Media("nonexistent")
	assert.False(t, ok)
}

func mustToken(t *testing.T, c *wego.Client) string {
	t.Helper()
	tok, err := c.AccessToken(context.Background())
	require.NoError(t, err)
	return tok
}

// A video's address serves it without a token, until it expires.
func TestVideoAddress(t *testing.T) {
	t.Parallel()
	s, c := userClient(t)
	ctx := context.Background()
	video := mediatest.MP4(5000)
	raw, err := c.WeChat.MediaUpload(ctx, "video", wego.Media{Name: "v.mp4", Body: bytes.NewReader(video)})
	require.NoError(t, err)
	var up struct {
		MediaID string `json:"media_id"`
	}
	require.NoError(t, json.Unmarshal(raw, &up))
	var buf bytes.Buffer
	_, answer, err := c.WeChat.MediaGet(ctx, up.MediaID, &buf)
	require.NoError(t, err)
	var a struct {
		VideoURL string `json:"video_url"`
	}
	require.NoError(t, json.Unmarshal(answer, &a))
	assert.Equal(t, s.URL+PathVideo+"?media_id="+up.MediaID, a.VideoURL)
	resp, err := http.Get(a.VideoURL)
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, video, body)

	s.ExpireMedia()
	resp, err = http.Get(a.VideoURL)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
	resp, err = http.Get(s.URL + PathVideo + "?media_id=nope")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
}

func TestPermanentMaterialsAnswerAsWeChat(t *testing.T) {
	t.Parallel()
	s, c := userClient(t)
	ctx := context.Background()

	ctype, body := form(t, map[string]string{"description": "not json"}, formFile{"media", "v.mp4", mediatest.MP4(100)})
	code, _ := postForm(t, s, c, PathMaterialAdd, url.Values{"type": {"video"}}, ctype, body)
	assert.Equal(t, 47001, code, "a description that is not JSON")

	raw, err := c.WeChat.MaterialAddMaterial(ctx, "thumb", wego.Media{Name: "t.jpg", Body: bytes.NewReader(mediatest.JPEG(4, 4))}, "", "")
	require.NoError(t, err)
	var added struct {
		MediaID string `json:"media_id"`
		URL     *string
	}
	require.NoError(t, json.Unmarshal(raw, &added))
	assert.Regexp(t, `^[0-9A-Za-z_-]{43}$`, added.MediaID)
	assert.Nil(t, added.URL, "only an image comes with a url")
	kind, ok := s.permanentMaterial(added.MediaID)
	assert.True(t, ok)
	assert.Equal(t, "thumb", kind)

	news, err := s.AddNewsMaterial(wego.NewsArticle{Title: "a", ThumbMediaID: added.MediaID}, wego.NewsArticle{Title: "b", URL: "http://mp.weixin.qq.com/s/b"})
	require.NoError(t, err)
	kind, ok = s.permanentMaterial(news)
	assert.True(t, ok)
	assert.Equal(t, "news", kind)
	stored, _ := s.Media(news)
	require.Len(t, stored.News, 2)
	assert.NotEmpty(t, stored.News[0].URL, "an address like WeChat's")
	assert.Equal(t, "http://mp.weixin.qq.com/s/b", stored.News[1].URL)

	for _, tt := range []struct {
		name string
		body any
		want int
	}{
		{"type thumb", map[string]any{"type": "thumb", "offset": 0, "count": 20}, 40004},
		{"count 0", map[string]any{"type": "image", "offset": 0, "count": 0}, 40097},
		{"count 21", map[string]any{"type": "image", "offset": 0, "count": 21}, 40097},
		{"offset -1", map[string]any{"type": "image", "offset": -1, "count": 20}, 40097},
	} {
		assert.Equal(t, tt.want, post(t, c, PathMaterialBatchGet, tt.body, nil), tt.name)
	}
	var page struct {
		TotalCount int `json:"total_count"`
		ItemCount  int `json:"item_count"`
		Item       []struct {
			MediaID string `json:"media_id"`
			Name    string `json:"name"`
		} `json:"item"`
	}
	require.Zero(t, post(t, c, PathMaterialBatchGet, map[string]any{"type": "image", "offset": 0, "count": 20}, &page))
	assert.Equal(t, 1, page.TotalCount, "the thumb is listed among images")
	require.Len(t, page.Item, 1)
	assert.Equal(t, "t.jpg", page.Item[0].Name)
	require.Zero(t, post(t, c, PathMaterialBatchGet, map[string]any{"type": "image", "offset": 5, "count": 20}, &page))
	assert.Equal(t, 0, page.ItemCount, "past the end: an empty page")

	assert.Equal(t, 44002, post(t, c, PathMaterialGet, nil, nil), "an empty body")
	assert.Equal(t, 47001, post(t, c, PathMaterialGet, json.RawMessage(`[1]`), nil))
	assert.Equal(t, 43002, get(t, c, PathMaterialGet, nil, nil), "get_material is a POST")
	assert.Equal(t, 40007, post(t, c, PathMaterialGet, map[string]string{"media_id": "nope"}, nil))
	assert.Equal(t, 40007, post(t, c, PathMaterialDel, map[string]string{"media_id": "nope"}, nil))
	assert.Equal(t, 43001, post(t, c, PathMaterialCount, map[string]string{}, nil), "get_materialcount is a GET")
	assert.Equal(t, 45106, post(t, c, PathMaterialAddNews, map[string]any{"articles": []any{}}, nil))
	assert.Equal(t, 45106, post(t, c, PathMaterialUpdateNews, map[string]any{"media_id": news}, nil))

	require.Zero(t, post(t, c, PathMaterialDel, map[string]string{"media_id": added.MediaID}, nil))
	_, ok = s.permanentMaterial(added.MediaID)
	assert.False(t, ok, "deleted")
}

func TestAddNewsMaterialRefusesWhatWeChatWould(t *testing.T) {
	t.Parallel()
	s := New(t)
	_, err := s.AddNewsMaterial()
	assert.ErrorContains(t, err, "no articles")
	_, err = s.AddNewsMaterial(make([]wego.NewsArticle, 9)...)
	assert.ErrorContains(t, err, "9 articles")
	_, err = s.AddNewsMaterial(wego.NewsArticle{Title: "a"}, wego.NewsArticle{})
	assert.ErrorContains(t, err, "article 1 has no title")
}

// Faults apply to the material paths, before the upload is read.
func TestMaterialFaults(t *testing.T) {
	t.Parallel()
	s, c := userClient(t)
	s.FailNext(PathMediaUpload, 40005)
	_, err := c.WeChat.MediaUpload(context.Background(), "image", wego.Media{Name: "a.jpg", Body: bytes.NewReader(mediatest.JPEG(2, 2))})
	assert.Equal(t, 40005, errcode(t, err))
	assert.Contains(t, err.Error(), "invalid file type")
	assert.Equal(t, "media data missing", errMsg(41005, ""))
	assert.Equal(t, "This API has been unsupported", errMsg(45106, ""))
	assert.True(t, strings.HasPrefix(errMsg(40006, ""), "invalid file size"))
}
