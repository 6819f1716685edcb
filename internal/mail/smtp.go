package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	netmail "net/mail"
	"strconv"
	"sync"
	"time"

	gomail "github.com/wneessen/go-mail"
	"github.com/wneessen/go-mail/smtp"
)

// TLS modes of SMTPConfig.TLS.
const (
	TLSNone     = "none"     // plain text; credentials only to localhost
	TLSStartTLS = "starttls" // STARTTLS required (default, port 587)
	TLSImplicit = "tls"      // TLS from the first byte (port 465)
)

// Defaults applied by NewSMTP.
const (
	DefaultSMTPTimeout = 10 * time.Second
	DefaultMaxIdle     = 8
	// idleTimeout stays well below common server idle limits (Postfix: 300 s),
	// so a pooled connection is rarely found closed by the server.
	idleTimeout = 30 * time.Second
)

// SMTPConfig configures the SMTP mailer.
type SMTPConfig struct {
	Host     string
	Port     int // 0: 25, 587 or 465 depending on TLS
	Username string
	Password string
	TLS      string // TLSNone, TLSStartTLS (when empty) or TLSImplicit
	From     string // default sender, "addr" or "Name <addr>"
	Timeout  time.Duration
	HELO     string // EHLO name; the host name when empty
	// MaxIdle is how many connections are kept open between sends; 0 means
	// DefaultMaxIdle, a negative value opens a connection per send.
	MaxIdle int
	// TLSConfig is optional, for private CAs or tests; ServerName defaults
	// to Host.
	TLSConfig *tls.Config
}

// SMTP sends through an SMTP server with go-mail. It is safe for concurrent
// use: each send holds its own connection, taken from a small idle pool or
// dialled. Call Close to release pooled connections.
type SMTP struct {
	client      *gomail.Client // configuration only; never holds a connection
	from        string
	addr        string
	implicitTLS bool
	tlsConfig   *tls.Config
	maxIdle     int

	mu     sync.Mutex
	idle   []*smtpConn // oldest first
	closed bool
}

// smtpConn is one server connection. raw is kept so that a cancelled context
// can close it while go-mail blocks in a read.
type smtpConn struct {
	c      *smtp.Client
	raw    net.Conn
	since  time.Time // when it went idle
	broken bool
}

type dialSlotKey struct{}

// dialSlot receives the raw connection from dialContext: go-mail does not
// close it when the greeting, STARTTLS or AUTH fails, so we must.
type dialSlot struct{ conn net.Conn }

// NewSMTP checks cfg and returns a mailer. It does not connect.
func NewSMTP(cfg SMTPConfig) (*SMTP, error) {
	if cfg.Host == "" {
		return nil, errors.New("mail: smtp: host is required")
	}
	if _, err := netmail.ParseAddress(cfg.From); err != nil {
		return nil, fmt.Errorf("mail: smtp: from %q is not a valid address", cfg.From)
	}
	mode := cfg.TLS
	if mode == "" {
		mode = TLSStartTLS
	}
	port := cfg.Port
	if port == 0 {
		port = map[string]int{TLSNone: 25, TLSStartTLS: 587, TLSImplicit: 465}[mode]
	}
	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = DefaultSMTPTimeout
	}
	maxIdle := cfg.MaxIdle
	if maxIdle == 0 {
		maxIdle = DefaultMaxIdle
	}
	tlsConfig := &tls.Config{MinVersion: tls.VersionTLS12}
	if cfg.TLSConfig != nil {
		tlsConfig = cfg.TLSConfig.Clone()
	}
	if tlsConfig.ServerName == "" {
		tlsConfig.ServerName = cfg.Host
	}

	s := &SMTP{
		from:        cfg.From,
		addr:        net.JoinHostPort(cfg.Host, strconv.Itoa(port)),
		implicitTLS: mode == TLSImplicit,
		tlsConfig:   tlsConfig,
		maxIdle:     maxIdle,
	}
	opts := []gomail.Option{
		gomail.WithPort(port),
		gomail.WithTimeout(timeout),
		gomail.WithTLSConfig(tlsConfig),
		gomail.WithDialContextFunc(s.dialContext),
	}
	switch mode {
	case TLSNone:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	case TLSStartTLS:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	case TLSImplicit:
		// dialContext already speaks TLS. With a custom dialer go-mail does
		// not know that; the opportunistic policy makes it read the TLS state
		// of the connection, so AUTH discovery treats it as encrypted.
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSOpportunistic))
	default:
		return nil, fmt.Errorf("mail: smtp: tls must be %q, %q or %q, not %q", TLSNone, TLSStartTLS, TLSImplicit, cfg.TLS)
	}
	if cfg.HELO != "" {
		opts = append(opts, gomail.WithHELO(cfg.HELO))
	}
	if cfg.Username != "" {
		auth := gomail.SMTPAuthAutoDiscover
		if mode == TLSNone {
			// Auto-discovery offers no clear-text mechanism without TLS;
			// go-mail's PLAIN allows it to localhost only, and so do we.
			if !isLocalhost(cfg.Host) {
				return nil, errors.New("mail: smtp: refusing to send credentials without TLS to a remote host")
			}
			auth = gomail.SMTPAuthPlain
		}
		opts = append(opts, gomail.WithSMTPAuth(auth), gomail.WithUsername(cfg.Username), gomail.WithPassword(cfg.Password))
	}
	client, err := gomail.NewClient(cfg.Host, opts...)
	if err != nil {
		return nil, fmt.Errorf("mail: smtp: %w", err)
	}
	s.client = client
	return s, nil
}

// isLocalhost mirrors go-mail's rule for clear-text PLAIN auth.
func isLocalhost(host string) bool {
	return host == "localhost" || host == "127.0.0.1" || host == "::1"
}

