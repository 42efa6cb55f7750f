package wegotest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/wego-sdk/wego"
)

// Paths of the user endpoints the fake serves.
const (
	PathUserInfo         = "/cgi-bin/user/info"
	PathUserInfoBatchGet = "/cgi-bin/user/info/batchget"
	PathUserGet          = "/cgi-bin/user/get"
	PathUserUpdateRemark = "/cgi-bin/user/info/updateremark"
)

// Paths of the group endpoints the fake serves (groups are what WeChat had
// before tags; it still answers them).
const (
	PathGroupsCreate             = "/cgi-bin/groups/create"
	PathGroupsGet                = "/cgi-bin/groups/get"
	PathGroupsGetID              = "/cgi-bin/groups/getid"
	PathGroupsUpdate             = "/cgi-bin/groups/update"
	PathGroupsMembersUpdate      = "/cgi-bin/groups/members/update"
	PathGroupsMembersBatchUpdate = "/cgi-bin/groups/members/batchupdate"
	PathGroupsDelete             = "/cgi-bin/groups/delete"
)

// Paths of the tag and blacklist endpoints the fake serves.
const (
	PathTagsCreate         = "/cgi-bin/tags/create"
	PathTagsGet            = "/cgi-bin/tags/get"
	PathTagsUpdate         = "/cgi-bin/tags/update"
	PathTagsDelete         = "/cgi-bin/tags/delete"
	PathUserTagGet         = "/cgi-bin/user/tag/get"
	PathTagsBatchTagging   = "/cgi-bin/tags/members/batchtagging"
	PathTagsBatchUntagging = "/cgi-bin/tags/members/batchuntagging"
	PathTagsGetIDList      = "/cgi-bin/tags/getidlist"
	PathGetBlacklist       = "/cgi-bin/tags/members/getblacklist"
	PathBatchBlacklist     = "/cgi-bin/tags/members/batchblacklist"
	PathBatchUnblacklist   = "/cgi-bin/tags/members/batchunblacklist"
)

// The sizes of the pages of openids the fake answers, WeChat's.
const (
	FollowersPageSize = 10000 // user/get and user/tag/get
	// BlacklistPageSize is getblacklist's page: 1000 as WeChat's page on
	// the blacklist says today (older copies of it said 10000).
	BlacklistPageSize = 1000
)

// WeChat's limits, as the fake applies them.
const (
	maxUserInfoBatch       = 100 // batchget: 40032 past it
	maxOpenIDsTagging      = 50  // batchtagging, batchuntagging, groups/members/batchupdate: 40032 past it
	maxOpenIDsBlacklist    = 20  // batchblacklist, batchunblacklist: 40032 past it
	maxTagsPerUser         = 20  // 45059
	maxTags                = 100 // 45056: tags of the account's own
	maxGroups              = 100 // groups of the account's own
	maxTagNameBytes        = 30  // 45158
	maxGroupNameChars      = 30  // 40051
	maxRemarkChars         = 30  // 40092
	maxUsersOfDeletableTag = 100000
	reservedIDs            = 3   // groups and tags 0, 1 and 2 are WeChat's own (45058)
	firstOwnID             = 100 // the first id WeChat gives a group or tag of the account's
)

// Defaults of a user.
const (
	defaultLanguage       = "zh_CN"
	sceneOthers           = "ADD_SCENE_OTHERS"
	sceneQRCode           = "ADD_SCENE_QR_CODE"
	generatedOpenIDPrefix = "oWegotest"
	generatedOpenIDDigits = 19 // 28 characters in all, as WeChat's openids
)

// User is a user of the fake account, as [Server.AddUser] takes it and
// [Server.User] tells it. Its fields are what WeChat's /cgi-bin/user/info
// answers, and the profile that web authorization's /sns/userinfo answers
// (the user/info of today no longer tells nickname, avatar, sex or
// places). Every user can log in to a page of the account's through web
// authorization ([Server.AuthorizeAs]).
type User struct {
	OpenID string // required
	// Unsubscribed makes a former follower: user/info answers subscribe 0
	// and nothing else, the user is in no list of followers, and WeChat's
	// calls that need a follower refuse the user (43004 for a remark, 40003
	// for groups and tags).
	Unsubscribed   bool
	SubscribeTime  time.Time // when the user followed; when AddUser is called if zero
	Language       string    // the language of the user's WeChat; "zh_CN" if empty
	UnionID        string    // answered only when set, as for an account bound to an Open Platform account
	Remark         string    // at most 30 characters
	GroupID        int       // one of the account's groups; 0 (未分组) by default
	TagIDs         []int     // at most 20 of the account's tags
	SubscribeScene string    // "ADD_SCENE_QR_CODE" if QRScene or QRSceneStr is set, "ADD_SCENE_OTHERS" otherwise, when empty
	QRScene        int
	QRSceneStr     string

	// WeChatID is the user's WeChat ID (微信号), which menu/trymatch takes
	// in place of the openid; empty for none.
	WeChatID string
	// ClientPlatformType is the user's phone, as a conditional menu's
	// client_platform_type matches it: 1 iOS, 2 Android, 3 others; 0
	// unknown, matched by no such rule.
	ClientPlatformType int

	// The profile sns/userinfo answers for a token of scope
	// snsapi_userinfo, as the user left it; the zero value is what WeChat
	// answers for most users since 2021-10-20: sex 0, no places.
	//
	// Nickname is "User " and the last six characters of OpenID when
	// empty (Server.User tells it empty).
	Nickname string
	// HeadImgURL is the avatar's URL; empty, as for a user without one,
	// unless set. The fake serves no image.
	HeadImgURL string
	Sex        int // 0 unknown (the default), 1 male, 2 female
	Province   string
	City       string
	Country    string
	Privilege  []string // e.g. "chinaunicom"; sns/userinfo answers [] when empty
}

