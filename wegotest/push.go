package wegotest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/wego-sdk/wego"
	"github.com/wego-sdk/wego/internal/xmlscan"
)

// PushMode is how the fake platform sends pushes, as chosen in the
// account's server configuration (消息加解密方式).
type PushMode int

const (
	// PushSafe encrypts every push (安全模式); the default.
	PushSafe PushMode = iota
	// PushPlain sends pushes in clear text (明文模式). A client with an
	// EncodingAESKey (as [Server.Settings] gives) refuses them as a
	// downgrade (wego.ErrPushNotEncrypted): test a plain-mode account with
	// PushEncodingAESKey cleared, as that account's settings would be.
	PushPlain
	// PushCompatible sends the clear fields and the encrypted copy (兼容模式).
	PushCompatible
)

// DefaultPushTimeout is how long WeChat waits for a server's answer before
// it gives up on that delivery and delivers the push again: three
// deliveries in all (the first and two retries).
const DefaultPushTimeout = 5 * time.Second

// pushConfig is the push side of the server.
type pushConfig struct {
	mu      sync.Mutex
	mode    PushMode
	timeout time.Duration
	crypt   *wego.MsgCrypt
	err     error        // from building crypt; reported by Push
	client  *http.Client // WeChat's side of deliveries: a connection each
}

func (s *Server) initPush() {
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	s.PushToken = "wegotest" + randomHex(8)
	s.PushEncodingAESKey = strings.TrimSuffix(base64.StdEncoding.EncodeToString(key), "=")
	s.OriginalID = "gh_" + randomHex(6)
	s.push.crypt, s.push.err = wego.NewMsgCrypt(s.PushToken, s.PushEncodingAESKey, s.AppID)
	s.push.timeout = DefaultPushTimeout
	s.push.client = &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
}

// SetPushMode sets how pushes are sent from now on.
func (s *Server) SetPushMode(m PushMode) {
	s.push.mu.Lock()
	s.push.mode = m
	s.push.mu.Unlock()
}

// SetPushTimeout sets how long [Server.Push] waits for the answer to a
// delivery before it delivers the push again, three deliveries in all
// (the first and two retries); 5 s, as on WeChat, by default.
func (s *Server) SetPushTimeout(d time.Duration) {
	s.push.mu.Lock()
	s.push.timeout = d
	s.push.mu.Unlock()
}

// Message is a push to send: build one with [TextMessage], [EventMessage],
// [MediaMessage] or [XMLMessage], and add fields with [Message.With]. A
// Message is a value: sending the same Message twice sends the same MsgId
// and CreateTime, as a retry does.
type Message struct {
	fields [][2]string // name, value in document order; nested names use dots
	raw    string      // XMLMessage: sent as is
}

// user is the FromUserName of messages that do not name one.
const user = "oWegotestUser000000000000000"

// TextMessage is a text message from the user openid from.
func TextMessage(from, content string) Message {
	return newMessage(from, "text").With("Content", content)
}

// EventMessage is the event (its Event field as WeChat writes it: one of
// the Event constants, such as [EventSubscribe] or [EventClick]) from the
// user openid from, with an EventKey when key is not "". Add the event's
// other fields with With: Ticket for a QR code, Latitude, Longitude and
// Precision for LOCATION, "ScanCodeInfo.ScanResult" for a scan, and so on.
func EventMessage(from, event, key string) Message {
	m := newMessage(from, "event").With("Event", event)
	if key != "" {
		m = m.With("EventKey", key)
	}
	return m
}

// MediaMessage is a message of msgType (its MsgType: wego.PushImage,
// PushVoice, PushVideo, PushShortVideo, PushLocation or PushLink) from the
// user openid from; add its fields with With (PicUrl and MediaId for an
// image, Location_X, Location_Y, Scale and Label for a location, ...).
func MediaMessage(from, msgType string) Message { return newMessage(from, msgType) }

// XMLMessage sends the plaintext push xml exactly as given (ToUserName,
// FromUserName and everything else included), e.g. a fixture from WeChat's
// documentation.
func XMLMessage(xml string) Message { return Message{raw: xml} }

