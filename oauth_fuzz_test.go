package wego_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/jarcoal/httpmock"

	"github.com/wego-sdk/wego"
)

// FuzzLoginReturn feeds LoginRequired returns from WeChat (or from anyone)
// with any query and any cookie, against a session that has one login
// under way. Whatever comes, the middleware must answer with one of its
// statuses, never panic, and exchange a code only for that session's
// cookie carrying that login's state and a code.
//
//	go test -run '^$' -fuzz FuzzLoginReturn .
//
// In the query, STATE stands for the login's state; useCookie chooses
// between the session's cookie and the fuzzed one.
func FuzzLoginReturn(f *testing.F) {
	f.Add("code=C1&state=STATE", true, "")
	f.Add("code=C1&state=STATEx", true, "")
	f.Add("code=C1&state=STATE", false, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
	f.Add("state=STATE", true, "")
	f.Add("code=&state=STATE", true, "")
	f.Add("code=A&code=C1&state=WEGO&state=STATE", true, "")
	f.Add("code=C1&state=STATE&state=", true, "")
	f.Add("code=%zz&state=STATE", true, "")
	f.Add(";code=C1;state=STATE", true, "")
	f.Add("code=C1", false, "")
	f.Add("", false, "\x00\xff")

	var exchanges atomic.Int64
	mt := httpmock.NewMockTransport()
	mt.RegisterResponder(http.MethodGet, "https://api.weixin.qq.com"+pathOAuthToken, func(*http.Request) (*http.Response, error) {
		exchanges.Add(1)
		return httpmock.NewStringResponse(200, tokenAnswer), nil
	})
	mt.RegisterResponder(http.MethodGet, "https://api.weixin.qq.com"+pathSNSUserInfo,
		httpmock.NewStringResponder(200, profileAnswer))
	c, err := wego.NewClient(wego.Settings{AppID: "wx1", AppSecret: "secret", RegisterURL: "https://m.example.com",
		HTTPClient: &http.Client{Transport: mt}})
	if err != nil {
		f.Fatal(err)
	}
	h := c.LoginRequired(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, ok := wego.UserFrom(r.Context()); !ok {
			w.WriteHeader(http.StatusTeapot) // never: only users pass
		}
	}))

	f.Fuzz(func(t *testing.T, query string, useCookie bool, cookie string) {
		// A visitor starts a login: a session, a state.
		start := httptest.NewRecorder()
		c.RedirectForCode(start, httptest.NewRequest(http.MethodGet, "https://m.example.com/me?x=1", nil))
		if start.Code != http.StatusFound {
			t.Fatalf("start: %d", start.Code)
		}
		session := start.Result().Cookies()[0].Value
		auth, _ := url.Parse(start.Header().Get("Location"))
		state := auth.Query().Get("state")

		raw := strings.ReplaceAll(query, "STATE", state)
		req := httptest.NewRequest(http.MethodGet, "https://m.example.com/me", nil)
		req.URL.RawQuery = raw
		if useCookie {
			cookie = session
		}
		req.Header.Set("Cookie", "wego_session="+cookie)

		before := exchanges.Load()
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		exchanged := exchanges.Load() - before

		switch rec.Code {
		case http.StatusFound, http.StatusBadRequest, http.StatusForbidden, http.StatusBadGateway:
		default:
			t.Fatalf("status %d for %q", rec.Code, raw)
		}
		q, _ := url.ParseQuery(raw)
		mayExchange := cookie == session && lastOf(q, "state") == state && lastOf(q, "code") != ""
		if exchanged > 0 && !mayExchange {
			t.Fatalf("code exchanged for %q with cookie %q", raw, cookie)
		}
		if mayExchange && exchanged != 1 {
			t.Fatalf("a good return was not exchanged once: %d, status %d", exchanged, rec.Code)
		}
	})
}

func lastOf(q url.Values, key string) string {
	if v := q[key]; len(v) > 0 {
		return v[len(v)-1]
	}
	return ""
}
