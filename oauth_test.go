package wego_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wego-sdk/wego"
)

// snsCall is a request to an sns endpoint: it carries no global access
// token, so its whole query is checked.
type snsCall struct {
	path   string
	query  url.Values
	answer string
}

// mockSNS returns a client whose requests go to httpmock and must be
// calls, in order (GET, api.weixin.qq.com, path, whole query, no body).
func mockSNS(t *testing.T, calls ...snsCall) *wego.Client {
	t.Helper()
	return mockSequence(t, len(calls), func(next int, r *http.Request) *http.Response {
		w := calls[next-1]
		assert.Equal(t, http.MethodGet, r.Method, "request %d", next)
		assert.Equal(t, "https://api.weixin.qq.com"+w.path, r.URL.Scheme+"://"+r.URL.Host+r.URL.Path, "request %d", next)
		assert.Equal(t, w.query, r.URL.Query(), "request %d: %s query", next, w.path)
		assert.Nil(t, r.Body, "request %d has no body", next)
		return httpmock.NewStringResponse(200, w.answer)
	})
}

const tokenAnswer = `{"access_token":"UAT","expires_in":7200,"refresh_token":"URT","openid":"o1","scope":"snsapi_userinfo","unionid":"u1"}`

func exchangeCall(code, answer string) snsCall {
	return snsCall{pathOAuthToken, url.Values{"appid": {"wx1"}, "secret": {"secret"}, "code": {code}, "grant_type": {"authorization_code"}}, answer}
}

func refreshCall(rt, answer string) snsCall {
	return snsCall{pathOAuthRefresh, url.Values{"appid": {"wx1"}, "grant_type": {"refresh_token"}, "refresh_token": {rt}}, answer}
}

func userInfoCall(at, openid, answer string) snsCall {
	return snsCall{pathSNSUserInfo, url.Values{"access_token": {at}, "openid": {openid}}, answer}
}

const (
	pathOAuthToken   = "/sns/oauth2/access_token"
	pathOAuthRefresh = "/sns/oauth2/refresh_token"
	pathSNSUserInfo  = "/sns/userinfo"
	pathSNSAuth      = "/sns/auth"
)

func TestAuthorizeURLIsWeChatsInItsOrder(t *testing.T) {
	t.Parallel()
	_, c := mockClient(t)
	got := c.WeChat.AuthorizeURL("https://m.example.com/shop?item=7&x=a b", wego.ScopeBase, "S1")
	assert.Equal(t, "https://open.weixin.qq.com/connect/oauth2/authorize?appid=wx1"+
		"&redirect_uri=https%3A%2F%2Fm.example.com%2Fshop%3Fitem%3D7%26x%3Da+b"+
		"&response_type=code&scope=snsapi_base&state=S1#wechat_redirect", got)

	// GetCodeURL fills in the default scope, snsapi_userinfo.
	u, err := url.Parse(c.GetCodeURL("https://m.example.com/", "S2", ""))
	require.NoError(t, err)
	assert.Equal(t, "snsapi_userinfo", u.Query().Get("scope"))
	assert.Equal(t, "wechat_redirect", u.Fragment)

	// OAuthBaseURL moves the page, e.g. to wegotest.
	c2, err := wego.NewClient(wego.Settings{AppID: "wx1", AppSecret: "s", OAuthBaseURL: "http://127.0.0.1:9/", OAuthScope: wego.ScopeBase})
	require.NoError(t, err)
	u, err = url.Parse(c2.GetCodeURL("https://m.example.com/", "S3", ""))
	require.NoError(t, err)
	assert.Equal(t, "http://127.0.0.1:9/connect/oauth2/authorize", u.Scheme+"://"+u.Host+u.Path)
	assert.Equal(t, "snsapi_base", u.Query().Get("scope"))
}

