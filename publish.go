package wego

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Paths of the publishing endpoints (发布能力).
const (
	pathFreePublishSubmit     = "/cgi-bin/freepublish/submit"
	pathFreePublishGet        = "/cgi-bin/freepublish/get"
	pathFreePublishDelete     = "/cgi-bin/freepublish/delete"
	pathFreePublishGetArticle = "/cgi-bin/freepublish/getarticle"
	pathFreePublishBatchGet   = "/cgi-bin/freepublish/batchget"
)

// WeChat's error codes of publishing that callers branch on.
const (
	// CodeDraftCheckFailed: the draft failed WeChat's checks before
	// publishing (该草稿未通过发布检查).
	CodeDraftCheckFailed = 53503
	// CodeInvalidArticleID: no publication has the article id (Article ID 无效).
	CodeInvalidArticleID = 53600
)

// PublishStatus is the state of a publish job (publish_status), as
// [Client.GetPublishStatus] and the [PushPublishJobFinish] event tell it.
type PublishStatus int

// The publish states of WeChat's pages.
const (
	// PublishStatusSuccess: published; the result carries the article id
	// and each article's permanent link.
	PublishStatusSuccess PublishStatus = 0
	// PublishStatusPublishing: the job is under way.
	PublishStatusPublishing PublishStatus = 1
	// PublishStatusOriginalFailed: the originality declaration (原创声明)
	// failed; FailedIdx names the articles.
	PublishStatusOriginalFailed PublishStatus = 2
	// PublishStatusFailed: failed for another reason (常规失败).
	PublishStatusFailed PublishStatus = 3
	// PublishStatusReviewFailed: WeChat's review refused it; FailedIdx
	// names the articles.
	PublishStatusReviewFailed PublishStatus = 4
	// PublishStatusDeleted: published, then every article was deleted
	// by the account ([Client.DeletePublication]).
	PublishStatusDeleted PublishStatus = 5
	// PublishStatusBanned: published, then every article was banned by
	// WeChat.
	PublishStatusBanned PublishStatus = 6
)

// String names the status: "success", "publishing", "original check
// failed", "failed", "review failed", "deleted", "banned".
func (s PublishStatus) String() string {
	switch s {
	case PublishStatusSuccess:
		return "success"
	case PublishStatusPublishing:
		return "publishing"
	case PublishStatusOriginalFailed:
		return "original check failed"
	case PublishStatusFailed:
		return "failed"
	case PublishStatusReviewFailed:
		return "review failed"
	case PublishStatusDeleted:
		return "deleted"
	case PublishStatusBanned:
		return "banned"
	}
	return "publish status " + strconv.Itoa(int(s))
}

// Done reports whether the job is over: any status but publishing.
func (s PublishStatus) Done() bool { return s != PublishStatusPublishing }

// PublishJob is a publish job WeChat accepted ([Client.PublishDraft]).
type PublishJob struct {
	// PublishID names the job for [Client.GetPublishStatus] and in the
	// [PushPublishJobFinish] event.
	PublishID string
	// MsgDataID is the message's data id (msg_data_id), which WeChat's
	// comment endpoints take.
	MsgDataID string
}

// PublishResult is the state of a publish job: the answer of
// [Client.GetPublishStatus], and what the [PushPublishJobFinish] event
// carries ([Push.PublishResult]).
type PublishResult struct {
	PublishID string
	Status    PublishStatus
	// ArticleID names the publication once published
	// ([Client.GetPublication], [ArticleIDButton], [MPNewsArticle] in a
	// customer-service message); "" otherwise.
	ArticleID string
	// Articles are the permanent links of the articles once published
	// (article_detail), in order.
	Articles []ArticleURL
	// FailedIdx are the articles refused, 1 the first (fail_idx), for
	// [PublishStatusOriginalFailed] and [PublishStatusReviewFailed].
	FailedIdx []int
}

// ArticleURL is the permanent link of a published article.
type ArticleURL struct {
	Idx int    // the article's place in the publication, 1 the first
	URL string // article_url
}

// Publication is what a successful publish job made, as
// [Client.GetPublication] and [Client.Publications] tell it: the article
// id and the articles, each with its permanent URL and whether it was
// deleted.
type Publication struct {
	ArticleID string
	Articles  []DraftArticle
	// UpdateTime is when the publication last changed, as
	// freepublish/batchget tells; zero from GetPublication.
	UpdateTime time.Time
}

func (j draftItemJSON) publication() Publication {
	return Publication{ArticleID: j.ArticleID, Articles: j.Content.NewsItem, UpdateTime: unixTime(j.UpdateTime)}
}

