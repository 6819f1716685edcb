package testutil

import (
	"context"
	"sort"
	"testing"

	"apistarter/internal/images"
	"apistarter/internal/jobs"
)

// ScheduledDeletes lists, sorted, every storage key the outbox holds for
// deletion (storage:delete tasks on the maintenance queue).
func ScheduledDeletes(t testing.TB, s *Server) []string {
	t.Helper()
	rows, err := s.App.DB.Query(context.Background(),
		`SELECT payload FROM outbox WHERE task_type = $1 AND queue = $2`, images.TaskStorageDelete, jobs.QueueMaintenance)
	if err != nil {
		t.Fatalf("testutil: scheduled deletes: %v", err)
	}
	defer rows.Close()
	var keys []string
	for rows.Next() {
		var p images.StorageDeletePayload
		if err := rows.Scan(&p); err != nil {
			t.Fatalf("testutil: scheduled deletes: %v", err)
		}
		keys = append(keys, p.Keys...)
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("testutil: scheduled deletes: %v", err)
	}
	sort.Strings(keys)
	return keys
}
