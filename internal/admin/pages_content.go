package admin

import (
	"fmt"
	"net/http"
	"time"

	"apistarter/internal/db/sqlc"
	"apistarter/internal/images"
	"apistarter/internal/storage"
)

// thumbTTL is how long a thumbnail link of the content page works.
const thumbTTL = 10 * time.Minute

// thumb is an image row with its signed thumbnail link ("" when signing
// failed: the row is still listed).
type thumb struct {
	sqlc.AdminOrgImagesRow
	URL string
}

// content lists an org's contacts, tags or images (?tab=), read-only, with
// a search.
func (c *Console) content(w http.ResponseWriter, r *http.Request, s *session) {
	o, err := c.loadOrg(r)
	if err != nil {
		c.failErr(w, r, s, err)
		return
	}
	q, page, tab := r.URL.Query().Get("q"), pageOf(r), r.URL.Query().Get("tab")
	pat, off := likePattern(q), int32((page-1)*pageSize)
	data := map[string]any{"O": o, "Q": q}
	var shown int
	var total int64
	switch tab {
	case "tags":
		rows, err := c.q.AdminOrgTags(r.Context(), sqlc.AdminOrgTagsParams{OrgID: o.ID, Pattern: pat, Lim: pageSize, Off: off})
		if err != nil {
			c.failErr(w, r, s, err)
			return
		}
		data["Tags"], shown, total = rows, len(rows), o.Tags
	case "images":
		rows, err := c.q.AdminOrgImages(r.Context(), sqlc.AdminOrgImagesParams{OrgID: o.ID, Pattern: pat, Lim: pageSize, Off: off})
		if err != nil {
			c.failErr(w, r, s, err)
			return
		}
		thumbs := make([]thumb, len(rows))
		for i, row := range rows {
			thumbs[i] = thumb{AdminOrgImagesRow: row, URL: c.signThumb(r, row.File)}
		}
		data["Images"], shown, total = thumbs, len(rows), o.Images
	default:
		tab = "contacts"
		rows, err := c.q.AdminOrgContacts(r.Context(), sqlc.AdminOrgContactsParams{OrgID: o.ID, Pattern: pat, Lim: pageSize, Off: off})
		if err != nil {
			c.failErr(w, r, s, err)
			return
		}
		data["Contacts"], shown, total = rows, len(rows), o.Contacts
	}
	if q != "" && shown < pageSize && page == 1 {
		total = int64(shown) // a search: the org's count is not the match count
	}
	data["Tab"], data["Pager"] = tab, newPager(r, page, total, shown)
	c.render(w, r, http.StatusOK, "content", s, data)
}

// signThumb signs the thumbnail variant of an image's original key.
func (c *Console) signThumb(r *http.Request, file string) string {
	if c.Images == nil {
		return ""
	}
	key := images.VariantKeys(file)[images.VariantThumb]
	u, err := c.Images.SignedURL(r.Context(), key, thumbTTL, storage.SignOptions{
		ContentType: "image/webp", CacheControl: fmt.Sprintf("private, max-age=%d", int(thumbTTL.Seconds())),
	})
	if err != nil {
		c.Log.WarnContext(r.Context(), "admin: sign thumbnail", "error", err.Error())
		return ""
	}
	return u
}
