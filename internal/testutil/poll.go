package testutil

import (
	"testing"
	"time"
)

// pollInterval is how often Poll and Eventually check their condition.
const pollInterval = 10 * time.Millisecond

// Poll checks cond until it holds or timeout passes, and reports whether it
// held: for waits whose failure a test reports in its own terms.
func Poll(timeout time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(pollInterval)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		<-tick.C
	}
	return true
}

// Eventually fails the test unless cond holds within timeout; what names the
// awaited state in the failure.
func Eventually(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	if !Poll(timeout, cond) {
		t.Fatalf("timed out after %v waiting for: %s", timeout, what)
	}
}
