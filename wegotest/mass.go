package wegotest

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/wego-sdk/wego"
)

// Paths of the mass message endpoints the fake serves.
const (
	PathMassSendAll  = "/cgi-bin/message/mass/sendall"
	PathMassSend     = "/cgi-bin/message/mass/send"
	PathMassPreview  = "/cgi-bin/message/mass/preview"
	PathMassDelete   = "/cgi-bin/message/mass/delete"
	PathMassGet      = "/cgi-bin/message/mass/get"
	PathMassSpeedGet = "/cgi-bin/message/mass/speed/get"
	PathMassSpeedSet = "/cgi-bin/message/mass/speed/set"
)

// MassClientMsgIDWindow is how long the fake refuses a mass send repeating
// the clientmsgid of one it took, with 45065, as WeChat does.
const MassClientMsgIDWindow = 24 * time.Hour

const (
	firstMassMsgID   = 1000000000 // the fake's mass msg_ids count up from here
	maxMassClientID  = 64         // clientmsgid: 64 bytes (45067 past them)
	defaultMassSpeed = 0
	// unknownMassMsgID is the fake's answer to delete or get of a msg_id
	// it did not answer: WeChat's page names no code for it.
	unknownMassMsgID = 40008
	// massSender is the FromUserName of the fake's MASSSENDJOBFINISH.
	massSender = "oWegotestMassSender000000000"
)

// massRealSpeeds is the speed of each level of speed/set, in ten
// thousands of users a minute.
var massRealSpeeds = [...]int{80, 60, 45, 30, 10}

// MassSend is a mass send the account made, as [Server.MassSends] tells it.
type MassSend struct {
	MsgID     int64
	MsgDataID int64 // for mpnews and mpvideo; 0 otherwise
	// ToAll, TagID and OpenIDs are the audience: every follower, the
	// followers with the tag TagID (when ToAll is false and OpenIDs nil),
	// or the list of openids.
	ToAll   bool
	TagID   int
	OpenIDs []string
	// MsgType is "mpnews", "text", "voice", "images", "mpvideo" or
	// "wxcard"; Content the object under it, as sent.
	MsgType     string
	Content     json.RawMessage
	ClientMsgID string
	// SendIgnoreReprint is send_ignore_reprint: 1 sends a reprint.
	SendIgnoreReprint int
	// Status is what mass/get answers: wego.MassSending until
	// [Server.FinishMassSend], then wego.MassSendSuccess;
	// wego.MassDeleted once deleted.
	Status wego.MassStatus
	// Recipients are the followers the audience selected when the send
	// was taken.
	Recipients []string
	// DeletedArticles are the articles deleted by article_idx, 1 for the
	// first.
	DeletedArticles []int
	Time            time.Time
}

type massState struct {
	mu       sync.Mutex
	sends    []*MassSend
	previews map[string][]SentMessage
	speed    int
	next     int64
}

func (s *Server) initMass() {
	m := &s.mass
	m.previews = make(map[string][]SentMessage)
	m.speed = defaultMassSpeed
	m.next = firstMassMsgID
	s.routeJSON(PathMassSendAll, postJSON(func(f map[string]json.RawMessage) (any, int) { return s.serveMassSend(f, false) }))
	s.routeJSON(PathMassSend, postJSON(func(f map[string]json.RawMessage) (any, int) { return s.serveMassSend(f, true) }))
	s.routeJSON(PathMassPreview, postJSON(s.serveMassPreview))
	routePost(s, PathMassDelete, s.serveMassDelete)
	routePost(s, PathMassGet, s.serveMassGet)
	routePost(s, PathMassSpeedGet, func(*struct{}) (any, int) {
		m.mu.Lock()
		defer m.mu.Unlock()
		return map[string]any{"speed": m.speed, "realspeed": massRealSpeeds[m.speed]}, 0
	})
	routePost(s, PathMassSpeedSet, func(req *struct {
		Speed *int `json:"speed"`
	}) (any, int) {
		if req.Speed == nil || *req.Speed < 0 || *req.Speed >= len(massRealSpeeds) {
			return nil, 40097
		}
		m.mu.Lock()
		defer m.mu.Unlock()
		m.speed = *req.Speed
		return answerOK, 0
	})
}

