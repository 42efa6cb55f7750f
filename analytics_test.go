package wego_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wego-sdk/wego"
	"github.com/wego-sdk/wego/wegotest"
)

// china is China Standard Time, as a test writes the days it expects.
var china = time.FixedZone("CST", 8*60*60)

// cnDay is the day y-m-d at midnight in China, as the SDK's rows date it.
func cnDay(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, china) }

// utcDay is y-m-d at midnight UTC: 08:00 that day in China.
func utcDay(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

type rowsCall func(c *wego.Client, ctx context.Context, begin, end time.Time) (any, error)

// rowsOf makes a typed analytics call of the Client a rowsCall.
func rowsOf[T any](f func(*wego.Client, context.Context, time.Time, time.Time) ([]T, error)) rowsCall {
	return func(c *wego.Client, ctx context.Context, begin, end time.Time) (any, error) {
		return f(c, ctx, begin, end)
	}
}

type rawCall func(w *wego.WeChatAPI, ctx context.Context, beginDate, endDate string) (json.RawMessage, error)

// analyticsCall is an analytics endpoint: its Client method, its raw
// method, its path and the days WeChat takes in one call.
type analyticsCall struct {
	name string
	path string
	days int
	call rowsCall
	raw  rawCall
}

var analyticsCalls = []analyticsCall{
	{"GetVariationNumberOfUser", wegotest.PathUserSummary, 7, rowsOf((*wego.Client).GetVariationNumberOfUser), (*wego.WeChatAPI).DatacubeGetUserSummary},
	{"GetUserCumulate", wegotest.PathUserCumulate, 7, rowsOf((*wego.Client).GetUserCumulate), (*wego.WeChatAPI).DatacubeGetUserCumulate},
	{"GetArticleSummary", wegotest.PathArticleSummary, 1, rowsOf((*wego.Client).GetArticleSummary), (*wego.WeChatAPI).DatacubeGetArticleSummary},
	{"GetArticleTotal", wegotest.PathArticleTotal, 1, rowsOf((*wego.Client).GetArticleTotal), (*wego.WeChatAPI).DatacubeGetArticleTotal},
	{"GetUserRead", wegotest.PathUserRead, 3, rowsOf((*wego.Client).GetUserRead), (*wego.WeChatAPI).DatacubeGetUserRead},
	{"GetUserReadHour", wegotest.PathUserReadHour, 1, rowsOf((*wego.Client).GetUserReadHour), (*wego.WeChatAPI).DatacubeGetUserReadHour},
	{"GetUserShare", wegotest.PathUserShare, 7, rowsOf((*wego.Client).GetUserShare), (*wego.WeChatAPI).DatacubeGetUserShare},
	{"GetUserShareHour", wegotest.PathUserShareHour, 1, rowsOf((*wego.Client).GetUserShareHour), (*wego.WeChatAPI).DatacubeGetUserShareHour},
	{"GetInterfaceSummary", wegotest.PathInterfaceSummary, 30, rowsOf((*wego.Client).GetInterfaceSummary), (*wego.WeChatAPI).DatacubeGetInterfaceSummary},
	{"GetInterfaceSummaryHour", wegotest.PathInterfaceSummaryHour, 1, rowsOf((*wego.Client).GetInterfaceSummaryHour), (*wego.WeChatAPI).DatacubeGetInterfaceSummaryHour},
	{"GetUpstreamMsg", wegotest.PathUpstreamMsg, 7, rowsOf((*wego.Client).GetUpstreamMsg), (*wego.WeChatAPI).DatacubeGetUpstreamMsg},
	{"GetUpstreamMsgHour", wegotest.PathUpstreamMsgHour, 1, rowsOf((*wego.Client).GetUpstreamMsgHour), (*wego.WeChatAPI).DatacubeGetUpstreamMsgHour},
	{"GetUpstreamMsgWeek", wegotest.PathUpstreamMsgWeek, 30, rowsOf((*wego.Client).GetUpstreamMsgWeek), (*wego.WeChatAPI).DatacubeGetUpstreamMsgWeek},
	{"GetUpstreamMsgMonth", wegotest.PathUpstreamMsgMonth, 30, rowsOf((*wego.Client).GetUpstreamMsgMonth), (*wego.WeChatAPI).DatacubeGetUpstreamMsgMonth},
	{"GetUpstreamMsgDist", wegotest.PathUpstreamMsgDist, 15, rowsOf((*wego.Client).GetUpstreamMsgDist), (*wego.WeChatAPI).DatacubeGetUpstreamMsgDist},
	{"GetUpstreamMsgDistWeek", wegotest.PathUpstreamMsgDistWeek, 30, rowsOf((*wego.Client).GetUpstreamMsgDistWeek), (*wego.WeChatAPI).DatacubeGetUpstreamMsgDistWeek},
	{"GetUpstreamMsgDistMonth", wegotest.PathUpstreamMsgDistMonth, 30, rowsOf((*wego.Client).GetUpstreamMsgDistMonth), (*wego.WeChatAPI).DatacubeGetUpstreamMsgDistMonth},
}

func analyticsCallNamed(t *testing.T, name string) analyticsCall {
	t.Helper()
	for _, a := range analyticsCalls {
		if a.name == name {
			return a
		}
	}
	t.Fatalf("no analytics call %s", name)
	return analyticsCall{}
}

// analyticsRequestsSeen counts the requests to the analytics endpoints
// and the token endpoints.
func analyticsRequestsSeen(srv *wegotest.Server) int {
	n := srv.TokenRequests()
	for _, a := range analyticsCalls {
		n += srv.Requests(a.path)
	}
	return n
}

func dateBody(begin, end string) string {
	return `{"begin_date":"` + begin + `","end_date":"` + end + `"}`
}

// The raw layer sends the dates as given, checked by no one, and returns
// WeChat's answer.
func TestRawAnalyticsRequests(t *testing.T) {
	t.Parallel()
	var cases []rawCase
	for _, a := range analyticsCalls {
		cases = append(cases, rawCase{"Datacube" + strings.TrimPrefix(a.name, "Get"), func(ctx context.Context, w *wego.WeChatAPI) (json.RawMessage, error) {
			return a.raw(w, ctx, "2014-12-02", "2099-01-01")
		}, wantCall{method: "POST", path: a.path, body: dateBody("2014-12-02", "2099-01-01")}})
	}
	runRawCases(t, cases)
}

// Each typed call posts its days as WeChat takes them and decodes WeChat's
// answer (its pages' examples) into typed rows.
func TestAnalyticsCallRequests(t *testing.T) {
	t.Parallel()
	stats := wego.ReadStats{IntPageReadUser: 23676, IntPageReadCount: 25615, OriPageReadUser: 29, OriPageReadCount: 34,
		ShareUser: 122, ShareCount: 994, AddToFavUser: 1, AddToFavCount: 3}
	statsJSON := `"int_page_read_user":23676,"int_page_read_count":25615,"ori_page_read_user":29,"ori_page_read_count":34,` +
		`"share_user":122,"share_count":994,"add_to_fav_user":1,"add_to_fav_count":3`
	d7 := cnDay(2014, 12, 7)
	tests := []struct {
		name       string
		call       rowsCall
		path       string
		begin, end time.Time
		body       string
		answer     string
		want       any
	}{
		{"GetVariationNumberOfUser", rowsOf((*wego.Client).GetVariationNumberOfUser), "/datacube/getusersummary",
			utcDay(2014, 12, 2), utcDay(2014, 12, 8), dateBody("2014-12-02", "2014-12-08"),
			`{"list":[{"ref_date":"2014-12-07","user_source":0,"new_user":5,"cancel_user":1},{"ref_date":"2014-12-07","user_source":30,"new_user":12,"cancel_user":0}]}`,
			[]wego.UserSummary{{Date: d7, UserSource: 0, NewUser: 5, CancelUser: 1}, {Date: d7, UserSource: 30, NewUser: 12}}},
		{"GetUserCumulate", rowsOf((*wego.Client).GetUserCumulate), "/datacube/getusercumulate",
			utcDay(2014, 12, 7), utcDay(2014, 12, 7), dateBody("2014-12-07", "2014-12-07"),
			`{"list":[{"ref_date":"2014-12-07","cumulate_user":1217056}]}`,
			[]wego.UserCumulate{{Date: d7, CumulateUser: 1217056}}},
		{"GetArticleSummary", rowsOf((*wego.Client).GetArticleSummary), "/datacube/getarticlesummary",
			utcDay(2014, 12, 8), utcDay(2014, 12, 8), dateBody("2014-12-08", "2014-12-08"),
			`{"list":[{"ref_date":"2014-12-08","msgid":"10000050_1","title":"12月27日 DiLi日报",` + statsJSON + `}]}`,
			[]wego.ArticleSummary{{Date: cnDay(2014, 12, 8), MsgID: "10000050_1", Title: "12月27日 DiLi日报", ReadStats: stats}}},
		{"GetArticleTotal", rowsOf((*wego.Client).GetArticleTotal), "/datacube/getarticletotal",
			utcDay(2014, 12, 14), utcDay(2014, 12, 14), dateBody("2014-12-14", "2014-12-14"),
			`{"list":[{"ref_date":"2014-12-14","msgid":"202457380_1","title":"马航丢画记","details":[{"stat_date":"2014-12-14","target_user":261917,` + statsJSON + `,` +
				`"int_page_from_session_read_user":657283,"int_page_from_session_read_count":753486,"int_page_from_hist_msg_read_user":1669,"int_page_from_hist_msg_read_count":1920,` +
				`"int_page_from_feed_read_user":367308,"int_page_from_feed_read_count":433422,"int_page_from_friends_read_user":15428,"int_page_from_friends_read_count":19645,` +
				`"int_page_from_other_read_user":477,"int_page_from_other_read_count":703,"feed_share_from_session_user":63925,"feed_share_from_session_cnt":66489,` +
				`"feed_share_from_feed_user":18249,"feed_share_from_feed_cnt":19319,"feed_share_from_other_user":731,"feed_share_from_other_cnt":775}]}]}`,
			[]wego.ArticleTotal{{Date: cnDay(2014, 12, 14), MsgID: "202457380_1", Title: "马航丢画记", Details: []wego.ArticleTotalDetail{{
				StatDate: cnDay(2014, 12, 14), TargetUser: 261917, ReadStats: stats,
				IntPageFromSessionReadUser: 657283, IntPageFromSessionReadCount: 753486, IntPageFromHistMsgReadUser: 1669, IntPageFromHistMsgReadCount: 1920,
				IntPageFromFeedReadUser: 367308, IntPageFromFeedReadCount: 433422, IntPageFromFriendsReadUser: 15428, IntPageFromFriendsReadCount: 19645,
				IntPageFromOtherReadUser: 477, IntPageFromOtherReadCount: 703, FeedShareFromSessionUser: 63925, FeedShareFromSessionCount: 66489,
				FeedShareFromFeedUser: 18249, FeedShareFromFeedCount: 19319, FeedShareFromOtherUser: 731, FeedShareFromOtherCount: 775,
			}}}}},
		{"GetUserRead", rowsOf((*wego.Client).GetUserRead), "/datacube/getuserread",
			utcDay(2014, 12, 5), utcDay(2014, 12, 7), dateBody("2014-12-05", "2014-12-07"),
			`{"list":[{"ref_date":"2014-12-07","user_source":99999999,` + statsJSON + `}]}`,
			[]wego.UserRead{{Date: d7, UserSource: 99999999, ReadStats: stats}}},
		{"GetUserReadHour", rowsOf((*wego.Client).GetUserReadHour), "/datacube/getuserreadhour",
			utcDay(2014, 12, 7), utcDay(2014, 12, 7), dateBody("2014-12-07", "2014-12-07"),
			`{"list":[{"ref_date":"2014-12-07","ref_hour":1500,"user_source":0,` + statsJSON + `},{"ref_date":"2014-12-07","ref_hour":0,"user_source":4,` + statsJSON + `}]}`,
			[]wego.UserReadHour{{Date: d7, Hour: 15, UserSource: 0, ReadStats: stats}, {Date: d7, Hour: 0, UserSource: 4, ReadStats: stats}}},
		{"GetUserShare", rowsOf((*wego.Client).GetUserShare), "/datacube/getusershare",
			utcDay(2014, 12, 1), utcDay(2014, 12, 7), dateBody("2014-12-01", "2014-12-07"),
			`{"list":[{"ref_date":"2014-12-07","share_scene":1,"share_count":207,"share_user":11}]}`,
			[]wego.UserShare{{Date: d7, ShareScene: 1, ShareCount: 207, ShareUser: 11}}},
		{"GetUserShareHour", rowsOf((*wego.Client).GetUserShareHour), "/datacube/getusersharehour",
			utcDay(2014, 12, 7), utcDay(2014, 12, 7), dateBody("2014-12-07", "2014-12-07"),
			`{"list":[{"ref_date":"2014-12-07","ref_hour":1200,"share_scene":1,"share_count":72,"share_user":4}]}`,
			[]wego.UserShareHour{{Date: d7, Hour: 12, ShareScene: 1, ShareCount: 72, ShareUser: 4}}},
		{"GetInterfaceSummary", rowsOf((*wego.Client).GetInterfaceSummary), "/datacube/getinterfacesummary",
			utcDay(2014, 12, 1), utcDay(2014, 12, 30), dateBody("2014-12-01", "2014-12-30"),
			`{"list":[{"ref_date":"2014-12-07","callback_count":36974,"fail_count":67,"total_time_cost":14994291,"max_time_cost":5044}]}`,
			[]wego.InterfaceSummary{{Date: d7, CallbackCount: 36974, FailCount: 67, TotalTimeCost: 14994291 * time.Millisecond, MaxTimeCost: 5044 * time.Millisecond}}},
		{"GetInterfaceSummaryHour", rowsOf((*wego.Client).GetInterfaceSummaryHour), "/datacube/getinterfacesummaryhour",
			utcDay(2014, 12, 1), utcDay(2014, 12, 1), dateBody("2014-12-01", "2014-12-01"),
			`{"list":[{"ref_date":"2014-12-01","ref_hour":0,"callback_count":424,"fail_count":0,"total_time_cost":25860,"max_time_cost":26}]}`,
			[]wego.InterfaceSummaryHour{{Date: cnDay(2014, 12, 1), Hour: 0, CallbackCount: 424, TotalTimeCost: 25860 * time.Millisecond, MaxTimeCost: 26 * time.Millisecond}}},
		{"GetUpstreamMsg", rowsOf((*wego.Client).GetUpstreamMsg), "/datacube/getupstreammsg",
			utcDay(2014, 12, 1), utcDay(2014, 12, 7), dateBody("2014-12-01", "2014-12-07"),
			`{"list":[{"ref_date":"2014-12-07","msg_type":1,"msg_user":282,"msg_count":817}]}`,
			[]wego.UpstreamMsg{{Date: d7, MsgType: 1, MsgUser: 282, MsgCount: 817}}},
		{"GetUpstreamMsgHour", rowsOf((*wego.Client).GetUpstreamMsgHour), "/datacube/getupstreammsghour",
			utcDay(2014, 12, 7), utcDay(2014, 12, 7), dateBody("2014-12-07", "2014-12-07"),
			`{"list":[{"ref_date":"2014-12-07","ref_hour":2300,"msg_type":1,"msg_user":9,"msg_count":10}]}`,
			[]wego.UpstreamMsgHour{{Date: d7, Hour: 23, MsgType: 1, MsgUser: 9, MsgCount: 10}}},
		{"GetUpstreamMsgWeek", rowsOf((*wego.Client).GetUpstreamMsgWeek), "/datacube/getupstreammsgweek",
			utcDay(2014, 12, 1), utcDay(2014, 12, 30), dateBody("2014-12-01", "2014-12-30"),
			`{"list":[{"ref_date":"2014-12-08","msg_type":1,"msg_user":16,"msg_count":27}]}`,
			[]wego.UpstreamMsg{{Date: cnDay(2014, 12, 8), MsgType: 1, MsgUser: 16, MsgCount: 27}}},
		{"GetUpstreamMsgMonth", rowsOf((*wego.Client).GetUpstreamMsgMonth), "/datacube/getupstreammsgmonth",
			utcDay(2014, 12, 1), utcDay(2014, 12, 5), dateBody("2014-12-01", "2014-12-05"),
			`{"list":[{"ref_date":"2014-12-01","msg_type":1,"msg_user":7989,"msg_count":42206}]}`,
			[]wego.UpstreamMsg{{Date: cnDay(2014, 12, 1), MsgType: 1, MsgUser: 7989, MsgCount: 42206}}},
		{"GetUpstreamMsgDist", rowsOf((*wego.Client).GetUpstreamMsgDist), "/datacube/getupstreammsgdist",
			utcDay(2014, 12, 1), utcDay(2014, 12, 15), dateBody("2014-12-01", "2014-12-15"),
			`{"list":[{"ref_date":"2014-12-07","count_interval":1,"msg_user":246}]}`,
			[]wego.UpstreamMsgDist{{Date: d7, CountInterval: 1, MsgUser: 246}}},
		{"GetUpstreamMsgDistWeek", rowsOf((*wego.Client).GetUpstreamMsgDistWeek), "/datacube/getupstreammsgdistweek",
			utcDay(2014, 12, 1), utcDay(2014, 12, 30), dateBody("2014-12-01", "2014-12-30"),
			`{"list":[{"ref_date":"2014-12-01","count_interval":1,"msg_user":246}]}`,
			[]wego.UpstreamMsgDist{{Date: cnDay(2014, 12, 1), CountInterval: 1, MsgUser: 246}}},
		{"GetUpstreamMsgDistMonth", rowsOf((*wego.Client).GetUpstreamMsgDistMonth), "/datacube/getupstreammsgdistmonth",
			utcDay(2014, 12, 1), utcDay(2014, 12, 30), dateBody("2014-12-01", "2014-12-30"),
			`{"list":[{"ref_date":"2014-12-01","count_interval":1,"msg_user":246}]}`,
			[]wego.UpstreamMsgDist{{Date: cnDay(2014, 12, 1), CountInterval: 1, MsgUser: 246}}},
	}
	require.Len(t, tests, len(analyticsCalls), "every call")
	var cases []mockCase
	for _, tt := range tests {
		cases = append(cases, mockCase{tt.name, func(ctx context.Context, c *wego.Client) error {
			got, err := tt.call(c, ctx, tt.begin, tt.end)
			if err == nil {
				assert.Equal(t, tt.want, got, tt.name)
			}
			return err
		}, []wantCall{{method: "POST", path: tt.path, body: tt.body, answer: tt.answer}}})
	}
	runMockCases(t, cases)
}

// A day is the calendar day in China Standard Time, whatever the zone of
// the time.Time: late in the UTC day it is the next day there, early in
// Tokyo the day before.
func TestAnalyticsDaysAreChinas(t *testing.T) {
	t.Parallel()
	tokyo := time.FixedZone("JST", 9*60*60)
	newYork := time.FixedZone("EDT", -4*60*60)
	tests := []struct {
		name string
		at   time.Time
		want string
	}{
		{"midnight UTC: 08:00 in China", time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC), "2024-05-01"},
		{"15:59:59 UTC: 23:59:59 in China", time.Date(2024, 5, 1, 15, 59, 59, 0, time.UTC), "2024-05-01"},
		{"16:00 UTC: midnight in China, the next day", time.Date(2024, 5, 1, 16, 0, 0, 0, time.UTC), "2024-05-02"},
		{"20:00 UTC: the next day in China", time.Date(2024, 5, 1, 20, 0, 0, 0, time.UTC), "2024-05-02"},
		{"00:30 in Tokyo: the day before in China", time.Date(2024, 5, 2, 0, 30, 0, 0, tokyo), "2024-05-01"},
		{"noon in New York: midnight in China, the next day", time.Date(2024, 5, 1, 12, 0, 0, 0, newYork), "2024-05-02"},
		{"midnight in China", cnDay(2024, 5, 1), "2024-05-01"},
		{"the last second of a year in China", time.Date(2024, 12, 31, 23, 59, 59, 999999999, china), "2024-12-31"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := mockCalls(t, wantCall{method: "POST", path: "/datacube/getusercumulate", body: dateBody(tt.want, tt.want), answer: `{"list":[]}`})
			rows, err := c.GetUserCumulate(context.Background(), tt.at, tt.at)
			require.NoError(t, err)
			assert.Empty(t, rows)
		})
	}
}

