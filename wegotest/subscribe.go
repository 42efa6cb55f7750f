package wegotest

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/wego-sdk/wego"
)

// Paths of the subscription notice endpoints the fake serves.
const (
	PathSubscribeBizSend           = "/cgi-bin/message/subscribe/bizsend"
	PathSubscribeAddTemplate       = "/wxaapi/newtmpl/addtemplate"
	PathSubscribeDelTemplate       = "/wxaapi/newtmpl/deltemplate"
	PathSubscribeGetCategory       = "/wxaapi/newtmpl/getcategory"
	PathSubscribeGetPubKeywords    = "/wxaapi/newtmpl/getpubtemplatekeywords"
	PathSubscribeGetPubTitles      = "/wxaapi/newtmpl/getpubtemplatetitles"
	PathSubscribeGetTemplate       = "/wxaapi/newtmpl/gettemplate"
	firstSubscribeMsgID            = 3000000000 // the fake's msgids of notices count up from here
	maxSubscribeTitles             = 30         // getpubtemplatetitles' limit (200017 past it)
	maxSubscribeSceneDesc          = 15         // addtemplate's sceneDesc, characters (200021 past it)
	subscribePopupSceneOfAnArticle = "2"        // PopupScene: the popup of an article (1: of a web page)
)

// SubscribeLibraryTemplate is a public template of WeChat's library for
// subscription notices, as [Server.AddSubscribeLibraryTemplate] puts it
// there for addtemplate ([wego.Client.AddSubscribeTemplate]) to choose.
type SubscribeLibraryTemplate struct {
	TID   int
	Title string
	// Type is wego.SubscribeOneTime (the default) or
	// wego.SubscribeLongTerm.
	Type int
	// Category is the category it belongs to; getcategory lists the
	// categories of the library's templates as the account's.
	Category wego.SubscribeCategory
	// Keywords are those a template chosen from it may keep: the key of
	// each in the account's copy is its Rule and KID, "thing1".
	Keywords []wego.SubscribeKeyword
}

// SentSubscribeMessage is a subscription notice the account sent, as
// [Server.SentSubscribeMessages] tells it.
type SentSubscribeMessage struct {
	// SubscribeMessage is the notice as the request had it.
	wego.SubscribeMessage
	// MsgID is the id its subscribe_msg_sent_event names.
	MsgID int64
	// Time is when the fake took it.
	Time time.Time
}

// grantKey names a user's subscription to a template.
type grantKey struct{ openid, templateID string }

// subscribeState is the account's subscription templates, the library,
// the users' subscriptions and the notices sent. Guarded by its own mutex.
type subscribeState struct {
	mu        sync.Mutex
	templates []wego.SubscribeTemplate
	library   []SubscribeLibraryTemplate
	grants    map[grantKey]int // one-time subscriptions left; long-term ones are not counted
	sent      []SentSubscribeMessage
	nextMsgID int64
	no        int
}

func (s *Server) initSubscribe() {
	ss := &s.subscribe
	ss.grants = make(map[grantKey]int)
	ss.nextMsgID = firstSubscribeMsgID
	routePost(s, PathSubscribeBizSend, s.serveSubscribeSend)
	routePost(s, PathSubscribeAddTemplate, s.serveSubscribeAddTemplate)
	routePost(s, PathSubscribeDelTemplate, s.serveSubscribeDelTemplate)
	s.routeGet(PathSubscribeGetCategory, s.serveSubscribeGetCategory)
	s.routeGet(PathSubscribeGetPubKeywords, s.serveSubscribeGetKeywords)
	s.routeGet(PathSubscribeGetPubTitles, s.serveSubscribeGetTitles)
	s.routeGet(PathSubscribeGetTemplate, s.serveSubscribeGetTemplate)
}

// newID makes a priTmplId of the shape of WeChat's; ss.mu is held.
func (ss *subscribeState) newID() string {
	ss.no++
	return (fmt.Sprintf("wegotestsub%03d", ss.no) + randomHex(16))[:43]
}

// AddSubscribeTemplate adds t to the account's subscription templates, as
// a template chosen in the console would be, and returns its priTmplId:
// t.ID, or a new one when it is empty (a template with t.ID is replaced).
// Content names the keys a notice must fill: "{{thing1.DATA}}" asks for
// Data["thing1"]. A Type of 0 is wego.SubscribeOneTime.
func (s *Server) AddSubscribeTemplate(t wego.SubscribeTemplate) string {
	ss := &s.subscribe
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if t.Type == 0 {
		t.Type = wego.SubscribeOneTime
	}
	if t.ID == "" {
		t.ID = ss.newID()
	}
	for i := range ss.templates {
		if ss.templates[i].ID == t.ID {
			ss.templates[i] = t
			return t.ID
		}
	}
	ss.templates = append(ss.templates, t)
	return t.ID
}

