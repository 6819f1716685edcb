package mail_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"apistarter/internal/mail"
	"apistarter/internal/mail/mailtest"
	"apistarter/internal/testutil"
)

const wait = 5 * time.Second

func newSMTP(t *testing.T, srv *mailtest.Server, cfg mail.SMTPConfig) *mail.SMTP {
	t.Helper()
	cfg.Host, cfg.Port = srv.Host(), srv.Port()
	if cfg.TLS == "" {
		cfg.TLS = mail.TLSNone
	}
	if cfg.From == "" {
		cfg.From = "Acme <noreply@acme.test>"
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = wait
	}
	m, err := mail.NewSMTP(cfg)
	if err != nil {
		t.Fatalf("NewSMTP: %v", err)
	}
	t.Cleanup(func() { _ = m.Close() })
	return m
}

func resetMessage(t *testing.T, to string) mail.Message {
	t.Helper()
	m, err := newTemplates(t).Compose(mail.PasswordReset, sampleData()[mail.PasswordReset], to)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestSMTPDeliversTextAndHTMLAlternatives(t *testing.T) {
	srv := mailtest.Start(t)
	mailer := newSMTP(t, srv, mail.SMTPConfig{})
	m := resetMessage(t, "Ada Lovelace <ada@example.com>")
	m.MessageID = "task-42@apistarter.test"

	if err := mailer.Send(context.Background(), m); err != nil {
		t.Fatalf("Send: %v", err)
	}
	got := srv.WaitFor(t, 1, wait)[0]
	if got.ParseErr != nil {
		t.Fatalf("parse: %v\n%s", got.ParseErr, got.Raw)
	}
	if got.From != "noreply@acme.test" || len(got.To) != 1 || got.To[0] != "ada@example.com" {
		t.Errorf("envelope from %q to %v", got.From, got.To)
	}
	if got.Subject != m.Subject {
		t.Errorf("subject %q, want %q", got.Subject, m.Subject)
	}
	if !strings.HasPrefix(got.Header.Get("Content-Type"), "multipart/alternative") {
		t.Errorf("content type %q", got.Header.Get("Content-Type"))
	}
	if got.Header.Get("Message-Id") != "<task-42@apistarter.test>" {
		t.Errorf("message id %q", got.Header.Get("Message-Id"))
	}
	if got.Text != strings.ReplaceAll(m.Text, "\r\n", "\n") {
		t.Errorf("text part differs:\n%s\nwant:\n%s", got.Text, m.Text)
	}
	if !strings.Contains(got.HTML, "Acme &amp; Co") || !strings.Contains(got.HTML, "#token="+testToken) {
		t.Errorf("html part:\n%s", got.HTML)
	}
}

func TestSMTPFromOverride(t *testing.T) {
	srv := mailtest.Start(t)
	mailer := newSMTP(t, srv, mail.SMTPConfig{})
	m := resetMessage(t, "ada@example.com")
	m.From = "exports@acme.test"
	if err := mailer.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	if got := srv.WaitFor(t, 1, wait)[0]; got.From != "exports@acme.test" || !strings.Contains(got.Header.Get("From"), "exports@acme.test") {
		t.Errorf("from %q, header %q", got.From, got.Header.Get("From"))
	}
}

func TestSMTPAuthenticates(t *testing.T) {
	for _, mode := range []struct {
		tls string
		opt mailtest.Option
	}{
		{mail.TLSNone, nil},
		{mail.TLSStartTLS, mailtest.WithStartTLS()},
		{mail.TLSImplicit, mailtest.WithImplicitTLS()},
	} {
		t.Run(mode.tls, func(t *testing.T) {
			opts := []mailtest.Option{mailtest.WithAuth("mailer", "s3cret")}
			if mode.opt != nil {
				opts = append(opts, mode.opt)
			}
			srv := mailtest.Start(t, opts...)
			mailer := newSMTP(t, srv, mail.SMTPConfig{TLS: mode.tls, Username: "mailer", Password: "s3cret", TLSConfig: srv.ClientTLSConfig()})
			if err := mailer.Send(context.Background(), resetMessage(t, "ada@example.com")); err != nil {
				t.Fatalf("Send: %v", err)
			}
			if got := srv.WaitFor(t, 1, wait)[0]; got.User != "mailer" {
				t.Errorf("authenticated user %q", got.User)
			}
		})
	}
}

func TestSMTPWrongPasswordIsPermanent(t *testing.T) {
	srv := mailtest.Start(t, mailtest.WithAuth("mailer", "s3cret"))
	mailer := newSMTP(t, srv, mail.SMTPConfig{Username: "mailer", Password: "wrong"})
	err := mailer.Send(context.Background(), resetMessage(t, "ada@example.com"))
	if err == nil {
		t.Fatal("Send succeeded with a wrong password")
	}
	if mail.IsTransient(err) {
		t.Errorf("auth failure classified transient: %v", err)
	}
}

func TestSMTPWithoutCredentialsIsRefusedByAuthServer(t *testing.T) {
	srv := mailtest.Start(t, mailtest.WithAuth("mailer", "s3cret"))
	mailer := newSMTP(t, srv, mail.SMTPConfig{})
	err := mailer.Send(context.Background(), resetMessage(t, "ada@example.com"))
	if err == nil || mail.IsTransient(err) {
		t.Errorf("err = %v, want a permanent failure", err)
	}
}

func TestSMTPUntrustedCertificateIsPermanent(t *testing.T) {
	srv := mailtest.Start(t, mailtest.WithImplicitTLS())
	mailer := newSMTP(t, srv, mail.SMTPConfig{TLS: mail.TLSImplicit}) // system roots only
	err := mailer.Send(context.Background(), resetMessage(t, "ada@example.com"))
	if err == nil || mail.IsTransient(err) {
		t.Errorf("err = %v, want a permanent TLS failure", err)
	}
}

func TestSMTPStartTLSRequiredButNotOffered(t *testing.T) {
	srv := mailtest.Start(t)
	mailer := newSMTP(t, srv, mail.SMTPConfig{TLS: mail.TLSStartTLS})
	if err := mailer.Send(context.Background(), resetMessage(t, "ada@example.com")); err == nil {
		t.Fatal("sent in clear text although STARTTLS is required")
	}
	if n := len(srv.Messages()); n != 0 {
		t.Errorf("server received %d messages", n)
	}
}

func TestSMTPReplyCodesDecideRetry(t *testing.T) {
	for _, tc := range []struct {
		code      int
		transient bool
	}{{421, true}, {451, true}, {452, true}, {550, false}, {554, false}} {
		t.Run(fmt.Sprint(tc.code), func(t *testing.T) {
			srv := mailtest.Start(t)
			mailer := newSMTP(t, srv, mail.SMTPConfig{})
			srv.FailNext(tc.code, 1)
			err := mailer.Send(context.Background(), resetMessage(t, "ada@example.com"))
			if err == nil {
				t.Fatal("Send succeeded although the server rejected the message")
			}
			if got := mail.IsTransient(err); got != tc.transient {
				t.Errorf("IsTransient(%v) = %v, want %v", err, got, tc.transient)
			}
			// The failure is over; the same mailer delivers the retry.
			if err := mailer.Send(context.Background(), resetMessage(t, "ada@example.com")); err != nil {
				t.Fatalf("retry: %v", err)
			}
			if n := len(srv.WaitFor(t, 1, wait)); n != 1 {
				t.Errorf("received %d messages, want 1", n)
			}
		})
	}
}

func TestSMTPServerDownIsTransientAndRecovers(t *testing.T) {
	srv := mailtest.Start(t)
	mailer := newSMTP(t, srv, mail.SMTPConfig{})
	ctx := context.Background()
	// A first send leaves a pooled connection behind, which the crash kills.
	if err := mailer.Send(ctx, resetMessage(t, "ada@example.com")); err != nil {
		t.Fatal(err)
	}
	srv.Close()

	err := mailer.Send(ctx, resetMessage(t, "ada@example.com"))
	if err == nil {
		t.Fatal("Send succeeded with the server down")
	}
	if !mail.IsTransient(err) {
		t.Errorf("server down classified permanent: %v", err)
	}

	srv.Restart(t)
	if err := mailer.Send(ctx, resetMessage(t, "grace@example.com")); err != nil {
		t.Fatalf("Send after restart: %v", err)
	}
	if got := srv.WaitFor(t, 2, wait); got[1].To[0] != "grace@example.com" {
		t.Errorf("second message to %v", got[1].To)
	}
}

func TestSMTPReusesConnectionsAfterServerRestart(t *testing.T) {
	srv := mailtest.Start(t)
	mailer := newSMTP(t, srv, mail.SMTPConfig{})
	ctx := context.Background()
	if err := mailer.Send(ctx, resetMessage(t, "ada@example.com")); err != nil {
		t.Fatal(err)
	}
	// The pooled connection is dead after the restart; Send must notice and
	// dial again instead of failing.
	srv.Restart(t)
	if err := mailer.Send(ctx, resetMessage(t, "ada@example.com")); err != nil {
		t.Fatalf("Send with a stale pooled connection: %v", err)
	}
	srv.WaitFor(t, 2, wait)
}

func TestSMTPSilentServerTimesOutTransiently(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close() })
	var conns []net.Conn
	var mu sync.Mutex
	t.Cleanup(func() {
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			_ = c.Close()
		}
	})
	go func() { // accepts and never greets
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	addr := l.Addr().(*net.TCPAddr)
	mailer, err := mail.NewSMTP(mail.SMTPConfig{Host: "127.0.0.1", Port: addr.Port, TLS: mail.TLSNone, From: "noreply@acme.test", Timeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	err = mailer.Send(context.Background(), resetMessage(t, "ada@example.com"))
	if err == nil || !mail.IsTransient(err) {
		t.Errorf("err = %v, want a transient timeout", err)
	}
}

func TestSMTPHonoursCancelledContext(t *testing.T) {
	srv := mailtest.Start(t)
	mailer := newSMTP(t, srv, mail.SMTPConfig{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := mailer.Send(ctx, resetMessage(t, "ada@example.com"))
	if !errors.Is(err, context.Canceled) || !mail.IsTransient(err) {
		t.Errorf("err = %v, want a transient context.Canceled", err)
	}
	if n := len(srv.Messages()); n != 0 {
		t.Errorf("server received %d messages", n)
	}
}

func TestSMTPRejectsInvalidMessagesWithoutConnecting(t *testing.T) {
	srv := mailtest.Start(t)
	srv.Close() // any connection attempt would fail transiently
	mailer := newSMTP(t, srv, mail.SMTPConfig{})
	for name, m := range map[string]mail.Message{
		"no recipient":       {Subject: "Hi", Text: "x"},
		"bad recipient":      {To: []string{"not an address"}, Subject: "Hi", Text: "x"},
		"subject line break": {To: []string{"a@example.com"}, Subject: "Hi\r\nBcc: b@example.com", Text: "x"},
		"no body":            {To: []string{"a@example.com"}, Subject: "Hi"},
	} {
		err := mailer.Send(context.Background(), m)
		if !errors.Is(err, mail.ErrInvalidMessage) || mail.IsTransient(err) {
			t.Errorf("%s: err = %v, want permanent ErrInvalidMessage", name, err)
		}
	}
}

func TestSMTPConcurrentSendsAllArrive(t *testing.T) {
	srv := mailtest.Start(t)
	mailer := newSMTP(t, srv, mail.SMTPConfig{MaxIdle: 2})
	const workers, each = 8, 10
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				m := resetMessage(t, fmt.Sprintf("user-%d-%d@example.com", w, i))
				if err := mailer.Send(context.Background(), m); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("Send: %v", err)
	}
	got := srv.WaitFor(t, workers*each, wait)
	seen := map[string]bool{}
	for _, r := range got {
		seen[r.To[0]] = true
	}
	if len(seen) != workers*each {
		t.Errorf("%d distinct recipients, want %d", len(seen), workers*each)
	}
}

func TestNewSMTPValidatesConfig(t *testing.T) {
	for name, cfg := range map[string]mail.SMTPConfig{
		"no host":                     {From: "a@example.com"},
		"bad from":                    {Host: "smtp.example.com", From: "nope"},
		"unknown tls mode":            {Host: "smtp.example.com", From: "a@example.com", TLS: "ssl"},
		"clear-text auth to a remote": {Host: "smtp.example.com", From: "a@example.com", TLS: mail.TLSNone, Username: "u", Password: "p"},
	} {
		if _, err := mail.NewSMTP(cfg); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	m, err := mail.NewSMTP(mail.SMTPConfig{Host: "smtp.example.com", From: "a@example.com", Username: "u", Password: "p"})
	if err != nil {
		t.Errorf("starttls with credentials rejected: %v", err)
	} else {
		_ = m.Close()
	}
}

// go-mail leaves the socket open when the handshake fails after connecting
// (here: STARTTLS required but not offered); the mailer must close it.
func TestSMTPClosesTheConnectionWhenTheHandshakeFails(t *testing.T) {
	for name, cfg := range map[string]mail.SMTPConfig{
		"starttls missing": {TLS: mail.TLSStartTLS},
		"wrong password":   {Username: "mailer", Password: "wrong"},
	} {
		t.Run(name, func(t *testing.T) {
			srv := mailtest.Start(t, mailtest.WithAuth("mailer", "s3cret"))
			mailer := newSMTP(t, srv, cfg)
			for range 3 {
				if err := mailer.Send(context.Background(), resetMessage(t, "ada@example.com")); err == nil {
					t.Fatal("Send succeeded")
				}
			}
			testutil.Eventually(t, wait, "failed connections to close", func() bool { return srv.Sessions() == 0 })
		})
	}
}

func TestSMTPPoolKeepsAtMostMaxIdleAndCloseReleasesThem(t *testing.T) {
	srv := mailtest.Start(t)
	mailer := newSMTP(t, srv, mail.SMTPConfig{MaxIdle: 2})
	var wg sync.WaitGroup
	for range 6 {
		wg.Go(func() {
			if err := mailer.Send(context.Background(), resetMessage(t, "ada@example.com")); err != nil {
				t.Errorf("Send: %v", err)
			}
		})
	}
	wg.Wait()
	testutil.Eventually(t, wait, "surplus connections to close", func() bool { return srv.Sessions() <= 2 })
	if srv.Sessions() == 0 {
		t.Error("no connection kept for reuse")
	}
	if err := mailer.Close(); err != nil {
		t.Fatal(err)
	}
	testutil.Eventually(t, wait, "pooled connections to close", func() bool { return srv.Sessions() == 0 })
}

func TestSMTPWithoutPoolingClosesEveryConnection(t *testing.T) {
	srv := mailtest.Start(t)
	mailer := newSMTP(t, srv, mail.SMTPConfig{MaxIdle: -1})
	if err := mailer.Send(context.Background(), resetMessage(t, "ada@example.com")); err != nil {
		t.Fatal(err)
	}
	testutil.Eventually(t, wait, "the connection to close", func() bool { return srv.Sessions() == 0 })
}

func TestSMTPCancelInterruptsAHungSend(t *testing.T) {
	srv := mailtest.Start(t)
	mailer := newSMTP(t, srv, mail.SMTPConfig{Timeout: time.Minute})
	release := srv.Hold()
	defer release()

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- mailer.Send(ctx, resetMessage(t, "ada@example.com")) }()
	testutil.Eventually(t, wait, "the server to hold the message", func() bool { return srv.Held() == 1 })
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) || !mail.IsTransient(err) {
			t.Errorf("err = %v, want a transient context.Canceled", err)
		}
	case <-time.After(wait):
		t.Fatal("Send ignored the cancelled context")
	}
	release()
	testutil.Eventually(t, wait, "the aborted connection to close", func() bool { return srv.Sessions() == 0 })
}
