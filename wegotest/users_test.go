package wegotest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wego-sdk/wego"
)

// userClient returns a fake platform and a client of it.
func userClient(t *testing.T) (*Server, *wego.Client) {
	t.Helper()
	s := New(t)
	c, err := wego.NewClient(s.Settings())
	require.NoError(t, err)
	return s, c
}

// errcode returns the WeChat errcode of err, 0 for nil.
func errcode(t *testing.T, err error) int {
	t.Helper()
	if err == nil {
		return 0
	}
	var ae *wego.APIError
	require.ErrorAs(t, err, &ae)
	return ae.Code
}

// post calls path through the SDK's raw layer and returns the errcode,
// decoding the answer into out.
func post(t *testing.T, c *wego.Client, path string, body, out any) int {
	t.Helper()
	return errcode(t, c.WeChat.Post(context.Background(), path, nil, body, out))
}

func get(t *testing.T, c *wego.Client, path string, q url.Values, out any) int {
	t.Helper()
	return errcode(t, c.WeChat.Get(context.Background(), path, q, out))
}

type userAnswer struct {
	Subscribe      int    `json:"subscribe"`
	OpenID         string `json:"openid"`
	Language       string `json:"language"`
	SubscribeTime  int64  `json:"subscribe_time"`
	UnionID        string `json:"unionid"`
	Remark         string `json:"remark"`
	GroupID        int    `json:"groupid"`
	TagIDList      []int  `json:"tagid_list"`
	SubscribeScene string `json:"subscribe_scene"`
	QRScene        int    `json:"qr_scene"`
	QRSceneStr     string `json:"qr_scene_str"`
}

type pageOfOpenIDs struct {
	Total int `json:"total"`
	Count int `json:"count"`
	Data  *struct {
		OpenID []string `json:"openid"`
	} `json:"data"`
	NextOpenID string `json:"next_openid"`
}

func grp(id int, name string, count int) wego.Group {
	return wego.Group{ID: id, Name: name, Count: count}
}

func tg(id int, name string, count int) wego.Tag { return wego.Tag{ID: id, Name: name, Count: count} }

func (p pageOfOpenIDs) ids() []string {
	if p.Data == nil {
		return nil
	}
	return p.Data.OpenID
}

func TestUserInfoAnswersWhatAddUserGave(t *testing.T) {
	t.Parallel()
	s, c := userClient(t)
	vip, err := s.AddTag("VIP")
	require.NoError(t, err)
	at := time.Date(2024, 5, 1, 8, 0, 0, 0, time.UTC)
	require.NoError(t, s.AddUser(User{
		OpenID: "oFan", UnionID: "uFan", SubscribeTime: at, Language: "en", Remark: "老王",
		GroupID: 2, TagIDs: []int{vip, 2, vip}, QRSceneStr: "promo",
	}))
	require.NoError(t, s.AddUser(User{OpenID: "oGone", Unsubscribed: true, UnionID: "uGone", Remark: "kept"}))

	var a userAnswer
	require.Zero(t, get(t, c, PathUserInfo, url.Values{"openid": {"oFan"}}, &a))
	assert.Equal(t, userAnswer{
		Subscribe: 1, OpenID: "oFan", Language: "en", SubscribeTime: at.Unix(), UnionID: "uFan", Remark: "老王",
		GroupID: 2, TagIDList: []int{2, vip}, SubscribeScene: "ADD_SCENE_QR_CODE", QRSceneStr: "promo",
	}, a)

	var raw map[string]any
	require.Zero(t, get(t, c, PathUserInfo, url.Values{"openid": {"oGone"}}, &raw))
	assert.Equal(t, map[string]any{"subscribe": 0.0, "openid": "oGone", "unionid": "uGone"}, raw,
		"a former follower: subscribe 0 and nothing else")
	assert.Equal(t, 40003, get(t, c, PathUserInfo, url.Values{"openid": {"oNobody"}}, nil))

	u, ok := s.User("oFan")
	require.True(t, ok)
	assert.Equal(t, []int{2, vip}, u.TagIDs)
	_, ok = s.User("oNobody")
	assert.False(t, ok)
}

