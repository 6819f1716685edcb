package accounts

import (
	_ "embed"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"apistarter/internal/apperr"
)

// commonPasswordsFile is a subset of Django's ~20,000 common passwords: the
// 10,000 most frequent ones of the public xato 10-million-password dataset
// (as ranked by zxcvbn), lowercased, one per line.
//
//go:embed common_passwords.txt
var commonPasswordsFile string

// minPasswordLength is the shortest password accepted.
const minPasswordLength = 8

// maxSimilarity is Django's UserAttributeSimilarityValidator default.
const maxSimilarity = 0.7

// PasswordPolicy applies Django's four default validators, in their order,
// with their messages: attribute similarity, minimum length, common
// password, entirely numeric.
type PasswordPolicy struct {
	common map[string]struct{}
}

// NewPasswordPolicy loads the embedded common-password list.
func NewPasswordPolicy() *PasswordPolicy {
	p := &PasswordPolicy{common: make(map[string]struct{}, 10000)}
	for _, line := range strings.Split(commonPasswordsFile, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			p.common[line] = struct{}{}
		}
	}
	return p
}

// UserAttributes are what a password must not resemble.
type UserAttributes struct {
	Username, FirstName, LastName, Email string
}

// Validate returns a 400 whose detail is every failed rule's message joined
// by spaces, or nil.
func (p *PasswordPolicy) Validate(password string, u UserAttributes) error {
	var msgs []string
	if m := similarityMessage(password, u); m != "" {
		msgs = append(msgs, m)
	}
	if utf8.RuneCountInString(password) < minPasswordLength {
		msgs = append(msgs, "This password is too short. It must contain at least 8 characters.")
	}
	if _, ok := p.common[strings.ToLower(strings.TrimSpace(password))]; ok {
		msgs = append(msgs, "This password is too common.")
	}
	if isAllDigits(password) {
		msgs = append(msgs, "This password is entirely numeric.")
	}
	if len(msgs) == 0 {
		return nil
	}
	return apperr.Invalid(strings.Join(msgs, " "))
}

func isAllDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !unicode.IsDigit(r) {
			return false
		}
	}
	return true
}

var nonWord = regexp.MustCompile(`[^\p{L}\p{N}_]+`)

// similarityMessage is Django's UserAttributeSimilarityValidator: each
// attribute and each of its word parts is compared with the lowercased
// password by difflib's SequenceMatcher.quick_ratio (the same bound Django
// uses); a ratio ≥ 0.7 fails, except for parts so short next to the password
// that they cannot make it similar.
func similarityMessage(password string, u UserAttributes) string {
	pw := []rune(strings.ToLower(password))
	attrs := []struct{ value, name string }{
		{u.Username, "username"}, {u.FirstName, "first name"}, {u.LastName, "last name"}, {u.Email, "email address"},
	}
	for _, a := range attrs {
		if a.value == "" {
			continue
		}
		lower := strings.ToLower(a.value)
		parts := append(nonWord.Split(lower, -1), lower)
		for _, part := range parts {
			v := []rune(part)
			if exceedsMaximumLengthRatio(len(pw), len(v)) {
				continue
			}
			if quickRatio(pw, v) >= maxSimilarity {
				return "The password is too similar to the " + a.name + "."
			}
		}
	}
	return ""
}

// exceedsMaximumLengthRatio: a value much shorter than the password cannot
// make it too similar (Django ≥ 4.0).
func exceedsMaximumLengthRatio(pwLen, valueLen int) bool {
	lengthBound := maxSimilarity / 2 * float64(pwLen)
	return pwLen >= 10*valueLen && float64(valueLen) < lengthBound
}

// quickRatio is difflib.SequenceMatcher(a, b).quick_ratio(): 2·M/T where M
// counts the characters the two share as multisets and T is the total length.
func quickRatio(a, b []rune) float64 {
	total := len(a) + len(b)
	if total == 0 {
		return 1
	}
	avail := make(map[rune]int, len(b))
	for _, r := range b {
		avail[r]++
	}
	matches := 0
	for _, r := range a {
		if avail[r] > 0 {
			avail[r]--
			matches++
		}
	}
	return 2 * float64(matches) / float64(total)
}
