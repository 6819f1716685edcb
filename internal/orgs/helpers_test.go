package orgs_test

import (
	"strconv"
	"strings"
)

func contains(s, sub string) bool { return strings.Contains(s, sub) }

func replaceAll(s string, oldnew ...string) string { return strings.NewReplacer(oldnew...).Replace(s) }

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
