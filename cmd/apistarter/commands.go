package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
)

// invocation is a command line that parsed: the command, its flag values
// and its checked arguments.
type invocation struct {
	cmd      string
	args     []string
	email    string
	password string
}

// command describes one subcommand: its own flags and the arguments it takes.
type command struct {
	synopsis string // after "apistarter "
	about    string
	// flags defines the command's flags, writing into inv; nil: none.
	flags func(fs *flag.FlagSet, inv *invocation)
	// check validates the parsed invocation; nil: no arguments allowed.
	check func(inv *invocation) error
}

var commands = map[string]command{
	"serve":     {synopsis: "serve", about: "Run the HTTP API on HTTP_ADDR, with OpenAPI docs, health and the queue dashboard."},
	"worker":    {synopsis: "worker", about: "Run the background task worker and the outbox relay."},
	"scheduler": {synopsis: "scheduler", about: "Enqueue periodic jobs (safe to run several)."},
	"dev":       {synopsis: "dev", about: "Migrate, then run the API, worker and scheduler in one process."},
	"migrate": {
		synopsis: "migrate [up|down|status]",
		about:    "Apply (up, the default), roll back one (down) or list (status) database migrations.",
		check:    checkMigrate,
	},
	"createsuperuser": {
		synopsis: "createsuperuser --email E [--password P]",
		about:    "Create a platform admin, verified and active.",
		flags: func(fs *flag.FlagSet, inv *invocation) {
			fs.StringVar(&inv.email, "email", "", "email address (required)")
			fs.StringVar(&inv.password, "password", "", "password (read from APISTARTER_PASSWORD when empty)")
		},
		check: func(inv *invocation) error {
			if err := noArgs(inv); err != nil {
				return err
			}
			if inv.email == "" {
				return errors.New("--email is required")
			}
			return nil
		},
	},
	"seed-demo": {
		synopsis: "seed-demo [--email E] [--password P]",
		about:    "Create a demo user, the group organization demo-team, contacts and tags.",
		flags: func(fs *flag.FlagSet, inv *invocation) {
			fs.StringVar(&inv.email, "email", "", "demo user's email address (default demo@example.com)")
			fs.StringVar(&inv.password, "password", "", "demo user's password (generated and printed when empty)")
		},
	},
	"jobs": {
		synopsis: "jobs list | jobs run NAME",
		about:    "List the periodic jobs and their schedules, or run one now.",
		check:    checkJobs,
	},
	"healthcheck": {
		synopsis: "healthcheck [URL]",
		about:    "Exit 0 when URL (default: /health/ready/ on HTTP_ADDR) answers 200.",
		check:    maxArgs(1),
	},
	"version": {synopsis: "version", about: "Print the version."},
}

// usageError is a command-line mistake: one line on stderr, exit code 2.
type usageError struct {
	cmd     string // "" before a command is known
	problem string
}

func (e *usageError) Error() string {
	if e.cmd == "" {
		return fmt.Sprintf("apistarter: %s; run \"apistarter --help\" for usage", e.problem)
	}
	return fmt.Sprintf("apistarter %s: %s; run \"apistarter %s --help\" for usage", e.cmd, e.problem, e.cmd)
}

// parse checks a command line before anything is configured or connected.
// It returns flag.ErrHelp after printing the command's help to stderr, or a
// *usageError.
func parse(args []string, stderr io.Writer) (*invocation, error) {
	name, rest := args[0], args[1:]
	c, ok := commands[name]
	if !ok {
		return nil, &usageError{problem: fmt.Sprintf("unknown command %q", name)}
	}
	inv := &invocation{cmd: name}
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	// Errors come back as one line below; help is printed on request only.
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	if c.flags != nil {
		c.flags(fs, inv)
	}
	err := fs.Parse(rest)
	// Parsing stops at the first argument, so "migrate up --help" asks for help too.
	if errors.Is(err, flag.ErrHelp) || slices.ContainsFunc(fs.Args(), isHelpFlag) {
		printCommandHelp(stderr, c, fs)
		return nil, flag.ErrHelp
	}
	if err != nil {
		return nil, &usageError{cmd: name, problem: err.Error()}
	}
	inv.args = fs.Args()
	check := c.check
	if check == nil {
		check = noArgs
	}
	if err := check(inv); err != nil {
		return nil, &usageError{cmd: name, problem: err.Error()}
	}
	return inv, nil
}

func isHelpFlag(arg string) bool {
	switch arg {
	case "-h", "-help", "--help", "--h":
		return true
	}
	return false
}

func printCommandHelp(w io.Writer, c command, fs *flag.FlagSet) {
	fmt.Fprintf(w, "Usage: apistarter %s\n\n%s\n", c.synopsis, c.about)
	hasFlags := false
	fs.VisitAll(func(*flag.Flag) { hasFlags = true })
	if hasFlags {
		fmt.Fprintln(w, "\nFlags:")
		fs.SetOutput(w)
		fs.PrintDefaults()
	}
}

func noArgs(inv *invocation) error {
	return maxArgs(0)(inv)
}

func maxArgs(n int) func(*invocation) error {
	return func(inv *invocation) error {
		if len(inv.args) > n {
			return fmt.Errorf("unexpected argument %q", inv.args[n])
		}
		return nil
	}
}

func checkMigrate(inv *invocation) error {
	if err := maxArgs(1)(inv); err != nil {
		return err
	}
	if len(inv.args) == 1 {
		switch inv.args[0] {
		case "up", "down", "status":
		default:
			return fmt.Errorf("unknown action %q (want up, down or status)", inv.args[0])
		}
	}
	return nil
}

func checkJobs(inv *invocation) error {
	if len(inv.args) == 0 {
		return errors.New("missing subcommand (list or run NAME)")
	}
	switch sub, rest := inv.args[0], inv.args[1:]; sub {
	case "list":
		if len(rest) > 0 {
			return fmt.Errorf("unexpected argument %q", rest[0])
		}
	case "run":
		if len(rest) == 0 {
			return errors.New("jobs run needs a job NAME (see: apistarter jobs list)")
		}
		if len(rest) > 1 {
			return fmt.Errorf("unexpected argument %q", rest[1])
		}
		if strings.HasPrefix(rest[0], "-") {
			return fmt.Errorf("unknown flag %q", rest[0])
		}
	default:
		return fmt.Errorf("unknown subcommand %q (want list or run NAME)", sub)
	}
	return nil
}
