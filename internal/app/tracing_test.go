package app_test

import (
	"strings"
	"testing"
	"time"

	"apistarter/internal/app"
	"apistarter/internal/mail/mailtest"
	"apistarter/internal/testutil"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

// One registration request yields one trace: the HTTP server span, the SQL
// statements it ran, and — through the outbox, the relay and Redis — the
// worker's span of the email task and its SMTP send.
func TestRegistrationIsOneTraceFromRequestToEmail(t *testing.T) {
	t.Parallel()
	smtp := mailtest.Start(t)
	spans := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(spans))
	t.Cleanup(func() { _ = tp.Shutdown(t.Context()) })
	s := testutil.NewServerApp(t, []app.Option{app.WithTracerProvider(tp)}, withSMTP(smtp)...)
	startWorker(t, s)

	resp := s.Do(t, "POST", "/api/v1/auth/register/", "", strings.NewReader(`{"email":"trace@example.com"}`), nil)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("register: %d", resp.StatusCode)
	}
	smtp.WaitFor(t, 1, 20*time.Second)

	// The worker ends its span after the handler returns: poll for it.
	var server, task sdktrace.ReadOnlySpan
	deadline := time.Now().Add(10 * time.Second)
	for task == nil && time.Now().Before(deadline) {
		server, task = nil, nil
		for _, sp := range spans.GetSpans().Snapshots() {
			switch {
			case sp.SpanKind() == trace.SpanKindServer && strings.Contains(sp.Name(), "/auth/register"):
				server = sp
			case sp.Name() == "task email:send":
				task = sp
			}
		}
		if task == nil {
			time.Sleep(20 * time.Millisecond) // polling the exporter, not synchronising code
		}
	}
	if server == nil || task == nil {
		t.Fatalf("want the request's server span and the email task span; got %v", names(spans.GetSpans().Snapshots()))
	}
	traceID := server.SpanContext().TraceID()
	if task.SpanContext().TraceID() != traceID {
		t.Fatalf("task span is in trace %s, the request in %s", task.SpanContext().TraceID(), traceID)
	}

	var sql, send int
	for _, sp := range spans.GetSpans().Snapshots() {
		if sp.SpanContext().TraceID() != traceID {
			continue
		}
		switch {
		case sp.Parent().SpanID() == server.SpanContext().SpanID() && isSQL(sp):
			sql++
		case sp.Name() == "mail send" && sp.Parent().SpanID() == task.SpanContext().SpanID():
			send++
		}
	}
	if sql == 0 {
		t.Errorf("no SQL span under the request span; spans: %v", names(spans.GetSpans().Snapshots()))
	}
	if send != 1 {
		t.Errorf("mail send spans under the task span: %d, want 1", send)
	}
}

// isSQL reports a statement span of the pgx tracer.
func isSQL(sp sdktrace.ReadOnlySpan) bool {
	for _, kv := range sp.Attributes() {
		if strings.HasPrefix(string(kv.Key), "db.") && strings.Contains(string(kv.Key), "statement") || kv.Key == "db.query.text" {
			return true
		}
	}
	return false
}

func names(spans []sdktrace.ReadOnlySpan) []string {
	out := make([]string, len(spans))
	for i, sp := range spans {
		out[i] = sp.Name()
	}
	return out
}
