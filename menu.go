package wego

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Paths of the menu endpoints.
const (
	pathMenuCreate         = "/cgi-bin/menu/create"
	pathMenuGet            = "/cgi-bin/menu/get"
	pathMenuDelete         = "/cgi-bin/menu/delete"
	pathMenuAddConditional = "/cgi-bin/menu/addconditional"
	pathMenuDelConditional = "/cgi-bin/menu/delconditional"
	pathMenuTryMatch       = "/cgi-bin/menu/trymatch"
	pathSelfMenuInfo       = "/cgi-bin/get_current_selfmenu_info"
)

// WeChat's limits on menus, from its page on creating one.
const (
	maxTopButtons   = 3    // 40016: 1 to 3 buttons in the menu bar
	maxSubButtons   = 5    // 40023: 1 to 5 buttons under a button
	maxTopNameBytes = 16   // 40018: a button's name, UTF-8 bytes (five Chinese characters)
	maxSubNameBytes = 60   // 40025: a sub-button's name, UTF-8 bytes
	maxKeyBytes     = 128  // 40019, 40026: a key, bytes
	maxURLBytes     = 1024 // 40020, 40027: a URL, bytes
)

// ButtonType is what a menu button does when tapped (type). The push a
// tap sends, when it sends one, has the type of the same name
// ([PushClick], [PushView], [PushScancodePush], ...).
type ButtonType string

// The button types WeChat takes, each made by its constructor.
const (
	// ButtonClick pushes a click event with the button's key ([ClickButton]).
	ButtonClick ButtonType = "click"
	// ButtonView opens the button's URL ([ViewButton]).
	ButtonView ButtonType = "view"
	// ButtonScancodePush opens the QR scanner, shows what it read and
	// pushes it with the key ([ScancodePushButton]).
	ButtonScancodePush ButtonType = "scancode_push"
	// ButtonScancodeWaitmsg opens the scanner, pushes what it read with
	// the key and shows "receiving message" ([ScancodeWaitmsgButton]).
	ButtonScancodeWaitmsg ButtonType = "scancode_waitmsg"
	// ButtonPicSysphoto opens the camera and pushes the photo taken
	// ([PicSysphotoButton]).
	ButtonPicSysphoto ButtonType = "pic_sysphoto"
	// ButtonPicPhotoOrAlbum lets the user take a photo or pick one from
	// the phone's album ([PicPhotoOrAlbumButton]).
	ButtonPicPhotoOrAlbum ButtonType = "pic_photo_or_album"
	// ButtonPicWeixin lets the user pick a photo from the WeChat album
	// ([PicWeixinButton]).
	ButtonPicWeixin ButtonType = "pic_weixin"
	// ButtonLocationSelect opens the location picker and pushes the place
	// chosen ([LocationSelectButton]).
	ButtonLocationSelect ButtonType = "location_select"
	// ButtonMediaID sends the user a permanent material (image, voice,
	// video or news), pushing nothing ([MediaIDButton]).
	ButtonMediaID ButtonType = "media_id"
	// ButtonArticleID sends the user a published article ([ArticleIDButton]).
	ButtonArticleID ButtonType = "article_id"
	// ButtonArticleViewLimited opens a published article
	// ([ArticleViewLimitedButton]).
	ButtonArticleViewLimited ButtonType = "article_view_limited"
	// ButtonViewLimited opens the page of a permanent news material
	// ([ViewLimitedButton]); WeChat's current pages list
	// article_view_limited, for published articles, in its place.
	ButtonViewLimited ButtonType = "view_limited"
	// ButtonMiniprogram opens a page of a Mini Program bound to the
	// account, or the URL in WeChat clients too old for Mini Programs
	// ([MiniprogramButton]).
	ButtonMiniprogram ButtonType = "miniprogram"
)

// buttonField is a field a button type needs.
type buttonField uint8

const (
	needKey buttonField = 1 << iota
	needURL
	needMediaID
	needArticleID
	needAppID
	needPagePath
)

// buttonNeeds are the fields each button type needs, as WeChat's page on
// creating a menu says: key for the types that push an event, url for
// view and miniprogram, and so on.
var buttonNeeds = map[ButtonType]buttonField{
	ButtonClick:              needKey,
	ButtonScancodePush:       needKey,
	ButtonScancodeWaitmsg:    needKey,
	ButtonPicSysphoto:        needKey,
	ButtonPicPhotoOrAlbum:    needKey,
	ButtonPicWeixin:          needKey,
	ButtonLocationSelect:     needKey,
	ButtonView:               needURL,
	ButtonMediaID:            needMediaID,
	ButtonViewLimited:        needMediaID,
	ButtonArticleID:          needArticleID,
	ButtonArticleViewLimited: needArticleID,
	ButtonMiniprogram:        needAppID | needPagePath | needURL,
}