// Every endpoint takes its limit of days, and one day more is refused
// before anything is sent, with an error naming the endpoint and its
// limit.
func TestAnalyticsSpanLimits(t *testing.T) {
	t.Parallel()
	for _, a := range analyticsCalls {
		t.Run(a.name, func(t *testing.T) {
			t.Parallel()
			srv, c := setup(t)
			ctx := context.Background()
			begin := utcDay(2024, 3, 1)
			over := begin.AddDate(0, 0, a.days) // a.days+1 days
			_, err := a.call(c, ctx, begin, over)
			require.ErrorIs(t, err, wego.ErrInvalidParameter)
			name := strings.TrimPrefix(a.path, "/")
			if a.days == 1 {
				assert.Contains(t, err.Error(), name+" takes one day a call")
				assert.Contains(t, err.Error(), "2024-03-01 to 2024-03-02 is 2 days")
			} else {
				assert.Contains(t, err.Error(), fmt.Sprintf("%s takes at most %d days a call", name, a.days))
				assert.Contains(t, err.Error(), fmt.Sprintf("is %d days", a.days+1))
			}
			assert.Zero(t, srv.Requests(a.path), "nothing sent")
			assert.Zero(t, srv.TokenRequests(), "not even for a token")

			_, err = a.call(c, ctx, begin, over.AddDate(0, 0, -1))
			require.NoError(t, err, "%d days", a.days)
			assert.Equal(t, 1, srv.Requests(a.path))
		})
	}
}

