package wego

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/wego-sdk/wego/internal/xmlscan"
)

// Push types: the values of [Push].Type, named as Python wego names them.
// Messages keep WeChat's MsgType; events get the lower-cased Event, except
// for the two Python wego renames.
const (
	PushText       = "text"
	PushImage      = "image"
	PushVoice      = "voice"
	PushVideo      = "video"
	PushShortVideo = "shortvideo"
	PushLocation   = "location"
	PushLink       = "link"

	PushSubscribe     = "subscribe"      // followed the account
	PushScanSubscribe = "scan_subscribe" // followed by scanning a QR code with a scene: Scene and Ticket are set
	PushUnsubscribe   = "unsubscribe"
	PushScan          = "scan"          // a follower scanned a QR code with a scene
	PushUserLocation  = "user_location" // LOCATION: the periodic position report
	PushClick         = "click"         // menu click: EventKey is the button key
	PushView          = "view"          // menu link opened: EventKey is the URL

	PushScancodePush          = "scancode_push"
	PushScancodeWaitmsg       = "scancode_waitmsg"
	PushPicSysphoto           = "pic_sysphoto"
	PushPicPhotoOrAlbum       = "pic_photo_or_album"
	PushPicWeixin             = "pic_weixin"
	PushLocationSelect        = "location_select"
	PushTemplateSendJobFinish = "templatesendjobfinish"
	PushMassSendJobFinish     = "masssendjobfinish"
	PushPublishJobFinish      = "publishjobfinish" // a publish job ended: Push.PublishResult tells how

	// Subscription notices: Push.SubscribeMsgEvents lists their templates.
	PushSubscribeMsgPopup  = "subscribe_msg_popup_event"  // the user chose in a subscription popup
	PushSubscribeMsgChange = "subscribe_msg_change_event" // the user refused notices in their settings
	PushSubscribeMsgSent   = "subscribe_msg_sent_event"   // WeChat tried to deliver a notice
)

// errNoPushToken is what ParsePush and the URL verification report on a
// Client without Settings.PushToken.
var errNoPushToken = errors.New("wego: push: Settings.PushToken is not set, so pushes cannot be verified")

const (
	pushEventMsgType  = "event"
	qrScenePrefix     = "qrscene_"
	defaultPushMaxAge = 5 * time.Minute
	maxPushBody       = 1 << 20
)

// Push is a message or event WeChat pushed to the account, its signature
// verified and, in safe mode, decrypted (Python wego WeChatPush). Any field is
// reachable with [Push.Get]; the common ones have accessors.
//
// A Push is valid while the handler that received it runs; keep the values
// you need, not the Push.
type Push struct {
	// Type says what was pushed: one of the Push* constants, such as
	// [PushText], [PushSubscribe] or [PushScanSubscribe]; an event the SDK
	// does not know gets its Event lower-cased.
	Type string
	// FromUser is the sender's openid (FromUserName).
	FromUser string
	// ToUser is the account's original id, gh_... (ToUserName).
	ToUser string

	doc       xmlscan.Doc
	c         *Client
	encrypted bool  // arrived in safe (or compatible) mode with our AES key: replies are encrypted
	keyIndex  int   // which AES key decrypted it
	ts        int64 // the timestamp WeChat signed it with, Unix seconds
}

// Get returns the field name of the push, "" when absent (Python wego
// __getattr__). Nested fields use dots: Get("ScanCodeInfo.ScanResult").
func (p *Push) Get(name string) string { return p.doc.Get(name) }

// Lookup is [Push.Get] that also tells whether the field is present.
func (p *Push) Lookup(name string) (string, bool) { return p.doc.Lookup(name) }

// Values returns every value of a repeated field, such as
// "SendPicsInfo.PicList.item.PicMd5Sum".
func (p *Push) Values(name string) []string { return p.doc.Values(name) }

// Fields returns every field in document order, nested ones with their
// dotted names:
//
//	for name, value := range p.Fields() { ... }
func (p *Push) Fields() iter.Seq2[string, string] { return p.doc.All() }

// MsgType is WeChat's MsgType ("text", "event", ...).
func (p *Push) MsgType() string { return p.doc.Get("MsgType") }

