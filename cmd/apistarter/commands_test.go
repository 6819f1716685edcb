package main

import (
	"bytes"
	"strings"
	"testing"
)

// Command-line mistakes are reported before configuration is read: the
// invalid setting below would otherwise answer first, with a different
// message (and a regression cannot start a server or touch a database).
func TestUsageErrorsExitTwoWithOneLine(t *testing.T) {
	t.Setenv("STORAGE_BACKEND", "floppy")
	for _, c := range []struct {
		name string
		args []string
		want string // the stderr line names the problem
	}{
		{"flag of another command", []string{"serve", "--email", "x"}, "-email"},
		{"unknown flag", []string{"createsuperuser", "--bogus"}, "-bogus"},
		{"missing required flag", []string{"createsuperuser", "--password", "p"}, "--email is required"},
		{"argument to a command without arguments", []string{"worker", "now"}, `"now"`},
		{"argument to version", []string{"version", "x"}, `"x"`},
		{"unknown jobs subcommand", []string{"jobs", "sideways"}, `"sideways"`},
		{"jobs without subcommand", []string{"jobs"}, "missing subcommand"},
		{"jobs run without a name", []string{"jobs", "run"}, "NAME"},
		{"jobs list with an argument", []string{"jobs", "list", "x"}, `"x"`},
		{"unknown migrate action", []string{"migrate", "sideways"}, `"sideways"`},
		{"two migrate actions", []string{"migrate", "up", "down"}, `"down"`},
		{"flag after migrate's action", []string{"migrate", "up", "--bogus"}, `"--bogus"`},
		{"healthcheck with two URLs", []string{"healthcheck", "http://a/", "http://b/"}, `"http://b/"`},
		{"healthcheck with an unknown flag", []string{"healthcheck", "--bogus"}, "-bogus"},
		{"unknown command", []string{"nope"}, `unknown command "nope"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := run(c.args, &out, &errb)
			if code != 2 {
				t.Errorf("exit %d, want 2; stderr: %s", code, errb.String())
			}
			msg := errb.String()
			if strings.Count(msg, "\n") != 1 || !strings.Contains(msg, c.want) || !strings.Contains(msg, "--help") {
				t.Errorf("stderr %q: want one line naming %s with a --help hint", msg, c.want)
			}
			if out.Len() != 0 {
				t.Errorf("stdout %q, want nothing", out.String())
			}
		})
	}
}

func TestCommandHelpExitsZero(t *testing.T) {
	t.Setenv("STORAGE_BACKEND", "floppy")
	for _, c := range []struct {
		args []string
		want []string // in the help text, on stderr
	}{
		{[]string{"version", "--help"}, []string{"Usage: apistarter version"}},
		{[]string{"serve", "-h"}, []string{"Usage: apistarter serve"}},
		{[]string{"createsuperuser", "--help"}, []string{"Usage: apistarter createsuperuser --email E", "-email", "-password"}},
		{[]string{"seed-demo", "--help"}, []string{"Usage: apistarter seed-demo", "-email"}},
		{[]string{"migrate", "up", "--help"}, []string{"Usage: apistarter migrate [up|down|status]"}},
		{[]string{"jobs", "run", "-h"}, []string{"Usage: apistarter jobs list | jobs run NAME"}},
		{[]string{"healthcheck", "--help"}, []string{"Usage: apistarter healthcheck [URL]"}},
	} {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			var out, errb bytes.Buffer
			if code := run(c.args, &out, &errb); code != 0 {
				t.Errorf("exit %d, want 0; stderr: %s", code, errb.String())
			}
			for _, w := range c.want {
				if !strings.Contains(errb.String(), w) {
					t.Errorf("help %q lacks %q", errb.String(), w)
				}
			}
			if strings.Contains(errb.String(), "-email") && c.args[0] != "createsuperuser" && c.args[0] != "seed-demo" {
				t.Errorf("help of %s lists --email:\n%s", c.args[0], errb.String())
			}
			if out.Len() != 0 {
				t.Errorf("stdout %q, want nothing (help goes to stderr)", out.String())
			}
		})
	}
}
