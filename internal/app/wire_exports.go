package app

import (
	"fmt"
	"net/http"
	"sync"

	"apistarter/internal/exports"
	"apistarter/internal/mail"
	"apistarter/internal/ratelimit"

	"github.com/danielgtaylor/huma/v2"
)

// exportsWiring is the construction state of the exports and cleanup
// features (wire_cleanup.go).
type exportsWiring struct {
	exportsOnce sync.Once
	exportsErr  error
	exports     *exports.Service

	cleanupOnce sync.Once
	cleanupErr  error
}

// initExports builds the export service and registers its task
// handler and periodic jobs on a.Jobs. Every process that runs tasks or
// jobs (worker, scheduler, `jobs run`) needs it, so app.New should call it;
// it runs once, later calls return the first result.
func (a *App) initExports() error {
	a.exp.exportsOnce.Do(func() { a.exp.exportsErr = a.buildExports() })
	return a.exp.exportsErr
}

func (a *App) buildExports() error {
	if err := a.initJobs(); err != nil {
		return err
	}
	if err := a.initStorage(); err != nil {
		return err
	}
	tpl, err := mail.NewTemplates()
	if err != nil {
		return fmt.Errorf("app: exports: %w", err)
	}
	svc, err := exports.NewService(exports.Deps{
		Pool:          a.DB,
		LockPool:      a.DirectDB,
		Outbox:        a.Outbox,
		Private:       a.Storage.Private,
		Public:        a.Storage.Public,
		Mail:          tpl,
		Log:           a.Log.With("component", "exports"),
		Project:       a.Cfg.ProjectName,
		RetentionDays: a.Cfg.ExportRetentionDays,
		StaleAfter:    a.Cfg.ExportStaleAfter,
	})
	if err != nil {
		return fmt.Errorf("app: exports: %w", err)
	}
	svc.Register(a.Jobs)
	a.exp.exports = svc
	return nil
}

// wireExports mounts the export routes, and logs archive downloads made
// through the API's own signed links (local storage).
func (a *App) wireExports(api huma.API, mux *http.ServeMux) error {
	if err := a.initExports(); err != nil {
		return err
	}
	lim, err := a.rateLimiter()
	if err != nil {
		return err
	}
	exports.Register(api, a.exp.exports, lim.Middleware(api, ratelimit.Scope{Name: exports.ScopeCreate, Rate: ratelimit.Rate(a.Cfg.ExportRatePerUser)}))
	mux.Handle(exports.DownloadPattern, exports.LogDownloads(a.Log.With("component", "exports"), a.Storage.FilesHandler()))
	return nil
}

// ExportsService returns the export service (nil before initExports).
func (a *App) ExportsService() *exports.Service { return a.exp.exports }
