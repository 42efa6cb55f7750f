package wegotest

import (
	"fmt"
	"strconv"
	"time"

	"github.com/wego-sdk/wego"
)

// The generated analytics: every number is a function of the day (n, its
// days since 2014-12-01), of what is counted (kind) and of which row
// (sub), so that a day reads the same on every server and in every run.

// The sources, scenes, types and intervals the generated days have rows for.
var (
	genUserSources = []int{0, 1, 17, 30, 57} // getusersummary: others, search, business card, QR code, article
	genReadSources = []int{0, 2, 4}          // getuserread: chat, Moments, message history; then readAll
	genShareScenes = []int{1, 2, 255}        // getusershare: a friend, Moments, elsewhere
	genMsgTypes    = []int{1, 2, 3}          // getupstreammsg: text, image, voice
	genIntervals   = []int{1, 2, 3}          // getupstreammsgdist: 1-5, 6-10, more than 10 messages
)

const (
	readAll        = 99999999   // getuserread's user_source of all sources together
	genFollowers0  = 10000      // followers at the start of 2014-12-01
	genMsgIDBase   = 2247480000 // the msg_data_id of the articles sent on 2014-12-01; one more each day
	genArticleDays = 7          // an article is read, and getarticletotal details it, 7 days from its sending
	hoursPerDay    = 24
)

// What a generated number counts, for pick.
const (
	kindNewUser = iota + 1
	kindCancelUser
	kindArticles
	kindArticleReads
	kindRead
	kindShare
	kindCallbacks
	kindFails
	kindTimeCost
	kindMaxTime
	kindMsgUser
	kindMsgExtra
	kindDist
)

// pick returns a number from lo to hi that depends on n, kind and sub
// alone (sub below 65536): splitmix64 of the three.
func pick(n, kind, sub, lo, hi int) int {
	if hi <= lo {
		return lo
	}
	z := uint64(n)<<32 ^ uint64(kind)<<16 ^ uint64(sub)
	z += 0x9E3779B97F4A7C15
	z = (z ^ z>>30) * 0xBF58476D1CE4E5B9
	z = (z ^ z>>27) * 0x94D049BB133111EB
	z ^= z >> 31
	return lo + int(z%uint64(hi-lo+1))
}

// busy is the most of something in hour h, out of most: an eighth at
// night, before 07:00.
func busy(h, most int) int {
	if h < 7 {
		return most / 8
	}
	return most
}

func genNewUser(n, src int) int    { return pick(n, kindNewUser, src, 0, 40) }
func genCancelUser(n, src int) int { return pick(n, kindCancelUser, src, 0, 12) }

// cumulateAt returns the followers at the end of generated day n; a.mu
// is held.
func (a *analyticsState) cumulateAt(n int) int {
	for len(a.cumulate) <= n {
		k := len(a.cumulate)
		total := genFollowers0
		if k > 0 {
			total = a.cumulate[k-1]
		}
		for _, src := range genUserSources {
			total += genNewUser(k, src) - genCancelUser(k, src)
		}
		a.cumulate = append(a.cumulate, total)
	}
	return a.cumulate[n]
}

// readStats is what u readers of articles do.
func readStats(u int) wego.ReadStats {
	ori, share, fav := u/8, u/15, u/25
	return wego.ReadStats{
		IntPageReadUser: u, IntPageReadCount: u + u/3,
		OriPageReadUser: ori, OriPageReadCount: ori + ori/4,
		ShareUser: share, ShareCount: share + share/2,
		AddToFavUser: fav, AddToFavCount: fav + fav/5,
	}
}

func addStats(to *wego.ReadStats, s wego.ReadStats) {
	to.IntPageReadUser += s.IntPageReadUser
	to.IntPageReadCount += s.IntPageReadCount
	to.OriPageReadUser += s.OriPageReadUser
	to.OriPageReadCount += s.OriPageReadCount
	to.ShareUser += s.ShareUser
	to.ShareCount += s.ShareCount
	to.AddToFavUser += s.AddToFavUser
	to.AddToFavCount += s.AddToFavCount
}

