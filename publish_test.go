package wego_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wego-sdk/wego"
	"github.com/wego-sdk/wego/wegotest"
)

func TestRawPublishRequests(t *testing.T) {
	t.Parallel()
	runRawCases(t, []rawCase{
		{"FreePublishSubmit", func(ctx context.Context, w *wego.WeChatAPI) (json.RawMessage, error) {
			return w.FreePublishSubmit(ctx, "M1")
		}, wantCall{method: "POST", path: "/cgi-bin/freepublish/submit", body: `{"media_id":"M1"}`}},
		{"FreePublishGet", func(ctx context.Context, w *wego.WeChatAPI) (json.RawMessage, error) {
			return w.FreePublishGet(ctx, "2247503051")
		}, wantCall{method: "POST", path: "/cgi-bin/freepublish/get", body: `{"publish_id":"2247503051"}`}},
		{"FreePublishDelete one article", func(ctx context.Context, w *wego.WeChatAPI) (json.RawMessage, error) {
			return w.FreePublishDelete(ctx, "A1", 2)
		}, wantCall{method: "POST", path: "/cgi-bin/freepublish/delete", body: `{"article_id":"A1","index":2}`}},
		{"FreePublishDelete every article", func(ctx context.Context, w *wego.WeChatAPI) (json.RawMessage, error) {
			return w.FreePublishDelete(ctx, "A1", 0)
		}, wantCall{method: "POST", path: "/cgi-bin/freepublish/delete", body: `{"article_id":"A1"}`}},
		{"FreePublishGetArticle", func(ctx context.Context, w *wego.WeChatAPI) (json.RawMessage, error) {
			return w.FreePublishGetArticle(ctx, "A1")
		}, wantCall{method: "POST", path: "/cgi-bin/freepublish/getarticle", body: `{"article_id":"A1"}`}},
		{"FreePublishBatchGet", func(ctx context.Context, w *wego.WeChatAPI) (json.RawMessage, error) {
			return w.FreePublishBatchGet(ctx, 20, 20, false)
		}, wantCall{method: "POST", path: "/cgi-bin/freepublish/batchget", body: `{"offset":20,"count":20,"no_content":0}`}},
	})
}

const publishedPage = `{"total_count":2,"item_count":2,"item":[
	{"article_id":"A1","update_time":1627891234,"content":{"news_item":[{"title":"示例标题","author":"作者名","digest":"摘要内容","content":"HTML内容",
		"content_source_url":"https://example.com/source","thumb_media_id":"MEDIA_ID_123","thumb_url":"http://mmbiz.qpic.cn/t","show_cover_pic":1,
		"need_open_comment":0,"only_fans_can_comment":0,"url":"https://example.com/article","is_deleted":false}]}},
	{"article_id":"A2","update_time":1627891000,"content":{"news_item":[{"title":"b","url":"u","is_deleted":true}]}}]}`