// WeChat's event names: the Event field of an event push, spelt as WeChat
// spells it (some upper case, some lower), for [EventMessage]. wego
// reports them in [wego.Push].Type under the names of its Push constants.
const (
	EventSubscribe   = "subscribe"   // followed; with EventKey "qrscene_..." and Ticket, by a QR code
	EventUnsubscribe = "unsubscribe" // unfollowed
	EventScan        = "SCAN"        // a follower scanned a QR code with a scene: EventKey, Ticket
	EventLocation    = "LOCATION"    // the periodic position report: Latitude, Longitude, Precision
	EventClick       = "CLICK"       // menu click: EventKey is the button key
	EventView        = "VIEW"        // menu link opened: EventKey is the URL

	// Menu buttons that open WeChat's scanner, camera or map.
	EventScancodePush    = "scancode_push"
	EventScancodeWaitmsg = "scancode_waitmsg"
	EventPicSysphoto     = "pic_sysphoto"
	EventPicPhotoOrAlbum = "pic_photo_or_album"
	EventPicWeixin       = "pic_weixin"
	EventLocationSelect  = "location_select"
	EventViewMiniprogram = "view_miniprogram" // menu button that opened a mini program

	// Reports on what the account sent.
	EventTemplateSendJobFinish = "TEMPLATESENDJOBFINISH" // a template message: Status
	EventMassSendJobFinish     = "MASSSENDJOBFINISH"     // a mass message: Status, TotalCount, ...
	EventPublishJobFinish      = "PUBLISHJOBFINISH"      // a freepublish article: PublishEventInfo
)

// Message ids count up from the time the package was loaded, so that ids
// of one test run do not repeat.
var (
	msgBase = time.Now().UnixNano() / 1e3
	msgSeq  atomic.Int64
)

func newMessage(from, msgType string) Message {
	if from == "" {
		from = user
	}
	m := Message{fields: [][2]string{
		{"FromUserName", from},
		{"CreateTime", strconv.FormatInt(time.Now().Unix(), 10)},
		{"MsgType", msgType},
	}}
	if msgType != "event" {
		m.fields = append(m.fields, [2]string{"MsgId", strconv.FormatInt(msgBase+msgSeq.Add(1), 10)})
	}
	return m
}

// With returns m with the field name set to value; a dotted name nests
// ("ScanCodeInfo.ScanResult"). It has no effect on an XMLMessage.
func (m Message) With(name, value string) Message {
	fields := make([][2]string, 0, len(m.fields)+1)
	replaced := false
	for _, f := range m.fields {
		if f[0] == name {
			f[1], replaced = value, true
		}
		fields = append(fields, f)
	}
	if !replaced {
		fields = append(fields, [2]string{name, value})
	}
	m.fields = fields
	return m
}

// xml renders the message as WeChat would, addressed to toUser.
func (m Message) xml(toUser string) []byte {
	if m.raw != "" {
		return []byte(m.raw)
	}
	b := []byte("<xml>")
	b = xmlscan.AppendElement(b, "ToUserName", toUser)
	var open []string // the nesting currently open
	for _, f := range m.fields {
		parts := strings.Split(f[0], ".")
		keep := 0
		for keep < len(open) && keep < len(parts)-1 && open[keep] == parts[keep] {
			keep++
		}
		for i := len(open) - 1; i >= keep; i-- {
			b = xmlscan.AppendEnd(b, open[i])
		}
		open = open[:keep]
		for _, p := range parts[keep : len(parts)-1] {
			b = xmlscan.AppendStart(b, p)
			open = append(open, p)
		}
		leaf := parts[len(parts)-1]
		if _, err := strconv.ParseFloat(f[1], 64); err == nil && f[1] != "" {
			b = xmlscan.AppendTextElement(b, leaf, f[1])
		} else {
			b = xmlscan.AppendElement(b, leaf, f[1])
		}
	}
	for i := len(open) - 1; i >= 0; i-- {
		b = xmlscan.AppendEnd(b, open[i])
	}
	return append(b, "</xml>"...)
}

// PushReply is a server's answer to a push, decrypted when it was encrypted.
type PushReply struct {
	// Status is the HTTP status of the answer.
	Status int
	// Body is the answer as the server wrote it.
	Body []byte
	// XML is the reply message (decrypted in safe mode); nil when the server
	// answered "success" or nothing.
	XML []byte
	// Attempts is the delivery that was answered, 1 to 3: more than one
	// when the server did not answer in time and the platform delivered
	// again (three deliveries in all: the first and two retries).
	Attempts int
	// Took is how long the answering delivery took.
	Took time.Duration

	doc xmlscan.Doc
}

// Success reports whether the server answered "success" or an empty body:
// nothing is shown to the user.
func (r *PushReply) Success() bool {
	return r.Status == http.StatusOK && r.XML == nil
}

// Get returns a field of the reply message, "" when absent; nested fields
// use dots ("Articles.item.Title").
func (r *PushReply) Get(name string) string { return r.doc.Get(name) }

