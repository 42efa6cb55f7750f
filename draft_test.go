package wego_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wego-sdk/wego"
	"github.com/wego-sdk/wego/internal/mediatest"
	"github.com/wego-sdk/wego/wegotest"
)

// covers are permanent image materials of a wegotest account, for the
// covers and pictures of its drafts.
type covers struct{ thumb, img1, img2 string }

func addCovers(t *testing.T, srv *wegotest.Server) covers {
	t.Helper()
	return covers{
		thumb: srv.AddMaterial(wego.MediaImage, "cover.jpg", mediatest.JPEG(8, 8)),
		img1:  srv.AddMaterial(wego.MediaImage, "one.png", mediatest.PNG(8, 8)),
		img2:  srv.AddMaterial(wego.MediaImage, "two.png", mediatest.PNG(8, 8)),
	}
}

// article is newsArticle with the account's cover.
func (cv covers) article(title string) wego.DraftArticle {
	a := newsArticle(title)
	a.ThumbMediaID = cv.thumb
	return a
}

// newsArticle is a news article WeChat takes.
func newsArticle(title string) wego.DraftArticle {
	return wego.DraftArticle{Title: title, Content: "<p>" + title + " & more</p>", ThumbMediaID: "THUMB"}
}

const newsArticleJSON = `{"article_type":"news","title":"Hello","author":"老王","digest":"d","content":"<p>a & b</p>",
	"content_source_url":"https://example.com/?a=1&b=2","thumb_media_id":"THUMB","need_open_comment":1,
	"only_fans_can_comment":0,"pic_crop_235_1":"0.1945_0_1_0.5236","pic_crop_1_1":"0_0_1_1"}`

var fullNewsArticle = wego.DraftArticle{
	Type: wego.ArticleNews, Title: "Hello", Author: "老王", Digest: "d", Content: "<p>a & b</p>",
	ContentSourceURL: "https://example.com/?a=1&b=2", ThumbMediaID: "THUMB", NeedOpenComment: true,
	PicCropWide: "0.1945_0_1_0.5236", PicCropSquare: "0_0_1_1",
}

const newsPicArticleJSON = `{"article_type":"newspic","title":"Pics","content":"plain","need_open_comment":0,
	"only_fans_can_comment":0,"image_info":{"image_list":[{"image_media_id":"I1"},{"image_media_id":"I2"}]},
	"cover_info":{"crop_percent_list":[{"ratio":"1_1","x1":"0.166454","y1":"0","x2":"0.833545","y2":"1"}]},
	"product_info":{"footer_product_info":{"product_key":"PK"}}}`

var fullNewsPicArticle = wego.DraftArticle{
	Type: wego.ArticleNewsPic, Title: "Pics", Content: "plain", Images: []string{"I1", "I2"},
	CoverCrops: []wego.CoverCrop{{Ratio: "1_1", X1: "0.166454", Y1: "0", X2: "0.833545", Y2: "1"}},
	ProductKey: "PK",
}

