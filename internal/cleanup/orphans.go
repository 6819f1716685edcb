package cleanup

import (
	"context"
	"errors"
	"fmt"
	"path"
	"strconv"
	"strings"
	"time"

	"apistarter/internal/db"
	"apistarter/internal/db/sqlc"
	"apistarter/internal/jobs"
	"apistarter/internal/storage"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// Orphans deletes what nothing uses any more: tags never or no longer
// assigned (past TagGrace), tag assignments and image relations whose target
// was deleted, and stored files no row references (past ObjectMinAge) —
// which covers whatever deleted orgs, contacts and accounts left behind.
// Images themselves are never orphans: an unattached image is in its org's
// media library. Running it again right away changes nothing.
func (s *Service) Orphans(ctx context.Context) (jobs.Result, error) {
	res := jobs.Result{}
	var err error
	// Dangling assignments first: a tag used only by a deleted target is
	// unused, and must go in this run, not the next.
	if res["tag_assignments"], err = drain(ctx, s.q.DeleteDanglingTaggedItems); err != nil {
		return res, fmt.Errorf("cleanup: dangling tag assignments: %w", err)
	}
	if res["image_relations"], err = drain(ctx, s.q.DeleteDanglingImageRelations); err != nil {
		return res, fmt.Errorf("cleanup: dangling image relations: %w", err)
	}
	if res["tags"], err = s.unusedTags(ctx); err != nil {
		return res, err
	}
	budget := maxObjectDeletes
	for _, sw := range []sweep{
		{name: "image_files", store: s.Private, prefix: "private/images/", owner: imageOwner, referenced: s.q.ReferencedImageFiles},
		{name: "avatar_files", store: s.Public, prefix: "public/avatars/", owner: avatarOwner, referenced: s.q.ReferencedAvatarKeys},
		{name: "export_files", store: s.Private, prefix: "private/exports/", owner: exportOwner, referenced: s.referencedExports},
	} {
		st, err := s.sweep(ctx, sw, &budget)
		res[sw.name] = st.deleted
		res["young_files_kept"] += st.young
		res["unrecognised_files"] += st.unrecognised
		if err != nil {
			return res, fmt.Errorf("cleanup: orphaned %s: %w", sw.name, err)
		}
	}
	s.Log.Info("orphans cleaned up", "result", res.String())
	return res, nil
}

// unusedTags deletes, batch by batch, the tags without an assignment.
func (s *Service) unusedTags(ctx context.Context) (int64, error) {
	var total int64
	for range maxBatches {
		var ids []int64
		err := db.InTx(ctx, s.Pool, func(tx pgx.Tx) error {
			q := s.q.WithTx(tx)
			var err error
			ids, err = q.LockUnusedTags(ctx, sqlc.LockUnusedTagsParams{GraceSeconds: s.TagGrace.Seconds(), BatchSize: batchSize})
			if err != nil || len(ids) == 0 {
				return err
			}
			n, err := q.DeleteUnusedTags(ctx, ids)
			total += n
			return err
		})
		if err != nil {
			return total, fmt.Errorf("cleanup: unused tags: %w", err)
		}
		if len(ids) < batchSize {
			break
		}
	}
	return total, nil
}

// sweep is one storage area checked against the rows that own its files.
type sweep struct {
	name   string
	store  storage.Storage
	prefix string
	// owner maps an object key to the reference a row would hold ("" when
	// the key is not one this app writes: such files are left alone).
	owner func(key string) string
	// referenced returns which of the references rows still hold.
	referenced func(ctx context.Context, refs []string) ([]string, error)
}

type sweepStats struct{ deleted, young, unrecognised int64 }

// errBudget ends a listing once the run's deletion budget is spent.
var errBudget = errors.New("cleanup: deletion budget spent")

// sweep lists the area and deletes the old objects whose owner reference no
// row holds, checking references a batch at a time.
func (s *Service) sweep(ctx context.Context, sw sweep, budget *int) (sweepStats, error) {
	var (
		st      sweepStats
		pending []storage.Object
		cutoff  = time.Now().Add(-s.ObjectMinAge)
	)
	flush := func() error {
		if len(pending) == 0 {
			return nil
		}
		refs := make([]string, 0, len(pending))
		seen := map[string]bool{}
		for _, o := range pending {
			if r := sw.owner(o.Key); !seen[r] {
				seen[r] = true
				refs = append(refs, r)
			}
		}
		kept, err := sw.referenced(ctx, refs)
		if err != nil {
			return err
		}
		live := make(map[string]bool, len(kept))
		for _, k := range kept {
			live[k] = true
		}
		for _, o := range pending {
			if live[sw.owner(o.Key)] {
				continue
			}
			if *budget <= 0 {
				return errBudget
			}
			if err := sw.store.Delete(ctx, o.Key); err != nil {
				return err
			}
			*budget--
			st.deleted++
			s.Log.Debug("orphaned file deleted", "key", o.Key, "modified", o.ModTime.UTC())
		}
		pending = pending[:0]
		return nil
	}
	err := sw.store.List(ctx, sw.prefix, func(o storage.Object) error {
		switch {
		case o.ModTime.After(cutoff):
			st.young++
			return nil
		case sw.owner(o.Key) == "":
			st.unrecognised++
			return nil
		}
		pending = append(pending, o)
		if len(pending) >= 500 {
			return flush()
		}
		return nil
	})
	if err == nil {
		err = flush()
	}
	if errors.Is(err, errBudget) {
		s.Log.Warn("orphan sweep stopped: deletion budget spent; the next run continues", "area", sw.name)
		err = nil
	}
	return st, err
}

// imageOwner maps the key of an original image or of a variant to the key an image
// row holds: <base>.webp for <base>.webp and <base>_{thumb,sm,md,lg}.webp.
func imageOwner(key string) string {
	ext := path.Ext(key)
	base := strings.TrimSuffix(key, ext)
	if ext != ".webp" || !ownedLayout(key, "private/images/") {
		return ""
	}
	if i := strings.LastIndexByte(base, '_'); i > strings.LastIndexByte(base, '/') {
		switch base[i+1:] {
		case "thumb", "sm", "md", "lg":
			return base[:i] + ext
		default:
			return ""
		}
	}
	return key
}

// avatarOwner maps a small or large avatar key to the small key a user or
// contact row holds.
func avatarOwner(key string) string {
	ext := path.Ext(key)
	if ext != ".webp" || strings.Count(key, "/") != 3 ||
		!strings.HasPrefix(key, "public/avatars/users/") && !strings.HasPrefix(key, "public/avatars/contacts/") {
		return ""
	}
	if base, ok := strings.CutSuffix(strings.TrimSuffix(key, ext), "_lg"); ok {
		return base + ext
	}
	return key
}

// ownedLayout reports keys of the form <root><numeric owner id>/<file>.
func ownedLayout(key, root string) bool {
	rest, ok := strings.CutPrefix(key, root)
	if !ok {
		return false
	}
	owner, file, ok := strings.Cut(rest, "/")
	if !ok || owner == "" || file == "" || strings.Contains(file, "/") {
		return false
	}
	_, err := strconv.ParseInt(owner, 10, 64)
	return err == nil
}

// exportOwner maps private/exports/<org>/<job>.zip to the job id.
func exportOwner(key string) string {
	name, ok := strings.CutSuffix(path.Base(key), ".zip")
	if !ok || !ownedLayout(key, "private/exports/") {
		return ""
	}
	id, err := uuid.Parse(name)
	if err != nil {
		return ""
	}
	return id.String()
}

// referencedExports returns the job ids whose job still owns its archive.
func (s *Service) referencedExports(ctx context.Context, refs []string) ([]string, error) {
	ids := make([]uuid.UUID, 0, len(refs))
	for _, r := range refs {
		ids = append(ids, uuid.MustParse(r))
	}
	live, err := s.q.ExportJobKeys(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(live))
	for i, id := range live {
		out[i] = id.String()
	}
	return out, nil
}