// Menu is an account's custom menu (自定义菜单): 1 to 3 buttons in the bar
// under the chat, each an action or a sub-menu of 1 to 5 buttons. It
// marshals to the JSON WeChat takes and answers, {"button":[...]} with
// "sub_button", and loads from it with [encoding/json], so a menu can live
// in a JSON file:
//
//	var m wego.Menu
//	if err := json.Unmarshal(data, &m); err != nil { ... }
//	err = c.CreateMenu(ctx, m) // checked against WeChat's limits first
//
// Build one in Go with the button constructors:
//
//	wego.Menu{Buttons: []wego.Button{
//		wego.ClickButton("Today", "V1001_TODAY"),
//		wego.SubMenu("More", wego.ViewButton("Site", "https://example.com")),
//	}}
//
// Written with [encoding/json]'s Marshal, "&", "<" and ">" in URLs come
// out as \u0026 and the like, which WeChat reads the same; the SDK sends
// them as they are.
type Menu struct {
	Buttons []Button `json:"button"`
}

// Button is a button of a [Menu]: an action (Type and the fields it
// needs) or a sub-menu (Name and SubButtons, no Type). The constructors
// ([ClickButton], [ViewButton], ..., [SubMenu]) fill the fields each type
// needs. Loaded from JSON, an empty "sub_button" list (WeChat answers one
// on every button) becomes nil.
type Button struct {
	Type       ButtonType `json:"type,omitempty"`
	Name       string     `json:"name"`                 // at most 16 bytes in the bar, 60 in a sub-menu
	Key        string     `json:"key,omitempty"`        // the push's EventKey, at most 128 bytes: click and the scan, photo and location types
	URL        string     `json:"url,omitempty"`        // at most 1024 bytes: view, and miniprogram's fallback for old clients
	MediaID    string     `json:"media_id,omitempty"`   // a permanent material: media_id and view_limited
	ArticleID  string     `json:"article_id,omitempty"` // a published article: article_id and article_view_limited
	AppID      string     `json:"appid,omitempty"`      // the Mini Program: miniprogram
	PagePath   string     `json:"pagepath,omitempty"`   // the Mini Program's page: miniprogram
	SubButtons []Button   `json:"sub_button,omitempty"` // 1 to 5 buttons of a sub-menu, which has no Type
}

// UnmarshalJSON loads a button as WeChat writes one, an empty sub_button
// list becoming nil.
func (b *Button) UnmarshalJSON(data []byte) error {
	type plain Button // the fields without this method
	var p plain
	if err := json.Unmarshal(data, &p); err != nil {
		return err
	}
	if len(p.SubButtons) == 0 {
		p.SubButtons = nil
	}
	*b = Button(p)
	return nil
}

// ClickButton makes a button that pushes a click event with key
// ([PushClick], p.EventKey()).
func ClickButton(name, key string) Button {
	return Button{Type: ButtonClick, Name: name, Key: key}
}

// ViewButton makes a button that opens url.
func ViewButton(name, url string) Button {
	return Button{Type: ButtonView, Name: name, URL: url}
}

// ScancodePushButton makes a button that opens the QR scanner, shows what
// it read and pushes it with key ([PushScancodePush]).
func ScancodePushButton(name, key string) Button {
	return Button{Type: ButtonScancodePush, Name: name, Key: key}
}

// ScancodeWaitmsgButton makes a button that opens the QR scanner and
// pushes what it read with key, showing "receiving message" until the
// account answers ([PushScancodeWaitmsg]).
func ScancodeWaitmsgButton(name, key string) Button {
	return Button{Type: ButtonScancodeWaitmsg, Name: name, Key: key}
}

// PicSysphotoButton makes a button that opens the camera and sends the
// photo, pushing an event with key ([PushPicSysphoto]).
func PicSysphotoButton(name, key string) Button {
	return Button{Type: ButtonPicSysphoto, Name: name, Key: key}
}

// PicPhotoOrAlbumButton makes a button that lets the user take a photo or
// pick one from the phone's album, pushing an event with key
// ([PushPicPhotoOrAlbum]).
func PicPhotoOrAlbumButton(name, key string) Button {
	return Button{Type: ButtonPicPhotoOrAlbum, Name: name, Key: key}
}

// PicWeixinButton makes a button that lets the user pick a photo from the
// WeChat album, pushing an event with key ([PushPicWeixin]).
func PicWeixinButton(name, key string) Button {
	return Button{Type: ButtonPicWeixin, Name: name, Key: key}
}

// LocationSelectButton makes a button that opens the location picker and
// pushes the place chosen with key ([PushLocationSelect]).
func LocationSelectButton(name, key string) Button {
	return Button{Type: ButtonLocationSelect, Name: name, Key: key}
}

// MediaIDButton makes a button that sends the permanent material mediaID
// (an image, voice, video or news) to the user.
func MediaIDButton(name, mediaID string) Button {
	return Button{Type: ButtonMediaID, Name: name, MediaID: mediaID}
}

