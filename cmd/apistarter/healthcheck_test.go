package main

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestHealthcheckExitCodeFollowsReadiness(t *testing.T) {
	for _, c := range []struct {
		status int
		code   int
	}{{http.StatusOK, 0}, {http.StatusServiceUnavailable, 1}} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != "/health/ready/" {
				http.NotFound(w, r)
				return
			}
			w.WriteHeader(c.status)
		}))
		// Default URL: HTTP_ADDR's port on loopback.
		t.Setenv("HTTP_ADDR", ":"+srv.URL[strings.LastIndex(srv.URL, ":")+1:])
		var out, errb bytes.Buffer
		if got := run([]string{"healthcheck"}, &out, &errb); got != c.code {
			t.Errorf("ready answers %d: exit %d, want %d (%s)", c.status, got, c.code, errb.String())
		}
		if got := run([]string{"healthcheck", srv.URL + "/health/ready/"}, &out, &errb); got != c.code {
			t.Errorf("ready answers %d, explicit URL: exit %d, want %d", c.status, got, c.code)
		}
		srv.Close()
	}
	var out, errb bytes.Buffer
	if got := run([]string{"healthcheck", "http://127.0.0.1:1/health/ready/"}, &out, &errb); got != 1 {
		t.Errorf("nothing listening: exit %d, want 1", got)
	}
}
