package wego_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wego-sdk/wego"
	"github.com/wego-sdk/wego/wegotest"
)

const tagsAnswer = `{"tags":[{"id":2,"name":"星标组","count":0},{"id":127,"name":"广东","count":5},{"id":134,"name":"VIP","count":2}]}`

func TestRawTagRequests(t *testing.T) {
	t.Parallel()
	runRawCases(t, []rawCase{
		{"TagsCreate", func(ctx context.Context, w *wego.WeChatAPI) (json.RawMessage, error) {
			return w.TagsCreate(ctx, "广东")
		}, wantCall{method: "POST", path: "/cgi-bin/tags/create", body: `{"tag":{"name":"广东"}}`}},
		{"TagsGet", func(ctx context.Context, w *wego.WeChatAPI) (json.RawMessage, error) {
			return w.TagsGet(ctx)
		}, wantCall{method: "GET", path: "/cgi-bin/tags/get"}},
		{"TagsUpdate", func(ctx context.Context, w *wego.WeChatAPI) (json.RawMessage, error) {
			return w.TagsUpdate(ctx, 134, "广东人")
		}, wantCall{method: "POST", path: "/cgi-bin/tags/update", body: `{"tag":{"id":134,"name":"广东人"}}`}},
		{"TagsDelete", func(ctx context.Context, w *wego.WeChatAPI) (json.RawMessage, error) {
			return w.TagsDelete(ctx, 134)
		}, wantCall{method: "POST", path: "/cgi-bin/tags/delete", body: `{"tag":{"id":134}}`}},
		{"UserTagGet", func(ctx context.Context, w *wego.WeChatAPI) (json.RawMessage, error) {
			return w.UserTagGet(ctx, 134, "o9")
		}, wantCall{method: "POST", path: "/cgi-bin/user/tag/get", body: `{"tagid":134,"next_openid":"o9"}`}},
		{"TagsMembersBatchTagging", func(ctx context.Context, w *wego.WeChatAPI) (json.RawMessage, error) {
			return w.TagsMembersBatchTagging(ctx, 134, []string{"o1", "o2"})
		}, wantCall{method: "POST", path: "/cgi-bin/tags/members/batchtagging", body: `{"openid_list":["o1","o2"],"tagid":134}`}},
		{"TagsMembersBatchUntagging", func(ctx context.Context, w *wego.WeChatAPI) (json.RawMessage, error) {
			return w.TagsMembersBatchUntagging(ctx, 134, []string{"o1"})
		}, wantCall{method: "POST", path: "/cgi-bin/tags/members/batchuntagging", body: `{"openid_list":["o1"],"tagid":134}`}},
		{"TagsGetIDList", func(ctx context.Context, w *wego.WeChatAPI) (json.RawMessage, error) {
			return w.TagsGetIDList(ctx, "o1")
		}, wantCall{method: "POST", path: "/cgi-bin/tags/getidlist", body: `{"openid":"o1"}`}},
		{"TagsMembersGetBlacklist", func(ctx context.Context, w *wego.WeChatAPI) (json.RawMessage, error) {
			return w.TagsMembersGetBlacklist(ctx, "")
		}, wantCall{method: "POST", path: "/cgi-bin/tags/members/getblacklist", body: `{"begin_openid":""}`}},
		{"TagsMembersBatchBlacklist", func(ctx context.Context, w *wego.WeChatAPI) (json.RawMessage, error) {
			return w.TagsMembersBatchBlacklist(ctx, []string{"o1", "o2"})
		}, wantCall{method: "POST", path: "/cgi-bin/tags/members/batchblacklist", body: `{"openid_list":["o1","o2"]}`}},
		{"TagsMembersBatchUnblacklist", func(ctx context.Context, w *wego.WeChatAPI) (json.RawMessage, error) {
			return w.TagsMembersBatchUnblacklist(ctx, []string{"o1"})
		}, wantCall{method: "POST", path: "/cgi-bin/tags/members/batchunblacklist", body: `{"openid_list":["o1"]}`}},
	})
}