func TestRawDraftRequests(t *testing.T) {
	t.Parallel()
	runRawCases(t, []rawCase{
		{"DraftAdd", func(ctx context.Context, w *wego.WeChatAPI) (json.RawMessage, error) {
			return w.DraftAdd(ctx, []wego.DraftArticle{fullNewsArticle, fullNewsPicArticle})
		}, wantCall{method: "POST", path: "/cgi-bin/draft/add", body: `{"articles":[` + newsArticleJSON + `,` + newsPicArticleJSON + `]}`}},
		{"DraftAdd as given, unchecked", func(ctx context.Context, w *wego.WeChatAPI) (json.RawMessage, error) {
			return w.DraftAdd(ctx, []wego.DraftArticle{{Title: strings.Repeat("长", 40)}})
		}, wantCall{method: "POST", path: "/cgi-bin/draft/add",
			body: `{"articles":[{"title":"` + strings.Repeat("长", 40) + `","content":"","need_open_comment":0,"only_fans_can_comment":0}]}`}},
		{"DraftGet", func(ctx context.Context, w *wego.WeChatAPI) (json.RawMessage, error) {
			return w.DraftGet(ctx, "M1")
		}, wantCall{method: "POST", path: "/cgi-bin/draft/get", body: `{"media_id":"M1"}`}},
		{"DraftUpdate", func(ctx context.Context, w *wego.WeChatAPI) (json.RawMessage, error) {
			return w.DraftUpdate(ctx, "M1", 1, fullNewsArticle)
		}, wantCall{method: "POST", path: "/cgi-bin/draft/update", body: `{"media_id":"M1","index":1,"articles":` + newsArticleJSON + `}`}},
		{"DraftDelete", func(ctx context.Context, w *wego.WeChatAPI) (json.RawMessage, error) {
			return w.DraftDelete(ctx, "M1")
		}, wantCall{method: "POST", path: "/cgi-bin/draft/delete", body: `{"media_id":"M1"}`}},
		{"DraftCount", func(ctx context.Context, w *wego.WeChatAPI) (json.RawMessage, error) {
			return w.DraftCount(ctx)
		}, wantCall{method: "GET", path: "/cgi-bin/draft/count"}},
		{"DraftBatchGet", func(ctx context.Context, w *wego.WeChatAPI) (json.RawMessage, error) {
			return w.DraftBatchGet(ctx, 40, 20, true)
		}, wantCall{method: "POST", path: "/cgi-bin/draft/batchget", body: `{"offset":40,"count":20,"no_content":1}`}},
		{"DraftBatchGet with content", func(ctx context.Context, w *wego.WeChatAPI) (json.RawMessage, error) {
			return w.DraftBatchGet(ctx, 0, 5, false)
		}, wantCall{method: "POST", path: "/cgi-bin/draft/batchget", body: `{"offset":0,"count":5,"no_content":0}`}},
	})
}

const draftPage = `{"total_count":3,"item_count":2,"item":[
	{"media_id":"M1","update_time":1714550400,"content":{"news_item":[{"article_type":"news","title":"a","content":"c","thumb_media_id":"T","need_open_comment":0,"only_fans_can_comment":0,"url":"http://mp.weixin.qq.com/s?x"}]}},
	{"media_id":"M2","update_time":1714550300,"content":{"news_item":[{"title":"b","need_open_comment":"1","only_fans_can_comment":1}]}}]}`

