package wego

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"time"
	"unicode/utf8"
)

// Paths of the user endpoints.
const (
	pathUserInfo         = "/cgi-bin/user/info"
	pathUserInfoBatchGet = "/cgi-bin/user/info/batchget"
	pathUserGet          = "/cgi-bin/user/get"
	pathUserUpdateRemark = "/cgi-bin/user/info/updateremark"
)

// WeChat's limits on users.
const (
	maxRemarkChars   = 30  // updateremark: a remark of at most 30 characters
	userInfoPerBatch = 100 // batchget: at most 100 users a call
)

// Lang is the language WeChat writes a user's place names in (lang).
// WeChat stopped answering place names on 2021-12-27, so it rarely
// matters; it is kept because the endpoints still take it.
type Lang string

// The languages WeChat accepts.
const (
	LangZhCN Lang = "zh_CN" // simplified Chinese, WeChat's default
	LangZhTW Lang = "zh_TW" // traditional Chinese
	LangEN   Lang = "en"    // English
)

func (l Lang) check() error {
	switch l {
	case "", LangZhCN, LangZhTW, LangEN:
		return nil
	}
	return invalid("lang", "%q is not zh_CN, zh_TW or en", string(l))
}

// UserInfoOption changes how [Client.GetExtUserInfo] and
// [Client.BatchGetUserInfo] ask WeChat.
type UserInfoOption func(*userInfoOptions)

type userInfoOptions struct {
	lang Lang
}

// WithLang asks WeChat to answer in lang (zh_CN when not given).
func WithLang(lang Lang) UserInfoOption {
	return func(o *userInfoOptions) { o.lang = lang }
}

func userInfoOpts(opts []UserInfoOption) (userInfoOptions, error) {
	var o userInfoOptions
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	return o, o.lang.check()
}

// UserInfo is what WeChat tells of a user through /cgi-bin/user/info with
// the account's global access token ([Client.GetExtUserInfo],
// [WeChatUser.Ext], [Client.BatchGetUserInfo]). For a user who does not
// follow the account WeChat tells only that (Subscribed false), the openid
// and the unionid when there is one.
//
// Since 2021-12-27 this endpoint no longer answers nickname, headimgurl,
// sex, city, province or country: only OAuth with scope snsapi_userinfo
// gives a user's nickname and avatar.
type UserInfo struct {
	OpenID         string
	Subscribed     bool      // subscribe: the user follows the account
	SubscribeTime  time.Time // subscribe_time: when the user last followed; zero when not a follower
	Language       string    // language: the language of the user's WeChat, e.g. "zh_CN"
	UnionID        string    // unionid: set when the account is bound to a WeChat Open Platform account
	Remark         string    // remark: the account's note on the user ([Client.UpdateRemark])
	GroupID        int       // groupid: the user's group (see [Group])
	TagIDs         []int     // tagid_list: the user's tags (see [Tag])
	SubscribeScene string    // subscribe_scene: how the user came, e.g. "ADD_SCENE_QR_CODE", "ADD_SCENE_SEARCH", "ADD_SCENE_OTHERS"
	QRScene        int       // qr_scene: the scene id of the QR code the user followed from
	QRSceneStr     string    // qr_scene_str: the scene string of that QR code
}

func (in *UserInfo) clone() *UserInfo {
	out := *in
	out.TagIDs = slices.Clone(in.TagIDs)
	return &out
}

// UserProfile is what WeChat tells of a user who authorized a web page
// with scope snsapi_userinfo (sns/userinfo). Since 2021-10-20 WeChat
// answers Sex 0 and empty places for every user; nickname and avatar remain.
type UserProfile struct {
	Nickname string `json:"nickname"`
	// HeadImgURL is the avatar's URL; its last path element chooses the
	// size (0 for 640×640, 46, 64, 96 or 132); empty when the user has none.
	HeadImgURL string   `json:"headimgurl"`
	Sex        int      `json:"sex"` // 1 male, 2 female, 0 unknown
	Province   string   `json:"province"`
	City       string   `json:"city"`
	Country    string   `json:"country"`
	Privilege  []string `json:"privilege"` // e.g. "chinaunicom" for a WeChat Woka user
}

