package wegotest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/wego-sdk/wego"
	"github.com/wego-sdk/wego/internal/xmlscan"
)

// Paths of the customer-service message endpoints the fake serves.
const (
	PathMessageCustomSend   = "/cgi-bin/message/custom/send"
	PathMessageCustomTyping = "/cgi-bin/message/custom/typing"
)

// The customer-service window, as WeChat's page on custom/send gives it
// today: a message of the user's allows 5 messages in the next 48 hours;
// a menu click (click, scancode_push, scancode_waitmsg), a follow or a QR
// code scan allows 3 in the next minute.
const (
	// ServiceWindow is how long after a user's last message to the account
	// WeChat takes customer-service messages to the user.
	ServiceWindow = 48 * time.Hour
	// ServiceWindowMessages is how many customer-service messages a
	// message of the user's allows within ServiceWindow.
	ServiceWindowMessages = 5
	// EventWindow is how long after a menu click, a follow or a scan WeChat
	// takes customer-service messages to the user.
	EventWindow = time.Minute
	// EventWindowMessages is how many customer-service messages a click,
	// follow or scan allows within EventWindow.
	EventWindowMessages = 3

	typingNeedsExchange = 30 * time.Second // Typing: a message exchanged within the last 30 s (45080)
	typingLasts         = 15 * time.Second // Typing shows 15 s; again within them is 45081
)

// SentMessage is a customer-service message the account sent to a user, as
// [Server.SentMessages] tells it.
type SentMessage struct {
	// MsgType is custom/send's msgtype: "text", "image", "voice", "video",
	// "music", "news", "mpnews", "mpnewsarticle", "msgmenu", "wxcard" or
	// "miniprogrampage".
	MsgType string
	// Content is the object sent under the msgtype's key, as sent, e.g.
	// {"content":"hello"} for a text, {"media_id":"..."} for an image.
	Content json.RawMessage
	// KFAccount is the agent it was sent as (customservice.kf_account); ""
	// when none was named.
	KFAccount string
	// Time is when the fake took it.
	Time time.Time
}

// Get returns the string field name of the message's Content, "" when it
// has none: Get("content") is a text's text, Get("media_id") an image's
// media id.
func (m SentMessage) Get(name string) string {
	var fields map[string]json.RawMessage
	if json.Unmarshal(m.Content, &fields) != nil {
		return ""
	}
	var v string
	if json.Unmarshal(fields[name], &v) != nil {
		return ""
	}
	return v
}

// contact is what the fake knows of a user's exchanges with the account.
type contact struct {
	lastMessage  time.Time // the user's last message: opens ServiceWindow
	sinceMessage int       // customer-service messages sent in it
	lastEvent    time.Time // the user's last click, follow or scan: opens EventWindow
	sinceEvent   int       // customer-service messages sent in it
	lastExchange time.Time // the last message either way, or window-opening event: Typing needs one within 30 s
	typingUntil  time.Time // Typing shown until then
}

// messageState is the account's conversations: the users' interactions
// and the messages sent to them. Guarded by its own mutex.
type messageState struct {
	mu       sync.Mutex
	contacts map[string]*contact
	sent     map[string][]SentMessage
}

func (s *Server) initMessages() {
	s.messages.contacts = make(map[string]*contact)
	s.messages.sent = make(map[string][]SentMessage)
	s.routeJSON(PathMessageCustomSend, postJSON(s.serveCustomSend))
	routePost(s, PathMessageCustomTyping, s.serveCustomTyping)
	s.initTemplates()
}

// contact returns the contact of openid, making it; ms.mu is held.
func (ms *messageState) contact(openid string) *contact {
	c := ms.contacts[openid]
	if c == nil {
		c = &contact{}
		ms.contacts[openid] = c
	}
	return c
}

