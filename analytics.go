package wego

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// datacube is an analytics endpoint (数据统计): its path, under /datacube/.
// Each takes a span of days, {"begin_date":"2014-12-02","end_date":"2014-12-07"},
// of at most maxDays days.
type datacube string

// The analytics endpoints.
const (
	cubeUserSummary          datacube = "/datacube/getusersummary"
	cubeUserCumulate         datacube = "/datacube/getusercumulate"
	cubeArticleSummary       datacube = "/datacube/getarticlesummary"
	cubeArticleTotal         datacube = "/datacube/getarticletotal"
	cubeUserRead             datacube = "/datacube/getuserread"
	cubeUserReadHour         datacube = "/datacube/getuserreadhour"
	cubeUserShare            datacube = "/datacube/getusershare"
	cubeUserShareHour        datacube = "/datacube/getusersharehour"
	cubeInterfaceSummary     datacube = "/datacube/getinterfacesummary"
	cubeInterfaceSummaryHour datacube = "/datacube/getinterfacesummaryhour"
	cubeUpstreamMsg          datacube = "/datacube/getupstreammsg"
	cubeUpstreamMsgHour      datacube = "/datacube/getupstreammsghour"
	cubeUpstreamMsgWeek      datacube = "/datacube/getupstreammsgweek"
	cubeUpstreamMsgMonth     datacube = "/datacube/getupstreammsgmonth"
	cubeUpstreamMsgDist      datacube = "/datacube/getupstreammsgdist"
	cubeUpstreamMsgDistWeek  datacube = "/datacube/getupstreammsgdistweek"
	cubeUpstreamMsgDistMonth datacube = "/datacube/getupstreammsgdistmonth"
)

// maxDays is the most days one call to d covers: WeChat's "maximum time
// span" (最大时间跨度), counted from begin_date to end_date, both
// included, as WeChat's lists of each group of endpoints give it. WeChat's
// newer page of each endpoint says 15 days for getupstreammsgdistweek and
// getupstreammsgdistmonth where its list of message analytics says 30:
// the SDK takes the list's 30, so as never to refuse a span WeChat
// answers, and WeChat's own 61501 covers the rest.
func (d datacube) maxDays() int {
	switch d {
	case cubeArticleSummary, cubeArticleTotal, cubeUserReadHour, cubeUserShareHour,
		cubeInterfaceSummaryHour, cubeUpstreamMsgHour:
		return 1
	case cubeUserRead:
		return 3
	case cubeUserSummary, cubeUserCumulate, cubeUserShare, cubeUpstreamMsg:
		return 7
	case cubeUpstreamMsgDist:
		return 15
	}
	return 30 // interface summary, and the weeks and months of messages
}

// name is the endpoint as the SDK's errors name it: "datacube/getusersummary".
func (d datacube) name() string { return strings.TrimPrefix(string(d), "/") }

// analyticsFirstDay is the first day WeChat keeps analytics of: "only
// data after December 1, 2014 is stored", its pages say; earlier dates
// find nothing, or data not to be trusted.
var analyticsFirstDay = time.Date(2014, time.December, 1, 0, 0, 0, 0, chinaTime)

// chinaDate returns the calendar day t falls on in China Standard Time
// (chinaTime, the zone of WeChat Pay's times and of the analytics' dates),
// at midnight there.
func chinaDate(t time.Time) time.Time {
	y, m, d := t.In(chinaTime).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, chinaTime)
}

// spanDays is the number of days from begin to end, both included; both
// are midnights in chinaTime, a zone without daylight saving.
func spanDays(begin, end time.Time) int {
	return int(end.Sub(begin)/(24*time.Hour)) + 1
}

// dateRange is the body of every analytics call.
type dateRange struct {
	BeginDate string `json:"begin_date"`
	EndDate   string `json:"end_date"`
}

// analyticsToday returns the day it is in China now, by the Client's clock.
func (c *Client) analyticsToday() time.Time {
	now := time.Now
	if c.analyticsClock != nil {
		now = c.analyticsClock
	}
	return chinaDate(now())
}

// analyticsRange checks the days from begin to end for a call to d, before
// anything is sent, and returns them as WeChat takes them: the calendar
// days begin and end fall on in China Standard Time, from 2014-12-01 to
// yesterday, begin not after end, spanning at most d's days.
func (c *Client) analyticsRange(d datacube, begin, end time.Time) (dateRange, error) {
	switch {
	case begin.IsZero():
		return dateRange{}, missing("begin")
	case end.IsZero():
		return dateRange{}, missing("end")
	}
	b, e := chinaDate(begin), chinaDate(end)
	bs, es := b.Format(time.DateOnly), e.Format(time.DateOnly)
	if b.After(e) {
		return dateRange{}, invalid("begin", "%s is after end %s (China Standard Time)", bs, es)
	}
	if today := c.analyticsToday(); !e.Before(today) {
		return dateRange{}, invalid("end", "%s is not before today, %s in China Standard Time: WeChat has analytics up to yesterday", es, today.Format(time.DateOnly))
	}
	if b.Before(analyticsFirstDay) {
		return dateRange{}, invalid("begin", "%s is before 2014-12-01, the first day WeChat keeps analytics of", bs)
	}
	if n, most := spanDays(b, e), d.maxDays(); n > most {
		if most == 1 {
			return dateRange{}, invalid("dates", "%s takes one day a call (begin and end the same day); %s to %s is %d days", d.name(), bs, es, n)
		}
		return dateRange{}, invalid("dates", "%s takes at most %d days a call; %s to %s is %d days", d.name(), most, bs, es, n)
	}
	return dateRange{BeginDate: bs, EndDate: es}, nil
}

// analytics checks the days from begin to end for d, then asks WeChat and
// decodes its list into out's List.
func (c *Client) analytics(ctx context.Context, d datacube, begin, end time.Time, out any) error {
	r, err := c.analyticsRange(d, begin, end)
	if err != nil {
		return err
	}
	return c.WeChat.postRead(ctx, string(d), r, out)
}

