package redisstore

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

// The store promises to work on Redis Cluster through
// redis.UniversalClient: every command and script it sends touches one key,
// so no command spans two hash slots (CROSSSLOT) and no script reaches a
// key on another node. The tests here run the store's operations on a real
// three-master cluster, with keys chosen to land on every master.

// redisCluster is a Redis Cluster a test started: three masters, no
// replicas, each a redis-server of its own, stopped when the test ends.
type redisCluster struct {
	Addrs  []string
	nodes  []*redisServer
	direct map[string]*redis.Client // addr → a plain client of that node alone
	cc     *redis.ClusterClient     // for masterOf
}

// hashSlots is the number of hash slots of a Redis Cluster.
const hashSlots = 16384

// startCluster starts three cluster-enabled redis-servers, joins them with
// redis-cli --cluster create and waits until every node reports
// cluster_state:ok and a cluster client can write and read a key in every
// one of the 16384 slots. The nodes are stopped when t ends. It takes 2 to
// 3 s: a master reports ok no sooner than 2 s after it started (Redis's
// CLUSTER_WRITABLE_DELAY), and redis-cli waits for the join by the second.
func startCluster(t *testing.T) *redisCluster {
	t.Helper()
	cli, err := exec.LookPath("redis-cli")
	if err != nil {
		t.Fatal("redis-cli is not on PATH: the cluster tests create their cluster with it (apt-get install -y redis-server, which brings redis-tools)")
	}
	start := time.Now()
	c := &redisCluster{direct: map[string]*redis.Client{}}
	dirs := []string{t.TempDir(), t.TempDir(), t.TempDir()}
	c.nodes = make([]*redisServer, len(dirs))
	errs := make([]error, len(dirs))
	var wg sync.WaitGroup
	for i, dir := range dirs {
		wg.Add(1)
		go func() { // the nodes start at once: each launch waits for its PING
			defer wg.Done()
			c.nodes[i], errs[i] = launchClusterNode(dir)
		}()
	}
	wg.Wait()
	for _, n := range c.nodes {
		if n != nil {
			t.Cleanup(n.stop)
		}
	}
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	for _, n := range c.nodes {
		c.Addrs = append(c.Addrs, n.Addr)
		rdb := redis.NewClient(&redis.Options{Addr: n.Addr})
		t.Cleanup(func() { rdb.Close() })
		c.direct[n.Addr] = rdb
	}

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	args := append(append([]string{"--cluster", "create"}, c.Addrs...), "--cluster-replicas", "0", "--cluster-yes")
	if out, err := exec.CommandContext(ctx, cli, args...).CombinedOutput(); err != nil {
		t.Fatalf("redis-cli --cluster create %v: %v\n%s", c.Addrs, err, out)
	}
	created := time.Since(start)
	var last error
	for {
		if last = c.ready(ctx); last == nil {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("the cluster on %v is not ready: %v", c.Addrs, last)
		case <-time.After(50 * time.Millisecond):
		}
	}
	t.Logf("cluster on %v: created in %v, ready in %v", c.Addrs, created.Round(time.Millisecond), time.Since(start).Round(time.Millisecond))
	c.cc = redis.NewClusterClient(&redis.ClusterOptions{Addrs: c.Addrs})
	t.Cleanup(func() { c.cc.Close() })
	return c
}

// launchClusterNode starts a cluster-enabled redis-server in a directory
// of its own under dir (its nodes.conf). Its cluster bus listens on its
// port + 10000, as on every Redis version (--cluster-port is 7.0's), so the
// port is one whose bus port is free too. A port taken by someone else
// between the choice and the launch costs another try.
func launchClusterNode(dir string) (*redisServer, error) {
	var err error
	for range 3 {
		var port int
		var sub string
		if port, err = clusterPort(); err != nil {
			continue
		}
		if sub, err = os.MkdirTemp(dir, "node"); err != nil {
			return nil, err
		}
		var r *redisServer
		r, err = launchRedis(port, sub, "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
			"--cluster-node-timeout", "2000")
		if err == nil {
			return r, nil
		}
	}
	return nil, fmt.Errorf("cluster node: %w", err)
}

// clusterPort returns a free port on loopback whose cluster bus port
// (port + 10000) is a free port too.
func clusterPort() (int, error) {
	for range 100 {
		port, err := freePort()
		if err != nil {
			return 0, err
		}
		if port+10000 > 65535 {
			continue
		}
		l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port+10000))
		if err != nil {
			continue
		}
		l.Close()
		return port, nil
	}
	return 0, errors.New("no free port with a free cluster bus port")
}