// Event is WeChat's Event for event pushes ("subscribe", "CLICK", ...), "" for messages.
func (p *Push) Event() string { return p.doc.Get("Event") }

// CreateTime is when WeChat created the push; the zero Time when the field
// is missing or not a number.
func (p *Push) CreateTime() time.Time {
	n, err := strconv.ParseInt(p.doc.Get("CreateTime"), 10, 64)
	if err != nil {
		return time.Time{}
	}
	return time.Unix(n, 0)
}

// MsgID is the message id (MsgId) of user messages, or the MsgID of
// template and mass-send job events.
func (p *Push) MsgID() string {
	if v, ok := p.doc.Lookup("MsgId"); ok {
		return v
	}
	return p.doc.Get("MsgID")
}

// Content is the text of a text message.
func (p *Push) Content() string { return p.doc.Get("Content") }

// MediaID is the media id of an image, voice, video or short video message.
func (p *Push) MediaID() string { return p.doc.Get("MediaId") }

// Recognition is WeChat's speech recognition of a voice message, when enabled.
func (p *Push) Recognition() string { return p.doc.Get("Recognition") }

// EventKey is the key of a menu button (click), the URL of a view event, or
// the raw scene of a QR code event.
func (p *Push) EventKey() string { return p.doc.Get("EventKey") }

// Scene is the QR code scene of a scan or scan_subscribe event, without the
// "qrscene_" prefix WeChat puts before it on subscribe.
func (p *Push) Scene() string {
	return strings.TrimPrefix(p.doc.Get("EventKey"), qrScenePrefix)
}

// Ticket is the QR code ticket of a scan or scan_subscribe event.
func (p *Push) Ticket() string { return p.doc.Get("Ticket") }

// Location returns the coordinates of a location message (Location_X,
// Location_Y) or a LOCATION event (Latitude, Longitude); ok is false when
// the push carries none.
func (p *Push) Location() (latitude, longitude float64, ok bool) {
	lat, lng := "Location_X", "Location_Y"
	if p.Type == PushUserLocation {
		lat, lng = "Latitude", "Longitude"
	}
	la, err1 := strconv.ParseFloat(p.doc.Get(lat), 64)
	lo, err2 := strconv.ParseFloat(p.doc.Get(lng), 64)
	if err1 != nil || err2 != nil {
		return 0, 0, false
	}
	return la, lo, true
}

// Encrypted reports whether the push arrived encrypted; its replies are
// encrypted too.
func (p *Push) Encrypted() bool { return p.encrypted }

// pushType maps MsgType and Event to Python wego's type names.
func pushType(d *xmlscan.Doc, msgType string) string {
	if msgType != pushEventMsgType {
		return msgType
	}
	switch ev := d.Get("Event"); ev {
	case "subscribe":
		if d.Get("Ticket") != "" || strings.HasPrefix(d.Get("EventKey"), qrScenePrefix) {
			return PushScanSubscribe
		}
		return PushSubscribe
	case "unsubscribe":
		return PushUnsubscribe
	case "SCAN":
		return PushScan
	case "LOCATION":
		return PushUserLocation
	case "CLICK":
		return PushClick
	case "VIEW":
		return PushView
	case "TEMPLATESENDJOBFINISH":
		return PushTemplateSendJobFinish
	case "MASSSENDJOBFINISH":
		return PushMassSendJobFinish
	case PushScancodePush, PushScancodeWaitmsg, PushPicSysphoto, PushPicPhotoOrAlbum, PushPicWeixin, PushLocationSelect:
		return ev
	default:
		return strings.ToLower(ev)
	}
}

// pushPool recycles Push values and their parse buffers between requests
// of [Client.PushHandler].
var pushPool = sync.Pool{New: func() any { return new(pushState) }}

// pushState is a Push with the scratch buffers of one request.
type pushState struct {
	Push
	answer pushAnswer
	body   []byte // request body
	plain  []byte // decrypted message
	out    []byte // reply
}

