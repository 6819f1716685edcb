package deploy

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"apistarter/internal/db"
	"apistarter/internal/testutil"

	"github.com/jackc/pgx/v5/pgxpool"
)

// TestBackupRestoreRoundTrip seeds a deployment through the API (users, orgs,
// contacts, uploaded images with their stored files), backs it up with
// scripts/backup.sh, restores into a new database and storage directory with
// scripts/restore.sh, and finds every row and every file back; then the API runs
// on the restored copy.
func TestBackupRestoreRoundTrip(t *testing.T) {
	t.Parallel()
	for _, tool := range []string{"pg_dump", "pg_restore", "psql"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("SKIPPED: %s is not installed (apt-get install postgresql-client)", tool)
		}
	}
	s := testutil.NewServer(t)
	alice := s.CreateUser(t, "alice")
	bob := s.CreateUser(t, "bob")
	s.CreateGroupOrg(t, alice, "backup-team")
	s.AddMember(t, "backup-team", bob, "member")
	for _, org := range []string{alice.PersonalOrg, "backup-team"} {
		for i := range 3 {
			body := fmt.Sprintf(`{"first_name":"Ada %d","last_name":"Lovelace","email":"ada%d@example.com","notes":"seeded"}`, i, i)
			if st, out := testutil.ReadResponse(t, s.Do(t, http.MethodPost, "/api/v1/orgs/"+org+"/contacts/", alice.Token, strings.NewReader(body), nil)); st != http.StatusOK && st != http.StatusCreated {
				t.Fatalf("create contact: %d %s", st, out)
			}
		}
		for i := range 2 {
			if st, out := s.Upload(t, "/api/v1/orgs/"+org+"/images/", alice.Token, nil,
				testutil.FormFile{Field: "file", Name: fmt.Sprintf("p%d.png", i), Data: testutil.PNG(t, 64+i, 48)}); st != http.StatusOK {
				t.Fatalf("upload: %d %s", st, out)
			}
		}
	}
	srcDB, srcStorage := s.Env["DATABASE_URL"], s.Env["STORAGE_DIR"]
	srcFiles := fileSums(t, srcStorage)
	if len(srcFiles) < 4 {
		t.Fatalf("seeding stored %d files, want at least the 4 uploaded originals", len(srcFiles))
	}

	backups := t.TempDir()
	backup := exec.Command(filepath.Join(repoRoot, "scripts", "backup.sh"), backups)
	backup.Env = append(os.Environ(), "DATABASE_URL="+srcDB, "STORAGE_BACKEND=local", "STORAGE_DIR="+srcStorage)
	out, err := backup.Output()
	if err != nil {
		t.Fatalf("backup.sh: %v\n%s", err, stderrOf(err))
	}
	dir := strings.TrimSpace(string(out))

	dstDB := createDatabase(t)
	dstStorage := filepath.Join(t.TempDir(), "restored")
	restore := exec.Command(filepath.Join(repoRoot, "scripts", "restore.sh"), dir)
	restore.Env = append(os.Environ(), "DATABASE_URL="+dstDB, "STORAGE_BACKEND=local", "STORAGE_DIR="+dstStorage)
	if out, err := restore.CombinedOutput(); err != nil {
		t.Fatalf("restore.sh: %v\n%s", err, out)
	}

	src, dst := openPool(t, srcDB), openPool(t, dstDB)
	srcTables, dstTables := tableDigests(t, src), tableDigests(t, dst)
	if len(srcTables) == 0 {
		t.Fatal("no tables found in the seeded database")
	}
	for table, want := range srcTables {
		if got, ok := dstTables[table]; !ok {
			t.Errorf("table %s missing after restore", table)
		} else if got != want {
			t.Errorf("table %s: restored %s, backed up %s", table, got, want)
		}
	}
	for _, table := range []string{"users", "organizations", "contacts", "images"} {
		if d := srcTables[table]; d == "" || strings.HasPrefix(d, "0 rows") {
			t.Errorf("seed left table %s empty: %q", table, d)
		}
	}
	dstFiles := fileSums(t, dstStorage)
	for path, sum := range srcFiles {
		if dstFiles[path] != sum {
			t.Errorf("file %s: restored sha256 %q, backed up %q", path, dstFiles[path], sum)
		}
	}
	if len(dstFiles) != len(srcFiles) {
		t.Errorf("restored %d files, backed up %d", len(dstFiles), len(srcFiles))
	}

	// The restored copy serves: rows are readable and sequences continue.
	r := testutil.NewServer(t, testutil.WithEnv("DATABASE_URL", dstDB), testutil.WithEnv("STORAGE_DIR", dstStorage))
	if st, body := testutil.ReadResponse(t, r.Do(t, http.MethodGet, "/api/v1/orgs/backup-team/images/", alice.Token, nil, nil)); st != http.StatusOK || !strings.Contains(body, "p1") {
		t.Errorf("images on the restored copy: %d %s", st, body)
	}
	if st, body := testutil.ReadResponse(t, r.Do(t, http.MethodPost, "/api/v1/orgs/backup-team/contacts/", alice.Token,
		strings.NewReader(`{"first_name":"After","last_name":"Restore"}`), nil)); st != http.StatusOK && st != http.StatusCreated {
		t.Errorf("create contact on the restored copy: %d %s", st, body)
	}

	// restore.sh refuses a database that is not empty.
	again := exec.Command(filepath.Join(repoRoot, "scripts", "restore.sh"), dir)
	again.Env = append(os.Environ(), "DATABASE_URL="+dstDB, "STORAGE_DIR="+t.TempDir())
	if out, err := again.CombinedOutput(); err == nil || !strings.Contains(string(out), "not empty") {
		t.Errorf("restore into a non-empty database: err %v, output %s", err, out)
	}
}

