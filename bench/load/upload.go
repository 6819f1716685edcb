package load

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"time"

	"apistarter/bench/harness"
)

type uploadResult struct {
	Name    string    `json:"name"`
	Bytes   int       `json:"bytes"`
	Runs    []float64 `json:"seconds"`
	MedianS float64   `json:"median_s"`
	MaxS    float64   `json:"max_s"`
	Errors  int       `json:"errors"`
	Pass    bool      `json:"pass"`
	Note    string    `json:"note"`
}

// measureUpload posts a JPEG (12 megapixels by default) to the image library, one at a
// time: the whole pipeline (sniff, decode, orient, four variants and the
// original as WebP, stored) inside one request.
func measureUpload(ctx context.Context, e *env, rep *report) error {
	o := e.o
	w, h := o.uploadSize[0], o.uploadSize[1]
	img, err := harness.JPEG(w, h)
	if err != nil {
		return err
	}
	body, ct := harness.Multipart("file", "photo.jpg", img)
	res := &uploadResult{Name: fmt.Sprintf("image upload, %.0f MP JPEG (%d×%d)", float64(w*h)/1e6, w, h), Bytes: len(img)}
	for i := range max(o.uploads, 1) {
		start := time.Now()
		st, b, err := e.client.Do(ctx, harness.Request{Method: http.MethodPost, Path: "/api/v1/orgs/" + e.fix.Org.Slug + "/images/",
			Token: e.tokens[0], Body: body, ContentType: ct})
		el := time.Since(start).Seconds()
		if err != nil || st != http.StatusOK {
			res.Errors++
			e.Logf("  upload %d: status %d %v %.200s", i+1, st, err, b)
			continue
		}
		res.Runs = append(res.Runs, el)
	}
	if len(res.Runs) > 0 {
		s := slices.Sorted(slices.Values(res.Runs))
		res.MedianS, res.MaxS = s[len(s)/2], s[len(s)-1]
	}
	res.Pass = res.Errors == 0 && len(res.Runs) > 0 && res.MedianS <= 2 && w*h >= 12_000_000
	res.Note = fmt.Sprintf("%d runs, %.1f MB; median (p50) and max", len(res.Runs)+res.Errors, float64(len(img))/1e6)
	rep.Upload = res
	return nil
}
