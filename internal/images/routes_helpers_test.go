package images_test

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"testing"

	"apistarter/internal/images"
	"apistarter/internal/storage"
	"apistarter/internal/testutil"
)

// env is a server with one user whose personal org holds the images.
type env struct {
	s     *testutil.Server
	alice *testutil.User
	org   string // "/api/v1/orgs/<alice's org>"
	orgID int64
}

func newEnv(t *testing.T, opts ...testutil.Option) *env {
	t.Helper()
	s := testutil.NewServer(t, opts...)
	alice := s.CreateUser(t, "alice")
	e := &env{s: s, alice: alice, org: "/api/v1/orgs/" + alice.PersonalOrg}
	e.orgID = testutil.Scalar[int64](t, e.s, `SELECT id FROM organizations WHERE slug = $1`, alice.PersonalOrg)
	return e
}

// call sends a JSON request as alice unless token says otherwise.
func (e *env) call(t testing.TB, method, path, token, body string, headers map[string]string) (int, string) {
	t.Helper()
	return e.s.Send(t, method, path, token, body, headers)
}

func file(name string, data []byte) testutil.FormFile {
	return testutil.FormFile{Field: "file", Name: name, Data: data}
}

// upload stores a small PNG in alice's org through the API.
func (e *env) upload(t testing.TB, name string) images.ImageOut {
	t.Helper()
	st, body := e.s.Upload(t, e.org+"/images/", e.alice.Token, nil, file(name, testutil.PNG(t, 48, 32)))
	if st != http.StatusOK {
		t.Fatalf("upload: %d %s", st, body)
	}
	return testutil.Decode[images.ImageOut](t, body)
}

// insertImage adds a row without files (listing and relation tests).
func (e *env) insertImage(t testing.TB, orgID int64, title string) int64 {
	t.Helper()
	return testutil.Scalar[int64](t, e.s, `INSERT INTO images (organization_id, file, title) VALUES ($1, $2, $3) RETURNING id`,
		orgID, fmt.Sprintf("private/images/%d/%s.webp", orgID, strings.ReplaceAll(title, " ", "-")), title)
}

func (e *env) insertContact(t testing.TB, orgID int64, slug string) int64 {
	t.Helper()
	return testutil.Scalar[int64](t, e.s, `INSERT INTO contacts (organization_id, display_name, slug) VALUES ($1, $2, $2) RETURNING id`, orgID, slug)
}

// objects lists the stored keys under prefix.
func objects(t testing.TB, st storage.Storage, prefix string) []string {
	t.Helper()
	var keys []string
	err := st.List(context.Background(), prefix, func(o storage.Object) error {
		keys = append(keys, o.Key)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(keys)
	return keys
}

func variantList(v images.VariantSet) []string {
	keys := []string{v.Original, v.Thumb, v.Sm, v.Md, v.Lg}
	sort.Strings(keys)
	return keys
}
