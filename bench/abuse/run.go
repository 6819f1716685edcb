// Package abuse (`bench abuse`, make abuse) runs the real binary while one
// user floods it with image work (concurrent bulk and avatar uploads of
// maximum-size images) and a second user polls GET /users/me and
// /health/ready/. It reports the second user's latency, readiness
// failures, the process's peak RSS against the image budget and the number
// of 503s, and exits 1 when readiness or the second user failed or the
// peak RSS went over the ceiling.
//
//	make abuse
//	make abuse ABUSE_ARGS='-bulk 10 -avatars 10'
//	go run ./bench abuse -measure   # peak memory of decoding 40 MP files
package abuse

import (
	"context"
	"fmt"
	"io"

	"apistarter/bench/harness"
)

// options are the knobs of the full-size run.
type options struct {
	harness.Options
	harness.Servers
	bulk       int // concurrent bulk uploads
	avatars    int // concurrent avatar uploads
	filesEach  int // files per bulk upload
	width      int
	height     int
	budgetMiB  int
	ceilingMiB int // the process's peak RSS must stay under this
}

// Run is `bench abuse`; it returns the exit code.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o := &options{}
	fs := harness.NewFlagSet("abuse", "var/abuse", "a small flood (a smoke run)", &o.Options, stderr)
	o.Servers.Flags(fs, "apistarter_abuse", 13)
	measure := fs.Bool("measure", false, "measure the peak memory of decoding 40 MP files instead")
	measureOnePath := fs.String("measure-one", "", "internal: measure one file in this process")
	measureMode := fs.String("measure-mode", "library", "internal: decode, library or avatar")
	fs.IntVar(&o.bulk, "bulk", 30, "concurrent bulk uploads")
	fs.IntVar(&o.avatars, "avatars", 30, "concurrent avatar uploads")
	fs.IntVar(&o.filesEach, "files", 2, "files per bulk upload")
	fs.IntVar(&o.width, "width", 8000, "image width")
	fs.IntVar(&o.height, "height", 5000, "image height (8000×5000 is the 40 MP limit)")
	fs.IntVar(&o.budgetMiB, "budget-mib", 768, "IMAGE_MEMORY_BUDGET_MIB of the server")
	fs.IntVar(&o.ceilingMiB, "ceiling-mib", 1024, "the server's peak RSS must stay under this")
	err := o.Parse(fs, args, map[string]string{"bulk": "2", "avatars": "2", "files": "1", "width": "1000", "height": "750"})
	if err != nil {
		return harness.FlagError("abuse", err, stderr)
	}
	switch {
	case *measureOnePath != "":
		err = measureOne(*measureOnePath, *measureMode, stdout)
	case *measure:
		err = measureAll(ctx, stdout)
	default:
		rep, err := flood(ctx, o, stderr)
		return harness.Finish("abuse", rep, err, o.Out, stdout, stderr)
	}
	if err != nil {
		fmt.Fprintln(stderr, "abuse:", err)
		return 1
	}
	return 0
}
