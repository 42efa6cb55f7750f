package wego_test

import (
	"context"
	"encoding/json"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wego-sdk/wego"
	"github.com/wego-sdk/wego/wegotest"
)

const groupsAnswer = `{"groups":[{"id":0,"name":"未分组","count":72596},{"id":1,"name":"黑名单","count":36},
	{"id":2,"name":"星标组","count":8},{"id":101,"name":"VIP","count":1},{"id":102,"name":"金卡","count":4}]}`

func TestRawGroupRequests(t *testing.T) {
	t.Parallel()
	runRawCases(t, []rawCase{
		{"GroupsCreate", func(ctx context.Context, w *wego.WeChatAPI) (json.RawMessage, error) {
			return w.GroupsCreate(ctx, "VIP")
		}, wantCall{method: "POST", path: "/cgi-bin/groups/create", body: `{"group":{"name":"VIP"}}`}},
		{"GroupsGet", func(ctx context.Context, w *wego.WeChatAPI) (json.RawMessage, error) {
			return w.GroupsGet(ctx)
		}, wantCall{method: "GET", path: "/cgi-bin/groups/get"}},
		{"GroupsGetID", func(ctx context.Context, w *wego.WeChatAPI) (json.RawMessage, error) {
			return w.GroupsGetID(ctx, "o1")
		}, wantCall{method: "POST", path: "/cgi-bin/groups/getid", body: `{"openid":"o1"}`}},
		{"GroupsUpdate", func(ctx context.Context, w *wego.WeChatAPI) (json.RawMessage, error) {
			return w.GroupsUpdate(ctx, 108, "金卡")
		}, wantCall{method: "POST", path: "/cgi-bin/groups/update", body: `{"group":{"id":108,"name":"金卡"}}`}},
		{"GroupsMembersUpdate", func(ctx context.Context, w *wego.WeChatAPI) (json.RawMessage, error) {
			return w.GroupsMembersUpdate(ctx, "o1", 0)
		}, wantCall{method: "POST", path: "/cgi-bin/groups/members/update", body: `{"openid":"o1","to_groupid":0}`}},
		{"GroupsMembersBatchUpdate", func(ctx context.Context, w *wego.WeChatAPI) (json.RawMessage, error) {
			return w.GroupsMembersBatchUpdate(ctx, []string{"o1", "o2"}, 108)
		}, wantCall{method: "POST", path: "/cgi-bin/groups/members/batchupdate", body: `{"openid_list":["o1","o2"],"to_groupid":108}`}},
		{"GroupsDelete", func(ctx context.Context, w *wego.WeChatAPI) (json.RawMessage, error) {
			return w.GroupsDelete(ctx, 108)
		}, wantCall{method: "POST", path: "/cgi-bin/groups/delete", body: `{"group":{"id":108}}`}},
	})
}

