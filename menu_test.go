package wego_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wego-sdk/wego"
	"github.com/wego-sdk/wego/wegotest"
)

// sampleMenu has a button of every kind, a URL with & and a name in Chinese.
var sampleMenu = wego.Menu{Buttons: []wego.Button{
	wego.ClickButton("今日歌曲", "V1001_TODAY_MUSIC"),
	wego.SubMenu("菜单",
		wego.ViewButton("搜索", "https://www.example.com/s?q=1&lang=zh"),
		wego.MiniprogramButton("wxa", "wx286b93c14bbf93aa", "pages/lunar/index", "http://mp.weixin.qq.com"),
		wego.ClickButton("赞一下我们", "V1001_GOOD"),
	),
	wego.SubMenu("发图",
		wego.PicSysphotoButton("系统拍照发图", "rselfmenu_1_0"),
		wego.PicPhotoOrAlbumButton("拍照或者相册发图", "rselfmenu_1_1"),
		wego.PicWeixinButton("微信相册发图", "rselfmenu_1_2"),
		wego.MediaIDButton("图片", "MEDIA_ID1"),
		wego.ArticleIDButton("发布后的图文消息", "ARTICLE_ID1"),
	),
}}

const sampleMenuJSON = `{"button":[
	{"type":"click","name":"今日歌曲","key":"V1001_TODAY_MUSIC"},
	{"name":"菜单","sub_button":[
		{"type":"view","name":"搜索","url":"https://www.example.com/s?q=1&lang=zh"},
		{"type":"miniprogram","name":"wxa","url":"http://mp.weixin.qq.com","appid":"wx286b93c14bbf93aa","pagepath":"pages/lunar/index"},
		{"type":"click","name":"赞一下我们","key":"V1001_GOOD"}]},
	{"name":"发图","sub_button":[
		{"type":"pic_sysphoto","name":"系统拍照发图","key":"rselfmenu_1_0"},
		{"type":"pic_photo_or_album","name":"拍照或者相册发图","key":"rselfmenu_1_1"},
		{"type":"pic_weixin","name":"微信相册发图","key":"rselfmenu_1_2"},
		{"type":"media_id","name":"图片","media_id":"MEDIA_ID1"},
		{"type":"article_id","name":"发布后的图文消息","article_id":"ARTICLE_ID1"}]}]}`

// sampleRule is a rule of today's WeChat: a tag and a platform.
var sampleRule = wego.MatchRule{TagID: 134, ClientPlatformType: 2}

// menusAnswer is menu/get as WeChat's page shows it with a conditional menu:
// "sub_button":[] everywhere, the default menu's menuid, the rule's
// numbers as numbers.
const menusAnswer = `{"menu":{"button":[
	{"type":"click","name":"今日歌曲","key":"V1001_TODAY_MUSIC","sub_button":[]},
	{"name":"菜单","sub_button":[{"type":"view","name":"搜索","url":"http://www.soso.com/","sub_button":[]}]}],
	"menuid":208396938},
	"conditionalmenu":[{"button":[{"type":"click","name":"今日歌曲","key":"V1001_TODAY_MUSIC","sub_button":[]}],
	"matchrule":{"group_id":2,"sex":1,"country":"中国","province":"广东","city":"广州","client_platform_type":2},
	"menuid":208396993}]}`

func TestRawMenuRequests(t *testing.T) {
	t.Parallel()
	runRawCases(t, []rawCase{
		{"MenuCreate", func(ctx context.Context, w *wego.WeChatAPI) (json.RawMessage, error) {
			return w.MenuCreate(ctx, sampleMenu)
		}, wantCall{method: "POST", path: "/cgi-bin/menu/create", body: sampleMenuJSON}},
		{"MenuCreate sends a menu as given", func(ctx context.Context, w *wego.WeChatAPI) (json.RawMessage, error) {
			return w.MenuCreate(ctx, wego.Menu{Buttons: []wego.Button{{Type: "new_type", Name: "x"}}})
		}, wantCall{method: "POST", path: "/cgi-bin/menu/create", body: `{"button":[{"type":"new_type","name":"x"}]}`}},
		{"MenuGet", func(ctx context.Context, w *wego.WeChatAPI) (json.RawMessage, error) {
			return w.MenuGet(ctx)
		}, wantCall{method: "GET", path: "/cgi-bin/menu/get"}},
		{"MenuDelete", func(ctx context.Context, w *wego.WeChatAPI) (json.RawMessage, error) {
			return w.MenuDelete(ctx)
		}, wantCall{method: "GET", path: "/cgi-bin/menu/delete"}},
		{"MenuAddConditional", func(ctx context.Context, w *wego.WeChatAPI) (json.RawMessage, error) {
			return w.MenuAddConditional(ctx, wego.Menu{Buttons: []wego.Button{wego.ClickButton("VIP", "K")}}, sampleRule)
		}, wantCall{method: "POST", path: "/cgi-bin/menu/addconditional",
			body: `{"button":[{"type":"click","name":"VIP","key":"K"}],"matchrule":{"tag_id":"134","client_platform_type":"2"}}`}},
		{"MenuDelConditional", func(ctx context.Context, w *wego.WeChatAPI) (json.RawMessage, error) {
			return w.MenuDelConditional(ctx, 208379533)
		}, wantCall{method: "POST", path: "/cgi-bin/menu/delconditional", body: `{"menuid":"208379533"}`}},
		{"MenuTryMatch", func(ctx context.Context, w *wego.WeChatAPI) (json.RawMessage, error) {
			return w.MenuTryMatch(ctx, "weixin")
		}, wantCall{method: "POST", path: "/cgi-bin/menu/trymatch", body: `{"user_id":"weixin"}`}},
		{"GetCurrentSelfMenuInfo", func(ctx context.Context, w *wego.WeChatAPI) (json.RawMessage, error) {
			return w.GetCurrentSelfMenuInfo(ctx)
		}, wantCall{method: "GET", path: "/cgi-bin/get_current_selfmenu_info"}},
	})
}

