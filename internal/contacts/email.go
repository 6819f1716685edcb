package contacts

import (
	"net/netip"
	"regexp"
	"strings"
	"unicode/utf8"
)

// Contact emails are checked with the rules of Django's EmailValidator.
// RE2 has no look-around, so the domain rules are checked label by label.
var emailUserRe = regexp.MustCompile(`(?i)^(?:[-!#$%&'*+/=?^_` + "`" + `{}|~0-9A-Z]+(?:\.[-!#$%&'*+/=?^_` + "`" + `{}|~0-9A-Z]+)*` +
	`|"(?:[\x01-\x08\x0b\x0c\x0e-\x1f!#-\[\]-\x7f]|\\[\x01-\x09\x0b\x0c\x0e-\x7f])*")$`)

// validEmail reports whether Django's validate_email accepts v.
func validEmail(v string) bool {
	if v == "" || utf8.RuneCountInString(v) > 320 {
		return false
	}
	at := strings.LastIndexByte(v, '@')
	if at < 0 {
		return false
	}
	user, domain := v[:at], v[at+1:]
	if !emailUserRe.MatchString(user) {
		return false
	}
	return domain == "localhost" || validDomain(domain) || validLiteral(domain)
}

// validDomain: hostname label, more labels, then a TLD of letters (or an
// xn-- punycode label); labels of letters (any non-ASCII up to U+FFFF),
// digits and inner hyphens, at most 63 characters.
func validDomain(d string) bool {
	labels := strings.Split(d, ".")
	if len(labels) < 2 {
		return false
	}
	for _, l := range labels[:len(labels)-1] {
		if !validLabel(l, true, 1) {
			return false
		}
	}
	tld := labels[len(labels)-1]
	if rest, ok := cutPrefixFold(tld, "xn--"); ok {
		if n := len(rest); n >= 1 && n <= 59 && isASCIIAlnum(rest) {
			return true
		}
	}
	return validLabel(tld, false, 2)
}

func validLabel(l string, digits bool, min int) bool {
	n := utf8.RuneCountInString(l)
	if n < min || n > 63 || strings.HasPrefix(l, "-") || strings.HasSuffix(l, "-") {
		return false
	}
	for _, r := range l {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r == '-', r >= 0xa1 && r <= 0xffff:
		case r >= '0' && r <= '9':
			if !digits {
				return false
			}
		default:
			return false
		}
	}
	return true
}

func validLiteral(d string) bool {
	if len(d) < 3 || d[0] != '[' || d[len(d)-1] != ']' {
		return false
	}
	ip := d[1 : len(d)-1]
	for _, r := range ip {
		if !(r == ':' || r == '.' || (r >= '0' && r <= '9') || (r >= 'a' && r <= 'f') || (r >= 'A' && r <= 'F')) {
			return false
		}
	}
	_, err := netip.ParseAddr(ip)
	return err == nil
}

func cutPrefixFold(s, prefix string) (string, bool) {
	if len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix) {
		return s[len(prefix):], true
	}
	return s, false
}

func isASCIIAlnum(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
			return false
		}
	}
	return true
}
