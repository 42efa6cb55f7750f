package wegotest

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wego-sdk/wego"
)

// analyticsPaths are the analytics endpoints and the days WeChat's pages
// give each.
var analyticsPaths = map[string]int{
	PathUserSummary: 7, PathUserCumulate: 7,
	PathArticleSummary: 1, PathArticleTotal: 1, PathUserRead: 3, PathUserReadHour: 1, PathUserShare: 7, PathUserShareHour: 1,
	PathInterfaceSummary: 30, PathInterfaceSummaryHour: 1,
	PathUpstreamMsg: 7, PathUpstreamMsgHour: 1, PathUpstreamMsgWeek: 30, PathUpstreamMsgMonth: 30,
	PathUpstreamMsgDist: 15, PathUpstreamMsgDistWeek: 30, PathUpstreamMsgDistMonth: 30,
}

type listAnswer struct {
	answer
	List []map[string]any `json:"list"`
}

// cube posts the dates to an analytics path as WeChat takes them.
func cube(t *testing.T, c *wego.Client, path, begin, end string) (listAnswer, int) {
	t.Helper()
	var a listAnswer
	code := post(t, c, path, map[string]string{"begin_date": begin, "end_date": end}, &a)
	return a, code
}

func chinaDate(y int, m time.Month, d int) time.Time {
	return time.Date(y, m, d, 0, 0, 0, 0, chinaTime)
}

// Every endpoint takes its limit of days and refuses one more with 61501,
// as WeChat does; a date that is not yyyy-MM-dd is 61500.
func TestAnalyticsSpansAndFormats(t *testing.T) {
	t.Parallel()
	s, c := userClient(t)
	for path, most := range analyticsPaths {
		assert.Equal(t, most, analyticsMaxDays(path), path)
		begin := chinaDate(2024, 5, 1)
		at := func(days int) string { return begin.AddDate(0, 0, days-1).Format(time.DateOnly) }
		_, code := cube(t, c, path, at(1), at(most))
		assert.Zero(t, code, "%s: %d days", path, most)
		_, code = cube(t, c, path, at(1), at(most+1))
		assert.Equal(t, 61501, code, "%s: %d days", path, most+1)
		_, code = cube(t, c, path, at(2), at(1))
		assert.Equal(t, 61501, code, "%s: begin after end", path)
		for _, bad := range []string{"2024-5-01", "2024/05/01", "20240501", "", "2024-05-01T00:00:00+08:00", "2024-02-30"} {
			_, code = cube(t, c, path, bad, at(1))
			assert.Equal(t, 61500, code, "%s: begin %q", path, bad)
			_, code = cube(t, c, path, at(1), bad)
			assert.Equal(t, 61500, code, "%s: end %q", path, bad)
		}
	}
	today := chinaDay(time.Now())
	yesterday := today.AddDate(0, 0, -1).Format(time.DateOnly)
	_, code := cube(t, c, PathUserCumulate, yesterday, yesterday)
	assert.Zero(t, code, "yesterday is the last day")
	_, code = cube(t, c, PathUserCumulate, yesterday, today.Format(time.DateOnly))
	assert.Equal(t, 61501, code, "today is not over")

	err := c.WeChat.Post(context.Background(), PathUserSummary, nil, map[string]string{"begin_date": "x", "end_date": "x"}, nil)
	var ae *wego.APIError
	require.ErrorAs(t, err, &ae)
	assert.Regexp(t, `^date format error rid: `, ae.Msg)
	err = c.WeChat.Post(context.Background(), PathUserSummary, nil, map[string]string{"begin_date": "2024-05-01", "end_date": "2024-05-08"}, nil)
	require.ErrorAs(t, err, &ae)
	assert.Regexp(t, `^date range error rid: `, ae.Msg)
	assert.Positive(t, s.Requests(PathUserSummary))
}

