package cleanup

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"apistarter/internal/jobs"
	"apistarter/internal/storage"
)

// DeleteKeysPayload is the payload of TaskStorageDelete.
type DeleteKeysPayload struct {
	Keys []string `json:"keys"`
}

// DeletePrefixesPayload is the payload of TaskStorageDeletePrefix.
type DeletePrefixesPayload struct {
	Prefixes []string `json:"prefixes"`
}

// handleDelete deletes the listed objects. Deleting a missing object is not
// an error, so a retry after a partial run is harmless.
func (s *Service) handleDelete(ctx context.Context, payload []byte) error {
	var p DeleteKeysPayload
	if err := json.Unmarshal(payload, &p); err != nil {
		return jobs.Permanent(fmt.Errorf("cleanup: storage delete: bad payload: %w", err))
	}
	deleted := 0
	for _, key := range p.Keys {
		err := s.storeFor(key).Delete(ctx, key)
		if errors.Is(err, storage.ErrInvalidKey) {
			s.Log.Warn("storage delete: invalid key skipped", "key", key)
			continue
		}
		if err != nil {
			return fmt.Errorf("cleanup: storage delete: %w", err)
		}
		deleted++
	}
	s.Log.Info("storage objects deleted", "count", deleted)
	return nil
}

// handleDeletePrefix deletes every object under each prefix (a deleted
// org's images and exports).
func (s *Service) handleDeletePrefix(ctx context.Context, payload []byte) error {
	var p DeletePrefixesPayload
	if err := json.Unmarshal(payload, &p); err != nil {
		return jobs.Permanent(fmt.Errorf("cleanup: storage delete prefix: bad payload: %w", err))
	}
	for _, prefix := range p.Prefixes {
		if err := checkPrefix(prefix); err != nil {
			return jobs.Permanent(err)
		}
	}
	deleted := 0
	for _, prefix := range p.Prefixes {
		st := s.storeFor(prefix)
		err := st.List(ctx, prefix, func(o storage.Object) error {
			if err := st.Delete(ctx, o.Key); err != nil {
				return err
			}
			deleted++
			return nil
		})
		if err != nil {
			return fmt.Errorf("cleanup: storage delete prefix: %w", err)
		}
	}
	s.Log.Info("storage prefixes deleted", "prefixes", len(p.Prefixes), "objects", deleted)
	return nil
}

// checkPrefix refuses anything wider than one owner's folder: a prefix is a
// folder ("/" at the end) at least three levels deep, such as
// "private/images/12/". A malformed payload must never empty a namespace.
func checkPrefix(prefix string) error {
	trimmed, ok := strings.CutSuffix(prefix, "/")
	if !ok || strings.Count(trimmed, "/") < 2 || storage.ValidateKey(trimmed) != nil {
		return fmt.Errorf("cleanup: storage delete prefix: refused prefix %q", prefix)
	}
	return nil
}
