package wego

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"
)

// Paths of the QR code and short URL endpoints.
const (
	pathQRCodeCreate = "/cgi-bin/qrcode/create"
	pathShowQRCode   = "/cgi-bin/showqrcode" // on mp.weixin.qq.com, not the API host
	pathShortURL     = "/cgi-bin/shorturl"
)

// The action_name of qrcode/create: temporary (QR_) or permanent
// (QR_LIMIT_), with an integer scene (SCENE) or a string one (STR_SCENE).
const (
	qrActionScene         = "QR_SCENE"
	qrActionStrScene      = "QR_STR_SCENE"
	qrActionLimitScene    = "QR_LIMIT_SCENE"
	qrActionLimitStrScene = "QR_LIMIT_STR_SCENE"
)

// WeChat's limits on QR codes.
const (
	// MaxQRCodeExpiry is the longest a temporary QR code lives: 30 days
	// (expire_seconds 2592000).
	MaxQRCodeExpiry = 30 * 24 * time.Hour
	// DefaultQRCodeExpiry is how long WeChat keeps a temporary QR code made
	// without expire_seconds: 60 seconds, as its page says today (older
	// copies of the page said 30).
	DefaultQRCodeExpiry = 60 * time.Second

	maxPermanentSceneID = 100000    // QR_LIMIT_SCENE: scene_id 1 to 100000
	maxTemporarySceneID = 1<<32 - 1 // QR_SCENE: a 32-bit unsigned scene_id, not 0 (SCAN's EventKey is "a 32-bit unsigned integer")
	maxSceneStrBytes    = 64        // scene_str: 1 to 64
	maxQRCodeImage      = 1 << 20   // what QRCodeImage copies at most; WeChat's images are some 30 KB
)

// QRCode is a QR code with a scene (带参数的二维码) to create with
// [Client.CreateQRCode]. When a user scans it, WeChat pushes the scene to the
// account: [PushScanSubscribe] when the scan made the user follow,
// [PushScan] when the user already followed, with the scene in
// [Push.Scene] and the ticket in [Push.Ticket].
//
// Set exactly one scene: SceneID or SceneStr. A temporary code (the
// default) lives ExpireIn; a permanent one (Permanent) never expires, but an
// account has at most 100,000 of them.
type QRCode struct {
	// SceneID is an integer scene: 1 to 4294967295 (WeChat's "32-bit
	// non-zero integer", unsigned) on a temporary code, 1 to 100000 on a
	// permanent one.
	SceneID int64
	// SceneStr is a string scene, 1 to 64 bytes of UTF-8.
	SceneStr string
	// Permanent makes a permanent code (QR_LIMIT_SCENE, QR_LIMIT_STR_SCENE)
	// instead of a temporary one (QR_SCENE, QR_STR_SCENE).
	Permanent bool
	// ExpireIn is how long a temporary code lives, at most 30 days
	// ([MaxQRCodeExpiry]), rounded up to whole seconds. 0 sends no
	// expire_seconds and leaves it to WeChat, whose default is 60 seconds
	// ([DefaultQRCodeExpiry]): set it. A permanent code takes none.
	ExpireIn time.Duration
}

// check refuses what WeChat would refuse, naming the field.
func (q QRCode) check() error {
	switch {
	case q.SceneID == 0 && q.SceneStr == "":
		return missing("scene: set SceneID or SceneStr")
	case q.SceneID != 0 && q.SceneStr != "":
		return invalid("scene", "both SceneID and SceneStr are set: a QR code has one scene")
	case q.SceneStr != "" && len(q.SceneStr) > maxSceneStrBytes:
		return invalid("SceneStr", "%d bytes, at most %d", len(q.SceneStr), maxSceneStrBytes)
	case q.SceneStr != "" && !utf8.ValidString(q.SceneStr):
		return invalid("SceneStr", "not valid UTF-8")
	case q.SceneStr == "" && q.Permanent && (q.SceneID < 1 || q.SceneID > maxPermanentSceneID):
		return invalid("SceneID", "%d: a permanent QR code's scene is 1 to %d", q.SceneID, maxPermanentSceneID)
	case q.SceneStr == "" && !q.Permanent && (q.SceneID < 1 || q.SceneID > maxTemporarySceneID):
		return invalid("SceneID", "%d: a temporary QR code's scene is 1 to %d (32 bits, not 0)", q.SceneID, int64(maxTemporarySceneID))
	case q.ExpireIn < 0:
		return invalid("ExpireIn", "%v is negative", q.ExpireIn)
	case q.ExpireIn != 0 && q.Permanent:
		return invalid("ExpireIn", "%v on a permanent QR code, which never expires", q.ExpireIn)
	case q.ExpireIn > MaxQRCodeExpiry:
		return invalid("ExpireIn", "%v, at most %v (30 days)", q.ExpireIn, MaxQRCodeExpiry)
	}
	return nil
}

