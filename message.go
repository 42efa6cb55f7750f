package wego

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
)

// Paths of the customer-service message endpoints.
const (
	pathMessageCustomSend   = "/cgi-bin/message/custom/send"
	pathMessageCustomTyping = "/cgi-bin/message/custom/typing"
)

// The commands of custom/typing.
const (
	typingOn  = "Typing"
	typingOff = "CancelTyping"
)

// maxCustomNewsArticles is how many articles WeChat takes in a
// customer-service news message: 1 (45008 past it), where a passive reply
// to an event may carry 8.
const maxCustomNewsArticles = 1

// The content of each msgtype of custom/send, as WeChat's page spells it.

type customText struct {
	Content string `json:"content"`
}

type customMedia struct {
	MediaID string `json:"media_id"`
}

type customVideo struct {
	MediaID      string `json:"media_id"`
	ThumbMediaID string `json:"thumb_media_id,omitempty"`
	Title        string `json:"title,omitempty"`
	Description  string `json:"description,omitempty"`
}

type customMusic struct {
	Title        string `json:"title,omitempty"`
	Description  string `json:"description,omitempty"`
	MusicURL     string `json:"musicurl"`
	HQMusicURL   string `json:"hqmusicurl"`
	ThumbMediaID string `json:"thumb_media_id,omitempty"`
}

type customNews struct {
	Articles []customArticle `json:"articles"`
}

type customArticle struct {
	Title       string `json:"title"`
	Description string `json:"description"`
	URL         string `json:"url"`
	PicURL      string `json:"picurl"`
}

type customArticleID struct {
	ArticleID string `json:"article_id"`
}

type customMsgMenu struct {
	HeadContent string        `json:"head_content,omitempty"`
	List        []MsgMenuItem `json:"list"`
	TailContent string        `json:"tail_content,omitempty"`
}

type customCard struct {
	CardID string `json:"card_id"`
}

type customMiniProgramPage struct {
	Title        string `json:"title,omitempty"`
	AppID        string `json:"appid"`
	PagePath     string `json:"pagepath"`
	ThumbMediaID string `json:"thumb_media_id"`
}

func (r textReply) custom() (string, any) { return "text", customText{string(r)} }

func (r mediaReply) custom() (string, any) { return r.msgType, customMedia{r.mediaID} }

func (r VideoReply) custom() (string, any) {
	return "video", customVideo{MediaID: r.MediaID, ThumbMediaID: r.ThumbMediaID, Title: r.Title, Description: r.Description}
}

func (r MusicReply) custom() (string, any) {
	return "music", customMusic{Title: r.Title, Description: r.Description, MusicURL: r.MusicURL,
		HQMusicURL: r.HQMusicURL, ThumbMediaID: r.ThumbMediaID}
}

func (r newsReply) custom() (string, any) {
	n := customNews{Articles: make([]customArticle, len(r))}
	for i, a := range r {
		n.Articles[i] = customArticle{Title: a.Title, Description: a.Description, URL: a.URL, PicURL: a.PicURL}
	}
	return "news", n
}

// A transfer to customer service exists only as a passive reply.
func (r transferReply) custom() (string, any) { return "", nil }

// customOnly is the passive-reply side of the types only customer-service
// messages have: WeChat has no such passive reply, so the reply is refused
// with a word on where the type belongs.
func customOnly(dst []byte, msgType string) ([]byte, error) {
	return dst, fmt.Errorf("%w: %s is a customer-service message only (send it with Client.SendMessage); WeChat has no such passive reply",
		ErrInvalidReply, msgType)
}

type mpNewsReply string

// MPNews sends an article message by the media id of its material (msgtype
// mpnews), in a customer-service message only; the user opens the article
// page. WeChat's page marks the type as retired once drafts replace
// news material (草稿灰度完成后，此类型不再支持): prefer [MPNewsArticle].
func MPNews(mediaID string) Reply { return mpNewsReply(mediaID) }

func (r mpNewsReply) appendBody(dst []byte, _ *Push) ([]byte, error) {
	return customOnly(dst, "mpnews")
}
func (r mpNewsReply) custom() (string, any) { return "mpnews", customMedia{string(r)} }

type mpNewsArticleReply string

// MPNewsArticle sends a published article by its article_id, as the
// publishing endpoints give it (msgtype mpnewsarticle), in a
// customer-service message only.
func MPNewsArticle(articleID string) Reply { return mpNewsArticleReply(articleID) }

func (r mpNewsArticleReply) appendBody(dst []byte, _ *Push) ([]byte, error) {
	return customOnly(dst, "mpnewsarticle")
}
func (r mpNewsArticleReply) custom() (string, any) {
	return "mpnewsarticle", customArticleID{string(r)}
}

