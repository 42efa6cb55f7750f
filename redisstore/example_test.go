package redisstore_test

import (
	"context"
	"fmt"
	"os"

	"github.com/redis/go-redis/v9"

	"github.com/wego-sdk/wego"
	"github.com/wego-sdk/wego/redisstore"
	"github.com/wego-sdk/wego/wegotest"
)

// Two servers of one deployment on one Redis: one token request for both,
// and a push WeChat retried to the second server is answered with what the
// first one's handler replied, without running it again.
func Example() {
	srv := wegotest.NewServer() // a fake WeChat; use your own Settings in production
	defer srv.Close()
	ctx := context.Background()

	rdb := redis.NewClient(&redis.Options{Addr: os.Getenv("REDIS_ADDR")}) // e.g. "redis:6379"
	defer rdb.Close()
	prefix := "example:" + srv.AppID + ":" // "wego:" by default
	defer deleteKeys(rdb, prefix)

	// newServer is what each server process runs at start.
	newServer := func() *wego.Client {
		store := redisstore.New(rdb, redisstore.WithPrefix(prefix))
		s := srv.Settings()
		s.TokenStore = store   // one access token, jsapi_ticket and card ticket for all
		s.DedupStore = store   // each push and pay notification handled once, on one server
		s.SessionStore = store // LoginRequired's sessions: a login on one server holds on all
		c, err := wego.NewClient(s)
		if err != nil {
			panic(err)
		}
		return c
	}
	a, b := newServer(), newServer()

	tokA, _ := a.AccessToken(ctx)
	tokB, _ := b.AccessToken(ctx)
	fmt.Println("one token:", tokA == tokB, "- token requests:", srv.TokenRequests())

	handled := 0
	bot := func(_ context.Context, p *wego.Push) (wego.Reply, error) {
		handled++
		return wego.Text("you said " + p.Content()), nil
	}
	msg := wegotest.TextMessage("", "hello")
	first, _ := srv.Deliver(a.PushHandler(bot), msg)
	retry, _ := srv.Deliver(b.PushHandler(bot), msg) // the same MsgId: WeChat's retry
	fmt.Printf("A: %q, B: %q, handled %d time(s)\n", first.Get("Content"), retry.Get("Content"), handled)
	// Output:
	// one token: true - token requests: 1
	// A: "you said hello", B: "you said hello", handled 1 time(s)
}

// deleteKeys removes what the example left in Redis.
func deleteKeys(rdb *redis.Client, prefix string) {
	ctx := context.Background()
	keys, _ := rdb.Keys(ctx, prefix+"*").Result()
	if len(keys) > 0 {
		rdb.Del(ctx, keys...)
	}
}
