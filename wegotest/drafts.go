package wegotest

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"github.com/wego-sdk/wego/internal/htmltext"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/wego-sdk/wego"
	"github.com/wego-sdk/wego/internal/xmlscan"
)

// Paths of the draft box endpoints the fake serves.
const (
	PathDraftAdd      = "/cgi-bin/draft/add"
	PathDraftGet      = "/cgi-bin/draft/get"
	PathDraftUpdate   = "/cgi-bin/draft/update"
	PathDraftDelete   = "/cgi-bin/draft/delete"
	PathDraftCount    = "/cgi-bin/draft/count"
	PathDraftBatchGet = "/cgi-bin/draft/batchget"
)

// Paths of the publishing endpoints the fake serves.
const (
	PathFreePublishSubmit     = "/cgi-bin/freepublish/submit"
	PathFreePublishGet        = "/cgi-bin/freepublish/get"
	PathFreePublishDelete     = "/cgi-bin/freepublish/delete"
	PathFreePublishGetArticle = "/cgi-bin/freepublish/getarticle"
	PathFreePublishBatchGet   = "/cgi-bin/freepublish/batchget"
)

// WeChat's limits on drafts, as the fake applies them, with the errcode
// of each.
const (
	maxDraftArticles       = 8       // 45008 article size out of limit
	maxDraftTitleChars     = 32      // 45003 title size out of limit
	maxDraftAuthorChars    = 16      // 45110 author size out of limit
	maxDraftDigestChars    = 128     // 45004 description size out of limit
	maxDraftContentChars   = 20000   // 45002 content size out of limit: fewer than 20000
	maxDraftContentBytes   = 1 << 20 // 45002: under 1 MB
	maxDraftSourceURLBytes = 1024    // 45005 url size out of limit
	maxDraftImages         = 20      // newspic: 1 to 20 images
	maxDraftPage           = 20      // batchget: count 1 to 20
	autoDigestChars        = 54      // the digest WeChat takes from the content
	firstPublishID         = 2247483649
	mpHelper               = "mphelper" // the sender of PUBLISHJOBFINISH: the account's mass-send helper
)

// The errcodes the draft box and publishing answer besides the limits'.
const (
	codeInvalidArgs       = 40097 // invalid args: a count, type or page out of WeChat's range
	codeInvalidMediaID    = 40007 // invalid media_id: no draft, or a cover no material has
	codeInvalidIndex      = 40114 // invalid index value
	codeEmptyNews         = 44003 // empty news data: no articles, no title or no content
	codeNoSelling         = 53406 // 请先开通带货能力: a product card on an account that cannot sell
	codeInvalidArticleID  = 53600 // Article ID 无效
	codeInvalidPublishArg = 40002 // freepublish/get of an unknown publish_id: "invalid argument", as its page lists
)

// draftArticle is an article as WeChat takes and answers it.
type draftArticle struct {
	ArticleType        string          `json:"article_type,omitempty"`
	Title              string          `json:"title"`
	Author             string          `json:"author"`
	Digest             string          `json:"digest"`
	Content            string          `json:"content,omitempty"` // left out of a no_content page
	ContentSourceURL   string          `json:"content_source_url"`
	ThumbMediaID       string          `json:"thumb_media_id"`
	NeedOpenComment    int             `json:"need_open_comment"`
	OnlyFansCanComment int             `json:"only_fans_can_comment"`
	PicCropWide        string          `json:"pic_crop_235_1,omitempty"`
	PicCropSquare      string          `json:"pic_crop_1_1,omitempty"`
	ImageInfo          *draftImageInfo `json:"image_info,omitempty"`
	CoverInfo          json.RawMessage `json:"cover_info,omitempty"`
	ProductInfo        *struct {
		FooterProductInfo struct {
			ProductKey string `json:"product_key"`
		} `json:"footer_product_info"`
	} `json:"product_info,omitempty"`
	URL string `json:"url,omitempty"`
}

