package mail_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"apistarter/internal/mail"
)

func TestConsoleLogsSubjectAndRecipientsButNeverTheBody(t *testing.T) {
	var buf bytes.Buffer
	console := mail.NewConsole(slog.New(slog.NewJSONHandler(&buf, nil)))
	m, err := newTemplates(t).Compose(mail.PasswordReset, sampleData()[mail.PasswordReset], "ada@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if err := console.Send(context.Background(), m); err != nil {
		t.Fatalf("Send: %v", err)
	}
	out := buf.String()
	for _, want := range []string{"mail sent", "ada@example.com", "Reset your password for Acme \u0026 Co"} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q: %s", want, out)
		}
	}
	for _, secret := range []string{testToken, "reset-password", "choose a new password"} {
		if strings.Contains(strings.ToLower(out), strings.ToLower(secret)) {
			t.Errorf("log contains body content %q: %s", secret, out)
		}
	}
}

func TestConsoleRejectsInvalidMessages(t *testing.T) {
	var buf bytes.Buffer
	console := mail.NewConsole(slog.New(slog.NewTextHandler(&buf, nil)))
	err := console.Send(context.Background(), mail.Message{Subject: "Hi", Text: "x"})
	if !errors.Is(err, mail.ErrInvalidMessage) {
		t.Errorf("err = %v, want ErrInvalidMessage", err)
	}
	if buf.Len() != 0 {
		t.Errorf("invalid message was logged as sent: %s", buf.String())
	}
}