func TestDraftCallRequests(t *testing.T) {
	t.Parallel()
	runMockCases(t, []mockCase{
		{"AddDraft", func(ctx context.Context, c *wego.Client) error {
			id, err := c.AddDraft(ctx, fullNewsArticle, fullNewsPicArticle)
			assert.Equal(t, "MEDIA_ID", id)
			return err
		}, []wantCall{{method: "POST", path: "/cgi-bin/draft/add", answer: `{"media_id":"MEDIA_ID"}`,
			body: `{"articles":[` + newsArticleJSON + `,` + newsPicArticleJSON + `]}`}}},
		{"GetDraft", func(ctx context.Context, c *wego.Client) error {
			d, err := c.GetDraft(ctx, "M1")
			if err != nil {
				return err
			}
			want := fullNewsArticle
			want.URL = "http://mp.weixin.qq.com/s?tmp"
			assert.Equal(t, &wego.Draft{MediaID: "M1", Articles: []wego.DraftArticle{want, fullNewsPicArticle}}, d)
			return nil
		}, []wantCall{{method: "POST", path: "/cgi-bin/draft/get", body: `{"media_id":"M1"}`,
			answer: `{"news_item":[` + strings.TrimSuffix(newsArticleJSON, "}") + `,"show_cover_pic":0,"url":"http://mp.weixin.qq.com/s?tmp"},` + newsPicArticleJSON + `]}`}}},
		{"UpdateDraft", func(ctx context.Context, c *wego.Client) error {
			return c.UpdateDraft(ctx, "M1", 7, fullNewsArticle)
		}, []wantCall{{method: "POST", path: "/cgi-bin/draft/update", body: `{"media_id":"M1","index":7,"articles":` + newsArticleJSON + `}`}}},
		{"DeleteDraft", func(ctx context.Context, c *wego.Client) error {
			return c.DeleteDraft(ctx, "M1")
		}, []wantCall{{method: "POST", path: "/cgi-bin/draft/delete", body: `{"media_id":"M1"}`}}},
		{"CountDrafts", func(ctx context.Context, c *wego.Client) error {
			n, err := c.CountDrafts(ctx)
			assert.Equal(t, 15, n)
			return err
		}, []wantCall{{method: "GET", path: "/cgi-bin/draft/count", answer: `{"total_count":15}`}}},
		{"Drafts: pages of 20 until total_count", func(ctx context.Context, c *wego.Client) error {
			var ids []string
			for d, err := range c.Drafts(ctx, true) {
				if err != nil {
					return err
				}
				ids = append(ids, d.MediaID)
				if d.MediaID == "M2" {
					assert.Equal(t, "b", d.Articles[0].Title)
					assert.True(t, d.Articles[0].NeedOpenComment, "need_open_comment written as a string")
					assert.True(t, d.Articles[0].OnlyFansCanComment)
					assert.Equal(t, int64(1714550300), d.UpdateTime.Unix())
				}
			}
			assert.Equal(t, []string{"M1", "M2", "M3"}, ids)
			return nil
		}, []wantCall{
			{method: "POST", path: "/cgi-bin/draft/batchget", body: `{"offset":0,"count":20,"no_content":1}`, answer: draftPage},
			{method: "POST", path: "/cgi-bin/draft/batchget", body: `{"offset":2,"count":20,"no_content":1}`,
				answer: `{"total_count":3,"item_count":1,"item":[{"media_id":"M3","content":{"news_item":[]},"update_time":1}]}`},
		}},
		{"Drafts: an empty page ends the walk", func(ctx context.Context, c *wego.Client) error {
			ids, errs := collectDrafts(c.Drafts(ctx, false))
			assert.Equal(t, []string{"M1", "M2"}, ids)
			return errors.Join(errs...)
		}, []wantCall{
			{method: "POST", path: "/cgi-bin/draft/batchget", body: `{"offset":0,"count":20,"no_content":0}`, answer: draftPage},
			{method: "POST", path: "/cgi-bin/draft/batchget", body: `{"offset":2,"count":20,"no_content":0}`, answer: `{"total_count":3,"item_count":0,"item":[]}`},
		}},
		{"Drafts: none", func(ctx context.Context, c *wego.Client) error {
			ids, errs := collectDrafts(c.Drafts(ctx, false))
			assert.Empty(t, ids)
			return errors.Join(errs...)
		}, []wantCall{{method: "POST", path: "/cgi-bin/draft/batchget", body: `{"offset":0,"count":20,"no_content":0}`, answer: `{"total_count":0,"item_count":0}`}}},
	})
}

func collectDrafts(seq func(func(wego.Draft, error) bool)) ([]string, []error) {
	var ids []string
	var errs []error
	for d, err := range seq {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		ids = append(ids, d.MediaID)
	}
	return ids, errs
}

// The body goes out with <, > and & as they are: WeChat's page asks for
// no \u escapes, and an article's content is HTML.
func TestDraftBodyIsNotEscaped(t *testing.T) {
	t.Parallel()
	mt, c := mockClient(t)
	var body []byte
	mt.RegisterResponder(http.MethodPost, "https://api.weixin.qq.com/cgi-bin/draft/add",
		func(r *http.Request) (*http.Response, error) {
			body, _ = io.ReadAll(r.Body)
			return httpmock.NewStringResponse(200, `{"media_id":"M"}`), nil
		})
	a := newsArticle("标题")
	a.Extra = map[string]any{"show_cover_pic": 1, "title": "ignored: the article writes title", "x": "<b>"}
	_, err := c.AddDraft(context.Background(), a)
	require.NoError(t, err)
	assert.Equal(t, `{"articles":[{"content":"<p>标题 & more</p>","need_open_comment":0,"only_fans_can_comment":0,`+
		`"show_cover_pic":1,"thumb_media_id":"THUMB","title":"标题","x":"<b>"}]}`, string(body))
}

