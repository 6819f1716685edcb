package app_test

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"testing"

	"apistarter/internal/testutil"
)

// TestOpenAPIContractCommitted fails when the served OpenAPI document differs
// from docs/openapi.json. Regenerate with `make openapi`.
func TestOpenAPIContractCommitted(t *testing.T) {
	t.Parallel()
	s := testutil.NewServer(t)
	resp := s.Do(t, "GET", "/api/v1/openapi.json", "", nil, nil)
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var doc any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("openapi.json is not JSON: %v", err)
	}
	got, _ := json.MarshalIndent(doc, "", "  ")
	got = append(got, '\n')
	path := filepath.Join("..", "..", "docs", "openapi.json")
	if os.Getenv("UPDATE_OPENAPI") == "1" {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read committed contract: %v (run `make openapi`)", err)
	}
	if !bytes.Equal(want, got) {
		t.Fatal("docs/openapi.json drifted from the served API: run `make openapi` and review the diff")
	}
}
