package contacts

import (
	"container/list"
	"context"
	"fmt"
	"sync"

	"apistarter/internal/httpapi"
	"apistarter/internal/orgs"
)

// searchCacheSize bounds the cached search pages per process (each at most
// a page of ids and a count: under 4 kB at the 500-row page limit).
const searchCacheSize = 4096

// searchKey is everything a search page depends on besides the org's
// contacts: the whole search string (it ranks), the sort and the window.
type searchKey struct {
	org           int64
	search        string
	col, dir      string
	limit, offset int
}

// searchResult is a page of a search as computed under an org's search
// version (migration 00017): its ids in order and the number of matches.
type searchResult struct {
	version int64
	ids     []int64
	count   int64
}

// searchCache remembers recent search pages (least recently used goes
// first). It is never stale because an entry is used only after its version
// is read again in the statement that fetches the page's rows: every change
// to an org's contacts changes the version in the same transaction, so a
// snapshot that reads the same version sees the same contacts, matches,
// ranks and order. An entry whose version differs is recomputed.
type searchCache struct {
	mu    sync.Mutex
	order *list.List // of *searchCacheEntry, most recent first
	byKey map[searchKey]*list.Element
	max   int
}

type searchCacheEntry struct {
	key searchKey
	res searchResult
}

func newSearchCache(max int) *searchCache {
	return &searchCache{order: list.New(), byKey: map[searchKey]*list.Element{}, max: max}
}

// get returns the cached result for k, if any (ids are not to be modified).
func (c *searchCache) get(k searchKey) (searchResult, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.byKey[k]
	if !ok {
		return searchResult{}, false
	}
	c.order.MoveToFront(el)
	return el.Value.(*searchCacheEntry).res, true
}

// put stores r for k, evicting the least recently used entry when full.
func (c *searchCache) put(k searchKey, r searchResult) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.byKey[k]; ok {
		el.Value.(*searchCacheEntry).res = r
		c.order.MoveToFront(el)
		return
	}
	c.byKey[k] = c.order.PushFront(&searchCacheEntry{key: k, res: r})
	if c.order.Len() > c.max {
		last := c.order.Back()
		c.order.Remove(last)
		delete(c.byKey, last.Value.(*searchCacheEntry).key)
	}
}

// searchVersion reads the org's search version (0 while it has never had
// a contact).
func (s *Service) searchVersion(ctx context.Context, orgID int64) (int64, error) {
	var v int64
	if err := s.pool.QueryRow(ctx, `SELECT `+versionOf1, orgID).Scan(&v); err != nil {
		return 0, fmt.Errorf("contacts: search version: %w", err)
	}
	return v, nil
}

// versionOf1 is the search version of the org in $1.
const versionOf1 = `COALESCE((SELECT version FROM contact_search_versions WHERE organization_id = $1), 0)`

// cachedSearch answers a search from the cache when the entry's version is
// still the org's: the version and the page's rows are read in one
// statement, hence one snapshot. ok is false when there is no such entry.
func (s *Service) cachedSearch(ctx context.Context, sc orgs.Scope, k searchKey) (page httpapi.Page[ContactOut], ok bool, err error) {
	res, ok := s.searches.get(k)
	if !ok {
		return page, false, nil
	}
	var version int64
	if len(res.ids) == 0 {
		if version, err = s.searchVersion(ctx, sc.OrgID); err != nil {
			return page, false, err
		}
		page = httpapi.Page[ContactOut]{Items: []ContactOut{}}
	} else {
		// The trailing column, which scanPage reads as the count, is the
		// version here.
		rows, err := s.pool.Query(ctx, `SELECT `+pageColumns+`, `+versionOf1+`
			FROM (SELECT c.*, o.ord FROM unnest($2::bigint[]) WITH ORDINALITY o (id, ord)
				JOIN contacts c ON c.id = o.id AND c.organization_id = $1) p
			`+pageJoins+`
			ORDER BY p.ord`, sc.OrgID, res.ids)
		if err != nil {
			return page, false, fmt.Errorf("contacts: cached search: %w", err)
		}
		if page, err = s.scanPage(sc, rows, len(res.ids)); err != nil {
			return page, false, err
		}
		version = page.Count
	}
	if version != res.version || len(page.Items) != len(res.ids) {
		return httpapi.Page[ContactOut]{}, false, nil
	}
	page.Count = res.count
	return page, true, nil
}

// pageIDs are the ids of the page's contacts in order.
func pageIDs(p httpapi.Page[ContactOut]) []int64 {
	ids := make([]int64, len(p.Items))
	for i, c := range p.Items {
		ids[i] = c.ID
	}
	return ids
}

// searchFlights lets one request at a time compute a missing search page
// of a key; the others wait, then find it in the cache. Without it the
// clients of a freshly changed large org all rank every match at once.
type searchFlights struct {
	mu sync.Mutex
	m  map[searchKey]*searchFlight
}

type searchFlight struct {
	turn    chan struct{} // holds a token while a request computes
	waiting int           // requests holding or waiting for the turn
}

// wait blocks until the caller's turn for k (or ctx ends); done ends it.
func (f *searchFlights) wait(ctx context.Context, k searchKey) (done func(), err error) {
	f.mu.Lock()
	if f.m == nil {
		f.m = map[searchKey]*searchFlight{}
	}
	fl := f.m[k]
	if fl == nil {
		fl = &searchFlight{turn: make(chan struct{}, 1)}
		f.m[k] = fl
	}
	fl.waiting++
	f.mu.Unlock()
	leave := func() {
		f.mu.Lock()
		if fl.waiting--; fl.waiting == 0 {
			delete(f.m, k)
		}
		f.mu.Unlock()
	}
	select {
	case fl.turn <- struct{}{}:
		return func() { <-fl.turn; leave() }, nil
	case <-ctx.Done():
		leave()
		return nil, fmt.Errorf("contacts: search: %w", ctx.Err())
	}
}