func TestTagCallRequests(t *testing.T) {
	t.Parallel()
	getTags := wantCall{method: "GET", path: "/cgi-bin/tags/get", answer: tagsAnswer}
	ids := openIDList("o", 120)
	tagBody := func(ids []string) string { return jsonOf(t, map[string]any{"openid_list": ids, "tagid": 134}) }
	blackBody := func(ids []string) string { return jsonOf(t, map[string]any{"openid_list": ids}) }
	runMockCases(t, []mockCase{
		{"CreateTag", func(ctx context.Context, c *wego.Client) error {
			tag, err := c.CreateTag(ctx, "广东")
			if err == nil {
				assert.Equal(t, wego.Tag{ID: 134, Name: "广东"}, *tag)
			}
			return err
		}, []wantCall{{method: "POST", path: "/cgi-bin/tags/create", body: `{"tag":{"name":"广东"}}`, answer: `{"tag":{"id":134,"name":"广东"}}`}}},
		{"GetTags", func(ctx context.Context, c *wego.Client) error {
			tags, err := c.GetTags(ctx)
			if err == nil {
				assert.Equal(t, []wego.Tag{{ID: 2, Name: "星标组"}, {ID: 127, Name: "广东", Count: 5}, {ID: 134, Name: "VIP", Count: 2}}, tags)
			}
			return err
		}, []wantCall{getTags}},
		{"RenameTag by name", func(ctx context.Context, c *wego.Client) error {
			return c.RenameTag(ctx, wego.TagName("广东"), "广东人")
		}, []wantCall{getTags, {method: "POST", path: "/cgi-bin/tags/update", body: `{"tag":{"id":127,"name":"广东人"}}`}}},
		{"DeleteTag by id", func(ctx context.Context, c *wego.Client) error {
			return c.DeleteTag(ctx, wego.TagID(127))
		}, []wantCall{{method: "POST", path: "/cgi-bin/tags/delete", body: `{"tag":{"id":127}}`}}},
		{"TagUsers in chunks of 50", func(ctx context.Context, c *wego.Client) error {
			return c.TagUsers(ctx, wego.TagName("VIP"), ids...)
		}, []wantCall{
			getTags,
			{method: "POST", path: "/cgi-bin/tags/members/batchtagging", body: tagBody(ids[:50])},
			{method: "POST", path: "/cgi-bin/tags/members/batchtagging", body: tagBody(ids[50:100])},
			{method: "POST", path: "/cgi-bin/tags/members/batchtagging", body: tagBody(ids[100:])},
		}},
		{"UntagUsers by id", func(ctx context.Context, c *wego.Client) error {
			return c.UntagUsers(ctx, wego.TagID(134), ids[:2]...)
		}, []wantCall{{method: "POST", path: "/cgi-bin/tags/members/batchuntagging", body: tagBody(ids[:2])}}},
		{"TaggedUsers", func(ctx context.Context, c *wego.Client) error {
			got, errs := collect(c.TaggedUsers(ctx, wego.TagName("VIP")))
			assert.Equal(t, []string{"o1", "o2"}, got)
			return errorsJoin(errs)
		}, []wantCall{
			getTags,
			{method: "POST", path: "/cgi-bin/user/tag/get", body: `{"tagid":134,"next_openid":""}`, answer: `{"count":2,"data":{"openid":["o1","o2"]},"next_openid":"o2"}`},
			{method: "POST", path: "/cgi-bin/user/tag/get", body: `{"tagid":134,"next_openid":"o2"}`, answer: `{"count":0,"data":{"openid":[]},"next_openid":""}`},
		}},
		{"GetUserTags", func(ctx context.Context, c *wego.Client) error {
			tags, err := c.GetUserTags(ctx, "o1")
			if err == nil {
				assert.Equal(t, []wego.Tag{{ID: 134, Name: "VIP", Count: 2}, {ID: 2, Name: "星标组"}, {ID: 140}}, tags,
					"an id tags/get does not list comes without a name")
			}
			return err
		}, []wantCall{{method: "POST", path: "/cgi-bin/tags/getidlist", body: `{"openid":"o1"}`, answer: `{"tagid_list":[134,2,140]}`}, getTags}},
		{"GetUserTags of a user without tags", func(ctx context.Context, c *wego.Client) error {
			tags, err := c.GetUserTags(ctx, "o1")
			assert.Empty(t, tags)
			return err
		}, []wantCall{{method: "POST", path: "/cgi-bin/tags/getidlist", body: `{"openid":"o1"}`, answer: `{"tagid_list":[]}`}}},
		{"Blacklist", func(ctx context.Context, c *wego.Client) error {
			got, errs := collect(c.Blacklist(ctx))
			assert.Equal(t, []string{"o1", "o2", "o3"}, got)
			return errorsJoin(errs)
		}, []wantCall{
			{method: "POST", path: "/cgi-bin/tags/members/getblacklist", body: `{"begin_openid":""}`, answer: `{"total":3,"count":2,"data":{"openid":["o1","o2"]},"next_openid":"o2"}`},
			{method: "POST", path: "/cgi-bin/tags/members/getblacklist", body: `{"begin_openid":"o2"}`, answer: `{"total":3,"count":1,"data":{"openid":["o3"]},"next_openid":""}`},
		}},
		{"BlockUsers in chunks of 20", func(ctx context.Context, c *wego.Client) error {
			return c.BlockUsers(ctx, ids[:45]...)
		}, []wantCall{
			{method: "POST", path: "/cgi-bin/tags/members/batchblacklist", body: blackBody(ids[:20])},
			{method: "POST", path: "/cgi-bin/tags/members/batchblacklist", body: blackBody(ids[20:40])},
			{method: "POST", path: "/cgi-bin/tags/members/batchblacklist", body: blackBody(ids[40:45])},
		}},
		{"UnblockUsers", func(ctx context.Context, c *wego.Client) error {
			return c.UnblockUsers(ctx, ids[:21]...)
		}, []wantCall{
			{method: "POST", path: "/cgi-bin/tags/members/batchunblacklist", body: blackBody(ids[:20])},
			{method: "POST", path: "/cgi-bin/tags/members/batchunblacklist", body: blackBody(ids[20:21])},
		}},
	})
}

