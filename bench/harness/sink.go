package harness

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/mail"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-smtp"
)

// Sink is a local SMTP server that accepts every message and counts it by
// recipient and Message-ID, so a run can tell delivered from lost and
// duplicated mail. It can be told to answer 451 (a transient failure).
type Sink struct {
	srv  *smtp.Server
	ln   net.Listener
	port int

	mu        sync.Mutex
	byRcpt    map[string]*delivery
	byID      map[string]int
	accepted  int
	rejected  int
	failUntil time.Time
	delay     time.Duration
	changed   chan struct{}
}

// delivery is what the sink got for one recipient.
type delivery struct {
	n     int
	first time.Time
}

// StartSink listens on a free port of 127.0.0.1.
func StartSink() (*Sink, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("harness: smtp sink: %w", err)
	}
	s := &Sink{ln: ln, port: ln.Addr().(*net.TCPAddr).Port, byRcpt: map[string]*delivery{}, byID: map[string]int{}, changed: make(chan struct{})}
	s.srv = smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &sinkSession{s: s}, nil }))
	s.srv.Domain = "localhost"
	s.srv.ReadTimeout = 30 * time.Second
	s.srv.WriteTimeout = 30 * time.Second
	s.srv.MaxMessageBytes = 10 << 20
	s.srv.ErrorLog = log.New(io.Discard, "", 0)
	go func() { _ = s.srv.Serve(ln) }()
	return s, nil
}

// Port is the listening port.
func (s *Sink) Port() int { return s.port }

// Close stops the server.
func (s *Sink) Close() { _ = s.srv.Close() }

// FailFor answers every message with 451 until d has passed.
func (s *Sink) FailFor(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failUntil = time.Now().Add(d)
}

// SetDelay makes every message take d before it is answered: a slow
// server, so that a backlog builds up in the queue.
func (s *Sink) SetDelay(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.delay = d
}

// FirstDelivery is when rcpt was first received (zero if never) and how
// many copies arrived.
func (s *Sink) FirstDelivery(rcpt string) (time.Time, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if d := s.byRcpt[strings.ToLower(rcpt)]; d != nil {
		return d.first, d.n
	}
	return time.Time{}, 0
}

// SinkStats are the counts so far.
type SinkStats struct {
	Accepted   int `json:"accepted"`   // messages accepted (duplicates included)
	Unique     int `json:"unique"`     // distinct Message-IDs accepted
	Duplicates int `json:"duplicates"` // accepted messages whose Message-ID was seen before
	Rejected   int `json:"rejected"`   // answered with 451
}

// Stats returns the counts so far.
func (s *Sink) Stats() SinkStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return SinkStats{Accepted: s.accepted, Unique: len(s.byID), Duplicates: s.accepted - len(s.byID), Rejected: s.rejected}
}

// Delivered counts, among rcpts, those received at least once and the
// surplus copies received.
func (s *Sink) Delivered(rcpts []string) (delivered, duplicates int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range rcpts {
		if d := s.byRcpt[strings.ToLower(r)]; d != nil {
			delivered++
			duplicates += d.n - 1
		}
	}
	return delivered, duplicates
}

// WaitDelivered waits until every one of rcpts was received or timeout
// passes, and reports how many were.
func (s *Sink) WaitDelivered(rcpts []string, timeout time.Duration) int {
	deadline := time.After(timeout)
	for {
		s.mu.Lock()
		ch := s.changed
		s.mu.Unlock()
		n, _ := s.Delivered(rcpts)
		if n == len(rcpts) {
			return n
		}
		select {
		case <-ch:
		case <-deadline:
			return n
		}
	}
}

func (s *Sink) reject() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if time.Now().Before(s.failUntil) {
		s.rejected++
		return true
	}
	return false
}

func (s *Sink) record(rcpts []string, msgID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.accepted++
	for _, r := range rcpts {
		d := s.byRcpt[strings.ToLower(r)]
		if d == nil {
			d = &delivery{first: time.Now()}
			s.byRcpt[strings.ToLower(r)] = d
		}
		d.n++
	}
	if msgID == "" {
		msgID = fmt.Sprintf("(no id %d)", s.accepted)
	}
	s.byID[msgID]++
	close(s.changed)
	s.changed = make(chan struct{})
}

type sinkSession struct {
	s     *Sink
	rcpts []string
}

func (ss *sinkSession) Mail(string, *smtp.MailOptions) error { return nil }

func (ss *sinkSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.rcpts = append(ss.rcpts, to)
	return nil
}

func (ss *sinkSession) Data(r io.Reader) error {
	msg, err := mail.ReadMessage(bufio.NewReader(r))
	if err != nil {
		_, _ = io.Copy(io.Discard, r)
		return errors.New("harness: sink: unreadable message")
	}
	_, _ = io.Copy(io.Discard, msg.Body)
	ss.s.mu.Lock()
	delay := ss.s.delay
	ss.s.mu.Unlock()
	time.Sleep(delay) // simulating a slow server
	if ss.s.reject() {
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "sink: try again later"}
	}
	ss.s.record(ss.rcpts, strings.Trim(msg.Header.Get("Message-ID"), "<> "))
	return nil
}

func (ss *sinkSession) Reset()        { ss.rcpts = nil }
func (ss *sinkSession) Logout() error { return nil }