// userInfoJSON is a user as /cgi-bin/user/info and batchget write it.
type userInfoJSON struct {
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

func (j *userInfoJSON) info() *UserInfo {
	in := &UserInfo{
		OpenID: j.OpenID, Subscribed: j.Subscribe == 1, Language: j.Language, UnionID: j.UnionID,
		Remark: j.Remark, GroupID: j.GroupID, TagIDs: j.TagIDList, SubscribeScene: j.SubscribeScene,
		QRScene: j.QRScene, QRSceneStr: j.QRSceneStr,
	}
	if j.SubscribeTime > 0 {
		in.SubscribeTime = time.Unix(j.SubscribeTime, 0)
	}
	return in
}

// WeChatUser is a user of the account: the Go form of Python wego's lazy
// WeChatUser. Its fields are what is known of the user without asking
// WeChat; what WeChat knows beyond them is loaded on first use by
// [WeChatUser.Ext] and [WeChatUser.Group] and kept. [WeChatUser.SetRemark]
// and [WeChatUser.SetGroup] write to WeChat and update what is kept. A
// WeChatUser is safe for concurrent use; get one from [Client.User],
// [Client.GetExtUserInfo] or [Client.BatchGetUserInfo].
//
// Where each part comes from:
//   - OpenID: always set, the user's id under this account (a push's
//     FromUserName, an OAuth answer, a list of followers).
//   - UnionID: set when the source gave it: /cgi-bin/user/info for
//     GetExtUserInfo and BatchGetUserInfo, or OAuth; empty for a user made
//     by [Client.User] (Ext tells it).
//   - Ext: /cgi-bin/user/info with the account's global access token:
//     subscribe, subscribe_time, language, remark, groupid, tagid_list,
//     subscribe_scene, qr_scene, qr_scene_str, unionid ([UserInfo]).
//   - Group: groupid looked up in /cgi-bin/groups/get.
//   - Profile (nickname, avatar): only OAuth with scope snsapi_userinfo
//     gives them (user/info stopped on 2021-12-27); set for a user from
//     [Client.GetUserInfo] or [Client.LoginRequired], nil otherwise.
type WeChatUser struct {
	OpenID  string
	UnionID string
	// Profile is what sns/userinfo told of the user at login (OAuth with
	// scope snsapi_userinfo); nil when the user came from elsewhere.
	Profile *UserProfile

	c       *Client
	mu      sync.Mutex
	info    *UserInfo     // from user/info; nil until loaded
	loading chan struct{} // closed when the load under way ends; nil when none
	group   *Group        // the user's group, once asked or set
}

// User returns the user openid of the account, lazily: nothing is asked
// of WeChat until [WeChatUser.Ext] or another method needs it.
func (c *Client) User(openid string) *WeChatUser {
	return &WeChatUser{OpenID: openid, c: c}
}

func (c *Client) userFrom(in *UserInfo) *WeChatUser {
	return &WeChatUser{OpenID: in.OpenID, UnionID: in.UnionID, c: c, info: in}
}

// Ext returns what /cgi-bin/user/info tells of the user (Python wego's
// get_ext_userinfo and the attributes subscribe, language, remark and
// groupid), asking WeChat the first time only; a user from
// [Client.GetExtUserInfo] or [Client.BatchGetUserInfo] already has it.
// Callers at the same moment share one request. The result is a copy.
func (u *WeChatUser) Ext(ctx context.Context) (*UserInfo, error) {
	if u.c == nil {
		return nil, missing("client: make the WeChatUser with Client.User")
	}
	for {
		u.mu.Lock()
		if u.info != nil {
			in := u.info.clone()
			u.mu.Unlock()
			return in, nil
		}
		if wait := u.loading; wait != nil {
			u.mu.Unlock()
			select {
			case <-wait:
				continue // loaded, or failed: then this caller tries
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		done := make(chan struct{})
		u.loading = done
		u.mu.Unlock()

		in, err := u.c.userInfo(ctx, u.OpenID, "")
		u.mu.Lock()
		if err == nil && u.info == nil {
			u.info = in
		}
		u.loading = nil
		close(done)
		if err != nil {
			u.mu.Unlock()
			return nil, err
		}
		in = u.info.clone()
		u.mu.Unlock()
		return in, nil
	}
}

// Group returns the user's group (Python wego's user.group): the user's
// groupid ([WeChatUser.Ext]) looked up among the account's groups the first
// time, kept after. A groupid that is not among the groups gives an error
// wrapping [ErrGroupNotFound].
func (u *WeChatUser) Group(ctx context.Context) (*Group, error) {
	u.mu.Lock()
	if g := u.group; g != nil {
		out := *g
		u.mu.Unlock()
		return &out, nil
	}
	u.mu.Unlock()
	in, err := u.Ext(ctx)
	if err != nil {
		return nil, err
	}
	groups, err := u.c.GetGroups(ctx)
	if err != nil {
		return nil, err
	}
	g, err := find(GroupID(in.GroupID).r, "group", ErrGroupNotFound, groups)
	if err != nil {
		return nil, fmt.Errorf("%w: the user's group %d is not among the account's groups", ErrGroupNotFound, in.GroupID)
	}
	u.mu.Lock()
	if u.info != nil && u.info.GroupID == g.ID {
		kept := g
		u.group = &kept
	}
	u.mu.Unlock()
	return &g, nil
}

// SetRemark sets the account's note on the user (Python wego's
// user.remark = ...), at most 30 characters, checked first. As in Python
// wego, a user who does not follow the account gets an error wrapping
// [ErrNotSubscribed] and nothing is written; the remark the user already
// has is not written again.
func (u *WeChatUser) SetRemark(ctx context.Context, remark string) error {
	if err := checkRemark(remark); err != nil {
		return err
	}
	in, err := u.Ext(ctx)
	if err != nil {
		return err
	}
	if !in.Subscribed {
		return fmt.Errorf("%w: a remark needs a follower", ErrNotSubscribed)
	}
	if in.Remark == remark {
		return nil
	}
	err = u.c.UpdateRemark(ctx, u.OpenID, remark)
	u.mu.Lock()
	defer u.mu.Unlock()
	switch {
	case err == nil:
		u.info.Remark = remark
	case errors.Is(err, ErrNotSubscribed):
		u.info.Subscribed = false // unfollowed since the info was loaded
	}
	return err
}

// SetGroup moves the user to a group (Python wego's user.group = ... and
// user.groupid = ...), given by id ([GroupID]) or name ([GroupName]). The
// group is looked up among the account's groups first, by id as well as by
// name: one that is not there gives an error wrapping [ErrGroupNotFound],
// a name two groups share an [*AmbiguousNameError], and nothing is written.
// [WeChatUser.Group] and [WeChatUser.Ext] then tell the new group.
func (u *WeChatUser) SetGroup(ctx context.Context, group GroupRef) error {
	if u.c == nil {
		return missing("client: make the WeChatUser with Client.User")
	}
	if err := group.r.check("group"); err != nil {
		return err
	}
	groups, err := u.c.GetGroups(ctx)
	if err != nil {
		return err
	}
	g, err := find(group.r, "group", ErrGroupNotFound, groups)
	if err != nil {
		return err
	}
	u.mu.Lock()
	same := u.info != nil && u.info.GroupID == g.ID
	u.mu.Unlock()
	if !same {
		if err := u.c.changeUserGroup(ctx, u.OpenID, g.ID); err != nil {
			return err
		}
	}
	u.mu.Lock()
	u.group = &g
	if u.info != nil {
		u.info.GroupID = g.ID
	}
	u.mu.Unlock()
	return nil
}

// UserInfo returns WeChat's answer about one user (/cgi-bin/user/info),
// asked with the account's global access token. lang is "zh_CN", "zh_TW",
// "en", or "" for WeChat's default. Since 2021-12-27 the answer carries no
// nickname or avatar.
//
// WeChat docs: https://developers.weixin.qq.com/doc/offiaccount/User_Management/Get_users_basic_information_UnionID.html
func (w *WeChatAPI) UserInfo(ctx context.Context, openid, lang string) (json.RawMessage, error) {
	return rawAnswer(func(out any) error { return w.userInfo(ctx, openid, lang, out) })
}

func (w *WeChatAPI) userInfo(ctx context.Context, openid, lang string, out any) error {
	q := url.Values{"openid": {openid}}
	if lang != "" {
		q.Set("lang", lang)
	}
	return w.Get(ctx, pathUserInfo, q, out)
}

// UserInfoBatchGet returns WeChat's answer about several users
// (/cgi-bin/user/info/batchget, user_list), sent as given: WeChat takes at
// most 100 a call, which [Client.BatchGetUserInfo] sees to.
//
// WeChat docs: https://developers.weixin.qq.com/doc/offiaccount/User_Management/Get_users_basic_information_UnionID.html
func (w *WeChatAPI) UserInfoBatchGet(ctx context.Context, openids []string, lang string) (json.RawMessage, error) {
	return rawAnswer(func(out any) error { return w.userInfoBatchGet(ctx, openids, lang, out) })
}

func (w *WeChatAPI) userInfoBatchGet(ctx context.Context, openids []string, lang string, out any) error {
	type item struct {
		OpenID string `json:"openid"`
		Lang   string `json:"lang,omitempty"`
	}
	list := make([]item, len(openids))
	for i, id := range openids {
		list[i] = item{id, lang}
	}
	return w.postRead(ctx, pathUserInfoBatchGet, struct {
		UserList []item `json:"user_list"`
	}{list}, out)
}

// UserGet returns one page of the account's followers (/cgi-bin/user/get):
// up to 10000 openids after nextOpenID, from the start when it is "".
// [Client.Followers] walks every page.
//
// WeChat docs: https://developers.weixin.qq.com/doc/offiaccount/User_Management/Getting_a_User_List.html
func (w *WeChatAPI) UserGet(ctx context.Context, nextOpenID string) (json.RawMessage, error) {
	return rawAnswer(func(out any) error { return w.userGet(ctx, nextOpenID, out) })
}

func (w *WeChatAPI) userGet(ctx context.Context, nextOpenID string, out any) error {
	var q url.Values
	if nextOpenID != "" {
		q = url.Values{"next_openid": {nextOpenID}}
	}
	return w.Get(ctx, pathUserGet, q, out)
}

// UserInfoUpdateRemark sets the account's note on a user
// (/cgi-bin/user/info/updateremark) and returns WeChat's answer.
//
// WeChat docs: https://developers.weixin.qq.com/doc/offiaccount/User_Management/Configuring_user_notes.html
func (w *WeChatAPI) UserInfoUpdateRemark(ctx context.Context, openid, remark string) (json.RawMessage, error) {
	return rawAnswer(func(out any) error {
		return w.Post(ctx, pathUserUpdateRemark, nil, struct {
			OpenID string `json:"openid"`
			Remark string `json:"remark"`
		}{openid, remark}, out)
	})
}

// GetExtUserInfo asks WeChat about a user (Python wego get_ext_userinfo,
// /cgi-bin/user/info with the global access token) and returns the user,
// its [WeChatUser.Ext] already loaded: subscribe, subscribe_time, language,
// remark, groupid, tagid_list, subscribe_scene, qr_scene, qr_scene_str and
// unionid. Since 2021-12-27 WeChat answers no nickname or avatar here;
// only OAuth with scope snsapi_userinfo gives them. [WithLang] chooses the
// language of the answer.
//
// WeChat docs: https://developers.weixin.qq.com/doc/offiaccount/User_Management/Get_users_basic_information_UnionID.html
func (c *Client) GetExtUserInfo(ctx context.Context, openid string, opts ...UserInfoOption) (*WeChatUser, error) {
	if openid == "" {
		return nil, missing("openid")
	}
	o, err := userInfoOpts(opts)
	if err != nil {
		return nil, err
	}
	in, err := c.userInfo(ctx, openid, o.lang)
	if err != nil {
		return nil, err
	}
	return c.userFrom(in), nil
}

func (c *Client) userInfo(ctx context.Context, openid string, lang Lang) (*UserInfo, error) {
	if openid == "" {
		return nil, missing("openid")
	}
	var a userInfoJSON
	if err := c.WeChat.userInfo(ctx, openid, string(lang), &a); err != nil {
		return nil, err
	}
	if a.OpenID == "" {
		a.OpenID = openid
	}
	return a.info(), nil
}

// BatchGetUserInfo asks WeChat about any number of users, sent in WeChat's
// chunks of 100 (/cgi-bin/user/info/batchget), and returns them in
// WeChat's order, each with its [WeChatUser.Ext] loaded. A user who does
// not follow the account comes back with Subscribed false. An empty list,
// or an empty openid in it, is refused before anything is sent.
//
// WeChat docs: https://developers.weixin.qq.com/doc/offiaccount/User_Management/Get_users_basic_information_UnionID.html
func (c *Client) BatchGetUserInfo(ctx context.Context, openids []string, opts ...UserInfoOption) ([]*WeChatUser, error) {
	if err := checkOpenIDs(openids); err != nil {
		return nil, err
	}
	o, err := userInfoOpts(opts)
	if err != nil {
		return nil, err
	}
	users := make([]*WeChatUser, 0, len(openids))
	for chunk := range slices.Chunk(openids, userInfoPerBatch) {
		var a struct {
			List []userInfoJSON `json:"user_info_list"`
		}
		if err := c.WeChat.userInfoBatchGet(ctx, chunk, string(o.lang), &a); err != nil {
			return nil, err
		}
		for i := range a.List {
			users = append(users, c.userFrom(a.List[i].info()))
		}
	}
	return users, nil
}

// UpdateRemark sets the account's note on a user (Python wego's
// set_user_remark): at most 30 characters, checked before anything is
// sent. WeChat refuses a user who does not follow the account with errcode
// 43004, which matches [ErrNotSubscribed].
//
// WeChat docs: https://developers.weixin.qq.com/doc/offiaccount/User_Management/Configuring_user_notes.html
func (c *Client) UpdateRemark(ctx context.Context, openid, remark string) error {
	if openid == "" {
		return missing("openid")
	}
	if err := checkRemark(remark); err != nil {
		return err
	}
	_, err := c.WeChat.UserInfoUpdateRemark(ctx, openid, remark)
	return err
}

func checkRemark(remark string) error {
	if n := utf8.RuneCountInString(remark); n > maxRemarkChars {
		return invalid("remark", "%d characters, at most %d", n, maxRemarkChars)
	}
	return nil
}

// Followers returns every follower's openid, page after page of WeChat's
// list (/cgi-bin/user/get, 10000 a page, next_openid), holding one page at
// a time: a page is asked for when the one before is used up. An error
// (WeChat's, the network's, ctx's) is yielded once and ends the walk;
// breaking out of the loop ends it too. A token WeChat rejects in the
// middle is refreshed and the page asked again, so no openid is lost or
// repeated.
//
//	for openid, err := range c.Followers(ctx) {
//		if err != nil {
//			return err
//		}
//		...
//	}
//
// WeChat docs: https://developers.weixin.qq.com/doc/offiaccount/User_Management/Getting_a_User_List.html
func (c *Client) Followers(ctx context.Context) iter.Seq2[string, error] {
	return walkOpenIDs(ctx, pathUserGet, func(ctx context.Context, next string, p *openIDPage) error {
		return c.WeChat.userGet(ctx, next, p)
	})
}

// openIDPage is one page of a list of openids, as user/get, user/tag/get
// and getblacklist answer.
type openIDPage struct {
	Data struct {
		OpenID []string `json:"openid"`
	} `json:"data"`
	NextOpenID string `json:"next_openid"`
}

// walkOpenIDs yields the openids of every page fetch gives, from the start
// (next ""), each page's next_openid leading to the next page, until a page
// is empty or names no next. Only the page being yielded is held.
func walkOpenIDs(ctx context.Context, path string, fetch func(ctx context.Context, next string, p *openIDPage) error) iter.Seq2[string, error] {
	return func(yield func(string, error) bool) {
		next := ""
		for {
			if err := ctx.Err(); err != nil {
				yield("", err)
				return
			}
			var p openIDPage // a new page each time: the last one is garbage once used up
			if err := fetch(ctx, next, &p); err != nil {
				yield("", err)
				return
			}
			for _, id := range p.Data.OpenID {
				if !yield(id, nil) {
					return
				}
			}
			if len(p.Data.OpenID) == 0 || p.NextOpenID == "" {
				return
			}
			if p.NextOpenID == next {
				yield("", &HTTPError{Endpoint: path, StatusCode: http.StatusOK,
					Reason: "next_openid names the page just read: the list would never end"})
				return
			}
			next = p.NextOpenID
		}
	}
}

// checkOpenIDs refuses an empty list of openids, or one holding an empty
// openid, naming it.
func checkOpenIDs(openids []string) error {
	if len(openids) == 0 {
		return missing("openids")
	}
	for i, id := range openids {
		if id == "" {
			return missing(fmt.Sprintf("openids[%d]", i))
		}
	}
	return nil
}

// sendChunks sends openids in chunks of size, one after the other, and
// stops at the first chunk that fails: a [*PartialError] when chunks went
// through before it.
func sendChunks(ctx context.Context, op string, openids []string, size int, send func(ctx context.Context, chunk []string) error) error {
	done := 0
	for chunk := range slices.Chunk(openids, size) {
		if err := send(ctx, chunk); err != nil {
			if done == 0 {
				return err
			}
			return &PartialError{Op: op, Done: done, Total: len(openids), Err: err}
		}
		done += len(chunk)
	}
	return nil
}

// rawAnswer runs do with a *json.RawMessage and returns what it holds.
func rawAnswer(do func(out any) error) (json.RawMessage, error) {
	var raw json.RawMessage
	if err := do(&raw); err != nil {
		return nil, err
	}
	return raw, nil
}
