package harness

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// User is a seeded account that can log in.
type User struct {
	ID    int64
	Email string
	Slug  string
}

// Org is a seeded group organization.
type Org struct {
	ID       int64
	Slug     string
	Contacts int
}

// Seeder writes benchmark data straight into the database: COPY for the
// bulk, one transaction per org.
type Seeder struct {
	Pool     *pgxpool.Pool
	Progress io.Writer // progress lines; io.Discard to silence
	Hash     string    // Password encoded by the app's hasher
}

// Password is the password of every seeded user.
const Password = "bench-Password-4711!"

// Vocabulary of the generated contacts: search terms hit a few percent.
var (
	firstNames = strings.Fields(`James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth William
		Barbara Richard Susan Joseph Jessica Thomas Sarah Charles Karen Chris Lisa Daniel Nancy Matthew Betty
		Anthony Sandra Mark Margaret Donald Ashley Steven Kimberly Paul Emily Andrew Donna Joshua Michelle
		Kenneth Carol Kevin Amanda Brian Melissa George Deborah Timothy Stephanie`)
	lastNames = strings.Fields(`Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez
		Hernandez Lopez Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White
		Harris Sanchez Clark Ramirez Lewis Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill
		Flores Green Adams Nelson Baker Hall Rivera Campbell Mitchell Carter Roberts`)
	cities = strings.Fields(`Berlin Paris London Madrid Rome Vienna Prague Warsaw Lisbon Dublin Oslo
		Stockholm Helsinki Copenhagen Brussels Amsterdam Zurich Athens Budapest Bucharest`)
)

// SearchTerms are last names present in the seeded contacts (2% of them
// each), and names that are not.
func SearchTerms() []string { return append(lastNames[:20:20], "ada", "hopper", "berlin") }

// SearchTerms1 are one-letter terms: each in a few to most contacts.
func SearchTerms1() []string { return []string{"j", "z", "k", "v", "y", "a"} }

// SearchTerms2 are two-letter terms, from none (zz) to many contacts.
func SearchTerms2() []string { return []string{"zz", "jo", "ck", "ll", "ae"} }

// SearchTermPairs are "first last" searches, each well under 1%.
func SearchTermPairs() []string {
	out := make([]string, 20)
	for i := range out {
		out[i] = firstNames[i] + " " + lastNames[(i*3)%len(lastNames)]
	}
	return out
}

// ContactSlug is the slug of the i-th (0-based) seeded contact of an org.
func ContactSlug(i int) string { return fmt.Sprintf("c-%d", i) }

// TagName is the name (and slug) of the i-th seeded tag.
func TagName(i int) string { return fmt.Sprintf("tag-%02d", i) }

func (s *Seeder) logf(format string, args ...any) {
	if s.Progress != nil {
		fmt.Fprintf(s.Progress, "seed: "+format+"\n", args...)
	}
}

