package load

import (
	"context"
	"fmt"
	"time"

	"apistarter/bench/harness"
)

type exportResult struct {
	Name         string  `json:"name"`
	Contacts     int     `json:"contacts"`
	Status       string  `json:"status"`
	Seconds      float64 `json:"seconds"`
	ContactsPerS float64 `json:"contacts_per_second"`
	PeakRSSMiB   float64 `json:"worker_peak_rss_mib"`
	Target       string  `json:"target"`
	Pass         *bool   `json:"pass,omitempty"`
	Note         string  `json:"note"`
}

// measureExports seeds one org per size (the benchmark org when the size
// matches) and exports it through the API: 202, then the worker process
// builds the archive while the harness polls the job. The time is the
// job's own (started_at → completed_at); the memory is the worker's peak
// RSS during the export (its high-water mark is reset before).
func measureExports(ctx context.Context, e *env, rep *report) error {
	o := e.o
	for _, n := range o.exportSizes {
		org := e.fix.Org
		if n != org.Contacts {
			var err error
			others := e.fix.Members[:min(3, len(e.fix.Members))]
			if org, err = e.seeder.GroupOrg(ctx, fmt.Sprintf("export-%d", n), e.fix.Owner, others); err != nil {
				return err
			}
			if err := e.seeder.Contacts(ctx, &org, e.fix.Owner.ID, n, 20); err != nil {
				return err
			}
		}
		r, err := exportOnce(ctx, e, org)
		if err != nil {
			return err
		}
		rep.Exports = append(rep.Exports, r)
		e.Logf("  export %d contacts: %s in %.2f s, peak RSS %.0f MiB", n, r.Status, r.Seconds, r.PeakRSSMiB)
	}
	// SPEC: memory stays flat as the org grows.
	if len(rep.Exports) > 1 {
		first, last := rep.Exports[0], &rep.Exports[len(rep.Exports)-1]
		flat := last.PeakRSSMiB <= 1.5*first.PeakRSSMiB
		last.Note += fmt.Sprintf("; RSS %.2f× the %d-contact run (target ≤ 1.5×%s)", last.PeakRSSMiB/first.PeakRSSMiB, first.Contacts, harness.Mark(&flat))
	}
	return nil
}

func exportOnce(ctx context.Context, e *env, org harness.Org) (exportResult, error) {
	res := exportResult{Name: fmt.Sprintf("export %s contacts", thousands(float64(org.Contacts))), Contacts: org.Contacts, Target: "≥ 50,000 contacts/s"}
	e.worker.ResetPeakRSS()
	job, err := e.client.RequestExport(ctx, org.Slug, e.tokens[0])
	if err != nil {
		return res, err
	}
	timeout := 2*time.Minute + time.Duration(org.Contacts)*time.Millisecond
	if !e.client.WaitExport(ctx, job, timeout, (*harness.Export).Finished) {
		if ctx.Err() != nil {
			return res, ctx.Err()
		}
		res.Status = "timeout (" + job.Status + ")"
		res.Note = "is the export handler registered in the worker?"
		return res, nil
	}
	res.Status = job.Status
	res.PeakRSSMiB = float64(e.worker.PeakRSS()) / (1 << 20)
	if job.StartedAt != nil && job.CompletedAt != nil {
		res.Seconds = job.CompletedAt.Sub(*job.StartedAt).Seconds()
	}
	if job.Status == "ready" && res.Seconds > 0 {
		res.ContactsPerS = float64(org.Contacts) / res.Seconds
		pass := res.ContactsPerS >= 50_000
		res.Pass = &pass
	} else {
		res.Note = job.Error
	}
	res.Note = fmt.Sprintf("worker peak RSS %.0f MiB", res.PeakRSSMiB) + prefixed(res.Note)
	return res, nil
}

func prefixed(s string) string {
	if s == "" {
		return ""
	}
	return "; " + s
}