func TestGroupCallRequests(t *testing.T) {
	t.Parallel()
	getGroups := wantCall{method: "GET", path: "/cgi-bin/groups/get", answer: groupsAnswer}
	ids := openIDList("o", 51)
	runMockCases(t, []mockCase{
		{"CreateGroup", func(ctx context.Context, c *wego.Client) error {
			g, err := c.CreateGroup(ctx, "VIP")
			if err == nil {
				assert.Equal(t, wego.Group{ID: 107, Name: "VIP"}, *g)
			}
			return err
		}, []wantCall{{method: "POST", path: "/cgi-bin/groups/create", body: `{"group":{"name":"VIP"}}`, answer: `{"group":{"id":107,"name":"VIP"}}`}}},
		{"GetGroups", func(ctx context.Context, c *wego.Client) error {
			groups, err := c.GetGroups(ctx)
			if err == nil {
				assert.Len(t, groups, 5)
				assert.Equal(t, wego.Group{ID: 0, Name: "未分组", Count: 72596}, groups[0])
			}
			return err
		}, []wantCall{getGroups}},
		{"GetUserGroups", func(ctx context.Context, c *wego.Client) error {
			g, err := c.GetUserGroups(ctx, "o1")
			if err == nil {
				assert.Equal(t, wego.Group{ID: 102, Name: "金卡", Count: 4}, *g)
			}
			return err
		}, []wantCall{{method: "POST", path: "/cgi-bin/groups/getid", body: `{"openid":"o1"}`, answer: `{"groupid":102}`}, getGroups}},
		{"ChangeGroupName by name", func(ctx context.Context, c *wego.Client) error {
			return c.ChangeGroupName(ctx, wego.GroupName("金卡"), "白金卡")
		}, []wantCall{getGroups, {method: "POST", path: "/cgi-bin/groups/update", body: `{"group":{"id":102,"name":"白金卡"}}`}}},
		{"ChangeUserGroup by id", func(ctx context.Context, c *wego.Client) error {
			return c.ChangeUserGroup(ctx, "o1", wego.GroupID(101))
		}, []wantCall{{method: "POST", path: "/cgi-bin/groups/members/update", body: `{"openid":"o1","to_groupid":101}`}}},
		{"ChangeUserGroup by name", func(ctx context.Context, c *wego.Client) error {
			return c.ChangeUserGroup(ctx, "o1", wego.GroupName("VIP"))
		}, []wantCall{getGroups, {method: "POST", path: "/cgi-bin/groups/members/update", body: `{"openid":"o1","to_groupid":101}`}}},
		{"ChangeUserGroup back to no group", func(ctx context.Context, c *wego.Client) error {
			return c.ChangeUserGroup(ctx, "o1", wego.GroupID(0))
		}, []wantCall{{method: "POST", path: "/cgi-bin/groups/members/update", body: `{"openid":"o1","to_groupid":0}`}}},
		{"ChangeUsersGroup in chunks of 50", func(ctx context.Context, c *wego.Client) error {
			return c.ChangeUsersGroup(ctx, wego.GroupName("VIP"), ids...)
		}, []wantCall{
			getGroups,
			{method: "POST", path: "/cgi-bin/groups/members/batchupdate", body: jsonOf(t, map[string]any{"openid_list": ids[:50], "to_groupid": 101})},
			{method: "POST", path: "/cgi-bin/groups/members/batchupdate", body: jsonOf(t, map[string]any{"openid_list": ids[50:], "to_groupid": 101})},
		}},
		{"DelGroup by id", func(ctx context.Context, c *wego.Client) error {
			return c.DelGroup(ctx, wego.GroupID(108))
		}, []wantCall{{method: "POST", path: "/cgi-bin/groups/delete", body: `{"group":{"id":108}}`}}},
	})
}

func TestGroupsEndToEnd(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	ctx := context.Background()
	ids := srv.AddFollowers(120)

	vip, err := c.CreateGroup(ctx, "VIP")
	require.NoError(t, err)
	assert.Equal(t, "VIP", vip.Name)
	require.NoError(t, c.ChangeUserGroup(ctx, ids[0], wego.GroupName("VIP")))
	g, err := c.GetUserGroups(ctx, ids[0])
	require.NoError(t, err)
	assert.Equal(t, wego.Group{ID: vip.ID, Name: "VIP", Count: 1}, *g, "the group, not just its id")
	require.NoError(t, c.ChangeUserGroup(ctx, ids[0], wego.GroupID(2)))
	g, err = c.GetUserGroups(ctx, ids[0])
	require.NoError(t, err)
	assert.Equal(t, "星标组", g.Name)

	require.NoError(t, c.ChangeUsersGroup(ctx, wego.GroupID(vip.ID), ids...))
	assert.Equal(t, 3, srv.Requests(wegotest.PathGroupsMembersBatchUpdate), "120 openids: 50, 50, 20")
	require.NoError(t, c.ChangeGroupName(ctx, wego.GroupName("VIP"), "金卡"))
	groups, err := c.GetGroups(ctx)
	require.NoError(t, err)
	assert.Equal(t, []wego.Group{
		{ID: 0, Name: "未分组", Count: 0}, {ID: 1, Name: "黑名单", Count: 0}, {ID: 2, Name: "星标组", Count: 0},
		{ID: vip.ID, Name: "金卡", Count: 120},
	}, groups)

	require.NoError(t, c.DelGroup(ctx, wego.GroupName("金卡")))
	assert.Equal(t, 120, srv.Groups()[0].Count, "the users of a deleted group go back to 0")

	_, err = c.GetUserGroups(ctx, "oNobody")
	var ae *wego.APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, 40003, ae.Code)
	err = c.DelGroup(ctx, wego.GroupID(555))
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, 40050, ae.Code, "by id, WeChat answers")
}

