package wego

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"unicode/utf8"
)

// Paths of the group endpoints.
const (
	pathGroupsCreate             = "/cgi-bin/groups/create"
	pathGroupsGet                = "/cgi-bin/groups/get"
	pathGroupsGetID              = "/cgi-bin/groups/getid"
	pathGroupsUpdate             = "/cgi-bin/groups/update"
	pathGroupsMembersUpdate      = "/cgi-bin/groups/members/update"
	pathGroupsMembersBatchUpdate = "/cgi-bin/groups/members/batchupdate"
	pathGroupsDelete             = "/cgi-bin/groups/delete"
)

// WeChat's limits on groups.
const (
	maxGroupNameChars = 30 // a group name of at most 30 characters
	groupMovesPerCall = 50 // members/batchupdate: at most 50 openids a call
)

// Group is a group of users (用户分组) of the account. WeChat replaced
// groups with tags ([Tag]) in 2016 and keeps the group endpoints for older
// code; every account has the groups 0 未分组 (no group), 1 黑名单
// (blacklist) and 2 星标组 (starred), which cannot be renamed or deleted.
type Group struct {
	ID    int    `json:"id"`
	Name  string `json:"name"`
	Count int    `json:"count"` // users in the group, as GetGroups tells; 0 from CreateGroup
}

func (g Group) key() (int, string) { return g.ID, g.Name }

// GroupRef names a group by id ([GroupID]) or by name ([GroupName]) in the
// calls that take one. A name is looked up among the account's groups
// ([Client.GetGroups]) before anything is written: a name no group has
// gives an error wrapping [ErrGroupNotFound], a name several groups share
// (WeChat allows it) an [*AmbiguousNameError] listing their ids. The zero
// GroupRef names no group and is refused.
type GroupRef struct{ r ref }

// GroupID names the group with this id.
func GroupID(id int) GroupRef { return GroupRef{ref{kind: refID, id: id}} }

// GroupName names the group with this name, exactly as WeChat spells it.
func GroupName(name string) GroupRef { return GroupRef{ref{kind: refName, name: name}} }

// String names the group as the SDK's errors do: "group 101", `group "VIP"`.
func (g GroupRef) String() string { return g.r.describe("group") }

// refKind says how a ref names a group or tag.
type refKind uint8

const (
	refUnset refKind = iota
	refID
	refName
)

// ref is a group or a tag, named by id or by name.
type ref struct {
	kind refKind
	id   int
	name string
}

func (r ref) describe(kind string) string {
	switch r.kind {
	case refID:
		return kind + " " + strconv.Itoa(r.id)
	case refName:
		return kind + " " + strconv.Quote(r.name)
	}
	return "no " + kind
}

// check refuses the zero ref.
func (r ref) check(kind string) error {
	if r.kind == refUnset {
		return missing(kind)
	}
	return nil
}

// keyed is a group or a tag: an id and a name.
type keyed interface {
	key() (int, string)
}

// find returns the item r names: the one with its id, or the one with its
// name. None gives an error wrapping notFound; a name several items share
// gives an *AmbiguousNameError.
func find[T keyed](r ref, kind string, notFound error, items []T) (T, error) {
	var zero T
	var hits []T
	for _, it := range items {
		id, name := it.key()
		if r.kind == refID && id == r.id || r.kind == refName && name == r.name {
			hits = append(hits, it)
		}
	}
	switch {
	case len(hits) == 0:
		return zero, fmt.Errorf("%w: %s", notFound, r.describe(kind))
	case len(hits) == 1 || r.kind == refID:
		return hits[0], nil
	}
	ids := make([]int, len(hits))
	for i, h := range hits {
		ids[i], _ = h.key()
	}
	return zero, &AmbiguousNameError{Kind: kind, Name: r.name, IDs: ids}
}

// resolveID returns the id r names: its id as given, or the id of the one
// item of list (fetched from WeChat) with its name; see find for the errors.
func resolveID[T keyed](ctx context.Context, r ref, kind string, notFound error, list func(context.Context) ([]T, error)) (int, error) {
	if err := r.check(kind); err != nil {
		return 0, err
	}
	if r.kind == refID {
		return r.id, nil
	}
	items, err := list(ctx)
	if err != nil {
		return 0, err
	}
	found, err := find(r, kind, notFound, items)
	if err != nil {
		return 0, err
	}
	id, _ := found.key()
	return id, nil
}

// reserved refuses to change one of the ids WeChat keeps for itself
// (0, 1 and 2, for groups and for tags).
func reserved(kind string, id int, names [3]string) error {
	if id >= 0 && id < len(names) {
		return invalid(kind, "%d (%s) is WeChat's own and cannot be changed", id, names[id])
	}
	return nil
}

var reservedGroups = [3]string{"未分组", "黑名单", "星标组"}

