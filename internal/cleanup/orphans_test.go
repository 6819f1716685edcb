package cleanup_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"apistarter/internal/cleanup"
	"apistarter/internal/jobs"
	"apistarter/internal/testutil"

	"github.com/google/uuid"
)

// env is a test server plus a cleanup service on its database and storage.
type env struct {
	*testutil.Server
	svc *cleanup.Service
}

func newEnv(t *testing.T) *env {
	t.Helper()
	s := testutil.NewServer(t)
	svc, err := cleanup.NewService(cleanup.Deps{Pool: s.App.DB, Private: s.App.Storage.Private, Public: s.App.Storage.Public, Log: testutil.Logger(t)})
	if err != nil {
		t.Fatal(err)
	}
	return &env{Server: s, svc: svc}
}

func (e *env) exists(t testing.TB, sql string, args ...any) bool {
	t.Helper()
	return testutil.Scalar[bool](t, e.Server, "SELECT EXISTS ("+sql+")", args...)
}

// put stores an object; old ones are back-dated past the orphan age gate
// (local storage keeps namespaces in STORAGE_DIR/private and /public).
func (e *env) put(t testing.TB, key string, old bool) {
	t.Helper()
	st, ns := e.App.Storage.Private, "private"
	if strings.HasPrefix(key, "public/") {
		st, ns = e.App.Storage.Public, "public"
	}
	if err := st.Put(context.Background(), key, strings.NewReader(key), int64(len(key)), ""); err != nil {
		t.Fatal(err)
	}
	if old {
		at := time.Now().Add(-48 * time.Hour)
		if err := os.Chtimes(filepath.Join(e.Env["STORAGE_DIR"], ns, filepath.FromSlash(key)), at, at); err != nil {
			t.Fatal(err)
		}
	}
}

