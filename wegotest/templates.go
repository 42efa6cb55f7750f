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

// Paths of the template message endpoints the fake serves.
const (
	PathTemplateSend          = "/cgi-bin/message/template/send"
	PathTemplateSetIndustry   = "/cgi-bin/template/api_set_industry"
	PathTemplateGetIndustry   = "/cgi-bin/template/get_industry"
	PathTemplateAddTemplate   = "/cgi-bin/template/api_add_template"
	PathTemplateGetAllPrivate = "/cgi-bin/template/get_all_private_template"
	PathTemplateDelPrivate    = "/cgi-bin/template/del_private_template"
)

// ClientMsgIDWindow is how long the fake drops a template message repeating
// the openid and client_msg_id of one it sent, as WeChat's page promises
// ("10分钟有效"): the repeat is answered the first one's msgid, and nothing
// more is sent.
const ClientMsgIDWindow = 10 * time.Minute

const (
	maxThingChars      = 20         // a thing value: 20 characters (47003 past them)
	firstTemplateMsgID = 2000000000 // the fake's msgids count up from here
	// The industries of a new account: 1 (IT科技 互联网|电子商务) and 2
	// (IT科技 IT软件与服务).
	defaultPrimaryIndustry, defaultSecondaryIndustry = 1, 2
)

// industries is WeChat's table of industries for api_set_industry: code
// n is industries[n-1], as get_industry and the template list spell them.
var industries = [...]wego.Industry{
	{FirstClass: "IT科技", SecondClass: "互联网|电子商务"}, {FirstClass: "IT科技", SecondClass: "IT软件与服务"},
	{FirstClass: "IT科技", SecondClass: "IT硬件与设备"}, {FirstClass: "IT科技", SecondClass: "电子技术"},
	{FirstClass: "IT科技", SecondClass: "通信与运营商"}, {FirstClass: "IT科技", SecondClass: "网络游戏"},
	{FirstClass: "金融业", SecondClass: "银行"}, {FirstClass: "金融业", SecondClass: "基金|理财|信托"},
	{FirstClass: "金融业", SecondClass: "保险"}, {FirstClass: "餐饮", SecondClass: "餐饮"},
	{FirstClass: "酒店旅游", SecondClass: "酒店"}, {FirstClass: "酒店旅游", SecondClass: "旅游"},
	{FirstClass: "运输与仓储", SecondClass: "快递"}, {FirstClass: "运输与仓储", SecondClass: "物流"},
	{FirstClass: "运输与仓储", SecondClass: "仓储"}, {FirstClass: "教育", SecondClass: "培训"},
	{FirstClass: "教育", SecondClass: "院校"}, {FirstClass: "政府与公共事业", SecondClass: "学术科研"},
	{FirstClass: "政府与公共事业", SecondClass: "交警"}, {FirstClass: "政府与公共事业", SecondClass: "博物馆"},
	{FirstClass: "政府与公共事业", SecondClass: "公共事业|非盈利机构"}, {FirstClass: "医药护理", SecondClass: "医药医疗"},
	{FirstClass: "医药护理", SecondClass: "护理美容"}, {FirstClass: "医药护理", SecondClass: "保健与卫生"},
	{FirstClass: "交通工具", SecondClass: "汽车相关"}, {FirstClass: "交通工具", SecondClass: "摩托车相关"},
	{FirstClass: "交通工具", SecondClass: "火车相关"}, {FirstClass: "交通工具", SecondClass: "飞机相关"},
	{FirstClass: "房地产", SecondClass: "建筑"}, {FirstClass: "房地产", SecondClass: "物业"},
	{FirstClass: "消费品", SecondClass: "消费品"}, {FirstClass: "商业服务", SecondClass: "法律"},
	{FirstClass: "商业服务", SecondClass: "会展"}, {FirstClass: "商业服务", SecondClass: "中介服务"},
	{FirstClass: "商业服务", SecondClass: "认证"}, {FirstClass: "商业服务", SecondClass: "审计"},
	{FirstClass: "文体娱乐", SecondClass: "传媒"}, {FirstClass: "文体娱乐", SecondClass: "体育"},
	{FirstClass: "文体娱乐", SecondClass: "娱乐休闲"}, {FirstClass: "印刷", SecondClass: "印刷"},
	{FirstClass: "其它", SecondClass: "其它"},
}