// MsgMenuItem is one choice of a menu message ([MsgMenu]).
type MsgMenuItem struct {
	// ID comes back when the user taps the choice: WeChat pushes a text
	// message whose Content is the choice's and whose bizmsgmenuid is ID
	// (p.Get("bizmsgmenuid")).
	ID      string `json:"id"`
	Content string `json:"content"`
}

// MsgMenuReply is a menu message (msgtype msgmenu).
type MsgMenuReply struct {
	Head  string // shown above the choices; optional
	Items []MsgMenuItem
	Tail  string // shown below the choices; optional
}

// MsgMenu sends a menu message in a customer-service message only: head,
// then the items the user can tap, then tail. A tap comes back as a text
// push with the item's Content and its ID in bizmsgmenuid.
func MsgMenu(head, tail string, items ...MsgMenuItem) Reply {
	return MsgMenuReply{Head: head, Items: items, Tail: tail}
}

func (r MsgMenuReply) appendBody(dst []byte, _ *Push) ([]byte, error) {
	return customOnly(dst, "msgmenu")
}
func (r MsgMenuReply) custom() (string, any) {
	return "msgmenu", customMsgMenu{HeadContent: r.Head, List: r.Items, TailContent: r.Tail}
}

type cardReply string

// Card sends a WeChat card or coupon (卡券) by its card id (msgtype wxcard),
// in a customer-service message only. WeChat sends only cards without
// codes of their own this way.
func Card(cardID string) Reply { return cardReply(cardID) }

func (r cardReply) appendBody(dst []byte, _ *Push) ([]byte, error) { return customOnly(dst, "wxcard") }
func (r cardReply) custom() (string, any)                          { return "wxcard", customCard{string(r)} }

// MiniProgramPageReply is a mini program card (msgtype miniprogrampage).
type MiniProgramPageReply struct {
	Title        string // optional
	AppID        string // the mini program, which must be linked to the account
	PagePath     string // the page it opens, e.g. "pages/index/index?id=1"
	ThumbMediaID string // the card's image, uploaded as material
}

// MiniProgramPage sends a mini program card, in a customer-service message
// only.
func MiniProgramPage(p MiniProgramPageReply) Reply { return p }

func (r MiniProgramPageReply) appendBody(dst []byte, _ *Push) ([]byte, error) {
	return customOnly(dst, "miniprogrampage")
}
func (r MiniProgramPageReply) custom() (string, any) {
	return "miniprogrampage", customMiniProgramPage(r)
}

// checkCustom refuses, before anything is sent, a message custom/send
// would refuse or that is no customer-service message.
func checkCustom(m Reply) error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrInvalidReply, fmt.Sprintf(format, args...))
	}
	switch r := m.(type) {
	case mediaReply:
		if r.mediaID == "" {
			return bad("%s message without media id", r.msgType)
		}
	case VideoReply:
		if r.MediaID == "" {
			return bad("video message without media id")
		}
	case newsReply:
		switch {
		case len(r) == 0:
			return bad("news message without articles")
		case len(r) > maxCustomNewsArticles:
			return bad("news message with %d articles; WeChat takes %d in a customer-service message", len(r), maxCustomNewsArticles)
		}
	case mpNewsReply:
		if r == "" {
			return bad("mpnews message without media id")
		}
	case mpNewsArticleReply:
		if r == "" {
			return bad("mpnewsarticle message without article id")
		}
	case MsgMenuReply:
		if len(r.Items) == 0 {
			return bad("msgmenu message without items")
		}
		for i, it := range r.Items {
			if it.ID == "" || it.Content == "" {
				return bad("msgmenu item %d: an item needs an ID and a Content", i+1)
			}
		}
	case cardReply:
		if r == "" {
			return bad("wxcard message without card id")
		}
	case MiniProgramPageReply:
		switch {
		case r.AppID == "":
			return bad("miniprogrampage message without AppID")
		case r.PagePath == "":
			return bad("miniprogrampage message without PagePath")
		case r.ThumbMediaID == "":
			return bad("miniprogrampage message without ThumbMediaID")
		}
	case transferReply:
		return bad("transfer_customer_service is a passive reply only: return it from a PushFunc")
	case MassImagesReply:
		return bad("images is a mass message only: send it with Client.SendMass")
	case mpVideoReply:
		return bad("mpvideo is a mass message only: send it with Client.SendMass")
	}
	return nil
}

// SendOption changes how [Client.SendMessage] sends.
type SendOption func(*sendOptions)

type sendOptions struct {
	kfAccount string
}

// WithKFAccount sends the message as the customer-service agent account
// ("name@account", customservice.kf_account): WeChat shows the agent's
// nickname and avatar.
func WithKFAccount(account string) SendOption {
	return func(o *sendOptions) { o.kfAccount = account }
}

