package images_test

import (
	"bytes"
	"image/jpeg"
	"net/http"
	"testing"
	"time"

	"apistarter/internal/images"
	"apistarter/internal/testutil"
)

// photoJPEG is a w×h JPEG with smooth, textured content, closer to a
// photograph than flat colour or noise.
func photoJPEG(b testing.TB, w, h int) []byte {
	m := images.Photo(w, h)
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, m, &jpeg.Options{Quality: 85}); err != nil {
		b.Fatal(err)
	}
	return buf.Bytes()
}

// BenchmarkUploadRoute12MP times POST images/ with a 12-megapixel JPEG, end
// to end: multipart streaming, decode, five WebP encodes, five storage
// writes and the row (target: ≤ 2 s on the 2-core development machine).
func BenchmarkUploadRoute12MP(b *testing.B) {
	s := testutil.NewServer(b)
	u := s.CreateUser(b, "bench")
	data := photoJPEG(b, 4000, 3000)
	path := "/api/v1/orgs/" + u.PersonalOrg + "/images/"
	images.WarmUp() // the WASM WebP encoder compiles once per process
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	start := time.Now()
	for b.Loop() {
		st, body := s.Upload(b, path, u.Token, nil, testutil.FormFile{Field: "file", Name: "photo.jpg", ContentType: "image/jpeg", Data: data})
		if st != http.StatusOK {
			b.Fatalf("%d %s", st, body)
		}
	}
	per := time.Since(start) / time.Duration(b.N)
	b.ReportMetric(per.Seconds(), "s/upload")
	b.Logf("12 MP JPEG (%d KiB) through POST images/: %v per upload (%d runs), all 5 variants stored", len(data)>>10, per.Round(time.Millisecond), b.N)
}