// An article marshals to WeChat's JSON and loads from it; what WeChat
// answers about it (url, thumb_url, is_deleted) is read and never written.
func TestDraftArticleJSON(t *testing.T) {
	t.Parallel()
	b, err := json.Marshal(fullNewsPicArticle)
	require.NoError(t, err)
	assert.JSONEq(t, newsPicArticleJSON, string(b))

	var a wego.DraftArticle
	require.NoError(t, json.Unmarshal([]byte(newsArticleJSON), &a))
	assert.Equal(t, fullNewsArticle, a)

	answered := `{"title":"t","content":"c","thumb_media_id":"T","thumb_url":"http://mmbiz.qpic.cn/x","url":"http://mp.weixin.qq.com/s?y","is_deleted":true,"need_open_comment":0,"only_fans_can_comment":0}`
	require.NoError(t, json.Unmarshal([]byte(answered), &a))
	assert.Equal(t, wego.DraftArticle{Title: "t", Content: "c", ThumbMediaID: "T", ThumbURL: "http://mmbiz.qpic.cn/x", URL: "http://mp.weixin.qq.com/s?y", Deleted: true}, a)
	b, err = json.Marshal(a)
	require.NoError(t, err)
	assert.JSONEq(t, `{"title":"t","content":"c","thumb_media_id":"T","need_open_comment":0,"only_fans_can_comment":0}`, string(b))

	_, err = json.Marshal(wego.DraftArticle{Title: "t", Extra: map[string]any{"bad": make(chan int)}})
	assert.ErrorContains(t, err, `extra field "bad"`)
}

// draftPaths are the draft and publishing paths: bad input sends to none.
var draftPaths = []string{
	wegotest.PathDraftAdd, wegotest.PathDraftGet, wegotest.PathDraftUpdate, wegotest.PathDraftDelete,
	wegotest.PathDraftCount, wegotest.PathDraftBatchGet, wegotest.PathFreePublishSubmit, wegotest.PathFreePublishGet,
	wegotest.PathFreePublishDelete, wegotest.PathFreePublishGetArticle, wegotest.PathFreePublishBatchGet,
}

func draftRequestsSeen(srv *wegotest.Server) int {
	n := srv.TokenRequests()
	for _, p := range draftPaths {
		n += srv.Requests(p)
	}
	return n
}

