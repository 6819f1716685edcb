package images

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"
	"io"
	"mime"
	"mime/multipart"
	"strconv"

	"github.com/danielgtaylor/huma/v2"
)

// MultipartSlack is what a multipart body may add to its files (boundaries,
// part headers, small fields) before its declared length counts as too large.
const MultipartSlack = 64 << 10

// Upload is one file of a multipart request, read into memory within limits.
type Upload struct {
	Field       string
	Name        string // client file name, base name only
	ContentType string // as declared by the client: informative, never trusted
	Data        []byte
}

// ReadLimits bound what ReadUploads keeps.
type ReadLimits struct {
	Field    string // form field of the files ("file", "files")
	PerFile  int64
	Total    int64 // all files together
	MaxFiles int
	Required bool // no file is a 400 (else an empty result)
}

// Reasons ReadUploads refuses a body; callers map them to their messages.
var (
	ErrDeclaredTooLarge = errors.New("images: declared size over the per-file limit")
	ErrAggregate        = errors.New("images: files over the aggregate limit")
	ErrTooManyFiles     = errors.New("images: too many files")
)

type rawBody struct {
	r             io.Reader
	contentType   string
	contentLength int64 // -1 when not declared
}

type rawBodyCtx struct{}

// CaptureBody is an operation middleware for upload routes: it hands the
// unread request body to the handler, which streams it with ReadUploads
// instead of letting huma buffer the form. The operation declares no body
// field, so huma never reads it.
func CaptureBody(ctx huma.Context, next func(huma.Context)) {
	n := int64(-1)
	if v := ctx.Header("Content-Length"); v != "" {
		if parsed, err := strconv.ParseInt(v, 10, 64); err == nil && parsed >= 0 {
			n = parsed
		}
	}
	b := rawBody{r: ctx.BodyReader(), contentType: ctx.Header("Content-Type"), contentLength: n}
	next(huma.WithContext(ctx, context.WithValue(ctx.Context(), rawBodyCtx{}, b)))
}

// ReadUploads streams the multipart body captured by CaptureBody and returns
// the files of lim.Field, in order, each read into memory (see EachUpload
// for the limits). Image routes use EachUpload instead, so that no file is
// held before it has its share of the image budget.
func ReadUploads(ctx context.Context, lim ReadLimits) ([]Upload, error) {
	var files []Upload
	err := EachUpload(ctx, lim, func(p *Part) error {
		data, err := p.ReadAll()
		if err != nil {
			return err
		}
		files = append(files, Upload{Field: p.Field, Name: p.Name, ContentType: p.ContentType, Data: data})
		return nil
	})
	return files, err
}

// EachUpload streams the multipart body captured by CaptureBody and calls fn
// with each file of lim.Field, in order, before reading the file past what
// fn asks for: fn reads the header (Part.Head), then the rest (Part.ReadAll),
// or nothing; what it leaves unread is drained (and hashed) afterwards.
// It never holds more than lim.Total bytes of file data: the declared
// request length is checked before reading (ErrDeclaredTooLarge when one
// file may have it all, else ErrAggregate), a part's own Content-Length
// before reading the part, and every read is bounded (ErrTooLarge per file,
// ErrAggregate over the remaining total). A body that is not multipart, or
// has no file when lim.Required, is a 400 validation error. An error from fn
// stops the stream and is returned as is.
func EachUpload(ctx context.Context, lim ReadLimits, fn func(*Part) error) error {
	b, ok := ctx.Value(rawBodyCtx{}).(rawBody)
	if !ok || b.r == nil {
		return errors.New("images: upload route without CaptureBody")
	}
	mt, params, err := mime.ParseMediaType(b.contentType)
	if err != nil || mt != "multipart/form-data" || params["boundary"] == "" {
		return formError(lim.Field, "Expected a multipart/form-data body.")
	}
	if b.contentLength > lim.Total+MultipartSlack {
		if lim.Total <= lim.PerFile {
			return ErrDeclaredTooLarge
		}
		return ErrAggregate
	}
	body := &budgetReader{r: b.r, left: lim.Total + MultipartSlack}
	mr := multipart.NewReader(body, params["boundary"])
	var (
		n    int
		used int64
	)
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return readError(body, lim, err)
		}
		// A part without a filename is a plain form field, not an upload,
		// whatever its name.
		if p.FormName() != lim.Field || p.FileName() == "" {
			if _, err := io.Copy(io.Discard, p); err != nil {
				return readError(body, lim, err)
			}
			continue
		}
		if n == lim.MaxFiles {
			return ErrTooManyFiles
		}
		if declared, err := strconv.ParseInt(p.Header.Get("Content-Length"), 10, 64); err == nil && declared > lim.PerFile {
			return ErrDeclaredTooLarge
		}
		remaining := lim.Total - used
		if remaining <= 0 {
			return ErrAggregate
		}
		part := &Part{
			Field: lim.Field, Name: p.FileName(), ContentType: p.Header.Get("Content-Type"),
			src: p, limit: min(lim.PerFile, remaining), perFile: lim.PerFile, hash: sha256.New(),
		}
		n++
		if err := fn(part); err != nil {
			return partError(body, lim, err)
		}
		if err := part.drain(); err != nil {
			return partError(body, lim, err)
		}
		used += part.size
	}
	if n == 0 && lim.Required {
		return formError(lim.Field, "Field required")
	}
	return nil
}