func checkGroupName(name string) error {
	if name == "" {
		return missing("name")
	}
	if n := utf8.RuneCountInString(name); n > maxGroupNameChars {
		return invalid("name", "%d characters, at most %d", n, maxGroupNameChars)
	}
	return nil
}

// groupID returns the id of the group g names: its id as given, or the id
// looked up by name.
func (c *Client) groupID(ctx context.Context, g GroupRef) (int, error) {
	return resolveID(ctx, g.r, "group", ErrGroupNotFound, c.GetGroups)
}

type groupBody struct {
	Group groupFields `json:"group"`
}

type groupFields struct {
	ID   *int   `json:"id,omitempty"`
	Name string `json:"name,omitempty"`
}

// GroupsCreate creates a group named name (/cgi-bin/groups/create) and
// returns WeChat's answer: {"group":{"id":107,"name":"test"}}.
//
// WeChat docs (groups were replaced by tags; this page describes them): https://developers.weixin.qq.com/doc/offiaccount/User_Management/User_Tag_Management.html
func (w *WeChatAPI) GroupsCreate(ctx context.Context, name string) (json.RawMessage, error) {
	return rawAnswer(func(out any) error { return w.groupsCreate(ctx, name, out) })
}

func (w *WeChatAPI) groupsCreate(ctx context.Context, name string, out any) error {
	return w.Post(ctx, pathGroupsCreate, nil, groupBody{groupFields{Name: name}}, out)
}

// GroupsGet returns the account's groups (/cgi-bin/groups/get):
// {"groups":[{"id":0,"name":"未分组","count":72596},...]}.
//
// WeChat docs (groups were replaced by tags; this page describes them): https://developers.weixin.qq.com/doc/offiaccount/User_Management/User_Tag_Management.html
func (w *WeChatAPI) GroupsGet(ctx context.Context) (json.RawMessage, error) {
	return rawAnswer(func(out any) error { return w.Get(ctx, pathGroupsGet, nil, out) })
}

// GroupsGetID returns the id of a user's group (/cgi-bin/groups/getid):
// {"groupid":102}.
//
// WeChat docs (groups were replaced by tags; this page describes them): https://developers.weixin.qq.com/doc/offiaccount/User_Management/User_Tag_Management.html
func (w *WeChatAPI) GroupsGetID(ctx context.Context, openid string) (json.RawMessage, error) {
	return rawAnswer(func(out any) error { return w.groupsGetID(ctx, openid, out) })
}

func (w *WeChatAPI) groupsGetID(ctx context.Context, openid string, out any) error {
	return w.postRead(ctx, pathGroupsGetID, struct {
		OpenID string `json:"openid"`
	}{openid}, out)
}

// GroupsUpdate renames group id (/cgi-bin/groups/update) and returns
// WeChat's answer.
//
// WeChat docs (groups were replaced by tags; this page describes them): https://developers.weixin.qq.com/doc/offiaccount/User_Management/User_Tag_Management.html
func (w *WeChatAPI) GroupsUpdate(ctx context.Context, id int, name string) (json.RawMessage, error) {
	return rawAnswer(func(out any) error {
		return w.Post(ctx, pathGroupsUpdate, nil, groupBody{groupFields{ID: &id, Name: name}}, out)
	})
}

// GroupsMembersUpdate moves a user to group toGroupID
// (/cgi-bin/groups/members/update) and returns WeChat's answer.
//
// WeChat docs (groups were replaced by tags; this page describes them): https://developers.weixin.qq.com/doc/offiaccount/User_Management/User_Tag_Management.html
func (w *WeChatAPI) GroupsMembersUpdate(ctx context.Context, openid string, toGroupID int) (json.RawMessage, error) {
	return rawAnswer(func(out any) error {
		return w.Post(ctx, pathGroupsMembersUpdate, nil, struct {
			OpenID    string `json:"openid"`
			ToGroupID int    `json:"to_groupid"`
		}{openid, toGroupID}, out)
	})
}

// GroupsMembersBatchUpdate moves users to group toGroupID
// (/cgi-bin/groups/members/batchupdate), sent as given: WeChat takes at
// most 50 a call, which [Client.ChangeUsersGroup] sees to.
//
// WeChat docs (groups were replaced by tags; this page describes them): https://developers.weixin.qq.com/doc/offiaccount/User_Management/User_Tag_Management.html
func (w *WeChatAPI) GroupsMembersBatchUpdate(ctx context.Context, openids []string, toGroupID int) (json.RawMessage, error) {
	return rawAnswer(func(out any) error {
		return w.Post(ctx, pathGroupsMembersBatchUpdate, nil, struct {
			OpenIDList []string `json:"openid_list"`
			ToGroupID  int      `json:"to_groupid"`
		}{openids, toGroupID}, out)
	})
}

