package images_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"image"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"apistarter/internal/images"
	"apistarter/internal/ratelimit"
	"apistarter/internal/storage"
	"apistarter/internal/testutil"

	"github.com/danielgtaylor/huma/v2"
	xwebp "golang.org/x/image/webp"
)

func TestUploadAcceptsEveryAllowedFormat(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	cases := []struct {
		name, mime string
		data       []byte
		w, h       int
	}{
		{"photo.jpg", "image/jpeg", testutil.JPEG(t, 120, 80), 120, 80},
		{"photo.png", "image/png", testutil.PNG(t, 90, 60), 90, 60},
		{"anim.gif", "image/gif", testutil.AnimatedGIF(t, 40, 30), 40, 30},
		{"photo.webp", "image/webp", testutil.WebP(t, 64, 64), 64, 64},
		// The client's MIME type is not trusted either way.
		{"no-type.png", "application/octet-stream", testutil.PNG(t, 20, 10), 20, 10},
	}
	for _, c := range cases {
		st, body := e.s.Upload(t, e.org+"/images/", e.alice.Token, nil, testutil.FormFile{Field: "file", Name: c.name, ContentType: c.mime, Data: c.data})
		if st != http.StatusOK {
			t.Fatalf("%s: %d %s", c.name, st, body)
		}
		img := testutil.Decode[images.ImageOut](t, body)
		if img.Title != c.name || img.Visibility != "private" || img.URL != nil || img.Organization != e.orgID || *img.Creator != e.alice.ID {
			t.Errorf("%s: unexpected image %+v", c.name, img)
		}
		if !strings.HasPrefix(img.File, "private/images/") || img.VariantKeys.Original != img.File {
			t.Errorf("%s: keys %+v", c.name, img.VariantKeys)
		}
		for _, key := range variantList(img.VariantKeys) {
			if ok, err := e.s.App.Storage.Private.Exists(context.Background(), key); err != nil || !ok {
				t.Errorf("%s: %s not stored (%v)", c.name, key, err)
			}
		}
		orig := readWebP(t, e.s.App.Storage.Private, img.File)
		if got := orig.Bounds().Size(); got != image.Pt(c.w, c.h) {
			t.Errorf("%s: original is %v, want %dx%d", c.name, got, c.w, c.h)
		}
		if c.name == "anim.gif" { // first frame only: red, not blue
			r, g, b, _ := orig.At(c.w/2, c.h/2).RGBA()
			if r>>8 < 200 || g>>8 > 60 || b>>8 > 60 {
				t.Errorf("animated GIF: centre is %d,%d,%d, want the red first frame", r>>8, g>>8, b>>8)
			}
		}
	}
	if n := testutil.Scalar[int64](t, e.s, `SELECT count(*) FROM images`); n != int64(len(cases)) {
		t.Errorf("%d rows, want %d", n, len(cases))
	}
}

func readWebP(t testing.TB, st storage.Storage, key string) image.Image {
	t.Helper()
	rc, err := st.Get(context.Background(), key)
	if err != nil {
		t.Fatalf("get %s: %v", key, err)
	}
	defer rc.Close()
	img, err := xwebp.Decode(rc)
	if err != nil {
		t.Fatalf("decode %s: %v", key, err)
	}
	return img
}

