package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"

	"apistarter/bench/harness"
)

// ledger is what the load asked for and got, by step.
type ledger struct {
	mu       sync.Mutex
	requests map[string]int
	failed   map[string]int
	failures map[string]map[int]int // step → status → count (0: transport error)
	invites  []invite
	exports  []export
	seq      int
}

type invite struct {
	rcpt string
	at   time.Time
	step string
}

type export struct {
	id   string
	org  exportOrg
	step string
}

func (r *rig) step() string {
	r.phaseMu.Lock()
	defer r.phaseMu.Unlock()
	return r.phaseNow
}

func (r *rig) setStep(s string) {
	r.phaseMu.Lock()
	r.phaseNow = s
	r.phaseMu.Unlock()
}

func (l *ledger) record(step string, status int, ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.requests == nil {
		l.requests, l.failed, l.failures = map[string]int{}, map[string]int{}, map[string]map[int]int{}
	}
	l.requests[step]++
	if !ok {
		l.failed[step]++
		if l.failures[step] == nil {
			l.failures[step] = map[int]int{}
		}
		l.failures[step][status]++
	}
}

// load runs the steady mixed load and the invitation producer until ctx
// ends.
func (r *rig) load(ctx context.Context) *sync.WaitGroup {
	var wg sync.WaitGroup
	org := "/api/v1/orgs/" + r.fix.Org.Slug
	n := r.fix.Org.Contacts
	for w := range r.o.concurrency {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(w)+1, uint64(time.Now().UnixNano())))
			tok := r.tokens[w%len(r.tokens)]
			pace(ctx, r.o.rate, func() {
				var req harness.Request
				want := http.StatusOK
				switch k := rng.IntN(10); {
				case k < 5:
					req = harness.Request{Method: http.MethodGet, Path: fmt.Sprintf("%s/contacts/?limit=20&offset=%d", org, rng.IntN(max(1, min(50, n/20)))*20)}
				case k < 7:
					req = harness.Request{Method: http.MethodGet, Path: org + "/contacts/" + harness.ContactSlug(rng.IntN(n)) + "/"}
				case k < 9:
					req = harness.Request{Method: http.MethodGet, Path: "/api/v1/users/me"}
				default:
					body, _ := json.Marshal(map[string]string{"first_name": "Cluster", "last_name": fmt.Sprint("Load", rng.IntN(1e6))})
					req, want = harness.Request{Method: http.MethodPost, Path: org + "/contacts/", Body: body}, http.StatusCreated
				}
				req.Token = tok
				step := r.step()
				st, _, err := r.client.Do(ctx, req)
				if ctx.Err() == nil {
					r.ledger.record(step, st, err == nil && st == want)
				}
			})
		})
	}
	wg.Go(func() { pace(ctx, r.o.mailRate, func() { r.invite(ctx) }) })
	return &wg
}

// invite asks the API to invite a new address; a 201 means the email is
// committed to the outbox and must be delivered exactly once.
func (r *rig) invite(ctx context.Context) {
	r.ledger.mu.Lock()
	r.ledger.seq++
	rcpt := fmt.Sprintf("inv-%d-%d@cluster.example.com", time.Now().Unix(), r.ledger.seq)
	r.ledger.mu.Unlock()
	body, _ := json.Marshal(map[string]string{"email": rcpt, "role": "member"})
	step := r.step()
	st, _, err := r.client.Do(ctx, harness.Request{Method: http.MethodPost, Path: "/api/v1/orgs/" + r.fix.Org.Slug + "/invitations/",
		Token: r.tokens[0], Body: body})
	if ctx.Err() != nil {
		return
	}
	ok := err == nil && st == http.StatusCreated
	r.ledger.record(step, st, ok)
	if ok {
		r.ledger.mu.Lock()
		r.ledger.invites = append(r.ledger.invites, invite{rcpt: rcpt, at: time.Now(), step: step})
		r.ledger.mu.Unlock()
	}
}

// requestExports starts the step's exports, each in its own org.
func (r *rig) requestExports(ctx context.Context, step string) error {
	for range r.o.exportsPer {
		if r.nextExp >= len(r.expOrgs) {
			return nil
		}
		org := r.expOrgs[r.nextExp]
		r.nextExp++
		var out struct {
			ID string `json:"id"`
		}
		err := r.client.JSON(ctx, harness.Request{Method: http.MethodPost, Path: "/api/v1/orgs/" + org.slug + "/exports/", Token: org.token}, http.StatusAccepted, &out)
		r.ledger.record(step, 0, err == nil)
		if err != nil {
			return fmt.Errorf("export in %s: %w", org.slug, err)
		}
		r.ledger.mu.Lock()
		r.ledger.exports = append(r.ledger.exports, export{id: out.ID, org: org, step: step})
		r.ledger.mu.Unlock()
	}
	return nil
}

// pace calls f about perSecond times a second until ctx ends.
func pace(ctx context.Context, perSecond float64, f func()) {
	if perSecond <= 0 {
		return
	}
	t := time.NewTicker(time.Duration(float64(time.Second) / perSecond))
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

// rollServe restarts every serve process, one at a time: drain in HAProxy
// until it holds no session, SIGTERM (the process answers readiness 503
// and finishes in-flight requests), start, wait ready, re-enable, wait UP.
func (r *rig) rollServe(ctx context.Context) error {
	for _, s := range r.serves {
		if err := r.lb.setState(s.name, "drain"); err != nil {
			return err
		}
		if err := r.lb.waitFor(ctx, s.name, 15*time.Second, "no sessions", func(_ string, n int) bool { return n == 0 }); err != nil {
			return err
		}
		if err := r.lb.setState(s.name, "maint"); err != nil {
			return err
		}
		if err := s.proc.Stop(30 * time.Second); err != nil {
			return err
		}
		if err := r.start(ctx, s); err != nil {
			return err
		}
		if err := r.lb.setState(s.name, "ready"); err != nil {
			return err
		}
		if err := r.lb.waitFor(ctx, s.name, 20*time.Second, "UP", func(st string, _ int) bool { return st == "UP" }); err != nil {
			return err
		}
	}
	return nil
}

// rollBackground restarts every worker, then every scheduler, one at a
// time with SIGTERM (running tasks finish or go back to the queue).
func (r *rig) rollBackground(ctx context.Context) error {
	for _, s := range append(append([]*slot(nil), r.workers...), r.scheds...) {
		if err := s.proc.Stop(60 * time.Second); err != nil {
			return err
		}
		if err := r.start(ctx, s); err != nil {
			return err
		}
	}
	return nil
}
