package auth

import (
	"testing"
	"time"

	"github.com/google/uuid"
)

const (
	oldKey = "old-signing-key-0123456789abcdef"
	newKey = "new-signing-key-0123456789abcdef"
)

func TestRotatedKeysStillVerifyOldTokens(t *testing.T) {
	before, _ := NewTokens([]string{oldKey}, "iss", "aud")
	pair, err := before.IssuePair(7, uuid.New(), 3)
	if err != nil {
		t.Fatal(err)
	}
	after, _ := NewTokens([]string{newKey, oldKey}, "iss", "aud")
	c, err := after.Parse(pair.Access, TypeAccess)
	if err != nil {
		t.Fatalf("token of the old key rejected after rotation: %v", err)
	}
	if c.UserID != 7 || c.AuthVersion != 3 {
		t.Fatalf("claims %+v", c)
	}
	if _, err := after.Parse(pair.Refresh, TypeRefresh); err != nil {
		t.Fatalf("refresh token of the old key rejected: %v", err)
	}
	// New tokens are signed with the new key: the old-only verifier refuses them.
	fresh, _ := after.IssueAccess(7, uuid.New(), 3)
	if _, err := before.Parse(fresh, TypeAccess); err == nil {
		t.Fatal("a token of the new key verified with the old key alone")
	}
	// Once the old key is dropped, its tokens die.
	dropped, _ := NewTokens([]string{newKey}, "iss", "aud")
	if _, err := dropped.Parse(pair.Access, TypeAccess); err == nil {
		t.Fatal("token of a removed key still verifies")
	}
}

func TestParseChecksTypeIssuerAudienceAndExpiry(t *testing.T) {
	tk, _ := NewTokens([]string{oldKey}, "iss", "aud")
	pair, _ := tk.IssuePair(1, uuid.New(), 1)
	if _, err := tk.Parse(pair.Refresh, TypeAccess); err == nil {
		t.Error("refresh token accepted as access token")
	}
	other, _ := NewTokens([]string{oldKey}, "iss", "other-aud")
	if _, err := other.Parse(pair.Access, TypeAccess); err == nil {
		t.Error("token of another audience accepted")
	}
	otherIss, _ := NewTokens([]string{oldKey}, "other-iss", "aud")
	if _, err := otherIss.Parse(pair.Access, TypeAccess); err == nil {
		t.Error("token of another issuer accepted")
	}
	later, _ := NewTokens([]string{oldKey}, "iss", "aud")
	later.SetClock(func() time.Time { return time.Now().Add(AccessLifetime + time.Second) })
	if _, err := later.Parse(pair.Access, TypeAccess); err == nil {
		t.Error("expired access token accepted")
	}
	if _, err := later.Parse(pair.Refresh, TypeRefresh); err != nil {
		t.Errorf("refresh token rejected before its 30 days: %v", err)
	}
}