func TestPublishCallRequests(t *testing.T) {
	t.Parallel()
	runMockCases(t, []mockCase{
		{"PublishDraft: ids answered as numbers", func(ctx context.Context, c *wego.Client) error {
			job, err := c.PublishDraft(ctx, "M1")
			if err != nil {
				return err
			}
			assert.Equal(t, &wego.PublishJob{PublishID: "2247503051", MsgDataID: "2247503052"}, job)
			return nil
		}, []wantCall{{method: "POST", path: "/cgi-bin/freepublish/submit", body: `{"media_id":"M1"}`,
			answer: `{"errcode":0,"errmsg":"ok","publish_id":2247503051,"msg_data_id":2247503052}`}}},
		{"PublishDraft: ids answered as strings", func(ctx context.Context, c *wego.Client) error {
			job, err := c.PublishDraft(ctx, "M1")
			if err != nil {
				return err
			}
			assert.Equal(t, &wego.PublishJob{PublishID: "100000001"}, job)
			return nil
		}, []wantCall{{method: "POST", path: "/cgi-bin/freepublish/submit", body: `{"media_id":"M1"}`,
			answer: `{"errcode":0,"errmsg":"ok","publish_id":"100000001"}`}}},
		{"GetPublishStatus: success", func(ctx context.Context, c *wego.Client) error {
			r, err := c.GetPublishStatus(ctx, "100000001")
			if err != nil {
				return err
			}
			assert.Equal(t, &wego.PublishResult{PublishID: "100000001", Status: wego.PublishStatusSuccess, ArticleID: "ARTICLE_ID",
				Articles: []wego.ArticleURL{{Idx: 1, URL: "ARTICLE_URL"}, {Idx: 2, URL: "ARTICLE_URL_2"}}}, r)
			return nil
		}, []wantCall{{method: "POST", path: "/cgi-bin/freepublish/get", body: `{"publish_id":"100000001"}`,
			answer: `{"publish_id":"100000001","publish_status":0,"article_id":"ARTICLE_ID","article_detail":{"count":2,"item":[
				{"idx":1,"article_url":"ARTICLE_URL"},{"idx":2,"article_url":"ARTICLE_URL_2"}]},"fail_idx":[]}`}}},
		{"GetPublishStatus: publishing", func(ctx context.Context, c *wego.Client) error {
			r, err := c.GetPublishStatus(ctx, "100000001")
			if err != nil {
				return err
			}
			assert.Equal(t, wego.PublishStatusPublishing, r.Status)
			assert.False(t, r.Status.Done())
			return nil
		}, []wantCall{{method: "POST", path: "/cgi-bin/freepublish/get", body: `{"publish_id":"100000001"}`,
			answer: `{"publish_id":"100000001","publish_status":1,"fail_idx":[]}`}}},
		{"GetPublishStatus: original check failed, id as a number", func(ctx context.Context, c *wego.Client) error {
			r, err := c.GetPublishStatus(ctx, "100000001")
			if err != nil {
				return err
			}
			assert.Equal(t, &wego.PublishResult{PublishID: "100000001", Status: wego.PublishStatusOriginalFailed, FailedIdx: []int{1, 2}}, r)
			assert.True(t, r.Status.Done())
			return nil
		}, []wantCall{{method: "POST", path: "/cgi-bin/freepublish/get", body: `{"publish_id":"100000001"}`,
			answer: `{"publish_id":100000001,"publish_status":2,"fail_idx":[1,2]}`}}},
		{"DeletePublication", func(ctx context.Context, c *wego.Client) error {
			if err := c.DeletePublication(ctx, "A1", 1); err != nil {
				return err
			}
			return c.DeletePublication(ctx, "A1", 0)
		}, []wantCall{
			{method: "POST", path: "/cgi-bin/freepublish/delete", body: `{"article_id":"A1","index":1}`},
			{method: "POST", path: "/cgi-bin/freepublish/delete", body: `{"article_id":"A1"}`},
		}},
		{"GetPublication", func(ctx context.Context, c *wego.Client) error {
			p, err := c.GetPublication(ctx, "A1")
			if err != nil {
				return err
			}
			assert.Equal(t, &wego.Publication{ArticleID: "A1", Articles: []wego.DraftArticle{{
				Title: "TITLE", Author: "AUTHOR", Digest: "DIGEST", Content: "CONTENT", ContentSourceURL: "CONTENT_SOURCE_URL",
				ThumbMediaID: "THUMB_MEDIA_ID", ThumbURL: "THUMB_URL", URL: "URL", Deleted: true,
			}}}, p)
			return nil
		}, []wantCall{{method: "POST", path: "/cgi-bin/freepublish/getarticle", body: `{"article_id":"A1"}`,
			answer: `{"news_item":[{"title":"TITLE","author":"AUTHOR","digest":"DIGEST","content":"CONTENT","content_source_url":"CONTENT_SOURCE_URL",
				"thumb_media_id":"THUMB_MEDIA_ID","thumb_url":"THUMB_URL","show_cover_pic":1,"need_open_comment":0,"only_fans_can_comment":0,"url":"URL","is_deleted":true}]}`}}},
		{"Publications", func(ctx context.Context, c *wego.Client) error {
			var got []wego.Publication
			for p, err := range c.Publications(ctx, true) {
				if err != nil {
					return err
				}
				got = append(got, p)
			}
			require.Len(t, got, 2)
			assert.Equal(t, "A1", got[0].ArticleID)
			assert.Equal(t, "示例标题", got[0].Articles[0].Title)
			assert.Equal(t, "https://example.com/article", got[0].Articles[0].URL)
			assert.Equal(t, int64(1627891234), got[0].UpdateTime.Unix())
			assert.True(t, got[1].Articles[0].Deleted)
			return nil
		}, []wantCall{{method: "POST", path: "/cgi-bin/freepublish/batchget", body: `{"offset":0,"count":20,"no_content":1}`, answer: publishedPage}}},
	})
}

