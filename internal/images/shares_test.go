package images_test

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"apistarter/internal/images"
	"apistarter/internal/testutil"
)

func TestShareLinks(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	img := e.upload(t, "a.png")
	shares := fmt.Sprintf("%s/images/%d/shares", e.org, img.ID)
	create := func(body string) images.ShareOut {
		t.Helper()
		st, out := e.call(t, "POST", shares, e.alice.Token, body, nil)
		if st != 200 {
			t.Fatalf("create %s: %d %s", body, st, out)
		}
		return testutil.Decode[images.ShareOut](t, out)
	}
	resolve := func(token string) (int, string) {
		return e.call(t, "POST", "/api/v1/shared/images/resolve/", "", fmt.Sprintf(`{"token":%q}`, token), nil)
	}

	def := create(`{}`)
	if len(def.Token) != 43 || def.ImageID != img.ID || def.RevokedAt != nil ||
		def.ExpiresAt == nil || def.ExpiresAt.Sub(def.CreatedAt).Round(time.Minute) != 7*24*time.Hour {
		t.Errorf("default share: %+v", def)
	}
	sum := sha256.Sum256([]byte(def.Token))
	if n := testutil.Scalar[int64](t, e.s, `SELECT count(*) FROM image_share_links WHERE token_hash = $1`, hex.EncodeToString(sum[:])); n != 1 {
		t.Errorf("token hash not stored")
	}
	if n := testutil.Scalar[int64](t, e.s, `SELECT count(*) FROM image_share_links WHERE token_hash = $1`, def.Token); n != 0 {
		t.Errorf("raw token stored")
	}
	short := create(`{"expires_in_seconds":60}`)
	if got := short.ExpiresAt.Sub(short.CreatedAt).Round(time.Second); got != time.Minute {
		t.Errorf("60 s share lives %v", got)
	}
	if n := create(`{"expires_in_seconds":null}`); n.ExpiresAt.Sub(n.CreatedAt).Round(time.Minute) != 7*24*time.Hour {
		t.Errorf("null lifetime: %+v", n)
	}

	st, body := resolve(def.Token)
	if st != 200 || !strings.Contains(body, fmt.Sprintf(`"image_id":%d`, img.ID)) || !strings.Contains(body, `"thumb":"http`) {
		t.Errorf("resolve: %d %s", st, body)
	}

	bob := e.s.CreateUser(t, "bob")
	tok := e.alice.Token
	e.s.Run(t, []testutil.Scenario{
		{Name: "lifetime under a minute", Method: "POST", URL: shares, Token: tok, Body: `{"expires_in_seconds":59}`, ExpectedStatus: 400},
		{Name: "lifetime over 30 days", Method: "POST", URL: shares, Token: tok, Body: `{"expires_in_seconds":2592001}`, ExpectedStatus: 400},
		{Name: "maximum lifetime", Method: "POST", URL: shares, Token: tok, Body: `{"expires_in_seconds":2592000}`, ExpectedStatus: 200},
		{Name: "no body", Method: "POST", URL: shares, Token: tok, ExpectedStatus: 400, ExpectedBody: []string{`"location":["body"]`}},
		{Name: "unknown field", Method: "POST", URL: shares, Token: tok, Body: `{"ttl":60}`, ExpectedStatus: 400},
		{Name: "unknown image", Method: "POST", URL: e.org + "/images/99999/shares", Token: tok, Body: `{}`, ExpectedStatus: 404,
			ExpectedBody: []string{`{"detail":"Not Found"}`}},
		{Name: "outsider", Method: "POST", URL: shares, Token: bob.Token, Body: `{}`, ExpectedStatus: 404, ExpectedBody: []string{`{"detail":"Organization not found"}`}},
		{Name: "revoke", Method: "DELETE", URL: fmt.Sprintf("%s/%d", shares, def.ID), Token: tok, ExpectedStatus: 200, ExpectedBody: []string{`{"detail":"ok"}`}},
		{Name: "revoke again", Method: "DELETE", URL: fmt.Sprintf("%s/%d", shares, def.ID), Token: tok, ExpectedStatus: 200},
		{Name: "revoke through another image", Method: "DELETE", URL: fmt.Sprintf("%s/images/99999/shares/%d", e.org, short.ID), Token: tok,
			ExpectedStatus: 404, ExpectedBody: []string{`{"detail":"Not Found"}`}},
		{Name: "revoke unknown", Method: "DELETE", URL: shares + "/99999", Token: tok, ExpectedStatus: 404},
		{Name: "resolve revoked", Method: "POST", URL: "/api/v1/shared/images/resolve/", Body: fmt.Sprintf(`{"token":%q}`, def.Token),
			ExpectedStatus: 404, ExpectedBody: []string{`{"detail":"Share link not found"}`}},
		{Name: "resolve unknown", Method: "POST", URL: "/api/v1/shared/images/resolve/", Body: `{"token":"` + strings.Repeat("a", 43) + `"}`,
			ExpectedStatus: 404, ExpectedBody: []string{`{"detail":"Not Found"}`}},
		{Name: "token too short", Method: "POST", URL: "/api/v1/shared/images/resolve/", Body: `{"token":"abc"}`, ExpectedStatus: 400},
		{Name: "token too long", Method: "POST", URL: "/api/v1/shared/images/resolve/", Body: `{"token":"` + strings.Repeat("a", 129) + `"}`, ExpectedStatus: 400},
	})

	testutil.Exec(t, e.s, `UPDATE image_share_links SET expires_at = now() - interval '1 second' WHERE id = $1`, short.ID)
	if st, body := resolve(short.Token); st != 404 || body != `{"detail":"Share link not found"}`+"\n" {
		t.Errorf("expired: %d %s", st, body)
	}
}

func TestShareResolveIsLimitedPerIP(t *testing.T) {
	t.Parallel()
	e := newEnv(t, testutil.WithEnv("RATELIMIT_ENABLED", "true"))
	body := `{"token":"` + strings.Repeat("a", 43) + `"}`
	for i := range 120 {
		if st, out := e.call(t, "POST", "/api/v1/shared/images/resolve/", "", body, nil); st != 404 {
			t.Fatalf("request %d: %d %s", i+1, st, out)
		}
	}
	resp := e.s.Do(t, "POST", "/api/v1/shared/images/resolve/", "", strings.NewReader(body), nil)
	st, out := testutil.ReadResponse(t, resp)
	if st != http.StatusTooManyRequests || out != `{"detail":"Too many requests."}`+"\n" || resp.Header.Get("Retry-After") == "" {
		t.Errorf("121st request: %d %s", st, out)
	}
}

func TestBulkRoutesAreThrottledPerUser(t *testing.T) {
	t.Parallel()
	e := newEnv(t, testutil.WithEnv("RATELIMIT_ENABLED", "true"))
	for i := range 30 {
		if st, out := e.call(t, "POST", e.org+"/bulk-delete/", e.alice.Token, `{"ids":[]}`, nil); st != 400 {
			t.Fatalf("request %d: %d %s", i+1, st, out)
		}
	}
	if st, out := e.call(t, "POST", e.org+"/bulk-delete/", e.alice.Token, `{"ids":[1]}`, nil); st != http.StatusTooManyRequests {
		t.Errorf("31st request: %d %s", st, out)
	}
	// Another user has a bucket of their own.
	bob := e.s.CreateUser(t, "bob")
	if st, out := e.call(t, "POST", "/api/v1/orgs/"+bob.PersonalOrg+"/bulk-delete/", bob.Token, `{"ids":[]}`, nil); st != 400 {
		t.Errorf("bob: %d %s", st, out)
	}
}
