package wego

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// Paths of the mass message endpoints (群发).
const (
	pathMassSendAll  = "/cgi-bin/message/mass/sendall"
	pathMassSend     = "/cgi-bin/message/mass/send"
	pathMassPreview  = "/cgi-bin/message/mass/preview"
	pathMassDelete   = "/cgi-bin/message/mass/delete"
	pathMassGet      = "/cgi-bin/message/mass/get"
	pathMassSpeedGet = "/cgi-bin/message/mass/speed/get"
	pathMassSpeedSet = "/cgi-bin/message/mass/speed/set"
)

// WeChat's limits on a mass send to a list of openids: 2 to 10000.
const (
	MinMassOpenIDs = 2
	MaxMassOpenIDs = 10000
)

// maxMassClientMsgID is the length of a clientmsgid in bytes (45067 past it).
const maxMassClientMsgID = 64

// The mass send speeds of speed/set: 0 is the fastest (800,000 a minute),
// 4 the slowest (100,000).
const (
	MassSpeedFastest = 0
	MassSpeedSlowest = 4
)

// MassImagesReply is an image message of several images (msgtype images),
// in a mass send only.
type MassImagesReply struct {
	MediaIDs []string // permanent image materials, at least one
	// Recommend is the text shown with the images; optional.
	Recommend string
	// NeedOpenComment opens comments; OnlyFansCanComment limits them to
	// followers.
	NeedOpenComment    bool
	OnlyFansCanComment bool
}

// MassImages sends images, in a mass send only.
func MassImages(m MassImagesReply) Reply { return m }

func (r MassImagesReply) appendBody(dst []byte, _ *Push) ([]byte, error) {
	return massOnly(dst, "images")
}
func (r MassImagesReply) custom() (string, any) { return "", nil }

type mpVideoReply string

// MPVideo sends a video by the media id of a video uploaded for mass sends
// (msgtype mpvideo), in a mass send only.
func MPVideo(mediaID string) Reply { return mpVideoReply(mediaID) }

func (r mpVideoReply) appendBody(dst []byte, _ *Push) ([]byte, error) {
	return massOnly(dst, "mpvideo")
}
func (r mpVideoReply) custom() (string, any) { return "", nil }

// massOnly refuses a mass-only type as a passive reply.
func massOnly(dst []byte, msgType string) ([]byte, error) {
	return dst, fmt.Errorf("%w: %s is a mass message only (send it with Client.SendMass); WeChat has no such passive reply",
		ErrInvalidReply, msgType)
}

type massImages struct {
	MediaIDs           []string `json:"media_ids"`
	Recommend          string   `json:"recommend,omitempty"`
	NeedOpenComment    jsonInt  `json:"need_open_comment"`
	OnlyFansCanComment jsonInt  `json:"only_fans_can_comment"`
}

// massContent returns the msgtype and content of m as the mass endpoints
// take it, or an error wrapping [ErrInvalidReply] for a type they do not
// take or a message without its id.
func massContent(m Reply) (string, any, error) {
	bad := func(format string, args ...any) (string, any, error) {
		return "", nil, fmt.Errorf("%w: %s", ErrInvalidReply, fmt.Sprintf(format, args...))
	}
	switch r := m.(type) {
	case nil:
		return "", nil, missing("message")
	case textReply:
		if r == "" {
			return bad("text message without content")
		}
		return "text", customText{string(r)}, nil
	case mediaReply:
		if r.msgType != "voice" {
			return bad("%s is no mass message: mass sends take mpnews, text, voice, images, mpvideo and wxcard", r.msgType)
		}
		if r.mediaID == "" {
			return bad("voice message without media id")
		}
		return "voice", customMedia{r.mediaID}, nil
	case mpNewsReply:
		if r == "" {
			return bad("mpnews message without media id")
		}
		return "mpnews", customMedia{string(r)}, nil
	case mpVideoReply:
		if r == "" {
			return bad("mpvideo message without media id")
		}
		return "mpvideo", customMedia{string(r)}, nil
	case cardReply:
		if r == "" {
			return bad("wxcard message without card id")
		}
		return "wxcard", customCard{string(r)}, nil
	case MassImagesReply:
		if len(r.MediaIDs) == 0 {
			return bad("images message without media ids")
		}
		for i, id := range r.MediaIDs {
			if id == "" {
				return bad("images message: media id %d is empty", i+1)
			}
		}
		return "images", massImages{MediaIDs: r.MediaIDs, Recommend: r.Recommend,
			NeedOpenComment: boolInt(r.NeedOpenComment), OnlyFansCanComment: boolInt(r.OnlyFansCanComment)}, nil
	}
	msgType, _ := m.custom()
	if msgType == "" {
		msgType = fmt.Sprintf("%T", m)
	}
	return bad("%s is no mass message: mass sends take mpnews, text, voice, images, mpvideo and wxcard", msgType)
}

