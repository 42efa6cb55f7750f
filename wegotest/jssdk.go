package wegotest

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"net/url"
	"time"

	"github.com/wego-sdk/wego"
)

// PathTicket is getticket, which hands out the JS-SDK's jsapi_ticket
// (type=jsapi) and the card API's ticket (type=wx_card).
const PathTicket = "/cgi-bin/ticket/getticket"

// DefaultTicketTTL is the lifetime of the tickets the server issues unless
// [Server.SetTicketTTL] says otherwise; WeChat's is 7200 s.
const DefaultTicketTTL = 7200 * time.Second

// ticketState is the tickets getticket issued; guarded by Server.mu.
type ticketState struct {
	ttl     time.Duration
	current map[string]string       // type → the ticket getticket hands out
	issued  map[string]issuedTicket // ticket → what it is
}

type issuedTicket struct {
	typ     string
	expires time.Time
}

func (s *Server) initTickets() {
	s.tickets = ticketState{ttl: DefaultTicketTTL, current: map[string]string{}, issued: map[string]issuedTicket{}}
	s.routeGet(PathTicket, s.serveTicket)
}

// serveTicket is GET /cgi-bin/ticket/getticket?access_token=...&type=...:
// like stable_token, it hands every caller the current ticket of the type
// until the last five minutes of its life (the last half of a short test
// lifetime), then a new one, leaving the old one valid until it expires.
// Tickets outlive the access token that fetched them, as on WeChat.
func (s *Server) serveTicket(q url.Values) (any, int) {
	typ := q.Get("type")
	if typ != "jsapi" && typ != "wx_card" {
		return nil, 40097
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ts := &s.tickets
	now := time.Now()
	t := ts.current[typ]
	exp := ts.issued[t].expires
	if t == "" || exp.Sub(now) <= min(5*time.Minute, ts.ttl/2) {
		t, exp = newTicket(), now.Add(ts.ttl)
		ts.current[typ] = t
		ts.issued[t] = issuedTicket{typ: typ, expires: exp}
	}
	return map[string]any{"errcode": 0, "errmsg": "ok", "ticket": t, "expires_in": max(int(exp.Sub(now)/time.Second), 1)}, 0
}

// newTicket returns 86 characters of URL-safe base64, the shape of
// WeChat's tickets.
func newTicket() string {
	b := make([]byte, 64)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// SetTicketTTL sets the lifetime of the tickets getticket issues from now
// on (whole seconds, at least one; WeChat's is 7200 s).
func (s *Server) SetTicketTTL(d time.Duration) {
	s.mu.Lock()
	s.tickets.ttl = max(d.Truncate(time.Second), time.Second)
	s.mu.Unlock()
}

// JSAPITicket returns the jsapi_ticket getticket hands out now, "" before
// the first request for one, so a test can sign a page with
// [wego.JSSignature] on its own.
func (s *Server) JSAPITicket() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tickets.current["jsapi"]
}

// VerifyJSSignature checks the signature of a wx.config as WeChat does when
// the page calls it: nil when signature is the [wego.JSSignature] of
// pageURL (cut at '#'), nonceStr and timestamp with a jsapi_ticket this
// server issued and that has not expired; otherwise an error wrapping
// [wego.ErrInvalidSignature] that says why (WeChat's page gets
// "config:invalid signature"). A browser test passes it what its page gave
// wx.config and the page's location.href.
func (s *Server) VerifyJSSignature(pageURL, nonceStr string, timestamp int64, signature string) error {
	if nonceStr == "" || signature == "" {
		return fmt.Errorf("wegotest: %w: nonceStr and signature are required", wego.ErrInvalidSignature)
	}
	s.mu.Lock()
	tickets := make(map[string]issuedTicket, len(s.tickets.issued))
	for t, it := range s.tickets.issued {
		if it.typ == "jsapi" {
			tickets[t] = it
		}
	}
	s.mu.Unlock()
	if len(tickets) == 0 {
		return fmt.Errorf("wegotest: %w: no jsapi_ticket was issued", wego.ErrInvalidSignature)
	}
	now := time.Now()
	var expired time.Time
	for t, it := range tickets {
		want := wego.JSSignature(t, nonceStr, timestamp, pageURL)
		if subtle.ConstantTimeCompare([]byte(want), []byte(signature)) != 1 {
			continue
		}
		if now.Before(it.expires) {
			return nil
		}
		expired = it.expires
	}
	if !expired.IsZero() {
		return fmt.Errorf("wegotest: %w: signed with a jsapi_ticket that expired at %s", wego.ErrInvalidSignature, expired.Format(time.RFC3339))
	}
	return fmt.Errorf("wegotest: %w: not the signature of the page URL, nonceStr and timestamp with a jsapi_ticket of the server", wego.ErrInvalidSignature)
}
