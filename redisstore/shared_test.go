package redisstore

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wego-sdk/wego"
	"github.com/wego-sdk/wego/wegotest"
)

// classicClients returns a Client on each store ("server"), all on srv's
// classic token endpoint, where each fetch issues a new token and counts
// against the quota: a second fetch would show.
func classicClients(t *testing.T, srv *wegotest.Server, stores ...*Store) []*wego.Client {
	t.Helper()
	clients := make([]*wego.Client, len(stores))
	for i, store := range stores {
		s := srv.Settings()
		s.TokenStore = store
		s.TokenEndpoint = wego.TokenEndpointClassic
		c, err := wego.NewClient(s)
		require.NoError(t, err)
		clients[i] = c
	}
	return clients
}

// assertOneTokenFetch has perClient goroutines on each client, a cold
// cache, ask for the access token at once, and checks that one token
// request served them all, with one token, which it returns.
func assertOneTokenFetch(t *testing.T, srv *wegotest.Server, clients []*wego.Client, perClient int) string {
	t.Helper()
	var wg sync.WaitGroup
	tokens := make(chan string, len(clients)*perClient)
	for _, c := range clients {
		for range perClient {
			wg.Add(1)
			go func() {
				defer wg.Done()
				tok, err := c.AccessToken(context.Background())
				assert.NoError(t, err)
				tokens <- tok
			}()
		}
	}
	wg.Wait()
	close(tokens)
	assert.Equal(t, 1, srv.TokenRequests(), "one server fetched, the others waited for its token")
	first := <-tokens
	same := 1
	for tok := range tokens {
		if tok == first {
			same++
		}
	}
	assert.Equal(t, len(clients)*perClient, same, "goroutines given the shared token")
	return first
}

// assertOneClaimWinner has 20 goroutines claim key at once, on the stores
// in turn, and checks that exactly one won it.
func assertOneClaimWinner(t *testing.T, key string, stores ...*Store) {
	t.Helper()
	var winners atomic.Int32
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			claimed, _, _, err := stores[i%len(stores)].Claim(context.Background(), key, time.Minute)
			assert.NoError(t, err)
			if claimed {
				winners.Add(1)
			}
		}()
	}
	wg.Wait()
	require.Equal(t, int32(1), winners.Load(), "%s: one server wins the delivery", key)
}

// assertOneTicketFetch gives each store a Client on srv's default token
// endpoint and its token (fetched once, shared), slows srv down to a real
// WeChat's pace, then has perClient goroutines on each sign wx.config at
// once, and checks that one ticket request served them all and that every
// signature verifies.
func assertOneTicketFetch(t *testing.T, srv *wegotest.Server, perClient int, stores ...*Store) {
	t.Helper()
	ctx := context.Background()
	clients := make([]*wego.Client, len(stores))
	for i, store := range stores {
		s := srv.Settings()
		s.TokenStore = store
		c, err := wego.NewClient(s)
		require.NoError(t, err)
		clients[i] = c
		_, err = c.AccessToken(ctx) // the token is shared already; the ticket is cold
		require.NoError(t, err)
	}
	srv.SetLatency(50 * time.Millisecond) // a WeChat as slow as a real one
	const page = "https://m.example.com/page?x=1"
	var wg sync.WaitGroup
	for _, c := range clients {
		for range perClient {
			wg.Add(1)
			go func() {
				defer wg.Done()
				cfg, err := c.JSConfig(ctx, page)
				if assert.NoError(t, err) {
					assert.NoError(t, srv.VerifyJSSignature(page, cfg.NonceStr, cfg.Timestamp, cfg.Signature))
				}
			}()
		}
	}
	wg.Wait()
	assert.Equal(t, 1, srv.TokenRequests())
	assert.Equal(t, 1, srv.Requests(wegotest.PathTicket), "one server fetched the ticket, the others waited for it")
}
