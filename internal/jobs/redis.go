package jobs

import "github.com/redis/go-redis/v9"

// RedisOpt gives asynq (worker, client, scheduler, inspector, dashboard) the
// same connection settings as the app's own client: address, password, TLS
// and database all come from REDIS_URL. Each user gets its own pool.
type RedisOpt struct{ Options *redis.Options }

// MakeRedisClient implements asynq.RedisConnOpt.
func (o RedisOpt) MakeRedisClient() any {
	opt := *o.Options
	if opt.TLSConfig != nil {
		opt.TLSConfig = opt.TLSConfig.Clone()
	}
	return redis.NewClient(&opt)
}
