// Package e2e drives the oauth-web example's app in a real browser:
// headless Chromium through the Chrome DevTools Protocol (chromedp), on
// the wegotest fake platform. It is a module of its own so that the SDK
// does not depend on chromedp.
package e2e

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wego-sdk/wego"
	"github.com/wego-sdk/wego/examples/oauth-web/site"
	"github.com/wego-sdk/wego/wegotest"
)

const (
	userOpenID = "oE2EBrowserUser"
	nickname   = "小明 <Ming> & co"
)

// chromium finds the browser; the test fails without one (.ci/run
// installs Debian's chromium).
func chromium(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatal("no Chromium found: install Debian's chromium (apt-get install chromium) or set CHROMIUM")
	return ""
}

// newBrowser starts a headless browser of its own (its own profile, so
// its own cookies) for the test; it ends with the test.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium(t)), chromedp.NoSandbox, chromedp.Headless,
		chromedp.Flag("disable-gpu", true), chromedp.Flag("disable-dev-shm-usage", true))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	// The first Run starts the browser; it must not carry a timeout.
	_, err := chromedp.Run(ctx, chromedp.Navigate("about:blank"))
	require.NoError(t, err)
	return ctx
}

// step bounds one browser action.
func step[T any](t *testing.T, ctx context.Context, a chromedp.Action[T]) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	require.NoError(t, err)
	return v
}

// navigate opens u and returns the HTTP status of the page it ends on.
func navigate(t *testing.T, ctx context.Context, u string) int64 {
	t.Helper()
	return step(t, ctx, chromedp.NavigateResponse(u)).Status
}

// click clicks the first element matching the XPath sel and waits for
// the page it leads to; it returns that page's status.
func click(t *testing.T, ctx context.Context, sel string) int64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.Search(sel)))
	require.NoError(t, err)
	return resp.Status
}