type draftImageInfo struct {
	ImageList []struct {
		ImageMediaID string `json:"image_media_id"`
	} `json:"image_list"`
}

// publishedArticle is an article of a publication as freepublish answers
// it: no article_type, and the cover's URL and whether it was deleted.
type publishedArticle struct {
	Title              string `json:"title"`
	Author             string `json:"author"`
	Digest             string `json:"digest"`
	Content            string `json:"content,omitempty"`
	ContentSourceURL   string `json:"content_source_url"`
	ThumbMediaID       string `json:"thumb_media_id"`
	ThumbURL           string `json:"thumb_url"`
	NeedOpenComment    int    `json:"need_open_comment"`
	OnlyFansCanComment int    `json:"only_fans_can_comment"`
	URL                string `json:"url"`
	IsDeleted          bool   `json:"is_deleted"`
}

type storedDraft struct {
	mediaID  string
	articles []draftArticle
	updated  time.Time
	seq      int64 // the order of the last change
}

// publishJob is a freepublish job: publishing (1) until the test ends it.
type publishJob struct {
	publishID string
	mediaID   string
	articles  []draftArticle // the draft as submitted
	status    wego.PublishStatus
	articleID string
	failIdx   []int
}

type publication struct {
	articleID string
	job       *publishJob
	articles  []publishedArticle
	updated   time.Time
	seq       int64
}

// draftState is the account's draft box, its publish jobs and its
// publications. Guarded by its own mutex.
type draftState struct {
	mu            sync.Mutex
	drafts        map[string]*storedDraft // by media_id
	jobs          map[string]*publishJob  // by publish_id
	pubs          map[string]*publication // by article_id
	seq           int64
	nextPublishID int64
	biz           string // the account's __biz in article links
	auto          *autoFinish
}

// autoFinish is how jobs end by themselves ([Server.AutoFinishPublish]).
type autoFinish struct {
	target any
	after  time.Duration
}

func (s *Server) initDrafts() {
	d := &s.draftBox
	d.drafts = make(map[string]*storedDraft)
	d.jobs = make(map[string]*publishJob)
	d.pubs = make(map[string]*publication)
	d.nextPublishID = firstPublishID
	// __biz is the base64 of the account's number: "MzkzMTMyNzY5Ng==" is 3931327696.
	d.biz = base64.StdEncoding.EncodeToString([]byte("3" + randomDigits(9)))

	routePost(s, PathDraftAdd, s.serveDraftAdd)
	routePost(s, PathDraftGet, s.serveDraftGet)
	routePost(s, PathDraftUpdate, s.serveDraftUpdate)
	routePost(s, PathDraftDelete, s.serveDraftDelete)
	s.routeGet(PathDraftCount, s.serveDraftCount)
	routePost(s, PathDraftBatchGet, s.serveDraftBatchGet)
	routePost(s, PathFreePublishSubmit, s.serveFreePublishSubmit)
	routePost(s, PathFreePublishGet, s.serveFreePublishGet)
	routePost(s, PathFreePublishDelete, s.serveFreePublishDelete)
	routePost(s, PathFreePublishGetArticle, s.serveFreePublishGetArticle)
	routePost(s, PathFreePublishBatchGet, s.serveFreePublishBatchGet)
}

// thumbKnown reports whether mediaID is a permanent image material of the
// account (an image or a thumb), fit for a cover (thumb_media_id) or a
// picture message's image (image_media_id); WeChat answers 40007 for one
// that is not.
func (s *Server) thumbKnown(mediaID string) bool {
	kind, ok := s.permanentMaterial(mediaID)
	return ok && (kind == string(wego.MediaImage) || kind == string(wego.MediaThumb))
}

