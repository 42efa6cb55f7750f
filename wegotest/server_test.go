package wegotest

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type answer struct {
	AccessToken string   `json:"access_token"`
	ExpiresIn   int      `json:"expires_in"`
	ErrCode     int      `json:"errcode"`
	ErrMsg      string   `json:"errmsg"`
	IPList      []string `json:"ip_list"`
}

func getJSON(t *testing.T, s *Server, path string, q url.Values) answer {
	t.Helper()
	resp, err := s.ts.Client().Get(s.URL + path + "?" + q.Encode())
	require.NoError(t, err)
	defer resp.Body.Close()
	var a answer
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&a))
	return a
}

func stableToken(t *testing.T, s *Server, force bool) answer {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"grant_type": "client_credential", "appid": s.AppID, "secret": s.AppSecret, "force_refresh": force})
	resp, err := s.ts.Client().Post(s.URL+PathStableToken, "application/json", bytes.NewReader(body))
	require.NoError(t, err)
	defer resp.Body.Close()
	var a answer
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&a))
	return a
}

func classicToken(t *testing.T, s *Server) answer {
	return getJSON(t, s, PathToken, url.Values{"grant_type": {"client_credential"}, "appid": {s.AppID}, "secret": {s.AppSecret}})
}

func ips(t *testing.T, s *Server, tok string) answer {
	return getJSON(t, s, "/cgi-bin/getcallbackip", url.Values{"access_token": {tok}})
}

func TestStableTokenNormalModeSharesOneToken(t *testing.T) {
	t.Parallel()
	s := New(t)
	a, b := stableToken(t, s, false), stableToken(t, s, false)
	require.NotEmpty(t, a.AccessToken)
	assert.Equal(t, a.AccessToken, b.AccessToken)
	assert.Equal(t, 7200, a.ExpiresIn)
	assert.LessOrEqual(t, b.ExpiresIn, 7200)

	forced := stableToken(t, s, true)
	assert.NotEqual(t, a.AccessToken, forced.AccessToken)
	assert.Equal(t, 40001, ips(t, s, a.AccessToken).ErrCode, "force_refresh revokes the old token")
	assert.Equal(t, 0, ips(t, s, forced.AccessToken).ErrCode)
}

func TestStableTokenRenewsNearExpiry(t *testing.T) {
	t.Parallel()
	s := New(t)
	s.SetTokenTTL(2 * time.Second) // renewal window: the last second
	a := stableToken(t, s, false)
	time.Sleep(1100 * time.Millisecond)
	b := stableToken(t, s, false)
	assert.NotEqual(t, a.AccessToken, b.AccessToken)
	assert.Equal(t, 0, ips(t, s, a.AccessToken).ErrCode, "the old token lives until it expires")
	time.Sleep(1000 * time.Millisecond)
	assert.Equal(t, 42001, ips(t, s, a.AccessToken).ErrCode)
	assert.Equal(t, 0, ips(t, s, b.AccessToken).ErrCode)
}

func TestClassicTokenEachCallIssuesNew(t *testing.T) {
	t.Parallel()
	s := New(t)
	a, b := classicToken(t, s), classicToken(t, s)
	assert.NotEqual(t, a.AccessToken, b.AccessToken)
	assert.Equal(t, 0, ips(t, s, a.AccessToken).ErrCode, "the previous token overlaps for five minutes")
	s.mu.Lock()
	exp := s.tokens[a.AccessToken]
	s.mu.Unlock()
	assert.WithinDuration(t, time.Now().Add(classicOverlap), exp, 5*time.Second)
	assert.Equal(t, 2, s.TokenRequests())
}

func TestTokenEndpointsCheckCredentials(t *testing.T) {
	t.Parallel()
	s := New(t)
	bad := getJSON(t, s, PathToken, url.Values{"grant_type": {"client_credential"}, "appid": {s.AppID}, "secret": {"x"}})
	assert.Equal(t, 40125, bad.ErrCode)
	bad = getJSON(t, s, PathToken, url.Values{"grant_type": {"client_credential"}, "appid": {"wxother"}, "secret": {s.AppSecret}})
	assert.Equal(t, 40013, bad.ErrCode)
	bad = getJSON(t, s, PathToken, url.Values{"appid": {s.AppID}, "secret": {s.AppSecret}})
	assert.Equal(t, 40002, bad.ErrCode)
	assert.Empty(t, bad.AccessToken)
}