// Answers without what the call needs are an *HTTPError, not a zero value.
func TestPublishAnswersWithoutTheirID(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := mockCalls(t,
		wantCall{method: "POST", path: "/cgi-bin/freepublish/submit", body: `{"media_id":"M1"}`, answer: `{"errcode":0,"errmsg":"ok"}`},
		wantCall{method: "POST", path: "/cgi-bin/freepublish/get", body: `{"publish_id":"P"}`, answer: `{"publish_id":"P"}`},
		wantCall{method: "POST", path: "/cgi-bin/draft/add", body: `{"articles":[` + jsonOf(t, newsArticle("a")) + `]}`, answer: `{}`},
	)
	var he *wego.HTTPError
	_, err := c.PublishDraft(ctx, "M1")
	require.ErrorAs(t, err, &he)
	assert.Contains(t, he.Reason, "publish_id")
	_, err = c.GetPublishStatus(ctx, "P")
	require.ErrorAs(t, err, &he)
	assert.Contains(t, he.Reason, "publish_status")
	_, err = c.AddDraft(ctx, newsArticle("a"))
	require.ErrorAs(t, err, &he)
	assert.Contains(t, he.Reason, "media_id")
}

func TestPublishStatusNames(t *testing.T) {
	t.Parallel()
	for status, name := range map[wego.PublishStatus]string{
		0: "success", 1: "publishing", 2: "original check failed", 3: "failed", 4: "review failed",
		5: "deleted", 6: "banned", 7: "publish status 7",
	} {
		assert.Equal(t, name, status.String())
		assert.Equal(t, status != wego.PublishStatusPublishing, status.Done())
	}
}

// publishApp is an app under test whose push handler passes on every
// publish result it gets, from the account's mass-send helper as the fake
// sends them.
func publishApp(t *testing.T, srv *wegotest.Server, c *wego.Client) <-chan *wego.PublishResult {
	return publishAppFrom(t, srv, c, "mphelper")
}

// next is the next publish result the app got, failing the test after 10 s.
func next(t *testing.T, results <-chan *wego.PublishResult) *wego.PublishResult {
	t.Helper()
	select {
	case r := <-results:
		return r
	case <-time.After(10 * time.Second):
		t.Fatal("no PUBLISHJOBFINISH reached the app")
		return nil
	}
}

func publishAppFrom(t *testing.T, srv *wegotest.Server, c *wego.Client, from string) <-chan *wego.PublishResult {
	t.Helper()
	results := make(chan *wego.PublishResult, 16)
	srv.SetApp(c.PushHandler(func(_ context.Context, p *wego.Push) (wego.Reply, error) {
		if p.Type != wego.PushPublishJobFinish {
			return nil, nil
		}
		r, err := p.PublishResult()
		if err != nil {
			return nil, err
		}
		assert.Equal(t, from, p.FromUser)
		results <- r
		return nil, nil
	}))
	return results
}