// Days WeChat would refuse, or has nothing for, are refused before
// anything is sent.
func TestAnalyticsBadDaysSendNothing(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	// 2024-05-10 01:00 in China, 2024-05-09 17:00 UTC.
	wego.SetAnalyticsClock(c, func() time.Time { return time.Date(2024, 5, 9, 17, 0, 0, 0, time.UTC) })
	ctx := context.Background()
	tests := []struct {
		name       string
		begin, end time.Time
		sentinel   error
		says       string
	}{
		{"zero begin", time.Time{}, utcDay(2024, 5, 1), wego.ErrMissingParameter, "begin"},
		{"zero end", utcDay(2024, 5, 1), time.Time{}, wego.ErrMissingParameter, "end"},
		{"begin after end", utcDay(2024, 5, 3), utcDay(2024, 5, 2), wego.ErrInvalidParameter, "begin: 2024-05-03 is after end 2024-05-02"},
		{"end today", utcDay(2024, 5, 9), utcDay(2024, 5, 10), wego.ErrInvalidParameter, "end: 2024-05-10 is not before today, 2024-05-10 in China Standard Time"},
		{"end today in China, yesterday in UTC", utcDay(2024, 5, 9), time.Date(2024, 5, 9, 16, 30, 0, 0, time.UTC), wego.ErrInvalidParameter, "end: 2024-05-10 is not before today"},
		{"end tomorrow", utcDay(2024, 5, 9), utcDay(2024, 5, 11), wego.ErrInvalidParameter, "end: 2024-05-11"},
		{"begin before 2014-12-01", utcDay(2014, 11, 30), utcDay(2014, 12, 1), wego.ErrInvalidParameter, "begin: 2014-11-30 is before 2014-12-01"},
	}
	for _, tt := range tests {
		for _, a := range analyticsCalls {
			_, err := a.call(c, ctx, tt.begin, tt.end)
			require.ErrorIs(t, err, tt.sentinel, "%s: %s", a.name, tt.name)
			assert.Contains(t, err.Error(), tt.says, "%s: %s", a.name, tt.name)
		}
	}
	assert.Zero(t, analyticsRequestsSeen(srv), "bad days sent nothing, not even a token request")

	rows, err := c.GetUserCumulate(ctx, utcDay(2024, 5, 9), time.Date(2024, 5, 9, 15, 59, 0, 0, time.UTC))
	require.NoError(t, err, "yesterday in China is the last day")
	assert.Len(t, rows, 1)
	rows, err = c.GetUserCumulate(ctx, utcDay(2014, 12, 1), utcDay(2014, 12, 1))
	require.NoError(t, err, "2014-12-01 is the first day")
	assert.Len(t, rows, 1)
}

