package wego_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wego-sdk/wego"
	"github.com/wego-sdk/wego/wegotest"
)

// wantCall is a request a call must make, and the answer it gets.
type wantCall struct {
	method string
	path   string
	query  url.Values // besides access_token
	body   string     // JSON; "" for none
	answer string     // {"errcode":0,"errmsg":"ok"} when empty
}

// mockCalls returns a client whose requests go to httpmock and must be
// calls, in that order: method, host, path, query and JSON body. The test
// fails when a request is missing or extra.
func mockCalls(t *testing.T, calls ...wantCall) *wego.Client {
	t.Helper()
	return mockSequence(t, len(calls), func(next int, r *http.Request) *http.Response {
		w := calls[next-1]
		assert.Equal(t, w.method, r.Method, "request %d", next)
		assert.Equal(t, "api.weixin.qq.com", r.URL.Host)
		assert.Equal(t, w.path, r.URL.Path, "request %d", next)
		q := r.URL.Query()
		assert.Equal(t, "TOKEN", q.Get("access_token"), "request %d carries the token", next)
		q.Del("access_token")
		want := w.query
		if want == nil {
			want = url.Values{}
		}
		assert.Equal(t, want, q, "request %d: %s query", next, w.path)
		var body []byte
		if r.Body != nil {
			body, _ = io.ReadAll(r.Body)
		}
		if w.body == "" {
			assert.Empty(t, string(body), "request %d: %s has no body", next, w.path)
		} else {
			assert.JSONEq(t, w.body, string(body), "request %d: %s body", next, w.path)
			assert.Equal(t, "application/json; charset=utf-8", r.Header.Get("Content-Type"))
		}
		answer := w.answer
		if answer == "" {
			answer = `{"errcode":0,"errmsg":"ok"}`
		}
		return httpmock.NewStringResponse(200, answer)
	})
}

// mockCase is a call of the SDK and the requests it must make.
type mockCase struct {
	name  string
	call  func(ctx context.Context, c *wego.Client) error
	calls []wantCall
}

func runMockCases(t *testing.T, cases []mockCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := mockCalls(t, tc.calls...)
			require.NoError(t, tc.call(context.Background(), c))
		})
	}
}

// rawCase is a method of the raw layer and the one request it must make.
type rawCase struct {
	name string
	call func(ctx context.Context, w *wego.WeChatAPI) (json.RawMessage, error)
	want wantCall
}

func runRawCases(t *testing.T, cases []rawCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			want := tc.want
			if want.answer == "" {
				want.answer = `{"errcode":0,"errmsg":"ok","x":[1]}`
			}
			c := mockCalls(t, want)
			raw, err := tc.call(context.Background(), c.WeChat)
			require.NoError(t, err)
			assert.JSONEq(t, want.answer, string(raw), "the raw layer returns WeChat's answer as it came")
		})
	}
}

func openIDList(prefix string, n int) []string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("%s%03d", prefix, i)
	}
	return ids
}

func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}

// userPaths are the paths of the user side: a test of bad input checks
// that none of them, nor the token endpoints, saw a request.
var userPaths = []string{
	wegotest.PathUserInfo, wegotest.PathUserInfoBatchGet, wegotest.PathUserGet, wegotest.PathUserUpdateRemark,
	wegotest.PathGroupsCreate, wegotest.PathGroupsGet, wegotest.PathGroupsGetID, wegotest.PathGroupsUpdate,
	wegotest.PathGroupsMembersUpdate, wegotest.PathGroupsMembersBatchUpdate, wegotest.PathGroupsDelete,
	wegotest.PathTagsCreate, wegotest.PathTagsGet, wegotest.PathTagsUpdate, wegotest.PathTagsDelete,
	wegotest.PathUserTagGet, wegotest.PathTagsBatchTagging, wegotest.PathTagsBatchUntagging,
	wegotest.PathTagsGetIDList, wegotest.PathGetBlacklist, wegotest.PathBatchBlacklist, wegotest.PathBatchUnblacklist,
}

func requestsSeen(srv *wegotest.Server) int {
	n := srv.TokenRequests()
	for _, p := range userPaths {
		n += srv.Requests(p)
	}
	return n
}

