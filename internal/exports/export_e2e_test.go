package exports_test

import (
	"archive/zip"
	"fmt"
	"net/http"
	"path"
	"slices"
	"strings"
	"testing"
	"time"

	"apistarter/internal/exports"
	"apistarter/internal/testutil"
)

func TestAdminExportIsBuiltEmailedAndDownloadsTheWholeOrgOnly(t *testing.T) {
	t.Parallel()
	s, smtp, owner, orgID := newMailedOrg(t)
	admin := s.CreateUser(t, "admin")
	member := s.CreateUser(t, "member")
	s.AddMember(t, "acme", admin, "admin")
	s.AddMember(t, "acme", member, "member")
	testutil.Exec(t, s, `INSERT INTO invitations (organization_id, email, role, token_hash, invited_by_id, expires_at)
		VALUES ($1, 'invitee@example.com', 'member', repeat('a', 64), $2, now() + interval '7 days')`, orgID, owner.ID)
	want := seedOrg(t, s, orgID, owner.ID, 40, 4, 5)
	// A missing object: listed in the manifest, not fatal.
	if err := s.App.Storage.Private.Delete(t.Context(), want.ImageKeys[4]); err != nil {
		t.Fatal(err)
	}
	otherOwner := s.CreateUser(t, "rival")
	otherID := s.CreateGroupOrg(t, otherOwner, "rival")
	other := seedOrg(t, s, otherID, otherOwner.ID, 7, 2, 2)

	startWorker(t, s)
	id := requestExport(t, s, "acme", admin.Token)
	msgs := smtp.WaitFor(t, 1, 30*time.Second)
	waitStatus(t, s, id, "ready", 5*time.Second)

	m := msgs[0]
	if len(m.To) != 1 || m.To[0] != admin.Email || !strings.Contains(m.Subject, "Org acme") {
		t.Fatalf("email to %v subject %q", m.To, m.Subject)
	}
	status, archive := download(t, emailedLink(t, s, m.Text))
	if status != http.StatusOK {
		t.Fatalf("emailed link: status %d: %s", status, archive)
	}
	man, err := exports.VerifyArchive(readerAt(archive))
	if err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(readerAt(archive))
	if err != nil {
		t.Fatal(err)
	}

	var contacts []struct {
		ID          int64   `json:"id"`
		DisplayName string  `json:"display_name"`
		Notes       string  `json:"notes"`
		AvatarPath  *string `json:"avatar_path"`
	}
	readFile(t, zr, "contacts.json", &contacts)
	gotContacts := idsOf(contacts, func(c struct {
		ID          int64   `json:"id"`
		DisplayName string  `json:"display_name"`
		Notes       string  `json:"notes"`
		AvatarPath  *string `json:"avatar_path"`
	}) int64 {
		return c.ID
	})
	sameIDs(t, "contacts", gotContacts, want.Contacts, other.Contacts)
	if contacts[0].DisplayName != "Contact 0 <b>" || contacts[0].Notes != "notes \"quoted\"\nline" {
		t.Errorf("contact text not kept verbatim: %+v", contacts[0])
	}

	var tags []struct {
		ID int64 `json:"id"`
	}
	readFile(t, zr, "tags.json", &tags)
	sameIDs(t, "tags", idsOf(tags, func(v struct {
		ID int64 `json:"id"`
	}) int64 {
		return v.ID
	}), want.Tags, other.Tags)

	var assignments []struct {
		TagID      int64  `json:"tag_id"`
		TargetType string `json:"target_type"`
		ObjectID   int64  `json:"object_id"`
	}
	readFile(t, zr, "tag_assignments.json", &assignments)
	if len(assignments) != want.Assignments {
		t.Errorf("%d tag assignments, want %d", len(assignments), want.Assignments)
	}
	for _, a := range assignments {
		if !slices.Contains(want.Tags, a.TagID) {
			t.Errorf("assignment of a foreign tag %d", a.TagID)
		}
	}

	var images []struct {
		ID        int64  `json:"id"`
		ObjectKey string `json:"object_key"`
	}
	readFile(t, zr, "images.json", &images)
	sameIDs(t, "images", idsOf(images, func(v struct {
		ID        int64  `json:"id"`
		ObjectKey string `json:"object_key"`
	}) int64 {
		return v.ID
	}), want.Images, other.Images)

	var relations []map[string]any
	readFile(t, zr, "image_relations.json", &relations)
	if len(relations) != want.Relations {
		t.Errorf("%d image relations, want %d", len(relations), want.Relations)
	}

	var members []struct {
		UserID int64  `json:"user_id"`
		Role   string `json:"role"`
	}
	readFile(t, zr, "members.json", &members)
	if len(members) != 3 {
		t.Errorf("members: %+v, want owner, admin and member", members)
	}
	var org struct {
		ID   int64  `json:"id"`
		Slug string `json:"slug"`
	}
	readFile(t, zr, "organization.json", &org)
	if org.ID != orgID || org.Slug != "acme" {
		t.Errorf("organization.json: %+v", org)
	}
	var invitations []map[string]any
	readFile(t, zr, "invitations.json", &invitations)
	if len(invitations) != 1 || invitations[0]["token_hash"] != nil {
		t.Errorf("invitations: %v (never the token hash)", invitations)
	}

	// Media: four of five image originals (one was deleted) and both
	// avatar files of every contact that has one.
	for i, imgID := range want.Images[:4] {
		f := fmt.Sprintf("media/images/%d/%s", imgID, path.Base(want.ImageKeys[i]))
		if _, err := zr.Open(f); err != nil {
			t.Errorf("missing %s", f)
		}
	}
	if man.Counts["media_images"] != 4 || man.Counts["missing_media"] != 1 || len(man.Missing) != 1 || man.Missing[0].Key != want.ImageKeys[4] {
		t.Errorf("media counts %v, missing %v", man.Counts, man.Missing)
	}
	if man.Counts["media_avatars"] != int64(2*len(want.AvatarKeys)) {
		t.Errorf("%d avatar files, want %d", man.Counts["media_avatars"], 2*len(want.AvatarKeys))
	}
	if man.Counts["contacts"] != int64(len(want.Contacts)) || man.Counts["members"] != 3 {
		t.Errorf("counts %v", man.Counts)
	}

	// The single-job GET signs a short link; the list never does.
	job := testutil.DecodeResponse[map[string]any](t, s.Do(t, "GET", "/api/v1/orgs/acme/exports/"+id+"/", owner.Token, nil, nil))
	link, _ := job["download_url"].(string)
	if job["status"] != "ready" || link == "" || job["expires_at"] == nil || job["completed_at"] == nil {
		t.Fatalf("ready job: %v", job)
	}
	resp2, err := http.Get(onTestServer(t, s, link))
	if err != nil {
		t.Fatal(err)
	}
	_ = resp2.Body.Close()
	if resp2.StatusCode != 200 || resp2.Header.Get("Content-Type") != "application/zip" ||
		resp2.Header.Get("Cache-Control") != "private, no-store" || !strings.HasPrefix(resp2.Header.Get("Content-Disposition"), "attachment") {
		t.Errorf("download_url: %d %v", resp2.StatusCode, resp2.Header)
	}
	list := testutil.DecodeResponse[[]map[string]any](t, s.Do(t, "GET", "/api/v1/orgs/acme/exports/", owner.Token, nil, nil))
	if len(list) != 1 || list[0]["download_url"] != nil {
		t.Errorf("list: %v", list)
	}
	var attempts int
	if err := s.App.DB.QueryRow(t.Context(), `SELECT attempt_count FROM export_jobs WHERE id = $1`, id).Scan(&attempts); err != nil || attempts != 1 {
		t.Errorf("attempt_count %d (%v), want 1", attempts, err)
	}
}

func readFile(t testing.TB, zr *zip.Reader, name string, v any) {
	t.Helper()
	if err := exports.ReadArchiveFile(zr, name, v); err != nil {
		t.Fatal(err)
	}
}

func idsOf[T any](rows []T, id func(T) int64) []int64 {
	out := make([]int64, len(rows))
	for i, r := range rows {
		out[i] = id(r)
	}
	return out
}

// sameIDs checks got holds exactly want, and nothing of foreign.
func sameIDs(t testing.TB, what string, got, want, foreign []int64) {
	t.Helper()
	g, w := slices.Sorted(slices.Values(got)), slices.Sorted(slices.Values(want))
	if !slices.Equal(g, w) {
		t.Errorf("%s: got %v, want %v", what, g, w)
	}
	for _, f := range foreign {
		if slices.Contains(got, f) {
			t.Errorf("%s: holds %d of another org", what, f)
		}
	}
}