// ViewLimitedButton makes a button that opens the page of the permanent
// news material mediaID.
func ViewLimitedButton(name, mediaID string) Button {
	return Button{Type: ButtonViewLimited, Name: name, MediaID: mediaID}
}

// ArticleIDButton makes a button that sends the published article
// articleID to the user.
func ArticleIDButton(name, articleID string) Button {
	return Button{Type: ButtonArticleID, Name: name, ArticleID: articleID}
}

// ArticleViewLimitedButton makes a button that opens the published article
// articleID.
func ArticleViewLimitedButton(name, articleID string) Button {
	return Button{Type: ButtonArticleViewLimited, Name: name, ArticleID: articleID}
}

// MiniprogramButton makes a button that opens pagePath of the Mini Program
// appID (bound to the account; WeChat takes it from verified accounts
// only), or fallbackURL in WeChat clients too old for Mini Programs. All
// three are required.
func MiniprogramButton(name, appID, pagePath, fallbackURL string) Button {
	return Button{Type: ButtonMiniprogram, Name: name, AppID: appID, PagePath: pagePath, URL: fallbackURL}
}

// SubMenu makes a button that opens a sub-menu of buttons, 1 to 5 of them,
// none a sub-menu itself.
func SubMenu(name string, buttons ...Button) Button {
	return Button{Name: name, SubButtons: buttons}
}

// Validate reports whether WeChat would take m, checking what WeChat's
// page on creating a menu says: 1 to 3 buttons, 1 to 5 under a sub-menu
// and no deeper; names of at most 16 bytes in the bar and 60 in a
// sub-menu (UTF-8: a Chinese character is 3 bytes); keys of at most 128
// bytes and URLs of at most 1024; a known type with the fields it needs
// (a key for click and the scan, photo and location types, a URL for
// view, a media id for media_id and view_limited, an article id for
// article_id and article_view_limited, appid, pagepath and url for
// miniprogram); no type on a sub-menu; valid UTF-8 throughout. The error
// wraps [ErrMissingParameter] or [ErrInvalidParameter] and names the
// button by its place, e.g. "button 2 › sub 4: name is 61 bytes, at most
// 60". [Client.CreateMenu] and [Client.CreateConditionalMenu] call it
// before sending anything.
func (m Menu) Validate() error {
	if len(m.Buttons) == 0 {
		return missing("menu: buttons, 1 to 3")
	}
	for i, b := range m.Buttons {
		path := "button " + strconv.Itoa(i+1)
		if i >= maxTopButtons {
			return invalid(path, "a menu has at most %d buttons", maxTopButtons)
		}
		if err := b.check(path, true); err != nil {
			return err
		}
	}
	return nil
}

// check checks the button at path, in the bar (top) or in a sub-menu.
func (b Button) check(path string, top bool) error {
	maxName := maxSubNameBytes
	if top {
		maxName = maxTopNameBytes
	}
	switch {
	case b.Name == "":
		return missing(path + ": name")
	case len(b.Name) > maxName:
		return invalid(path, "name is %d bytes, at most %d", len(b.Name), maxName)
	}
	if err := b.checkText(path); err != nil {
		return err
	}
	if len(b.SubButtons) > 0 {
		switch {
		case !top:
			return invalid(path, "a sub-button has no sub-buttons: menus nest one level")
		case b.Type != "":
			return invalid(path, "a button with sub-buttons has no type of its own, not %q", string(b.Type))
		}
		for j, s := range b.SubButtons {
			sub := path + " › sub " + strconv.Itoa(j+1)
			if j >= maxSubButtons {
				return invalid(sub, "a sub-menu has at most %d buttons", maxSubButtons)
			}
			if err := s.check(sub, false); err != nil {
				return err
			}
		}
		return nil
	}
	if b.Type == "" {
		return missing(path + ": type, or sub-buttons")
	}
	needs, known := buttonNeeds[b.Type]
	if !known {
		return invalid(path, "type %q is not one of WeChat's button types", string(b.Type))
	}
	switch {
	case len(b.Key) > maxKeyBytes:
		return invalid(path, "key is %d bytes, at most %d", len(b.Key), maxKeyBytes)
	case len(b.URL) > maxURLBytes:
		return invalid(path, "url is %d bytes, at most %d", len(b.URL), maxURLBytes)
	}
	for _, f := range []struct {
		need  buttonField
		name  string
		value string
	}{
		{needKey, "key", b.Key},
		{needURL, "url", b.URL},
		{needMediaID, "media_id", b.MediaID},
		{needArticleID, "article_id", b.ArticleID},
		{needAppID, "appid", b.AppID},
		{needPagePath, "pagepath", b.PagePath},
	} {
		if needs&f.need != 0 && f.value == "" {
			return missing(fmt.Sprintf("%s: %s, which %s %s button needs", path, f.name, article(string(b.Type)), b.Type))
		}
	}
	return nil
}

