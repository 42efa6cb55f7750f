package wego

import (
	"crypto/rand"
	"fmt"
	"strconv"
	"time"

	"github.com/wego-sdk/wego/internal/xmlscan"
)

// Reply is a message of the account to a user. As a passive reply to a
// push, build one with [Text], [Image], [Voice], [Video], [Music], [News]
// or [TransferCustomerService] and return it from the [PushFunc] given to
// [Client.PushHandler]. A nil Reply answers "success": WeChat shows the
// user nothing. (A handler of your own on [Client.ParsePush] writes the
// bytes of [Push.Reply] or [Push.ReplyText] instead.)
//
// The same values, but for TransferCustomerService, are customer-service
// messages for [Client.SendMessage], which also takes the types only
// customer-service messages have: [MPNews], [MPNewsArticle], [MsgMenu],
// [Card] and [MiniProgramPage]. Those are refused as passive replies
// ([ErrInvalidReply]).
type Reply interface {
	// appendBody appends the reply's MsgType and content elements.
	appendBody(dst []byte, p *Push) ([]byte, error)
	// custom returns the msgtype and the content of the message as
	// custom/send takes them; "" for a passive reply that is no
	// customer-service message.
	custom() (msgType string, content any)
}

type textReply string

// Text replies with a text message. Any text is safe: "]]>" and characters
// XML cannot carry do not break the reply.
func Text(content string) Reply { return textReply(content) }

func (r textReply) appendBody(dst []byte, _ *Push) ([]byte, error) {
	dst = xmlscan.AppendElement(dst, "MsgType", "text")
	return xmlscan.AppendElement(dst, "Content", string(r)), nil
}

type mediaReply struct{ msgType, tag, mediaID string }

// Image replies with an image uploaded as material (its media id).
func Image(mediaID string) Reply { return mediaReply{"image", "Image", mediaID} }

// Voice replies with a voice uploaded as material (its media id).
func Voice(mediaID string) Reply { return mediaReply{"voice", "Voice", mediaID} }

func (r mediaReply) appendBody(dst []byte, _ *Push) ([]byte, error) {
	if r.mediaID == "" {
		return dst, fmt.Errorf("%w: %s reply without media id", ErrInvalidReply, r.msgType)
	}
	dst = xmlscan.AppendElement(dst, "MsgType", r.msgType)
	dst = xmlscan.AppendStart(dst, r.tag)
	dst = xmlscan.AppendElement(dst, "MediaId", r.mediaID)
	return xmlscan.AppendEnd(dst, r.tag), nil
}

// VideoReply is a video reply; title and description are optional.
type VideoReply struct {
	MediaID     string
	Title       string
	Description string
	// ThumbMediaID is the video's cover, uploaded as material: optional,
	// and sent only in a customer-service message ([Client.SendMessage]);
	// a passive reply has no such field.
	ThumbMediaID string
}

// Video replies with a video uploaded as material.
func Video(mediaID, title, description string) Reply {
	return VideoReply{MediaID: mediaID, Title: title, Description: description}
}

func (r VideoReply) appendBody(dst []byte, _ *Push) ([]byte, error) {
	if r.MediaID == "" {
		return dst, fmt.Errorf("%w: video reply without media id", ErrInvalidReply)
	}
	dst = xmlscan.AppendElement(dst, "MsgType", "video")
	dst = xmlscan.AppendStart(dst, "Video")
	dst = xmlscan.AppendElement(dst, "MediaId", r.MediaID)
	dst = appendOptional(dst, "Title", r.Title)
	dst = appendOptional(dst, "Description", r.Description)
	return xmlscan.AppendEnd(dst, "Video"), nil
}

// MusicReply is a music reply (Python wego reply_music).
type MusicReply struct {
	Title        string
	Description  string
	MusicURL     string
	HQMusicURL   string // played on Wi-Fi
	ThumbMediaID string // cover image, uploaded as material; optional
}

// Music replies with a piece of music.
func Music(m MusicReply) Reply { return m }

func (r MusicReply) appendBody(dst []byte, _ *Push) ([]byte, error) {
	dst = xmlscan.AppendElement(dst, "MsgType", "music")
	dst = xmlscan.AppendStart(dst, "Music")
	dst = xmlscan.AppendElement(dst, "Title", r.Title)
	dst = xmlscan.AppendElement(dst, "Description", r.Description)
	dst = xmlscan.AppendElement(dst, "MusicUrl", r.MusicURL)
	dst = xmlscan.AppendElement(dst, "HQMusicUrl", r.HQMusicURL)
	dst = appendOptional(dst, "ThumbMediaId", r.ThumbMediaID)
	return xmlscan.AppendEnd(dst, "Music"), nil
}

// Article is one item of a news reply.
type Article struct {
	Title       string
	Description string
	PicURL      string // large image 360×200, small 200×200
	URL         string // opened when the article is tapped
}

type newsReply []Article

// News replies with articles: at most 8, and at most 1 in answer to a text,
// image, voice, video, link or location message (WeChat refuses more with
// errcode 45008 since 2018); the SDK checks both before replying.
func News(articles ...Article) Reply { return newsReply(articles) }