// actionName is the action_name of q.
func (q QRCode) actionName() string {
	switch {
	case q.Permanent && q.SceneStr != "":
		return qrActionLimitStrScene
	case q.Permanent:
		return qrActionLimitScene
	case q.SceneStr != "":
		return qrActionStrScene
	}
	return qrActionScene
}

// expireSeconds is ExpireIn in whole seconds, rounded up.
func (q QRCode) expireSeconds() int64 {
	return int64((q.ExpireIn + time.Second - 1) / time.Second)
}

// QRCodeTicket is a QR code WeChat made ([Client.CreateQRCode]).
type QRCodeTicket struct {
	// Ticket gets the image ([Client.QRCodeImage], [Client.ShowQRCodeURL])
	// and comes back in the scan events ([Push.Ticket]).
	Ticket string
	// URL is what the QR code encodes (url), such as
	// "http://weixin.qq.com/q/02wPFKBmPJfu21QQPIxycG": draw the code
	// yourself from it, in any size or style.
	URL string
	// ImageURL is the address of WeChat's image of the code,
	// [Client.ShowQRCodeURL] of the ticket (Python wego's code_url): fit
	// for an <img> tag.
	ImageURL string
	// Expiry is when a temporary code stops working: the time the request
	// was sent plus WeChat's expire_seconds, so never later than WeChat's
	// own. Zero for a permanent code.
	Expiry time.Time
}

// Permanent reports whether the code never expires.
func (t *QRCodeTicket) Permanent() bool { return t.Expiry.IsZero() }

// qrCodeBody is the body of qrcode/create.
type qrCodeBody struct {
	ExpireSeconds int64        `json:"expire_seconds,omitempty"`
	ActionName    string       `json:"action_name"`
	ActionInfo    qrActionInfo `json:"action_info"`
}

type qrActionInfo struct {
	Scene qrScene `json:"scene"`
}

type qrScene struct {
	SceneID  int64  `json:"scene_id,omitempty"`
	SceneStr string `json:"scene_str,omitempty"`
}

// QRCodeCreate asks WeChat for a QR code with a scene (/cgi-bin/qrcode/create)
// and returns its answer: {"ticket":"gQH47joAAAAAAAAAASxodHRw...",
// "expire_seconds":60,"url":"http://weixin.qq.com/q/kZgfwMTm72WWPkovabbI"},
// without expire_seconds for a permanent code. actionName is QR_SCENE or
// QR_STR_SCENE (temporary, with an integer or a string scene),
// QR_LIMIT_SCENE or QR_LIMIT_STR_SCENE (permanent). It sends scene_id when
// sceneID is not 0, scene_str when sceneStr is not "", and expire_seconds
// when expireSeconds is more than 0, unchecked: [Client.CreateQRCode]
// checks them first.
//
// WeChat docs: https://developers.weixin.qq.com/doc/offiaccount/Account_Management/Generating_a_Parametric_QR_Code.html
func (w *WeChatAPI) QRCodeCreate(ctx context.Context, actionName string, sceneID int64, sceneStr string, expireSeconds int64) (json.RawMessage, error) {
	return rawAnswer(func(out any) error {
		return w.qrCodeCreate(ctx, actionName, sceneID, sceneStr, expireSeconds, out)
	})
}

func (w *WeChatAPI) qrCodeCreate(ctx context.Context, actionName string, sceneID int64, sceneStr string, expireSeconds int64, out any) error {
	body := qrCodeBody{
		ExpireSeconds: max(expireSeconds, 0),
		ActionName:    actionName,
		ActionInfo:    qrActionInfo{qrScene{SceneID: sceneID, SceneStr: sceneStr}},
	}
	return w.Post(ctx, pathQRCodeCreate, nil, body, out)
}