// userState is the audience of the fake account: its users in the order
// they came, its groups, tags and blacklist. Guarded by its own mutex.
type userState struct {
	mu        sync.Mutex
	created   time.Time
	fans      []fan
	index     map[string]int // openid → position in fans
	followers int            // fans subscribed
	generated int            // openids made by AddFollowers so far
	groups    []named
	nextGroup int
	tags      []named
	nextTag   int
	black     []string // the blacklist, in the order users were blocked
	// lastTag is the tag each user (by position) was given last, which
	// conditional menus match a user with several tags on.
	lastTag map[int]int
}

// fan is one user. The 250,000 followers of a test cost 32 bytes each
// plus their openid: what differs from the defaults lives in more.
type fan struct {
	openID     string
	subscribed bool
	more       *User // nil: a follower with the defaults of AddFollowers
}

// named is a group or a tag.
type named struct {
	id   int
	name string
}

func (s *Server) initUsers() {
	u := &s.users
	u.created = time.Now().Truncate(time.Second)
	u.index = make(map[string]int)
	u.lastTag = make(map[int]int)
	u.groups = []named{{0, "未分组"}, {1, "黑名单"}, {2, "星标组"}}
	u.tags = []named{{2, "星标组"}}
	u.nextGroup, u.nextTag = firstOwnID, firstOwnID

	s.routeGet(PathUserInfo, s.serveUserInfo)
	routePost(s, PathUserInfoBatchGet, s.serveUserInfoBatchGet)
	s.routeGet(PathUserGet, s.serveUserGet)
	routePost(s, PathUserUpdateRemark, s.serveUpdateRemark)

	routePost(s, PathGroupsCreate, s.serveGroupsCreate)
	s.routeGet(PathGroupsGet, s.serveGroupsGet)
	routePost(s, PathGroupsGetID, s.serveGroupsGetID)
	routePost(s, PathGroupsUpdate, s.serveGroupsUpdate)
	routePost(s, PathGroupsMembersUpdate, s.serveGroupsMembersUpdate)
	routePost(s, PathGroupsMembersBatchUpdate, s.serveGroupsMembersBatchUpdate)
	routePost(s, PathGroupsDelete, s.serveGroupsDelete)

	routePost(s, PathTagsCreate, s.serveTagsCreate)
	s.routeGet(PathTagsGet, s.serveTagsGet)
	routePost(s, PathTagsUpdate, s.serveTagsUpdate)
	routePost(s, PathTagsDelete, s.serveTagsDelete)
	routePost(s, PathUserTagGet, s.serveUserTagGet)
	routePost(s, PathTagsBatchTagging, s.serveBatchTagging)
	routePost(s, PathTagsBatchUntagging, s.serveBatchUntagging)
	routePost(s, PathTagsGetIDList, s.serveGetIDList)
	routePost(s, PathGetBlacklist, s.serveGetBlacklist)
	routePost(s, PathBatchBlacklist, s.serveBatchBlacklist)
	routePost(s, PathBatchUnblacklist, s.serveBatchUnblacklist)
}

// routeGet registers a GET endpoint behind the access token check; other
// methods get 43001 (require GET method).
func (s *Server) routeGet(path string, fn func(q url.Values) (any, int)) {
	s.routeJSON(path, func(r *http.Request, _ []byte) (any, int) {
		if r.Method != http.MethodGet {
			return nil, 43001
		}
		return fn(r.URL.Query())
	})
}

