package accounts_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"apistarter/internal/mail/mailtest"
	"apistarter/internal/testutil"
)

// runWorker runs the app's worker and outbox relay until the test ends.
func runWorker(t *testing.T, s *testutil.Server) {
	t.Helper()
	w := s.App.NewWorker()
	w.PollInterval = 20 * time.Millisecond
	w.RetryDelay = func(int) time.Duration { return 20 * time.Millisecond }
	w.ShutdownTimeout = 5 * time.Second
	w.Relay.Interval = 50 * time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("worker: %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Error("worker did not stop")
		}
	})
}

func smtpServer(t *testing.T) (*mailtest.Server, []testutil.Option) {
	srv := mailtest.Start(t)
	return srv, []testutil.Option{
		testutil.WithEnv("MAIL_BACKEND", "smtp"),
		testutil.WithEnv("SMTP_HOST", srv.Host()),
		testutil.WithEnv("SMTP_PORT", strconv.Itoa(srv.Port())),
		testutil.WithEnv("SMTP_TLS", "none"),
	}
}

// Acceptance 6: registration → the email arrives at a real SMTP server →
// its fragment token verifies → login works; a reset for an unknown address
// gives the same body and sends nothing.
func TestRegistrationMailEndToEnd(t *testing.T) {
	t.Parallel()
	smtp, opts := smtpServer(t)
	s := testutil.NewServer(t, opts...)
	runWorker(t, s)

	if st, body, _ := call(t, s, "POST", "/api/v1/auth/register/", "", `{"email":"carol@example.com"}`, nil); st != 200 {
		t.Fatalf("register: %d %v", st, body)
	}
	msgs := smtp.WaitFor(t, 1, 20*time.Second)
	msg := msgs[0]
	if len(msg.To) != 1 || msg.To[0] != "carol@example.com" || !strings.HasPrefix(msg.Subject, "Verify Your Account for") {
		t.Fatalf("mail to %v, subject %q", msg.To, msg.Subject)
	}
	link := tokenIn(t, msg.Text)
	if !strings.Contains(msg.Text, s.App.Cfg.FrontendURL+"/verify-registration#token=") {
		t.Fatalf("the token is not in the fragment of a frontend link: %s", msg.Text)
	}
	st, body, _ := call(t, s, "POST", "/api/v1/auth/verify-registration", "", `{"token":"`+link+`","password":"`+testPassword+`"}`, nil)
	if st != 200 {
		t.Fatalf("verify: %d %v", st, body)
	}
	access, _ := login(t, s, "carol@example.com", testPassword)
	if meStatus(t, s, access) != 200 {
		t.Fatal("login after registration does not authenticate")
	}

	// Reset for an unknown and for a known address: same body, one mail.
	_, unknown, _ := call(t, s, "POST", "/api/v1/auth/password-reset/request", "", `{"email":"nobody@example.com"}`, nil)
	_, known, _ := call(t, s, "POST", "/api/v1/auth/password-reset/request", "", `{"email":"carol@example.com"}`, nil)
	if unknown["detail"] != known["detail"] || len(unknown) != 1 {
		t.Fatalf("answers differ: %v vs %v", unknown, known)
	}
	msgs = smtp.WaitFor(t, 2, 20*time.Second)
	testutil.Eventually(t, 5*time.Second, "outbox drained", func() bool {
		return testutil.Scalar[int64](t, s, `SELECT count(*) FROM outbox WHERE completed_at IS NULL`) == 0
	})
	if got := len(smtp.Messages()); got != 2 {
		t.Fatalf("%d mails sent, want 2 (registration + one reset)", got)
	}
	if msgs[1].To[0] != "carol@example.com" || !strings.Contains(msgs[1].Text, "/reset-password#token=") {
		t.Fatalf("reset mail to %v: %s", msgs[1].To, msgs[1].Subject)
	}
}