// AddSubscribeLibraryTemplate puts t in WeChat's public library (a
// template with t.TID is replaced): getpubtemplatetitles lists it under
// its category, getpubtemplatekeywords its keywords, and addtemplate adds
// a copy with the keywords chosen to the account. An unknown tid is
// 200014, a kidList empty or naming a keyword t lacks 200020, a sceneDesc
// over 15 characters 200021.
func (s *Server) AddSubscribeLibraryTemplate(t SubscribeLibraryTemplate) {
	ss := &s.subscribe
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if t.Type == 0 {
		t.Type = wego.SubscribeOneTime
	}
	t.Keywords = slices.Clone(t.Keywords)
	for i := range ss.library {
		if ss.library[i].TID == t.TID {
			ss.library[i] = t
			return
		}
	}
	ss.library = append(ss.library, t)
}

// SubscribeTemplates returns the account's subscription templates, in the
// order they were added.
func (s *Server) SubscribeTemplates() []wego.SubscribeTemplate {
	ss := &s.subscribe
	ss.mu.Lock()
	defer ss.mu.Unlock()
	return slices.Clone(ss.templates)
}

// AcceptSubscription plays the user openid accepting, in a subscription
// popup, notices of the account's templates templateIDs: it records the
// subscriptions (one more notice for a one-time template, notices until
// refused for a long-term one) and pushes subscribe_msg_popup_event to
// target (a path on the app under test, a URL or an http.Handler, as for
// [Server.Push]), with a List item per template, each accept. It returns
// the app's answer, and an error, recording nothing, for a template the
// account does not have.
func (s *Server) AcceptSubscription(target any, openid string, templateIDs ...string) (*PushReply, error) {
	return s.subscriptionEvent(target, openid, wego.SubscribeAccept, templateIDs)
}

// RefuseSubscription plays the user openid refusing, in their notice
// settings, the account's templates templateIDs: it drops the user's
// subscriptions to them (a notice is then 43101) and pushes
// subscribe_msg_change_event to target, with a List item per template,
// each reject. It returns the app's answer.
func (s *Server) RefuseSubscription(target any, openid string, templateIDs ...string) (*PushReply, error) {
	return s.subscriptionEvent(target, openid, wego.SubscribeReject, templateIDs)
}

func (s *Server) subscriptionEvent(target any, openid string, status wego.SubscribeStatus, templateIDs []string) (*PushReply, error) {
	if openid == "" || len(templateIDs) == 0 {
		return nil, fmt.Errorf("wegotest: a subscription needs an openid and templates")
	}
	ss := &s.subscribe
	ss.mu.Lock()
	types := make([]int, len(templateIDs))
	for i, id := range templateIDs {
		j := slices.IndexFunc(ss.templates, func(t wego.SubscribeTemplate) bool { return t.ID == id })
		if j < 0 {
			ss.mu.Unlock()
			return nil, fmt.Errorf("wegotest: the account has no subscription template %q", id)
		}
		types[i] = ss.templates[j].Type
	}
	for i, id := range templateIDs {
		k := grantKey{openid, id}
		switch {
		case status == wego.SubscribeReject:
			delete(ss.grants, k)
		case types[i] == wego.SubscribeLongTerm:
			ss.grants[k] = -1
		case ss.grants[k] >= 0:
			ss.grants[k]++
		}
	}
	ss.mu.Unlock()

	event, container := wego.PushSubscribeMsgPopup, "SubscribeMsgPopupEvent.List."
	if status == wego.SubscribeReject {
		event, container = wego.PushSubscribeMsgChange, "SubscribeMsgChangeEvent.List."
	}
	var b strings.Builder
	b.WriteString("<xml><ToUserName><![CDATA[" + s.OriginalID + "]]></ToUserName><FromUserName><![CDATA[" + openid +
		"]]></FromUserName><CreateTime>" + strconv.FormatInt(time.Now().Unix(), 10) +
		"</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[" + event + "]]></Event><" +
		strings.TrimSuffix(container, ".List.") + ">")
	for _, id := range templateIDs {
		b.WriteString("<List><TemplateId><![CDATA[" + id + "]]></TemplateId><SubscribeStatusString><![CDATA[" + string(status) + "]]></SubscribeStatusString>")
		if status == wego.SubscribeAccept {
			b.WriteString("<PopupScene>" + subscribePopupSceneOfAnArticle + "</PopupScene>")
		}
		b.WriteString("</List>")
	}
	b.WriteString("</" + strings.TrimSuffix(container, ".List.") + "></xml>")
	return s.Push(target, XMLMessage(b.String()))
}