func stderrOf(err error) string {
	if ee, ok := err.(*exec.ExitError); ok {
		return string(ee.Stderr)
	}
	return ""
}

// createDatabase makes an empty database for the restore and drops it afterwards.
func createDatabase(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	admin := openPool(t, "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable")
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "apistarter_restore_" + hex.EncodeToString(b[:])
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create database: %v", err)
	}
	t.Cleanup(func() {
		if _, err := admin.Exec(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("drop %s: %v", name, err)
		}
	})
	u := url.URL{Scheme: "postgres", User: url.User("postgres"), Host: "127.0.0.1:5432", Path: "/" + name, RawQuery: "sslmode=disable"}
	return u.String()
}

func openPool(t *testing.T, dsn string) *pgxpool.Pool {
	t.Helper()
	p, err := db.Open(context.Background(), dsn)
	if err != nil {
		t.Fatalf("open %s: %v", dsn, err)
	}
	t.Cleanup(p.Close)
	return p
}

// tableDigests gives "N rows md5" per public table: the count and a hash of every
// row's text, in a stable order.
func tableDigests(t *testing.T, p *pgxpool.Pool) map[string]string {
	t.Helper()
	ctx := context.Background()
	rows, err := p.Query(ctx, `SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		tables = append(tables, n)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, table := range tables {
		var n int64
		var sum *string
		q := fmt.Sprintf(`SELECT count(*), md5(string_agg(r::text, E'\n' ORDER BY r::text)) FROM public.%q r`, table)
		if err := p.QueryRow(ctx, q).Scan(&n, &sum); err != nil {
			t.Fatalf("%s: %v", table, err)
		}
		d := fmt.Sprintf("%d rows", n)
		if sum != nil {
			d += " " + *sum
		}
		out[table] = d
	}
	return out
}

// fileSums maps every file under root (relative path) to its sha256.
func fileSums(t *testing.T, root string) map[string]string {
	t.Helper()
	sums := map[string]string{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		h := sha256.Sum256(b)
		sums[rel] = hex.EncodeToString(h[:])
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return sums
}