// checkArticle answers the errcode WeChat gives a's article, 0 when it
// takes it; it fills WeChat's defaults in (article_type news).
func (s *Server) checkArticle(a *draftArticle) int {
	if a.ArticleType == "" {
		a.ArticleType = string(wego.ArticleNews)
	}
	newsPic := false
	switch a.ArticleType {
	case string(wego.ArticleNews):
	case string(wego.ArticleNewsPic):
		newsPic = true
	default:
		return codeInvalidArgs
	}
	switch {
	case a.Title == "" || a.Content == "":
		return codeEmptyNews
	case utf8.RuneCountInString(a.Title) > maxDraftTitleChars:
		return 45003
	case utf8.RuneCountInString(a.Author) > maxDraftAuthorChars:
		return 45110
	case utf8.RuneCountInString(a.Digest) > maxDraftDigestChars:
		return 45004
	case len(a.Content) >= maxDraftContentBytes || htmltext.Chars(a.Content) >= maxDraftContentChars:
		return 45002
	case len(a.ContentSourceURL) > maxDraftSourceURLBytes:
		return 45005
	case a.ProductInfo != nil && a.ProductInfo.FooterProductInfo.ProductKey != "":
		return codeNoSelling
	}
	if !newsPic {
		if !s.thumbKnown(a.ThumbMediaID) {
			return codeInvalidMediaID
		}
		return 0
	}
	if a.ImageInfo == nil || len(a.ImageInfo.ImageList) == 0 || len(a.ImageInfo.ImageList) > maxDraftImages {
		return codeInvalidArgs
	}
	for _, im := range a.ImageInfo.ImageList {
		if !s.thumbKnown(im.ImageMediaID) {
			return codeInvalidMediaID
		}
	}
	if a.ThumbMediaID == "" {
		a.ThumbMediaID = a.ImageInfo.ImageList[0].ImageMediaID // the first image is the cover
	}
	return 0
}

// keep is the article as the fake keeps it: what draft/get answers, the
// crops left out as its page leaves them out.
func (a draftArticle) keep() draftArticle {
	a.PicCropWide, a.PicCropSquare, a.CoverInfo = "", "", nil
	return a
}

type draftAddRequest struct {
	Articles []draftArticle `json:"articles"`
}

// serveDraftAdd is POST /cgi-bin/draft/add: 1 to 8 articles (44003, 45008),
// each checked (checkArticle); a single article without a digest gets the
// start of its content as WeChat gives it.
func (s *Server) serveDraftAdd(req *draftAddRequest) (any, int) {
	switch n := len(req.Articles); {
	case n == 0:
		return nil, codeEmptyNews
	case n > maxDraftArticles:
		return nil, 45008
	}
	for i := range req.Articles {
		if code := s.checkArticle(&req.Articles[i]); code != 0 {
			return nil, code
		}
	}
	d := &s.draftBox
	d.mu.Lock()
	defer d.mu.Unlock()
	id := newMediaID(func(id string) bool { return d.drafts[id] != nil })
	for i := range req.Articles {
		a := &req.Articles[i]
		*a = a.keep()
		a.URL = "http://mp.weixin.qq.com/s?__biz=" + d.biz + "&tempkey=" + randomBase62(40) + "#rd"
	}
	if len(req.Articles) == 1 && req.Articles[0].Digest == "" {
		req.Articles[0].Digest = autoDigest(req.Articles[0].Content)
	}
	d.seq++
	d.drafts[id] = &storedDraft{mediaID: id, articles: req.Articles, updated: time.Now().Truncate(time.Second), seq: d.seq}
	return map[string]any{"media_id": id}, 0
}

// autoDigest is the start of content, tags left out: WeChat's digest of
// an article without one.
func autoDigest(content string) string {
	var b strings.Builder
	in := false
	n := 0
	for _, r := range content {
		switch {
		case r == '<':
			in = true
		case r == '>' && in:
			in = false
		case !in && n < autoDigestChars:
			b.WriteRune(r)
			n++
		}
	}
	return strings.TrimSpace(b.String())
}

