package wego_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/wego-sdk/wego"
	"github.com/wego-sdk/wego/wegotest"
)

// The followers an account gained and lost each day of a week, all
// sources together. In production the days would be relative to today,
// e.g. the last seven days up to yesterday in China.
func ExampleClient_GetVariationNumberOfUser() {
	srv := wegotest.NewServer() // a fake WeChat with a history of analytics; use your own Settings in production
	defer srv.Close()
	c, err := wego.NewClient(srv.Settings())
	if err != nil {
		panic(err)
	}

	begin := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC) // 2024-05-01 in China
	rows, err := c.GetVariationNumberOfUser(context.Background(), begin, begin.AddDate(0, 0, 6))
	if err != nil {
		panic(err)
	}
	type change struct{ gained, lost int }
	var days []time.Time
	byDay := map[time.Time]*change{}
	for _, r := range rows { // a row per day and source
		ch := byDay[r.Date]
		if ch == nil {
			ch = &change{}
			byDay[r.Date] = ch
			days = append(days, r.Date)
		}
		ch.gained += r.NewUser
		ch.lost += r.CancelUser
	}
	for _, d := range days {
		fmt.Printf("%s +%d -%d\n", d.Format(time.DateOnly), byDay[d].gained, byDay[d].lost)
	}
	// Output:
	// 2024-05-01 +97 -24
	// 2024-05-02 +105 -26
	// 2024-05-03 +117 -26
	// 2024-05-04 +77 -32
	// 2024-05-05 +97 -29
	// 2024-05-06 +131 -37
	// 2024-05-07 +111 -22
}

// A month of followers, asked seven days at a time: getusercumulate takes
// at most 7 days a call, and a longer span is refused before anything is
// sent.
func ExampleClient_GetUserCumulate() {
	srv := wegotest.NewServer()
	defer srv.Close()
	c, _ := wego.NewClient(srv.Settings())
	ctx := context.Background()
	first := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	last := time.Date(2024, 5, 31, 0, 0, 0, 0, time.UTC)

	_, err := c.GetUserCumulate(ctx, first, last)
	fmt.Println(errors.Is(err, wego.ErrInvalidParameter), srv.Requests(wegotest.PathUserCumulate))
	fmt.Println(err)

	var month []wego.UserCumulate
	for begin := first; !begin.After(last); begin = begin.AddDate(0, 0, 7) {
		end := begin.AddDate(0, 0, 6)
		if end.After(last) {
			end = last
		}
		rows, err := c.GetUserCumulate(ctx, begin, end)
		if err != nil {
			panic(err)
		}
		month = append(month, rows...)
	}
	fmt.Println(len(month), "days in", srv.Requests(wegotest.PathUserCumulate), "requests")
	fmt.Println("from", month[0].CumulateUser, "to", month[len(month)-1].CumulateUser, "followers")
	// Output:
	// true 0
	// wego: invalid parameter: dates: datacube/getusercumulate takes at most 7 days a call; 2024-05-01 to 2024-05-31 is 31 days
	// 31 days in 5 requests
	// from 252420 to 254492 followers
}

// The hour of the day when most people read the account's articles.
// Hours are China's, 0 to 23.
func ExampleClient_GetUserReadHour() {
	srv := wegotest.NewServer()
	defer srv.Close()
	c, _ := wego.NewClient(srv.Settings())

	day := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	rows, err := c.GetUserReadHour(context.Background(), day, day) // one day a call
	if err != nil {
		panic(err)
	}
	busiest := wego.UserReadHour{}
	for _, r := range rows {
		if r.UserSource == 99999999 && r.IntPageReadUser > busiest.IntPageReadUser { // all sources together
			busiest = r
		}
	}
	fmt.Printf("%02d:00 to %02d:59, %d readers\n", busiest.Hour, busiest.Hour, busiest.IntPageReadUser)
	// Output: 16:00 to 16:59, 173 readers
}

// How an article sent on a day was read in its first week, and where its
// readers came from.
func ExampleClient_GetArticleTotal() {
	srv := wegotest.NewServer()
	defer srv.Close()
	c, _ := wego.NewClient(srv.Settings())

	sent := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	articles, err := c.GetArticleTotal(context.Background(), sent, sent)
	if err != nil {
		panic(err)
	}
	a := articles[0]
	week := a.Details[len(a.Details)-1] // totals up to the last day WeChat counts
	fmt.Println(a.MsgID, a.Title)
	fmt.Printf("to %s: %d readers of %d followers, %d from chats, %d from Moments\n",
		week.StatDate.Format(time.DateOnly), week.IntPageReadUser, week.TargetUser,
		week.IntPageFromSessionReadUser, week.IntPageFromFeedReadUser)
	// Output:
	// 2247483439_1 Article 1 of 2024-05-01
	// to 2024-05-07: 2286 readers of 252420 followers, 1143 from chats, 339 from Moments
}

// WeChat's own refusal of a span, as the raw layer sends it unchecked:
// errcode 61501, explained as Python wego explained it.
func ExampleAPIError_dateRange() {
	srv := wegotest.NewServer()
	defer srv.Close()
	c, _ := wego.NewClient(srv.Settings())

	_, err := c.WeChat.DatacubeGetUserRead(context.Background(), "2024-05-01", "2024-05-04") // getuserread takes 3 days
	var ae *wego.APIError
	if errors.As(err, &ae) && ae.Code == wego.CodeDateRangeError {
		fmt.Println("WeChat says: too many days")
	}
	// Output: WeChat says: too many days
}
