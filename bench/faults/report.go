package faults

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"apistarter/bench/harness"
)

// faultRow is what one fault did to the system.
type faultRow struct {
	Fault          string         `json:"fault"`
	WindowS        float64        `json:"window_s"` // injection → repair
	Requests       int            `json:"requests"` // steady load from injection to the next fault
	FailedDuring   map[string]int `json:"failed_during"`
	FailedAfter    map[string]int `json:"failed_after"`
	Status500In    int            `json:"status_500_in_window"`
	Status500Out   int            `json:"status_500_after_window"`
	RecoveryS      float64        `json:"api_recovery_s"` // repair → requests succeed again
	Recovered      bool           `json:"recovered"`
	ReadySawOutage bool           `json:"ready_reported_outage"`
	ReadyExpected  bool           `json:"ready_expected_outage"`
	Mail           int            `json:"mail_affected"`
	MailDelivered  int            `json:"mail_delivered"`
	MailDuplicates int            `json:"mail_duplicates"`
	MailCaughtUpS  float64        `json:"mail_caught_up_s"` // repair → last affected email delivered
	Export         string         `json:"export,omitempty"`
	Note           string         `json:"note,omitempty"`
}

type result struct {
	StartedAt        time.Time      `json:"started_at"`
	Settings         map[string]any `json:"settings"`
	Faults           []faultRow     `json:"faults"`
	BaselineFailed   map[string]int `json:"failed_before_first_fault"`
	EmailsRequested  int            `json:"emails_requested"`
	EmailsDelivered  int            `json:"emails_delivered"`
	EmailsDuplicated int            `json:"emails_duplicated"`
	EmailsLost       int            `json:"emails_lost"`
	SameMessageID    int            `json:"duplicates_with_same_message_id"`
	SinkRejected     int            `json:"smtp_451_answers"`
	ExportsRequested int            `json:"exports_requested"`
	ExportsCompleted int            `json:"exports_completed"`
	Status500Outside int            `json:"status_500_outside_windows"`
	Problems         []string       `json:"problems"`
	Pass             bool           `json:"pass"`
}

// analyse classifies the timeline by fault window.
func (r *rig) analyse(runs []*faultRun, loadStart, loadEnd time.Time) *result {
	o := r.o
	api, ready := r.tl.snapshot()
	res := &result{StartedAt: loadStart.UTC(), BaselineFailed: map[string]int{}, Settings: map[string]any{
		"contacts": o.contacts, "clients": o.concurrency, "rate_per_client": o.rate, "mail_rate": o.mailRate,
		"outage_s": o.outage.Seconds(), "settle_s": o.settle.Seconds(), "grace_s": o.grace.Seconds(), "faults": o.faults,
	}}
	problem := func(format string, args ...any) { res.Problems = append(res.Problems, fmt.Sprintf(format, args...)) }
	first := loadEnd
	if len(runs) > 0 {
		first = runs[0].Inject
	}
	for _, s := range api {
		if s.Start.Before(first) && !s.OK {
			res.BaselineFailed[harness.StatusKey(s.Status)]++
			if s.Status == 500 {
				res.Status500Outside++
			}
		}
	}
	for i, f := range runs {
		next := loadEnd
		if i+1 < len(runs) {
			next = runs[i+1].Inject
		}
		windowEnd := f.Restored.Add(o.grace)
		row := faultRow{Fault: f.Name, WindowS: f.Restored.Sub(f.Inject).Seconds(), FailedDuring: map[string]int{}, FailedAfter: map[string]int{},
			Recovered: true, ReadyExpected: f.Outage, Note: f.Note}
		var lastFail time.Time
		for _, s := range api {
			if s.Start.Before(f.Inject) || !s.Start.Before(next) {
				continue
			}
			row.Requests++
			if s.OK {
				continue
			}
			in := s.Start.Before(windowEnd)
			if in {
				row.FailedDuring[harness.StatusKey(s.Status)]++
			} else {
				row.FailedAfter[harness.StatusKey(s.Status)]++
			}
			if s.Status == 500 {
				if in {
					row.Status500In++
				} else {
					row.Status500Out++
				}
			}
			lastFail = s.End()
			if s.Start.After(f.Restored.Add(o.recoverLimit)) {
				row.Recovered = false
			}
		}
		if !lastFail.IsZero() && lastFail.After(f.Restored) {
			row.RecoveryS = lastFail.Sub(f.Restored).Seconds()
		}
		for _, s := range ready {
			if !s.OK && !s.Start.Before(f.Inject) && s.Start.Before(f.Restored.Add(2*time.Second)) {
				row.ReadySawOutage = true
			}
		}
		row.Mail = len(f.Mail)
		var lastMail time.Time
		for _, rc := range f.Mail {
			at, n := r.Sink.FirstDelivery(rc)
			if n > 0 {
				row.MailDelivered++
				row.MailDuplicates += n - 1
				if at.After(lastMail) {
					lastMail = at
				}
			}
		}
		if lastMail.After(f.Restored) {
			row.MailCaughtUpS = lastMail.Sub(f.Restored).Seconds()
		}
		if e := f.Export; e != nil {
			row.Export = e.Status
			if e.Status == "ready" && e.CompletedAt != nil {
				row.Export = fmt.Sprintf("ready %.1f s after", max(0, e.CompletedAt.Sub(f.Inject).Seconds()))
			}
		}
		res.Status500Outside += row.Status500Out
		if !row.Recovered {
			problem("%s: requests still failing %s after the repair", f.Name, o.recoverLimit)
		}
		if f.Outage && !row.ReadySawOutage {
			problem("%s: /health/ready/ never reported the outage", f.Name)
		}
		if strings.HasPrefix(f.Note, "injection failed") {
			problem("%s: %s", f.Name, f.Note)
		}
		res.Faults = append(res.Faults, row)
	}

	all := harness.Rcpts(r.load.Invites())
	res.EmailsRequested = len(all)
	res.EmailsDelivered, res.EmailsDuplicated = r.Sink.Delivered(all)
	res.EmailsLost = res.EmailsRequested - res.EmailsDelivered
	st := r.Sink.Stats()
	res.SinkRejected, res.SameMessageID = st.Rejected, st.Duplicates
	res.ExportsRequested = len(r.exports)
	for _, e := range r.exports {
		if e.Status == "ready" {
			res.ExportsCompleted++
		}
	}
	if res.EmailsLost > 0 {
		problem("%d of %d accepted emails never arrived", res.EmailsLost, res.EmailsRequested)
	}
	if res.ExportsCompleted < res.ExportsRequested {
		problem("%d of %d accepted exports never completed", res.ExportsRequested-res.ExportsCompleted, res.ExportsRequested)
	}
	if res.Status500Outside > 0 {
		problem("%d responses were 500 outside the fault windows", res.Status500Outside)
	}
	if res.EmailsRequested == 0 {
		problem("no email was requested: the load did not run")
	}
	res.Pass = len(res.Problems) == 0
	return res
}

