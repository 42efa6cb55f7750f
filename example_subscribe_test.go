package wego_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/wego-sdk/wego"
	"github.com/wego-sdk/wego/wegotest"
)

// A subscription notice reaches a user who accepted its template in a
// subscription popup; a one-time subscription allows one notice.
func ExampleClient_SendSubscribeMessage() {
	srv := wegotest.NewServer() // a fake WeChat; use your own Settings in production
	defer srv.Close()
	tid := srv.AddSubscribeTemplate(wego.SubscribeTemplate{Title: "订单发货通知", Content: "商品名称:{{thing1.DATA}}"})
	c, err := wego.NewClient(srv.Settings())
	if err != nil {
		panic(err)
	}
	srv.SetApp(c.PushHandler(func(_ context.Context, p *wego.Push) (wego.Reply, error) {
		items, _ := p.SubscribeMsgEvents()
		for _, it := range items {
			fmt.Println(p.Type, it.Status)
		}
		return nil, nil
	}))
	_, _ = srv.AcceptSubscription("/wechat", "oFan", tid) // the user taps 允许 in the popup

	ctx := context.Background()
	m := wego.SubscribeMessage{ToUser: "oFan", TemplateID: tid, Data: map[string]string{"thing1": "巧克力"}}
	fmt.Println(c.SendSubscribeMessage(ctx, m))
	err = c.SendSubscribeMessage(ctx, m)
	fmt.Println(errors.Is(err, wego.ErrNoSubscription))
	// Output:
	// subscribe_msg_popup_event accept
	// <nil>
	// true
}

// An account picks a public template of its categories and the keywords
// its notices show.
func ExampleClient_AddSubscribeTemplate() {
	srv := wegotest.NewServer()
	defer srv.Close()
	srv.AddSubscribeLibraryTemplate(wegotest.SubscribeLibraryTemplate{TID: 99, Title: "付款成功通知",
		Category: wego.SubscribeCategory{ID: 616, Name: "公交"},
		Keywords: []wego.SubscribeKeyword{{KID: 1, Name: "金额", Example: "10元", Rule: "amount"},
			{KID: 2, Name: "商品", Example: "车票", Rule: "thing"}}})
	c, _ := wego.NewClient(srv.Settings())
	ctx := context.Background()

	cats, _ := c.GetSubscribeCategories(ctx)
	titles, total, _ := c.GetSubscribeTemplateTitles(ctx, []int{cats[0].ID}, 0, 30)
	fmt.Println(total, titles[0].TID, titles[0].Title)
	keywords, _ := c.GetSubscribeTemplateKeywords(ctx, titles[0].TID)
	id, err := c.AddSubscribeTemplate(ctx, titles[0].TID, []int{keywords[1].KID, keywords[0].KID}, "购票")
	if err != nil {
		panic(err)
	}
	list, _ := c.GetSubscribeTemplates(ctx)
	fmt.Println(list[0].ID == id, list[0].Keys())
	// Output:
	// 1 99 付款成功通知
	// true [thing2 amount1]
}