// An article WeChat would refuse fails before any request, with an error
// naming the article and the field and wrapping one of the two sentinels.
func TestBadDraftsSendNothing(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	cv := addCovers(t, srv)
	ctx := context.Background()
	ok := cv.article("ok")
	with := func(edit func(a *wego.DraftArticle)) wego.DraftArticle {
		a := ok
		edit(&a)
		return a
	}
	pic := wego.DraftArticle{Type: wego.ArticleNewsPic, Title: "p", Content: "c", Images: []string{cv.img1}}
	withPic := func(edit func(a *wego.DraftArticle)) wego.DraftArticle {
		a := pic
		edit(&a)
		return a
	}
	nine := make([]wego.DraftArticle, 9)
	for i := range nine {
		nine[i] = ok
	}
	images := func(n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = fmt.Sprint("I", i)
		}
		return out
	}
	for _, tt := range []struct {
		name     string
		articles []wego.DraftArticle
		sentinel error
		says     string
	}{
		{"no article", nil, wego.ErrMissingParameter, "articles: 1 to 8"},
		{"nine articles", nine, wego.ErrInvalidParameter, "articles: 9 articles, at most 8 a draft"},
		{"no title", []wego.DraftArticle{ok, with(func(a *wego.DraftArticle) { a.Title = "" })}, wego.ErrMissingParameter, "articles[1] › title"},
		{"a 33-character title", []wego.DraftArticle{with(func(a *wego.DraftArticle) { a.Title = strings.Repeat("标", 33) })},
			wego.ErrInvalidParameter, "articles[0] › title: 33 characters, at most 32"},
		{"a 17-character author", []wego.DraftArticle{with(func(a *wego.DraftArticle) { a.Author = strings.Repeat("作", 17) })},
			wego.ErrInvalidParameter, "articles[0] › author: 17 characters, at most 16"},
		{"a 129-character digest", []wego.DraftArticle{with(func(a *wego.DraftArticle) { a.Digest = strings.Repeat("d", 129) })},
			wego.ErrInvalidParameter, "articles[0] › digest: 129 characters, at most 128"},
		{"no content", []wego.DraftArticle{with(func(a *wego.DraftArticle) { a.Content = "" })}, wego.ErrMissingParameter, "articles[0] › content"},
		{"20000 characters", []wego.DraftArticle{with(func(a *wego.DraftArticle) { a.Content = strings.Repeat("字", 20000) })},
			wego.ErrInvalidParameter, "articles[0] › content: 20000 characters of text, fewer than 20000"},
		{"1 MB", []wego.DraftArticle{with(func(a *wego.DraftArticle) { a.Content = "<p>" + strings.Repeat(`<img src="x">`, 80660) + "</p>" })},
			wego.ErrInvalidParameter, "articles[0] › content: 1048587 bytes, under 1048576"},
		{"a 1025-byte source URL", []wego.DraftArticle{with(func(a *wego.DraftArticle) { a.ContentSourceURL = "https://e.com/" + strings.Repeat("a", 1011) })},
			wego.ErrInvalidParameter, "articles[0] › content_source_url: 1025 bytes, at most 1024"},
		{"a news article without cover", []wego.DraftArticle{ok, ok, with(func(a *wego.DraftArticle) { a.ThumbMediaID = "" })},
			wego.ErrMissingParameter, "articles[2] › thumb_media_id"},
		{"an unknown type", []wego.DraftArticle{with(func(a *wego.DraftArticle) { a.Type = "video" })},
			wego.ErrInvalidParameter, `articles[0] › article_type: "video" is not news or newspic`},
		{"images on news", []wego.DraftArticle{with(func(a *wego.DraftArticle) { a.Images = []string{"I"} })},
			wego.ErrInvalidParameter, "articles[0] › image_info: images are for newspic articles"},
		{"a newspic without images", []wego.DraftArticle{withPic(func(a *wego.DraftArticle) { a.Images = nil })},
			wego.ErrMissingParameter, "articles[0] › image_info: 1 to 20 images"},
		{"21 images", []wego.DraftArticle{withPic(func(a *wego.DraftArticle) { a.Images = images(21) })},
			wego.ErrInvalidParameter, "articles[0] › image_info: 21 images, at most 20"},
		{"an empty image", []wego.DraftArticle{withPic(func(a *wego.DraftArticle) { a.Images = []string{cv.img1, ""} })},
			wego.ErrMissingParameter, "articles[0] › image_info[1]: image_media_id"},
		{"a crop not X1_Y1_X2_Y2", []wego.DraftArticle{with(func(a *wego.DraftArticle) { a.PicCropWide = "0_0_1" })},
			wego.ErrInvalidParameter, `articles[0] › pic_crop_235_1: "0_0_1" is not X1_Y1_X2_Y2`},
		{"a crop past 1", []wego.DraftArticle{with(func(a *wego.DraftArticle) { a.PicCropSquare = "0_0_1.5_1" })},
			wego.ErrInvalidParameter, `articles[0] › pic_crop_1_1: corner "1.5" is not a decimal from 0 to 1`},
		{"a crop with 7 decimals", []wego.DraftArticle{with(func(a *wego.DraftArticle) { a.PicCropWide = "0.1234567_0_1_1" })},
			wego.ErrInvalidParameter, "with at most 6 decimals"},
		{"a crop upside down", []wego.DraftArticle{with(func(a *wego.DraftArticle) { a.PicCropWide = "0_0.6_1_0.5" })},
			wego.ErrInvalidParameter, "is not above and left of the bottom-right one"},
		{"a cover ratio WeChat lacks", []wego.DraftArticle{withPic(func(a *wego.DraftArticle) {
			a.CoverCrops = []wego.CoverCrop{{Ratio: "4_3", X2: "1", Y2: "1", X1: "0", Y1: "0"}}
		})},
			wego.ErrInvalidParameter, `articles[0] › cover_info[0] › ratio: "4_3" is not 1_1, 16_9 or 2.35_1`},
		{"a cover crop with a sign", []wego.DraftArticle{withPic(func(a *wego.DraftArticle) {
			a.CoverCrops = []wego.CoverCrop{{Ratio: "1_1", X1: "-0", Y1: "0", X2: "1", Y2: "1"}}
		})},
			wego.ErrInvalidParameter, `articles[0] › cover_info[0]: corner "-0"`},
		{"invalid UTF-8", []wego.DraftArticle{with(func(a *wego.DraftArticle) { a.Author = "\xff" })},
			wego.ErrInvalidParameter, "articles[0] › author: not valid UTF-8"},
	} {
		_, err := c.AddDraft(ctx, tt.articles...)
		require.ErrorIs(t, err, tt.sentinel, tt.name)
		assert.Contains(t, err.Error(), tt.says, tt.name)
		if len(tt.articles) == 1 {
			err := c.UpdateDraft(ctx, "M", 0, tt.articles[0])
			require.ErrorIs(t, err, tt.sentinel, tt.name)
			assert.Contains(t, err.Error(), strings.Replace(tt.says, "articles[0]", "article", 1), tt.name)
		}
	}
	for _, tt := range []struct {
		name     string
		call     func() error
		sentinel error
		says     string
	}{
		{"UpdateDraft index -1", func() error { return c.UpdateDraft(ctx, "M", -1, ok) }, wego.ErrInvalidParameter, "index: -1: a draft's articles are 0 to 7"},
		{"UpdateDraft index 8", func() error { return c.UpdateDraft(ctx, "M", 8, ok) }, wego.ErrInvalidParameter, "index: 8"},
		{"UpdateDraft no media id", func() error { return c.UpdateDraft(ctx, "", 0, ok) }, wego.ErrMissingParameter, "media_id"},
		{"GetDraft no media id", func() error { _, err := c.GetDraft(ctx, ""); return err }, wego.ErrMissingParameter, "media_id"},
		{"DeleteDraft no media id", func() error { return c.DeleteDraft(ctx, "") }, wego.ErrMissingParameter, "media_id"},
		{"PublishDraft no media id", func() error { _, err := c.PublishDraft(ctx, ""); return err }, wego.ErrMissingParameter, "media_id"},
		{"GetPublishStatus no id", func() error { _, err := c.GetPublishStatus(ctx, ""); return err }, wego.ErrMissingParameter, "publish_id"},
		{"GetPublication no id", func() error { _, err := c.GetPublication(ctx, ""); return err }, wego.ErrMissingParameter, "article_id"},
		{"DeletePublication no id", func() error { return c.DeletePublication(ctx, "", 0) }, wego.ErrMissingParameter, "article_id"},
		{"DeletePublication index 9", func() error { return c.DeletePublication(ctx, "A", 9) }, wego.ErrInvalidParameter, "index: 9: 1 to 8 names an article, 0 all of them"},
		{"DeletePublication index -1", func() error { return c.DeletePublication(ctx, "A", -1) }, wego.ErrInvalidParameter, "index: -1"},
	} {
		err := tt.call()
		require.ErrorIs(t, err, tt.sentinel, tt.name)
		assert.Contains(t, err.Error(), tt.says, tt.name)
	}
	assert.Zero(t, draftRequestsSeen(srv), "bad input sent nothing, not even a token request")
}