func TestTagsEndToEnd(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	ctx := context.Background()
	ids := srv.AddFollowers(130)

	gd, err := c.CreateTag(ctx, "广东")
	require.NoError(t, err)
	vip, err := c.CreateTag(ctx, "VIP")
	require.NoError(t, err)
	require.NoError(t, c.TagUsers(ctx, wego.TagName("VIP"), ids[:120]...))
	assert.Equal(t, 3, srv.Requests(wegotest.PathTagsBatchTagging), "120 openids: 50, 50, 20")
	require.NoError(t, c.TagUsers(ctx, wego.TagID(2), ids[0]))

	tagged, errs := collect(c.TaggedUsers(ctx, wego.TagName("VIP")))
	require.Empty(t, errs)
	assert.Equal(t, ids[:120], tagged)
	tags, err := c.GetUserTags(ctx, ids[0])
	require.NoError(t, err)
	assert.Equal(t, []wego.Tag{{ID: 2, Name: "星标组", Count: 1}, {ID: vip.ID, Name: "VIP", Count: 120}}, tags)

	require.NoError(t, c.RenameTag(ctx, wego.TagID(gd.ID), "广东人"))
	require.NoError(t, c.UntagUsers(ctx, wego.TagName("VIP"), ids[:60]...))
	all, err := c.GetTags(ctx)
	require.NoError(t, err)
	assert.Equal(t, []wego.Tag{{ID: 2, Name: "星标组", Count: 1}, {ID: gd.ID, Name: "广东人"}, {ID: vip.ID, Name: "VIP", Count: 60}}, all)

	_, err = c.CreateTag(ctx, "VIP")
	var ae *wego.APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, 45157, ae.Code, "WeChat refuses a name another tag has")

	require.NoError(t, c.DeleteTag(ctx, wego.TagName("VIP")))
	u, _ := srv.User(ids[100])
	assert.Empty(t, u.TagIDs)
	assert.Len(t, srv.Tags(), 2)
}

func TestTagByUnknownNameWritesNothing(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	ctx := context.Background()
	ids := srv.AddFollowers(2)
	nope := wego.TagName("nope")
	for name, call := range map[string]func() error{
		"TagUsers":   func() error { return c.TagUsers(ctx, nope, ids...) },
		"UntagUsers": func() error { return c.UntagUsers(ctx, nope, ids...) },
		"RenameTag":  func() error { return c.RenameTag(ctx, nope, "x") },
		"DeleteTag":  func() error { return c.DeleteTag(ctx, nope) },
		"TaggedUsers": func() error {
			got, errs := collect(c.TaggedUsers(ctx, nope))
			assert.Empty(t, got)
			assert.Len(t, errs, 1, "the error is yielded once")
			return errorsJoin(errs)
		},
	} {
		err := call()
		require.ErrorIs(t, err, wego.ErrTagNotFound, name)
		assert.Contains(t, err.Error(), `tag "nope"`, name)
	}
	for _, p := range []string{wegotest.PathTagsBatchTagging, wegotest.PathTagsBatchUntagging, wegotest.PathTagsUpdate, wegotest.PathTagsDelete, wegotest.PathUserTagGet} {
		assert.Zero(t, srv.Requests(p), "no request to %s", p)
	}
}

