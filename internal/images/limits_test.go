package images

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
)

func TestReadBounded(t *testing.T) {
	tests := []struct {
		size, limit int64
		tooLarge    bool
	}{
		{0, 0, false},
		{100, 100, false},
		{101, 100, true},
		{1, 0, true},
		{5 << 20, 10 << 20, false},
	}
	for _, tt := range tests {
		data, err := ReadBounded(bytes.NewReader(make([]byte, tt.size)), tt.limit)
		if tt.tooLarge {
			if !errors.Is(err, ErrTooLarge) || data != nil {
				t.Errorf("%d bytes, limit %d: got %d bytes, %v; want ErrTooLarge", tt.size, tt.limit, len(data), err)
			}
			continue
		}
		if err != nil || int64(len(data)) != tt.size {
			t.Errorf("%d bytes, limit %d: got %d bytes, %v", tt.size, tt.limit, len(data), err)
		}
	}
}

// countingReader is an endless body that records how much was taken from it.
type countingReader struct{ n int64 }

func (c *countingReader) Read(p []byte) (int, error) {
	c.n += int64(len(p))
	return len(p), nil
}

func TestReadBoundedStopsAfterLimitPlusOne(t *testing.T) {
	r := &countingReader{}
	if _, err := ReadBounded(r, 1000); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("got %v, want ErrTooLarge", err)
	}
	if r.n != 1001 {
		t.Fatalf("read %d bytes, want 1001", r.n)
	}
}

func TestReadBoundedPassesReadErrors(t *testing.T) {
	boom := errors.New("connection reset")
	_, err := ReadBounded(io.MultiReader(strings.NewReader("abc"), errReader{boom}), 100)
	if !errors.Is(err, boom) || errors.Is(err, ErrTooLarge) {
		t.Fatalf("got %v", err)
	}
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

func TestCheckDimensions(t *testing.T) {
	lim := DefaultLimits()
	tests := []struct {
		w, h int
		ok   bool
	}{
		{1, 1, true},
		{12000, 3333, true},
		{4000, 3000, true},
		{12000, 3334, false}, // 40 008 000 pixels
		{12001, 1, false},
		{1, 12001, false},
		{0, 10, false},
		{10, -1, false},
	}
	for _, tt := range tests {
		err := lim.checkDimensions(tt.w, tt.h)
		if tt.ok != (err == nil) || (err != nil && !errors.Is(err, ErrDimensions)) {
			t.Errorf("%dx%d: got %v, want ok=%v", tt.w, tt.h, err, tt.ok)
		}
	}
}

func TestDefaultLimits(t *testing.T) {
	if got := DefaultLimits(); got != (Limits{MaxBytes: 10 << 20, MaxPixels: 40_000_000, MaxDimension: 12_000}) {
		t.Fatalf("got %+v", got)
	}
}
