package mailtest_test

import (
	"errors"
	"net/smtp"
	"net/textproto"
	"strings"
	"testing"
	"time"

	"apistarter/internal/mail/mailtest"
)

const wait = 5 * time.Second

func send(srv *mailtest.Server, auth smtp.Auth, raw string) error {
	return smtp.SendMail(srv.Addr(), auth, "from@example.com", []string{"to@example.com", "cc@example.com"}, []byte(strings.ReplaceAll(raw, "\n", "\r\n")))
}

func TestServerParsesBase64SinglePart(t *testing.T) {
	srv := mailtest.Start(t)
	raw := "Subject: =?utf-8?q?Gr=C3=BC=C3=9Fe?=\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64\n\nSGVsbG8s\nIHdvcmxk\n"
	if err := send(srv, nil, raw); err != nil {
		t.Fatal(err)
	}
	got := srv.WaitFor(t, 1, wait)[0]
	if got.ParseErr != nil || got.Subject != "Grüße" || got.Text != "Hello, world" {
		t.Errorf("parsed %+v", got)
	}
	if got.From != "from@example.com" || strings.Join(got.To, ",") != "to@example.com,cc@example.com" {
		t.Errorf("envelope %q %v", got.From, got.To)
	}
}

func TestServerFailNextRejectsThenAccepts(t *testing.T) {
	srv := mailtest.Start(t)
	srv.FailNext(451, 2)
	for range 2 {
		var reply *textproto.Error
		if err := send(srv, nil, "Subject: x\n\nbody\n"); !errors.As(err, &reply) || reply.Code != 451 {
			t.Fatalf("err = %v, want a 451 reply", err)
		}
	}
	if err := send(srv, nil, "Subject: x\n\nbody\n"); err != nil {
		t.Fatalf("third send: %v", err)
	}
	if n := len(srv.WaitFor(t, 1, wait)); n != 1 {
		t.Errorf("recorded %d messages, want only the accepted one", n)
	}
}

func TestServerRequiresAuthWhenConfigured(t *testing.T) {
	srv := mailtest.Start(t, mailtest.WithAuth("u", "p"))
	// net/smtp sends PLAIN in clear text only to localhost; that is us.
	if err := send(srv, smtp.PlainAuth("", "u", "wrong", "127.0.0.1"), "Subject: x\n\nb\n"); err == nil {
		t.Error("wrong password accepted")
	}
	if err := send(srv, smtp.PlainAuth("", "u", "p", "127.0.0.1"), "Subject: x\n\nb\n"); err != nil {
		t.Fatalf("send with auth: %v", err)
	}
	if got := srv.WaitFor(t, 1, wait)[0]; got.User != "u" {
		t.Errorf("user %q", got.User)
	}
}

func TestServerRestartKeepsPortAndMessages(t *testing.T) {
	srv := mailtest.Start(t)
	port := srv.Port()
	if err := send(srv, nil, "Subject: one\n\nb\n"); err != nil {
		t.Fatal(err)
	}
	srv.Close()
	if err := send(srv, nil, "Subject: lost\n\nb\n"); err == nil {
		t.Fatal("closed server accepted a message")
	}
	srv.Restart(t)
	if srv.Port() != port {
		t.Fatalf("port %d after restart, want %d", srv.Port(), port)
	}
	if err := send(srv, nil, "Subject: two\n\nb\n"); err != nil {
		t.Fatal(err)
	}
	got := srv.WaitFor(t, 2, wait)
	if got[0].Subject != "one" || got[1].Subject != "two" {
		t.Errorf("subjects %q, %q", got[0].Subject, got[1].Subject)
	}
	srv.Reset()
	if n := len(srv.Messages()); n != 0 {
		t.Errorf("%d messages after Reset", n)
	}
}
