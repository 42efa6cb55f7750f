package wego

import (
	"context"
	"encoding/json"
	"regexp"
	"strconv"
)

// Paths of the template message endpoints.
const (
	pathTemplateSend          = "/cgi-bin/message/template/send"
	pathTemplateSetIndustry   = "/cgi-bin/template/api_set_industry"
	pathTemplateGetIndustry   = "/cgi-bin/template/get_industry"
	pathTemplateAddTemplate   = "/cgi-bin/template/api_add_template"
	pathTemplateGetAllPrivate = "/cgi-bin/template/get_all_private_template"
	pathTemplateDelPrivate    = "/cgi-bin/template/del_private_template"
)

// The industry codes of api_set_industry: 1 to 41 in WeChat's table.
const firstIndustry, lastIndustry = 1, 41

// TemplateMessage is a template message (模板消息) to send with
// [Client.SendTemplateMessage]: a notice in one of the account's templates
// ([Client.GetTemplates]), which WeChat delivers whether or not the user
// wrote lately, to a follower.
//
// Since 2023-05-04 WeChat shows no colours (the color of each value, which
// this type does not send) and drops the first line and the remark
// (first.DATA, remark.DATA) of the old industry templates, strips emoji,
// and shows at most 20 characters of each value on one line: such content
// is removed by WeChat, not refused.
type TemplateMessage struct {
	// ToUser is the openid of the follower; required.
	ToUser string
	// TemplateID is the id of one of the account's templates; required.
	TemplateID string
	// URL is opened when the user taps the message; optional.
	URL string
	// MiniProgram opens a page of a mini program linked to the account
	// instead of URL when the user taps the message; optional.
	MiniProgram *TemplateMiniProgram
	// Data fills the template's keys: "thing1" fills {{thing1.DATA}}. Sent
	// as {"thing1":{"value":"..."}}.
	Data map[string]string
	// ClientMsgID makes the send safe to repeat: WeChat sends one message
	// for an openid and a ClientMsgID, and its page promises it for 10
	// minutes. With it set, SendTemplateMessage sends the request once
	// more when the answer is lost on the network or WeChat answers
	// "system busy"; without it, never.
	ClientMsgID string
}

// TemplateMiniProgram is the mini program page a template message opens.
type TemplateMiniProgram struct {
	AppID    string `json:"appid"`              // required: the mini program, linked to the account
	PagePath string `json:"pagepath,omitempty"` // the page, with its query; its home page when ""
}

// check refuses what WeChat would refuse, naming the field.
func (m TemplateMessage) check() error {
	return checkNotice(m.ToUser, m.TemplateID, m.MiniProgram, m.Data)
}

// checkNotice checks what template messages and subscription notices
// share: a recipient, a template, a mini program named when one is set,
// and data under non-empty keys.
func checkNotice(toUser, templateID string, mp *TemplateMiniProgram, data map[string]string) error {
	switch {
	case toUser == "":
		return missing("ToUser")
	case templateID == "":
		return missing("TemplateID")
	case mp != nil && mp.AppID == "":
		return missing("MiniProgram.AppID")
	case len(data) == 0:
		return missing("Data")
	}
	for k := range data {
		if k == "" {
			return invalid("Data", "a key is empty")
		}
	}
	return nil
}

type templateValue struct {
	Value string `json:"value"`
}

// templateData is data as WeChat takes it: each value in {"value": ...}.
func templateData(data map[string]string) map[string]templateValue {
	out := make(map[string]templateValue, len(data))
	for k, v := range data {
		out[k] = templateValue{v}
	}
	return out
}

type templateSendBody struct {
	ToUser      string                   `json:"touser"`
	TemplateID  string                   `json:"template_id"`
	URL         string                   `json:"url,omitempty"`
	MiniProgram *TemplateMiniProgram     `json:"miniprogram,omitempty"`
	ClientMsgID string                   `json:"client_msg_id,omitempty"`
	Data        map[string]templateValue `json:"data"`
}

func (m TemplateMessage) body() templateSendBody {
	return templateSendBody{ToUser: m.ToUser, TemplateID: m.TemplateID, URL: m.URL, MiniProgram: m.MiniProgram,
		ClientMsgID: m.ClientMsgID, Data: templateData(m.Data)}
}

// MessageTemplateSend sends the template message m
// (/cgi-bin/message/template/send), as given, and returns WeChat's answer:
// {"errcode":0,"errmsg":"ok","msgid":200228332}. A message with a
// ClientMsgID is sent once more when the answer is lost or is "system
// busy"; WeChat sends such a message once. [Client.SendTemplateMessage]
// checks the message first.
//
// WeChat docs: https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Template_Message_Interface.html
func (w *WeChatAPI) MessageTemplateSend(ctx context.Context, m TemplateMessage) (json.RawMessage, error) {
	return rawAnswer(func(out any) error { return w.messageTemplateSend(ctx, m, out) })
}

func (w *WeChatAPI) messageTemplateSend(ctx context.Context, m TemplateMessage, out any) error {
	if m.ClientMsgID != "" {
		return w.postIdempotent(ctx, pathTemplateSend, m.body(), out)
	}
	return w.Post(ctx, pathTemplateSend, nil, m.body(), out)
}

