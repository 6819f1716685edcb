package auth

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

var tiny = PasswordParams{MemoryKiB: 1024, Time: 1, Threads: 1}

func TestHashIsPHCAndVerifies(t *testing.T) {
	h := NewHasher(tiny)
	ctx := context.Background()
	enc, err := h.Hash(ctx, "s3cret pass")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(enc, "$argon2id$v=19$m=1024,t=1,p=1$") || strings.Count(enc, "$") != 5 {
		t.Fatalf("not a PHC argon2id string: %s", enc)
	}
	if enc2, _ := h.Hash(ctx, "s3cret pass"); enc2 == enc {
		t.Fatal("two hashes of one password share a salt")
	}
	for pw, want := range map[string]bool{"s3cret pass": true, "s3cret pasS": false, "": false} {
		if ok, err := h.Verify(ctx, pw, enc); err != nil || ok != want {
			t.Errorf("Verify(%q) = %v, %v; want %v", pw, ok, err, want)
		}
	}
}

func TestVerifyNeverMatchesUnusableHashes(t *testing.T) {
	h := NewHasher(tiny)
	for _, enc := range []string{"", "!", "pbkdf2_sha256$1$x$y", "$argon2id$v=19$m=1024,t=1,p=1$$", "$argon2i$v=19$m=1024,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA"} {
		if ok, err := h.Verify(context.Background(), "dummy password", enc); ok || err != nil {
			t.Errorf("Verify against %q = %v, %v", enc, ok, err)
		}
	}
}

func TestHashesOfOtherParametersVerifyAndNeedRehash(t *testing.T) {
	old := NewHasher(PasswordParams{MemoryKiB: 2048, Time: 2, Threads: 1})
	enc, _ := old.Hash(context.Background(), "pw-123456")
	h := NewHasher(tiny)
	if ok, _ := h.Verify(context.Background(), "pw-123456", enc); !ok {
		t.Fatal("a hash made with other parameters must still verify")
	}
	if !h.NeedsRehash(enc) {
		t.Fatal("NeedsRehash = false for other parameters")
	}
	mine, _ := h.Hash(context.Background(), "pw-123456")
	if h.NeedsRehash(mine) {
		t.Fatal("NeedsRehash = true for current parameters")
	}
}

// The semaphore bounds concurrent hashes (and so their memory).
func TestHashingConcurrencyIsBounded(t *testing.T) {
	h := NewHasher(tiny)
	limit := cap(h.sem)
	var running, peak atomic.Int32
	var wg sync.WaitGroup
	for range limit * 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := h.acquire(context.Background()); err != nil {
				t.Error(err)
				return
			}
			n := running.Add(1)
			for {
				p := peak.Load()
				if n <= p || peak.CompareAndSwap(p, n) {
					break
				}
			}
			h.key([]byte("pw"), make([]byte, saltLen), tiny)
			running.Add(-1)
			h.release()
		}()
	}
	wg.Wait()
	if int(peak.Load()) > limit {
		t.Fatalf("peak %d concurrent hashes, limit %d", peak.Load(), limit)
	}
}

func TestHashWaitsNoLongerThanItsContext(t *testing.T) {
	h := NewHasher(tiny)
	for range cap(h.sem) {
		h.sem <- struct{}{}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := h.Hash(ctx, "pw"); err == nil {
		t.Fatal("Hash with every slot taken and an ended context succeeded")
	}
}
