// Package wego is a Go SDK for WeChat Official Accounts (微信公众号) and
// WeChat Pay v2, with a fake WeChat platform
// ([github.com/wego-sdk/wego/wegotest]) to test everything offline.
//
// # Getting started
//
// Create one [Client] per account and share it: it is safe for concurrent
// use and caches what WeChat asks you to cache.
//
//	c, err := wego.NewClient(wego.Settings{
//		AppID:     os.Getenv("WEGO_APP_ID"),
//		AppSecret: os.Getenv("WEGO_APP_SECRET"),
//	})
//	if err != nil {
//		log.Fatal(err) // an *InitError listing every bad setting
//	}
//	ips, err := c.GetWeChatServersList(ctx)
//
// [Settings] groups everything a deployment configures; only AppID and
// AppSecret are required, and each optional group (pay, push, OAuth) is
// checked when it is set. Every method that talks to WeChat takes a
// [context.Context] first and gives up when it is done.
//
// # Two layers
//
// The [Client] is the friendly layer: typed requests and results, token
// handling, signatures. Under it, [Client].WeChat (a [*WeChatAPI]) is the
// raw transport: one method per endpoint returning what WeChat answered, and
// [WeChatAPI.Get] and [WeChatAPI.Post] for endpoints the SDK does not wrap.
// Both layers share the token cache, error decoding and retries.
//
// # Access token
//
// [Client.AccessToken] returns the global access token. It is fetched from
// POST /cgi-bin/stable_token (or GET /cgi-bin/token, see [TokenEndpoint]),
// cached until three minutes before it expires, and shared: any number of
// goroutines meeting an empty cache cause a single request to WeChat. When
// WeChat rejects a token (errcode 40001, 40014 or 42001) the SDK drops it,
// fetches a new one and retries the call once. It never asks WeChat to force
// a refresh, which is limited to 20 times a day.
//
// To share the token between servers, give them one [TokenStore] (the
// redisstore module has one for Redis), or hand the SDK a function that gets
// the token from your own token service ([Settings].AccessTokenSource).
//
// # Errors
//
// WeChat answers most errors with HTTP 200 and an errcode; they come back as
// [*APIError] with the code, the message and the endpoint. Answers that are
// not WeChat answers (a 502 from a proxy, an HTML page) are [*HTTPError];
// WeChat Pay failures are [*PayError]; bad settings are one [*InitError]
// listing all problems. Conditions without a WeChat code have sentinel
// errors such as [ErrGroupNotFound] for [errors.Is]. [IsRetryable] tells
// whether a failed call may succeed later. Reads answered "system busy"
// (errcode -1) are retried with backoff; writes are never sent twice.
//
// Secrets (AppSecret, API key, access and refresh tokens, signatures) never
// appear in error texts or logs: they are replaced by REDACTED.
//
// # Logging
//
// The SDK logs nothing unless [Settings].Logger is set. Requests are logged
// at Debug (method, endpoint, status, size, duration; never the query or
// the body), token refreshes and retries at Info, problems at Warn.
//
// # Testing with wegotest
//
// [github.com/wego-sdk/wego/wegotest] starts a fake WeChat platform in your
// test process. It keeps state, checks tokens and signatures as WeChat does,
// counts requests, and injects failures and latency:
//
//	srv := wegotest.New(t)             // closed when the test ends
//	c, _ := wego.NewClient(srv.Settings())
//	srv.FailNext("/cgi-bin/getcallbackip", 45009)
//	_, err := c.GetWeChatServersList(ctx) // an *APIError with Code 45009
//
// The SDK's own tests and examples run on it; so can yours.
package wego
