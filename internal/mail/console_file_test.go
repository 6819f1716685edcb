package mail

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"strings"
	"testing"
)

func TestConsoleWritesBodyToFileNotLog(t *testing.T) {
	var logBuf bytes.Buffer
	dir := t.TempDir()
	c := NewConsole(slog.New(slog.NewJSONHandler(&logBuf, nil))).WithDir(dir)
	err := c.Send(context.Background(), Message{To: []string{"a@example.com"}, Subject: "Hi", Text: "link #token=SECRET123"})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(logBuf.String(), "SECRET123") {
		t.Fatal("body reached the log")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("want one mail file, got %d", len(entries))
	}
	b, _ := os.ReadFile(dir + "/" + entries[0].Name())
	if !strings.Contains(string(b), "SECRET123") {
		t.Fatal("mail file lacks the body")
	}
	if fi, _ := entries[0].Info(); fi.Mode().Perm() != 0o600 {
		t.Fatalf("mail file mode %v, want 0600", fi.Mode().Perm())
	}
}