// selfMenuAnswer is get_current_selfmenu_info for a menu set in the web
// console, as WeChat's page shows one: sub-buttons under "list", a news
// button with its articles.
const selfMenuAnswer = `{"is_menu_open":1,"selfmenu_info":{"button":[
	{"name":"button","sub_button":{"list":[
		{"type":"view","name":"view_url","url":"http://www.qq.com"},
		{"type":"news","name":"news","value":"KQb_w_Tiz-nSdVLoTV35Psmty8hGBulGhEdbb9SKs-o","news_info":{"list":[
			{"title":"MULTI_NEWS","author":"JIMZHENG","digest":"text","show_cover":0,"cover_url":"http://mmbiz.qpic.cn/cover","content_url":"http://mp.weixin.qq.com/s?__biz=MjM5ODUwNTM3Ng==&mid=204013432","source_url":""},
			{"title":"MULTI_NEWS1","author":"JIMZHENG","digest":"MULTI_NEWS1","show_cover":1,"cover_url":"http://mmbiz.qpic.cn/cover1","content_url":"http://mp.weixin.qq.com/s?mid=204013433","source_url":"http://www.qq.com"}]}},
		{"type":"video","name":"video","value":"http://61.182.130.30/vweixinp.tc.qq.com/1007_114bcede9a2244eeb5ab7f76d951df5f.f10.mp4"},
		{"type":"voice","name":"voice","value":"nTXe3aghlQ4XYHa0AQPWiQQbFW9RVtaYTLPC1PCQx11qc9UB6CiUPFjdkeEtJicn"}]}},
	{"type":"text","name":"text","value":"This is text!"},
	{"type":"img","name":"photo","value":"ax5Whs5dsoomJLEppAvftBUuH7CgXCZGFbFJifmbUjnQk_ierMHY99Y5d2Cv14RD"}]}}`

