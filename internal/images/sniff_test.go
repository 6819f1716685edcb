package images

import (
	"errors"
	"testing"
)

func TestSniff(t *testing.T) {
	tests := []struct {
		name string
		head string
		want Format
	}{
		{"jpeg", "\xff\xd8\xff\xe0\x00\x10JFIF", FormatJPEG},
		{"png", "\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR", FormatPNG},
		{"gif87a", "GIF87a\x01\x00", FormatGIF},
		{"gif89a", "GIF89a\x01\x00", FormatGIF},
		{"webp", "RIFF\x24\x00\x00\x00WEBPVP8 ", FormatWebP},
		{"text", "hello world, not an image", ""},
		{"empty", "", ""},
		{"bmp", "BM\x36\x00\x00\x00\x00\x00", ""},
		{"tiff", "II*\x00\x08\x00\x00\x00", ""},
		{"riff wave", "RIFF\x24\x00\x00\x00WAVEfmt ", ""},
		{"short riff", "RIFF\x24\x00\x00\x00WEB", ""},
		{"jpeg prefix only", "\xff\xd8", ""},
		{"png prefix only", "\x89PNG", ""},
		{"gif bad version", "GIF88a", ""},
		{"heic", "\x00\x00\x00\x18ftypheic", ""},
		{"svg", "<svg xmlns=", ""},
	}
	for _, tt := range tests {
		got, err := Sniff([]byte(tt.head))
		if tt.want == "" {
			if !errors.Is(err, ErrInvalidType) {
				t.Errorf("%s: got %q, %v; want ErrInvalidType", tt.name, got, err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("%s: got %q, %v; want %q", tt.name, got, err, tt.want)
		}
	}
}
