package images_test

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"

	"apistarter/internal/images"
	"apistarter/internal/testutil"
)

func files(n int, data []byte) []testutil.FormFile {
	out := make([]testutil.FormFile, n)
	for i := range out {
		out[i] = testutil.FormFile{Field: "files", Name: "f.png", Data: data}
	}
	return out
}

func TestBulkUploadReportsEachFile(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	st, body := e.s.Upload(t, e.org+"/bulk-upload/", e.alice.Token, nil,
		testutil.FormFile{Field: "files", Name: "ok.png", Data: testutil.PNG(t, 30, 20)},
		testutil.FormFile{Field: "files", Name: "notes.jpg", ContentType: "image/jpeg", Data: []byte("plain text")},
		testutil.FormFile{Field: "files", Name: "bomb.png", Data: testutil.PNGBomb(50000, 50000)},
		testutil.FormFile{Field: "files", Name: "ok.gif", Data: testutil.AnimatedGIF(t, 10, 10)},
	)
	if st != http.StatusOK {
		t.Fatalf("%d %s", st, body)
	}
	items := testutil.Decode[[]images.BulkUploadItem](t, body)
	if len(items) != 4 {
		t.Fatalf("items: %s", body)
	}
	wantErr := []string{"", "Invalid file type. Only images are allowed.", "Image dimensions exceed the allowed limit.", ""}
	for i, it := range items {
		switch {
		case wantErr[i] == "" && (it.Status != "success" || it.ID == nil || it.Error != nil || !strings.HasPrefix(*it.File, "private/images/")):
			t.Errorf("item %d: %s", i, body)
		case wantErr[i] != "" && (it.Status != "error" || it.ID != nil || *it.Error != wantErr[i]):
			t.Errorf("item %d: %s", i, body)
		}
	}
	if !strings.Contains(body, `{"id":null,"file":"notes.jpg","status":"error","error":"Invalid file type. Only images are allowed."}`) {
		t.Errorf("error item shape: %s", body)
	}
	if n := testutil.Scalar[int64](t, e.s, `SELECT count(*) FROM images`); n != 2 {
		t.Errorf("%d rows, want 2", n)
	}
	if n := len(objects(t, e.s.App.Storage.Private, "private/")); n != 10 {
		t.Errorf("%d objects, want 10", n)
	}
}

func TestBulkUploadWithoutFiles(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	st, body := e.s.Upload(t, e.org+"/bulk-upload/", e.alice.Token, nil, testutil.FormFile{Field: "other", Name: "x.png", Data: []byte("x")})
	if st != http.StatusOK || body != `[{"id":null,"file":null,"status":"error","error":"No files uploaded"}]` {
		t.Errorf("%d %s", st, body)
	}
}

func TestBulkUploadLimits(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	small := testutil.PNG(t, 8, 8)
	st, body := e.s.Upload(t, e.org+"/bulk-upload/", e.alice.Token, nil, files(21, small)...)
	if st != http.StatusBadRequest || body != `{"detail":"Upload at most 20 images per request."}`+"\n" {
		t.Errorf("21 files: %d %s", st, body)
	}

	// Small limits exercise the same checks without megabytes of test data.
	lim := images.DefaultLimits()
	lim.MaxBytes = 40 << 10
	base := e.mountImages(t, images.WithLimits(lim), images.WithBulkLimits(images.BulkLimits{MaxFiles: 20, MaxTotal: 100 << 10}))
	pad := func(n int) []byte { return append(append([]byte{}, small...), make([]byte, n-len(small))...) }
	post := func(chunked bool, fs ...testutil.FormFile) (int, string) {
		body, ct := testutil.Multipart(t, fs...)
		var r io.Reader = bytes.NewReader(body)
		if chunked {
			r = io.MultiReader(r)
		}
		return testutil.Call(t, base, http.MethodPost, e.org+"/bulk-upload/", e.alice.Token, r, map[string]string{"Content-Type": ct})
	}
	f := func(data []byte, partLength string) testutil.FormFile {
		return testutil.FormFile{Field: "files", Name: "f.png", Data: data, PartLength: partLength}
	}
	cases := []struct {
		name    string
		chunked bool
		files   []testutil.FormFile
		want    string
	}{
		{"declared total", false, []testutil.FormFile{f(pad(39<<10), ""), f(pad(39<<10), ""), f(pad(39<<10), "")}, "Image upload exceeds the aggregate size limit."},
		{"streamed total", true, []testutil.FormFile{f(pad(39<<10), ""), f(pad(39<<10), ""), f(pad(39<<10), "")}, "Image upload exceeds the aggregate size limit."},
		{"declared per file", false, []testutil.FormFile{f(small, ""), f(small, "50000")}, "Image upload exceeds the per-file size limit."},
		{"streamed per file", true, []testutil.FormFile{f(small, ""), f(pad(41<<10), "")}, "Image upload exceeds the configured size limit."},
	}
	for _, c := range cases {
		st, body := post(c.chunked, c.files...)
		if st != http.StatusBadRequest || body != `{"detail":"`+c.want+`"}`+"\n" {
			t.Errorf("%s: %d %s", c.name, st, body)
		}
	}
	if n := testutil.Scalar[int64](t, e.s, `SELECT count(*) FROM images`); n != 0 {
		t.Errorf("%d rows after refused requests", n)
	}
	if keys := objects(t, e.s.App.Storage.Private, "private/"); len(keys) != 0 {
		t.Errorf("objects after refused requests: %v", keys)
	}
}

