package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"apistarter/bench/harness"
)

// sample is one request's outcome on the timeline.
type sample struct {
	at     time.Time // start
	end    time.Time
	status int // 0: transport error or timeout
	ok     bool
}

// timeline records the steady load and the readiness probe.
type timeline struct {
	mu    sync.Mutex
	api   []sample
	ready []sample
}

func (t *timeline) add(kind *[]sample, s sample) {
	t.mu.Lock()
	*kind = append(*kind, s)
	t.mu.Unlock()
}

func (t *timeline) snapshot() (api, ready []sample) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]sample(nil), t.api...), append([]sample(nil), t.ready...)
}

// invite is an invitation accepted by the API (201): its email must arrive.
type invite struct {
	rcpt string
	at   time.Time
}

// mailLedger is every email the API accepted to send.
type mailLedger struct {
	mu      sync.Mutex
	invites []invite
	seq     atomic.Int64
	run     int64
}

func (m *mailLedger) add(rcpt string, at time.Time) {
	m.mu.Lock()
	m.invites = append(m.invites, invite{rcpt, at})
	m.mu.Unlock()
}

func (m *mailLedger) all() []invite {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]invite(nil), m.invites...)
}

func (m *mailLedger) rcpts(in []invite) []string {
	out := make([]string, len(in))
	for i, v := range in {
		out[i] = v.rcpt
	}
	return out
}

// steadyLoad runs until ctx ends: workers paced at rate requests/s each
// (reads, writes, profile), one invitation producer (emails through the
// outbox) and the readiness probe every 100 ms.
func (r *rig) steadyLoad(ctx context.Context) *sync.WaitGroup {
	var wg sync.WaitGroup
	org := "/api/v1/orgs/" + r.fix.Org.Slug
	n := r.fix.Org.Contacts
	for w := range r.opts.concurrency {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(w)+1, uint64(time.Now().UnixNano())))
			tok := r.tokens[w%len(r.tokens)]
			pace(ctx, r.opts.rate, func() {
				var req harness.Request
				want := http.StatusOK
				switch k := rng.IntN(10); {
				case k < 5:
					req = harness.Request{Method: http.MethodGet, Path: fmt.Sprintf("%s/contacts/?limit=20&offset=%d", org, rng.IntN(min(50, n/20))*20)}
				case k < 7:
					req = harness.Request{Method: http.MethodGet, Path: org + "/contacts/" + harness.ContactSlug(rng.IntN(n)) + "/"}
				case k < 9:
					req = harness.Request{Method: http.MethodGet, Path: "/api/v1/users/me"}
				default:
					body, _ := json.Marshal(map[string]string{"first_name": "Fault", "last_name": fmt.Sprint("Load", rng.IntN(1e6))})
					req, want = harness.Request{Method: http.MethodPost, Path: org + "/contacts/", Body: body}, http.StatusCreated
				}
				req.Token = tok
				if s := r.call(ctx, req, want); ctx.Err() == nil {
					r.tl.add(&r.tl.api, s)
				}
			})
		})
	}
	wg.Go(func() {
		pace(ctx, r.opts.mailRate, func() { r.invite(ctx) })
	})
	wg.Go(func() {
		pace(ctx, 10, func() {
			if s := r.call(ctx, harness.Request{Method: http.MethodGet, Path: "/health/ready/"}, http.StatusOK); ctx.Err() == nil {
				r.tl.add(&r.tl.ready, s)
			}
		})
	})
	return &wg
}

// invite asks the API to invite a new address; a 201 means the email is
// committed to the outbox and must be delivered.
func (r *rig) invite(ctx context.Context) (string, bool) {
	rcpt := fmt.Sprintf("inv-%d-%d@faults.example.com", r.mail.run, r.mail.seq.Add(1))
	body, _ := json.Marshal(map[string]string{"email": rcpt, "role": "member"})
	s := r.call(ctx, harness.Request{Method: http.MethodPost, Path: "/api/v1/orgs/" + r.fix.Org.Slug + "/invitations/",
		Token: r.tokens[0], Body: body}, http.StatusCreated)
	if s.ok {
		r.mail.add(rcpt, s.end)
	}
	return rcpt, s.ok
}

func (r *rig) call(ctx context.Context, req harness.Request, want int) sample {
	start := time.Now()
	st, _, err := r.client.Do(ctx, req)
	return sample{at: start, end: time.Now(), status: st, ok: err == nil && st == want}
}

// pace calls f about perSecond times a second until ctx ends; a slow call
// delays the next one rather than causing a burst.
func pace(ctx context.Context, perSecond float64, f func()) {
	if perSecond <= 0 {
		return
	}
	interval := time.Duration(float64(time.Second) / perSecond)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			f()
		}
	}
}
