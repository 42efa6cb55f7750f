package wegotest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/wego-sdk/wego"
)

// Paths of the menu endpoints the fake serves.
const (
	PathMenuCreate         = "/cgi-bin/menu/create"
	PathMenuGet            = "/cgi-bin/menu/get"
	PathMenuDelete         = "/cgi-bin/menu/delete"
	PathMenuAddConditional = "/cgi-bin/menu/addconditional"
	PathMenuDelConditional = "/cgi-bin/menu/delconditional"
	PathMenuTryMatch       = "/cgi-bin/menu/trymatch"
	PathSelfMenuInfo       = "/cgi-bin/get_current_selfmenu_info"
)

// WeChat's limits on menus, as the fake applies them.
const (
	maxMenuButtons        = 3    // 40016
	maxMenuSubButtons     = 5    // 40023
	maxMenuNameBytes      = 16   // 40018
	maxMenuSubNameBytes   = 60   // 40025
	maxMenuKeyBytes       = 128  // 40019, 40026
	maxMenuURLBytes       = 1024 // 40020, 40027
	maxConditionalDomains = 3    // 65316: the domains all conditional menus link to
	firstMenuID           = 208379533
)

// menuNeeds are the fields each button type needs, as WeChat's page on
// creating a menu says.
var menuNeeds = map[string][]string{
	"click": {"key"}, "scancode_push": {"key"}, "scancode_waitmsg": {"key"}, "pic_sysphoto": {"key"},
	"pic_photo_or_album": {"key"}, "pic_weixin": {"key"}, "location_select": {"key"},
	"view": {"url"}, "media_id": {"media_id"}, "view_limited": {"media_id"},
	"article_id": {"article_id"}, "article_view_limited": {"article_id"},
	"miniprogram": {"url", "appid", "pagepath"},
}

// menuLanguages are the languages of WeChat's table for match rules.
var menuLanguages = []string{
	"zh_CN", "zh_TW", "zh_HK", "en", "id", "ms", "es", "ko", "it", "ja", "pl", "pt", "ru", "th", "vi",
	"ar", "hi", "he", "tr", "de", "fr",
}

// menuState is the account's menus: the default one and the conditional
// ones, oldest first. Guarded by its own mutex; taken before the users'
// one, never after.
type menuState struct {
	mu          sync.Mutex
	def         *storedMenu // nil: the account has no menu
	conditional []storedMenu
	nextID      int64
	privacy     bool // AllowPrivacyMenuRules
}

type storedMenu struct {
	id      int64
	buttons []menuButton
	rule    menuRule
}

// menuButton is a button as WeChat takes and answers one; answered, every
// button has a sub_button list, empty for an action.
type menuButton struct {
	Type      string       `json:"type,omitempty"`
	Name      string       `json:"name"`
	Key       string       `json:"key,omitempty"`
	URL       string       `json:"url,omitempty"`
	MediaID   string       `json:"media_id,omitempty"`
	ArticleID string       `json:"article_id,omitempty"`
	AppID     string       `json:"appid,omitempty"`
	PagePath  string       `json:"pagepath,omitempty"`
	SubButton []menuButton `json:"sub_button"`
}

func (b menuButton) field(name string) string {
	switch name {
	case "key":
		return b.Key
	case "url":
		return b.URL
	case "media_id":
		return b.MediaID
	case "article_id":
		return b.ArticleID
	case "appid":
		return b.AppID
	case "pagepath":
		return b.PagePath
	}
	return ""
}

// menuRule is a matchrule: numbers sent as numbers or strings, as
// WeChat's page writes them ("sex":"1").
type menuRule struct {
	TagID              looseInt `json:"tag_id"`
	GroupID            looseInt `json:"group_id"`
	Sex                looseInt `json:"sex"`
	ClientPlatformType looseInt `json:"client_platform_type"`
	Country            string   `json:"country"`
	Province           string   `json:"province"`
	City               string   `json:"city"`
	Language           string   `json:"language"`
}

// privacy reports whether the rule matches on personal data, which WeChat
// refuses since 2021-10-20 (65320).
func (r menuRule) privacy() bool {
	return r.Sex != 0 || r.Country != "" || r.Province != "" || r.City != "" || r.Language != ""
}

