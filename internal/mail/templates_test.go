package mail_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"apistarter/internal/mail"
)

const testToken = "tok-SECRET_4f9a2b"

// sampleData returns data for every template; the test fails when a
// template has none, so new templates cannot skip these checks.
func sampleData() map[string]any {
	const front = "http://localhost:3000/"
	return map[string]any{
		mail.RegistrationVerification: mail.LinkData{Project: "Acme & Co", Link: mail.TokenLink(front, mail.PathVerifyRegistration, testToken), ExpiresIn: 12 * time.Hour},
		mail.PasswordReset:            mail.LinkData{Project: "Acme & Co", Name: "Ada <Lovelace>", Link: mail.TokenLink(front, mail.PathResetPassword, testToken), ExpiresIn: 2 * time.Hour},
		mail.EmailChangeRequested:     mail.EmailChangeData{Project: "Acme & Co", Name: "Ada", OldEmail: "old@example.com", NewEmail: "new@example.com"},
		mail.EmailChangeVerification:  mail.EmailChangeData{Project: "Acme & Co", Name: "Ada", OldEmail: "old@example.com", NewEmail: "new@example.com", Link: mail.TokenLink(front, mail.PathVerifyEmailChange, testToken), ExpiresIn: 24 * time.Hour},
		mail.EmailChangeCompleted:     mail.EmailChangeData{Project: "Acme & Co", Name: "Ada", OldEmail: "old@example.com", NewEmail: "new@example.com"},
		mail.OrgInvitation:            mail.InvitationData{Project: "Acme & Co", Org: "O'Brien <Labs>", Inviter: "Grace", Role: "admin", Link: mail.TokenLink(front, mail.PathAcceptInvitation, testToken), ExpiresIn: 7 * 24 * time.Hour},
		mail.ExportReady:              mail.ExportReadyData{Project: "Acme & Co", Name: "Ada", Org: "O'Brien <Labs>", Link: "http://localhost:8000/files/exports/1.zip?expires=1&sig=abc", ExpiresAt: time.Date(2026, 3, 9, 14, 5, 0, 0, time.UTC)},
	}
}

func newTemplates(t *testing.T) *mail.Templates {
	t.Helper()
	tpl, err := mail.NewTemplates()
	if err != nil {
		t.Fatalf("NewTemplates: %v", err)
	}
	return tpl
}

func TestEveryTemplateRendersSubjectTextAndHTML(t *testing.T) {
	tpl := newTemplates(t)
	wantSubjects := map[string]string{
		mail.RegistrationVerification: "Verify Your Account for Acme & Co",
		mail.EmailChangeRequested:     "Email change requested for Acme & Co",
		mail.EmailChangeVerification:  "Confirm your email change for Acme & Co",
		mail.EmailChangeCompleted:     "Email address changed for Acme & Co",
		mail.PasswordReset:            "Reset your password for Acme & Co",
		mail.OrgInvitation:            "You're invited to join O'Brien <Labs> on Acme & Co",
		mail.ExportReady:              "Your export for O'Brien <Labs> is ready",
	}
	data := sampleData()
	names := tpl.Names()
	if len(names) != len(wantSubjects) {
		t.Fatalf("templates %v, want the %d known ones", names, len(wantSubjects))
	}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			d, ok := data[name]
			if !ok {
				t.Fatalf("no sample data for template %s", name)
			}
			subject, text, html, err := tpl.Render(name, d)
			if err != nil {
				t.Fatalf("Render: %v", err)
			}
			if subject != wantSubjects[name] {
				t.Errorf("subject %q, want %q", subject, wantSubjects[name])
			}
			if strings.HasPrefix(text, "Subject:") || strings.HasPrefix(text, "\n") {
				t.Errorf("text starts with the subject line or a blank line: %q", text[:min(40, len(text))])
			}
			if strings.Contains(text, "&amp;") || strings.Contains(text, "&lt;") || strings.Contains(text, "&#39;") {
				t.Errorf("text part is HTML-escaped:\n%s", text)
			}
			if !strings.Contains(text, "Acme & Co") {
				t.Errorf("text lacks the raw project name:\n%s", text)
			}
			if !strings.HasPrefix(html, "<!DOCTYPE html>") || !strings.Contains(html, "Acme &amp; Co") {
				t.Errorf("html is not the escaped layout:\n%s", html)
			}
			if strings.Contains(html, "<Labs>") || strings.Contains(html, "<Lovelace>") {
				t.Errorf("html contains unescaped data:\n%s", html)
			}
		})
	}
}