// GroupsDelete deletes group id (/cgi-bin/groups/delete); its users go
// back to group 0. It returns WeChat's answer.
//
// WeChat docs (groups were replaced by tags; this page describes them): https://developers.weixin.qq.com/doc/offiaccount/User_Management/User_Tag_Management.html
func (w *WeChatAPI) GroupsDelete(ctx context.Context, id int) (json.RawMessage, error) {
	return rawAnswer(func(out any) error {
		return w.Post(ctx, pathGroupsDelete, nil, groupBody{groupFields{ID: &id}}, out)
	})
}

// CreateGroup creates a group (Python wego create_group) and returns it.
// The name must be 1 to 30 characters, checked first. WeChat lets groups
// share a name, and so does CreateGroup; such a name then needs [GroupID]
// in the calls that take a group.
func (c *Client) CreateGroup(ctx context.Context, name string) (*Group, error) {
	if err := checkGroupName(name); err != nil {
		return nil, err
	}
	var a struct {
		Group Group `json:"group"`
	}
	if err := c.WeChat.groupsCreate(ctx, name, &a); err != nil {
		return nil, err
	}
	return &a.Group, nil
}

// GetGroups returns the account's groups in WeChat's order, with the number
// of users in each (Python wego get_groups, which gave them keyed by id).
func (c *Client) GetGroups(ctx context.Context) ([]Group, error) {
	var a struct {
		Groups []Group `json:"groups"`
	}
	if err := c.WeChat.Get(ctx, pathGroupsGet, nil, &a); err != nil {
		return nil, err
	}
	return a.Groups, nil
}

// GetUserGroups returns the group of a user (Python wego get_user_groups,
// which gave only its id): the user's groupid looked up among the
// account's groups, two requests. A groupid that is not among them gives
// an error wrapping [ErrGroupNotFound].
func (c *Client) GetUserGroups(ctx context.Context, openid string) (*Group, error) {
	if openid == "" {
		return nil, missing("openid")
	}
	var a struct {
		GroupID int `json:"groupid"`
	}
	if err := c.WeChat.groupsGetID(ctx, openid, &a); err != nil {
		return nil, err
	}
	groups, err := c.GetGroups(ctx)
	if err != nil {
		return nil, err
	}
	g, err := find(GroupID(a.GroupID).r, "group", ErrGroupNotFound, groups)
	if err != nil {
		return nil, fmt.Errorf("%w: the user's group %d is not among the account's groups", ErrGroupNotFound, a.GroupID)
	}
	return &g, nil
}

// ChangeGroupName renames a group (Python wego change_group_name), given by
// id or by name. The new name must be 1 to 30 characters; the groups 0, 1
// and 2 are WeChat's own and are refused, before anything is sent.
func (c *Client) ChangeGroupName(ctx context.Context, group GroupRef, name string) error {
	if err := checkGroupName(name); err != nil {
		return err
	}
	id, err := c.groupID(ctx, group)
	if err != nil {
		return err
	}
	if err := reserved("group", id, reservedGroups); err != nil {
		return err
	}
	_, err = c.WeChat.GroupsUpdate(ctx, id, name)
	return err
}

// ChangeUserGroup moves a user to a group (Python wego change_user_group),
// given by id or by name: wego.GroupName("VIP") or wego.GroupID(101).
func (c *Client) ChangeUserGroup(ctx context.Context, openid string, group GroupRef) error {
	if openid == "" {
		return missing("openid")
	}
	id, err := c.groupID(ctx, group)
	if err != nil {
		return err
	}
	return c.changeUserGroup(ctx, openid, id)
}

func (c *Client) changeUserGroup(ctx context.Context, openid string, id int) error {
	_, err := c.WeChat.GroupsMembersUpdate(ctx, openid, id)
	return err
}

// ChangeUsersGroup moves any number of users to a group, given by id or by
// name, sent in WeChat's chunks of 50 (/cgi-bin/groups/members/batchupdate).
// A chunk that fails after others went through gives a [*PartialError].
func (c *Client) ChangeUsersGroup(ctx context.Context, group GroupRef, openids ...string) error {
	if err := checkOpenIDs(openids); err != nil {
		return err
	}
	id, err := c.groupID(ctx, group)
	if err != nil {
		return err
	}
	return sendChunks(ctx, "move users to a group", openids, groupMovesPerCall, func(ctx context.Context, chunk []string) error {
		_, err := c.WeChat.GroupsMembersBatchUpdate(ctx, chunk, id)
		return err
	})
}

// DelGroup deletes a group (Python wego del_group), given by id or by name;
// its users go back to group 0. The groups 0, 1 and 2 are WeChat's own and
// are refused before anything is sent.
func (c *Client) DelGroup(ctx context.Context, group GroupRef) error {
	id, err := c.groupID(ctx, group)
	if err != nil {
		return err
	}
	if err := reserved("group", id, reservedGroups); err != nil {
		return err
	}
	_, err = c.WeChat.GroupsDelete(ctx, id)
	return err
}