// answer is the rule as menu/get answers it: numbers as numbers, the
// fields set.
func (r menuRule) answer() map[string]any {
	a := map[string]any{}
	for name, n := range map[string]looseInt{"tag_id": r.TagID, "group_id": r.GroupID, "sex": r.Sex, "client_platform_type": r.ClientPlatformType} {
		if n != 0 {
			a[name] = int(n)
		}
	}
	for name, s := range map[string]string{"country": r.Country, "province": r.Province, "city": r.City, "language": r.Language} {
		if s != "" {
			a[name] = s
		}
	}
	return a
}

// looseInt is an int sent as a JSON number or string; "" is 0, as is null.
type looseInt int

func (n *looseInt) UnmarshalJSON(data []byte) error {
	data = bytes.TrimSpace(data)
	if len(data) > 0 && data[0] == '"' {
		var s string
		if err := json.Unmarshal(data, &s); err != nil {
			return err
		}
		data = []byte(s)
	}
	switch string(data) {
	case "", "null":
		*n = 0
		return nil
	}
	v, err := strconv.Atoi(string(data))
	if err != nil {
		return fmt.Errorf("not an integer: %s", data)
	}
	*n = looseInt(v)
	return nil
}

type menuRequest struct {
	Button    []menuButton `json:"button"`
	MatchRule *menuRule    `json:"matchrule"`
}

func (s *Server) initMenus() {
	s.menus.nextID = firstMenuID
	routePost(s, PathMenuCreate, s.serveMenuCreate)
	s.routeGet(PathMenuGet, s.serveMenuGet)
	s.routeGet(PathMenuDelete, s.serveMenuDelete)
	routePost(s, PathMenuAddConditional, s.serveMenuAddConditional)
	routePost(s, PathMenuDelConditional, s.serveMenuDelConditional)
	routePost(s, PathMenuTryMatch, s.serveMenuTryMatch)
	s.routeGet(PathSelfMenuInfo, s.serveSelfMenuInfo)
}

// Menus returns the account's menus as [wego.Client.GetMenus] tells them:
// the default menu (no buttons when there is none) and its id, and the
// conditional menus, oldest first, with their ids and rules.
func (s *Server) Menus() wego.Menus {
	ms := &s.menus
	ms.mu.Lock()
	defer ms.mu.Unlock()
	var out wego.Menus
	if ms.def == nil {
		return out
	}
	out.Menu = wegoMenu(ms.def.buttons)
	out.MenuID = wego.MenuID(ms.def.id)
	for _, m := range ms.conditional {
		r := m.rule
		out.Conditional = append(out.Conditional, wego.ConditionalMenu{
			Menu:   wegoMenu(m.buttons),
			MenuID: wego.MenuID(m.id),
			MatchRule: wego.MatchRule{
				TagID: int(r.TagID), GroupID: int(r.GroupID), Sex: int(r.Sex), ClientPlatformType: int(r.ClientPlatformType),
				Country: r.Country, Province: r.Province, City: r.City, Language: r.Language,
			},
		})
	}
	return out
}

func wegoMenu(bs []menuButton) wego.Menu {
	return wego.Menu{Buttons: wegoButtons(bs)}
}

func wegoButtons(bs []menuButton) []wego.Button {
	if len(bs) == 0 {
		return nil
	}
	out := make([]wego.Button, len(bs))
	for i, b := range bs {
		out[i] = wego.Button{
			Type: wego.ButtonType(b.Type), Name: b.Name, Key: b.Key, URL: b.URL, MediaID: b.MediaID,
			ArticleID: b.ArticleID, AppID: b.AppID, PagePath: b.PagePath, SubButtons: wegoButtons(b.SubButton),
		}
	}
	return out
}

// AllowPrivacyMenuRules plays WeChat as it was before it stopped matching
// conditional menus on personal data (2021-10-20): while allowed,
// addconditional takes rules on sex, country, province, city and language
// and trymatch matches them against the users' Sex, Country, Province,
// City and Language. By default the fake is today's WeChat: it refuses
// such a rule (65320), and a conditional menu made with one while allowed
// matches no one, though menu/get still lists it.
func (s *Server) AllowPrivacyMenuRules(allowed bool) {
	s.menus.mu.Lock()
	s.menus.privacy = allowed
	s.menus.mu.Unlock()
}