func TestMenuCallRequests(t *testing.T) {
	t.Parallel()
	getMenus := wantCall{method: "GET", path: "/cgi-bin/menu/get", answer: menusAnswer}
	runMockCases(t, []mockCase{
		{"CreateMenu", func(ctx context.Context, c *wego.Client) error {
			return c.CreateMenu(ctx, sampleMenu)
		}, []wantCall{{method: "POST", path: "/cgi-bin/menu/create", body: sampleMenuJSON}}},
		{"GetMenus", func(ctx context.Context, c *wego.Client) error {
			m, err := c.GetMenus(ctx)
			if err != nil {
				return err
			}
			assert.Equal(t, wego.Menus{
				Menu: wego.Menu{Buttons: []wego.Button{
					wego.ClickButton("今日歌曲", "V1001_TODAY_MUSIC"),
					wego.SubMenu("菜单", wego.ViewButton("搜索", "http://www.soso.com/")),
				}},
				MenuID: 208396938,
				Conditional: []wego.ConditionalMenu{{
					Menu:   wego.Menu{Buttons: []wego.Button{wego.ClickButton("今日歌曲", "V1001_TODAY_MUSIC")}},
					MenuID: 208396993,
					MatchRule: wego.MatchRule{
						GroupID: 2, Sex: 1, Country: "中国", Province: "广东", City: "广州", ClientPlatformType: 2,
					},
				}},
			}, *m, "sub_button [] loads as nil; the rule's numbers load")
			return nil
		}, []wantCall{getMenus}},
		{"GetMenus of an account without a menu", func(ctx context.Context, c *wego.Client) error {
			m, err := c.GetMenus(ctx)
			if err == nil {
				assert.Equal(t, wego.Menus{}, *m, "46003 is an empty menu, as in Python wego")
			}
			return err
		}, []wantCall{{method: "GET", path: "/cgi-bin/menu/get", answer: `{"errcode":46003,"errmsg":"menu no exist"}`}}},
		{"DelMenu", func(ctx context.Context, c *wego.Client) error {
			return c.DelMenu(ctx)
		}, []wantCall{{method: "GET", path: "/cgi-bin/menu/delete"}}},
		{"DelConditionalMenu", func(ctx context.Context, c *wego.Client) error {
			return c.DelConditionalMenu(ctx, 208379533)
		}, []wantCall{{method: "POST", path: "/cgi-bin/menu/delconditional", body: `{"menuid":"208379533"}`}}},
		{"CreateConditionalMenu", func(ctx context.Context, c *wego.Client) error {
			id, err := c.CreateConditionalMenu(ctx, sampleMenu, sampleRule)
			assert.Equal(t, wego.MenuID(208379533), id, "WeChat answers the id as a string")
			return err
		}, []wantCall{{method: "POST", path: "/cgi-bin/menu/addconditional",
			body:   strings.TrimSuffix(sampleMenuJSON, "}") + `,"matchrule":{"tag_id":"134","client_platform_type":"2"}}`,
			answer: `{"menuid":"208379533"}`}}},
		{"TryMatch", func(ctx context.Context, c *wego.Client) error {
			m, err := c.TryMatch(ctx, "oUser")
			if err == nil {
				assert.Equal(t, wego.Menu{Buttons: []wego.Button{wego.ViewButton("tx", "http://www.qq.com/")}}, *m)
			}
			return err
		}, []wantCall{{method: "POST", path: "/cgi-bin/menu/trymatch", body: `{"user_id":"oUser"}`,
			answer: `{"button":[{"type":"view","name":"tx","url":"http://www.qq.com/","sub_button":[]}]}`}}},
		{"TryMatch with no conditional menu for the user gives the default menu", func(ctx context.Context, c *wego.Client) error {
			m, err := c.TryMatch(ctx, "weixin_id")
			if err == nil {
				assert.Equal(t, "今日歌曲", m.Buttons[0].Name)
				assert.Len(t, m.Buttons, 2)
			}
			return err
		}, []wantCall{
			{method: "POST", path: "/cgi-bin/menu/trymatch", body: `{"user_id":"weixin_id"}`, answer: `{"errcode":46002,"errmsg":"menu version no exist"}`},
			getMenus,
		}},
		{"TryMatch of an account without a menu", func(ctx context.Context, c *wego.Client) error {
			m, err := c.TryMatch(ctx, "oUser")
			if err == nil {
				assert.Equal(t, wego.Menu{}, *m)
			}
			return err
		}, []wantCall{{method: "POST", path: "/cgi-bin/menu/trymatch", body: `{"user_id":"oUser"}`, answer: `{"errcode":46003,"errmsg":"menu no exist"}`}}},
		{"GetCurrentSelfMenuInfo of a console menu", func(ctx context.Context, c *wego.Client) error {
			m, err := c.GetCurrentSelfMenuInfo(ctx)
			if err != nil {
				return err
			}
			require.True(t, m.Open)
			require.Len(t, m.Buttons, 3)
			sub := m.Buttons[0].SubButtons
			require.Len(t, sub, 4)
			assert.Equal(t, wego.SelfMenuButton{Type: "view", Name: "view_url", URL: "http://www.qq.com"}, sub[0])
			assert.Equal(t, wego.ButtonType("news"), sub[1].Type)
			assert.Equal(t, "KQb_w_Tiz-nSdVLoTV35Psmty8hGBulGhEdbb9SKs-o", sub[1].Value)
			assert.Equal(t, []wego.SelfMenuArticle{
				{Title: "MULTI_NEWS", Author: "JIMZHENG", Digest: "text", CoverURL: "http://mmbiz.qpic.cn/cover",
					ContentURL: "http://mp.weixin.qq.com/s?__biz=MjM5ODUwNTM3Ng==&mid=204013432"},
				{Title: "MULTI_NEWS1", Author: "JIMZHENG", Digest: "MULTI_NEWS1", ShowCover: true, CoverURL: "http://mmbiz.qpic.cn/cover1",
					ContentURL: "http://mp.weixin.qq.com/s?mid=204013433", SourceURL: "http://www.qq.com"},
			}, sub[1].News)
			assert.Equal(t, wego.SelfMenuButton{Type: "text", Name: "text", Value: "This is text!"}, m.Buttons[1])
			return nil
		}, []wantCall{{method: "GET", path: "/cgi-bin/get_current_selfmenu_info", answer: selfMenuAnswer}}},
		{"GetCurrentSelfMenuInfo of a closed menu", func(ctx context.Context, c *wego.Client) error {
			m, err := c.GetCurrentSelfMenuInfo(ctx)
			if err == nil {
				assert.Equal(t, wego.SelfMenu{}, *m)
			}
			return err
		}, []wantCall{{method: "GET", path: "/cgi-bin/get_current_selfmenu_info", answer: `{"is_menu_open":0}`}}},
	})
}

// The body goes out with & and < as they are, not \u0026: WeChat keeps
// URLs and names as sent.
func TestMenuBodyIsNotHTMLEscaped(t *testing.T) {
	t.Parallel()
	mt, c := mockClient(t)
	var body []byte
	mt.RegisterResponder(http.MethodPost, "https://api.weixin.qq.com/cgi-bin/menu/create",
		func(r *http.Request) (*http.Response, error) {
			body, _ = io.ReadAll(r.Body)
			return httpmock.NewStringResponse(200, `{"errcode":0,"errmsg":"ok"}`), nil
		})
	require.NoError(t, c.CreateMenu(context.Background(), wego.Menu{Buttons: []wego.Button{
		wego.ViewButton("<Shop>", "https://example.com/?a=1&b=2"),
	}}))
	assert.Equal(t, `{"button":[{"type":"view","name":"<Shop>","url":"https://example.com/?a=1&b=2"}]}`, string(body))
}

