package wego

import "time"

// Hooks for the external tests (package wego_test) of this package.

// SetBusyBackoff shortens the wait between retries of busy reads.
func SetBusyBackoff(c *Client, d time.Duration) { c.busyBackoff = d }

// Redact exposes redact.
var Redact = redact