func TestUploadRejections(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	big := make([]byte, 11<<20)
	_, _ = rand.Read(big)
	copy(big, testutil.PNG(t, 8, 8)) // a real signature: only the size is wrong
	truncated := testutil.PNG(t, 64, 64)
	truncated = truncated[:len(truncated)/2]
	cases := []struct {
		name string
		file testutil.FormFile
		want string
	}{
		{"text named .jpg", testutil.FormFile{Field: "file", Name: "cat.jpg", ContentType: "image/jpeg", Data: []byte("just some text, not a JPEG at all")},
			`{"detail":"Invalid file type. Only images are allowed."}`},
		{"empty file", testutil.FormFile{Field: "file", Name: "empty.png", Data: nil},
			`{"detail":"Invalid file type. Only images are allowed."}`},
		{"decompression bomb", testutil.FormFile{Field: "file", Name: "bomb.png", Data: testutil.PNGBomb(100000, 100000)},
			`{"detail":"Image dimensions exceed the allowed limit."}`},
		{"over 40 megapixels", testutil.FormFile{Field: "file", Name: "wide.png", Data: testutil.PNGBomb(10000, 4001)},
			`{"detail":"Image dimensions exceed the allowed limit."}`},
		{"truncated", testutil.FormFile{Field: "file", Name: "half.png", Data: truncated},
			`{"detail":"Uploaded file is not a valid image."}`},
		{"declared too large", testutil.FormFile{Field: "file", Name: "big.png", Data: big},
			`{"detail":"File too large. Maximum allowed size is 10MB."}`},
		{"part declares too much", testutil.FormFile{Field: "file", Name: "liar.png", Data: testutil.PNG(t, 8, 8), PartLength: "20000000"},
			`{"detail":"File too large. Maximum allowed size is 10MB."}`},
		{"wrong field", testutil.FormFile{Field: "image", Name: "a.png", Data: testutil.PNG(t, 8, 8)},
			`"location":["body","file"]`},
	}
	for _, c := range cases {
		start := time.Now()
		st, body := e.s.Upload(t, e.org+"/images/", e.alice.Token, nil, c.file)
		if st != http.StatusBadRequest || !strings.Contains(body, c.want) {
			t.Errorf("%s: %d %s, want 400 %s", c.name, st, body, c.want)
		}
		if c.name == "decompression bomb" && time.Since(start) > 2*time.Second {
			t.Errorf("bomb took %v: it was decoded", time.Since(start))
		}
	}

	st, body := e.call(t, http.MethodPost, e.org+"/images/", e.alice.Token, `{"file":"x"}`, nil)
	if st != http.StatusBadRequest || !strings.Contains(body, "multipart/form-data") {
		t.Errorf("JSON body: %d %s", st, body)
	}

	st, body = e.call(t, http.MethodPost, e.org+"/images/", e.alice.Token, "--x\r\nnot a part header\r\n", map[string]string{"Content-Type": "multipart/form-data; boundary=x"})
	if st != http.StatusBadRequest || !strings.Contains(body, `"location":["body","file"]`) {
		t.Errorf("malformed multipart: %d %s", st, body)
	}

	// A body of unknown length (chunked) is cut off at the limit while streaming.
	mp, ct := testutil.Multipart(t, testutil.FormFile{Field: "file", Name: "big.png", Data: big})
	st, body = testutil.Call(t, e.s.URL, http.MethodPost, e.org+"/images/", e.alice.Token,
		io.MultiReader(bytes.NewReader(mp)), map[string]string{"Content-Type": ct})
	if st != http.StatusBadRequest || body != `{"detail":"Image upload exceeds the configured size limit."}`+"\n" {
		t.Errorf("streamed oversize: %d %s", st, body)
	}

	if n := testutil.Scalar[int64](t, e.s, `SELECT count(*) FROM images`); n != 0 {
		t.Errorf("%d rows after rejections", n)
	}
	if keys := objects(t, e.s.App.Storage.Private, "private/"); len(keys) != 0 {
		t.Errorf("objects after rejections: %v", keys)
	}
}

func TestUploadTitleIsFileNameCutTo120Characters(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	name := strings.Repeat("é", 200) + ".png"
	st, body := e.s.Upload(t, e.org+"/images/", e.alice.Token, nil, file(name, testutil.PNG(t, 8, 8)))
	if st != http.StatusOK {
		t.Fatalf("%d %s", st, body)
	}
	if got := testutil.Decode[images.ImageOut](t, body).Title; got != strings.Repeat("é", 120) {
		t.Errorf("title %q (%d runes)", got, len([]rune(got)))
	}
}

func TestUploadNeedsMembership(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	bob := e.s.CreateUser(t, "bob")
	st, body := e.s.Upload(t, e.org+"/images/", bob.Token, nil, file("a.png", testutil.PNG(t, 8, 8)))
	if st != http.StatusNotFound || body != `{"detail":"Organization not found"}`+"\n" {
		t.Errorf("outsider: %d %s", st, body)
	}
	st, _ = e.s.Upload(t, e.org+"/images/", "", nil, file("a.png", testutil.PNG(t, 8, 8)))
	if st != http.StatusUnauthorized {
		t.Errorf("anonymous: %d", st)
	}
}

