package app

import (
	"fmt"

	"apistarter/internal/cleanup"
)

// initCleanup builds the cleanup service and registers its storage task
// handlers and periodic jobs on a.Jobs. Every process that runs tasks or
// jobs (worker, scheduler, `jobs run`) needs it, so app.New should call it;
// it runs once, later calls return the first result.
func (a *App) initCleanup() error {
	a.exp.cleanupOnce.Do(func() { a.exp.cleanupErr = a.buildCleanup() })
	return a.exp.cleanupErr
}

func (a *App) buildCleanup() error {
	if err := a.initJobs(); err != nil {
		return err
	}
	if err := a.initStorage(); err != nil {
		return err
	}
	svc, err := cleanup.NewService(cleanup.Deps{
		Pool:    a.DB,
		Private: a.Storage.Private,
		Public:  a.Storage.Public,
		Log:     a.Log.With("component", "cleanup"),
	})
	if err != nil {
		return fmt.Errorf("app: cleanup: %w", err)
	}
	svc.Register(a.Jobs)
	return nil
}