// ShowQRCode copies the image of the QR code ticket into dst as it arrives
// (GET https://mp.weixin.qq.com/cgi-bin/showqrcode, which takes no access
// token) and returns how many bytes it wrote. An unknown ticket, or the
// ticket of a temporary code past its expiry, is answered HTTP 404: an
// error wrapping [ErrQRCodeTicketInvalid] and the [*HTTPError]. An image
// over 1 MiB fails with [ErrResponseTooLarge], after 1 MiB was written (none
// when WeChat announced the length). [Client.QRCodeImage] checks the ticket
// first.
//
// WeChat docs: https://developers.weixin.qq.com/doc/offiaccount/Account_Management/Generating_a_Parametric_QR_Code.html
func (w *WeChatAPI) ShowQRCode(ctx context.Context, ticket string, dst io.Writer) (int64, error) {
	if dst == nil {
		return 0, missing("the writer to copy the image into")
	}
	c := w.c
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, showQRCodeURL(c.qrCodeImageBase(), ticket), nil)
	if err != nil {
		return 0, redactURLError(err)
	}
	n, err := c.download(ctx, req, pathShowQRCode, maxQRCodeImage, dst)
	var he *HTTPError
	if errors.As(err, &he) && he.StatusCode == http.StatusNotFound {
		return n, qrTicketError{he}
	}
	return n, err
}

// qrTicketError is WeChat's 404 for a QR code ticket: it matches
// ErrQRCodeTicketInvalid, and unwraps to the *HTTPError.
type qrTicketError struct{ he *HTTPError }

func (e qrTicketError) Error() string {
	return ErrQRCodeTicketInvalid.Error() + ": " + e.he.Error()
}

func (e qrTicketError) Is(target error) bool { return target == ErrQRCodeTicketInvalid }
func (e qrTicketError) Unwrap() error        { return e.he }

// ShortURL asks WeChat to shorten longURL (/cgi-bin/shorturl, action
// long2short) and returns its answer. WeChat stopped making short links on
// 2021-03-15: it then answered the long URL itself as short_url, and since
// 2023 answers errcode 45103 ([CodeAPIUnsupported], "This API has been
// unsupported"). See [Client.CreateShortURL].
//
// WeChat docs: https://developers.weixin.qq.com/doc/offiaccount/Account_Management/URL_Shortener.html
func (w *WeChatAPI) ShortURL(ctx context.Context, longURL string) (json.RawMessage, error) {
	return rawAnswer(func(out any) error {
		return w.Post(ctx, pathShortURL, nil, struct {
			Action  string `json:"action"`
			LongURL string `json:"long_url"`
		}{"long2short", longURL}, out)
	})
}

// CreateQRCode makes a QR code with a scene (Python wego create_qrcode):
// temporary or permanent, with an integer or a string scene, as q says.
// q is checked first (one scene, in WeChat's ranges; an expiry of at most
// 30 days, on a temporary code only): what WeChat would refuse is refused
// before anything is sent, with an error wrapping [ErrMissingParameter]
// or [ErrInvalidParameter] that names the field. Python wego sent a string
// scene as scene_id, which WeChat does not take; here it goes as
// scene_str.
//
//	qr, err := c.CreateQRCode(ctx, wego.QRCode{SceneStr: "poster-42", ExpireIn: 7 * 24 * time.Hour})
//	// show qr.ImageURL, or draw qr.URL; the scans arrive as PushScanSubscribe and PushScan
func (c *Client) CreateQRCode(ctx context.Context, q QRCode) (*QRCodeTicket, error) {
	if err := q.check(); err != nil {
		return nil, err
	}
	sent := time.Now()
	var a struct {
		Ticket        string `json:"ticket"`
		ExpireSeconds int64  `json:"expire_seconds"`
		URL           string `json:"url"`
	}
	if err := c.WeChat.qrCodeCreate(ctx, q.actionName(), q.SceneID, q.SceneStr, q.expireSeconds(), &a); err != nil {
		return nil, err
	}
	if a.Ticket == "" {
		return nil, &HTTPError{Endpoint: pathQRCodeCreate, StatusCode: http.StatusOK, Reason: "answer without a ticket"}
	}
	t := &QRCodeTicket{Ticket: a.Ticket, URL: a.URL, ImageURL: c.ShowQRCodeURL(a.Ticket)}
	if !q.Permanent {
		life := time.Duration(a.ExpireSeconds) * time.Second
		if life <= 0 { // WeChat has been seen answering 0: what was asked holds
			life = time.Duration(q.expireSeconds()) * time.Second
		}
		if life <= 0 {
			life = DefaultQRCodeExpiry
		}
		t.Expiry = sent.Add(life)
	}
	return t, nil
}