// TemplateAPISetIndustry sets the account's two industries by their codes,
// 1 to 41 in WeChat's table (/cgi-bin/template/api_set_industry), sent as
// given, and returns WeChat's answer.
//
// WeChat docs: https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Template_Message_Interface.html
func (w *WeChatAPI) TemplateAPISetIndustry(ctx context.Context, industry1, industry2 int) (json.RawMessage, error) {
	return rawAnswer(func(out any) error {
		return w.Post(ctx, pathTemplateSetIndustry, nil, struct {
			ID1 string `json:"industry_id1"`
			ID2 string `json:"industry_id2"`
		}{strconv.Itoa(industry1), strconv.Itoa(industry2)}, out)
	})
}

// TemplateGetIndustry returns the account's industries
// (/cgi-bin/template/get_industry):
// {"primary_industry":{"first_class":"运输与仓储","second_class":"快递"},
// "secondary_industry":{"first_class":"IT科技","second_class":"互联网|电子商务"}}.
//
// WeChat docs: https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Template_Message_Interface.html
func (w *WeChatAPI) TemplateGetIndustry(ctx context.Context) (json.RawMessage, error) {
	return rawAnswer(func(out any) error { return w.Get(ctx, pathTemplateGetIndustry, nil, out) })
}

// TemplateAPIAddTemplate adds the template shortID of WeChat's template
// library to the account's templates (/cgi-bin/template/api_add_template),
// with the keywords named, in their order, for a template of the category
// library, and returns WeChat's answer: {"errcode":0,"errmsg":"ok",
// "template_id":"Doclyl5uP7Aciu-qZ7mJNPtWkbkYnWBWVja26EGbNyk"}.
//
// WeChat docs: https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Template_Message_Interface.html
func (w *WeChatAPI) TemplateAPIAddTemplate(ctx context.Context, shortID string, keywords []string) (json.RawMessage, error) {
	return rawAnswer(func(out any) error { return w.templateAPIAddTemplate(ctx, shortID, keywords, out) })
}

func (w *WeChatAPI) templateAPIAddTemplate(ctx context.Context, shortID string, keywords []string, out any) error {
	return w.Post(ctx, pathTemplateAddTemplate, nil, struct {
		ShortID  string   `json:"template_id_short"`
		Keywords []string `json:"keyword_name_list,omitempty"`
	}{shortID, keywords}, out)
}

// TemplateGetAllPrivateTemplate returns the account's templates
// (/cgi-bin/template/get_all_private_template):
// {"template_list":[{"template_id":"...","title":"...","primary_industry":"IT科技",
// "deputy_industry":"互联网|电子商务","content":"{{thing1.DATA}}...","example":"..."}]}.
//
// WeChat docs: https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Template_Message_Interface.html
func (w *WeChatAPI) TemplateGetAllPrivateTemplate(ctx context.Context) (json.RawMessage, error) {
	return rawAnswer(func(out any) error { return w.Get(ctx, pathTemplateGetAllPrivate, nil, out) })
}

// TemplateDelPrivateTemplate deletes the account's template templateID
// (/cgi-bin/template/del_private_template) and returns WeChat's answer.
//
// WeChat docs: https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Template_Message_Interface.html
func (w *WeChatAPI) TemplateDelPrivateTemplate(ctx context.Context, templateID string) (json.RawMessage, error) {
	return rawAnswer(func(out any) error {
		return w.Post(ctx, pathTemplateDelPrivate, nil, struct {
			TemplateID string `json:"template_id"`
		}{templateID}, out)
	})
}

// SendTemplateMessage sends a template message and returns its msgid,
// which the TEMPLATESENDJOBFINISH push ([PushTemplateSendJobFinish],
// [Push.TemplateSendStatus]) names when WeChat tells whether it was
// delivered. ToUser, TemplateID and Data are required and checked first.
//
// The user must follow the account (43004 otherwise, which matches
// [ErrNotSubscribed]); an unknown template is 40037, a value that does not
// fit its key 47003 ("argument invalid! data.thing1.value invalid").
// WeChat stopped showing colours, the first line and the remark in 2023:
// see [TemplateMessage].
//
// A send is a write and is not repeated, unless m.ClientMsgID is set:
// WeChat then sends one message for the openid and that id, so a request
// whose answer is lost on the network, or answered "system busy", is sent
// once more.
func (c *Client) SendTemplateMessage(ctx context.Context, m TemplateMessage) (int64, error) {
	if err := m.check(); err != nil {
		return 0, err
	}
	var a struct {
		MsgID int64 `json:"msgid"`
	}
	if err := c.WeChat.messageTemplateSend(ctx, m, &a); err != nil {
		return 0, err
	}
	return a.MsgID, nil
}

// Industry is one of the account's two industries (所属行业), which decide
// the template library it may choose from: a class and a subclass of
// WeChat's table, such as 运输与仓储 and 快递.
type Industry struct {
	FirstClass  string `json:"first_class"`
	SecondClass string `json:"second_class"`
}