// collect walks seq to its end and returns its openids and errors.
func collect(seq func(func(string, error) bool)) ([]string, []error) {
	var ids []string
	var errs []error
	for id, err := range seq {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		ids = append(ids, id)
	}
	return ids, errs
}

func TestRawUserRequests(t *testing.T) {
	t.Parallel()
	runRawCases(t, []rawCase{
		{"UserInfo", func(ctx context.Context, w *wego.WeChatAPI) (json.RawMessage, error) {
			return w.UserInfo(ctx, "o1", "en")
		}, wantCall{method: "GET", path: "/cgi-bin/user/info", query: url.Values{"openid": {"o1"}, "lang": {"en"}}}},
		{"UserInfo without lang", func(ctx context.Context, w *wego.WeChatAPI) (json.RawMessage, error) {
			return w.UserInfo(ctx, "o1", "")
		}, wantCall{method: "GET", path: "/cgi-bin/user/info", query: url.Values{"openid": {"o1"}}}},
		{"UserInfoBatchGet", func(ctx context.Context, w *wego.WeChatAPI) (json.RawMessage, error) {
			return w.UserInfoBatchGet(ctx, []string{"o1", "o2"}, "zh_TW")
		}, wantCall{method: "POST", path: "/cgi-bin/user/info/batchget",
			body: `{"user_list":[{"openid":"o1","lang":"zh_TW"},{"openid":"o2","lang":"zh_TW"}]}`}},
		{"UserInfoBatchGet without lang", func(ctx context.Context, w *wego.WeChatAPI) (json.RawMessage, error) {
			return w.UserInfoBatchGet(ctx, []string{"o1"}, "")
		}, wantCall{method: "POST", path: "/cgi-bin/user/info/batchget", body: `{"user_list":[{"openid":"o1"}]}`}},
		{"UserGet first page", func(ctx context.Context, w *wego.WeChatAPI) (json.RawMessage, error) {
			return w.UserGet(ctx, "")
		}, wantCall{method: "GET", path: "/cgi-bin/user/get"}},
		{"UserGet next page", func(ctx context.Context, w *wego.WeChatAPI) (json.RawMessage, error) {
			return w.UserGet(ctx, "o9")
		}, wantCall{method: "GET", path: "/cgi-bin/user/get", query: url.Values{"next_openid": {"o9"}}}},
		{"UserInfoUpdateRemark", func(ctx context.Context, w *wego.WeChatAPI) (json.RawMessage, error) {
			return w.UserInfoUpdateRemark(ctx, "o1", "老王 & <co>")
		}, wantCall{method: "POST", path: "/cgi-bin/user/info/updateremark", body: `{"openid":"o1","remark":"老王 & <co>"}`}},
	})
}

const userInfoAnswer = `{"subscribe":1,"openid":"o1","language":"zh_CN","subscribe_time":1714550400,
	"unionid":"u1","remark":"老王","groupid":101,"tagid_list":[2,134],"subscribe_scene":"ADD_SCENE_QR_CODE",
	"qr_scene":98765,"qr_scene_str":"promo"}`

