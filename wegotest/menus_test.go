package wegotest

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wego-sdk/wego"
)

// raw is a JSON body sent as written.
func raw(s string) json.RawMessage { return json.RawMessage(s) }

const okMenu = `{"button":[{"type":"click","name":"今日歌曲","key":"V1001_TODAY_MUSIC"},
	{"name":"菜单","sub_button":[{"type":"view","name":"搜索","url":"http://www.soso.com/"}]}]}`

// The fake refuses what WeChat's page on creating a menu refuses, with
// WeChat's codes, and keeps nothing of a refused menu.
func TestMenuCreateRefusesWhatWeChatRefuses(t *testing.T) {
	t.Parallel()
	s, c := userClient(t)
	long := strings.Repeat("x", 1025)
	for _, tt := range []struct {
		name string
		body string
		code int
	}{
		{"no buttons", `{"button":[]}`, 40016},
		{"four buttons", `{"button":[{"type":"click","name":"a","key":"k"},{"type":"click","name":"a","key":"k"},{"type":"click","name":"a","key":"k"},{"type":"click","name":"a","key":"k"}]}`, 40016},
		{"no type", `{"button":[{"name":"a","key":"k"}]}`, 40017},
		{"unknown type", `{"button":[{"type":"clik","name":"a","key":"k"}]}`, 40017},
		{"type and sub-buttons", `{"button":[{"type":"click","name":"a","key":"k","sub_button":[{"type":"click","name":"b","key":"k"}]}]}`, 40017},
		{"17-byte name", `{"button":[{"type":"click","name":"今日歌曲推ab","key":"k"}]}`, 40018},
		{"no name", `{"button":[{"type":"click","name":"","key":"k"}]}`, 40018},
		{"click without key", `{"button":[{"type":"click","name":"a"}]}`, 40019},
		{"129-byte key", `{"button":[{"type":"click","name":"a","key":"` + strings.Repeat("k", 129) + `"}]}`, 40019},
		{"view without url", `{"button":[{"type":"view","name":"a"}]}`, 40020},
		{"1025-byte url", `{"button":[{"type":"view","name":"a","url":"` + long + `"}]}`, 40020},
		{"two levels", `{"button":[{"name":"a","sub_button":[{"name":"b","sub_button":[{"type":"click","name":"c","key":"k"}]}]}]}`, 40022},
		{"six sub-buttons", `{"button":[{"name":"a","sub_button":[` + strings.Repeat(`{"type":"click","name":"b","key":"k"},`, 5) + `{"type":"click","name":"b","key":"k"}]}]}`, 40023},
		{"sub-button without type", `{"button":[{"name":"a","sub_button":[{"name":"b","key":"k"}]}]}`, 40024},
		{"61-byte sub name", `{"button":[{"name":"a","sub_button":[{"type":"click","name":"` + strings.Repeat("n", 61) + `","key":"k"}]}]}`, 40025},
		{"sub click without key", `{"button":[{"name":"a","sub_button":[{"type":"click","name":"b"}]}]}`, 40026},
		{"sub view without url", `{"button":[{"name":"a","sub_button":[{"type":"view","name":"b"}]}]}`, 40027},
		{"media_id without media id", `{"button":[{"type":"media_id","name":"a"}]}`, 40007},
		{"article_id without article id", `{"button":[{"type":"article_id","name":"a"}]}`, 40097},
		{"miniprogram without appid", `{"button":[{"type":"miniprogram","name":"a","url":"u","pagepath":"p"}]}`, 40097},
		{"not JSON of a menu", `{"button":"x"}`, 47001},
	} {
		assert.Equal(t, tt.code, post(t, c, PathMenuCreate, raw(tt.body), nil), tt.name)
	}
	assert.Equal(t, wego.Menus{}, s.Menus(), "nothing kept")
	assert.Equal(t, 0, post(t, c, PathMenuCreate, raw(okMenu), nil))
	assert.Equal(t, 43002, get(t, c, PathMenuCreate, nil, nil), "create is a POST")
	assert.Equal(t, 43001, post(t, c, PathMenuGet, raw(`{}`), nil), "get is a GET")
}