// routePost registers a POST endpoint behind the access token check that
// takes a JSON body: other methods get 43002 (require POST method), an
// empty body 44002 (empty post data), a body that is not JSON of the
// request's shape 47001 (data format error).
func routePost[T any](s *Server, path string, fn func(req *T) (any, int)) {
	s.routeJSON(path, func(r *http.Request, body []byte) (any, int) {
		if r.Method != http.MethodPost {
			return nil, 43002
		}
		if len(bytes.TrimSpace(body)) == 0 {
			return nil, 44002
		}
		var req T
		if json.Unmarshal(body, &req) != nil {
			return nil, 47001
		}
		return fn(&req)
	})
}

var answerOK = map[string]any{"errcode": 0, "errmsg": "ok"}

// AddUser adds a user to the account, or replaces the user with the same
// openid (who keeps their place in the lists). Defaults fill the fields
// left empty (see [User]). It returns an error, and changes nothing, for
// an empty openid, a remark over 30 characters, a group or a tag the
// account does not have, more than 20 tags, a Sex other than 0, 1 and 2,
// or a ClientPlatformType other than 0, 1, 2 and 3. The last of TagIDs
// counts as the tag given last, which conditional menus match on.
func (s *Server) AddUser(u User) error {
	switch {
	case u.OpenID == "":
		return fmt.Errorf("wegotest: AddUser: empty OpenID")
	case utf8.RuneCountInString(u.Remark) > maxRemarkChars:
		return fmt.Errorf("wegotest: AddUser: remark of %d characters, WeChat allows %d", utf8.RuneCountInString(u.Remark), maxRemarkChars)
	case len(u.TagIDs) > maxTagsPerUser:
		return fmt.Errorf("wegotest: AddUser: %d tags, WeChat allows %d", len(u.TagIDs), maxTagsPerUser)
	case u.Sex < 0 || u.Sex > 2:
		return fmt.Errorf("wegotest: AddUser: sex %d, WeChat answers 0, 1 or 2", u.Sex)
	case u.ClientPlatformType < 0 || u.ClientPlatformType > 3:
		return fmt.Errorf("wegotest: AddUser: client platform %d, WeChat knows 1 (iOS), 2 (Android) and 3 (others)", u.ClientPlatformType)
	}
	us := &s.users
	us.mu.Lock()
	defer us.mu.Unlock()
	if us.group(u.GroupID) == nil {
		return fmt.Errorf("wegotest: AddUser: no group %d", u.GroupID)
	}
	for _, id := range u.TagIDs {
		if us.tag(id) == nil {
			return fmt.Errorf("wegotest: AddUser: no tag %d", id)
		}
	}
	more := u
	more.TagIDs = slices.Compact(slices.Sorted(slices.Values(u.TagIDs)))
	more.Privilege = slices.Clone(u.Privilege)
	if more.SubscribeTime.IsZero() {
		more.SubscribeTime = time.Now()
	}
	more.SubscribeTime = more.SubscribeTime.Truncate(time.Second)
	if more.Language == "" {
		more.Language = defaultLanguage
	}
	if more.SubscribeScene == "" {
		more.SubscribeScene = sceneOthers
		if u.QRScene != 0 || u.QRSceneStr != "" {
			more.SubscribeScene = sceneQRCode
		}
	}
	f := fan{openID: u.OpenID, subscribed: !u.Unsubscribed, more: &more}
	if i, ok := us.index[u.OpenID]; ok {
		if us.fans[i].subscribed {
			us.followers--
		}
		us.fans[i] = f
	} else {
		us.index[u.OpenID] = len(us.fans)
		us.fans = append(us.fans, f)
	}
	if f.subscribed {
		us.followers++
	}
	if n := len(u.TagIDs); n > 0 {
		us.lastTag[us.index[u.OpenID]] = u.TagIDs[n-1] // as given: the tag given last
	} else {
		delete(us.lastTag, us.index[u.OpenID])
	}
	return nil
}

// AddFollowers adds n followers with the defaults of [User] and openids
// of WeChat's length made up by the server ("oWegotest" and a number), and
// returns their openids in the order they followed. It is cheap enough for
// a test of 250,000 followers.
func (s *Server) AddFollowers(n int) []string {
	us := &s.users
	us.mu.Lock()
	defer us.mu.Unlock()
	ids := make([]string, 0, max(n, 0))
	for len(ids) < n {
		us.generated++
		id := generatedOpenIDPrefix + fmt.Sprintf("%0*d", generatedOpenIDDigits, us.generated)
		if _, taken := us.index[id]; taken {
			continue
		}
		us.index[id] = len(us.fans)
		us.fans = append(us.fans, fan{openID: id, subscribed: true})
		ids = append(ids, id)
	}
	us.followers += n
	return ids
}

