package orgs

import (
	"context"
	"fmt"

	"apistarter/internal/jobs"

	"github.com/jackc/pgx/v5"
)

// TaskStorageDeletePrefix removes every storage object under the given
// prefixes; it is written to the outbox in the transaction that deletes an
// org (its handler lives with the storage cleanup jobs).
const TaskStorageDeletePrefix = "storage:delete-prefix"

// StorageDeletePrefixPayload is the payload of TaskStorageDeletePrefix.
type StorageDeletePrefixPayload struct {
	Prefixes []string `json:"prefixes"`
}

// OrgStoragePrefixes are the private namespaces an org's objects live under.
func OrgStoragePrefixes(orgID int64) []string {
	return []string{fmt.Sprintf("private/images/%d/", orgID), fmt.Sprintf("private/exports/%d/", orgID)}
}

// deleteOrgs deletes orgs (rows cascade to everything in them) and, in the
// same transaction, schedules the removal of their storage objects.
func (s *Service) deleteOrgs(ctx context.Context, tx pgx.Tx, orgIDs []int64) error {
	if len(orgIDs) == 0 {
		return nil
	}
	if err := s.q.WithTx(tx).DeleteOrgs(ctx, orgIDs); err != nil {
		return fmt.Errorf("orgs: delete orgs: %w", err)
	}
	var p StorageDeletePrefixPayload
	for _, id := range orgIDs {
		p.Prefixes = append(p.Prefixes, OrgStoragePrefixes(id)...)
	}
	task, err := jobs.NewTask(TaskStorageDeletePrefix, jobs.QueueMaintenance, p, 10)
	if err != nil {
		return err
	}
	if _, err := s.outbox.Enqueue(ctx, tx, task); err != nil {
		return fmt.Errorf("orgs: delete orgs: %w", err)
	}
	return nil
}
