// Command echobot is a WeChat push server: it echoes text messages, greets
// new followers, answers menu clicks and tells the user where they are.
//
// Offline (no environment set) it starts wegotest, the fake WeChat platform,
// drives a few pushes of different types through the bot, encrypted as in
// WeChat's safe mode, and prints each reply:
//
//	go run ./examples/echobot
//
// For real, set WEGO_APP_ID, WEGO_APP_SECRET, WEGO_PUSH_TOKEN and (for safe
// mode) WEGO_PUSH_AES_KEY to the account's server configuration and PORT to
// the port to listen on; point the server URL (服务器地址) at /wechat.
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/wego-sdk/wego"
	"github.com/wego-sdk/wego/wegotest"
)

// bot builds the push handler of the echo bot.
func bot(c *wego.Client) http.Handler {
	var r wego.PushRouter
	r.On(wego.PushText, func(_ context.Context, p *wego.Push) (wego.Reply, error) {
		return wego.Text("you said: " + p.Content()), nil
	})
	// Every follow: a follow from a QR code (PushScanSubscribe) comes here
	// too, as it has no route of its own.
	r.On(wego.PushSubscribe, func(_ context.Context, p *wego.Push) (wego.Reply, error) {
		if p.Type == wego.PushScanSubscribe {
			return wego.Text("welcome, you came from QR scene " + p.Scene()), nil
		}
		return wego.Text("welcome! send me anything"), nil
	})
	r.On(wego.PushClick, func(_ context.Context, p *wego.Push) (wego.Reply, error) {
		return wego.News(wego.Article{
			Title:       "You pressed " + p.EventKey(),
			Description: "Menu clicks can answer with up to eight articles.",
			URL:         "https://example.com/menu/" + p.EventKey(),
		}), nil
	})
	r.On(wego.PushLocation, func(_ context.Context, p *wego.Push) (wego.Reply, error) {
		lat, lng, _ := p.Location()
		return wego.Text(fmt.Sprintf("you are at %.4f, %.4f (%s)", lat, lng, p.Get("Label"))), nil
	})
	r.Default(func(context.Context, *wego.Push) (wego.Reply, error) {
		return nil, nil // "success": nothing shown to the user
	})
	return c.PushHandler(r.Handle)
}

// routes is the bot's web server: WeChat's pushes arrive at /wechat.
func routes(c *wego.Client) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/wechat", bot(c))
	return mux
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "echobot:", err)
		os.Exit(1)
	}
}

func run() error {
	if os.Getenv("WEGO_APP_ID") != "" {
		return serve()
	}
	return offline()
}

// serve runs the bot for real on $PORT.
func serve() error {
	c, err := wego.NewClient(wego.Settings{
		AppID:              os.Getenv("WEGO_APP_ID"),
		AppSecret:          os.Getenv("WEGO_APP_SECRET"),
		PushToken:          os.Getenv("WEGO_PUSH_TOKEN"),
		PushEncodingAESKey: os.Getenv("WEGO_PUSH_AES_KEY"),
		Logger:             slog.New(slog.NewTextHandler(os.Stderr, nil)),
	})
	if err != nil {
		return err
	}
	port := os.Getenv("PORT")
	if port == "" {
		return errors.New("set PORT to the port to listen on")
	}
	srv := &http.Server{Addr: ":" + port, Handler: routes(c), ReadHeaderTimeout: 5 * time.Second}
	fmt.Println("echobot listening on :" + port + "/wechat")
	return srv.ListenAndServe()
}

// offline plays WeChat's side with wegotest and prints the conversation.
func offline() error {
	srv := wegotest.NewServer()
	defer srv.Close()
	c, err := wego.NewClient(srv.Settings())
	if err != nil {
		return err
	}
	srv.SetApp(routes(c)) // the app under test, served at srv.AppURL
	fmt.Println("echobot offline on wegotest (safe mode: every push and reply encrypted)")

	if err := srv.VerifyURL("/wechat"); err != nil {
		return fmt.Errorf("URL verification failed: %w", err)
	}
	fmt.Println("server URL verified")

	const user = "oEchobotDemoUser"
	pushes := []struct {
		what string
		msg  wegotest.Message
	}{
		{"follow by scanning a QR code", wegotest.EventMessage(user, wegotest.EventSubscribe, "qrscene_spring-poster").With("Ticket", "TICKET")},
		{"text", wegotest.TextMessage(user, "hello, bot")},
		{"menu click", wegotest.EventMessage(user, wegotest.EventClick, "V1001_TODAY_NEWS")},
		{"location", wegotest.MediaMessage(user, "location").
			With("Location_X", "23.134521").With("Location_Y", "113.358803").With("Scale", "20").With("Label", "Guangzhou")},
		{"unsubscribe", wegotest.EventMessage(user, wegotest.EventUnsubscribe, "")},
	}
	for _, p := range pushes {
		reply, err := srv.Push("/wechat", p.msg)
		if err != nil {
			return fmt.Errorf("%s: %w", p.what, err)
		}
		switch {
		case reply.Success():
			fmt.Printf("%-30s -> (no reply)\n", p.what)
		case reply.Get("MsgType") == "news":
			fmt.Printf("%-30s -> news: %s\n", p.what, reply.Get("Articles.item.Title"))
		default:
			fmt.Printf("%-30s -> %s: %s\n", p.what, reply.Get("MsgType"), reply.Get("Content"))
		}
	}
	return nil
}
