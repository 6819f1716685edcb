package images

import (
	"context"
	"errors"
	"fmt"
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
// the files of lim.Field, in order. It never holds more than lim.Total bytes
// of file data: the declared request length is checked before reading
// (ErrDeclaredTooLarge when one file may have it all, else ErrAggregate), a
// part's own Content-Length before reading the part, and every read is
// bounded (ErrTooLarge per file, ErrAggregate over the remaining total).
// A body that is not multipart, or has no file, is a 400 validation error.
func ReadUploads(ctx context.Context, lim ReadLimits) ([]Upload, error) {
	b, ok := ctx.Value(rawBodyCtx{}).(rawBody)
	if !ok || b.r == nil {
		return nil, errors.New("images: upload route without CaptureBody")
	}
	mt, params, err := mime.ParseMediaType(b.contentType)
	if err != nil || mt != "multipart/form-data" || params["boundary"] == "" {
		return nil, formError(lim.Field, "Expected a multipart/form-data body.")
	}
	if b.contentLength > lim.Total+MultipartSlack {
		if lim.Total <= lim.PerFile {
			return nil, ErrDeclaredTooLarge
		}
		return nil, ErrAggregate
	}
	body := &budgetReader{r: b.r, left: lim.Total + MultipartSlack}
	mr := multipart.NewReader(body, params["boundary"])
	var (
		files []Upload
		used  int64
	)
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, readError(body, lim, err)
		}
		// A part without a filename is a plain form field, not an upload,
		// whatever its name.
		if p.FormName() != lim.Field || p.FileName() == "" {
			if _, err := io.Copy(io.Discard, p); err != nil {
				return nil, readError(body, lim, err)
			}
			continue
		}
		if len(files) == lim.MaxFiles {
			return nil, ErrTooManyFiles
		}
		if declared, err := strconv.ParseInt(p.Header.Get("Content-Length"), 10, 64); err == nil && declared > lim.PerFile {
			return nil, ErrDeclaredTooLarge
		}
		remaining := lim.Total - used
		if remaining <= 0 {
			return nil, ErrAggregate
		}
		limit := min(lim.PerFile, remaining)
		data, err := ReadBounded(p, limit)
		if err != nil {
			if errors.Is(err, ErrTooLarge) && limit < lim.PerFile {
				return nil, ErrAggregate
			}
			return nil, readError(body, lim, err)
		}
		used += int64(len(data))
		files = append(files, Upload{Field: lim.Field, Name: p.FileName(), ContentType: p.Header.Get("Content-Type"), Data: data})
	}
	if len(files) == 0 && lim.Required {
		return nil, formError(lim.Field, "Field required")
	}
	return files, nil
}

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