// Every call end to end on wegotest: the numbers a test set for a day
// come back typed, dated that day in China.
func TestAnalyticsEndToEnd(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	ctx := context.Background()
	day := cnDay(2024, 6, 12)
	stats := wego.ReadStats{IntPageReadUser: 100, IntPageReadCount: 130, OriPageReadUser: 12, OriPageReadCount: 15,
		ShareUser: 6, ShareCount: 9, AddToFavUser: 4, AddToFavCount: 5}
	detail := wego.ArticleTotalDetail{StatDate: day, TargetUser: 20000, ReadStats: stats,
		IntPageFromSessionReadUser: 50, IntPageFromSessionReadCount: 65, IntPageFromHistMsgReadUser: 20, IntPageFromHistMsgReadCount: 26,
		IntPageFromFeedReadUser: 15, IntPageFromFeedReadCount: 20, IntPageFromFriendsReadUser: 10, IntPageFromFriendsReadCount: 13,
		IntPageFromOtherReadUser: 5, IntPageFromOtherReadCount: 6, FeedShareFromSessionUser: 2, FeedShareFromSessionCount: 3,
		FeedShareFromFeedUser: 1, FeedShareFromFeedCount: 1, FeedShareFromOtherUser: 1, FeedShareFromOtherCount: 1}
	require.NoError(t, srv.SetAnalytics(wegotest.AnalyticsDay{
		Date:                 day,
		UserSummary:          []wego.UserSummary{{UserSource: 0, NewUser: 5, CancelUser: 1}, {UserSource: 30, NewUser: 12}},
		CumulateUser:         20480,
		ArticleSummary:       []wego.ArticleSummary{{MsgID: "2247483650_1", Title: "端午安康", ReadStats: stats}},
		ArticleTotal:         []wego.ArticleTotal{{MsgID: "2247483650_1", Title: "端午安康", Details: []wego.ArticleTotalDetail{detail}}},
		UserRead:             []wego.UserRead{{UserSource: 99999999, ReadStats: stats}},
		UserReadHour:         []wego.UserReadHour{{Hour: 21, UserSource: 2, ReadStats: stats}},
		UserShare:            []wego.UserShare{{ShareScene: 2, ShareCount: 9, ShareUser: 7}},
		UserShareHour:        []wego.UserShareHour{{Hour: 8, ShareScene: 1, ShareCount: 3, ShareUser: 2}},
		InterfaceSummary:     wego.InterfaceSummary{CallbackCount: 36974, FailCount: 67, TotalTimeCost: 14994291 * time.Millisecond, MaxTimeCost: 5044 * time.Millisecond},
		InterfaceSummaryHour: []wego.InterfaceSummaryHour{{Hour: 23, CallbackCount: 217, FailCount: 1, TotalTimeCost: 10 * time.Second, MaxTimeCost: 900 * time.Millisecond}},
		UpstreamMsg:          []wego.UpstreamMsg{{MsgType: 1, MsgUser: 282, MsgCount: 817}},
		UpstreamMsgHour:      []wego.UpstreamMsgHour{{Hour: 12, MsgType: 3, MsgUser: 9, MsgCount: 11}},
		UpstreamMsgDist:      []wego.UpstreamMsgDist{{CountInterval: 2, MsgUser: 246}},
	}))
	// Weeks and months: 2 users and 3 messages of text, 1 user in 1 to 5 messages, every day from 2024-04-29 (a Monday) to 2024-05-31.
	for d := cnDay(2024, 4, 29); d.Before(cnDay(2024, 6, 1)); d = d.AddDate(0, 0, 1) {
		require.NoError(t, srv.SetAnalytics(wegotest.AnalyticsDay{
			Date:            d,
			UpstreamMsg:     []wego.UpstreamMsg{{MsgType: 1, MsgUser: 2, MsgCount: 3}},
			UpstreamMsgDist: []wego.UpstreamMsgDist{{CountInterval: 1, MsgUser: 1}},
		}))
	}
	at := day.Add(20 * time.Hour) // 20:00 in China: the day is the day
	may := cnDay(2024, 5, 1)
	tests := []struct {
		name       string
		begin, end time.Time
		want       any
	}{
		{"GetVariationNumberOfUser", at, at, []wego.UserSummary{{Date: day, UserSource: 0, NewUser: 5, CancelUser: 1}, {Date: day, UserSource: 30, NewUser: 12}}},
		{"GetUserCumulate", at, at, []wego.UserCumulate{{Date: day, CumulateUser: 20480}}},
		{"GetArticleSummary", at, at, []wego.ArticleSummary{{Date: day, MsgID: "2247483650_1", Title: "端午安康", ReadStats: stats}}},
		{"GetArticleTotal", at, at, []wego.ArticleTotal{{Date: day, MsgID: "2247483650_1", Title: "端午安康", Details: []wego.ArticleTotalDetail{detail}}}},
		{"GetUserRead", at, at, []wego.UserRead{{Date: day, UserSource: 99999999, ReadStats: stats}}},
		{"GetUserReadHour", at, at, []wego.UserReadHour{{Date: day, Hour: 21, UserSource: 2, ReadStats: stats}}},
		{"GetUserShare", at, at, []wego.UserShare{{Date: day, ShareScene: 2, ShareCount: 9, ShareUser: 7}}},
		{"GetUserShareHour", at, at, []wego.UserShareHour{{Date: day, Hour: 8, ShareScene: 1, ShareCount: 3, ShareUser: 2}}},
		{"GetInterfaceSummary", at, at, []wego.InterfaceSummary{{Date: day, CallbackCount: 36974, FailCount: 67, TotalTimeCost: 14994291 * time.Millisecond, MaxTimeCost: 5044 * time.Millisecond}}},
		{"GetInterfaceSummaryHour", at, at, []wego.InterfaceSummaryHour{{Date: day, Hour: 23, CallbackCount: 217, FailCount: 1, TotalTimeCost: 10 * time.Second, MaxTimeCost: 900 * time.Millisecond}}},
		{"GetUpstreamMsg", at, at, []wego.UpstreamMsg{{Date: day, MsgType: 1, MsgUser: 282, MsgCount: 817}}},
		{"GetUpstreamMsgHour", at, at, []wego.UpstreamMsgHour{{Date: day, Hour: 12, MsgType: 3, MsgUser: 9, MsgCount: 11}}},
		{"GetUpstreamMsgDist", at, at, []wego.UpstreamMsgDist{{Date: day, CountInterval: 2, MsgUser: 246}}},
		{"GetUpstreamMsgWeek", cnDay(2024, 4, 29), cnDay(2024, 5, 12), []wego.UpstreamMsg{
			{Date: cnDay(2024, 4, 29), MsgType: 1, MsgUser: 14, MsgCount: 21}, {Date: cnDay(2024, 5, 6), MsgType: 1, MsgUser: 14, MsgCount: 21}}},
		{"GetUpstreamMsgMonth", may, may, []wego.UpstreamMsg{{Date: may, MsgType: 1, MsgUser: 62, MsgCount: 93}}},
		{"GetUpstreamMsgDistWeek", cnDay(2024, 4, 29), cnDay(2024, 4, 29), []wego.UpstreamMsgDist{{Date: cnDay(2024, 4, 29), CountInterval: 1, MsgUser: 7}}},
		{"GetUpstreamMsgDistMonth", may, cnDay(2024, 5, 30), []wego.UpstreamMsgDist{{Date: may, CountInterval: 1, MsgUser: 31}}},
	}
	require.Len(t, tests, len(analyticsCalls), "every call")
	for _, tt := range tests {
		a := analyticsCallNamed(t, tt.name)
		got, err := a.call(c, ctx, tt.begin, tt.end)
		require.NoError(t, err, tt.name)
		assert.Equal(t, tt.want, got, tt.name)
		assert.Equal(t, 1, srv.Requests(a.path), tt.name)
	}
}

