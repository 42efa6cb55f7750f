package wego_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/wego-sdk/wego"
	"github.com/wego-sdk/wego/wegotest"
)

// A mass send to the followers with a tag: WeChat takes the job, sends it
// later and pushes MASSSENDJOBFINISH with the counts when it is done.
func ExampleClient_SendMass() {
	srv := wegotest.NewServer() // a fake WeChat; use your own Settings in production
	defer srv.Close()
	vip, _ := srv.AddTag("VIP")
	_ = srv.AddUser(wegotest.User{OpenID: "oVip1", TagIDs: []int{vip}})
	_ = srv.AddUser(wegotest.User{OpenID: "oVip2", TagIDs: []int{vip}})
	_ = srv.AddUser(wegotest.User{OpenID: "oFan"})
	c, err := wego.NewClient(srv.Settings())
	if err != nil {
		panic(err)
	}
	ctx := context.Background()

	r, err := c.SendMass(ctx, wego.MassToTag(vip), wego.Text("VIP sale starts at noon"))
	if err != nil {
		panic(err)
	}
	status, _ := c.GetMassStatus(ctx, r.MsgID)
	fmt.Println(status)

	srv.SetApp(c.PushHandler(func(_ context.Context, p *wego.Push) (wego.Reply, error) {
		if p.Type == wego.PushMassSendJobFinish {
			res, err := p.MassSendResult()
			if err != nil {
				return nil, err
			}
			fmt.Println(res.MsgID == r.MsgID, res.Status, res.TotalCount, res.SentCount)
		}
		return nil, nil
	}))
	_, _ = srv.FinishMassSend("/wechat", r.MsgID) // WeChat is done
	status, _ = c.GetMassStatus(ctx, r.MsgID)
	fmt.Println(status)
	// Output:
	// SENDING
	// true send success 2 2
	// SEND_SUCCESS
}

// A clientmsgid names a mass send: WeChat runs one job for it in 24 hours
// and refuses a repeat with 45065, so a send retried after a crash or a
// lost answer reaches nobody twice.
func ExampleWithMassClientMsgID() {
	srv := wegotest.NewServer()
	defer srv.Close()
	_ = srv.AddUser(wegotest.User{OpenID: "oFan1"})
	_ = srv.AddUser(wegotest.User{OpenID: "oFan2"})
	c, _ := wego.NewClient(srv.Settings())
	ctx := context.Background()

	send := func() error {
		_, err := c.SendMass(ctx, wego.MassToUsers("oFan1", "oFan2"), wego.MPNews("DRAFT_MEDIA_ID"),
			wego.WithMassClientMsgID("newsletter-2026-12"))
		return err
	}
	fmt.Println(send())
	err := send()
	fmt.Println(errors.Is(err, wego.ErrMassSendRepeated), len(srv.MassSends()))
	// Output:
	// <nil>
	// true 1
}

// A preview shows one user, by openid or WeChat ID, what a mass send will
// look like.
func ExampleClient_PreviewMass() {
	srv := wegotest.NewServer()
	defer srv.Close()
	_ = srv.AddUser(wegotest.User{OpenID: "oEditor", WeChatID: "editor_wx"})
	c, _ := wego.NewClient(srv.Settings())

	_, err := c.PreviewMass(context.Background(), "editor_wx", true, wego.MPNews("DRAFT_MEDIA_ID"))
	fmt.Println(err, srv.MassPreviews("oEditor")[0].Get("media_id"))
	// Output: <nil> DRAFT_MEDIA_ID
}
