package wego

import (
	"io"
	"time"
)

// Hooks for the external tests (package wego_test) of this package.

// SetBusyBackoff shortens the wait between retries of busy reads.
func SetBusyBackoff(c *Client, d time.Duration) { c.busyBackoff = d }

// Redact exposes redact.
var Redact = redact

// SetTokenClock replaces the clock of the token cache: token and ticket
// expiry and the bound on refreshes after rejections follow it.
func SetTokenClock(c *Client, now func() time.Time) { c.tokens.now = now }

// ParseBillTwice parses data as Client.DownloadBill parses a gzipped bill
// once unpacked, in two passes over a reader that yields at most chunk
// bytes a read.
func ParseBillTwice(data []byte, chunk int) (*Bill, error) {
	r := &chunkReader{data: data, chunk: chunk}
	return parseBillTwice(r, func() error { r.off = 0; return nil })
}

// chunkReader reads data, at most chunk bytes a read.
type chunkReader struct {
	data       []byte
	off, chunk int
}

func (r *chunkReader) Read(p []byte) (int, error) {
	if r.off == len(r.data) {
		return 0, io.EOF
	}
	n := copy(p[:min(len(p), r.chunk)], r.data[r.off:])
	r.off += n
	return n, nil
}

// SetSessionStoreClock replaces the clock of a MemorySessionStore.
func SetSessionStoreClock(m *MemorySessionStore, now func() time.Time) { m.now = now }

// SessionTokens returns the user tokens a stored session holds.
func SessionTokens(data []byte) (access, refresh string, ok bool) {
	s, err := unmarshalSession(data)
	if err != nil || s.Token == nil {
		return "", "", false
	}
	return s.Token.Access, s.Token.Refresh, true
}

// SetAnalyticsClock replaces the clock that tells the analytics calls
// what day it is in China.
func SetAnalyticsClock(c *Client, now func() time.Time) { c.analyticsClock = now }

// SetTokenLockWait bounds the wait for a token another process fetches
// under the store's refresh lock.
func SetTokenLockWait(c *Client, d time.Duration) { c.tokens.lockWait = d }

// TokenStoreOf returns the TokenStore c caches the token in.
func TokenStoreOf(c *Client) TokenStore { return c.tokens.store }