func (s *pushState) release() {
	s.Push.doc.Reset()
	s.Push = Push{doc: s.Push.doc}
	s.answer.w, s.answer.answered = nil, false
	if cap(s.body) > 64<<10 {
		s.body = nil
	}
	if cap(s.plain) > 64<<10 {
		s.plain = nil
	}
	if cap(s.out) > 64<<10 {
		s.out = nil
	}
	pushPool.Put(s)
}

// ParsePush reads a push from WeChat's POST request r: it checks the
// signature and the timestamp, decrypts safe-mode and compatible-mode
// messages, and parses the XML (Python wego analysis_push). The body is capped at
// 1 MiB. Errors wrap [ErrInvalidSignature], [ErrPushTooOld],
// [ErrPushNotEncrypted], [ErrBodyTooLarge], [ErrAppIDMismatch] or
// [ErrMalformedMessage].
//
// With [Settings].PushEncodingAESKey set, a push without encryption is
// refused ([ErrPushNotEncrypted]) unless [Settings].PushAllowPlain is set.
// A plain push's signature covers its timestamp and nonce but not its
// body, so ParsePush records the body each signature came with (in
// [Settings].DedupStore, for as long as [Settings].PushMaxAge accepts the
// timestamp) and refuses the same signature with another body.
//
// Most servers use [Client.PushHandler], which calls ParsePush and also
// answers WeChat's URL verification, de-duplicates retries and writes the
// reply.
func (c *Client) ParsePush(r *http.Request) (*Push, error) {
	s := new(pushState)
	if err := c.parsePush(r.Context(), r, s, pushRules(c.pushDeadline()).storeTimeout); err != nil {
		return nil, err
	}
	return &s.Push, nil
}

// pushQuery holds the query parameters WeChat signs a push with.
type pushQuery struct {
	signature, msgSignature, timestamp, nonce, encryptType, echostr string
}

// parsePushQuery reads the parameters of a push from the raw query in one
// pass, without building a url.Values (pushes arrive on every message).
func parsePushQuery(raw string) pushQuery {
	var q pushQuery
	for raw != "" {
		var part string
		part, raw, _ = strings.Cut(raw, "&")
		k, v, _ := strings.Cut(part, "=")
		var dst *string
		switch k {
		case "signature":
			dst = &q.signature
		case "msg_signature":
			dst = &q.msgSignature
		case "timestamp":
			dst = &q.timestamp
		case "nonce":
			dst = &q.nonce
		case "encrypt_type":
			dst = &q.encryptType
		case "echostr":
			dst = &q.echostr
		default:
			continue
		}
		if *dst != "" {
			continue // the first value counts, as url.Values.Get
		}
		if strings.ContainsAny(v, "%+") {
			u, err := url.QueryUnescape(v)
			if err != nil {
				continue
			}
			v = u
		}
		*dst = v
	}
	return q
}