func TestAnalyticsEndpointsCheckTokenMethodAndBody(t *testing.T) {
	t.Parallel()
	s := New(t)
	tok := stableToken(t, s, false).AccessToken
	do := func(method, tok, body string) answer {
		req, err := http.NewRequest(method, s.URL+PathUserRead+"?access_token="+url.QueryEscape(tok), strings.NewReader(body))
		require.NoError(t, err)
		resp, err := s.ts.Client().Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		var a answer
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&a))
		return a
	}
	ok := `{"begin_date":"2024-05-01","end_date":"2024-05-01"}`
	assert.Equal(t, 41001, do(http.MethodPost, "", ok).ErrCode)
	assert.Equal(t, 40001, do(http.MethodPost, "made-up", ok).ErrCode)
	assert.Equal(t, 43002, do(http.MethodGet, tok, "").ErrCode)
	assert.Equal(t, 44002, do(http.MethodPost, tok, "").ErrCode)
	assert.Equal(t, 47001, do(http.MethodPost, tok, `{"begin_date":20240501}`).ErrCode)
	assert.Zero(t, do(http.MethodPost, tok, ok).ErrCode)
}

// The generated days are the same on every server, and their numbers add
// up as the doc of Server.Analytics says.
func TestGeneratedAnalyticsAddUp(t *testing.T) {
	t.Parallel()
	a, b := NewServer(), NewServer()
	defer a.Close()
	defer b.Close()
	day := chinaDate(2024, 5, 1)
	d := a.Analytics(day.Add(23 * time.Hour))
	assert.Equal(t, d, b.Analytics(day), "a function of the date alone")
	assert.True(t, d.Date.Equal(day))
	assert.Equal(t, time.Date(2024, 5, 1, 0, 0, 0, 0, chinaTime).String(), d.Date.String())

	before := a.Analytics(day.AddDate(0, 0, -1))
	net := 0
	for _, r := range d.UserSummary {
		net += r.NewUser - r.CancelUser
	}
	assert.Equal(t, before.CumulateUser+net, d.CumulateUser)
	assert.Len(t, d.UserSummary, 5)
	first := a.Analytics(chinaDate(2014, 12, 1))
	net = 0
	for _, r := range first.UserSummary {
		net += r.NewUser - r.CancelUser
	}
	assert.Equal(t, genFollowers0+net, first.CumulateUser)
	assert.Equal(t, AnalyticsDay{Date: chinaDate(2014, 11, 30)}, a.Analytics(chinaDate(2014, 11, 30)), "nothing before 2014-12-01")

	// Reading: the day's rows are the sums of the hours', 99999999 of the sources'.
	require.Len(t, d.UserReadHour, 24*4)
	require.Len(t, d.UserRead, 4)
	for _, daily := range d.UserRead {
		var sum wego.ReadStats
		for _, h := range d.UserReadHour {
			if h.UserSource == daily.UserSource {
				addStats(&sum, h.ReadStats)
			}
		}
		assert.Equal(t, sum, daily.ReadStats, "source %d", daily.UserSource)
	}
	var sources wego.ReadStats
	for _, r := range d.UserRead[:3] {
		addStats(&sources, r.ReadStats)
	}
	assert.Equal(t, 99999999, d.UserRead[3].UserSource)
	assert.Equal(t, sources, d.UserRead[3].ReadStats)
	assert.Positive(t, sources.IntPageReadUser)

	require.Len(t, d.UserShare, 3)
	for _, daily := range d.UserShare {
		users, shares := 0, 0
		for _, h := range d.UserShareHour {
			if h.ShareScene == daily.ShareScene {
				users, shares = users+h.ShareUser, shares+h.ShareCount
			}
		}
		assert.Equal(t, [2]int{users, shares}, [2]int{daily.ShareUser, daily.ShareCount}, "scene %d", daily.ShareScene)
	}

	var calls, fails int
	var total, longest time.Duration
	for _, h := range d.InterfaceSummaryHour {
		calls, fails, total, longest = calls+h.CallbackCount, fails+h.FailCount, total+h.TotalTimeCost, max(longest, h.MaxTimeCost)
	}
	assert.Equal(t, wego.InterfaceSummary{Date: day, CallbackCount: calls, FailCount: fails, TotalTimeCost: total, MaxTimeCost: longest}, d.InterfaceSummary)
	assert.Positive(t, calls)

	for _, daily := range d.UpstreamMsg {
		users, msgs := 0, 0
		for _, h := range d.UpstreamMsgHour {
			if h.MsgType == daily.MsgType {
				users, msgs = users+h.MsgUser, msgs+h.MsgCount
			}
		}
		assert.Equal(t, [2]int{users, msgs}, [2]int{daily.MsgUser, daily.MsgCount}, "type %d", daily.MsgType)
	}

	// Articles: the totals add up the daily reading, and the reads by source add up to the reads.
	require.NotEmpty(t, d.ArticleTotal)
	for _, art := range d.ArticleTotal {
		require.Len(t, art.Details, 7, art.MsgID)
		var sum wego.ReadStats
		for i, det := range art.Details {
			stat := day.AddDate(0, 0, i)
			assert.True(t, det.StatDate.Equal(stat))
			read := a.Analytics(stat)
			found := false
			for _, r := range read.ArticleSummary {
				if r.MsgID == art.MsgID {
					addStats(&sum, r.ReadStats)
					found = true
				}
			}
			require.True(t, found, "%s is read on %s", art.MsgID, stat.Format(time.DateOnly))
			assert.Equal(t, sum, det.ReadStats)
			assert.Equal(t, d.CumulateUser, det.TargetUser)
			assert.Equal(t, det.IntPageReadUser, det.IntPageFromSessionReadUser+det.IntPageFromHistMsgReadUser+
				det.IntPageFromFeedReadUser+det.IntPageFromFriendsReadUser+det.IntPageFromOtherReadUser)
			assert.Equal(t, det.IntPageReadCount, det.IntPageFromSessionReadCount+det.IntPageFromHistMsgReadCount+
				det.IntPageFromFeedReadCount+det.IntPageFromFriendsReadCount+det.IntPageFromOtherReadCount)
			assert.LessOrEqual(t, det.FeedShareFromSessionCount+det.FeedShareFromFeedCount+det.FeedShareFromOtherCount, det.ShareCount)
		}
		assert.Regexp(t, `^\d{10}_[12]$`, art.MsgID)
	}

	yesterday := chinaDay(time.Now()).AddDate(0, 0, -1)
	for _, art := range a.Analytics(yesterday).ArticleTotal {
		assert.Len(t, art.Details, 1, "an article sent yesterday has yesterday's details only")
	}
}