// idString is an id WeChat writes as a string or as a number (publish_id,
// msg_data_id: strings on its pages, numbers in its answers).
type idString string

func (s *idString) UnmarshalJSON(data []byte) error {
	data = bytes.TrimSpace(data)
	switch {
	case string(data) == "null":
		*s = ""
		return nil
	case len(data) > 0 && data[0] == '"':
		var v string
		if err := json.Unmarshal(data, &v); err != nil {
			return err
		}
		*s = idString(v)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(data, &n); err != nil {
		return fmt.Errorf("id %s is neither a string nor a number", data)
	}
	*s = idString(n.String())
	return nil
}

// publishResultJSON is freepublish/get's answer.
type publishResultJSON struct {
	PublishID     idString `json:"publish_id"`
	PublishStatus *int     `json:"publish_status"`
	ArticleID     string   `json:"article_id"`
	ArticleDetail struct {
		Count int `json:"count"`
		Item  []struct {
			Idx        jsonInt `json:"idx"`
			ArticleURL string  `json:"article_url"`
		} `json:"item"`
	} `json:"article_detail"`
	FailIdx []jsonInt `json:"fail_idx"`
}

type articleIDBody struct {
	ArticleID string `json:"article_id"`
}

// FreePublishSubmit submits a draft for publication
// (/cgi-bin/freepublish/submit) and returns WeChat's answer:
// {"errcode":0,"errmsg":"ok","publish_id":"100000001","msg_data_id":...}.
// The job goes on after the answer: its result arrives as a
// PUBLISHJOBFINISH push ([PushPublishJobFinish]) and from
// [WeChatAPI.FreePublishGet].
//
// WeChat docs: https://developers.weixin.qq.com/doc/offiaccount/Publish/Publish.html
func (w *WeChatAPI) FreePublishSubmit(ctx context.Context, mediaID string) (json.RawMessage, error) {
	return rawAnswer(func(out any) error { return w.Post(ctx, pathFreePublishSubmit, nil, mediaIDBody{mediaID}, out) })
}

// FreePublishGet returns the state of a publish job
// (/cgi-bin/freepublish/get): {"publish_id":"100000001","publish_status":0,
// "article_id":...,"article_detail":{"count":1,"item":[{"idx":1,"article_url":...}]},"fail_idx":[]}.
//
// WeChat docs: https://developers.weixin.qq.com/doc/offiaccount/Publish/Get_status.html
func (w *WeChatAPI) FreePublishGet(ctx context.Context, publishID string) (json.RawMessage, error) {
	return rawAnswer(func(out any) error { return w.freePublishGet(ctx, publishID, out) })
}

func (w *WeChatAPI) freePublishGet(ctx context.Context, publishID string, out any) error {
	return w.postRead(ctx, pathFreePublishGet, struct {
		PublishID string `json:"publish_id"`
	}{publishID}, out)
}

// FreePublishDelete deletes a published article (/cgi-bin/freepublish/delete),
// for good: the article at index, 1 the first, or every article of the
// publication when index is 0 (no index is sent then). It returns
// WeChat's answer.
//
// WeChat docs: https://developers.weixin.qq.com/doc/offiaccount/Publish/Delete_posts.html
func (w *WeChatAPI) FreePublishDelete(ctx context.Context, articleID string, index int) (json.RawMessage, error) {
	return rawAnswer(func(out any) error {
		return w.Post(ctx, pathFreePublishDelete, nil, struct {
			ArticleID string `json:"article_id"`
			Index     int    `json:"index,omitempty"`
		}{articleID, index}, out)
	})
}

// FreePublishGetArticle returns a publication (/cgi-bin/freepublish/getarticle):
// {"news_item":[{"title":...,"url":...,"is_deleted":false},...]}; an
// unknown article id is errcode 53600.
//
// WeChat docs: https://developers.weixin.qq.com/doc/offiaccount/Publish/Get_article_from_id.html
func (w *WeChatAPI) FreePublishGetArticle(ctx context.Context, articleID string) (json.RawMessage, error) {
	return rawAnswer(func(out any) error {
		return w.postRead(ctx, pathFreePublishGetArticle, articleIDBody{articleID}, out)
	})
}

// FreePublishBatchGet returns one page of the account's publications
// (/cgi-bin/freepublish/batchget): count (1 to 20) from offset (0 the
// first), without content when noContent is set:
// {"total_count":1,"item_count":1,"item":[{"article_id":...,"content":{"news_item":[...]},"update_time":...}]}.
// [Client.Publications] walks every page.
//
// WeChat docs: https://developers.weixin.qq.com/doc/offiaccount/Publish/Get_publication_records.html
func (w *WeChatAPI) FreePublishBatchGet(ctx context.Context, offset, count int, noContent bool) (json.RawMessage, error) {
	return rawAnswer(func(out any) error { return w.freePublishBatchGet(ctx, offset, count, noContent, out) })
}

func (w *WeChatAPI) freePublishBatchGet(ctx context.Context, offset, count int, noContent bool, out any) error {
	return w.postRead(ctx, pathFreePublishBatchGet, newPageBody(offset, count, noContent), out)
}

// PublishDraft submits the draft mediaID for publication (发布) and
// returns the job. WeChat's answer only says that the job started: it
// checks and reviews the articles after, and tells the result in a
// PUBLISHJOBFINISH push ([PushPublishJobFinish], [Push.PublishResult])
// to the account's server URL, and to [Client.GetPublishStatus]. A
// published article goes to no one's chat (unlike a mass message): it is
// on the account's page, and its link can be shared, sent to a user
// ([MPNewsArticle]) or put in a menu ([ArticleIDButton]). A draft that WeChat's checks
// refuse is errcode 53503; one that must be opened in the web console
// first, 53504 or 53505.
//
// WeChat docs: https://developers.weixin.qq.com/doc/offiaccount/Publish/Publish.html
func (c *Client) PublishDraft(ctx context.Context, mediaID string) (*PublishJob, error) {
	if mediaID == "" {
		return nil, missing("media_id")
	}
	raw, err := c.WeChat.FreePublishSubmit(ctx, mediaID)
	if err != nil {
		return nil, err
	}
	var a struct {
		PublishID idString `json:"publish_id"`
		MsgDataID idString `json:"msg_data_id"`
	}
	if err := decodeJSON(pathFreePublishSubmit, raw, &a); err != nil {
		return nil, err
	}
	if a.PublishID == "" {
		return nil, &HTTPError{Endpoint: pathFreePublishSubmit, StatusCode: http.StatusOK, Reason: "answer without publish_id"}
	}
	return &PublishJob{PublishID: string(a.PublishID), MsgDataID: string(a.MsgDataID)}, nil
}

// GetPublishStatus returns the state of a publish job: publishing until
// WeChat is done, then the result, as the [PushPublishJobFinish] event
// tells it. Use it where pushes cannot reach the server, polling every
// few seconds while Status is [PublishStatusPublishing].
//
// WeChat docs: https://developers.weixin.qq.com/doc/offiaccount/Publish/Get_status.html
func (c *Client) GetPublishStatus(ctx context.Context, publishID string) (*PublishResult, error) {
	if publishID == "" {
		return nil, missing("publish_id")
	}
	var a publishResultJSON
	if err := c.WeChat.freePublishGet(ctx, publishID, &a); err != nil {
		return nil, err
	}
	if a.PublishStatus == nil {
		return nil, &HTTPError{Endpoint: pathFreePublishGet, StatusCode: http.StatusOK, Reason: "answer without publish_status"}
	}
	r := &PublishResult{PublishID: string(a.PublishID), Status: PublishStatus(*a.PublishStatus), ArticleID: a.ArticleID}
	if r.PublishID == "" {
		r.PublishID = publishID
	}
	for _, it := range a.ArticleDetail.Item {
		r.Articles = append(r.Articles, ArticleURL{Idx: int(it.Idx), URL: it.ArticleURL})
	}
	for _, i := range a.FailIdx {
		r.FailedIdx = append(r.FailedIdx, int(i))
	}
	return r, nil
}

// DeletePublication deletes a published article for good: the one at
// index, 1 the first, as WeChat counts here, or every article of the
// publication when index is 0. The index is 0 to 8, checked first;
// WeChat answers 53600 for an article id no publication has. Once every
// article is deleted, the job's status is [PublishStatusDeleted].
//
// WeChat docs: https://developers.weixin.qq.com/doc/offiaccount/Publish/Delete_posts.html
func (c *Client) DeletePublication(ctx context.Context, articleID string, index int) error {
	if articleID == "" {
		return missing("article_id")
	}
	if index < 0 || index > maxDraftArticles {
		return invalid("index", "%d: 1 to %d names an article, 0 all of them", index, maxDraftArticles)
	}
	_, err := c.WeChat.FreePublishDelete(ctx, articleID, index)
	return err
}

// GetPublication returns a publication with its articles, each with its
// permanent URL and whether it was deleted; WeChat answers 53600 for an
// article id no publication has.
//
// WeChat docs: https://developers.weixin.qq.com/doc/offiaccount/Publish/Get_article_from_id.html
func (c *Client) GetPublication(ctx context.Context, articleID string) (*Publication, error) {
	if articleID == "" {
		return nil, missing("article_id")
	}
	var a struct {
		NewsItem []DraftArticle `json:"news_item"`
	}
	if err := c.WeChat.postRead(ctx, pathFreePublishGetArticle, articleIDBody{articleID}, &a); err != nil {
		return nil, err
	}
	return &Publication{ArticleID: articleID, Articles: a.NewsItem}, nil
}

// Publications returns every publication of the account, page after page
// of WeChat's list (/cgi-bin/freepublish/batchget, 20 a page, in
// WeChat's order), holding one page at a time, as [Client.Drafts] walks
// the drafts. With noContent the articles come without their Content.
//
// WeChat docs: https://developers.weixin.qq.com/doc/offiaccount/Publish/Get_publication_records.html
func (c *Client) Publications(ctx context.Context, noContent bool) iter.Seq2[Publication, error] {
	return walkOffsetPages(ctx, func(ctx context.Context, offset int, p *offsetPage) error {
		return c.WeChat.freePublishBatchGet(ctx, offset, draftPageSize, noContent, p)
	}, draftItemJSON.publication)
}

// The fields of the PUBLISHJOBFINISH event, below PublishEventInfo.
const (
	publishInfo          = "PublishEventInfo."
	publishInfoItemIdx   = publishInfo + "article_detail.item.idx"
	publishInfoItemURL   = publishInfo + "article_detail.item.article_url"
	publishInfoFailIdx   = publishInfo + "fail_idx"
	publishInfoPublishID = publishInfo + "publish_id"
)

// PublishResult returns the result a [PushPublishJobFinish] event carries
// (PublishEventInfo): the job, its status, and the article id and links
// on success or the refused articles on failure. It fails for a push of
// another type, and with an error wrapping [ErrMalformedMessage] for an
// event without a publish_id or with a field that is not a number where
// WeChat writes one.
//
//	case wego.PushPublishJobFinish:
//		r, err := p.PublishResult()
//		if err == nil && r.Status == wego.PublishStatusSuccess { ... r.ArticleID, r.Articles[0].URL }
func (p *Push) PublishResult() (*PublishResult, error) {
	if p.Type != PushPublishJobFinish {
		return nil, fmt.Errorf("wego: push %q carries no publish result (%s does)", p.Type, PushPublishJobFinish)
	}
	get := func(name string) string { return strings.TrimSpace(p.doc.Get(publishInfo + name)) }
	r := &PublishResult{PublishID: get("publish_id"), ArticleID: get("article_id")}
	if r.PublishID == "" {
		return nil, fmt.Errorf("%w: %s event without PublishEventInfo.publish_id", ErrMalformedMessage, PushPublishJobFinish)
	}
	status, err := strconv.Atoi(get("publish_status"))
	if err != nil {
		return nil, fmt.Errorf("%w: %s event: publish_status %q is not a number", ErrMalformedMessage, PushPublishJobFinish, get("publish_status"))
	}
	r.Status = PublishStatus(status)
	// The items in document order: an idx or an article_url already seen
	// in the current item starts the next one (the leaves do not tell
	// where an <item> ends; WeChat writes both fields in every item).
	var cur ArticleURL
	var hasIdx, hasURL bool
	flush := func() {
		if hasIdx || hasURL {
			r.Articles = append(r.Articles, cur)
		}
		cur, hasIdx, hasURL = ArticleURL{}, false, false
	}
	for name, value := range p.doc.All() {
		switch name {
		case publishInfoItemIdx:
			if hasIdx {
				flush()
			}
			n, err := strconv.Atoi(strings.TrimSpace(value))
			if err != nil {
				return nil, fmt.Errorf("%w: %s event: idx %q is not a number", ErrMalformedMessage, PushPublishJobFinish, value)
			}
			cur.Idx, hasIdx = n, true
		case publishInfoItemURL:
			if hasURL {
				flush()
			}
			cur.URL, hasURL = strings.TrimSpace(value), true
		case publishInfoFailIdx:
			n, err := strconv.Atoi(strings.TrimSpace(value))
			if err != nil {
				return nil, fmt.Errorf("%w: %s event: fail_idx %q is not a number", ErrMalformedMessage, PushPublishJobFinish, value)
			}
			r.FailedIdx = append(r.FailedIdx, n)
		}
	}
	flush()
	return r, nil
}
