package contacts

// SetRandomSlug pins the slug tried after a unique race.
func (s *Service) SetRandomSlug(f func(base string) string) { s.randomSlug = f }

// SearchWhere exposes the search conjunction to the plan tests.
var SearchWhere = searchWhere
