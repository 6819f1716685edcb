package mail_test

import (
	"context"
	"testing"

	"apistarter/internal/mail"
	"apistarter/internal/mail/mailtest"
)

// BenchmarkSMTPSend measures sends per second to a local sink, with and
// without connection reuse.
func BenchmarkSMTPSend(b *testing.B) {
	for _, bc := range []struct {
		name    string
		maxIdle int
	}{{"pooled", 16}, {"conn-per-send", -1}} {
		b.Run(bc.name, func(b *testing.B) {
			srv := mailtest.Start(b)
			mailer, err := mail.NewSMTP(mail.SMTPConfig{Host: srv.Host(), Port: srv.Port(), TLS: mail.TLSNone, From: "noreply@acme.test", MaxIdle: bc.maxIdle})
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { _ = mailer.Close() })
			tpl, err := mail.NewTemplates()
			if err != nil {
				b.Fatal(err)
			}
			m, err := tpl.Compose(mail.PasswordReset, sampleData()[mail.PasswordReset], "ada@example.com")
			if err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := mailer.Send(context.Background(), m); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "mails/s")
		})
	}
}
