package contacts

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strconv"

	"apistarter/internal/httpapi"
	"apistarter/internal/orgs"
	"apistarter/internal/tags"
	"apistarter/internal/textnorm"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

// sortColumns maps sort_by to its column; each has an (organization_id,
// column, id) index.
var sortColumns = map[string]string{
	"display_name": "display_name",
	"first_name":   "first_name",
	"last_name":    "last_name",
	"email":        "email",
	"created_at":   "created_at",
	"updated_at":   "updated_at",
}

// ListParams are the list's query parameters.
type ListParams struct {
	Search    string
	SortBy    string // a key of sortColumns
	SortOrder string // asc | desc
	httpapi.PageParams
}

// pageColumns are the contact, its creator's slug and one of its tags (NULL
// when it has none): a contact with n tags comes as n rows. Plain joins cost
// PostgreSQL far less than aggregating each contact's tags (no per-row
// subplan, no per-group sort or JSON building).
const pageColumns = `p.id, p.organization_id, p.creator_id, p.display_name, p.slug, p.first_name, p.last_name, p.email,
	p.location, p.phone, p.notes, p.avatar_path, p.created_at, p.updated_at, u.slug, t.id, t.name, t.slug`

const pageJoins = `LEFT JOIN users u ON u.id = p.creator_id
	LEFT JOIN tagged_items ti ON ti.object_id = p.id AND ti.target_type = 'contacts.contact'
	LEFT JOIN tags t ON t.id = ti.tag_id`

// List returns one page of the org's contacts in one statement; without a
// search see page, with one the matches are ranked, counted and cut in the
// statement, then only the page's rows are joined to their creator and
// tags. Ties are broken by id ascending, in both directions, so rows added
// later land after older rows of equal key.
func (s *Service) List(ctx context.Context, sc orgs.Scope, lp ListParams) (httpapi.Page[ContactOut], error) {
	col, ok := sortColumns[lp.SortBy]
	if !ok {
		col = "display_name"
	}
	dir := "ASC"
	if lp.SortOrder == "desc" {
		dir = "DESC"
	}
	terms, err := parseSearch(lp.Search)
	if err != nil {
		return httpapi.Page[ContactOut]{}, err
	}
	if len(terms) == 0 {
		return s.page(ctx, sc, col, dir, lp.PageParams)
	}
	if !textnorm.ValidText(lp.Search) {
		// Stored text is valid UTF-8 without NUL: nothing can match.
		return httpapi.Page[ContactOut]{Items: []ContactOut{}}, nil
	}
	args := []any{sc.OrgID}
	outerOrder := "p." + col + " " + dir + ", p.id ASC"
	cut := ` LIMIT ` + strconv.Itoa(lp.Limit) + ` OFFSET ` + strconv.Itoa(lp.Offset)
	key := searchKey{org: sc.OrgID, search: lp.Search, col: col, dir: dir, limit: lp.Limit, offset: lp.Offset}
	if page, ok, err := s.cachedSearch(ctx, sc, key); err != nil || ok {
		return page, err
	}
	done, err := s.searchFlights.wait(ctx, key)
	if err != nil {
		return httpapi.Page[ContactOut]{}, err
	}
	defer done()
	if page, ok, err := s.cachedSearch(ctx, sc, key); err != nil || ok {
		return page, err
	}
	// Read before searching (see searchCache).
	version, err := s.searchVersion(ctx, sc.OrgID)
	if err != nil {
		return httpapi.Page[ContactOut]{}, err
	}
	var rank, where string
	where, args = searchWhere(terms, args)
	rank, args = searchRank(lp.Search, args)
	// The matches are ranked, counted and cut to the page as narrow
	// rows (id, sort key, rank); only the page's rows are read whole.
	// OFFSET 0 keeps the rank computed below the window: otherwise the
	// window buffers the five text columns of every match and spills
	// to disk on large orgs.
	inner := `SELECT c.*, m.rank, m.total FROM (
		SELECT m.id, m.rank, count(*) OVER () AS total FROM (
			SELECT c.id, c.` + col + `, ` + rank + ` AS rank FROM contacts c
			WHERE c.organization_id = $1` + where + ` OFFSET 0) m
		ORDER BY m.rank DESC, m.` + col + ` ` + dir + `, m.id ASC` + cut + `) m
		JOIN contacts c ON c.id = m.id`
	outerOrder = "p.rank DESC, " + outerOrder
	sql := `SELECT ` + pageColumns + `, p.total
		FROM (` + inner + `) p
		` + pageJoins + `
		ORDER BY ` + outerOrder
	// LIMIT and OFFSET are validated integers written into the statement:
	// as parameters they make PostgreSQL guess the page is 10% of the org,
	// so the cached statement never gets a generic plan and is planned again
	// on every request (planning costs more than running it).
	rows, err := s.pool.Query(ctx, sql, args...)
	if err != nil {
		return httpapi.Page[ContactOut]{}, fmt.Errorf("contacts: list: %w", err)
	}
	page, err := s.scanPage(sc, rows, lp.Limit)
	if err != nil {
		return httpapi.Page[ContactOut]{}, err
	}
	if len(page.Items) == 0 && lp.Offset > 0 {
		// Past the end: the page carried no total, count on its own.
		if page.Count, err = s.count(ctx, sc.OrgID, terms); err != nil {
			return httpapi.Page[ContactOut]{}, err
		}
	}
	s.searches.put(key, searchResult{version: version, ids: pageIDs(page), count: page.Count})
	return page, nil
}

