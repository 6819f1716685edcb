package images

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gen2brain/webp"
)

// photo is a smooth, textured opaque image, closer to a photograph than flat colour or
// noise (both of which make encoders unrealistically fast or slow).
func photo(w, h int) *image.NRGBA {
	m := image.NewNRGBA(image.Rect(0, 0, w, h))
	r := rand.New(rand.NewPCG(1, 2))
	for y := range h {
		row := m.Pix[y*m.Stride:]
		for x := range w {
			fx, fy := float64(x), float64(y)
			v := 128 + 60*math.Sin(fx/37+fy/91) + 40*math.Cos(fy/23-fx/150)
			n := float64(r.IntN(8))
			row[4*x+0] = uint8(v + n)
			row[4*x+1] = uint8(255 - v*0.8 + n)
			row[4*x+2] = uint8(float64(x)/float64(w)*120 + v*0.5)
			row[4*x+3] = 0xff
		}
	}
	return m
}

var (
	red   = color.NRGBA{0xff, 0, 0, 0xff}
	green = color.NRGBA{0, 0xff, 0, 0xff}
	blue  = color.NRGBA{0, 0, 0xff, 0xff}
	white = color.NRGBA{0xff, 0xff, 0xff, 0xff}
)

// quadrants paints top-left red, top-right green, bottom-left blue, bottom-right white.
func quadrants(w, h int) *image.NRGBA {
	m := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			c := [2][2]color.NRGBA{{red, green}, {blue, white}}[2*y/h][2*x/w]
			m.SetNRGBA(x, y, c)
		}
	}
	return m
}

func encodePNG(t testing.TB, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func encodeJPEG(t testing.TB, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func encodeGIF(t testing.TB, g *gif.GIF) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := gif.EncodeAll(&b, g); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func encodeWebPInput(t testing.TB, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := webp.Encode(&b, img, webp.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// paletted maps an image onto a 6×6×6 colour cube plus a transparent entry (index 216),
// quickly and without dithering.
func paletted(src *image.NRGBA) *image.Paletted {
	pal := make(color.Palette, 0, 217)
	for r := range 6 {
		for g := range 6 {
			for b := range 6 {
				pal = append(pal, color.RGBA{uint8(r * 51), uint8(g * 51), uint8(b * 51), 0xff})
			}
		}
	}
	pal = append(pal, color.RGBA{})
	m := image.NewPaletted(src.Rect, pal)
	for i := range len(m.Pix) {
		p := src.Pix[4*i:]
		if p[3] < 0x80 {
			m.Pix[i] = 216
			continue
		}
		q := func(v byte) int { return (int(v) + 25) / 51 }
		m.Pix[i] = uint8(q(p[0])*36 + q(p[1])*6 + q(p[2]))
	}
	return m
}

type byteOrder interface {
	binary.ByteOrder
	binary.AppendByteOrder
}

// withEXIF inserts an APP1 Exif segment holding only an Orientation tag after SOI.
func withEXIF(t testing.TB, jpg []byte, orientation uint16, bo byteOrder) []byte {
	t.Helper()
	tiff := []byte("MM\x00*")
	if bo.String() == binary.LittleEndian.String() {
		tiff = []byte("II*\x00")
	}
	tiff = bo.AppendUint32(tiff, 8)      // IFD0 offset
	tiff = bo.AppendUint16(tiff, 1)      // one entry
	tiff = bo.AppendUint16(tiff, 0x0112) // Orientation
	tiff = bo.AppendUint16(tiff, 3)      // SHORT
	tiff = bo.AppendUint32(tiff, 1)      // count
	tiff = bo.AppendUint16(tiff, orientation)
	tiff = append(tiff, 0, 0)       // value field padding
	tiff = bo.AppendUint32(tiff, 0) // no next IFD
	return insertSegment(jpg, 0xe1, append([]byte("Exif\x00\x00"), tiff...))
}

func insertSegment(jpg []byte, marker byte, payload []byte) []byte {
	seg := []byte{0xff, marker}
	seg = binary.BigEndian.AppendUint16(seg, uint16(2+len(payload)))
	seg = append(seg, payload...)
	out := append([]byte{}, jpg[:2]...)
	out = append(out, seg...)
	return append(out, jpg[2:]...)
}

// pngHeader is a PNG whose IHDR declares w×h RGBA, followed by a tiny IDAT and IEND:
// decoding its pixels would need w×h×4 bytes.
func pngHeader(w, h uint32) []byte {
	chunk := func(typ string, data []byte) []byte {
		c := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
		c = append(c, typ...)
		c = append(c, data...)
		return binary.BigEndian.AppendUint32(c, crc32.ChecksumIEEE(append([]byte(typ), data...)))
	}
	ihdr := binary.BigEndian.AppendUint32(nil, w)
	ihdr = binary.BigEndian.AppendUint32(ihdr, h)
	ihdr = append(ihdr, 8, 6, 0, 0, 0) // 8-bit RGBA, deflate, no filter, no interlace
	out := []byte("\x89PNG\r\n\x1a\n")
	out = append(out, chunk("IHDR", ihdr)...)
	out = append(out, chunk("IDAT", []byte{0x78, 0x9c, 0x63, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01})...)
	return append(out, chunk("IEND", nil)...)
}

// decodeOutput decodes one of our WebP outputs and checks its size.
func decodeOutput(t testing.TB, data []byte, w, h int) image.Image {
	t.Helper()
	if f, err := Sniff(data); err != nil || f != FormatWebP {
		t.Fatalf("output is not WebP: %v %v", f, err)
	}
	img, err := decodeWebP(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("decode output: %v", err)
	}
	if got := img.Bounds().Size(); got != image.Pt(w, h) {
		t.Fatalf("output is %v, want %dx%d", got, w, h)
	}
	return img
}

// near reports whether c is within tol of want on every channel (non-premultiplied).
func near(c color.Color, want color.NRGBA, tol int) bool {
	n := color.NRGBAModel.Convert(c).(color.NRGBA)
	d := func(a, b uint8) bool { return math.Abs(float64(a)-float64(b)) <= float64(tol) }
	if want.A == 0 {
		return d(n.A, 0)
	}
	return d(n.R, want.R) && d(n.G, want.G) && d(n.B, want.B) && d(n.A, want.A)
}
