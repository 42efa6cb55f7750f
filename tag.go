package wego

import (
	"context"
	"encoding/json"
	"iter"
)

// Paths of the tag and blacklist endpoints.
const (
	pathTagsCreate              = "/cgi-bin/tags/create"
	pathTagsGet                 = "/cgi-bin/tags/get"
	pathTagsUpdate              = "/cgi-bin/tags/update"
	pathTagsDelete              = "/cgi-bin/tags/delete"
	pathUserTagGet              = "/cgi-bin/user/tag/get"
	pathTagsMembersBatchTagging = "/cgi-bin/tags/members/batchtagging"
	pathTagsMembersBatchUntag   = "/cgi-bin/tags/members/batchuntagging"
	pathTagsGetIDList           = "/cgi-bin/tags/getidlist"
	pathTagsMembersGetBlacklist = "/cgi-bin/tags/members/getblacklist"
	pathTagsMembersBatchBlack   = "/cgi-bin/tags/members/batchblacklist"
	pathTagsMembersBatchUnblack = "/cgi-bin/tags/members/batchunblacklist"
)

// WeChat's limits on tags and the blacklist.
const (
	maxTagNameBytes  = 30 // 45158: a tag name of at most 30 bytes
	taggingPerCall   = 50 // batchtagging, batchuntagging: at most 50 openids a call
	blacklistPerCall = 20 // batchblacklist, batchunblacklist: at most 20 openids a call
)

// reservedTags are the tags WeChat keeps for itself (45058); tags/get lists
// only 2.
var reservedTags = [3]string{"reserved", "reserved", "星标组"}

// Tag is a tag of the account's users (用户标签), what WeChat offers since
// 2016 in place of groups: an account has at most 100 tags, a user at most
// 20. Tag 2 (星标组, starred) is WeChat's own, as are 0 and 1, and cannot
// be renamed or deleted.
type Tag struct {
	ID    int    `json:"id"`
	Name  string `json:"name"`
	Count int    `json:"count"` // users with the tag, as GetTags tells; 0 from CreateTag
}

func (t Tag) key() (int, string) { return t.ID, t.Name }

// TagRef names a tag by id ([TagID]) or by name ([TagName]) in the calls
// that take one, with the rules of [GroupRef]: a name is looked up among
// the account's tags ([Client.GetTags]) before anything is written, and a
// name no tag has gives an error wrapping [ErrTagNotFound]. The zero TagRef
// names no tag and is refused.
type TagRef struct{ r ref }

// TagID names the tag with this id.
func TagID(id int) TagRef { return TagRef{ref{kind: refID, id: id}} }

// TagName names the tag with this name, exactly as WeChat spells it.
func TagName(name string) TagRef { return TagRef{ref{kind: refName, name: name}} }

// String names the tag as the SDK's errors do: "tag 134", `tag "VIP"`.
func (t TagRef) String() string { return t.r.describe("tag") }

func checkTagName(name string) error {
	if name == "" {
		return missing("name")
	}
	if len(name) > maxTagNameBytes {
		return invalid("name", "%d bytes, at most %d", len(name), maxTagNameBytes)
	}
	return nil
}

// tagID returns the id of the tag t names: its id as given, or the id
// looked up by name.
func (c *Client) tagID(ctx context.Context, t TagRef) (int, error) {
	return resolveID(ctx, t.r, "tag", ErrTagNotFound, c.GetTags)
}

type tagBody struct {
	Tag tagFields `json:"tag"`
}

type tagFields struct {
	ID   *int   `json:"id,omitempty"`
	Name string `json:"name,omitempty"`
}

type openIDsAndTag struct {
	OpenIDList []string `json:"openid_list"`
	TagID      int      `json:"tagid"`
}

// TagsCreate creates a tag (/cgi-bin/tags/create) and returns WeChat's
// answer: {"tag":{"id":134,"name":"广东"}}.
//
// WeChat docs: https://developers.weixin.qq.com/doc/offiaccount/User_Management/User_Tag_Management.html
func (w *WeChatAPI) TagsCreate(ctx context.Context, name string) (json.RawMessage, error) {
	return rawAnswer(func(out any) error { return w.tagsCreate(ctx, name, out) })
}

func (w *WeChatAPI) tagsCreate(ctx context.Context, name string, out any) error {
	return w.Post(ctx, pathTagsCreate, nil, tagBody{tagFields{Name: name}}, out)
}

// TagsGet returns the account's tags (/cgi-bin/tags/get):
// {"tags":[{"id":2,"name":"星标组","count":0},...]}.
//
// WeChat docs: https://developers.weixin.qq.com/doc/offiaccount/User_Management/User_Tag_Management.html
func (w *WeChatAPI) TagsGet(ctx context.Context) (json.RawMessage, error) {
	return rawAnswer(func(out any) error { return w.Get(ctx, pathTagsGet, nil, out) })
}