// Industries are the account's primary and secondary industries.
type Industries struct {
	Primary   Industry `json:"primary_industry"`
	Secondary Industry `json:"secondary_industry"`
}

// SetIndustry sets the account's industries by their codes in WeChat's
// table, 1 (IT科技 互联网|电子商务) to 41 (其它), checked first. WeChat lets
// an account change its industries once a month, and deletes the
// templates of the industries it leaves.
func (c *Client) SetIndustry(ctx context.Context, primary, secondary int) error {
	for _, f := range []struct {
		name string
		code int
	}{{"primary", primary}, {"secondary", secondary}} {
		if f.code < firstIndustry || f.code > lastIndustry {
			return invalid(f.name, "industry %d: WeChat's codes are %d to %d", f.code, firstIndustry, lastIndustry)
		}
	}
	_, err := c.WeChat.TemplateAPISetIndustry(ctx, primary, secondary)
	return err
}

// GetIndustry returns the account's industries.
func (c *Client) GetIndustry(ctx context.Context) (*Industries, error) {
	var a Industries
	if err := c.WeChat.Get(ctx, pathTemplateGetIndustry, nil, &a); err != nil {
		return nil, err
	}
	return &a, nil
}

// Template is one of the account's templates, as WeChat lists them.
type Template struct {
	ID              string `json:"template_id"`
	Title           string `json:"title"`
	PrimaryIndustry string `json:"primary_industry"` // the class, e.g. IT科技
	DeputyIndustry  string `json:"deputy_industry"`  // the subclass, e.g. 互联网|电子商务
	// Content is the template with its keys: "{{thing1.DATA}}" is filled by
	// the TemplateMessage's Data["thing1"]. [Template.Keys] lists them.
	Content string `json:"content"`
	Example string `json:"example"`
}

// templateKey finds the keys of a template's content: {{name.DATA}}.
var templateKey = regexp.MustCompile(`\{\{\s*([A-Za-z0-9_]+)\.DATA\s*\}\}`)

// Keys returns the keys of the template, in the order of its content,
// each once: the keys of [TemplateMessage].Data.
func (t Template) Keys() []string {
	var keys []string
	seen := map[string]bool{}
	for _, m := range templateKey.FindAllStringSubmatch(t.Content, -1) {
		if !seen[m[1]] {
			seen[m[1]] = true
			keys = append(keys, m[1])
		}
	}
	return keys
}

// AddTemplate adds the template shortID of WeChat's template library
// (such as "TM00015", or the number of a category template) to the
// account's templates and returns its template id. keywords names, in
// their order, the keywords a category template shows; an industry
// template takes none. An account holds at most 25 templates.
func (c *Client) AddTemplate(ctx context.Context, shortID string, keywords ...string) (string, error) {
	if shortID == "" {
		return "", missing("shortID")
	}
	for i, k := range keywords {
		if k == "" {
			return "", missing("keywords[" + strconv.Itoa(i) + "]")
		}
	}
	var a struct {
		TemplateID string `json:"template_id"`
	}
	if err := c.WeChat.templateAPIAddTemplate(ctx, shortID, keywords, &a); err != nil {
		return "", err
	}
	return a.TemplateID, nil
}

// GetTemplates returns the account's templates.
func (c *Client) GetTemplates(ctx context.Context) ([]Template, error) {
	var a struct {
		List []Template `json:"template_list"`
	}
	if err := c.WeChat.Get(ctx, pathTemplateGetAllPrivate, nil, &a); err != nil {
		return nil, err
	}
	return a.List, nil
}

// DeleteTemplate deletes one of the account's templates.
func (c *Client) DeleteTemplate(ctx context.Context, templateID string) error {
	if templateID == "" {
		return missing("templateID")
	}
	_, err := c.WeChat.TemplateDelPrivateTemplate(ctx, templateID)
	return err
}

// TemplateSendStatus is what WeChat tells of a template message in the
// TEMPLATESENDJOBFINISH push ([Push.TemplateSendStatus]).
type TemplateSendStatus string

// The statuses of TEMPLATESENDJOBFINISH, spelt as WeChat spells them (the
// space after "failed:" differs).
const (
	TemplateSendSuccess      TemplateSendStatus = "success"               // delivered
	TemplateSendUserBlock    TemplateSendStatus = "failed:user block"     // the user refuses the account's messages
	TemplateSendSystemFailed TemplateSendStatus = "failed: system failed" // not delivered for another reason
)

// Delivered reports whether the message reached the user.
func (s TemplateSendStatus) Delivered() bool { return s == TemplateSendSuccess }

// TemplateSendStatus is the Status of a TEMPLATESENDJOBFINISH push
// ([PushTemplateSendJobFinish]): whether the template message [Push.MsgID]
// names was delivered. It is "" for other pushes. Do not send a template
// message in answer to it: its own report would come back, and so on.
func (p *Push) TemplateSendStatus() TemplateSendStatus {
	if p.Type != PushTemplateSendJobFinish {
		return ""
	}
	return TemplateSendStatus(p.doc.Get("Status"))
}
