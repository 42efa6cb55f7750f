package wego

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"iter"
	"log/slog"
	"mime"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/wego-sdk/wego/internal/media"
)

// Paths of the material endpoints (素材管理).
const (
	pathMediaUpload        = "/cgi-bin/media/upload"
	pathMediaGet           = "/cgi-bin/media/get"
	pathMediaUploadImg     = "/cgi-bin/media/uploadimg"
	pathMaterialAddNews    = "/cgi-bin/material/add_news"
	pathMaterialUpdateNews = "/cgi-bin/material/update_news"
	pathMaterialAdd        = "/cgi-bin/material/add_material"
	pathMaterialGet        = "/cgi-bin/material/get_material"
	pathMaterialDel        = "/cgi-bin/material/del_material"
	pathMaterialCount      = "/cgi-bin/material/get_materialcount"
	pathMaterialBatchGet   = "/cgi-bin/material/batchget_material"
)

// MediaType is the type of a material: image, voice, video and thumb for
// files, news for the articles of a news material (图文素材).
type MediaType string

// The types of materials.
const (
	MediaImage MediaType = "image"
	MediaVoice MediaType = "voice"
	MediaVideo MediaType = "video"
	MediaThumb MediaType = "thumb" // a thumbnail: the cover of a video or music message, a JPEG of at most 64 KB
	MediaNews  MediaType = "news"  // a news material's articles; only listed, read and deleted since 2022
)

// WeChat's limits on materials, as its pages state them today (the limits
// of the console, 公众平台官网): see [Client.AddTemporaryMaterial] and
// [Client.AddOtherMaterial].
const (
	// TemporaryMediaLifetime is how long WeChat keeps a temporary
	// material: its media_id stops working three days after the upload.
	TemporaryMediaLifetime = 72 * time.Hour
	// MaxVoiceDuration is the longest a voice material plays.
	MaxVoiceDuration = 60 * time.Second

	maxImageBytes          = 10 << 20  // image: 10 MB
	maxVoiceBytes          = 2 << 20   // voice: 2 MB
	maxVideoBytes          = 10 << 20  // video: 10 MB
	maxThumbBytes          = 64 << 10  // thumb: 64 KB
	maxContentPictureBytes = 1<<20 - 1 // uploadimg: "under 1 MB"

	maxNewsArticles     = 8         // a news material holds 1 to 8 articles
	maxNewsContentChars = 20000 - 1 // "fewer than 20,000 characters"
	maxNewsContentBytes = 1<<20 - 1 // "and under 1 MB"
	materialsPerPage    = 20        // batchget_material: count 1 to 20
	maxMediaDownload    = 64 << 20  // what a download copies at most; WeChat's materials are at most 10 MB
)

// mediaRule is what WeChat takes for a type of material.
type mediaRule struct {
	what    string         // "a temporary image", for messages
	formats []media.Format // by extension and by content alike
	max     int64          // bytes, at most
	maxText string         // max as WeChat's page says it
	voice   bool           // plays at most MaxVoiceDuration
}

var (
	temporaryRules = map[MediaType]mediaRule{
		MediaImage: {"a temporary image", []media.Format{media.PNG, media.JPEG, media.GIF}, maxImageBytes, "10 MB", false},
		MediaVoice: {"a temporary voice", []media.Format{media.AMR, media.MP3}, maxVoiceBytes, "2 MB", true},
		MediaVideo: {"a temporary video", []media.Format{media.MP4}, maxVideoBytes, "10 MB", false},
		MediaThumb: {"a temporary thumb", []media.Format{media.JPEG}, maxThumbBytes, "64 KB", false},
	}
	permanentRules = map[MediaType]mediaRule{
		MediaImage: {"a permanent image", []media.Format{media.BMP, media.PNG, media.JPEG, media.GIF}, maxImageBytes, "10 MB", false},
		MediaVoice: {"a permanent voice", []media.Format{media.MP3, media.WMA, media.WAV, media.AMR}, maxVoiceBytes, "2 MB", true},
		MediaVideo: {"a permanent video", []media.Format{media.MP4}, maxVideoBytes, "10 MB", false},
		MediaThumb: {"a permanent thumb", []media.Format{media.JPEG}, maxThumbBytes, "64 KB", false},
	}
	contentPictureRule = mediaRule{"a content picture", []media.Format{media.JPEG, media.PNG}, maxContentPictureBytes, "under 1 MB", false}
)

func (r *mediaRule) takes(f media.Format) bool {
	for _, g := range r.formats {
		if g == f {
			return true
		}
	}
	return false
}