// TagsUpdate renames tag id (/cgi-bin/tags/update) and returns WeChat's
// answer.
//
// WeChat docs: https://developers.weixin.qq.com/doc/offiaccount/User_Management/User_Tag_Management.html
func (w *WeChatAPI) TagsUpdate(ctx context.Context, id int, name string) (json.RawMessage, error) {
	return rawAnswer(func(out any) error {
		return w.Post(ctx, pathTagsUpdate, nil, tagBody{tagFields{ID: &id, Name: name}}, out)
	})
}

// TagsDelete deletes tag id (/cgi-bin/tags/delete) and returns WeChat's
// answer. WeChat refuses a tag with more than 100000 users (45057): untag
// them first.
//
// WeChat docs: https://developers.weixin.qq.com/doc/offiaccount/User_Management/User_Tag_Management.html
func (w *WeChatAPI) TagsDelete(ctx context.Context, id int) (json.RawMessage, error) {
	return rawAnswer(func(out any) error {
		return w.Post(ctx, pathTagsDelete, nil, tagBody{tagFields{ID: &id}}, out)
	})
}

// UserTagGet returns one page of the users with tag tagID
// (/cgi-bin/user/tag/get): openids after nextOpenID, from the start when
// it is "". [Client.TaggedUsers] walks every page.
//
// WeChat docs: https://developers.weixin.qq.com/doc/offiaccount/User_Management/User_Tag_Management.html
func (w *WeChatAPI) UserTagGet(ctx context.Context, tagID int, nextOpenID string) (json.RawMessage, error) {
	return rawAnswer(func(out any) error { return w.userTagGet(ctx, tagID, nextOpenID, out) })
}

func (w *WeChatAPI) userTagGet(ctx context.Context, tagID int, nextOpenID string, out any) error {
	return w.postRead(ctx, pathUserTagGet, struct {
		TagID      int    `json:"tagid"`
		NextOpenID string `json:"next_openid"`
	}{tagID, nextOpenID}, out)
}

// TagsMembersBatchTagging gives tag tagID to users
// (/cgi-bin/tags/members/batchtagging), sent as given: WeChat takes at most
// 50 a call, which [Client.TagUsers] sees to.
//
// WeChat docs: https://developers.weixin.qq.com/doc/offiaccount/User_Management/User_Tag_Management.html
func (w *WeChatAPI) TagsMembersBatchTagging(ctx context.Context, tagID int, openids []string) (json.RawMessage, error) {
	return rawAnswer(func(out any) error {
		return w.Post(ctx, pathTagsMembersBatchTagging, nil, openIDsAndTag{openids, tagID}, out)
	})
}

// TagsMembersBatchUntagging takes tag tagID from users
// (/cgi-bin/tags/members/batchuntagging), sent as given: WeChat takes at
// most 50 a call, which [Client.UntagUsers] sees to.
//
// WeChat docs: https://developers.weixin.qq.com/doc/offiaccount/User_Management/User_Tag_Management.html
func (w *WeChatAPI) TagsMembersBatchUntagging(ctx context.Context, tagID int, openids []string) (json.RawMessage, error) {
	return rawAnswer(func(out any) error {
		return w.Post(ctx, pathTagsMembersBatchUntag, nil, openIDsAndTag{openids, tagID}, out)
	})
}

// TagsGetIDList returns the ids of a user's tags (/cgi-bin/tags/getidlist):
// {"tagid_list":[134,2]}.
//
// WeChat docs: https://developers.weixin.qq.com/doc/offiaccount/User_Management/User_Tag_Management.html
func (w *WeChatAPI) TagsGetIDList(ctx context.Context, openid string) (json.RawMessage, error) {
	return rawAnswer(func(out any) error { return w.tagsGetIDList(ctx, openid, out) })
}

func (w *WeChatAPI) tagsGetIDList(ctx context.Context, openid string, out any) error {
	return w.postRead(ctx, pathTagsGetIDList, struct {
		OpenID string `json:"openid"`
	}{openid}, out)
}

// TagsMembersGetBlacklist returns one page of the account's blacklist
// (/cgi-bin/tags/members/getblacklist): openids after beginOpenID, from the
// start when it is "". [Client.Blacklist] walks every page.
//
// WeChat docs: https://developers.weixin.qq.com/doc/offiaccount/User_Management/Manage_blacklist.html
func (w *WeChatAPI) TagsMembersGetBlacklist(ctx context.Context, beginOpenID string) (json.RawMessage, error) {
	return rawAnswer(func(out any) error { return w.getBlacklist(ctx, beginOpenID, out) })
}