// datacube asks WeChat for d's data from beginDate to endDate, sent as
// given, and returns its answer.
func (w *WeChatAPI) datacube(ctx context.Context, d datacube, beginDate, endDate string) (json.RawMessage, error) {
	return rawAnswer(func(out any) error {
		return w.postRead(ctx, string(d), dateRange{BeginDate: beginDate, EndDate: endDate}, out)
	})
}

// Raw layer. Every analytics endpoint is a POST that only reads, with the
// dates as WeChat takes them ("2014-12-07", a day in China): the raw
// methods send them as given, unchecked, and are retried when WeChat is
// busy (-1), as GETs are. WeChat answers {"list":[...]}, one row a day (or
// an hour, a source, an article ...); a date it cannot read is errcode
// 61500 ([CodeDateFormatError]), a span over the endpoint's limit 61501
// ([CodeDateRangeError]).

// DatacubeGetUserSummary returns the users who followed and unfollowed
// the account, by day and by where they came from
// (/datacube/getusersummary, at most 7 days):
// {"list":[{"ref_date":"2014-12-07","user_source":0,"new_user":0,"cancel_user":0}]}.
// [Client.GetVariationNumberOfUser] checks the dates first.
//
// WeChat docs: https://developers.weixin.qq.com/doc/offiaccount/Analytics/User_Analysis_Data_Interface.html
func (w *WeChatAPI) DatacubeGetUserSummary(ctx context.Context, beginDate, endDate string) (json.RawMessage, error) {
	return w.datacube(ctx, cubeUserSummary, beginDate, endDate)
}

// DatacubeGetUserCumulate returns the account's followers at the end of
// each day (/datacube/getusercumulate, at most 7 days):
// {"list":[{"ref_date":"2014-12-07","cumulate_user":1217056}]}.
// [Client.GetUserCumulate] checks the dates first.
//
// WeChat docs: https://developers.weixin.qq.com/doc/offiaccount/Analytics/User_Analysis_Data_Interface.html
func (w *WeChatAPI) DatacubeGetUserCumulate(ctx context.Context, beginDate, endDate string) (json.RawMessage, error) {
	return w.datacube(ctx, cubeUserCumulate, beginDate, endDate)
}

// DatacubeGetArticleSummary returns the day's reading of each mass-sent
// article read that day (/datacube/getarticlesummary, one day).
// [Client.GetArticleSummary] checks the date first.
//
// WeChat docs: https://developers.weixin.qq.com/doc/offiaccount/Analytics/Graphic_Analysis_Data_Interface.html
func (w *WeChatAPI) DatacubeGetArticleSummary(ctx context.Context, beginDate, endDate string) (json.RawMessage, error) {
	return w.datacube(ctx, cubeArticleSummary, beginDate, endDate)
}

// DatacubeGetArticleTotal returns, for each article mass-sent that day,
// its reading day by day since it was sent (/datacube/getarticletotal,
// one day). [Client.GetArticleTotal] checks the date first.
//
// WeChat docs: https://developers.weixin.qq.com/doc/offiaccount/Analytics/Graphic_Analysis_Data_Interface.html
func (w *WeChatAPI) DatacubeGetArticleTotal(ctx context.Context, beginDate, endDate string) (json.RawMessage, error) {
	return w.datacube(ctx, cubeArticleTotal, beginDate, endDate)
}

// DatacubeGetUserRead returns the reading of all the account's articles
// by day and by where readers came from (/datacube/getuserread, at most 3
// days). [Client.GetUserRead] checks the dates first.
//
// WeChat docs: https://developers.weixin.qq.com/doc/offiaccount/Analytics/Graphic_Analysis_Data_Interface.html
func (w *WeChatAPI) DatacubeGetUserRead(ctx context.Context, beginDate, endDate string) (json.RawMessage, error) {
	return w.datacube(ctx, cubeUserRead, beginDate, endDate)
}

// DatacubeGetUserReadHour is [WeChatAPI.DatacubeGetUserRead] hour by hour
// (/datacube/getuserreadhour, one day). [Client.GetUserReadHour] checks
// the date first.
//
// WeChat docs: https://developers.weixin.qq.com/doc/offiaccount/Analytics/Graphic_Analysis_Data_Interface.html
func (w *WeChatAPI) DatacubeGetUserReadHour(ctx context.Context, beginDate, endDate string) (json.RawMessage, error) {
	return w.datacube(ctx, cubeUserReadHour, beginDate, endDate)
}

// DatacubeGetUserShare returns the sharing of the account's articles by
// day and by where they were shared to (/datacube/getusershare, at most 7
// days). [Client.GetUserShare] checks the dates first.
//
// WeChat docs: https://developers.weixin.qq.com/doc/offiaccount/Analytics/Graphic_Analysis_Data_Interface.html
func (w *WeChatAPI) DatacubeGetUserShare(ctx context.Context, beginDate, endDate string) (json.RawMessage, error) {
	return w.datacube(ctx, cubeUserShare, beginDate, endDate)
}

// DatacubeGetUserShareHour is [WeChatAPI.DatacubeGetUserShare] hour by
// hour (/datacube/getusersharehour, one day). [Client.GetUserShareHour]
// checks the date first.
//
// WeChat docs: https://developers.weixin.qq.com/doc/offiaccount/Analytics/Graphic_Analysis_Data_Interface.html
func (w *WeChatAPI) DatacubeGetUserShareHour(ctx context.Context, beginDate, endDate string) (json.RawMessage, error) {
	return w.datacube(ctx, cubeUserShareHour, beginDate, endDate)
}

// DatacubeGetInterfaceSummary returns how the account's server answered
// WeChat's pushes, by day (/datacube/getinterfacesummary, at most 30
// days). [Client.GetInterfaceSummary] checks the dates first.
//
// WeChat docs: https://developers.weixin.qq.com/doc/offiaccount/Analytics/Analytics_API.html
func (w *WeChatAPI) DatacubeGetInterfaceSummary(ctx context.Context, beginDate, endDate string) (json.RawMessage, error) {
	return w.datacube(ctx, cubeInterfaceSummary, beginDate, endDate)
}