// article is "an" before a vowel, "a" otherwise.
func article(word string) string {
	if word != "" && strings.ContainsRune("aeiou", rune(word[0])) {
		return "an"
	}
	return "a"
}

// checkText refuses text that is not UTF-8, which JSON would change on the
// way to WeChat.
func (b Button) checkText(path string) error {
	for _, f := range [...]struct{ name, value string }{
		{"name", b.Name}, {"type", string(b.Type)}, {"key", b.Key}, {"url", b.URL}, {"media_id", b.MediaID},
		{"article_id", b.ArticleID}, {"appid", b.AppID}, {"pagepath", b.PagePath},
	} {
		if !utf8.ValidString(f.value) {
			return invalid(path, "%s is not valid UTF-8", f.name)
		}
	}
	return nil
}

// MenuID is the id WeChat gives a conditional menu (menuid), and the
// default menu once conditional menus exist. WeChat writes it as a number
// in some answers and as a string in others; both load.
type MenuID int64

// UnmarshalJSON loads a menu id written as a number or as a string.
func (id *MenuID) UnmarshalJSON(data []byte) error {
	n, err := parseJSONInt(data)
	if err != nil {
		return fmt.Errorf("menuid: %w", err)
	}
	*id = MenuID(n)
	return nil
}

// String gives the id in decimal, as WeChat writes it.
func (id MenuID) String() string { return strconv.FormatInt(int64(id), 10) }

// MatchRule says which users see a conditional menu (个性化菜单, matchrule):
// those who match every field set; the zero value of a field matches
// everyone. At least one field must be set.
//
// WeChat no longer matches menus on personal data (sex and region since
// 2021-10-20; its page on conditional menus now names language too): it
// refuses a rule with Sex, Country, Province, City or Language (errcode
// 65320), and menus made before with one no longer match anyone, though
// [Client.GetMenus] still shows them. TagID and ClientPlatformType are
// what a rule can use today. The SDK still checks the others' values,
// which older menus carry, and sends them: WeChat has the last word.
type MatchRule struct {
	// TagID matches the users with this tag ([Tag]); a user with several
	// tags is matched on the tag given last.
	TagID int
	// ClientPlatformType matches the users of one platform: 1 iOS, 2
	// Android, 3 others.
	ClientPlatformType int
	// Sex matches 1 men or 2 women (refused by WeChat today).
	Sex int
	// Country, Province and City match the region the user set in WeChat,
	// in WeChat's region table (e.g. 中国, 广东, 广州); a Province needs its
	// Country, a City its Province (refused by WeChat today).
	Country  string
	Province string
	City     string
	// Language matches the language of the user's WeChat: zh_CN, zh_TW,
	// zh_HK, en, id, ms, es, ko, it, ja, pl, pt, ru, th, vi, ar, hi, he,
	// tr, de or fr (refused by WeChat today).
	Language string
	// GroupID is the group ([Group]) older menus matched, from before
	// tags replaced groups. GetMenus tells it; new rules use TagID, and
	// the SDK refuses a GroupID in them.
	GroupID int
}

// matchLanguages are the languages of WeChat's language table for match
// rules.
var matchLanguages = map[string]bool{
	"zh_CN": true, "zh_TW": true, "zh_HK": true, "en": true, "id": true, "ms": true, "es": true,
	"ko": true, "it": true, "ja": true, "pl": true, "pt": true, "ru": true, "th": true, "vi": true,
	"ar": true, "hi": true, "he": true, "tr": true, "de": true, "fr": true,
}

// IsZero reports whether r sets no field, matching everyone: WeChat
// refuses such a rule (65304).
func (r MatchRule) IsZero() bool { return r == MatchRule{} }

// Validate reports whether WeChat's page on conditional menus allows r: a
// field set; TagID positive; Sex 1 or 2; ClientPlatformType 1, 2 or 3; a
// Language of WeChat's table; a Country for a Province or a City, a
// Province for a City (65310, 65311); no GroupID, which tags replaced;
// valid UTF-8. The error wraps [ErrMissingParameter] or
// [ErrInvalidParameter] and names the field, e.g. "matchrule › sex: 3 is
// not 1 (men) or 2 (women)". It does not refuse the fields WeChat stopped
// taking in 2021 (see [MatchRule]); WeChat answers those 65320.
func (r MatchRule) Validate() error {
	const p = "matchrule › "
	switch {
	case r.IsZero():
		return missing("matchrule: at least one field")
	case r.GroupID != 0:
		return invalid(p+"group_id", "WeChat replaced groups with tags in rules: use TagID")
	case r.TagID < 0:
		return invalid(p+"tag_id", "%d is not a tag id", r.TagID)
	case r.Sex != 0 && r.Sex != 1 && r.Sex != 2:
		return invalid(p+"sex", "%d is not 1 (men) or 2 (women)", r.Sex)
	case r.ClientPlatformType < 0 || r.ClientPlatformType > 3:
		return invalid(p+"client_platform_type", "%d is not 1 (iOS), 2 (Android) or 3 (others)", r.ClientPlatformType)
	case r.Language != "" && !matchLanguages[r.Language]:
		return invalid(p+"language", "%q is not in WeChat's language table (zh_CN, zh_TW, en, ...)", r.Language)
	case r.City != "" && r.Province == "":
		return missing(p + "province, which a city needs")
	case (r.Province != "" || r.City != "") && r.Country == "":
		return missing(p + "country, which a province or a city needs")
	}
	for _, f := range [...]struct{ name, value string }{
		{"country", r.Country}, {"province", r.Province}, {"city", r.City}, {"language", r.Language},
	} {
		if !utf8.ValidString(f.value) {
			return invalid(p+f.name, "not valid UTF-8")
		}
	}
	return nil
}

