package wegotest

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/wego-sdk/wego"
)

// Paths of the analytics endpoints (数据统计) the fake serves.
const (
	PathUserSummary          = "/datacube/getusersummary"
	PathUserCumulate         = "/datacube/getusercumulate"
	PathArticleSummary       = "/datacube/getarticlesummary"
	PathArticleTotal         = "/datacube/getarticletotal"
	PathUserRead             = "/datacube/getuserread"
	PathUserReadHour         = "/datacube/getuserreadhour"
	PathUserShare            = "/datacube/getusershare"
	PathUserShareHour        = "/datacube/getusersharehour"
	PathInterfaceSummary     = "/datacube/getinterfacesummary"
	PathInterfaceSummaryHour = "/datacube/getinterfacesummaryhour"
	PathUpstreamMsg          = "/datacube/getupstreammsg"
	PathUpstreamMsgHour      = "/datacube/getupstreammsghour"
	PathUpstreamMsgWeek      = "/datacube/getupstreammsgweek"
	PathUpstreamMsgMonth     = "/datacube/getupstreammsgmonth"
	PathUpstreamMsgDist      = "/datacube/getupstreammsgdist"
	PathUpstreamMsgDistWeek  = "/datacube/getupstreammsgdistweek"
	PathUpstreamMsgDistMonth = "/datacube/getupstreammsgdistmonth"
)

// analyticsMaxDays is the most days a request to an analytics endpoint
// spans, begin_date and end_date included, as WeChat's list of each
// group of endpoints gives it.
func analyticsMaxDays(path string) int {
	switch path {
	case PathArticleSummary, PathArticleTotal, PathUserReadHour, PathUserShareHour,
		PathInterfaceSummaryHour, PathUpstreamMsgHour:
		return 1
	case PathUserRead:
		return 3
	case PathUserSummary, PathUserCumulate, PathUserShare, PathUpstreamMsg:
		return 7
	case PathUpstreamMsgDist:
		return 15
	}
	return 30 // getinterfacesummary, and the weeks and months of messages
}

// WeChat's analytics codes.
const (
	codeDateFormat = 61500 // date format error
	codeDateRange  = 61501 // date range error
)

// analyticsFirstDay is the first day WeChat keeps analytics of.
var analyticsFirstDay = time.Date(2014, time.December, 1, 0, 0, 0, 0, chinaTime)

// AnalyticsDay is what the fake account's analytics tell of one day, in
// wego's types: what the datacube endpoints answer for it. The Date of
// each row is answered as the day's; Hour, StatDate and the rest as they
// are.
type AnalyticsDay struct {
	// Date is the day, at midnight China Standard Time.
	Date time.Time

	UserSummary  []wego.UserSummary // getusersummary
	CumulateUser int                // getusercumulate: followers at the end of the day

	ArticleSummary []wego.ArticleSummary // getarticlesummary: the articles read that day
	ArticleTotal   []wego.ArticleTotal   // getarticletotal: the articles sent that day
	UserRead       []wego.UserRead       // getuserread
	UserReadHour   []wego.UserReadHour   // getuserreadhour
	UserShare      []wego.UserShare      // getusershare
	UserShareHour  []wego.UserShareHour  // getusersharehour

	// InterfaceSummary is getinterfacesummary's row; a zero one is no row.
	InterfaceSummary     wego.InterfaceSummary
	InterfaceSummaryHour []wego.InterfaceSummaryHour // getinterfacesummaryhour

	// UpstreamMsg is getupstreammsg's rows; the weeks and months
	// (getupstreammsgweek, getupstreammsgmonth) add them up by MsgType.
	UpstreamMsg     []wego.UpstreamMsg
	UpstreamMsgHour []wego.UpstreamMsgHour // getupstreammsghour
	// UpstreamMsgDist is getupstreammsgdist's rows; the weeks and months
	// add up MsgUser by CountInterval.
	UpstreamMsgDist []wego.UpstreamMsgDist
}