func TestBulkUploadStorageFailureFailsOnlyThatFile(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	store := &faultyStore{Storage: e.s.App.Storage.Private, failPutAt: []int{7}} // the second file's thumb
	base := e.mountImages(t, images.WithStorage(store))
	st, body := testutil.UploadTo(t, base, e.org+"/bulk-upload/", e.alice.Token, nil, files(3, testutil.PNG(t, 16, 16))...)
	if st != http.StatusOK {
		t.Fatalf("%d %s", st, body)
	}
	items := testutil.Decode[[]images.BulkUploadItem](t, body)
	if items[0].Status != "success" || items[2].Status != "success" || items[1].Status != "error" || *items[1].Error != "Image upload failed." {
		t.Errorf("items: %s", body)
	}
	if n := len(objects(t, e.s.App.Storage.Private, "private/")); n != 10 {
		t.Errorf("%d objects, want the 10 of the two stored files", n)
	}
	if n := testutil.Scalar[int64](t, e.s, `SELECT count(*) FROM images`); n != 2 {
		t.Errorf("%d rows, want 2", n)
	}
}

func TestBulkUploadIdempotencyKey(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	key := map[string]string{"Idempotency-Key": "upload-1"}
	a := testutil.FormFile{Field: "files", Name: "a.png", Data: testutil.PNG(t, 16, 16)}
	st1, body1 := e.s.Upload(t, e.org+"/bulk-upload/", e.alice.Token, key, a)
	st2, body2 := e.s.Upload(t, e.org+"/bulk-upload/", e.alice.Token, key, a)
	if st1 != http.StatusOK || st2 != st1 || body2 != body1 {
		t.Fatalf("replay differs:\n%d %s\n%d %s", st1, body1, st2, body2)
	}
	if n := testutil.Scalar[int64](t, e.s, `SELECT count(*) FROM images`); n != 1 {
		t.Errorf("%d rows after a replay, want 1", n)
	}
	if n := len(objects(t, e.s.App.Storage.Private, "private/")); n != 5 {
		t.Errorf("%d objects after a replay, want 5", n)
	}
	// Same name and size, other bytes: another request.
	b := a
	b.Data = bytes.Clone(a.Data)
	b.Data[len(b.Data)-20] ^= 0xff
	st, body := e.s.Upload(t, e.org+"/bulk-upload/", e.alice.Token, key, b)
	if st != http.StatusConflict || body != `{"detail":"Idempotency-Key was already used for a different request."}`+"\n" {
		t.Errorf("different files: %d %s", st, body)
	}
	st, body = e.s.Upload(t, e.org+"/bulk-upload/", e.alice.Token, map[string]string{"Idempotency-Key": strings.Repeat("k", 129)}, a)
	if st != http.StatusBadRequest || body != `{"detail":"Invalid Idempotency-Key."}`+"\n" {
		t.Errorf("long key: %d %s", st, body)
	}
}