// customBody is the body of custom/send.
func customBody(openid string, m Reply, kfAccount string) (map[string]any, error) {
	msgType, content := m.custom()
	if msgType == "" {
		return nil, checkCustom(m)
	}
	body := map[string]any{"touser": openid, "msgtype": msgType, msgType: content}
	if kfAccount != "" {
		body["customservice"] = map[string]string{"kf_account": kfAccount}
	}
	return body, nil
}

// MessageCustomSend sends m to the user openid as a customer-service
// message (/cgi-bin/message/custom/send), as the agent kfAccount unless it
// is "", and returns WeChat's answer. The message is sent as given:
// [Client.SendMessage] checks it first. A [TransferCustomerService] reply,
// which has no customer-service form, is refused with [ErrInvalidReply]
// and nothing is sent.
//
// WeChat docs: https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Service_Center_messages.html
func (w *WeChatAPI) MessageCustomSend(ctx context.Context, openid string, m Reply, kfAccount string) (json.RawMessage, error) {
	if m == nil {
		return nil, missing("message")
	}
	body, err := customBody(openid, m, kfAccount)
	if err != nil {
		return nil, err
	}
	return rawAnswer(func(out any) error { return w.Post(ctx, pathMessageCustomSend, nil, body, out) })
}

// MessageCustomTyping sends command ("Typing" or "CancelTyping") to the user
// openid (/cgi-bin/message/custom/typing) and returns WeChat's answer.
//
// WeChat docs: https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Service_Center_messages.html
func (w *WeChatAPI) MessageCustomTyping(ctx context.Context, openid, command string) (json.RawMessage, error) {
	return rawAnswer(func(out any) error {
		return w.Post(ctx, pathMessageCustomTyping, nil, struct {
			ToUser  string `json:"touser"`
			Command string `json:"command"`
		}{openid, command}, out)
	})
}

// SendMessage sends m to the user openid as a customer-service message
// (客服消息): any [Reply] but [TransferCustomerService], the same values a
// push handler replies with ([Text], [Image], [Voice], [Video], [Music],
// [News]) and those only customer-service messages have ([MPNews],
// [MPNewsArticle], [MsgMenu], [Card], [MiniProgramPage]).
// [WithKFAccount] sends it as an agent.
//
// WeChat takes customer-service messages only within a window opened by
// the user: 48 hours after the user's last message to the account, and a
// minute after a menu click, a follow or a QR code scan. Outside it, or to
// a user who stopped following, WeChat answers errcode 45015, an
// [*APIError] that matches [ErrOutsideServiceWindow]:
//
//	err := c.SendMessage(ctx, openid, wego.Text("your order shipped"))
//	if errors.Is(err, wego.ErrOutsideServiceWindow) {
//		// send a template message instead
//	}
//
// WeChat's page today also caps what a window allows: 5 messages in the
// 48 hours after a message of the user's, 3 in the minute after a click,
// follow or scan; past it WeChat answers 45047 (out of response count
// limit).
//
// A message WeChat would refuse is refused first, wrapping
// [ErrInvalidReply]: a media message without its media id, a news message
// with other than 1 article (WeChat takes 1 in a customer-service message,
// 45008 past it), a menu message without items. SendMessage is a write and
// is never sent twice: a message whose answer was lost may have been
// delivered.
func (c *Client) SendMessage(ctx context.Context, openid string, m Reply, opts ...SendOption) error {
	if openid == "" {
		return missing("openid")
	}
	if m == nil {
		return missing("message")
	}
	var o sendOptions
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	if o.kfAccount != "" && !strings.Contains(o.kfAccount, "@") {
		return invalid("kf_account", "%q is not name@account", o.kfAccount)
	}
	if err := checkCustom(m); err != nil {
		return err
	}
	_, err := c.WeChat.MessageCustomSend(ctx, openid, m, o.kfAccount)
	return err
}

// Typing shows the user openid that the account is typing ("对方正在输入"),
// or stops showing it when on is false (/cgi-bin/message/custom/typing,
// command Typing or CancelTyping). WeChat shows it for 15 seconds, or
// until a message is sent to the user; it takes it only within the
// customer-service window ([ErrOutsideServiceWindow], as
// [Client.SendMessage]) and within 30 seconds of a message exchanged with
// the user (45080), and refuses Typing while typing is shown (45081).
func (c *Client) Typing(ctx context.Context, openid string, on bool) error {
	if openid == "" {
		return missing("openid")
	}
	command := typingOff
	if on {
		command = typingOn
	}
	_, err := c.WeChat.MessageCustomTyping(ctx, openid, command)
	return err
}
