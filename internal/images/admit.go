package images

import (
	"context"
	"errors"
	"fmt"
)

// Admit lets one streamed file into image work: it reads the file's header
// (at most HeadProbe bytes), rejects what the header already condemns,
// reserves the file's estimated peak memory from b, and only then reads
// the rest of the file. The caller renders data and calls release.
// A file whose estimate exceeds the whole budget is refused like one over
// the dimension limits: rendering it would take the process past it.
// Errors: a RejectError (a 400), ErrBusy (a 503 with Retry-After), or a
// failure reading the part (EachUpload maps it).
func Admit(ctx context.Context, b *Budget, p *Part, lim Limits, avatar bool) (data []byte, release func(), err error) {
	h, err := ReadHeader(p.Head(HeadProbe), lim)
	if err != nil {
		var rej *RejectError
		if errors.As(err, &rej) && !IsReadError(err) {
			// A file over the size limit is reported as such, whatever its content.
			if derr := p.drain(); derr != nil {
				return nil, nil, derr
			}
		}
		return nil, nil, err
	}
	est := Estimate(h, lim, avatar)
	if est > b.Size() {
		// It could never run without taking the process over its budget.
		if derr := p.drain(); derr != nil {
			return nil, nil, derr
		}
		return nil, nil, fmt.Errorf("images: %s %dx%d needs %d bytes, budget %d: %w", h.Format, h.Config.Width, h.Config.Height, est, b.Size(), ErrDimensions)
	}
	release, err = b.Acquire(ctx, est)
	if err != nil {
		return nil, nil, err
	}
	data, err = p.ReadAll()
	if err != nil {
		release()
		return nil, nil, err
	}
	return data, release, nil
}

// IsReadError reports a failure reading the request body (size limits
// included) rather than a verdict on a file's content.
func IsReadError(err error) bool {
	var re *partReadError
	return errors.As(err, &re)
}
