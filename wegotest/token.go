package wegotest

import (
	"encoding/json"
	"io"
	"net/http"
	"time"
)

// Paths of the token endpoints.
const (
	PathToken       = "/cgi-bin/token"
	PathStableToken = "/cgi-bin/stable_token"
)

// classicOverlap is how long a token issued by /cgi-bin/token stays valid
// after the next one is issued, as on WeChat.
const classicOverlap = 5 * time.Minute

func (s *Server) routeTokens() {
	s.route(PathToken, s.serveClassicToken)
	s.route(PathStableToken, s.serveStableToken)
}

// serveClassicToken is GET /cgi-bin/token: every call issues a new token; the
// previous ones stay valid for five more minutes at most.
func (s *Server) serveClassicToken(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		w.WriteHeader(http.StatusMethodNotAllowed)
		return
	}
	q := r.URL.Query()
	if code := s.checkCredentials(q.Get("grant_type"), q.Get("appid"), q.Get("secret")); code != 0 {
		writeJSON(w, errorBody(code, r))
		return
	}
	s.mu.Lock()
	now := time.Now()
	s.overlapLocked(now)
	tok, ttl := s.issueLocked(now)
	s.mu.Unlock()
	writeJSON(w, map[string]any{"access_token": tok, "expires_in": int(ttl / time.Second)})
}

// serveStableToken is POST /cgi-bin/stable_token. In normal mode it hands out
// the current token until the last five minutes of its life (the last half
// for short test lifetimes), then a new one, leaving the old one valid until
// it expires. force_refresh issues a new token and revokes the old one.
func (s *Server) serveStableToken(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.WriteHeader(http.StatusMethodNotAllowed)
		return
	}
	var req struct {
		GrantType    string `json:"grant_type"`
		AppID        string `json:"appid"`
		Secret       string `json:"secret"`
		ForceRefresh bool   `json:"force_refresh"`
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<16))
	if err != nil || json.Unmarshal(body, &req) != nil {
		writeJSON(w, errorBody(47001, r))
		return
	}
	if code := s.checkCredentials(req.GrantType, req.AppID, req.Secret); code != 0 {
		writeJSON(w, errorBody(code, r))
		return
	}
	s.mu.Lock()
	now := time.Now()
	renewWindow := min(5*time.Minute, s.tokenTTL/2)
	exp, ok := s.tokens[s.stable]
	switch {
	case req.ForceRefresh:
		delete(s.tokens, s.stable)
	case ok && exp.Sub(now) > renewWindow:
		tok := s.stable
		s.mu.Unlock()
		writeJSON(w, map[string]any{"access_token": tok, "expires_in": max(int(exp.Sub(now)/time.Second), 1)})
		return
	}
	tok, ttl := s.issueLocked(now)
	s.stable = tok
	s.mu.Unlock()
	writeJSON(w, map[string]any{"access_token": tok, "expires_in": int(ttl / time.Second)})
}

// IssueToken issues a new access token as GET /cgi-bin/token does (tokens
// issued before stay valid five more minutes at most) and returns it, for
// tests that play a token service of their own, the kind
// [wego.Settings].AccessTokenSource reads. It is not counted by
// [Server.Requests] or [Server.TokenRequests].
func (s *Server) IssueToken() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	s.overlapLocked(now)
	tok, _ := s.issueLocked(now)
	return tok
}

func (s *Server) checkCredentials(grantType, appID, secret string) int {
	switch {
	case grantType != "client_credential":
		return 40002
	case appID != s.AppID:
		return 40013
	case secret != s.AppSecret:
		return 40125
	}
	return 0
}

// overlapLocked cuts the life of the classic tokens issued so far to five
// minutes from now, as issuing a new one does on WeChat; s.mu is held.
func (s *Server) overlapLocked(now time.Time) {
	for t, exp := range s.tokens {
		if t != s.stable && exp.After(now.Add(classicOverlap)) {
			s.tokens[t] = now.Add(classicOverlap)
		}
	}
}

// issueLocked creates a token; s.mu is held.
func (s *Server) issueLocked(now time.Time) (string, time.Duration) {
	tok := "ACCESS_TOKEN_" + randomHex(24)
	s.tokens[tok] = now.Add(s.tokenTTL)
	return tok, s.tokenTTL
}
