package redisstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// redisServer is a redis-server process a test started: on a port of its
// own, without persistence (a restart comes back empty, as a Redis that
// lost its data does), stopped when the test ends.
type redisServer struct {
	Addr string
	bin  string
	args []string
	dir  string
	cmd  *exec.Cmd
	// exited is closed once cmd has exited.
	exited chan struct{}
}

// Ports freePort handed out in this process, never handed out again: a
// test's server keeps its port while it is down between stop and restart.
var (
	portsMu sync.Mutex
	ports   = map[int]bool{}
)

// freePort returns a TCP port on loopback nobody listens on, below 32768,
// where Linux's ephemeral ports (32768 to 60999 by default; 49152 and up
// elsewhere) start: the local port of an outgoing connection, which the
// tests make by the thousand, then cannot take a port between freePort
// and the server's start, or while the server is down, and make the
// server's bind fail.
func freePort() (int, error) {
	portsMu.Lock()
	defer portsMu.Unlock()
	for range 100 {
		port := 20000 + rand.IntN(32768-20000)
		if ports[port] {
			continue
		}
		l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err != nil {
			continue // in use
		}
		l.Close()
		ports[port] = true
		return port, nil
	}
	return 0, errors.New("no free port on loopback between 20000 and 32767")
}

// launchOnFreePort is launchRedis on a port from freePort, and on another
// should another process take that port first.
func launchOnFreePort(dir string, extra ...string) (*redisServer, error) {
	var err error
	for range 3 {
		var port int
		if port, err = freePort(); err != nil {
			return nil, err
		}
		var r *redisServer
		if r, err = launchRedis(port, dir, extra...); err == nil {
			return r, nil
		}
	}
	return nil, err
}

// launchRedis starts redis-server on port with extra arguments appended
// (e.g. "--cluster-enabled", "yes"), in dir, and waits until it answers
// (it, not a server another test started on the port). The caller stops
// it with stop.
func launchRedis(port int, dir string, extra ...string) (*redisServer, error) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		return nil, errors.New("redis-server is not on PATH (apt-get install -y redis-server)")
	}
	args := append([]string{"--port", fmt.Sprint(port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--dir", dir}, extra...)
	r := &redisServer{Addr: fmt.Sprintf("127.0.0.1:%d", port), bin: bin, args: args, dir: dir}
	return r, r.start()
}

func (r *redisServer) start() error {
	cmd := exec.Command(r.bin, r.args...)
	cmd.Dir = r.dir
	dieWithParent(cmd)
	out := new(bytes.Buffer) // read once the process has exited
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		return err
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	r.cmd, r.exited = cmd, exited
	rdb := redis.NewClient(&redis.Options{Addr: r.Addr, MaxRetries: -1})
	defer rdb.Close()
	// The server that answers must be this process, not one another test
	// started on the port meanwhile.
	ours := fmt.Sprintf("process_id:%d\r\n", cmd.Process.Pid)
	deadline := time.Now().Add(10 * time.Second)
	for {
		info, err := rdb.Info(context.Background(), "server").Result()
		if err == nil && strings.Contains(info, ours) {
			return nil
		}
		select {
		case <-exited:
			r.cmd = nil
			return fmt.Errorf("redis-server on %s exited: %s", r.Addr, lastLine(out.String()))
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			r.stop()
			return fmt.Errorf("redis-server on %s did not start", r.Addr)
		}
	}
}

// lastLine is the last non-empty line of s: what a server said last.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

// stop kills the server (SIGKILL: a crash, nothing saved) and waits for it.
func (r *redisServer) stop() {
	if r.cmd != nil {
		_ = r.cmd.Process.Kill()
		<-r.exited
	}
	r.cmd = nil
}

// startRedis starts a redis-server of t's own (see launchRedis), stopped
// when t ends.
func startRedis(t testing.TB, extra ...string) *redisServer {
	t.Helper()
	r, err := launchOnFreePort(t.TempDir(), extra...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.stop)
	return r
}

// restart starts the server again on its port after stop, empty.
func (r *redisServer) restart(t testing.TB) {
	t.Helper()
	if err := r.start(); err != nil {
		t.Fatal(err)
	}
}

// runWithRedis starts the redis-server the tests share (redisAddr), runs
// them and stops it.
func runWithRedis(m *testing.M) int {
	dir, err := os.MkdirTemp("", "redisstore")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	r, err := launchOnFreePort(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, "redisstore tests:", err)
		return 1
	}
	defer r.stop()
	redisAddr = r.Addr
	// The examples (package redisstore_test) find it as a program would.
	os.Setenv("REDIS_ADDR", r.Addr)
	return m.Run()
}