func TestAccessTokenChecks(t *testing.T) {
	t.Parallel()
	s := New(t)
	assert.Equal(t, 41001, ips(t, s, "").ErrCode)
	assert.Equal(t, 40001, ips(t, s, "made-up").ErrCode)
	tok := stableToken(t, s, false).AccessToken
	assert.Equal(t, []string{"127.0.0.1", "::1"}, ips(t, s, tok).IPList)
	s.ExpireTokens()
	assert.Equal(t, 42001, ips(t, s, tok).ErrCode)
}

func TestFailNextQueuesAndCounts(t *testing.T) {
	t.Parallel()
	s := New(t)
	tok := stableToken(t, s, false).AccessToken
	s.FailNext("/cgi-bin/getcallbackip", 45009)
	s.FailNext("/cgi-bin/getcallbackip", -1)
	assert.Equal(t, 45009, ips(t, s, tok).ErrCode)
	assert.Equal(t, -1, ips(t, s, tok).ErrCode)
	assert.Equal(t, 0, ips(t, s, tok).ErrCode)
	assert.Equal(t, 3, s.Requests("/cgi-bin/getcallbackip"))
	assert.Equal(t, 1, s.Requests(PathStableToken))
}

func TestFailNextAnswersWeChatsErrmsg(t *testing.T) {
	t.Parallel()
	s := New(t)
	tok := stableToken(t, s, false).AccessToken
	tests := map[int]string{
		-1:    "system error",
		40001: "invalid credential, access_token is invalid or not latest",
		40013: "invalid appid",
		40014: "invalid access_token",
		40164: "invalid ip 127.0.0.1 ipv6 ::ffff:127.0.0.1, not in whitelist",
		41001: "access_token missing",
		42001: "access_token expired",
		43004: "require subscribe",
		45009: "reach max api daily quota limit",
		45011: "api minute-quota reach limit  mustslower  retry next minute",
		45015: "response out of time limit or subscription is canceled",
		45047: "out of response count limit",
		46003: "menu no exist",
		48001: "api unauthorized",
		50001: "user unauthorized",
		12345: "error", // a code the fake has no text for
	}
	for code := range tests {
		s.FailNext("/cgi-bin/getcallbackip", code)
	}
	// Faults are answered in the order they were queued; map order is
	// random, so collect the answers and compare them as a set.
	got := map[int]string{}
	for range tests {
		a := ips(t, s, tok)
		got[a.ErrCode] = a.ErrMsg
	}
	for code, want := range tests {
		assert.Regexp(t, "^"+regexp.QuoteMeta(want)+` rid: [0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}$`, got[code], "errcode %d", code)
	}
	assert.Regexp(t, `^access_token missing rid: `, ips(t, s, "").ErrMsg, "the fake's own rejections read the same")
}

func TestLatencyEndsWithClient(t *testing.T) {
	t.Parallel()
	s := New(t)
	s.SetLatency(time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.URL+"/cgi-bin/getcallbackip", nil)
	begin := time.Now()
	_, err := s.ts.Client().Do(req)
	require.Error(t, err)
	assert.Less(t, time.Since(begin), 500*time.Millisecond)

	s.SetLatency(60 * time.Millisecond)
	begin = time.Now()
	stableToken(t, s, false)
	assert.GreaterOrEqual(t, time.Since(begin), 60*time.Millisecond)
}

func TestFailAlwaysUntilCleared(t *testing.T) {
	t.Parallel()
	s := New(t)
	tok := stableToken(t, s, false).AccessToken
	s.FailNext("/cgi-bin/getcallbackip", 45009)
	s.FailAlways("/cgi-bin/getcallbackip", 40001)
	assert.Equal(t, 45009, ips(t, s, tok).ErrCode, "queued faults come first")
	for range 3 {
		assert.Equal(t, 40001, ips(t, s, tok).ErrCode)
	}
	assert.Equal(t, 0, stableToken(t, s, false).ErrCode, "other paths are served")
	s.FailAlways("/cgi-bin/getcallbackip", 0)
	assert.Equal(t, []string{"127.0.0.1", "::1"}, ips(t, s, tok).IPList)
	assert.Equal(t, 5, s.Requests("/cgi-bin/getcallbackip"))
}

func TestIssueToken(t *testing.T) {
	t.Parallel()
	s := New(t)
	a, b := s.IssueToken(), s.IssueToken()
	require.NotEmpty(t, a)
	assert.NotEqual(t, a, b)
	assert.Equal(t, 0, ips(t, s, a).ErrCode, "the previous token overlaps, as on /cgi-bin/token")
	assert.Equal(t, 0, ips(t, s, b).ErrCode)
	s.mu.Lock()
	exp := s.tokens[a]
	s.mu.Unlock()
	assert.WithinDuration(t, time.Now().Add(classicOverlap), exp, 5*time.Second)
	assert.Equal(t, 0, s.TokenRequests(), "not a request")
}