// MassAudience is whom a mass send goes to: [MassToAll], [MassToTag] or
// [MassToUsers].
type MassAudience struct {
	all     bool
	tagID   int
	openIDs []string
	byList  bool
}

// MassToAll sends to every follower (filter.is_to_all true, sendall).
func MassToAll() MassAudience { return MassAudience{all: true} }

// MassToTag sends to the followers with the tag tagID (filter.tag_id,
// sendall).
func MassToTag(tagID int) MassAudience { return MassAudience{tagID: tagID} }

// MassToUsers sends to a list of 2 to 10000 openids (mass/send).
func MassToUsers(openIDs ...string) MassAudience { return MassAudience{openIDs: openIDs, byList: true} }

// MassOption changes how [Client.SendMass] sends.
type MassOption func(*massOptions)

type massOptions struct {
	clientMsgID     string
	ignoreReprint   bool
	ignoreReprintOn bool
}

// WithMassClientMsgID names the send (clientmsgid, at most 64 bytes):
// WeChat sends one job for a clientmsgid in 24 hours, and answers a
// repeat with errcode 45065, which matches [ErrMassSendRepeated]. With it,
// a send whose answer is lost or answered "system busy" is sent once more.
func WithMassClientMsgID(id string) MassOption {
	return func(o *massOptions) { o.clientMsgID = id }
}

// WithSendIgnoreReprint decides what happens to an mpnews send WeChat
// judges a reprint (send_ignore_reprint): true sends it all the same
// (when the original allows reprints), false (WeChat's default) stops it.
func WithSendIgnoreReprint(ignore bool) MassOption {
	return func(o *massOptions) { o.ignoreReprint, o.ignoreReprintOn = ignore, true }
}

// massBody is the body of sendall or send.
func massBody(to MassAudience, msgType string, content any, o massOptions) map[string]any {
	body := map[string]any{"msgtype": msgType, msgType: content}
	if to.byList {
		body["touser"] = to.openIDs
	} else {
		filter := map[string]any{"is_to_all": to.all}
		if !to.all {
			filter["tag_id"] = to.tagID
		}
		body["filter"] = filter
	}
	if o.ignoreReprintOn {
		body["send_ignore_reprint"] = boolInt(o.ignoreReprint)
	}
	if o.clientMsgID != "" {
		body["clientmsgid"] = o.clientMsgID
	}
	return body
}

func (w *WeChatAPI) massPost(ctx context.Context, path string, body map[string]any, out any) error {
	if _, ok := body["clientmsgid"]; ok {
		return w.postIdempotent(ctx, path, body, out)
	}
	return w.Post(ctx, path, nil, body, out)
}

// MessageMassSendAll sends body, a mass message to every follower or to a
// tag, as given (/cgi-bin/message/mass/sendall), and returns WeChat's
// answer: {"errcode":0,"errmsg":"send job submission success",
// "msg_id":34182,"msg_data_id":206227730}. A body with a clientmsgid is
// sent once more when the answer is lost or is "system busy".
// [Client.SendMass] builds and checks the body.
//
// WeChat docs: https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Batch_Sends_and_Originality_Checks.html
func (w *WeChatAPI) MessageMassSendAll(ctx context.Context, body map[string]any) (json.RawMessage, error) {
	return rawAnswer(func(out any) error { return w.massPost(ctx, pathMassSendAll, body, out) })
}

// MessageMassSend sends body, a mass message to a list of openids
// (touser), as given (/cgi-bin/message/mass/send), and returns WeChat's
// answer, as [WeChatAPI.MessageMassSendAll].
//
// WeChat docs: https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Batch_Sends_and_Originality_Checks.html
func (w *WeChatAPI) MessageMassSend(ctx context.Context, body map[string]any) (json.RawMessage, error) {
	return rawAnswer(func(out any) error { return w.massPost(ctx, pathMassSend, body, out) })
}

// MessageMassPreview sends body, a mass message to one user (touser, an
// openid, or towxname, a WeChat ID), as given
// (/cgi-bin/message/mass/preview), and returns WeChat's answer:
// {"errcode":0,"errmsg":"preview success","msg_id":34182}.
//
// WeChat docs: https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Batch_Sends_and_Originality_Checks.html
func (w *WeChatAPI) MessageMassPreview(ctx context.Context, body map[string]any) (json.RawMessage, error) {
	return rawAnswer(func(out any) error { return w.Post(ctx, pathMassPreview, nil, body, out) })
}