// table is the result as a table under its header and above its verdict.
func (res *result) table() *harness.Report {
	if res == nil {
		return nil
	}
	return &harness.Report{Name: "faults", Started: res.StartedAt, Data: res, Pass: res.Pass, Rows: res.rows(), Footer: res.footer(),
		Title: []string{fmt.Sprintf("apistarter fault injection — %s; %v load clients × %v req/s, %v emails/s; windows = injection → repair + %vs grace",
			res.StartedAt.Format("2006-01-02 15:04 UTC"), res.Settings["clients"], res.Settings["rate_per_client"], res.Settings["mail_rate"], res.Settings["grace_s"])}}
}

func (res *result) rows() [][]string {
	out := [][]string{{"fault", "down", "requests", "failed during", "failed after", "500s in/out", "API recovered", "ready saw outage", "emails affected → delivered (dup), caught up", "export"}}
	for _, f := range res.Faults {
		rec := "✓ at once"
		if f.RecoveryS > 0 {
			rec = fmt.Sprintf("✓ %.1f s after repair", f.RecoveryS)
		}
		if !f.Recovered {
			rec = "✗ still failing"
		}
		ready := "n/a"
		switch {
		case f.ReadyExpected && f.ReadySawOutage:
			ready = "yes ✓"
		case f.ReadyExpected:
			ready = "no ✗"
		case f.ReadySawOutage:
			ready = "yes"
		}
		mail := "—"
		if f.Mail > 0 {
			mail = fmt.Sprintf("%d → %d (%d), %.1f s after repair", f.Mail, f.MailDelivered, f.MailDuplicates, f.MailCaughtUpS)
		}
		export := f.Export
		if export == "" {
			export = "—"
		}
		if f.Note != "" {
			export += " (" + f.Note + ")"
		}
		out = append(out, []string{f.Fault, fmt.Sprintf("%.1f s", f.WindowS), strconv.Itoa(f.Requests), harness.Counts(f.FailedDuring), harness.Counts(f.FailedAfter),
			fmt.Sprintf("%d / %d", f.Status500In, f.Status500Out), rec, ready, mail, export})
	}
	return out
}

func (res *result) footer() []string {
	lines := []string{
		fmt.Sprintf("before the first fault: %s failed", harness.Counts(res.BaselineFailed)),
		fmt.Sprintf("emails: %d requested, %d delivered, %d duplicated (%d with the first copy's Message-ID), %d lost; %d SMTP 451 answers retried",
			res.EmailsRequested, res.EmailsDelivered, res.EmailsDuplicated, res.SameMessageID, res.EmailsLost, res.SinkRejected),
		fmt.Sprintf("exports: %d requested, %d completed", res.ExportsRequested, res.ExportsCompleted),
		fmt.Sprintf("500s outside the fault windows: %d", res.Status500Outside),
	}
	if res.Pass {
		return append(lines, "verdict: PASS — nothing lost, no 500 outside a fault window, outages reported, recovery automatic")
	}
	lines = append(lines, "verdict: FAIL")
	for _, p := range res.Problems {
		lines = append(lines, "  - "+p)
	}
	return lines
}