// DatacubeGetInterfaceSummaryHour is
// [WeChatAPI.DatacubeGetInterfaceSummary] hour by hour
// (/datacube/getinterfacesummaryhour, one day).
// [Client.GetInterfaceSummaryHour] checks the date first.
//
// WeChat docs: https://developers.weixin.qq.com/doc/offiaccount/Analytics/Analytics_API.html
func (w *WeChatAPI) DatacubeGetInterfaceSummaryHour(ctx context.Context, beginDate, endDate string) (json.RawMessage, error) {
	return w.datacube(ctx, cubeInterfaceSummaryHour, beginDate, endDate)
}

// DatacubeGetUpstreamMsg returns the messages users sent the account, by
// day and by type (/datacube/getupstreammsg, at most 7 days).
// [Client.GetUpstreamMsg] checks the dates first.
//
// WeChat docs: https://developers.weixin.qq.com/doc/offiaccount/Analytics/Message_analysis_data_interface.html
func (w *WeChatAPI) DatacubeGetUpstreamMsg(ctx context.Context, beginDate, endDate string) (json.RawMessage, error) {
	return w.datacube(ctx, cubeUpstreamMsg, beginDate, endDate)
}

// DatacubeGetUpstreamMsgHour is [WeChatAPI.DatacubeGetUpstreamMsg] hour
// by hour (/datacube/getupstreammsghour, one day).
// [Client.GetUpstreamMsgHour] checks the date first.
//
// WeChat docs: https://developers.weixin.qq.com/doc/offiaccount/Analytics/Message_analysis_data_interface.html
func (w *WeChatAPI) DatacubeGetUpstreamMsgHour(ctx context.Context, beginDate, endDate string) (json.RawMessage, error) {
	return w.datacube(ctx, cubeUpstreamMsgHour, beginDate, endDate)
}

// DatacubeGetUpstreamMsgWeek is [WeChatAPI.DatacubeGetUpstreamMsg] week
// by week (/datacube/getupstreammsgweek, at most 30 days): a row for each
// week whose Monday is in the span, once the week is over.
// [Client.GetUpstreamMsgWeek] checks the dates first.
//
// WeChat docs: https://developers.weixin.qq.com/doc/offiaccount/Analytics/Message_analysis_data_interface.html
func (w *WeChatAPI) DatacubeGetUpstreamMsgWeek(ctx context.Context, beginDate, endDate string) (json.RawMessage, error) {
	return w.datacube(ctx, cubeUpstreamMsgWeek, beginDate, endDate)
}

// DatacubeGetUpstreamMsgMonth is [WeChatAPI.DatacubeGetUpstreamMsg] month
// by month (/datacube/getupstreammsgmonth, at most 30 days): a row for
// each month whose first day is in the span, once the month is over.
// [Client.GetUpstreamMsgMonth] checks the dates first.
//
// WeChat docs: https://developers.weixin.qq.com/doc/offiaccount/Analytics/Message_analysis_data_interface.html
func (w *WeChatAPI) DatacubeGetUpstreamMsgMonth(ctx context.Context, beginDate, endDate string) (json.RawMessage, error) {
	return w.datacube(ctx, cubeUpstreamMsgMonth, beginDate, endDate)
}

// DatacubeGetUpstreamMsgDist returns how many users sent the account how
// many messages, by day (/datacube/getupstreammsgdist, at most 15 days).
// [Client.GetUpstreamMsgDist] checks the dates first.
//
// WeChat docs: https://developers.weixin.qq.com/doc/offiaccount/Analytics/Message_analysis_data_interface.html
func (w *WeChatAPI) DatacubeGetUpstreamMsgDist(ctx context.Context, beginDate, endDate string) (json.RawMessage, error) {
	return w.datacube(ctx, cubeUpstreamMsgDist, beginDate, endDate)
}

// DatacubeGetUpstreamMsgDistWeek is [WeChatAPI.DatacubeGetUpstreamMsgDist]
// week by week (/datacube/getupstreammsgdistweek, at most 30 days).
// [Client.GetUpstreamMsgDistWeek] checks the dates first.
//
// WeChat docs: https://developers.weixin.qq.com/doc/offiaccount/Analytics/Message_analysis_data_interface.html
func (w *WeChatAPI) DatacubeGetUpstreamMsgDistWeek(ctx context.Context, beginDate, endDate string) (json.RawMessage, error) {
	return w.datacube(ctx, cubeUpstreamMsgDistWeek, beginDate, endDate)
}

// DatacubeGetUpstreamMsgDistMonth is
// [WeChatAPI.DatacubeGetUpstreamMsgDist] month by month
// (/datacube/getupstreammsgdistmonth, at most 30 days).
// [Client.GetUpstreamMsgDistMonth] checks the dates first.
//
// WeChat docs: https://developers.weixin.qq.com/doc/offiaccount/Analytics/Message_analysis_data_interface.html
func (w *WeChatAPI) DatacubeGetUpstreamMsgDistMonth(ctx context.Context, beginDate, endDate string) (json.RawMessage, error) {
	return w.datacube(ctx, cubeUpstreamMsgDistMonth, beginDate, endDate)
}

// Typed rows.

// UserSummary is a row of [Client.GetVariationNumberOfUser]: the users who
// came to and left the account on a day, from one source.
type UserSummary struct {
	Date time.Time // ref_date: the day, at midnight China Standard Time
	// UserSource is where the users came from (user_source): 0 everything
	// else together, 1 a search for the account, 17 a shared business card,
	// 30 a scanned QR code, 57 the account's name in an article, 100 WeChat
	// ads, 149 a Mini Program, 161 reposts by others, 200 WeChat Channels,
	// 201 a live stream; WeChat adds sources now and then.
	UserSource int
	NewUser    int // new_user: users who followed the account
	CancelUser int // cancel_user: users who unfollowed it
}

// UserCumulate is a row of [Client.GetUserCumulate]: the account's
// followers at the end of a day.
type UserCumulate struct {
	Date         time.Time // ref_date: the day, at midnight China Standard Time
	CumulateUser int       // cumulate_user: followers
}