// A Menu marshals to exactly WeChat's JSON and loads from WeChat's, the
// sub_button lists WeChat answers becoming nil.
func TestMenuJSON(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	require.NoError(t, enc.Encode(wego.Menu{Buttons: []wego.Button{
		wego.ClickButton("Today", "V1001_TODAY"),
		wego.SubMenu("More", wego.ViewButton("Site", "https://example.com/?a=1&b=2")),
	}}))
	assert.Equal(t, `{"button":[{"type":"click","name":"Today","key":"V1001_TODAY"},`+
		`{"name":"More","sub_button":[{"type":"view","name":"Site","url":"https://example.com/?a=1&b=2"}]}]}`+"\n", buf.String())

	var m wego.Menu
	require.NoError(t, json.Unmarshal([]byte(sampleMenuJSON), &m))
	assert.Equal(t, sampleMenu, m)

	var answered wego.Menu
	require.NoError(t, json.Unmarshal([]byte(`{"button":[{"type":"click","name":"a","key":"k","sub_button":[]},
		{"name":"b","sub_button":[{"type":"view","name":"c","url":"u","sub_button":[ ]}]}]}`), &answered))
	assert.Equal(t, wego.Menu{Buttons: []wego.Button{wego.ClickButton("a", "k"), wego.SubMenu("b", wego.ViewButton("c", "u"))}}, answered)
}

func TestMatchRuleJSON(t *testing.T) {
	t.Parallel()
	full := wego.MatchRule{TagID: 2, Sex: 1, Country: "中国", Province: "广东", City: "广州", ClientPlatformType: 2, Language: "zh_CN"}
	b, err := json.Marshal(full)
	require.NoError(t, err)
	assert.JSONEq(t, `{"tag_id":"2","sex":"1","country":"中国","province":"广东","city":"广州","client_platform_type":"2","language":"zh_CN"}`,
		string(b), "as WeChat's page writes a rule: every value a string")

	for _, in := range []string{
		`{"tag_id":"2","sex":"1","country":"中国","province":"广东","city":"广州","client_platform_type":"2","language":"zh_CN"}`,
		`{"tag_id":2,"sex":1,"country":"中国","province":"广东","city":"广州","client_platform_type":2,"language":"zh_CN","group_id":""}`,
		`{"tag_id":2,"sex":1,"country":"中国","province":"广东","city":"广州","client_platform_type":2,"language":"zh_CN","group_id":null}`,
	} {
		var r wego.MatchRule
		require.NoError(t, json.Unmarshal([]byte(in), &r), in)
		assert.Equal(t, full, r, in)
	}
	b, err = json.Marshal(wego.MatchRule{TagID: 134})
	require.NoError(t, err)
	assert.Equal(t, `{"tag_id":"134"}`, string(b), "unset fields are left out")

	var r wego.MatchRule
	assert.Error(t, json.Unmarshal([]byte(`{"sex":"male"}`), &r))
	assert.Error(t, json.Unmarshal([]byte(`{"tag_id":1.5}`), &r))

	var id wego.MenuID
	require.NoError(t, json.Unmarshal([]byte(`"208379533"`), &id))
	assert.Equal(t, wego.MenuID(208379533), id)
	require.NoError(t, json.Unmarshal([]byte(`208396993`), &id))
	assert.Equal(t, "208396993", id.String())
	assert.Error(t, json.Unmarshal([]byte(`"x"`), &id))
}

