package images

import (
	"strings"
	"time"

	"apistarter/internal/db/sqlc"
)

// VariantSet names one string per variant (keys or URLs).
type VariantSet struct {
	Original string `json:"original"`
	Thumb    string `json:"thumb"`
	Sm       string `json:"sm"`
	Md       string `json:"md"`
	Lg       string `json:"lg"`
}

func variantSet(m map[string]string) VariantSet {
	return VariantSet{Original: m[VariantOriginal], Thumb: m[VariantThumb], Sm: m[VariantSm], Md: m[VariantMd], Lg: m[VariantLg]}
}

// ImageOut is an image as the API returns it.
type ImageOut struct {
	ID                int64       `json:"id"`
	File              string      `json:"file" doc:"Storage key of the original."`
	Visibility        string      `json:"visibility" enum:"private,public"`
	URL               *string     `json:"url" doc:"Always null: private files are reached through signed URLs."`
	PublicURL         *string     `json:"public_url"`
	VariantKeys       VariantSet  `json:"variant_keys"`
	PublicVariantURLs *VariantSet `json:"public_variant_urls"`
	Description       string      `json:"description"`
	AltText           string      `json:"alt_text"`
	Title             string      `json:"title"`
	Organization      int64       `json:"organization" doc:"Organization id."`
	Creator           *int64      `json:"creator" doc:"Creator user id."`
	CreatedAt         time.Time   `json:"created_at"`
	UpdatedAt         time.Time   `json:"updated_at"`
}

func (s *Service) imageOut(img sqlc.Image) ImageOut {
	keys := VariantKeys(img.File)
	out := ImageOut{
		ID: img.ID, File: img.File, Visibility: img.Visibility, VariantKeys: variantSet(keys),
		Description: img.Description, AltText: img.AltText, Title: img.Title,
		Organization: img.OrganizationID, Creator: img.CreatorID, CreatedAt: img.CreatedAt, UpdatedAt: img.UpdatedAt,
	}
	if img.Visibility == "public" {
		urls := make(map[string]string, len(keys))
		for name, k := range keys {
			urls[name] = s.publicURL(k)
		}
		set := variantSet(urls)
		out.PublicVariantURLs = &set
		out.PublicURL = &set.Original
	}
	return out
}

// RelationOut is an image attached to a target.
type RelationOut struct {
	ID                int64    `json:"id"`
	Image             ImageOut `json:"image"`
	IsCover           bool     `json:"is_cover"`
	Order             *int32   `json:"order"`
	CustomDescription *string  `json:"custom_description"`
	CustomAltText     *string  `json:"custom_alt_text"`
	CustomTitle       *string  `json:"custom_title"`
	ObjectID          int64    `json:"object_id"`
	ContentType       string   `json:"content_type" doc:"Model name of the target, e.g. contact."`
}

func (s *Service) relationOut(r sqlc.ImageRelation, img sqlc.Image) RelationOut {
	order := r.Order
	_, model, _ := strings.Cut(r.TargetType, ".")
	return RelationOut{
		ID: r.ID, Image: s.imageOut(img), IsCover: r.IsCover, Order: &order,
		CustomDescription: r.CustomDescription, CustomAltText: r.CustomAltText, CustomTitle: r.CustomTitle,
		ObjectID: r.ObjectID, ContentType: model,
	}
}