// ReadStats is how often articles were read, shared and saved, in the
// rows of the article analytics. A user who does the same twice counts
// once in ...User and twice in ...Count.
type ReadStats struct {
	IntPageReadUser  int // int_page_read_user: users who read the article page (图文页)
	IntPageReadCount int // int_page_read_count: reads of the article page
	OriPageReadUser  int // ori_page_read_user: users who opened the original link (阅读原文页)
	OriPageReadCount int // ori_page_read_count: opens of the original link
	ShareUser        int // share_user: users who shared
	ShareCount       int // share_count: shares
	AddToFavUser     int // add_to_fav_user: users who saved to Favorites (收藏)
	AddToFavCount    int // add_to_fav_count: saves to Favorites
}

// ArticleSummary is a row of [Client.GetArticleSummary]: a mass-sent
// article's reading on a day.
type ArticleSummary struct {
	Date time.Time // ref_date: the day of the reading, at midnight China Standard Time
	// MsgID is the article (msgid): the msg_data_id of its mass send, "_",
	// and its place in that send from 1, e.g. "10000050_1".
	MsgID string
	Title string // title
	ReadStats
}

// ArticleTotal is a row of [Client.GetArticleTotal]: an article mass-sent
// on a day, with its reading day by day since (up to 7 days).
type ArticleTotal struct {
	Date    time.Time // ref_date: the day the article was sent, at midnight China Standard Time
	MsgID   string    // msgid: as in [ArticleSummary]
	Title   string    // title
	Details []ArticleTotalDetail
}

// ArticleTotalDetail is an article's reading from the day it was sent to
// StatDate, in a row of [Client.GetArticleTotal]: totals, not one day's.
type ArticleTotalDetail struct {
	StatDate   time.Time // stat_date: the day the totals run to, at midnight China Standard Time
	TargetUser int       // target_user: users the article was sent to (followers who could receive it)
	ReadStats
	// Where the article page was read from: a chat (session), the
	// account's message history (hist_msg), Moments (feed), a friend's
	// share (friends), elsewhere (other).
	IntPageFromSessionReadUser  int // int_page_from_session_read_user
	IntPageFromSessionReadCount int // int_page_from_session_read_count
	IntPageFromHistMsgReadUser  int // int_page_from_hist_msg_read_user
	IntPageFromHistMsgReadCount int // int_page_from_hist_msg_read_count
	IntPageFromFeedReadUser     int // int_page_from_feed_read_user
	IntPageFromFeedReadCount    int // int_page_from_feed_read_count
	IntPageFromFriendsReadUser  int // int_page_from_friends_read_user
	IntPageFromFriendsReadCount int // int_page_from_friends_read_count
	IntPageFromOtherReadUser    int // int_page_from_other_read_user
	IntPageFromOtherReadCount   int // int_page_from_other_read_count
	// Shares to Moments, by where the sharer read the article.
	FeedShareFromSessionUser  int // feed_share_from_session_user
	FeedShareFromSessionCount int // feed_share_from_session_cnt
	FeedShareFromFeedUser     int // feed_share_from_feed_user
	FeedShareFromFeedCount    int // feed_share_from_feed_cnt
	FeedShareFromOtherUser    int // feed_share_from_other_user
	FeedShareFromOtherCount   int // feed_share_from_other_cnt
}

// UserRead is a row of [Client.GetUserRead]: the reading of all the
// account's articles on a day, from one source.
type UserRead struct {
	Date time.Time // ref_date: the day, at midnight China Standard Time
	// UserSource is where the readers came from (user_source): 0 a chat,
	// 1 a friend's share, 2 Moments, 4 the account's message history, 5
	// elsewhere, 6 Top Stories (看一看), 7 Search (搜一搜), 99999999 all
	// of them together.
	UserSource int
	ReadStats
}

// UserReadHour is a row of [Client.GetUserReadHour]: [UserRead] for one
// hour of the day.
type UserReadHour struct {
	Date time.Time // ref_date: the day, at midnight China Standard Time
	// Hour is the hour of the day in China, 0 to 23: WeChat's ref_hour,
	// which it writes as 0 to 2300 (100 is from 01:00 to 02:00).
	Hour       int
	UserSource int // user_source: as in [UserRead]
	ReadStats
}

// UserShare is a row of [Client.GetUserShare]: the sharing of the
// account's articles on a day, to one place.
type UserShare struct {
	Date time.Time // ref_date: the day, at midnight China Standard Time
	// ShareScene is where the articles were shared to (share_scene): 1 a
	// friend (转发), 2 Moments, 3 Tencent Weibo (closed), 255 elsewhere.
	ShareScene int
	ShareCount int // share_count: shares
	ShareUser  int // share_user: users who shared
}

// UserShareHour is a row of [Client.GetUserShareHour]: [UserShare] for
// one hour of the day.
type UserShareHour struct {
	Date       time.Time // ref_date: the day, at midnight China Standard Time
	Hour       int       // ref_hour: the hour of the day in China, 0 to 23 (as in [UserReadHour])
	ShareScene int       // share_scene: as in [UserShare]
	ShareCount int       // share_count
	ShareUser  int       // share_user
}

// InterfaceSummary is a row of [Client.GetInterfaceSummary]: how the
// account's server answered WeChat's pushes on a day (接口分析: the
// passive replies of the server configuration).
type InterfaceSummary struct {
	Date          time.Time     // ref_date: the day, at midnight China Standard Time
	CallbackCount int           // callback_count: pushes WeChat sent the server
	FailCount     int           // fail_count: pushes the server failed to answer
	TotalTimeCost time.Duration // total_time_cost: the time the server took to answer them all (WeChat's milliseconds)
	MaxTimeCost   time.Duration // max_time_cost: the longest answer (WeChat's milliseconds)
}

// MeanTimeCost is the time the server took to answer a push, on average:
// TotalTimeCost / CallbackCount, 0 without pushes.
func (s InterfaceSummary) MeanTimeCost() time.Duration {
	if s.CallbackCount == 0 {
		return 0
	}
	return s.TotalTimeCost / time.Duration(s.CallbackCount)
}

