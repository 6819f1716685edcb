package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func TestUnknownSubcommandListsTheOthers(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{nil, {"meteor"}} {
		var stderr bytes.Buffer
		if code := run(context.Background(), args, &bytes.Buffer{}, &stderr); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
		for _, c := range subcommands() {
			if !strings.Contains(stderr.String(), c.name) {
				t.Errorf("%v: usage lacks %s:\n%s", args, c.name, stderr.String())
			}
		}
	}
}

func TestSubcommandHelpExitsZero(t *testing.T) {
	t.Parallel()
	for _, c := range subcommands() {
		var stderr bytes.Buffer
		if code := run(context.Background(), []string{c.name, "-h"}, &bytes.Buffer{}, &stderr); code != 0 || !strings.Contains(stderr.String(), "-bin") {
			t.Errorf("%s -h: exit %d\n%s", c.name, code, stderr.String())
		}
	}
}