// formatList writes the rule's formats for a message: "PNG, JPEG or GIF".
func (r *mediaRule) formatList() string {
	names := make([]string, len(r.formats))
	for i, f := range r.formats {
		names[i] = f.String()
	}
	if len(names) == 1 {
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

// Media is a file to upload as a material: its name, and its bytes, read
// once as they are sent and never held whole, so a 10 MB video costs the
// SDK a few kilobytes.
//
// Before any byte is sent, the upload is checked against WeChat's limits
// for its type, and refused with an error wrapping [ErrInvalidParameter]
// that names the file and the limit: the format, by the name's extension
// and by the content's first bytes alike (they must agree: a PNG named
// cat.jpg is refused); the size, when it is known (see Size); a voice's
// playing time (see [Client.AddTemporaryMaterial]). When the size is not
// known, the bytes are counted as they are sent and the upload is
// aborted, with the same error, past the limit.
//
// Body is read from its position to its end. When WeChat rejects the
// access token, the upload is sent again with a new one only when Body
// is an [io.Seeker] (an *os.File, a *bytes.Reader), sought back to where
// it started; any other reader cannot give its bytes twice without the
// SDK keeping them, which it does not, so the rejection is returned (an
// [*APIError] with TokenInvalid), the token being refreshed as for any
// call (see [Client.AccessToken]): call again with a new reader.
type Media struct {
	// Name is the file's name, such as "cat.jpg"; a path is cut to its
	// last element. WeChat takes the format from the extension. It holds
	// no control characters, quotes or backslashes.
	Name string
	// Body gives the file's bytes.
	Body io.Reader
	// Size is the number of bytes Body gives, for a Body that cannot tell
	// it; 0 asks Body: an io.Seeker (the bytes from its position to its
	// end), a Len() int (a *bytes.Buffer), or a Stat() of a regular file
	// (an fs.File not yet read). A Body that gives another number of bytes
	// fails the upload.
	Size int64
}

// TemporaryMedia is a temporary material WeChat keeps for three days
// ([Client.AddTemporaryMaterial]).
type TemporaryMedia struct {
	Type      MediaType
	MediaID   string    // media_id (thumb_media_id for a thumb): for messages and replies
	CreatedAt time.Time // created_at: when WeChat took it
	Expiry    time.Time // CreatedAt + TemporaryMediaLifetime: when the media_id stops working
}

// TemporaryMaterial is what [Client.GetTemporaryMaterial] got.
type TemporaryMaterial struct {
	Written     int64  // bytes copied into the writer: the file; 0 for a video
	ContentType string // the file's Content-Type as WeChat answered it, such as "image/jpeg"
	FileName    string // the file's name in WeChat's Content-Disposition, such as "MEDIA_ID.jpg"
	// VideoURL is a video's address: WeChat answers it instead of the
	// video's bytes (get it with an HTTP GET, without access token).
	VideoURL string
}

// OtherMaterial is a permanent material to add from a file
// ([Client.AddOtherMaterial]): an image, a voice, a video or a thumb.
type OtherMaterial struct {
	Type  MediaType
	Media Media
	// Title and Introduction describe a video (add_material's description
	// field, {"title":...,"introduction":...}), sent with every video;
	// other types take none.
	Title        string
	Introduction string
}

// PermanentMedia is a permanent material WeChat made from a file
// ([Client.AddOtherMaterial]).
type PermanentMedia struct {
	MediaID string
	// URL is an image's address on WeChat's servers (mmbiz.qpic.cn), shown
	// within Tencent's domains only; "" for the other types.
	URL string
}

// PermanentMaterial is what [Client.GetPermanentMaterial] got: the file
// of an image, a voice or a thumb (copied into the writer), the articles
// of a news material, or a video's description and address.
type PermanentMaterial struct {
	Written     int64  // bytes copied into the writer; 0 for news and video
	ContentType string // the file's Content-Type as WeChat answered it
	FileName    string // the file's name in WeChat's Content-Disposition
	// News is a news material's articles, nil for the other types.
	News []NewsArticle
	// Video is a video's description and address, nil for the other types.
	Video *VideoMaterial
}

// VideoMaterial is a permanent video as get_material describes it.
type VideoMaterial struct {
	Title       string
	Description string
	DownURL     string // down_url: the video's address (get it with an HTTP GET)
}

// NewsArticle is an article of a news material (图文素材): what
// get_material and batchget_material answer, and what add_news and
// update_news took before WeChat retired them.
type NewsArticle struct {
	Title string
	// ThumbMediaID is the cover: a permanent image or thumb material.
	ThumbMediaID string
	Author       string
	// Digest is the summary; WeChat keeps it for a material of one
	// article and takes the content's first 64 characters when empty.
	Digest       string
	ShowCoverPic bool
	// Content is the article's HTML, fewer than 20,000 characters and
	// under 1 MB, JavaScript removed; pictures from other sites are
	// dropped: take them from [Client.UploadContentPicture].
	Content string
	// ContentSourceURL is the address of "Read more" (阅读原文).
	ContentSourceURL   string
	NeedOpenComment    bool
	OnlyFansCanComment bool
	// URL is the article's page, and ThumbURL the cover's address, as
	// WeChat answers them; never sent.
	URL      string
	ThumbURL string
}

// newsArticleJSON is a NewsArticle as WeChat writes it.
type newsArticleJSON struct {
	Title              string  `json:"title"`
	ThumbMediaID       string  `json:"thumb_media_id"`
	Author             string  `json:"author"`
	Digest             string  `json:"digest"`
	ShowCoverPic       jsonInt `json:"show_cover_pic"`
	Content            string  `json:"content"`
	ContentSourceURL   string  `json:"content_source_url"`
	NeedOpenComment    jsonInt `json:"need_open_comment,omitempty"`
	OnlyFansCanComment jsonInt `json:"only_fans_can_comment,omitempty"`
	URL                string  `json:"url,omitempty"`
	ThumbURL           string  `json:"thumb_url,omitempty"`
}

func (a NewsArticle) json() newsArticleJSON {
	return newsArticleJSON{
		Title: a.Title, ThumbMediaID: a.ThumbMediaID, Author: a.Author, Digest: a.Digest,
		ShowCoverPic: boolInt(a.ShowCoverPic), Content: a.Content, ContentSourceURL: a.ContentSourceURL,
		NeedOpenComment: boolInt(a.NeedOpenComment), OnlyFansCanComment: boolInt(a.OnlyFansCanComment),
	}
}

func (j newsArticleJSON) article() NewsArticle {
	return NewsArticle{
		Title: j.Title, ThumbMediaID: j.ThumbMediaID, Author: j.Author, Digest: j.Digest,
		ShowCoverPic: j.ShowCoverPic != 0, Content: j.Content, ContentSourceURL: j.ContentSourceURL,
		NeedOpenComment: j.NeedOpenComment != 0, OnlyFansCanComment: j.OnlyFansCanComment != 0,
		URL: j.URL, ThumbURL: j.ThumbURL,
	}
}

func articlesOf(in []newsArticleJSON) []NewsArticle {
	out := make([]NewsArticle, len(in))
	for i, j := range in {
		out[i] = j.article()
	}
	return out
}

// check refuses what add_news refused, naming the field by its path.
func (a NewsArticle) check(path string) error {
	switch {
	case a.Title == "":
		return missing(path + ".Title")
	case a.ThumbMediaID == "":
		return missing(path + ".ThumbMediaID: the cover, a permanent image or thumb material")
	case a.Content == "":
		return missing(path + ".Content")
	case utf8.RuneCountInString(a.Content) > maxNewsContentChars:
		return invalid(path+".Content", "%d characters, fewer than 20000", utf8.RuneCountInString(a.Content))
	case len(a.Content) > maxNewsContentBytes:
		return invalid(path+".Content", "%d bytes, under 1 MB", len(a.Content))
	}
	return nil
}

// MaterialsCount is how many permanent materials of each type the account
// has ([Client.GetMaterialsCount]). WeChat counts no thumbs apart;
// wegotest counts them among images.
type MaterialsCount struct {
	Voice int `json:"voice_count"`
	Video int `json:"video_count"`
	Image int `json:"image_count"`
	News  int `json:"news_count"`
}

// Material is a permanent material as WeChat lists it ([Client.Materials],
// [Client.GetMaterialsList]).
type Material struct {
	MediaID    string
	Type       MediaType // the type the list was asked for
	Name       string    // the file's name; "" for news
	URL        string    // an image's address on WeChat's servers; "" for news
	UpdateTime time.Time
	News       []NewsArticle // a news material's articles
}

// MaterialsPage is one page of the account's permanent materials of a
// type ([Client.GetMaterialsList]).
type MaterialsPage struct {
	Total int        // total_count: the materials of the type
	Items []Material // at most the count asked for
}

type materialsPageJSON struct {
	TotalCount int `json:"total_count"`
	ItemCount  int `json:"item_count"`
	Item       []struct {
		MediaID    string  `json:"media_id"`
		Name       string  `json:"name"`
		URL        string  `json:"url"`
		UpdateTime jsonInt `json:"update_time"`
		Content    struct {
			NewsItem []newsArticleJSON `json:"news_item"`
		} `json:"content"`
	} `json:"item"`
}

func (p *materialsPageJSON) page(typ MediaType) *MaterialsPage {
	out := &MaterialsPage{Total: p.TotalCount, Items: make([]Material, len(p.Item))}
	for i, it := range p.Item {
		m := Material{MediaID: it.MediaID, Type: typ, Name: it.Name, URL: it.URL}
		if it.UpdateTime > 0 {
			m.UpdateTime = time.Unix(int64(it.UpdateTime), 0)
		}
		if it.Content.NewsItem != nil {
			m.News = articlesOf(it.Content.NewsItem)
		}
		out.Items[i] = m
	}
	return out
}

// ----- raw layer -----

// MediaUpload uploads a temporary material of type typ (image, voice,
// video or thumb) as multipart/form-data, the file in the field "media"
// (/cgi-bin/media/upload), and returns WeChat's answer:
// {"type":"image","media_id":"...","created_at":1714550400}, with
// thumb_media_id instead of media_id for a thumb. It streams m as given,
// with the Content-Type its extension names, unchecked:
// [Client.AddTemporaryMaterial] checks it first. See [Media] on retries.
//
// WeChat docs: https://developers.weixin.qq.com/doc/offiaccount/Asset_Management/New_temporary_materials.html
func (w *WeChatAPI) MediaUpload(ctx context.Context, typ string, m Media) (json.RawMessage, error) {
	b, err := prepareMedia(m, nil)
	if err != nil {
		return nil, err
	}
	return rawAnswer(func(out any) error {
		return w.c.postMedia(ctx, pathMediaUpload, url.Values{"type": {typ}}, b, out)
	})
}

// MediaGet copies a temporary material into dst as it arrives
// (/cgi-bin/media/get) and returns how many bytes it wrote. For a video
// WeChat answers JSON instead, {"video_url":"http://..."}, returned as
// answer with nothing written; an unknown or expired media_id is errcode
// 40007. A file over 64 MiB fails with [ErrResponseTooLarge]. WeChat's
// JSON answers are retried as for JSON calls (a rejected token, "system
// busy"); an error in the middle of the bytes is not.
//
// WeChat docs: https://developers.weixin.qq.com/doc/offiaccount/Asset_Management/Get_temporary_materials.html
func (w *WeChatAPI) MediaGet(ctx context.Context, mediaID string, dst io.Writer) (n int64, answer json.RawMessage, err error) {
	if dst == nil {
		return 0, nil, missing("the writer to copy the material into")
	}
	a, err := w.c.mediaGet(ctx, mediaID, dst)
	return a.n, a.json, err
}

func (c *Client) mediaGet(ctx context.Context, mediaID string, dst io.Writer) (mediaAnswer, error) {
	var a mediaAnswer
	err := c.mediaCall(ctx, pathMediaGet, true, true, func(tok string, _ int) error {
		u := c.baseURL + pathMediaGet + "?" + url.Values{"access_token": {tok}, "media_id": {mediaID}}.Encode()
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			return fmt.Errorf("wego: %s: %w", pathMediaGet, redactURLError(err))
		}
		a, err = c.downloadMedia(ctx, req, pathMediaGet, maxMediaDownload, dst, true)
		return err
	})
	return a, err
}

// MediaUploadImg uploads a picture for the content of an article
// (/cgi-bin/media/uploadimg) and returns WeChat's answer:
// {"url":"http://mmbiz.qpic.cn/..."}. It streams m as given, unchecked:
// [Client.UploadContentPicture] checks it first.
//
// WeChat docs: https://developers.weixin.qq.com/doc/offiaccount/Asset_Management/Adding_Permanent_Assets.html
func (w *WeChatAPI) MediaUploadImg(ctx context.Context, m Media) (json.RawMessage, error) {
	b, err := prepareMedia(m, nil)
	if err != nil {
		return nil, err
	}
	return rawAnswer(func(out any) error { return w.c.postMedia(ctx, pathMediaUploadImg, nil, b, out) })
}

// MaterialAddNews asks WeChat to add a news material of articles
// (/cgi-bin/material/add_news) and returns its answer. WeChat retired the
// endpoint on 2022-02-28 (drafts replace it): it answers errcode 45106
// ([CodeAPIRetired]), and so does wegotest. See [Client.AddPermanentMaterial].
//
// WeChat docs: https://developers.weixin.qq.com/doc/offiaccount/Asset_Management/Adding_Permanent_Assets.html
func (w *WeChatAPI) MaterialAddNews(ctx context.Context, articles []NewsArticle) (json.RawMessage, error) {
	list := make([]newsArticleJSON, len(articles))
	for i, a := range articles {
		list[i] = a.json()
	}
	return rawAnswer(func(out any) error {
		return w.Post(ctx, pathMaterialAddNews, nil, struct {
			Articles []newsArticleJSON `json:"articles"`
		}{list}, out)
	})
}

// MaterialUpdateNews asks WeChat to replace the article at index (from 0)
// of the news material mediaID (/cgi-bin/material/update_news) and returns
// its answer. Retired with add_news on 2022-02-28: WeChat answers errcode
// 45106 ([CodeAPIRetired]). See [Client.UpdateMaterial].
//
// WeChat docs: https://developers.weixin.qq.com/doc/offiaccount/Asset_Management/Editing_Permanent_Rich_Media_Assets.html
func (w *WeChatAPI) MaterialUpdateNews(ctx context.Context, mediaID string, index int, article NewsArticle) (json.RawMessage, error) {
	return rawAnswer(func(out any) error {
		return w.Post(ctx, pathMaterialUpdateNews, nil, struct {
			MediaID  string          `json:"media_id"`
			Index    int             `json:"index"`
			Articles newsArticleJSON `json:"articles"`
		}{mediaID, index, article.json()}, out)
	})
}

// MaterialAddMaterial uploads a permanent material of type typ (image,
// voice, video or thumb) as multipart/form-data, the file in the field
// "media" (/cgi-bin/material/add_material), and returns WeChat's answer:
// {"media_id":"...","url":"..."}, url for an image only. For a video it
// sends the field "description", {"title":...,"introduction":...}. It
// streams m as given, unchecked: [Client.AddOtherMaterial] checks it
// first. See [Media] on retries.
//
// WeChat docs: https://developers.weixin.qq.com/doc/offiaccount/Asset_Management/Adding_Permanent_Assets.html
func (w *WeChatAPI) MaterialAddMaterial(ctx context.Context, typ string, m Media, title, introduction string) (json.RawMessage, error) {
	b, err := prepareMedia(m, nil)
	if err != nil {
		return nil, err
	}
	if err := b.describeVideo(typ, title, introduction); err != nil {
		return nil, err
	}
	return rawAnswer(func(out any) error {
		return w.c.postMedia(ctx, pathMaterialAdd, url.Values{"type": {typ}}, b, out)
	})
}

// MaterialGetMaterial copies a permanent material into dst as it arrives
// (/cgi-bin/material/get_material, POST {"media_id":...}) and returns how
// many bytes it wrote: an image, a voice or a thumb. For a news material
// and a video WeChat answers JSON instead, returned as answer with nothing
// written: {"news_item":[{"title":...},...]}, or
// {"title":...,"description":...,"down_url":...}. An unknown media_id is
// errcode 40007. Retried as [WeChatAPI.MediaGet] is.
//
// WeChat docs: https://developers.weixin.qq.com/doc/offiaccount/Asset_Management/Getting_Permanent_Assets.html
func (w *WeChatAPI) MaterialGetMaterial(ctx context.Context, mediaID string, dst io.Writer) (n int64, answer json.RawMessage, err error) {
	if dst == nil {
		return 0, nil, missing("the writer to copy the material into")
	}
	a, err := w.c.materialGet(ctx, mediaID, dst)
	return a.n, a.json, err
}

func (c *Client) materialGet(ctx context.Context, mediaID string, dst io.Writer) (mediaAnswer, error) {
	body, err := encodeJSON(mediaIDBody{mediaID})
	if err != nil {
		return mediaAnswer{}, fmt.Errorf("wego: %s: encode request: %w", pathMaterialGet, err)
	}
	var a mediaAnswer
	err = c.mediaCall(ctx, pathMaterialGet, true, true, func(tok string, _ int) error {
		u := c.baseURL + pathMaterialGet + "?" + url.Values{"access_token": {tok}}.Encode()
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
		if err != nil {
			return fmt.Errorf("wego: %s: %w", pathMaterialGet, redactURLError(err))
		}
		req.Header.Set("Content-Type", "application/json; charset=utf-8")
		a, err = c.downloadMedia(ctx, req, pathMaterialGet, maxMediaDownload, dst, true)
		return err
	})
	return a, err
}

// MaterialDelMaterial deletes the permanent material mediaID
// (/cgi-bin/material/del_material) and returns WeChat's answer.
//
// WeChat docs: https://developers.weixin.qq.com/doc/offiaccount/Asset_Management/Deleting_Permanent_Assets.html
func (w *WeChatAPI) MaterialDelMaterial(ctx context.Context, mediaID string) (json.RawMessage, error) {
	return rawAnswer(func(out any) error { return w.Post(ctx, pathMaterialDel, nil, mediaIDBody{mediaID}, out) })
}

// MaterialGetMaterialCount returns how many permanent materials of each
// type the account has (/cgi-bin/material/get_materialcount):
// {"voice_count":1,"video_count":2,"image_count":3,"news_count":4}.
//
// WeChat docs: https://developers.weixin.qq.com/doc/offiaccount/Asset_Management/Get_the_total_of_all_materials.html
func (w *WeChatAPI) MaterialGetMaterialCount(ctx context.Context) (json.RawMessage, error) {
	return rawAnswer(func(out any) error { return w.Get(ctx, pathMaterialCount, nil, out) })
}

// MaterialBatchGetMaterial returns one page of the account's permanent
// materials of type typ (image, video, voice or news), count of them (1
// to 20) from offset (/cgi-bin/material/batchget_material):
// {"total_count":9,"item_count":2,"item":[{"media_id":...,"name":...,
// "update_time":...,"url":...},...]}, a news item with its articles in
// content.news_item. [Client.Materials] walks every page.
//
// WeChat docs: https://developers.weixin.qq.com/doc/offiaccount/Asset_Management/Get_materials_list.html
func (w *WeChatAPI) MaterialBatchGetMaterial(ctx context.Context, typ string, offset, count int) (json.RawMessage, error) {
	return rawAnswer(func(out any) error { return w.materialBatchGet(ctx, typ, offset, count, out) })
}

func (w *WeChatAPI) materialBatchGet(ctx context.Context, typ string, offset, count int, out any) error {
	return w.postRead(ctx, pathMaterialBatchGet, struct {
		Type   string `json:"type"`
		Offset int    `json:"offset"`
		Count  int    `json:"count"`
	}{typ, offset, count}, out)
}

// ----- Client -----

// AddTemporaryMaterial uploads a file as a temporary material of type typ
// (Python wego add_temporary_material, /cgi-bin/media/upload), which
// WeChat keeps three days ([TemporaryMediaLifetime]): for messages and
// replies. The file streams from m.Body, never held whole, after it was
// checked against WeChat's limits (see [Media]), which its page states
// today as:
//
//   - image: PNG, JPEG or GIF, at most 10 MB
//   - voice: AMR or MP3, at most 2 MB and 60 s
//   - video: MP4, at most 10 MB
//   - thumb: JPEG, at most 64 KB
//
// A voice's playing time is measured from its bytes, never trusted to a
// name: when Body is an [io.Seeker] it is read through once before the
// upload (2 MB at most) and sought back, so a voice over 60 s is refused
// before any byte is sent. Otherwise what is known first is checked
// before sending (a WAV's or a WMA's header; an AMR's size, when known:
// AMR-NB over 96 KB, or AMR-WB over 183 KB, plays more than a minute),
// and the rest as the bytes go (AMR and MP3 frames, a WAV's sound bytes),
// the upload aborted past 60 s. A WMA whose header does not tell its
// length (a broadcast file) is left to WeChat.
//
//	f, err := os.Open("cat.jpg")
//	...
//	defer f.Close()
//	m, err := c.AddTemporaryMaterial(ctx, wego.MediaImage, wego.Media{Name: f.Name(), Body: f})
//	// reply wego.Image(m.MediaID) before m.Expiry
//
// WeChat docs: https://developers.weixin.qq.com/doc/offiaccount/Asset_Management/New_temporary_materials.html
func (c *Client) AddTemporaryMaterial(ctx context.Context, typ MediaType, m Media) (*TemporaryMedia, error) {
	rule, ok := temporaryRules[typ]
	if !ok {
		return nil, invalid("type", "%q: a temporary material is an image, voice, video or thumb", string(typ))
	}
	b, err := prepareMedia(m, &rule)
	if err != nil {
		return nil, err
	}
	var a struct {
		Type         string  `json:"type"`
		MediaID      string  `json:"media_id"`
		ThumbMediaID string  `json:"thumb_media_id"`
		CreatedAt    jsonInt `json:"created_at"`
	}
	if err := c.postMedia(ctx, pathMediaUpload, url.Values{"type": {string(typ)}}, b, &a); err != nil {
		return nil, err
	}
	id := a.MediaID
	if id == "" {
		id = a.ThumbMediaID
	}
	if id == "" {
		return nil, &HTTPError{Endpoint: pathMediaUpload, StatusCode: http.StatusOK, Reason: "answer without a media_id"}
	}
	created := time.Now()
	if a.CreatedAt > 0 {
		created = time.Unix(int64(a.CreatedAt), 0)
	}
	return &TemporaryMedia{Type: typ, MediaID: id, CreatedAt: created, Expiry: created.Add(TemporaryMediaLifetime)}, nil
}

// GetTemporaryMaterial copies the temporary material mediaID into w as it
// arrives, never holding it whole (Python wego get_temporary_material,
// /cgi-bin/media/get): an uploaded file, or one a user sent in a message
// (the MediaId of a push). For a video WeChat answers its address, in
// VideoURL, and nothing is written. A media_id WeChat does not know, or
// one past its three days, is an [*APIError] with Code
// [CodeInvalidMediaID]. On an error some bytes may have been written:
// discard them.
//
// WeChat docs: https://developers.weixin.qq.com/doc/offiaccount/Asset_Management/Get_temporary_materials.html
func (c *Client) GetTemporaryMaterial(ctx context.Context, mediaID string, w io.Writer) (*TemporaryMaterial, error) {
	if mediaID == "" {
		return nil, missing("media_id")
	}
	if w == nil {
		return nil, missing("the writer to copy the material into")
	}
	a, err := c.mediaGet(ctx, mediaID, w)
	if err != nil {
		return nil, err
	}
	if a.json != nil {
		var v struct {
			VideoURL string `json:"video_url"`
		}
		if err := decodeJSON(pathMediaGet, a.json, &v); err != nil {
			return nil, err
		}
		if v.VideoURL == "" {
			return nil, &HTTPError{Endpoint: pathMediaGet, StatusCode: http.StatusOK, Reason: "JSON answer without a video_url"}
		}
		return &TemporaryMaterial{VideoURL: v.VideoURL}, nil
	}
	ct, name := mediaHeader(a.header)
	return &TemporaryMaterial{Written: a.n, ContentType: ct, FileName: name}, nil
}

// AddPermanentMaterial asks WeChat to add a news material of 1 to 8
// articles (Python wego add_permanent_material, /cgi-bin/material/add_news)
// and returns its media_id. The articles are checked first: a title, a
// cover (ThumbMediaID) and content, fewer than 20,000 characters and under
// 1 MB each.
//
// WeChat retired the call on 2022-02-28: since then it answers errcode
// 45106, an [*APIError] with Code [CodeAPIRetired], and so does wegotest.
// It is kept so that code ported from Python wego compiles and fails
// clearly: write articles as drafts and publish them instead (the draft
// and publish endpoints).
//
// WeChat docs: https://developers.weixin.qq.com/doc/offiaccount/Asset_Management/Adding_Permanent_Assets.html
func (c *Client) AddPermanentMaterial(ctx context.Context, articles []NewsArticle) (string, error) {
	switch {
	case len(articles) == 0:
		return "", missing("articles")
	case len(articles) > maxNewsArticles:
		return "", invalid("articles", "%d, at most %d", len(articles), maxNewsArticles)
	}
	for i, a := range articles {
		if err := a.check(fmt.Sprintf("articles[%d]", i)); err != nil {
			return "", err
		}
	}
	raw, err := c.WeChat.MaterialAddNews(ctx, articles)
	if err != nil {
		return "", err
	}
	var a mediaIDBody
	if err := decodeJSON(pathMaterialAddNews, raw, &a); err != nil {
		return "", err
	}
	if a.MediaID == "" {
		return "", &HTTPError{Endpoint: pathMaterialAddNews, StatusCode: http.StatusOK, Reason: "answer without a media_id"}
	}
	return a.MediaID, nil
}

// UploadContentPicture uploads a picture for the content of an article
// (Python wego upload_content_picture, /cgi-bin/media/uploadimg) and
// returns its address on WeChat's servers, the only pictures an article
// shows. It is a JPEG or PNG under 1 MB, checked as [Media] says, and
// does not count among the account's materials.
//
// WeChat docs: https://developers.weixin.qq.com/doc/offiaccount/Asset_Management/Adding_Permanent_Assets.html
func (c *Client) UploadContentPicture(ctx context.Context, m Media) (string, error) {
	rule := contentPictureRule
	b, err := prepareMedia(m, &rule)
	if err != nil {
		return "", err
	}
	var a struct {
		URL string `json:"url"`
	}
	if err := c.postMedia(ctx, pathMediaUploadImg, nil, b, &a); err != nil {
		return "", err
	}
	if a.URL == "" {
		return "", &HTTPError{Endpoint: pathMediaUploadImg, StatusCode: http.StatusOK, Reason: "answer without a url"}
	}
	return a.URL, nil
}

// AddOtherMaterial uploads a file as a permanent material (Python wego
// add_other_material, /cgi-bin/material/add_material): an image, a voice,
// a video with its title and introduction, or a thumb. It streams and is
// checked as [Client.AddTemporaryMaterial] is, against the limits WeChat's
// page states for permanent materials, which take more formats:
//
//   - image: BMP, PNG, JPEG or GIF, at most 10 MB
//   - voice: MP3, WMA, WAV or AMR, at most 2 MB and 60 s (a WMA's or a
//     WAV's header tells its length)
//   - video: MP4, at most 10 MB
//   - thumb: JPEG, at most 64 KB
//
// An account keeps at most 100,000 images and 1,000 of each other type;
// WeChat refuses more.
//
// WeChat docs: https://developers.weixin.qq.com/doc/offiaccount/Asset_Management/Adding_Permanent_Assets.html
func (c *Client) AddOtherMaterial(ctx context.Context, m OtherMaterial) (*PermanentMedia, error) {
	rule, ok := permanentRules[m.Type]
	if !ok {
		return nil, invalid("Type", "%q: a permanent material from a file is an image, voice, video or thumb", string(m.Type))
	}
	if m.Type != MediaVideo && (m.Title != "" || m.Introduction != "") {
		return nil, invalid("Title, Introduction", "only a video takes a title and an introduction, not %s", rule.what)
	}
	b, err := prepareMedia(m.Media, &rule)
	if err != nil {
		return nil, err
	}
	if err := b.describeVideo(string(m.Type), m.Title, m.Introduction); err != nil {
		return nil, err
	}
	var a struct {
		MediaID string `json:"media_id"`
		URL     string `json:"url"`
	}
	if err := c.postMedia(ctx, pathMaterialAdd, url.Values{"type": {string(m.Type)}}, b, &a); err != nil {
		return nil, err
	}
	if a.MediaID == "" {
		return nil, &HTTPError{Endpoint: pathMaterialAdd, StatusCode: http.StatusOK, Reason: "answer without a media_id"}
	}
	return &PermanentMedia{MediaID: a.MediaID, URL: a.URL}, nil
}

// GetPermanentMaterial reads the permanent material mediaID (Python wego
// get_permanent_material, /cgi-bin/material/get_material): the file of an
// image, a voice or a thumb is copied into w as it arrives, never held
// whole; a news material comes back as its articles (News) and a video as
// its title, description and address (Video), with nothing written. An
// unknown media_id is an [*APIError] with Code [CodeInvalidMediaID]. On an
// error some bytes may have been written: discard them.
//
// WeChat docs: https://developers.weixin.qq.com/doc/offiaccount/Asset_Management/Getting_Permanent_Assets.html
func (c *Client) GetPermanentMaterial(ctx context.Context, mediaID string, w io.Writer) (*PermanentMaterial, error) {
	if mediaID == "" {
		return nil, missing("media_id")
	}
	if w == nil {
		return nil, missing("the writer to copy the material into")
	}
	a, err := c.materialGet(ctx, mediaID, w)
	if err != nil {
		return nil, err
	}
	if a.json == nil {
		ct, name := mediaHeader(a.header)
		return &PermanentMaterial{Written: a.n, ContentType: ct, FileName: name}, nil
	}
	var v struct {
		NewsItem    []newsArticleJSON `json:"news_item"`
		Title       string            `json:"title"`
		Description string            `json:"description"`
		DownURL     string            `json:"down_url"`
	}
	if err := decodeJSON(pathMaterialGet, a.json, &v); err != nil {
		return nil, err
	}
	switch {
	case v.NewsItem != nil:
		return &PermanentMaterial{News: articlesOf(v.NewsItem)}, nil
	case v.DownURL != "":
		return &PermanentMaterial{Video: &VideoMaterial{Title: v.Title, Description: v.Description, DownURL: v.DownURL}}, nil
	}
	return nil, &HTTPError{Endpoint: pathMaterialGet, StatusCode: http.StatusOK, Reason: "JSON answer that is neither news nor a video"}
}

// DeleteMaterial deletes the permanent material mediaID (Python wego
// delete_material, /cgi-bin/material/del_material). Messages and articles
// that used it keep working; the media_id does not.
//
// WeChat docs: https://developers.weixin.qq.com/doc/offiaccount/Asset_Management/Deleting_Permanent_Assets.html
func (c *Client) DeleteMaterial(ctx context.Context, mediaID string) error {
	if mediaID == "" {
		return missing("media_id")
	}
	_, err := c.WeChat.MaterialDelMaterial(ctx, mediaID)
	return err
}

// UpdateMaterial asks WeChat to replace the article at index (from 0) of
// the news material mediaID (Python wego update_material,
// /cgi-bin/material/update_news), checked as [Client.AddPermanentMaterial]
// checks its articles. WeChat retired the call with add_news on
// 2022-02-28: it answers errcode 45106 ([CodeAPIRetired]), and so does
// wegotest; edit drafts instead.
//
// WeChat docs: https://developers.weixin.qq.com/doc/offiaccount/Asset_Management/Editing_Permanent_Rich_Media_Assets.html
func (c *Client) UpdateMaterial(ctx context.Context, mediaID string, index int, article NewsArticle) error {
	switch {
	case mediaID == "":
		return missing("media_id")
	case index < 0:
		return invalid("index", "%d is negative: the first article is 0", index)
	}
	if err := article.check("article"); err != nil {
		return err
	}
	_, err := c.WeChat.MaterialUpdateNews(ctx, mediaID, index, article)
	return err
}

// GetMaterialsCount returns how many permanent materials of each type the
// account has (Python wego get_materials_count,
// /cgi-bin/material/get_materialcount), those made in the console
// included.
//
// WeChat docs: https://developers.weixin.qq.com/doc/offiaccount/Asset_Management/Get_the_total_of_all_materials.html
func (c *Client) GetMaterialsCount(ctx context.Context) (*MaterialsCount, error) {
	var n MaterialsCount
	if err := c.WeChat.Get(ctx, pathMaterialCount, nil, &n); err != nil {
		return nil, err
	}
	return &n, nil
}

// GetMaterialsList returns count (1 to 20) of the account's permanent
// materials of type typ (image, video, voice or news) from offset (Python
// wego get_materials_list, /cgi-bin/material/batchget_material), newest
// first, with their total. [Client.Materials] walks them all.
//
// WeChat docs: https://developers.weixin.qq.com/doc/offiaccount/Asset_Management/Get_materials_list.html
func (c *Client) GetMaterialsList(ctx context.Context, typ MediaType, offset, count int) (*MaterialsPage, error) {
	if err := checkListType(typ); err != nil {
		return nil, err
	}
	switch {
	case offset < 0:
		return nil, invalid("offset", "%d is negative", offset)
	case count < 1 || count > materialsPerPage:
		return nil, invalid("count", "%d, 1 to %d", count, materialsPerPage)
	}
	return c.materialsPage(ctx, typ, offset, count)
}

func (c *Client) materialsPage(ctx context.Context, typ MediaType, offset, count int) (*MaterialsPage, error) {
	var p materialsPageJSON
	if err := c.WeChat.materialBatchGet(ctx, string(typ), offset, count, &p); err != nil {
		return nil, err
	}
	return p.page(typ), nil
}

func checkListType(typ MediaType) error {
	switch typ {
	case MediaImage, MediaVideo, MediaVoice, MediaNews:
		return nil
	case MediaThumb:
		return invalid("type", "thumb: WeChat lists image, video, voice and news, and no thumbs apart")
	}
	return invalid("type", "%q: the lists are image, video, voice and news", string(typ))
}

// Materials returns every permanent material of type typ (image, video,
// voice or news), newest first, page after page of WeChat's list
// (/cgi-bin/material/batchget_material, 20 a page), holding one page at a
// time: a page is asked for when the one before is used up. An error
// (WeChat's, the network's, ctx's) is yielded once and ends the walk;
// breaking out of the loop ends it too. A token WeChat rejects in the
// middle is refreshed and the page asked again, so nothing is lost or
// repeated; materials added or deleted during the walk move the pages
// under it, as on WeChat.
//
//	for m, err := range c.Materials(ctx, wego.MediaImage) {
//		if err != nil {
//			return err
//		}
//		fmt.Println(m.Name, m.URL)
//	}
//
// WeChat docs: https://developers.weixin.qq.com/doc/offiaccount/Asset_Management/Get_materials_list.html
func (c *Client) Materials(ctx context.Context, typ MediaType) iter.Seq2[Material, error] {
	return func(yield func(Material, error) bool) {
		if err := checkListType(typ); err != nil {
			yield(Material{}, err)
			return
		}
		offset := 0
		for {
			if err := ctx.Err(); err != nil {
				yield(Material{}, err)
				return
			}
			p, err := c.materialsPage(ctx, typ, offset, materialsPerPage)
			if err != nil {
				yield(Material{}, err)
				return
			}
			for _, m := range p.Items {
				if !yield(m, nil) {
					return
				}
			}
			offset += len(p.Items)
			if len(p.Items) == 0 || offset >= p.Total {
				return
			}
		}
	}
}

// mediaHeader returns the Content-Type and the file name of a media
// answer.
func mediaHeader(h http.Header) (contentType, name string) {
	contentType = h.Get("Content-Type")
	if _, params, err := mime.ParseMediaType(h.Get("Content-Disposition")); err == nil {
		name = params["filename"]
	}
	return contentType, name
}

// ----- uploads -----

// mediaBody is a file ready to upload: its name and Content-Type, the
// bytes read to tell its format, and what to check as the rest goes.
type mediaBody struct {
	name        string
	contentType string
	body        io.Reader
	head        []byte    // the first bytes, read from body already
	size        int64     // the bytes body gives in all, head included; -1 unknown
	seeker      io.Seeker // body, when it seeks: a retry rewinds it
	start       int64     // where body started
	rule        *mediaRule
	meter       media.Meter // a voice's playing time, measured as it goes
	fields      []formField // form fields sent before the file
	last        *mediaReader
}

type formField struct{ name, value string }

// prepareMedia checks m (against rule, when not nil) and reads its first
// bytes. Nothing is sent.
func prepareMedia(m Media, rule *mediaRule) (*mediaBody, error) {
	if m.Name == "" {
		return nil, missing("Media.Name: the file's name, such as cat.jpg")
	}
	name := filepath.Base(m.Name)
	if strings.ContainsFunc(name, func(r rune) bool { return r < 0x20 || r == 0x7F || r == '"' || r == '\\' }) {
		return nil, invalid("Media.Name", "%q holds a control character, a quote or a backslash", name)
	}
	if m.Body == nil {
		return nil, missing("Media.Body")
	}
	if m.Size < 0 {
		return nil, invalid("Media.Size", "%d is negative", m.Size)
	}
	format := media.ByExtension(name)
	if rule != nil && !rule.takes(format) {
		return nil, invalid(fmt.Sprintf("media %q", name), "%s is %s; the name's extension %q is not",
			rule.what, rule.formatList(), filepath.Ext(name))
	}
	b := &mediaBody{name: name, contentType: format.ContentType(), body: m.Body, rule: rule}
	if err := b.measure(m.Size); err != nil {
		return nil, err
	}
	if err := b.checkSize(); err != nil {
		return nil, err
	}
	if err := b.readHead(); err != nil {
		return nil, err
	}
	if b.size < 0 && len(b.head) < media.SniffLen { // the whole file is in head
		b.size = int64(len(b.head))
		if err := b.checkSize(); err != nil {
			return nil, err
		}
	}
	if rule == nil {
		return b, nil
	}
	if sniffed := media.Sniff(b.head); sniffed != format {
		if sniffed == media.Unknown {
			return nil, invalid(fmt.Sprintf("media %q", name), "the content is not %s, as the name says, nor any format WeChat takes", format)
		}
		return nil, invalid(fmt.Sprintf("media %q", name), "the content is %s, not %s as the name says", sniffed, format)
	}
	if rule.voice {
		return b, b.checkVoice(format)
	}
	return b, nil
}

// measure sets how many bytes the body gives, when it can tell, and
// whether it can be sought back for a retry.
func (b *mediaBody) measure(given int64) error {
	b.size = -1
	if s, ok := b.body.(io.Seeker); ok {
		if cur, err := s.Seek(0, io.SeekCurrent); err == nil {
			end, err := s.Seek(0, io.SeekEnd)
			if err == nil {
				if _, err := s.Seek(cur, io.SeekStart); err != nil {
					return fmt.Errorf("wego: media %q: seek back after measuring: %w", b.name, err)
				}
				b.seeker, b.start, b.size = s, cur, end-cur
			}
		}
	}
	switch body := b.body.(type) {
	case interface{ Len() int }:
		if b.size < 0 {
			b.size = int64(body.Len())
		}
	case interface{ Stat() (fs.FileInfo, error) }:
		if fi, err := body.Stat(); err == nil && fi.Mode().IsRegular() && b.size < 0 {
			b.size = fi.Size()
		}
	}
	if given > 0 {
		b.size = given
	}
	return nil
}

// checkSize refuses a size known to break the rule.
func (b *mediaBody) checkSize() error {
	switch {
	case b.rule == nil || b.size < 0:
		return nil
	case b.size == 0:
		return invalid(fmt.Sprintf("media %q", b.name), "empty")
	case b.size > b.rule.max:
		return invalid(fmt.Sprintf("media %q", b.name), "%d bytes; %s is at most %s (%d bytes)", b.size, b.rule.what, b.rule.maxText, b.rule.max)
	}
	return nil
}

// readHead reads the first bytes, to tell the format; they are sent first.
func (b *mediaBody) readHead() error {
	b.head = make([]byte, media.SniffLen)
	n, err := io.ReadFull(b.body, b.head)
	b.head = b.head[:n]
	if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
		return fmt.Errorf("wego: read media %q: %w", b.name, err)
	}
	return nil
}

