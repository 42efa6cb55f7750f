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
// fetches a new one and retries the call once, at most once per window for
// each [Client]: 5 s, doubling up to 5 minutes while rejections keep coming,
// back to 5 s after half an hour without one. Inside the window a rejected
// call returns the [*APIError] at once, so a WeChat that refuses every token
// costs under 300 token requests a day. The lifetime WeChat announces is
// capped at its documented 7200 s. The SDK never asks WeChat to force a
// refresh, which is limited to 20 times a day.
//
// To share the token between servers, give them one [TokenStore] (the
// redisstore module has one for Redis; as a [TokenLocker] it also lets one
// server at a time fetch while the others wait for its token). When the
// store cannot be read, each server goes on with the token it last read or
// fetched while it lives, then fetches its own, so a store outage fails no
// call; [Client.JSConfig]'s jsapi_ticket and [Client.CardTicket]'s card
// ticket are kept, shared and fetched the same way. Or hand the SDK a
// function that gets the token from your own token service
// ([Settings].AccessTokenSource). Such
// a source, caching its token, sets [Settings].AccessTokenRejected to be
// told, with the token and the errcode, that WeChat rejected it; it drops
// that token and gives another when the SDK asks again.
//
// # Push
//
// WeChat pushes user messages and events to the server URL of the account.
// [Client.PushHandler] is that URL's handler: it answers the URL
// verification, checks the signature and the timestamp, decrypts safe-mode
// pushes ([Settings].PushEncodingAESKey), parses the XML, calls your
// function and writes its [Reply], encrypted when the push was:
//
//	http.Handle("/wechat", c.PushHandler(func(ctx context.Context, p *wego.Push) (wego.Reply, error) {
//		switch p.Type {
//		case wego.PushText:
//			return wego.Text("you said: " + p.Content()), nil
//		case wego.PushSubscribe, wego.PushScanSubscribe: // a follow, from a QR code or not
//			return wego.Text("welcome"), nil
//		}
//		return nil, nil // "success": nothing shown to the user
//	}))
//
// [Push].Type uses Python wego's names ("text", "subscribe", "scan_subscribe",
// "user_location", "click", ...); [Push.Get] reaches any field, nested ones
// with dots ("ScanCodeInfo.ScanResult"). Replies are [Text], [Image],
// [Voice], [Video], [Music], [News] and [TransferCustomerService]; any text
// is safe in them.
//
// The handler never leaves WeChat without an answer: if your function fails,
// panics or runs past [Settings].PushDeadline (4.5 s from the request's
// arrival), it logs that and answers "success", closing the connection so
// that the next push does not wait behind your function. WeChat delivers a
// push it got no answer to three times in all, five seconds apart; your function still runs once per message
// ([Settings].DedupStore), and a retry that arrives while the first
// delivery runs gets the same reply. A de-dup store that hangs costs at
// most an eighth of the deadline per call.
//
// What a forged push gets: a bad signature, a timestamp more than
// [Settings].PushMaxAge (5 min) from the server's clock, or a plain push to
// a client in safe mode ([ErrPushNotEncrypted]: a plain signature does not
// cover the body; [Settings].PushAllowPlain admits them during a migration)
// are answered 403 and never reach your function. A replay inside the
// window is found in the DedupStore, which keeps each push as long as its
// timestamp is accepted; in plain mode, a signature seen with one body is
// refused with another.
// [PushRouter] dispatches by type for those who prefer it; [Client.ParsePush]
// and [MsgCrypt] are the parts for those who build their own handler.
//
// # Users, groups and tags
//
// [Client.GetExtUserInfo] asks WeChat about a user (/cgi-bin/user/info, with
// the global access token) and returns a [*WeChatUser]; [Client.User] makes
// one lazily from an openid you already have (a push's FromUser), and
// [WeChatUser.Ext] loads its [UserInfo] on first use and keeps it, safely
// for concurrent use. Since 2021-12-27 WeChat answers no nickname or avatar
// there: only OAuth with scope snsapi_userinfo does.
//
//	u := c.User(p.FromUser)
//	info, err := u.Ext(ctx)        // subscribe, remark, groupid, tags, scene...
//	err = u.SetRemark(ctx, "老王") // wego.ErrNotSubscribed for a non-follower
//	err = c.ChangeUserGroup(ctx, openid, wego.GroupName("VIP"))
//
// Calls that take a group take a [GroupRef] ([GroupID] or [GroupName]); a
// name is looked up in [Client.GetGroups] before anything is written, an
// unknown one fails with [ErrGroupNotFound], and a name two groups share
// with an [*AmbiguousNameError] listing their ids. Tags, which WeChat
// offers in place of groups since 2016, take a [TagRef] with the same
// rules ([ErrTagNotFound]).
//
// Lists of openids are iterators that hold one page: [Client.Followers],
// [Client.TaggedUsers], [Client.Blacklist]. A token WeChat rejects in the
// middle is refreshed and the page asked again, so nothing is lost or
// repeated; an error is yielded once and ends the walk.
//
//	for openid, err := range c.Followers(ctx) {
//		if err != nil {
//			return err
//		}
//		...
//	}
//
// Calls that take many openids send them in WeChat's chunks:
// [Client.BatchGetUserInfo] 100, [Client.TagUsers] and [Client.UntagUsers]
// 50, [Client.BlockUsers] and [Client.UnblockUsers] 20; a chunk that fails
// after others went through gives a [*PartialError] saying how many were
// done. Input WeChat would refuse (an empty openid, a remark over 30
// characters, a tag name over 30 bytes, WeChat's own groups and tags 0, 1
// and 2) is refused before any request with an error wrapping
// [ErrMissingParameter] or [ErrInvalidParameter] that names the parameter.
//
// # Web login (OAuth)
//
// Pages opened in WeChat learn who the visitor is through web
// authorization (网页授权). [Client.LoginRequired] is net/http middleware
// that does all of it; set [Settings].RegisterURL to the origin of your
// pages (the OAuth domain set in WeChat's console):
//
//	http.Handle("/me", c.LoginRequired(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
//		u, _ := wego.UserFrom(r.Context())   // u.OpenID, u.Profile.Nickname, u.Profile.HeadImgURL
//		...
//	})))
//
// gin takes it with gin.WrapH, echo with echo.WrapHandler, chi with
// r.With(c.LoginRequired) or r.Use.
//
// A visitor without a session goes to WeChat's authorize page with a
// random state bound to a new session and comes back with a code; the code
// is exchanged once, and only for the state that visitor's session was
// given, so a forged or replayed return (login CSRF, which Python wego's
// fixed state allowed) gets 400 and never reaches WeChat. The logged-in
// session gets a new id (no session fixation) and the visitor lands on the
// page first asked for, query included. The cookie holds a random id only
// (HttpOnly, SameSite=Lax, Secure on https); tokens and the profile stay in
// the [SessionStore] (memory by default, bounded in number and age; share
// one between servers), which itself gets only a digest of the id. The
// profile is asked again after [Settings].UserInfoExpire, the user token
// renewed with its refresh token, and after the refresh token's 30 days the
// visitor logs in again. A visit from a Moments snapshot page is passed on
// with no user: [IsSnapshotVisit]. [Client.Logout] ends a session.
//
// The parts are there for those who build their own flow: [Client.GetCodeURL],
// [Client.GetOpenID] (the [*UserToken]), [Client.GetUserInfo],
// [Client.RefreshUserToken], [Client.VerificationToken].
//
// # JS-SDK
//
// A page using WeChat's JS-SDK calls wx.config with parameters signed with
// the account's jsapi_ticket: [Client.JSConfig] returns them for the page's
// URL (cut at '#'). The ticket is cached and shared like the access token
// (one request for any number of callers, kept in the [TokenStore] so
// servers share it) and dropped with the access token it was fetched
// with when WeChat rejects that token. [JSSignature] is the bare signature;
// [JSAPIPayParams.ChooseWXPay] gives wx.chooseWXPay's parameters for a
// JSAPI order.
//
// # Menus and QR codes
//
// A [Menu] is built from typed buttons ([ClickButton], [ViewButton],
// [MiniprogramButton], ..., [SubMenu]) or loaded from WeChat's own JSON,
// and checked against WeChat's limits before [Client.CreateMenu] sends it;
// an error names the button ("button 2 › sub 4"). [Client.GetMenus],
// [Client.CreateConditionalMenu] with a [MatchRule], [Client.TryMatch] and
// [Client.DelMenu] cover the rest.
//
// [Client.CreateQRCode] makes temporary or permanent codes with an integer
// or string scene ([QRCode]); [Client.QRCodeImage] streams the image. A
// scan arrives at the push handler as [PushScanSubscribe] or [PushScan]
// with [Push.Scene].
//
// # Materials, drafts and analytics
//
// Uploads ([Client.AddTemporaryMaterial], [Client.AddOtherMaterial],
// [Client.UploadContentPicture]) stream any [io.Reader] and are checked
// against WeChat's limits (format by name and content, size, a voice's
// playing time) before a byte is sent; downloads stream into an
// [io.Writer]. Drafts ([Client.AddDraft]) and publishing
// ([Client.PublishDraft], whose result arrives as [PushPublishJobFinish]
// with [Push.PublishResult]) replace the news materials WeChat retired.
// The analytics calls ([Client.GetUserCumulate] and the others) take days
// as [time.Time], read in China Standard Time, and check each endpoint's
// span before sending.
//
// # Messages the account sends
//
// [Client.SendMessage] sends a customer-service message with the values
// passive replies use, within the window the user opened (else
// [ErrOutsideServiceWindow]); [Client.SendTemplateMessage] sends a
// template message, retried once after a lost answer only when it has a
// ClientMsgID.
//
// # Pay
//
// With [Settings].MchID and MchSecret set, the Client speaks WeChat Pay v2.
// [Client.UnifiedOrder] places an order (amounts are int64 fen) and returns
// what the payer's side needs: for JSAPI the parameters of WeixinJSBridge's
// getBrandWCPayRequest, for NATIVE the code_url, for APP the app SDK's
// parameters, for MWEB the mweb_url. [Client.QueryOrder], [Client.CloseOrder],
// [Client.RefundOrder] (over mutual TLS with [Settings].CertPEMPath and
// KeyPEMPath), [Client.QueryRefund], [Client.DownloadBill] (typed rows and
// summary) and [Client.PayReport] follow Python wego. Every answer is checked:
// return_code or result_code FAIL is a [*PayError], and an answer whose sign
// does not verify is an error, never a result. [Sign] and [Client.MakeSign]
// sign with MD5 or HMAC-SHA256.
//
// The notify_url is served by [Client.PayNotifyHandler]: it verifies the
// sign, the appid and the mch_id, answers WeChat, and calls your function
// once per transaction however often (and from however many WeChat servers
// at once) the notification comes:
//
//	http.Handle("/pay/notify", c.PayNotifyHandler(func(ctx context.Context, n *wego.PayNotify) error {
//		if err := c.CheckPaidAmount(n, orderAmountFen(n.OutTradeNo)); err != nil {
//			return err // answered FAIL: WeChat repeats it later
//		}
//		return markPaid(ctx, n.OutTradeNo, n.TransactionID)
//	}))
//
// [Client.RefundNotifyHandler] does the same for refund notifications,
// whose req_info it decrypts.
//
// # Errors
//
// WeChat answers most errors with HTTP 200 and an errcode; they come back as
// [*APIError] with the code, the message and the endpoint. Answers that are
// not WeChat answers (a 502 from a proxy, an HTML page) are [*HTTPError];
// WeChat Pay failures are [*PayError]; bad settings are one [*InitError]
// listing all problems. Conditions without a WeChat code have sentinel
// errors such as [ErrInvalidSignature] for [errors.Is]. [IsRetryable] tells
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
// test process. It keeps state (tokens, orders, refunds, bills), checks
// tokens, signatures and the merchant certificate as WeChat does, pushes
// messages to your handler in plain, compatible or safe mode, pays orders
// and sends their notifications, counts requests, and injects failures and
// latency:
//
//	srv := wegotest.New(t)             // closed when the test ends
//	c, _ := wego.NewClient(srv.Settings())
//	srv.FailNext("/cgi-bin/getcallbackip", 45009)
//	_, err := c.GetWeChatServersList(ctx) // an *APIError with Code 45009
//
// The SDK's own tests and examples run on it; so can yours.
package wego