func TestUserCallRequests(t *testing.T) {
	t.Parallel()
	ids := openIDList("o", 101)
	batchBody := func(ids []string) string {
		list := make([]map[string]string, len(ids))
		for i, id := range ids {
			list[i] = map[string]string{"openid": id, "lang": "en"}
		}
		return jsonOf(t, map[string]any{"user_list": list})
	}
	runMockCases(t, []mockCase{
		{"GetExtUserInfo", func(ctx context.Context, c *wego.Client) error {
			_, err := c.GetExtUserInfo(ctx, "o1", wego.WithLang(wego.LangEN))
			return err
		}, []wantCall{{method: "GET", path: "/cgi-bin/user/info", query: url.Values{"openid": {"o1"}, "lang": {"en"}}, answer: userInfoAnswer}}},
		{"BatchGetUserInfo in chunks of 100", func(ctx context.Context, c *wego.Client) error {
			_, err := c.BatchGetUserInfo(ctx, ids, wego.WithLang(wego.LangEN))
			return err
		}, []wantCall{
			{method: "POST", path: "/cgi-bin/user/info/batchget", body: batchBody(ids[:100]), answer: `{"user_info_list":[]}`},
			{method: "POST", path: "/cgi-bin/user/info/batchget", body: batchBody(ids[100:]), answer: `{"user_info_list":[]}`},
		}},
		{"UpdateRemark", func(ctx context.Context, c *wego.Client) error {
			return c.UpdateRemark(ctx, "o1", "老王")
		}, []wantCall{{method: "POST", path: "/cgi-bin/user/info/updateremark", body: `{"openid":"o1","remark":"老王"}`}}},
		{"Followers", func(ctx context.Context, c *wego.Client) error {
			got, errs := collect(c.Followers(ctx))
			assert.Equal(t, []string{"o1", "o2", "o3"}, got)
			return errors.Join(errs...)
		}, []wantCall{
			{method: "GET", path: "/cgi-bin/user/get", answer: `{"total":3,"count":2,"data":{"openid":["o1","o2"]},"next_openid":"o2"}`},
			{method: "GET", path: "/cgi-bin/user/get", query: url.Values{"next_openid": {"o2"}}, answer: `{"total":3,"count":1,"data":{"openid":["o3"]},"next_openid":"o3"}`},
			{method: "GET", path: "/cgi-bin/user/get", query: url.Values{"next_openid": {"o3"}}, answer: `{"total":3,"count":0,"next_openid":""}`},
		}},
		{"User.Ext then SetRemark", func(ctx context.Context, c *wego.Client) error {
			u := c.User("o1")
			if _, err := u.Ext(ctx); err != nil {
				return err
			}
			return u.SetRemark(ctx, "小王")
		}, []wantCall{
			{method: "GET", path: "/cgi-bin/user/info", query: url.Values{"openid": {"o1"}}, answer: userInfoAnswer},
			{method: "POST", path: "/cgi-bin/user/info/updateremark", body: `{"openid":"o1","remark":"小王"}`},
		}},
		{"User.Group then SetGroup by name", func(ctx context.Context, c *wego.Client) error {
			u := c.User("o1")
			g, err := u.Group(ctx)
			if err != nil {
				return err
			}
			assert.Equal(t, wego.Group{ID: 101, Name: "VIP", Count: 1}, *g)
			return u.SetGroup(ctx, wego.GroupName("金卡"))
		}, []wantCall{
			{method: "GET", path: "/cgi-bin/user/info", query: url.Values{"openid": {"o1"}}, answer: userInfoAnswer},
			{method: "GET", path: "/cgi-bin/groups/get", answer: groupsAnswer},
			{method: "GET", path: "/cgi-bin/groups/get", answer: groupsAnswer},
			{method: "POST", path: "/cgi-bin/groups/members/update", body: `{"openid":"o1","to_groupid":102}`},
		}},
	})
}

// An answer read by a POST is retried when WeChat is busy, as a GET is; a
// write never is.
func TestBusyPostReadsAreRetried(t *testing.T) {
	t.Parallel()
	busy := wantCall{method: "POST", path: "/cgi-bin/user/info/batchget", body: `{"user_list":[{"openid":"o1"}]}`,
		answer: `{"errcode":-1,"errmsg":"system error"}`}
	ok := busy
	ok.answer = `{"user_info_list":[` + userInfoAnswer + `]}`
	c := mockCalls(t, busy, busy, ok)
	wego.SetBusyBackoff(c, time.Millisecond)
	users, err := c.BatchGetUserInfo(context.Background(), []string{"o1"})
	require.NoError(t, err)
	require.Len(t, users, 1)

	write := wantCall{method: "POST", path: "/cgi-bin/user/info/updateremark", body: `{"openid":"o1","remark":"x"}`,
		answer: `{"errcode":-1,"errmsg":"system error"}`}
	c = mockCalls(t, write)
	wego.SetBusyBackoff(c, time.Millisecond)
	err = c.UpdateRemark(context.Background(), "o1", "x")
	var ae *wego.APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, -1, ae.Code)
}

