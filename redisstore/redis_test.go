package redisstore

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
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
}

// freePort returns a TCP port on loopback nobody listens on.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// launchRedis starts redis-server on port with extra arguments appended
// (e.g. "--cluster-enabled", "yes"), in dir, and waits until it answers
// PING. The caller stops it with stop.
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
	r.cmd = exec.Command(r.bin, r.args...)
	r.cmd.Dir = r.dir
	dieWithParent(r.cmd)
	if err := r.cmd.Start(); err != nil {
		return err
	}
	rdb := redis.NewClient(&redis.Options{Addr: r.Addr, MaxRetries: -1})
	defer rdb.Close()
	deadline := time.Now().Add(10 * time.Second)
	for rdb.Ping(context.Background()).Err() != nil {
		if time.Now().After(deadline) {
			r.stop()
			return fmt.Errorf("redis-server on %s did not start", r.Addr)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return nil
}

// stop kills the server (SIGKILL: a crash, nothing saved) and waits for it.
func (r *redisServer) stop() {
	if r.cmd != nil && r.cmd.Process != nil {
		_ = r.cmd.Process.Kill()
		_ = r.cmd.Wait()
	}
	r.cmd = nil
}

// startRedis starts a redis-server of t's own (see launchRedis), stopped
// when t ends.
func startRedis(t testing.TB, extra ...string) *redisServer {
	t.Helper()
	port, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	r, err := launchRedis(port, t.TempDir(), extra...)
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
	port, err := freePort()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	dir, err := os.MkdirTemp("", "redisstore")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	r, err := launchRedis(port, dir)
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