// parsePush reads, verifies and parses the push of r into s; storeTimeout
// bounds each call of the de-dup store.
func (c *Client) parsePush(ctx context.Context, r *http.Request, s *pushState, storeTimeout time.Duration) error {
	if c.s.PushToken == "" {
		return errNoPushToken
	}
	q := parsePushQuery(r.URL.RawQuery)
	p := &s.Push
	var err error
	if p.ts, err = c.checkPushTimestamp(q.timestamp); err != nil {
		return err
	}
	plain := q.encryptType != "aes" || c.crypt == nil
	if plain && c.crypt != nil && !c.s.PushAllowPlain {
		// Safe mode: an unencrypted push is a downgrade, whatever it says.
		return fmt.Errorf("%w: push without encrypt_type=aes", ErrPushNotEncrypted)
	}
	s.body, err = appendCapped(s.body[:0], r.Body, maxPushBody)
	switch {
	case errors.Is(err, errCapExceeded):
		return fmt.Errorf("%w: push larger than %d bytes", ErrBodyTooLarge, maxPushBody)
	case err != nil:
		return fmt.Errorf("wego: push: read body: %w", err)
	}
	p.c = c
	if !plain {
		// Safe mode, or compatible mode with our key: the Encrypt element is
		// authoritative and signed with msg_signature.
		if err := p.doc.Parse(s.body); err != nil {
			return fmt.Errorf("%w: push envelope: %v", ErrMalformedMessage, err)
		}
		enc, ok := p.doc.Lookup("Encrypt")
		if !ok {
			return fmt.Errorf("%w: encrypted push without Encrypt element", ErrMalformedMessage)
		}
		// open decrypts in place in s.plain's array when it is large enough;
		// keep that array (plain is a capped window of it) for the next push.
		if need := base64.StdEncoding.DecodedLen(len(enc)); cap(s.plain) < need {
			s.plain = make([]byte, 0, need)
		}
		var plain []byte
		plain, p.keyIndex, err = c.crypt.open(s.plain[:0], q.msgSignature, q.timestamp, q.nonce, enc)
		if err != nil {
			return fmt.Errorf("wego: push: %w", err)
		}
		p.encrypted = true
		if err := p.doc.Parse(plain); err != nil {
			return fmt.Errorf("%w: push: %v", ErrMalformedMessage, err)
		}
	} else {
		// Plain mode (or compatible mode without a key, whose body also
		// carries the plain fields): signature over token, timestamp, nonce.
		if !c.checkPlainSignature(q) {
			return fmt.Errorf("%w: push signature", ErrInvalidSignature)
		}
		if err := p.doc.Parse(s.body); err != nil {
			return fmt.Errorf("%w: push: %v", ErrMalformedMessage, err)
		}
	}
	msgType := p.doc.Get("MsgType")
	p.FromUser, p.ToUser = p.doc.Get("FromUserName"), p.doc.Get("ToUserName")
	if msgType == "" || p.FromUser == "" || p.ToUser == "" {
		return fmt.Errorf("%w: push without MsgType, FromUserName or ToUserName", ErrMalformedMessage)
	}
	if msgType == pushEventMsgType && p.doc.Get("Event") == "" {
		return fmt.Errorf("%w: event push without Event", ErrMalformedMessage)
	}
	p.Type = pushType(&p.doc, msgType)
	if plain {
		// Nothing authenticates a plain body: bind it to its signature.
		sum := sha256.Sum256(s.body)
		key := "pushsig:" + c.s.AppID + ":" + q.timestamp + ":" + q.nonce + ":" + q.signature
		return c.pushOnce.bindBody(ctx, key, sum[:16], c.replayKeep(p.ts, time.Now()), storeTimeout)
	}
	return nil
}

// pushDeadline is Settings.PushDeadline or its default.
func (c *Client) pushDeadline() time.Duration {
	if c.s.PushDeadline == 0 {
		return defaultPushDeadline
	}
	return c.s.PushDeadline
}

// replayKeep is how long a push signed at ts (Unix seconds) is remembered,
// from now: while Settings.PushMaxAge accepts its timestamp, so that a
// replay it accepts finds the push handled, and at least the minute in
// which WeChat repeats a push. With the check off (a negative PushMaxAge)
// it is remembered as long as the default window would accept it.
func (c *Client) replayKeep(ts int64, now time.Time) time.Duration {
	maxAge := c.s.PushMaxAge
	if maxAge <= 0 {
		maxAge = defaultPushMaxAge
	}
	return max(time.Minute, time.Unix(ts, 0).Add(maxAge).Sub(now)+time.Second)
}

// checkPlainSignature verifies signature = SHA1(sort(token, timestamp, nonce)).
func (c *Client) checkPlainSignature(q pushQuery) bool {
	return validSignature(q.signature, c.s.PushToken, q.timestamp, q.nonce)
}

// checkPushTimestamp enforces Settings.PushMaxAge and returns the
// timestamp.
func (c *Client) checkPushTimestamp(ts string) (int64, error) {
	if len(ts) == 0 || len(ts) > 12 {
		return 0, fmt.Errorf("%w: push without a valid timestamp", ErrInvalidSignature)
	}
	n, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%w: push timestamp is not a number", ErrInvalidSignature)
	}
	maxAge := c.s.PushMaxAge
	if maxAge == 0 {
		maxAge = defaultPushMaxAge
	}
	if maxAge < 0 {
		return n, nil
	}
	if d := time.Since(time.Unix(n, 0)); d > maxAge || d < -maxAge {
		return 0, ErrPushTooOld
	}
	return n, nil
}
