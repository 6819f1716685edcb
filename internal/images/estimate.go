package images

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"

	xwebp "golang.org/x/image/webp"
)

// HeadProbe is how many leading bytes of a file may be read (and held)
// before it has its share of the budget: enough for any ordinary header.
// A JPEG whose frame header comes later (huge metadata segments) is
// charged the worst case instead.
const HeadProbe = 256 << 10

// Header is what the first bytes of an upload tell before any pixel is
// decoded.
type Header struct {
	Format      Format
	Config      image.Config
	Progressive bool // JPEG only
	Known       bool // false: the header lies beyond HeadProbe
	jpegSamples float64
}

// ReadHeader sniffs the format and decodes the header from r (a Part.Head
// reader). Rejections are RejectErrors like Process's; a header beyond the
// probed bytes is no rejection: it comes back with Known false.
func ReadHeader(r io.Reader, lim Limits) (Header, error) {
	var sig [SniffLen]byte
	n, err := io.ReadFull(r, sig[:])
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return Header{}, err
	}
	format, err := Sniff(sig[:n])
	if err != nil {
		return Header{}, err
	}
	keep := &bytes.Buffer{}
	cr := io.MultiReader(bytes.NewReader(sig[:n]), io.TeeReader(r, keep))
	cfg, err := decodeConfigFrom(format, cr)
	var readErr *partReadError
	switch {
	case errors.Is(err, ErrHeadTooLong):
		return Header{Format: format}, nil
	case errors.As(err, &readErr):
		return Header{}, err
	case err != nil:
		return Header{}, fmt.Errorf("images: %s header: %w (%w)", format, ErrInvalidImage, err)
	}
	if err := lim.checkDimensions(cfg.Width, cfg.Height); err != nil {
		return Header{}, err
	}
	h := Header{Format: format, Config: cfg, Known: true}
	if format == FormatJPEG {
		h.Progressive, h.jpegSamples, _ = jpegFrame(append(sig[:n:n], keep.Bytes()...))
	}
	return h, nil
}

func decodeConfigFrom(f Format, r io.Reader) (image.Config, error) {
	switch f {
	case FormatJPEG:
		return jpeg.DecodeConfig(r)
	case FormatPNG:
		return png.DecodeConfig(r)
	case FormatGIF:
		return gif.DecodeConfig(r)
	case FormatWebP:
		return xwebp.DecodeConfig(r)
	}
	return image.Config{}, fmt.Errorf("images: no decoder for %q", f)
}

// jpegFrame reads the first frame header (SOFn) in data: whether it is
// progressive (SOF2 and friends: the decoder then keeps every DCT
// coefficient of the image) and how many samples per pixel its components
// hold after subsampling (1.5 for 4:2:0 colour, 3 for 4:4:4). ok is false
// when no frame header is found.
func jpegFrame(data []byte) (progressive bool, samples float64, ok bool) {
	for i := 2; i+4 <= len(data); {
		if data[i] != 0xff {
			return false, 0, false
		}
		m := data[i+1]
		if m == 0xff { // fill byte
			i++
			continue
		}
		n := int(data[i+2])<<8 | int(data[i+3])
		if m >= 0xc0 && m <= 0xcf && m != 0xc4 && m != 0xc8 && m != 0xcc {
			seg := data[i+4:]
			if len(seg) < 6 || n < 8 {
				return false, 0, false
			}
			comps := int(seg[5])
			if comps < 1 || len(seg) < 6+3*comps {
				return false, 0, false
			}
			var hmax, vmax int
			hv := make([][2]int, comps)
			for c := range comps {
				f := seg[6+3*c+1]
				hv[c] = [2]int{max(int(f>>4), 1), max(int(f&15), 1)}
				hmax, vmax = max(hmax, hv[c][0]), max(vmax, hv[c][1])
			}
			for _, x := range hv {
				samples += float64(x[0]*x[1]) / float64(hmax*vmax)
			}
			return m == 0xc2 || m == 0xc6 || m == 0xca || m == 0xce, samples, true
		}
		i += 2 + n
	}
	return false, 0, false
}

// Bytes per pixel of the phases of rendering that follow decoding,
// calibrated on the figures of docs/images-memory.md: the upright NRGBA
// canvas (4) next to what the decoder still holds, then the WebP encodes of
// the full-size original (library: canvas, YUV copy, the encoder's own
// memory) or of the 600 px avatar. The encoder needs about twice as much
// for an image with an alpha plane. Peak is the larger phase, not their
// sum: the decoder's buffers are garbage once the canvas exists.
const (
	canvasBPP          = 4
	libraryEncBPP      = 19
	libraryAlphaEncBPP = 33
	avatarEncBPP       = 11
	avatarAlphaEncBPP  = 15
	// fixedOverhead covers the encoders' instances and the resampled variants.
	fixedOverhead = 32 << 20
)

// Estimate is the peak memory, in bytes, of rendering a file with header
// h. An unknown header is charged the worst case the limits allow.
func Estimate(h Header, lim Limits, avatar bool) int64 {
	alpha := !h.Known || mayHaveAlpha(h)
	var enc float64
	switch {
	case avatar && alpha:
		enc = avatarAlphaEncBPP
	case avatar:
		enc = avatarEncBPP
	case alpha:
		enc = libraryAlphaEncBPP
	default:
		enc = libraryEncBPP
	}
	px := lim.MaxPixels
	dec := float64(maxDecodeBPP)
	if h.Known {
		px = int64(h.Config.Width) * int64(h.Config.Height)
		dec = decodeBPP(h)
	}
	return int64(float64(px)*max(dec+canvasBPP, enc)) + fixedOverhead
}

// mayHaveAlpha reports whether the header allows transparency (the encoder
// then writes an alpha plane). JPEG and opaque PNG colour types cannot.
func mayHaveAlpha(h Header) bool {
	switch h.Format {
	case FormatJPEG:
		return false
	case FormatPNG:
		switch h.Config.ColorModel {
		case color.GrayModel, color.Gray16Model, color.RGBAModel, color.RGBA64Model:
			return false
		}
	}
	return true
}

// maxDecodeBPP is the largest decodeBPP: a progressive 4:4:4 CMYK JPEG
// (coefficients of four full-size planes, then the planes themselves).
const maxDecodeBPP = 4 * (4 + 1)

// decodeBPP is what the standard decoders allocate per pixel.
func decodeBPP(h Header) float64 {
	switch h.Format {
	case FormatJPEG:
		samples := h.jpegSamples
		if samples == 0 { // no frame header seen: the largest colour layout
			samples = 4
		}
		if h.Progressive {
			return samples * (4 + 1) // int32 coefficients, then the planes
		}
		return samples
	case FormatPNG:
		switch h.Config.ColorModel {
		case color.GrayModel:
			return 1
		case color.Gray16Model:
			return 2
		case color.RGBA64Model, color.NRGBA64Model:
			return 8
		}
		if _, ok := h.Config.ColorModel.(color.Palette); ok {
			return 1
		}
		return 4
	case FormatGIF:
		return 1
	case FormatWebP:
		return 2.5 + 4 // YUV planes with alpha, then their NRGBA conversion
	}
	return maxDecodeBPP
}

// EstimateFile is Estimate for a whole file in memory (tools and tests).
func EstimateFile(data []byte, lim Limits, avatar bool) (int64, error) {
	h, err := ReadHeader(bytes.NewReader(data), lim)
	if err != nil {
		return 0, err
	}
	return Estimate(h, lim, avatar), nil
}