// noteInteraction records what a push of plain (its plaintext XML) tells
// of its sender: the user is known to the account; a message opens the
// 48-hour window, a menu click, a follow or a scan the one-minute window.
func (s *Server) noteInteraction(plain []byte) {
	var d xmlscan.Doc
	if d.Parse(plain) != nil {
		return
	}
	from := d.Get("FromUserName")
	if from == "" {
		return
	}
	now := time.Now()
	ms := &s.messages
	ms.mu.Lock()
	defer ms.mu.Unlock()
	c := ms.contact(from) // any push makes the user known to the account
	switch msgType := d.Get("MsgType"); msgType {
	case wego.PushText, wego.PushImage, wego.PushVoice, wego.PushVideo, wego.PushShortVideo, wego.PushLocation, wego.PushLink:
		c.lastMessage, c.sinceMessage, c.lastExchange = now, 0, now
	case "event":
		switch d.Get("Event") {
		case EventSubscribe, EventScan, EventClick, EventScancodePush, EventScancodeWaitmsg:
			c.lastEvent, c.sinceEvent, c.lastExchange = now, 0, now
		}
	}
}

// SetLastInteraction records a message from the user openid to the account
// at t, as though the user had written then: customer-service messages
// are taken until t + [ServiceWindow], [ServiceWindowMessages] of them. A
// test plays a user silent for 49 hours with time.Now().Add(-49 *
// time.Hour). It replaces what pushes told of the user's messages, and
// does not make the user a follower: a user [Server.AddUser] or a push
// made known.
func (s *Server) SetLastInteraction(openid string, t time.Time) {
	ms := &s.messages
	ms.mu.Lock()
	defer ms.mu.Unlock()
	c := ms.contact(openid)
	c.lastMessage, c.sinceMessage, c.lastExchange = t, 0, t
}

// SentMessages returns the customer-service messages the account sent to
// the user openid, oldest first.
func (s *Server) SentMessages(openid string) []SentMessage {
	ms := &s.messages
	ms.mu.Lock()
	defer ms.mu.Unlock()
	out := slices.Clone(ms.sent[openid])
	for i := range out {
		out[i].Content = slices.Clone(out[i].Content)
	}
	return out
}

// Typing reports whether the user openid is shown that the account is
// typing ([wego.Client.Typing]): for 15 seconds after Typing, until
// CancelTyping or a message to the user.
func (s *Server) Typing(openid string) bool {
	ms := &s.messages
	ms.mu.Lock()
	defer ms.mu.Unlock()
	c := ms.contacts[openid]
	return c != nil && time.Now().Before(c.typingUntil)
}

// reachable returns WeChat's errcode for a message to openid that needs
// a follower: 40003 for a user the account does not know (neither a user
// of [Server.AddUser] nor the sender of a push), notFollower for a former
// follower; 0 otherwise.
func (s *Server) reachable(openid string, notFollower int) int {
	if openid == "" {
		return 40003
	}
	us := &s.users
	us.mu.Lock()
	i, known := us.index[openid]
	following := known && us.fans[i].subscribed
	us.mu.Unlock()
	switch {
	case known && !following:
		return notFollower
	case known:
		return 0
	}
	ms := &s.messages
	ms.mu.Lock()
	defer ms.mu.Unlock()
	if ms.contacts[openid] == nil {
		return 40003
	}
	return 0
}

// windowOpen reports whether c takes a customer-service message at now.
func (c *contact) windowOpen(now time.Time) (byMessage, byEvent bool) {
	byMessage = !c.lastMessage.IsZero() && now.Sub(c.lastMessage) < ServiceWindow
	byEvent = !c.lastEvent.IsZero() && now.Sub(c.lastEvent) < EventWindow
	return byMessage, byEvent
}

// customContent checks the content of a custom/send message of msgType
// and returns WeChat's errcode for it: 40008 for a type custom/send does
// not have, 44004 for an empty text, 40007 for a missing media id, 44003
// for news without articles, 45008 for more than one, 47001 for another
// field missing.
func customContent(msgType string, raw json.RawMessage) int {
	var c struct {
		Content      *string           `json:"content"`
		MediaID      string            `json:"media_id"`
		ThumbMediaID string            `json:"thumb_media_id"`
		MusicURL     string            `json:"musicurl"`
		Articles     []json.RawMessage `json:"articles"`
		ArticleID    string            `json:"article_id"`
		List         []struct {
			ID      string `json:"id"`
			Content string `json:"content"`
		} `json:"list"`
		CardID   string `json:"card_id"`
		AppID    string `json:"appid"`
		PagePath string `json:"pagepath"`
	}
	known := map[string]bool{"text": true, "image": true, "voice": true, "video": true, "music": true, "news": true,
		"mpnews": true, "mpnewsarticle": true, "msgmenu": true, "wxcard": true, "miniprogrampage": true}
	switch {
	case !known[msgType]:
		return 40008
	case len(bytes.TrimSpace(raw)) == 0 || json.Unmarshal(raw, &c) != nil:
		return 47001
	}
	switch msgType {
	case "text":
		if c.Content == nil || *c.Content == "" {
			return 44004
		}
	case "image", "voice", "video", "mpnews":
		if c.MediaID == "" {
			return 40007
		}
	case "music":
		if c.MusicURL == "" {
			return 47001
		}
	case "news":
		switch {
		case len(c.Articles) == 0:
			return 44003
		case len(c.Articles) > 1:
			return 45008
		}
	case "mpnewsarticle":
		if c.ArticleID == "" {
			return 47001
		}
	case "msgmenu":
		if len(c.List) == 0 {
			return 47001
		}
		for _, it := range c.List {
			if it.ID == "" || it.Content == "" {
				return 47001
			}
		}
	case "wxcard":
		if c.CardID == "" {
			return 47001
		}
	case "miniprogrampage":
		if c.AppID == "" || c.PagePath == "" || c.ThumbMediaID == "" {
			return 47001
		}
	}
	return 0
}

