package orgs

import (
	"sync"
	"time"

	"apistarter/internal/auth"
)

// localCache is the in-process layer of the permission cache: bounded, with
// the same TTL as Redis. Its entries are validated like Redis ones, so a
// copy that another process has outdated is harmless.
type localCache struct {
	mu  sync.Mutex
	m   map[string]localEntry
	max int
}

type localEntry struct {
	e       auth.CachedRole
	expires time.Time
}

func newLocalCache(max int) *localCache {
	return &localCache{m: make(map[string]localEntry, max), max: max}
}

func (l *localCache) get(key string) (auth.CachedRole, bool) {
	if l.max == 0 {
		return auth.CachedRole{}, false
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	le, ok := l.m[key]
	if !ok {
		return auth.CachedRole{}, false
	}
	if time.Now().After(le.expires) {
		delete(l.m, key)
		return auth.CachedRole{}, false
	}
	return le.e, true
}

func (l *localCache) put(key string, e auth.CachedRole, ttl time.Duration) {
	if l.max == 0 {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, ok := l.m[key]; !ok && len(l.m) >= l.max {
		for k := range l.m { // full: drop an arbitrary entry
			delete(l.m, k)
			break
		}
	}
	l.m[key] = localEntry{e: e, expires: time.Now().Add(ttl)}
}
