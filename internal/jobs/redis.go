package jobs

import "github.com/redis/go-redis/v9"

// RedisOpt is the one description of how every Redis user of a process
// connects (the app's client for caches and rate limits, and asynq's worker,
// client, scheduler, inspector and dashboard): address, password, TLS and
// database come from REDIS_URL; with Failover set, the primary is found
// through Sentinel and followed across failovers. Each user gets its own pool.
type RedisOpt struct {
	Options  *redis.Options
	Failover *redis.FailoverOptions
}

// NewClient returns a new client with its own pool.
func (o RedisOpt) NewClient() *redis.Client {
	if o.Failover != nil {
		fo := *o.Failover
		fo.SentinelAddrs = append([]string(nil), fo.SentinelAddrs...)
		if fo.TLSConfig != nil {
			fo.TLSConfig = fo.TLSConfig.Clone()
		}
		return redis.NewFailoverClient(&fo)
	}
	opt := *o.Options
	if opt.TLSConfig != nil {
		opt.TLSConfig = opt.TLSConfig.Clone()
	}
	return redis.NewClient(&opt)
}

// MakeRedisClient implements asynq.RedisConnOpt.
func (o RedisOpt) MakeRedisClient() any { return o.NewClient() }

// Describe names the Redis endpoint for error messages, without secrets.
func (o RedisOpt) Describe() string {
	if o.Failover != nil {
		return "sentinel master " + o.Failover.MasterName
	}
	return o.Options.Addr
}
