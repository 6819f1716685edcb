package exports

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"apistarter/internal/storage"
)

func localStore(t *testing.T) storage.Storage {
	t.Helper()
	b, err := storage.New(storage.Config{
		Backend: "local", Dir: t.TempDir(), PublicBaseURL: "http://api.test",
		SigningKey: []byte("archive-test-signing-key-0123456789"),
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.Private
}

type testRow struct {
	ID   int    `json:"id"`
	Name string `json:"name"`
}

func rowsOf(rows ...testRow) func(context.Context, func(any) error) error {
	return func(_ context.Context, emit func(any) error) error {
		for i := range rows {
			if err := emit(&rows[i]); err != nil {
				return err
			}
		}
		return nil
	}
}

func filesOf(files ...MediaFile) func(context.Context, func(MediaFile) error) error {
	return func(_ context.Context, emit func(MediaFile) error) error {
		for _, f := range files {
			if err := emit(f); err != nil {
				return err
			}
		}
		return nil
	}
}

func TestArchiveHoldsSectionsMediaAndAManifestThatMatches(t *testing.T) {
	ctx := context.Background()
	store := localStore(t)
	img := bytes.Repeat([]byte("RIFF-webp-bytes"), 10_000)
	if err := store.Put(ctx, "private/images/7/a.webp", bytes.NewReader(img), int64(len(img)), "image/webp"); err != nil {
		t.Fatal(err)
	}
	progress := 0
	at := time.Date(2026, 3, 9, 14, 5, 0, 0, time.UTC)
	a := &Archive{
		Sections: []Section{
			{Name: "organization", Object: true, Rows: rowsOf(testRow{1, "Acme <&>"})},
			{Name: "contacts", Rows: rowsOf(testRow{1, "a"}, testRow{2, "b"}, testRow{3, "c"})},
			{Name: "tags", Rows: rowsOf()},
		},
		Media: []MediaSet{{Name: "media_images", Store: store, Files: filesOf(
			MediaFile{Path: "media/images/1/a.webp", Key: "private/images/7/a.webp"},
			MediaFile{Path: "media/images/2/gone.webp", Key: "private/images/7/gone.webp"},
		)}},
		Progress: func(context.Context) error { progress++; return nil },
		Now:      func() time.Time { return at },
	}
	var buf bytes.Buffer
	man, err := a.Write(ctx, &buf)
	if err != nil {
		t.Fatal(err)
	}
	got, err := VerifyArchive(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	if got.Format != ArchiveFormat || got.Version != 1 || !got.GeneratedAt.Equal(at) {
		t.Errorf("manifest header: %+v", got)
	}
	wantCounts := map[string]int64{"organization": 1, "contacts": 3, "tags": 0, "media_images": 1, "missing_media": 1}
	for k, v := range wantCounts {
		if got.Counts[k] != v || man.Counts[k] != v {
			t.Errorf("count %s = %d (returned %d), want %d", k, got.Counts[k], man.Counts[k], v)
		}
	}
	if len(got.Missing) != 1 || got.Missing[0].Key != "private/images/7/gone.webp" {
		t.Errorf("missing: %+v", got.Missing)
	}
	if progress != 4 { // three sections, one media file
		t.Errorf("progress called %d times, want 4", progress)
	}

	zr, _ := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	var org testRow
	if err := ReadArchiveFile(zr, "organization.json", &org); err != nil || org.Name != "Acme <&>" {
		t.Errorf("organization.json: %+v, %v", org, err)
	}
	var contacts []testRow
	if err := ReadArchiveFile(zr, "contacts.json", &contacts); err != nil || len(contacts) != 3 || contacts[2].Name != "c" {
		t.Errorf("contacts.json: %+v, %v", contacts, err)
	}
	var tags []testRow
	if err := ReadArchiveFile(zr, "tags.json", &tags); err != nil || tags == nil || len(tags) != 0 {
		t.Errorf("tags.json: %+v, %v", tags, err)
	}
	f, err := zr.Open("media/images/1/a.webp")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(f)
	if !bytes.Equal(b, img) {
		t.Error("media file differs from the stored object")
	}
}

func TestVerifyArchiveRejectsATamperedFile(t *testing.T) {
	a := &Archive{Sections: []Section{{Name: "contacts", Rows: rowsOf(testRow{1, "original-name"})}}}
	var buf bytes.Buffer
	if _, err := a.Write(context.Background(), &buf); err != nil {
		t.Fatal(err)
	}
	// Rebuild the zip with a different contacts.json but the same manifest.
	zr, _ := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, f := range zr.File {
		w, _ := zw.Create(f.Name)
		rc, _ := f.Open()
		b, _ := io.ReadAll(rc)
		_ = rc.Close()
		if f.Name == "contacts.json" {
			b = []byte(strings.Replace(string(b), "original-name", "tampered-name", 1))
		}
		_, _ = w.Write(b)
	}
	_ = zw.Close()
	if _, err := VerifyArchive(bytes.NewReader(out.Bytes()), int64(out.Len())); err == nil {
		t.Fatal("tampered archive verified")
	}
}

func TestArchiveStopsOnAProgressError(t *testing.T) {
	lost := errors.New("job lost")
	a := &Archive{
		Sections: []Section{{Name: "a", Rows: rowsOf(testRow{1, "x"})}, {Name: "b", Rows: rowsOf(testRow{2, "y"})}},
		Progress: func(context.Context) error { return lost },
	}
	if _, err := a.Write(context.Background(), io.Discard); !errors.Is(err, lost) {
		t.Fatalf("err = %v, want the progress error", err)
	}
}

func TestArchiveRefusesAnObjectSectionWithoutExactlyOneRow(t *testing.T) {
	for _, rows := range [][]testRow{nil, {{1, "a"}, {2, "b"}}} {
		a := &Archive{Sections: []Section{{Name: "organization", Object: true, Rows: rowsOf(rows...)}}}
		if _, err := a.Write(context.Background(), io.Discard); err == nil {
			t.Errorf("%d rows: no error", len(rows))
		}
	}
}

// A large section streams: the archive's heap does not hold the rows.
func TestArchiveStreamsLargeSections(t *testing.T) {
	const rows = 200_000
	a := &Archive{Sections: []Section{{Name: "contacts", Rows: func(_ context.Context, emit func(any) error) error {
		r := testRow{Name: strings.Repeat("x", 100)}
		for i := range rows {
			r.ID = i
			if err := emit(&r); err != nil {
				return err
			}
		}
		return nil
	}}}}
	var cw counter
	man, err := a.Write(context.Background(), &cw)
	if err != nil {
		t.Fatal(err)
	}
	if man.Counts["contacts"] != rows || man.Files[0].Size < rows*100 {
		t.Fatalf("manifest %+v", man.Files)
	}
}