// Lookup is Get that also tells whether the field is present.
func (r *PushReply) Lookup(name string) (string, bool) { return r.doc.Lookup(name) }

// Values returns every value of a repeated field of the reply.
func (r *PushReply) Values(name string) []string { return r.doc.Values(name) }

// Push delivers msg to target the way WeChat does: signed, encrypted in
// safe mode, and delivered again when no answer comes within the push
// timeout, three deliveries in all (the first and two retries). target is
// a path on the app under test ("/wechat": see [Server.SetApp]), the
// absolute URL of a push server, or an http.Handler, served on a loopback
// server of its own for each delivery. Push returns the answer of the
// first delivery that was answered, decrypted and parsed, and an error
// when no delivery was answered or the answer is not a valid reply.
func (s *Server) Push(target any, msg Message) (*PushReply, error) {
	return s.push3(target, msg, pushDeliveries)
}

// pushDeliveries is how many times WeChat delivers a push that is not
// answered in time. Its documentation says it "重新发起请求，总共重试三次";
// read with practice, that is three deliveries in all: the first and two
// retries.
const pushDeliveries = 3

// Deliver is Push without retries: one delivery to target, answered or not.
func (s *Server) Deliver(target any, msg Message) (*PushReply, error) {
	return s.push3(target, msg, 1)
}

func (s *Server) push3(target any, msg Message, tries int) (*PushReply, error) {
	if s.push.err != nil {
		return nil, s.push.err
	}
	dst, err := s.destination(target, "push")
	if err != nil {
		return nil, err
	}
	s.push.mu.Lock()
	mode, timeout := s.push.mode, s.push.timeout
	s.push.mu.Unlock()

	plain := msg.xml(s.OriginalID)
	s.noteInteraction(plain) // the user acted: customer-service messages are taken
	timestamp := strconv.FormatInt(time.Now().Unix(), 10)
	nonce := randomDigits(10)
	q := url.Values{
		"signature": {wego.Signature(s.PushToken, timestamp, nonce)},
		"timestamp": {timestamp},
		"nonce":     {nonce},
		"openid":    {firstField(msg, "FromUserName")},
	}
	body := plain
	if mode != PushPlain {
		enc, sig, err := s.encrypt(plain, timestamp, nonce)
		if err != nil {
			return nil, err
		}
		q.Set("encrypt_type", "aes")
		q.Set("msg_signature", sig)
		if mode == PushSafe {
			body = []byte("<xml><ToUserName><![CDATA[" + s.OriginalID + "]]></ToUserName><Encrypt><![CDATA[" + enc + "]]></Encrypt></xml>")
		} else {
			body = append(bytes.TrimSuffix(bytes.TrimSpace(plain), []byte("</xml>")), "<Encrypt><![CDATA["+enc+"]]></Encrypt></xml>"...)
		}
	}

	type result struct {
		r   *PushReply
		err error
	}
	results := make(chan result, tries)
	var lastErr error
	for attempt := 1; attempt <= tries; attempt++ {
		go func() {
			r, err := s.send(dst, q.Encode(), body)
			results <- result{r, err}
		}()
		timer := time.NewTimer(timeout)
		select {
		case res := <-results:
			timer.Stop()
			if res.err != nil {
				lastErr = res.err
				continue
			}
			res.r.Attempts = attempt
			return res.r, s.openReply(res.r, mode)
		case <-timer.C:
		}
	}
	deliveries := "1 delivery"
	if tries > 1 {
		deliveries = strconv.Itoa(tries) + " deliveries"
	}
	if lastErr != nil {
		return nil, fmt.Errorf("wegotest: push not answered after %s: %w", deliveries, lastErr)
	}
	return nil, fmt.Errorf("wegotest: push not answered within %v after %s", timeout, deliveries)
}

// send makes one delivery over HTTP, as WeChat does.
func (s *Server) send(dst destination, query string, body []byte) (*PushReply, error) {
	u, done := dst.open()
	defer done()
	return s.post(u, query, body)
}

// post sends body to url with the push query and reads the answer.
func (s *Server) post(target, query string, body []byte) (*PushReply, error) {
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, withQuery(target, query), bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "text/xml")
	resp, err := s.push.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, err
	}
	return &PushReply{Status: resp.StatusCode, Body: b, Took: time.Since(start)}, nil
}

