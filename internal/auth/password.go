package auth

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"strings"

	"golang.org/x/crypto/argon2"
)

// PasswordParams are the argon2id cost parameters (PASSWORD_HASH_* settings).
type PasswordParams struct {
	MemoryKiB uint32
	Time      uint32
	Threads   uint8
}

const (
	saltLen = 16
	keyLen  = 32
)

// Hasher hashes and verifies passwords with argon2id, stored as PHC strings
// ($argon2id$v=19$m=…,t=…,p=…$salt$hash). Each hash holds MemoryKiB of RAM,
// so at most 2×GOMAXPROCS run at once: a login flood queues instead of
// exhausting memory.
type Hasher struct {
	params PasswordParams
	sem    chan struct{}
	dummy  string // verified against on unknown accounts, to even out timing
}

// NewHasher builds a hasher with the given parameters.
func NewHasher(p PasswordParams) *Hasher {
	if p.Threads == 0 {
		p.Threads = 1
	}
	h := &Hasher{params: p, sem: make(chan struct{}, 2*runtime.GOMAXPROCS(0))}
	h.dummy = h.encode(make([]byte, saltLen), h.key([]byte("dummy password"), make([]byte, saltLen), p))
	return h
}

// ErrHashBusy is returned when ctx ends while waiting for a hashing slot.
var ErrHashBusy = errors.New("auth: password hashing: request cancelled while waiting")

func (h *Hasher) acquire(ctx context.Context) error {
	select {
	case h.sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("%w: %w", ErrHashBusy, ctx.Err())
	}
}

func (h *Hasher) release() { <-h.sem }

func (h *Hasher) key(password, salt []byte, p PasswordParams) []byte {
	return argon2.IDKey(password, salt, p.Time, p.MemoryKiB, p.Threads, keyLen)
}

func (h *Hasher) encode(salt, key []byte) string {
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version,
		h.params.MemoryKiB, h.params.Time, h.params.Threads, b64.EncodeToString(salt), b64.EncodeToString(key))
}

// Hash returns the PHC string of password with a fresh random salt.
func (h *Hasher) Hash(ctx context.Context, password string) (string, error) {
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("auth: salt: %w", err)
	}
	if err := h.acquire(ctx); err != nil {
		return "", err
	}
	defer h.release()
	return h.encode(salt, h.key([]byte(password), salt, h.params)), nil
}

// Verify reports whether password matches encoded (constant-time compare).
// An empty or malformed encoded value (an unusable password) still costs
// one hash with the current parameters and never matches, so unknown
// accounts, accounts without a password and wrong passwords take the same
// time.
func (h *Hasher) Verify(ctx context.Context, password, encoded string) (bool, error) {
	p, salt, want, err := decodePHC(encoded)
	usable := err == nil
	if !usable {
		p, salt, want, _ = decodePHC(h.dummy)
	}
	if err := h.acquire(ctx); err != nil {
		return false, err
	}
	defer h.release()
	got := argon2.IDKey([]byte(password), salt, p.Time, p.MemoryKiB, p.Threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1 && usable, nil
}

// NeedsRehash reports whether encoded was made with other parameters.
func (h *Hasher) NeedsRehash(encoded string) bool {
	p, _, _, err := decodePHC(encoded)
	return err != nil || p != h.params
}

// decodePHC parses $argon2id$v=19$m=M,t=T,p=P$salt$hash.
func decodePHC(s string) (PasswordParams, []byte, []byte, error) {
	var p PasswordParams
	parts := strings.Split(s, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return p, nil, nil, errors.New("auth: not an argon2id hash")
	}
	var v int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return p, nil, nil, errors.New("auth: unsupported argon2 version")
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.MemoryKiB, &p.Time, &p.Threads); err != nil ||
		p.MemoryKiB == 0 || p.Time == 0 || p.Threads == 0 || p.MemoryKiB > 4<<20 || p.Time > 64 {
		return p, nil, nil, errors.New("auth: bad argon2 parameters")
	}
	b64 := base64.RawStdEncoding
	salt, err := b64.DecodeString(parts[4])
	if err != nil || len(salt) < 8 {
		return p, nil, nil, errors.New("auth: bad argon2 salt")
	}
	key, err := b64.DecodeString(parts[5])
	if err != nil || len(key) < 16 || len(key) > 64 {
		return p, nil, nil, errors.New("auth: bad argon2 hash")
	}
	return p, salt, key, nil
}