// What WeChat's pages allow goes through: the limits themselves, eight
// articles, twenty images, a cover crop of each ratio, and HTML far past
// 20,000 characters whose text is not (styled markup, as WeChat's editors
// write it: the limit counts the text).
func TestDraftLimitsAreInclusive(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	cv := addCovers(t, srv)
	ctx := context.Background()
	edge := wego.DraftArticle{
		Title: strings.Repeat("标", 32), Author: strings.Repeat("作", 16), Digest: strings.Repeat("摘", 128),
		Content:          `<section style="margin:0;padding:0">` + strings.Repeat(`<span style="color:#333">字</span>&nbsp;`, 9999) + "字</section>",
		ContentSourceURL: "https://e.com/" + strings.Repeat("a", 1010),
		ThumbMediaID:     cv.thumb, PicCropWide: "0.194500_0_1_0.5236", PicCropSquare: "0.1_0.1_0.9_0.9",
	}
	eight := make([]wego.DraftArticle, 8)
	for i := range eight {
		eight[i] = edge
	}
	twenty := make([]string, 20)
	for i := range twenty {
		twenty[i] = srv.AddMaterial(wego.MediaImage, fmt.Sprint("img", i, ".png"), mediatest.PNG(4, 4))
	}
	pic := wego.DraftArticle{Type: wego.ArticleNewsPic, Title: "p", Content: "c", Images: twenty, CoverCrops: []wego.CoverCrop{
		{Ratio: "1_1", X1: "0", Y1: "0", X2: "1", Y2: "1"}, {Ratio: "16_9", X1: "0", Y1: "0.2", X2: "1", Y2: "0.7625"},
		{Ratio: "2.35_1", X1: "0", Y1: "0.3", X2: "1.0", Y2: "0.6"},
	}}
	id, err := c.AddDraft(ctx, append(eight[:7:7], pic)...)
	require.NoError(t, err)
	d, err := c.GetDraft(ctx, id)
	require.NoError(t, err)
	require.Len(t, d.Articles, 8)
	assert.Equal(t, twenty, d.Articles[7].Images)
	assert.Nil(t, d.Articles[7].CoverCrops, "draft/get answers no crops, as its page shows")
	_, err = c.AddDraft(ctx, eight...)
	require.NoError(t, err)
	assert.Equal(t, 2, srv.Requests(wegotest.PathDraftAdd))
}

