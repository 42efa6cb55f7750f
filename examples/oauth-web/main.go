// Command oauth-web is a web page behind WeChat login: LoginRequired sends
// the visitor to WeChat's authorize page, exchanges the code it brings
// back, and shows the page with the user's nickname and avatar and the
// wx.config block of the JS-SDK.
//
// With no flags it runs offline against wegotest, the fake WeChat
// platform: it serves the page as the fake's app under test, walks the
// login itself with a cookie-keeping HTTP client (page, authorize page,
// back with a code, page again), prints the page, shows that a reload
// exchanges no new code, and exits:
//
//	go run ./examples/oauth-web
//
// With -serve it stays up on the fake platform for a person's browser:
// open the URL it prints, pick a user on the fake authorize page (or
// refuse), and come back logged in.
//
//	go run ./examples/oauth-web -serve
//
// With WEGO_APP_ID, WEGO_APP_SECRET, WEGO_REGISTER_URL (the https origin
// set as the OAuth domain in WeChat's console, e.g.
// https://m.example.com) and PORT set, it serves the page for real.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"html"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"os"
	"os/signal"
	"regexp"
	"strings"
	"time"

	"github.com/wego-sdk/wego"
	"github.com/wego-sdk/wego/examples/oauth-web/site"
	"github.com/wego-sdk/wego/wegotest"
)

func main() {
	serveFlag := flag.Bool("serve", false, "stay up on the fake platform for a browser")
	flag.Parse()
	var err error
	switch {
	case os.Getenv("WEGO_APP_ID") != "" && os.Getenv("PORT") != "":
		err = serveReal()
	case *serveFlag:
		err = serveFake()
	default:
		err = walk(context.Background())
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "oauth-web:", err)
		os.Exit(1)
	}
}

// fake starts the fake platform with one user and the app on it.
func fake() (*wegotest.Server, *wego.Client, error) {
	srv := wegotest.NewServer()
	if err := srv.AddUser(wegotest.User{
		OpenID: "oOAuthExampleUser", Nickname: "小明 Ming",
		HeadImgURL: "https://thirdwx.qlogo.cn/mmopen/example/132",
	}); err != nil {
		srv.Close()
		return nil, nil, err
	}
	settings := srv.Settings()
	settings.RedirectState = "wego"
	c, err := wego.NewClient(settings)
	if err != nil {
		srv.Close()
		return nil, nil, err
	}
	srv.SetApp(site.New(c, settings.RegisterURL))
	return srv, c, nil
}

// walk logs in as a browser would, prints the page and exits.
func walk(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	srv, _, err := fake()
	if err != nil {
		return err
	}
	defer srv.Close()
	// The fake's authorize page approves at once as this user, as WeChat
	// does for a follower coming from the account's menu.
	if err := srv.AuthorizeAs("oOAuthExampleUser"); err != nil {
		return err
	}
	jar, err := cookiejar.New(nil)
	if err != nil {
		return err
	}
	var hops []string
	browser := &http.Client{Jar: jar, CheckRedirect: func(r *http.Request, via []*http.Request) error {
		hops = append(hops, r.URL.Scheme+"://"+r.URL.Host+r.URL.Path)
		if len(via) > 5 {
			return errors.New("too many redirects")
		}
		return nil
	}}
	page := srv.AppURL + site.PathMe + "?from=walk"
	fmt.Println("GET", page)
	body, err := get(ctx, browser, page)
	if err != nil {
		return err
	}
	for _, h := range hops {
		fmt.Println("  redirected to", h)
	}
	fmt.Println("page:")
	fmt.Println(indent(body))
	// The page's wx.config block, checked as WeChat's JS-SDK would.
	m := wxconfig.FindStringSubmatch(body)
	if m == nil {
		return errors.New("no wx.config block on the page")
	}
	var cfg wego.JSConfig
	if err := json.Unmarshal([]byte(html.UnescapeString(m[1])), &cfg); err != nil {
		return err
	}
	if err := srv.VerifyJSSignature(page, cfg.NonceStr, cfg.Timestamp, cfg.Signature); err != nil {
		return err
	}
	fmt.Println("wx.config signature verified by the platform")
	exchanges := srv.Requests(wegotest.PathOAuthToken)
	if _, err := get(ctx, browser, page); err != nil {
		return err
	}
	fmt.Printf("reload: code exchanges %d before, %d after (the session remembers the user)\n",
		exchanges, srv.Requests(wegotest.PathOAuthToken))
	return nil
}

func get(ctx context.Context, hc *http.Client, u string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return "", err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("GET %s: %s: %s", u, resp.Status, b)
	}
	return string(b), nil
}

var (
	wxconfig = regexp.MustCompile(`<pre id="wxconfig">([^<]*)</pre>`)
	tags     = regexp.MustCompile(`(?s)<script.*?</script>|<[^>]*>`)
	blanks   = regexp.MustCompile(`\n\s*\n+`)
)

// indent shows the page's text, without tags or script.
func indent(page string) string {
	text := html.UnescapeString(strings.TrimSpace(blanks.ReplaceAllString(tags.ReplaceAllString(page, ""), "\n")))
	return "  " + strings.ReplaceAll(text, "\n", "\n  ")
}

// serveFake keeps the app up on the fake platform until interrupted.
func serveFake() error {
	srv, _, err := fake()
	if err != nil {
		return err
	}
	defer srv.Close()
	fmt.Println("open", srv.AppURL+site.PathMe+"?from=browser", "(Ctrl-C to stop)")
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	<-ctx.Done()
	return nil
}

// serveReal serves the page for a real account.
func serveReal() error {
	c, err := wego.NewClient(wego.Settings{
		AppID: os.Getenv("WEGO_APP_ID"), AppSecret: os.Getenv("WEGO_APP_SECRET"),
		RegisterURL: os.Getenv("WEGO_REGISTER_URL"),
	})
	if err != nil {
		return err
	}
	hs := &http.Server{
		Addr: net.JoinHostPort("", os.Getenv("PORT")), Handler: site.New(c, os.Getenv("WEGO_REGISTER_URL")),
		ReadHeaderTimeout: 10 * time.Second,
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	go func() {
		<-ctx.Done()
		_ = hs.Close()
	}()
	if err := hs.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