// checkVoice refuses a voice that plays too long, when that is known
// before sending; otherwise it leaves a meter to count as the bytes go.
func (b *mediaBody) checkVoice(format media.Format) error {
	meter := media.NewMeter(format)
	_, _ = meter.Write(b.head)
	if b.size >= 0 {
		if d := media.MinDuration(b.head, b.size); d > MaxVoiceDuration {
			return b.tooLong(d, "at least ")
		}
	}
	if b.seeker != nil && b.size >= 0 {
		// Read it through once (2 MB at most) and come back.
		if _, err := io.Copy(meter, io.LimitReader(b.body, b.rule.max)); err != nil {
			return fmt.Errorf("wego: read media %q: %w", b.name, err)
		}
		if _, err := b.seeker.Seek(b.start+int64(len(b.head)), io.SeekStart); err != nil {
			return fmt.Errorf("wego: media %q: seek back after measuring: %w", b.name, err)
		}
		if d := meter.Duration(); d > MaxVoiceDuration {
			return b.tooLong(d, "")
		}
		return nil
	}
	if d := meter.Duration(); d > MaxVoiceDuration {
		return b.tooLong(d, "")
	}
	b.meter = media.NewMeter(format) // fed from the first byte as the upload goes
	return nil
}

func (b *mediaBody) tooLong(d time.Duration, atLeast string) error {
	return invalid(fmt.Sprintf("media %q", b.name), "plays %s%v; %s plays at most %v", atLeast, d.Round(10*time.Millisecond), b.rule.what, MaxVoiceDuration)
}