// Send delivers m. Errors wrap go-mail's and the network's; use IsTransient
// to decide about a retry. Once the server has accepted the message Send
// returns nil, even if closing the exchange fails, so that a retry does not
// deliver it twice.
func (s *SMTP) Send(ctx context.Context, m Message) error {
	if err := m.Validate(); err != nil {
		return err
	}
	msg, err := s.newMsg(m)
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("mail: smtp send: %w", err)
	}

	conn := s.take()
	reused := conn != nil
	if !reused {
		if conn, err = s.dial(ctx); err != nil {
			return err
		}
	}
	err = s.sendOn(ctx, conn, msg)
	if err != nil && reused && !msg.IsDelivered() && isConnCheck(err) && ctx.Err() == nil {
		// The pooled connection died while idle and nothing was sent on it.
		conn.close()
		if conn, err = s.dial(ctx); err != nil {
			return err
		}
		err = s.sendOn(ctx, conn, msg)
	}
	switch {
	case err == nil:
		s.release(conn)
		return nil
	case msg.IsDelivered():
		conn.close()
		return nil
	default:
		conn.close()
		return fmt.Errorf("mail: smtp send: %w", err)
	}
}

// Close closes the idle connections. Sends still running finish and close
// their own connection.
func (s *SMTP) Close() error {
	s.mu.Lock()
	idle := s.idle
	s.idle, s.closed = nil, true
	s.mu.Unlock()
	for _, c := range idle {
		c.quit()
	}
	return nil
}

func (s *SMTP) newMsg(m Message) (*gomail.Msg, error) {
	msg := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	from := s.from
	if m.From != "" {
		from = m.From
	}
	if err := msg.From(from); err != nil {
		return nil, fmt.Errorf("%w: from: %w", ErrInvalidMessage, err)
	}
	if err := msg.To(m.To...); err != nil {
		return nil, fmt.Errorf("%w: to: %w", ErrInvalidMessage, err)
	}
	msg.Subject(m.Subject)
	msg.SetDate()
	if m.MessageID != "" {
		msg.SetMessageIDWithValue(m.MessageID)
	} else {
		msg.SetMessageID()
	}
	switch {
	case m.Text != "" && m.HTML != "":
		msg.SetBodyString(gomail.TypeTextPlain, m.Text)
		msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	case m.Text != "":
		msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	default:
		msg.SetBodyString(gomail.TypeTextHTML, m.HTML)
	}
	return msg, nil
}

// dialContext is go-mail's dialer. It records the raw connection in the
// caller's dialSlot.
func (s *SMTP) dialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	var d net.Dialer
	var conn net.Conn
	var err error
	if s.implicitTLS {
		conn, err = (&tls.Dialer{NetDialer: &d, Config: s.tlsConfig}).DialContext(ctx, network, addr)
	} else {
		conn, err = d.DialContext(ctx, network, addr)
	}
	if err != nil {
		return nil, err
	}
	if slot, ok := ctx.Value(dialSlotKey{}).(*dialSlot); ok {
		slot.conn = conn
	}
	return conn, nil
}

// dial opens, greets, secures and authenticates a new connection.
func (s *SMTP) dial(ctx context.Context) (*smtpConn, error) {
	slot := &dialSlot{}
	c, err := s.client.DialToSMTPClientWithContext(context.WithValue(ctx, dialSlotKey{}, slot))
	if err != nil {
		if slot.conn != nil {
			_ = slot.conn.Close()
		}
		return nil, fmt.Errorf("mail: smtp connect %s: %w", s.addr, err)
	}
	return &smtpConn{c: c, raw: slot.conn}, nil
}

// sendOn sends msg on conn; a cancelled ctx aborts the exchange by closing
// the connection, as go-mail only honours ctx while dialling.
func (s *SMTP) sendOn(ctx context.Context, conn *smtpConn, msg *gomail.Msg) error {
	stop := context.AfterFunc(ctx, func() { _ = conn.raw.Close() })
	err := s.client.SendWithSMTPClient(conn.c, msg)
	if !stop() {
		conn.broken = true
		if err != nil {
			err = errors.Join(ctx.Err(), err)
		}
	}
	return err
}

// isConnCheck reports go-mail's failed liveness check (NOOP) before a send.
func isConnCheck(err error) bool {
	var sendErr *gomail.SendError
	return errors.As(err, &sendErr) && sendErr.Reason == gomail.ErrConnCheck
}

// take returns the most recently used idle connection, or nil.
func (s *SMTP) take() *smtpConn {
	var expired []*smtpConn
	defer func() {
		for _, c := range expired {
			c.quit()
		}
	}()
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	for len(s.idle) > 0 && now.Sub(s.idle[0].since) > idleTimeout {
		expired = append(expired, s.idle[0])
		s.idle = s.idle[1:]
	}
	if len(s.idle) == 0 {
		return nil
	}
	c := s.idle[len(s.idle)-1]
	s.idle = s.idle[:len(s.idle)-1]
	return c
}

// release pools conn, or quits it when the pool is full or closed.
func (s *SMTP) release(conn *smtpConn) {
	if conn.broken {
		conn.close()
		return
	}
	s.mu.Lock()
	if s.closed || len(s.idle) >= s.maxIdle {
		s.mu.Unlock()
		conn.quit()
		return
	}
	conn.since = time.Now()
	s.idle = append(s.idle, conn)
	s.mu.Unlock()
}

// quit says goodbye politely; go-mail leaves the socket open when QUIT fails.
func (c *smtpConn) quit() {
	if err := c.c.Quit(); err != nil {
		c.close()
	}
}

func (c *smtpConn) close() {
	_ = c.raw.Close()
}
