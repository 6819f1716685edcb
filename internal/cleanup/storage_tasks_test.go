package cleanup_test

import (
	"context"
	"testing"

	"apistarter/internal/cleanup"
	"apistarter/internal/jobs"
)

func TestStorageDeleteTasksRemoveKeysAndOwnerFolders(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	// Registered by the app.
	del, ok1 := e.App.Jobs.Handler(cleanup.TaskStorageDelete)
	delPrefix, ok2 := e.App.Jobs.Handler(cleanup.TaskStorageDeletePrefix)
	if !ok1 || !ok2 {
		t.Fatal("storage task handlers are not registered")
	}
	for _, k := range []string{
		"private/images/1/a.webp", "private/images/1/a_thumb.webp", "private/images/2/b.webp",
		"private/exports/1/j.zip", "public/avatars/users/u.webp", "public/avatars/users/u_lg.webp", "public/avatars/users/v.webp",
	} {
		e.put(t, k, false)
	}
	ctx := context.Background()
	if err := del(ctx, []byte(`{"keys":["public/avatars/users/u.webp","public/avatars/users/u_lg.webp","private/images/1/missing.webp","../etc/passwd"]}`)); err != nil {
		t.Fatal(err)
	}
	if err := delPrefix(ctx, []byte(`{"prefixes":["private/images/1/","private/exports/1/"]}`)); err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]bool{
		"private/images/1/a.webp": false, "private/images/1/a_thumb.webp": false, "private/exports/1/j.zip": false,
		"public/avatars/users/u.webp": false, "public/avatars/users/u_lg.webp": false,
		"private/images/2/b.webp": true, "public/avatars/users/v.webp": true,
	} {
		if got := e.stored(t, k); got != want {
			t.Errorf("%s stored=%v, want %v", k, got, want)
		}
	}
	// Running a task again is harmless.
	if err := delPrefix(ctx, []byte(`{"prefixes":["private/images/1/"]}`)); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{`{"prefixes":["private/"]}`, `{"prefixes":["private/images/"]}`, `{"prefixes":[""]}`,
		`{"prefixes":["private/images/2"]}`, `{"prefixes":["private/images/../"]}`, `not json`} {
		if err := delPrefix(ctx, []byte(bad)); !jobs.IsPermanent(err) {
			t.Errorf("%s: err %v, want a permanent refusal", bad, err)
		}
	}
	if !e.stored(t, "private/images/2/b.webp") {
		t.Error("a refused prefix deleted something")
	}
}