// SentSubscribeMessages returns the subscription notices the account sent
// to the user openid, oldest first.
func (s *Server) SentSubscribeMessages(openid string) []SentSubscribeMessage {
	ss := &s.subscribe
	ss.mu.Lock()
	defer ss.mu.Unlock()
	var out []SentSubscribeMessage
	for _, m := range ss.sent {
		if m.ToUser == openid {
			m.Data = maps.Clone(m.Data)
			if m.MiniProgram != nil {
				mp := *m.MiniProgram
				m.MiniProgram = &mp
			}
			out = append(out, m)
		}
	}
	return out
}

// ReportSubscribeSend pushes to target (as for [Server.Push]) the
// subscribe_msg_sent_event WeChat pushes once it has delivered the notice
// msgID: from the user, a List item with TemplateId, MsgID, ErrorCode 0
// and ErrorStatus success. It returns the app's answer, and an error for
// a msgid the fake did not give.
func (s *Server) ReportSubscribeSend(target any, msgID int64) (*PushReply, error) {
	ss := &s.subscribe
	ss.mu.Lock()
	i := slices.IndexFunc(ss.sent, func(m SentSubscribeMessage) bool { return m.MsgID == msgID })
	var m SentSubscribeMessage
	if i >= 0 {
		m = ss.sent[i]
	}
	ss.mu.Unlock()
	if i < 0 {
		return nil, fmt.Errorf("wegotest: ReportSubscribeSend: no subscription notice has msgid %d", msgID)
	}
	msg := EventMessage(m.ToUser, wego.PushSubscribeMsgSent, "").
		With("SubscribeMsgSentEvent.List.TemplateId", m.TemplateID).
		With("SubscribeMsgSentEvent.List.MsgID", strconv.FormatInt(msgID, 10)).
		With("SubscribeMsgSentEvent.List.ErrorCode", "0").
		With("SubscribeMsgSentEvent.List.ErrorStatus", "success")
	return s.Push(target, msg)
}

type subscribeSendRequest struct {
	ToUser      string                     `json:"touser"`
	TemplateID  string                     `json:"template_id"`
	Page        string                     `json:"page"`
	MiniProgram *wego.TemplateMiniProgram  `json:"miniprogram"`
	Data        map[string]json.RawMessage `json:"data"`
}

func (s *Server) serveSubscribeSend(req *subscribeSendRequest) (any, int) {
	if req.ToUser == "" {
		return nil, 40003
	}
	ss := &s.subscribe
	ss.mu.Lock()
	defer ss.mu.Unlock()
	i := slices.IndexFunc(ss.templates, func(t wego.SubscribeTemplate) bool { return t.ID == req.TemplateID })
	if i < 0 {
		return nil, 40037
	}
	k := grantKey{req.ToUser, req.TemplateID}
	left, ok := ss.grants[k]
	if !ok {
		return nil, 43101
	}
	data := make(map[string]string, len(req.Data))
	for key, raw := range req.Data {
		var v struct {
			Value string `json:"value"`
		}
		if json.Unmarshal(raw, &v) != nil {
			return nil, 47001
		}
		data[key] = v.Value
	}
	for _, key := range ss.templates[i].Keys() {
		switch v := data[key]; {
		case v == "":
			return argumentInvalid(key, "is empty"), 0
		case thingKey(key) && utf8.RuneCountInString(v) > maxThingChars:
			return argumentInvalid(key, "invalid"), 0
		}
	}
	if left > 0 { // a one-time subscription is used up; a long-term one (-1) stays
		if left == 1 {
			delete(ss.grants, k)
		} else {
			ss.grants[k] = left - 1
		}
	}
	ss.nextMsgID++
	ss.sent = append(ss.sent, SentSubscribeMessage{
		SubscribeMessage: wego.SubscribeMessage{ToUser: req.ToUser, TemplateID: req.TemplateID, Page: req.Page,
			MiniProgram: req.MiniProgram, Data: data},
		MsgID: ss.nextMsgID, Time: time.Now(),
	})
	return answerOK, 0
}

// tidOf reads a tid sent as a string ("99", as WeChat's page has it) or
// a number; 0 when it is neither.
func tidOf(raw json.RawMessage) int {
	var str string
	if json.Unmarshal(raw, &str) != nil {
		str = string(raw)
	}
	n, err := strconv.Atoi(strings.TrimSpace(str))
	if err != nil {
		return 0
	}
	return n
}

type subscribeAddRequest struct {
	TID       json.RawMessage `json:"tid"`
	KidList   []int           `json:"kidList"`
	SceneDesc string          `json:"sceneDesc"`
}

// libraryTemplate returns the library's template tid; ss.mu is held.
func (ss *subscribeState) libraryTemplate(tid int) (SubscribeLibraryTemplate, bool) {
	i := slices.IndexFunc(ss.library, func(t SubscribeLibraryTemplate) bool { return t.TID == tid })
	if i < 0 {
		return SubscribeLibraryTemplate{}, false
	}
	return ss.library[i], true
}