// newMediaID makes a media id of the shape of WeChat's (64 characters of
// URL-safe base64) that taken does not know.
func newMediaID(taken func(string) bool) string {
	for {
		id := base64.RawURLEncoding.EncodeToString(randomBytes(48))
		if !taken(id) {
			return id
		}
	}
}

type mediaIDRequest struct {
	MediaID string `json:"media_id"`
}

func (s *Server) serveDraftGet(req *mediaIDRequest) (any, int) {
	d := &s.draftBox
	d.mu.Lock()
	defer d.mu.Unlock()
	dr := d.drafts[req.MediaID]
	if dr == nil {
		return nil, codeInvalidMediaID
	}
	return map[string]any{"news_item": slices.Clone(dr.articles)}, 0
}

type draftUpdateRequest struct {
	MediaID  string        `json:"media_id"`
	Index    int           `json:"index"`
	Articles *draftArticle `json:"articles"`
}

// serveDraftUpdate is POST /cgi-bin/draft/update: 40007 for an unknown
// draft, 40114 for an index it has no article at (0 the first), then the
// article is checked as draft/add checks one.
func (s *Server) serveDraftUpdate(req *draftUpdateRequest) (any, int) {
	d := &s.draftBox
	d.mu.Lock()
	dr := d.drafts[req.MediaID]
	var n int
	if dr != nil {
		n = len(dr.articles)
	}
	d.mu.Unlock()
	switch {
	case dr == nil:
		return nil, codeInvalidMediaID
	case req.Index < 0 || req.Index >= n:
		return nil, codeInvalidIndex
	case req.Articles == nil:
		return nil, codeEmptyNews
	}
	a := *req.Articles
	if code := s.checkArticle(&a); code != 0 {
		return nil, code
	}
	a = a.keep()
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.drafts[req.MediaID] != dr || req.Index >= len(dr.articles) {
		return nil, codeInvalidMediaID // deleted or published meanwhile
	}
	a.URL = dr.articles[req.Index].URL
	articles := slices.Clone(dr.articles)
	articles[req.Index] = a
	dr.articles = articles
	d.seq++
	dr.seq, dr.updated = d.seq, time.Now().Truncate(time.Second)
	return answerOK, 0
}

func (s *Server) serveDraftDelete(req *mediaIDRequest) (any, int) {
	d := &s.draftBox
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.drafts[req.MediaID] == nil {
		return nil, codeInvalidMediaID
	}
	delete(d.drafts, req.MediaID)
	return answerOK, 0
}

func (s *Server) serveDraftCount(url.Values) (any, int) {
	d := &s.draftBox
	d.mu.Lock()
	defer d.mu.Unlock()
	return map[string]any{"total_count": len(d.drafts)}, 0
}

type pageRequest struct {
	Offset    int `json:"offset"`
	Count     int `json:"count"`
	NoContent int `json:"no_content"`
}

// page checks a batchget request and returns the range of n items it
// asks for.
func (r *pageRequest) page(n int) (from, to, code int) {
	if r.Count < 1 || r.Count > maxDraftPage || r.Offset < 0 || r.NoContent < 0 || r.NoContent > 1 {
		return 0, 0, codeInvalidArgs
	}
	from = min(r.Offset, n)
	return from, min(from+r.Count, n), 0
}

// serveDraftBatchGet is POST /cgi-bin/draft/batchget: the drafts, the
// one changed last first, count (1 to 20, else 40097) from offset.
func (s *Server) serveDraftBatchGet(req *pageRequest) (any, int) {
	d := &s.draftBox
	d.mu.Lock()
	defer d.mu.Unlock()
	all := d.sortedDrafts()
	from, to, code := req.page(len(all))
	if code != 0 {
		return nil, code
	}
	items := make([]map[string]any, 0, to-from)
	for _, dr := range all[from:to] {
		articles := slices.Clone(dr.articles)
		if req.NoContent == 1 {
			for i := range articles {
				articles[i].Content = ""
			}
		}
		items = append(items, map[string]any{
			"media_id": dr.mediaID, "update_time": dr.updated.Unix(),
			"content": map[string]any{"news_item": articles},
		})
	}
	return map[string]any{"total_count": len(all), "item_count": len(items), "item": items}, 0
}

