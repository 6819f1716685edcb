package harness

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// SentinelMaster is the master name the Sentinels of RedisHA monitor.
const SentinelMaster = "mymaster"

// RedisHA is a Redis primary with one replica watched by three Sentinels,
// all on loopback, with a short down-after so a failover takes seconds.
type RedisHA struct {
	Nodes     []*RedisNode // Nodes[0] starts as primary, Nodes[1] as its replica
	Sentinels []*RedisNode
}

// ErrNoSentinel reports that redis-server or redis-sentinel is not installed.
var ErrNoSentinel = errors.New("redis-server and redis-sentinel are not installed")

// StartRedisHA starts the primary, the replica and the Sentinels, and waits
// until every Sentinel knows the replica and the other Sentinels, so a
// failover can happen as soon as the primary dies.
func StartRedisHA(ctx context.Context, dir, logDir string) (ha *RedisHA, err error) {
	for _, bin := range []string{"redis-server", "redis-sentinel"} {
		if _, err := exec.LookPath(bin); err != nil {
			return nil, ErrNoSentinel
		}
	}
	ha = &RedisHA{}
	defer func() {
		if err != nil {
			ha.Stop()
			ha = nil
		}
	}()
	for i := range 2 {
		var replicaOf []string
		if i > 0 {
			replicaOf = []string{"--replicaof", "127.0.0.1", strconv.Itoa(ha.Nodes[0].Port)}
		}
		n, err := StartRedis(ctx, fmt.Sprintf("redis-%d", i), filepath.Join(dir, fmt.Sprintf("redis-%d", i)), logDir,
			append([]string{"--appendfsync", "everysec"}, replicaOf...)...)
		if err != nil {
			return nil, err
		}
		ha.Nodes = append(ha.Nodes, n)
	}
	replica := redis.NewClient(&redis.Options{Addr: ha.Nodes[1].Addr()})
	defer replica.Close()
	if err := Poll(ctx, 20*time.Second, "replica in sync", func() bool {
		info, err := replica.Info(ctx, "replication").Result()
		return err == nil && strings.Contains(info, "master_link_status:up")
	}); err != nil {
		return nil, err
	}
	for i := range 3 {
		port, err := FreePort()
		if err != nil {
			return nil, err
		}
		conf := filepath.Join(dir, fmt.Sprintf("sentinel-%d.conf", i))
		body := fmt.Sprintf("port %d\nbind 127.0.0.1\ndir %s\nsentinel monitor %s 127.0.0.1 %d 2\n"+
			"sentinel down-after-milliseconds %s 1000\nsentinel failover-timeout %s 10000\nsentinel parallel-syncs %s 1\n",
			port, dir, SentinelMaster, ha.Nodes[0].Port, SentinelMaster, SentinelMaster, SentinelMaster)
		if err := os.WriteFile(conf, []byte(body), 0o644); err != nil {
			return nil, err
		}
		n := &RedisNode{Port: port, bin: "redis-sentinel", name: fmt.Sprintf("sentinel-%d", i), dir: dir, logDir: logDir, args: []string{conf}}
		if err := n.Start(ctx); err != nil {
			return nil, err
		}
		ha.Sentinels = append(ha.Sentinels, n)
	}
	for _, s := range ha.Sentinels {
		sc := redis.NewSentinelClient(&redis.Options{Addr: s.Addr()})
		err := Poll(ctx, 30*time.Second, "sentinel "+s.Addr()+" sees the replica and its peers", func() bool {
			reps, err1 := sc.Replicas(ctx, SentinelMaster).Result()
			peers, err2 := sc.Sentinels(ctx, SentinelMaster).Result()
			return err1 == nil && err2 == nil && len(reps) == 1 && len(peers) == 2
		})
		sc.Close()
		if err != nil {
			return nil, err
		}
	}
	return ha, nil
}

// SentinelAddrs is the comma-separated list for REDIS_SENTINEL_ADDRS.
func (ha *RedisHA) SentinelAddrs() string {
	var out []string
	for _, s := range ha.Sentinels {
		out = append(out, s.Addr())
	}
	return strings.Join(out, ",")
}

// MasterAddr asks the first answering Sentinel for the current primary.
func (ha *RedisHA) MasterAddr(ctx context.Context) (string, error) {
	var last error
	for _, s := range ha.Sentinels {
		if s.Proc.Exited() {
			continue
		}
		sc := redis.NewSentinelClient(&redis.Options{Addr: s.Addr()})
		addr, err := sc.GetMasterAddrByName(ctx, SentinelMaster).Result()
		sc.Close()
		if err == nil && len(addr) == 2 {
			return addr[0] + ":" + addr[1], nil
		}
		last = err
	}
	return "", fmt.Errorf("harness: no sentinel knows the primary: %v", last)
}

// Node returns the node listening on addr.
func (ha *RedisHA) Node(addr string) *RedisNode {
	for _, n := range ha.Nodes {
		if n.Addr() == addr {
			return n
		}
	}
	return nil
}

// KillPrimary SIGKILLs the current primary and returns its address.
func (ha *RedisHA) KillPrimary(ctx context.Context) (string, error) {
	addr, err := ha.MasterAddr(ctx)
	if err != nil {
		return "", err
	}
	n := ha.Node(addr)
	if n == nil {
		return "", fmt.Errorf("harness: primary %s is not one of ours", addr)
	}
	return addr, n.Proc.Kill()
}

// WaitPromoted waits until the Sentinels name a primary other than old and
// that node answers as a master.
func (ha *RedisHA) WaitPromoted(ctx context.Context, old string, timeout time.Duration) (string, error) {
	var now string
	err := Poll(ctx, timeout, "a replica promoted in place of "+old, func() bool {
		addr, err := ha.MasterAddr(ctx)
		if err != nil || addr == old {
			return false
		}
		rc := redis.NewClient(&redis.Options{Addr: addr})
		defer rc.Close()
		info, err := rc.Info(ctx, "replication").Result()
		now = addr
		return err == nil && strings.Contains(info, "role:master")
	})
	return now, err
}

// Stop stops every process.
func (ha *RedisHA) Stop() {
	for _, n := range append(append([]*RedisNode(nil), ha.Sentinels...), ha.Nodes...) {
		_ = n.Stop()
	}
}
