package redisstore

import (
	"testing"
	"time"

	"github.com/wego-sdk/wego"
)

// FuzzDecodeToken feeds decodeToken whatever a key may hold (another
// program's value, a truncated write): it returns an error or a token that
// encodes back to an entry decoding to the same token, and never panics.
//
//	(cd redisstore && go test -run '^$' -fuzz FuzzDecodeToken -fuzztime 30s .)
func FuzzDecodeToken(f *testing.F) {
	f.Add(encodeToken(wego.Token{Value: "ACCESS_TOKEN", ExpiresAt: time.UnixMilli(1764547200000)}))
	f.Add("0123456789abcdef:sig:ticket")
	f.Add("garbage")
	f.Add(":")
	f.Add("-1:x")
	f.Add("99999999999999999999:x")
	f.Fuzz(func(t *testing.T, v string) {
		tok, err := decodeToken(v)
		if err != nil {
			return
		}
		if tok.Value == "" {
			t.Fatalf("%q decoded to an empty token", v)
		}
		again, err := decodeToken(encodeToken(tok))
		if err != nil || again.Value != tok.Value || !again.ExpiresAt.Equal(tok.ExpiresAt) {
			t.Fatalf("%q: %+v does not round-trip: %+v, %v", v, tok, again, err)
		}
	})
}