func TestAddUserRefusesWhatWeChatWouldNotHold(t *testing.T) {
	t.Parallel()
	s := New(t)
	tags := make([]int, 21)
	for i := range tags {
		id, err := s.AddTag(fmt.Sprintf("t%d", i))
		require.NoError(t, err)
		tags[i] = id
	}
	for name, u := range map[string]User{
		"no openid":   {},
		"long remark": {OpenID: "o1", Remark: strings.Repeat("备", 31)},
		"no group":    {OpenID: "o1", GroupID: 7},
		"no tag":      {OpenID: "o1", TagIDs: []int{9}},
		"21 tags":     {OpenID: "o1", TagIDs: tags},
	} {
		assert.Error(t, s.AddUser(u), name)
	}
	_, ok := s.User("o1")
	assert.False(t, ok, "a refused user is not added")
	require.NoError(t, s.AddUser(User{OpenID: "o1", Remark: strings.Repeat("备", 30), TagIDs: tags[:20]}))
}

func TestAddUserDefaultsAndReplaces(t *testing.T) {
	t.Parallel()
	s := New(t)
	before := time.Now().Truncate(time.Second)
	require.NoError(t, s.AddUser(User{OpenID: "o1"}))
	u, _ := s.User("o1")
	assert.Equal(t, "zh_CN", u.Language)
	assert.Equal(t, "ADD_SCENE_OTHERS", u.SubscribeScene)
	assert.False(t, u.SubscribeTime.Before(before))
	ids := s.AddFollowers(2)
	require.NoError(t, s.AddUser(User{OpenID: "o1", Unsubscribed: true}))
	u, _ = s.User("o1")
	assert.True(t, u.Unsubscribed)
	g, _ := s.User(ids[0])
	assert.Equal(t, User{OpenID: ids[0], SubscribeTime: g.SubscribeTime, Language: "zh_CN", SubscribeScene: "ADD_SCENE_OTHERS"}, g)
	assert.Equal(t, 2, s.Groups()[0].Count, "the follower who left is not counted")
}

func TestFollowersComeInPagesOf10000(t *testing.T) {
	t.Parallel()
	s, c := userClient(t)
	first := s.AddFollowers(10000)
	require.NoError(t, s.AddUser(User{OpenID: "oLeft", Unsubscribed: true}))
	rest := s.AddFollowers(5001)
	want := append(first, rest...)
	for _, id := range want {
		require.Len(t, id, 28)
	}

	var got []string
	next := ""
	pages := 0
	for {
		var p pageOfOpenIDs
		q := url.Values{}
		if next != "" {
			q.Set("next_openid", next)
		}
		require.Zero(t, get(t, c, PathUserGet, q, &p))
		pages++
		assert.Equal(t, 15001, p.Total)
		assert.Equal(t, len(p.ids()), p.Count)
		if p.Count == 0 {
			assert.Nil(t, p.Data, "an empty page has no data, as on WeChat")
			assert.Empty(t, p.NextOpenID)
			break
		}
		assert.LessOrEqual(t, p.Count, FollowersPageSize)
		assert.Equal(t, p.ids()[p.Count-1], p.NextOpenID, "next_openid is the page's last openid")
		got = append(got, p.ids()...)
		next = p.NextOpenID
	}
	assert.Equal(t, want, got, "every follower once, in the order they came; not the one who left")
	assert.Equal(t, 3, pages, "10000, 5001, then an empty page")
	assert.Equal(t, 40003, get(t, c, PathUserGet, url.Values{"next_openid": {"oNobody"}}, nil))
}

