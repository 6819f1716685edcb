package exports_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"apistarter/internal/exports"
	"apistarter/internal/testutil"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

// With S3 storage the archive is uploaded in parts as it is written, the
// email carries a presigned link to the store, and after expiry the object
// is gone.
func TestExportToS3IsStreamedPresignedAndExpired(t *testing.T) {
	t.Parallel()
	endpoint := fakeS3(t)
	s, smtp, owner, orgID := newMailedOrg(t,
		testutil.WithEnv("STORAGE_BACKEND", "s3"),
		testutil.WithEnv("S3_ENDPOINT", endpoint),
		testutil.WithEnv("S3_USE_SSL", "false"),
		testutil.WithEnv("S3_BUCKET", "exports-test"),
		testutil.WithEnv("S3_ACCESS_KEY", "test-access-key"),
		testutil.WithEnv("S3_SECRET_KEY", "test-secret-key-0123456789"),
	)
	if err := s.App.Storage.EnsureBuckets(context.Background()); err != nil {
		t.Fatal(err)
	}
	want := seedOrg(t, s, orgID, owner.ID, 12, 2, 2)
	startWorker(t, s)
	id := requestExport(t, s, "acme", owner.Token)

	text := smtp.WaitFor(t, 1, 30*time.Second)[0].Text
	link := linkRe.FindString(text)
	if !strings.Contains(link, endpoint) || !strings.Contains(link, "X-Amz-Signature=") || !strings.Contains(link, "X-Amz-Expires=604800") {
		t.Fatalf("emailed link is not a 7-day presigned S3 link: %s", link)
	}
	waitStatus(t, s, id, "ready", 5*time.Second)
	status, archive := download(t, link)
	if status != http.StatusOK {
		t.Fatalf("presigned link: %d %s", status, archive)
	}
	man, err := exports.VerifyArchive(readerAt(archive))
	if err != nil {
		t.Fatal(err)
	}
	if man.Counts["contacts"] != int64(len(want.Contacts)) || man.Counts["media_images"] != 2 || man.Counts["media_avatars"] != int64(2*len(want.AvatarKeys)) {
		t.Errorf("counts %v", man.Counts)
	}

	testutil.Exec(t, s, `UPDATE export_jobs SET expires_at = now() - interval '1 second' WHERE id = $1`, id)
	var out bytes.Buffer
	if err := s.App.JobsRun(context.Background(), exports.JobCleanupExpired, &out); err != nil || !strings.Contains(out.String(), "expired=1") {
		t.Fatalf("cleanup: %s %v", out.String(), err)
	}
	if status, _ := download(t, link); status != http.StatusNotFound && status != http.StatusForbidden {
		t.Errorf("presigned link after expiry: %d", status)
	}
}

// fakeS3 serves gofakes3 on real HTTP and returns its host:port. gofakes3
// stores multipart parts sent with minio-go's streaming signature
// (aws-chunked, used over plain HTTP) without decoding them; the handler
// decodes them first.
func fakeS3(t testing.TB) string {
	backend := gofakes3.New(s3mem.New(), gofakes3.WithLogger(gofakes3.DiscardLog())).Server()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPut && r.URL.Query().Has("partNumber") {
			if err := dechunk(r); err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
		}
		backend.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.Listener.Addr().String()
}

func dechunk(r *http.Request) error {
	if r.Header.Get("X-Amz-Content-Sha256") != "STREAMING-AWS4-HMAC-SHA256-PAYLOAD" {
		return nil
	}
	br := bufio.NewReader(r.Body)
	var out bytes.Buffer
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return err
		}
		sizeHex, _, _ := strings.Cut(strings.TrimSpace(line), ";")
		n, err := strconv.ParseUint(sizeHex, 16, 32)
		if err != nil {
			return fmt.Errorf("bad chunk header %q", line)
		}
		if _, err := io.CopyN(&out, br, int64(n)); err != nil {
			return err
		}
		if _, err := br.Discard(2); err != nil {
			return errors.New("chunk not terminated")
		}
		if n == 0 {
			break
		}
	}
	r.Body = io.NopCloser(&out)
	r.ContentLength = int64(out.Len())
	r.Header.Set("Content-Length", strconv.Itoa(out.Len()))
	r.Header.Set("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")
	return nil
}
