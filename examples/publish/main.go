// Command publish writes an article to the draft box (草稿箱) and
// publishes it (发布): a cover image, a draft, the publish job, and its
// result, which WeChat pushes (PUBLISHJOBFINISH) to the account's server
// when the job ends.
//
// With no environment set it runs offline against wegotest, the fake
// WeChat platform, whose jobs end a moment after they start, as WeChat's
// do, and push their result to the example's push handler:
//
//	go run ./examples/publish
//
// With WEGO_APP_ID and WEGO_APP_SECRET set it talks to the real WeChat
// API (WEGO_THUMB_MEDIA_ID: the media id of a permanent image for the
// cover). It stops after saving the draft unless -publish is given, as
// publishing puts the article on the account's page for anyone to read;
// then, as WeChat cannot push to this program, it polls the job's status.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"time"

	"github.com/wego-sdk/wego"
	"github.com/wego-sdk/wego/wegotest"
)

func main() {
	publish := flag.Bool("publish", false, "publish the draft on the real account (always done offline)")
	flag.Parse()
	if err := run(context.Background(), *publish); err != nil {
		fmt.Fprintln(os.Stderr, "publish:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, publish bool) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()

	var srv *wegotest.Server
	settings := wego.Settings{AppID: os.Getenv("WEGO_APP_ID"), AppSecret: os.Getenv("WEGO_APP_SECRET")}
	if settings.AppID == "" {
		srv = wegotest.NewServer()
		defer srv.Close()
		settings = srv.Settings()
		publish = true
		fmt.Println("against wegotest, the offline fake platform")
	}
	c, err := wego.NewClient(settings)
	if err != nil {
		return err
	}

	// The account's push handler hears how publish jobs end. On the fake
	// it is the app the platform pushes to; in production it is the
	// handler at the server URL set in the web console.
	results := make(chan *wego.PublishResult, 1)
	handler := c.PushHandler(func(_ context.Context, p *wego.Push) (wego.Reply, error) {
		if p.Type != wego.PushPublishJobFinish {
			return nil, nil
		}
		r, err := p.PublishResult()
		if err != nil {
			return nil, err
		}
		select {
		case results <- r:
		default: // a job this run did not start
		}
		return nil, nil
	})
	if srv != nil {
		mux := http.NewServeMux()
		mux.Handle("/wechat", handler)
		srv.SetApp(mux)
		srv.AutoFinishPublish("/wechat", 300*time.Millisecond) // WeChat takes seconds to minutes
	}

	// 1. The cover: a permanent image material.
	cover, err := coverImage(ctx, c, srv)
	if err != nil {
		return fmt.Errorf("cover: %w", err)
	}
	fmt.Println("1. cover ready")

	// 2. The draft, checked against WeChat's limits before it is sent.
	mediaID, err := c.AddDraft(ctx, wego.DraftArticle{
		Title:            "wego 发布示例",
		Author:           "wego",
		Digest:           "草稿箱与发布能力",
		Content:          "<p>Written by <b>examples/publish</b>: a draft, then a publish job.</p>",
		ContentSourceURL: "https://github.com/wego-sdk/wego",
		ThumbMediaID:     cover,
		NeedOpenComment:  true,
	})
	if err != nil {
		return fmt.Errorf("add draft: %w", err)
	}
	n, err := c.CountDrafts(ctx)
	if err != nil {
		return err
	}
	fmt.Printf("2. draft saved; the draft box holds %d\n", n)
	if !publish {
		fmt.Println("   not published: run with -publish to publish it on the account")
		return nil
	}

	// 3. The publish job: WeChat answers at once, checks and reviews after.
	job, err := c.PublishDraft(ctx, mediaID)
	if err != nil {
		return fmt.Errorf("publish: %w", err)
	}
	fmt.Println("3. publish job submitted")

	// 4. Its result: the push when it comes, the status otherwise.
	r, err := waitForResult(ctx, c, job, results)
	if err != nil {
		return err
	}
	if r.Status != wego.PublishStatusSuccess {
		return fmt.Errorf("publish job ended %v (articles refused: %v)", r.Status, r.FailedIdx)
	}
	fmt.Printf("4. published: %d article(s)\n", len(r.Articles))
	for _, a := range r.Articles {
		fmt.Printf("   %d. %s\n", a.Idx, a.URL)
	}

	// 5. What WeChat keeps of it.
	pub, err := c.GetPublication(ctx, r.ArticleID)
	if err != nil {
		return err
	}
	fmt.Printf("5. publication %q, comments open: %v\n", pub.Articles[0].Title, pub.Articles[0].NeedOpenComment)
	return nil
}

// waitForResult waits for the job's PUBLISHJOBFINISH push, asking WeChat
// for its status every few seconds meanwhile (a push may not reach this
// program: in production the push handler and the job live in different
// processes, or the push is late).
func waitForResult(ctx context.Context, c *wego.Client, job *wego.PublishJob, pushed <-chan *wego.PublishResult) (*wego.PublishResult, error) {
	tick := time.NewTicker(3 * time.Second)
	defer tick.Stop()
	for {
		select {
		case r := <-pushed:
			if r.PublishID == job.PublishID {
				fmt.Println("   the result was pushed (PUBLISHJOBFINISH)")
				return r, nil
			}
		case <-tick.C:
			r, err := c.GetPublishStatus(ctx, job.PublishID)
			if err != nil {
				return nil, err
			}
			if r.Status.Done() {
				fmt.Println("   the result was polled (freepublish/get)")
				return r, nil
			}
		case <-ctx.Done():
			return nil, errors.New("the publish job did not end in time; ask for its status later")
		}
	}
}