func TestGetExtUserInfo(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	ctx := context.Background()
	vip, err := srv.AddTag("VIP")
	require.NoError(t, err)
	gold, err := srv.AddGroup("金卡")
	require.NoError(t, err)
	at := time.Date(2024, 5, 1, 8, 0, 0, 0, time.UTC)
	require.NoError(t, srv.AddUser(wegotest.User{
		OpenID: "oFan", UnionID: "uFan", SubscribeTime: at, Language: "en", Remark: "老王", GroupID: gold,
		TagIDs: []int{2, vip}, QRScene: 98765, QRSceneStr: "promo",
	}))
	require.NoError(t, srv.AddUser(wegotest.User{OpenID: "oGone", Unsubscribed: true}))

	u, err := c.GetExtUserInfo(ctx, "oFan", wego.WithLang(wego.LangZhTW))
	require.NoError(t, err)
	assert.Equal(t, "oFan", u.OpenID)
	assert.Equal(t, "uFan", u.UnionID)
	in, err := u.Ext(ctx)
	require.NoError(t, err)
	assert.True(t, in.SubscribeTime.Equal(at))
	in.SubscribeTime = time.Time{}
	assert.Equal(t, wego.UserInfo{
		OpenID: "oFan", Subscribed: true, Language: "en", UnionID: "uFan", Remark: "老王", GroupID: gold,
		TagIDs: []int{2, vip}, SubscribeScene: "ADD_SCENE_QR_CODE", QRScene: 98765, QRSceneStr: "promo",
	}, *in)
	in.TagIDs[0] = 999 // a copy: the user's own data stays
	again, err := u.Ext(ctx)
	require.NoError(t, err)
	assert.Equal(t, []int{2, vip}, again.TagIDs)
	assert.Equal(t, 1, srv.Requests(wegotest.PathUserInfo), "Ext of a user from GetExtUserInfo asks nothing")

	gone, err := c.GetExtUserInfo(ctx, "oGone")
	require.NoError(t, err)
	in, err = gone.Ext(ctx)
	require.NoError(t, err)
	assert.Equal(t, wego.UserInfo{OpenID: "oGone"}, *in, "a former follower: only that")

	_, err = c.GetExtUserInfo(ctx, "oNobody")
	var ae *wego.APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, 40003, ae.Code)
}

// A WeChatUser asks WeChat once, however many goroutines want its info at
// the same moment, and the race detector sees no race.
func TestWeChatUserLoadsOnce(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	id := srv.AddFollowers(1)[0]
	srv.SetLatency(20 * time.Millisecond)
	u := c.User(id)
	assert.Zero(t, srv.Requests(wegotest.PathUserInfo), "Client.User asks nothing")
	errs := callAll(20, func() error {
		in, err := u.Ext(context.Background())
		if err == nil && in.OpenID != id {
			return fmt.Errorf("got %q", in.OpenID)
		}
		return err
	})
	for _, err := range errs {
		require.NoError(t, err)
	}
	assert.Equal(t, 1, srv.Requests(wegotest.PathUserInfo))
}

func TestWeChatUserFailedLoadIsTriedAgain(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	id := srv.AddFollowers(1)[0]
	srv.FailNext(wegotest.PathUserInfo, 45009)
	u := c.User(id)
	_, err := u.Ext(context.Background())
	var ae *wego.APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, 45009, ae.Code)
	in, err := u.Ext(context.Background())
	require.NoError(t, err)
	assert.True(t, in.Subscribed)

	var zero wego.WeChatUser
	_, err = zero.Ext(context.Background())
	assert.ErrorIs(t, err, wego.ErrMissingParameter, "a WeChatUser not made by a Client says so")
}