// menu/get answers as WeChat's page shows: sub_button [] on every
// button, 46003 without a menu, menuids once there are conditional menus.
func TestMenuGetAnswer(t *testing.T) {
	t.Parallel()
	s, c := userClient(t)
	assert.Equal(t, 46003, get(t, c, PathMenuGet, nil, nil))
	require.Equal(t, 0, post(t, c, PathMenuCreate, raw(okMenu), nil))
	var a json.RawMessage
	require.Equal(t, 0, get(t, c, PathMenuGet, nil, &a))
	assert.JSONEq(t, `{"menu":{"button":[{"type":"click","name":"今日歌曲","key":"V1001_TODAY_MUSIC","sub_button":[]},
		{"name":"菜单","sub_button":[{"type":"view","name":"搜索","url":"http://www.soso.com/","sub_button":[]}]}]}}`, string(a))

	var id struct {
		MenuID string `json:"menuid"`
	}
	require.Equal(t, 0, post(t, c, PathMenuAddConditional, raw(`{"button":[{"type":"click","name":"VIP","key":"vip"}],
		"matchrule":{"tag_id":"2","client_platform_type":"2"}}`), &id))
	assert.Equal(t, "208379534", id.MenuID, "WeChat answers the id as a string; the default menu had the one before")
	require.Equal(t, 0, get(t, c, PathMenuGet, nil, &a))
	assert.JSONEq(t, `{"menu":{"button":[{"type":"click","name":"今日歌曲","key":"V1001_TODAY_MUSIC","sub_button":[]},
		{"name":"菜单","sub_button":[{"type":"view","name":"搜索","url":"http://www.soso.com/","sub_button":[]}]}],"menuid":208379533},
		"conditionalmenu":[{"button":[{"type":"click","name":"VIP","key":"vip","sub_button":[]}],
		"matchrule":{"tag_id":2,"client_platform_type":2},"menuid":208379534}]}`, string(a))
	menus := s.Menus()
	assert.Equal(t, wego.MenuID(208379533), menus.MenuID)
	require.Len(t, menus.Conditional, 1)
	assert.Equal(t, wego.MatchRule{TagID: 2, ClientPlatformType: 2}, menus.Conditional[0].MatchRule)
}

func TestMenuAddConditionalRefusesWhatWeChatRefuses(t *testing.T) {
	t.Parallel()
	s, c := userClient(t)
	vip := `{"type":"click","name":"VIP","key":"vip"}`
	body := func(rule string) json.RawMessage { return raw(`{"button":[` + vip + `],"matchrule":` + rule + `}`) }
	assert.Equal(t, 65303, post(t, c, PathMenuAddConditional, body(`{"tag_id":"2"}`), nil), "no default menu")
	require.Equal(t, 0, post(t, c, PathMenuCreate, raw(okMenu), nil))
	for _, tt := range []struct {
		rule string
		code int
	}{
		{`{}`, 65304},
		{`{"tag_id":""}`, 65304},
		{`{"sex":"1"}`, 65320},
		{`{"country":"中国"}`, 65320},
		{`{"language":"zh_CN"}`, 65320},
		{`{"client_platform_type":"4"}`, 40097},
		{`{"tag_id":"x"}`, 47001},
	} {
		assert.Equal(t, tt.code, post(t, c, PathMenuAddConditional, body(tt.rule), nil), tt.rule)
	}
	assert.Equal(t, 65304, post(t, c, PathMenuAddConditional, raw(`{"button":[`+vip+`]}`), nil), "no matchrule")
	assert.Equal(t, 65308, post(t, c, PathMenuAddConditional, raw(`{"button":[{"name":"a","key":"k"}],"matchrule":{"tag_id":2}}`), nil),
		"a conditional menu's button without a type")

	s.AllowPrivacyMenuRules(true)
	for _, tt := range []struct {
		rule string
		code int
	}{
		{`{"province":"广东"}`, 65310},
		{`{"country":"中国","city":"广州"}`, 65311},
		{`{"sex":"3"}`, 40097},
		{`{"language":"zh"}`, 40097},
		{`{"sex":"1","country":"中国","province":"广东","city":"广州","language":"zh_CN"}`, 0},
	} {
		assert.Equal(t, tt.code, post(t, c, PathMenuAddConditional, body(tt.rule), nil), tt.rule)
	}

	// At most 3 domains across all conditional menus.
	view := func(host string) json.RawMessage {
		return raw(`{"button":[{"type":"view","name":"v","url":"https://` + host + `/p?a=1"}],"matchrule":{"tag_id":2}}`)
	}
	for _, host := range []string{"a.example.com", "b.example.com", "A.example.com", "c.example.com"} {
		require.Equal(t, 0, post(t, c, PathMenuAddConditional, view(host), nil), host)
	}
	assert.Equal(t, 65316, post(t, c, PathMenuAddConditional, view("d.example.com"), nil))
	assert.Len(t, s.Menus().Conditional, 5)
}

