package redisstore

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wego-sdk/wego"
	"github.com/wego-sdk/wego/wegotest"
)

// The store promises to work on Redis Cluster and behind Sentinel through
// redis.UniversalClient: every command and script it sends touches one key,
// so no command spans two hash slots (CROSSSLOT) and no script reaches a
// key on another node. The tests here run the store's operations on a real
// three-master cluster, with keys chosen to land on every master, and on a
// real Sentinel, through a failover of its master.

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

// holders returns the nodes that hold key, asking each node alone: the
// node that serves its slot answers EXISTS, the others refuse (MOVED).
func (c *redisCluster) holders(t *testing.T, key string) []string {
	t.Helper()
	var on []string
	for _, addr := range c.Addrs {
		n, err := c.direct[addr].Exists(context.Background(), key).Result()
		if err != nil {
			require.ErrorContains(t, err, "MOVED", "%s on %s", key, addr)
			continue
		}
		if n == 1 {
			on = append(on, addr)
		}
	}
	return on
}

// assertHeldBy checks that key is stored on the master addr and nowhere else.
func (c *redisCluster) assertHeldBy(t *testing.T, key, addr string) {
	t.Helper()
	assert.Equal(t, []string{addr}, c.holders(t, key), "the nodes holding %s", key)
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

// spreadPrefix returns a key prefix of t's own under which the keys
// keys(prefix) land on at least masters different masters: for keys whose
// other part the test does not choose (a wegotest AppID).
func (c *redisCluster) spreadPrefix(t *testing.T, masters int, keys func(prefix string) []string) string {
	t.Helper()
	base := clusterPrefix(t)
	for i := range 1000 {
		p := base + strconv.Itoa(i) + ":"
		on := map[string]bool{}
		for _, k := range keys(p) {
			on[c.masterOf(t, k)] = true
		}
		if len(on) >= masters {
			return p
		}
	}
	t.Fatalf("no prefix puts the keys on %d masters", masters)
	return ""
}

// newStore returns a store of its own cluster client, passed as the
// redis.UniversalClient an application would give New: stores of one test
// sharing a prefix play the servers of one deployment.
func (c *redisCluster) newStore(t *testing.T, prefix string, opts ...Option) (*Store, *redis.ClusterClient) {
	t.Helper()
	cc := redis.NewClusterClient(&redis.ClusterOptions{Addrs: c.Addrs})
	t.Cleanup(func() { cc.Close() })
	var rdb redis.UniversalClient = cc
	return New(rdb, append([]Option{WithPrefix(prefix)}, opts...)...), cc
}

// TestCluster runs every operation of the store on a three-master Redis
// Cluster, with the keys of each test on every master.
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

	// As TestServersShareOneRefresh: four servers, 50 goroutines each, a
	// cold cache, one token request; the token and its lock on two masters.
	// Two of the servers make their client with redis.NewUniversalClient,
	// which gives a ClusterClient for more than one address.
	t.Run("ServersShareOneRefresh", func(t *testing.T) {
		t.Parallel()
		ctx := context.Background()
		srv := wegotest.New(t)
		p := c.spreadPrefix(t, 2, func(p string) []string {
			s := New(nil, WithPrefix(p)) // for its key names
			return []string{s.tokenKey(srv.AppID), s.lockKey(srv.AppID)}
		})
		stores := make([]*Store, 4)
		for i := range stores {
			if i%2 == 0 {
				stores[i], _ = c.newStore(t, p)
			} else {
				uc := redis.NewUniversalClient(&redis.UniversalOptions{Addrs: c.Addrs})
				t.Cleanup(func() { uc.Close() })
				require.IsType(t, (*redis.ClusterClient)(nil), uc)
				stores[i] = New(uc, WithPrefix(p))
			}
		}
		store := stores[3]
		clients := classicClients(t, srv, stores...)
		assertOneTokenFetch(t, srv, clients, 50)
		_, err := clients[3].GetWeChatServersList(ctx)
		require.NoError(t, err, "the shared token works")
		tokenKey := store.tokenKey(srv.AppID)
		c.assertHeldBy(t, tokenKey, c.masterOf(t, tokenKey))
		assert.NotEqual(t, c.masterOf(t, tokenKey), c.masterOf(t, store.lockKey(srv.AppID)), "the token and its lock on two masters")
	})

	// As TestServersShareOneTicket: the token, the ticket and their locks
	// on all three masters, one ticket request for four servers.
	t.Run("ServersShareOneTicket", func(t *testing.T) {
		t.Parallel()
		srv := wegotest.New(t)
		ticket := srv.AppID + "/jsapi_ticket" // the TokenStore key of the jsapi_ticket
		p := c.spreadPrefix(t, 3, func(p string) []string {
			s := New(nil, WithPrefix(p))
			return []string{s.tokenKey(srv.AppID), s.lockKey(srv.AppID), s.tokenKey(ticket), s.lockKey(ticket)}
		})
		stores := make([]*Store, 4)
		for i := range stores {
			stores[i], _ = c.newStore(t, p)
		}
		store := stores[3]
		assertOneTicketFetch(t, srv, 50, stores...)
		for _, k := range []string{store.tokenKey(srv.AppID), store.tokenKey(ticket)} {
			c.assertHeldBy(t, k, c.masterOf(t, k))
		}
	})

	t.Run("TokenLockIsReleasedOnlyByItsOwner", func(t *testing.T) {
		t.Parallel()
		ctx := context.Background()
		p := clusterPrefix(t)
		a, cc := c.newStore(t, p)
		b, _ := c.newStore(t, p)
		apps := c.spread(t, func(i int) string { return "wx" + strconv.Itoa(i) }, a.lockKey)
		for _, app := range apps {
			unlockA, ok, err := a.LockToken(ctx, app, time.Minute)
			require.NoError(t, err)
			require.True(t, ok, app)
			c.assertHeldBy(t, a.lockKey(app), c.masterOf(t, a.lockKey(app)))
			_, ok, err = b.LockToken(ctx, app, time.Minute)
			require.NoError(t, err)
			assert.False(t, ok, "%s: held by a", app)

			// a's lock expired and b took it: a's unlock (the script, run
			// on the lock's node) leaves b's lock alone.
			require.NoError(t, cc.Del(ctx, a.lockKey(app)).Err())
			unlockB, ok, err := b.LockToken(ctx, app, time.Minute)
			require.NoError(t, err)
			require.True(t, ok, app)
			require.NoError(t, unlockA(ctx))
			_, ok, _ = a.LockToken(ctx, app, time.Minute)
			assert.False(t, ok, "%s: b still holds it", app)
			require.NoError(t, unlockB(ctx))
			assert.Empty(t, c.holders(t, a.lockKey(app)), "%s: released by its owner", app)
			_, ok, _ = a.LockToken(ctx, app, time.Minute)
			assert.True(t, ok, app)
			ttl, err := cc.PTTL(ctx, a.lockKey(app)).Result()
			require.NoError(t, err)
			assert.True(t, ttl > 0 && ttl <= time.Minute, "%s: the lock expires: %v", app, ttl)
		}
	})

	// DeleteToken's compare-and-delete is a script naming its one key in
	// KEYS: the cluster client sends it to the key's node, where it runs.
	t.Run("DeleteTokenComparesAndDeletes", func(t *testing.T) {
		t.Parallel()
		ctx := context.Background()
		p := clusterPrefix(t)
		a, cc := c.newStore(t, p, WithLocalCache(0))
		b, _ := c.newStore(t, p, WithLocalCache(0))
		apps := c.spread(t, func(i int) string { return "wx" + strconv.Itoa(i) }, a.tokenKey)
		for _, app := range apps {
			key := a.tokenKey(app)
			exp := time.Now().Add(time.Hour).Truncate(time.Millisecond)
			require.NoError(t, a.SetToken(ctx, app, wego.Token{Value: "T1-" + app, ExpiresAt: exp}))
			c.assertHeldBy(t, key, c.masterOf(t, key))
			tok, ok, err := b.Token(ctx, app)
			require.NoError(t, err)
			require.True(t, ok, app)
			assert.Equal(t, "T1-"+app, tok.Value)
			assert.True(t, exp.Equal(tok.ExpiresAt), app)

			require.NoError(t, b.DeleteToken(ctx, app, "stale"))
			_, ok, _ = a.Token(ctx, app)
			assert.True(t, ok, "%s: deleting another value keeps the token", app)
			// The script itself compares: a value other than the key's is
			// not deleted, on whichever node the key is.
			n, err := compareAndDelete.Run(ctx, cc, []string{key}, encodeToken(wego.Token{Value: "stale", ExpiresAt: exp})).Int()
			require.NoError(t, err)
			assert.Zero(t, n, app)
			require.NoError(t, b.DeleteToken(ctx, app, "T1-"+app))
			_, ok, err = a.Token(ctx, app)
			require.NoError(t, err)
			assert.False(t, ok, "%s: deleted on every server", app)
			assert.Empty(t, c.holders(t, key), app)
		}
	})

	t.Run("DedupAcrossStores", func(t *testing.T) {
		t.Parallel()
		ctx := context.Background()
		p := clusterPrefix(t)
		a, _ := c.newStore(t, p)
		b, _ := c.newStore(t, p)
		keys := c.spread(t, func(i int) string { return "push:wx1:" + strconv.Itoa(1000+i) }, a.dedupKey)
		for _, key := range keys {
			assertOneClaimWinner(t, key, a, b)
			c.assertHeldBy(t, a.dedupKey(key), c.masterOf(t, a.dedupKey(key)))
			claimed, _, done, err := b.Claim(ctx, key, time.Minute)
			require.NoError(t, err)
			assert.False(t, claimed, key)
			assert.False(t, done, "%s: still running", key)

			require.NoError(t, a.Finish(ctx, key, []byte("<xml>"+key+"</xml>"), time.Minute))
			claimed, res, done, err := b.Claim(ctx, key, time.Minute)
			require.NoError(t, err)
			assert.False(t, claimed, key)
			assert.True(t, done, key)
			assert.Equal(t, "<xml>"+key+"</xml>", string(res))

			pay := "pay:" + key
			claimed, _, _, err = a.Claim(ctx, pay, time.Minute)
			require.NoError(t, err)
			require.True(t, claimed, pay)
			require.NoError(t, a.Release(ctx, pay))
			claimed, _, _, err = b.Claim(ctx, pay, time.Minute)
			require.NoError(t, err)
			assert.True(t, claimed, "%s: a released key is handled again, on any server", pay)
		}
	})

	t.Run("SessionsAcrossStores", func(t *testing.T) {
		t.Parallel()
		ctx := context.Background()
		p := clusterPrefix(t)
		a, cc := c.newStore(t, p)
		b, _ := c.newStore(t, p)
		keys := c.spread(t, func(i int) string { return fmt.Sprintf("sid%02d", i) }, a.sessionKey)
		for _, key := range keys {
			data := []byte("\x01data\x00" + key)
			require.NoError(t, a.SetSession(ctx, key, data, time.Hour))
			c.assertHeldBy(t, a.sessionKey(key), c.masterOf(t, a.sessionKey(key)))
			got, ok, err := b.Session(ctx, key)
			require.NoError(t, err)
			require.True(t, ok, key)
			assert.Equal(t, data, got)
			ttl, err := cc.PTTL(ctx, a.sessionKey(key)).Result()
			require.NoError(t, err)
			assert.True(t, ttl > 59*time.Minute && ttl <= time.Hour, "%s: the key expires with the session: %v", key, ttl)

			require.NoError(t, b.DeleteSession(ctx, key))
			_, ok, err = a.Session(ctx, key)
			require.NoError(t, err)
			assert.False(t, ok, "%s: a logout holds on every server", key)

			require.NoError(t, a.SetSession(ctx, key, data, time.Hour))
			require.NoError(t, b.SetSession(ctx, key, data, 0)) // over already: deleted
			_, ok, err = a.Session(ctx, key)
			require.NoError(t, err)
			assert.False(t, ok, key)
		}
	})

	// A prefix with a hash tag ("{wego}:") hashes every key of the store
	// to one slot: it works, on one master.
	t.Run("HashTagPrefixPutsEverythingOnOneNode", func(t *testing.T) {
		t.Parallel()
		ctx := context.Background()
		p := fmt.Sprintf("{%s:%016x}:", t.Name(), rand.Uint64())
		s, _ := c.newStore(t, p)
		untagged := New(nil, WithPrefix(clusterPrefix(t))) // the same keys without the tag
		node := c.masterOf(t, p)
		spread := map[string]bool{}
		for i := range 6 {
			app := "wx" + strconv.Itoa(i)
			require.NoError(t, s.SetToken(ctx, app, wego.Token{Value: "T", ExpiresAt: time.Now().Add(time.Hour)}))
			_, ok, err := s.LockToken(ctx, app, time.Minute)
			require.NoError(t, err)
			require.True(t, ok)
			_, _, _, err = s.Claim(ctx, "push:"+app, time.Minute)
			require.NoError(t, err)
			require.NoError(t, s.SetSession(ctx, "sid"+app, []byte("x"), time.Minute))
			for _, k := range []string{s.tokenKey(app), s.lockKey(app), s.dedupKey("push:" + app), s.sessionKey("sid" + app)} {
				c.assertHeldBy(t, k, node)
			}
			for _, k := range []string{untagged.tokenKey(app), untagged.lockKey(app), untagged.dedupKey("push:" + app), untagged.sessionKey("sid" + app)} {
				spread[c.masterOf(t, k)] = true
			}
		}
		assert.Len(t, spread, 3, "without the tag, the same keys spread over every master")
	})
}

