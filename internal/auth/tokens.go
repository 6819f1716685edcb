// Package auth owns access and refresh tokens (HS256 JWTs with key rotation)
// and the middleware that authenticates every Bearer request against a live
// session in one query.
package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
)

// Token lifetimes: an access token travels with every request, so it
// expires within minutes; a refresh token keeps a device signed in.
const (
	AccessLifetime  = 5 * time.Minute
	RefreshLifetime = 30 * 24 * time.Hour
)

// Token types carried in the token_type claim.
const (
	TypeAccess  = "access"
	TypeRefresh = "refresh"
)

// Claims are the JWT claims of both token types.
type Claims struct {
	TokenType   string `json:"token_type"`
	UserID      int64  `json:"user_id"`
	SessionID   string `json:"session_id"`
	AuthVersion int64  `json:"auth_version"`
	jwt.RegisteredClaims
}

// Tokens signs with the first key and verifies with any of them, so keys
// rotate by putting a new one first.
type Tokens struct {
	keys     [][]byte
	kids     []string
	issuer   string
	audience string
	now      func() time.Time
}

// NewTokens builds a signer/verifier. keys must not be empty.
func NewTokens(keys []string, issuer, audience string) (*Tokens, error) {
	if len(keys) == 0 {
		return nil, errors.New("auth: at least one signing key is required")
	}
	t := &Tokens{issuer: issuer, audience: audience, now: time.Now}
	for _, k := range keys {
		sum := sha256.Sum256([]byte(k))
		t.keys = append(t.keys, []byte(k))
		t.kids = append(t.kids, hex.EncodeToString(sum[:6]))
	}
	return t, nil
}

// SetClock replaces the clock (tests).
func (t *Tokens) SetClock(now func() time.Time) { t.now = now }

// Pair is an access and a refresh token bound to one session.
type Pair struct {
	Access     string
	Refresh    string
	RefreshJTI string
}

// IssuePair signs a new access+refresh pair for the session.
func (t *Tokens) IssuePair(userID int64, sessionID uuid.UUID, authVersion int64) (Pair, error) {
	refresh, jti, err := t.sign(TypeRefresh, userID, sessionID, authVersion, RefreshLifetime)
	if err != nil {
		return Pair{}, err
	}
	access, _, err := t.sign(TypeAccess, userID, sessionID, authVersion, AccessLifetime)
	if err != nil {
		return Pair{}, err
	}
	return Pair{Access: access, Refresh: refresh, RefreshJTI: jti}, nil
}

// IssueAccess signs only an access token (tests and benchmarks).
func (t *Tokens) IssueAccess(userID int64, sessionID uuid.UUID, authVersion int64) (string, error) {
	s, _, err := t.sign(TypeAccess, userID, sessionID, authVersion, AccessLifetime)
	return s, err
}

func (t *Tokens) sign(typ string, userID int64, sessionID uuid.UUID, authVersion int64, life time.Duration) (string, string, error) {
	now := t.now()
	jti := RandomToken()[:32]
	c := Claims{
		TokenType:   typ,
		UserID:      userID,
		SessionID:   sessionID.String(),
		AuthVersion: authVersion,
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    t.issuer,
			Audience:  jwt.ClaimStrings{t.audience},
			IssuedAt:  jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(now.Add(life)),
			ID:        jti,
		},
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodHS256, c)
	tok.Header["kid"] = t.kids[0]
	s, err := tok.SignedString(t.keys[0])
	if err != nil {
		return "", "", fmt.Errorf("auth: sign: %w", err)
	}
	return s, jti, nil
}

// ErrInvalidToken is any signature, expiry, audience, issuer or type failure.
var ErrInvalidToken = errors.New("auth: invalid token")

// Parse verifies signature, exp, iss and aud (zero leeway) and, when
// wantType is not empty, the token type.
func (t *Tokens) Parse(raw, wantType string) (*Claims, error) {
	c := &Claims{}
	_, err := jwt.ParseWithClaims(raw, c, t.keyFor,
		jwt.WithValidMethods([]string{"HS256"}),
		jwt.WithIssuer(t.issuer),
		jwt.WithAudience(t.audience),
		jwt.WithExpirationRequired(),
		jwt.WithTimeFunc(t.now),
	)
	if err != nil {
		return nil, ErrInvalidToken
	}
	if wantType != "" && c.TokenType != wantType {
		return nil, ErrInvalidToken
	}
	return c, nil
}

func (t *Tokens) keyFor(tok *jwt.Token) (any, error) {
	kid, _ := tok.Header["kid"].(string)
	for i, k := range t.kids {
		if k == kid {
			return t.keys[i], nil
		}
	}
	if kid == "" {
		return jwt.VerificationKeySet{Keys: toAny(t.keys)}, nil
	}
	return nil, ErrInvalidToken
}

func toAny(keys [][]byte) []jwt.VerificationKey {
	out := make([]jwt.VerificationKey, len(keys))
	for i, k := range keys {
		out[i] = k
	}
	return out
}

// RandomToken returns 32 random bytes, URL-safe base64 (43 characters).
func RandomToken() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// HashToken is the SHA-256 hex stored instead of a raw token.
func HashToken(raw string) string {
	sum := sha256.Sum256([]byte(raw))
	return hex.EncodeToString(sum[:])
}