// User returns what the account knows of a user (remark, group, tags as
// the SDK's calls left them) and whether there is such a user.
func (s *Server) User(openid string) (User, bool) {
	us := &s.users
	us.mu.Lock()
	defer us.mu.Unlock()
	i, ok := us.index[openid]
	if !ok {
		return User{}, false
	}
	return us.userAt(i), true
}

// AddGroup adds a group to the account, as POST /cgi-bin/groups/create
// does but without a request, and returns its id. WeChat lets groups share
// a name. It returns an error for an empty name, one over 30 characters,
// or a 101st group of the account's own.
func (s *Server) AddGroup(name string) (int, error) {
	us := &s.users
	us.mu.Lock()
	defer us.mu.Unlock()
	g, code := us.createGroup(name)
	if code != 0 {
		return 0, fmt.Errorf("wegotest: AddGroup: errcode %d: %s", code, errmsgs[code])
	}
	return g.id, nil
}

// AddTag adds a tag to the account, as POST /cgi-bin/tags/create does but
// without a request, and returns its id. It returns an error for an empty
// name, one over 30 bytes, one another tag has, or a 101st tag.
func (s *Server) AddTag(name string) (int, error) {
	us := &s.users
	us.mu.Lock()
	defer us.mu.Unlock()
	t, code := us.createTag(name)
	if code != 0 {
		return 0, fmt.Errorf("wegotest: AddTag: errcode %d: %s", code, errmsgs[code])
	}
	return t.id, nil
}

// Groups returns the account's groups, WeChat's own 0 未分组, 1 黑名单 and
// 2 星标组 first, each with the number of followers in it.
func (s *Server) Groups() []wego.Group {
	us := &s.users
	us.mu.Lock()
	defer us.mu.Unlock()
	return us.groupList()
}

// Tags returns the account's tags, WeChat's own 2 星标组 first, each with
// the number of followers that have it.
func (s *Server) Tags() []wego.Tag {
	us := &s.users
	us.mu.Lock()
	defer us.mu.Unlock()
	return us.tagList()
}

// Blacklist returns the openids of the users the account blocked, in the
// order they were blocked.
func (s *Server) Blacklist() []string {
	us := &s.users
	us.mu.Lock()
	defer us.mu.Unlock()
	return slices.Clone(us.black)
}

// userAt returns the user at position i; us.mu is held.
func (us *userState) userAt(i int) User {
	f := us.fans[i]
	var u User
	if f.more != nil {
		u = *f.more
		u.TagIDs = slices.Clone(u.TagIDs)
		u.Privilege = slices.Clone(u.Privilege)
	} else {
		u = User{SubscribeTime: us.created, Language: defaultLanguage, SubscribeScene: sceneOthers}
	}
	u.OpenID, u.Unsubscribed = f.openID, !f.subscribed
	return u
}

// edit returns the fields of the user at position i to change, making
// them from the defaults if need be; us.mu is held.
func (us *userState) edit(i int) *User {
	f := &us.fans[i]
	if f.more == nil {
		u := us.userAt(i)
		f.more = &u
	}
	return f.more
}

func (us *userState) groupID(i int) int {
	if m := us.fans[i].more; m != nil {
		return m.GroupID
	}
	return 0
}

func (us *userState) tagIDs(i int) []int {
	if m := us.fans[i].more; m != nil {
		return m.TagIDs
	}
	return nil
}

// follower returns the position of openid when it is a follower, or WeChat's
// errcode for it: 40003 (invalid openid) for an unknown or empty openid,
// notFollower for a user who does not follow.
func (us *userState) follower(openid string, notFollower int) (int, int) {
	i, ok := us.index[openid]
	switch {
	case !ok:
		return 0, 40003
	case !us.fans[i].subscribed:
		return 0, notFollower
	}
	return i, 0
}

// followersOf returns the positions of openids, all followers, or the
// errcode of a list WeChat refuses: 40032 (invalid openid list size) for
// an empty one or one over most, 40003 for an openid that is not a
// follower's.
func (us *userState) followersOf(openids []string, most int) ([]int, int) {
	if len(openids) == 0 || len(openids) > most {
		return nil, 40032
	}
	at := make([]int, len(openids))
	for k, id := range openids {
		i, code := us.follower(id, 40003)
		if code != 0 {
			return nil, code
		}
		at[k] = i
	}
	return at, 0
}

func (us *userState) group(id int) *named {
	for i := range us.groups {
		if us.groups[i].id == id {
			return &us.groups[i]
		}
	}
	return nil
}

func (us *userState) tag(id int) *named {
	for i := range us.tags {
		if us.tags[i].id == id {
			return &us.tags[i]
		}
	}
	return nil
}

