package wego

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Paths of the subscription notice endpoints (订阅通知).
const (
	pathSubscribeBizSend        = "/cgi-bin/message/subscribe/bizsend"
	pathNewTmplAddTemplate      = "/wxaapi/newtmpl/addtemplate"
	pathNewTmplDelTemplate      = "/wxaapi/newtmpl/deltemplate"
	pathNewTmplGetCategory      = "/wxaapi/newtmpl/getcategory"
	pathNewTmplGetPubKeywords   = "/wxaapi/newtmpl/getpubtemplatekeywords"
	pathNewTmplGetPubTitles     = "/wxaapi/newtmpl/getpubtemplatetitles"
	pathNewTmplGetTemplate      = "/wxaapi/newtmpl/gettemplate"
	maxSubscribeTitlesPerPage   = 30 // getpubtemplatetitles: limit at most 30 (200017 past it)
	maxSubscribeSceneDescLength = 15 // addtemplate: sceneDesc at most 15 characters (200021 past it)
)

// SubscribeMessage is a subscription notice (订阅通知) to send with
// [Client.SendSubscribeMessage]: a notice in one of the account's
// subscription templates ([Client.GetSubscribeTemplates]) to a user who
// accepted it in a subscription popup (subscribe_msg_popup_event).
type SubscribeMessage struct {
	// ToUser is the openid of the user; required.
	ToUser string
	// TemplateID is the priTmplId of one of the account's subscription
	// templates; required.
	TemplateID string
	// Page is the web page opened when the user taps the notice; optional.
	Page string
	// MiniProgram opens a page of a mini program linked to the account
	// instead of Page; optional.
	MiniProgram *TemplateMiniProgram
	// Data fills the template's keys: "thing1" fills {{thing1.DATA}}. Sent
	// as {"thing1":{"value":"..."}}.
	Data map[string]string
}

type subscribeSendBody struct {
	ToUser      string                   `json:"touser"`
	TemplateID  string                   `json:"template_id"`
	Page        string                   `json:"page,omitempty"`
	MiniProgram *TemplateMiniProgram     `json:"miniprogram,omitempty"`
	Data        map[string]templateValue `json:"data"`
}

func (m SubscribeMessage) body() subscribeSendBody {
	return subscribeSendBody{ToUser: m.ToUser, TemplateID: m.TemplateID, Page: m.Page, MiniProgram: m.MiniProgram, Data: templateData(m.Data)}
}

// check refuses what WeChat would refuse, naming the field.
func (m SubscribeMessage) check() error {
	return checkNotice(m.ToUser, m.TemplateID, m.MiniProgram, m.Data)
}

// MessageSubscribeBizSend sends the subscription notice m
// (/cgi-bin/message/subscribe/bizsend), as given, and returns WeChat's
// answer. [Client.SendSubscribeMessage] checks it first.
//
// WeChat docs: https://developers.weixin.qq.com/doc/offiaccount/Subscription_Messages/api.html
func (w *WeChatAPI) MessageSubscribeBizSend(ctx context.Context, m SubscribeMessage) (json.RawMessage, error) {
	return rawAnswer(func(out any) error { return w.Post(ctx, pathSubscribeBizSend, nil, m.body(), out) })
}

// NewTmplAddTemplate adds the template tid of WeChat's public library to
// the account's subscription templates, with the keywords kidList in their
// order and the scene sceneDesc (/wxaapi/newtmpl/addtemplate), and returns
// WeChat's answer: {"errcode":0,"errmsg":"ok","priTmplId":"..."}.
//
// WeChat docs: https://developers.weixin.qq.com/doc/offiaccount/Subscription_Messages/api.html
func (w *WeChatAPI) NewTmplAddTemplate(ctx context.Context, tid int, kidList []int, sceneDesc string) (json.RawMessage, error) {
	return rawAnswer(func(out any) error {
		return w.Post(ctx, pathNewTmplAddTemplate, nil, struct {
			TID       string `json:"tid"`
			KidList   []int  `json:"kidList"`
			SceneDesc string `json:"sceneDesc,omitempty"`
		}{strconv.Itoa(tid), kidList, sceneDesc}, out)
	})
}

// NewTmplDelTemplate deletes the account's subscription template priTmplID
// (/wxaapi/newtmpl/deltemplate) and returns WeChat's answer.
//
// WeChat docs: https://developers.weixin.qq.com/doc/offiaccount/Subscription_Messages/api.html
func (w *WeChatAPI) NewTmplDelTemplate(ctx context.Context, priTmplID string) (json.RawMessage, error) {
	return rawAnswer(func(out any) error {
		return w.Post(ctx, pathNewTmplDelTemplate, nil, struct {
			PriTmplID string `json:"priTmplId"`
		}{priTmplID}, out)
	})
}

