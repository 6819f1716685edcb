// Package contacts owns the per-org address book: contacts with stable
// per-org slugs, PUT/PATCH semantics of the reference, a ranked multi-term
// search and sorted pages with their tags embedded.
//
// A list page costs one statement beyond authentication: the page is cut
// from an (organization_id, sort column, id) index, joined to creators and
// tags, and carries the total. Without a search the total is read from
// contact_counts, a per-org counter kept by statement triggers: at 10,000
// contacts counting the org's rows (index-only) took 1.5 ms, more than the
// rest of the page, against 0.01 ms for the counter. Pages hold at most 500
// rows (httpapi.MaxLimit); ties are broken by id ascending.
//
// Deleting a contact (here, or by an org cascade) removes its tag
// assignments and image relations and schedules its avatar files for
// deletion through the outbox: database triggers do it in the deleting
// transaction (migrations 00004 and 00005).
package contacts

import (
	"cmp"
	"encoding/json"
	"fmt"
	"path"
	"slices"
	"strings"
	"time"

	"apistarter/internal/db/sqlc"
	"apistarter/internal/tags"

	"github.com/jackc/pgx/v5/pgxpool"
)

// Card is what a contact says about its person, in the JSON of the API and
// of the export archive alike (embedded, so its fields stay at this place).
type Card struct {
	FirstName  string  `json:"first_name"`
	LastName   string  `json:"last_name"`
	Email      string  `json:"email"`
	Location   string  `json:"location"`
	Phone      string  `json:"phone"`
	Notes      string  `json:"notes"`
	AvatarPath *string `json:"avatar_path"`
}

// ContactOut is a contact as the API returns it.
type ContactOut struct {
	ID          int64  `json:"id"`
	DisplayName string `json:"display_name"`
	Slug        string `json:"slug"`
	Card
	AvatarURL      *string       `json:"avatar_url"`
	LargeAvatarURL *string       `json:"large_avatar_url"`
	Organization   string        `json:"organization" doc:"Slug of the organization."`
	Creator        *string       `json:"creator" doc:"Slug of the user who created it."`
	Tags           []tags.TagOut `json:"tags"`
	CreatedAt      time.Time     `json:"created_at"`
	UpdatedAt      time.Time     `json:"updated_at"`
}

// Service runs contact operations; every method takes the scope's org.
type Service struct {
	pool      *pgxpool.Pool
	q         *sqlc.Queries
	publicURL func(key string) string // URL of a public storage object
	// randomSlug makes the retry slug after a unique race (tests pin it).
	randomSlug    func(base string) string
	searches      *searchCache
	searchFlights searchFlights
}

// NewService builds the contact service. publicURL maps a public storage
// key to its URL (storage.Buckets.PublicURL).
func NewService(pool *pgxpool.Pool, publicURL func(key string) string) *Service {
	return &Service{pool: pool, q: sqlc.New(pool), publicURL: publicURL, randomSlug: randomSlug,
		searches: newSearchCache(searchCacheSize)}
}

// LargeAvatarKey derives the large avatar's key from the small one (as
// images.LargeAvatarKey does; not imported to keep contacts free of the
// image pipeline).
func LargeAvatarKey(small string) string {
	ext := path.Ext(small)
	return strings.TrimSuffix(small, ext) + "_lg" + ext
}

// row is a contact with what its response needs beyond the table.
type row struct {
	sqlc.Contact
	CreatorSlug *string
	TagsJSON    []byte
}

func (s *Service) out(org string, r row) (ContactOut, error) {
	c := ContactOut{
		ID: r.ID, DisplayName: r.DisplayName, Slug: r.Slug,
		Card: Card{
			FirstName: r.FirstName, LastName: r.LastName, Email: r.Email, Location: r.Location,
			Phone: r.Phone, Notes: r.Notes, AvatarPath: r.AvatarPath,
		},
		Organization: org, Creator: r.CreatorSlug, Tags: []tags.TagOut{},
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(),
	}
	if r.AvatarPath != nil && *r.AvatarPath != "" {
		small, large := s.publicURL(*r.AvatarPath), s.publicURL(LargeAvatarKey(*r.AvatarPath))
		c.AvatarURL, c.LargeAvatarURL = &small, &large
	}
	if len(r.TagsJSON) > 2 { // "[]" needs no decoding
		if err := json.Unmarshal(r.TagsJSON, &c.Tags); err != nil {
			return ContactOut{}, fmt.Errorf("contacts: decode tags: %w", err)
		}
	}
	return c, nil
}

// sortTags orders a contact's tags by name (bytewise, like COLLATE "C"),
// then id, as GetContact's query does.
func sortTags(ts []tags.TagOut) {
	slices.SortFunc(ts, func(a, b tags.TagOut) int {
		return cmp.Or(strings.Compare(a.Name, b.Name), cmp.Compare(a.ID, b.ID))
	})
}