func TestBatchGetLimits(t *testing.T) {
	t.Parallel()
	s, c := userClient(t)
	ids := s.AddFollowers(101)
	list := func(ids ...string) any {
		l := make([]map[string]string, len(ids))
		for i, id := range ids {
			l[i] = map[string]string{"openid": id, "lang": "zh_CN"}
		}
		return map[string]any{"user_list": l}
	}
	var a struct {
		List []userAnswer `json:"user_info_list"`
	}
	require.Zero(t, post(t, c, PathUserInfoBatchGet, list(ids[:100]...), &a))
	assert.Len(t, a.List, 100)
	assert.Equal(t, ids[99], a.List[99].OpenID)
	assert.Equal(t, 40032, post(t, c, PathUserInfoBatchGet, list(ids...), nil), "101 users")
	assert.Equal(t, 40032, post(t, c, PathUserInfoBatchGet, list(), nil))
	assert.Equal(t, 40003, post(t, c, PathUserInfoBatchGet, list(ids[0], "oNobody"), nil))
}

func TestUpdateRemarkRules(t *testing.T) {
	t.Parallel()
	s, c := userClient(t)
	id := s.AddFollowers(1)[0]
	require.NoError(t, s.AddUser(User{OpenID: "oGone", Unsubscribed: true}))
	remark := func(openid, r string) int {
		return post(t, c, PathUserUpdateRemark, map[string]string{"openid": openid, "remark": r}, nil)
	}
	assert.Zero(t, remark(id, strings.Repeat("备", 30)))
	u, _ := s.User(id)
	assert.Equal(t, strings.Repeat("备", 30), u.Remark)
	assert.Equal(t, 40092, remark(id, strings.Repeat("备", 31)))
	assert.Equal(t, 43004, remark("oGone", "x"), "require subscribe")
	assert.Equal(t, 40003, remark("oNobody", "x"))
}

func TestGroupsAsWeChatKeepsThem(t *testing.T) {
	t.Parallel()
	s, c := userClient(t)
	ids := s.AddFollowers(60)
	assert.Equal(t, []wego.Group{{ID: 0, Name: "未分组", Count: 60}, {ID: 1, Name: "黑名单"}, {ID: 2, Name: "星标组"}}, s.Groups())

	var created struct {
		Group wego.Group `json:"group"`
	}
	require.Zero(t, post(t, c, PathGroupsCreate, map[string]any{"group": map[string]string{"name": "VIP"}}, &created))
	assert.Equal(t, wego.Group{ID: 100, Name: "VIP"}, created.Group)
	twin, err := s.AddGroup("VIP")
	require.NoError(t, err, "groups may share a name")
	assert.Equal(t, 40051, post(t, c, PathGroupsCreate, map[string]any{"group": map[string]string{"name": strings.Repeat("组", 31)}}, nil))
	assert.Equal(t, 40051, post(t, c, PathGroupsCreate, map[string]any{"group": map[string]string{"name": ""}}, nil))

	move := func(openid string, to int) int {
		return post(t, c, PathGroupsMembersUpdate, map[string]any{"openid": openid, "to_groupid": to}, nil)
	}
	assert.Zero(t, move(ids[0], 100))
	assert.Equal(t, 40050, move(ids[0], 555))
	assert.Equal(t, 40003, move("oNobody", 100))
	var gid struct {
		GroupID int `json:"groupid"`
	}
	require.Zero(t, post(t, c, PathGroupsGetID, map[string]string{"openid": ids[0]}, &gid))
	assert.Equal(t, 100, gid.GroupID)

	batch := func(openids []string, to int) int {
		return post(t, c, PathGroupsMembersBatchUpdate, map[string]any{"openid_list": openids, "to_groupid": to}, nil)
	}
	assert.Equal(t, 40032, batch(ids[:51], twin), "at most 50 a call")
	assert.Zero(t, batch(ids[10:60], twin))
	var listed struct {
		Groups []wego.Group `json:"groups"`
	}
	require.Zero(t, get(t, c, PathGroupsGet, nil, &listed))
	assert.Equal(t, []wego.Group{grp(0, "未分组", 9), grp(1, "黑名单", 0), grp(2, "星标组", 0), grp(100, "VIP", 1), grp(twin, "VIP", 50)}, listed.Groups)

	rename := func(id int, name string) int {
		return post(t, c, PathGroupsUpdate, map[string]any{"group": map[string]any{"id": id, "name": name}}, nil)
	}
	assert.Zero(t, rename(100, "金卡"))
	assert.Equal(t, 45058, rename(2, "x"), "WeChat's own groups cannot change")
	assert.Equal(t, 40050, rename(555, "x"))
	assert.Equal(t, 45058, post(t, c, PathGroupsDelete, map[string]any{"group": map[string]int{"id": 0}}, nil))
	assert.Zero(t, post(t, c, PathGroupsDelete, map[string]any{"group": map[string]int{"id": twin}}, nil))
	assert.Equal(t, []wego.Group{grp(0, "未分组", 59), grp(1, "黑名单", 0), grp(2, "星标组", 0), grp(100, "金卡", 1)}, s.Groups(),
		"the users of a deleted group go back to 0")

	for range 99 { // 100 groups of the account's own
		_, err := s.AddGroup("g")
		require.NoError(t, err)
	}
	_, err = s.AddGroup("one too many")
	assert.ErrorContains(t, err, "45056")
}

