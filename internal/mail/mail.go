// Package mail owns outgoing email: the message type, the Mailer backends
// (console for development, SMTP through go-mail), the embedded text and HTML
// templates, and the classification of send errors into transient (retry) and
// permanent (give up). The task queue calls Compose and Send; it decides about
// retries with IsTransient.
//
// Message bodies carry single-use tokens and signed links, so nothing in this
// package ever logs a body.
package mail

import (
	"context"
	"errors"
	"fmt"
	netmail "net/mail"
	"strings"
)

// Message is one email. Text, HTML or both may be set; with both the message
// is sent as multipart/alternative.
type Message struct {
	To      []string `json:"to"`
	Subject string   `json:"subject"`
	Text    string   `json:"text,omitempty"`
	HTML    string   `json:"html,omitempty"`
	// From overrides the mailer's configured sender when set.
	From string `json:"from,omitempty"`
	// MessageID is an optional Message-ID (without angle brackets). A stable
	// id, e.g. derived from the task id, lets receivers recognise the
	// duplicate an at-least-once retry may produce.
	MessageID string `json:"message_id,omitempty"`
}

// Mailer sends a message. Implementations are safe for concurrent use.
type Mailer interface {
	Send(ctx context.Context, m Message) error
}

// ErrInvalidMessage marks a message that can never be sent as it is (no
// recipient, malformed address, empty subject...). It is never transient.
var ErrInvalidMessage = errors.New("mail: invalid message")

// Validate reports whether m can be sent. Addresses are not echoed in the
// error: errors end up in logs and task results.
func (m Message) Validate() error {
	if len(m.To) == 0 {
		return fmt.Errorf("%w: no recipient", ErrInvalidMessage)
	}
	for i, to := range m.To {
		if _, err := netmail.ParseAddress(to); err != nil {
			return fmt.Errorf("%w: recipient %d is not a valid address", ErrInvalidMessage, i+1)
		}
	}
	if m.From != "" {
		if _, err := netmail.ParseAddress(m.From); err != nil {
			return fmt.Errorf("%w: from is not a valid address", ErrInvalidMessage)
		}
	}
	if strings.TrimSpace(m.Subject) == "" {
		return fmt.Errorf("%w: empty subject", ErrInvalidMessage)
	}
	// A line break in a header value would let data inject headers.
	if strings.ContainsAny(m.Subject, "\r\n") {
		return fmt.Errorf("%w: subject contains a line break", ErrInvalidMessage)
	}
	if strings.ContainsAny(m.MessageID, "\r\n <>") {
		return fmt.Errorf("%w: malformed message id", ErrInvalidMessage)
	}
	if m.Text == "" && m.HTML == "" {
		return fmt.Errorf("%w: empty body", ErrInvalidMessage)
	}
	return nil
}
