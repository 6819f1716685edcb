package avatars_test

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"apistarter/internal/avatars"
	"apistarter/internal/images"
	"apistarter/internal/ratelimit"
	"apistarter/internal/storage"
	"apistarter/internal/testutil"

	"github.com/danielgtaylor/huma/v2"
	xwebp "golang.org/x/image/webp"
)

type env struct {
	s     *testutil.Server
	alice *testutil.User
	base  string // server with the avatar routes
	orgID int64
}

// mount serves the avatar routes with service options (test doubles).

// newEnv serves the app itself: the routes as wired in production.
func newEnv(t *testing.T) *env {
	t.Helper()
	s := testutil.NewServer(t)
	e := &env{s: s, alice: s.CreateUser(t, "alice"), base: s.URL}
	e.orgID = testutil.Scalar[int64](t, e.s, `SELECT id FROM organizations WHERE slug = $1`, e.alice.PersonalOrg)
	return e
}

func (e *env) mount(t *testing.T, opts ...avatars.Option) string {
	limiter, err := ratelimit.New(ratelimit.Options{Enabled: false})
	if err != nil {
		t.Fatal(err)
	}
	svc := avatars.NewService(e.s.App.DB, e.s.App.Storage, e.s.App.Outbox, opts...)
	return e.s.Mount(t, func(api huma.API) { avatars.Register(api, svc, limiter) }).URL
}

func (e *env) upload(t testing.TB, path, token string, data []byte) (int, string) {
	t.Helper()
	return testutil.UploadTo(t, e.base, path, token, nil, testutil.FormFile{Field: "file", Name: "me.png", Data: data})
}

func publicObjects(t testing.TB, st storage.Storage) []string {
	t.Helper()
	var keys []string
	if err := st.List(context.Background(), "public/", func(o storage.Object) error { keys = append(keys, o.Key); return nil }); err != nil {
		t.Fatal(err)
	}
	sort.Strings(keys)
	return keys
}

func pair(small string) []string {
	return []string{small, images.LargeAvatarKey(small)}
}

// transparentPNG is w×h with a transparent left half.
func transparentPNG(t testing.TB, w, h int) []byte {
	m := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			a := uint8(0xff)
			if x < w/2 {
				a = 0
			}
			m.SetNRGBA(x, y, color.NRGBA{0x20, 0x80, 0xff, a})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, m); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// fetch downloads a public URL from the app's /media/ handler.
func (e *env) fetch(t testing.TB, url string) image.Image {
	t.Helper()
	i := strings.Index(url, "/media/")
	if i < 0 {
		t.Fatalf("not a media URL: %s", url)
	}
	resp := e.s.Do(t, "GET", url[i:], "", nil, nil)
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d", url, resp.StatusCode)
	}
	img, err := xwebp.Decode(resp.Body)
	if err != nil {
		t.Fatalf("decode %s: %v", url, err)
	}
	return img
}

func TestUserAvatar(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	st, body := e.upload(t, "/api/v1/users/avatar", e.alice.Token, transparentPNG(t, 1200, 800))
	if st != 200 {
		t.Fatalf("%d %s", st, body)
	}
	out := testutil.Decode[avatars.UserAvatarOut](t, body)
	key := *testutil.Scalar[*string](t, e.s, `SELECT avatar_path FROM users WHERE id = $1`, e.alice.ID)
	if !strings.HasPrefix(key, "public/avatars/users/") || !strings.HasSuffix(out.AvatarURL, "/media/"+key) ||
		!strings.HasSuffix(out.AvatarLargeURL, "/media/"+images.LargeAvatarKey(key)) {
		t.Errorf("key %s, response %s", key, body)
	}
	small, large := e.fetch(t, out.AvatarURL), e.fetch(t, out.AvatarLargeURL)
	if small.Bounds().Size() != image.Pt(160, 107) || large.Bounds().Size() != image.Pt(600, 400) {
		t.Errorf("sizes %v %v", small.Bounds().Size(), large.Bounds().Size())
	}
	if _, _, _, a := large.At(10, 200).RGBA(); a != 0 {
		t.Errorf("alpha lost: %d", a)
	}

	// Replacing schedules the old pair; the new one stays.
	if st, body := e.upload(t, "/api/v1/users/avatar", e.alice.Token, testutil.JPEG(t, 300, 300)); st != 200 {
		t.Fatalf("replace: %d %s", st, body)
	}
	newKey := *testutil.Scalar[*string](t, e.s, `SELECT avatar_path FROM users WHERE id = $1`, e.alice.ID)
	if got := testutil.ScheduledDeletes(t, e.s); !slices.Equal(got, pair(key)) || newKey == key {
		t.Errorf("after replace: scheduled %v", got)
	}
	for range 2 { // deleting is fine also when there is none
		st, body := testutil.Call(t, e.base, "DELETE", "/api/v1/users/avatar", e.alice.Token, nil, nil)
		if st != 200 || body != `{"detail":"Avatar deleted."}`+"\n" {
			t.Errorf("delete: %d %s", st, body)
		}
	}
	if p := testutil.Scalar[*string](t, e.s, `SELECT avatar_path FROM users WHERE id = $1`, e.alice.ID); p != nil {
		t.Errorf("avatar_path %q after delete", *p)
	}
	want := append(pair(key), pair(newKey)...)
	sort.Strings(want)
	if got := testutil.ScheduledDeletes(t, e.s); !slices.Equal(got, want) {
		t.Errorf("after delete: scheduled %v, want %v", got, want)
	}
}