// Every constructor makes a button of its type that validates.
func TestButtonConstructors(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		b    wego.Button
		want wego.Button
	}{
		{wego.ClickButton("n", "k"), wego.Button{Type: wego.ButtonClick, Name: "n", Key: "k"}},
		{wego.ViewButton("n", "u"), wego.Button{Type: wego.ButtonView, Name: "n", URL: "u"}},
		{wego.ScancodePushButton("n", "k"), wego.Button{Type: wego.ButtonScancodePush, Name: "n", Key: "k"}},
		{wego.ScancodeWaitmsgButton("n", "k"), wego.Button{Type: wego.ButtonScancodeWaitmsg, Name: "n", Key: "k"}},
		{wego.PicSysphotoButton("n", "k"), wego.Button{Type: wego.ButtonPicSysphoto, Name: "n", Key: "k"}},
		{wego.PicPhotoOrAlbumButton("n", "k"), wego.Button{Type: wego.ButtonPicPhotoOrAlbum, Name: "n", Key: "k"}},
		{wego.PicWeixinButton("n", "k"), wego.Button{Type: wego.ButtonPicWeixin, Name: "n", Key: "k"}},
		{wego.LocationSelectButton("n", "k"), wego.Button{Type: wego.ButtonLocationSelect, Name: "n", Key: "k"}},
		{wego.MediaIDButton("n", "m"), wego.Button{Type: wego.ButtonMediaID, Name: "n", MediaID: "m"}},
		{wego.ViewLimitedButton("n", "m"), wego.Button{Type: wego.ButtonViewLimited, Name: "n", MediaID: "m"}},
		{wego.ArticleIDButton("n", "a"), wego.Button{Type: wego.ButtonArticleID, Name: "n", ArticleID: "a"}},
		{wego.ArticleViewLimitedButton("n", "a"), wego.Button{Type: wego.ButtonArticleViewLimited, Name: "n", ArticleID: "a"}},
		{wego.MiniprogramButton("n", "wx1", "p/i", "u"), wego.Button{Type: wego.ButtonMiniprogram, Name: "n", AppID: "wx1", PagePath: "p/i", URL: "u"}},
	} {
		assert.Equal(t, tt.want, tt.b)
		assert.NoError(t, wego.Menu{Buttons: []wego.Button{tt.b}}.Validate(), tt.b.Type)
		assert.NoError(t, wego.Menu{Buttons: []wego.Button{wego.SubMenu("s", tt.b)}}.Validate(), tt.b.Type)
	}
}

func TestMenuValidate(t *testing.T) {
	t.Parallel()
	top := func(bs ...wego.Button) wego.Menu { return wego.Menu{Buttons: bs} }
	click := wego.ClickButton("a", "k")
	five := []wego.Button{click, click, click, click, click}
	for _, tt := range []struct {
		name string
		menu wego.Menu
		want error // the sentinel
		text string
	}{
		{"no buttons", wego.Menu{}, wego.ErrMissingParameter, "menu: buttons"},
		{"a fourth button", top(click, click, click, click), wego.ErrInvalidParameter, "button 4: a menu has at most 3 buttons"},
		{"a sixth sub-button", top(click, wego.SubMenu("more", append(five, click)...)), wego.ErrInvalidParameter,
			"button 2 › sub 6: a sub-menu has at most 5 buttons"},
		{"a name of 6 Chinese characters in the bar", top(wego.ClickButton("今日歌曲推荐", "k")), wego.ErrInvalidParameter,
			"button 1: name is 18 bytes, at most 16"},
		{"a name of 17 bytes in the bar", top(wego.ClickButton("今日歌曲推ab", "k")), wego.ErrInvalidParameter, // 5×3 + 2 bytes
			"button 1: name is 17 bytes, at most 16"},
		{"a sub name of 61 bytes", top(click, wego.SubMenu("m", click, click, click, wego.ClickButton(strings.Repeat("a", 61), "k"))),
			wego.ErrInvalidParameter, "button 2 › sub 4: name is 61 bytes, at most 60"},
		{"a view button without URL", top(wego.ViewButton("site", "")), wego.ErrMissingParameter,
			"button 1: url, which a view button needs"},
		{"a click button without key", top(click, wego.SubMenu("m", wego.ClickButton("b", ""))), wego.ErrMissingParameter,
			"button 2 › sub 1: key, which a click button needs"},
		{"a media_id button without media id", top(wego.MediaIDButton("m", "")), wego.ErrMissingParameter, "button 1: media_id, which a media_id button needs"},
		{"a view_limited button without media id", top(wego.ViewLimitedButton("m", "")), wego.ErrMissingParameter, "media_id, which a view_limited button needs"},
		{"an article_id button without article id", top(wego.ArticleIDButton("m", "")), wego.ErrMissingParameter, "article_id, which an article_id button needs"},
		{"an article_view_limited button without article id", top(wego.ArticleViewLimitedButton("m", "")), wego.ErrMissingParameter, "article_id, which an article_view_limited button needs"},
		{"a scancode_push button without key", top(wego.ScancodePushButton("m", "")), wego.ErrMissingParameter, "key, which a scancode_push button needs"},
		{"a location_select button without key", top(wego.LocationSelectButton("m", "")), wego.ErrMissingParameter, "key, which a location_select button needs"},
		{"a miniprogram button without appid", top(wego.MiniprogramButton("m", "", "p", "u")), wego.ErrMissingParameter, "button 1: appid, which a miniprogram button needs"},
		{"a miniprogram button without pagepath", top(wego.MiniprogramButton("m", "wx1", "", "u")), wego.ErrMissingParameter, "pagepath, which a miniprogram button needs"},
		{"a miniprogram button without fallback url", top(wego.MiniprogramButton("m", "wx1", "p", "")), wego.ErrMissingParameter, "url, which a miniprogram button needs"},
		{"a key of 129 bytes", top(wego.ClickButton("a", strings.Repeat("k", 129))), wego.ErrInvalidParameter, "button 1: key is 129 bytes, at most 128"},
		{"a URL of 1025 bytes", top(wego.ViewButton("a", "https://e.com/"+strings.Repeat("x", 1011))), wego.ErrInvalidParameter, "button 1: url is 1025 bytes, at most 1024"},
		{"no name", top(wego.ClickButton("", "k")), wego.ErrMissingParameter, "button 1: name"},
		{"no type", top(wego.Button{Name: "a", Key: "k"}), wego.ErrMissingParameter, "button 1: type, or sub-buttons"},
		{"an empty sub-menu", top(wego.SubMenu("m")), wego.ErrMissingParameter, "button 1: type, or sub-buttons"},
		{"an unknown type", top(wego.Button{Type: "clik", Name: "a", Key: "k"}), wego.ErrInvalidParameter, `button 1: type "clik" is not one of WeChat's button types`},
		{"a sub-menu with a type", top(wego.Button{Type: wego.ButtonClick, Name: "m", Key: "k", SubButtons: []wego.Button{click}}),
			wego.ErrInvalidParameter, `button 1: a button with sub-buttons has no type of its own, not "click"`},
		{"sub-menus two deep", top(wego.SubMenu("m", wego.SubMenu("n", click))), wego.ErrInvalidParameter,
			"button 1 › sub 1: a sub-button has no sub-buttons: menus nest one level"},
		{"a name that is not UTF-8", top(wego.ClickButton("a\xff", "k")), wego.ErrInvalidParameter, "button 1: name is not valid UTF-8"},
		{"a key that is not UTF-8", top(wego.ClickButton("a", "k\xff")), wego.ErrInvalidParameter, "button 1: key is not valid UTF-8"},
	} {
		err := tt.menu.Validate()
		require.ErrorIs(t, err, tt.want, tt.name)
		assert.Contains(t, err.Error(), tt.text, tt.name)
	}

	ok := []wego.Menu{
		top(wego.ClickButton("今日歌曲推", "k")), // 15 bytes
		top(wego.ClickButton("0123456789abcdef", "k")),
		top(click, click, click),
		top(wego.SubMenu("m", five...)),
		top(wego.SubMenu("m", wego.ClickButton(strings.Repeat("菜", 20), strings.Repeat("k", 128)))), // 60 bytes
		top(wego.ViewButton("a", "https://e.com/"+strings.Repeat("x", 1010))),                       // 1024 bytes
		top(wego.Button{Type: wego.ButtonView, Name: "v", URL: "u", Key: "ignored by WeChat"}),
	}
	for _, m := range ok {
		assert.NoError(t, m.Validate(), "%+v", m)
	}
}

