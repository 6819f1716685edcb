package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"time"
)

// healthcheck asks a running serve process for /health/ready/ (or the URL given)
// and exits 0 on 200, 1 otherwise. The image has no shell or curl, so container
// health checks (compose, podman) call the binary itself.
func healthcheck(args []string, stdout, stderr io.Writer) int {
	url := ""
	switch len(args) {
	case 0:
		addr := os.Getenv("HTTP_ADDR")
		if addr == "" {
			addr = ":8000"
		}
		host, port, err := net.SplitHostPort(addr)
		if err != nil {
			fmt.Fprintf(stderr, "healthcheck: HTTP_ADDR %q: %v\n", addr, err)
			return 2
		}
		if host == "" || host == "0.0.0.0" || host == "::" {
			host = "127.0.0.1"
		}
		url = "http://" + net.JoinHostPort(host, port) + "/health/ready/"
	case 1:
		url = args[0]
	default:
		fmt.Fprintln(stderr, "Usage: apistarter healthcheck [URL]")
		return 2
	}
	client := &http.Client{Timeout: 3 * time.Second}
	resp, err := client.Get(url)
	if err != nil {
		fmt.Fprintf(stderr, "healthcheck: %v\n", err)
		return 1
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		fmt.Fprintf(stderr, "healthcheck: %s answered %d\n", url, resp.StatusCode)
		return 1
	}
	fmt.Fprintln(stdout, "ok")
	return 0
}