func TestGetOpenIDExchangesTheCode(t *testing.T) {
	t.Parallel()
	c := mockSNS(t, exchangeCall("C1", tokenAnswer))
	before := time.Now()
	tok, err := c.GetOpenID(context.Background(), "C1")
	require.NoError(t, err)
	assert.Equal(t, "UAT", tok.AccessToken)
	assert.Equal(t, "URT", tok.RefreshToken)
	assert.Equal(t, "o1", tok.OpenID)
	assert.Equal(t, "u1", tok.UnionID)
	assert.Equal(t, wego.ScopeUserInfo, tok.Scope)
	assert.False(t, tok.Snapshot)
	// Used until 180 s before WeChat's expiry, as Python wego.
	assert.WithinRange(t, tok.ExpiresAt, before.Add(7020*time.Second), time.Now().Add(7020*time.Second))
	assert.False(t, tok.Expired(time.Now()))
	assert.True(t, tok.Expired(tok.ExpiresAt))
}

func TestGetOpenIDSnapshotVisit(t *testing.T) {
	t.Parallel()
	c := mockSNS(t, exchangeCall("C1", `{"access_token":"UAT","expires_in":7200,"refresh_token":"URT","openid":"oVirtual","scope":"snsapi_base","is_snapshotuser":1}`))
	tok, err := c.GetOpenID(context.Background(), "C1")
	require.NoError(t, err)
	assert.True(t, tok.Snapshot)
	assert.Equal(t, wego.ScopeBase, tok.Scope)
}

func TestGetOpenIDIsNeverRetried(t *testing.T) {
	t.Parallel()
	// A code works once: "system busy" is not retried, as a retry of a code
	// WeChat did exchange would only get 40163.
	c := mockSNS(t, exchangeCall("C1", `{"errcode":-1,"errmsg":"system error"}`))
	_, err := c.GetOpenID(context.Background(), "C1")
	var ae *wego.APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, wego.CodeSystemBusy, ae.Code)
}

func TestGetOpenIDErrors(t *testing.T) {
	t.Parallel()
	_, c := mockClient(t)
	_, err := c.GetOpenID(context.Background(), "")
	require.ErrorIs(t, err, wego.ErrMissingParameter)

	for _, tc := range []struct{ answer, want string }{
		{`{"errcode":40029,"errmsg":"invalid code"}`, "40029"},
		{`{"errcode":40163,"errmsg":"code been used"}`, "40163"},
		{`{"access_token":"","expires_in":7200,"openid":"o1"}`, "without access_token"},
		{`{"access_token":"A","expires_in":0,"openid":"o1"}`, "without access_token"},
		{`{"access_token":"A","expires_in":7200}`, "without access_token"},
	} {
		c := mockSNS(t, exchangeCall("SECRETCODE", tc.answer))
		_, err := c.GetOpenID(context.Background(), "SECRETCODE")
		require.Error(t, err)
		assert.Contains(t, err.Error(), tc.want)
		assert.NotContains(t, err.Error(), "SECRETCODE")
	}
}

func TestOAuthErrorsCarryNoSecret(t *testing.T) {
	t.Parallel()
	mt, c := mockClient(t)
	mt.RegisterNoResponder(httpmock.NewErrorResponder(errors.New("connection reset")))
	_, err := c.GetOpenID(context.Background(), "SECRETCODE")
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "SECRETCODE")
	assert.NotContains(t, err.Error(), "secret=secret")
	_, err = c.RefreshUserToken(context.Background(), "SECRETRT")
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "SECRETRT")
	_, err = c.VerificationToken(context.Background(), "o1", "SECRETAT")
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "SECRETAT")
}

func TestRefreshUserToken(t *testing.T) {
	t.Parallel()
	c := mockSNS(t, refreshCall("URT", `{"access_token":"UAT2","expires_in":7200,"refresh_token":"URT","openid":"o1","scope":"snsapi_userinfo"}`))
	tok, err := c.RefreshUserToken(context.Background(), "URT")
	require.NoError(t, err)
	assert.Equal(t, "UAT2", tok.AccessToken)
	assert.Equal(t, "URT", tok.RefreshToken)

	_, c2 := mockClient(t)
	_, err = c2.RefreshUserToken(context.Background(), "")
	require.ErrorIs(t, err, wego.ErrMissingParameter)
}

