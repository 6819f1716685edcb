package harness

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// Steady is the paced mixed load the fault and cluster runs keep up while
// they break things: Clients workers of Rate requests a second each
// (contacts list and get, the profile, a contact create), and MailRate
// invitations a second whose emails must all arrive.
type Steady struct {
	Client   *Client
	Org      Org
	Tokens   []string // Tokens[0], the org's owner, invites
	Clients  int
	Rate     float64
	MailRate float64
	Label    string // names the created contacts and the invitees' domain
	// Record gets every request's outcome, concurrently; invitation tells
	// an invitation from the rest of the load.
	Record func(s Sample, invitation bool)

	mu      sync.Mutex
	invites []Invite
	seq     atomic.Int64
	run     int64
}

// Invite is an invitation the API accepted (201): its email is committed
// to the outbox and must be delivered, once.
type Invite struct {
	Rcpt string
	At   time.Time
}

// Run starts the load; it stops when ctx ends, and the WaitGroup tells
// when it has.
func (l *Steady) Run(ctx context.Context) *sync.WaitGroup {
	l.run = time.Now().Unix()
	var wg sync.WaitGroup
	org := "/api/v1/orgs/" + l.Org.Slug
	n := l.Org.Contacts
	for w := range l.Clients {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(w)+1, uint64(time.Now().UnixNano())))
			Pace(ctx, l.Rate, func() {
				var req Request
				want := http.StatusOK
				switch k := rng.IntN(10); {
				case k < 5:
					req = Request{Method: http.MethodGet, Path: fmt.Sprintf("%s/contacts/?limit=20&offset=%d", org, rng.IntN(max(1, min(50, n/20)))*20)}
				case k < 7:
					req = Request{Method: http.MethodGet, Path: org + "/contacts/" + ContactSlug(rng.IntN(n)) + "/"}
				case k < 9:
					req = Request{Method: http.MethodGet, Path: "/api/v1/users/me"}
				default:
					body, _ := json.Marshal(map[string]string{"first_name": l.Label, "last_name": fmt.Sprint("Load", rng.IntN(1e6))})
					req, want = Request{Method: http.MethodPost, Path: org + "/contacts/", Body: body}, http.StatusCreated
				}
				req.Token = l.Tokens[w%len(l.Tokens)]
				if s := Call(ctx, l.Client, req, want); ctx.Err() == nil {
					l.Record(s, false)
				}
			})
		})
	}
	wg.Go(func() { Pace(ctx, l.MailRate, func() { l.Invite(ctx) }) })
	return &wg
}

// Invite asks the API to invite a new address and returns it, and whether
// the API accepted.
func (l *Steady) Invite(ctx context.Context) (string, bool) {
	rcpt := fmt.Sprintf("inv-%d-%d@%s.example.com", l.run, l.seq.Add(1), l.Label)
	body, _ := json.Marshal(map[string]string{"email": rcpt, "role": "member"})
	s := Call(ctx, l.Client, Request{Method: http.MethodPost, Path: "/api/v1/orgs/" + l.Org.Slug + "/invitations/",
		Token: l.Tokens[0], Body: body}, http.StatusCreated)
	if ctx.Err() != nil {
		return rcpt, false
	}
	l.Record(s, true)
	if s.OK {
		l.mu.Lock()
		l.invites = append(l.invites, Invite{Rcpt: rcpt, At: s.End()})
		l.mu.Unlock()
	}
	return rcpt, s.OK
}

// Burst sends n invitations from 8 clients at once and returns the
// addresses the API accepted.
func (l *Steady) Burst(ctx context.Context, n int) []string {
	var mu sync.Mutex
	var out []string
	var wg sync.WaitGroup
	var left atomic.Int64
	left.Store(int64(n))
	for range 8 {
		wg.Go(func() {
			for left.Add(-1) >= 0 {
				if rcpt, ok := l.Invite(ctx); ok {
					mu.Lock()
					out = append(out, rcpt)
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	return out
}

// Invites are the invitations accepted so far.
func (l *Steady) Invites() []Invite {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]Invite(nil), l.invites...)
}

// Rcpts are the invitations' addresses.
func Rcpts(in []Invite) []string {
	out := make([]string, len(in))
	for i, v := range in {
		out[i] = v.Rcpt
	}
	return out
}
