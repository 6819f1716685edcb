package harness

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// Options are the flags every command has.
type Options struct {
	Bin   string // the apistarter binary
	Out   string // results and process logs
	Short bool   // a smoke run, not a measurement
	PgBin string // initdb and pg_ctl, for the commands that start their own PostgreSQL
}

// NewFlagSet is a command's flag set with -bin, -out and -short registered;
// out is the default of -out and short the meaning of -short.
func NewFlagSet(name, out, short string, o *Options, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.Bin, "bin", "bin/apistarter", "apistarter binary (make build)")
	fs.StringVar(&o.Out, "out", out, "directory for the results and process logs")
	fs.BoolVar(&o.Short, "short", false, short)
	return fs
}

// PgBinFlag registers -pgbin, for the commands that start their own
// PostgreSQL; Parse fills in the default.
func (o *Options) PgBinFlag(fs *flag.FlagSet) {
	fs.StringVar(&o.PgBin, "pgbin", "", "directory of initdb and pg_ctl (default: found with pg_config or under /usr/lib/postgresql)")
}

// Parse parses args, refuses positional arguments and, with -short, gives
// the flags that were not set their short values.
func (o *Options) Parse(fs *flag.FlagSet, args []string, short map[string]string) error {
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	if o.Short {
		set := map[string]bool{}
		fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
		for name, v := range short {
			if !set[name] {
				if err := fs.Set(name, v); err != nil {
					return err
				}
			}
		}
	}
	if o.PgBin == "" && fs.Lookup("pgbin") != nil {
		o.PgBin = FindPgBin()
	}
	return nil
}

// Servers are the flags of the commands that use the machine's shared
// PostgreSQL and Redis.
type Servers struct {
	PgAdmin string
	DB      string
	Redis   string
	RedisDB int
}

// Flags registers -pg, -db, -redis and -redis-db with the command's own
// database name and preferred Redis database.
func (s *Servers) Flags(fs *flag.FlagSet, db string, redisDB int) {
	fs.StringVar(&s.PgAdmin, "pg", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable", "maintenance database of the PostgreSQL server")
	fs.StringVar(&s.DB, "db", db, "database of the run (dropped and recreated)")
	fs.StringVar(&s.Redis, "redis", "127.0.0.1:6379", "Redis server (a database of it is leased and flushed)")
	fs.IntVar(&s.RedisDB, "redis-db", redisDB, "preferred Redis database")
}

// FlagError is the exit code of a bad command line: 0 for -h, else 2.
func FlagError(name string, err error, stderr io.Writer) int {
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	fmt.Fprintf(stderr, "%s: %v\n", name, err)
	return 2
}

// Report is what a command found: a table printed to the terminal, and
// saved with its data as JSON and as Markdown.
type Report struct {
	Name    string // files: <Name>-<time>.json, <Latest>.json, <Latest>.md
	Latest  string // default <Name>-latest
	Started time.Time
	Title   []string   // lines above the table
	Rows    [][]string // the first holds the column names
	Footer  []string   // lines below it
	Data    any        // the JSON
	Pass    bool
}

// Print writes the table.
func (r *Report) Print(w io.Writer) {
	fmt.Fprintf(w, "\n%s\n\n", strings.Join(r.Title, "\n"))
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, cells := range r.Rows {
		fmt.Fprintln(tw, strings.Join(cells, "\t")+"\t")
	}
	_ = tw.Flush()
	if len(r.Footer) > 0 {
		fmt.Fprintf(w, "\n%s\n", strings.Join(r.Footer, "\n"))
	}
}

// Markdown is the same table for the README.
func (r *Report) Markdown() string {
	var b strings.Builder
	for _, line := range r.Title {
		b.WriteString(line + "  \n")
	}
	b.WriteString("\n")
	for i, cells := range r.Rows {
		b.WriteString("| " + strings.Join(cells, " | ") + " |\n")
		if i == 0 {
			b.WriteString(strings.Repeat("|---", len(cells)) + "|\n")
		}
	}
	if len(r.Footer) > 0 {
		b.WriteString("\n")
	}
	for _, line := range r.Footer {
		b.WriteString(line + "  \n")
	}
	return b.String()
}

// Save writes the JSON to dir/<Name>-<time>.json and dir/<Latest>.json and
// the table to dir/<Latest>.md, and returns the first path.
func (r *Report) Save(dir string) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	b, err := json.MarshalIndent(r.Data, "", "  ")
	if err != nil {
		return "", err
	}
	latest := r.Latest
	if latest == "" {
		latest = r.Name + "-latest"
	}
	path := filepath.Join(dir, r.Name+"-"+r.Started.Format("20060102-150405")+".json")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(dir, latest+".md"), []byte(r.Markdown()), 0o644); err != nil {
		return "", err
	}
	return path, os.WriteFile(filepath.Join(dir, latest+".json"), b, 0o644)
}

// Finish prints and saves rep (when there is one, also after an error:
// it shows what there is) and returns the exit code: 1 on an error or a
// failed verdict.
func Finish(name string, rep *Report, err error, dir string, stdout, stderr io.Writer) int {
	if rep != nil {
		rep.Print(stdout)
		if path, werr := rep.Save(dir); werr != nil {
			err = errors.Join(err, werr)
		} else {
			fmt.Fprintf(stdout, "\nresults: %s\n", path)
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", name, err)
		return 1
	}
	if rep == nil || !rep.Pass {
		return 1
	}
	return 0
}

// Counts renders {"500": 2, "503": 1} as "3 (500×2 503×1)", and nothing
// as "0".
func Counts(m map[string]int) string {
	if len(m) == 0 {
		return "0"
	}
	total := 0
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		total += m[k]
		parts = append(parts, fmt.Sprintf("%s×%d", k, m[k]))
	}
	return strconv.Itoa(total) + " (" + strings.Join(parts, " ") + ")"
}

// Mark is ✓ or ✗ for a verdict, nothing for none.
func Mark(pass *bool) string {
	switch {
	case pass == nil:
		return ""
	case *pass:
		return "✓"
	default:
		return "✗"
	}
}