// clone returns a copy of d sharing no slice with it.
func (d AnalyticsDay) clone() AnalyticsDay {
	d.UserSummary = slices.Clone(d.UserSummary)
	d.ArticleSummary = slices.Clone(d.ArticleSummary)
	d.ArticleTotal = slices.Clone(d.ArticleTotal)
	for i := range d.ArticleTotal {
		d.ArticleTotal[i].Details = slices.Clone(d.ArticleTotal[i].Details)
	}
	d.UserRead = slices.Clone(d.UserRead)
	d.UserReadHour = slices.Clone(d.UserReadHour)
	d.UserShare = slices.Clone(d.UserShare)
	d.UserShareHour = slices.Clone(d.UserShareHour)
	d.InterfaceSummaryHour = slices.Clone(d.InterfaceSummaryHour)
	d.UpstreamMsg = slices.Clone(d.UpstreamMsg)
	d.UpstreamMsgHour = slices.Clone(d.UpstreamMsgHour)
	d.UpstreamMsgDist = slices.Clone(d.UpstreamMsgDist)
	return d
}

// checkHours refuses an hour that is not 0 to 23.
func (d AnalyticsDay) checkHours() error {
	var hours []int
	for _, r := range d.UserReadHour {
		hours = append(hours, r.Hour)
	}
	for _, r := range d.UserShareHour {
		hours = append(hours, r.Hour)
	}
	for _, r := range d.InterfaceSummaryHour {
		hours = append(hours, r.Hour)
	}
	for _, r := range d.UpstreamMsgHour {
		hours = append(hours, r.Hour)
	}
	for _, h := range hours {
		if h < 0 || h >= hoursPerDay {
			return fmt.Errorf("wegotest: SetAnalytics: hour %d is not 0 to 23", h)
		}
	}
	return nil
}

// analyticsState is the days a test set; the others are generated.
type analyticsState struct {
	mu       sync.Mutex
	set      map[time.Time]AnalyticsDay // by the day's midnight in China
	cumulate []int                      // followers at the end of each generated day, by days since 2014-12-01, as far as asked
}

func (s *Server) initAnalytics() {
	s.analytics.set = make(map[time.Time]AnalyticsDay)
	for _, p := range []string{
		PathUserSummary, PathUserCumulate, PathArticleSummary, PathArticleTotal, PathUserRead,
		PathUserReadHour, PathUserShare, PathUserShareHour, PathInterfaceSummary, PathInterfaceSummaryHour,
		PathUpstreamMsg, PathUpstreamMsgHour, PathUpstreamMsgWeek, PathUpstreamMsgMonth,
		PathUpstreamMsgDist, PathUpstreamMsgDistWeek, PathUpstreamMsgDistMonth,
	} {
		routePost(s, p, func(req *dateRangeRequest) (any, int) { return s.serveAnalytics(p, req) })
	}
}

// chinaDay is the day t falls on in China, at midnight there.
func chinaDay(t time.Time) time.Time {
	y, m, d := t.In(chinaTime).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, chinaTime)
}

// Analytics returns what the fake's analytics tell of the day t falls on
// in China Standard Time: the day [Server.SetAnalytics] set, or else the
// generated one. Nothing is kept of the days before 2014-12-01, as on
// WeChat: their AnalyticsDay is empty. The result is a copy.
//
// A generated day is a function of its date alone, the same on every
// server and in every run, and its numbers add up as a reader expects:
// the daily rows of getuserread, getusershare, getinterfacesummary and
// getupstreammsg are the sums of their hourly rows (the longest answer
// for max_time_cost), getuserread's user_source 99999999 is the sum of
// its other sources, CumulateUser is the day before's plus the day's
// new_user less its cancel_user, an article's getarticletotal details add
// up its getarticlesummary rows day by day and split its reads by source
// (session, message history, Moments, friends, other) without remainder.
// One or two articles go out each day, msgid "<2247480000 + days since
// 2014-12-01>_<1 or 2>", and are read for 7 days (their details stop at
// yesterday).
func (s *Server) Analytics(t time.Time) AnalyticsDay {
	day := chinaDay(t)
	a := &s.analytics
	a.mu.Lock()
	defer a.mu.Unlock()
	if d, ok := a.set[day]; ok {
		return d.clone()
	}
	return a.generated(day, chinaDay(time.Now()))
}

