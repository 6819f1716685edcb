package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/textproto"
	"syscall"

	gomail "github.com/wneessen/go-mail"
)

// IsTransient reports whether sending may succeed if retried later: the
// server could not be reached or went away (refused, reset, EOF, timeout,
// DNS), the send was interrupted, or the server answered with a 4xx reply.
// 5xx replies, invalid messages, template errors and TLS or configuration
// problems are permanent: retrying them only repeats the failure.
func IsTransient(err error) bool {
	if err == nil {
		return false
	}
	// An SMTP reply is the most specific answer; check it first.
	var reply *textproto.Error
	if errors.As(err, &reply) {
		return reply.Code/100 == 4
	}
	// go-mail's SendError does not unwrap to its causes; it carries the
	// reply code itself, 0 when the failure was not an SMTP reply.
	var sendErr *gomail.SendError
	if errors.As(err, &sendErr) {
		if code := sendErr.ErrorCode(); code != 0 {
			return code/100 == 4
		}
		if sendErr.IsTemp() {
			return true
		}
		switch sendErr.Reason {
		case gomail.ErrGetSender, gomail.ErrGetRcpts, gomail.ErrNoUnencoded, gomail.ErrAmbiguous:
			return false // the message itself is unusable
		default:
			return true // the connection failed mid-conversation
		}
	}
	if errors.Is(err, ErrInvalidMessage) || isTLSFailure(err) {
		return false
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return true
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed) {
		return true
	}
	if errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.ECONNABORTED) || errors.Is(err, syscall.EPIPE) ||
		errors.Is(err, syscall.ETIMEDOUT) || errors.Is(err, syscall.EHOSTUNREACH) ||
		errors.Is(err, syscall.ENETUNREACH) {
		return true
	}
	// *net.OpError, *net.DNSError and timeouts all implement net.Error.
	var netErr net.Error
	return errors.As(err, &netErr)
}

// isTLSFailure reports a failed TLS handshake: an untrusted certificate, a
// peer not speaking TLS, or a TLS alert. Those are configuration errors, even
// though alerts arrive wrapped in a *net.OpError.
func isTLSFailure(err error) bool {
	var certErr *tls.CertificateVerificationError
	var recordErr tls.RecordHeaderError
	if errors.As(err, &certErr) || errors.As(err, &recordErr) {
		return true
	}
	var opErr *net.OpError
	return errors.As(err, &opErr) && (opErr.Op == "remote error" || opErr.Op == "local error")
}
