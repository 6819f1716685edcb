package app_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"apistarter/internal/storage"
	"apistarter/internal/testutil"
)

func TestStorageIsWiredAndServed(t *testing.T) {
	t.Parallel()
	s := testutil.NewServer(t)
	ctx := context.Background()
	if s.App.Storage == nil {
		t.Fatal("app.Storage not built")
	}
	put := func(st storage.Storage, key, body string) {
		t.Helper()
		if err := st.Put(ctx, key, strings.NewReader(body), int64(len(body)), "text/plain"); err != nil {
			t.Fatalf("put %s: %v", key, err)
		}
	}
	put(s.App.Storage.Public, "avatars/a1.png", "public-bytes")
	put(s.App.Storage.Private, "exports/1/job.zip", "private-bytes")

	link, err := s.App.Storage.Private.SignedURL(ctx, "exports/1/job.zip", time.Minute, storage.SignOptions{})
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("sig", strings.Repeat("0", len(q.Get("sig"))))
	tampered := u.Path + "?" + q.Encode()

	s.Run(t, []testutil.Scenario{
		{Name: "public media", Method: "GET", URL: "/media/avatars/a1.png", ExpectedStatus: 200, ExpectedBody: []string{"public-bytes"}},
		{Name: "missing media", Method: "GET", URL: "/media/avatars/none.png", ExpectedStatus: 404},
		{Name: "signed private link", Method: "GET", URL: u.Path + "?" + u.RawQuery, ExpectedStatus: 200, ExpectedBody: []string{"private-bytes"}},
		{Name: "tampered link", Method: "GET", URL: tampered, ExpectedStatus: 403},
		{Name: "unsigned private path", Method: "GET", URL: "/files/exports/1/job.zip", ExpectedStatus: 403},
		{Name: "private object not under media", Method: "GET", URL: "/media/exports/1/job.zip", ExpectedStatus: 404},
	})
}
