package wego_test

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/wego-sdk/wego"
	"github.com/wego-sdk/wego/wegotest"
)

// BenchmarkLoginRequired weighs the middleware on a logged-in request
// (session found, profile cached) against the same handler unwrapped,
// both served in-process (no network), in the same run:
//
//	go test -run '^$' -bench 'LoginRequired' -benchmem .
func BenchmarkLoginRequired(b *testing.B) {
	srv := wegotest.New(b)
	if err := srv.AddUser(wegotest.User{OpenID: "oBench", Nickname: "Bench", HeadImgURL: "https://thirdwx.qlogo.cn/b/132"}); err != nil {
		b.Fatal(err)
	}
	if err := srv.AuthorizeAs("oBench"); err != nil {
		b.Fatal(err)
	}
	c, err := wego.NewClient(srv.Settings())
	if err != nil {
		b.Fatal(err)
	}
	page := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := "guest"
		if u, ok := wego.UserFrom(r.Context()); ok && u.Profile != nil {
			name = u.Profile.Nickname
		}
		_, _ = io.WriteString(w, "hello "+name)
	})
	protected := c.LoginRequired(page)
	srv.SetApp(protected)

	// Log in once through the fake platform to get a session cookie.
	jar, _ := cookiejar.New(nil)
	resp, err := (&http.Client{Jar: jar}).Get(srv.AppURL + "/me")
	if err != nil {
		b.Fatal(err)
	}
	resp.Body.Close()
	app, _ := url.Parse(srv.AppURL)
	cookies := jar.Cookies(app)
	if len(cookies) != 1 {
		b.Fatalf("cookies after login: %v", cookies)
	}

	run := func(b *testing.B, h http.Handler, want string) {
		req := httptest.NewRequest(http.MethodGet, "/me?item=7", nil)
		req.AddCookie(cookies[0])
		b.ReportAllocs()
		for range b.N {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Body.String() != want {
				b.Fatalf("answer %d %q", rec.Code, rec.Body.String())
			}
		}
	}
	b.Run("bare", func(b *testing.B) { run(b, page, "hello guest") })
	b.Run("logged-in", func(b *testing.B) { run(b, protected, "hello Bench") })
}
