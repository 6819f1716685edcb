// Package mailtest runs a real SMTP server on 127.0.0.1 for tests. It records
// what it receives, can be stopped and restarted on the same port, and can be
// told to reject messages with a chosen reply code.
//
//	srv := mailtest.Start(t, mailtest.WithAuth("user", "secret"))
//	... send to srv.Host():srv.Port() ...
//	msgs := srv.WaitFor(t, 1, 5*time.Second)
package mailtest

import (
	"bytes"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Received is one message accepted by the server.
type Received struct {
	From    string   // envelope sender (MAIL FROM)
	To      []string // envelope recipients (RCPT TO)
	User    string   // authenticated user, empty without AUTH
	Raw     []byte   // the DATA as received
	Header  mail.Header
	Subject string // decoded
	Text    string // text/plain part, transfer encoding removed, "\n" line ends
	HTML    string // text/html part, likewise
	// ParseErr is set when Raw could not be parsed; the fields above that
	// come from parsing may then be empty.
	ParseErr error
}

// Option configures Start.
type Option func(*options)

type options struct {
	user, pass string
	tls        tlsMode
}

type tlsMode int

const (
	tlsOff tlsMode = iota
	tlsStart
	tlsImplicit
)

// WithAuth requires AUTH PLAIN with these credentials before MAIL FROM; it
// is offered without TLS too, so clients can be tested in clear text.
func WithAuth(user, pass string) Option {
	return func(o *options) { o.user, o.pass = user, pass }
}

// WithStartTLS offers STARTTLS with a self-signed certificate; clients trust
// it through ClientTLSConfig.
func WithStartTLS() Option { return func(o *options) { o.tls = tlsStart } }

// WithImplicitTLS speaks TLS from the first byte (SMTPS, as on port 465).
func WithImplicitTLS() Option { return func(o *options) { o.tls = tlsImplicit } }

// Server is a running (or stopped) test SMTP server.
type Server struct {
	opts      options
	addr      string // fixed after the first listen, so Restart keeps the port
	serverTLS *tls.Config
	clientTLS *tls.Config

	mu       sync.Mutex
	srv      *smtp.Server
	listener net.Listener
	served   chan struct{} // closed when Serve returns
	msgs     []Received
	changed  chan struct{} // closed and replaced on every new message
	failCode int
	failLeft int
	sessions int
	hold     chan struct{} // while non-nil, DATA waits for it to close
	held     int
}

// Start listens on 127.0.0.1 on a free port and serves until the test ends.
func Start(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s := &Server{addr: "127.0.0.1:0", changed: make(chan struct{})}
	for _, o := range opts {
		o(&s.opts)
	}
	if s.opts.tls != tlsOff {
		var err error
		if s.serverTLS, s.clientTLS, err = selfSigned(); err != nil {
			t.Fatalf("mailtest: certificate: %v", err)
		}
	}
	l, err := net.Listen("tcp", s.addr)
	if err != nil {
		t.Fatalf("mailtest: listen: %v", err)
	}
	s.addr = l.Addr().String()
	s.serve(l)
	t.Cleanup(s.Close)
	return s
}

// Addr is "127.0.0.1:port".
func (s *Server) Addr() string { return s.addr }

// Host is the address to connect to, "127.0.0.1".
func (s *Server) Host() string {
	host, _, _ := net.SplitHostPort(s.addr)
	return host
}

// Port is the listening port; it survives Restart.
func (s *Server) Port() int {
	_, port, _ := net.SplitHostPort(s.addr)
	n, _ := strconv.Atoi(port)
	return n
}

// ClientTLSConfig trusts the server's certificate (nil without TLS). Its
// ServerName is empty: the certificate is valid for 127.0.0.1 and localhost.
func (s *Server) ClientTLSConfig() *tls.Config {
	if s.clientTLS == nil {
		return nil
	}
	return s.clientTLS.Clone()
}

// Messages returns a copy of what was received so far, oldest first.
func (s *Server) Messages() []Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Received(nil), s.msgs...)
}

// Sessions is the number of client connections open now (counted from
// EHLO), to check that clients close or pool their connections.
func (s *Server) Sessions() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sessions
}

// Reset forgets the received messages.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.msgs = nil
}

// WaitFor blocks until at least n messages were received and returns them
// all; after timeout it fails the test. Call it from the test goroutine.
func (s *Server) WaitFor(t testing.TB, n int, timeout time.Duration) []Received {
	t.Helper()
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for {
		s.mu.Lock()
		got, changed := len(s.msgs), s.changed
		if got >= n {
			msgs := append([]Received(nil), s.msgs...)
			s.mu.Unlock()
			return msgs
		}
		s.mu.Unlock()
		select {
		case <-changed:
		case <-timer.C:
			t.Fatalf("mailtest: got %d messages, want %d within %v", got, n, timeout)
			return nil
		}
	}
}

// FailNext makes the next n messages fail at the end of DATA with the reply
// code (e.g. 451 transient, 550 permanent); they are not recorded.
func (s *Server) FailNext(code, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failCode, s.failLeft = code, n
}

// Close stops the server and drops every open connection, as a crash would.
// It is idempotent; Restart brings the server back on the same port.
func (s *Server) Close() {
	s.mu.Lock()
	srv, l, served := s.srv, s.listener, s.served
	s.srv, s.listener = nil, nil
	s.mu.Unlock()
	if srv == nil {
		return
	}
	s.release() // a crash does not wait for anyone
	_ = srv.Close()
	// go-smtp registers the listener inside Serve; closing it ourselves
	// covers a Close that comes before Serve got that far.
	_ = l.Close()
	<-served
}