// rowsOfDays is the rows of n days from begin as wegotest tells them,
// one day after the other.
func rowsOfDays[T any](srv *wegotest.Server, begin time.Time, n int, rows func(wegotest.AnalyticsDay) []T) []T {
	var all []T
	for i := range n {
		all = append(all, rows(srv.Analytics(begin.AddDate(0, 0, i)))...)
	}
	return all
}

// The generated days come back as wegotest tells them, over each
// endpoint's longest span.
func TestAnalyticsMatchTheFakesDays(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	ctx := context.Background()
	begin := utcDay(2023, 2, 26) // spans across the end of a month
	end := func(n int) time.Time { return begin.AddDate(0, 0, n-1) }

	summary, err := c.GetVariationNumberOfUser(ctx, begin, end(7))
	require.NoError(t, err)
	assert.Equal(t, rowsOfDays(srv, begin, 7, func(d wegotest.AnalyticsDay) []wego.UserSummary { return d.UserSummary }), summary)
	require.Len(t, summary, 7*5)
	cumulate, err := c.GetUserCumulate(ctx, begin, end(7))
	require.NoError(t, err)
	assert.Equal(t, rowsOfDays(srv, begin, 7, func(d wegotest.AnalyticsDay) []wego.UserCumulate {
		return []wego.UserCumulate{{Date: d.Date, CumulateUser: d.CumulateUser}}
	}), cumulate)
	for i := 1; i < len(cumulate); i++ {
		net := 0
		for _, s := range summary[i*5 : i*5+5] {
			net += s.NewUser - s.CancelUser
		}
		assert.Equal(t, cumulate[i-1].CumulateUser+net, cumulate[i].CumulateUser, "followers add up from day to day")
	}

	articles, err := c.GetArticleSummary(ctx, begin, end(1))
	require.NoError(t, err)
	assert.Equal(t, rowsOfDays(srv, begin, 1, func(d wegotest.AnalyticsDay) []wego.ArticleSummary { return d.ArticleSummary }), articles)
	totals, err := c.GetArticleTotal(ctx, begin, end(1))
	require.NoError(t, err)
	assert.Equal(t, rowsOfDays(srv, begin, 1, func(d wegotest.AnalyticsDay) []wego.ArticleTotal { return d.ArticleTotal }), totals)
	reads, err := c.GetUserRead(ctx, begin, end(3))
	require.NoError(t, err)
	assert.Equal(t, rowsOfDays(srv, begin, 3, func(d wegotest.AnalyticsDay) []wego.UserRead { return d.UserRead }), reads)
	readHours, err := c.GetUserReadHour(ctx, begin, end(1))
	require.NoError(t, err)
	assert.Equal(t, rowsOfDays(srv, begin, 1, func(d wegotest.AnalyticsDay) []wego.UserReadHour { return d.UserReadHour }), readHours)
	shares, err := c.GetUserShare(ctx, begin, end(7))
	require.NoError(t, err)
	assert.Equal(t, rowsOfDays(srv, begin, 7, func(d wegotest.AnalyticsDay) []wego.UserShare { return d.UserShare }), shares)
	shareHours, err := c.GetUserShareHour(ctx, begin, end(1))
	require.NoError(t, err)
	assert.Equal(t, rowsOfDays(srv, begin, 1, func(d wegotest.AnalyticsDay) []wego.UserShareHour { return d.UserShareHour }), shareHours)
	calls, err := c.GetInterfaceSummary(ctx, begin, end(30))
	require.NoError(t, err)
	assert.Equal(t, rowsOfDays(srv, begin, 30, func(d wegotest.AnalyticsDay) []wego.InterfaceSummary {
		return []wego.InterfaceSummary{d.InterfaceSummary}
	}), calls)
	callHours, err := c.GetInterfaceSummaryHour(ctx, begin, end(1))
	require.NoError(t, err)
	assert.Equal(t, rowsOfDays(srv, begin, 1, func(d wegotest.AnalyticsDay) []wego.InterfaceSummaryHour { return d.InterfaceSummaryHour }), callHours)
	msgs, err := c.GetUpstreamMsg(ctx, begin, end(7))
	require.NoError(t, err)
	assert.Equal(t, rowsOfDays(srv, begin, 7, func(d wegotest.AnalyticsDay) []wego.UpstreamMsg { return d.UpstreamMsg }), msgs)
	msgHours, err := c.GetUpstreamMsgHour(ctx, begin, end(1))
	require.NoError(t, err)
	assert.Equal(t, rowsOfDays(srv, begin, 1, func(d wegotest.AnalyticsDay) []wego.UpstreamMsgHour { return d.UpstreamMsgHour }), msgHours)
	dist, err := c.GetUpstreamMsgDist(ctx, begin, end(15))
	require.NoError(t, err)
	assert.Equal(t, rowsOfDays(srv, begin, 15, func(d wegotest.AnalyticsDay) []wego.UpstreamMsgDist { return d.UpstreamMsgDist }), dist)

	// 2023-02-27 is a Monday and 2023-03-01 a first day: the week and the
	// month add up their days by type and by interval.
	week, err := c.GetUpstreamMsgWeek(ctx, begin, end(2))
	require.NoError(t, err)
	monday := cnDay(2023, 2, 27)
	byType := map[int][2]int{}
	for _, r := range rowsOfDays(srv, monday, 7, func(d wegotest.AnalyticsDay) []wego.UpstreamMsg { return d.UpstreamMsg }) {
		byType[r.MsgType] = [2]int{byType[r.MsgType][0] + r.MsgUser, byType[r.MsgType][1] + r.MsgCount}
	}
	require.Len(t, week, len(byType))
	for _, r := range week {
		assert.Equal(t, monday, r.Date)
		assert.Equal(t, byType[r.MsgType], [2]int{r.MsgUser, r.MsgCount}, "type %d", r.MsgType)
	}
	month, err := c.GetUpstreamMsgDistMonth(ctx, begin, end(30))
	require.NoError(t, err)
	march := cnDay(2023, 3, 1)
	byInterval := map[int]int{}
	for _, r := range rowsOfDays(srv, march, 31, func(d wegotest.AnalyticsDay) []wego.UpstreamMsgDist { return d.UpstreamMsgDist }) {
		byInterval[r.CountInterval] += r.MsgUser
	}
	require.Len(t, month, len(byInterval))
	for _, r := range month {
		assert.Equal(t, march, r.Date)
		assert.Equal(t, byInterval[r.CountInterval], r.MsgUser, "interval %d", r.CountInterval)
	}
}