// sortedDrafts is the draft box, the draft changed last first; d.mu is held.
func (d *draftState) sortedDrafts() []*storedDraft {
	all := make([]*storedDraft, 0, len(d.drafts))
	for _, dr := range d.drafts {
		all = append(all, dr)
	}
	slices.SortFunc(all, func(a, b *storedDraft) int { return int(b.seq - a.seq) })
	return all
}

// serveFreePublishSubmit is POST /cgi-bin/freepublish/submit: a job for
// the draft (40007 for an unknown one), publishing until the test ends it
// ([Server.FinishPublish], [Server.FailPublish]) or it ends by itself
// ([Server.AutoFinishPublish]). publish_id and msg_data_id are answered
// as numbers, as WeChat answers them (its page writes strings).
func (s *Server) serveFreePublishSubmit(req *mediaIDRequest) (any, int) {
	d := &s.draftBox
	d.mu.Lock()
	dr := d.drafts[req.MediaID]
	if dr == nil {
		d.mu.Unlock()
		return nil, codeInvalidMediaID
	}
	n := d.nextPublishID
	d.nextPublishID++
	job := &publishJob{publishID: strconv.FormatInt(n, 10), mediaID: dr.mediaID, articles: slices.Clone(dr.articles), status: wego.PublishStatusPublishing}
	d.jobs[job.publishID] = job
	auto := d.auto
	d.mu.Unlock()
	if auto != nil {
		go s.finishLater(auto, job.publishID)
	}
	return map[string]any{"errcode": 0, "errmsg": "ok", "publish_id": n, "msg_data_id": n}, 0
}

// finishLater ends the job publishID with success after auto.after and
// pushes the event to auto.target, unless the server closes first.
func (s *Server) finishLater(auto *autoFinish, publishID string) {
	t := time.NewTimer(auto.after)
	defer t.Stop()
	select {
	case <-t.C:
	case <-s.stop:
		return
	}
	if _, err := s.FinishPublish(auto.target, publishID); err != nil && s.log != nil {
		s.log.Warn("wegotest: publish job finished by itself, its event not delivered", "publish_id", publishID, "error", err)
	}
}

// publishIDRequest takes publish_id written as a string (WeChat's page)
// or a number (what submit answers).
type publishIDRequest struct {
	PublishID json.RawMessage `json:"publish_id"`
}

func (r *publishIDRequest) id() string {
	raw := bytes.TrimSpace(r.PublishID)
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return string(raw)
}

// serveFreePublishGet is POST /cgi-bin/freepublish/get: the job's status;
// an unknown publish_id is answered 40002 "invalid argument", as the
// page lists.
func (s *Server) serveFreePublishGet(req *publishIDRequest) (any, int) {
	d := &s.draftBox
	d.mu.Lock()
	defer d.mu.Unlock()
	job := d.jobs[req.id()]
	if job == nil {
		return map[string]any{"errcode": codeInvalidPublishArg, "errmsg": "invalid argument rid: " + randomHex(4) + "-" + randomHex(4) + "-" + randomHex(4)}, 0
	}
	a := map[string]any{"publish_id": job.publishID, "publish_status": int(job.status), "fail_idx": append([]int{}, job.failIdx...)}
	if job.articleID != "" {
		a["article_id"] = job.articleID
		if pub := d.pubs[job.articleID]; pub != nil && job.status == wego.PublishStatusSuccess {
			items := make([]map[string]any, len(pub.articles))
			for i, pa := range pub.articles {
				items[i] = map[string]any{"idx": i + 1, "article_url": pa.URL}
			}
			a["article_detail"] = map[string]any{"count": len(items), "item": items}
		}
	}
	return a, 0
}

