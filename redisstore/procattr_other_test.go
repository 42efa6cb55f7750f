//go:build !linux

package redisstore

import "os/exec"

// dieWithParent does nothing off Linux, which has no Pdeathsig: a test
// binary that crashes may leave its redis-server running there.
func dieWithParent(*exec.Cmd) {}