func TestMatchRuleValidate(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		rule wego.MatchRule
		want error
		text string
	}{
		{wego.MatchRule{}, wego.ErrMissingParameter, "matchrule: at least one field"},
		{wego.MatchRule{Sex: 3}, wego.ErrInvalidParameter, "matchrule › sex: 3 is not 1 (men) or 2 (women)"},
		{wego.MatchRule{ClientPlatformType: 4}, wego.ErrInvalidParameter, "matchrule › client_platform_type: 4 is not 1 (iOS), 2 (Android) or 3 (others)"},
		{wego.MatchRule{Language: "zh"}, wego.ErrInvalidParameter, `matchrule › language: "zh" is not in WeChat's language table`},
		{wego.MatchRule{Province: "广东"}, wego.ErrMissingParameter, "matchrule › country, which a province or a city needs"},
		{wego.MatchRule{Country: "中国", City: "广州"}, wego.ErrMissingParameter, "matchrule › province, which a city needs"},
		{wego.MatchRule{TagID: -1}, wego.ErrInvalidParameter, "matchrule › tag_id: -1 is not a tag id"},
		{wego.MatchRule{GroupID: 2}, wego.ErrInvalidParameter, "matchrule › group_id: WeChat replaced groups with tags in rules: use TagID"},
		{wego.MatchRule{Country: "中\xff"}, wego.ErrInvalidParameter, "matchrule › country: not valid UTF-8"},
	} {
		err := tt.rule.Validate()
		require.ErrorIs(t, err, tt.want, "%+v", tt.rule)
		assert.Contains(t, err.Error(), tt.text)
	}
	for _, r := range []wego.MatchRule{
		{TagID: 2}, {ClientPlatformType: 3}, {Sex: 2}, {Language: "fr"}, {Country: "中国"}, {Country: "中国", Province: "广东"},
		{TagID: 2, Sex: 1, Country: "中国", Province: "广东", City: "广州", ClientPlatformType: 2, Language: "zh_CN"},
	} {
		assert.NoError(t, r.Validate(), "%+v", r)
	}
	assert.True(t, wego.MatchRule{}.IsZero())
	assert.False(t, wego.MatchRule{TagID: 2}.IsZero())
}

// menuPaths are the menu endpoints: a test of bad input checks that none
// of them, nor the token endpoints, saw a request.
var menuPaths = []string{
	wegotest.PathMenuCreate, wegotest.PathMenuGet, wegotest.PathMenuDelete, wegotest.PathMenuAddConditional,
	wegotest.PathMenuDelConditional, wegotest.PathMenuTryMatch, wegotest.PathSelfMenuInfo,
}

func menuRequestsSeen(srv *wegotest.Server) int {
	n := srv.TokenRequests()
	for _, p := range menuPaths {
		n += srv.Requests(p)
	}
	return n
}