func TestUserAvatarRejections(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	big := append(testutil.PNG(t, 8, 8), make([]byte, 11<<20)...)
	for _, c := range []struct {
		name string
		data []byte
		want string
	}{
		{"text", []byte("hello, not an image"), "Invalid file type. Only images allowed."},
		{"too large", big, "Avatar file too large (max 10MB)"},
		{"bomb", testutil.PNGBomb(100000, 100000), "Image dimensions exceed the allowed limit."},
	} {
		if st, body := e.upload(t, "/api/v1/users/avatar", e.alice.Token, c.data); st != 400 || body != `{"detail":"`+c.want+`"}`+"\n" {
			t.Errorf("%s: %d %s", c.name, st, body)
		}
	}
	if st, _ := e.upload(t, "/api/v1/users/avatar", "", testutil.PNG(t, 8, 8)); st != 401 {
		t.Errorf("anonymous: %d", st)
	}
	if keys := publicObjects(t, e.s.App.Storage.Public); len(keys) != 0 {
		t.Errorf("objects: %v", keys)
	}
}

type failingStore struct {
	storage.Storage
	mu   sync.Mutex
	puts int
}

func (f *failingStore) Put(ctx context.Context, key string, r io.Reader, size int64, ct string) error {
	f.mu.Lock()
	f.puts++
	n := f.puts
	f.mu.Unlock()
	if n == 2 { // the large file
		return errors.New("injected")
	}
	return f.Storage.Put(ctx, key, r, size, ct)
}

func TestAvatarStorageFailureLeavesNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.base = e.mount(t, avatars.WithStorage(&failingStore{Storage: e.s.App.Storage.Public}))
	st, body := e.upload(t, "/api/v1/users/avatar", e.alice.Token, testutil.PNG(t, 64, 64))
	if st != http.StatusServiceUnavailable || body != `{"detail":"Avatar upload is temporarily unavailable."}`+"\n" {
		t.Errorf("%d %s", st, body)
	}
	if keys := publicObjects(t, e.s.App.Storage.Public); len(keys) != 0 {
		t.Errorf("objects left: %v", keys)
	}
	if p := testutil.Scalar[*string](t, e.s, `SELECT avatar_path FROM users WHERE id = $1`, e.alice.ID); p != nil {
		t.Errorf("avatar_path set: %s", *p)
	}
}