// SetAnalytics replaces what the fake's analytics tell of d.Date's day
// in China Standard Time with d: whatever d leaves empty, the endpoints
// answer nothing for that day (start from [Server.Analytics] to change a
// part only). The generated days around it stay as they were. It returns
// an error, and changes nothing, for a zero Date, a day before
// 2014-12-01, or an Hour other than 0 to 23. The fake keeps a copy.
func (s *Server) SetAnalytics(d AnalyticsDay) error {
	if d.Date.IsZero() {
		return errors.New("wegotest: SetAnalytics: Date is zero")
	}
	day := chinaDay(d.Date)
	if day.Before(analyticsFirstDay) {
		return fmt.Errorf("wegotest: SetAnalytics: %s is before 2014-12-01, the first day WeChat keeps analytics of", day.Format(time.DateOnly))
	}
	if err := d.checkHours(); err != nil {
		return err
	}
	d = d.clone()
	d.Date = day
	a := &s.analytics
	a.mu.Lock()
	a.set[day] = d
	a.mu.Unlock()
	return nil
}

// day returns the day as the endpoints answer it; a.mu is held.
func (a *analyticsState) day(day, today time.Time) AnalyticsDay {
	if d, ok := a.set[day]; ok {
		return d
	}
	return a.generated(day, today)
}

// dateRangeRequest is the body of every analytics request.
type dateRangeRequest struct {
	BeginDate string `json:"begin_date"`
	EndDate   string `json:"end_date"`
}

// serveAnalytics answers an analytics request to path as WeChat does: a
// date that is not yyyy-MM-dd is 61500 (date format error); begin after
// end, more days than path takes, or an end that is not before today in
// China is 61501 (date range error). The days before 2014-12-01 have no
// rows.
func (s *Server) serveAnalytics(path string, req *dateRangeRequest) (any, int) {
	begin, err1 := time.ParseInLocation(time.DateOnly, req.BeginDate, chinaTime)
	end, err2 := time.ParseInLocation(time.DateOnly, req.EndDate, chinaTime)
	if err1 != nil || err2 != nil {
		return nil, codeDateFormat
	}
	today := chinaDay(time.Now())
	if begin.After(end) || daysFrom(begin, end)+1 > analyticsMaxDays(path) || !end.Before(today) {
		return nil, codeDateRange
	}
	a := &s.analytics
	a.mu.Lock()
	defer a.mu.Unlock()
	var list []any
	switch path {
	case PathUpstreamMsgWeek, PathUpstreamMsgMonth, PathUpstreamMsgDistWeek, PathUpstreamMsgDistMonth:
		list = a.periodRows(path, begin, end, today)
	default:
		for d := later(begin, analyticsFirstDay); !d.After(end); d = d.AddDate(0, 0, 1) {
			list = append(list, dayRows(path, a.day(d, today), d)...)
		}
	}
	if list == nil {
		list = []any{}
	}
	return map[string]any{"list": list}, 0
}

// later returns the later of two times.
func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// daysFrom is the number of days from a to b, midnights in chinaTime.
func daysFrom(a, b time.Time) int {
	return int(b.Sub(a) / (24 * time.Hour))
}