// scanPage folds the rows (one per contact and tag) into contacts. A
// contact's second and later rows repeat it with another tag: only their
// tag is decoded.
func (s *Service) scanPage(sc orgs.Scope, rows pgx.Rows, limit int) (httpapi.Page[ContactOut], error) {
	defer rows.Close()
	page := httpapi.Page[ContactOut]{Items: make([]ContactOut, 0, limit)}
	var (
		r                row
		tagID            pgtype.Int8
		tagName, tagSlug pgtype.Text
		lastID           []byte // column 0 of the current contact, as sent
	)
	contact := []any{&r.ID, &r.OrganizationID, &r.CreatorID, &r.DisplayName, &r.Slug, &r.FirstName,
		&r.LastName, &r.Email, &r.Location, &r.Phone, &r.Notes, &r.AvatarPath, &r.CreatedAt, &r.UpdatedAt, &r.CreatorSlug}
	tag := []any{&tagID, &tagName, &tagSlug}
	whole := slices.Concat(contact, tag, []any{&page.Count})
	tagOnly := slices.Concat(make([]any, len(contact)), tag, []any{nil}) // nil skips a column
	for rows.Next() {
		if id := rows.RawValues()[0]; len(page.Items) == 0 || !bytes.Equal(id, lastID) {
			lastID = append(lastID[:0], id...)
			// The items keep the pointers scanned into r: start from nil
			// ones rather than let pgx reuse what they point at.
			r = row{}
			if err := rows.Scan(whole...); err != nil {
				return httpapi.Page[ContactOut]{}, fmt.Errorf("contacts: list: %w", err)
			}
			c, err := s.out(sc.Slug, r)
			if err != nil {
				return httpapi.Page[ContactOut]{}, err
			}
			page.Items = append(page.Items, c)
		} else if err := rows.Scan(tagOnly...); err != nil {
			return httpapi.Page[ContactOut]{}, fmt.Errorf("contacts: list: %w", err)
		}
		if tagID.Valid {
			c := &page.Items[len(page.Items)-1]
			c.Tags = append(c.Tags, tags.TagOut{ID: tagID.Int64, Name: tagName.String, Slug: tagSlug.String, Organization: sc.OrgID})
		}
	}
	if err := rows.Err(); err != nil {
		return httpapi.Page[ContactOut]{}, fmt.Errorf("contacts: list: %w", err)
	}
	for i := range page.Items {
		sortTags(page.Items[i].Tags)
	}
	return page, nil
}

// count totals the org's contacts matching every term (all without terms).
func (s *Service) count(ctx context.Context, orgID int64, terms []string) (int64, error) {
	var n int64
	var err error
	if len(terms) == 0 {
		err = s.pool.QueryRow(ctx, `SELECT COALESCE((SELECT n FROM contact_counts WHERE organization_id = $1), 0)`, orgID).Scan(&n)
	} else {
		where, args := searchWhere(terms, []any{orgID})
		err = s.pool.QueryRow(ctx, `SELECT count(*) FROM contacts c WHERE c.organization_id = $1`+where, args...).Scan(&n)
	}
	if err != nil {
		return 0, fmt.Errorf("contacts: count: %w", err)
	}
	return n, nil
}