type articleRequest struct {
	ArticleID string `json:"article_id"`
	Index     int    `json:"index"`
}

// serveFreePublishDelete is POST /cgi-bin/freepublish/delete: the article
// at index (1 the first), or every article for index 0 or none; 53600 for
// an unknown article_id, 40114 for an index the publication does not
// have. Once every article is deleted the job's status is 5 and the
// publication leaves freepublish/batchget; getarticle still answers it,
// each article is_deleted.
func (s *Server) serveFreePublishDelete(req *articleRequest) (any, int) {
	d := &s.draftBox
	d.mu.Lock()
	defer d.mu.Unlock()
	pub := d.pubs[req.ArticleID]
	switch {
	case pub == nil:
		return nil, codeInvalidArticleID
	case req.Index < 0 || req.Index > len(pub.articles):
		return nil, codeInvalidIndex
	}
	for i := range pub.articles {
		if req.Index == 0 || req.Index == i+1 {
			pub.articles[i].IsDeleted = true
		}
	}
	d.seq++
	pub.seq, pub.updated = d.seq, time.Now().Truncate(time.Second)
	if pub.allDeleted() {
		pub.job.status = wego.PublishStatusDeleted
	}
	return answerOK, 0
}

func (p *publication) allDeleted() bool {
	for _, a := range p.articles {
		if !a.IsDeleted {
			return false
		}
	}
	return true
}

func (s *Server) serveFreePublishGetArticle(req *articleRequest) (any, int) {
	d := &s.draftBox
	d.mu.Lock()
	defer d.mu.Unlock()
	pub := d.pubs[req.ArticleID]
	if pub == nil {
		return nil, codeInvalidArticleID
	}
	return map[string]any{"news_item": slices.Clone(pub.articles)}, 0
}

// serveFreePublishBatchGet is POST /cgi-bin/freepublish/batchget: the
// publications with an article left, the one changed last first.
func (s *Server) serveFreePublishBatchGet(req *pageRequest) (any, int) {
	d := &s.draftBox
	d.mu.Lock()
	defer d.mu.Unlock()
	all := make([]*publication, 0, len(d.pubs))
	for _, p := range d.pubs {
		if !p.allDeleted() {
			all = append(all, p)
		}
	}
	slices.SortFunc(all, func(a, b *publication) int { return int(b.seq - a.seq) })
	from, to, code := req.page(len(all))
	if code != 0 {
		return nil, code
	}
	items := make([]map[string]any, 0, to-from)
	for _, p := range all[from:to] {
		articles := slices.Clone(p.articles)
		if req.NoContent == 1 {
			for i := range articles {
				articles[i].Content = ""
			}
		}
		items = append(items, map[string]any{
			"article_id": p.articleID, "update_time": p.updated.Unix(),
			"content": map[string]any{"news_item": articles},
		})
	}
	return map[string]any{"total_count": len(all), "item_count": len(items), "item": items}, 0
}

// FinishPublish ends the publish job publishID as WeChat does when it
// publishes: the publication gets an article id and a permanent URL for
// each article, the draft leaves the draft box, and PUBLISHJOBFINISH
// (publish_status 0, the article id and the links) is pushed to target
// (a path on the app under test, a URL or an http.Handler, as for
// [Server.Push]), from the account's mass-send helper (FromUserName
// "mphelper"). It returns the app's answer. A nil target pushes nothing,
// for a test that polls freepublish/get instead. A job that is not
// publishing, or a publish_id no job has, is an error and changes
// nothing.
func (s *Server) FinishPublish(target any, publishID string) (*PushReply, error) {
	return s.endPublish(target, publishID, wego.PublishStatusSuccess, nil)
}