// describeVideo adds the description field of a permanent video.
func (b *mediaBody) describeVideo(typ, title, introduction string) error {
	if typ != string(MediaVideo) {
		return nil
	}
	d, err := encodeJSON(struct {
		Title        string `json:"title"`
		Introduction string `json:"introduction"`
	}{title, introduction})
	if err != nil {
		return fmt.Errorf("wego: encode the video's description: %w", err)
	}
	b.fields = append(b.fields, formField{"description", string(d)})
	return nil
}

// rewind makes the body give its bytes from the start again, for a retry.
func (b *mediaBody) rewind() error {
	if b.last != nil {
		b.last.wait()
	}
	if _, err := b.seeker.Seek(b.start, io.SeekStart); err != nil {
		return fmt.Errorf("wego: media %q: seek back to send again: %w", b.name, err)
	}
	if _, err := io.ReadFull(b.body, b.head); err != nil {
		return fmt.Errorf("wego: read media %q again: %w", b.name, err)
	}
	return nil
}

// request builds the multipart/form-data POST to u: the form fields, then
// the file in "media", streamed; its Content-Length set when the size is
// known.
func (b *mediaBody) request(ctx context.Context, u string) (*http.Request, *mediaReader, error) {
	var pre bytes.Buffer
	mw := multipart.NewWriter(&pre)
	for _, f := range b.fields {
		if err := mw.WriteField(f.name, f.value); err != nil {
			return nil, nil, err
		}
	}
	h := make(textproto.MIMEHeader, 2)
	h.Set("Content-Disposition", `form-data; name="media"; filename="`+b.name+`"`)
	h.Set("Content-Type", b.contentType)
	if _, err := mw.CreatePart(h); err != nil {
		return nil, nil, err
	}
	trailer := "\r\n--" + mw.Boundary() + "--\r\n"
	length := int64(pre.Len()) + b.size + int64(len(trailer))
	r := &mediaReader{b: b, r: io.MultiReader(bytes.NewReader(b.head), b.body)}
	b.last = r
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, io.MultiReader(&pre, r, strings.NewReader(trailer)))
	if err != nil {
		return nil, nil, err
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.ContentLength = -1
	if b.size >= 0 {
		req.ContentLength = length
	}
	return req, r, nil
}

