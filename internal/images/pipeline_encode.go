package images

import (
	"bytes"
	"fmt"
	"image"

	"github.com/gen2brain/webp"
)

// webpMethod trades encoder effort for speed (0 fastest … 6 smallest). Under WASM the
// default 4 costs ~3× the time of 0 on a 12 MP original for a few percent of size.
const webpMethod = 0

// WarmUp compiles the WebP encoder ahead of the first upload. gen2brain/webp uses the
// system libwebp.so (and libwebpdemux.so) through purego when it can dlopen them, and a
// WASM build of libwebp otherwise; only the WASM path needs warming (about 0.3 s).
func WarmUp() { webp.Init() }

// encodeWebP encodes lossy WebP at the given quality. Alpha survives: libwebp writes an
// alpha plane only when some pixel is not opaque.
func encodeWebP(img *image.NRGBA, quality int) ([]byte, error) {
	var buf bytes.Buffer
	// YUV 4:2:0 is what libwebp encodes; converting here in native Go is about twice
	// as fast overall as handing RGBA to libwebp's converter under WASM.
	if err := webp.Encode(&buf, toYUVA420(img), webp.Options{Quality: quality, Method: webpMethod}); err != nil {
		return nil, fmt.Errorf("images: encode webp %v: %w", img.Rect.Size(), err)
	}
	return buf.Bytes(), nil
}

// Fixed-point BT.601 limited-range coefficients, the same as libwebp's (src/dsp/yuv.h),
// so colours come out as if libwebp had converted the RGB itself.
const (
	yuvFix  = 16
	yuvHalf = 1 << (yuvFix - 1)
)

func rgbToY(r, g, b int) uint8 {
	return uint8((16839*r + 33059*g + 6420*b + yuvHalf + 16<<yuvFix) >> yuvFix)
}

// rgbToUV takes channel sums over a 2×2 block (each 0..4×255).
func rgbToUV(r4, g4, b4 int) (uint8, uint8) {
	clip := func(v int) uint8 {
		v = (v + yuvHalf<<2 + 128<<(yuvFix+2)) >> (yuvFix + 2)
		return uint8(min(max(v, 0), 255))
	}
	return clip(-9719*r4 - 19081*g4 + 28800*b4), clip(28800*r4 - 24116*g4 - 4684*b4)
}

// toYUVA420 converts to the contiguous Y, Cb, Cr, A planes gen2brain/webp passes to
// libwebp as WEBP_YUV420A. Chroma of a partly transparent 2×2 block is alpha-weighted.
func toYUVA420(src *image.NRGBA) *image.NYCbCrA {
	w, h := src.Rect.Dx(), src.Rect.Dy()
	dst := image.NewNYCbCrA(image.Rect(0, 0, w, h), image.YCbCrSubsampleRatio420)
	for y := range h {
		row := src.Pix[y*src.Stride:][:4*w]
		ys := dst.Y[y*dst.YStride:][:w]
		as := dst.A[y*dst.AStride:][:w]
		for x := range w {
			p := row[4*x:][:4]
			ys[x] = rgbToY(int(p[0]), int(p[1]), int(p[2]))
			as[x] = p[3]
		}
	}
	for cy := range (h + 1) / 2 {
		rows := [2][]byte{src.Pix[2*cy*src.Stride:][:4*w], nil}
		if 2*cy+1 < h {
			rows[1] = src.Pix[(2*cy+1)*src.Stride:][:4*w]
		} else {
			rows[1] = rows[0] // odd height: repeat the edge row, as libwebp does
		}
		cbs := dst.Cb[cy*dst.CStride:][:(w+1)/2]
		crs := dst.Cr[cy*dst.CStride:][:(w+1)/2]
		for cx := range cbs {
			x0, x1 := 4*2*cx, 4*2*cx
			if 2*cx+1 < w {
				x1 += 4
			}
			px := [4][]byte{rows[0][x0:][:4], rows[0][x1:][:4], rows[1][x0:][:4], rows[1][x1:][:4]}
			var r, g, b, a int
			for _, p := range px {
				r += int(p[0])
				g += int(p[1])
				b += int(p[2])
				a += int(p[3])
			}
			if a != 4*255 && a != 0 {
				r, g, b = 0, 0, 0
				for _, p := range px {
					r += int(p[0]) * int(p[3])
					g += int(p[1]) * int(p[3])
					b += int(p[2]) * int(p[3])
				}
				r, g, b = (4*r+a/2)/a, (4*g+a/2)/a, (4*b+a/2)/a
			}
			cbs[cx], crs[cx] = rgbToUV(r, g, b)
		}
	}
	return dst
}