// QRCodeImage copies the image of the QR code ticket into w as it arrives,
// never holding it whole, and returns how many bytes it wrote: a JPEG of
// some 30 KB from WeChat. An unknown or expired ticket gives an error
// wrapping [ErrQRCodeTicketInvalid]; see [WeChatAPI.ShowQRCode] for the
// others. On an error some bytes may have been written: discard them.
//
//	n, err := c.QRCodeImage(ctx, qr.Ticket, w) // w an http.ResponseWriter, a file, ...
func (c *Client) QRCodeImage(ctx context.Context, ticket string, w io.Writer) (n int64, err error) {
	if ticket == "" {
		return 0, missing("ticket")
	}
	return c.WeChat.ShowQRCode(ctx, ticket, w)
}

// ShowQRCodeURL returns the address of the image of the QR code ticket on
// the host of Settings.QRCodeImageBaseURL (WeChat's
// https://mp.weixin.qq.com by default), the ticket URL-escaped as WeChat
// asks. Anyone with the address sees the image: it needs no access token.
func (c *Client) ShowQRCodeURL(ticket string) string {
	return showQRCodeURL(c.qrCodeImageBase(), ticket)
}

// ShowQRCodeURL returns the address of WeChat's image of the QR code
// ticket: https://mp.weixin.qq.com/cgi-bin/showqrcode?ticket=..., the ticket
// URL-escaped (a ticket is base64, whose "+" would otherwise read as a
// space). [Client.ShowQRCodeURL] gives it on the host of the Client's
// Settings.
func ShowQRCodeURL(ticket string) string {
	return showQRCodeURL(DefaultQRCodeImageBaseURL, ticket)
}

func showQRCodeURL(base, ticket string) string {
	return base + pathShowQRCode + "?ticket=" + url.QueryEscape(ticket)
}

// qrCodeImageBase is the host of QR code images, without a final slash.
func (c *Client) qrCodeImageBase() string {
	if b := strings.TrimRight(c.s.QRCodeImageBaseURL, "/"); b != "" {
		return b
	}
	return DefaultQRCodeImageBaseURL
}

// CreateShortURL asks WeChat for a short link to longURL (Python wego
// create_short_url), which must be an http://, https:// or weixin://wxpay
// URL, checked first.
//
// WeChat retired the call: it makes no short link since 2021-03-15
// (https://developers.weixin.qq.com/doc/offiaccount/Account_Management/URL_Shortener.html).
// For two years it answered the long URL itself, which CreateShortURL
// returns as it came; since 2023 it answers errcode 45103 ("This API has
// been unsupported"), an [*APIError] with Code [CodeAPIUnsupported], and so
// does wegotest. The call is kept so that code ported from Python wego
// compiles and fails clearly: shorten links another way, or draw a QR code
// from a [QRCodeTicket]'s URL, which is short already.
func (c *Client) CreateShortURL(ctx context.Context, longURL string) (string, error) {
	if err := checkLongURL(longURL); err != nil {
		return "", err
	}
	var a struct {
		ShortURL string `json:"short_url"`
	}
	raw, err := c.WeChat.ShortURL(ctx, longURL)
	if err != nil {
		return "", err
	}
	if err := decodeJSON(pathShortURL, raw, &a); err != nil {
		return "", err
	}
	if a.ShortURL == "" {
		return "", &HTTPError{Endpoint: pathShortURL, StatusCode: http.StatusOK, Reason: "answer without a short_url"}
	}
	return a.ShortURL, nil
}

// checkLongURL refuses what shorturl does not take: it takes http://,
// https:// and weixin://wxpay URLs.
func checkLongURL(longURL string) error {
	if longURL == "" {
		return missing("long_url")
	}
	lower := strings.ToLower(longURL)
	for _, prefix := range []string{"http://", "https://", "weixin://wxpay"} {
		if strings.HasPrefix(lower, prefix) && len(longURL) > len(prefix) {
			return nil
		}
	}
	return invalid("long_url", "must be an http://, https:// or weixin://wxpay URL")
}
