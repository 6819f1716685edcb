package abuse

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"apistarter/bench/harness"
	"apistarter/internal/images"
)

// The -measure mode decodes and processes one 40 MP file per child process
// (a fresh process each, so one file's peak does not hide another's) and
// prints the peak RSS (VmHWM) and peak Go HeapInuse above the process's
// idle baseline: the figures behind images.Estimate and the default budget.

// measureW×measureH is the largest image the upload limits accept (40 MP).
const measureW, measureH = 8000, 5000

type sample struct {
	name string
	data []byte
}

// measureSamples builds the measured files in dir: a baseline JPEG, the same
// made progressive by jpegtran (when installed), an 8-bit RGB PNG and a
// 16-bit RGBA PNG (the largest decoded form an accepted file can have).
func measureSamples(dir string) ([]sample, error) {
	base, err := smoothJPEG(measureW, measureH)
	if err != nil {
		return nil, err
	}
	out := []sample{{"jpeg-baseline", base}}
	if path, err := exec.LookPath("jpegtran"); err == nil {
		in := filepath.Join(dir, "base.jpg")
		if err := os.WriteFile(in, base, 0o600); err != nil {
			return nil, err
		}
		prog, err := exec.Command(path, "-progressive", "-copy", "none", in).Output()
		if err != nil {
			return nil, fmt.Errorf("jpegtran: %w", err)
		}
		out = append(out, sample{"jpeg-progressive", prog})
	}
	rgb := image.NewRGBA(image.Rect(0, 0, measureW, measureH))
	rgba16 := image.NewNRGBA64(image.Rect(0, 0, measureW, measureH))
	for y := range measureH {
		for x := range measureW {
			v := uint8((x + y) >> 6)
			rgb.SetRGBA(x, y, color.RGBA{v, uint8(x >> 5), uint8(y >> 5), 255})
			rgba16.SetNRGBA64(x, y, color.NRGBA64{uint16(x) << 3, uint16(y) << 3, uint16(x+y) << 2, 0xffff - uint16(x)})
		}
	}
	for _, p := range []struct {
		name string
		img  image.Image
	}{{"png-rgb8", rgb}, {"png-rgba16", rgba16}} {
		var buf bytes.Buffer
		if err := (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(&buf, p.img); err != nil {
			return nil, err
		}
		out = append(out, sample{p.name, buf.Bytes()})
	}
	return out, nil
}

// smoothJPEG is a photo-like 4:2:0 JPEG small enough (well under 10 MiB)
// to pass the upload limits at 40 MP.
func smoothJPEG(w, h int) ([]byte, error) {
	return harness.JPEGOf(w, h, 80, func(x, y int) uint8 { return uint8((x/7 + y/5 + (x^y)&7) & 255) })
}

// measureAll runs one child per sample and mode and prints the table.
func measureAll(ctx context.Context, stdout io.Writer) error {
	dir, err := os.MkdirTemp("", "abuse-measure-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	samples, err := measureSamples(dir)
	if err != nil {
		return err
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%-18s %-9s %10s %14s %14s %14s %s\n", "file", "mode", "size", "peak RSS MiB", "Δ RSS MiB", "peak heap MiB", "estimate MiB")
	for _, s := range samples {
		path := filepath.Join(dir, s.name)
		if err := os.WriteFile(path, s.data, 0o600); err != nil {
			return err
		}
		for _, mode := range []string{"decode", "library", "avatar"} {
			out, err := exec.CommandContext(ctx, self, "abuse", "-measure-one", path, "-measure-mode", mode).Output()
			if err != nil {
				return fmt.Errorf("%s %s: %w: %s", s.name, mode, err, out)
			}
			f := strings.Fields(string(out))
			if len(f) != 4 {
				return fmt.Errorf("%s %s: unexpected output %q", s.name, mode, out)
			}
			fmt.Fprintf(stdout, "%-18s %-9s %9.1fM %14s %14s %14s %s\n", s.name, mode, float64(len(s.data))/(1<<20), f[0], f[1], f[2], f[3])
		}
	}
	return nil
}

// measureOne is the child: it processes path once and prints peak RSS,
// RSS growth over the idle baseline, peak HeapInuse and the budget's
// estimate for the file, all in MiB.
func measureOne(path, mode string, stdout io.Writer) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	images.WarmUp()
	runtime.GC()
	baseline := procStatus("VmRSS")
	var peakHeap atomic.Uint64
	done := make(chan struct{})
	go func() {
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peakHeap.Load() {
				peakHeap.Store(ms.HeapInuse)
			}
			select {
			case <-done:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()
	lim := images.DefaultLimits()
	est, err := images.EstimateFile(data, lim, mode == "avatar")
	if err != nil {
		return err
	}
	switch mode {
	case "decode":
		_, _, err = image.Decode(bytes.NewReader(data))
	case "library":
		_, err = images.Process(data, lim)
	case "avatar":
		_, _, err = images.ProcessAvatar(data, lim)
	}
	close(done)
	note := ""
	if err != nil {
		note = "(failed:" + strings.ReplaceAll(err.Error(), " ", "_") + ")"
	}
	hwm := procStatus("VmHWM")
	mib := func(b int64) string { return strconv.FormatFloat(float64(b)/(1<<20), 'f', 0, 64) }
	fmt.Fprintln(stdout, mib(hwm), mib(hwm-baseline), mib(int64(peakHeap.Load())), mib(est)+note)
	return nil
}

// procStatus reads a "kB" field of /proc/self/status in bytes (0 if absent).
func procStatus(field string) int64 { return harness.ProcStatus("/proc/self/status", field) }
