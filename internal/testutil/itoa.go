package testutil

import "strconv"

// Itoa formats an id for a URL path or a JSON body.
func Itoa(n int64) string { return strconv.FormatInt(n, 10) }