// NewTmplGetCategory returns the account's categories
// (/wxaapi/newtmpl/getcategory): {"data":[{"id":616,"name":"公交"}]}.
//
// WeChat docs: https://developers.weixin.qq.com/doc/offiaccount/Subscription_Messages/api.html
func (w *WeChatAPI) NewTmplGetCategory(ctx context.Context) (json.RawMessage, error) {
	return rawAnswer(func(out any) error { return w.Get(ctx, pathNewTmplGetCategory, nil, out) })
}

// NewTmplGetPubTemplateKeywords returns the keywords of the public template
// tid (/wxaapi/newtmpl/getpubtemplatekeywords): {"count":1,"data":[{"kid":1,
// "name":"物品名称","example":"名称","rule":"thing"}]}.
//
// WeChat docs: https://developers.weixin.qq.com/doc/offiaccount/Subscription_Messages/api.html
func (w *WeChatAPI) NewTmplGetPubTemplateKeywords(ctx context.Context, tid int) (json.RawMessage, error) {
	return rawAnswer(func(out any) error {
		return w.Get(ctx, pathNewTmplGetPubKeywords, url.Values{"tid": {strconv.Itoa(tid)}}, out)
	})
}

// NewTmplGetPubTemplateTitles returns limit public templates of the
// categories ids from start (/wxaapi/newtmpl/getpubtemplatetitles):
// {"count":55,"data":[{"tid":99,"title":"付款成功通知","type":2,"categoryId":"616"}]}.
//
// WeChat docs: https://developers.weixin.qq.com/doc/offiaccount/Subscription_Messages/api.html
func (w *WeChatAPI) NewTmplGetPubTemplateTitles(ctx context.Context, ids []int, start, limit int) (json.RawMessage, error) {
	return rawAnswer(func(out any) error {
		return w.Get(ctx, pathNewTmplGetPubTitles, titlesQuery(ids, start, limit), out)
	})
}

func titlesQuery(ids []int, start, limit int) url.Values {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = strconv.Itoa(id)
	}
	return url.Values{"ids": {strings.Join(s, ",")}, "start": {strconv.Itoa(start)}, "limit": {strconv.Itoa(limit)}}
}

// NewTmplGetTemplate returns the account's subscription templates
// (/wxaapi/newtmpl/gettemplate): {"data":[{"priTmplId":"...","title":"...",
// "content":"...","example":"...","type":2}]}.
//
// WeChat docs: https://developers.weixin.qq.com/doc/offiaccount/Subscription_Messages/api.html
func (w *WeChatAPI) NewTmplGetTemplate(ctx context.Context) (json.RawMessage, error) {
	return rawAnswer(func(out any) error { return w.Get(ctx, pathNewTmplGetTemplate, nil, out) })
}

// SendSubscribeMessage sends a subscription notice. ToUser, TemplateID
// and Data are required and checked first.
//
// WeChat takes it only while the user has a subscription to the template:
// a one-time subscription (一次性订阅) allows one notice per acceptance in
// the popup, a long-term one (长期订阅, type 3) any number. Without one
// WeChat answers 43101, an [*APIError] that matches [ErrNoSubscription];
// an unknown template is 40037, a value that does not fit its key 47003.
// WeChat pushes subscribe_msg_sent_event ([PushSubscribeMsgSent],
// [Push.SubscribeMsgEvents]) when it has tried to deliver the notice.
// A send is a write and is never sent twice.
func (c *Client) SendSubscribeMessage(ctx context.Context, m SubscribeMessage) error {
	if err := m.check(); err != nil {
		return err
	}
	_, err := c.WeChat.MessageSubscribeBizSend(ctx, m)
	return err
}

// SubscribeTemplate type values: what a subscription to the template
// allows.
const (
	SubscribeOneTime  = 2 // 一次性订阅: one notice per acceptance
	SubscribeLongTerm = 3 // 长期订阅: notices until the user refuses
)

// SubscribeTemplate is one of the account's subscription templates, as
// [Client.GetSubscribeTemplates] lists them.
type SubscribeTemplate struct {
	ID    string `json:"priTmplId"`
	Title string `json:"title"`
	// Content is the template with its keys: "{{thing1.DATA}}" is filled by
	// the SubscribeMessage's Data["thing1"]. [SubscribeTemplate.Keys]
	// lists them.
	Content string `json:"content"`
	Example string `json:"example"`
	// Type is SubscribeOneTime or SubscribeLongTerm.
	Type int `json:"type"`
}