const profileAnswer = `{"openid":"o1","nickname":"小明","sex":1,"province":"广东","city":"广州","country":"中国",` +
	`"headimgurl":"https://thirdwx.qlogo.cn/mmopen/x/132","privilege":["chinaunicom"],"unionid":"u1"}`

func TestGetUserInfo(t *testing.T) {
	t.Parallel()
	c := mockSNS(t, userInfoCall("UAT", "o1", profileAnswer))
	tok := &wego.UserToken{AccessToken: "UAT", RefreshToken: "URT", OpenID: "o1", ExpiresAt: time.Now().Add(time.Hour)}
	u, err := c.GetUserInfo(context.Background(), tok)
	require.NoError(t, err)
	assert.Equal(t, "o1", u.OpenID)
	assert.Equal(t, "u1", u.UnionID)
	require.NotNil(t, u.Profile)
	assert.Equal(t, wego.UserProfile{Nickname: "小明", Sex: 1, Province: "广东", City: "广州", Country: "中国",
		HeadImgURL: "https://thirdwx.qlogo.cn/mmopen/x/132", Privilege: []string{"chinaunicom"}}, *u.Profile)
	assert.Equal(t, "UAT", tok.AccessToken, "a valid token is not renewed")
}

func TestGetUserInfoRenewsAnExpiredToken(t *testing.T) {
	t.Parallel()
	c := mockSNS(t,
		refreshCall("URT", `{"access_token":"UAT2","expires_in":7200,"refresh_token":"URT","openid":"o1","scope":"snsapi_userinfo"}`),
		userInfoCall("UAT2", "o1", profileAnswer))
	tok := &wego.UserToken{AccessToken: "UAT", RefreshToken: "URT", OpenID: "o1", UnionID: "u1", ExpiresAt: time.Now().Add(-time.Second)}
	_, err := c.GetUserInfo(context.Background(), tok)
	require.NoError(t, err)
	assert.Equal(t, "UAT2", tok.AccessToken, "the caller's token is updated")
	assert.Equal(t, "u1", tok.UnionID, "what the refresh does not answer is kept")
	assert.False(t, tok.Expired(time.Now()))
}

func TestGetUserInfoRenewsATokenWeChatCallsExpired(t *testing.T) {
	t.Parallel()
	c := mockSNS(t,
		userInfoCall("UAT", "o1", `{"errcode":42001,"errmsg":"access_token expired"}`),
		refreshCall("URT", `{"access_token":"UAT2","expires_in":7200,"refresh_token":"URT","openid":"o1","scope":"snsapi_userinfo"}`),
		userInfoCall("UAT2", "o1", profileAnswer))
	tok := &wego.UserToken{AccessToken: "UAT", RefreshToken: "URT", OpenID: "o1", ExpiresAt: time.Now().Add(time.Hour)}
	u, err := c.GetUserInfo(context.Background(), tok)
	require.NoError(t, err)
	assert.Equal(t, "小明", u.Profile.Nickname)
	assert.Equal(t, "UAT2", tok.AccessToken)
}

func TestGetUserInfoErrors(t *testing.T) {
	t.Parallel()
	_, c := mockClient(t)
	ctx := context.Background()
	_, err := c.GetUserInfo(ctx, nil)
	require.ErrorIs(t, err, wego.ErrMissingParameter)
	_, err = c.GetUserInfo(ctx, &wego.UserToken{AccessToken: "A"})
	require.ErrorIs(t, err, wego.ErrMissingParameter)
	_, err = c.GetUserInfo(ctx, &wego.UserToken{AccessToken: "A", OpenID: "o1"})
	require.ErrorIs(t, err, wego.ErrMissingParameter, "expired, and no refresh token to renew it")

	c = mockSNS(t, userInfoCall("UAT", "o1", `{"errcode":48001,"errmsg":"api unauthorized"}`))
	_, err = c.GetUserInfo(ctx, &wego.UserToken{AccessToken: "UAT", RefreshToken: "URT", OpenID: "o1", Scope: wego.ScopeBase, ExpiresAt: time.Now().Add(time.Hour)})
	var ae *wego.APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, wego.CodeAPIUnauthorized, ae.Code)

	c = mockSNS(t, refreshCall("URT", `{"errcode":42002,"errmsg":"refresh_token expired"}`))
	_, err = c.GetUserInfo(ctx, &wego.UserToken{AccessToken: "UAT", RefreshToken: "URT", OpenID: "o1"})
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, wego.CodeRefreshTokenExpired, ae.Code)
}

