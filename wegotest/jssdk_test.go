package wegotest

import (
	"encoding/json"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wego-sdk/wego"
)

type ticketAnswer struct {
	ErrCode   int    `json:"errcode"`
	ErrMsg    string `json:"errmsg"`
	Ticket    string `json:"ticket"`
	ExpiresIn int    `json:"expires_in"`
}

func getTicket(t *testing.T, s *Server, tok, typ string) ticketAnswer {
	t.Helper()
	resp, err := s.ts.Client().Get(s.URL + PathTicket + "?" + url.Values{"access_token": {tok}, "type": {typ}}.Encode())
	require.NoError(t, err)
	defer resp.Body.Close()
	var a ticketAnswer
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&a))
	return a
}

func TestTicketTypesAndToken(t *testing.T) {
	t.Parallel()
	s := New(t)
	tok := stableToken(t, s, false).AccessToken
	assert.Empty(t, s.JSAPITicket(), "none before the first request")

	js := getTicket(t, s, tok, "jsapi")
	assert.Equal(t, 0, js.ErrCode)
	assert.Equal(t, "ok", js.ErrMsg)
	assert.Len(t, js.Ticket, 86, "the shape of WeChat's tickets")
	assert.Equal(t, 7200, js.ExpiresIn)
	assert.Equal(t, js.Ticket, s.JSAPITicket())

	card := getTicket(t, s, tok, "wx_card")
	assert.Equal(t, 0, card.ErrCode)
	assert.NotEqual(t, js.Ticket, card.Ticket, "one ticket per type")
	assert.Equal(t, js.Ticket, s.JSAPITicket())

	bad := getTicket(t, s, tok, "card")
	assert.Equal(t, 40097, bad.ErrCode)
	assert.Regexp(t, `^invalid args rid: `, bad.ErrMsg)
	assert.Equal(t, 41001, getTicket(t, s, "", "jsapi").ErrCode)
	assert.Equal(t, 40001, getTicket(t, s, "nope", "jsapi").ErrCode)
	assert.Equal(t, 5, s.Requests(PathTicket), "the failed and rejected ones too")

	resp, err := s.ts.Client().Post(s.URL+PathTicket+"?access_token="+tok+"&type=jsapi", "application/json", nil)
	require.NoError(t, err)
	defer resp.Body.Close()
	var a ticketAnswer
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&a))
	assert.Equal(t, 43001, a.ErrCode)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
}

// Every caller gets the current ticket until its last part of life, then a
// new one; the old one stays valid until it expires, and tickets outlive
// the token that fetched them.
func TestTicketSharedRenewedAndOutlivesToken(t *testing.T) {
	t.Parallel()
	s := New(t)
	s.SetTicketTTL(2 * time.Second) // renewal window: the last second
	tok := stableToken(t, s, false).AccessToken
	a := getTicket(t, s, tok, "jsapi")
	b := getTicket(t, s, tok, "jsapi")
	assert.Equal(t, a.Ticket, b.Ticket)
	assert.Equal(t, 2, a.ExpiresIn)

	s.ExpireTokens()
	sig := wego.JSSignature(a.Ticket, "nonce", 1, "https://example.com/")
	require.NoError(t, s.VerifyJSSignature("https://example.com/", "nonce", 1, sig), "the token's expiry leaves the ticket")

	time.Sleep(1100 * time.Millisecond)
	tok = stableToken(t, s, false).AccessToken
	c := getTicket(t, s, tok, "jsapi")
	assert.NotEqual(t, a.Ticket, c.Ticket)
	assert.Equal(t, c.Ticket, s.JSAPITicket())
	require.NoError(t, s.VerifyJSSignature("https://example.com/", "nonce", 1, sig), "the old ticket lives until it expires")

	time.Sleep(1000 * time.Millisecond)
	err := s.VerifyJSSignature("https://example.com/", "nonce", 1, sig)
	require.ErrorIs(t, err, wego.ErrInvalidSignature)
	assert.ErrorContains(t, err, "expired")
}

func TestVerifyJSSignature(t *testing.T) {
	t.Parallel()
	s := New(t)
	const page = "https://m.example.com/shop?item=1"
	err := s.VerifyJSSignature(page, "n", 1, "00")
	require.ErrorIs(t, err, wego.ErrInvalidSignature)
	assert.ErrorContains(t, err, "no jsapi_ticket")

	ticket := getTicket(t, s, stableToken(t, s, false).AccessToken, "jsapi").Ticket
	card := getTicket(t, s, stableToken(t, s, false).AccessToken, "wx_card").Ticket
	sig := wego.JSSignature(ticket, "Wm3WZYTPz0wzccnW", 1414587457, page)
	assert.NoError(t, s.VerifyJSSignature(page, "Wm3WZYTPz0wzccnW", 1414587457, sig))
	assert.NoError(t, s.VerifyJSSignature(page+"#top", "Wm3WZYTPz0wzccnW", 1414587457, sig), "the fragment is not signed")

	for name, bad := range map[string]func() error{
		"other url":       func() error { return s.VerifyJSSignature(page+"&x=1", "Wm3WZYTPz0wzccnW", 1414587457, sig) },
		"other nonce":     func() error { return s.VerifyJSSignature(page, "Wm3WZYTPz0wzccnX", 1414587457, sig) },
		"other timestamp": func() error { return s.VerifyJSSignature(page, "Wm3WZYTPz0wzccnW", 1414587458, sig) },
		"card ticket": func() error {
			return s.VerifyJSSignature(page, "n", 1, wego.JSSignature(card, "n", 1, page))
		},
		"empty nonce":     func() error { return s.VerifyJSSignature(page, "", 1414587457, sig) },
		"empty signature": func() error { return s.VerifyJSSignature(page, "Wm3WZYTPz0wzccnW", 1414587457, "") },
	} {
		assert.ErrorIs(t, bad(), wego.ErrInvalidSignature, name)
	}
}