// matchRuleOut is a rule as WeChat's page writes one, every value a string.
type matchRuleOut struct {
	TagID              string `json:"tag_id,omitempty"`
	Sex                string `json:"sex,omitempty"`
	Country            string `json:"country,omitempty"`
	Province           string `json:"province,omitempty"`
	City               string `json:"city,omitempty"`
	ClientPlatformType string `json:"client_platform_type,omitempty"`
	Language           string `json:"language,omitempty"`
	GroupID            string `json:"group_id,omitempty"`
}

// matchRuleIn is a rule as WeChat answers one: numbers as numbers or strings.
type matchRuleIn struct {
	TagID              jsonInt `json:"tag_id"`
	Sex                jsonInt `json:"sex"`
	Country            string  `json:"country"`
	Province           string  `json:"province"`
	City               string  `json:"city"`
	ClientPlatformType jsonInt `json:"client_platform_type"`
	Language           string  `json:"language"`
	GroupID            jsonInt `json:"group_id"`
}

// MarshalJSON writes the fields set, as WeChat's page writes a rule:
// {"tag_id":"2","client_platform_type":"2"}.
func (r MatchRule) MarshalJSON() ([]byte, error) {
	num := func(n int) string {
		if n == 0 {
			return ""
		}
		return strconv.Itoa(n)
	}
	return json.Marshal(matchRuleOut{
		TagID: num(r.TagID), Sex: num(r.Sex), Country: r.Country, Province: r.Province, City: r.City,
		ClientPlatformType: num(r.ClientPlatformType), Language: r.Language, GroupID: num(r.GroupID),
	})
}

// UnmarshalJSON loads a rule with numbers written as numbers (menu/get
// answers) or as strings (the rule sent); "" or null is not set.
func (r *MatchRule) UnmarshalJSON(data []byte) error {
	var in matchRuleIn
	if err := json.Unmarshal(data, &in); err != nil {
		return err
	}
	*r = MatchRule{
		TagID: int(in.TagID), Sex: int(in.Sex), Country: in.Country, Province: in.Province, City: in.City,
		ClientPlatformType: int(in.ClientPlatformType), Language: in.Language, GroupID: int(in.GroupID),
	}
	return nil
}

// jsonInt is an int WeChat writes as a number or as a string.
type jsonInt int

func (n *jsonInt) UnmarshalJSON(data []byte) error {
	v, err := parseJSONInt(data)
	if err != nil {
		return err
	}
	if int64(int(v)) != v {
		return fmt.Errorf("%d out of range", v)
	}
	*n = jsonInt(v)
	return nil
}

// parseJSONInt reads an integer written as a JSON number or string; null
// and "" are 0.
func parseJSONInt(data []byte) (int64, error) {
	data = bytes.TrimSpace(data)
	if string(data) == "null" {
		return 0, nil
	}
	if len(data) > 0 && data[0] == '"' {
		var s string
		if err := json.Unmarshal(data, &s); err != nil {
			return 0, err
		}
		if s == "" {
			return 0, nil
		}
		data = []byte(s)
	}
	v, err := strconv.ParseInt(string(data), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not an integer", data)
	}
	return v, nil
}

// ConditionalMenu is a conditional menu (个性化菜单): a menu shown to the
// users its MatchRule matches instead of the default menu. It marshals to
// WeChat's JSON, {"button":[...],"matchrule":{...},"menuid":...}, and loads
// from it; MenuID is 0, and left out, for a menu not yet created. WeChat
// matches newest first: a user sees the newest conditional menu that
// matches, or the default menu.
type ConditionalMenu struct {
	Menu
	MatchRule MatchRule `json:"matchrule"`
	MenuID    MenuID    `json:"menuid,omitempty"`
}

