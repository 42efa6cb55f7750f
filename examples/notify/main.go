// Command notify answers a user's request in three steps: a passive reply
// at once ("got it, working on it"), as WeChat waits only 5 seconds for
// the push's answer; the work, 10 seconds here, in a goroutine; then the
// result by customer-service message (客服消息, within the 48 hours the
// user's message opened) and a template notice (模板消息).
//
// Offline (no environment set) it starts wegotest, the fake WeChat
// platform, plays a user sending a request, and prints what the user
// received; it ends once the work is done:
//
//	go run ./examples/notify             # the work takes 10 s
//	go run ./examples/notify -work=1s    # shorter, as CI runs it
//
// For real, set WEGO_APP_ID, WEGO_APP_SECRET, WEGO_PUSH_TOKEN, (for safe
// mode) WEGO_PUSH_AES_KEY, WEGO_TEMPLATE_ID (a template of the account
// with the keys thing1 and thing2) and PORT; point the server URL
// (服务器地址) at /wechat and send the account a message. It answers the
// first request and exits.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/wego-sdk/wego"
	"github.com/wego-sdk/wego/wegotest"
)

func main() {
	work := flag.Duration("work", 10*time.Second, "how long the work takes")
	flag.Parse()
	if err := run(context.Background(), *work); err != nil {
		fmt.Fprintln(os.Stderr, "notify:", err)
		os.Exit(1)
	}
}

// worker acknowledges requests and answers them when its work is done.
type worker struct {
	c          *wego.Client
	templateID string
	work       time.Duration
	ctx        context.Context // the program's, not a push's: the work outlives the push
	wg         sync.WaitGroup
	done       chan error // each request's outcome
}

// handle is the push function: a text message is a request.
func (w *worker) handle(_ context.Context, p *wego.Push) (wego.Reply, error) {
	if p.Type != wego.PushText {
		return nil, nil
	}
	openid, request := p.FromUser, p.Content() // the Push is valid during the call only
	w.wg.Add(1)
	go func() {
		defer w.wg.Done()
		err := w.answer(openid, request)
		select {
		case w.done <- err:
		default: // a request after the first: its outcome is not awaited
		}
	}()
	return wego.Text("got it, working on it"), nil
}

// answer does the work and tells the user the result twice over: by
// customer-service message, and by a template notice, which WeChat
// delivers even outside the customer-service window.
func (w *worker) answer(openid, request string) error {
	select {
	case <-time.After(w.work):
	case <-w.ctx.Done():
		return w.ctx.Err()
	}
	result := request + ": done"
	if err := w.c.SendMessage(w.ctx, openid, wego.Text(result)); err != nil {
		return fmt.Errorf("customer-service message: %w", err)
	}
	_, err := w.c.SendTemplateMessage(w.ctx, wego.TemplateMessage{ToUser: openid, TemplateID: w.templateID,
		Data: map[string]string{"thing1": request, "thing2": "done"}})
	if err != nil {
		return fmt.Errorf("template message: %w", err)
	}
	return nil
}

func run(ctx context.Context, work time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, work+time.Minute)
	defer cancel()
	if os.Getenv("WEGO_APP_ID") != "" {
		return serve(ctx, work)
	}

	srv := wegotest.NewServer()
	defer srv.Close()
	fmt.Println("against wegotest, the offline fake platform")
	const user = "oUser"
	_ = srv.AddUser(wegotest.User{OpenID: user})
	tid := srv.AddTemplate(wego.Template{Title: "处理完成通知", Content: "事项:{{thing1.DATA}}\n结果:{{thing2.DATA}}"})
	c, err := wego.NewClient(srv.Settings())
	if err != nil {
		return err
	}
	w := &worker{c: c, templateID: tid, work: work, ctx: ctx, done: make(chan error, 1)}
	srv.SetApp(c.PushHandler(w.handle))

	start := time.Now()
	reply, err := srv.Push("/wechat", wegotest.TextMessage(user, "export my orders"))
	if err != nil {
		return err
	}
	fmt.Printf("user sent %q; passive reply after %v: %q\n", "export my orders",
		time.Since(start).Round(time.Millisecond), reply.Get("Content"))
	fmt.Printf("working for %v...\n", work)
	if err := <-w.done; err != nil {
		return err
	}
	w.wg.Wait()
	for _, m := range srv.SentMessages(user) {
		fmt.Printf("customer-service %s message: %q\n", m.MsgType, m.Get("content"))
	}
	for _, m := range srv.SentTemplates(user) {
		fmt.Printf("template message (msgid %d): 事项 %q, 结果 %q\n", m.MsgID, m.Data["thing1"], m.Data["thing2"])
	}
	return nil
}

// serve answers the first request sent to the real account, then exits.
func serve(ctx context.Context, work time.Duration) error {
	c, err := wego.NewClient(wego.Settings{
		AppID: os.Getenv("WEGO_APP_ID"), AppSecret: os.Getenv("WEGO_APP_SECRET"),
		PushToken: os.Getenv("WEGO_PUSH_TOKEN"), PushEncodingAESKey: os.Getenv("WEGO_PUSH_AES_KEY"),
	})
	if err != nil {
		return err
	}
	w := &worker{c: c, templateID: os.Getenv("WEGO_TEMPLATE_ID"), work: work, ctx: ctx, done: make(chan error, 1)}
	mux := http.NewServeMux()
	mux.Handle("/wechat", c.PushHandler(w.handle))
	hs := &http.Server{Addr: ":" + os.Getenv("PORT"), Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := hs.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) {
			w.done <- err
		}
	}()
	fmt.Println("listening on", hs.Addr, "/wechat: send the account a message")
	err = <-w.done
	w.wg.Wait()
	_ = hs.Shutdown(context.Background())
	if err == nil {
		fmt.Println("answered: a customer-service message and a template notice")
	}
	return err
}