// InterfaceSummaryHour is a row of [Client.GetInterfaceSummaryHour]:
// [InterfaceSummary] for one hour of the day.
type InterfaceSummaryHour struct {
	Date          time.Time     // ref_date: the day, at midnight China Standard Time
	Hour          int           // ref_hour: the hour of the day in China, 0 to 23 (as in [UserReadHour])
	CallbackCount int           // callback_count
	FailCount     int           // fail_count
	TotalTimeCost time.Duration // total_time_cost (WeChat's milliseconds)
	MaxTimeCost   time.Duration // max_time_cost (WeChat's milliseconds)
}

// UpstreamMsg is a row of [Client.GetUpstreamMsg], and of its weeks and
// months: the messages users sent the account in a day (a week, a month),
// of one type.
type UpstreamMsg struct {
	// Date is the day (ref_date), at midnight China Standard Time; for a
	// week, its Monday; for a month, its first day.
	Date time.Time
	// MsgType is the messages' type (msg_type): 1 text, 2 image, 3 voice,
	// 4 video, 6 a link from a third-party app.
	MsgType  int
	MsgUser  int // msg_user: users who sent such messages
	MsgCount int // msg_count: messages sent
}

// UpstreamMsgHour is a row of [Client.GetUpstreamMsgHour]: [UpstreamMsg]
// for one hour of the day.
type UpstreamMsgHour struct {
	Date     time.Time // ref_date: the day, at midnight China Standard Time
	Hour     int       // ref_hour: the hour of the day in China, 0 to 23 (as in [UserReadHour])
	MsgType  int       // msg_type: as in [UpstreamMsg]
	MsgUser  int       // msg_user
	MsgCount int       // msg_count
}

// UpstreamMsgDist is a row of [Client.GetUpstreamMsgDist], and of its
// weeks and months: how many users sent the account a number of messages
// in a day (a week, a month).
type UpstreamMsgDist struct {
	Date time.Time // ref_date: as in [UpstreamMsg]
	// CountInterval is how many messages each of these users sent
	// (count_interval): 0 none, 1 one to five, 2 six to ten, 3 more than
	// ten.
	CountInterval int
	MsgUser       int // msg_user: users who sent that many
}

// Rows as WeChat writes them.

type readStatsJSON struct {
	IntPageReadUser  int `json:"int_page_read_user"`
	IntPageReadCount int `json:"int_page_read_count"`
	OriPageReadUser  int `json:"ori_page_read_user"`
	OriPageReadCount int `json:"ori_page_read_count"`
	ShareUser        int `json:"share_user"`
	ShareCount       int `json:"share_count"`
	AddToFavUser     int `json:"add_to_fav_user"`
	AddToFavCount    int `json:"add_to_fav_count"`
}

type userSummaryJSON struct {
	RefDate    string `json:"ref_date"`
	UserSource int    `json:"user_source"`
	NewUser    int    `json:"new_user"`
	CancelUser int    `json:"cancel_user"`
}

type userCumulateJSON struct {
	RefDate      string `json:"ref_date"`
	CumulateUser int    `json:"cumulate_user"`
}

type articleSummaryJSON struct {
	RefDate string `json:"ref_date"`
	MsgID   string `json:"msgid"`
	Title   string `json:"title"`
	readStatsJSON
}

type articleTotalJSON struct {
	RefDate string                   `json:"ref_date"`
	MsgID   string                   `json:"msgid"`
	Title   string                   `json:"title"`
	Details []articleTotalDetailJSON `json:"details"`
}

type articleTotalDetailJSON struct {
	StatDate   string `json:"stat_date"`
	TargetUser int    `json:"target_user"`
	readStatsJSON
	IntPageFromSessionReadUser  int `json:"int_page_from_session_read_user"`
	IntPageFromSessionReadCount int `json:"int_page_from_session_read_count"`
	IntPageFromHistMsgReadUser  int `json:"int_page_from_hist_msg_read_user"`
	IntPageFromHistMsgReadCount int `json:"int_page_from_hist_msg_read_count"`
	IntPageFromFeedReadUser     int `json:"int_page_from_feed_read_user"`
	IntPageFromFeedReadCount    int `json:"int_page_from_feed_read_count"`
	IntPageFromFriendsReadUser  int `json:"int_page_from_friends_read_user"`
	IntPageFromFriendsReadCount int `json:"int_page_from_friends_read_count"`
	IntPageFromOtherReadUser    int `json:"int_page_from_other_read_user"`
	IntPageFromOtherReadCount   int `json:"int_page_from_other_read_count"`
	FeedShareFromSessionUser    int `json:"feed_share_from_session_user"`
	FeedShareFromSessionCount   int `json:"feed_share_from_session_cnt"`
	FeedShareFromFeedUser       int `json:"feed_share_from_feed_user"`
	FeedShareFromFeedCount      int `json:"feed_share_from_feed_cnt"`
	FeedShareFromOtherUser      int `json:"feed_share_from_other_user"`
	FeedShareFromOtherCount     int `json:"feed_share_from_other_cnt"`
}

type userReadJSON struct {
	RefDate    string `json:"ref_date"`
	RefHour    int    `json:"ref_hour"`
	UserSource int    `json:"user_source"`
	readStatsJSON
}

type userShareJSON struct {
	RefDate    string `json:"ref_date"`
	RefHour    int    `json:"ref_hour"`
	ShareScene int    `json:"share_scene"`
	ShareCount int    `json:"share_count"`
	ShareUser  int    `json:"share_user"`
}

type interfaceSummaryJSON struct {
	RefDate       string `json:"ref_date"`
	RefHour       int    `json:"ref_hour"`
	CallbackCount int    `json:"callback_count"`
	FailCount     int    `json:"fail_count"`
	TotalTimeCost int64  `json:"total_time_cost"`
	MaxTimeCost   int64  `json:"max_time_cost"`
}

type upstreamMsgJSON struct {
	RefDate  string `json:"ref_date"`
	RefHour  int    `json:"ref_hour"`
	MsgType  int    `json:"msg_type"`
	MsgUser  int    `json:"msg_user"`
	MsgCount int    `json:"msg_count"`
}