// Menus is what [Client.GetMenus] tells: the account's default menu and
// its conditional menus.
type Menus struct {
	// Menu is the default menu, which users see when no conditional menu
	// matches them; no buttons when the account has no menu.
	Menu Menu
	// MenuID is the default menu's id, which WeChat gives once there are
	// conditional menus; 0 otherwise.
	MenuID MenuID
	// Conditional are the conditional menus with their ids and rules, in
	// WeChat's order.
	Conditional []ConditionalMenu
}

// SelfMenu is the menu the account's users see, as
// get_current_selfmenu_info tells it ([Client.GetCurrentSelfMenuInfo]):
// the menu set through the API, or the one set in the web console
// (mp.weixin.qq.com), whose buttons have types of their own.
type SelfMenu struct {
	Open    bool             // is_menu_open: the account shows a menu
	Buttons []SelfMenuButton // selfmenu_info.button
}

// SelfMenuButton is a button of a [SelfMenu]. A button set through the API
// has one of the [ButtonType]s and the fields it was given (Key for
// click, URL for view, ...). A button set in the web console has type
// text (Value is the text), img or voice (Value is a media id), video
// (Value is the video's URL), news (News are the articles, Value their
// media id) or view (URL).
type SelfMenuButton struct {
	Type       ButtonType
	Name       string
	Key        string
	URL        string
	Value      string
	MediaID    string
	ArticleID  string
	AppID      string
	PagePath   string
	News       []SelfMenuArticle // news_info.list
	SubButtons []SelfMenuButton  // sub_button.list
}

// SelfMenuArticle is an article of a console news button.
type SelfMenuArticle struct {
	Title      string
	Author     string
	Digest     string
	ShowCover  bool // show_cover: the cover is shown at the top of the article
	CoverURL   string
	ContentURL string
	SourceURL  string // the "read more" link; empty for none
}

// selfMenuButtonJSON is a button as get_current_selfmenu_info writes one.
type selfMenuButtonJSON struct {
	Type      ButtonType `json:"type"`
	Name      string     `json:"name"`
	Key       string     `json:"key"`
	URL       string     `json:"url"`
	Value     string     `json:"value"`
	MediaID   string     `json:"media_id"`
	ArticleID string     `json:"article_id"`
	AppID     string     `json:"appid"`
	PagePath  string     `json:"pagepath"`
	NewsInfo  struct {
		List []struct {
			Title      string `json:"title"`
			Author     string `json:"author"`
			Digest     string `json:"digest"`
			ShowCover  int    `json:"show_cover"`
			CoverURL   string `json:"cover_url"`
			ContentURL string `json:"content_url"`
			SourceURL  string `json:"source_url"`
		} `json:"list"`
	} `json:"news_info"`
	SubButton struct {
		List []selfMenuButtonJSON `json:"list"`
	} `json:"sub_button"`
}

func (j *selfMenuButtonJSON) button() SelfMenuButton {
	b := SelfMenuButton{
		Type: j.Type, Name: j.Name, Key: j.Key, URL: j.URL, Value: j.Value, MediaID: j.MediaID,
		ArticleID: j.ArticleID, AppID: j.AppID, PagePath: j.PagePath,
	}
	for _, a := range j.NewsInfo.List {
		b.News = append(b.News, SelfMenuArticle{
			Title: a.Title, Author: a.Author, Digest: a.Digest, ShowCover: a.ShowCover == 1,
			CoverURL: a.CoverURL, ContentURL: a.ContentURL, SourceURL: a.SourceURL,
		})
	}
	for i := range j.SubButton.List {
		b.SubButtons = append(b.SubButtons, j.SubButton.List[i].button())
	}
	return b
}

// MenuCreate sets the account's default menu (/cgi-bin/menu/create), sent
// as given, and returns WeChat's answer. [Client.CreateMenu] checks the
// menu first.
//
// WeChat docs: https://developers.weixin.qq.com/doc/offiaccount/Custom_Menus/Creating_Custom-Defined_Menu.html
func (w *WeChatAPI) MenuCreate(ctx context.Context, menu Menu) (json.RawMessage, error) {
	return rawAnswer(func(out any) error { return w.Post(ctx, pathMenuCreate, nil, menu, out) })
}

// MenuGet returns the menus set through the API (/cgi-bin/menu/get): the
// default menu and the conditional menus,
// {"menu":{"button":[...]},"conditionalmenu":[{"button":[...],"matchrule":{...},"menuid":208396993}]};
// an account without a menu gets errcode 46003.
//
// WeChat docs: https://developers.weixin.qq.com/doc/offiaccount/Custom_Menus/Getting_Custom_Menu_Configurations.html
func (w *WeChatAPI) MenuGet(ctx context.Context) (json.RawMessage, error) {
	return rawAnswer(func(out any) error { return w.Get(ctx, pathMenuGet, nil, out) })
}

