package wegotest

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wego-sdk/wego"
)

func TestHandleServesAnEndpointTheSDKDoesNotWrap(t *testing.T) {
	t.Parallel()
	s := New(t)
	const path = "/cgi-bin/comment/list" // an article's comments: not wrapped by the SDK
	var calls atomic.Int32
	require.NoError(t, s.Handle(path, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		var req struct {
			MsgDataID int `json:"msg_data_id"`
		}
		if r.Method != http.MethodPost || json.NewDecoder(r.Body).Decode(&req) != nil {
			writeJSON(w, errorBody(47001, r))
			return
		}
		writeJSON(w, map[string]any{"total": 1, "comment": []map[string]any{{"openid": "oCommenter", "content": "好"}}, "msg_data_id": req.MsgDataID})
	})))

	c, err := wego.NewClient(s.Settings())
	require.NoError(t, err)
	ctx := context.Background()
	var out struct {
		Total   int `json:"total"`
		Comment []struct {
			OpenID string `json:"openid"`
		} `json:"comment"`
		MsgDataID int `json:"msg_data_id"`
	}
	require.NoError(t, c.WeChat.Post(ctx, path, nil, map[string]any{"msg_data_id": 2247483653}, &out))
	assert.Equal(t, 1, out.Total)
	assert.Equal(t, "oCommenter", out.Comment[0].OpenID)
	assert.Equal(t, 2247483653, out.MsgDataID)

	// A fault comes first and reaches the client as WeChat's error.
	s.FailNext(path, 45009)
	err = c.WeChat.Post(ctx, path, nil, map[string]any{"msg_data_id": 1}, nil)
	var ae *wego.APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, 45009, ae.Code)
	assert.Equal(t, int32(1), calls.Load(), "the faulted request never reached the handler")
	assert.Equal(t, 2, s.Requests(path))
}

func TestHandleChecksTheAccessTokenFirst(t *testing.T) {
	t.Parallel()
	s := New(t)
	const path = "/cgi-bin/custom/thing"
	var calls atomic.Int32
	require.NoError(t, s.Handle(path, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		calls.Add(1)
		writeJSON(w, map[string]any{"errcode": 0, "errmsg": "ok"})
	})))
	get := func(tok string) answer {
		q := url.Values{}
		if tok != "" {
			q.Set("access_token", tok)
		}
		return getJSON(t, s, path, q)
	}
	assert.Equal(t, 41001, get("").ErrCode)
	assert.Equal(t, 40001, get("made-up").ErrCode)
	tok := stableToken(t, s, false).AccessToken
	assert.Equal(t, 0, get(tok).ErrCode)
	assert.Equal(t, int32(1), calls.Load())
	s.ExpireTokens()
	assert.Equal(t, 42001, get(tok).ErrCode)
	assert.Equal(t, int32(1), calls.Load(), "rejected tokens never reach the handler")
	assert.Equal(t, 4, s.Requests(path))
}

func TestHandleRefusesBadPathsAndRemoves(t *testing.T) {
	t.Parallel()
	s := New(t)
	ok := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, map[string]any{"errcode": 0, "errmsg": "ok"})
	})
	for _, p := range []string{"", "cgi-bin/x", "/cgi-bin/x?a=1", "/x#f", PathToken, PathStableToken, "/cgi-bin/getcallbackip", PathRefund, PathUserTagGet, PathTagsGet} {
		assert.Error(t, s.Handle(p, ok), "path %q", p)
	}
	tok := stableToken(t, s, false).AccessToken
	assert.Equal(t, []string{"127.0.0.1", "::1"}, ips(t, s, tok).IPList, "a refused Handle changes nothing")

	require.NoError(t, s.Handle("/cgi-bin/x", ok))
	resp, err := s.ts.Client().Get(s.URL + "/cgi-bin/x?access_token=" + tok)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)

	var nilFunc http.HandlerFunc
	require.NoError(t, s.Handle("/cgi-bin/x", nilFunc), "a nil handler removes the path")
	resp, err = s.ts.Client().Get(s.URL + "/cgi-bin/x?access_token=" + tok)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
}
