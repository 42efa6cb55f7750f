package wego_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/wego-sdk/wego"
	"github.com/wego-sdk/wego/wegotest"
)

// A customer-service message reaches a user who wrote in the last 48
// hours; to a user silent longer, WeChat refuses it (45015).
func ExampleClient_SendMessage() {
	srv := wegotest.NewServer() // a fake WeChat; use your own Settings in production
	defer srv.Close()
	_ = srv.AddUser(wegotest.User{OpenID: "oFan"})
	_ = srv.AddUser(wegotest.User{OpenID: "oQuiet"})
	srv.SetLastInteraction("oFan", time.Now().Add(-47*time.Hour))
	srv.SetLastInteraction("oQuiet", time.Now().Add(-49*time.Hour))
	c, err := wego.NewClient(srv.Settings())
	if err != nil {
		panic(err)
	}
	ctx := context.Background()

	err = c.SendMessage(ctx, "oFan", wego.Text("Your order shipped"))
	fmt.Println(err, srv.SentMessages("oFan")[0].Get("content"))

	err = c.SendMessage(ctx, "oQuiet", wego.Text("Your order shipped"))
	fmt.Println(errors.Is(err, wego.ErrOutsideServiceWindow))
	// Output:
	// <nil> Your order shipped
	// true
}

// A menu message: the user taps a choice, and WeChat pushes a text
// message carrying the choice's id in bizmsgmenuid.
func ExampleMsgMenu() {
	srv := wegotest.NewServer()
	defer srv.Close()
	_ = srv.AddUser(wegotest.User{OpenID: "oFan"})
	srv.SetLastInteraction("oFan", time.Now())
	c, _ := wego.NewClient(srv.Settings())

	err := c.SendMessage(context.Background(), "oFan", wego.MsgMenu("How did we do?", "Thank you",
		wego.MsgMenuItem{ID: "101", Content: "Well"},
		wego.MsgMenuItem{ID: "102", Content: "Badly"}))
	if err != nil {
		panic(err)
	}
	bot := c.PushHandler(func(_ context.Context, p *wego.Push) (wego.Reply, error) {
		fmt.Println("tapped", p.Get("bizmsgmenuid"), p.Content())
		return nil, nil
	})
	_, _ = srv.Push(bot, wegotest.TextMessage("oFan", "Well").With("bizmsgmenuid", "101"))
	// Output: tapped 101 Well
}

// A template message reaches a follower whenever; its ClientMsgID makes a
// repeat harmless, and the TEMPLATESENDJOBFINISH push tells how it fared.
func ExampleClient_SendTemplateMessage() {
	srv := wegotest.NewServer()
	defer srv.Close()
	_ = srv.AddUser(wegotest.User{OpenID: "oFan"})
	tid := srv.AddTemplate(wego.Template{Title: "订单发货通知", Content: "商品:{{thing1.DATA}}\n单号:{{character_string2.DATA}}"})
	c, _ := wego.NewClient(srv.Settings())
	ctx := context.Background()

	m := wego.TemplateMessage{
		ToUser: "oFan", TemplateID: tid, URL: "https://shop.example/orders/42",
		Data:        map[string]string{"thing1": "Chocolate", "character_string2": "SF1234567890"},
		ClientMsgID: "order-42-shipped",
	}
	id, err := c.SendTemplateMessage(ctx, m)
	if err != nil {
		panic(err)
	}
	again, _ := c.SendTemplateMessage(ctx, m) // the same ClientMsgID: WeChat sends nothing more
	fmt.Println(again == id, len(srv.SentTemplates("oFan")))

	srv.SetApp(c.PushHandler(func(_ context.Context, p *wego.Push) (wego.Reply, error) {
		if p.Type == wego.PushTemplateSendJobFinish {
			fmt.Println(p.MsgID() == fmt.Sprint(id), p.TemplateSendStatus(), p.TemplateSendStatus().Delivered())
		}
		return nil, nil
	}))
	_, _ = srv.ReportTemplateSend("/wechat", id)
	// Output:
	// true 1
	// true success true
}