// text returns the text of the first element matching css once the
// page has one. It asks the page itself (document.querySelector) rather
// than holding DOM node ids, which a navigation that just ended can
// invalidate under a query.
func text(t *testing.T, ctx context.Context, css string) string {
	t.Helper()
	expr := `(() => { const e = document.querySelector(` + strconv.Quote(css) + `); return e === null ? null : e.innerText; })()`
	deadline := time.Now().Add(20 * time.Second)
	for {
		v := step(t, ctx, chromedp.Evaluate[*string](expr))
		if v != nil {
			return *v
		}
		if time.Now().After(deadline) {
			t.Fatalf("no element %s on %s", css, location(t, ctx))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func location(t *testing.T, ctx context.Context) string {
	t.Helper()
	return step(t, ctx, chromedp.Location())
}

// app starts the fake platform and the example's app on it.
func app(t *testing.T) (*wegotest.Server, *wego.Client) {
	t.Helper()
	srv := wegotest.New(t)
	require.NoError(t, srv.AddUser(wegotest.User{OpenID: userOpenID, Nickname: nickname,
		HeadImgURL: "https://thirdwx.qlogo.cn/mmopen/e2e/132"}))
	settings := srv.Settings()
	settings.RedirectState = "e2e"
	c, err := wego.NewClient(settings)
	require.NoError(t, err)
	srv.SetApp(site.New(c, settings.RegisterURL))
	return srv, c
}

// sessionCookie returns the browser's session cookie for the app.
func sessionCookie(t *testing.T, ctx context.Context, appURL string) *network.Cookie {
	t.Helper()
	cookies := step(t, ctx, chromedp.Action[[]*network.Cookie](func(ctx context.Context, tg *chromedp.Target) ([]*network.Cookie, error) {
		res, err := cdp.Call(ctx, tg, network.GetCookies, network.GetCookiesParams{URLs: []string{appURL}})
		return res.Cookies, err
	}))
	var found *network.Cookie
	for _, ck := range cookies {
		if ck.Name == "wego_session" {
			found = ck
		}
	}
	return found
}

func TestLoginInTheBrowser(t *testing.T) {
	srv, _ := app(t)
	ctx := newBrowser(t)
	page := srv.AppURL + site.PathMe + "?from=e2e&item=7"

	// The protected page sends the browser to WeChat's authorize page
	// (the fake's chooser, as no user was chosen in advance).
	require.EqualValues(t, http.StatusOK, navigate(t, ctx, page))
	auth, err := url.Parse(location(t, ctx))
	require.NoError(t, err)
	assert.Equal(t, srv.URL+wegotest.PathAuthorize, auth.Scheme+"://"+auth.Host+auth.Path)
	assert.True(t, strings.HasPrefix(auth.Query().Get("state"), "e2e"))
	before := sessionCookie(t, ctx, srv.AppURL)
	require.NotNil(t, before, "a session holds the login under way")
	assert.True(t, before.HTTPOnly)
	assert.Equal(t, network.CookieSameSiteLax, before.SameSite)

	// The user picks themself; the browser lands back on the page, query
	// included, logged in.
	require.EqualValues(t, http.StatusOK, click(t, ctx, `//a[starts-with(normalize-space(.), "Log in as")]`))
	assert.Equal(t, page, location(t, ctx))
	assert.Equal(t, nickname, text(t, ctx, "#nickname"))
	assert.Equal(t, "from=e2e&item=7", text(t, ctx, "#query"))
	assert.Contains(t, text(t, ctx, "#wxconfig"), `"signature"`)
	assert.Equal(t, 1, srv.Requests(wegotest.PathOAuthToken))

	after := sessionCookie(t, ctx, srv.AppURL)
	require.NotNil(t, after)
	assert.NotEqual(t, before.Value, after.Value, "the session id changes at login")
	assert.Len(t, after.Value, 43, "a random id, nothing else")

	// A reload: same page, no new code exchange.
	reload, err := chromedp.RunResponse(ctx, chromedp.Reload())
	require.NoError(t, err)
	require.EqualValues(t, http.StatusOK, reload.Status)
	assert.Equal(t, nickname, text(t, ctx, "#nickname"))
	assert.Equal(t, 1, srv.Requests(wegotest.PathOAuthToken))
}

// callbackURL walks a login up to WeChat's return without following it:
// the browser opens the protected page (getting a session and a state),
// and the fake's approval link is fetched directly, as the authorize page
// would redirect, to get the return URL with a fresh code.
func callbackURL(t *testing.T, ctx context.Context, srv *wegotest.Server) string {
	t.Helper()
	require.EqualValues(t, http.StatusOK, navigate(t, ctx, srv.AppURL+site.PathMe+"?from=e2e"))
	href := step(t, ctx, chromedp.Evaluate[string](
		`[...document.querySelectorAll("a")].find(a => a.textContent.startsWith("Log in as")).href`))
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.Get(href)
	require.NoError(t, err)
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	require.Equal(t, http.StatusFound, resp.StatusCode)
	back := resp.Header.Get("Location")
	require.Contains(t, back, "code=")
	return back
}

func TestTamperedStateInTheAddressBar(t *testing.T) {
	srv, _ := app(t)
	ctx := newBrowser(t)
	back := callbackURL(t, ctx, srv)
	u, err := url.Parse(back)
	require.NoError(t, err)
	q := u.Query()
	q.Set("state", q.Get("state")+"x")
	u.RawQuery = q.Encode()

	assert.EqualValues(t, http.StatusBadRequest, navigate(t, ctx, u.String()))
	assert.Contains(t, text(t, ctx, "body"), "not valid in this browser")
	assert.Zero(t, srv.Requests(wegotest.PathOAuthToken), "no exchange for a tampered state")

	// The genuine return still logs in.
	require.EqualValues(t, http.StatusOK, navigate(t, ctx, back))
	assert.Equal(t, nickname, text(t, ctx, "#nickname"))
	assert.Equal(t, 1, srv.Requests(wegotest.PathOAuthToken))
}

func TestReturnReplayedInAnotherBrowser(t *testing.T) {
	srv, _ := app(t)
	attacker, victim := newBrowser(t), newBrowser(t)
	back := callbackURL(t, attacker, srv)

	// The victim's browser opens the attacker's valid return (login CSRF):
	// refused, no exchange, no login.
	assert.EqualValues(t, http.StatusBadRequest, navigate(t, victim, back))
	assert.Zero(t, srv.Requests(wegotest.PathOAuthToken))
	assert.Nil(t, sessionCookie(t, victim, srv.AppURL), "no session for the victim")
}

func TestRefusedAuthorization(t *testing.T) {
	srv, _ := app(t)
	ctx := newBrowser(t)
	require.EqualValues(t, http.StatusOK, navigate(t, ctx, srv.AppURL+site.PathMe+"?from=e2e"))
	assert.EqualValues(t, http.StatusForbidden, click(t, ctx, `//a[normalize-space(.)="Refuse"]`))
	assert.Contains(t, text(t, ctx, "body"), "did not allow")
	assert.Zero(t, srv.Requests(wegotest.PathOAuthToken))

	// Its link tries again, and the login works.
	require.EqualValues(t, http.StatusOK, click(t, ctx, `//a[normalize-space(.)="Try again"]`))
	require.EqualValues(t, http.StatusOK, click(t, ctx, `//a[starts-with(normalize-space(.), "Log in as")]`))
	assert.Equal(t, nickname, text(t, ctx, "#nickname"))
}
