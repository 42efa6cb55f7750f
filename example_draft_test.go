package wego_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/wego-sdk/wego"
	"github.com/wego-sdk/wego/wegotest"
)

// coverJPEG is the cover image an account uploads.
var coverJPEG, _ = os.ReadFile("testdata/media/cat.jpg")

// A draft of two articles, each with its cover (a permanent image
// material). An article WeChat would refuse is refused here, naming it.
func ExampleClient_AddDraft() {
	srv := wegotest.NewServer() // a fake WeChat; use your own Settings in production
	defer srv.Close()
	c, err := wego.NewClient(srv.Settings())
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	// The cover: a permanent image material (c.AddOtherMaterial uploads one).
	cover := srv.AddMaterial(wego.MediaImage, "cover.jpg", coverJPEG)

	mediaID, err := c.AddDraft(ctx,
		wego.DraftArticle{Title: "春季新品", Author: "小编", Content: "<p>新品上市 & 限时优惠</p>", ThumbMediaID: cover, NeedOpenComment: true},
		wego.DraftArticle{Title: "门店地址", Content: "<p>...</p>", ThumbMediaID: cover, ContentSourceURL: "https://example.com/stores"},
	)
	if err != nil {
		panic(err)
	}
	d, err := c.GetDraft(ctx, mediaID)
	if err != nil {
		panic(err)
	}
	fmt.Println(len(d.Articles), d.Articles[0].Title, d.Articles[0].Content)

	_, err = c.AddDraft(ctx, wego.DraftArticle{Title: strings.Repeat("长", 33), Content: "<p>...</p>", ThumbMediaID: cover})
	fmt.Println(errors.Is(err, wego.ErrInvalidParameter), err)
	// Output:
	// 2 春季新品 <p>新品上市 & 限时优惠</p>
	// true wego: invalid parameter: articles[0] › title: 33 characters, at most 32
}

// Publishing is a job: WeChat answers at once with its id, and pushes
// the result (PUBLISHJOBFINISH) to the account's server when it is done.
// Here wegotest ends the job by itself, as WeChat would, a moment after
// the submission.
func ExampleClient_PublishDraft() {
	srv := wegotest.NewServer()
	defer srv.Close()
	c, err := wego.NewClient(srv.Settings())
	if err != nil {
		panic(err)
	}
	ctx := context.Background()

	results := make(chan *wego.PublishResult, 1)
	mux := http.NewServeMux()
	mux.Handle("/wechat", c.PushHandler(func(_ context.Context, p *wego.Push) (wego.Reply, error) {
		if p.Type == wego.PushPublishJobFinish {
			r, err := p.PublishResult()
			if err != nil {
				return nil, err
			}
			results <- r // e.g. store r.ArticleID and the links with the job
		}
		return nil, nil
	}))
	srv.SetApp(mux)
	srv.AutoFinishPublish("/wechat", 10*time.Millisecond)

	mediaID, err := c.AddDraft(ctx, wego.DraftArticle{Title: "Hello", Content: "<p>world</p>", ThumbMediaID: srv.AddMaterial(wego.MediaImage, "cover.jpg", coverJPEG)})
	if err != nil {
		panic(err)
	}
	job, err := c.PublishDraft(ctx, mediaID)
	if err != nil {
		panic(err)
	}
	r := <-results
	fmt.Println(r.PublishID == job.PublishID, r.Status, len(r.Articles), strings.HasPrefix(r.Articles[0].URL, "http://mp.weixin.qq.com/s?"))

	pub, err := c.GetPublication(ctx, r.ArticleID)
	if err != nil {
		panic(err)
	}
	fmt.Println(pub.Articles[0].Title, pub.Articles[0].URL == r.Articles[0].URL)
	// Output:
	// true success 1 true
	// Hello true
}

// Without pushes (a script, a job queue), poll the job until it is done.
func ExampleClient_GetPublishStatus() {
	srv := wegotest.NewServer()
	defer srv.Close()
	c, _ := wego.NewClient(srv.Settings())
	ctx := context.Background()
	mediaID, err := c.AddDraft(ctx, wego.DraftArticle{Title: "Hello", Content: "<p>world</p>", ThumbMediaID: srv.AddMaterial(wego.MediaImage, "cover.jpg", coverJPEG)})
	if err != nil {
		panic(err)
	}
	job, err := c.PublishDraft(ctx, mediaID)
	if err != nil {
		panic(err)
	}
	// wegotest: WeChat's review refuses the article, and no app hears of it.
	if _, err := srv.FailPublish(nil, job.PublishID, wego.PublishStatusReviewFailed); err != nil {
		panic(err)
	}

	for {
		r, err := c.GetPublishStatus(ctx, job.PublishID)
		if err != nil {
			panic(err)
		}
		if r.Status.Done() {
			fmt.Println(r.Status, r.FailedIdx)
			break
		}
		time.Sleep(5 * time.Second)
	}
	// Output: review failed [1]
}

// Every draft, 20 a page, without the articles' content.
func ExampleClient_Drafts() {
	srv := wegotest.NewServer()
	defer srv.Close()
	c, _ := wego.NewClient(srv.Settings())
	ctx := context.Background()
	for _, title := range []string{"one", "two", "three"} {
		if _, err := c.AddDraft(ctx, wego.DraftArticle{Title: title, Content: "<p>" + title + "</p>", ThumbMediaID: srv.AddMaterial(wego.MediaImage, "cover.jpg", coverJPEG)}); err != nil {
			panic(err)
		}
	}

	for d, err := range c.Drafts(ctx, true) {
		if err != nil {
			panic(err)
		}
		fmt.Println(d.Articles[0].Title, d.Articles[0].Content == "")
	}
	// Output:
	// three true
	// two true
	// one true
}