// A menu WeChat would refuse fails before any request, with an error
// naming the button and the field.
func TestBadMenusSendNothing(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	ctx := context.Background()
	click := wego.ClickButton("a", "k")
	for _, tt := range []struct {
		name string
		menu wego.Menu
		want error
		text string
	}{
		{"a fourth button", wego.Menu{Buttons: []wego.Button{click, click, click, click}},
			wego.ErrInvalidParameter, "button 4: a menu has at most 3 buttons"},
		{"a sixth sub-button", wego.Menu{Buttons: []wego.Button{click, wego.SubMenu("more", click, click, click, click, click, click)}},
			wego.ErrInvalidParameter, "button 2 › sub 6: a sub-menu has at most 5 buttons"},
		{"a 17-byte name in Chinese", wego.Menu{Buttons: []wego.Button{wego.ClickButton("今日歌曲推ab", "k")}},
			wego.ErrInvalidParameter, "button 1: name is 17 bytes, at most 16"},
		{"6 Chinese characters", wego.Menu{Buttons: []wego.Button{click, wego.ViewButton("今日歌曲推荐", "https://example.com")}},
			wego.ErrInvalidParameter, "button 2: name is 18 bytes, at most 16"},
		{"a view button without URL", wego.Menu{Buttons: []wego.Button{click, wego.SubMenu("more", click, wego.ViewButton("site", ""))}},
			wego.ErrMissingParameter, "button 2 › sub 2: url, which a view button needs"},
	} {
		err := c.CreateMenu(ctx, tt.menu)
		require.ErrorIs(t, err, tt.want, tt.name)
		assert.Contains(t, err.Error(), tt.text, tt.name)
		_, err = c.CreateConditionalMenu(ctx, tt.menu, wego.MatchRule{TagID: 2})
		require.ErrorIs(t, err, tt.want, tt.name)
		assert.Contains(t, err.Error(), tt.text, tt.name)
	}
	_, err := c.CreateConditionalMenu(ctx, sampleMenu, wego.MatchRule{})
	assert.ErrorIs(t, err, wego.ErrMissingParameter, "a rule with no field")
	_, err = c.CreateConditionalMenu(ctx, sampleMenu, wego.MatchRule{Country: "中国", City: "广州"})
	assert.ErrorContains(t, err, "matchrule › province, which a city needs")
	assert.ErrorIs(t, c.DelConditionalMenu(ctx, 0), wego.ErrMissingParameter)
	_, err = c.TryMatch(ctx, "")
	assert.ErrorIs(t, err, wego.ErrMissingParameter)

	assert.Equal(t, 0, srv.Requests(wegotest.PathMenuCreate))
	assert.Equal(t, 0, srv.Requests(wegotest.PathMenuAddConditional))
	assert.Equal(t, 0, menuRequestsSeen(srv), "no request, not even for a token")
}

func TestMenusEndToEnd(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	ctx := context.Background()

	m, err := c.GetMenus(ctx)
	require.NoError(t, err)
	assert.Equal(t, wego.Menus{}, *m, "no menu yet: empty, not an error")
	self, err := c.GetCurrentSelfMenuInfo(ctx)
	require.NoError(t, err)
	assert.False(t, self.Open)

	require.NoError(t, c.CreateMenu(ctx, sampleMenu))
	m, err = c.GetMenus(ctx)
	require.NoError(t, err)
	assert.Equal(t, wego.Menus{Menu: sampleMenu}, *m)
	assert.Equal(t, sampleMenu, srv.Menus().Menu)

	self, err = c.GetCurrentSelfMenuInfo(ctx)
	require.NoError(t, err)
	assert.True(t, self.Open)
	require.Len(t, self.Buttons, 3)
	assert.Equal(t, wego.SelfMenuButton{Type: wego.ButtonClick, Name: "今日歌曲", Key: "V1001_TODAY_MUSIC"}, self.Buttons[0])
	require.Len(t, self.Buttons[1].SubButtons, 3)
	assert.Equal(t, wego.SelfMenuButton{Type: wego.ButtonMiniprogram, Name: "wxa", URL: "http://mp.weixin.qq.com",
		AppID: "wx286b93c14bbf93aa", PagePath: "pages/lunar/index"}, self.Buttons[1].SubButtons[1])
	assert.Equal(t, "https://www.example.com/s?q=1&lang=zh", self.Buttons[1].SubButtons[0].URL, "& stays &")

	require.NoError(t, c.DelMenu(ctx))
	m, err = c.GetMenus(ctx)
	require.NoError(t, err)
	assert.Equal(t, wego.Menus{}, *m)
}

