package jobs

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/redis/go-redis/v9"
)

// lossWatch tells a relay when Redis lost data it had written: each relay
// counts in a key of its own (INCR), so any answer but the previous one plus
// one means the key went back in time: a flush, a restart without
// persistence, or a failover to a replica that missed recent writes —
// together with the tasks enqueued before that.
type lossWatch struct {
	rc   redis.UniversalClient
	key  string
	last int64
	// lostAt is when the loss was seen (database clock) until every row
	// relayed before it has been relayed again.
	lostAt time.Time
}

// lossWatchTTL lets the keys of relays that stopped expire.
const lossWatchTTL = 24 * time.Hour

func newLossWatch(rc redis.UniversalClient) *lossWatch {
	return &lossWatch{rc: rc, key: "apistarter:relay:" + uuid.NewString()}
}

// check counts once and reports whether Redis lost data since the last
// check. The first check of a relay compares with a marker every relay
// sets: a Redis without it lost everything while no relay was watching.
func (w *lossWatch) check(ctx context.Context) (bool, error) {
	var incr *redis.IntCmd
	var marker *redis.BoolCmd
	_, err := w.rc.Pipelined(ctx, func(p redis.Pipeliner) error {
		incr = p.Incr(ctx, w.key)
		p.Expire(ctx, w.key, lossWatchTTL)
		marker = p.SetNX(ctx, "apistarter:relay:marker", 1, 0)
		return nil
	})
	if err != nil {
		return false, err
	}
	v := incr.Val()
	lost := v != w.last+1 || (w.last == 0 && marker.Val())
	w.last = v
	return lost, nil
}