func (s *Server) serveCustomSend(fields map[string]json.RawMessage) (any, int) {
	var to, msgType string
	_ = json.Unmarshal(fields["touser"], &to)
	_ = json.Unmarshal(fields["msgtype"], &msgType)
	if code := s.reachable(to, 45015); code != 0 {
		return nil, code
	}
	content := fields[msgType]
	if code := customContent(msgType, content); code != 0 {
		return nil, code
	}
	var cs struct {
		KFAccount string `json:"kf_account"`
	}
	if raw, ok := fields["customservice"]; ok && json.Unmarshal(raw, &cs) != nil {
		return nil, 47001
	}
	now := time.Now()
	ms := &s.messages
	ms.mu.Lock()
	defer ms.mu.Unlock()
	c := ms.contact(to)
	byMessage, byEvent := c.windowOpen(now)
	switch {
	case byEvent && c.sinceEvent < EventWindowMessages:
		c.sinceEvent++
	case byMessage && c.sinceMessage < ServiceWindowMessages:
		c.sinceMessage++
	case byMessage || byEvent:
		return nil, 45047 // out of response count limit
	default:
		return nil, 45015 // response out of time limit
	}
	c.lastExchange, c.typingUntil = now, time.Time{}
	ms.sent[to] = append(ms.sent[to], SentMessage{MsgType: msgType, Content: slices.Clone(content), KFAccount: cs.KFAccount, Time: now})
	return answerOK, 0
}

type typingRequest struct {
	ToUser  string `json:"touser"`
	Command string `json:"command"`
}

func (s *Server) serveCustomTyping(req *typingRequest) (any, int) {
	if req.Command != "Typing" && req.Command != "CancelTyping" {
		return nil, 45072
	}
	if code := s.reachable(req.ToUser, 45015); code != 0 {
		return nil, code
	}
	now := time.Now()
	ms := &s.messages
	ms.mu.Lock()
	defer ms.mu.Unlock()
	c := ms.contact(req.ToUser)
	if byMessage, byEvent := c.windowOpen(now); !byMessage && !byEvent {
		return nil, 45015
	}
	if req.Command == "CancelTyping" {
		c.typingUntil = time.Time{}
		return answerOK, 0
	}
	switch {
	case now.Sub(c.lastExchange) > typingNeedsExchange:
		return nil, 45080
	case now.Before(c.typingUntil):
		return nil, 45081
	}
	c.typingUntil = now.Add(typingLasts)
	return answerOK, 0
}

// postJSON adapts fn to routeJSON for a POST endpoint whose JSON body has
// keys that vary (custom/send's content sits under its msgtype): other
// methods get 43002, an empty body 44002, a body that is not a JSON object
// 47001.
func postJSON(fn func(fields map[string]json.RawMessage) (any, int)) func(r *http.Request, body []byte) (any, int) {
	return func(r *http.Request, body []byte) (any, int) {
		if r.Method != http.MethodPost {
			return nil, 43002
		}
		if len(bytes.TrimSpace(body)) == 0 {
			return nil, 44002
		}
		var fields map[string]json.RawMessage
		if json.Unmarshal(body, &fields) != nil || fields == nil {
			return nil, 47001
		}
		return fn(fields)
	}
}