func (us *userState) groupList() []wego.Group {
	counts := make(map[int]int)
	for i, f := range us.fans {
		if f.subscribed {
			counts[us.groupID(i)]++
		}
	}
	out := make([]wego.Group, len(us.groups))
	for i, g := range us.groups {
		out[i] = wego.Group{ID: g.id, Name: g.name, Count: counts[g.id]}
	}
	return out
}

func (us *userState) tagList() []wego.Tag {
	counts := make(map[int]int)
	for i, f := range us.fans {
		if f.subscribed {
			for _, id := range us.tagIDs(i) {
				counts[id]++
			}
		}
	}
	out := make([]wego.Tag, len(us.tags))
	for i, t := range us.tags {
		out[i] = wego.Tag{ID: t.id, Name: t.name, Count: counts[t.id]}
	}
	return out
}

// page returns up to size openids of list after the one at position after
// (-1: from the start), with the next_openid WeChat answers: the last one
// given, "" when none is.
func page(size, after, n int, at func(int) (string, bool)) ([]string, string) {
	ids := make([]string, 0, min(size, n))
	for i := after + 1; i < n && len(ids) < size; i++ {
		if id, ok := at(i); ok {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return nil, ""
	}
	return ids, ids[len(ids)-1]
}

// pageAnswer is a page of openids as WeChat writes one: without data when
// the page is empty.
func pageAnswer(total int, ids []string, next string) map[string]any {
	a := map[string]any{"count": len(ids), "next_openid": next}
	if total >= 0 {
		a["total"] = total
	}
	if len(ids) > 0 {
		a["data"] = map[string]any{"openid": ids}
	}
	return a
}

// userInfoAnswer is a user as user/info and batchget write one.
func userInfoAnswer(u User) map[string]any {
	if u.Unsubscribed {
		a := map[string]any{"subscribe": 0, "openid": u.OpenID}
		if u.UnionID != "" {
			a["unionid"] = u.UnionID
		}
		return a
	}
	tags := u.TagIDs
	if tags == nil {
		tags = []int{}
	}
	a := map[string]any{
		"subscribe": 1, "openid": u.OpenID, "language": u.Language,
		"subscribe_time": u.SubscribeTime.Unix(), "remark": u.Remark, "groupid": u.GroupID,
		"tagid_list": tags, "subscribe_scene": u.SubscribeScene,
		"qr_scene": u.QRScene, "qr_scene_str": u.QRSceneStr,
	}
	if u.UnionID != "" {
		a["unionid"] = u.UnionID
	}
	return a
}

// serveUserInfo is GET /cgi-bin/user/info: an unknown openid is 40003; a
// user who does not follow gets subscribe 0 and nothing else.
func (s *Server) serveUserInfo(q url.Values) (any, int) {
	us := &s.users
	us.mu.Lock()
	defer us.mu.Unlock()
	i, ok := us.index[q.Get("openid")]
	if !ok {
		return nil, 40003
	}
	return userInfoAnswer(us.userAt(i)), 0
}

type userListRequest struct {
	UserList []struct {
		OpenID string `json:"openid"`
		Lang   string `json:"lang"`
	} `json:"user_list"`
}

// serveUserInfoBatchGet is POST /cgi-bin/user/info/batchget: 1 to 100
// users (40032 otherwise), each one the account knows (40003 otherwise).
func (s *Server) serveUserInfoBatchGet(req *userListRequest) (any, int) {
	if len(req.UserList) == 0 || len(req.UserList) > maxUserInfoBatch {
		return nil, 40032
	}
	us := &s.users
	us.mu.Lock()
	defer us.mu.Unlock()
	list := make([]map[string]any, len(req.UserList))
	for k, item := range req.UserList {
		i, ok := us.index[item.OpenID]
		if !ok {
			return nil, 40003
		}
		list[k] = userInfoAnswer(us.userAt(i))
	}
	return map[string]any{"user_info_list": list}, 0
}

// serveUserGet is GET /cgi-bin/user/get: up to 10000 followers after
// next_openid (40003 when the account has no such user).
func (s *Server) serveUserGet(q url.Values) (any, int) {
	us := &s.users
	us.mu.Lock()
	defer us.mu.Unlock()
	after := -1
	if next := q.Get("next_openid"); next != "" {
		i, ok := us.index[next]
		if !ok {
			return nil, 40003
		}
		after = i
	}
	ids, next := page(FollowersPageSize, after, len(us.fans), func(i int) (string, bool) {
		return us.fans[i].openID, us.fans[i].subscribed
	})
	return pageAnswer(us.followers, ids, next), 0
}

type remarkRequest struct {
	OpenID string `json:"openid"`
	Remark string `json:"remark"`
}

// serveUpdateRemark is POST /cgi-bin/user/info/updateremark: 43004 (require
// subscribe) for a user who does not follow, 40092 (invalid remark name)
// for a remark over 30 characters.
func (s *Server) serveUpdateRemark(req *remarkRequest) (any, int) {
	us := &s.users
	us.mu.Lock()
	defer us.mu.Unlock()
	i, code := us.follower(req.OpenID, 43004)
	if code != 0 {
		return nil, code
	}
	if utf8.RuneCountInString(req.Remark) > maxRemarkChars {
		return nil, 40092
	}
	us.edit(i).Remark = req.Remark
	return answerOK, 0
}

type groupRequest struct {
	Group struct {
		ID   int    `json:"id"`
		Name string `json:"name"`
	} `json:"group"`
}

func checkGroupName(name string) int {
	if name == "" || utf8.RuneCountInString(name) > maxGroupNameChars {
		return 40051 // invalid group name
	}
	return 0
}

// createGroup adds a group; us.mu is held. WeChat lets groups share a
// name; past 100 groups of its own an account gets 45056, as from the tag
// API that runs groups since 2016.
func (us *userState) createGroup(name string) (named, int) {
	if code := checkGroupName(name); code != 0 {
		return named{}, code
	}
	if len(us.groups)-reservedIDs >= maxGroups {
		return named{}, 45056
	}
	g := named{us.nextGroup, name}
	us.nextGroup++
	us.groups = append(us.groups, g)
	return g, 0
}

func (s *Server) serveGroupsCreate(req *groupRequest) (any, int) {
	us := &s.users
	us.mu.Lock()
	defer us.mu.Unlock()
	g, code := us.createGroup(req.Group.Name)
	if code != 0 {
		return nil, code
	}
	return map[string]any{"group": map[string]any{"id": g.id, "name": g.name}}, 0
}

func (s *Server) serveGroupsGet(url.Values) (any, int) {
	us := &s.users
	us.mu.Lock()
	defer us.mu.Unlock()
	return map[string]any{"groups": us.groupList()}, 0
}

type openIDRequest struct {
	OpenID string `json:"openid"`
}

func (s *Server) serveGroupsGetID(req *openIDRequest) (any, int) {
	us := &s.users
	us.mu.Lock()
	defer us.mu.Unlock()
	i, code := us.follower(req.OpenID, 40003)
	if code != 0 {
		return nil, code
	}
	return map[string]any{"groupid": us.groupID(i)}, 0
}

// ownGroup returns the account's own group id, or WeChat's errcode: 45058
// for 0, 1 and 2, 40050 (invalid group id) for one the account lacks.
func (us *userState) ownGroup(id int) (*named, int) {
	if id >= 0 && id < reservedIDs {
		return nil, 45058
	}
	g := us.group(id)
	if g == nil {
		return nil, 40050
	}
	return g, 0
}

func (s *Server) serveGroupsUpdate(req *groupRequest) (any, int) {
	us := &s.users
	us.mu.Lock()
	defer us.mu.Unlock()
	g, code := us.ownGroup(req.Group.ID)
	if code != 0 {
		return nil, code
	}
	if code := checkGroupName(req.Group.Name); code != 0 {
		return nil, code
	}
	g.name = req.Group.Name
	return answerOK, 0
}

type moveRequest struct {
	OpenID     string   `json:"openid"`
	OpenIDList []string `json:"openid_list"`
	ToGroupID  int      `json:"to_groupid"`
}

func (s *Server) serveGroupsMembersUpdate(req *moveRequest) (any, int) {
	us := &s.users
	us.mu.Lock()
	defer us.mu.Unlock()
	i, code := us.follower(req.OpenID, 40003)
	if code != 0 {
		return nil, code
	}
	if us.group(req.ToGroupID) == nil {
		return nil, 40050
	}
	us.edit(i).GroupID = req.ToGroupID
	return answerOK, 0
}

// serveGroupsMembersBatchUpdate is POST
// /cgi-bin/groups/members/batchupdate: 1 to 50 followers (40032, 40003),
// all moved or none.
func (s *Server) serveGroupsMembersBatchUpdate(req *moveRequest) (any, int) {
	us := &s.users
	us.mu.Lock()
	defer us.mu.Unlock()
	at, code := us.followersOf(req.OpenIDList, maxOpenIDsTagging)
	if code != 0 {
		return nil, code
	}
	if us.group(req.ToGroupID) == nil {
		return nil, 40050
	}
	for _, i := range at {
		us.edit(i).GroupID = req.ToGroupID
	}
	return answerOK, 0
}

func (s *Server) serveGroupsDelete(req *groupRequest) (any, int) {
	us := &s.users
	us.mu.Lock()
	defer us.mu.Unlock()
	if _, code := us.ownGroup(req.Group.ID); code != 0 {
		return nil, code
	}
	us.groups = slices.DeleteFunc(us.groups, func(g named) bool { return g.id == req.Group.ID })
	for i := range us.fans {
		if us.groupID(i) == req.Group.ID {
			us.edit(i).GroupID = 0
		}
	}
	return answerOK, 0
}

type tagRequest struct {
	Tag struct {
		ID   int    `json:"id"`
		Name string `json:"name"`
	} `json:"tag"`
}

// checkTagName returns 45157 (invalid tag name) for an empty name or one
// another tag than self has, 45158 (tag name too long) past 30 bytes.
func (us *userState) checkTagName(name string, self int) int {
	switch {
	case name == "":
		return 45157
	case len(name) > maxTagNameBytes:
		return 45158
	}
	for _, t := range us.tags {
		if t.name == name && t.id != self {
			return 45157
		}
	}
	return 0
}

// createTag adds a tag; us.mu is held.
func (us *userState) createTag(name string) (named, int) {
	if code := us.checkTagName(name, -1); code != 0 {
		return named{}, code
	}
	if len(us.tags)-1 >= maxTags {
		return named{}, 45056
	}
	t := named{us.nextTag, name}
	us.nextTag++
	us.tags = append(us.tags, t)
	return t, 0
}

func (s *Server) serveTagsCreate(req *tagRequest) (any, int) {
	us := &s.users
	us.mu.Lock()
	defer us.mu.Unlock()
	t, code := us.createTag(req.Tag.Name)
	if code != 0 {
		return nil, code
	}
	return map[string]any{"tag": map[string]any{"id": t.id, "name": t.name}}, 0
}

func (s *Server) serveTagsGet(url.Values) (any, int) {
	us := &s.users
	us.mu.Lock()
	defer us.mu.Unlock()
	return map[string]any{"tags": us.tagList()}, 0
}

// ownTag returns the account's own tag id, or WeChat's errcode: 45058
// (can't modify sys tag) for 0, 1 and 2, 45159 (invalid tag id) for one the
// account lacks.
func (us *userState) ownTag(id int) (*named, int) {
	if id >= 0 && id < reservedIDs {
		return nil, 45058
	}
	t := us.tag(id)
	if t == nil {
		return nil, 45159
	}
	return t, 0
}

func (s *Server) serveTagsUpdate(req *tagRequest) (any, int) {
	us := &s.users
	us.mu.Lock()
	defer us.mu.Unlock()
	t, code := us.ownTag(req.Tag.ID)
	if code != 0 {
		return nil, code
	}
	if code := us.checkTagName(req.Tag.Name, t.id); code != 0 {
		return nil, code
	}
	t.name = req.Tag.Name
	return answerOK, 0
}

// serveTagsDelete is POST /cgi-bin/tags/delete: a tag with more than
// 100000 users is refused (45057); the others are taken from their users.
func (s *Server) serveTagsDelete(req *tagRequest) (any, int) {
	us := &s.users
	us.mu.Lock()
	defer us.mu.Unlock()
	id := req.Tag.ID
	if _, code := us.ownTag(id); code != 0 {
		return nil, code
	}
	var with []int
	for i := range us.fans {
		if slices.Contains(us.tagIDs(i), id) {
			with = append(with, i)
		}
	}
	if len(with) > maxUsersOfDeletableTag {
		return nil, 45057
	}
	for _, i := range with {
		u := us.edit(i)
		u.TagIDs = slices.DeleteFunc(u.TagIDs, func(t int) bool { return t == id })
	}
	us.tags = slices.DeleteFunc(us.tags, func(t named) bool { return t.id == id })
	return answerOK, 0
}

type tagPageRequest struct {
	TagID      int    `json:"tagid"`
	NextOpenID string `json:"next_openid"`
}

// serveUserTagGet is POST /cgi-bin/user/tag/get: up to 10000 followers with
// the tag (45159 for a tag the account lacks) after next_openid (40003
// when the account has no such user).
func (s *Server) serveUserTagGet(req *tagPageRequest) (any, int) {
	us := &s.users
	us.mu.Lock()
	defer us.mu.Unlock()
	if us.tag(req.TagID) == nil {
		return nil, 45159
	}
	after := -1
	if req.NextOpenID != "" {
		i, ok := us.index[req.NextOpenID]
		if !ok {
			return nil, 40003
		}
		after = i
	}
	ids, next := page(FollowersPageSize, after, len(us.fans), func(i int) (string, bool) {
		return us.fans[i].openID, us.fans[i].subscribed && slices.Contains(us.tagIDs(i), req.TagID)
	})
	return pageAnswer(-1, ids, next), 0
}

type taggingRequest struct {
	OpenIDList []string `json:"openid_list"`
	TagID      int      `json:"tagid"`
}

// serveBatchTagging is POST /cgi-bin/tags/members/batchtagging: 1 to 50
// followers (40032, 40003) and a tag of the account (45159); a user who
// would have more than 20 tags makes the whole call fail (45059).
func (s *Server) serveBatchTagging(req *taggingRequest) (any, int) {
	us := &s.users
	us.mu.Lock()
	defer us.mu.Unlock()
	at, code := us.followersOf(req.OpenIDList, maxOpenIDsTagging)
	if code != 0 {
		return nil, code
	}
	if us.tag(req.TagID) == nil {
		return nil, 45159
	}
	for _, i := range at {
		if tags := us.tagIDs(i); !slices.Contains(tags, req.TagID) && len(tags) >= maxTagsPerUser {
			return nil, 45059
		}
	}
	for _, i := range at {
		if u := us.edit(i); !slices.Contains(u.TagIDs, req.TagID) {
			u.TagIDs = append(u.TagIDs, req.TagID)
			slices.Sort(u.TagIDs)
		}
		us.lastTag[i] = req.TagID
	}
	return answerOK, 0
}

// serveBatchUntagging is POST /cgi-bin/tags/members/batchuntagging, with
// the checks of batchtagging but the limit of 20 tags.
func (s *Server) serveBatchUntagging(req *taggingRequest) (any, int) {
	us := &s.users
	us.mu.Lock()
	defer us.mu.Unlock()
	at, code := us.followersOf(req.OpenIDList, maxOpenIDsTagging)
	if code != 0 {
		return nil, code
	}
	if us.tag(req.TagID) == nil {
		return nil, 45159
	}
	for _, i := range at {
		if slices.Contains(us.tagIDs(i), req.TagID) {
			u := us.edit(i)
			u.TagIDs = slices.DeleteFunc(u.TagIDs, func(t int) bool { return t == req.TagID })
		}
	}
	return answerOK, 0
}

func (s *Server) serveGetIDList(req *openIDRequest) (any, int) {
	us := &s.users
	us.mu.Lock()
	defer us.mu.Unlock()
	i, code := us.follower(req.OpenID, 40003)
	if code != 0 {
		return nil, code
	}
	ids := slices.Clone(us.tagIDs(i))
	if ids == nil {
		ids = []int{}
	}
	return map[string]any{"tagid_list": ids}, 0
}

type blacklistPageRequest struct {
	BeginOpenID string `json:"begin_openid"`
}

// serveGetBlacklist is POST /cgi-bin/tags/members/getblacklist: up to 1000
// blocked users after begin_openid (40003 when it is not on the list).
func (s *Server) serveGetBlacklist(req *blacklistPageRequest) (any, int) {
	us := &s.users
	us.mu.Lock()
	defer us.mu.Unlock()
	after := -1
	if req.BeginOpenID != "" {
		after = slices.Index(us.black, req.BeginOpenID)
		if after < 0 {
			return nil, 40003
		}
	}
	ids, next := page(BlacklistPageSize, after, len(us.black), func(i int) (string, bool) { return us.black[i], true })
	return pageAnswer(len(us.black), ids, next), 0
}

type openIDListRequest struct {
	OpenIDList []string `json:"openid_list"`
}

// knownUsers checks a list of 1 to most openids the account knows,
// followers or not: 40032 for the size, 40003 for an unknown openid.
func (us *userState) knownUsers(openids []string, most int) int {
	if len(openids) == 0 || len(openids) > most {
		return 40032
	}
	for _, id := range openids {
		if _, ok := us.index[id]; !ok {
			return 40003
		}
	}
	return 0
}

// serveBatchBlacklist is POST /cgi-bin/tags/members/batchblacklist: 1 to
// 20 users the account knows; one already blocked stays where it was.
func (s *Server) serveBatchBlacklist(req *openIDListRequest) (any, int) {
	us := &s.users
	us.mu.Lock()
	defer us.mu.Unlock()
	if code := us.knownUsers(req.OpenIDList, maxOpenIDsBlacklist); code != 0 {
		return nil, code
	}
	for _, id := range req.OpenIDList {
		if !slices.Contains(us.black, id) {
			us.black = append(us.black, id)
		}
	}
	return answerOK, 0
}

// serveBatchUnblacklist is POST /cgi-bin/tags/members/batchunblacklist,
// with the checks of batchblacklist.
func (s *Server) serveBatchUnblacklist(req *openIDListRequest) (any, int) {
	us := &s.users
	us.mu.Lock()
	defer us.mu.Unlock()
	if code := us.knownUsers(req.OpenIDList, maxOpenIDsBlacklist); code != 0 {
		return nil, code
	}
	us.black = slices.DeleteFunc(us.black, func(id string) bool { return slices.Contains(req.OpenIDList, id) })
	return answerOK, 0
}
