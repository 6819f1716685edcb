// Package images owns image uploads: content sniffing, decode limits, EXIF orientation,
// resized WebP variants, and the storage keys they are kept under.
package images

import (
	"image"
	"runtime"
	"sync"

	"golang.org/x/sync/errgroup"
)

// Variant names, also the keys of Result.Variants.
const (
	VariantOriginal = "original"
	VariantThumb    = "thumb"
	VariantSm       = "sm"
	VariantMd       = "md"
	VariantLg       = "lg"
)

// VariantNames lists every variant, VariantOriginal first, in the order an
// upload writes them.
func VariantNames() []string {
	return []string{VariantOriginal, VariantThumb, VariantSm, VariantMd, VariantLg}
}

// spec is one WebP output: fitted inside a box×box square, never upscaled.
type spec struct {
	name    string
	box     int
	quality int
}

// variantChain runs largest first: each variant is resampled from the previous one,
// which is far cheaper than going back to the full-size original every time.
func variantChain() []spec {
	return []spec{
		{VariantLg, 2048, 85},
		{VariantMd, 1024, 85},
		{VariantSm, 640, 80},
		{VariantThumb, 160, 65},
	}
}

const originalQuality = 90

// Variant is one encoded output.
type Variant struct {
	Width, Height int
	WebP          []byte
}

// Result is a processed library image.
type Result struct {
	Format        Format // detected upload format
	Width, Height int    // the stored original, upright
	Variants      map[string]Variant
}

// Process validates an upload and renders the stored original (upright, metadata
// stripped, alpha kept, inside the MaxDimension box, WebP q90) and the thumb, sm, md and
// lg variants. Rejections wrap ErrTooLarge, ErrInvalidType, ErrInvalidImage or
// ErrDimensions; any other error is an encoder failure (a server fault).
func Process(data []byte, lim Limits) (*Result, error) {
	img, format, err := load(data, lim)
	if err != nil {
		return nil, err
	}
	outs := append([]spec{{VariantOriginal, lim.MaxDimension, originalQuality}}, variantChain()...)
	variants, err := render(img, outs)
	if err != nil {
		return nil, err
	}
	orig := variants[VariantOriginal]
	return &Result{Format: format, Width: orig.Width, Height: orig.Height, Variants: variants}, nil
}

// render fits img into each spec in turn, each from the previous output, and encodes
// them concurrently, at most GOMAXPROCS encoders at once. Resizing stays on the calling
// goroutine so the biggest encode (the first) starts at once.
func render(img *image.NRGBA, specs []spec) (map[string]Variant, error) {
	var (
		g   errgroup.Group
		mu  sync.Mutex
		out = make(map[string]Variant, len(specs))
	)
	g.SetLimit(runtime.GOMAXPROCS(0))
	fullW, fullH := img.Rect.Dx(), img.Rect.Dy()
	src := img
	for _, s := range specs {
		// Sizes come from the full image so rounding never compounds along the chain.
		w, h := fitSize(fullW, fullH, s.box, s.box)
		src = resize(src, w, h)
		frame := src
		g.Go(func() error {
			data, err := encodeWebP(frame, s.quality)
			if err != nil {
				return err
			}
			mu.Lock()
			out[s.name] = Variant{Width: w, Height: h, WebP: data}
			mu.Unlock()
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return out, nil
}