// genArticles is how many articles go out on day n: one or two.
func genArticles(n int) int { return 1 + pick(n, kindArticles, 0, 0, 1) }

func genMsgID(n, i int) string { return strconv.Itoa(genMsgIDBase+n) + "_" + strconv.Itoa(i) }

func genTitle(n, i int) string {
	return fmt.Sprintf("Article %d of %s", i, analyticsFirstDay.AddDate(0, 0, n).Format(time.DateOnly))
}

// genArticleRead is the reading of article i of day n on its day age
// (0 the day it was sent): halving each day.
func genArticleRead(n, i, age int) wego.ReadStats {
	return readStats(pick(n, kindArticleReads, i, 200, 2000) >> age)
}

// addDetail adds a day's reading s to an article's totals, its reads of
// the article page split by source without remainder, and half its
// shares counted as shares to Moments.
func addDetail(t *wego.ArticleTotalDetail, s wego.ReadStats) {
	addStats(&t.ReadStats, s)
	split := func(v int) (session, hist, feed, friends, other int) {
		session, hist, feed, friends = v/2, v/5, v*15/100, v/10
		return session, hist, feed, friends, v - session - hist - feed - friends
	}
	a, b, c, d, e := split(s.IntPageReadUser)
	t.IntPageFromSessionReadUser += a
	t.IntPageFromHistMsgReadUser += b
	t.IntPageFromFeedReadUser += c
	t.IntPageFromFriendsReadUser += d
	t.IntPageFromOtherReadUser += e
	a, b, c, d, e = split(s.IntPageReadCount)
	t.IntPageFromSessionReadCount += a
	t.IntPageFromHistMsgReadCount += b
	t.IntPageFromFeedReadCount += c
	t.IntPageFromFriendsReadCount += d
	t.IntPageFromOtherReadCount += e
	feed := func(v int) (session, fromFeed, other int) {
		v /= 2
		session, fromFeed = v/2, v/4
		return session, fromFeed, v - session - fromFeed
	}
	a, b, c = feed(s.ShareUser)
	t.FeedShareFromSessionUser += a
	t.FeedShareFromFeedUser += b
	t.FeedShareFromOtherUser += c
	a, b, c = feed(s.ShareCount)
	t.FeedShareFromSessionCount += a
	t.FeedShareFromFeedCount += b
	t.FeedShareFromOtherCount += c
}

