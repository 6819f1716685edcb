package mail

import (
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

// testFS holds the real layout and one template "x".
func testFS(t *testing.T, txt, html string) fstest.MapFS {
	t.Helper()
	layout, err := templateFS.ReadFile(layoutFile)
	if err != nil {
		t.Fatal(err)
	}
	fsys := fstest.MapFS{layoutFile: {Data: layout}, "templates/x.txt": {Data: []byte(txt)}}
	if html != "" {
		fsys["templates/x.html"] = &fstest.MapFile{Data: []byte(html)}
	}
	return fsys
}

const okHTML = `{{define "content"}}<p>{{.Project}}</p>{{end}}`

func TestParseRequiresASubjectLine(t *testing.T) {
	cases := map[string]struct{ txt, html string }{
		"no subject line":     {"Hello\n\nbody", okHTML},
		"empty subject":       {"Subject:   \n\nbody", okHTML},
		"subject not first":   {"\nSubject: Hi\n\nbody", okHTML},
		"missing html":        {"Subject: Hi\n\nbody", ""},
		"html has no content": {"Subject: Hi\n\nbody", `<p>{{.Project}}</p>`},
		"bad text syntax":     {"Subject: Hi\n\n{{.Project", okHTML},
	}
	for name, tc := range cases {
		if _, err := parseTemplates(testFS(t, tc.txt, tc.html)); err == nil {
			t.Errorf("%s: parsed without error", name)
		}
	}
}

func TestRenderRejectsASubjectThatRendersEmpty(t *testing.T) {
	tpl, err := parseTemplates(testFS(t, "Subject: {{.Project}}\n\nbody", okHTML))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := tpl.Render("x", LinkData{}); err == nil || !strings.Contains(err.Error(), "empty subject") {
		t.Errorf("err = %v, want empty subject", err)
	}
}

func TestRenderKeepsTheSubjectOnOneLine(t *testing.T) {
	tpl, err := parseTemplates(testFS(t, "Subject: Join {{.Project}} now\n\nbody {{.Project}}", okHTML))
	if err != nil {
		t.Fatal(err)
	}
	subject, text, _, err := tpl.Render("x", LinkData{Project: "Evil\r\nBcc: victim@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	if subject != "Join Evil Bcc: victim@example.com now" {
		t.Errorf("subject %q", subject)
	}
	if text != "body Evil\r\nBcc: victim@example.com" {
		t.Errorf("text %q", text)
	}
}

func TestHumanDuration(t *testing.T) {
	for d, want := range map[string]string{"1h": "1 hour", "2h": "2 hours", "24h": "24 hours", "48h": "2 days", "168h": "7 days", "30m": "30 minutes", "90s": "2 minutes"} {
		dur, _ := time.ParseDuration(d)
		if got, err := humanDuration(dur); err != nil || got != want {
			t.Errorf("%s: %q, %v; want %q", d, got, err, want)
		}
	}
	if _, err := humanDuration(0); err == nil {
		t.Error("zero duration accepted")
	}
}
