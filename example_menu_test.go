package wego_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"github.com/wego-sdk/wego"
	"github.com/wego-sdk/wego/wegotest"
)

// The account's menu, built in Go. A menu WeChat would refuse fails
// before anything is sent, naming the button.
func ExampleClient_CreateMenu() {
	srv := wegotest.NewServer() // a fake WeChat; use your own Settings in production
	defer srv.Close()
	c, err := wego.NewClient(srv.Settings())
	if err != nil {
		panic(err)
	}
	ctx := context.Background()

	err = c.CreateMenu(ctx, wego.Menu{Buttons: []wego.Button{
		wego.ClickButton("Today", "V1001_TODAY"), // pushes a click event with this key
		wego.SubMenu("More",
			wego.ViewButton("Site", "https://example.com/?from=menu&lang=en"),
			wego.MiniprogramButton("Shop", "wx286b93c14bbf93aa", "pages/index/index", "https://example.com/shop"),
		),
	}})
	if err != nil {
		panic(err)
	}
	menus, err := c.GetMenus(ctx)
	if err != nil {
		panic(err)
	}
	for _, b := range menus.Menu.Buttons {
		fmt.Println(b.Name, len(b.SubButtons))
	}

	err = c.CreateMenu(ctx, wego.Menu{Buttons: []wego.Button{wego.ClickButton("今日歌曲推荐", "K")}})
	fmt.Println(err)
	fmt.Println(errors.Is(err, wego.ErrInvalidParameter), srv.Requests(wegotest.PathMenuCreate))
	// Output:
	// Today 0
	// More 2
	// wego: invalid parameter: button 1: name is 18 bytes, at most 16
	// true 1
}

// A menu for the users with a tag. WeChat shows each user the newest
// conditional menu that matches, or the default menu; TryMatch tells which.
func ExampleClient_CreateConditionalMenu() {
	srv := wegotest.NewServer()
	defer srv.Close()
	vip, _ := srv.AddTag("VIP")
	_ = srv.AddUser(wegotest.User{OpenID: "oVIP", TagIDs: []int{vip}})
	_ = srv.AddUser(wegotest.User{OpenID: "oFan"})
	c, _ := wego.NewClient(srv.Settings())
	ctx := context.Background()

	// A conditional menu needs a default menu first.
	if err := c.CreateMenu(ctx, wego.Menu{Buttons: []wego.Button{wego.ClickButton("Home", "HOME")}}); err != nil {
		panic(err)
	}
	id, err := c.CreateConditionalMenu(ctx,
		wego.Menu{Buttons: []wego.Button{wego.ClickButton("VIP corner", "VIP")}},
		wego.MatchRule{TagID: vip},
	)
	if err != nil {
		panic(err)
	}
	for _, user := range []string{"oVIP", "oFan"} {
		m, err := c.TryMatch(ctx, user)
		if err != nil {
			panic(err)
		}
		fmt.Println(user, "sees", m.Buttons[0].Name)
	}
	fmt.Println(c.DelConditionalMenu(ctx, id))
	// Output:
	// oVIP sees VIP corner
	// oFan sees Home
	// <nil>
}

// A menu kept in a JSON file, in WeChat's own format: loaded with
// encoding/json, checked, created.
func ExampleMenu_fromJSON() {
	srv := wegotest.NewServer()
	defer srv.Close()
	c, _ := wego.NewClient(srv.Settings())

	data, err := os.ReadFile("testdata/menu/wechat-create-example.json")
	if err != nil {
		panic(err)
	}
	var m wego.Menu
	if err := json.Unmarshal(data, &m); err != nil {
		panic(err)
	}
	if err := m.Validate(); err != nil { // CreateMenu checks too; this tells early, e.g. at start-up
		panic(err)
	}
	if err := c.CreateMenu(context.Background(), m); err != nil {
		panic(err)
	}
	for _, b := range srv.Menus().Menu.Buttons {
		if len(b.SubButtons) == 0 {
			fmt.Println(b.Name, b.Type)
			continue
		}
		fmt.Println(b.Name, "›")
		for _, s := range b.SubButtons {
			fmt.Println(" ", s.Name, s.Type)
		}
	}
	// Output:
	// 今日歌曲 click
	// 菜单 ›
	//   搜索 view
	//   wxa miniprogram
	//   赞一下我们 click
}