func TestContactAvatar(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	contact := testutil.Scalar[int64](t, e.s, `INSERT INTO contacts (organization_id, display_name, slug) VALUES ($1, 'Carol', 'carol') RETURNING id`, e.orgID)
	bob := e.s.CreateUser(t, "bob")
	bobOrg := testutil.Scalar[int64](t, e.s, `SELECT id FROM organizations WHERE slug = $1`, bob.PersonalOrg)
	testutil.Scalar[int64](t, e.s, `INSERT INTO contacts (organization_id, display_name, slug) VALUES ($1, 'Dave', 'dave') RETURNING id`, bobOrg)
	path := "/api/v1/orgs/" + e.alice.PersonalOrg + "/contacts/carol/avatar/"

	if st, body := testutil.Call(t, e.base, "DELETE", path, e.alice.Token, nil, nil); st != 404 || body != `{"detail":"No avatar to delete."}`+"\n" {
		t.Errorf("delete without avatar: %d %s", st, body)
	}
	st, body := e.upload(t, path, e.alice.Token, testutil.PNG(t, 100, 50))
	if st != 200 {
		t.Fatalf("%d %s", st, body)
	}
	out := testutil.Decode[avatars.ContactAvatarOut](t, body)
	if !strings.HasPrefix(out.AvatarPath, "public/avatars/contacts/") || !strings.HasSuffix(out.AvatarURL, out.AvatarPath) ||
		!strings.HasSuffix(out.LargeAvatarURL, images.LargeAvatarKey(out.AvatarPath)) {
		t.Errorf("response %s", body)
	}
	if got := *testutil.Scalar[*string](t, e.s, `SELECT avatar_path FROM contacts WHERE id = $1`, contact); got != out.AvatarPath {
		t.Errorf("stored %s", got)
	}
	e.fetch(t, out.LargeAvatarURL)

	big := append(testutil.PNG(t, 8, 8), make([]byte, 11<<20)...)
	for _, c := range []struct {
		name, path, token string
		data              []byte
		status            int
		want              string
	}{
		{"text", path, e.alice.Token, []byte("not an image"), 400, `{"detail":"Invalid file type. Only images are allowed."}`},
		{"too large", path, e.alice.Token, big, 400, `{"detail":"File too large. Maximum allowed size is 10MB."}`},
		{"truncated", path, e.alice.Token, testutil.PNG(t, 64, 64)[:60], 400, `{"detail":"Uploaded file is not a valid image."}`},
		{"unknown contact", strings.Replace(path, "carol", "nobody", 1), e.alice.Token, testutil.PNG(t, 8, 8), 404, `{"detail":"Not Found"}`},
		{"other org's contact", strings.Replace(path, "carol", "dave", 1), e.alice.Token, testutil.PNG(t, 8, 8), 404, `{"detail":"Not Found"}`},
		{"outsider", path, bob.Token, testutil.PNG(t, 8, 8), 404, `{"detail":"Organization not found"}`},
	} {
		if st, body := e.upload(t, c.path, c.token, c.data); st != c.status || body != c.want+"\n" {
			t.Errorf("%s: %d %s", c.name, st, body)
		}
	}

	if st, body := testutil.Call(t, e.base, "DELETE", path, e.alice.Token, nil, nil); st != 200 || body != `{"detail":"Avatar deleted."}`+"\n" {
		t.Errorf("delete: %d %s", st, body)
	}
	if got := testutil.ScheduledDeletes(t, e.s); !slices.Equal(got, pair(out.AvatarPath)) {
		t.Errorf("scheduled %v", got)
	}
	if st, _ := testutil.Call(t, e.base, "DELETE", path, e.alice.Token, nil, nil); st != 404 {
		t.Errorf("delete twice: %d", st)
	}
}

// Deleting a contact or a user schedules the deletion of its avatar pair.
func TestDeletingOwnersSchedulesTheirAvatars(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	testutil.Scalar[int64](t, e.s, `INSERT INTO contacts (organization_id, display_name, slug) VALUES ($1, 'Carol', 'carol') RETURNING id`, e.orgID)
	_, body := e.upload(t, "/api/v1/orgs/"+e.alice.PersonalOrg+"/contacts/carol/avatar/", e.alice.Token, testutil.PNG(t, 20, 20))
	c := testutil.Decode[avatars.ContactAvatarOut](t, body)
	bob := e.s.CreateUser(t, "bob")
	if st, body := e.upload(t, "/api/v1/users/avatar", bob.Token, testutil.PNG(t, 20, 20)); st != 200 {
		t.Fatalf("%d %s", st, body)
	}
	bobKey := *testutil.Scalar[*string](t, e.s, `SELECT avatar_path FROM users WHERE id = $1`, bob.ID)

	if _, err := e.s.App.DB.Exec(context.Background(), `DELETE FROM contacts`); err != nil {
		t.Fatal(err)
	}
	if _, err := e.s.App.DB.Exec(context.Background(), `DELETE FROM organizations WHERE slug = $1`, bob.PersonalOrg); err != nil {
		t.Fatal(err)
	}
	if _, err := e.s.App.DB.Exec(context.Background(), `DELETE FROM users WHERE id = $1`, bob.ID); err != nil {
		t.Fatal(err)
	}
	want := append(pair(c.AvatarPath), pair(bobKey)...)
	sort.Strings(want)
	if got := testutil.ScheduledDeletes(t, e.s); !slices.Equal(got, want) {
		t.Errorf("scheduled %v, want %v", got, want)
	}
}
