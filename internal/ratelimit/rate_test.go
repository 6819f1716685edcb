package ratelimit

import (
	"testing"
	"time"
)

func TestParseRate(t *testing.T) {
	for in, want := range map[string]Rate{"60/m": PerMinute(60), "5/h": PerHour(5), "2/s": {2, time.Second}, "1/D": {1, 24 * time.Hour}} {
		got, err := ParseRate(in)
		if err != nil || got != want {
			t.Errorf("ParseRate(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "60", "0/m", "x/m", "5/w", "-1/h"} {
		if _, err := ParseRate(bad); err == nil {
			t.Errorf("ParseRate(%q) accepted", bad)
		}
	}
}

func TestResultHeaders(t *testing.T) {
	denied := Result{Limit: 10, Remaining: 0, RetryAfter: 5200 * time.Millisecond, ResetAfter: time.Minute, limited: true}
	h := denied.Headers()
	if h.Get("Retry-After") != "6" || h.Get("RateLimit-Limit") != "10" || h.Get("RateLimit-Remaining") != "0" || h.Get("RateLimit-Reset") != "60" {
		t.Fatalf("headers %v", h)
	}
	if denied.Err() == nil {
		t.Fatal("denied result has no error")
	}
	ok := Result{Allowed: true, Limit: 10, Remaining: 3, limited: true}
	if ok.Headers().Get("Retry-After") != "" || ok.Err() != nil {
		t.Fatal("allowed result carries Retry-After or an error")
	}
	if len(allowAll().Headers()) != 0 {
		t.Fatal("disabled limiter writes headers")
	}
}

func TestGenerationsStayBounded(t *testing.T) {
	g := newGenerations[int](100)
	for i := range 10000 {
		g.put(string(rune('a'+i%26))+string(rune(i)), i)
		if g.len() > 100 {
			t.Fatalf("%d entries kept, capacity 100", g.len())
		}
	}
	g.put("keep", 1)
	for i := range 49 { // fewer than half: "keep" is still there
		g.put(string(rune(0x1000+i)), i)
	}
	if _, ok := g.get("keep"); !ok {
		t.Fatal("recent key forgotten")
	}
}