// SentTemplate is a template message the account sent, as
// [Server.SentTemplates] tells it.
type SentTemplate struct {
	// TemplateMessage is the message as the request had it.
	wego.TemplateMessage
	// MsgID is the msgid the fake answered.
	MsgID int64
	// Time is when the fake took it.
	Time time.Time
	// Status is what the TEMPLATESENDJOBFINISH push of the message says
	// ([Server.ReportTemplateSend]): success, unless
	// [Server.SetTemplateSendStatus] said otherwise for the user.
	Status wego.TemplateSendStatus
}

// sentKey names a template message for client_msg_id's de-duplication.
type sentKey struct{ openid, clientMsgID string }

// templateState is the account's templates, industries and the template
// messages sent. Guarded by its own mutex.
type templateState struct {
	mu         sync.Mutex
	industry   [2]int                   // primary, secondary: codes of industries
	templates  []wego.Template          // the account's, in the order added
	library    map[string]wego.Template // WeChat's template library, by short id (AddLibraryTemplate)
	sent       []SentTemplate
	byClient   map[sentKey]int // client_msg_id → index in sent
	statusOf   map[string]wego.TemplateSendStatus
	nextMsgID  int64
	templateNo int
}

func (s *Server) initTemplates() {
	ts := &s.templates
	ts.industry = [2]int{defaultPrimaryIndustry, defaultSecondaryIndustry}
	ts.library = make(map[string]wego.Template)
	ts.byClient = make(map[sentKey]int)
	ts.statusOf = make(map[string]wego.TemplateSendStatus)
	ts.nextMsgID = firstTemplateMsgID
	routePost(s, PathTemplateSend, s.serveTemplateSend)
	routePost(s, PathTemplateSetIndustry, s.serveSetIndustry)
	s.routeGet(PathTemplateGetIndustry, s.serveGetIndustry)
	routePost(s, PathTemplateAddTemplate, s.serveAddTemplate)
	s.routeGet(PathTemplateGetAllPrivate, s.serveGetAllPrivate)
	routePost(s, PathTemplateDelPrivate, s.serveDelPrivate)
}

// newTemplateID makes a template id of the shape of WeChat's: 43
// characters of URL-safe base64; ts.mu is held.
func (ts *templateState) newTemplateID() string {
	ts.templateNo++
	id := fmt.Sprintf("wegotest%03d", ts.templateNo) + randomHex(16)
	return id[:43]
}

// AddTemplate adds t to the account's templates, as a template chosen in
// the console would be, and returns its id: t.ID, or a new one when it is
// empty (a template with t.ID is replaced). Content names the keys a
// template message must fill: "{{thing1.DATA}}" asks for Data["thing1"].
// PrimaryIndustry and DeputyIndustry, when empty, are the account's
// primary industry, so that changing industries ([wego.Client.SetIndustry])
// deletes the template as WeChat does.
func (s *Server) AddTemplate(t wego.Template) string {
	ts := &s.templates
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if t.PrimaryIndustry == "" && t.DeputyIndustry == "" {
		ind := industries[ts.industry[0]-1]
		t.PrimaryIndustry, t.DeputyIndustry = ind.FirstClass, ind.SecondClass
	}
	if t.ID == "" {
		t.ID = ts.newTemplateID()
	}
	for i := range ts.templates {
		if ts.templates[i].ID == t.ID {
			ts.templates[i] = t
			return t.ID
		}
	}
	ts.templates = append(ts.templates, t)
	return t.ID
}

// AddLibraryTemplate puts t in WeChat's template library under shortID
// (such as "TM00015"), for api_add_template ([wego.Client.AddTemplate])
// to add to the account. t.ID is ignored. With a keyword_name_list the
// account's copy keeps, in the list's order, the lines of t.Content whose
// label (before ":" or "：") the list names, as a category template does;
// a name no line has is 40246. An unknown short id is 40037.
func (s *Server) AddLibraryTemplate(shortID string, t wego.Template) {
	ts := &s.templates
	ts.mu.Lock()
	defer ts.mu.Unlock()
	t.ID = ""
	ts.library[shortID] = t
}

// Templates returns the account's templates, in the order they were added.
func (s *Server) Templates() []wego.Template {
	ts := &s.templates
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return slices.Clone(ts.templates)
}

