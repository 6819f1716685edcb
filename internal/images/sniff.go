package images

import (
	"bytes"
	"fmt"
)

// Format is an accepted upload format, detected from the file's content.
type Format string

// The only formats accepted; anything else is ErrInvalidType whatever the client claims.
const (
	FormatJPEG Format = "jpeg"
	FormatPNG  Format = "png"
	FormatGIF  Format = "gif"
	FormatWebP Format = "webp"
)

// SniffLen is how many leading bytes Sniff needs to recognise every format.
const SniffLen = 12

// Sniff detects the format from the first bytes of a file (at least SniffLen of them for
// WebP). The client's MIME type is never consulted.
func Sniff(head []byte) (Format, error) {
	switch {
	case bytes.HasPrefix(head, []byte("\xff\xd8\xff")):
		return FormatJPEG, nil
	case bytes.HasPrefix(head, []byte("\x89PNG\r\n\x1a\n")):
		return FormatPNG, nil
	case bytes.HasPrefix(head, []byte("GIF87a")), bytes.HasPrefix(head, []byte("GIF89a")):
		return FormatGIF, nil
	case len(head) >= 12 && string(head[0:4]) == "RIFF" && string(head[8:12]) == "WEBP":
		return FormatWebP, nil
	}
	return "", fmt.Errorf("images: unrecognised file signature: %w", ErrInvalidType)
}