// FailPublish ends the publish job publishID as WeChat does when it does
// not publish, with status 2 (wego.PublishStatusOriginalFailed), 3
// (PublishStatusFailed) or 4 (PublishStatusReviewFailed), and pushes
// PUBLISHJOBFINISH to target, as [Server.FinishPublish] does. failIdx are
// the articles refused, 1 the first, which status 2 and 4 name
// (fail_idx); every article when none is given. The draft stays in the
// draft box.
func (s *Server) FailPublish(target any, publishID string, status wego.PublishStatus, failIdx ...int) (*PushReply, error) {
	switch status {
	case wego.PublishStatusOriginalFailed, wego.PublishStatusFailed, wego.PublishStatusReviewFailed:
	default:
		return nil, fmt.Errorf("wegotest: FailPublish: status %d (%v) is not a failure: 2, 3 or 4", int(status), status)
	}
	if status == wego.PublishStatusFailed && len(failIdx) > 0 {
		return nil, fmt.Errorf("wegotest: FailPublish: status 3 names no articles (fail_idx is for 2 and 4)")
	}
	return s.endPublish(target, publishID, status, failIdx)
}

// AutoFinishPublish makes every publish job submitted from now on end by
// itself, after the delay after, with success, as [Server.FinishPublish]
// ends it, pushing the event to target: the way WeChat finishes jobs, for
// an example or a test of an app that waits for the event. A push that
// fails is logged (for a server made by [New]). AutoFinishPublish(nil, 0)
// stops it; jobs then publish until a test ends them.
func (s *Server) AutoFinishPublish(target any, after time.Duration) {
	d := &s.draftBox
	d.mu.Lock()
	defer d.mu.Unlock()
	if target == nil {
		d.auto = nil
		return
	}
	d.auto = &autoFinish{target: target, after: max(after, 0)}
}

// endPublish ends a job with status and pushes its event to target.
func (s *Server) endPublish(target any, publishID string, status wego.PublishStatus, failIdx []int) (*PushReply, error) {
	d := &s.draftBox
	d.mu.Lock()
	job := d.jobs[publishID]
	switch {
	case job == nil:
		d.mu.Unlock()
		return nil, fmt.Errorf("wegotest: no publish job has publish_id %q", publishID)
	case job.status != wego.PublishStatusPublishing:
		d.mu.Unlock()
		return nil, fmt.Errorf("wegotest: publish job %s is over (%v)", publishID, job.status)
	}
	for _, i := range failIdx {
		if i < 1 || i > len(job.articles) {
			d.mu.Unlock()
			return nil, fmt.Errorf("wegotest: publish job %s has articles 1 to %d, not %d", publishID, len(job.articles), i)
		}
	}
	if status != wego.PublishStatusSuccess && status != wego.PublishStatusFailed && len(failIdx) == 0 {
		for i := range job.articles {
			failIdx = append(failIdx, i+1)
		}
	}
	job.status, job.failIdx = status, slices.Clone(failIdx)
	var pub *publication
	if status == wego.PublishStatusSuccess {
		pub = d.publishLocked(job)
	}
	event := s.publishEvent(job, pub)
	d.mu.Unlock()
	if target == nil {
		return nil, nil
	}
	return s.Push(target, XMLMessage(string(event)))
}

// publishLocked makes the publication of a job that succeeded; d.mu is held.
func (d *draftState) publishLocked(job *publishJob) *publication {
	job.articleID = newMediaID(func(id string) bool { return d.pubs[id] != nil })
	d.seq++
	pub := &publication{articleID: job.articleID, job: job, updated: time.Now().Truncate(time.Second), seq: d.seq}
	for i, a := range job.articles {
		pub.articles = append(pub.articles, publishedArticle{
			Title: a.Title, Author: a.Author, Digest: a.Digest, Content: a.Content,
			ContentSourceURL: a.ContentSourceURL, ThumbMediaID: a.ThumbMediaID,
			ThumbURL:           "http://mmbiz.qpic.cn/mmbiz_jpg/" + randomBase62(40) + "/0?wx_fmt=jpeg",
			NeedOpenComment:    a.NeedOpenComment,
			OnlyFansCanComment: a.OnlyFansCanComment,
			URL: "http://mp.weixin.qq.com/s?__biz=" + d.biz + "&mid=" + job.publishID +
				"&idx=" + strconv.Itoa(i+1) + "&sn=" + randomHex(16) + "#rd",
		})
	}
	d.pubs[pub.articleID] = pub
	delete(d.drafts, job.mediaID) // a published draft leaves the draft box
	return pub
}