func TestMenuDelete(t *testing.T) {
	t.Parallel()
	s, c := userClient(t)
	require.Equal(t, 0, post(t, c, PathMenuCreate, raw(okMenu), nil))
	var ids []int64
	for range 3 {
		var a struct {
			MenuID wego.MenuID `json:"menuid"`
		}
		require.Equal(t, 0, post(t, c, PathMenuAddConditional, raw(`{"button":[{"type":"click","name":"a","key":"k"}],"matchrule":{"tag_id":2}}`), &a))
		ids = append(ids, int64(a.MenuID))
	}
	assert.Equal(t, 0, post(t, c, PathMenuDelConditional, raw(`{"menuid":"`+wego.MenuID(ids[1]).String()+`"}`), nil))
	assert.Equal(t, 65301, post(t, c, PathMenuDelConditional, raw(`{"menuid":"`+wego.MenuID(ids[1]).String()+`"}`), nil), "gone")
	assert.Equal(t, 65301, post(t, c, PathMenuDelConditional, raw(`{"menuid":208379533}`), nil), "the default menu is not a conditional one")
	m := s.Menus()
	require.Len(t, m.Conditional, 2)
	assert.Equal(t, []wego.MenuID{wego.MenuID(ids[0]), wego.MenuID(ids[2])}, []wego.MenuID{m.Conditional[0].MenuID, m.Conditional[1].MenuID})

	require.Equal(t, 0, post(t, c, PathMenuCreate, raw(okMenu), nil))
	assert.Len(t, s.Menus().Conditional, 2, "a new default menu keeps the conditional ones")
	assert.Equal(t, 0, get(t, c, PathMenuDelete, nil, nil))
	assert.Equal(t, wego.Menus{}, s.Menus(), "delete takes every menu")
	assert.Equal(t, 46003, get(t, c, PathMenuGet, nil, nil))
	assert.Equal(t, 0, get(t, c, PathMenuDelete, nil, nil), "deleting nothing is fine")
}

