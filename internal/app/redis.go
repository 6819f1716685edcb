package app

import (
	"context"
	"fmt"
	"time"

	"apistarter/internal/config"
	"apistarter/internal/jobs"

	"github.com/redis/go-redis/v9"
)

// Redis timeouts: short, so a dead primary is noticed quickly and the
// rate limits and caches fall back instead of stalling requests.
const (
	redisDialTimeout  = 2 * time.Second
	redisReadTimeout  = time.Second
	redisWriteTimeout = time.Second
)

// RedisConn builds the connection settings every Redis user of the process
// shares. REDIS_URL gives the password, database and TLS of the data nodes
// (and the address without Sentinel); REDIS_SENTINEL_ADDRS switches to a
// Sentinel-managed primary, re-resolved after each failover without restart.
func RedisConn(cfg *config.Config) (jobs.RedisOpt, error) {
	opt, err := redis.ParseURL(cfg.RedisURL)
	if err != nil {
		return jobs.RedisOpt{}, fmt.Errorf("redis: parse REDIS_URL: %w", err)
	}
	opt.DialTimeout = redisDialTimeout
	opt.ReadTimeout = redisReadTimeout
	opt.WriteTimeout = redisWriteTimeout
	if len(cfg.RedisSentinelAddrs) == 0 {
		return jobs.RedisOpt{Options: opt}, nil
	}
	return jobs.RedisOpt{Failover: &redis.FailoverOptions{
		MasterName:       cfg.RedisSentinelMaster,
		SentinelAddrs:    append([]string(nil), cfg.RedisSentinelAddrs...),
		SentinelPassword: cfg.RedisSentinelPassword,
		Username:         opt.Username,
		Password:         opt.Password,
		DB:               opt.DB,
		TLSConfig:        opt.TLSConfig,
		DialTimeout:      redisDialTimeout,
		ReadTimeout:      redisReadTimeout,
		WriteTimeout:     redisWriteTimeout,
	}}, nil
}

// OpenRedis builds the app's client from cfg and checks the server answers,
// so a wrong password or address fails at startup.
func OpenRedis(ctx context.Context, cfg *config.Config) (*redis.Client, jobs.RedisOpt, error) {
	conn, err := RedisConn(cfg)
	if err != nil {
		return nil, conn, err
	}
	rc := conn.NewClient()
	pingCtx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	if err := rc.Ping(pingCtx).Err(); err != nil {
		_ = rc.Close()
		return nil, conn, fmt.Errorf("redis: cannot connect to %s: %w", conn.Describe(), err)
	}
	return rc, conn, nil
}