// openReply checks the answer as WeChat would and fills r.XML and r.doc.
func (s *Server) openReply(r *PushReply, mode PushMode) error {
	if r.Status != http.StatusOK {
		return fmt.Errorf("wegotest: push answered HTTP %d: %q", r.Status, excerpt(r.Body))
	}
	body := bytes.TrimSpace(r.Body)
	if len(body) == 0 || string(body) == "success" {
		return nil
	}
	var env xmlscan.Doc
	if err := env.Parse(body); err != nil {
		return fmt.Errorf("wegotest: push reply is not XML: %w", err)
	}
	xml := body
	if _, ok := env.Lookup("Encrypt"); ok {
		plain, err := s.push.crypt.Decrypt(env.Get("MsgSignature"), env.Get("TimeStamp"), env.Get("Nonce"), body)
		if err != nil {
			return fmt.Errorf("wegotest: encrypted push reply: %w", err)
		}
		xml = plain
	} else if mode == PushSafe {
		return errors.New("wegotest: push reply in clear text to an encrypted push")
	}
	r.XML = xml
	if err := r.doc.Parse(xml); err != nil {
		return fmt.Errorf("wegotest: push reply is not XML: %w", err)
	}
	if r.doc.Get("MsgType") == "" || r.doc.Get("ToUserName") == "" || r.doc.Get("FromUserName") == "" {
		return errors.New("wegotest: push reply without MsgType, ToUserName or FromUserName")
	}
	return nil
}

// encrypt returns the Encrypt value and msg_signature of plain.
func (s *Server) encrypt(plain []byte, timestamp, nonce string) (enc, sig string, err error) {
	out, err := s.push.crypt.Encrypt(plain, timestamp, nonce)
	if err != nil {
		return "", "", err
	}
	var env xmlscan.Doc
	if err := env.Parse(out); err != nil {
		return "", "", err
	}
	return env.Get("Encrypt"), env.Get("MsgSignature"), nil
}

// VerifyURL sends the GET request WeChat sends when the server
// configuration (服务器配置) is saved: signature, timestamp, nonce and an
// echostr the server must answer as it is. target is what [Server.Push]
// takes: a path on the app under test, a URL or an http.Handler. VerifyURL
// returns nil when target echoed the challenge, a [*VerifyError] with the
// status and the start of the body when it answered something else, or
// the error of the delivery.
func (s *Server) VerifyURL(target any) error {
	dst, err := s.destination(target, "URL verification")
	if err != nil {
		return err
	}
	timestamp := strconv.FormatInt(time.Now().Unix(), 10)
	nonce := randomDigits(10)
	echostr := randomDigits(19)
	q := url.Values{
		"signature": {wego.Signature(s.PushToken, timestamp, nonce)},
		"timestamp": {timestamp},
		"nonce":     {nonce},
		"echostr":   {echostr},
	}
	u, done := dst.open()
	defer done()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, withQuery(u, q.Encode()), nil)
	if err != nil {
		return fmt.Errorf("wegotest: URL verification: %w", err)
	}
	resp, err := s.push.client.Do(req)
	if err != nil {
		return fmt.Errorf("wegotest: URL verification: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
	if err != nil {
		return fmt.Errorf("wegotest: URL verification: read answer: %w", err)
	}
	if resp.StatusCode != http.StatusOK || string(bytes.TrimSpace(body)) != echostr {
		return &VerifyError{Status: resp.StatusCode, Body: string(excerpt(body)), Echostr: echostr}
	}
	return nil
}

// VerifyError is a URL verification the server failed: it did not answer
// 200 with the echostr.
type VerifyError struct {
	// Status is the HTTP status of the answer.
	Status int
	// Body is the start of the answer's body, at most 256 bytes.
	Body string
	// Echostr is the challenge the server should have echoed.
	Echostr string
}

// Error tells what the server answered.
func (e *VerifyError) Error() string {
	if e.Status != http.StatusOK {
		return fmt.Sprintf("wegotest: URL verification answered HTTP %d: %q", e.Status, e.Body)
	}
	return fmt.Sprintf("wegotest: URL verification answered %q, not the echostr %s", e.Body, e.Echostr)
}

// excerpt is the start of an answer, for error messages: at most 256
// bytes, cut at a character boundary.
func excerpt(b []byte) []byte {
	const n = 256
	if len(b) <= n {
		return b
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(b[cut]) {
		cut--
	}
	return b[:cut]
}

func firstField(m Message, name string) string {
	for _, f := range m.fields {
		if f[0] == name {
			return f[1]
		}
	}
	return ""
}

func randomDigits(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = '0' + b[i]%10
	}
	return string(b)
}