// Keys returns the keys of the template, in the order of its content,
// each once: the keys of [SubscribeMessage].Data.
func (t SubscribeTemplate) Keys() []string { return Template{Content: t.Content}.Keys() }

// SubscribeCategory is one of the account's categories (类目), which
// decide the public templates it may choose from.
type SubscribeCategory struct {
	ID   int    `json:"id"`
	Name string `json:"name"`
}

// SubscribeKeyword is a keyword of a public template.
type SubscribeKeyword struct {
	KID     int    `json:"kid"`     // the keyword's id, for kidList
	Name    string `json:"name"`    // e.g. 物品名称
	Example string `json:"example"` // e.g. 名称
	Rule    string `json:"rule"`    // the value's type, e.g. thing: the key is rule+kid ("thing1")
}

// SubscribeTemplateTitle is a public template of a category.
type SubscribeTemplateTitle struct {
	TID        int    `json:"tid"`
	Title      string `json:"title"`
	Type       int    `json:"type"` // SubscribeOneTime or SubscribeLongTerm
	CategoryID int    `json:"-"`
}

// UnmarshalJSON reads categoryId as WeChat writes it, a number in its
// table and a string in its example.
func (t *SubscribeTemplateTitle) UnmarshalJSON(b []byte) error {
	type plain SubscribeTemplateTitle
	var v struct {
		plain
		CategoryID json.RawMessage `json:"categoryId"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*t = SubscribeTemplateTitle(v.plain)
	if raw := strings.Trim(string(v.CategoryID), `"`); raw != "" && raw != "null" {
		n, err := strconv.Atoi(raw)
		if err != nil {
			return fmt.Errorf("categoryId %s is not a number", v.CategoryID)
		}
		t.CategoryID = n
	}
	return nil
}

// AddSubscribeTemplate adds the public template tid to the account's
// subscription templates with the keywords kids, in their order, and
// returns its priTmplId, the TemplateID of a [SubscribeMessage].
// sceneDesc, at most 15 characters, says what the notices are for.
func (c *Client) AddSubscribeTemplate(ctx context.Context, tid int, kids []int, sceneDesc string) (string, error) {
	switch {
	case tid <= 0:
		return "", missing("tid")
	case len(kids) == 0:
		return "", missing("kids")
	case utf8.RuneCountInString(sceneDesc) > maxSubscribeSceneDescLength:
		return "", invalid("sceneDesc", "%d characters, at most %d", utf8.RuneCountInString(sceneDesc), maxSubscribeSceneDescLength)
	}
	raw, err := c.WeChat.NewTmplAddTemplate(ctx, tid, kids, sceneDesc)
	if err != nil {
		return "", err
	}
	var a struct {
		ID string `json:"priTmplId"`
	}
	if err := json.Unmarshal(raw, &a); err != nil {
		return "", fmt.Errorf("wego: %s: %w", pathNewTmplAddTemplate, err)
	}
	return a.ID, nil
}

// DeleteSubscribeTemplate deletes one of the account's subscription
// templates.
func (c *Client) DeleteSubscribeTemplate(ctx context.Context, priTmplID string) error {
	if priTmplID == "" {
		return missing("priTmplID")
	}
	_, err := c.WeChat.NewTmplDelTemplate(ctx, priTmplID)
	return err
}

// GetSubscribeCategories returns the account's categories.
func (c *Client) GetSubscribeCategories(ctx context.Context) ([]SubscribeCategory, error) {
	var a struct {
		Data []SubscribeCategory `json:"data"`
	}
	if err := c.WeChat.Get(ctx, pathNewTmplGetCategory, nil, &a); err != nil {
		return nil, err
	}
	return a.Data, nil
}

// GetSubscribeTemplateKeywords returns the keywords of the public
// template tid, from which [Client.AddSubscribeTemplate] picks.
func (c *Client) GetSubscribeTemplateKeywords(ctx context.Context, tid int) ([]SubscribeKeyword, error) {
	if tid <= 0 {
		return nil, missing("tid")
	}
	var a struct {
		Data []SubscribeKeyword `json:"data"`
	}
	if err := c.WeChat.Get(ctx, pathNewTmplGetPubKeywords, url.Values{"tid": {strconv.Itoa(tid)}}, &a); err != nil {
		return nil, err
	}
	return a.Data, nil
}

