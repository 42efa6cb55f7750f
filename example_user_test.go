package wego_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/wego-sdk/wego"
	"github.com/wego-sdk/wego/wegotest"
)

// What WeChat knows of a follower. Since 2021-12-27 user/info gives no
// nickname or avatar; OAuth with snsapi_userinfo does.
func ExampleClient_GetExtUserInfo() {
	srv := wegotest.NewServer() // a fake WeChat; use your own Settings in production
	defer srv.Close()
	if err := srv.AddUser(wegotest.User{OpenID: "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o", Remark: "老王", Language: "en"}); err != nil {
		panic(err)
	}
	c, err := wego.NewClient(srv.Settings())
	if err != nil {
		panic(err)
	}
	ctx := context.Background()

	u, err := c.GetExtUserInfo(ctx, "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o")
	if err != nil {
		panic(err)
	}
	info, err := u.Ext(ctx) // loaded with the user: no second request
	if err != nil {
		panic(err)
	}
	fmt.Println(info.Subscribed, info.Remark, info.Language, srv.Requests(wegotest.PathUserInfo))
	// Output: true 老王 en 1
}

// A group given by name is looked up first; a name no group has writes
// nothing.
func ExampleClient_ChangeUserGroup() {
	srv := wegotest.NewServer()
	defer srv.Close()
	openid := srv.AddFollowers(1)[0]
	if _, err := srv.AddGroup("VIP"); err != nil {
		panic(err)
	}
	c, _ := wego.NewClient(srv.Settings())
	ctx := context.Background()

	if err := c.ChangeUserGroup(ctx, openid, wego.GroupName("VIP")); err != nil {
		panic(err)
	}
	g, err := c.GetUserGroups(ctx, openid)
	if err != nil {
		panic(err)
	}
	fmt.Println(g.Name)

	err = c.ChangeUserGroup(ctx, openid, wego.GroupName("VVIP"))
	fmt.Println(errors.Is(err, wego.ErrGroupNotFound), srv.Requests(wegotest.PathGroupsMembersUpdate))
	// Output:
	// VIP
	// true 1
}

// Every follower, one page of 10000 in memory at a time.
func ExampleClient_Followers() {
	srv := wegotest.NewServer()
	defer srv.Close()
	srv.AddFollowers(25000)
	c, _ := wego.NewClient(srv.Settings())

	n := 0
	for openid, err := range c.Followers(context.Background()) {
		if err != nil {
			panic(err)
		}
		_ = openid // send a message, tag the user, ...
		n++
	}
	fmt.Println(n, "followers in", srv.Requests(wegotest.PathUserGet), "pages")
	// Output: 25000 followers in 4 pages
}

// Tags, which replaced groups on WeChat: any number of users, sent in
// WeChat's chunks of 50.
func ExampleClient_TagUsers() {
	srv := wegotest.NewServer()
	defer srv.Close()
	openids := srv.AddFollowers(120)
	c, _ := wego.NewClient(srv.Settings())
	ctx := context.Background()

	if _, err := c.CreateTag(ctx, "VIP"); err != nil {
		panic(err)
	}
	if err := c.TagUsers(ctx, wego.TagName("VIP"), openids...); err != nil {
		panic(err)
	}
	tagged := 0
	for _, err := range c.TaggedUsers(ctx, wego.TagName("VIP")) {
		if err != nil {
			panic(err)
		}
		tagged++
	}
	fmt.Println(tagged, "tagged in", srv.Requests(wegotest.PathTagsBatchTagging), "requests")
	// Output: 120 tagged in 3 requests
}

// A remark needs a follower, as in Python wego.
func ExampleWeChatUser_SetRemark() {
	srv := wegotest.NewServer()
	defer srv.Close()
	_ = srv.AddUser(wegotest.User{OpenID: "oFan"})
	_ = srv.AddUser(wegotest.User{OpenID: "oGone", Unsubscribed: true})
	c, _ := wego.NewClient(srv.Settings())
	ctx := context.Background()

	fmt.Println(c.User("oFan").SetRemark(ctx, "老王"))
	err := c.User("oGone").SetRemark(ctx, "老李")
	fmt.Println(errors.Is(err, wego.ErrNotSubscribed))
	// Output:
	// <nil>
	// true
}