func TestPublishEndToEnd(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	cv := addCovers(t, srv)
	ctx := context.Background()
	results := publishApp(t, srv, c)

	id, err := c.AddDraft(ctx, cv.article("first"), cv.article("second"))
	require.NoError(t, err)
	job, err := c.PublishDraft(ctx, id)
	require.NoError(t, err)
	require.NotEmpty(t, job.PublishID)
	assert.NotEmpty(t, job.MsgDataID)
	r, err := c.GetPublishStatus(ctx, job.PublishID)
	require.NoError(t, err)
	assert.Equal(t, &wego.PublishResult{PublishID: job.PublishID, Status: wego.PublishStatusPublishing}, r)

	reply, err := srv.FinishPublish("/", job.PublishID)
	require.NoError(t, err)
	assert.True(t, reply.Success())
	pushed := next(t, results)
	r, err = c.GetPublishStatus(ctx, job.PublishID)
	require.NoError(t, err)
	assert.Equal(t, r, pushed, "the event and freepublish/get tell the same")
	assert.Equal(t, wego.PublishStatusSuccess, r.Status)
	require.NotEmpty(t, r.ArticleID)
	require.Len(t, r.Articles, 2)
	assert.Equal(t, 2, r.Articles[1].Idx)
	assert.True(t, strings.HasPrefix(r.Articles[0].URL, "http://mp.weixin.qq.com/s?__biz="), r.Articles[0].URL)

	_, err = c.GetDraft(ctx, id)
	assert.NoError(t, wantCode(err, 40007), "a published draft leaves the draft box")
	_, err = srv.FinishPublish("/", job.PublishID)
	assert.ErrorContains(t, err, "is over")

	pub, err := c.GetPublication(ctx, r.ArticleID)
	require.NoError(t, err)
	require.Len(t, pub.Articles, 2)
	assert.Equal(t, "second", pub.Articles[1].Title)
	assert.Equal(t, r.Articles[1].URL, pub.Articles[1].URL)
	assert.NotEmpty(t, pub.Articles[0].ThumbURL)
	assert.False(t, pub.Articles[0].Deleted)
	fake, ok := srv.Publication(r.ArticleID)
	require.True(t, ok)
	assert.Equal(t, pub.Articles, fake.Articles)

	var listed []string
	for p, err := range c.Publications(ctx, false) {
		require.NoError(t, err)
		listed = append(listed, p.ArticleID)
		assert.NotEmpty(t, p.Articles[0].Content)
	}
	assert.Equal(t, []string{r.ArticleID}, listed)

	// Deleting one article, then the rest.
	require.NoError(t, c.DeletePublication(ctx, r.ArticleID, 2))
	pub, err = c.GetPublication(ctx, r.ArticleID)
	require.NoError(t, err)
	assert.False(t, pub.Articles[0].Deleted)
	assert.True(t, pub.Articles[1].Deleted)
	assert.NoError(t, wantCode(c.DeletePublication(ctx, r.ArticleID, 3), wego.CodeInvalidIndex))
	require.NoError(t, c.DeletePublication(ctx, r.ArticleID, 0))
	r, err = c.GetPublishStatus(ctx, job.PublishID)
	require.NoError(t, err)
	assert.Equal(t, wego.PublishStatusDeleted, r.Status)
	status, ok := srv.PublishStatus(job.PublishID)
	assert.True(t, ok)
	assert.Equal(t, wego.PublishStatusDeleted, status)
	listed = nil
	for p, err := range c.Publications(ctx, true) {
		require.NoError(t, err)
		listed = append(listed, p.ArticleID)
	}
	assert.Empty(t, listed, "a publication without articles leaves the list")

	// Unknown ids.
	_, err = c.GetPublication(ctx, "nope")
	assert.NoError(t, wantCode(err, wego.CodeInvalidArticleID))
	assert.NoError(t, wantCode(c.DeletePublication(ctx, "nope", 0), wego.CodeInvalidArticleID))
	_, err = c.GetPublishStatus(ctx, "1")
	assert.NoError(t, wantCode(err, 40002))
	assert.ErrorContains(t, err, "invalid argument")
	_, err = c.PublishDraft(ctx, "nope")
	assert.NoError(t, wantCode(err, 40007))
	_, ok = srv.PublishStatus("1")
	assert.False(t, ok)
}

// A job that fails says which articles; the draft stays, to be fixed.
func TestPublishFailures(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	cv := addCovers(t, srv)
	ctx := context.Background()
	results := publishApp(t, srv, c)
	id, err := c.AddDraft(ctx, cv.article("a"), cv.article("b"), cv.article("c"))
	require.NoError(t, err)

	for _, tt := range []struct {
		status wego.PublishStatus
		give   []int
		want   []int
	}{
		{wego.PublishStatusOriginalFailed, []int{1, 3}, []int{1, 3}},
		{wego.PublishStatusReviewFailed, nil, []int{1, 2, 3}},
		{wego.PublishStatusFailed, nil, nil},
	} {
		job, err := c.PublishDraft(ctx, id)
		require.NoError(t, err)
		_, err = srv.FailPublish("/", job.PublishID, tt.status, tt.give...)
		require.NoError(t, err)
		pushed := next(t, results)
		assert.Equal(t, &wego.PublishResult{PublishID: job.PublishID, Status: tt.status, FailedIdx: tt.want}, pushed)
		r, err := c.GetPublishStatus(ctx, job.PublishID)
		require.NoError(t, err)
		assert.Equal(t, pushed, r)
	}
	_, err = c.GetDraft(ctx, id)
	assert.NoError(t, err, "a draft that was not published stays")

	job, err := c.PublishDraft(ctx, id)
	require.NoError(t, err)
	_, err = srv.FailPublish("/", job.PublishID, wego.PublishStatusSuccess)
	assert.ErrorContains(t, err, "not a failure")
	_, err = srv.FailPublish("/", job.PublishID, wego.PublishStatusFailed, 1)
	assert.ErrorContains(t, err, "status 3 names no articles")
	_, err = srv.FailPublish("/", job.PublishID, wego.PublishStatusReviewFailed, 4)
	assert.ErrorContains(t, err, "has articles 1 to 3, not 4")
	_, err = srv.FinishPublish("/", "nope")
	assert.ErrorContains(t, err, "no publish job")
	status, _ := srv.PublishStatus(job.PublishID)
	assert.Equal(t, wego.PublishStatusPublishing, status, "refused calls changed nothing")

	// A nil target ends the job and pushes nothing.
	reply, err := srv.FinishPublish(nil, job.PublishID)
	require.NoError(t, err)
	assert.Nil(t, reply)
	r, err := c.GetPublishStatus(ctx, job.PublishID)
	require.NoError(t, err)
	assert.Equal(t, wego.PublishStatusSuccess, r.Status)
	select {
	case r := <-results:
		t.Fatalf("pushed %+v", r)
	default:
	}
}

