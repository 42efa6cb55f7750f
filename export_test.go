package wego

import "time"

// Hooks for the external tests (package wego_test) of this package.

// SetBusyBackoff shortens the wait between retries of busy reads.
func SetBusyBackoff(c *Client, d time.Duration) { c.busyBackoff = d }

// Redact exposes redact.
var Redact = redact

// SetTokenClock replaces the clock of the token cache: token expiry and the
// bound on refreshes after rejections follow it.
func SetTokenClock(c *Client, now func() time.Time) { c.tokens.now = now }