// Restart stops the server if it runs and listens again on the same port.
// Received messages are kept.
func (s *Server) Restart(t testing.TB) {
	t.Helper()
	s.Close()
	// The port was free a moment ago; retry briefly in case the kernel has
	// not released it yet.
	deadline := time.Now().Add(2 * time.Second)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		l, err := net.Listen("tcp", s.addr)
		if err == nil {
			s.serve(l)
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("mailtest: restart on %s: %v", s.addr, err)
		}
		<-tick.C
	}
}

func (s *Server) serve(l net.Listener) {
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) {
		s.mu.Lock()
		s.sessions++
		s.mu.Unlock()
		return &session{srv: s}, nil
	}))
	srv.Domain = "localhost"
	srv.ReadTimeout = 30 * time.Second
	srv.WriteTimeout = 30 * time.Second
	srv.MaxMessageBytes = 10 << 20
	srv.AllowInsecureAuth = true
	srv.ErrorLog = log.New(io.Discard, "", 0) // t.Log would panic after the test ends
	if s.opts.tls != tlsOff {
		srv.TLSConfig = s.serverTLS
	}
	if s.opts.tls == tlsImplicit {
		l = tls.NewListener(l, s.serverTLS)
	}
	served := make(chan struct{})
	s.mu.Lock()
	s.srv, s.listener, s.served = srv, l, served
	s.mu.Unlock()
	go func() {
		defer close(served)
		_ = srv.Serve(l)
	}()
}

// Hold makes every DATA wait, body read but not yet answered, until release
// is called (or the server is closed): a server that hangs mid-send.
func (s *Server) Hold() (release func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.hold == nil {
		s.hold = make(chan struct{})
	}
	return s.release
}

// Held is the number of DATA commands waiting in Hold now.
func (s *Server) Held() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.held
}

func (s *Server) release() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.hold != nil {
		close(s.hold)
		s.hold = nil
	}
}

// wait blocks while the server is held.
func (s *Server) wait() {
	s.mu.Lock()
	hold := s.hold
	if hold == nil {
		s.mu.Unlock()
		return
	}
	s.held++
	s.mu.Unlock()
	<-hold
	s.mu.Lock()
	s.held--
	s.mu.Unlock()
}

// takeFailure consumes one injected failure, returning its code or 0.
func (s *Server) takeFailure() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failLeft <= 0 {
		return 0
	}
	s.failLeft--
	return s.failCode
}

func (s *Server) record(r Received) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.msgs = append(s.msgs, r)
	close(s.changed)
	s.changed = make(chan struct{})
}

// session is one SMTP connection's state.
type session struct {
	srv  *Server
	user string
	from string
	to   []string
}

func (ss *session) AuthMechanisms() []string {
	if ss.srv.opts.user == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (ss *session) Auth(mech string) (sasl.Server, error) {
	if mech != sasl.Plain || ss.srv.opts.user == "" {
		return nil, smtp.ErrAuthUnknownMechanism
	}
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != ss.srv.opts.user || pass != ss.srv.opts.pass {
			return smtp.ErrAuthFailed
		}
		ss.user = user
		return nil
	}), nil
}

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	if ss.srv.opts.user != "" && ss.user == "" {
		return smtp.ErrAuthRequired
	}
	ss.from = from
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.to = append(ss.to, to)
	return nil
}

func (ss *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	ss.srv.wait()
	if code := ss.srv.takeFailure(); code != 0 {
		return &smtp.SMTPError{Code: code, EnhancedCode: smtp.EnhancedCodeNotSet, Message: "mailtest: injected failure"}
	}
	rec := Received{From: ss.from, To: append([]string(nil), ss.to...), User: ss.user, Raw: raw}
	rec.ParseErr = parse(&rec)
	ss.srv.record(rec)
	return nil
}

func (ss *session) Reset() {
	ss.from, ss.to = "", nil
}

func (ss *session) Logout() error {
	ss.srv.mu.Lock()
	defer ss.srv.mu.Unlock()
	ss.srv.sessions--
	return nil
}

// parse fills the header, subject and bodies of r from r.Raw.
func parse(r *Received) error {
	msg, err := mail.ReadMessage(bytes.NewReader(r.Raw))
	if err != nil {
		return err
	}
	r.Header = msg.Header
	var dec mime.WordDecoder
	if r.Subject, err = dec.DecodeHeader(msg.Header.Get("Subject")); err != nil {
		return fmt.Errorf("subject: %w", err)
	}
	return parsePart(r, msg.Header.Get("Content-Type"), msg.Header.Get("Content-Transfer-Encoding"), msg.Body)
}

// parsePart walks multipart bodies and keeps the first text/plain and
// text/html leaves.
func parsePart(r *Received, contentType, encoding string, body io.Reader) error {
	mediaType, params := "text/plain", map[string]string{}
	if contentType != "" {
		var err error
		if mediaType, params, err = mime.ParseMediaType(contentType); err != nil {
			return fmt.Errorf("content type: %w", err)
		}
	}
	if strings.HasPrefix(mediaType, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextPart()
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				return fmt.Errorf("multipart: %w", err)
			}
			// NextPart already removes quoted-printable; base64 stays.
			if err := parsePart(r, p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p); err != nil {
				return err
			}
		}
	}
	switch strings.ToLower(strings.TrimSpace(encoding)) {
	case "quoted-printable":
		body = quotedprintable.NewReader(body)
	case "base64":
		body = base64.NewDecoder(base64.StdEncoding, body)
	}
	data, err := io.ReadAll(body)
	if err != nil {
		return fmt.Errorf("%s body: %w", mediaType, err)
	}
	text := strings.ReplaceAll(string(data), "\r\n", "\n")
	switch {
	case mediaType == "text/plain" && r.Text == "":
		r.Text = text
	case mediaType == "text/html" && r.HTML == "":
		r.HTML = text
	}
	return nil
}
