package app

import (
	"apistarter/internal/jobs"
	"apistarter/internal/orgs"
	"apistarter/internal/storage"
)

// services are the feature services shared between features. Each feature's
// wire file fills its own field.
type services struct {
	Orgs    *orgs.Service
	Jobs    *jobs.Registry   // wire_jobs.go: task handlers and periodic jobs
	Storage *storage.Buckets // wire_storage.go: private and public file namespaces
	bg      background       // wire_jobs.go, wire_storage.go: their construction state
	exp     exportsWiring    // wire_exports.go, wire_cleanup.go: exports and cleanup services
	acc     accountsWiring   // wire_accounts.go: accounts service and the shared rate limiter
}