// ready reports why the cluster cannot serve yet: a node whose CLUSTER
// INFO is not ok with all slots and nodes, a slot a cluster client cannot
// write and read, or a slot the client computes otherwise than the server.
func (c *redisCluster) ready(ctx context.Context) error {
	for addr, rdb := range c.direct {
		info, err := rdb.ClusterInfo(ctx).Result()
		if err != nil {
			return fmt.Errorf("%s: CLUSTER INFO: %w", addr, err)
		}
		for _, want := range []string{"cluster_state:ok", "cluster_slots_ok:16384", "cluster_known_nodes:3", "cluster_size:3"} {
			if !strings.Contains(info, want+"\r\n") {
				return fmt.Errorf("%s: CLUSTER INFO lacks %s", addr, want)
			}
		}
	}
	cc := redis.NewClusterClient(&redis.ClusterOptions{Addrs: c.Addrs}) // a fresh view of the slots on each try
	defer cc.Close()
	keys := slotKeys()
	for _, k := range []string{keys[0], keys[hashSlots-1], "{wego}:token:wx1"} {
		slot, err := cc.ClusterKeySlot(ctx, k).Result()
		if err != nil {
			return fmt.Errorf("CLUSTER KEYSLOT: %w", err)
		}
		if int(slot) != keySlot(k) {
			return fmt.Errorf("the server puts %q in slot %d, keySlot in %d", k, slot, keySlot(k))
		}
	}
	// One key in every slot, written and read back through the cluster
	// client: every slot is served, and routed where the client thinks.
	if _, err := cc.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, k := range keys {
			p.Set(ctx, k, k, time.Minute)
		}
		return nil
	}); err != nil {
		return fmt.Errorf("SET in every slot: %w", err)
	}
	cmds, err := cc.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, k := range keys {
			p.Get(ctx, k)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("GET in every slot: %w", err)
	}
	for i, cmd := range cmds {
		if v := cmd.(*redis.StringCmd).Val(); v != keys[i] {
			return fmt.Errorf("slot %d: read %q back, not %q", keySlot(keys[i]), v, keys[i])
		}
	}
	return nil
}

// slotKeys returns a key in each hash slot, the key of slot i at i.
var slotKeys = sync.OnceValue(func() []string {
	keys := make([]string, hashSlots)
	for i, left := 0, hashSlots; left > 0; i++ {
		k := "ready:" + strconv.Itoa(i)
		if s := keySlot(k); keys[s] == "" {
			keys[s] = k
			left--
		}
	}
	return keys
})

// keySlot is the hash slot of key in a Redis Cluster: CRC16 (XMODEM) of its
// hash tag (the part between the first "{" and the "}" after it, when not
// empty) or else of the whole key, modulo 16384.
func keySlot(key string) int {
	if i := strings.IndexByte(key, '{'); i >= 0 {
		if j := strings.IndexByte(key[i+1:], '}'); j > 0 {
			key = key[i+1 : i+1+j]
		}
	}
	var crc uint16
	for i := range len(key) {
		crc ^= uint16(key[i]) << 8
		for range 8 {
			if crc&0x8000 != 0 {
				crc = crc<<1 ^ 0x1021
			} else {
				crc <<= 1
			}
		}
	}
	return int(crc) % hashSlots
}

// masterOf returns the address of the master that serves key, as a
// cluster client routes it.
func (c *redisCluster) masterOf(t *testing.T, key string) string {
	t.Helper()
	m, err := c.cc.MasterForKey(context.Background(), key)
	require.NoError(t, err)
	return m.Options().Addr
}

// spread returns names, name(0), name(1), … picked so that their keys
// (key(name)) land one on each master, and checks that they do: a test
// using them sends the store's commands to every node.
func (c *redisCluster) spread(t *testing.T, name func(int) string, key func(string) string) []string {
	t.Helper()
	seen := map[string]bool{}
	var names []string
	for i := 0; len(seen) < len(c.Addrs); i++ {
		require.Less(t, i, 1000, "no keys on every master")
		n := name(i)
		if m := c.masterOf(t, key(n)); !seen[m] {
			seen[m] = true
			names = append(names, n)
		}
	}
	return names
}

// clusterPrefix returns a key prefix of t's own: its name and a random
// suffix (the cluster is t's parent's, and its tests share it).
func clusterPrefix(t *testing.T) string {
	return fmt.Sprintf("%s:%016x:", t.Name(), rand.Uint64())
}

// TestCluster runs the store's tests on a three-master Redis Cluster.
func TestCluster(t *testing.T) {
	t.Parallel()
	c := startCluster(t)

	// The harness is a real cluster: a command spanning two slots, or a
	// script reaching a key it did not name in KEYS, is refused. The store
	// sends neither, as the tests after this one show.
	t.Run("RefusesCrossSlot", func(t *testing.T) {
		t.Parallel()
		ctx := context.Background()
		p := clusterPrefix(t)
		keys := c.spread(t, func(i int) string { return p + strconv.Itoa(i) }, func(k string) string { return k })
		_, err := c.cc.MGet(ctx, keys[0], keys[1]).Result()
		require.ErrorContains(t, err, "CROSSSLOT")
		_, err = c.cc.Eval(ctx, `return redis.call("GET", ARGV[1])`, []string{keys[0]}, keys[1]).Result()
		require.ErrorContains(t, err, "non local key")
	})
}