// faultyStore wraps a Storage and fails chosen operations.
type faultyStore struct {
	storage.Storage
	mu         sync.Mutex
	puts       int
	failPutAt  []int // 1-based Put calls that fail
	failDelete bool
}

var errInjected = errors.New("injected storage failure")

func (f *faultyStore) Put(ctx context.Context, key string, r io.Reader, size int64, ct string) error {
	f.mu.Lock()
	f.puts++
	fail := slices.Contains(f.failPutAt, f.puts)
	f.mu.Unlock()
	if fail {
		// Leave a partial object behind, as a real failure mid-write might.
		_ = f.Storage.Put(ctx, key, io.LimitReader(r, 10), -1, ct)
		return errInjected
	}
	return f.Storage.Put(ctx, key, r, size, ct)
}

func (f *faultyStore) Delete(ctx context.Context, key string) error {
	if f.failDelete {
		return errInjected
	}
	return f.Storage.Delete(ctx, key)
}

// mountImages serves the image routes with the given service options.
func (e *env) mountImages(t *testing.T, opts ...images.Option) string {
	t.Helper()
	limiter, err := ratelimit.New(ratelimit.Options{Enabled: false})
	if err != nil {
		t.Fatal(err)
	}
	svc := images.NewService(e.s.App.DB, e.s.App.Storage, e.s.App.Outbox, opts...)
	return e.s.Mount(t, func(api huma.API) { images.Register(api, svc, limiter) }).URL
}

func TestUploadStorageFailureLeavesNothingBehind(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, failAt := range []int{1, 3, 5} {
		store := &faultyStore{Storage: e.s.App.Storage.Private, failPutAt: []int{failAt}}
		base := e.mountImages(t, images.WithStorage(store))
		st, body := testutil.UploadTo(t, base, e.org+"/images/", e.alice.Token, nil, file("a.png", testutil.PNG(t, 64, 64)))
		if st != http.StatusServiceUnavailable || body != `{"detail":"Image upload is temporarily unavailable."}`+"\n" {
			t.Errorf("put %d fails: %d %s", failAt, st, body)
		}
	}
	if keys := objects(t, e.s.App.Storage.Private, "private/"); len(keys) != 0 {
		t.Errorf("objects left behind: %v", keys)
	}
	if n := testutil.Scalar[int64](t, e.s, `SELECT count(*) FROM images`); n != 0 {
		t.Errorf("%d rows left behind", n)
	}
	if keys := testutil.ScheduledDeletes(t, e.s); len(keys) != 0 {
		t.Errorf("cleanup scheduled although deletes worked: %v", keys)
	}
}

func TestUploadCleanupFallsBackToOutboxWhenDeletesFail(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	store := &faultyStore{Storage: e.s.App.Storage.Private, failPutAt: []int{4}, failDelete: true}
	base := e.mountImages(t, images.WithStorage(store))
	st, _ := testutil.UploadTo(t, base, e.org+"/images/", e.alice.Token, nil, file("a.png", testutil.PNG(t, 64, 64)))
	if st != http.StatusServiceUnavailable {
		t.Fatalf("status %d", st)
	}
	// Everything written, the failed partial write included, is scheduled.
	left := objects(t, e.s.App.Storage.Private, "private/")
	if len(left) != 4 || !slices.Equal(testutil.ScheduledDeletes(t, e.s), left) {
		t.Errorf("left %v, scheduled %v", left, testutil.ScheduledDeletes(t, e.s))
	}
}

func TestUploadDatabaseFailureLeavesNothingBehind(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	testutil.Exec(t, e.s, `CREATE FUNCTION fail_insert() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'injected'; END $$ LANGUAGE plpgsql`)
	testutil.Exec(t, e.s, `CREATE TRIGGER images_fail BEFORE INSERT ON images FOR EACH ROW EXECUTE FUNCTION fail_insert()`)
	st, body := e.s.Upload(t, e.org+"/images/", e.alice.Token, nil, file("a.png", testutil.PNG(t, 64, 64)))
	if st != http.StatusServiceUnavailable || !strings.Contains(body, "Image upload is temporarily unavailable.") {
		t.Errorf("%d %s", st, body)
	}
	if keys := objects(t, e.s.App.Storage.Private, "private/"); len(keys) != 0 {
		t.Errorf("objects left behind: %v", keys)
	}
}