// checkMenuButtons returns WeChat's errcode for buttons it refuses, 0 for
// a menu it takes. Where WeChat's pages name no code the fake answers the
// nearest: 40007 (invalid media_id) for a media_id or view_limited button
// without one, 40097 (invalid args) for a missing article_id, appid or
// pagepath. A conditional menu's button without a type is 65308.
func checkMenuButtons(bs []menuButton, conditional bool) int {
	if len(bs) == 0 || len(bs) > maxMenuButtons {
		return 40016
	}
	for _, b := range bs {
		if b.Name == "" || len(b.Name) > maxMenuNameBytes {
			return 40018
		}
		if len(b.SubButton) == 0 {
			if code := checkMenuAction(b, conditional, 40017, 40019, 40020); code != 0 {
				return code
			}
			continue
		}
		switch {
		case len(b.SubButton) > maxMenuSubButtons:
			return 40023
		case b.Type != "": // type and sub_button exclude each other
			return 40017
		}
		for _, sub := range b.SubButton {
			switch {
			case len(sub.SubButton) > 0:
				return 40022
			case sub.Name == "" || len(sub.Name) > maxMenuSubNameBytes:
				return 40025
			}
			if code := checkMenuAction(sub, conditional, 40024, 40026, 40027); code != 0 {
				return code
			}
		}
	}
	return 0
}

// checkMenuAction checks a button that is an action, with the codes of
// its level for a bad type, key and url.
func checkMenuAction(b menuButton, conditional bool, typeCode, keyCode, urlCode int) int {
	if b.Type == "" && conditional {
		return 65308
	}
	needs, ok := menuNeeds[b.Type]
	switch {
	case !ok:
		return typeCode
	case len(b.Key) > maxMenuKeyBytes:
		return keyCode
	case len(b.URL) > maxMenuURLBytes:
		return urlCode
	}
	for _, f := range needs {
		if b.field(f) != "" {
			continue
		}
		switch f {
		case "key":
			return keyCode
		case "url":
			return urlCode
		case "media_id":
			return 40007
		}
		return 40097
	}
	return 0
}

// checkMenuRule returns WeChat's errcode for a matchrule it refuses:
// 65304 for none, 65320 for personal data (unless allowed), 65310 and
// 65311 for a region without its country or province, 40097 (invalid
// args) for a sex, platform or language outside WeChat's tables. Region
// names are not checked against WeChat's region table.
func checkMenuRule(r *menuRule, privacyAllowed bool) int {
	switch {
	case r == nil || *r == menuRule{}:
		return 65304
	case r.privacy() && !privacyAllowed:
		return 65320
	case r.City != "" && r.Province == "":
		return 65311
	case (r.Province != "" || r.City != "") && r.Country == "":
		return 65310
	case r.Sex < 0 || r.Sex > 2, r.ClientPlatformType < 0 || r.ClientPlatformType > 3, r.TagID < 0,
		r.Language != "" && !slices.Contains(menuLanguages, r.Language):
		return 40097
	}
	return 0
}

// withSubLists returns bs with an empty sub_button list on every action,
// as WeChat answers a menu.
func withSubLists(bs []menuButton) []menuButton {
	out := make([]menuButton, len(bs))
	for i, b := range bs {
		b.SubButton = withSubLists(b.SubButton)
		out[i] = b
	}
	return out
}

// serveMenuCreate is POST /cgi-bin/menu/create: the default menu, checked
// as WeChat checks it, replaces the one the account had; conditional menus
// stay.
func (s *Server) serveMenuCreate(req *menuRequest) (any, int) {
	if code := checkMenuButtons(req.Button, false); code != 0 {
		return nil, code
	}
	ms := &s.menus
	ms.mu.Lock()
	defer ms.mu.Unlock()
	ms.def = &storedMenu{id: ms.nextID, buttons: withSubLists(req.Button)}
	ms.nextID++
	return answerOK, 0
}

