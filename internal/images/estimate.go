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
		h.Progressive = jpegProgressive(append(sig[:n:n], keep.Bytes()...))
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

// jpegProgressive reports whether the first frame header in data is SOF2
// (progressive), whose decoder keeps every DCT coefficient of the image.
func jpegProgressive(data []byte) bool {
	for i := 2; i+4 <= len(data); {
		if data[i] != 0xff {
			return false
		}
		m := data[i+1]
		if m == 0xff { // fill byte
			i++
			continue
		}
		if m == 0xc2 || m == 0xc6 || m == 0xca || m == 0xce {
			return true
		}
		if m >= 0xc0 && m <= 0xcf && m != 0xc4 && m != 0xc8 && m != 0xcc {
			return false
		}
		i += 2 + int(data[i+2])<<8 | int(data[i+3])
	}
	return false
}

// Bytes per pixel of the work that follows decoding (see
// docs/images-memory.md): the upright NRGBA canvas, the encoders' YUV copy
// and the WebP encoder's own buffers for the full-size original (library),
// or the canvas and the resampled 600 px output (avatar), plus headroom for
// garbage not yet collected.
const (
	libraryWorkBPP = 12
	avatarWorkBPP  = 7
	fixedOverhead  = 24 << 20
)

// Estimate is the peak memory, in bytes, of rendering a file with header
// h: the decoder's own buffers (by colour model, and all DCT coefficients
// of a progressive JPEG) plus the pipeline's work per pixel. An unknown
// header is charged the worst case the limits allow.
func Estimate(h Header, lim Limits, avatar bool) int64 {
	work := int64(libraryWorkBPP)
	if avatar {
		work = avatarWorkBPP
	}
	if !h.Known {
		return lim.MaxPixels*(maxDecodeBPP+work) + fixedOverhead
	}
	px := int64(h.Config.Width) * int64(h.Config.Height)
	return px*(decodeBPP(h)+work) + fixedOverhead
}

// maxDecodeBPP is the largest decodeBPP: a progressive 4:4:4 JPEG
// (coefficients of three full-size planes, then the planes themselves).
const maxDecodeBPP = 15

// decodeBPP is what the standard decoders allocate per pixel.
func decodeBPP(h Header) int64 {
	switch h.Format {
	case FormatJPEG:
		// Subsampling is not in the config: assume 4:4:4, the largest.
		planes := int64(3)
		switch h.Config.ColorModel {
		case color.GrayModel:
			planes = 1
		case color.CMYKModel:
			planes = 4
		}
		if h.Progressive {
			return planes * (4 + 1) // int32 coefficients, then the planes
		}
		return planes
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
		return 4 + 3 // YUV planes with alpha, then their NRGBA conversion
	}
	return 8
}

// EstimateFile is Estimate for a whole file in memory (tools and tests).
func EstimateFile(data []byte, lim Limits, avatar bool) (int64, error) {
	h, err := ReadHeader(bytes.NewReader(data), lim)
	if err != nil {
		return 0, err
	}
	return Estimate(h, lim, avatar), nil
}