// partError maps a failure while reading a part to readError's answers;
// an error that is not a read failure (fn's own) passes unchanged.
func partError(body *budgetReader, lim ReadLimits, err error) error {
	var re *partReadError
	if !errors.As(err, &re) {
		return err
	}
	if errors.Is(re.err, ErrAggregate) {
		return ErrAggregate
	}
	return readError(body, lim, re.err)
}

// Part is one file being streamed by EachUpload. Bytes are read on demand
// and kept only when asked for (Head, ReadAll); every byte read, kept or
// not, counts towards the limits and the part's digest.
type Part struct {
	Field       string
	Name        string // client file name, base name only
	ContentType string // as declared by the client: informative, never trusted

	src     io.Reader
	limit   int64 // bytes this part may have
	perFile int64
	buf     []byte // bytes kept so far (the file's start)
	size    int64  // bytes read so far
	hash    hash.Hash
	eof     bool
}

// partReadError is a failure reading a part's bytes (not a content rejection).
type partReadError struct{ err error }

func (e *partReadError) Error() string { return e.err.Error() }
func (e *partReadError) Unwrap() error { return e.err }

// read reads up to len(p) more bytes of the part, enforcing its limit.
func (p *Part) read(b []byte) (int, error) {
	if p.eof {
		return 0, io.EOF
	}
	if room := p.limit + 1 - p.size; int64(len(b)) > room {
		b = b[:room]
	}
	n, err := p.src.Read(b)
	p.size += int64(n)
	p.hash.Write(b[:n])
	if p.size > p.limit {
		if p.limit < p.perFile {
			return n, &partReadError{ErrAggregate}
		}
		return n, &partReadError{fmt.Errorf("images: upload over %d bytes: %w", p.limit, ErrTooLarge)}
	}
	if errors.Is(err, io.EOF) {
		p.eof = true
		return n, io.EOF
	}
	if err != nil {
		return n, &partReadError{fmt.Errorf("images: read upload: %w", err)}
	}
	return n, nil
}

// Head returns a reader over the file from its first byte that keeps what
// it reads, at most max bytes: past them it fails with ErrHeadTooLong. The
// kept bytes are the start of what ReadAll returns.
func (p *Part) Head(max int) io.Reader { return &headReader{p: p, max: max} }

// ErrHeadTooLong is a file whose header is not within the probed bytes.
var ErrHeadTooLong = errors.New("images: header beyond the probed bytes")

type headReader struct {
	p   *Part
	off int
	max int
}

func (h *headReader) Read(b []byte) (int, error) {
	p := h.p
	if h.off < len(p.buf) {
		n := copy(b, p.buf[h.off:])
		h.off += n
		return n, nil
	}
	if len(p.buf) >= h.max {
		return 0, ErrHeadTooLong
	}
	b = b[:min(len(b), h.max-len(p.buf))]
	n, err := p.read(b)
	p.buf = append(p.buf, b[:n]...)
	h.off += n
	return n, err
}

// ReadAll reads the rest of the file and returns all of it.
func (p *Part) ReadAll() ([]byte, error) {
	chunk := make([]byte, 32<<10)
	for {
		n, err := p.read(chunk)
		p.buf = append(p.buf, chunk[:n]...)
		if errors.Is(err, io.EOF) {
			return p.buf, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

// drain reads what is left of the part without keeping it.
func (p *Part) drain() error {
	p.buf = nil
	chunk := make([]byte, 32<<10)
	for {
		_, err := p.read(chunk)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// Size is the number of bytes read so far (all of them once EachUpload
// moved past the part).
func (p *Part) Size() int64 { return p.size }

// SHA256 is the digest of the bytes read so far (of the whole file once
// EachUpload moved past the part).
func (p *Part) SHA256() []byte { return p.hash.Sum(nil) }

// readError maps a failure while reading the body: over the body budget is
// a size error; anything else (malformed multipart, a client that stopped
// sending) is the client's, a 400.
func readError(body *budgetReader, lim ReadLimits, err error) error {
	switch {
	case body.exceeded && lim.Total <= lim.PerFile:
		return fmt.Errorf("images: body over its budget: %w", ErrTooLarge)
	case body.exceeded:
		return ErrAggregate
	case errors.Is(err, ErrTooLarge):
		return err
	}
	return formError(lim.Field, "Malformed or incomplete multipart body.")
}

// formError is a 400 in the validation envelope, located at the form field.
func formError(field, msg string) error {
	return huma.Error400BadRequest("", &huma.ErrorDetail{Location: "body." + field, Message: msg})
}

// budgetReader fails once more than left bytes are read from r.
type budgetReader struct {
	r        io.Reader
	left     int64
	exceeded bool
}

var errBudget = errors.New("images: request body over its budget")

func (b *budgetReader) Read(p []byte) (int, error) {
	if b.left <= 0 {
		// One byte more tells an exact fit from an overflow.
		var one [1]byte
		n, err := b.r.Read(one[:])
		if n > 0 {
			b.exceeded = true
			return 0, errBudget
		}
		return 0, err
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.r.Read(p)
	b.left -= int64(n)
	return n, err
}