func TestTagsAsWeChatKeepsThem(t *testing.T) {
	t.Parallel()
	s, c := userClient(t)
	ids := s.AddFollowers(51)
	assert.Equal(t, []wego.Tag{{ID: 2, Name: "星标组"}}, s.Tags())

	create := func(name string) (wego.Tag, int) {
		var a struct {
			Tag wego.Tag `json:"tag"`
		}
		code := post(t, c, PathTagsCreate, map[string]any{"tag": map[string]string{"name": name}}, &a)
		return a.Tag, code
	}
	vip, code := create("广东")
	require.Zero(t, code)
	assert.Equal(t, wego.Tag{ID: 100, Name: "广东"}, vip)
	_, code = create("广东")
	assert.Equal(t, 45157, code, "tag names are unique")
	_, code = create("星标组")
	assert.Equal(t, 45157, code)
	_, code = create(strings.Repeat("标", 11))
	assert.Equal(t, 45158, code, "33 bytes")
	_, code = create(strings.Repeat("标", 10))
	assert.Zero(t, code, "30 bytes")

	tag := func(path string, openids []string, id int) int {
		return post(t, c, path, map[string]any{"openid_list": openids, "tagid": id}, nil)
	}
	assert.Equal(t, 40032, tag(PathTagsBatchTagging, ids, vip.ID), "at most 50 a call")
	assert.Equal(t, 45159, tag(PathTagsBatchTagging, ids[:1], 555))
	assert.Equal(t, 40003, tag(PathTagsBatchTagging, []string{ids[0], "oNobody"}, vip.ID))
	assert.Zero(t, tag(PathTagsBatchTagging, ids[:50], vip.ID))
	assert.Zero(t, tag(PathTagsBatchTagging, ids[:1], 2))
	var idlist struct {
		TagIDList []int `json:"tagid_list"`
	}
	require.Zero(t, post(t, c, PathTagsGetIDList, map[string]string{"openid": ids[0]}, &idlist))
	assert.Equal(t, []int{2, vip.ID}, idlist.TagIDList)

	var p pageOfOpenIDs
	require.Zero(t, post(t, c, PathUserTagGet, map[string]any{"tagid": vip.ID, "next_openid": ""}, &p))
	assert.Equal(t, ids[:50], p.ids())
	assert.Equal(t, ids[49], p.NextOpenID)
	require.Zero(t, post(t, c, PathUserTagGet, map[string]any{"tagid": vip.ID, "next_openid": ids[49]}, &p))
	assert.Zero(t, p.Count)
	assert.Equal(t, 45159, post(t, c, PathUserTagGet, map[string]any{"tagid": 555}, nil))

	assert.Zero(t, tag(PathTagsBatchUntagging, ids[1:50], vip.ID))
	assert.Equal(t, []wego.Tag{tg(2, "星标组", 1), tg(100, "广东", 1), tg(101, strings.Repeat("标", 10), 0)}, s.Tags())

	// At most 20 tags on a user: the call that would give a 21st fails whole.
	for i := range 18 {
		id, err := s.AddTag(fmt.Sprintf("t%d", i))
		require.NoError(t, err)
		require.Zero(t, tag(PathTagsBatchTagging, ids[:1], id))
	}
	last, err := s.AddTag("one too many")
	require.NoError(t, err)
	assert.Equal(t, 45059, tag(PathTagsBatchTagging, ids[:2], last))
	u, _ := s.User(ids[1])
	assert.Empty(t, u.TagIDs, "nothing of a refused call was applied")

	rename := func(id int, name string) int {
		return post(t, c, PathTagsUpdate, map[string]any{"tag": map[string]any{"id": id, "name": name}}, nil)
	}
	assert.Zero(t, rename(vip.ID, "广东人"))
	assert.Zero(t, rename(vip.ID, "广东人"), "a tag may keep its own name")
	assert.Equal(t, 45157, rename(vip.ID, "t0"))
	assert.Equal(t, 45058, rename(2, "x"), "can't modify sys tag")
	assert.Equal(t, 45159, rename(555, "x"))
	assert.Equal(t, 45058, post(t, c, PathTagsDelete, map[string]any{"tag": map[string]int{"id": 1}}, nil))
	assert.Zero(t, post(t, c, PathTagsDelete, map[string]any{"tag": map[string]int{"id": vip.ID}}, nil))
	u, _ = s.User(ids[0])
	assert.NotContains(t, u.TagIDs, vip.ID, "a deleted tag leaves its users")

	for i := 20; len(s.Tags())-1 < 100; i++ {
		_, err := s.AddTag(fmt.Sprintf("t%d", i))
		require.NoError(t, err)
	}
	_, code = create("one more")
	assert.Equal(t, 45056, code, "at most 100 tags")
}