func TestWeChatUserWaitingForALoadHonoursItsContext(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	id := srv.AddFollowers(1)[0]
	_, err := c.AccessToken(context.Background())
	require.NoError(t, err)
	srv.SetLatency(300 * time.Millisecond)
	u := c.User(id)
	loaded := make(chan error, 1)
	go func() {
		_, err := u.Ext(context.Background())
		loaded <- err
	}()
	for srv.Requests(wegotest.PathUserInfo) == 0 { // the first caller's request is under way
		time.Sleep(time.Millisecond)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, err = u.Ext(ctx)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.NoError(t, <-loaded)
}

func TestWeChatUserSetRemark(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	ctx := context.Background()
	require.NoError(t, srv.AddUser(wegotest.User{OpenID: "oFan", Remark: "老王"}))
	require.NoError(t, srv.AddUser(wegotest.User{OpenID: "oGone", Unsubscribed: true}))

	u := c.User("oFan")
	require.NoError(t, u.SetRemark(ctx, "小王"))
	in, err := u.Ext(ctx)
	require.NoError(t, err)
	assert.Equal(t, "小王", in.Remark)
	stored, _ := srv.User("oFan")
	assert.Equal(t, "小王", stored.Remark)
	require.NoError(t, u.SetRemark(ctx, "小王"))
	assert.Equal(t, 1, srv.Requests(wegotest.PathUserUpdateRemark), "the remark the user has is not written again")

	err = c.User("oGone").SetRemark(ctx, "x")
	require.ErrorIs(t, err, wego.ErrNotSubscribed)
	assert.Equal(t, 1, srv.Requests(wegotest.PathUserUpdateRemark), "nothing written for a former follower")

	// The user leaves after the info was loaded: WeChat's 43004 is the same error.
	require.NoError(t, srv.AddUser(wegotest.User{OpenID: "oFan", Unsubscribed: true}))
	err = u.SetRemark(ctx, "再见")
	require.ErrorIs(t, err, wego.ErrNotSubscribed)
	var ae *wego.APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, 43004, ae.Code)
	in, err = u.Ext(ctx)
	require.NoError(t, err)
	assert.False(t, in.Subscribed, "the user kept knows the user left")
}

func TestWeChatUserGroup(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	ctx := context.Background()
	vip, err := srv.AddGroup("VIP")
	require.NoError(t, err)
	require.NoError(t, srv.AddUser(wegotest.User{OpenID: "oFan", GroupID: 2}))

	u := c.User("oFan")
	g, err := u.Group(ctx)
	require.NoError(t, err)
	assert.Equal(t, wego.Group{ID: 2, Name: "星标组", Count: 1}, *g)

	require.NoError(t, u.SetGroup(ctx, wego.GroupName("VIP")))
	stored, _ := srv.User("oFan")
	assert.Equal(t, vip, stored.GroupID)
	getsBefore := srv.Requests(wegotest.PathGroupsGet)
	g, err = u.Group(ctx)
	require.NoError(t, err)
	assert.Equal(t, "VIP", g.Name)
	in, err := u.Ext(ctx)
	require.NoError(t, err)
	assert.Equal(t, vip, in.GroupID)
	assert.Equal(t, getsBefore, srv.Requests(wegotest.PathGroupsGet), "the group set is kept")

	require.NoError(t, u.SetGroup(ctx, wego.GroupID(vip)))
	assert.Equal(t, 1, srv.Requests(wegotest.PathGroupsMembersUpdate), "the group the user is in is not written again")

	for _, ref := range []wego.GroupRef{wego.GroupName("nope"), wego.GroupID(555)} {
		err = u.SetGroup(ctx, ref)
		require.ErrorIs(t, err, wego.ErrGroupNotFound, ref.String())
	}
	assert.Equal(t, 1, srv.Requests(wegotest.PathGroupsMembersUpdate), "an unknown group writes nothing")
}

func TestUpdateRemark(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	ctx := context.Background()
	id := srv.AddFollowers(1)[0]
	require.NoError(t, srv.AddUser(wegotest.User{OpenID: "oGone", Unsubscribed: true}))
	thirty := strings.Repeat("备", 30)
	require.NoError(t, c.UpdateRemark(ctx, id, thirty), "30 characters of 3 bytes each")
	u, _ := srv.User(id)
	assert.Equal(t, thirty, u.Remark)
	err := c.UpdateRemark(ctx, "oGone", "x")
	assert.ErrorIs(t, err, wego.ErrNotSubscribed, "WeChat's 43004")
}

func TestBatchGetUserInfoChunksBy100(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	ids := srv.AddFollowers(249)
	require.NoError(t, srv.AddUser(wegotest.User{OpenID: "oGone", Unsubscribed: true}))
	ids = append(ids, "oGone")
	users, err := c.BatchGetUserInfo(context.Background(), ids)
	require.NoError(t, err)
	assert.Equal(t, 3, srv.Requests(wegotest.PathUserInfoBatchGet), "250 openids: 100, 100, 50")
	require.Len(t, users, 250)
	for i, u := range users {
		assert.Equal(t, ids[i], u.OpenID)
	}
	in, err := users[249].Ext(context.Background())
	require.NoError(t, err)
	assert.False(t, in.Subscribed)
	in, err = users[0].Ext(context.Background())
	require.NoError(t, err)
	assert.True(t, in.Subscribed)
	assert.Zero(t, srv.Requests(wegotest.PathUserInfo), "the users come with their info")
}