// trymatch matches newest first on every field a rule sets: a user's last
// tag, the platform; 46002 when no conditional menu matches.
func TestMenuTryMatch(t *testing.T) {
	t.Parallel()
	s, c := userClient(t)
	vip, err := s.AddTag("VIP")
	require.NoError(t, err)
	gold, err := s.AddTag("金卡")
	require.NoError(t, err)
	require.NoError(t, s.AddUser(User{OpenID: "oVIP", TagIDs: []int{gold, vip}, WeChatID: "vip_fan", ClientPlatformType: 1}))
	require.NoError(t, s.AddUser(User{OpenID: "oGold", TagIDs: []int{vip, gold}, ClientPlatformType: 2}))
	require.NoError(t, s.AddUser(User{OpenID: "oPlain", Sex: 2, Country: "中国", Province: "广东", City: "广州", Language: "en"}))
	try := func(user string) (string, int) {
		t.Helper()
		var a struct {
			Button []struct {
				Name string `json:"name"`
			} `json:"button"`
		}
		code := post(t, c, PathMenuTryMatch, raw(`{"user_id":"`+user+`"}`), &a)
		if code != 0 {
			return "", code
		}
		return a.Button[0].Name, 0
	}
	add := func(name, rule string) {
		t.Helper()
		require.Equal(t, 0, post(t, c, PathMenuAddConditional, raw(`{"button":[{"type":"click","name":"`+name+`","key":"k"}],"matchrule":`+rule+`}`), nil))
	}
	_, code := try("oVIP")
	assert.Equal(t, 46003, code, "no menu")
	require.Equal(t, 0, post(t, c, PathMenuCreate, raw(okMenu), nil))
	_, code = try("oVIP")
	assert.Equal(t, 46002, code, "no conditional menu")

	add("vip", `{"tag_id":"`+itoa(vip)+`"}`)
	add("gold", `{"tag_id":`+itoa(gold)+`}`)
	name, _ := try("oVIP")
	assert.Equal(t, "vip", name, "the tag given last is VIP")
	name, _ = try("vip_fan")
	assert.Equal(t, "vip", name, "a WeChat ID works as the openid does")
	name, _ = try("oGold")
	assert.Equal(t, "gold", name)
	_, code = try("oPlain")
	assert.Equal(t, 46002, code)
	_, code = try("oNobody")
	assert.Equal(t, 65302, code)

	// Tagging through the API makes that tag the last.
	require.Equal(t, 0, post(t, c, PathTagsBatchTagging, map[string]any{"openid_list": []string{"oGold"}, "tagid": vip}, nil))
	name, _ = try("oGold")
	assert.Equal(t, "vip", name)
	// Untagged, the user is matched on the newest tag left.
	require.Equal(t, 0, post(t, c, PathTagsBatchUntagging, map[string]any{"openid_list": []string{"oGold"}, "tagid": vip}, nil))
	name, _ = try("oGold")
	assert.Equal(t, "gold", name)

	add("android", `{"client_platform_type":"2"}`)
	name, _ = try("oGold")
	assert.Equal(t, "android", name, "newest first")
	add("ios vip", `{"tag_id":`+itoa(vip)+`,"client_platform_type":1}`)
	name, _ = try("oVIP")
	assert.Equal(t, "ios vip", name, "every field of the rule matches")

	// Privacy rules: made while allowed, matched while allowed, lapsed after.
	s.AllowPrivacyMenuRules(true)
	add("women in GZ", `{"sex":"2","country":"中国","province":"广东","city":"广州","language":"en"}`)
	name, _ = try("oPlain")
	assert.Equal(t, "women in GZ", name)
	s.AllowPrivacyMenuRules(false)
	_, code = try("oPlain")
	assert.Equal(t, 46002, code, "a rule on personal data matches no one on today's WeChat")
	assert.Len(t, s.Menus().Conditional, 5, "though menu/get still shows it")
}

func itoa(n int) string { return wego.MenuID(n).String() }

// get_current_selfmenu_info tells the API's default menu, sub-buttons
// under list.
func TestSelfMenuInfo(t *testing.T) {
	t.Parallel()
	_, c := userClient(t)
	var a json.RawMessage
	require.Equal(t, 0, get(t, c, PathSelfMenuInfo, nil, &a))
	assert.JSONEq(t, `{"is_menu_open":0}`, string(a))
	require.Equal(t, 0, post(t, c, PathMenuCreate, raw(okMenu), nil))
	require.Equal(t, 0, get(t, c, PathSelfMenuInfo, nil, &a))
	assert.JSONEq(t, `{"is_menu_open":1,"selfmenu_info":{"button":[{"type":"click","name":"今日歌曲","key":"V1001_TODAY_MUSIC"},
		{"name":"菜单","sub_button":{"list":[{"type":"view","name":"搜索","url":"http://www.soso.com/"}]}}]}}`, string(a))
}

func TestAddUserChecksClientPlatform(t *testing.T) {
	t.Parallel()
	s := New(t)
	assert.ErrorContains(t, s.AddUser(User{OpenID: "o", ClientPlatformType: 4}), "client platform 4")
	require.NoError(t, s.AddUser(User{OpenID: "o", ClientPlatformType: 3, WeChatID: "fan"}))
	u, _ := s.User("o")
	assert.Equal(t, 3, u.ClientPlatformType)
	assert.Equal(t, "fan", u.WeChatID)
}