// publishEvent is the PUBLISHJOBFINISH push of a job that ended, as
// WeChat's page shows it.
func (s *Server) publishEvent(job *publishJob, pub *publication) []byte {
	b := []byte("<xml>")
	b = xmlscan.AppendElement(b, "ToUserName", s.OriginalID)
	b = xmlscan.AppendElement(b, "FromUserName", mpHelper)
	b = xmlscan.AppendIntElement(b, "CreateTime", time.Now().Unix())
	b = xmlscan.AppendElement(b, "MsgType", "event")
	b = xmlscan.AppendElement(b, "Event", EventPublishJobFinish)
	b = xmlscan.AppendStart(b, "PublishEventInfo")
	b = xmlscan.AppendTextElement(b, "publish_id", job.publishID)
	b = xmlscan.AppendIntElement(b, "publish_status", int64(job.status))
	if pub != nil {
		b = xmlscan.AppendElement(b, "article_id", pub.articleID)
		b = xmlscan.AppendStart(b, "article_detail")
		b = xmlscan.AppendIntElement(b, "count", int64(len(pub.articles)))
		for i, a := range pub.articles {
			b = xmlscan.AppendStart(b, "item")
			b = xmlscan.AppendIntElement(b, "idx", int64(i+1))
			b = xmlscan.AppendElement(b, "article_url", a.URL)
			b = xmlscan.AppendEnd(b, "item")
		}
		b = xmlscan.AppendEnd(b, "article_detail")
	}
	for _, i := range job.failIdx {
		b = xmlscan.AppendIntElement(b, "fail_idx", int64(i))
	}
	b = xmlscan.AppendEnd(b, "PublishEventInfo")
	return append(b, "</xml>"...)
}

// Drafts returns the account's drafts in wego's type, the one changed
// last first, as draft/batchget lists them.
func (s *Server) Drafts() []wego.Draft {
	d := &s.draftBox
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []wego.Draft
	for _, dr := range d.sortedDrafts() {
		out = append(out, wego.Draft{MediaID: dr.mediaID, Articles: toWego[draftArticle](dr.articles), UpdateTime: dr.updated})
	}
	return out
}

// Publication returns the publication articleID in wego's type, its
// articles deleted or not, and whether there is one.
func (s *Server) Publication(articleID string) (wego.Publication, bool) {
	d := &s.draftBox
	d.mu.Lock()
	defer d.mu.Unlock()
	pub := d.pubs[articleID]
	if pub == nil {
		return wego.Publication{}, false
	}
	return wego.Publication{ArticleID: articleID, Articles: toWego[publishedArticle](pub.articles), UpdateTime: pub.updated}, true
}

// PublishStatus returns the status of the publish job publishID, and
// whether there is one.
func (s *Server) PublishStatus(publishID string) (wego.PublishStatus, bool) {
	d := &s.draftBox
	d.mu.Lock()
	defer d.mu.Unlock()
	job := d.jobs[publishID]
	if job == nil {
		return 0, false
	}
	return job.status, true
}

// toWego converts articles as the fake answers them into wego's type, by
// way of their JSON, as a client reads them. The fake's own types always
// marshal, and wego reads what they write.
func toWego[T any](articles []T) []wego.DraftArticle {
	b, _ := json.Marshal(articles)
	var out []wego.DraftArticle
	_ = json.Unmarshal(b, &out)
	return out
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}