// The PUBLISHJOBFINISH event reaches the push handler with its result
// typed, in each of WeChat's three push modes, on success and on failure.
func TestPublishJobFinishEveryMode(t *testing.T) {
	t.Parallel()
	for name, mode := range modes {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv, c := pushSetup(t, mode)
			cv := addCovers(t, srv)
			ctx := context.Background()
			results := publishApp(t, srv, c)
			id, err := c.AddDraft(ctx, cv.article("a"), cv.article("b"))
			require.NoError(t, err)

			job, err := c.PublishDraft(ctx, id)
			require.NoError(t, err)
			_, err = srv.FailPublish("/", job.PublishID, wego.PublishStatusReviewFailed, 2)
			require.NoError(t, err)
			assert.Equal(t, &wego.PublishResult{PublishID: job.PublishID, Status: wego.PublishStatusReviewFailed, FailedIdx: []int{2}}, next(t, results))

			job, err = c.PublishDraft(ctx, id)
			require.NoError(t, err)
			_, err = srv.FinishPublish("/", job.PublishID)
			require.NoError(t, err)
			pushed := next(t, results)
			want, err := c.GetPublishStatus(ctx, job.PublishID)
			require.NoError(t, err)
			assert.Equal(t, want, pushed)
			require.Len(t, pushed.Articles, 2)
			assert.Equal(t, []int{1, 2}, []int{pushed.Articles[0].Idx, pushed.Articles[1].Idx})
		})
	}
}

// WeChat's own samples parse into the result they describe.
func TestPublishResultOfWeChatsSamples(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		file string
		want *wego.PublishResult
	}{
		{"testdata/push/event_publishjobfinish.xml", &wego.PublishResult{PublishID: "2247503051", Status: wego.PublishStatusSuccess,
			ArticleID: "b5O2OUs25HBxRceL7hfReg-U9QGeq9zQjiDvyWP4Hq4", Articles: []wego.ArticleURL{{Idx: 1, URL: "ARTICLE_URL"}}}},
		{"testdata/push/event_publishjobfinish_original_failed.xml", &wego.PublishResult{PublishID: "2247503051",
			Status: wego.PublishStatusOriginalFailed, FailedIdx: []int{1, 2}}},
	} {
		srv, c := pushSetup(t, wegotest.PushSafe)
		results := publishAppFrom(t, srv, c, "oV5CrjpxgaGXNHIQigzNlgLTnwic")
		_, err := srv.Push("/", wegotest.XMLMessage(readFile(t, tt.file)))
		require.NoError(t, err, tt.file)
		assert.Equal(t, tt.want, next(t, results), tt.file)
	}
}