// MessageMassDelete deletes the mass message msgID
// (/cgi-bin/message/mass/delete): its article articleIdx (1 for the
// first), or every article when articleIdx is 0; and returns WeChat's
// answer.
//
// WeChat docs: https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Batch_Sends_and_Originality_Checks.html
func (w *WeChatAPI) MessageMassDelete(ctx context.Context, msgID int64, articleIdx int) (json.RawMessage, error) {
	return rawAnswer(func(out any) error { return w.massDelete(ctx, msgID, articleIdx, out) })
}

func (w *WeChatAPI) massDelete(ctx context.Context, msgID int64, articleIdx int, out any) error {
	return w.Post(ctx, pathMassDelete, nil, struct {
		MsgID      int64 `json:"msg_id"`
		ArticleIdx int   `json:"article_idx,omitempty"`
	}{msgID, articleIdx}, out)
}

// MessageMassGet returns the status of the mass message msgID
// (/cgi-bin/message/mass/get): {"msg_id":201053012,"msg_status":"SEND_SUCCESS"}.
//
// WeChat docs: https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Batch_Sends_and_Originality_Checks.html
func (w *WeChatAPI) MessageMassGet(ctx context.Context, msgID int64) (json.RawMessage, error) {
	return rawAnswer(func(out any) error { return w.massGet(ctx, msgID, out) })
}

func (w *WeChatAPI) massGet(ctx context.Context, msgID int64, out any) error {
	return w.postRead(ctx, pathMassGet, struct {
		MsgID int64 `json:"msg_id"`
	}{msgID}, out)
}

// MessageMassSpeedGet returns the account's mass send speed
// (/cgi-bin/message/mass/speed/get): {"speed":3,"realspeed":15}, realspeed
// in ten thousands a minute.
//
// WeChat docs: https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Batch_Sends_and_Originality_Checks.html
func (w *WeChatAPI) MessageMassSpeedGet(ctx context.Context) (json.RawMessage, error) {
	return rawAnswer(func(out any) error { return w.postRead(ctx, pathMassSpeedGet, struct{}{}, out) })
}

// MessageMassSpeedSet sets the account's mass send speed, 0 (fastest) to
// 4 (/cgi-bin/message/mass/speed/set), sent as given, and returns WeChat's
// answer.
//
// WeChat docs: https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Batch_Sends_and_Originality_Checks.html
func (w *WeChatAPI) MessageMassSpeedSet(ctx context.Context, speed int) (json.RawMessage, error) {
	return rawAnswer(func(out any) error {
		return w.Post(ctx, pathMassSpeedSet, nil, struct {
			Speed int `json:"speed"`
		}{speed}, out)
	})
}

// MassSendResult is WeChat's answer to a mass send.
type MassSendResult struct {
	// MsgID names the job: [Client.GetMassStatus], [Client.DeleteMass] and
	// the MASSSENDJOBFINISH push ([Push.MassSendResult]) take it.
	MsgID int64 `json:"msg_id"`
	// MsgDataID names the article of an mpnews or mpvideo send in the
	// analytics of articles; 0 for other types.
	MsgDataID int64 `json:"msg_data_id"`
}