// Users creates n verified, active users (with their personal orgs) whose
// password is Password.
func (s *Seeder) Users(ctx context.Context, prefix string, n int) ([]User, error) {
	users := make([]User, n)
	err := pgx.BeginFunc(ctx, s.Pool, func(tx pgx.Tx) error {
		for i := range users {
			u := User{Email: fmt.Sprintf("%s-%02d@example.com", prefix, i), Slug: fmt.Sprintf("%s-%02d", prefix, i)}
			if err := tx.QueryRow(ctx, `INSERT INTO users (email, username, slug, password_hash, email_verified, first_name, last_name)
				VALUES ($1, $2, $2, $3, true, 'Bench', $2) RETURNING id`, u.Email, u.Slug, s.Hash).Scan(&u.ID); err != nil {
				return fmt.Errorf("harness: seed user: %w", err)
			}
			if _, err := tx.Exec(ctx, `WITH o AS (INSERT INTO organizations (name, slug, type, creator_id)
				VALUES ($1, $1, 'personal', $2) RETURNING id)
				INSERT INTO memberships (user_id, organization_id, role) SELECT $2, id, 'owner' FROM o`, u.Slug, u.ID); err != nil {
				return fmt.Errorf("harness: seed personal org: %w", err)
			}
			users[i] = u
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.logf("%d users", n)
	return users, nil
}

// GroupOrg creates a group org owned by owner with the others as members
// (every fourth an admin).
func (s *Seeder) GroupOrg(ctx context.Context, slug string, owner User, others []User) (Org, error) {
	org := Org{Slug: slug}
	err := pgx.BeginFunc(ctx, s.Pool, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `INSERT INTO organizations (name, slug, type, creator_id) VALUES ($1, $2, 'group', $3) RETURNING id`,
			"Bench "+slug, slug, owner.ID).Scan(&org.ID); err != nil {
			return fmt.Errorf("harness: seed org: %w", err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO memberships (user_id, organization_id, role) VALUES ($1, $2, 'owner')`, owner.ID, org.ID); err != nil {
			return fmt.Errorf("harness: seed owner: %w", err)
		}
		for i, u := range others {
			role := "member"
			if i%4 == 0 {
				role = "admin"
			}
			if _, err := tx.Exec(ctx, `INSERT INTO memberships (user_id, organization_id, role) VALUES ($1, $2, $3)`, u.ID, org.ID, role); err != nil {
				return fmt.Errorf("harness: seed member: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return Org{}, err
	}
	s.logf("org %s with %d members", slug, len(others)+1)
	return org, nil
}

// Contacts copies n generated contacts into org (slugs ContactSlug(0..n-1)),
// then tags and tag assignments: every contact carries one or two of the
// org's tags.
func (s *Seeder) Contacts(ctx context.Context, org *Org, creatorID int64, n, tags int) error {
	start := time.Now()
	base := time.Now().Add(-time.Duration(n) * time.Second)
	i := 0
	lastReport := time.Now()
	src := pgx.CopyFromFunc(func() ([]any, error) {
		if i >= n {
			return nil, nil
		}
		if i%4096 == 0 && time.Since(lastReport) > 2*time.Second {
			lastReport = time.Now()
			s.logf("org %s: %d/%d contacts (%.0f/s)", org.Slug, i, n, float64(i)/time.Since(start).Seconds())
		}
		first, last := firstNames[i%len(firstNames)], lastNames[(i/len(firstNames)+i*7)%len(lastNames)]
		ts := base.Add(time.Duration(i) * time.Second)
		row := []any{org.ID, creatorID, first + " " + last, ContactSlug(i), first, last,
			fmt.Sprintf("%s.%s.%d@example.com", strings.ToLower(first), strings.ToLower(last), i),
			cities[i%len(cities)], fmt.Sprintf("+49301%07d", i),
			fmt.Sprintf("Met at conference %d; follow up about order %d.", i%37, i), ts, ts}
		i++
		return row, nil
	})
	cols := []string{"organization_id", "creator_id", "display_name", "slug", "first_name", "last_name",
		"email", "location", "phone", "notes", "created_at", "updated_at"}
	rebuild, err := s.dropIndexes(ctx, n)
	if err != nil {
		return err
	}
	if _, err := s.Pool.CopyFrom(ctx, pgx.Identifier{"contacts"}, cols, src); err != nil {
		return fmt.Errorf("harness: copy contacts: %w", err)
	}
	if err := rebuild(); err != nil {
		return err
	}
	org.Contacts = n
	s.logf("org %s: %d contacts in %.1f s", org.Slug, n, time.Since(start).Seconds())

	start = time.Now()
	if _, err = s.Pool.Exec(ctx, `INSERT INTO tags (organization_id, name, slug)
		SELECT $1, 'tag-' || lpad(g::text, 2, '0'), 'tag-' || lpad(g::text, 2, '0') FROM generate_series(0, $2::int - 1) g`,
		org.ID, tags); err != nil {
		return fmt.Errorf("harness: seed tags: %w", err)
	}
	tag, err := s.Pool.Exec(ctx, `WITH t AS (
			SELECT id, row_number() OVER (ORDER BY id) - 1 AS k FROM tags WHERE organization_id = $1)
		INSERT INTO tagged_items (tag_id, target_type, object_id)
		SELECT DISTINCT t.id, 'contacts.contact', c.id FROM contacts c
		JOIN t ON t.k = c.id % $2 OR t.k = (c.id * 7 + 3) % $2
		WHERE c.organization_id = $1`, org.ID, tags)
	if err != nil {
		return fmt.Errorf("harness: seed tag assignments: %w", err)
	}
	if _, err := s.Pool.Exec(ctx, `ANALYZE contacts, tags, tagged_items, contact_counts`); err != nil {
		return fmt.Errorf("harness: analyze: %w", err)
	}
	s.logf("org %s: %d tags, %d tag assignments in %.1f s", org.Slug, tags, tag.RowsAffected(), time.Since(start).Seconds())
	return nil
}

// bulkContacts is the size from which Contacts drops the contacts' secondary
// indexes before copying and builds them again after: building an index
// once costs far less than inserting a million rows into it (the trigram
// index above all).
const bulkContacts = 100_000

// dropIndexes drops the contacts' indexes that back no constraint when n
// is large, and returns the function that recreates them from their own
// definitions.
func (s *Seeder) dropIndexes(ctx context.Context, n int) (func() error, error) {
	if n < bulkContacts {
		return func() error { return nil }, nil
	}
	rows, err := s.Pool.Query(ctx, `SELECT i.indexname, i.indexdef FROM pg_indexes i
		WHERE i.schemaname = current_schema() AND i.tablename = 'contacts'
		AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conrelid = 'contacts'::regclass AND c.conname = i.indexname)`)
	if err != nil {
		return nil, fmt.Errorf("harness: list contact indexes: %w", err)
	}
	var names, defs []string
	for rows.Next() {
		var name, def string
		if err := rows.Scan(&name, &def); err != nil {
			return nil, err
		}
		names, defs = append(names, name), append(defs, def)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("harness: list contact indexes: %w", err)
	}
	for _, name := range names {
		if _, err := s.Pool.Exec(ctx, `DROP INDEX `+pgx.Identifier{name}.Sanitize()); err != nil {
			return nil, fmt.Errorf("harness: drop index %s: %w", name, err)
		}
	}
	return func() error {
		start := time.Now()
		conn, err := s.Pool.Acquire(ctx)
		if err != nil {
			return err
		}
		defer conn.Release()
		if _, err := conn.Exec(ctx, `SET maintenance_work_mem = '256MB'`); err != nil {
			return err
		}
		defer func() { _, _ = conn.Exec(context.Background(), `RESET maintenance_work_mem`) }()
		for _, def := range defs {
			if _, err := conn.Exec(ctx, def); err != nil {
				return fmt.Errorf("harness: rebuild index: %s: %w", def, err)
			}
		}
		s.logf("contacts: %d indexes rebuilt in %.1f s", len(defs), time.Since(start).Seconds())
		return nil
	}, nil
}

// ContactIDs returns the ids of up to limit contacts of the org, by id.
func (s *Seeder) ContactIDs(ctx context.Context, orgID int64, limit int) ([]int64, error) {
	rows, err := s.Pool.Query(ctx, `SELECT id FROM contacts WHERE organization_id = $1 ORDER BY id LIMIT $2`, orgID, limit)
	if err != nil {
		return nil, fmt.Errorf("harness: contact ids: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, fmt.Errorf("harness: contact ids: %w", err)
	}
	return ids, nil
}

// Fixture is the standard data set: an owner and members (all able to log
// in with Password), one group org with contacts and tags.
type Fixture struct {
	Owner      User
	Members    []User
	Org        Org
	ContactIDs []int64 // the first 100,000 at most
}

// Users is the owner followed by the members.
func (f *Fixture) Users() []User { return append([]User{f.Owner}, f.Members...) }

// Standard seeds the fixture: members+1 users, org orgSlug owned by the
// first, with contacts and tags.
func (s *Seeder) Standard(ctx context.Context, orgSlug string, members, contacts, tags int) (*Fixture, error) {
	users, err := s.Users(ctx, "bench-user", members+1)
	if err != nil {
		return nil, err
	}
	f := &Fixture{Owner: users[0], Members: users[1:]}
	if f.Org, err = s.GroupOrg(ctx, orgSlug, f.Owner, f.Members); err != nil {
		return nil, err
	}
	if err := s.Contacts(ctx, &f.Org, f.Owner.ID, contacts, tags); err != nil {
		return nil, err
	}
	if f.ContactIDs, err = s.ContactIDs(ctx, f.Org.ID, 100_000); err != nil {
		return nil, err
	}
	return f, nil
}

// LoginAll logs every user in through the API and returns their access
// tokens in the same order. Logins are rate limited per client address
// where rate limits are on (10 a minute): a 429 is waited out.
func LoginAll(ctx context.Context, c *Client, users []User) ([]string, error) {
	tokens := make([]string, len(users))
	for i, u := range users {
		deadline := time.Now().Add(90 * time.Second)
		for {
			t, err := c.Login(ctx, u.Email, Password)
			if err == nil {
				tokens[i] = t
				break
			}
			if !strings.Contains(err.Error(), "status 429") || time.Now().After(deadline) {
				return nil, err
			}
			if err := Sleep(ctx, 2*time.Second); err != nil { // waiting out the login rate limit
				return nil, err
			}
		}
	}
	return tokens, nil
}
