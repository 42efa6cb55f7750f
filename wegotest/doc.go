// Package wegotest is a fake WeChat platform for tests: in-process HTTP
// servers, started like [net/http/httptest.Server], that serve the WeChat
// API and WeChat Pay paths the SDK uses, keep state, check what WeChat
// checks, answer with WeChat's error codes and messages, and play WeChat's
// side towards the app under test: URL verification, pushes and pay
// notifications. The SDK's own tests and examples run on it; so can the
// tests of an application built on wego.
//
// # Starting
//
//	srv := wegotest.New(t)                   // closed when the test ends
//	c, err := wego.NewClient(srv.Settings()) // credentials, URLs, HTTP client
//
// [New] ties the server to a test: it closes when the test ends, and the
// SDK's logs go to the test's log (t.Log, Debug and up) until then.
// [NewServer] starts one outside a test (an example, a main); call
// [Server.Close], and set Settings.Logger to see logs. Each Server has its
// own AppID, secrets, merchant account, keys and certificates, chosen at
// random, so tests using it run in parallel without sharing anything.
//
// # What the fake WeChat serves
//
// Access tokens: GET /cgi-bin/token issues a new token on every call and
// cuts the life of the previous ones to five minutes; POST
// /cgi-bin/stable_token hands every caller the same token until its last
// five minutes (the last half of a short test lifetime), and force_refresh
// issues a new one and revokes the old. Tokens expire ([Server.SetTokenTTL],
// [Server.ExpireTokens]); [Server.IssueToken] issues one for a token service
// of the test's own. The other API endpoints check access_token as WeChat
// does and answer 41001, 40001 or 42001 to a missing, unknown or expired
// one (the pay endpoints check the request's sign instead).
//
// Callback IPs: /cgi-bin/getcallbackip answers the addresses pushes come
// from ([Server.SetCallbackIPs]).
//
// WeChat Pay v2: unifiedorder, orderquery, closeorder, refund, refundquery,
// downloadbill and payitil/report. Requests must be POSTed XML for the
// server's appid and mch_id with a valid sign (MD5 or HMAC-SHA256); answers
// are signed with the request's sign type. An order goes from NOTPAY to
// SUCCESS when [Server.PayOrder] plays the payer, or to CLOSED; a refund
// makes it REFUND, and stays PROCESSING until [Server.CompleteRefund]
// ([Server.TradeState] and [Server.RefundStatus] tell, in wego's types).
// Bills list the day's payments and refunds in WeChat's CSV form, gzipped
// on request. Refunds are served only on [Server.PaySecureURL], a TLS
// listener that demands the merchant's client certificate in the
// handshake, as api.mch.weixin.qq.com does: the server makes a CA, the
// listener's certificate and the merchant's (common name MchID), writes
// the merchant's certificate and key to files that Settings names, and
// removes them when it closes (for [New], when the test ends).
//
// Users, groups, tags and the blacklist, kept per server as WeChat keeps
// them per account: /cgi-bin/user/info (subscribe 0 and nothing else for
// a former follower), user/info/batchget (1 to 100 users), user/get
// (followers 10000 a page, next_openid the page's last, an empty page at
// the end), user/info/updateremark (30 characters, 43004 for a user who
// does not follow); the groups endpoints (create, get, getid, update,
// members/update, members/batchupdate, delete), with WeChat's own groups
// 0 未分组, 1 黑名单 and 2 星标组 that cannot change (45058), names that
// groups may share, 40050 for an unknown group; the tags endpoints
// (create, get, update, delete, user/tag/get, members/batchtagging and
// batchuntagging, getidlist), with tag 2 星标组, unique names of at most
// 30 bytes (45157, 45158), at most 100 tags (45056) and 20 a user
// (45059), 50 openids a call (40032), 45159 for an unknown tag; and the
// blacklist (members/getblacklist 1000 a page, batchblacklist and
// batchunblacklist, 20 a call). An openid the account does not know is
// 40003. Methods, bodies and tokens are checked first, as on WeChat
// (43001, 43002, 44002, 47001). A test sets the state up with
// [Server.AddUser] (every field user/info answers), [Server.AddFollowers]
// (any number of followers, cheaply: 250,000 for a paging test),
// [Server.AddGroup] and [Server.AddTag], and reads what the SDK left with
// [Server.User], [Server.Groups], [Server.Tags] and [Server.Blacklist],
// in wego's types.
//
// Menus, kept per server: menu/create (the default menu), menu/get
// (46003 without a menu), menu/delete (every menu), addconditional and
// delconditional (conditional menus with ids; 65301 for an unknown one),
// trymatch and get_current_selfmenu_info (the default menu, is_menu_open
// 1). Menus are checked as WeChat checks them and refused with its codes:
// 1 to 3 buttons (40016) and 1 to 5 under one (40023), names of at most
// 16 and 60 bytes (40018, 40025), keys of 128 and URLs of 1024 bytes, a
// known type with the fields it needs (40017, 40024, 40019, 40020, ...),
// one level of sub-menus (40022); a conditional menu needs a default
// menu (65303) and a rule (65304), a country for a province and a
// province for a city (65310, 65311), and all conditional menus link to
// at most 3 domains (65316). trymatch takes an openid or a [User]'s
// WeChatID (65302 for neither) and answers the newest conditional menu
// whose rule matches the user: the tag the user was given last, the
// group, the ClientPlatformType; 46002 when none matches. As WeChat since
// 2021, the fake refuses rules on sex, region and language (65320);
// [Server.AllowPrivacyMenuRules] plays the WeChat of before, which took
// them and matched them against the users' Sex, Country, Province, City
// and Language. [Server.Menus] tells the menus in wego's types.
//
// Endpoints the SDK does not wrap: [Server.Handle] serves a handler of the
// test's at a path, for code that calls c.WeChat.Get or Post, behind the
// same access token check.
//
// # JS-SDK
//
// GET /cgi-bin/ticket/getticket, behind the access token check, hands out
// the jsapi_ticket (type=jsapi) and the card ticket (type=wx_card); another
// type is 40097 (invalid args). Like stable_token it gives every caller the
// current ticket until its last five minutes (the last half of a short
// lifetime, [Server.SetTicketTTL]), then a new one, and a ticket outlives
// the access token that fetched it, as on WeChat. [Server.JSAPITicket] is
// the current jsapi_ticket, for a test that signs with [wego.JSSignature]
// itself; [Server.VerifyJSSignature] checks a wx.config signature as
// WeChat does, so a browser test can check what its page gave wx.config:
//
//	cfg, err := c.JSConfig(ctx, pageURL)
//	err = srv.VerifyJSSignature(pageURL, cfg.NonceStr, cfg.Timestamp, cfg.Signature)
//
// # QR codes
//
// POST /cgi-bin/qrcode/create makes temporary and permanent QR codes with
// an integer or a string scene, in WeChat's ranges (40052 for another
// action_name, 40053 for a scene out of range), each with a new ticket of
// the shape of WeChat's and a url; a temporary one lives its
// expire_seconds (60 s without, at most 30 days). GET
// /cgi-bin/showqrcode?ticket=..., on [Server.URL] (which [Server.Settings]
// gives as QRCodeImageBaseURL), answers a small PNG without an access
// token, and HTTP 404 for an unknown ticket or an expired code, as WeChat
// does. [Server.QRCode] tells what a ticket is; [Server.ExpireQRCodes]
// makes every temporary code expired. [Server.ScanQRCode] plays a user
// scanning a code and pushes what WeChat pushes: subscribe with EventKey
// "qrscene_" and the scene for a user who did not follow (who follows
// from then on, with subscribe_scene ADD_SCENE_QR_CODE and the scene in
// qr_scene or qr_scene_str), SCAN with the scene for a follower:
//
//	qr, err := c.CreateQRCode(ctx, wego.QRCode{SceneStr: "poster-42", ExpireIn: time.Hour})
//	reply, err := srv.ScanQRCode("/wechat", qr.Ticket, "oNewUser") // the app sees PushScanSubscribe, Scene "poster-42"
//
// POST /cgi-bin/shorturl answers errcode 45103 ("This API has been
// unsupported"), as WeChat has since 2023: it stopped making short links
// on 2021-03-15.
//
// # Messages the account sends
//
// POST /cgi-bin/message/custom/send takes a customer-service message of
// every msgtype WeChat's page lists (40008 for another) with what each
// needs (44004 for an empty text, 40007 for a media message without
// media_id, 44003 for news without articles and 45008 for more than one,
// 47001 for another field missing), and only within the window the user
// opened, as WeChat's page on custom/send gives it today: a message of
// the user's allows [ServiceWindowMessages] (5) in the next
// [ServiceWindow] (48 hours), a menu click (click, scancode_push,
// scancode_waitmsg), a follow or a QR code scan allows
// [EventWindowMessages] (3) in the next [EventWindow] (a minute). Past
// the count the answer is 45047, outside the window or to a former
// follower 45015, to an openid the account does not know 40003. The fake
// learns of the users' messages and events from what it pushes
// ([Server.Push], [Server.Deliver], [Server.ScanQRCode]);
// [Server.SetLastInteraction] plays a message of the user's at any time,
// so a test need not wait two days:
//
//	srv.SetLastInteraction("oFan", time.Now().Add(-49*time.Hour))
//	err := c.SendMessage(ctx, "oFan", wego.Text("hi")) // errors.Is(err, wego.ErrOutsideServiceWindow)
//
// [Server.SentMessages] lists what was delivered to a user, msgtype and
// content as sent. POST /cgi-bin/message/custom/typing takes Typing and
// CancelTyping (45072 for another command) within the window (45015),
// Typing only within 30 seconds of a message exchanged with the user
// (45080) and not again while typing shows, 15 seconds or until a message
// is sent (45081); [Server.Typing] tells whether it shows.
//
// Template messages: the account's templates are those a test adds with
// [Server.AddTemplate], or that api_add_template adds from WeChat's
// library, whose entries a test puts there with
// [Server.AddLibraryTemplate] (40037 for an unknown short id; with a
// keyword_name_list, the lines of the template with those labels, 40246
// for a label it lacks); get_all_private_template lists them,
// del_private_template deletes one (40037), [Server.Templates] tells
// them. api_set_industry takes two codes of WeChat's table, 1 to 41
// (40097 otherwise), and deletes the templates of the industries left,
// as WeChat does (it allows one change a month, which the fake does not
// enforce); get_industry answers them, 1 and 2 on a new account.
// POST /cgi-bin/message/template/send needs a follower (43004, 40003 for
// an unknown openid) and one of the account's templates (40037), and a
// value for each of its keys, {{thing1.DATA}} asking for
// data.thing1.value, except first and remark, which WeChat dropped in
// 2023; an empty one is 47003 ("argument invalid! data.thing1.value is
// empty"), and so is a thing value over 20 characters. It answers a new
// msgid; a repeat of an openid and client_msg_id within
// [ClientMsgIDWindow] (10 minutes, WeChat's page) is answered the first
// one's msgid and sends nothing more (WeChat's page does not say what a
// repeat is answered: the fake chose the answer that lets a caller's
// retry succeed). [Server.SentTemplates] lists what was sent to a user;
// [Server.SetTemplateSendStatus] plays a user who refuses the account's
// messages, whose sends WeChat takes but reports failed, and
// [Server.ReportTemplateSend] pushes the TEMPLATESENDJOBFINISH event of a
// msgid to the app, with its Status:
//
//	id, err := c.SendTemplateMessage(ctx, wego.TemplateMessage{ToUser: "oFan", TemplateID: tid, Data: data})
//	reply, err := srv.ReportTemplateSend("/wechat", id) // the app sees PushTemplateSendJobFinish
//
// Mass sends (群发, [PathMassSendAll], [PathMassSend]) take mpnews, text,
// voice, images, mpvideo and wxcard, to every follower, to the followers
// with a tag (45159 for a tag the account lacks) or to a list of 2 to
// 10000 openids (40130 otherwise), of which the followers are the
// recipients. A job stays SENDING (mass/get) until [Server.FinishMassSend]
// ends it: SEND_SUCCESS, and the MASSSENDJOBFINISH event pushed to the app
// with the recipients counted. A clientmsgid repeated within
// [MassClientMsgIDWindow] (24 hours) is 45065 and sends nothing more.
// [Server.MassSends] lists the jobs, with their audience, recipients and
// deleted articles (mass/delete); [Server.MassPreviews] what mass/preview
// showed a user, named by openid or WeChat ID. speed/get and speed/set
// keep the account's level, 0 to 4:
//
//	r, err := c.SendMass(ctx, wego.MassToTag(tag), wego.MPNews(draftID))
//	reply, err := srv.FinishMassSend("/wechat", r.MsgID) // the app sees PushMassSendJobFinish
//
// Subscription notices (订阅通知): the account's subscription templates
// are those a test adds with [Server.AddSubscribeTemplate], or that
// /wxaapi/newtmpl/addtemplate adds from the public library a test fills
// with [Server.AddSubscribeLibraryTemplate] (200014 for an unknown tid,
// 200020 for a kidList empty or naming a keyword the template lacks,
// 200021 for a sceneDesc over 15 characters); getcategory lists the
// library's categories, getpubtemplatetitles its templates by category
// (ids, start, limit 1 to 30: 200016 to 200019), getpubtemplatekeywords
// a template's keywords, gettemplate and [Server.SubscribeTemplates] the
// account's, deltemplate deletes one (40037). A test plays the user:
// [Server.AcceptSubscription] pushes subscribe_msg_popup_event and
// grants one notice of a one-time template (type 2), or notices until
// refused of a long-term one (type 3); [Server.RefuseSubscription]
// pushes subscribe_msg_change_event and drops the grants. POST
// /cgi-bin/message/subscribe/bizsend needs one of the account's
// templates (40037) and a grant (43101, which uses a one-time grant up),
// and checks the data as template/send does (47003);
// [Server.SentSubscribeMessages] lists what was sent to a user and
// [Server.ReportSubscribeSend] pushes the subscribe_msg_sent_event of a
// notice:
//
//	srv.AcceptSubscription("/wechat", "oFan", tid)
//	err := c.SendSubscribeMessage(ctx, wego.SubscribeMessage{ToUser: "oFan", TemplateID: tid, Data: data})
//	err = c.SendSubscribeMessage(ctx, m) // errors.Is(err, wego.ErrNoSubscription): the grant is used up
//
// # Analytics
//
// The 17 analytics endpoints (数据统计, /datacube/...) answer the fake
// account's data day by day, POSTed {"begin_date":"2024-05-01",
// "end_date":"2024-05-07"} behind the access token check, with WeChat's
// limits: a date that is not yyyy-MM-dd is 61500 (date format error);
// begin after end, an end that is not before today in China, or more days
// than the endpoint takes is 61501 (date range error): 7 for
// getusersummary, getusercumulate, getusershare and getupstreammsg, 3 for
// getuserread, 15 for getupstreammsgdist, 30 for getinterfacesummary and
// the weeks and months of messages, 1 for the others (the hourly ones,
// getarticlesummary, getarticletotal). Days are China Standard Time, the
// hours of the hourly rows WeChat's 0 to 2300. Nothing is kept before
// 2014-12-01. The weeks and months answer a row for each week (month)
// whose Monday (first day) is in the span and that is over, dated that
// day, adding up its days.
//
// Each day's data is generated from its date, the same on every server
// and in every run, its numbers adding up as a report's do (hours to
// days, sources to totals, followers from day to day);
// [Server.Analytics] tells a day in wego's types, so a test compares what
// the SDK decoded with it, and [Server.SetAnalytics] replaces a day with
// the test's own numbers:
//
//	day := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC) // 2024-05-01 in China
//	srv.SetAnalytics(wegotest.AnalyticsDay{Date: day, CumulateUser: 1234})
//	rows, err := c.GetUserCumulate(ctx, day, day) // rows[0].CumulateUser == 1234
//
// # Materials
//
// Temporary materials: POST /cgi-bin/media/upload?type=... parses the
// multipart upload as WeChat does and keeps the file in the field "media"
// (its name, Content-Type and bytes) for three days; GET /cgi-bin/media/get
// answers it byte for byte, with WeChat's headers (Content-Disposition
// naming it MEDIA_ID.jpg), a video as {"video_url":...} instead. The
// type is image, voice, video or thumb (40004 otherwise); the file's
// extension must be one its type takes (40005: .png, .jpg, .jpeg, .gif;
// .amr, .mp3; .mp4; .jpg, .jpeg) and its size at most the type's (40006:
// 10 MB, 2 MB, 10 MB, 64 KB; empty too); an upload without the file is
// 41005. A thumb's id comes as thumb_media_id, as WeChat answers it.
// [Server.ExpireMedia] plays the three days passing: media/get then
// answers 40007, as for an id it never issued.
//
// Permanent materials: material/add_material takes the same types, with
// .bmp images and .wma and .wav voices besides, and a video's
// description field; an image comes back with a url. get_material answers
// a file's bytes, a video's title, description and down_url, a news
// material's news_item; del_material deletes one; get_materialcount counts
// them (thumbs among images); batchget_material lists a type 1 to 20 at a
// time from an offset, newest first (40097 for another count). An id the
// account does not have among them is 40007. media/uploadimg takes a
// JPEG or PNG under 1 MB and answers an address of the shape of WeChat's.
// The videos' addresses (video_url, down_url) are on the fake, at
// [PathVideo], and serve the bytes without an access token.
// material/add_news and update_news answer 45106, as WeChat has since it
// retired them on 2022-02-28; [Server.AddNewsMaterial] adds a news
// material as one made before then. [Server.Media] tells what the fake
// keeps under a media_id, in wego's types:
//
//	m, err := c.AddTemporaryMaterial(ctx, wego.MediaImage, wego.Media{Name: "cat.jpg", Body: f})
//	stored, _ := srv.Media(m.MediaID) // stored.Name "cat.jpg", stored.Data the bytes sent
//
// The fake checks files by their extension and size, not their content
// or a voice's playing time, which the SDK checks before sending.
//
// # Drafts and publishing
//
// The draft box (草稿箱), kept per server: draft/add (1 to 8 articles,
// 44003 for none, 45008 past 8), draft/get, draft/update (an article by
// index, 0 the first; 40114 past the last), draft/delete, draft/count and
// draft/batchget (1 to 20 a page, else 40097; the draft changed last
// first; no_content leaves the content out). Articles are checked as
// WeChat's pages say and refused with its codes: a title (44003 when
// empty, 45003 past 32 characters), an author of at most 16 (45110), a
// digest of at most 128 (45004), content (44003 when empty, 45002 from
// 20,000 characters or 1 MB), a content_source_url of at most 1 KB
// (45005), news or newspic (40097 for another type); a news article's
// cover and a picture message's 1 to 20 images (40097 for none or more)
// must be permanent image materials of the account (40007 otherwise):
// upload them, or add them with [Server.AddMaterial]. A product card is
// refused with 53406: the fake account cannot sell. Unknown media ids are 40007. A single article
// without a digest gets the start of its content, as WeChat gives it.
//
// Publishing (发布能力): freepublish/submit starts a job for a draft and
// answers its publish_id (a number, as WeChat answers it); the job is
// publishing until [Server.FinishPublish] publishes it or
// [Server.FailPublish] refuses it (original check, other failure or
// review, with the articles refused), or until it ends by itself after a
// delay once [Server.AutoFinishPublish] is set, as on WeChat. Either way
// PUBLISHJOBFINISH is pushed to the app with the job's PublishEventInfo,
// as WeChat's page shows it, from "mphelper". A published draft leaves
// the draft box; its publication gets an article id and a permanent
// link per article. freepublish/get tells a job's status (40002 for an
// unknown publish_id), freepublish/getarticle and batchget the
// publications (53600 for an unknown article id), and freepublish/delete
// deletes an article (index 1 the first) or all of them (index 0), after
// which the job's status is 5 and the publication leaves batchget.
// [Server.Drafts], [Server.Publication] and [Server.PublishStatus] tell
// the state in wego's types:
//
//	srv.AutoFinishPublish("/wechat", 50*time.Millisecond) // or srv.FinishPublish("/wechat", job.PublishID)
//	job, err := c.PublishDraft(ctx, mediaID) // the app sees PushPublishJobFinish, p.PublishResult()
//
// # The app under test
//
// The server starts a second loopback server, at [Server.AppURL], for the
// app under test: [Server.SetApp] sets its handler, the one the application
// gives http.ListenAndServe. [Server.Push], [Server.Deliver] and
// [Server.VerifyURL] take a path on it, an absolute URL, or a bare
// http.Handler (served on a loopback server of its own for each delivery):
//
//	srv.SetApp(app) // a mux: /wechat → c.PushHandler(bot), /pay/notify → c.PayNotifyHandler(paid)
//	err := srv.VerifyURL("/wechat")
//	reply, err := srv.Push("/wechat", wegotest.TextMessage("oUser", "hi"))
//	reply.Get("Content")
//
// URL verification sends WeChat's GET with signature, timestamp, nonce
// and echostr, and returns a [*VerifyError] saying what the app answered
// when it did not echo. Pushes are signed and sent in the mode of
// [Server.SetPushMode]: safe (encrypted, the default), compatible or plain.
// Push delivers as WeChat does: when no answer comes within the push
// timeout (5 s, [Server.SetPushTimeout]) it delivers the push again, three
// deliveries in all (the first and two retries); Deliver delivers once.
// The answer is checked as WeChat checks it and decrypted ([PushReply]).
//
// Pay notifications: the PayNotifyURL of [Server.Settings] is AppURL +
// [PathPayNotify], so [Server.PayOrder] posts the signed notification of an
// order placed without a NotifyURL of its own to the app, and returns what
// the app answered ([*NotifyRejectedError] for FAIL). An order may name any
// other notify_url. [Server.ResendPayNotify] repeats a notification byte
// for byte, as WeChat does; [Server.CompleteRefund] sends the refund
// notification, its req_info encrypted as WeChat encrypts it;
// [Server.DeliverPayNotify] and [Server.DeliverRefundNotify] send one to a
// handler, path or URL of the test's choosing; [Server.PayNotification] and
// [Server.RefundNotification] give the bytes.
//
// # Web authorization (OAuth)
//
// The fake plays WeChat's web authorization (网页授权) on [Server.URL],
// which [Server.Settings] gives as OAuthBaseURL as well as BaseURL, with
// [Server.AppURL] as RegisterURL. The authorize page, GET [PathAuthorize],
// checks what WeChat checks and otherwise answers an HTML error page (400,
// no redirect) with WeChat's code: the appid (10012, 10016), a
// redirect_uri on the account's OAuth domain (10011, 10003; the host and
// port of AppURL unless [Server.SetOAuthDomain] says otherwise),
// response_type=code, the scope snsapi_base or snsapi_userinfo (10010,
// 10005) and a state of at most 128 letters and digits. Then it redirects
// (302) to the redirect_uri, its own query kept, adding code and state:
//
//	srv.AddUser(wegotest.User{OpenID: "oAlice", Nickname: "Alice"})
//	srv.AuthorizeAs("oAlice") // every authorization approves at once as oAlice
//
// Without [Server.AuthorizeAs] the page lists the account's users as "Log
// in as" links, and a Refuse link for snsapi_userinfo, so that a person
// can walk through a login in a browser. [Server.RefuseNextAuthorize]
// plays a user who refuses (state and no code); [Server.SnapshotNextAuthorize]
// a visit from a Moments snapshot page (朋友圈快照页), whose code exchanges
// to is_snapshotuser 1 and a virtual openid that is no user's.
//
// A code is good once, for five minutes: /sns/oauth2/access_token
// exchanges it for the user access token, refresh token, openid, scope and
// the user's unionid, after checking grant_type, appid and secret (40002,
// 40013, 40125), and answers 40163 for a code used before and 40029 for an
// unknown or expired one ([Server.ExpireCodes]). /sns/oauth2/refresh_token
// issues a new access token for a refresh token, good 30 days (40030 after
// [Server.ExpireRefreshTokens]). /sns/userinfo answers the profile of the
// [User] (Nickname, HeadImgURL, Sex, ...) for a token of scope
// snsapi_userinfo (48001 for snsapi_base and snapshot visits); /sns/auth
// tells whether a token is valid. Both answer 40001 for an unknown token,
// 42001 for an expired one ([Server.ExpireUserTokens]; lifetime
// [Server.SetUserTokenTTL]) and 40003 for another user's openid. The sns
// endpoints take the appid and secret, or the user's token, never the
// account's access token: call them with net/http and [Server.Settings]'
// BaseURL and HTTPClient, not with c.WeChat.Get, which adds it.
//
// # Messages
//
// Pushes are built with:
//
//   - [TextMessage]: a text message from a user
//   - [EventMessage]: an event, named by one of the Event constants
//     ([EventSubscribe], [EventScan], [EventLocation], [EventClick],
//     [EventView], [EventScancodePush], [EventTemplateSendJobFinish], ...),
//     with its EventKey
//   - [MediaMessage]: an image, voice, video, shortvideo, location or link
//     message
//   - [XMLMessage]: a push document sent exactly as given, e.g. from
//     WeChat's documentation
//   - [Message.With]: adds or replaces a field of any of the above; a
//     dotted name nests ("ScanCodeInfo.ScanResult")
//
// # Faults, latency and counts
//
// [Server.FailNext] (queued) and [Server.FailAlways] make a path answer an
// errcode with WeChat's errmsg (on the authorize page, its HTML error
// page), before anything else is checked;
// [Server.FailNextPay] makes a pay endpoint answer result_code FAIL with an
// err_code. [Server.SetLatency] delays every answer (a request whose client
// gives up stops waiting). [Server.Requests] and [Server.TokenRequests]
// count what arrived per path, the failed and rejected requests included,
// so a test can assert that bad input sent nothing.
package wegotest