// WeChat's own refusals, 61500 and 61501, come as *APIError with their
// Code, and their text says what they mean, as Python wego's did.
func TestAnalyticsWeChatRefusals(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	ctx := context.Background()
	_, err := c.WeChat.DatacubeGetUserSummary(ctx, "2024/05/01", "2024/05/01")
	var ae *wego.APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, wego.CodeDateFormatError, ae.Code)
	assert.Regexp(t, `^wego: /datacube/getusersummary: errcode 61500: date format error rid: \S+ \(the dates are not yyyy-MM-dd \(时间参数格式异常\)\)$`, err.Error())

	_, err = c.WeChat.DatacubeGetUserSummary(ctx, "2024-05-01", "2024-05-08")
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, wego.CodeDateRangeError, ae.Code)
	assert.Contains(t, err.Error(), "errcode 61501: date range error rid: ")
	assert.Contains(t, err.Error(), "span more days than the endpoint takes in one call")
	assert.Contains(t, err.Error(), "时间参数跨度异常")

	srv.FailNext(wegotest.PathUserRead, wego.CodeDateRangeError)
	_, err = c.GetUserRead(ctx, utcDay(2024, 5, 1), utcDay(2024, 5, 3))
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, 61501, ae.Code)
	assert.Equal(t, "/datacube/getuserread", ae.Endpoint)
	assert.False(t, errors.Is(err, wego.ErrInvalidParameter), "WeChat's refusal, not the SDK's")
	assert.NotContains(t, (&wego.APIError{Code: 40001, Msg: "x", Endpoint: "/p"}).Error(), "(", "other codes read as before")
}