// SendMass sends m to the audience to as a mass message (群发): to every
// follower ([MassToAll]) or to a tag ([MassToTag]) with
// /cgi-bin/message/mass/sendall, to 2 to 10000 openids ([MassToUsers])
// with /cgi-bin/message/mass/send. m is one of [MPNews] (the media id of
// a draft, or of news material), [Text], [Voice], [MassImages], [MPVideo]
// or [Card]; other types, an empty id and a list of openids of another
// size are refused first and nothing is sent.
//
// WeChat takes the job and sends it later; it pushes MASSSENDJOBFINISH
// ([PushMassSendJobFinish], [Push.MassSendResult]) when it is done.
// A subscription account may mass send once a day, a service account
// four times a month to each user (45028 when no quota is left).
//
// A send is a write and is not repeated, unless [WithMassClientMsgID]
// names it: WeChat then runs one job for the clientmsgid in 24 hours, so a
// request whose answer is lost, or answered "system busy", is sent once
// more. A repeat, deliberate or such a resend after WeChat took the first
// request, is answered errcode 45065, an [*APIError] that matches
// [ErrMassSendRepeated]: the job exists, and its status is
// [Client.GetMassStatus]'s.
func (c *Client) SendMass(ctx context.Context, to MassAudience, m Reply, opts ...MassOption) (*MassSendResult, error) {
	var o massOptions
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	if len(o.clientMsgID) > maxMassClientMsgID {
		return nil, invalid("clientmsgid", "%d bytes, at most %d", len(o.clientMsgID), maxMassClientMsgID)
	}
	path := pathMassSendAll
	if to.byList {
		path = pathMassSend
		if n := len(to.openIDs); n < MinMassOpenIDs || n > MaxMassOpenIDs {
			return nil, invalid("touser", "%d openids; WeChat takes %d to %d", n, MinMassOpenIDs, MaxMassOpenIDs)
		}
		for i, id := range to.openIDs {
			if id == "" {
				return nil, missing("touser[" + strconv.Itoa(i) + "]")
			}
		}
	} else if !to.all && to.tagID < 0 {
		return nil, invalid("tag_id", "%d is no tag id", to.tagID)
	}
	msgType, content, err := massContent(m)
	if err != nil {
		return nil, err
	}
	var r MassSendResult
	if err := c.WeChat.massPost(ctx, path, massBody(to, msgType, content, o), &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// PreviewMass sends m to one user, as a mass send would show it, to check
// it before sending (/cgi-bin/message/mass/preview), and returns the
// msg_id WeChat answers. user is the user's openid, or the user's WeChat
// ID (微信号) when byWeChatID is true. m is checked as [Client.SendMass]
// checks it. WeChat allows 100 previews a day.
func (c *Client) PreviewMass(ctx context.Context, user string, byWeChatID bool, m Reply) (int64, error) {
	if user == "" {
		return 0, missing("touser")
	}
	msgType, content, err := massContent(m)
	if err != nil {
		return 0, err
	}
	body := map[string]any{"msgtype": msgType, msgType: content}
	if byWeChatID {
		body["towxname"] = user
	} else {
		body["touser"] = user
	}
	var a struct {
		MsgID int64 `json:"msg_id"`
	}
	if err := c.WeChat.Post(ctx, pathMassPreview, nil, body, &a); err != nil {
		return 0, err
	}
	return a.MsgID, nil
}

// DeleteMass deletes the mass message msgID from the users' chats and
// the account's history: the article articleIdx (1 for the first) of an
// mpnews send, or the whole message when articleIdx is 0. WeChat deletes
// only within a day of the send, and only mpnews and mpvideo messages.
func (c *Client) DeleteMass(ctx context.Context, msgID int64, articleIdx int) error {
	if msgID <= 0 {
		return missing("msg_id")
	}
	if articleIdx < 0 {
		return invalid("article_idx", "%d; 0 deletes every article, 1 the first", articleIdx)
	}
	return c.WeChat.massDelete(ctx, msgID, articleIdx, nil)
}

// MassStatus is the status of a mass send, as mass/get tells it.
type MassStatus string

// The statuses of mass/get.
const (
	MassSendSuccess MassStatus = "SEND_SUCCESS"
	MassSending     MassStatus = "SENDING"
	MassSendFail    MassStatus = "SEND_FAIL"
	MassDeleted     MassStatus = "DELETE"
)

// GetMassStatus returns the status of the mass send msgID.
func (c *Client) GetMassStatus(ctx context.Context, msgID int64) (MassStatus, error) {
	if msgID <= 0 {
		return "", missing("msg_id")
	}
	var a struct {
		Status MassStatus `json:"msg_status"`
	}
	if err := c.WeChat.massGet(ctx, msgID, &a); err != nil {
		return "", err
	}
	return a.Status, nil
}

// MassSpeed is the account's mass send speed.
type MassSpeed struct {
	// Speed is the level, 0 (fastest) to 4.
	Speed int `json:"speed"`
	// RealSpeed is the level's speed in ten thousands of users a minute:
	// 80, 60, 45, 30 or 10.
	RealSpeed int `json:"realspeed"`
}

// GetMassSpeed returns the account's mass send speed.
func (c *Client) GetMassSpeed(ctx context.Context) (*MassSpeed, error) {
	var a MassSpeed
	if err := c.WeChat.postRead(ctx, pathMassSpeedGet, struct{}{}, &a); err != nil {
		return nil, err
	}
	return &a, nil
}

// SetMassSpeed sets the account's mass send speed: 0 (800,000 users a
// minute) to 4 (100,000), checked first.
func (c *Client) SetMassSpeed(ctx context.Context, speed int) error {
	if speed < MassSpeedFastest || speed > MassSpeedSlowest {
		return invalid("speed", "%d; WeChat's levels are %d to %d", speed, MassSpeedFastest, MassSpeedSlowest)
	}
	_, err := c.WeChat.MessageMassSpeedSet(ctx, speed)
	return err
}

// MassSendReport is what the MASSSENDJOBFINISH push tells of a mass send
// ([Push.MassSendResult]).
type MassSendReport struct {
	MsgID int64
	// Status is "send success", "send fail" or "err(num)", a review's
	// refusal such as "err(10001)" (advertising) or "err(30003)" (an
	// original-content check).
	Status string
	// TotalCount is how many followers the audience had; FilterCount how
	// many were left to send to after WeChat's filters (users who refuse
	// the account's messages, who got their monthly four);
	// SentCount + ErrorCount = FilterCount.
	TotalCount, FilterCount, SentCount, ErrorCount int
	// CopyrightCheckResult is the original-content check of an mpnews
	// send; zero for other types.
	CopyrightCheckResult CopyrightCheckResult
}

// CopyrightCheckResult is the original-content check of a mass send.
type CopyrightCheckResult struct {
	Count      int
	ResultList []CopyrightCheckItem
	// CheckState is 1 (not a reprint: sent), 2 (a reprint: sent) or 3 (a
	// reprint: not sent).
	CheckState int
}

// CopyrightCheckItem is the check of one article.
type CopyrightCheckItem struct {
	ArticleIdx            int // 1 for the first article
	UserDeclareState      int
	AuditState            int
	OriginalArticleURL    string
	OriginalArticleType   int
	CanReprint            int
	NeedReplaceContent    int
	NeedShowReprintSource int
}

const (
	copyrightPrefix = "CopyrightCheckResult."
	copyrightItem   = copyrightPrefix + "ResultList.item."
)

// MassSendResult reads a MASSSENDJOBFINISH push ([PushMassSendJobFinish]):
// how WeChat's mass send [Push.MsgID] fared. Other pushes, and numbers
// that are not numbers, are an error.
func (p *Push) MassSendResult() (*MassSendReport, error) {
	if p.Type != PushMassSendJobFinish {
		return nil, fmt.Errorf("wego: push %q carries no mass send result (%s does)", p.Type, PushMassSendJobFinish)
	}
	bad := func(name, v string) error {
		return fmt.Errorf("%w: %s event: %s %q is not a number", ErrMalformedMessage, PushMassSendJobFinish, name, v)
	}
	num := func(name string, dst *int) error {
		v, ok := p.doc.Lookup(name)
		if !ok {
			return nil
		}
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil {
			return bad(name, v)
		}
		*dst = n
		return nil
	}
	r := &MassSendReport{Status: strings.TrimSpace(p.doc.Get("Status"))}
	id := strings.TrimSpace(p.MsgID())
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil {
		return nil, bad("MsgID", id)
	}
	r.MsgID = n
	for _, f := range []struct {
		name string
		dst  *int
	}{{"TotalCount", &r.TotalCount}, {"FilterCount", &r.FilterCount}, {"SentCount", &r.SentCount}, {"ErrorCount", &r.ErrorCount},
		{copyrightPrefix + "Count", &r.CopyrightCheckResult.Count}, {copyrightPrefix + "CheckState", &r.CopyrightCheckResult.CheckState}} {
		if err := num(f.name, f.dst); err != nil {
			return nil, err
		}
	}
	// The items in document order: an ArticleIdx starts the next one.
	var items []CopyrightCheckItem
	for name, value := range p.doc.All() {
		field, ok := strings.CutPrefix(name, copyrightItem)
		if !ok {
			continue
		}
		if field == "ArticleIdx" || len(items) == 0 {
			items = append(items, CopyrightCheckItem{})
		}
		it := &items[len(items)-1]
		v := strings.TrimSpace(value)
		var dst *int
		switch field {
		case "ArticleIdx":
			dst = &it.ArticleIdx
		case "UserDeclareState":
			dst = &it.UserDeclareState
		case "AuditState":
			dst = &it.AuditState
		case "OriginalArticleUrl":
			it.OriginalArticleURL = v
		case "OriginalArticleType":
			dst = &it.OriginalArticleType
		case "CanReprint":
			dst = &it.CanReprint
		case "NeedReplaceContent":
			dst = &it.NeedReplaceContent
		case "NeedShowReprintSource":
			dst = &it.NeedShowReprintSource
		}
		if dst != nil {
			n, err := strconv.Atoi(v)
			if err != nil {
				return nil, bad(field, value)
			}
			*dst = n
		}
	}
	r.CopyrightCheckResult.ResultList = items
	return r, nil
}