func TestTokensAppearOnlyInURLFragments(t *testing.T) {
	tpl := newTemplates(t)
	for name, d := range sampleData() {
		_, text, html, err := tpl.Render(name, d)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for part, body := range map[string]string{"text": text, "html": html} {
			rest, seen := body, 0
			for {
				i := strings.Index(rest, testToken)
				if i < 0 {
					break
				}
				seen++
				if !strings.HasSuffix(rest[:i], "#token=") {
					t.Errorf("%s %s: token outside a #token= fragment: …%s", name, part, rest[max(0, i-40):i+len(testToken)])
				}
				rest = rest[i+len(testToken):]
			}
			hasLink := strings.Contains(fmt.Sprintf("%+v", d), testToken)
			if hasLink && seen == 0 {
				t.Errorf("%s %s: link with token missing", name, part)
			}
			if !hasLink && seen > 0 {
				t.Errorf("%s %s: token present although the data has no token link", name, part)
			}
		}
	}
}

func TestTemplatesStateExpiry(t *testing.T) {
	tpl := newTemplates(t)
	want := map[string]string{
		mail.RegistrationVerification: "expires in 12 hours",
		mail.PasswordReset:            "expires in 2 hours",
		mail.EmailChangeVerification:  "expires in 24 hours",
		mail.OrgInvitation:            "expires in 7 days",
		mail.ExportReady:              "valid until 9 March 2026, 14:05 UTC",
	}
	data := sampleData()
	for name, phrase := range want {
		_, text, html, err := tpl.Render(name, data[name])
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !strings.Contains(text, phrase) || !strings.Contains(html, phrase) {
			t.Errorf("%s: %q missing from text or html:\n%s", name, phrase, text)
		}
	}
}

func TestPasswordResetGreetsByDisplayName(t *testing.T) {
	_, text, _, err := newTemplates(t).Render(mail.PasswordReset, mail.LinkData{
		Project: "Acme", Name: "Ada Lovelace", Link: "http://x/reset-password#token=t", ExpiresIn: 2 * time.Hour,
	})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(text, "Hello Ada Lovelace,\n") {
		t.Errorf("greeting: %q", text[:min(30, len(text))])
	}
}

func TestInvitationNamesInviterAndRole(t *testing.T) {
	_, text, html, err := newTemplates(t).Render(mail.OrgInvitation, sampleData()[mail.OrgInvitation])
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Grace invited you", "role admin", "O'Brien <Labs>"} {
		if !strings.Contains(text, want) {
			t.Errorf("text lacks %q:\n%s", want, text)
		}
	}
	if !strings.Contains(html, "O&#39;Brien &lt;Labs&gt;") {
		t.Errorf("html lacks the escaped org name:\n%s", html)
	}
}

func TestExportReadyLinkKeepsItsQuery(t *testing.T) {
	_, text, html, err := newTemplates(t).Render(mail.ExportReady, sampleData()[mail.ExportReady])
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text, "\nhttp://localhost:8000/files/exports/1.zip?expires=1&sig=abc\n") {
		t.Errorf("text lacks the signed link:\n%s", text)
	}
	if !strings.Contains(html, `href="http://localhost:8000/files/exports/1.zip?expires=1&amp;sig=abc"`) {
		t.Errorf("html lacks the signed link:\n%s", html)
	}
}

func TestRenderRejectsMissingData(t *testing.T) {
	tpl := newTemplates(t)
	cases := map[string]struct {
		name string
		data any
	}{
		"unknown template":  {"nope", mail.LinkData{}},
		"expiry not set":    {mail.PasswordReset, mail.LinkData{Project: "A", Link: "http://x/#token=t"}},
		"wrong data type":   {mail.OrgInvitation, mail.LinkData{Project: "A", Link: "l", ExpiresIn: time.Hour}},
		"map missing a key": {mail.PasswordReset, map[string]any{"Project": "A", "Link": "l", "ExpiresIn": time.Hour}},
	}
	for name, tc := range cases {
		if _, _, _, err := tpl.Render(tc.name, tc.data); err == nil {
			t.Errorf("%s: no error", name)
		} else if mail.IsTransient(err) {
			t.Errorf("%s: template error %v classified transient", name, err)
		}
	}
}

func TestComposeBuildsAValidMessage(t *testing.T) {
	tpl := newTemplates(t)
	m, err := tpl.Compose(mail.PasswordReset, sampleData()[mail.PasswordReset], "ada@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if len(m.To) != 1 || m.To[0] != "ada@example.com" || m.Subject != "Reset your password for Acme & Co" || m.Text == "" || m.HTML == "" {
		t.Errorf("message %+v", m)
	}
	if _, err := tpl.Compose(mail.PasswordReset, sampleData()[mail.PasswordReset]); err == nil {
		t.Error("compose without recipient: no error")
	}
}

func TestTokenLinkPutsTheTokenInTheFragment(t *testing.T) {
	got := mail.TokenLink("https://app.example.com/", mail.PathResetPassword, "a+b/c=")
	if want := "https://app.example.com/reset-password#token=a%2Bb%2Fc%3D"; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}