// serveMenuGet is GET /cgi-bin/menu/get: 46003 without a menu; otherwise
// the default menu, with its menuid once there are conditional menus, and
// the conditional menus.
func (s *Server) serveMenuGet(url.Values) (any, int) {
	ms := &s.menus
	ms.mu.Lock()
	defer ms.mu.Unlock()
	if ms.def == nil {
		return nil, 46003
	}
	menu := map[string]any{"button": ms.def.buttons}
	a := map[string]any{"menu": menu}
	if len(ms.conditional) > 0 {
		menu["menuid"] = ms.def.id
		list := make([]map[string]any, len(ms.conditional))
		for i, m := range ms.conditional {
			list[i] = map[string]any{"button": m.buttons, "matchrule": m.rule.answer(), "menuid": m.id}
		}
		a["conditionalmenu"] = list
	}
	return a, 0
}

// serveMenuDelete is GET /cgi-bin/menu/delete: every menu goes, the
// conditional ones with the default one.
func (s *Server) serveMenuDelete(url.Values) (any, int) {
	ms := &s.menus
	ms.mu.Lock()
	ms.def, ms.conditional = nil, nil
	ms.mu.Unlock()
	return answerOK, 0
}

// serveMenuAddConditional is POST /cgi-bin/menu/addconditional: the
// buttons and the rule checked as WeChat checks them, then 65303 without
// a default menu and 65316 when the conditional menus would link to more
// than 3 domains; it answers the new menu's id as a string, as WeChat.
func (s *Server) serveMenuAddConditional(req *menuRequest) (any, int) {
	if code := checkMenuButtons(req.Button, true); code != 0 {
		return nil, code
	}
	ms := &s.menus
	ms.mu.Lock()
	defer ms.mu.Unlock()
	if code := checkMenuRule(req.MatchRule, ms.privacy); code != 0 {
		return nil, code
	}
	if ms.def == nil {
		return nil, 65303
	}
	domains := map[string]bool{}
	for _, m := range append(slices.Clone(ms.conditional), storedMenu{buttons: req.Button}) {
		linkDomains(m.buttons, domains)
	}
	if len(domains) > maxConditionalDomains {
		return nil, 65316
	}
	m := storedMenu{id: ms.nextID, buttons: withSubLists(req.Button), rule: *req.MatchRule}
	ms.nextID++
	ms.conditional = append(ms.conditional, m)
	return map[string]any{"menuid": strconv.FormatInt(m.id, 10)}, 0
}

// linkDomains adds the hosts the buttons link to (view and miniprogram
// URLs) to domains.
func linkDomains(bs []menuButton, domains map[string]bool) {
	for _, b := range bs {
		linkDomains(b.SubButton, domains)
		if b.URL == "" || (b.Type != "view" && b.Type != "miniprogram") {
			continue
		}
		host := b.URL
		if u, err := url.Parse(b.URL); err == nil && u.Hostname() != "" {
			host = u.Hostname()
		}
		domains[strings.ToLower(host)] = true
	}
}

type menuIDRequest struct {
	MenuID looseInt `json:"menuid"`
}

// serveMenuDelConditional is POST /cgi-bin/menu/delconditional: 65301 for
// an id no conditional menu has.
func (s *Server) serveMenuDelConditional(req *menuIDRequest) (any, int) {
	ms := &s.menus
	ms.mu.Lock()
	defer ms.mu.Unlock()
	i := slices.IndexFunc(ms.conditional, func(m storedMenu) bool { return m.id == int64(req.MenuID) })
	if i < 0 {
		return nil, 65301
	}
	ms.conditional = slices.Delete(ms.conditional, i, i+1)
	return answerOK, 0
}

type tryMatchRequest struct {
	UserID string `json:"user_id"`
}

// serveMenuTryMatch is POST /cgi-bin/menu/trymatch: the newest conditional
// menu whose rule matches the user, given by openid or WeChat ID; 46003
// without a menu, 65302 for a user the account does not know, 46002 when
// no conditional menu matches (the user sees the default menu). A rule
// matches a user on every field it sets: the tag the user was given last,
// the group, the client platform, and, while [Server.AllowPrivacyMenuRules]
// allows them, sex, country, province, city and language.
func (s *Server) serveMenuTryMatch(req *tryMatchRequest) (any, int) {
	ms := &s.menus
	ms.mu.Lock()
	defer ms.mu.Unlock()
	if ms.def == nil {
		return nil, 46003
	}
	u, lastTag, ok := s.users.menuUser(req.UserID)
	if !ok {
		return nil, 65302
	}
	for _, m := range slices.Backward(ms.conditional) {
		if matches(m.rule, u, lastTag, ms.privacy) {
			return map[string]any{"button": m.buttons}, 0
		}
	}
	return nil, 46002
}