type upstreamMsgDistJSON struct {
	RefDate       string `json:"ref_date"`
	CountInterval int    `json:"count_interval"`
	MsgUser       int    `json:"msg_user"`
}

// rowDates reads the dates of an answer's rows, keeping the first one
// that is not a date.
type rowDates struct {
	path string
	err  error
}

// date reads s, a date WeChat wrote in field ("2014-12-07"), as midnight
// in China Standard Time.
func (d *rowDates) date(field, s string) time.Time {
	t, err := time.ParseInLocation(time.DateOnly, s, chinaTime)
	if err != nil && d.err == nil {
		d.err = &HTTPError{Endpoint: d.path, StatusCode: http.StatusOK, Reason: "invalid " + field + " " + strconv.Quote(s)}
	}
	return t
}

// hour reads a ref_date and ref_hour, 0 to 2300.
func (d *rowDates) hour(refDate string, refHour int) (time.Time, int) {
	return d.date("ref_date", refDate), refHour / 100
}

// analyticsRows asks WeChat for d's rows from begin to end, after checking
// the dates, and makes each a T with conv.
func analyticsRows[W, T any](ctx context.Context, c *Client, d datacube, begin, end time.Time, conv func(*rowDates, *W) T) ([]T, error) {
	var a struct {
		List []W `json:"list"`
	}
	if err := c.analytics(ctx, d, begin, end, &a); err != nil {
		return nil, err
	}
	dates := &rowDates{path: string(d)}
	rows := make([]T, len(a.List))
	for i := range a.List {
		rows[i] = conv(dates, &a.List[i])
	}
	if dates.err != nil {
		return nil, dates.err
	}
	return rows, nil
}

func (j *userSummaryJSON) row(d *rowDates) UserSummary {
	return UserSummary{Date: d.date("ref_date", j.RefDate), UserSource: j.UserSource, NewUser: j.NewUser, CancelUser: j.CancelUser}
}

func (j *userCumulateJSON) row(d *rowDates) UserCumulate {
	return UserCumulate{Date: d.date("ref_date", j.RefDate), CumulateUser: j.CumulateUser}
}

func (j *articleSummaryJSON) row(d *rowDates) ArticleSummary {
	return ArticleSummary{Date: d.date("ref_date", j.RefDate), MsgID: j.MsgID, Title: j.Title, ReadStats: ReadStats(j.readStatsJSON)}
}

func (j *articleTotalJSON) row(d *rowDates) ArticleTotal {
	r := ArticleTotal{Date: d.date("ref_date", j.RefDate), MsgID: j.MsgID, Title: j.Title}
	if len(j.Details) > 0 {
		r.Details = make([]ArticleTotalDetail, len(j.Details))
	}
	for i := range j.Details {
		x := &j.Details[i]
		r.Details[i] = ArticleTotalDetail{
			StatDate:                    d.date("stat_date", x.StatDate),
			TargetUser:                  x.TargetUser,
			ReadStats:                   ReadStats(x.readStatsJSON),
			IntPageFromSessionReadUser:  x.IntPageFromSessionReadUser,
			IntPageFromSessionReadCount: x.IntPageFromSessionReadCount,
			IntPageFromHistMsgReadUser:  x.IntPageFromHistMsgReadUser,
			IntPageFromHistMsgReadCount: x.IntPageFromHistMsgReadCount,
			IntPageFromFeedReadUser:     x.IntPageFromFeedReadUser,
			IntPageFromFeedReadCount:    x.IntPageFromFeedReadCount,
			IntPageFromFriendsReadUser:  x.IntPageFromFriendsReadUser,
			IntPageFromFriendsReadCount: x.IntPageFromFriendsReadCount,
			IntPageFromOtherReadUser:    x.IntPageFromOtherReadUser,
			IntPageFromOtherReadCount:   x.IntPageFromOtherReadCount,
			FeedShareFromSessionUser:    x.FeedShareFromSessionUser,
			FeedShareFromSessionCount:   x.FeedShareFromSessionCount,
			FeedShareFromFeedUser:       x.FeedShareFromFeedUser,
			FeedShareFromFeedCount:      x.FeedShareFromFeedCount,
			FeedShareFromOtherUser:      x.FeedShareFromOtherUser,
			FeedShareFromOtherCount:     x.FeedShareFromOtherCount,
		}
	}
	return r
}

func (j *userReadJSON) row(d *rowDates) UserRead {
	return UserRead{Date: d.date("ref_date", j.RefDate), UserSource: j.UserSource, ReadStats: ReadStats(j.readStatsJSON)}
}

func (j *userReadJSON) hourRow(d *rowDates) UserReadHour {
	date, hour := d.hour(j.RefDate, j.RefHour)
	return UserReadHour{Date: date, Hour: hour, UserSource: j.UserSource, ReadStats: ReadStats(j.readStatsJSON)}
}

func (j *userShareJSON) row(d *rowDates) UserShare {
	return UserShare{Date: d.date("ref_date", j.RefDate), ShareScene: j.ShareScene, ShareCount: j.ShareCount, ShareUser: j.ShareUser}
}

func (j *userShareJSON) hourRow(d *rowDates) UserShareHour {
	date, hour := d.hour(j.RefDate, j.RefHour)
	return UserShareHour{Date: date, Hour: hour, ShareScene: j.ShareScene, ShareCount: j.ShareCount, ShareUser: j.ShareUser}
}

func (j *interfaceSummaryJSON) row(d *rowDates) InterfaceSummary {
	return InterfaceSummary{
		Date: d.date("ref_date", j.RefDate), CallbackCount: j.CallbackCount, FailCount: j.FailCount,
		TotalTimeCost: time.Duration(j.TotalTimeCost) * time.Millisecond, MaxTimeCost: time.Duration(j.MaxTimeCost) * time.Millisecond,
	}
}

