package images

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"

	xwebp "golang.org/x/image/webp"
)

// load turns an upload into upright, non-premultiplied pixels: sniff, header limits,
// decode, EXIF orientation. Shared by library images and avatars.
func load(data []byte, lim Limits) (*image.NRGBA, Format, error) {
	if int64(len(data)) > lim.MaxBytes {
		return nil, "", fmt.Errorf("images: %d bytes: %w", len(data), ErrTooLarge)
	}
	format, err := Sniff(data)
	if err != nil {
		return nil, "", err
	}
	cfg, err := decodeConfig(format, data)
	if err != nil {
		return nil, "", fmt.Errorf("images: %s header: %w (%w)", format, ErrInvalidImage, err)
	}
	if err := lim.checkDimensions(cfg.Width, cfg.Height); err != nil {
		return nil, "", err
	}
	src, err := decode(format, data)
	if err != nil {
		return nil, "", fmt.Errorf("images: decode %s: %w (%w)", format, ErrInvalidImage, err)
	}
	canvas := image.Rect(0, 0, cfg.Width, cfg.Height)
	if !src.Bounds().In(canvas) || src.Bounds().Empty() {
		return nil, "", fmt.Errorf("images: decoded %v outside header size %v: %w", src.Bounds(), canvas, ErrInvalidImage)
	}
	img := toNRGBA(src, canvas)
	if format == FormatJPEG {
		img = orient(img, jpegOrientation(data))
	}
	return img, format, nil
}

// decodeConfig reads only the header. It calls the sniffed format's own decoder rather
// than image.DecodeConfig: gen2brain/webp registers a second "webp" decoder (WASM) in its
// init, and the format we sniffed must be the one we parse.
func decodeConfig(f Format, data []byte) (image.Config, error) {
	return decodeConfigFrom(f, bytes.NewReader(data))
}

// decode decodes the pixels. For an animated GIF, gif.Decode stops after the first frame,
// and only that frame is stored (variants are still images). Animated WebP is not
// decodable by x/image/webp and is rejected as invalid.
func decode(f Format, data []byte) (img image.Image, err error) {
	// A decoder bug on hostile input must become a 400, never take the process down.
	defer func() {
		if p := recover(); p != nil {
			img, err = nil, fmt.Errorf("decoder panic: %v", p)
		}
	}()
	r := bytes.NewReader(data)
	switch f {
	case FormatJPEG:
		return jpeg.Decode(r)
	case FormatPNG:
		return png.Decode(r)
	case FormatGIF:
		return gif.Decode(r)
	case FormatWebP:
		return decodeWebP(r)
	}
	return nil, fmt.Errorf("no decoder for %q", f)
}

// decodeWebP decodes with x/image/webp (pure Go, no WASM on untrusted input) and fixes
// the colour range of its lossy output.
func decodeWebP(r io.Reader) (image.Image, error) {
	img, err := xwebp.Decode(r)
	if err != nil {
		return nil, err
	}
	switch m := img.(type) {
	case *image.YCbCr:
		return webpYUVToNRGBA(m, nil, 0), nil
	case *image.NYCbCrA:
		return webpYUVToNRGBA(&m.YCbCr, m.A, m.AStride), nil
	}
	return img, nil // lossless: already NRGBA
}

// toNRGBA draws src onto a transparent canvas (a GIF frame may cover only part of it)
// and returns compact non-premultiplied pixels with origin (0,0) and stride 4×width.
func toNRGBA(src image.Image, canvas image.Rectangle) *image.NRGBA {
	b := src.Bounds()
	if s, ok := src.(*image.NRGBA); ok && b == canvas && s.Stride == 4*b.Dx() {
		return s
	}
	dst := image.NewNRGBA(canvas)
	// Opaque sources draw through image/draw's fast RGBA paths: for alpha 255,
	// premultiplied and non-premultiplied bytes are the same.
	view := &image.RGBA{Pix: dst.Pix, Stride: dst.Stride, Rect: dst.Rect}
	switch s := src.(type) {
	case *image.YCbCr, *image.Gray, *image.CMYK:
		draw.Draw(view, b, s, b.Min, draw.Src)
	case *image.Paletted:
		drawPaletted(dst, s)
	case *image.NRGBA64:
		// 16-bit sources would go through image/draw's generic path, which
		// boxes every pixel in an interface: garbage of several times the
		// image. Keeping the high byte of each channel is the same rounding.
		high16(dst, b, s.Pix, s.Stride, 4)
	case *image.RGBA64:
		high16(dst, b, s.Pix, s.Stride, 4)
		unpremultiply(dst.Pix)
	case *image.Gray16:
		high16(dst, b, s.Pix, s.Stride, 1)
	default:
		draw.Draw(view, b, s, b.Min, draw.Src)
		unpremultiply(dst.Pix)
	}
	return dst
}

// drawPaletted expands palette indices (GIF, palette PNG) through a lookup table.
func drawPaletted(dst *image.NRGBA, src *image.Paletted) {
	var lut [256][4]byte
	for i, c := range src.Palette {
		n := color.NRGBAModel.Convert(c).(color.NRGBA)
		lut[i] = [4]byte{n.R, n.G, n.B, n.A}
	}
	b := src.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		idx := src.Pix[src.PixOffset(b.Min.X, y):][:b.Dx()]
		row := dst.Pix[dst.PixOffset(b.Min.X, y):][:4*b.Dx()]
		for x, i := range idx {
			*(*[4]byte)(row[4*x:]) = lut[i]
		}
	}
}

// high16 copies the high byte of every big-endian 16-bit channel of a
// channels-per-pixel source (1: grey, 4: RGBA) with bounds b into dst at
// the same place.
func high16(dst *image.NRGBA, b image.Rectangle, pix []byte, stride, channels int) {
	w := b.Dx()
	for y := range b.Dy() {
		in := pix[y*stride:][:2*channels*w]
		out := dst.Pix[dst.PixOffset(b.Min.X, b.Min.Y+y):][:4*w]
		for x := range w {
			if channels == 1 {
				v := in[2*x]
				out[4*x], out[4*x+1], out[4*x+2], out[4*x+3] = v, v, v, 0xff
				continue
			}
			i := 8 * x
			out[4*x], out[4*x+1], out[4*x+2], out[4*x+3] = in[i], in[i+2], in[i+4], in[i+6]
		}
	}
}

// unpremultiply converts premultiplied RGBA bytes to non-premultiplied in place.
func unpremultiply(pix []byte) {
	for i := 0; i+3 < len(pix); i += 4 {
		a := uint32(pix[i+3])
		if a == 0xff || a == 0 {
			continue
		}
		for c := i; c < i+3; c++ {
			// Resampling filters may overshoot; clamp rather than wrap.
			pix[c] = uint8(min((uint32(pix[c])*0xff+a/2)/a, 0xff))
		}
	}
}