// GetSubscribeTemplateTitles returns limit (1 to 30) public templates of
// the categories ids, from start (0 is the first), and how many the
// categories have in all.
func (c *Client) GetSubscribeTemplateTitles(ctx context.Context, ids []int, start, limit int) ([]SubscribeTemplateTitle, int, error) {
	switch {
	case len(ids) == 0:
		return nil, 0, missing("ids")
	case start < 0:
		return nil, 0, invalid("start", "%d is negative", start)
	case limit < 1 || limit > maxSubscribeTitlesPerPage:
		return nil, 0, invalid("limit", "%d, WeChat takes 1 to %d", limit, maxSubscribeTitlesPerPage)
	}
	var a struct {
		Count int                      `json:"count"`
		Data  []SubscribeTemplateTitle `json:"data"`
	}
	if err := c.WeChat.Get(ctx, pathNewTmplGetPubTitles, titlesQuery(ids, start, limit), &a); err != nil {
		return nil, 0, err
	}
	return a.Data, a.Count, nil
}

// GetSubscribeTemplates returns the account's subscription templates.
func (c *Client) GetSubscribeTemplates(ctx context.Context) ([]SubscribeTemplate, error) {
	var a struct {
		Data []SubscribeTemplate `json:"data"`
	}
	if err := c.WeChat.Get(ctx, pathNewTmplGetTemplate, nil, &a); err != nil {
		return nil, err
	}
	return a.Data, nil
}

// SubscribeStatus is the user's choice in a subscription event
// (SubscribeStatusString).
type SubscribeStatus string

// The choices of SubscribeStatusString.
const (
	SubscribeAccept SubscribeStatus = "accept" // the user accepted notices of the template
	SubscribeReject SubscribeStatus = "reject" // the user refused them
)

// SubscribeMsgItem is one template of a subscription event: a List element
// of SubscribeMsgPopupEvent, SubscribeMsgChangeEvent or
// SubscribeMsgSentEvent.
type SubscribeMsgItem struct {
	TemplateID string
	// Status is the user's choice (popup and change events; a change
	// event is always a refusal).
	Status SubscribeStatus
	// PopupScene is where the popup was (popup events): "1" a web page,
	// "2" an article.
	PopupScene string
	// MsgID, ErrorCode and ErrorStatus tell how a notice fared (sent
	// events): ErrorCode 0 and ErrorStatus "success" when it was
	// delivered.
	MsgID       string
	ErrorCode   int
	ErrorStatus string
}

// subscribeEventContainer is the element holding the List items of each
// subscription event.
var subscribeEventContainer = map[string]string{
	PushSubscribeMsgPopup:  "SubscribeMsgPopupEvent.List.",
	PushSubscribeMsgChange: "SubscribeMsgChangeEvent.List.",
	PushSubscribeMsgSent:   "SubscribeMsgSentEvent.List.",
}

// SubscribeMsgEvents returns the templates of a subscription event
// ([PushSubscribeMsgPopup], [PushSubscribeMsgChange],
// [PushSubscribeMsgSent]), one item per List element, in order; nil for
// other pushes. An ErrorCode that is not a number is an error wrapping
// [ErrMalformedMessage].
func (p *Push) SubscribeMsgEvents() ([]SubscribeMsgItem, error) {
	prefix, ok := subscribeEventContainer[p.Type]
	if !ok {
		return nil, nil
	}
	var items []SubscribeMsgItem
	var seen map[string]bool // the fields of the current item
	for name, value := range p.doc.All() {
		field, ok := strings.CutPrefix(name, prefix)
		if !ok {
			continue
		}
		// A List element's leaves are flattened: an item starts at its
		// TemplateId, or where a field of the current item comes again.
		if len(items) == 0 || field == "TemplateId" && seen["TemplateId"] || seen[field] {
			items = append(items, SubscribeMsgItem{})
			seen = map[string]bool{}
		}
		seen[field] = true
		it := &items[len(items)-1]
		switch field {
		case "TemplateId":
			it.TemplateID = value
		case "SubscribeStatusString":
			it.Status = SubscribeStatus(value)
		case "PopupScene":
			it.PopupScene = value
		case "MsgID":
			it.MsgID = value
		case "ErrorCode":
			n, err := strconv.Atoi(strings.TrimSpace(value))
			if err != nil {
				return nil, fmt.Errorf("%w: %s item %d: ErrorCode is not a number", ErrMalformedMessage, p.Type, len(items))
			}
			it.ErrorCode = n
		case "ErrorStatus":
			it.ErrorStatus = value
		}
	}
	return items, nil
}