func (e *env) stored(t testing.TB, key string) bool {
	t.Helper()
	st := e.App.Storage.Private
	if strings.HasPrefix(key, "public/") {
		st = e.App.Storage.Public
	}
	ok, err := st.Exists(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	return ok
}

func variants(original string) []string {
	base := strings.TrimSuffix(original, ".webp")
	return []string{original, base + "_thumb.webp", base + "_sm.webp", base + "_md.webp", base + "_lg.webp"}
}

func TestOrphanCleanupRemovesExactlyTheOrphansAndIsIdempotent(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	owner := e.CreateUser(t, "owner")
	orgID := e.CreateGroupOrg(t, owner, "acme")
	contact := testutil.Scalar[int64](t, e.Server, `INSERT INTO contacts (organization_id, display_name, slug, avatar_path) VALUES ($1, 'C', 'c', $2) RETURNING id`,
		orgID, "public/avatars/contacts/aaaa.webp")
	old := time.Now().Add(-8 * 24 * time.Hour)

	// Tags: old unused (orphan), old used (kept), young unused (kept), old
	// used only by a deleted contact (orphan once its assignment goes).
	tagUnused := testutil.Scalar[int64](t, e.Server, `INSERT INTO tags (organization_id, name, slug, created_at) VALUES ($1, 'unused', 'unused', $2) RETURNING id`, orgID, old)
	tagUsed := testutil.Scalar[int64](t, e.Server, `INSERT INTO tags (organization_id, name, slug, created_at) VALUES ($1, 'used', 'used', $2) RETURNING id`, orgID, old)
	tagYoung := testutil.Scalar[int64](t, e.Server, `INSERT INTO tags (organization_id, name, slug) VALUES ($1, 'young', 'young') RETURNING id`, orgID)
	tagDangling := testutil.Scalar[int64](t, e.Server, `INSERT INTO tags (organization_id, name, slug, created_at) VALUES ($1, 'dangling', 'dangling', $2) RETURNING id`, orgID, old)
	testutil.Exec(t, e.Server, `INSERT INTO tagged_items (tag_id, target_type, object_id) VALUES ($1, 'contacts.contact', $2)`, tagUsed, contact)
	testutil.Exec(t, e.Server, `INSERT INTO tagged_items (tag_id, target_type, object_id) VALUES ($1, 'organizations.organization', $2)`, tagUsed, orgID)
	testutil.Exec(t, e.Server, `INSERT INTO tagged_items (tag_id, target_type, object_id) VALUES ($1, 'contacts.contact', 987654321)`, tagDangling)
	testutil.Exec(t, e.Server, `INSERT INTO tagged_items (tag_id, target_type, object_id) VALUES ($1, 'organizations.organization', 987654321)`, tagUsed)

	// Images: one attached, one in the media library, one whose relation
	// points at a deleted contact. All three rows stay.
	keyAttached := fmt.Sprintf("private/images/%d/%s.webp", orgID, uuid.NewString())
	keyLibrary := fmt.Sprintf("private/images/%d/%s.webp", orgID, uuid.NewString())
	keyDangling := fmt.Sprintf("private/images/%d/%s.webp", orgID, uuid.NewString())
	var imgIDs []int64
	for _, k := range []string{keyAttached, keyLibrary, keyDangling} {
		for _, v := range variants(k) {
			e.put(t, v, true)
		}
		imgIDs = append(imgIDs, testutil.Scalar[int64](t, e.Server, `INSERT INTO images (organization_id, file) VALUES ($1, $2) RETURNING id`, orgID, k))
	}
	testutil.Exec(t, e.Server, `INSERT INTO image_relations (image_id, target_type, object_id, "order") VALUES ($1, 'contacts.contact', $2, 0)`, imgIDs[0], contact)
	testutil.Exec(t, e.Server, `INSERT INTO image_relations (image_id, target_type, object_id, "order") VALUES ($1, 'contacts.contact', 987654321, 0)`, imgIDs[2])

	// Stored files no row references: old ones go, young ones stay.
	orphanImage := fmt.Sprintf("private/images/%d/%s.webp", orgID, uuid.NewString())
	for _, v := range variants(orphanImage) {
		e.put(t, v, true)
	}
	deletedOrgImage := fmt.Sprintf("private/images/%d/%s.webp", orgID+1000, uuid.NewString())
	e.put(t, deletedOrgImage, true)
	youngImage := fmt.Sprintf("private/images/%d/%s.webp", orgID, uuid.NewString())
	e.put(t, youngImage, false)
	unknownFile := "private/images/notes/readme.txt"
	e.put(t, unknownFile, true)

	e.put(t, "public/avatars/contacts/aaaa.webp", true)
	e.put(t, "public/avatars/contacts/aaaa_lg.webp", true)
	e.put(t, "public/avatars/users/bbbb.webp", true) // deleted account's avatar
	e.put(t, "public/avatars/users/bbbb_lg.webp", true)
	e.put(t, "public/avatars/contacts/cccc.webp", false) // upload in flight

	readyJob := uuid.New()
	testutil.Exec(t, e.Server, `INSERT INTO export_jobs (id, organization_id, status, object_key) VALUES ($1, $2, 'ready', $3)`,
		readyJob, orgID, fmt.Sprintf("private/exports/%d/%s.zip", orgID, readyJob))
	readyArchive := fmt.Sprintf("private/exports/%d/%s.zip", orgID, readyJob)
	goneArchive := fmt.Sprintf("private/exports/%d/%s.zip", orgID+1000, uuid.New())
	e.put(t, readyArchive, true)
	e.put(t, goneArchive, true)

	res, err := e.svc.Orphans(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := jobs.Result{"tags": 2, "tag_assignments": 2, "image_relations": 1, "image_files": 6, "avatar_files": 2,
		"export_files": 1, "young_files_kept": 2, "unrecognised_files": 1}
	if res.String() != want.String() {
		t.Errorf("first run: %s\nwant:      %s", res, want)
	}

	for id, kept := range map[int64]bool{tagUnused: false, tagUsed: true, tagYoung: true, tagDangling: false} {
		if got := e.exists(t, `SELECT 1 FROM tags WHERE id = $1`, id); got != kept {
			t.Errorf("tag %d kept=%v, want %v", id, got, kept)
		}
	}
	if n := testutil.Scalar[int64](t, e.Server, `SELECT count(*) FROM tagged_items`); n != 2 {
		t.Errorf("%d tag assignments left, want the 2 live ones", n)
	}
	if n := testutil.Scalar[int64](t, e.Server, `SELECT count(*) FROM images`); n != 3 {
		t.Errorf("%d images left, want all 3 (library images are not orphans)", n)
	}
	if !e.exists(t, `SELECT 1 FROM image_relations WHERE image_id = $1`, imgIDs[0]) || e.exists(t, `SELECT 1 FROM image_relations WHERE image_id = $1`, imgIDs[2]) {
		t.Error("image relations: want the live one kept and the dangling one gone")
	}
	keep := append(append(append(variants(keyAttached), variants(keyLibrary)...), variants(keyDangling)...),
		youngImage, unknownFile, "public/avatars/contacts/aaaa.webp", "public/avatars/contacts/aaaa_lg.webp",
		"public/avatars/contacts/cccc.webp", readyArchive)
	gone := append(variants(orphanImage), deletedOrgImage, "public/avatars/users/bbbb.webp", "public/avatars/users/bbbb_lg.webp", goneArchive)
	for _, k := range keep {
		if !e.stored(t, k) {
			t.Errorf("%s was deleted", k)
		}
	}
	for _, k := range gone {
		if e.stored(t, k) {
			t.Errorf("%s was kept", k)
		}
	}

	// Second run, through the command path: nothing left to do.
	var out bytes.Buffer
	if err := e.App.JobsRun(context.Background(), cleanup.JobOrphans, &out); err != nil {
		t.Fatal(err)
	}
	wantAgain := "avatar_files=0 export_files=0 image_files=0 image_relations=0 tag_assignments=0 tags=0 unrecognised_files=1 young_files_kept=2"
	if !strings.Contains(out.String(), wantAgain) {
		t.Errorf("second run: %q, want %q", out.String(), wantAgain)
	}
}

func TestExpiredTokensCleanupDeletesOnlyExpiredRows(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	u := e.CreateUser(t, "u")
	past, future := time.Now().Add(-time.Minute), time.Now().Add(time.Hour)
	for i, exp := range []time.Time{past, future} {
		testutil.Exec(t, e.Server, `INSERT INTO auth_sessions (id, user_id, auth_version, expires_at) VALUES ($1, $2, 1, $3)`, uuid.New(), u.ID, exp)
		testutil.Exec(t, e.Server, `INSERT INTO pending_registrations (email, token_hash, expires_at) VALUES ($1, $2, $3)`,
			fmt.Sprintf("p%d@example.com", i), strings.Repeat(fmt.Sprint(i), 64), exp)
		testutil.Exec(t, e.Server, `INSERT INTO idempotency_records (identity_hash, request_fingerprint, user_id, method, path, status_code, expires_at)
			VALUES ($1, $1, $2, 'POST', '/x', 200, $3)`, strings.Repeat(fmt.Sprint(i), 64), u.ID, exp)
	}
	other := e.CreateUser(t, "other")
	testutil.Exec(t, e.Server, `INSERT INTO pending_password_resets (user_id, auth_version, token_hash, expires_at) VALUES ($1, 1, $2, $3)`, u.ID, strings.Repeat("r", 64), past)
	testutil.Exec(t, e.Server, `INSERT INTO pending_email_changes (user_id, new_email, auth_version, token_hash, expires_at) VALUES ($1, 'n@example.com', 1, $2, $3)`,
		other.ID, strings.Repeat("e", 64), future)

	res, err := e.svc.ExpiredTokens(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := "email_changes=0 idempotency_records=1 password_resets=1 pending_registrations=1 sessions=1"
	if res.String() != want {
		t.Errorf("got %s, want %s", res, want)
	}
	// The fixtures' own sessions (unexpired) and the future rows remain.
	if n := testutil.Scalar[int64](t, e.Server, `SELECT count(*) FROM auth_sessions`); n != 3 {
		t.Errorf("%d sessions left, want 3", n)
	}
	res, err = e.svc.ExpiredTokens(context.Background())
	if err != nil || res.String() != "email_changes=0 idempotency_records=0 password_resets=0 pending_registrations=0 sessions=0" {
		t.Errorf("second run: %s %v", res, err)
	}
}
