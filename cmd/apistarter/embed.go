package main

// The container image is an empty base (no /etc/ssl, no /usr/share/zoneinfo): the
// binary carries its own time zone database and CA roots. The roots are used only
// when the system has none, so hosts with a CA bundle (and SSL_CERT_FILE) keep theirs.
import (
	_ "time/tzdata"

	_ "golang.org/x/crypto/x509roots/fallback"
)