func TestVerificationToken(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	auth := func(answer string) snsCall {
		return snsCall{pathSNSAuth, url.Values{"access_token": {"UAT"}, "openid": {"o1"}}, answer}
	}
	c := mockSNS(t, auth(`{"errcode":0,"errmsg":"ok"}`))
	ok, err := c.VerificationToken(ctx, "o1", "UAT")
	require.NoError(t, err)
	assert.True(t, ok)

	for _, code := range []int{40001, 40003, 40014, 42001} {
		c := mockSNS(t, auth(fmt.Sprintf(`{"errcode":%d,"errmsg":"x"}`, code)))
		ok, err := c.VerificationToken(ctx, "o1", "UAT")
		require.NoError(t, err, "errcode %d", code)
		assert.False(t, ok, "errcode %d", code)
	}
	c = mockSNS(t, auth(`{"errcode":45009,"errmsg":"reach max api daily quota limit"}`))
	ok, err = c.VerificationToken(ctx, "o1", "UAT")
	require.Error(t, err)
	assert.False(t, ok)

	_, c2 := mockClient(t)
	_, err = c2.VerificationToken(ctx, "", "UAT")
	require.ErrorIs(t, err, wego.ErrMissingParameter)
	_, err = c2.VerificationToken(ctx, "o1", "")
	require.ErrorIs(t, err, wego.ErrMissingParameter)
}

func TestRawOAuthCalls(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := mockSNS(t,
		exchangeCall("C1", tokenAnswer),
		refreshCall("URT", tokenAnswer),
		snsCall{pathSNSUserInfo, url.Values{"access_token": {"UAT"}, "openid": {"o1"}, "lang": {"en"}}, profileAnswer},
		snsCall{pathSNSAuth, url.Values{"access_token": {"UAT"}, "openid": {"o1"}}, `{"errcode":0,"errmsg":"ok"}`})
	raw, err := c.WeChat.OAuthAccessToken(ctx, "C1")
	require.NoError(t, err)
	assert.JSONEq(t, tokenAnswer, string(raw))
	raw, err = c.WeChat.OAuthRefreshToken(ctx, "URT")
	require.NoError(t, err)
	assert.JSONEq(t, tokenAnswer, string(raw))
	raw, err = c.WeChat.SNSUserInfo(ctx, "UAT", "o1", wego.LangEN)
	require.NoError(t, err)
	assert.JSONEq(t, profileAnswer, string(raw))
	_, err = c.WeChat.SNSAuth(ctx, "UAT", "o1")
	require.NoError(t, err)
}

func TestUserTokenPrintsNoSecret(t *testing.T) {
	t.Parallel()
	tok := &wego.UserToken{AccessToken: "SECRETAT", RefreshToken: "SECRETRT", OpenID: "o1", Scope: wego.ScopeBase}
	var buf bytes.Buffer
	slog.New(slog.NewTextHandler(&buf, nil)).Info("login", "token", tok)
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("login", "token", *tok)
	for _, s := range []string{fmt.Sprint(tok), fmt.Sprintf("%v %+v %s %#v %v %+v %#v", tok, tok, tok, tok, *tok, *tok, *tok), buf.String()} {
		assert.Contains(t, s, "o1")
		assert.NotContains(t, s, "SECRET")
	}
	assert.True(t, strings.Contains(buf.String(), "snsapi_base"))
}