// mediaReader gives the file's bytes to the request, counting them and
// failing as soon as they break a limit: the size, the size announced,
// a voice's playing time.
type mediaReader struct {
	b *mediaBody
	r io.Reader
	n int64

	reading sync.Mutex // held through each read of the body, for rewind to wait on

	mu       sync.Mutex
	err      error // the limit broken, once known
	finished bool  // the request is over: no more reads
}

var errUploadOver = errors.New("the upload is over")

func (m *mediaReader) Read(p []byte) (int, error) {
	m.reading.Lock()
	defer m.reading.Unlock()
	m.mu.Lock()
	broken, finished := m.err, m.finished
	m.mu.Unlock()
	switch {
	case broken != nil:
		return 0, broken
	case finished:
		return 0, errUploadOver
	}
	n, err := m.r.Read(p)
	m.n += int64(n)
	b := m.b
	switch {
	case b.rule != nil && m.n > b.rule.max:
		broken = invalid(fmt.Sprintf("media %q", b.name), "more than %d bytes; %s is at most %s", b.rule.max, b.rule.what, b.rule.maxText)
	case b.size >= 0 && m.n > b.size:
		broken = invalid("Media.Size", "%d, yet media %q gave more bytes", b.size, b.name)
	case err == io.EOF && b.size >= 0 && m.n < b.size:
		broken = invalid("Media.Size", "%d, yet media %q ended after %d bytes", b.size, b.name, m.n)
	case b.meter != nil && n > 0:
		_, _ = b.meter.Write(p[:n])
		if d := b.meter.Duration(); d > MaxVoiceDuration {
			broken = b.tooLong(d, "at least ")
		}
	}
	if broken != nil {
		m.mu.Lock()
		m.err = broken
		m.mu.Unlock()
		return 0, broken
	}
	return n, err
}