func TestConditionalMenusEndToEnd(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	ctx := context.Background()
	vip, err := srv.AddTag("VIP")
	require.NoError(t, err)
	require.NoError(t, srv.AddUser(wegotest.User{OpenID: "oVIP", WeChatID: "vip_fan", ClientPlatformType: 2}))
	require.NoError(t, srv.AddUser(wegotest.User{OpenID: "oFan", ClientPlatformType: 2}))
	vipMenu := wego.Menu{Buttons: []wego.Button{wego.ClickButton("会员中心", "VIP_CENTER")}}
	rule := wego.MatchRule{TagID: vip, ClientPlatformType: 2}

	_, err = c.CreateConditionalMenu(ctx, vipMenu, rule)
	var ae *wego.APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, 65303, ae.Code, "a conditional menu needs a default menu")

	require.NoError(t, c.CreateMenu(ctx, sampleMenu))
	id, err := c.CreateConditionalMenu(ctx, vipMenu, rule)
	require.NoError(t, err)
	require.NoError(t, c.TagUsers(ctx, wego.TagID(vip), "oVIP"))

	m, err := c.GetMenus(ctx)
	require.NoError(t, err)
	assert.Equal(t, []wego.ConditionalMenu{{Menu: vipMenu, MatchRule: rule, MenuID: id}}, m.Conditional)
	assert.NotZero(t, m.MenuID, "the default menu has an id once there are conditional menus")
	assert.Equal(t, sampleMenu, m.Menu)

	got, err := c.TryMatch(ctx, "oVIP")
	require.NoError(t, err)
	assert.Equal(t, vipMenu, *got)
	got, err = c.TryMatch(ctx, "vip_fan")
	require.NoError(t, err)
	assert.Equal(t, vipMenu, *got, "by WeChat ID")
	gets := srv.Requests(wegotest.PathMenuGet)
	got, err = c.TryMatch(ctx, "oFan")
	require.NoError(t, err)
	assert.Equal(t, sampleMenu, *got, "no conditional menu matches: the default menu")
	assert.Equal(t, gets+1, srv.Requests(wegotest.PathMenuGet), "asked of menu/get after trymatch's 46002")
	_, err = c.TryMatch(ctx, "oNobody")
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, 65302, ae.Code)

	// Rules on personal data: WeChat refuses them since 2021.
	_, err = c.CreateConditionalMenu(ctx, vipMenu, wego.MatchRule{Sex: 1})
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, 65320, ae.Code)

	require.NoError(t, c.DelConditionalMenu(ctx, id))
	m, err = c.GetMenus(ctx)
	require.NoError(t, err)
	assert.Empty(t, m.Conditional)
	assert.Equal(t, sampleMenu, m.Menu, "the default menu stays")
	err = c.DelConditionalMenu(ctx, id)
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, 65301, ae.Code)

	got, err = c.TryMatch(ctx, "oVIP")
	require.NoError(t, err)
	assert.Equal(t, sampleMenu, *got)
	require.NoError(t, c.DelMenu(ctx))
	got, err = c.TryMatch(ctx, "oVIP")
	require.NoError(t, err)
	assert.Equal(t, wego.Menu{}, *got, "no menu at all: an empty one")
}

// Every menu in testdata/menu loads, validates, is created on wegotest and
// comes back from GetMenus equal; conditional ones (with a matchrule) as
// conditional menus, on a WeChat that still takes rules on personal data
// (WeChat's own example has them).
func TestMenuFilesRoundTrip(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("testdata/menu/*.json")
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(files), 5)
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			t.Parallel()
			data, err := os.ReadFile(f)
			require.NoError(t, err)
			var cm wego.ConditionalMenu
			require.NoError(t, json.Unmarshal(data, &cm))
			require.NoError(t, cm.Validate())
			srv, c := setup(t)
			srv.AllowPrivacyMenuRules(true)
			ctx := context.Background()
			if cm.MatchRule.IsZero() {
				require.NoError(t, c.CreateMenu(ctx, cm.Menu))
				m, err := c.GetMenus(ctx)
				require.NoError(t, err)
				assert.Equal(t, cm.Menu, m.Menu)
				return
			}
			require.NoError(t, cm.MatchRule.Validate())
			require.NoError(t, c.CreateMenu(ctx, sampleMenu))
			id, err := c.CreateConditionalMenu(ctx, cm.Menu, cm.MatchRule)
			require.NoError(t, err)
			m, err := c.GetMenus(ctx)
			require.NoError(t, err)
			cm.MenuID = id
			assert.Equal(t, []wego.ConditionalMenu{cm}, m.Conditional)
		})
	}
}

// WeChat's own second example on its create-menu page has seven buttons
// in the bar, where WeChat takes three: it fails, naming the fourth.
func TestWeChatsOtherTypesExampleIsOverTheLimit(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("testdata/menu-invalid/wechat-create-other-types.json")
	require.NoError(t, err)
	var m wego.Menu
	require.NoError(t, json.Unmarshal(data, &m))
	assert.Len(t, m.Buttons, 7)
	err = m.Validate()
	require.ErrorIs(t, err, wego.ErrInvalidParameter)
	assert.Contains(t, err.Error(), "button 4: a menu has at most 3 buttons")

	srv, c := setup(t)
	_, err = c.WeChat.MenuCreate(context.Background(), m) // the raw layer sends it as given
	var ae *wego.APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, 40016, ae.Code, "and WeChat refuses it")
	assert.Equal(t, 1, srv.Requests(wegotest.PathMenuCreate))
}