// generated returns the generated day; a.mu is held. today bounds the
// details of getarticletotal.
func (a *analyticsState) generated(day, today time.Time) AnalyticsDay {
	d := AnalyticsDay{Date: day}
	if day.Before(analyticsFirstDay) {
		return d
	}
	n := daysFrom(analyticsFirstDay, day)

	for _, src := range genUserSources {
		d.UserSummary = append(d.UserSummary, wego.UserSummary{Date: day, UserSource: src, NewUser: genNewUser(n, src), CancelUser: genCancelUser(n, src)})
	}
	d.CumulateUser = a.cumulateAt(n)

	for sent := max(0, n-genArticleDays+1); sent <= n; sent++ {
		for i := 1; i <= genArticles(sent); i++ {
			d.ArticleSummary = append(d.ArticleSummary, wego.ArticleSummary{
				Date: day, MsgID: genMsgID(sent, i), Title: genTitle(sent, i), ReadStats: genArticleRead(sent, i, n-sent),
			})
		}
	}
	for i := 1; i <= genArticles(n); i++ {
		t := wego.ArticleTotal{Date: day, MsgID: genMsgID(n, i), Title: genTitle(n, i)}
		var total wego.ArticleTotalDetail
		for age := range genArticleDays {
			stat := day.AddDate(0, 0, age)
			if !stat.Before(today) {
				break
			}
			addDetail(&total, genArticleRead(n, i, age))
			total.StatDate, total.TargetUser = stat, d.CumulateUser
			t.Details = append(t.Details, total)
		}
		d.ArticleTotal = append(d.ArticleTotal, t)
	}

	reads := make([]wego.ReadStats, len(genReadSources)+1) // the day's, by source, then all
	shares := make([]wego.UserShare, len(genShareScenes))
	msgs := make([]wego.UpstreamMsg, len(genMsgTypes))
	for h := range hoursPerDay {
		var all wego.ReadStats
		for k, src := range genReadSources {
			s := readStats(pick(n, kindRead, h*300+src, 0, busy(h, 60)))
			d.UserReadHour = append(d.UserReadHour, wego.UserReadHour{Date: day, Hour: h, UserSource: src, ReadStats: s})
			addStats(&all, s)
			addStats(&reads[k], s)
		}
		d.UserReadHour = append(d.UserReadHour, wego.UserReadHour{Date: day, Hour: h, UserSource: readAll, ReadStats: all})
		addStats(&reads[len(genReadSources)], all)

		for k, scene := range genShareScenes {
			u := pick(n, kindShare, h*300+scene, 0, busy(h, 20))
			d.UserShareHour = append(d.UserShareHour, wego.UserShareHour{Date: day, Hour: h, ShareScene: scene, ShareCount: u + u/2, ShareUser: u})
			shares[k].ShareCount += u + u/2
			shares[k].ShareUser += u
		}

		calls := pick(n, kindCallbacks, h, 0, busy(h, 400))
		ih := wego.InterfaceSummaryHour{Date: day, Hour: h, CallbackCount: calls, FailCount: pick(n, kindFails, h, 0, calls/50)}
		if calls > 0 {
			mean := time.Duration(pick(n, kindTimeCost, h, 20, 300)) * time.Millisecond
			ih.TotalTimeCost = time.Duration(calls) * mean
			ih.MaxTimeCost = mean + time.Duration(pick(n, kindMaxTime, h, 0, 3000))*time.Millisecond
		}
		d.InterfaceSummaryHour = append(d.InterfaceSummaryHour, ih)
		d.InterfaceSummary.CallbackCount += ih.CallbackCount
		d.InterfaceSummary.FailCount += ih.FailCount
		d.InterfaceSummary.TotalTimeCost += ih.TotalTimeCost
		d.InterfaceSummary.MaxTimeCost = max(d.InterfaceSummary.MaxTimeCost, ih.MaxTimeCost)

		for k, typ := range genMsgTypes {
			u := pick(n, kindMsgUser, h*300+typ, 0, busy(h, 30))
			c := u + pick(n, kindMsgExtra, h*300+typ, 0, u)
			d.UpstreamMsgHour = append(d.UpstreamMsgHour, wego.UpstreamMsgHour{Date: day, Hour: h, MsgType: typ, MsgUser: u, MsgCount: c})
			msgs[k].MsgUser += u
			msgs[k].MsgCount += c
		}
	}
	for k, src := range append(genReadSources[:len(genReadSources):len(genReadSources)], readAll) {
		d.UserRead = append(d.UserRead, wego.UserRead{Date: day, UserSource: src, ReadStats: reads[k]})
	}
	for k, scene := range genShareScenes {
		shares[k].Date, shares[k].ShareScene = day, scene
	}
	d.UserShare = shares
	d.InterfaceSummary.Date = day
	for k, typ := range genMsgTypes {
		msgs[k].Date, msgs[k].MsgType = day, typ
	}
	d.UpstreamMsg = msgs
	for _, iv := range genIntervals {
		most := map[int]int{1: 200, 2: 30, 3: 10}[iv]
		d.UpstreamMsgDist = append(d.UpstreamMsgDist, wego.UpstreamMsgDist{Date: day, CountInterval: iv, MsgUser: pick(n, kindDist, iv, 0, most)})
	}
	return d
}