func (w *WeChatAPI) getBlacklist(ctx context.Context, beginOpenID string, out any) error {
	return w.postRead(ctx, pathTagsMembersGetBlacklist, struct {
		BeginOpenID string `json:"begin_openid"`
	}{beginOpenID}, out)
}

// TagsMembersBatchBlacklist blocks users (/cgi-bin/tags/members/batchblacklist),
// sent as given: WeChat takes at most 20 a call, which [Client.BlockUsers]
// sees to.
//
// WeChat docs: https://developers.weixin.qq.com/doc/offiaccount/User_Management/Manage_blacklist.html
func (w *WeChatAPI) TagsMembersBatchBlacklist(ctx context.Context, openids []string) (json.RawMessage, error) {
	return rawAnswer(func(out any) error {
		return w.Post(ctx, pathTagsMembersBatchBlack, nil, openIDList{openids}, out)
	})
}

// TagsMembersBatchUnblacklist unblocks users
// (/cgi-bin/tags/members/batchunblacklist), sent as given: WeChat takes at
// most 20 a call, which [Client.UnblockUsers] sees to.
//
// WeChat docs: https://developers.weixin.qq.com/doc/offiaccount/User_Management/Manage_blacklist.html
func (w *WeChatAPI) TagsMembersBatchUnblacklist(ctx context.Context, openids []string) (json.RawMessage, error) {
	return rawAnswer(func(out any) error {
		return w.Post(ctx, pathTagsMembersBatchUnblack, nil, openIDList{openids}, out)
	})
}

type openIDList struct {
	OpenIDList []string `json:"openid_list"`
}

// CreateTag creates a tag and returns it. The name must be 1 to 30 bytes
// (WeChat counts bytes: ten Chinese characters), checked first; WeChat
// refuses a name another tag has (45157) and a 101st tag (45056).
//
// WeChat docs: https://developers.weixin.qq.com/doc/offiaccount/User_Management/User_Tag_Management.html
func (c *Client) CreateTag(ctx context.Context, name string) (*Tag, error) {
	if err := checkTagName(name); err != nil {
		return nil, err
	}
	var a struct {
		Tag Tag `json:"tag"`
	}
	if err := c.WeChat.tagsCreate(ctx, name, &a); err != nil {
		return nil, err
	}
	return &a.Tag, nil
}

// GetTags returns the account's tags in WeChat's order, with the number of
// users of each.
//
// WeChat docs: https://developers.weixin.qq.com/doc/offiaccount/User_Management/User_Tag_Management.html
func (c *Client) GetTags(ctx context.Context) ([]Tag, error) {
	var a struct {
		Tags []Tag `json:"tags"`
	}
	if err := c.WeChat.Get(ctx, pathTagsGet, nil, &a); err != nil {
		return nil, err
	}
	return a.Tags, nil
}

// RenameTag renames a tag, given by id or by name. The new name must be 1
// to 30 bytes; the tags 0, 1 and 2 are WeChat's own and are refused, before
// anything is sent.
//
// WeChat docs: https://developers.weixin.qq.com/doc/offiaccount/User_Management/User_Tag_Management.html
func (c *Client) RenameTag(ctx context.Context, tag TagRef, name string) error {
	if err := checkTagName(name); err != nil {
		return err
	}
	id, err := c.tagID(ctx, tag)
	if err != nil {
		return err
	}
	if err := reserved("tag", id, reservedTags); err != nil {
		return err
	}
	_, err = c.WeChat.TagsUpdate(ctx, id, name)
	return err
}

// DeleteTag deletes a tag, given by id or by name, and takes it from its
// users. The tags 0, 1 and 2 are WeChat's own and are refused before
// anything is sent; WeChat refuses a tag with more than 100000 users
// (45057).
//
// WeChat docs: https://developers.weixin.qq.com/doc/offiaccount/User_Management/User_Tag_Management.html
func (c *Client) DeleteTag(ctx context.Context, tag TagRef) error {
	id, err := c.tagID(ctx, tag)
	if err != nil {
		return err
	}
	if err := reserved("tag", id, reservedTags); err != nil {
		return err
	}
	_, err = c.WeChat.TagsDelete(ctx, id)
	return err
}

// TagUsers gives a tag, by id or by name, to any number of users, sent in
// WeChat's chunks of 50. A chunk that fails after others went through
// gives a [*PartialError] saying how many users have the tag; WeChat
// refuses a whole chunk when one of its users would have more than 20
// tags (45059).
//
// WeChat docs: https://developers.weixin.qq.com/doc/offiaccount/User_Management/User_Tag_Management.html
func (c *Client) TagUsers(ctx context.Context, tag TagRef, openids ...string) error {
	return c.tagging(ctx, "tag users", pathTagsMembersBatchTagging, tag, openids)
}

