package wego_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/wego-sdk/wego"
	"github.com/wego-sdk/wego/wegotest"
)

var sinkSignature string

// JSSignature on WeChat's example: the hex string is its one allocation.
func BenchmarkJSSignature(b *testing.B) {
	b.ReportAllocs()
	for range b.N {
		sinkSignature = wego.JSSignature(docTicket, docNonce, docTimestamp, "http://mp.weixin.qq.com?params=value#top")
	}
}

// JSConfig with the token and the ticket cached: two reads of the memory
// store, a nonce from crypto/rand, a signature.
func BenchmarkJSConfigCached(b *testing.B) {
	srv := wegotest.New(b)
	c, err := wego.NewClient(srv.Settings())
	require.NoError(b, err)
	ctx := context.Background()
	const page = "https://m.example.com/shop?item=1"
	_, err = c.JSConfig(ctx, page)
	require.NoError(b, err)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if _, err := c.JSConfig(ctx, page); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	if n := srv.Requests(wegotest.PathTicket); n != 1 {
		b.Fatalf("%d ticket requests, want 1", n)
	}
}

func BenchmarkJSConfigCachedParallel(b *testing.B) {
	srv := wegotest.New(b)
	c, err := wego.NewClient(srv.Settings())
	require.NoError(b, err)
	ctx := context.Background()
	const page = "https://m.example.com/shop?item=1"
	_, err = c.JSConfig(ctx, page)
	require.NoError(b, err)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := c.JSConfig(ctx, page); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
