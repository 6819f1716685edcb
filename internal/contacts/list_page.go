package contacts

import (
	"context"
	"fmt"
	"math/bits"
	"strconv"

	"apistarter/internal/httpapi"
	"apistarter/internal/orgs"
)

// page is a page without search, in one statement (pageSQL); the total is
// read from contact_counts.
func (s *Service) page(ctx context.Context, sc orgs.Scope, col, dir string, pp httpapi.PageParams) (httpapi.Page[ContactOut], error) {
	rows, err := s.pool.Query(ctx, pageSQL(col, dir, pp.Limit, pp.Offset), sc.OrgID, pp.Offset)
	if err != nil {
		return httpapi.Page[ContactOut]{}, fmt.Errorf("contacts: list: %w", err)
	}
	page, err := s.scanPage(sc, rows, pp.Limit)
	if err != nil {
		return httpapi.Page[ContactOut]{}, err
	}
	if len(page.Items) == 0 && pp.Offset > 0 {
		// Past the end: the page carried no total, count on its own.
		if page.Count, err = s.count(ctx, sc.OrgID, nil); err != nil {
			return httpapi.Page[ContactOut]{}, err
		}
	}
	return page, nil
}

// pageSQL cuts the page from the sort's (organization_id, column, id) index
// as ids (an index-only scan wherever the visibility map is set) and reads
// only the page's rows whole, joined to their creator and tags ($1 the org,
// $2 the offset).
//
// The text must not change with every offset: each text is a prepared
// statement of its own on each connection, planned afresh for its first
// five runs (three times the cost of running it), which every new
// connection and every unseen offset paid. Nor may the offset be a bare
// parameter: PostgreSQL would then guess it at 10% of the org, and on a
// large org a sort of the whole org can look cheaper than the index. So the
// index scan is bounded by the next power of two of offset+limit (written
// in: the planner sees how few rows the page needs) and the offset within
// it is a parameter. That is a few statements per sort and limit, each
// settling on a generic plan.
func pageSQL(col, dir string, limit, offset int) string {
	bound := strconv.FormatUint(1<<bits.Len64(uint64(offset+limit-1)), 10)
	order := func(t string) string { return t + "." + col + " " + dir + ", " + t + ".id ASC" }
	return `SELECT c.id, c.organization_id, c.creator_id, c.display_name, c.slug, c.first_name, c.last_name, c.email,
		c.location, c.phone, c.notes, c.avatar_path, c.created_at, c.updated_at, u.slug, t.id, t.name, t.slug,
		COALESCE((SELECT n FROM contact_counts WHERE organization_id = $1), 0)
	FROM (
		SELECT k.id, k.` + col + ` FROM (
			SELECT c.id, c.` + col + ` FROM contacts c WHERE c.organization_id = $1
			ORDER BY ` + order("c") + ` LIMIT ` + bound + `) k
		ORDER BY ` + order("k") + ` LIMIT ` + strconv.Itoa(limit) + ` OFFSET $2) p
	JOIN contacts c ON c.id = p.id
	LEFT JOIN users u ON u.id = c.creator_id
	LEFT JOIN tagged_items ti ON ti.object_id = c.id AND ti.target_type = 'contacts.contact'
	LEFT JOIN tags t ON t.id = ti.tag_id
	ORDER BY ` + order("p")
}