// A name no group has: ErrGroupNotFound, and the fake saw no write.
func TestGroupByUnknownNameWritesNothing(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	ctx := context.Background()
	ids := srv.AddFollowers(3)
	_, err := srv.AddGroup("VIP")
	require.NoError(t, err)
	nope := wego.GroupName("vip") // names are matched exactly
	for name, call := range map[string]func() error{
		"ChangeUserGroup":  func() error { return c.ChangeUserGroup(ctx, ids[0], nope) },
		"ChangeUsersGroup": func() error { return c.ChangeUsersGroup(ctx, nope, ids...) },
		"ChangeGroupName":  func() error { return c.ChangeGroupName(ctx, nope, "x") },
		"DelGroup":         func() error { return c.DelGroup(ctx, nope) },
		"SetGroup":         func() error { return c.User(ids[0]).SetGroup(ctx, nope) },
	} {
		err := call()
		require.ErrorIs(t, err, wego.ErrGroupNotFound, name)
		assert.Contains(t, err.Error(), `group "vip"`, name)
	}
	for _, p := range []string{wegotest.PathGroupsMembersUpdate, wegotest.PathGroupsMembersBatchUpdate, wegotest.PathGroupsUpdate, wegotest.PathGroupsDelete} {
		assert.Zero(t, srv.Requests(p), "no write to %s", p)
	}
}

// WeChat lets two groups share a name; Python wego took one of them. Here
// the call fails, names both ids, and writes nothing.
func TestGroupNameSharedByTwoGroupsIsRefused(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	ctx := context.Background()
	id := srv.AddFollowers(1)[0]
	a, err := c.CreateGroup(ctx, "VIP")
	require.NoError(t, err)
	b, err := c.CreateGroup(ctx, "VIP")
	require.NoError(t, err)

	for name, call := range map[string]func() error{
		"ChangeUserGroup": func() error { return c.ChangeUserGroup(ctx, id, wego.GroupName("VIP")) },
		"DelGroup":        func() error { return c.DelGroup(ctx, wego.GroupName("VIP")) },
		"SetGroup":        func() error { return c.User(id).SetGroup(ctx, wego.GroupName("VIP")) },
	} {
		err := call()
		var amb *wego.AmbiguousNameError
		require.ErrorAs(t, err, &amb, name)
		assert.Equal(t, []int{a.ID, b.ID}, amb.IDs)
		assert.Contains(t, err.Error(), "100, 101", name)
	}
	assert.Zero(t, srv.Requests(wegotest.PathGroupsMembersUpdate)+srv.Requests(wegotest.PathGroupsDelete))
	require.NoError(t, c.ChangeUserGroup(ctx, id, wego.GroupID(b.ID)), "by id it works")
}

func TestGroupRefString(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "group 101", wego.GroupID(101).String())
	assert.Equal(t, `group "VIP"`, wego.GroupName("VIP").String())
	assert.Equal(t, "no group", wego.GroupRef{}.String())
	assert.Equal(t, `tag "广东"`, wego.TagName("广东").String())
	assert.Equal(t, "tag 134", wego.TagID(134).String())
}

// A user whose groupid is not among the groups (deleted meanwhile):
// ErrGroupNotFound, saying which.
func TestUserGroupMissingFromTheGroups(t *testing.T) {
	t.Parallel()
	getid := wantCall{method: "POST", path: "/cgi-bin/groups/getid", body: `{"openid":"o1"}`, answer: `{"groupid":105}`}
	getGroups := wantCall{method: "GET", path: "/cgi-bin/groups/get", answer: groupsAnswer}
	c := mockCalls(t, getid, getGroups)
	_, err := c.GetUserGroups(context.Background(), "o1")
	require.ErrorIs(t, err, wego.ErrGroupNotFound)
	assert.Contains(t, err.Error(), "group 105")

	info := wantCall{method: "GET", path: "/cgi-bin/user/info", query: url.Values{"openid": {"o1"}},
		answer: `{"subscribe":1,"openid":"o1","groupid":105}`}
	c = mockCalls(t, info, getGroups)
	_, err = c.User("o1").Group(context.Background())
	require.ErrorIs(t, err, wego.ErrGroupNotFound)
	assert.Contains(t, err.Error(), "group 105")
}