// UntagUsers takes a tag, by id or by name, from any number of users, sent
// in WeChat's chunks of 50, as [Client.TagUsers] gives it.
//
// WeChat docs: https://developers.weixin.qq.com/doc/offiaccount/User_Management/User_Tag_Management.html
func (c *Client) UntagUsers(ctx context.Context, tag TagRef, openids ...string) error {
	return c.tagging(ctx, "untag users", pathTagsMembersBatchUntag, tag, openids)
}

func (c *Client) tagging(ctx context.Context, op, path string, tag TagRef, openids []string) error {
	if err := checkOpenIDs(openids); err != nil {
		return err
	}
	id, err := c.tagID(ctx, tag)
	if err != nil {
		return err
	}
	return sendChunks(ctx, op, openids, taggingPerCall, func(ctx context.Context, chunk []string) error {
		return c.WeChat.Post(ctx, path, nil, openIDsAndTag{chunk, id}, nil)
	})
}

// TaggedUsers returns the openid of every user with a tag, given by id or
// by name, page after page (/cgi-bin/user/tag/get), holding one page at a
// time, as [Client.Followers] does. A name is looked up when the walk
// starts; an unknown one is yielded as an error wrapping [ErrTagNotFound].
//
// WeChat docs: https://developers.weixin.qq.com/doc/offiaccount/User_Management/User_Tag_Management.html
func (c *Client) TaggedUsers(ctx context.Context, tag TagRef) iter.Seq2[string, error] {
	return func(yield func(string, error) bool) {
		id, err := c.tagID(ctx, tag)
		if err != nil {
			yield("", err)
			return
		}
		walkOpenIDs(ctx, pathUserTagGet, func(ctx context.Context, next string, p *openIDPage) error {
			return c.WeChat.userTagGet(ctx, id, next, p)
		})(yield)
	}
}

// GetUserTags returns the tags of a user: the ids WeChat lists for the user
// (/cgi-bin/tags/getidlist) with their names from [Client.GetTags], two
// requests (one when the user has no tag). An id that is not among the
// account's tags comes with an empty name.
//
// WeChat docs: https://developers.weixin.qq.com/doc/offiaccount/User_Management/User_Tag_Management.html
func (c *Client) GetUserTags(ctx context.Context, openid string) ([]Tag, error) {
	if openid == "" {
		return nil, missing("openid")
	}
	var a struct {
		TagIDList []int `json:"tagid_list"`
	}
	if err := c.WeChat.tagsGetIDList(ctx, openid, &a); err != nil {
		return nil, err
	}
	if len(a.TagIDList) == 0 {
		return []Tag{}, nil
	}
	all, err := c.GetTags(ctx)
	if err != nil {
		return nil, err
	}
	tags := make([]Tag, len(a.TagIDList))
	for i, id := range a.TagIDList {
		t, err := find(TagID(id).r, "tag", ErrTagNotFound, all)
		if err != nil {
			t = Tag{ID: id}
		}
		tags[i] = t
	}
	return tags, nil
}

// Blacklist returns the openid of every user the account blocked, page
// after page (/cgi-bin/tags/members/getblacklist, begin_openid), holding
// one page at a time, as [Client.Followers] does.
//
// WeChat docs: https://developers.weixin.qq.com/doc/offiaccount/User_Management/Manage_blacklist.html
func (c *Client) Blacklist(ctx context.Context) iter.Seq2[string, error] {
	return walkOpenIDs(ctx, pathTagsMembersGetBlacklist, func(ctx context.Context, next string, p *openIDPage) error {
		return c.WeChat.getBlacklist(ctx, next, p)
	})
}

// BlockUsers puts any number of users on the account's blacklist, sent in
// WeChat's chunks of 20; a chunk that fails after others went through
// gives a [*PartialError].
//
// WeChat docs: https://developers.weixin.qq.com/doc/offiaccount/User_Management/Manage_blacklist.html
func (c *Client) BlockUsers(ctx context.Context, openids ...string) error {
	return c.blacklisting(ctx, "block users", pathTagsMembersBatchBlack, openids)
}

// UnblockUsers takes any number of users off the account's blacklist, sent
// in WeChat's chunks of 20, as [Client.BlockUsers] puts them on.
//
// WeChat docs: https://developers.weixin.qq.com/doc/offiaccount/User_Management/Manage_blacklist.html
func (c *Client) UnblockUsers(ctx context.Context, openids ...string) error {
	return c.blacklisting(ctx, "unblock users", pathTagsMembersBatchUnblack, openids)
}

func (c *Client) blacklisting(ctx context.Context, op, path string, openids []string) error {
	if err := checkOpenIDs(openids); err != nil {
		return err
	}
	return sendChunks(ctx, op, openids, blacklistPerCall, func(ctx context.Context, chunk []string) error {
		return c.WeChat.Post(ctx, path, nil, openIDList{chunk}, nil)
	})
}
