package textnorm

import (
	"crypto/rand"
	"encoding/hex"
	"strconv"
)

// Cut returns s cut to at most n runes.
func Cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n])
}

// Numbered returns candidates from to to-1 of the unique-name sequence
// base, base<sep>1, base<sep>2 …, each cut so that the whole value fits max.
func Numbered(base, sep string, from, to, max int) []string {
	base = Cut(base, max)
	out := make([]string, 0, to-from)
	for i := from; i < to; i++ {
		if i == 0 {
			out = append(out, base)
			continue
		}
		suffix := sep + strconv.Itoa(i)
		out = append(out, Cut(base, max-len(suffix))+suffix)
	}
	return out
}

// RandomSuffixed is <base[:41]><sep><8 hex>, the retry form after a unique
// race.
func RandomSuffixed(base, sep string) string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return Cut(base, 41) + sep + hex.EncodeToString(b[:])
}