// startSentinel starts a Sentinel of t's own (redis-server --sentinel,
// with a config file it may rewrite) monitoring master as "mymaster" with
// a quorum of one, so that it alone fails over, and stopped when t ends;
// its log is printed if t failed.
func startSentinel(t *testing.T, master string, downAfter time.Duration) *redisServer {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	require.NoError(t, err, "redis-server is not on PATH (apt-get install -y redis-server)")
	port, err := freePort()
	require.NoError(t, err)
	host, mport, _ := strings.Cut(master, ":")
	dir := t.TempDir()
	conf := filepath.Join(dir, "sentinel.conf")
	require.NoError(t, os.WriteFile(conf, []byte(fmt.Sprintf(`port %d
bind 127.0.0.1
dir %q
sentinel monitor mymaster %s %s 1
sentinel down-after-milliseconds mymaster %d
sentinel failover-timeout mymaster 3000
logfile %q
`, port, dir, host, mport, downAfter.Milliseconds(), filepath.Join(dir, "log"))), 0o600))
	r := &redisServer{Addr: fmt.Sprintf("127.0.0.1:%d", port), bin: bin, args: []string{conf, "--sentinel"}, dir: dir}
	require.NoError(t, r.start())
	t.Cleanup(func() {
		r.stop()
		if t.Failed() { // what the Sentinel saw and did, for the failure
			log, _ := os.ReadFile(filepath.Join(dir, "log"))
			t.Logf("sentinel log:\n%s", log)
		}
	})
	return r
}