func TestSetAnalyticsReplacesADay(t *testing.T) {
	t.Parallel()
	s, c := userClient(t)
	day := chinaDate(2024, 5, 1)
	require.NoError(t, s.SetAnalytics(AnalyticsDay{
		Date:             day.Add(20 * time.Hour), // the day in China
		CumulateUser:     1234,
		UserSummary:      []wego.UserSummary{{UserSource: 30, NewUser: 7, CancelUser: 2}},
		UserReadHour:     []wego.UserReadHour{{Hour: 15, UserSource: 0, ReadStats: wego.ReadStats{IntPageReadUser: 3}}},
		InterfaceSummary: wego.InterfaceSummary{CallbackCount: 10, TotalTimeCost: 1500 * time.Millisecond, MaxTimeCost: 400 * time.Millisecond},
	}))
	a, code := cube(t, c, PathUserSummary, "2024-05-01", "2024-05-02")
	require.Zero(t, code)
	require.Len(t, a.List, 1+5, "the day set, then the generated one")
	assert.Equal(t, map[string]any{"ref_date": "2024-05-01", "user_source": 30.0, "new_user": 7.0, "cancel_user": 2.0}, a.List[0])
	assert.Equal(t, "2024-05-02", a.List[1]["ref_date"])

	a, _ = cube(t, c, PathUserCumulate, "2024-05-01", "2024-05-01")
	assert.Equal(t, []map[string]any{{"ref_date": "2024-05-01", "cumulate_user": 1234.0}}, a.List)
	a, _ = cube(t, c, PathUserReadHour, "2024-05-01", "2024-05-01")
	require.Len(t, a.List, 1)
	assert.Equal(t, 1500.0, a.List[0]["ref_hour"], "WeChat's hours are hhmm")
	a, _ = cube(t, c, PathInterfaceSummary, "2024-05-01", "2024-05-01")
	require.Len(t, a.List, 1)
	assert.Equal(t, 1500.0, a.List[0]["total_time_cost"], "milliseconds")
	a, _ = cube(t, c, PathArticleTotal, "2024-05-01", "2024-05-01")
	assert.Empty(t, a.List, "what the day leaves empty is answered empty")
	a, _ = cube(t, c, PathInterfaceSummaryHour, "2024-05-01", "2024-05-01")
	assert.Empty(t, a.List)

	got := s.Analytics(day)
	got.UserSummary[0].NewUser = 99
	assert.Equal(t, 7, s.Analytics(day).UserSummary[0].NewUser, "a copy")

	assert.Error(t, s.SetAnalytics(AnalyticsDay{}), "no date")
	assert.Error(t, s.SetAnalytics(AnalyticsDay{Date: chinaDate(2014, 11, 30)}))
	assert.Error(t, s.SetAnalytics(AnalyticsDay{Date: day, UpstreamMsgHour: []wego.UpstreamMsgHour{{Hour: 24}}}))
	assert.Equal(t, 1234, s.Analytics(day).CumulateUser, "a refused day changes nothing")
}

