package jobs

import "context"

// group runs calls from many goroutines as few statements: while one batch
// runs, the calls that arrive wait and go together in the next one (group
// commit). No linger timer: an idle group runs a lone call at once, a busy
// one batches as much as arrived during the previous statement.
type group[A, R any] struct {
	calls chan groupCall[A, R]
	max   int
	run   func(ctx context.Context, args []A) ([]R, error)
}

type groupCall[A, R any] struct {
	arg   A
	reply chan groupReply[R]
}

type groupReply[R any] struct {
	res R
	err error
}

func newGroup[A, R any](max int, run func(ctx context.Context, args []A) ([]R, error)) *group[A, R] {
	return &group[A, R]{calls: make(chan groupCall[A, R], max), max: max, run: run}
}

// do runs arg in the next batch and waits for its result. The statement
// runs under the group's context, not ctx: a caller that gives up does not
// cancel the others' work.
func (g *group[A, R]) do(ctx context.Context, arg A) (R, error) {
	c := groupCall[A, R]{arg: arg, reply: make(chan groupReply[R], 1)}
	var zero R
	select {
	case g.calls <- c:
	case <-ctx.Done():
		return zero, ctx.Err()
	}
	select {
	case r := <-c.reply:
		return r.res, r.err
	case <-ctx.Done():
		return zero, ctx.Err()
	}
}

// loop serves calls until ctx ends.
func (g *group[A, R]) loop(ctx context.Context) {
	batch := make([]groupCall[A, R], 0, g.max)
	args := make([]A, 0, g.max)
	for {
		batch, args = batch[:0], args[:0]
		select {
		case c := <-g.calls:
			batch = append(batch, c)
		case <-ctx.Done():
			return
		}
	more:
		for len(batch) < g.max {
			select {
			case c := <-g.calls:
				batch = append(batch, c)
			default:
				break more
			}
		}
		for _, c := range batch {
			args = append(args, c.arg)
		}
		res, err := g.run(ctx, args)
		for i, c := range batch {
			var r R
			if err == nil {
				r = res[i]
			}
			c.reply <- groupReply[R]{res: r, err: err}
		}
	}
}