// SentTemplates returns the template messages the account sent to the user
// openid, oldest first; a repeat WeChat dropped (the same ClientMsgID
// within 10 minutes) is not among them.
func (s *Server) SentTemplates(openid string) []SentTemplate {
	ts := &s.templates
	ts.mu.Lock()
	defer ts.mu.Unlock()
	var out []SentTemplate
	for _, m := range ts.sent {
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

// SetTemplateSendStatus sets the status of the template messages sent to
// the user openid from now on, as their TEMPLATESENDJOBFINISH push tells
// it ([Server.ReportTemplateSend]): wego.TemplateSendUserBlock plays a
// user who refuses the account's messages, TemplateSendSystemFailed a
// delivery that failed. WeChat accepts such a send all the same. ""
// restores success.
func (s *Server) SetTemplateSendStatus(openid string, status wego.TemplateSendStatus) {
	ts := &s.templates
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if status == "" || status == wego.TemplateSendSuccess {
		delete(ts.statusOf, openid)
		return
	}
	ts.statusOf[openid] = status
}

// ReportTemplateSend pushes to target (a path on the app under test, a URL
// or an http.Handler, as for [Server.Push]) the TEMPLATESENDJOBFINISH event
// WeChat pushes once it has tried to deliver the template message msgID:
// from the user, with MsgID and Status. It returns the app's answer, and an
// error for a msgid the fake did not answer.
func (s *Server) ReportTemplateSend(target any, msgID int64) (*PushReply, error) {
	ts := &s.templates
	ts.mu.Lock()
	var found *SentTemplate
	for i := range ts.sent {
		if ts.sent[i].MsgID == msgID {
			m := ts.sent[i]
			found = &m
		}
	}
	ts.mu.Unlock()
	if found == nil {
		return nil, fmt.Errorf("wegotest: ReportTemplateSend: no template message has msgid %d", msgID)
	}
	msg := EventMessage(found.ToUser, EventTemplateSendJobFinish, "").
		With("MsgID", strconv.FormatInt(msgID, 10)).
		With("Status", string(found.Status))
	return s.Push(target, msg)
}

type templateSendRequest struct {
	ToUser      string                     `json:"touser"`
	TemplateID  string                     `json:"template_id"`
	URL         string                     `json:"url"`
	MiniProgram *wego.TemplateMiniProgram  `json:"miniprogram"`
	ClientMsgID string                     `json:"client_msg_id"`
	Data        map[string]json.RawMessage `json:"data"`
}

// thingKey reports whether key is of the thing type (thing1, thing02):
// at most 20 characters.
func thingKey(key string) bool {
	rest, ok := strings.CutPrefix(key, "thing")
	if !ok || rest == "" {
		return false
	}
	_, err := strconv.Atoi(rest)
	return err == nil
}

// argumentInvalid is WeChat's 47003 answer naming the key.
func argumentInvalid(key, why string) map[string]any {
	return errorAnswer(47003, "argument invalid! data."+key+".value "+why)
}

func (s *Server) serveTemplateSend(req *templateSendRequest) (any, int) {
	if code := s.reachable(req.ToUser, 43004); code != 0 {
		return nil, code
	}
	ts := &s.templates
	ts.mu.Lock()
	defer ts.mu.Unlock()
	var tmpl *wego.Template
	for i := range ts.templates {
		if ts.templates[i].ID == req.TemplateID {
			tmpl = &ts.templates[i]
		}
	}
	if tmpl == nil {
		return nil, 40037
	}
	data := make(map[string]string, len(req.Data))
	for k, raw := range req.Data {
		var v struct {
			Value string `json:"value"`
		}
		if json.Unmarshal(raw, &v) != nil {
			return nil, 47001
		}
		data[k] = v.Value
	}
	for _, key := range tmpl.Keys() {
		switch v := data[key]; {
		case key == "first" || key == "remark":
			// dropped by WeChat since 2023-05-04: not required
		case v == "":
			return argumentInvalid(key, "is empty"), 0
		case thingKey(key) && utf8.RuneCountInString(v) > maxThingChars:
			return argumentInvalid(key, "invalid"), 0
		}
	}
	now := time.Now()
	if req.ClientMsgID != "" {
		if i, ok := ts.byClient[sentKey{req.ToUser, req.ClientMsgID}]; ok && now.Sub(ts.sent[i].Time) < ClientMsgIDWindow {
			return map[string]any{"errcode": 0, "errmsg": "ok", "msgid": ts.sent[i].MsgID}, 0
		}
	}
	ts.nextMsgID++
	status := ts.statusOf[req.ToUser]
	if status == "" {
		status = wego.TemplateSendSuccess
	}
	ts.sent = append(ts.sent, SentTemplate{
		TemplateMessage: wego.TemplateMessage{ToUser: req.ToUser, TemplateID: req.TemplateID, URL: req.URL,
			MiniProgram: req.MiniProgram, Data: data, ClientMsgID: req.ClientMsgID},
		MsgID: ts.nextMsgID, Time: now, Status: status,
	})
	if req.ClientMsgID != "" {
		ts.byClient[sentKey{req.ToUser, req.ClientMsgID}] = len(ts.sent) - 1
	}
	return map[string]any{"errcode": 0, "errmsg": "ok", "msgid": ts.nextMsgID}, 0
}

type industryRequest struct {
	ID1 json.RawMessage `json:"industry_id1"`
	ID2 json.RawMessage `json:"industry_id2"`
}

// industryCode reads an industry code sent as a string ("1", as WeChat's
// page shows it) or a number; 0 when it is neither or out of the table.
func industryCode(raw json.RawMessage) int {
	var str string
	if json.Unmarshal(raw, &str) != nil {
		str = string(raw)
	}
	n, err := strconv.Atoi(strings.TrimSpace(str))
	if err != nil || n < 1 || n > len(industries) {
		return 0
	}
	return n
}

func (s *Server) serveSetIndustry(req *industryRequest) (any, int) {
	id1, id2 := industryCode(req.ID1), industryCode(req.ID2)
	if id1 == 0 || id2 == 0 {
		return nil, 40097 // invalid args
	}
	ts := &s.templates
	ts.mu.Lock()
	defer ts.mu.Unlock()
	ts.industry = [2]int{id1, id2}
	// WeChat deletes the templates of the industries the account left.
	keep := ts.templates[:0]
	for _, t := range ts.templates {
		for _, id := range ts.industry {
			if ind := industries[id-1]; t.PrimaryIndustry == ind.FirstClass && t.DeputyIndustry == ind.SecondClass {
				keep = append(keep, t)
				break
			}
		}
	}
	clear(ts.templates[len(keep):])
	ts.templates = keep
	return answerOK, 0
}

func (s *Server) serveGetIndustry(url.Values) (any, int) {
	ts := &s.templates
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return wego.Industries{Primary: industries[ts.industry[0]-1], Secondary: industries[ts.industry[1]-1]}, 0
}

type addTemplateRequest struct {
	ShortID  string   `json:"template_id_short"`
	Keywords []string `json:"keyword_name_list"`
}

// labelled splits a line of a template's content at its label: "金额：{{amount1.DATA}}".
func labelled(line string) (label string, ok bool) {
	for _, sep := range []string{"：", ":"} {
		if l, _, found := strings.Cut(line, sep); found {
			return strings.TrimSpace(l), true
		}
	}
	return "", false
}

func (s *Server) serveAddTemplate(req *addTemplateRequest) (any, int) {
	ts := &s.templates
	ts.mu.Lock()
	defer ts.mu.Unlock()
	t, ok := ts.library[req.ShortID]
	if !ok {
		return nil, 40037
	}
	if len(req.Keywords) > 0 {
		lines := strings.Split(t.Content, "\n")
		var kept []string
		for _, kw := range req.Keywords {
			found := false
			for _, line := range lines {
				if label, ok := labelled(line); ok && label == kw {
					kept, found = append(kept, line), true
					break
				}
			}
			if !found {
				return nil, 40246
			}
		}
		t.Content = strings.Join(kept, "\n")
	}
	if t.PrimaryIndustry == "" && t.DeputyIndustry == "" {
		ind := industries[ts.industry[0]-1]
		t.PrimaryIndustry, t.DeputyIndustry = ind.FirstClass, ind.SecondClass
	}
	t.ID = ts.newTemplateID()
	ts.templates = append(ts.templates, t)
	return map[string]any{"errcode": 0, "errmsg": "ok", "template_id": t.ID}, 0
}

func (s *Server) serveGetAllPrivate(url.Values) (any, int) {
	ts := &s.templates
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return map[string]any{"template_list": append([]wego.Template{}, ts.templates...)}, 0
}

type delTemplateRequest struct {
	TemplateID string `json:"template_id"`
}

func (s *Server) serveDelPrivate(req *delTemplateRequest) (any, int) {
	ts := &s.templates
	ts.mu.Lock()
	defer ts.mu.Unlock()
	for i, t := range ts.templates {
		if t.ID == req.TemplateID {
			ts.templates = slices.Delete(ts.templates, i, i+1)
			return answerOK, 0
		}
	}
	return nil, 40037
}