func TestBlacklistAsWeChatKeepsIt(t *testing.T) {
	t.Parallel()
	s, c := userClient(t)
	ids := s.AddFollowers(2001)
	require.NoError(t, s.AddUser(User{OpenID: "oGone", Unsubscribed: true}))
	block := func(path string, openids ...string) int {
		return post(t, c, path, map[string]any{"openid_list": openids}, nil)
	}
	assert.Equal(t, 40032, block(PathBatchBlacklist, ids[:21]...), "at most 20 a call")
	assert.Equal(t, 40032, block(PathBatchBlacklist))
	assert.Equal(t, 40003, block(PathBatchBlacklist, "oNobody"))
	for i := 0; i < len(ids); i += 20 {
		require.Zero(t, block(PathBatchBlacklist, ids[i:min(i+20, len(ids))]...))
	}
	require.Zero(t, block(PathBatchBlacklist, "oGone", ids[0]), "a former follower can be blocked; one blocked stays")
	want := append(ids[:len(ids):len(ids)], "oGone")
	assert.Equal(t, want, s.Blacklist())

	var got []string
	begin := ""
	for {
		var p pageOfOpenIDs
		require.Zero(t, post(t, c, PathGetBlacklist, map[string]string{"begin_openid": begin}, &p))
		assert.Equal(t, len(want), p.Total)
		if p.Count == 0 {
			break
		}
		assert.LessOrEqual(t, p.Count, BlacklistPageSize)
		got = append(got, p.ids()...)
		begin = p.NextOpenID
	}
	assert.Equal(t, want, got)
	assert.Equal(t, 40003, post(t, c, PathGetBlacklist, map[string]string{"begin_openid": "oNobody"}, nil))

	require.Zero(t, block(PathBatchUnblacklist, ids[1:21]...))
	assert.Equal(t, len(want)-20, len(s.Blacklist()))
	assert.Equal(t, ids[21], s.Blacklist()[1])
}