func TestFollowersReads250000OnceIn25Pages(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	want := srv.AddFollowers(250000)
	i := 0
	for id, err := range c.Followers(context.Background()) {
		require.NoError(t, err)
		if i >= len(want) || id != want[i] { // not require.Equal: 250,000 times is slow under -race
			t.Fatalf("openid %d is %q: not the next follower, or one too many", i, id)
		}
		i++
	}
	assert.Equal(t, len(want), i, "every follower read")
	assert.Equal(t, 25+1, srv.Requests(wegotest.PathUserGet),
		"25 pages of 10000, and the empty page that ends the walk (the last full page names a next_openid)")
}

// WeChat rejects the token in the middle of the walk: the page is asked
// again with a new token and no openid is lost or repeated.
func TestPagedWalksSurviveATokenRefresh(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		path string
		page int
		seed func(t *testing.T, srv *wegotest.Server, c *wego.Client) []string
		walk func(ctx context.Context, c *wego.Client) func(func(string, error) bool)
	}{
		{"Followers", wegotest.PathUserGet, wegotest.FollowersPageSize,
			func(_ *testing.T, srv *wegotest.Server, _ *wego.Client) []string { return srv.AddFollowers(25000) },
			func(ctx context.Context, c *wego.Client) func(func(string, error) bool) { return c.Followers(ctx) }},
		{"TaggedUsers", wegotest.PathUserTagGet, wegotest.FollowersPageSize,
			func(t *testing.T, srv *wegotest.Server, _ *wego.Client) []string {
				tag, err := srv.AddTag("VIP")
				require.NoError(t, err)
				srv.AddFollowers(100) // untagged, before and between
				ids := openIDList("oTagged", 22000)
				for _, id := range ids {
					require.NoError(t, srv.AddUser(wegotest.User{OpenID: id, TagIDs: []int{tag}}))
				}
				return ids
			},
			func(ctx context.Context, c *wego.Client) func(func(string, error) bool) {
				return c.TaggedUsers(ctx, wego.TagName("VIP"))
			}},
		{"Blacklist", wegotest.PathGetBlacklist, wegotest.BlacklistPageSize,
			func(t *testing.T, srv *wegotest.Server, c *wego.Client) []string {
				ids := srv.AddFollowers(2500)
				require.NoError(t, c.BlockUsers(context.Background(), ids...))
				return ids
			},
			func(ctx context.Context, c *wego.Client) func(func(string, error) bool) { return c.Blacklist(ctx) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, c := setup(t)
			want := tt.seed(t, srv, c)
			_, err := c.AccessToken(context.Background())
			require.NoError(t, err)
			tokens := srv.TokenRequests()
			var got []string
			for id, err := range tt.walk(context.Background(), c) {
				require.NoError(t, err)
				got = append(got, id)
				if len(got) == tt.page { // the next request is the second page's
					srv.FailNext(tt.path, 40001)
				}
			}
			assert.Equal(t, want, got, "every openid once, in order")
			assert.Equal(t, tokens+1, srv.TokenRequests(), "the token was refreshed once")
		})
	}
}

func TestFollowersStopsWhenTheLoopDoes(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	srv.AddFollowers(25000)
	n := 0
	for _, err := range c.Followers(context.Background()) {
		require.NoError(t, err)
		n++
		if n == 3 {
			break
		}
	}
	assert.Equal(t, 1, srv.Requests(wegotest.PathUserGet), "a page is asked for only when needed")
}

func TestFollowersYieldsAnErrorOnce(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	srv.AddFollowers(15000)
	var got []string
	ctx := context.Background()
	for id, err := range c.Followers(ctx) {
		if err != nil {
			var ae *wego.APIError
			require.ErrorAs(t, err, &ae)
			assert.Equal(t, 45009, ae.Code)
			got = append(got, "error")
			continue // the walk ends by itself
		}
		got = append(got, id)
		if len(got) == 10000 {
			srv.FailNext(wegotest.PathUserGet, 45009)
		}
	}
	assert.Len(t, got, 10001)
	assert.Equal(t, "error", got[10000])

	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	n, errs := 0, 0
	for _, err := range c.Followers(cctx) {
		if err != nil {
			assert.ErrorIs(t, err, context.Canceled)
			errs++
			continue
		}
		if n++; n == 10000 {
			cancel()
		}
	}
	assert.Equal(t, 1, errs, "the canceled walk yields its error once")
}

