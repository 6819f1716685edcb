package accounts

import (
	netmail "net/mail"
	"regexp"
	"strings"
	"unicode/utf8"
)

// Field limits, the widths of the users columns.
const (
	maxEmailLength    = 254
	maxUsernameLength = 50
	maxSlugLength     = 50
)

// NormalizeEmail trims and lowercases an address: the stored form.
func NormalizeEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// ValidEmail reports whether a normalised address is a plain
// local@domain.tld address of at most 254 characters.
func ValidEmail(s string) bool {
	if len(s) < 3 || len(s) > maxEmailLength || strings.ContainsAny(s, " <>\"") {
		return false
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return false
		}
	}
	a, err := netmail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != s {
		return false
	}
	local, domain, ok := strings.Cut(s, "@")
	if !ok || local == "" || strings.Contains(domain, "@") {
		return false
	}
	labels := strings.Split(domain, ".")
	if len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if l == "" || strings.HasPrefix(l, "-") || strings.HasSuffix(l, "-") {
			return false
		}
	}
	return true
}

var usernameChars = regexp.MustCompile(`^[A-Za-z0-9._]+$`)

// Username policy messages; clients show them as they are.
const (
	msgUsernameLength = "Username must be 1-50 characters."
	msgUsernameChars  = "Username may only contain letters, numbers, dots, and underscores."
)

// usernameProblem returns why a trimmed username is not acceptable, or "".
func usernameProblem(u string) string {
	if n := utf8.RuneCountInString(u); n < 1 || n > maxUsernameLength {
		return msgUsernameLength
	}
	if !usernameChars.MatchString(u) {
		return msgUsernameChars
	}
	return ""
}