func (s *Server) serveSubscribeAddTemplate(req *subscribeAddRequest) (any, int) {
	ss := &s.subscribe
	ss.mu.Lock()
	defer ss.mu.Unlock()
	lib, ok := ss.libraryTemplate(tidOf(req.TID))
	if !ok {
		return nil, 200014
	}
	if len(req.KidList) == 0 {
		return nil, 200020
	}
	if utf8.RuneCountInString(req.SceneDesc) > maxSubscribeSceneDesc {
		return nil, 200021
	}
	var content, example []string
	for _, kid := range req.KidList {
		j := slices.IndexFunc(lib.Keywords, func(k wego.SubscribeKeyword) bool { return k.KID == kid })
		if j < 0 {
			return nil, 200020
		}
		k := lib.Keywords[j]
		content = append(content, k.Name+":{{"+k.Rule+strconv.Itoa(k.KID)+".DATA}}")
		example = append(example, k.Name+":"+k.Example)
	}
	t := wego.SubscribeTemplate{ID: ss.newID(), Title: lib.Title, Type: lib.Type,
		Content: strings.Join(content, "\n"), Example: strings.Join(example, "\n")}
	ss.templates = append(ss.templates, t)
	return map[string]any{"errcode": 0, "errmsg": "ok", "priTmplId": t.ID}, 0
}

type subscribeDelRequest struct {
	PriTmplID string `json:"priTmplId"`
}

func (s *Server) serveSubscribeDelTemplate(req *subscribeDelRequest) (any, int) {
	ss := &s.subscribe
	ss.mu.Lock()
	defer ss.mu.Unlock()
	i := slices.IndexFunc(ss.templates, func(t wego.SubscribeTemplate) bool { return t.ID == req.PriTmplID })
	if i < 0 {
		return nil, 40037
	}
	ss.templates = slices.Delete(ss.templates, i, i+1)
	for k := range ss.grants {
		if k.templateID == req.PriTmplID {
			delete(ss.grants, k)
		}
	}
	return answerOK, 0
}

func (s *Server) serveSubscribeGetCategory(url.Values) (any, int) {
	ss := &s.subscribe
	ss.mu.Lock()
	defer ss.mu.Unlock()
	cats := []wego.SubscribeCategory{}
	for _, t := range ss.library {
		if !slices.Contains(cats, t.Category) {
			cats = append(cats, t.Category)
		}
	}
	return map[string]any{"errcode": 0, "errmsg": "ok", "data": cats}, 0
}

func (s *Server) serveSubscribeGetKeywords(q url.Values) (any, int) {
	tid, _ := strconv.Atoi(q.Get("tid"))
	ss := &s.subscribe
	ss.mu.Lock()
	defer ss.mu.Unlock()
	lib, ok := ss.libraryTemplate(tid)
	if !ok {
		return nil, 200014
	}
	return map[string]any{"errcode": 0, "errmsg": "ok", "count": len(lib.Keywords), "data": lib.Keywords}, 0
}

func (s *Server) serveSubscribeGetTitles(q url.Values) (any, int) {
	if strings.TrimSpace(q.Get("ids")) == "" {
		return nil, 200018
	}
	var ids []int
	for _, f := range strings.Split(strings.Trim(q.Get("ids"), `"`), ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil {
			return nil, 200019
		}
		ids = append(ids, n)
	}
	start, err := strconv.Atoi(q.Get("start"))
	if err != nil || start < 0 {
		return nil, 200016
	}
	limit, err := strconv.Atoi(q.Get("limit"))
	if err != nil || limit < 1 || limit > maxSubscribeTitles {
		return nil, 200017
	}
	ss := &s.subscribe
	ss.mu.Lock()
	defer ss.mu.Unlock()
	type title struct {
		TID        int    `json:"tid"`
		Title      string `json:"title"`
		Type       int    `json:"type"`
		CategoryID string `json:"categoryId"` // a string, as in WeChat's example
	}
	all := []title{}
	for _, t := range ss.library {
		if slices.Contains(ids, t.Category.ID) {
			all = append(all, title{t.TID, t.Title, t.Type, strconv.Itoa(t.Category.ID)})
		}
	}
	page := all[min(start, len(all)):min(start+limit, len(all))]
	return map[string]any{"errcode": 0, "errmsg": "ok", "count": len(all), "data": page}, 0
}

func (s *Server) serveSubscribeGetTemplate(url.Values) (any, int) {
	ss := &s.subscribe
	ss.mu.Lock()
	defer ss.mu.Unlock()
	return map[string]any{"errcode": 0, "errmsg": "ok", "data": append([]wego.SubscribeTemplate{}, ss.templates...)}, 0
}