// sentinelStores returns two stores sharing prefix behind the Sentinel at
// addr: one on redis.NewFailoverClient, one on redis.NewUniversalClient
// with a MasterName, the two ways an application asks for it.
func sentinelStores(t *testing.T, addr, prefix string, opts ...Option) (*Store, *Store) {
	t.Helper()
	fc := redis.NewFailoverClient(&redis.FailoverOptions{MasterName: "mymaster", SentinelAddrs: []string{addr}})
	uc := redis.NewUniversalClient(&redis.UniversalOptions{MasterName: "mymaster", Addrs: []string{addr}})
	t.Cleanup(func() { fc.Close(); uc.Close() })
	opts = append([]Option{WithPrefix(prefix)}, opts...)
	return New(fc, opts...), New(uc, opts...)
}

// Servers behind a Sentinel share one token and handle a push once.
func TestSentinel(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	master := startRedis(t)
	sentinel := startSentinel(t, master.Addr, 5*time.Second)
	a, b := sentinelStores(t, sentinel.Addr, "wego:")

	srv := wegotest.New(t)
	assertOneTokenFetch(t, srv, classicClients(t, srv, a, b), 50)
	direct := redis.NewClient(&redis.Options{Addr: master.Addr})
	defer direct.Close()
	n, err := direct.Exists(ctx, a.tokenKey(srv.AppID)).Result()
	require.NoError(t, err)
	assert.Equal(t, int64(1), n, "the token is on the master the Sentinel names")

	assertOneClaimWinner(t, "push:wx1:1234", a, b)
	require.NoError(t, a.Finish(ctx, "push:wx1:1234", []byte("<xml>reply</xml>"), time.Minute))
	claimed, res, done, err := b.Claim(ctx, "push:wx1:1234", time.Minute)
	require.NoError(t, err)
	assert.False(t, claimed)
	assert.True(t, done)
	assert.Equal(t, "<xml>reply</xml>", string(res))
}