// PublishResult refuses what is not a publish result, and a result whose
// numbers are not numbers; items are told apart whatever the order of
// their two fields.
func TestPublishResultMalformed(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	var mu sync.Mutex
	var got []error
	var items [][]wego.ArticleURL
	h := c.PushHandler(func(_ context.Context, p *wego.Push) (wego.Reply, error) {
		r, err := p.PublishResult()
		mu.Lock()
		defer mu.Unlock()
		got = append(got, err)
		if r != nil {
			items = append(items, r.Articles)
		}
		return nil, nil
	})
	event := func(info string) wegotest.Message {
		return wegotest.XMLMessage(`<xml><ToUserName>gh_1</ToUserName><FromUserName>mphelper</FromUserName><CreateTime>` +
			time.Now().Format("150405") + `</CreateTime><MsgType>event</MsgType><Event>PUBLISHJOBFINISH</Event><PublishEventInfo>` +
			info + `</PublishEventInfo></xml>`)
	}
	for _, m := range []wegotest.Message{
		wegotest.TextMessage("o1", "hi"),
		event(`<publish_id>1</publish_id><publish_status>zero</publish_status>`),
		event(`<publish_status>0</publish_status>`),
		event(`<publish_id>2</publish_id><publish_status>0</publish_status><article_detail><item><idx>one</idx></item></article_detail>`),
		event(`<publish_id>3</publish_id><publish_status>2</publish_status><fail_idx>x</fail_idx>`),
		event(`<publish_id>4</publish_id><publish_status>0</publish_status><article_detail><count>3</count>` +
			`<item><article_url>u1</article_url><idx>1</idx></item><item><article_url>u2</article_url><idx>2</idx></item><item><idx>3</idx><article_url>u3</article_url></item></article_detail>`),
	} {
		_, err := srv.Deliver(h, m)
		require.NoError(t, err)
	}
	mu.Lock()
	defer mu.Unlock()
	require.Len(t, got, 6)
	assert.ErrorContains(t, got[0], `push "text" carries no publish result`)
	assert.NotErrorIs(t, got[0], wego.ErrMalformedMessage)
	for i, says := range []string{"publish_status \"zero\"", "without PublishEventInfo.publish_id", `idx "one"`, `fail_idx "x"`} {
		assert.ErrorIs(t, got[i+1], wego.ErrMalformedMessage)
		assert.ErrorContains(t, got[i+1], says)
	}
	require.NoError(t, got[5])
	assert.Equal(t, [][]wego.ArticleURL{{{Idx: 1, URL: "u1"}, {Idx: 2, URL: "u2"}, {Idx: 3, URL: "u3"}}}, items)
}

// Jobs that end in the same second are two events, not a retry of one:
// PUBLISHJOBFINISH comes from the same sender with no MsgId or EventKey.
func TestPublishJobsEndingTogetherAreTwoEvents(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	cv := addCovers(t, srv)
	ctx := context.Background()
	results := publishApp(t, srv, c)
	var jobs []string
	for range 3 {
		id, err := c.AddDraft(ctx, cv.article("a"))
		require.NoError(t, err)
		job, err := c.PublishDraft(ctx, id)
		require.NoError(t, err)
		jobs = append(jobs, job.PublishID)
	}
	for _, id := range jobs {
		_, err := srv.FinishPublish("/", id)
		require.NoError(t, err)
	}
	var ended []string
	for range jobs {
		ended = append(ended, next(t, results).PublishID)
	}
	assert.Equal(t, jobs, ended)
}

// With AutoFinishPublish a job ends by itself and its event arrives, as
// on WeChat: the app waits for it as it would in production.
func TestPublishJobsFinishByThemselves(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	cv := addCovers(t, srv)
	ctx := context.Background()
	results := publishApp(t, srv, c)
	srv.AutoFinishPublish("/", 20*time.Millisecond)
	id, err := c.AddDraft(ctx, cv.article("a"))
	require.NoError(t, err)
	job, err := c.PublishDraft(ctx, id)
	require.NoError(t, err)
	r := next(t, results)
	assert.Equal(t, job.PublishID, r.PublishID)
	assert.Equal(t, wego.PublishStatusSuccess, r.Status)

	srv.AutoFinishPublish(nil, 0)
	id, err = c.AddDraft(ctx, cv.article("b"))
	require.NoError(t, err)
	job, err = c.PublishDraft(ctx, id)
	require.NoError(t, err)
	time.Sleep(50 * time.Millisecond)
	status, _ := srv.PublishStatus(job.PublishID)
	assert.Equal(t, wego.PublishStatusPublishing, status, "off again: the job waits for the test")
}

// WeChat's publishing codes reach the caller as *APIError, with their
// errmsg.
func TestPublishErrorsFromWeChat(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	cv := addCovers(t, srv)
	ctx := context.Background()
	id, err := c.AddDraft(ctx, cv.article("a"))
	require.NoError(t, err)
	srv.FailNext(wegotest.PathFreePublishSubmit, wego.CodeDraftCheckFailed)
	_, err = c.PublishDraft(ctx, id)
	var ae *wego.APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, wego.CodeDraftCheckFailed, ae.Code)
	assert.True(t, strings.HasPrefix(ae.Msg, "该草稿未通过发布检查"), ae.Msg)
	assert.Equal(t, "/cgi-bin/freepublish/submit", ae.Endpoint)
	assert.False(t, errors.Is(err, wego.ErrInvalidParameter))
}