// dayRows returns the rows path answers for the day d of date, in
// WeChat's form.
func dayRows(path string, d AnalyticsDay, date time.Time) []any {
	ref := date.Format(time.DateOnly)
	var rows []any
	switch path {
	case PathUserSummary:
		for _, r := range d.UserSummary {
			rows = append(rows, userSummaryJSON{ref, r.UserSource, r.NewUser, r.CancelUser})
		}
	case PathUserCumulate:
		rows = append(rows, userCumulateJSON{ref, d.CumulateUser})
	case PathArticleSummary:
		for _, r := range d.ArticleSummary {
			rows = append(rows, articleSummaryJSON{ref, r.MsgID, r.Title, readStatsJSON(r.ReadStats)})
		}
	case PathArticleTotal:
		for _, r := range d.ArticleTotal {
			rows = append(rows, articleTotalJSON(ref, r))
		}
	case PathUserRead:
		for _, r := range d.UserRead {
			rows = append(rows, userReadJSON{ref, r.UserSource, readStatsJSON(r.ReadStats)})
		}
	case PathUserReadHour:
		for _, r := range d.UserReadHour {
			rows = append(rows, userReadHourJSON{ref, r.Hour * 100, r.UserSource, readStatsJSON(r.ReadStats)})
		}
	case PathUserShare:
		for _, r := range d.UserShare {
			rows = append(rows, userShareJSON{ref, r.ShareScene, r.ShareCount, r.ShareUser})
		}
	case PathUserShareHour:
		for _, r := range d.UserShareHour {
			rows = append(rows, userShareHourJSON{ref, r.Hour * 100, r.ShareScene, r.ShareCount, r.ShareUser})
		}
	case PathInterfaceSummary:
		if r := d.InterfaceSummary; r != (wego.InterfaceSummary{Date: r.Date}) {
			rows = append(rows, interfaceSummaryJSON{ref, r.CallbackCount, r.FailCount, r.TotalTimeCost.Milliseconds(), r.MaxTimeCost.Milliseconds()})
		}
	case PathInterfaceSummaryHour:
		for _, r := range d.InterfaceSummaryHour {
			rows = append(rows, interfaceSummaryHourJSON{ref, r.Hour * 100, r.CallbackCount, r.FailCount, r.TotalTimeCost.Milliseconds(), r.MaxTimeCost.Milliseconds()})
		}
	case PathUpstreamMsg:
		for _, r := range d.UpstreamMsg {
			rows = append(rows, upstreamMsgJSON{ref, r.MsgType, r.MsgUser, r.MsgCount})
		}
	case PathUpstreamMsgHour:
		for _, r := range d.UpstreamMsgHour {
			rows = append(rows, upstreamMsgHourJSON{ref, r.Hour * 100, r.MsgType, r.MsgUser, r.MsgCount})
		}
	case PathUpstreamMsgDist:
		for _, r := range d.UpstreamMsgDist {
			rows = append(rows, upstreamMsgDistJSON{ref, r.CountInterval, r.MsgUser})
		}
	}
	return rows
}

