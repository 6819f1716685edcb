package images

import (
	"fmt"
	"io"
)

// Limits bound what one upload may cost. Every check runs before pixels are decoded.
type Limits struct {
	MaxBytes     int64 // encoded file size
	MaxPixels    int64 // width × height from the header
	MaxDimension int   // width and height each, and the box the stored original fits in
}

// DefaultLimits bound an upload (10 MiB, 40 megapixels, 12 000 px a side)
// so that one decode cannot take the memory of the process.
func DefaultLimits() Limits {
	return Limits{MaxBytes: 10 << 20, MaxPixels: 40_000_000, MaxDimension: 12_000}
}

// RejectError is an upload refused for its content. Its text is the client-facing
// message (HTTP 400); match the exported values with errors.Is. The errors returned by
// this package wrap them with diagnostic detail meant for logs, not for clients.
type RejectError struct{ msg string }

func (e *RejectError) Error() string { return e.msg }

// Client-facing rejections; clients match on these texts, so they are kept
// word for word.
var (
	ErrTooLarge     error = &RejectError{"Image upload exceeds the configured size limit."}
	ErrInvalidType  error = &RejectError{"Invalid file type. Only images are allowed."}
	ErrInvalidImage error = &RejectError{"Uploaded file is not a valid image."}
	ErrDimensions   error = &RejectError{"Image dimensions exceed the allowed limit."}
)

// ReadBounded reads all of r but never more than limit+1 bytes, so an oversized or
// endless body costs at most limit+1 bytes of memory. Over the limit it returns ErrTooLarge.
func ReadBounded(r io.Reader, limit int64) ([]byte, error) {
	limit = max(limit, 0)
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, fmt.Errorf("images: read upload: %w", err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("images: upload over %d bytes: %w", limit, ErrTooLarge)
	}
	return data, nil
}

// checkDimensions applies the pixel limits to the size declared in an image header.
func (l Limits) checkDimensions(w, h int) error {
	if w < 1 || h < 1 || w > l.MaxDimension || h > l.MaxDimension ||
		int64(w)*int64(h) > l.MaxPixels {
		return fmt.Errorf("images: header declares %d×%d: %w", w, h, ErrDimensions)
	}
	return nil
}