// WeChat keeps tag names unique; were two alike, a name would be refused
// as for groups.
func TestTagNameSharedByTwoTagsIsRefused(t *testing.T) {
	t.Parallel()
	c := mockCalls(t, wantCall{method: "GET", path: "/cgi-bin/tags/get",
		answer: `{"tags":[{"id":134,"name":"VIP","count":1},{"id":135,"name":"VIP","count":0}]}`})
	err := c.TagUsers(context.Background(), wego.TagName("VIP"), "o1")
	var amb *wego.AmbiguousNameError
	require.ErrorAs(t, err, &amb)
	assert.Equal(t, &wego.AmbiguousNameError{Kind: "tag", Name: "VIP", IDs: []int{134, 135}}, amb)
}

// A chunk refused after others went through: the error says how far the
// call got, and carries WeChat's answer.
func TestTagUsersStoppedHalfWay(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	ctx := context.Background()
	ids := srv.AddFollowers(120)
	full := make([]int, 20)
	for i := range full {
		id, err := srv.AddTag(string(rune('a' + i)))
		require.NoError(t, err)
		full[i] = id
	}
	require.NoError(t, srv.AddUser(wegotest.User{OpenID: ids[110], TagIDs: full}))
	_, err := srv.AddTag("VIP")
	require.NoError(t, err)

	err = c.TagUsers(ctx, wego.TagName("VIP"), ids...)
	var pe *wego.PartialError
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, 100, pe.Done)
	assert.Equal(t, 120, pe.Total)
	var ae *wego.APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, 45059, ae.Code, "a user with 20 tags")
	tagged, errs := collect(c.TaggedUsers(ctx, wego.TagName("VIP")))
	require.Empty(t, errs)
	assert.Equal(t, ids[:100], tagged)

	err = c.BlockUsers(ctx, "oNobody")
	require.ErrorAs(t, err, &ae, "a first chunk that fails is WeChat's error as it is")
	assert.NotErrorAs(t, err, &pe)
}

func TestBlacklistEndToEnd(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	ctx := context.Background()
	ids := srv.AddFollowers(45)
	require.NoError(t, c.BlockUsers(ctx, ids...))
	assert.Equal(t, 3, srv.Requests(wegotest.PathBatchBlacklist), "45 openids: 20, 20, 5")
	got, errs := collect(c.Blacklist(ctx))
	require.Empty(t, errs)
	assert.Equal(t, ids, got)

	require.NoError(t, c.UnblockUsers(ctx, ids[:40]...))
	assert.Equal(t, 2, srv.Requests(wegotest.PathBatchUnblacklist))
	assert.Equal(t, ids[40:], srv.Blacklist())

	require.NoError(t, c.UnblockUsers(ctx, ids[40:]...))
	got, errs = collect(c.Blacklist(ctx))
	require.Empty(t, errs)
	assert.Empty(t, got, "an empty blacklist is one empty page")
}

// A page read by POST that WeChat answers "system busy" is asked again,
// and the walk goes on.
func TestTaggedUsersBusyPageIsAskedAgain(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	wego.SetBusyBackoff(c, time.Millisecond)
	ids := srv.AddFollowers(3)
	_, err := srv.AddTag("VIP")
	require.NoError(t, err)
	require.NoError(t, c.TagUsers(context.Background(), wego.TagName("VIP"), ids...))
	srv.FailNext(wegotest.PathUserTagGet, -1)
	got, errs := collect(c.TaggedUsers(context.Background(), wego.TagName("VIP")))
	require.Empty(t, errs)
	assert.Equal(t, ids, got)
}

func errorsJoin(errs []error) error {
	if len(errs) == 0 {
		return nil
	}
	return errs[0]
}
