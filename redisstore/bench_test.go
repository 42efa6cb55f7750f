package redisstore

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/wego-sdk/wego"
	"github.com/wego-sdk/wego/wegotest"
)

// BenchmarkTokenLookup is Client.AccessToken, which every call to WeChat
// makes, on a Store over a real redis-server on loopback: "local" is a hit
// in the store's local copy (WithLocalCache, 10 s by default), "redis" a
// read from Redis (the first lookup after the local copy aged out, or
// every lookup with WithLocalCache(0)).
//
//	(cd redisstore && go test -run '^$' -bench 'TokenLookup|SessionLookup' -benchmem)
func BenchmarkTokenLookup(b *testing.B) {
	for _, bc := range []struct {
		name  string
		local time.Duration
	}{{"local", 10 * time.Second}, {"redis", 0}} {
		b.Run(bc.name, func(b *testing.B) {
			ctx := context.Background()
			srv := wegotest.New(b)
			rdb := redis.NewClient(&redis.Options{Addr: redisAddr})
			b.Cleanup(func() { rdb.Close() })
			prefix := "bench:" + b.Name() + ":"
			s := srv.Settings()
			s.TokenStore = New(rdb, WithPrefix(prefix), WithLocalCache(bc.local))
			c, err := wego.NewClient(s)
			if err != nil {
				b.Fatal(err)
			}
			want, err := c.AccessToken(ctx)
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { rdb.Del(ctx, prefix+"token:"+srv.AppID) })
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				if tok, err := c.AccessToken(ctx); err != nil || tok != want {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			if n := srv.TokenRequests(); n != 1 {
				b.Fatalf("%d token requests, want 1", n)
			}
		})
	}
}
