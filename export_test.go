package wego

import "time"

// Hooks for the external tests (package wego_test) of this package.

// SetBusyBackoff shortens the wait between retries of busy reads.
func SetBusyBackoff(c *Client, d time.Duration) { c.busyBackoff = d }

// Redact exposes redact.
var Redact = redact

// ParseGzipBill exposes parseGzipBill, the parse of Client.DownloadBill for
// a gzipped bill.
var ParseGzipBill = parseGzipBill