// MenuDelete deletes the account's menus, the default one and every
// conditional one (/cgi-bin/menu/delete), and returns WeChat's answer.
//
// WeChat docs: https://developers.weixin.qq.com/doc/offiaccount/Custom_Menus/Deleting_Custom-Defined_Menu.html
func (w *WeChatAPI) MenuDelete(ctx context.Context) (json.RawMessage, error) {
	return rawAnswer(func(out any) error { return w.Get(ctx, pathMenuDelete, nil, out) })
}

// MenuAddConditional creates a conditional menu shown to the users rule
// matches (/cgi-bin/menu/addconditional), sent as given, and returns
// WeChat's answer: {"menuid":"208379533"}. [Client.CreateConditionalMenu]
// checks the menu and the rule first.
//
// WeChat docs: https://developers.weixin.qq.com/doc/offiaccount/Custom_Menus/Personalized_menu_interface.html
func (w *WeChatAPI) MenuAddConditional(ctx context.Context, menu Menu, rule MatchRule) (json.RawMessage, error) {
	return rawAnswer(func(out any) error { return w.menuAddConditional(ctx, menu, rule, out) })
}

func (w *WeChatAPI) menuAddConditional(ctx context.Context, menu Menu, rule MatchRule, out any) error {
	return w.Post(ctx, pathMenuAddConditional, nil, ConditionalMenu{Menu: menu, MatchRule: rule}, out)
}

// MenuDelConditional deletes the conditional menu id
// (/cgi-bin/menu/delconditional) and returns WeChat's answer; an id no
// conditional menu has gets errcode 65301.
//
// WeChat docs: https://developers.weixin.qq.com/doc/offiaccount/Custom_Menus/Personalized_menu_interface.html
func (w *WeChatAPI) MenuDelConditional(ctx context.Context, id MenuID) (json.RawMessage, error) {
	return rawAnswer(func(out any) error {
		return w.Post(ctx, pathMenuDelConditional, nil, struct {
			MenuID string `json:"menuid"`
		}{id.String()}, out)
	})
}

// MenuTryMatch returns the conditional menu a user would see
// (/cgi-bin/menu/trymatch), the user given by openid or by WeChat ID
// (微信号): {"button":[...]}. WeChat answers 46002 when no conditional menu
// matches the user.
//
// WeChat docs: https://developers.weixin.qq.com/doc/offiaccount/Custom_Menus/Personalized_menu_interface.html
func (w *WeChatAPI) MenuTryMatch(ctx context.Context, userID string) (json.RawMessage, error) {
	return rawAnswer(func(out any) error { return w.menuTryMatch(ctx, userID, out) })
}

func (w *WeChatAPI) menuTryMatch(ctx context.Context, userID string, out any) error {
	return w.postRead(ctx, pathMenuTryMatch, struct {
		UserID string `json:"user_id"`
	}{userID}, out)
}

// GetCurrentSelfMenuInfo returns the menu the account shows
// (/cgi-bin/get_current_selfmenu_info), set through the API or in the web
// console: {"is_menu_open":1,"selfmenu_info":{"button":[...]}}, a
// sub-menu's buttons under "sub_button":{"list":[...]}.
//
// WeChat docs: https://developers.weixin.qq.com/doc/offiaccount/Custom_Menus/Querying_Custom_Menus.html
func (w *WeChatAPI) GetCurrentSelfMenuInfo(ctx context.Context) (json.RawMessage, error) {
	return rawAnswer(func(out any) error { return w.Get(ctx, pathSelfMenuInfo, nil, out) })
}

// CreateMenu sets the account's default menu (Python wego create_menu),
// replacing the one it had; conditional menus stay. The menu is checked
// against WeChat's limits first ([Menu.Validate]): a menu WeChat would
// refuse gives an error naming the button, and nothing is sent. WeChat
// refreshes a user's menu when the user opens the chat and the menu is
// more than five minutes old.
//
// WeChat docs: https://developers.weixin.qq.com/doc/offiaccount/Custom_Menus/Creating_Custom-Defined_Menu.html
func (c *Client) CreateMenu(ctx context.Context, menu Menu) error {
	if err := menu.Validate(); err != nil {
		return err
	}
	_, err := c.WeChat.MenuCreate(ctx, menu)
	return err
}

// GetMenus returns the menus set through the API (Python wego get_menus):
// the default menu and the conditional menus with their ids and rules. An
// account without a menu gets an empty Menus, as in Python wego (WeChat
// answers 46003). A menu set in the web console is not among them:
// [Client.GetCurrentSelfMenuInfo] tells that one.
//
// WeChat docs: https://developers.weixin.qq.com/doc/offiaccount/Custom_Menus/Getting_Custom_Menu_Configurations.html
func (c *Client) GetMenus(ctx context.Context) (*Menus, error) {
	var a struct {
		Menu struct {
			Menu
			MenuID MenuID `json:"menuid"`
		} `json:"menu"`
		Conditional []ConditionalMenu `json:"conditionalmenu"`
	}
	err := c.WeChat.Get(ctx, pathMenuGet, nil, &a)
	if isCode(err, CodeMenuNotExist) {
		return &Menus{}, nil
	}
	if err != nil {
		return nil, err
	}
	return &Menus{Menu: a.Menu.Menu, MenuID: a.Menu.MenuID, Conditional: a.Conditional}, nil
}