// A server whose next_openid never moves would make the walk endless.
func TestFollowersRefusesAListThatNeverEnds(t *testing.T) {
	t.Parallel()
	page := `{"total":9,"count":1,"data":{"openid":["o1"]},"next_openid":"o1"}`
	c := mockCalls(t,
		wantCall{method: "GET", path: "/cgi-bin/user/get", answer: page},
		wantCall{method: "GET", path: "/cgi-bin/user/get", query: url.Values{"next_openid": {"o1"}}, answer: page})
	ids, errs := collect(c.Followers(context.Background()))
	assert.Equal(t, []string{"o1", "o1"}, ids)
	require.Len(t, errs, 1)
	var he *wego.HTTPError
	require.ErrorAs(t, errs[0], &he)
	assert.Contains(t, he.Reason, "next_openid")
}

// Bad input is refused before anything is sent, with an error that names
// the parameter and wraps one of the two sentinels.
func TestUserSideBadInputSendsNothing(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	ctx := context.Background()
	long := strings.Repeat("备", 31)
	tests := []struct {
		name     string
		call     func() error
		sentinel error
		says     string
	}{
		{"GetExtUserInfo empty openid", func() error { _, err := c.GetExtUserInfo(ctx, ""); return err }, wego.ErrMissingParameter, "openid"},
		{"GetExtUserInfo unknown lang", func() error { _, err := c.GetExtUserInfo(ctx, "o1", wego.WithLang("fr")); return err }, wego.ErrInvalidParameter, `lang: "fr"`},
		{"User empty openid", func() error { _, err := c.User("").Ext(ctx); return err }, wego.ErrMissingParameter, "openid"},
		{"UpdateRemark empty openid", func() error { return c.UpdateRemark(ctx, "", "x") }, wego.ErrMissingParameter, "openid"},
		{"UpdateRemark 31 characters", func() error { return c.UpdateRemark(ctx, "o1", long) }, wego.ErrInvalidParameter, "remark: 31 characters, at most 30"},
		{"SetRemark 31 characters", func() error { return c.User("o1").SetRemark(ctx, long) }, wego.ErrInvalidParameter, "remark: 31 characters"},
		{"BatchGetUserInfo none", func() error { _, err := c.BatchGetUserInfo(ctx, nil); return err }, wego.ErrMissingParameter, "openids"},
		{"BatchGetUserInfo empty openid", func() error { _, err := c.BatchGetUserInfo(ctx, []string{"o1", ""}); return err }, wego.ErrMissingParameter, "openids[1]"},
		{"CreateGroup empty name", func() error { _, err := c.CreateGroup(ctx, ""); return err }, wego.ErrMissingParameter, "name"},
		{"CreateGroup 31 characters", func() error { _, err := c.CreateGroup(ctx, long); return err }, wego.ErrInvalidParameter, "name: 31 characters, at most 30"},
		{"ChangeGroupName 31 characters", func() error { return c.ChangeGroupName(ctx, wego.GroupName("VIP"), long) }, wego.ErrInvalidParameter, "name: 31 characters"},
		{"ChangeGroupName reserved", func() error { return c.ChangeGroupName(ctx, wego.GroupID(2), "x") }, wego.ErrInvalidParameter, "group: 2 (星标组)"},
		{"ChangeUserGroup empty openid", func() error { return c.ChangeUserGroup(ctx, "", wego.GroupName("VIP")) }, wego.ErrMissingParameter, "openid"},
		{"ChangeUserGroup no group", func() error { return c.ChangeUserGroup(ctx, "o1", wego.GroupRef{}) }, wego.ErrMissingParameter, "group"},
		{"ChangeUsersGroup empty openid", func() error { return c.ChangeUsersGroup(ctx, wego.GroupID(100), "o1", "") }, wego.ErrMissingParameter, "openids[1]"},
		{"SetGroup no group", func() error { return c.User("o1").SetGroup(ctx, wego.GroupRef{}) }, wego.ErrMissingParameter, "group"},
		{"DelGroup reserved", func() error { return c.DelGroup(ctx, wego.GroupID(0)) }, wego.ErrInvalidParameter, "group: 0 (未分组)"},
		{"DelGroup no group", func() error { return c.DelGroup(ctx, wego.GroupRef{}) }, wego.ErrMissingParameter, "group"},
		{"GetUserGroups empty openid", func() error { _, err := c.GetUserGroups(ctx, ""); return err }, wego.ErrMissingParameter, "openid"},
		{"CreateTag empty name", func() error { _, err := c.CreateTag(ctx, ""); return err }, wego.ErrMissingParameter, "name"},
		{"CreateTag 31 bytes", func() error { _, err := c.CreateTag(ctx, strings.Repeat("x", 31)); return err }, wego.ErrInvalidParameter, "name: 31 bytes, at most 30"},
		{"CreateTag 11 Chinese characters", func() error { _, err := c.CreateTag(ctx, strings.Repeat("标", 11)); return err }, wego.ErrInvalidParameter, "name: 33 bytes"},
		{"RenameTag 31 bytes", func() error { return c.RenameTag(ctx, wego.TagName("VIP"), strings.Repeat("x", 31)) }, wego.ErrInvalidParameter, "name: 31 bytes"},
		{"RenameTag reserved", func() error { return c.RenameTag(ctx, wego.TagID(2), "x") }, wego.ErrInvalidParameter, "tag: 2 (星标组)"},
		{"DeleteTag reserved", func() error { return c.DeleteTag(ctx, wego.TagID(1)) }, wego.ErrInvalidParameter, "tag: 1"},
		{"DeleteTag no tag", func() error { return c.DeleteTag(ctx, wego.TagRef{}) }, wego.ErrMissingParameter, "tag"},
		{"TagUsers none", func() error { return c.TagUsers(ctx, wego.TagName("VIP")) }, wego.ErrMissingParameter, "openids"},
		{"TagUsers empty openid", func() error { return c.TagUsers(ctx, wego.TagName("VIP"), "") }, wego.ErrMissingParameter, "openids[0]"},
		{"UntagUsers no tag", func() error { return c.UntagUsers(ctx, wego.TagRef{}, "o1") }, wego.ErrMissingParameter, "tag"},
		{"TaggedUsers no tag", func() error { _, errs := collect(c.TaggedUsers(ctx, wego.TagRef{})); return errors.Join(errs...) }, wego.ErrMissingParameter, "tag"},
		{"GetUserTags empty openid", func() error { _, err := c.GetUserTags(ctx, ""); return err }, wego.ErrMissingParameter, "openid"},
		{"BlockUsers none", func() error { return c.BlockUsers(ctx) }, wego.ErrMissingParameter, "openids"},
		{"UnblockUsers empty openid", func() error { return c.UnblockUsers(ctx, "o1", "o2", "") }, wego.ErrMissingParameter, "openids[2]"},
	}
	for _, tt := range tests {
		err := tt.call()
		require.ErrorIs(t, err, tt.sentinel, tt.name)
		assert.Contains(t, err.Error(), tt.says, tt.name)
	}
	assert.Zero(t, requestsSeen(srv), "bad input sent nothing, not even a token request")
}

func TestUserErrorTypes(t *testing.T) {
	t.Parallel()
	assert.ErrorIs(t, &wego.APIError{Code: 43004}, wego.ErrNotSubscribed)
	assert.NotErrorIs(t, &wego.APIError{Code: 40003}, wego.ErrNotSubscribed)
	amb := &wego.AmbiguousNameError{Kind: "group", Name: "VIP", IDs: []int{101, 102}}
	assert.Equal(t, `wego: 2 groups are named "VIP" (ids 101, 102): give the group by id`, amb.Error())
	inner := &wego.APIError{Code: 45059, Msg: "too many tags on the user", Endpoint: "/cgi-bin/tags/members/batchtagging"}
	pe := &wego.PartialError{Op: "tag users", Done: 100, Total: 120, Err: inner}
	assert.Equal(t, "wego: tag users: 100 of 120 openids done, then: wego: /cgi-bin/tags/members/batchtagging: errcode 45059: too many tags on the user", pe.Error())
	var ae *wego.APIError
	require.ErrorAs(t, pe, &ae)
	assert.Equal(t, 45059, ae.Code)
}
