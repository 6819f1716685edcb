package mail_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/textproto"
	"os"
	"syscall"
	"testing"

	"apistarter/internal/mail"
)

func TestIsTransientClassifiesErrors(t *testing.T) {
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
	cases := []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"421 reply", &textproto.Error{Code: 421, Msg: "try later"}, true},
		{"451 reply wrapped", fmt.Errorf("mail: smtp send: %w", &textproto.Error{Code: 451, Msg: "local error"}), true},
		{"550 reply", &textproto.Error{Code: 550, Msg: "no such user"}, false},
		{"535 auth reply", fmt.Errorf("SMTP AUTH failed: %w", &textproto.Error{Code: 535, Msg: "bad credentials"}), false},
		{"connection refused", refused, true},
		{"connection reset", fmt.Errorf("x: %w", syscall.ECONNRESET), true},
		{"dns", &net.DNSError{Err: "no such host", Name: "smtp.invalid", IsNotFound: true}, true},
		{"eof", fmt.Errorf("reading reply: %w", io.EOF), true},
		{"unexpected eof", io.ErrUnexpectedEOF, true},
		{"deadline", context.DeadlineExceeded, true},
		{"i/o timeout", fmt.Errorf("read: %w", os.ErrDeadlineExceeded), true},
		{"tls alert", &net.OpError{Op: "remote error", Err: errors.New("tls: handshake failure")}, false},
		{"invalid message", fmt.Errorf("x: %w", mail.ErrInvalidMessage), false},
		{"plain error", errors.New("template: x: can't evaluate field"), false},
		{"joined with reply", errors.Join(errors.New("a"), &textproto.Error{Code: 452, Msg: "full"}), true},
	}
	for _, tc := range cases {
		if got := mail.IsTransient(tc.err); got != tc.want {
			t.Errorf("%s: IsTransient(%v) = %v, want %v", tc.name, tc.err, got, tc.want)
		}
	}
}