// DelMenu deletes every menu of the account, the default one and the
// conditional ones (Python wego del_menu, and del_all_menus).
//
// WeChat docs: https://developers.weixin.qq.com/doc/offiaccount/Custom_Menus/Deleting_Custom-Defined_Menu.html
func (c *Client) DelMenu(ctx context.Context) error {
	_, err := c.WeChat.MenuDelete(ctx)
	return err
}

// DelConditionalMenu deletes one conditional menu by its id (Python wego
// del_menu(menu_id), and del_conditional_menu); the other menus stay.
// WeChat answers 65301 for an id no conditional menu has.
//
// WeChat docs: https://developers.weixin.qq.com/doc/offiaccount/Custom_Menus/Personalized_menu_interface.html
func (c *Client) DelConditionalMenu(ctx context.Context, id MenuID) error {
	if id <= 0 {
		return missing("menuid")
	}
	_, err := c.WeChat.MenuDelConditional(ctx, id)
	return err
}

// CreateConditionalMenu creates a conditional menu, shown instead of the
// default menu to the users rule matches (Python wego
// create_conditional_menu), and returns its id. The menu and the rule are
// checked first ([Menu.Validate], [MatchRule.Validate]), and nothing is
// sent when WeChat would refuse them. WeChat needs a default menu first
// (65303), takes links to at most 3 domains across all conditional menus
// (65316), and refuses rules on sex, region or language since 2021
// (65320; see [MatchRule]).
//
// WeChat docs: https://developers.weixin.qq.com/doc/offiaccount/Custom_Menus/Personalized_menu_interface.html
func (c *Client) CreateConditionalMenu(ctx context.Context, menu Menu, rule MatchRule) (MenuID, error) {
	if err := menu.Validate(); err != nil {
		return 0, err
	}
	if err := rule.Validate(); err != nil {
		return 0, err
	}
	var a struct {
		MenuID MenuID `json:"menuid"`
	}
	if err := c.WeChat.menuAddConditional(ctx, menu, rule, &a); err != nil {
		return 0, err
	}
	if a.MenuID == 0 {
		return 0, &HTTPError{Endpoint: pathMenuAddConditional, StatusCode: http.StatusOK, Reason: "answer without menuid"}
	}
	return a.MenuID, nil
}

// TryMatch returns the menu a user sees (Python wego
// check_personalized_menu_match), the user given by openid or by WeChat ID
// (微信号): the newest conditional menu whose rule matches the user, or the
// default menu when none does (WeChat answers 46002 and TryMatch asks
// menu/get for it, a second request), or an empty menu when the account
// has none (46003).
//
// WeChat docs: https://developers.weixin.qq.com/doc/offiaccount/Custom_Menus/Personalized_menu_interface.html
func (c *Client) TryMatch(ctx context.Context, user string) (*Menu, error) {
	if user == "" {
		return nil, missing("user: an openid or a WeChat ID")
	}
	var m Menu
	err := c.WeChat.menuTryMatch(ctx, user, &m)
	switch {
	case isCode(err, CodeMenuVersionNotExist):
		menus, err := c.GetMenus(ctx)
		if err != nil {
			return nil, err
		}
		return &menus.Menu, nil
	case isCode(err, CodeMenuNotExist):
		return &Menu{}, nil
	case err != nil:
		return nil, err
	}
	return &m, nil
}

// GetCurrentSelfMenuInfo returns the menu the account's users see, however
// it was set: through the API (the default menu, as [Client.GetMenus]
// tells it) or in the web console (mp.weixin.qq.com), which menu/get does
// not show. A closed menu comes with Open false.
//
// WeChat docs: https://developers.weixin.qq.com/doc/offiaccount/Custom_Menus/Querying_Custom_Menus.html
func (c *Client) GetCurrentSelfMenuInfo(ctx context.Context) (*SelfMenu, error) {
	var a struct {
		IsMenuOpen   int `json:"is_menu_open"`
		SelfMenuInfo struct {
			Button []selfMenuButtonJSON `json:"button"`
		} `json:"selfmenu_info"`
	}
	if err := c.WeChat.Get(ctx, pathSelfMenuInfo, nil, &a); err != nil {
		return nil, err
	}
	m := &SelfMenu{Open: a.IsMenuOpen == 1}
	for i := range a.SelfMenuInfo.Button {
		m.Buttons = append(m.Buttons, a.SelfMenuInfo.Button[i].button())
	}
	return m, nil
}

// isCode reports whether err is an [*APIError] with errcode code.
func isCode(err error, code int) bool {
	var ae *APIError
	return errors.As(err, &ae) && ae.Code == code
}
