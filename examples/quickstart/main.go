// Command quickstart walks through the first steps with wego: it gets the
// global access token, asks WeChat which addresses it pushes from, answers
// an encrypted push, looks up a follower and moves them to a group by the
// group's name, sets a menu and makes a QR code.
//
// With no environment set it runs offline against wegotest, the fake WeChat
// platform, and needs no account:
//
//	go run ./examples/quickstart
//
// With WEGO_APP_ID and WEGO_APP_SECRET set it talks to the real WeChat API;
// WEGO_OPENID (a follower's openid) and WEGO_GROUP (a group's name, VIP when
// unset) choose whom to move where.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/wego-sdk/wego"
	"github.com/wego-sdk/wego/wegotest"
)

func main() {
	if err := run(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()

	settings, where, srv := settingsFromEnv()
	openid, group := os.Getenv("WEGO_OPENID"), os.Getenv("WEGO_GROUP")
	if group == "" {
		group = "VIP"
	}
	if srv != nil {
		defer srv.Close()
		// The fake account has a follower and a group to move them to.
		openid = "oQuickstartUser"
		if err := srv.AddUser(wegotest.User{OpenID: openid, Remark: "first customer"}); err != nil {
			return err
		}
		if _, err := srv.AddGroup(group); err != nil {
			return err
		}
	}
	if os.Getenv("WEGO_DEBUG") != "" {
		settings.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	fmt.Println("wego quickstart against", where)

	c, err := wego.NewClient(settings)
	if err != nil {
		return err
	}
	fmt.Println("1. client ready for app", c.AppID())

	tok, err := c.AccessToken(ctx)
	if err != nil {
		return fmt.Errorf("access token: %w", err)
	}
	// The token is a secret: show only that we have one.
	fmt.Printf("2. global access token fetched (%d characters) and cached\n", len(tok))

	if _, err := c.AccessToken(ctx); err != nil {
		return err
	}
	if srv != nil {
		fmt.Printf("3. second AccessToken call served from the cache (token requests seen by the platform: %d)\n", srv.TokenRequests())
	} else {
		fmt.Println("3. second AccessToken call served from the cache")
	}

	ips, err := c.GetWeChatServersList(ctx)
	if err != nil {
		return fmt.Errorf("server list: %w", err)
	}
	fmt.Printf("4. WeChat pushes from %d addresses, e.g. %s\n", len(ips), first(ips))

	if srv != nil {
		if err := pushRoundTrip(srv, c); err != nil {
			return fmt.Errorf("push: %w", err)
		}
	} else {
		fmt.Println("5. (push round trip runs offline only: it needs WeChat to send a message)")
	}

	if openid == "" {
		fmt.Println("6. (set WEGO_OPENID to a follower's openid to look them up and move them to WEGO_GROUP)")
	} else if err := moveToGroup(ctx, c, openid, group); err != nil {
		return fmt.Errorf("user %s: %w", openid, err)
	}
	if err := menuAndQRCode(ctx, c, srv != nil); err != nil {
		return err
	}
	fmt.Println("done")
	return nil
}

// menuAndQRCode sets a menu (offline only: on a real account it would
// replace the menu its users see) and makes a temporary QR code with a
// scene.
func menuAndQRCode(ctx context.Context, c *wego.Client, offline bool) error {
	if offline {
		menu := wego.Menu{Buttons: []wego.Button{
			wego.ClickButton("Today", "V1001_TODAY"),
			wego.SubMenu("More", wego.ViewButton("Site", "https://example.com/?from=menu&v=1")),
		}}
		if err := c.CreateMenu(ctx, menu); err != nil { // checked against WeChat's limits first
			return fmt.Errorf("menu: %w", err)
		}
		got, err := c.GetMenus(ctx)
		if err != nil {
			return fmt.Errorf("menu: %w", err)
		}
		fmt.Printf("8. menu set: %d buttons, the first %q\n", len(got.Menu.Buttons), got.Menu.Buttons[0].Name)
	} else {
		fmt.Println("8. (the menu step runs offline only: it would replace your account's menu)")
	}
	qr, err := c.CreateQRCode(ctx, wego.QRCode{SceneStr: "quickstart", ExpireIn: time.Hour})
	if err != nil {
		return fmt.Errorf("QR code: %w", err)
	}
	fmt.Printf("9. QR code for scene %q until %s: %s\n", "quickstart", qr.Expiry.Format(time.TimeOnly), qr.URL)
	return nil
}

// pushRoundTrip has the fake platform push an encrypted text message to a
// PushHandler, the way WeChat calls a server, and shows the decrypted reply.
func pushRoundTrip(srv *wegotest.Server, c *wego.Client) error {
	h := c.PushHandler(func(_ context.Context, p *wego.Push) (wego.Reply, error) {
		return wego.Text("hello " + p.FromUser + ", you said: " + p.Content()), nil
	})
	srv.SetPushMode(wegotest.PushSafe)
	reply, err := srv.Push(h, wegotest.TextMessage("oQuickstartUser", "hi wego"))
	if err != nil {
		return err
	}
	fmt.Printf("5. encrypted push round trip: %q\n", reply.Get("Content"))
	return nil
}

// moveToGroup looks a follower up and moves them to the group with the
// given name: wego looks the name up, and an unknown name changes nothing
// (errors.Is(err, wego.ErrGroupNotFound)).
func moveToGroup(ctx context.Context, c *wego.Client, openid, group string) error {
	u, err := c.GetExtUserInfo(ctx, openid)
	if err != nil {
		return err
	}
	info, err := u.Ext(ctx) // already loaded by GetExtUserInfo
	if err != nil {
		return err
	}
	fmt.Printf("6. user %s: follows %v, remark %q, in group %d\n", openid, info.Subscribed, info.Remark, info.GroupID)

	if err := c.ChangeUserGroup(ctx, openid, wego.GroupName(group)); err != nil {
		return err
	}
	g, err := c.GetUserGroups(ctx, openid)
	if err != nil {
		return err
	}
	fmt.Printf("7. moved to group %q (id %d), given by its name\n", g.Name, g.ID)
	return nil
}

// settingsFromEnv returns real settings when WEGO_APP_ID and WEGO_APP_SECRET
// are set, otherwise settings for a fake platform started here (returned too,
// for the caller to close).
func settingsFromEnv() (wego.Settings, string, *wegotest.Server) {
	id, secret := os.Getenv("WEGO_APP_ID"), os.Getenv("WEGO_APP_SECRET")
	if id != "" && secret != "" {
		return wego.Settings{AppID: id, AppSecret: secret}, "the real WeChat API", nil
	}
	srv := wegotest.NewServer()
	return srv.Settings(), "wegotest, the offline fake platform (set WEGO_APP_ID and WEGO_APP_SECRET for real WeChat)", srv
}

func first(s []string) string {
	if len(s) == 0 {
		return "(none)"
	}
	return s[0]
}
