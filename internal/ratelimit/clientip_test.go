package ratelimit

import "testing"

func TestClientIP(t *testing.T) {
	r, err := NewIPResolver([]string{"10.0.0.0/8", "192.168.1.5", "fd00::/8"})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name   string
		remote string
		xff    []string
		want   string
	}{
		{"untrusted peer: header ignored", "203.0.113.9:5555", []string{"1.2.3.4"}, "203.0.113.9"},
		{"trusted peer, one hop", "10.1.2.3:80", []string{"198.51.100.7"}, "198.51.100.7"},
		{"client cannot spoof through a trusted proxy", "10.1.2.3:80", []string{"6.6.6.6, 198.51.100.7"}, "198.51.100.7"},
		{"chain of trusted proxies", "10.1.2.3:80", []string{"198.51.100.7, 192.168.1.5", "10.9.9.9"}, "198.51.100.7"},
		{"trusted peer without header", "192.168.1.5:1234", nil, "192.168.1.5"},
		{"garbage stops the walk", "10.1.2.3:80", []string{"1.1.1.1, garbage"}, "10.1.2.3"},
		{"all trusted: leftmost", "10.1.2.3:80", []string{"10.0.0.1, 10.0.0.2"}, "10.0.0.1"},
		{"ipv6 peer", "[2001:db8::1]:443", []string{"1.2.3.4"}, "2001:db8::1"},
		{"ipv4-mapped", "[::ffff:10.0.0.1]:80", []string{"198.51.100.7"}, "198.51.100.7"},
		{"entry with port", "10.1.2.3:80", []string{"198.51.100.7:4444"}, "198.51.100.7"},
	}
	for _, c := range cases {
		if got := r.ClientIP(c.remote, c.xff); got != c.want {
			t.Errorf("%s: ClientIP = %q, want %q", c.name, got, c.want)
		}
	}
}

func TestNoTrustedProxiesMeansPeerAddress(t *testing.T) {
	r, _ := NewIPResolver(nil)
	if got := r.ClientIP("203.0.113.9:1", []string{"1.2.3.4"}); got != "203.0.113.9" {
		t.Fatalf("got %q", got)
	}
}

func TestBadTrustedProxyEntry(t *testing.T) {
	if _, err := NewIPResolver([]string{"10.0.0.0/8", "not-an-ip"}); err == nil {
		t.Fatal("malformed TRUSTED_PROXIES accepted")
	}
}

func TestIPv6ClientsShareTheirSlash64(t *testing.T) {
	if ipIdent("2001:db8:1:2:aaaa::1") != ipIdent("2001:db8:1:2:bbbb::9") {
		t.Fatal("two addresses of one /64 count separately")
	}
	if ipIdent("2001:db8:1:2::1") == ipIdent("2001:db8:1:3::1") {
		t.Fatal("two /64s share a bucket")
	}
	if ipIdent("198.51.100.7") != "ip:198.51.100.7" {
		t.Fatal(ipIdent("198.51.100.7"))
	}
}

func TestNetworkIdentGroupsBySubscriberBlock(t *testing.T) {
	cases := []struct{ a, b string }{
		{"198.51.100.7", "198.51.100.200"},
		{"2001:db8:1:2:aaaa::1", "2001:db8:1:2:bbbb::9"},
		{"::ffff:198.51.100.7", "198.51.100.9"},
	}
	for _, c := range cases {
		if NetworkIdent(c.a) != NetworkIdent(c.b) {
			t.Errorf("%s and %s are in different networks: %s, %s", c.a, c.b, NetworkIdent(c.a), NetworkIdent(c.b))
		}
	}
	for _, c := range []struct{ a, b string }{{"198.51.100.7", "198.51.101.7"}, {"2001:db8:1:2::1", "2001:db8:1:3::1"}} {
		if NetworkIdent(c.a) == NetworkIdent(c.b) {
			t.Errorf("%s and %s share a network", c.a, c.b)
		}
	}
	if NetworkIdent("198.51.100.7") != "net:198.51.100.0/24" {
		t.Fatal(NetworkIdent("198.51.100.7"))
	}
}