// massContent checks the content of a mass message of msgType: 40008 for
// a type mass sends do not have, 40007 for a missing media id, 44004 for
// an empty text, 47001 for another field missing.
func massContent(msgType string, raw json.RawMessage) int {
	var c struct {
		Content  *string  `json:"content"`
		MediaID  string   `json:"media_id"`
		MediaIDs []string `json:"media_ids"`
		CardID   string   `json:"card_id"`
	}
	switch msgType {
	case "mpnews", "text", "voice", "images", "mpvideo", "wxcard":
	default:
		return 40008
	}
	if json.Unmarshal(raw, &c) != nil {
		return 47001
	}
	switch msgType {
	case "text":
		if c.Content == nil || *c.Content == "" {
			return 44004
		}
	case "mpnews", "voice", "mpvideo":
		if c.MediaID == "" {
			return 40007
		}
	case "images":
		if len(c.MediaIDs) == 0 || slices.Contains(c.MediaIDs, "") {
			return 40007
		}
	case "wxcard":
		if c.CardID == "" {
			return 47001
		}
	}
	return 0
}

// audience returns the followers a filter or a list selects, and
// WeChat's errcode for a tag the account does not have.
func (s *Server) audience(toAll bool, tagID int, openIDs []string, byList bool) ([]string, int) {
	us := &s.users
	us.mu.Lock()
	defer us.mu.Unlock()
	var out []string
	if byList {
		for _, id := range openIDs {
			if i, ok := us.index[id]; ok && us.fans[i].subscribed {
				out = append(out, id)
			}
		}
		return out, 0
	}
	if !toAll && !slices.ContainsFunc(us.tags, func(t named) bool { return t.id == tagID }) {
		return nil, 45159
	}
	for _, f := range us.fans {
		if f.subscribed && (toAll || f.more != nil && slices.Contains(f.more.TagIDs, tagID)) {
			out = append(out, f.openID)
		}
	}
	return out, 0
}

func (s *Server) serveMassSend(f map[string]json.RawMessage, byList bool) (any, int) {
	var send MassSend
	_ = json.Unmarshal(f["msgtype"], &send.MsgType)
	_ = json.Unmarshal(f["clientmsgid"], &send.ClientMsgID)
	if raw, ok := f["send_ignore_reprint"]; ok && json.Unmarshal(raw, &send.SendIgnoreReprint) != nil {
		return nil, 47001
	}
	if len(send.ClientMsgID) > maxMassClientID {
		return nil, 45067
	}
	if byList {
		if json.Unmarshal(f["touser"], &send.OpenIDs) != nil {
			return nil, 47001
		}
		if n := len(send.OpenIDs); n < wego.MinMassOpenIDs || n > wego.MaxMassOpenIDs {
			return nil, 40130
		}
	} else {
		var filter struct {
			IsToAll bool `json:"is_to_all"`
			TagID   *int `json:"tag_id"`
		}
		if json.Unmarshal(f["filter"], &filter) != nil || !filter.IsToAll && filter.TagID == nil {
			return nil, 47001
		}
		send.ToAll = filter.IsToAll
		if filter.TagID != nil {
			send.TagID = *filter.TagID
		}
	}
	send.Content = slices.Clone(f[send.MsgType])
	if code := massContent(send.MsgType, send.Content); code != 0 {
		return nil, code
	}
	recipients, code := s.audience(send.ToAll, send.TagID, send.OpenIDs, byList)
	if code != 0 {
		return nil, code
	}
	now := time.Now()
	m := &s.mass
	m.mu.Lock()
	defer m.mu.Unlock()
	if send.ClientMsgID != "" {
		for _, old := range m.sends {
			if old.ClientMsgID == send.ClientMsgID && now.Sub(old.Time) < MassClientMsgIDWindow {
				a := errorAnswer(45065, errmsgs[45065])
				a["msg_id"] = old.MsgID // WeChat names the job that exists
				return a, 0
			}
		}
	}
	m.next++
	send.MsgID = m.next
	if send.MsgType == "mpnews" || send.MsgType == "mpvideo" {
		send.MsgDataID = 2*firstMassMsgID + m.next
	}
	send.Status, send.Recipients, send.Time = wego.MassSending, recipients, now
	m.sends = append(m.sends, &send)
	a := map[string]any{"errcode": 0, "errmsg": "send job submission success", "msg_id": send.MsgID}
	if send.MsgDataID != 0 {
		a["msg_data_id"] = send.MsgDataID
	}
	return a, 0
}

