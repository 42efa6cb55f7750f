package wego_test

import (
	"context"
	"fmt"
	"sync"

	"github.com/wego-sdk/wego"
	"github.com/wego-sdk/wego/wegotest"
)

// serviceToken caches the access token your own token service hands out
// and forgets it when WeChat rejects it.
type serviceToken struct {
	fetch func(ctx context.Context) (string, error) // asks your token service

	mu    sync.Mutex
	token string
}

// Token is the Settings.AccessTokenSource: the cached token, or a new one.
func (s *serviceToken) Token(ctx context.Context) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.token == "" {
		tok, err := s.fetch(ctx)
		if err != nil {
			return "", err
		}
		s.token = tok
	}
	return s.token, nil
}

// Rejected is the Settings.AccessTokenRejected: it forgets the token WeChat
// rejected, unless another one has replaced it already.
func (s *serviceToken) Rejected(_ context.Context, token string, errcode int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fmt.Println("WeChat rejected the token, errcode", errcode)
	if s.token == token {
		s.token = ""
	}
}

// A token source with a cache of its own is told when WeChat rejects its
// token, drops it, and gives a new one when the SDK asks again.
func ExampleSettings_accessTokenRejected() {
	srv := wegotest.NewServer() // a fake WeChat; use your own Settings in production
	defer srv.Close()
	fetches := 0
	src := &serviceToken{fetch: func(context.Context) (string, error) {
		fetches++
		return srv.IssueToken(), nil // stands for a call to your token service
	}}

	s := srv.Settings()
	s.AccessTokenSource = src.Token
	s.AccessTokenRejected = src.Rejected
	c, err := wego.NewClient(s)
	if err != nil {
		panic(err)
	}
	ctx := context.Background()

	_, err = c.GetWeChatServersList(ctx)
	fmt.Println("first call:", err)
	srv.ExpireTokens() // WeChat now answers 42001 to the cached token
	_, err = c.GetWeChatServersList(ctx)
	fmt.Println("after the rejection:", err, "- tokens fetched:", fetches)
	// Output:
	// first call: <nil>
	// WeChat rejected the token, errcode 42001
	// after the rejection: <nil> - tokens fetched: 2
}
