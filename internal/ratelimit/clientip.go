package ratelimit

import (
	"fmt"
	"net"
	"net/netip"
	"strings"
)

// IPResolver finds the client address of a request. X-Forwarded-For is only
// believed when the TCP peer is a trusted proxy; the client is then the
// right-most address that is not itself a trusted proxy, so a client cannot
// choose its own identity by sending the header.
type IPResolver struct {
	trusted []netip.Prefix
}

// NewIPResolver parses TRUSTED_PROXIES entries: IPs or CIDRs.
func NewIPResolver(entries []string) (*IPResolver, error) {
	r := &IPResolver{}
	for _, e := range entries {
		e = strings.TrimSpace(e)
		if e == "" {
			continue
		}
		if p, err := netip.ParsePrefix(e); err == nil {
			r.trusted = append(r.trusted, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(e)
		if err != nil {
			return nil, fmt.Errorf("ratelimit: TRUSTED_PROXIES: %q is neither an IP nor a CIDR", e)
		}
		a = a.Unmap()
		r.trusted = append(r.trusted, netip.PrefixFrom(a, a.BitLen()))
	}
	return r, nil
}

func (r *IPResolver) isTrusted(a netip.Addr) bool {
	for _, p := range r.trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// ClientIP returns the client address for a request from remoteAddr
// ("host:port") carrying the given X-Forwarded-For values (all header lines).
func (r *IPResolver) ClientIP(remoteAddr string, forwardedFor []string) string {
	peer, ok := parseAddr(remoteAddr)
	if !ok {
		return remoteAddr
	}
	if len(r.trusted) == 0 || !r.isTrusted(peer) {
		return peer.String()
	}
	var hops []string
	for _, v := range forwardedFor {
		hops = append(hops, strings.Split(v, ",")...)
	}
	client := peer
	for i := len(hops) - 1; i >= 0; i-- {
		a, ok := parseAddr(strings.TrimSpace(hops[i]))
		if !ok {
			break // garbage: keep the last address a trusted hop vouched for
		}
		client = a
		if !r.isTrusted(a) {
			break
		}
	}
	return client.String()
}

// parseAddr accepts "ip", "ip:port" and "[ipv6]:port".
func parseAddr(s string) (netip.Addr, bool) {
	if a, err := netip.ParseAddr(s); err == nil {
		return a.Unmap(), true
	}
	if host, _, err := net.SplitHostPort(s); err == nil {
		if a, err := netip.ParseAddr(host); err == nil {
			return a.Unmap(), true
		}
	}
	return netip.Addr{}, false
}

// ipIdent is the rate-limit identity of a client address: IPv6 clients are
// grouped by /64, the block one subscriber usually controls.
func ipIdent(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return "ip:" + ip
	}
	if a.Is6() {
		p, _ := a.Prefix(64)
		return "ip6:" + p.String()
	}
	return "ip:" + a.String()
}

// NetworkIdent is the client network of an address: its /24 for IPv4 and
// its /64 for IPv6, the blocks one subscriber usually holds. Unparsable
// input is kept as is.
func NetworkIdent(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return "net:" + ip
	}
	a = a.Unmap()
	bits := 24
	if a.Is6() {
		bits = 64
	}
	p, _ := a.Prefix(bits)
	return "net:" + p.String()
}
