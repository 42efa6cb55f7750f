// Command menu sets an account's menu from a JSON file, prints the menu
// WeChat now has, makes a QR code that opens a chat with a scene, and
// shows the scan arriving at the push handler.
//
// With no environment set it runs offline against wegotest, the fake
// WeChat platform, and needs no account:
//
//	go run ./examples/menu                     # the menu in examples/menu/menu.json
//	go run ./examples/menu -menu my-menu.json
//
// With WEGO_APP_ID and WEGO_APP_SECRET set it talks to the real WeChat
// API: it replaces the account's menu and makes a real temporary QR code
// (the scan part needs the fake and is skipped).
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/wego-sdk/wego"
	"github.com/wego-sdk/wego/wegotest"
)

func main() {
	file := flag.String("menu", defaultMenuFile(), "the menu, as the JSON WeChat takes")
	flag.Parse()
	if err := run(context.Background(), *file); err != nil {
		fmt.Fprintln(os.Stderr, "menu:", err)
		os.Exit(1)
	}
}

// defaultMenuFile is menu.json beside this source file, so that the
// example runs from any directory.
func defaultMenuFile() string {
	_, src, _, ok := runtime.Caller(0)
	if !ok {
		return "menu.json"
	}
	return filepath.Join(filepath.Dir(src), "menu.json")
}

func run(ctx context.Context, file string) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()

	var srv *wegotest.Server
	settings := wego.Settings{AppID: os.Getenv("WEGO_APP_ID"), AppSecret: os.Getenv("WEGO_APP_SECRET")}
	if settings.AppID == "" {
		srv = wegotest.NewServer()
		defer srv.Close()
		settings = srv.Settings()
		fmt.Println("against wegotest, the offline fake platform")
	}
	c, err := wego.NewClient(settings)
	if err != nil {
		return err
	}

	// 1. The menu from its file: checked against WeChat's limits before
	// anything is sent.
	data, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	var menu wego.Menu
	if err := json.Unmarshal(data, &menu); err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	if err := c.CreateMenu(ctx, menu); err != nil {
		return fmt.Errorf("create menu: %w", err)
	}
	fmt.Printf("1. menu of %s set\n", filepath.Base(file))

	// 2. What WeChat has now.
	menus, err := c.GetMenus(ctx)
	if err != nil {
		return err
	}
	fmt.Println("2. the account's menu:")
	printMenu(os.Stdout, menus.Menu)

	// 3. A menu over WeChat's limits is refused here, naming the button.
	tooLong := wego.Menu{Buttons: []wego.Button{wego.SubMenu("More",
		wego.ClickButton("一二三四五六七八九十一二三四五六七八九十一", "K"))}}
	err = c.CreateMenu(ctx, tooLong)
	fmt.Printf("3. refused before sending (ErrInvalidParameter %v): %v\n", errors.Is(err, wego.ErrInvalidParameter), err)

	// 4. A temporary QR code with a string scene.
	qr, err := c.CreateQRCode(ctx, wego.QRCode{SceneStr: "poster-42", ExpireIn: 7 * 24 * time.Hour})
	if err != nil {
		return fmt.Errorf("QR code: %w", err)
	}
	fmt.Printf("4. QR code for scene poster-42, valid until %s\n   image: %s\n", qr.Expiry.Format(time.DateOnly), qr.ImageURL)
	var img countingWriter
	if _, err := c.QRCodeImage(ctx, qr.Ticket, &img); err != nil {
		return err
	}
	fmt.Printf("   image streamed: %d bytes of PNG\n", img.n)

	if srv == nil {
		return nil
	}
	// 5. On the fake: a user scans it and follows; the push handler sees
	// the scene.
	srv.SetApp(c.PushHandler(func(_ context.Context, p *wego.Push) (wego.Reply, error) {
		if p.Type == wego.PushScanSubscribe || p.Type == wego.PushScan {
			return wego.Text("welcome from " + p.Scene()), nil
		}
		return nil, nil
	}))
	reply, err := srv.ScanQRCode("/", qr.Ticket, "oMenuExampleUser")
	if err != nil {
		return err
	}
	fmt.Printf("5. a new user scanned it: the bot answered %q\n", reply.Get("Content"))
	return nil
}

func printMenu(w io.Writer, m wego.Menu) {
	for _, b := range m.Buttons {
		fmt.Fprintf(w, "   %s\n", describe(b))
		for _, sub := range b.SubButtons {
			fmt.Fprintf(w, "     └ %s\n", describe(sub))
		}
	}
}

func describe(b wego.Button) string {
	var parts []string
	for _, kv := range [][2]string{{"key", b.Key}, {"url", b.URL}, {"appid", b.AppID}, {"pagepath", b.PagePath}, {"media_id", b.MediaID}} {
		if kv[1] != "" {
			parts = append(parts, kv[0]+"="+kv[1])
		}
	}
	if b.Type == "" {
		return b.Name
	}
	return fmt.Sprintf("%s [%s] %s", b.Name, b.Type, strings.Join(parts, " "))
}

type countingWriter struct{ n int }

func (c *countingWriter) Write(p []byte) (int, error) {
	c.n += len(p)
	return len(p), nil
}
