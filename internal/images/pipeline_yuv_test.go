package images

import (
	"bytes"
	"image"
	"image/color"
	"testing"
)

func TestRGBToYUVMatchesLibwebp(t *testing.T) {
	// BT.601 limited-range reference values, as libwebp's VP8RGBToY/U/V give them.
	tests := []struct {
		r, g, b   int
		y, cb, cr uint8
		name      string
	}{
		{0, 0, 0, 16, 128, 128, "black"},
		{255, 255, 255, 235, 128, 128, "white"},
		{255, 0, 0, 82, 90, 240, "red"},
		{0, 255, 0, 145, 54, 34, "green"},
		{0, 0, 255, 41, 240, 110, "blue"},
	}
	for _, tt := range tests {
		y := rgbToY(tt.r, tt.g, tt.b)
		cb, cr := rgbToUV(4*tt.r, 4*tt.g, 4*tt.b)
		if y != tt.y || cb != tt.cb || cr != tt.cr {
			t.Errorf("%s: got %d,%d,%d want %d,%d,%d", tt.name, y, cb, cr, tt.y, tt.cb, tt.cr)
		}
	}
}

func TestYUVRoundTrip(t *testing.T) {
	for r := 0; r < 256; r += 15 {
		for g := 0; g < 256; g += 15 {
			for b := 0; b < 256; b += 15 {
				cb, cr := rgbToUV(4*r, 4*g, 4*b)
				rr, gg, bb := yuvToRGB(int(rgbToY(r, g, b)), int(cb), int(cr))
				if absDiff(int(rr), r) > 3 || absDiff(int(gg), g) > 3 || absDiff(int(bb), b) > 3 {
					t.Fatalf("(%d,%d,%d) came back as (%d,%d,%d)", r, g, b, rr, gg, bb)
				}
			}
		}
	}
}

func absDiff(a, b int) int { return max(a-b, b-a) }

// A lossy WebP encoded by libwebp itself must decode to full-range colours: black stays
// black, not the grey that Go's JFIF reading of x/image/webp's planes gives.
func TestDecodeWebPKeepsFullRange(t *testing.T) {
	src := image.NewNRGBA(image.Rect(0, 0, 64, 32))
	for y := range 32 {
		for x := range 64 {
			c := color.NRGBA{0, 0, 0, 0xff}
			if x >= 32 {
				c = white
			}
			src.SetNRGBA(x, y, c)
		}
	}
	img, err := decodeWebP(bytes.NewReader(encodeWebPInput(t, src)))
	if err != nil {
		t.Fatal(err)
	}
	if got := img.At(8, 16); !near(got, color.NRGBA{0, 0, 0, 0xff}, 3) {
		t.Errorf("black decoded as %v", got)
	}
	if got := img.At(56, 16); !near(got, white, 3) {
		t.Errorf("white decoded as %v", got)
	}
}

func TestToYUVA420OddSizesAndAlpha(t *testing.T) {
	src := image.NewNRGBA(image.Rect(0, 0, 3, 3))
	for i := range 9 {
		src.Pix[4*i+0], src.Pix[4*i+3] = 0xff, 0xff // opaque red
	}
	src.SetNRGBA(1, 0, color.NRGBA{0, 0, 0xff, 0}) // transparent blue: must not tint
	m := toYUVA420(src)
	if len(m.Cb) != 4 || m.A[1] != 0 || m.A[0] != 0xff {
		t.Fatalf("planes: cb %d, alpha %v", len(m.Cb), m.A)
	}
	_, wantCr := rgbToUV(4*255, 0, 0)
	for i := range m.Cr {
		if m.Cr[i] != wantCr {
			t.Errorf("chroma block %d: Cr %d, want red's %d", i, m.Cr[i], wantCr)
		}
	}
}

// 16-bit sources take a direct path; it must agree with image/draw's
// generic conversion to within rounding.
func TestToNRGBA16BitMatchesDraw(t *testing.T) {
	r := image.Rect(0, 0, 37, 23)
	n64 := image.NewNRGBA64(r)
	g16 := image.NewGray16(r)
	for y := range r.Dy() {
		for x := range r.Dx() {
			n64.SetNRGBA64(x, y, color.NRGBA64{uint16(x * 1700), uint16(y * 2800), uint16((x + y) * 1100), uint16(0xffff - x*1500)})
			g16.SetGray16(x, y, color.Gray16{uint16((x*y)*97 + 3)})
		}
	}
	for _, src := range []image.Image{n64, g16} {
		got := toNRGBA(src, r)
		for y := range r.Dy() {
			for x := range r.Dx() {
				want := color.NRGBAModel.Convert(src.At(x, y)).(color.NRGBA)
				g := got.NRGBAAt(x, y)
				if diff(g.R, want.R) > 1 || diff(g.G, want.G) > 1 || diff(g.B, want.B) > 1 || g.A != want.A {
					t.Fatalf("%T at %d,%d: %v, want %v", src, x, y, g, want)
				}
			}
		}
	}
}

func diff(a, b uint8) int {
	if a > b {
		return int(a - b)
	}
	return int(b - a)
}
