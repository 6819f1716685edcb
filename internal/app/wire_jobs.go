package app

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"sync"

	"apistarter/internal/jobs"
	"apistarter/internal/mail"

	"github.com/danielgtaylor/huma/v2"
	"github.com/hibiken/asynq"
)

// DashboardPath is where the queue dashboard is mounted.
const DashboardPath = "/admin/queues"

// background is the construction state of the jobs and storage wiring.
type background struct {
	jobsOnce    sync.Once
	jobsErr     error
	storageOnce sync.Once
	storageErr  error

	redis     jobs.RedisOpt // every Redis user's settings (app.New): a.Redis and asynq's
	metrics   *jobs.Metrics
	inspector *asynq.Inspector
}

// initJobs builds the task registry (a.Jobs) with the built-in email handler
// and the outbox-prune job, and the jobs metrics. app.New should call it, so
// that features can register on a.Jobs while they are built; it runs once,
// later calls return the first result.
func (a *App) initJobs() error {
	a.bg.jobsOnce.Do(func() { a.bg.jobsErr = a.buildJobs() })
	return a.bg.jobsErr
}

func (a *App) buildJobs() error {
	mailer, err := a.newMailer()
	if err != nil {
		return err
	}
	a.bg.metrics = jobs.NewMetrics(a.Metrics.Registry)
	a.bg.inspector = asynq.NewInspector(a.bg.redis)
	a.closers = append(a.closers, func() { _ = a.bg.inspector.Close() })
	a.Metrics.Registry.MustRegister(jobs.NewStatusCollector(a.bg.inspector,
		func(ctx context.Context) error { return a.Redis.Ping(ctx).Err() }, a.DB))

	a.Jobs = jobs.NewRegistry()
	a.Jobs.Handle(jobs.TaskEmail, jobs.SendEmail(mailer, messageIDDomain(a.Cfg.PublicBaseURL)))
	a.Jobs.AddPeriodic(jobs.OutboxPrune(a.DB))
	return nil
}

// newMailer builds the configured backend: console (logs recipients and
// subject only) or SMTP.
func (a *App) newMailer() (mail.Mailer, error) {
	if a.Cfg.MailBackend != "smtp" {
		// Development: full messages (with their links) go to files next to
		// the storage directory, never to the log.
		return mail.NewConsole(a.Log).WithDir(filepath.Join(filepath.Dir(a.Cfg.StorageDir), "mail")), nil
	}
	m, err := mail.NewSMTP(mail.SMTPConfig{
		Host:     a.Cfg.SMTPHost,
		Port:     a.Cfg.SMTPPort,
		Username: a.Cfg.SMTPUsername,
		Password: a.Cfg.SMTPPassword,
		TLS:      a.Cfg.SMTPTLS,
		From:     a.Cfg.MailFrom,
	})
	if err != nil {
		return nil, fmt.Errorf("app: mail: %w", err)
	}
	a.closers = append(a.closers, func() { _ = m.Close() })
	return m, nil
}

// messageIDDomain is the right-hand side of generated Message-IDs.
func messageIDDomain(base string) string {
	if u, err := url.Parse(base); err == nil && u.Hostname() != "" {
		return u.Hostname()
	}
	return "localhost"
}

// wireJobs mounts the queue dashboard when DASHBOARD_BASIC_AUTH is set
// (unset: the path is a plain 404).
func (a *App) wireJobs(_ huma.API, mux *http.ServeMux) error {
	if err := a.initJobs(); err != nil {
		return err
	}
	if a.Cfg.DashboardBasicAuth == "" {
		return nil
	}
	d, err := jobs.NewDashboard(a.bg.redis, DashboardPath, a.Cfg.DashboardBasicAuth)
	if err != nil {
		return fmt.Errorf("app: dashboard: %w", err)
	}
	a.closers = append(a.closers, func() { _ = d.Close() })
	mux.Handle(DashboardPath+"/", d)
	return nil
}