// periodRows answers the weeks and months of getupstreammsg and
// getupstreammsgdist: a row for each week (month) whose Monday (first
// day) lies from begin to end and that is over before today, dated that
// Monday (first day), adding up its days' rows by type (interval), as
// WeChat dates them.
func (a *analyticsState) periodRows(path string, begin, end, today time.Time) []any {
	week := path == PathUpstreamMsgWeek || path == PathUpstreamMsgDistWeek
	var rows []any
	for start := later(begin, analyticsFirstDay); !start.After(end); start = start.AddDate(0, 0, 1) {
		var next time.Time
		switch {
		case week && start.Weekday() == time.Monday:
			next = start.AddDate(0, 0, 7)
		case !week && start.Day() == 1:
			next = start.AddDate(0, 1, 0)
		default:
			continue
		}
		if next.After(today) { // the period's last day is today or later
			continue
		}
		ref := start.Format(time.DateOnly)
		sums := map[int][2]int{} // type or interval → users, messages
		for d := start; d.Before(next); d = d.AddDate(0, 0, 1) {
			day := a.day(d, today)
			if path == PathUpstreamMsgWeek || path == PathUpstreamMsgMonth {
				for _, r := range day.UpstreamMsg {
					s := sums[r.MsgType]
					sums[r.MsgType] = [2]int{s[0] + r.MsgUser, s[1] + r.MsgCount}
				}
				continue
			}
			for _, r := range day.UpstreamMsgDist {
				s := sums[r.CountInterval]
				sums[r.CountInterval] = [2]int{s[0] + r.MsgUser}
			}
		}
		keys := make([]int, 0, len(sums))
		for k := range sums {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			if path == PathUpstreamMsgWeek || path == PathUpstreamMsgMonth {
				rows = append(rows, upstreamMsgJSON{ref, k, sums[k][0], sums[k][1]})
			} else {
				rows = append(rows, upstreamMsgDistJSON{ref, k, sums[k][0]})
			}
		}
	}
	return rows
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

func articleTotalJSON(ref string, r wego.ArticleTotal) map[string]any {
	details := make([]map[string]any, len(r.Details))
	for i, x := range r.Details {
		details[i] = map[string]any{
			"stat_date":                         x.StatDate.In(chinaTime).Format(time.DateOnly),
			"target_user":                       x.TargetUser,
			"int_page_read_user":                x.IntPageReadUser,
			"int_page_read_count":               x.IntPageReadCount,
			"ori_page_read_user":                x.OriPageReadUser,
			"ori_page_read_count":               x.OriPageReadCount,
			"share_user":                        x.ShareUser,
			"share_count":                       x.ShareCount,
			"add_to_fav_user":                   x.AddToFavUser,
			"add_to_fav_count":                  x.AddToFavCount,
			"int_page_from_session_read_user":   x.IntPageFromSessionReadUser,
			"int_page_from_session_read_count":  x.IntPageFromSessionReadCount,
			"int_page_from_hist_msg_read_user":  x.IntPageFromHistMsgReadUser,
			"int_page_from_hist_msg_read_count": x.IntPageFromHistMsgReadCount,
			"int_page_from_feed_read_user":      x.IntPageFromFeedReadUser,
			"int_page_from_feed_read_count":     x.IntPageFromFeedReadCount,
			"int_page_from_friends_read_user":   x.IntPageFromFriendsReadUser,
			"int_page_from_friends_read_count":  x.IntPageFromFriendsReadCount,
			"int_page_from_other_read_user":     x.IntPageFromOtherReadUser,
			"int_page_from_other_read_count":    x.IntPageFromOtherReadCount,
			"feed_share_from_session_user":      x.FeedShareFromSessionUser,
			"feed_share_from_session_cnt":       x.FeedShareFromSessionCount,
			"feed_share_from_feed_user":         x.FeedShareFromFeedUser,
			"feed_share_from_feed_cnt":          x.FeedShareFromFeedCount,
			"feed_share_from_other_user":        x.FeedShareFromOtherUser,
			"feed_share_from_other_cnt":         x.FeedShareFromOtherCount,
		}
	}
	return map[string]any{"ref_date": ref, "msgid": r.MsgID, "title": r.Title, "details": details}
}

type userReadJSON struct {
	RefDate    string `json:"ref_date"`
	UserSource int    `json:"user_source"`
	readStatsJSON
}

type userReadHourJSON struct {
	RefDate    string `json:"ref_date"`
	RefHour    int    `json:"ref_hour"`
	UserSource int    `json:"user_source"`
	readStatsJSON
}

type userShareJSON struct {
	RefDate    string `json:"ref_date"`
	ShareScene int    `json:"share_scene"`
	ShareCount int    `json:"share_count"`
	ShareUser  int    `json:"share_user"`
}

type userShareHourJSON struct {
	RefDate    string `json:"ref_date"`
	RefHour    int    `json:"ref_hour"`
	ShareScene int    `json:"share_scene"`
	ShareCount int    `json:"share_count"`
	ShareUser  int    `json:"share_user"`
}

type interfaceSummaryJSON struct {
	RefDate       string `json:"ref_date"`
	CallbackCount int    `json:"callback_count"`
	FailCount     int    `json:"fail_count"`
	TotalTimeCost int64  `json:"total_time_cost"`
	MaxTimeCost   int64  `json:"max_time_cost"`
}

type interfaceSummaryHourJSON struct {
	RefDate       string `json:"ref_date"`
	RefHour       int    `json:"ref_hour"`
	CallbackCount int    `json:"callback_count"`
	FailCount     int    `json:"fail_count"`
	TotalTimeCost int64  `json:"total_time_cost"`
	MaxTimeCost   int64  `json:"max_time_cost"`
}

type upstreamMsgJSON struct {
	RefDate  string `json:"ref_date"`
	MsgType  int    `json:"msg_type"`
	MsgUser  int    `json:"msg_user"`
	MsgCount int    `json:"msg_count"`
}

type upstreamMsgHourJSON struct {
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
