package wego_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"

	"github.com/wego-sdk/wego"
	"github.com/wego-sdk/wego/wegotest"
)

// A page only WeChat users see: LoginRequired sends a visitor without a
// session to WeChat's authorize page and back, then gives the user to the
// handler. Here wegotest plays WeChat and a cookie-keeping client plays
// the browser.
func ExampleClient_LoginRequired() {
	srv := wegotest.NewServer()
	defer srv.Close()
	_ = srv.AddUser(wegotest.User{OpenID: "oAlice", Nickname: "Alice"})
	_ = srv.AuthorizeAs("oAlice") // the fake's authorize page approves as Alice

	settings := srv.Settings() // RegisterURL: the app's origin (the OAuth domain)
	c, err := wego.NewClient(settings)
	if err != nil {
		panic(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/me", c.LoginRequired(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, _ := wego.UserFrom(r.Context())
		fmt.Fprintf(w, "hello %s (%s), you asked for %s", u.Profile.Nickname, u.OpenID, r.URL.RawQuery)
	})))
	srv.SetApp(mux) // served at srv.AppURL

	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar}
	resp, err := browser.Get(srv.AppURL + "/me?item=7")
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	page, _ := io.ReadAll(resp.Body)
	fmt.Println(string(page))
	fmt.Println("codes exchanged:", srv.Requests(wegotest.PathOAuthToken))
	// Output:
	// hello Alice (oAlice), you asked for item=7
	// codes exchanged: 1
}

// Building the flow by hand: the authorize URL, then the code WeChat
// brings back exchanged for the user's token and profile. Check the state
// you sent on the way back (LoginRequired does).
func ExampleClient_GetOpenID() {
	srv := wegotest.NewServer()
	defer srv.Close()
	_ = srv.AddUser(wegotest.User{OpenID: "oBob", Nickname: "Bob"})
	_ = srv.AuthorizeAs("oBob")
	c, _ := wego.NewClient(srv.Settings())
	ctx := context.Background()

	authorize := c.GetCodeURL(srv.AppURL+"/back", "s7Gq2", wego.ScopeUserInfo)
	// The user's browser goes there; WeChat redirects it to
	// /back?code=...&state=s7Gq2. Here: follow the redirect by hand.
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.Get(authorize)
	if err != nil {
		panic(err)
	}
	resp.Body.Close()
	back, _ := resp.Location()
	if back.Query().Get("state") != "s7Gq2" {
		panic("not our state: refuse it")
	}

	tok, err := c.GetOpenID(ctx, back.Query().Get("code"))
	if err != nil {
		panic(err)
	}
	u, err := c.GetUserInfo(ctx, tok) // renews tok first when it has expired
	if err != nil {
		panic(err)
	}
	ok, _ := c.VerificationToken(ctx, tok.OpenID, tok.AccessToken)
	fmt.Println(tok.OpenID, tok.Scope, u.Profile.Nickname, ok)
	// Output: oBob snsapi_userinfo Bob true
}