func TestDraftsEndToEnd(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	cv := addCovers(t, srv)
	ctx := context.Background()

	n, err := c.CountDrafts(ctx)
	require.NoError(t, err)
	assert.Zero(t, n)

	a := fullNewsArticle
	a.ProductKey, a.ThumbMediaID = "", cv.thumb
	id, err := c.AddDraft(ctx, a, cv.article("second"))
	require.NoError(t, err)
	require.NotEmpty(t, id)
	d, err := c.GetDraft(ctx, id)
	require.NoError(t, err)
	require.Len(t, d.Articles, 2)
	assert.NotEmpty(t, d.Articles[0].URL, "WeChat answers a temporary link")
	d.Articles[0].URL, d.Articles[1].URL = "", ""
	assert.Equal(t, []wego.DraftArticle{
		{Type: wego.ArticleNews, Title: "Hello", Author: "老王", Digest: "d", Content: "<p>a & b</p>",
			ContentSourceURL: "https://example.com/?a=1&b=2", ThumbMediaID: cv.thumb, NeedOpenComment: true},
		{Type: wego.ArticleNews, Title: "second", Content: "<p>second & more</p>", ThumbMediaID: cv.thumb},
	}, d.Articles, "the crops are not answered back, as on WeChat")

	// One article without a digest gets the start of its content.
	single, err := c.AddDraft(ctx, wego.DraftArticle{Title: "t", Content: "<p>第一段 text</p><p>" + strings.Repeat("多", 60) + "</p>", ThumbMediaID: cv.thumb})
	require.NoError(t, err)
	d, err = c.GetDraft(ctx, single)
	require.NoError(t, err)
	assert.Equal(t, "第一段 text"+strings.Repeat("多", 46), d.Articles[0].Digest)

	// Updating the second article of the first draft.
	require.NoError(t, c.UpdateDraft(ctx, id, 1, cv.article("second, again")))
	d, err = c.GetDraft(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, "second, again", d.Articles[1].Title)
	assert.Equal(t, "Hello", d.Articles[0].Title)
	err = c.UpdateDraft(ctx, id, 2, cv.article("third"))
	assert.NoError(t, wantCode(err, wego.CodeInvalidIndex), "the draft has two articles")

	// The draft changed last comes first.
	var titles []string
	for d, err := range c.Drafts(ctx, true) {
		require.NoError(t, err)
		titles = append(titles, d.Articles[0].Title)
		assert.Empty(t, d.Articles[0].Content, "no_content")
		assert.False(t, d.UpdateTime.IsZero())
	}
	assert.Equal(t, []string{"Hello", "t"}, titles)
	assert.Len(t, srv.Drafts(), 2)

	require.NoError(t, c.DeleteDraft(ctx, single))
	n, err = c.CountDrafts(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	assert.NoError(t, wantCode(c.DeleteDraft(ctx, single), 40007))
	_, err = c.GetDraft(ctx, single)
	assert.NoError(t, wantCode(err, 40007))
	assert.NoError(t, wantCode(c.UpdateDraft(ctx, single, 0, cv.article("x")), 40007))

	// The fake refuses what WeChat refuses, sent through the raw layer.
	_, err = c.WeChat.DraftAdd(ctx, []wego.DraftArticle{{Title: strings.Repeat("标", 33), Content: "c", ThumbMediaID: cv.thumb}})
	assert.NoError(t, wantCode(err, 45003))
	_, err = c.WeChat.DraftAdd(ctx, []wego.DraftArticle{{Title: "t", Content: "c"}})
	assert.NoError(t, wantCode(err, 40007), "a news article without a cover")
	_, err = c.WeChat.DraftAdd(ctx, []wego.DraftArticle{{Title: "t", Content: "c", ThumbMediaID: cv.thumb, ProductKey: "PK"}})
	assert.NoError(t, wantCode(err, 53406), "the fake account cannot sell")
}

// Drafts reads 45 drafts in three pages, each once, and stops where the
// loop does.
func TestDraftsWalksEveryPage(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	cv := addCovers(t, srv)
	ctx := context.Background()
	for i := range 45 {
		_, err := c.AddDraft(ctx, cv.article(fmt.Sprint("d", i)))
		require.NoError(t, err)
	}
	seen := map[string]bool{}
	for d, err := range c.Drafts(ctx, false) {
		require.NoError(t, err)
		assert.False(t, seen[d.MediaID], "each draft once")
		seen[d.MediaID] = true
	}
	assert.Len(t, seen, 45)
	assert.Equal(t, 3, srv.Requests(wegotest.PathDraftBatchGet))

	n := 0
	for range c.Drafts(ctx, true) {
		n++
		if n == 21 {
			break
		}
	}
	assert.Equal(t, 5, srv.Requests(wegotest.PathDraftBatchGet), "two more pages: the loop stopped in the second")

	srv.FailNext(wegotest.PathDraftBatchGet, 40001) // a token rejected in the middle: refreshed, the page asked again
	ids, errs := collectDrafts(c.Drafts(ctx, true))
	assert.Empty(t, errs)
	assert.Len(t, ids, 45)

	srv.FailNext(wegotest.PathDraftBatchGet, 45009)
	ids, errs = collectDrafts(c.Drafts(ctx, true))
	assert.Empty(t, ids)
	require.Len(t, errs, 1)
	assert.NoError(t, wantCode(errs[0], 45009))
}
