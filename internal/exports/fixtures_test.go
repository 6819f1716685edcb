package exports_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"apistarter/internal/exports"
	"apistarter/internal/mail/mailtest"
	"apistarter/internal/testutil"

	"github.com/google/uuid"
)

// orgData is what seedOrg put into an org: the ids the archive must hold.
type orgData struct {
	OrgID       int64
	Contacts    []int64
	Tags        []int64
	Assignments int
	Images      []int64
	ImageKeys   []string
	Relations   int
	AvatarKeys  []string
}

// seedOrg fills an org with contacts (every third with an avatar pair in
// public storage), tags assigned to some contacts and to the org, library
// images in private storage and relations of some of them.
func seedOrg(t testing.TB, s *testutil.Server, orgID, creatorID int64, contacts, tags, images int) orgData {
	t.Helper()
	ctx := context.Background()
	d := orgData{OrgID: orgID}
	for i := range contacts {
		var avatar *string
		if i%3 == 0 {
			k := fmt.Sprintf("public/avatars/contacts/%s.webp", strings.ReplaceAll(uuid.NewString(), "-", ""))
			putObject(t, s, true, k, "small-avatar-"+k)
			putObject(t, s, true, exports.LargeAvatarKey(k), "large-avatar-"+k)
			avatar = &k
			d.AvatarKeys = append(d.AvatarKeys, k)
		}
		var id int64
		err := s.App.DB.QueryRow(ctx, `INSERT INTO contacts (organization_id, creator_id, display_name, slug, email, notes, avatar_path)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
			orgID, creatorID, fmt.Sprintf("Contact %d <b>", i), fmt.Sprintf("contact-%d", i),
			fmt.Sprintf("c%d@example.com", i), "notes \"quoted\"\nline", avatar).Scan(&id)
		if err != nil {
			t.Fatalf("seed contact: %v", err)
		}
		d.Contacts = append(d.Contacts, id)
	}
	for i := range tags {
		var id int64
		if err := s.App.DB.QueryRow(ctx, `INSERT INTO tags (organization_id, name, slug) VALUES ($1, $2, $3) RETURNING id`,
			orgID, fmt.Sprintf("Tag %d", i), fmt.Sprintf("tag-%d", i)).Scan(&id); err != nil {
			t.Fatalf("seed tag: %v", err)
		}
		d.Tags = append(d.Tags, id)
		for j, c := range d.Contacts {
			if j%(i+2) == 0 {
				testutil.Exec(t, s, `INSERT INTO tagged_items (tag_id, target_type, object_id) VALUES ($1, 'contacts.contact', $2)`, id, c)
				d.Assignments++
			}
		}
		testutil.Exec(t, s, `INSERT INTO tagged_items (tag_id, target_type, object_id) VALUES ($1, 'organizations.organization', $2)`, id, orgID)
		d.Assignments++
	}
	for i := range images {
		key := fmt.Sprintf("private/images/%d/%s.webp", orgID, uuid.NewString())
		putObject(t, s, false, key, "webp-bytes-"+key)
		var id int64
		if err := s.App.DB.QueryRow(ctx, `INSERT INTO images (organization_id, creator_id, file, title) VALUES ($1, $2, $3, $4) RETURNING id`,
			orgID, creatorID, key, fmt.Sprintf("image %d", i)).Scan(&id); err != nil {
			t.Fatalf("seed image: %v", err)
		}
		d.Images = append(d.Images, id)
		d.ImageKeys = append(d.ImageKeys, key)
		if i%2 == 0 && len(d.Contacts) > 0 {
			testutil.Exec(t, s, `INSERT INTO image_relations (image_id, target_type, object_id, is_cover, "order") VALUES ($1, 'contacts.contact', $2, true, 0)`, id, d.Contacts[i%len(d.Contacts)])
			d.Relations++
		}
	}
	return d
}

func putObject(t testing.TB, s *testutil.Server, public bool, key, body string) {
	t.Helper()
	st := s.App.Storage.Private
	if public {
		st = s.App.Storage.Public
	}
	if err := st.Put(context.Background(), key, strings.NewReader(body), int64(len(body)), ""); err != nil {
		t.Fatalf("put %s: %v", key, err)
	}
}

// requestExport starts an export of the org with slug as the holder of
// token and returns the job's id.
func requestExport(t testing.TB, s *testutil.Server, slug, token string) string {
	t.Helper()
	job := testutil.DecodeResponse[struct {
		ID string `json:"id"`
	}](t, s.Do(t, "POST", "/api/v1/orgs/"+slug+"/exports/", token, nil, nil))
	if job.ID == "" {
		t.Fatal("export accepted without a job id")
	}
	return job.ID
}

// startWorker runs the app's worker (with its outbox relay) until the test
// ends.
func startWorker(t testing.TB, s *testutil.Server) {
	t.Helper()
	w := s.App.NewWorker()
	w.PollInterval = 50 * time.Millisecond
	w.Relay.Interval = 50 * time.Millisecond
	w.Relay.Timeout = 2 * time.Second // re-relay quickly after a Redis flush
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = w.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
}

// mailServer starts a test SMTP server and the options pointing the app at it.
func mailServer(t testing.TB) (*mailtest.Server, []testutil.Option) {
	srv := mailtest.Start(t)
	return srv, []testutil.Option{
		testutil.WithEnv("MAIL_BACKEND", "smtp"),
		testutil.WithEnv("SMTP_HOST", srv.Host()),
		testutil.WithEnv("SMTP_PORT", fmt.Sprint(srv.Port())),
		testutil.WithEnv("SMTP_TLS", "none"),
	}
}

// newMailedOrg is a server whose mail goes to smtp, with the group org
// "acme" of owner; opts adjust the server further.
func newMailedOrg(t testing.TB, opts ...testutil.Option) (s *testutil.Server, smtp *mailtest.Server, owner *testutil.User, orgID int64) {
	t.Helper()
	smtp, mail := mailServer(t)
	s = testutil.NewServer(t, append(mail, opts...)...)
	owner = s.CreateUser(t, "owner")
	return s, smtp, owner, s.CreateGroupOrg(t, owner, "acme")
}

// waitStatus polls the job until it has status, or fails the test.
func waitStatus(t testing.TB, s *testutil.Server, id, status string, timeout time.Duration) {
	t.Helper()
	var got string
	if !testutil.Poll(timeout, func() bool {
		got = testutil.Scalar[string](t, s, `SELECT status FROM export_jobs WHERE id = $1`, id)
		return got == status
	}) {
		t.Fatalf("job %s is %s after %s, want %s", id, got, timeout, status)
	}
}

var linkRe = regexp.MustCompile(`https?://\S+`)

// emailedLink extracts the download link from the export email, pointed at
// the test server (the app signs links before httptest knows its address).
func emailedLink(t testing.TB, s *testutil.Server, text string) string {
	t.Helper()
	raw := linkRe.FindString(text)
	if raw == "" {
		t.Fatalf("no link in the email:\n%s", text)
	}
	return onTestServer(t, s, raw)
}

func onTestServer(t testing.TB, s *testutil.Server, raw string) string {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	base, _ := url.Parse(s.URL)
	u.Scheme, u.Host = base.Scheme, base.Host
	return u.String()
}

// download GETs a link without a token and returns status and body.
func download(t testing.TB, link string) (int, []byte) {
	t.Helper()
	resp, err := http.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
}

func readerAt(b []byte) (*bytes.Reader, int64) { return bytes.NewReader(b), int64(len(b)) }