// finish ends the reads and returns the limit the bytes broke, if any.
func (m *mediaReader) finish() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.finished = true
	return m.err
}

// wait returns once no read of the body is under way.
func (m *mediaReader) wait() {
	m.reading.Lock()
	m.reading.Unlock()
}

// postMedia uploads b to path and decodes WeChat's answer into out.
func (c *Client) postMedia(ctx context.Context, path string, query url.Values, b *mediaBody, out any) error {
	return c.mediaCall(ctx, path, false, b.seeker != nil, func(tok string, attempt int) error {
		if attempt > 0 {
			if err := b.rewind(); err != nil {
				return err
			}
		}
		q := cloneValues(query)
		q.Set("access_token", tok)
		req, r, err := b.request(ctx, c.baseURL+path+"?"+q.Encode())
		if err != nil {
			return fmt.Errorf("wego: %s: %w", path, redactURLError(err))
		}
		data, err := c.roundTrip(ctx, c.http, req, path, maxJSONResponse)
		broken := r.finish()
		if b.seeker != nil {
			// The transport may still be reading when WeChat answered
			// early; a local body's read ends soon: wait for it, so that
			// the caller may close or reuse Body once the call returns.
			// (A reader that may block, such as a network stream, is not
			// waited for: ctx must be able to end the call.)
			r.wait()
		}
		if broken != nil {
			return broken // whatever came back: the file broke a limit
		}
		if err != nil {
			return err
		}
		if err := checkEnvelope(path, data); err != nil {
			return err
		}
		return decodeJSON(path, data, out)
	})
}