func (j *interfaceSummaryJSON) hourRow(d *rowDates) InterfaceSummaryHour {
	date, hour := d.hour(j.RefDate, j.RefHour)
	return InterfaceSummaryHour{
		Date: date, Hour: hour, CallbackCount: j.CallbackCount, FailCount: j.FailCount,
		TotalTimeCost: time.Duration(j.TotalTimeCost) * time.Millisecond, MaxTimeCost: time.Duration(j.MaxTimeCost) * time.Millisecond,
	}
}

func (j *upstreamMsgJSON) row(d *rowDates) UpstreamMsg {
	return UpstreamMsg{Date: d.date("ref_date", j.RefDate), MsgType: j.MsgType, MsgUser: j.MsgUser, MsgCount: j.MsgCount}
}

func (j *upstreamMsgJSON) hourRow(d *rowDates) UpstreamMsgHour {
	date, hour := d.hour(j.RefDate, j.RefHour)
	return UpstreamMsgHour{Date: date, Hour: hour, MsgType: j.MsgType, MsgUser: j.MsgUser, MsgCount: j.MsgCount}
}

func (j *upstreamMsgDistJSON) row(d *rowDates) UpstreamMsgDist {
	return UpstreamMsgDist{Date: d.date("ref_date", j.RefDate), CountInterval: j.CountInterval, MsgUser: j.MsgUser}
}

// GetVariationNumberOfUser returns the users who followed and unfollowed
// the account each day from begin to end, by source (Python wego
// get_variation_number_of_user; /datacube/getusersummary), at most 7
// days a call.
//
// Every analytics call takes its first and last day, both included, as
// time.Time: the calendar day each falls on in China Standard Time
// (UTC+8), as WeChat counts days. time.Date(2024, 5, 1, 0, 0, 0, 0,
// time.UTC) is 08:00 on 2024-05-01 in China; 2024-05-01 20:00 UTC is
// already 2024-05-02 there. The days are checked before anything is sent,
// and what WeChat would refuse is refused with an error wrapping
// [ErrMissingParameter] (a zero time.Time) or [ErrInvalidParameter]: begin
// after end; end not before today in China (WeChat has data up to
// yesterday, ready by 08:00); begin before 2014-12-01, the first day
// WeChat keeps; more days than the endpoint takes in one call, named with
// its limit:
//
//	wego: invalid parameter: dates: datacube/getusersummary takes at most 7 days a call; 2024-05-01 to 2024-05-08 is 8 days
//
// WeChat's own refusal is an [*APIError] with errcode 61500
// ([CodeDateFormatError]) or 61501 ([CodeDateRangeError]), whose text says
// what it means, as Python wego's did. The rows come in WeChat's order,
// their dates at midnight China Standard Time.
func (c *Client) GetVariationNumberOfUser(ctx context.Context, begin, end time.Time) ([]UserSummary, error) {
	return analyticsRows(ctx, c, cubeUserSummary, begin, end, func(d *rowDates, j *userSummaryJSON) UserSummary { return j.row(d) })
}

// GetUserCumulate returns the account's followers at the end of each day
// from begin to end (Python wego get_user_cumulate;
// /datacube/getusercumulate), at most 7 days a call.
//
// The days are read and checked as [Client.GetVariationNumberOfUser] says.
func (c *Client) GetUserCumulate(ctx context.Context, begin, end time.Time) ([]UserCumulate, error) {
	return analyticsRows(ctx, c, cubeUserCumulate, begin, end, func(d *rowDates, j *userCumulateJSON) UserCumulate { return j.row(d) })
}

// GetArticleSummary returns the reading, on one day, of each mass-sent
// article read that day (Python wego get_article_summary;
// /datacube/getarticlesummary): one day a call, begin and end the same.
// WeChat counts an article only when its readers, sharers and saves add up
// to 3 or more.
//
// The days are read and checked as [Client.GetVariationNumberOfUser] says.
func (c *Client) GetArticleSummary(ctx context.Context, begin, end time.Time) ([]ArticleSummary, error) {
	return analyticsRows(ctx, c, cubeArticleSummary, begin, end, func(d *rowDates, j *articleSummaryJSON) ArticleSummary { return j.row(d) })
}

// GetArticleTotal returns the articles mass-sent on one day, each with its
// reading totals day by day since it was sent, up to 7 days (Python wego
// get_article_total; /datacube/getarticletotal): one day a call, begin and
// end the same.
//
// The days are read and checked as [Client.GetVariationNumberOfUser] says.
func (c *Client) GetArticleTotal(ctx context.Context, begin, end time.Time) ([]ArticleTotal, error) {
	return analyticsRows(ctx, c, cubeArticleTotal, begin, end, func(d *rowDates, j *articleTotalJSON) ArticleTotal { return j.row(d) })
}

// GetUserRead returns the reading of all the account's articles each day
// from begin to end, by where readers came from (Python wego
// get_user_read; /datacube/getuserread), at most 3 days a call.
//
// The days are read and checked as [Client.GetVariationNumberOfUser] says.
func (c *Client) GetUserRead(ctx context.Context, begin, end time.Time) ([]UserRead, error) {
	return analyticsRows(ctx, c, cubeUserRead, begin, end, func(d *rowDates, j *userReadJSON) UserRead { return j.row(d) })
}

// GetUserReadHour returns [Client.GetUserRead] hour by hour (Python wego
// get_user_read_hour; /datacube/getuserreadhour): one day a call, begin
// and end the same.
//
// The days are read and checked as [Client.GetVariationNumberOfUser] says.
func (c *Client) GetUserReadHour(ctx context.Context, begin, end time.Time) ([]UserReadHour, error) {
	return analyticsRows(ctx, c, cubeUserReadHour, begin, end, func(d *rowDates, j *userReadJSON) UserReadHour { return j.hourRow(d) })
}

// GetUserShare returns the sharing of the account's articles each day
// from begin to end, by where they were shared to (Python wego
// get_user_share; /datacube/getusershare), at most 7 days a call.
//
// The days are read and checked as [Client.GetVariationNumberOfUser] says.
func (c *Client) GetUserShare(ctx context.Context, begin, end time.Time) ([]UserShare, error) {
	return analyticsRows(ctx, c, cubeUserShare, begin, end, func(d *rowDates, j *userShareJSON) UserShare { return j.row(d) })
}