func (s *Server) serveMassPreview(f map[string]json.RawMessage) (any, int) {
	var to, wxname, msgType string
	_ = json.Unmarshal(f["touser"], &to)
	_ = json.Unmarshal(f["towxname"], &wxname)
	_ = json.Unmarshal(f["msgtype"], &msgType)
	if to == "" && wxname != "" {
		us := &s.users
		us.mu.Lock()
		for _, fan := range us.fans {
			if fan.more != nil && fan.more.WeChatID == wxname {
				to = fan.openID
			}
		}
		us.mu.Unlock()
		if to == "" {
			return nil, 40132 // invalid username
		}
	}
	if code := s.reachable(to, 43004); code != 0 {
		return nil, code
	}
	content := slices.Clone(f[msgType])
	if code := massContent(msgType, content); code != 0 {
		return nil, code
	}
	m := &s.mass
	m.mu.Lock()
	defer m.mu.Unlock()
	m.next++
	m.previews[to] = append(m.previews[to], SentMessage{MsgType: msgType, Content: content, Time: time.Now()})
	return map[string]any{"errcode": 0, "errmsg": "preview success", "msg_id": m.next}, 0
}

// find returns the send msgID; m.mu is held.
func (m *massState) find(msgID int64) *MassSend {
	for _, send := range m.sends {
		if send.MsgID == msgID {
			return send
		}
	}
	return nil
}

type massIDRequest struct {
	MsgID      int64 `json:"msg_id"`
	ArticleIdx int   `json:"article_idx"`
}

func (s *Server) serveMassDelete(req *massIDRequest) (any, int) {
	m := &s.mass
	m.mu.Lock()
	defer m.mu.Unlock()
	send := m.find(req.MsgID)
	if send == nil {
		return nil, unknownMassMsgID
	}
	if req.ArticleIdx == 0 {
		send.Status = wego.MassDeleted
	} else {
		send.DeletedArticles = append(send.DeletedArticles, req.ArticleIdx)
	}
	return answerOK, 0
}

func (s *Server) serveMassGet(req *massIDRequest) (any, int) {
	m := &s.mass
	m.mu.Lock()
	defer m.mu.Unlock()
	send := m.find(req.MsgID)
	if send == nil {
		return nil, unknownMassMsgID
	}
	return map[string]any{"msg_id": send.MsgID, "msg_status": send.Status}, 0
}

// MassSends returns the mass sends the account made, oldest first; a
// repeat WeChat refused (45065) is not among them.
func (s *Server) MassSends() []MassSend {
	m := &s.mass
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]MassSend, len(m.sends))
	for i, send := range m.sends {
		out[i] = *send
		out[i].OpenIDs = slices.Clone(send.OpenIDs)
		out[i].Recipients = slices.Clone(send.Recipients)
		out[i].Content = slices.Clone(send.Content)
		out[i].DeletedArticles = slices.Clone(send.DeletedArticles)
	}
	return out
}

// MassPreviews returns the mass messages previewed to the user openid
// (mass/preview, by openid or WeChat ID), oldest first.
func (s *Server) MassPreviews(openid string) []SentMessage {
	m := &s.mass
	m.mu.Lock()
	defer m.mu.Unlock()
	out := slices.Clone(m.previews[openid])
	for i := range out {
		out[i].Content = slices.Clone(out[i].Content)
	}
	return out
}

// FinishMassSend ends the mass send msgID as WeChat does once it has sent
// to every recipient: mass/get answers SEND_SUCCESS, and the
// MASSSENDJOBFINISH event is pushed to target (a path on the app under
// test, a URL or an http.Handler, as for [Server.Push]) with Status "send
// success", the audience's followers as TotalCount, FilterCount and
// SentCount, ErrorCount 0, and for mpnews a CopyrightCheckResult of no
// reprint (CheckState 1). It returns the app's answer, and an error for a
// msg_id the fake did not answer.
func (s *Server) FinishMassSend(target any, msgID int64) (*PushReply, error) {
	m := &s.mass
	m.mu.Lock()
	send := m.find(msgID)
	if send == nil {
		m.mu.Unlock()
		return nil, fmt.Errorf("wegotest: FinishMassSend: no mass send has msg_id %d", msgID)
	}
	if send.Status == wego.MassSending {
		send.Status = wego.MassSendSuccess
	}
	n := strconv.Itoa(len(send.Recipients))
	isNews := send.MsgType == "mpnews"
	m.mu.Unlock()
	msg := EventMessage(massSender, EventMassSendJobFinish, "").
		With("MsgID", strconv.FormatInt(msgID, 10)).
		With("Status", "send success").
		With("TotalCount", n).With("FilterCount", n).With("SentCount", n).With("ErrorCount", "0")
	if isNews {
		msg = msg.With("CopyrightCheckResult.Count", "0").With("CopyrightCheckResult.CheckState", "1")
	}
	return s.Push(target, msg)
}
