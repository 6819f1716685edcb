package httpapi

// MaxLimit is the largest page any list returns.
const MaxLimit = 500

// PageParams is embedded in every list input: limit 1–500 (default 100), offset ≥ 0.
type PageParams struct {
	Limit  int `query:"limit" default:"100" minimum:"1" maximum:"500" doc:"Page size (1–500)."`
	Offset int `query:"offset" default:"0" minimum:"0" maximum:"1000000000" doc:"Rows to skip."`
}

// Page is the body of every paginated list: one page of items and the
// total count.
type Page[T any] struct {
	Items []T   `json:"items"`
	Count int64 `json:"count"`
}
