package testutil

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"testing"

	"apistarter/internal/httpapi"
	"apistarter/internal/orgs"

	"github.com/danielgtaylor/huma/v2"
	"github.com/gen2brain/webp"
)

// Gradient is a w×h opaque image with smooth colour changes (compresses
// like a photograph, unlike noise or flat colour).
func Gradient(w, h int) *image.NRGBA {
	m := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		row := m.Pix[y*m.Stride:]
		for x := range w {
			row[4*x+0] = uint8(x * 255 / max(w-1, 1))
			row[4*x+1] = uint8(y * 255 / max(h-1, 1))
			row[4*x+2] = uint8((x + y) % 256)
			row[4*x+3] = 0xff
		}
	}
	return m
}

// PNG encodes a w×h gradient.
func PNG(t testing.TB, w, h int) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, Gradient(w, h)); err != nil {
		t.Fatalf("testutil: png: %v", err)
	}
	return b.Bytes()
}

// JPEG encodes a w×h gradient.
func JPEG(t testing.TB, w, h int) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, Gradient(w, h), &jpeg.Options{Quality: 90}); err != nil {
		t.Fatalf("testutil: jpeg: %v", err)
	}
	return b.Bytes()
}

// WebP encodes a w×h gradient (lossy).
func WebP(t testing.TB, w, h int) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := webp.Encode(&b, Gradient(w, h), webp.Options{Quality: 80}); err != nil {
		t.Fatalf("testutil: webp: %v", err)
	}
	return b.Bytes()
}

// AnimatedGIF is a w×h GIF of two frames: all red, then all blue.
func AnimatedGIF(t testing.TB, w, h int) []byte {
	t.Helper()
	pal := color.Palette{color.RGBA{0xff, 0, 0, 0xff}, color.RGBA{0, 0, 0xff, 0xff}}
	g := &gif.GIF{}
	for i := range 2 {
		f := image.NewPaletted(image.Rect(0, 0, w, h), pal)
		for p := range f.Pix {
			f.Pix[p] = uint8(i)
		}
		g.Image = append(g.Image, f)
		g.Delay = append(g.Delay, 10)
	}
	var b bytes.Buffer
	if err := gif.EncodeAll(&b, g); err != nil {
		t.Fatalf("testutil: gif: %v", err)
	}
	return b.Bytes()
}

// PNGBomb is a tiny PNG whose header claims w×h RGBA pixels: decoding it
// would need w×h×4 bytes.
func PNGBomb(w, h uint32) []byte {
	chunk := func(typ string, data []byte) []byte {
		c := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
		c = append(c, typ...)
		c = append(c, data...)
		return binary.BigEndian.AppendUint32(c, crc32.ChecksumIEEE(append([]byte(typ), data...)))
	}
	ihdr := binary.BigEndian.AppendUint32(nil, w)
	ihdr = binary.BigEndian.AppendUint32(ihdr, h)
	ihdr = append(ihdr, 8, 6, 0, 0, 0)
	out := []byte("\x89PNG\r\n\x1a\n")
	out = append(out, chunk("IHDR", ihdr)...)
	out = append(out, chunk("IDAT", []byte{0x78, 0x9c, 0x63, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01})...)
	return append(out, chunk("IEND", nil)...)
}

// FormFile is one file of a multipart request.
type FormFile struct {
	Field       string
	Name        string
	ContentType string // "" means image/png
	Data        []byte
	// PartLength, when set, is sent as the part's Content-Length header (a
	// declared size, which may lie).
	PartLength string
}

// Multipart encodes files as a multipart/form-data body.
func Multipart(t testing.TB, files ...FormFile) ([]byte, string) {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for _, f := range files {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", `form-data; name="`+f.Field+`"; filename="`+f.Name+`"`)
		ct := f.ContentType
		if ct == "" {
			ct = "image/png"
		}
		h.Set("Content-Type", ct)
		if f.PartLength != "" {
			h.Set("Content-Length", f.PartLength)
		}
		p, err := w.CreatePart(h)
		if err != nil {
			t.Fatalf("testutil: multipart: %v", err)
		}
		if _, err := p.Write(f.Data); err != nil {
			t.Fatalf("testutil: multipart: %v", err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatalf("testutil: multipart: %v", err)
	}
	return b.Bytes(), w.FormDataContentType()
}

// Upload posts files as multipart/form-data and returns the status and body.
func (s *Server) Upload(t testing.TB, path, token string, headers map[string]string, files ...FormFile) (int, string) {
	t.Helper()
	return UploadTo(t, s.URL, path, token, headers, files...)
}

// UploadTo is Upload against any server (see Mount).
func UploadTo(t testing.TB, base, path, token string, headers map[string]string, files ...FormFile) (int, string) {
	t.Helper()
	body, ct := Multipart(t, files...)
	h := map[string]string{"Content-Type": ct}
	for k, v := range headers {
		h[k] = v
	}
	return Call(t, base, http.MethodPost, path, token, bytes.NewReader(body), h)
}

// Call sends a request to base+path with an optional bearer token (JSON
// content type unless headers say otherwise) and returns status and body.
func Call(t testing.TB, base, method, path, token string, body io.Reader, headers map[string]string) (int, string) {
	t.Helper()
	resp, err := http.DefaultClient.Do(newRequest(t, base, method, path, token, body, headers))
	if err != nil {
		t.Fatalf("testutil: %s %s: %v", method, path, err)
	}
	return ReadResponse(t, resp)
}

// ReadResponse returns the status and body of resp and closes it.
func ReadResponse(t testing.TB, resp *http.Response) (int, string) {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("testutil: read response: %v", err)
	}
	return resp.StatusCode, string(b)
}

// Mount serves routes registered by register on a new test server, behind
// the app's authentication and org scope middleware: for features wired
// with test doubles (e.g. a failing storage) or not yet wired into the app.
func (s *Server) Mount(t testing.TB, register func(api huma.API)) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	api := httpapi.NewAPI(mux, "test")
	api.UseMiddleware(s.App.Auth.Middleware(api), orgs.ScopeMiddleware(api))
	register(api)
	srv := httptest.NewServer(httpapi.Chain(mux, httpapi.RequestIDMiddleware, httpapi.Recover, httpapi.LimitBody(64<<20)))
	t.Cleanup(srv.Close)
	return srv
}
