package redisstore

import (
	"os/exec"
	"syscall"
)

// dieWithParent makes the redis-server a test starts die with the test
// process, so that a test binary that crashes (a panic skips TestMain's
// cleanup) leaves no server behind.
func dieWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
