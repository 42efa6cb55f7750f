package wego

import (
	"context"
	"encoding/json"
	"fmt"
	"github.com/wego-sdk/wego/internal/htmltext"
	"iter"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Paths of the draft endpoints (草稿箱).
const (
	pathDraftAdd      = "/cgi-bin/draft/add"
	pathDraftGet      = "/cgi-bin/draft/get"
	pathDraftUpdate   = "/cgi-bin/draft/update"
	pathDraftDelete   = "/cgi-bin/draft/delete"
	pathDraftCount    = "/cgi-bin/draft/count"
	pathDraftBatchGet = "/cgi-bin/draft/batchget"
)

// WeChat's limits on drafts, from its pages on adding and updating one.
const (
	// maxDraftArticles is the most articles of one draft: 8, as the web
	// console's editor and the mpnews messages take (45008 past it); the
	// draft pages do not say.
	maxDraftArticles = 8
	maxTitleChars    = 32  // title: 总长度不超过32个字
	maxAuthorChars   = 16  // author: 总长度不超过16个字
	maxDigestChars   = 128 // digest: 总长度不超过128个字
	// content: 必须少于2万字符, 小于1M. The characters are the text's, as
	// the editor counts words, not the markup's. The page's "大小不可超过
	// 2kb" beside them contradicts them and any article of some length:
	// it is not applied.
	maxContentChars   = 20000
	maxContentBytes   = 1 << 20
	maxSourceURLBytes = 1024 // content_source_url: 大小不可超过1 kb
	maxNewsPicImages  = 20   // image_info: 图片数量最多为20张
	maxCropDecimals   = 6    // a crop coordinate: 不超过小数点后6位数字
	draftPageSize     = 20   // draft/batchget, freepublish/batchget: count 1 to 20
)

// CodeInvalidIndex is WeChat's errcode for an index the draft has no
// article at ([Client.UpdateDraft]): invalid index value.
const CodeInvalidIndex = 40114

// ArticleType is the kind of a [DraftArticle] (article_type).
type ArticleType string

// The article types WeChat takes.
const (
	// ArticleNews is an article with a cover and an HTML body (图文消息),
	// WeChat's default when article_type is not sent.
	ArticleNews ArticleType = "news"
	// ArticleNewsPic is a picture message (图片消息): 1 to 20 images, the
	// first the cover, and a plain-text body.
	ArticleNewsPic ArticleType = "newspic"
)

// coverCropRatios are the ratios cover_info takes.
var coverCropRatios = []string{"1_1", "16_9", "2.35_1"}

// DraftArticle is one article of a draft ([Client.AddDraft]) or of a
// publication ([Client.GetPublication]). It marshals to the JSON WeChat
// takes and loads from the JSON it answers.
//
// A news article (Type "" or [ArticleNews]) needs Title, Content and
// ThumbMediaID, the media id of a permanent image material (its cover).
// A picture message ([ArticleNewsPic]) needs Title, Content (plain text)
// and 1 to 20 Images. WeChat's limits, checked before anything is sent:
// a title of at most 32 characters, an author of at most 16, a digest of
// at most 128, content under 1 MB with fewer than 20,000 characters of
// text (tags aside, as WeChat's editor counts), a content_source_url of
// at most 1 KB. Users have seen WeChat refuse shorter titles and authors
// than its pages allow (45003, 45110): WeChat has the last word.
type DraftArticle struct {
	// Type is news (the default, also when empty) or newspic.
	Type ArticleType
	// Title is required: at most 32 characters.
	Title string
	// Content is the body, required: HTML for news (WeChat strips
	// scripts, and images must be on WeChat's servers: upload them with
	// the uploadimg endpoint), plain text for newspic; under 1 MB, with
	// fewer than 20,000 characters of text (tags aside).
	Content string
	// ThumbMediaID is the cover of a news article, the media id of a
	// permanent image material: required for news.
	ThumbMediaID string
	// Author is at most 16 characters.
	Author string
	// Digest is the summary, at most 128 characters; WeChat takes the
	// start of Content (54 characters) when it is empty.
	Digest string
	// ContentSourceURL is the "read more" link (阅读原文), at most 1 KB.
	ContentSourceURL string
	// NeedOpenComment opens comments on the article; OnlyFansCanComment
	// limits them to followers.
	NeedOpenComment    bool
	OnlyFansCanComment bool
	// PicCropWide and PicCropSquare crop the cover of a news article to
	// 2.35:1 (pic_crop_235_1) and 1:1 (pic_crop_1_1): "X1_Y1_X2_Y2", the
	// top-left and bottom-right corners in a frame where the image runs
	// from 0,0 to 1,1, at most 6 decimals each: "0.1945_0_1_0.5236".
	// Empty leaves the crop to WeChat.
	PicCropWide   string
	PicCropSquare string
	// Images are the media ids of the images of a picture message
	// (image_info), permanent image materials, the first the cover: 1 to
	// 20 for newspic, none for news.
	Images []string
	// CoverCrops crop the cover of a picture message (cover_info), one
	// crop a ratio.
	CoverCrops []CoverCrop
	// ProductKey puts a product card at the end of the article
	// (product_info.footer_product_info.product_key), from WeChat's
	// product card endpoint; the account needs WeChat's selling
	// permission (53406 without, 53404 when it was taken away).
	ProductKey string
	// Extra holds fields this struct does not name, sent as given, for
	// what WeChat adds to articles; a field the struct writes wins.
	Extra map[string]any

	// URL, ThumbURL and Deleted are what WeChat answers about an article
	// it keeps, never sent: the link to the draft (temporary) or to the
	// published article, the link to its cover, and whether it was
	// deleted after publication ([Client.DeletePublication]).
	URL      string
	ThumbURL string
	Deleted  bool
}

// CoverCrop is a crop of the cover of a picture message: the ratio and the
// corners, as decimals in a frame where the image runs from 0,0 to 1,1
// ("0.166454"), at most 6 decimals each.
type CoverCrop struct {
	Ratio          string // "1_1", "16_9" or "2.35_1"
	X1, Y1, X2, Y2 string
}

// articleJSON is an article as WeChat writes it.
type articleJSON struct {
	ArticleType        ArticleType      `json:"article_type,omitempty"`
	Title              string           `json:"title"`
	Author             string           `json:"author,omitempty"`
	Digest             string           `json:"digest,omitempty"`
	Content            string           `json:"content"`
	ContentSourceURL   string           `json:"content_source_url,omitempty"`
	ThumbMediaID       string           `json:"thumb_media_id,omitempty"`
	NeedOpenComment    jsonInt          `json:"need_open_comment"`
	OnlyFansCanComment jsonInt          `json:"only_fans_can_comment"`
	PicCropWide        string           `json:"pic_crop_235_1,omitempty"`
	PicCropSquare      string           `json:"pic_crop_1_1,omitempty"`
	ImageInfo          *imageInfoJSON   `json:"image_info,omitempty"`
	CoverInfo          *coverInfoJSON   `json:"cover_info,omitempty"`
	ProductInfo        *productInfoJSON `json:"product_info,omitempty"`
	URL                string           `json:"url,omitempty"`
	ThumbURL           string           `json:"thumb_url,omitempty"`
	IsDeleted          bool             `json:"is_deleted,omitempty"`
}

type imageInfoJSON struct {
	ImageList []imageJSON `json:"image_list"`
}

type imageJSON struct {
	ImageMediaID string `json:"image_media_id"`
}

type coverInfoJSON struct {
	CropPercentList []cropPercentJSON `json:"crop_percent_list"`
}

type cropPercentJSON struct {
	Ratio string `json:"ratio"`
	X1    string `json:"x1"`
	Y1    string `json:"y1"`
	X2    string `json:"x2"`
	Y2    string `json:"y2"`
}

type productInfoJSON struct {
	FooterProductInfo struct {
		ProductKey string `json:"product_key"`
	} `json:"footer_product_info"`
}

// boolInt is b as WeChat's 0/1 fields write it.
func boolInt(b bool) jsonInt {
	if b {
		return 1
	}
	return 0
}

// MarshalJSON writes the article as WeChat takes it: need_open_comment
// and only_fans_can_comment as 0 or 1, the images under image_info, the
// crops under cover_info, the product key under product_info, then the
// fields of Extra the article does not write. URL, ThumbURL and Deleted
// are not written. "<", ">" and "&" stay as they are, as WeChat's pages
// ask (no \u escapes).
func (a DraftArticle) MarshalJSON() ([]byte, error) {
	j := articleJSON{
		ArticleType: a.Type, Title: a.Title, Author: a.Author, Digest: a.Digest, Content: a.Content,
		ContentSourceURL: a.ContentSourceURL, ThumbMediaID: a.ThumbMediaID,
		NeedOpenComment: boolInt(a.NeedOpenComment), OnlyFansCanComment: boolInt(a.OnlyFansCanComment),
		PicCropWide: a.PicCropWide, PicCropSquare: a.PicCropSquare,
	}
	if a.Images != nil {
		j.ImageInfo = &imageInfoJSON{ImageList: make([]imageJSON, len(a.Images))}
		for i, id := range a.Images {
			j.ImageInfo.ImageList[i] = imageJSON{id}
		}
	}
	if len(a.CoverCrops) > 0 {
		j.CoverInfo = &coverInfoJSON{}
		for _, c := range a.CoverCrops {
			j.CoverInfo.CropPercentList = append(j.CoverInfo.CropPercentList, cropPercentJSON(c))
		}
	}
	if a.ProductKey != "" {
		j.ProductInfo = &productInfoJSON{}
		j.ProductInfo.FooterProductInfo.ProductKey = a.ProductKey
	}
	b, err := encodeJSON(j)
	if err != nil || len(a.Extra) == 0 {
		return b, err
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(b, &fields); err != nil {
		return nil, err
	}
	for k, v := range a.Extra {
		if _, set := fields[k]; set {
			continue
		}
		raw, err := encodeJSON(v)
		if err != nil {
			return nil, fmt.Errorf("extra field %q: %w", k, err)
		}
		if raw == nil {
			raw = json.RawMessage("null")
		}
		fields[k] = raw
	}
	return encodeJSON(fields)
}

// UnmarshalJSON loads an article as WeChat answers it (draft/get,
// draft/batchget, freepublish/getarticle, freepublish/batchget); fields
// the struct does not name are dropped.
func (a *DraftArticle) UnmarshalJSON(data []byte) error {
	var j articleJSON
	if err := json.Unmarshal(data, &j); err != nil {
		return err
	}
	*a = DraftArticle{
		Type: j.ArticleType, Title: j.Title, Author: j.Author, Digest: j.Digest, Content: j.Content,
		ContentSourceURL: j.ContentSourceURL, ThumbMediaID: j.ThumbMediaID,
		NeedOpenComment: j.NeedOpenComment == 1, OnlyFansCanComment: j.OnlyFansCanComment == 1,
		PicCropWide: j.PicCropWide, PicCropSquare: j.PicCropSquare,
		URL: j.URL, ThumbURL: j.ThumbURL, Deleted: j.IsDeleted,
	}
	if j.ImageInfo != nil {
		a.Images = make([]string, 0, len(j.ImageInfo.ImageList))
		for _, im := range j.ImageInfo.ImageList {
			a.Images = append(a.Images, im.ImageMediaID)
		}
	}
	if j.CoverInfo != nil {
		for _, c := range j.CoverInfo.CropPercentList {
			a.CoverCrops = append(a.CoverCrops, CoverCrop(c))
		}
	}
	if j.ProductInfo != nil {
		a.ProductKey = j.ProductInfo.FooterProductInfo.ProductKey
	}
	return nil
}

// Validate reports whether WeChat would take a: the fields each type
// needs and WeChat's limits (see [DraftArticle]), the crops' form, valid
// UTF-8. The error wraps [ErrMissingParameter] or [ErrInvalidParameter]
// and names the field, e.g. "article › title: 33 characters, at most 32".
// [Client.AddDraft] and [Client.UpdateDraft] call it before sending
// anything; call it yourself to check an article when it is written, in
// a CMS, long before it is sent.
func (a DraftArticle) Validate() error { return a.check("article") }

// check refuses what WeChat's pages say it refuses, naming the article by
// path ("articles[2]", "article").
func (a DraftArticle) check(path string) error {
	field := func(name string) string { return path + " › " + name }
	for _, f := range [...]struct{ name, value string }{
		{"article_type", string(a.Type)}, {"title", a.Title}, {"author", a.Author}, {"digest", a.Digest},
		{"content", a.Content}, {"content_source_url", a.ContentSourceURL}, {"thumb_media_id", a.ThumbMediaID},
		{"pic_crop_235_1", a.PicCropWide}, {"pic_crop_1_1", a.PicCropSquare}, {"product_key", a.ProductKey},
	} {
		if !utf8.ValidString(f.value) {
			return invalid(field(f.name), "not valid UTF-8")
		}
	}
	newsPic := false
	switch a.Type {
	case "", ArticleNews:
	case ArticleNewsPic:
		newsPic = true
	default:
		return invalid(field("article_type"), "%q is not news or newspic", string(a.Type))
	}
	switch n := utf8.RuneCountInString(a.Title); {
	case n == 0:
		return missing(field("title"))
	case n > maxTitleChars:
		return invalid(field("title"), "%d characters, at most %d", n, maxTitleChars)
	}
	if n := utf8.RuneCountInString(a.Author); n > maxAuthorChars {
		return invalid(field("author"), "%d characters, at most %d", n, maxAuthorChars)
	}
	if n := utf8.RuneCountInString(a.Digest); n > maxDigestChars {
		return invalid(field("digest"), "%d characters, at most %d", n, maxDigestChars)
	}
	switch n := htmltext.Chars(a.Content); {
	case a.Content == "":
		return missing(field("content"))
	case len(a.Content) >= maxContentBytes:
		return invalid(field("content"), "%d bytes, under %d (1 MB)", len(a.Content), maxContentBytes)
	case n >= maxContentChars:
		return invalid(field("content"), "%d characters of text, fewer than %d", n, maxContentChars)
	}
	if n := len(a.ContentSourceURL); n > maxSourceURLBytes {
		return invalid(field("content_source_url"), "%d bytes, at most %d", n, maxSourceURLBytes)
	}
	if err := checkPicCrop(field("pic_crop_235_1"), a.PicCropWide); err != nil {
		return err
	}
	if err := checkPicCrop(field("pic_crop_1_1"), a.PicCropSquare); err != nil {
		return err
	}
	if !newsPic {
		switch {
		case a.ThumbMediaID == "":
			return missing(field("thumb_media_id, the cover a news article needs"))
		case len(a.Images) > 0:
			return invalid(field("image_info"), "images are for newspic articles; a news article has a cover (thumb_media_id)")
		case len(a.CoverCrops) > 0:
			return invalid(field("cover_info"), "cover crops are for newspic articles; crop a news cover with PicCropWide and PicCropSquare")
		}
		return nil
	}
	switch n := len(a.Images); {
	case n == 0:
		return missing(field("image_info: 1 to 20 images, which a newspic article needs"))
	case n > maxNewsPicImages:
		return invalid(field("image_info"), "%d images, at most %d", n, maxNewsPicImages)
	}
	for i, id := range a.Images {
		if id == "" {
			return missing(fmt.Sprintf("%s › image_info[%d]: image_media_id", path, i))
		}
		if !utf8.ValidString(id) {
			return invalid(fmt.Sprintf("%s › image_info[%d]", path, i), "not valid UTF-8")
		}
	}
	for i, c := range a.CoverCrops {
		at := fmt.Sprintf("%s › cover_info[%d]", path, i)
		if !slices.Contains(coverCropRatios, c.Ratio) {
			return invalid(at+" › ratio", "%q is not 1_1, 16_9 or 2.35_1", c.Ratio)
		}
		if err := checkCorners(at, c.X1, c.Y1, c.X2, c.Y2); err != nil {
			return err
		}
	}
	return nil
}

// checkPicCrop checks a crop written "X1_Y1_X2_Y2"; "" is no crop.
func checkPicCrop(path, crop string) error {
	if crop == "" {
		return nil
	}
	parts := strings.Split(crop, "_")
	if len(parts) != 4 {
		return invalid(path, "%q is not X1_Y1_X2_Y2", crop)
	}
	return checkCorners(path, parts[0], parts[1], parts[2], parts[3])
}

// checkCorners checks the corners of a crop: decimals from 0 to 1 with at
// most 6 decimals, the top-left above and left of the bottom-right.
func checkCorners(path string, x1, y1, x2, y2 string) error {
	var v [4]float64
	for i, s := range [4]string{x1, y1, x2, y2} {
		f, ok := cropCoordinate(s)
		if !ok {
			return invalid(path, "corner %q is not a decimal from 0 to 1 with at most %d decimals", s, maxCropDecimals)
		}
		v[i] = f
	}
	if v[0] >= v[2] || v[1] >= v[3] {
		return invalid(path, "the top-left corner (%s, %s) is not above and left of the bottom-right one (%s, %s)", x1, y1, x2, y2)
	}
	return nil
}

// cropCoordinate reads a coordinate as WeChat writes one: "0", "1",
// "0.1945"; no sign, no exponent, at most 6 decimals, 0 to 1.
func cropCoordinate(s string) (float64, bool) {
	whole, frac, dot := strings.Cut(s, ".")
	if whole == "" || len(frac) > maxCropDecimals || dot && frac == "" {
		return 0, false
	}
	for _, c := range whole + frac {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f > 1 {
		return 0, false
	}
	return f, true
}

// checkArticles checks the articles of a new draft: 1 to 8, each valid.
func checkArticles(articles []DraftArticle) error {
	switch n := len(articles); {
	case n == 0:
		return missing("articles: 1 to 8")
	case n > maxDraftArticles:
		return invalid("articles", "%d articles, at most %d a draft", n, maxDraftArticles)
	}
	for i, a := range articles {
		if err := a.check(fmt.Sprintf("articles[%d]", i)); err != nil {
			return err
		}
	}
	return nil
}

// Draft is a draft of the account's draft box (草稿箱): its media id and
// its articles, as [Client.GetDraft] and [Client.Drafts] tell it.
type Draft struct {
	MediaID  string
	Articles []DraftArticle
	// UpdateTime is when the draft last changed, as draft/batchget
	// tells; zero from GetDraft, whose answer does not say.
	UpdateTime time.Time
}

// draftItemJSON is a draft as draft/batchget and freepublish/batchget
// write one.
type draftItemJSON struct {
	MediaID    string `json:"media_id"`
	ArticleID  string `json:"article_id"`
	UpdateTime int64  `json:"update_time"`
	Content    struct {
		NewsItem []DraftArticle `json:"news_item"`
	} `json:"content"`
}

func unixTime(sec int64) time.Time {
	if sec <= 0 {
		return time.Time{}
	}
	return time.Unix(sec, 0)
}

func (j draftItemJSON) draft() Draft {
	return Draft{MediaID: j.MediaID, Articles: j.Content.NewsItem, UpdateTime: unixTime(j.UpdateTime)}
}

// mediaIDBody is the body of the calls that take a media id alone
// (draft/get, draft/delete, freepublish/submit, material/get_material,
// material/del_material).
type mediaIDBody struct {
	MediaID string `json:"media_id"`
}

// pageBody is the body of draft/batchget and freepublish/batchget.
type pageBody struct {
	Offset    int `json:"offset"`
	Count     int `json:"count"`
	NoContent int `json:"no_content"`
}

func newPageBody(offset, count int, noContent bool) pageBody {
	b := pageBody{Offset: offset, Count: count}
	if noContent {
		b.NoContent = 1
	}
	return b
}

// DraftAdd adds a draft of articles to the draft box (/cgi-bin/draft/add),
// sent as given, and returns WeChat's answer: {"media_id":"MEDIA_ID"}.
// [Client.AddDraft] checks the articles first.
//
// WeChat docs: https://developers.weixin.qq.com/doc/offiaccount/Draft_Box/Add_draft.html
func (w *WeChatAPI) DraftAdd(ctx context.Context, articles []DraftArticle) (json.RawMessage, error) {
	return rawAnswer(func(out any) error {
		return w.Post(ctx, pathDraftAdd, nil, struct {
			Articles []DraftArticle `json:"articles"`
		}{articles}, out)
	})
}

// DraftGet returns a draft (/cgi-bin/draft/get): {"news_item":[...]}; an
// unknown media id is errcode 40007.
//
// WeChat docs: https://developers.weixin.qq.com/doc/offiaccount/Draft_Box/Get_draft.html
func (w *WeChatAPI) DraftGet(ctx context.Context, mediaID string) (json.RawMessage, error) {
	return rawAnswer(func(out any) error { return w.postRead(ctx, pathDraftGet, mediaIDBody{mediaID}, out) })
}

// DraftUpdate replaces the article at index (0 the first) of a draft
// (/cgi-bin/draft/update), sent as given, and returns WeChat's answer.
// [Client.UpdateDraft] checks the article first.
//
// WeChat docs: https://developers.weixin.qq.com/doc/offiaccount/Draft_Box/Update_draft.html
func (w *WeChatAPI) DraftUpdate(ctx context.Context, mediaID string, index int, article DraftArticle) (json.RawMessage, error) {
	return rawAnswer(func(out any) error {
		return w.Post(ctx, pathDraftUpdate, nil, struct {
			MediaID  string       `json:"media_id"`
			Index    int          `json:"index"`
			Articles DraftArticle `json:"articles"`
		}{mediaID, index, article}, out)
	})
}

// DraftDelete deletes a draft (/cgi-bin/draft/delete), for good, and
// returns WeChat's answer; an unknown media id is errcode 40007.
//
// WeChat docs: https://developers.weixin.qq.com/doc/offiaccount/Draft_Box/Delete_draft.html
func (w *WeChatAPI) DraftDelete(ctx context.Context, mediaID string) (json.RawMessage, error) {
	return rawAnswer(func(out any) error { return w.Post(ctx, pathDraftDelete, nil, mediaIDBody{mediaID}, out) })
}

// DraftCount returns how many drafts the account has
// (/cgi-bin/draft/count): {"total_count":15}.
//
// WeChat docs: https://developers.weixin.qq.com/doc/offiaccount/Draft_Box/Count_drafts.html
func (w *WeChatAPI) DraftCount(ctx context.Context) (json.RawMessage, error) {
	return rawAnswer(func(out any) error { return w.Get(ctx, pathDraftCount, nil, out) })
}

// DraftBatchGet returns one page of the draft box (/cgi-bin/draft/batchget):
// count drafts (1 to 20) from offset (0 the first), without their
// articles' content when noContent is set:
// {"total_count":2,"item_count":2,"item":[{"media_id":...,"content":{"news_item":[...]},"update_time":...}]}.
// [Client.Drafts] walks every page.
//
// WeChat docs: https://developers.weixin.qq.com/doc/offiaccount/Draft_Box/Get_draft_list.html
func (w *WeChatAPI) DraftBatchGet(ctx context.Context, offset, count int, noContent bool) (json.RawMessage, error) {
	return rawAnswer(func(out any) error { return w.draftBatchGet(ctx, offset, count, noContent, out) })
}

func (w *WeChatAPI) draftBatchGet(ctx context.Context, offset, count int, noContent bool, out any) error {
	return w.postRead(ctx, pathDraftBatchGet, newPageBody(offset, count, noContent), out)
}

// AddDraft adds a draft of 1 to 8 articles to the draft box (草稿箱) and
// returns its media id, which [Client.PublishDraft] publishes. The
// articles are checked against WeChat's limits first ([DraftArticle.Validate]):
// what WeChat would refuse gives an error wrapping [ErrMissingParameter]
// or [ErrInvalidParameter] that names the article and the field, e.g.
// "articles[1] › title: 33 characters, at most 32", and nothing is sent.
// WeChat replaced permanent news materials (add_news, Python wego's
// news calls, which it has answered 45106 ([CodeAPIRetired]) since 2022-02-28) with drafts.
//
//	mediaID, err := c.AddDraft(ctx, wego.DraftArticle{Title: "Hello", Content: "<p>...</p>", ThumbMediaID: cover})
//
// WeChat docs: https://developers.weixin.qq.com/doc/offiaccount/Draft_Box/Add_draft.html
func (c *Client) AddDraft(ctx context.Context, articles ...DraftArticle) (string, error) {
	if err := checkArticles(articles); err != nil {
		return "", err
	}
	var a mediaIDBody
	raw, err := c.WeChat.DraftAdd(ctx, articles)
	if err != nil {
		return "", err
	}
	if err := decodeJSON(pathDraftAdd, raw, &a); err != nil {
		return "", err
	}
	if a.MediaID == "" {
		return "", &HTTPError{Endpoint: pathDraftAdd, StatusCode: http.StatusOK, Reason: "answer without media_id"}
	}
	return a.MediaID, nil
}

// GetDraft returns a draft with its articles; WeChat answers 40007 for a
// media id no draft has (a published draft leaves the draft box).
//
// WeChat docs: https://developers.weixin.qq.com/doc/offiaccount/Draft_Box/Get_draft.html
func (c *Client) GetDraft(ctx context.Context, mediaID string) (*Draft, error) {
	if mediaID == "" {
		return nil, missing("media_id")
	}
	var a struct {
		NewsItem []DraftArticle `json:"news_item"`
	}
	if err := c.WeChat.postRead(ctx, pathDraftGet, mediaIDBody{mediaID}, &a); err != nil {
		return nil, err
	}
	return &Draft{MediaID: mediaID, Articles: a.NewsItem}, nil
}

// UpdateDraft replaces the article at index of a draft, 0 the first, as
// WeChat counts here (freepublish counts from 1). The article is checked
// as [Client.AddDraft] checks one, and the index is 0 to 7, before
// anything is sent; WeChat answers 40114 for an index the draft does not
// have and 40007 for an unknown media id.
//
// WeChat docs: https://developers.weixin.qq.com/doc/offiaccount/Draft_Box/Update_draft.html
func (c *Client) UpdateDraft(ctx context.Context, mediaID string, index int, article DraftArticle) error {
	if mediaID == "" {
		return missing("media_id")
	}
	if index < 0 || index >= maxDraftArticles {
		return invalid("index", "%d: a draft's articles are 0 to %d", index, maxDraftArticles-1)
	}
	if err := article.Validate(); err != nil {
		return err
	}
	_, err := c.WeChat.DraftUpdate(ctx, mediaID, index, article)
	return err
}

// DeleteDraft deletes a draft for good; WeChat answers 40007 for a media
// id no draft has.
//
// WeChat docs: https://developers.weixin.qq.com/doc/offiaccount/Draft_Box/Delete_draft.html
func (c *Client) DeleteDraft(ctx context.Context, mediaID string) error {
	if mediaID == "" {
		return missing("media_id")
	}
	_, err := c.WeChat.DraftDelete(ctx, mediaID)
	return err
}

// CountDrafts returns how many drafts the draft box holds.
//
// WeChat docs: https://developers.weixin.qq.com/doc/offiaccount/Draft_Box/Count_drafts.html
func (c *Client) CountDrafts(ctx context.Context) (int, error) {
	var a struct {
		TotalCount int `json:"total_count"`
	}
	if err := c.WeChat.Get(ctx, pathDraftCount, nil, &a); err != nil {
		return 0, err
	}
	return a.TotalCount, nil
}

// Drafts returns every draft of the draft box, page after page of WeChat's
// list (/cgi-bin/draft/batchget, 20 a page, in WeChat's order), holding
// one page at a time. With noContent the articles come without their
// Content, a much smaller answer. An error is yielded once and ends the
// walk; breaking out of the loop ends it too; a token WeChat rejects in
// the middle is refreshed and the page asked again. WeChat pages by
// offset: a draft added or deleted during the walk shifts the drafts
// after it, and one may be missed or seen twice.
//
//	for d, err := range c.Drafts(ctx, true) {
//		if err != nil {
//			return err
//		}
//		fmt.Println(d.MediaID, d.Articles[0].Title)
//	}
//
// WeChat docs: https://developers.weixin.qq.com/doc/offiaccount/Draft_Box/Get_draft_list.html
func (c *Client) Drafts(ctx context.Context, noContent bool) iter.Seq2[Draft, error] {
	return walkOffsetPages(ctx, func(ctx context.Context, offset int, p *offsetPage) error {
		return c.WeChat.draftBatchGet(ctx, offset, draftPageSize, noContent, p)
	}, draftItemJSON.draft)
}

// offsetPage is a page of draft/batchget or freepublish/batchget.
type offsetPage struct {
	TotalCount int             `json:"total_count"`
	ItemCount  int             `json:"item_count"`
	Item       []draftItemJSON `json:"item"`
}

// walkOffsetPages yields the items of every page fetch gives, from offset
// 0, each page's items moving the offset on, until a page is empty or the
// offset reaches the total WeChat gave. Only the page being yielded is
// held.
func walkOffsetPages[T any](ctx context.Context, fetch func(ctx context.Context, offset int, p *offsetPage) error, conv func(draftItemJSON) T) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		offset := 0
		for {
			if err := ctx.Err(); err != nil {
				yield(zero, err)
				return
			}
			var p offsetPage // a new page each time: the last one is garbage once used up
			if err := fetch(ctx, offset, &p); err != nil {
				yield(zero, err)
				return
			}
			for _, it := range p.Item {
				if !yield(conv(it), nil) {
					return
				}
			}
			offset += len(p.Item)
			if len(p.Item) == 0 || offset >= p.TotalCount {
				return
			}
		}
	}
}