// The weeks and months add up their days, dated their Monday and first
// day, once over.
func TestAnalyticsWeeksAndMonths(t *testing.T) {
	t.Parallel()
	s, c := userClient(t)
	for d := chinaDate(2024, 4, 1); d.Before(chinaDate(2024, 5, 1)); d = d.AddDate(0, 0, 1) {
		require.NoError(t, s.SetAnalytics(AnalyticsDay{
			Date:            d,
			UpstreamMsg:     []wego.UpstreamMsg{{MsgType: 1, MsgUser: 2, MsgCount: 3}, {MsgType: 2, MsgUser: 1, MsgCount: 1}},
			UpstreamMsgDist: []wego.UpstreamMsgDist{{CountInterval: 1, MsgUser: 2}},
		}))
	}
	// 2024-04-01 is a Monday: April 2024 has four weeks from a Monday within it, and a fifth from 04-29.
	a, code := cube(t, c, PathUpstreamMsgWeek, "2024-04-01", "2024-04-22")
	require.Zero(t, code)
	require.Len(t, a.List, 4*2)
	assert.Equal(t, map[string]any{"ref_date": "2024-04-08", "msg_type": 1.0, "msg_user": 14.0, "msg_count": 21.0}, a.List[2])
	assert.Equal(t, map[string]any{"ref_date": "2024-04-08", "msg_type": 2.0, "msg_user": 7.0, "msg_count": 7.0}, a.List[3])

	a, _ = cube(t, c, PathUpstreamMsgMonth, "2024-04-01", "2024-04-05")
	assert.Equal(t, []map[string]any{
		{"ref_date": "2024-04-01", "msg_type": 1.0, "msg_user": 60.0, "msg_count": 90.0},
		{"ref_date": "2024-04-01", "msg_type": 2.0, "msg_user": 30.0, "msg_count": 30.0},
	}, a.List)
	a, _ = cube(t, c, PathUpstreamMsgMonth, "2024-04-02", "2024-04-30")
	assert.Empty(t, a.List, "no first day of a month in the span")

	a, _ = cube(t, c, PathUpstreamMsgDistWeek, "2024-04-14", "2024-04-15")
	assert.Equal(t, []map[string]any{{"ref_date": "2024-04-15", "count_interval": 1.0, "msg_user": 14.0}}, a.List)
	a, _ = cube(t, c, PathUpstreamMsgDistMonth, "2024-04-01", "2024-04-01")
	assert.Equal(t, []map[string]any{{"ref_date": "2024-04-01", "count_interval": 1.0, "msg_user": 60.0}}, a.List)

	// A week or month not over yet has no row.
	today := chinaDay(time.Now())
	monday := today.AddDate(0, 0, -((int(today.Weekday()) + 6) % 7)) // this week's Monday
	if monday.Before(today) {
		a, code = cube(t, c, PathUpstreamMsgWeek, monday.Format(time.DateOnly), monday.Format(time.DateOnly))
		require.Zero(t, code)
		assert.Empty(t, a.List, "this week is not over")
	}
	first := chinaDate(today.Year(), today.Month(), 1)
	if first.Before(today) {
		a, code = cube(t, c, PathUpstreamMsgDistMonth, first.Format(time.DateOnly), first.Format(time.DateOnly))
		require.Zero(t, code)
		assert.Empty(t, a.List, "this month is not over")
	}
}

func TestAnalyticsBefore2014HaveNoRows(t *testing.T) {
	t.Parallel()
	_, c := userClient(t)
	a, code := cube(t, c, PathUserSummary, "2014-11-28", "2014-12-01")
	require.Zero(t, code)
	require.Len(t, a.List, 5, "2014-12-01 only")
	assert.Equal(t, "2014-12-01", a.List[0]["ref_date"])
}