// GetUserShareHour returns [Client.GetUserShare] hour by hour (Python wego
// get_user_share_hour; /datacube/getusersharehour): one day a call, begin
// and end the same.
//
// The days are read and checked as [Client.GetVariationNumberOfUser] says.
func (c *Client) GetUserShareHour(ctx context.Context, begin, end time.Time) ([]UserShareHour, error) {
	return analyticsRows(ctx, c, cubeUserShareHour, begin, end, func(d *rowDates, j *userShareJSON) UserShareHour { return j.hourRow(d) })
}

// GetInterfaceSummary returns how the account's server answered WeChat's
// pushes each day from begin to end (/datacube/getinterfacesummary), at
// most 30 days a call.
//
// The days are read and checked as [Client.GetVariationNumberOfUser] says.
func (c *Client) GetInterfaceSummary(ctx context.Context, begin, end time.Time) ([]InterfaceSummary, error) {
	return analyticsRows(ctx, c, cubeInterfaceSummary, begin, end, func(d *rowDates, j *interfaceSummaryJSON) InterfaceSummary { return j.row(d) })
}

// GetInterfaceSummaryHour returns [Client.GetInterfaceSummary] hour by
// hour (/datacube/getinterfacesummaryhour): one day a call, begin and end
// the same.
//
// The days are read and checked as [Client.GetVariationNumberOfUser] says.
func (c *Client) GetInterfaceSummaryHour(ctx context.Context, begin, end time.Time) ([]InterfaceSummaryHour, error) {
	return analyticsRows(ctx, c, cubeInterfaceSummaryHour, begin, end, func(d *rowDates, j *interfaceSummaryJSON) InterfaceSummaryHour { return j.hourRow(d) })
}

// GetUpstreamMsg returns the messages users sent the account each day from
// begin to end, by type (/datacube/getupstreammsg), at most 7 days a call.
//
// The days are read and checked as [Client.GetVariationNumberOfUser] says.
func (c *Client) GetUpstreamMsg(ctx context.Context, begin, end time.Time) ([]UpstreamMsg, error) {
	return analyticsRows(ctx, c, cubeUpstreamMsg, begin, end, func(d *rowDates, j *upstreamMsgJSON) UpstreamMsg { return j.row(d) })
}

// GetUpstreamMsgHour returns [Client.GetUpstreamMsg] hour by hour
// (/datacube/getupstreammsghour): one day a call, begin and end the same.
//
// The days are read and checked as [Client.GetVariationNumberOfUser] says.
func (c *Client) GetUpstreamMsgHour(ctx context.Context, begin, end time.Time) ([]UpstreamMsgHour, error) {
	return analyticsRows(ctx, c, cubeUpstreamMsgHour, begin, end, func(d *rowDates, j *upstreamMsgJSON) UpstreamMsgHour { return j.hourRow(d) })
}

// GetUpstreamMsgWeek returns [Client.GetUpstreamMsg] week by week
// (/datacube/getupstreammsgweek), at most 30 days a call: a row for each
// week whose Monday lies from begin to end, dated that Monday, once the
// week is over.
//
// The days are read and checked as [Client.GetVariationNumberOfUser] says.
func (c *Client) GetUpstreamMsgWeek(ctx context.Context, begin, end time.Time) ([]UpstreamMsg, error) {
	return analyticsRows(ctx, c, cubeUpstreamMsgWeek, begin, end, func(d *rowDates, j *upstreamMsgJSON) UpstreamMsg { return j.row(d) })
}

// GetUpstreamMsgMonth returns [Client.GetUpstreamMsg] month by month
// (/datacube/getupstreammsgmonth), at most 30 days a call: a row for each
// month whose first day lies from begin to end, dated that day, once the
// month is over. On December 1, begin and end of November 1 give November.
//
// The days are read and checked as [Client.GetVariationNumberOfUser] says.
func (c *Client) GetUpstreamMsgMonth(ctx context.Context, begin, end time.Time) ([]UpstreamMsg, error) {
	return analyticsRows(ctx, c, cubeUpstreamMsgMonth, begin, end, func(d *rowDates, j *upstreamMsgJSON) UpstreamMsg { return j.row(d) })
}

// GetUpstreamMsgDist returns how many users sent the account how many
// messages each day from begin to end (/datacube/getupstreammsgdist), at
// most 15 days a call.
//
// The days are read and checked as [Client.GetVariationNumberOfUser] says.
func (c *Client) GetUpstreamMsgDist(ctx context.Context, begin, end time.Time) ([]UpstreamMsgDist, error) {
	return analyticsRows(ctx, c, cubeUpstreamMsgDist, begin, end, func(d *rowDates, j *upstreamMsgDistJSON) UpstreamMsgDist { return j.row(d) })
}

// GetUpstreamMsgDistWeek returns [Client.GetUpstreamMsgDist] week by week
// (/datacube/getupstreammsgdistweek), at most 30 days a call, dated as in
// [Client.GetUpstreamMsgWeek].
//
// The days are read and checked as [Client.GetVariationNumberOfUser] says.
func (c *Client) GetUpstreamMsgDistWeek(ctx context.Context, begin, end time.Time) ([]UpstreamMsgDist, error) {
	return analyticsRows(ctx, c, cubeUpstreamMsgDistWeek, begin, end, func(d *rowDates, j *upstreamMsgDistJSON) UpstreamMsgDist { return j.row(d) })
}

// GetUpstreamMsgDistMonth returns [Client.GetUpstreamMsgDist] month by
// month (/datacube/getupstreammsgdistmonth), at most 30 days a call, dated
// as in [Client.GetUpstreamMsgMonth].
//
// The days are read and checked as [Client.GetVariationNumberOfUser] says.
func (c *Client) GetUpstreamMsgDistMonth(ctx context.Context, begin, end time.Time) ([]UpstreamMsgDist, error) {
	return analyticsRows(ctx, c, cubeUpstreamMsgDistMonth, begin, end, func(d *rowDates, j *upstreamMsgDistJSON) UpstreamMsgDist { return j.row(d) })
}