func (r newsReply) appendBody(dst []byte, p *Push) ([]byte, error) {
	limit := 8
	switch p.Type {
	case PushText, PushImage, PushVoice, PushVideo, PushLink, PushLocation:
		limit = 1
	}
	switch {
	case len(r) == 0:
		return dst, fmt.Errorf("%w: news reply without articles", ErrInvalidReply)
	case len(r) > limit:
		return dst, fmt.Errorf("%w: news reply with %d articles to a %s push; WeChat allows %d", ErrInvalidReply, len(r), p.Type, limit)
	}
	dst = xmlscan.AppendElement(dst, "MsgType", "news")
	dst = xmlscan.AppendIntElement(dst, "ArticleCount", int64(len(r)))
	dst = xmlscan.AppendStart(dst, "Articles")
	for _, a := range r {
		dst = xmlscan.AppendStart(dst, "item")
		dst = xmlscan.AppendElement(dst, "Title", a.Title)
		dst = xmlscan.AppendElement(dst, "Description", a.Description)
		dst = xmlscan.AppendElement(dst, "PicUrl", a.PicURL)
		dst = xmlscan.AppendElement(dst, "Url", a.URL)
		dst = xmlscan.AppendEnd(dst, "item")
	}
	return xmlscan.AppendEnd(dst, "Articles"), nil
}

type transferReply string

// TransferCustomerService hands the conversation to customer service
// (客服): to the agent kfAccount ("name@account"), or to any agent when it
// is "".
func TransferCustomerService(kfAccount string) Reply { return transferReply(kfAccount) }

func (r transferReply) appendBody(dst []byte, _ *Push) ([]byte, error) {
	dst = xmlscan.AppendElement(dst, "MsgType", "transfer_customer_service")
	if r != "" {
		dst = xmlscan.AppendStart(dst, "TransInfo")
		dst = xmlscan.AppendElement(dst, "KfAccount", string(r))
		dst = xmlscan.AppendEnd(dst, "TransInfo")
	}
	return dst, nil
}

func appendOptional(dst []byte, name, value string) []byte {
	if value == "" {
		return dst
	}
	return xmlscan.AppendElement(dst, name, value)
}

// appendReply appends the complete answer to p for r: the reply XML, or in
// safe mode the encrypted envelope with a fresh timestamp and nonce. scratch
// is a buffer for the plaintext of an encrypted reply. A nil r appends
// "success".
func (p *Push) appendReply(dst, scratch []byte, r Reply, now time.Time) (out, scratchOut []byte, err error) {
	if r == nil {
		return append(dst, "success"...), scratch, nil
	}
	plain := dst
	if p.encrypted {
		plain = scratch[:0]
	}
	start := len(plain)
	plain = append(plain, "<xml>"...)
	plain = xmlscan.AppendElement(plain, "ToUserName", p.FromUser)
	plain = xmlscan.AppendElement(plain, "FromUserName", p.ToUser)
	plain = xmlscan.AppendIntElement(plain, "CreateTime", now.Unix())
	if plain, err = r.appendBody(plain, p); err != nil {
		return dst, scratch, err
	}
	plain = append(plain, "</xml>"...)
	if !p.encrypted {
		return plain, scratch, nil
	}
	var ts [20]byte
	var nonce [16]byte
	if _, err := rand.Read(nonce[:10]); err != nil {
		return dst, plain, fmt.Errorf("wego: reply nonce: %w", err)
	}
	for i := range 10 {
		nonce[i] = '0' + nonce[i]%10
	}
	out, err = p.c.crypt.seal(dst, plain[start:], string(strconv.AppendInt(ts[:0], now.Unix(), 10)), string(nonce[:10]), p.keyIndex)
	return out, plain, err
}

// Reply returns the complete answer to p for r: reply XML, encrypted when
// the push was. A nil r returns "success".
//
// Reply and the Reply* methods are for a handler of your own built on
// [Client.ParsePush]: write the bytes they return to the response. With
// [Client.PushHandler], return [Text], [News] and the like from your
// [PushFunc] instead; the handler builds the answer.
func (p *Push) Reply(r Reply) ([]byte, error) {
	out, _, err := p.appendReply(nil, nil, r, time.Now())
	return out, err
}

// ReplyText returns the answer to p with a text message (Python wego reply_text).
func (p *Push) ReplyText(content string) ([]byte, error) { return p.Reply(Text(content)) }

// ReplyImage returns the answer to p with an image (Python wego reply_image).
func (p *Push) ReplyImage(mediaID string) ([]byte, error) { return p.Reply(Image(mediaID)) }

// ReplyVoice returns the answer to p with a voice message (Python wego reply_voice).
func (p *Push) ReplyVoice(mediaID string) ([]byte, error) { return p.Reply(Voice(mediaID)) }

// ReplyVideo returns the answer to p with a video (Python wego reply_video).
func (p *Push) ReplyVideo(v VideoReply) ([]byte, error) { return p.Reply(v) }

// ReplyMusic returns the answer to p with music (Python wego reply_music).
func (p *Push) ReplyMusic(m MusicReply) ([]byte, error) { return p.Reply(m) }

// ReplyNews returns the answer to p with articles (Python wego reply_news).
func (p *Push) ReplyNews(articles ...Article) ([]byte, error) { return p.Reply(News(articles...)) }
