package wego_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"testing"

	"github.com/wego-sdk/wego"
)

const (
	benchOpenID = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"
	benchToken  = "ACCESS_TOKEN_0123456789abcdef0123456789abcdef01234567"
)

// A user as WeChat's page on user/info shows one.
const benchUser = `{"subscribe":1,"openid":"oUpF8uMuAJO_M2pxb1Q9zNjWeS6o","language":"zh_CN","subscribe_time":1382694957,` +
	`"unionid":"o6_bmasdasdsad6_2sgVt7hMZOPfL","remark":"","groupid":0,"tagid_list":[128,2],` +
	`"subscribe_scene":"ADD_SCENE_QR_CODE","qr_scene":98765,"qr_scene_str":""}`

// benchServer answers the token endpoint and the given paths with fixed
// bodies, as cheaply as an HTTP server can, so that the benchmarks weigh
// the client.
func benchServer(b *testing.B, answer func(r *http.Request) []byte) *httptest.Server {
	b.Helper()
	token := []byte(`{"access_token":"` + benchToken + `","expires_in":7200}`)
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		if r.URL.Path == "/cgi-bin/stable_token" {
			_, _ = w.Write(token)
			return
		}
		_, _ = w.Write(answer(r))
	}))
	b.Cleanup(ts.Close)
	return ts
}

func benchClient(b *testing.B, ts *httptest.Server) *wego.Client {
	b.Helper()
	c, err := wego.NewClient(wego.Settings{AppID: "wx1", AppSecret: "secret", BaseURL: ts.URL, HTTPClient: ts.Client()})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := c.AccessToken(context.Background()); err != nil { // cached from here on
		b.Fatal(err)
	}
	return c
}

func userInfoBenchServer(b *testing.B) *httptest.Server {
	body := []byte(benchUser)
	return benchServer(b, func(*http.Request) []byte { return body })
}

// One GetExtUserInfo through the SDK: the cached token, the request, the
// errcode check, the decoding into a WeChatUser.
func BenchmarkGetExtUserInfo(b *testing.B) {
	c := benchClient(b, userInfoBenchServer(b))
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		u, err := c.GetExtUserInfo(ctx, benchOpenID)
		if err != nil || u.OpenID != benchOpenID {
			b.Fatal(u, err)
		}
	}
}

// The same call written with net/http and encoding/json only, a token at
// hand: what the SDK is measured against.
func BenchmarkGetExtUserInfoBaseline(b *testing.B) {
	ts := userInfoBenchServer(b)
	hc := ts.Client()
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		q := url.Values{"access_token": {benchToken}, "openid": {benchOpenID}}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, ts.URL+"/cgi-bin/user/info?"+q.Encode(), nil)
		if err != nil {
			b.Fatal(err)
		}
		resp, err := hc.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		var u struct {
			ErrCode        int    `json:"errcode"`
			ErrMsg         string `json:"errmsg"`
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
		err = json.NewDecoder(resp.Body).Decode(&u)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK || u.ErrCode != 0 || u.OpenID != benchOpenID {
			b.Fatal(u, err)
		}
	}
}

// followersBenchServer answers user/get for n followers, 10000 a page as
// WeChat does, from pages encoded beforehand.
func followersBenchServer(b *testing.B, n int) *httptest.Server {
	pages := map[string][]byte{}
	next := ""
	for start := 0; ; start += 10000 {
		ids := make([]string, 0, 10000)
		for i := start; i < min(start+10000, n); i++ {
			ids = append(ids, fmt.Sprintf("oWegoBench%018d", i))
		}
		p := map[string]any{"total": n, "count": len(ids), "next_openid": ""}
		if len(ids) > 0 {
			p["data"] = map[string]any{"openid": ids}
			p["next_openid"] = ids[len(ids)-1]
		}
		body, err := json.Marshal(p)
		if err != nil {
			b.Fatal(err)
		}
		pages[next] = body
		if len(ids) == 0 {
			break
		}
		next = ids[len(ids)-1]
	}
	return benchServer(b, func(r *http.Request) []byte { return pages[r.URL.Query().Get("next_openid")] })
}

// Followers walks 250,000 followers, 25 pages and the empty one that ends
// the walk. B/op grows with the followers read (each openid is a string
// handed to the caller); B/follower says how much, and peak-live-B/op is
// the most the heap held at once beyond what it held before the walk,
// measured after a collection in the middle of every page: about one
// page, where a list of all 250,000 would be some 12 MB.
func BenchmarkFollowers(b *testing.B) {
	const n = 250000
	c := benchClient(b, followersBenchServer(b, n))
	ctx := context.Background()
	walk := func(each func(i int)) {
		i := 0
		for _, err := range c.Followers(ctx) {
			if err != nil {
				b.Fatal(err)
			}
			each(i)
			i++
		}
		if i != n {
			b.Fatalf("%d followers, want %d", i, n)
		}
	}

	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		walk(func(int) {})
	}
	b.StopTimer()
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/float64(b.N)/n, "B/follower")

	// Once more, outside the timing, with a collection in each page.
	var m runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m)
	base, peak := m.HeapAlloc, uint64(0)
	walk(func(i int) {
		if i%10000 == 5000 {
			runtime.GC()
			runtime.ReadMemStats(&m)
			if m.HeapAlloc > base {
				peak = max(peak, m.HeapAlloc-base)
			}
		}
	})
	b.ReportMetric(float64(peak), "peak-live-B/op")
}
