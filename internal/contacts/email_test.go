package contacts

import (
	"strings"
	"testing"
)

func TestValidEmailFollowsDjango(t *testing.T) {
	t.Parallel()
	valid := []string{
		"ada@example.com", "Ada.Lovelace+crm@sub.example.co.uk", "user@localhost", "o'brien@example.ie",
		"user@[127.0.0.1]", "user@[::1]", `"john..doe"@example.com`, "x@xn--80ak6aa92e.com", "x@пример.рф",
		"a@b-c.de", strings.Repeat("a", 64) + "@example.com",
	}
	for _, v := range valid {
		if !validEmail(v) {
			t.Errorf("validEmail(%q) = false, want true", v)
		}
	}
	invalid := []string{
		"", "plainaddress", "@example.com", "a@", "a@b", "a@-b.com", "a@b-.com", "a@b.c", "a@b.c0m",
		"a..b@example.com", ".a@example.com", "a b@example.com", "a@[999.1.1.1]", "a@b..com", "a@b.com.",
		"a@@example.com", `"john doe"@example.com`, "a@exa mple.com", "a\x00@example.com", "a@" + strings.Repeat("x", 64) + ".com",
		strings.Repeat("a", 310) + "@example.com",
	}
	for _, v := range invalid {
		if validEmail(v) {
			t.Errorf("validEmail(%q) = true, want false", v)
		}
	}
}