// mediaCall runs call with the global access token, as doJSON runs a JSON
// request: once more with another token when WeChat rejected the one
// sent, if replayable (an upload whose body cannot be read again is not:
// the rejection is returned, the token being refreshed for the next call);
// and, for a read, again after "system busy" (-1), with bounded backoff.
// call is told which attempt it makes, from 0.
func (c *Client) mediaCall(ctx context.Context, endpoint string, read, replayable bool, call func(token string, attempt int) error) error {
	retried := false
	var stale string       // a rejected token not refreshed: the retry needs another
	var staleErr *APIError // WeChat's answer to it
	busy := 0
	for attempt := 0; ; attempt++ {
		tok, err := c.AccessToken(ctx)
		if err != nil {
			return err
		}
		if tok == stale {
			return staleErr
		}
		err = call(tok, attempt)
		var ae *APIError
		if !errors.As(err, &ae) {
			return err
		}
		switch {
		case ae.TokenInvalid() && !retried:
			retried = true
			refreshed, rerr := c.tokens.rejected(ctx, endpoint, tok, ae.Code)
			if rerr != nil {
				return rerr
			}
			if !replayable {
				return err
			}
			if !refreshed {
				stale, staleErr = tok, ae
			}
			continue
		case ae.Code == CodeSystemBusy && read && busy < c.busyRetries:
			busy++
			c.log.LogAttrs(ctx, slog.LevelInfo, "wego: system busy, retrying",
				slog.String("endpoint", endpoint), slog.Int("attempt", busy))
			if err := sleep(ctx, backoff(c.busyBackoff, busy)); err != nil {
				return err
			}
			continue
		}
		return err
	}
}