// matches reports whether rule r matches user u, whose tag given last is
// lastTag. A rule on personal data matches no one unless allowed.
func matches(r menuRule, u User, lastTag int, privacyAllowed bool) bool {
	if r.privacy() && !privacyAllowed {
		return false
	}
	ints := []struct{ rule, user int }{
		{int(r.TagID), lastTag}, {int(r.GroupID), u.GroupID}, {int(r.Sex), u.Sex},
		{int(r.ClientPlatformType), u.ClientPlatformType},
	}
	for _, f := range ints {
		if f.rule != 0 && f.rule != f.user {
			return false
		}
	}
	strs := []struct{ rule, user string }{
		{r.Country, u.Country}, {r.Province, u.Province}, {r.City, u.City}, {r.Language, u.Language},
	}
	for _, f := range strs {
		if f.rule != "" && f.rule != f.user {
			return false
		}
	}
	return true
}

// menuUser returns the user with openid or WeChat ID id and the tag
// conditional menus match the user on.
func (us *userState) menuUser(id string) (User, int, bool) {
	us.mu.Lock()
	defer us.mu.Unlock()
	i, ok := us.index[id]
	if !ok && id != "" {
		i = slices.IndexFunc(us.fans, func(f fan) bool { return f.more != nil && f.more.WeChatID == id })
		ok = i >= 0
	}
	if !ok {
		return User{}, 0, false
	}
	u := us.userAt(i)
	last := 0
	if t, ok := us.lastTag[i]; ok && slices.Contains(u.TagIDs, t) {
		last = t
	} else if n := len(u.TagIDs); n > 0 {
		last = u.TagIDs[n-1] // the newest of the user's tags
	}
	return u, last, true
}

// selfMenuButton is a button as get_current_selfmenu_info writes one: a
// sub-menu's buttons under sub_button.list.
type selfMenuButton struct {
	Type      string `json:"type,omitempty"`
	Name      string `json:"name"`
	Key       string `json:"key,omitempty"`
	URL       string `json:"url,omitempty"`
	MediaID   string `json:"media_id,omitempty"`
	ArticleID string `json:"article_id,omitempty"`
	AppID     string `json:"appid,omitempty"`
	PagePath  string `json:"pagepath,omitempty"`
	SubButton *struct {
		List []selfMenuButton `json:"list"`
	} `json:"sub_button,omitempty"`
}

func selfMenuButtons(bs []menuButton) []selfMenuButton {
	out := make([]selfMenuButton, len(bs))
	for i, b := range bs {
		out[i] = selfMenuButton{
			Type: b.Type, Name: b.Name, Key: b.Key, URL: b.URL, MediaID: b.MediaID, ArticleID: b.ArticleID,
			AppID: b.AppID, PagePath: b.PagePath,
		}
		if len(b.SubButton) > 0 {
			out[i].SubButton = &struct {
				List []selfMenuButton `json:"list"`
			}{selfMenuButtons(b.SubButton)}
		}
	}
	return out
}

// serveSelfMenuInfo is GET /cgi-bin/get_current_selfmenu_info: the default
// menu set through the API, is_menu_open 1, each button with the fields it
// was given; is_menu_open 0 without a menu. The fake has no web console,
// so no menu of the console's types (text, img, news, ...).
func (s *Server) serveSelfMenuInfo(url.Values) (any, int) {
	ms := &s.menus
	ms.mu.Lock()
	defer ms.mu.Unlock()
	if ms.def == nil {
		return map[string]any{"is_menu_open": 0}, 0
	}
	return map[string]any{
		"is_menu_open":  1,
		"selfmenu_info": map[string]any{"button": selfMenuButtons(ms.def.buttons)},
	}, 0
}
