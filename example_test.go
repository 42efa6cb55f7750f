package wego_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/wego-sdk/wego"
	"github.com/wego-sdk/wego/wegotest"
)

// Settings are checked all at once: one error lists every problem.
func ExampleNewClient() {
	_, err := wego.NewClient(wego.Settings{MchID: "1900000109"})
	var ie *wego.InitError
	if errors.As(err, &ie) {
		for _, p := range ie.Problems {
			fmt.Println(p.Field+":", p.Reason)
		}
	}
	// Output:
	// AppID: required
	// AppSecret: required
	// MchSecret: required when MchID is set
}

// The global access token is fetched once and cached; every call to WeChat
// adds it for you, so you rarely need it yourself.
func ExampleClient_AccessToken() {
	srv := wegotest.NewServer() // a fake WeChat; use your own Settings in production
	defer srv.Close()
	c, err := wego.NewClient(srv.Settings())
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	for range 3 {
		if _, err := c.AccessToken(ctx); err != nil {
			panic(err)
		}
	}
	fmt.Println("token requests:", srv.TokenRequests())
	// Output: token requests: 1
}

// Many servers share one token through a shared TokenStore (see the
// redisstore module), or get it from a token service of their own.
func ExampleSettings_accessTokenSource() {
	srv := wegotest.NewServer()
	defer srv.Close()
	central, _ := wego.NewClient(srv.Settings()) // stands for your token service

	s := srv.Settings()
	s.AccessTokenSource = central.AccessToken // any func(ctx) (string, error)
	c, err := wego.NewClient(s)
	if err != nil {
		panic(err)
	}
	ips, err := c.GetWeChatServersList(context.Background())
	fmt.Println(ips, err)
	// Output: [127.0.0.1 ::1] <nil>
}

func ExampleClient_GetWeChatServersList() {
	srv := wegotest.NewServer()
	defer srv.Close()
	srv.SetCallbackIPs("101.226.62.77", "101.226.62.78")
	c, _ := wego.NewClient(srv.Settings())

	ips, err := c.GetWeChatServersList(context.Background())
	if err != nil {
		panic(err)
	}
	fmt.Println(ips)
	// Output: [101.226.62.77 101.226.62.78]
}

// WeChat answers errors with HTTP 200 and an errcode; they arrive as *APIError.
func ExampleAPIError() {
	srv := wegotest.NewServer()
	defer srv.Close()
	c, _ := wego.NewClient(srv.Settings())
	srv.FailNext("/cgi-bin/getcallbackip", 45009) // daily quota used up

	_, err := c.GetWeChatServersList(context.Background())
	var ae *wego.APIError
	if errors.As(err, &ae) {
		fmt.Println(ae.Code, ae.Endpoint, wego.IsRetryable(err))
	}
	// Output: 45009 /cgi-bin/getcallbackip false
}

// The raw layer reaches any endpoint the SDK does not wrap yet, with the
// token, error decoding and retries of the typed calls.
func ExampleWeChatAPI_Get() {
	srv := wegotest.NewServer()
	defer srv.Close()
	c, _ := wego.NewClient(srv.Settings())

	var raw json.RawMessage
	err := c.WeChat.Get(context.Background(), "/cgi-bin/getcallbackip", nil, &raw)
	fmt.Println(string(raw), err)
	// Output: {"ip_list":["127.0.0.1","::1"]} <nil>
}
