package images

import (
	"encoding/binary"
	"image"
	"testing"
)

func TestJPEGOrientation(t *testing.T) {
	jpg := encodeJPEG(t, photo(16, 8))
	xmp := []byte("http://ns.adobe.com/xap/1.0/\x00<x:xmpmeta/>")
	tests := []struct {
		name string
		data []byte
		want int
	}{
		{"no exif", jpg, 1},
		{"big endian 6", withEXIF(t, jpg, 6, binary.BigEndian), 6},
		{"little endian 8", withEXIF(t, jpg, 8, binary.LittleEndian), 8},
		{"xmp app1 before exif", insertSegment(withEXIF(t, jpg, 3, binary.BigEndian), 0xe1, xmp), 3},
		{"fill bytes before marker", append([]byte{0xff, 0xd8, 0xff, 0xff}, withEXIF(t, jpg, 5, binary.BigEndian)[2:]...), 5},
		{"zero", withEXIF(t, jpg, 0, binary.BigEndian), 1},
		{"nine", withEXIF(t, jpg, 9, binary.BigEndian), 1},
		{"exif after scan is ignored", append(append([]byte{}, jpg[:len(jpg)-2]...), withEXIF(t, []byte{0xff, 0xd8}, 6, binary.BigEndian)...), 1},
		{"truncated segment", withEXIF(t, jpg, 6, binary.BigEndian)[:20], 1},
		{"not a jpeg", []byte("GIF89a"), 1},
		{"empty", nil, 1},
	}
	for _, tt := range tests {
		if got := jpegOrientation(tt.data); got != tt.want {
			t.Errorf("%s: got %d, want %d", tt.name, got, tt.want)
		}
	}
}

func TestEXIFOrientationRejectsMalformedTIFF(t *testing.T) {
	good := withEXIF(t, []byte{0xff, 0xd8}, 6, binary.BigEndian)[4+6+2:] // the TIFF block
	if got := exifOrientation(good); got != 6 {
		t.Fatalf("well-formed block: got %d, want 6", got)
	}
	mutate := func(f func(b []byte) []byte) []byte { return f(append([]byte{}, good...)) }
	tests := map[string][]byte{
		"short":              good[:6],
		"bad byte order":     mutate(func(b []byte) []byte { b[0] = 'X'; return b }),
		"ifd offset outside": mutate(func(b []byte) []byte { binary.BigEndian.PutUint32(b[4:], 1<<31); return b }),
		"entry count lies": mutate(func(b []byte) []byte {
			binary.BigEndian.PutUint16(b[8:], 500)
			binary.BigEndian.PutUint16(b[10:], 1)
			return b
		}),
		"wrong type": mutate(func(b []byte) []byte { binary.BigEndian.PutUint16(b[12:], 2); return b }),
		"count two":  mutate(func(b []byte) []byte { binary.BigEndian.PutUint32(b[14:], 2); return b }),
	}
	for name, data := range tests {
		if got := exifOrientation(data); got != 1 {
			t.Errorf("%s: got %d, want 1", name, got)
		}
	}
	long := mutate(func(b []byte) []byte {
		binary.BigEndian.PutUint16(b[12:], 4)
		binary.BigEndian.PutUint32(b[18:], 7)
		return b
	})
	if got := exifOrientation(long); got != 7 {
		t.Errorf("LONG value: got %d, want 7", got)
	}
}

// TestOrientMatchesDefinition checks every orientation against a per-pixel reading of
// the EXIF definitions, on sizes that exercise partial tiles.
func TestOrientMatchesDefinition(t *testing.T) {
	// ref maps source (x, y) of a w×h image to its destination for each orientation.
	ref := func(o, x, y, w, h int) (int, int) {
		switch o {
		case 2:
			return w - 1 - x, y
		case 3:
			return w - 1 - x, h - 1 - y
		case 4:
			return x, h - 1 - y
		case 5:
			return y, x
		case 6:
			return h - 1 - y, x
		case 7:
			return h - 1 - y, w - 1 - x
		case 8:
			return y, w - 1 - x
		}
		return x, y
	}
	for _, size := range []image.Point{{1, 1}, {3, 2}, {130, 67}} {
		src := image.NewNRGBA(image.Rect(0, 0, size.X, size.Y))
		for i := range src.Pix {
			src.Pix[i] = byte(i * 7)
		}
		for o := 1; o <= 8; o++ {
			dst := orient(src, o)
			for y := range size.Y {
				for x := range size.X {
					dx, dy := ref(o, x, y, size.X, size.Y)
					if dst.NRGBAAt(dx, dy) != src.NRGBAAt(x, y) {
						t.Fatalf("size %v orientation %d: source (%d,%d) not at (%d,%d)", size, o, x, y, dx, dy)
					}
				}
			}
		}
	}
}