// The user endpoints check what WeChat checks before their own rules: the
// access token, the method, then the body.
func TestUserEndpointsCheckTokenMethodAndBody(t *testing.T) {
	t.Parallel()
	s := New(t)
	tok := stableToken(t, s, false).AccessToken
	do := func(method, path, tok, body string) answer {
		req, err := http.NewRequest(method, s.URL+path+"?access_token="+url.QueryEscape(tok), strings.NewReader(body))
		require.NoError(t, err)
		resp, err := s.ts.Client().Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		var a answer
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&a))
		return a
	}
	assert.Equal(t, 41001, do(http.MethodPost, PathTagsCreate, "", `{"tag":{"name":"x"}}`).ErrCode)
	assert.Equal(t, 40001, do(http.MethodPost, PathTagsCreate, "made-up", `{"tag":{"name":"x"}}`).ErrCode)
	assert.Equal(t, 43002, do(http.MethodGet, PathTagsCreate, tok, "").ErrCode)
	assert.Equal(t, 43001, do(http.MethodPost, PathTagsGet, tok, "{}").ErrCode)
	assert.Equal(t, 44002, do(http.MethodPost, PathTagsCreate, tok, " ").ErrCode)
	assert.Equal(t, 47001, do(http.MethodPost, PathTagsCreate, tok, `{"tag":`).ErrCode)
	assert.Equal(t, 47001, do(http.MethodPost, PathTagsCreate, tok, `{"tag":{"name":7}}`).ErrCode)
	a := do(http.MethodPost, PathTagsCreate, tok, `{"tag":{"name":"x"}}`)
	assert.Zero(t, a.ErrCode)
	assert.Equal(t, 8, s.Requests(PathTagsCreate)+s.Requests(PathTagsGet))
}

// Each server is an account of its own: users, groups, tags and
// blacklists never meet.
func TestUserStateIsPerAccount(t *testing.T) {
	t.Parallel()
	a, b := New(t), New(t)
	require.NoError(t, a.AddUser(User{OpenID: "oSame"}))
	_, err := a.AddTag("VIP")
	require.NoError(t, err)
	_, err = a.AddGroup("VIP")
	require.NoError(t, err)
	_, ok := b.User("oSame")
	assert.False(t, ok)
	assert.Len(t, b.Tags(), 1)
	assert.Len(t, b.Groups(), 3)
	_, err = b.AddTag("VIP")
	assert.NoError(t, err, "a name taken on another account is free here")
}

// The codes of the user side come with WeChat's errmsg, as FailNext's do.
func TestUserErrmsgs(t *testing.T) {
	t.Parallel()
	_, c := userClient(t)
	err := c.WeChat.Post(context.Background(), PathTagsCreate, nil, map[string]any{"tag": map[string]string{"name": strings.Repeat("x", 31)}}, nil)
	var ae *wego.APIError
	require.True(t, errors.As(err, &ae))
	assert.Equal(t, 45158, ae.Code)
	assert.Regexp(t, `^tag name too long rid: [0-9a-f]{8}-`, ae.Msg)
}

func TestAddUserRefusesABadSex(t *testing.T) {
	t.Parallel()
	s := New(t)
	assert.Error(t, s.AddUser(User{OpenID: "o1", Sex: 3}))
	_, ok := s.User("o1")
	assert.False(t, ok)
	priv := []string{"chinaunicom"}
	require.NoError(t, s.AddUser(User{OpenID: "o1", Sex: 1, Privilege: priv}))
	priv[0] = "changed"
	u, _ := s.User("o1")
	assert.Equal(t, []string{"chinaunicom"}, u.Privilege, "the fake keeps its own copy")
	assert.Empty(t, u.Nickname, "the default nickname is sns/userinfo's, not stored")
}