// When the master dies the Sentinel promotes its replica, and the stores,
// without being rebuilt, follow: the token, the finished push and the
// session written before (and replicated) are still there, a server
// started after the failover uses that token instead of fetching one, and
// writes go on.
func TestSentinelFailover(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	nodelay := []string{"--repl-diskless-sync-delay", "0"} // a replica syncs at once, not 5 s later
	master := startRedis(t, nodelay...)
	host, port, _ := strings.Cut(master.Addr, ":")
	replica := startRedis(t, append(nodelay, "--replicaof", host, port)...)
	toReplica := redis.NewClient(&redis.Options{Addr: replica.Addr})
	defer toReplica.Close()
	require.Eventually(t, func() bool {
		info, err := toReplica.Info(ctx, "replication").Result()
		return err == nil && strings.Contains(info, "master_link_status:up")
	}, 10*time.Second, 20*time.Millisecond, "the replica syncs")

	sentinel := startSentinel(t, master.Addr, time.Second)
	toSentinel := redis.NewSentinelClient(&redis.Options{Addr: sentinel.Addr})
	defer toSentinel.Close()
	// The Sentinel promotes only a replica it knows and reaches.
	require.Eventually(t, func() bool {
		rs, err := toSentinel.Replicas(ctx, "mymaster").Result()
		return err == nil && len(rs) == 1 && rs[0]["name"] == replica.Addr && rs[0]["flags"] == "slave" && rs[0]["master-link-status"] == "ok"
	}, 10*time.Second, 20*time.Millisecond, "the Sentinel knows the replica")

	a, b := sentinelStores(t, sentinel.Addr, "wego:", WithLocalCache(0))
	srv := wegotest.New(t)
	newClient := func(store *Store) *wego.Client {
		s := srv.Settings()
		s.TokenStore = store
		s.TokenEndpoint = wego.TokenEndpointClassic
		cl, err := wego.NewClient(s)
		require.NoError(t, err)
		return cl
	}
	before, err := newClient(a).AccessToken(ctx)
	require.NoError(t, err)
	claimed, _, _, err := a.Claim(ctx, "push:wx1:1", time.Minute)
	require.NoError(t, err)
	require.True(t, claimed)
	require.NoError(t, a.Finish(ctx, "push:wx1:1", []byte("<xml>reply</xml>"), time.Minute))
	require.NoError(t, a.SetSession(ctx, "sid", []byte("alice"), time.Hour))
	toMaster := redis.NewClient(&redis.Options{Addr: master.Addr})
	defer toMaster.Close()
	// Replication is asynchronous: what the master acknowledged and had not
	// sent yet dies with it. WAIT makes the test's writes safe.
	acked, err := toMaster.Wait(ctx, 1, 5*time.Second).Result()
	require.NoError(t, err)
	require.Equal(t, int64(1), acked, "the replica has the writes")

	master.stop()
	start := time.Now()
	require.Eventually(t, func() bool {
		addr, err := toSentinel.GetMasterAddrByName(ctx, "mymaster").Result()
		return err == nil && len(addr) == 2 && addr[0]+":"+addr[1] == replica.Addr
	}, 20*time.Second, 20*time.Millisecond, "the Sentinel promotes the replica")
	// The stores' clients find the new master on their next connection.
	require.Eventually(t, func() bool {
		_, _, errA := a.Token(ctx, srv.AppID)
		_, _, errB := b.Token(ctx, srv.AppID)
		return errA == nil && errB == nil
	}, 20*time.Second, 20*time.Millisecond, "the stores reach the new master")
	t.Logf("failover took %v", time.Since(start).Round(10*time.Millisecond))

	after, err := newClient(b).AccessToken(ctx)
	require.NoError(t, err)
	assert.True(t, after == before, "a server started after the failover uses the token from before it")
	assert.Equal(t, 1, srv.TokenRequests())
	claimed, res, done, err := b.Claim(ctx, "push:wx1:1", time.Minute)
	require.NoError(t, err)
	assert.False(t, claimed, "a push handled before the failover is not handled again")
	assert.True(t, done)
	assert.Equal(t, "<xml>reply</xml>", string(res))
	got, ok, err := b.Session(ctx, "sid")
	require.NoError(t, err)
	assert.True(t, ok)
	assert.Equal(t, "alice", string(got))

	require.NoError(t, b.SetSession(ctx, "sid2", []byte("bob"), time.Hour))
	got, ok, err = a.Session(ctx, "sid2")
	require.NoError(t, err)
	assert.True(t, ok, "writes go on, on the new master")
	assert.Equal(t, "bob", string(got))
	n, err := toReplica.Exists(ctx, a.sessionKey("sid2")).Result()
	require.NoError(t, err)
	assert.Equal(t, int64(1), n, "written to the promoted replica")
}