// The analytics POSTs only read: WeChat's "system busy" is retried.
func TestAnalyticsRetriedWhenBusy(t *testing.T) {
	t.Parallel()
	busy := wantCall{method: "POST", path: "/datacube/getusercumulate", body: dateBody("2024-05-01", "2024-05-01"), answer: `{"errcode":-1,"errmsg":"system error"}`}
	ok := busy
	ok.answer = `{"list":[{"ref_date":"2024-05-01","cumulate_user":7}]}`
	c := mockCalls(t, busy, busy, ok)
	rows, err := c.GetUserCumulate(context.Background(), utcDay(2024, 5, 1), utcDay(2024, 5, 1))
	require.NoError(t, err)
	assert.Equal(t, []wego.UserCumulate{{Date: cnDay(2024, 5, 1), CumulateUser: 7}}, rows)
}

// An answer whose dates are not dates is WeChat's fault, said as such.
func TestAnalyticsAnswerWithABadDate(t *testing.T) {
	t.Parallel()
	c := mockCalls(t, wantCall{method: "POST", path: "/datacube/getarticletotal", body: dateBody("2024-05-01", "2024-05-01"),
		answer: `{"list":[{"ref_date":"2024-05-01","msgid":"1_1","title":"t","details":[{"stat_date":"May 1"}]}]}`})
	_, err := c.GetArticleTotal(context.Background(), utcDay(2024, 5, 1), utcDay(2024, 5, 1))
	var he *wego.HTTPError
	require.ErrorAs(t, err, &he)
	assert.Equal(t, "/datacube/getarticletotal", he.Endpoint)
	assert.Equal(t, `invalid stat_date "May 1"`, he.Reason)
}

func TestInterfaceSummaryMeanTimeCost(t *testing.T) {
	t.Parallel()
	s := wego.InterfaceSummary{CallbackCount: 4, TotalTimeCost: time.Second}
	assert.Equal(t, 250*time.Millisecond, s.MeanTimeCost())
	assert.Zero(t, wego.InterfaceSummary{}.MeanTimeCost())
}
