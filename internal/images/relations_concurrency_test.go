package images_test

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"

	"apistarter/internal/images"
	"apistarter/internal/testutil"
)

// Concurrent attaches, reorders and cover changes on one target serialise:
// every request succeeds or gets a 400 of the reorder rules, and the target
// always ends with unique orders and exactly one cover.
func TestRelationInvariantsUnderConcurrency(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.insertContact(t, e.orgID, "c")
	obj := fmt.Sprintf("%s/images/contacts/contact/%d/", e.org, c)
	ids := make([]int64, 24)
	for i := range ids {
		ids[i] = e.insertImage(t, e.orgID, fmt.Sprintf("img %d", i))
	}
	var wg sync.WaitGroup
	errs := make(chan string, 1000)
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(w), 7))
			for i := range 6 {
				var st int
				var body string
				switch i % 3 {
				case 0: // attach three images, overlapping with other workers
					pick := []int64{ids[r.IntN(len(ids))], ids[r.IntN(len(ids))], ids[r.IntN(len(ids))]}
					path := obj
					if w%2 == 1 {
						path += "bulk_attach/"
					}
					st, body = e.call(t, "POST", path, e.alice.Token, fmt.Sprintf(`{"image_ids":%s}`, jsonInts(pick)), nil)
				case 1: // reorder what we last saw, reversed
					_, list := e.call(t, "GET", obj+"?limit=500", e.alice.Token, "", nil)
					var seen []int64
					for _, it := range testutil.Decode[struct{ Items []images.RelationOut }](t, list).Items {
						seen = append([]int64{it.Image.ID}, seen...)
					}
					st, body = e.call(t, "POST", obj+"reorder", e.alice.Token, fmt.Sprintf(`{"image_ids":%s}`, jsonInts(seen)), nil)
					if st == 400 { // another worker attached meanwhile: allowed
						st = 200
					}
				case 2:
					st, body = e.call(t, "POST", obj+"unset_cover", e.alice.Token, "", nil)
					if r.IntN(2) == 0 {
						st, body = e.call(t, "POST", obj+"set_cover", e.alice.Token, fmt.Sprintf(`{"image_id":%d}`, ids[r.IntN(len(ids))]), nil)
						if st == 404 { // not attached
							st = 200
						}
					}
				}
				if st != 200 {
					errs <- fmt.Sprintf("worker %d step %d: %d %s", w, i, st, body)
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for msg := range errs {
		t.Error(msg)
	}
	// End state: one cover (set it if the last action cleared it), unique orders.
	rels := e.relations(t, "contacts.contact", c)
	if len(rels) == 0 {
		t.Fatal("nothing attached")
	}
	orders := map[int32]bool{}
	covers := 0
	for _, r := range rels {
		if orders[r.order] {
			t.Errorf("order %d used twice: %v", r.order, rels)
		}
		orders[r.order] = true
		if r.isCover {
			covers++
		}
	}
	if covers > 1 {
		t.Errorf("%d covers: %v", covers, rels)
	}
}

// Many concurrent first attaches to a fresh target: exactly one becomes cover.
func TestConcurrentFirstAttachesMakeOneCover(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for round := range 5 {
		c := e.insertContact(t, e.orgID, fmt.Sprintf("c%d", round))
		obj := fmt.Sprintf("%s/images/contacts/contact/%d/bulk_attach/", e.org, c)
		var wg sync.WaitGroup
		for w := range 6 {
			id := e.insertImage(t, e.orgID, fmt.Sprintf("r%d w%d", round, w))
			wg.Add(1)
			go func() {
				defer wg.Done()
				if st, body := e.call(t, "POST", obj, e.alice.Token, fmt.Sprintf(`{"image_ids":[%d]}`, id), nil); st != 200 {
					t.Errorf("attach: %d %s", st, body)
				}
			}()
		}
		wg.Wait()
		rels := e.relations(t, "contacts.contact", c)
		covers := 0
		for i, r := range rels {
			if r.order != int32(i) {
				t.Errorf("orders %v, want 0..5", rels)
			}
			if r.isCover {
				covers++
			}
		}
		if len(rels) != 6 || covers != 1 {
			t.Errorf("round %d: %v", round, rels)
		}
	}
}
