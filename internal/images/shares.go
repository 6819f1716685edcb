package images

import (
	"apistarter/internal/auth"
	"context"
	"fmt"
	"mime"
	"path"
	"time"

	"apistarter/internal/apperr"
	"apistarter/internal/db"
	"apistarter/internal/db/sqlc"
	"apistarter/internal/orgs"
	"apistarter/internal/storage"
)

// SignedURLsOut are short-lived GET links to every stored version of an image.
type SignedURLsOut struct {
	ImageID   int64      `json:"image_id"`
	ExpiresAt time.Time  `json:"expires_at"`
	URLs      VariantSet `json:"urls"`
}

// SignedURLs signs the image's five objects for SignedURLTTL (read access is enough).
func (s *Service) SignedURLs(ctx context.Context, sc orgs.Scope, id int64) (SignedURLsOut, error) {
	img, err := s.image(ctx, sc.OrgID, id)
	if err != nil {
		return SignedURLsOut{}, err
	}
	return s.sign(ctx, img.ID, img.File)
}

func (s *Service) sign(ctx context.Context, id int64, file string) (SignedURLsOut, error) {
	keys := VariantKeys(file)
	urls := make(map[string]string, len(keys))
	for name, key := range keys {
		ct := mime.TypeByExtension(path.Ext(key))
		if ct == "" {
			ct = "application/octet-stream"
		}
		u, err := s.store.SignedURL(ctx, key, SignedURLTTL, storage.SignOptions{
			ContentType:  ct,
			CacheControl: fmt.Sprintf("private, max-age=%d", int(SignedURLTTL.Seconds())),
		})
		if err != nil {
			return SignedURLsOut{}, fmt.Errorf("images: sign %s: %w", name, err)
		}
		urls[name] = u
	}
	return SignedURLsOut{ImageID: id, ExpiresAt: s.now().Add(SignedURLTTL).UTC(), URLs: variantSet(urls)}, nil
}

// ShareOut is a share link; Token is shown only when the link is created.
type ShareOut struct {
	ID        int64      `json:"id"`
	Token     string     `json:"token"`
	ImageID   int64      `json:"image_id"`
	CreatedAt time.Time  `json:"created_at"`
	ExpiresAt *time.Time `json:"expires_at"`
	RevokedAt *time.Time `json:"revoked_at"`
}

// CreateShare makes a share link for the image, expiring after expiresIn
// (DefaultShareTTL when nil). Only the token's SHA-256 is stored.
func (s *Service) CreateShare(ctx context.Context, sc orgs.Scope, imageID int64, expiresIn *time.Duration) (ShareOut, error) {
	img, err := s.image(ctx, sc.OrgID, imageID)
	if err != nil {
		return ShareOut{}, err
	}
	ttl := DefaultShareTTL
	if expiresIn != nil {
		ttl = *expiresIn
	}
	token := auth.RandomToken()
	expires := s.now().Add(ttl)
	link, err := s.q.InsertShareLink(ctx, sqlc.InsertShareLinkParams{
		ImageID: img.ID, TokenHash: auth.HashToken(token), CreatedByID: &sc.UserID, ExpiresAt: &expires,
	})
	if err != nil {
		return ShareOut{}, fmt.Errorf("images: create share: %w", err)
	}
	return ShareOut{ID: link.ID, Token: token, ImageID: link.ImageID, CreatedAt: link.CreatedAt, ExpiresAt: link.ExpiresAt, RevokedAt: link.RevokedAt}, nil
}

// RevokeShare revokes a link of the image (again: the time is overwritten).
func (s *Service) RevokeShare(ctx context.Context, sc orgs.Scope, imageID, shareID int64) error {
	_, err := s.q.RevokeShareLink(ctx, sqlc.RevokeShareLinkParams{ID: shareID, ImageID: imageID, OrganizationID: sc.OrgID})
	if db.IsNoRows(err) {
		return apperr.NotFoundDefault()
	}
	if err != nil {
		return fmt.Errorf("images: revoke share: %w", err)
	}
	return nil
}

// ResolveShare signs the image of an active link: an unknown token is the
// generic 404, an expired or revoked one "Share link not found".
func (s *Service) ResolveShare(ctx context.Context, token string) (SignedURLsOut, error) {
	row, err := s.q.ResolveShareLink(ctx, auth.HashToken(token))
	if db.IsNoRows(err) {
		return SignedURLsOut{}, apperr.NotFoundDefault()
	}
	if err != nil {
		return SignedURLsOut{}, fmt.Errorf("images: resolve share: %w", err)
	}
	if row.RevokedAt != nil || (row.ExpiresAt != nil && !row.ExpiresAt.After(s.now())) {
		return SignedURLsOut{}, apperr.NotFound("Share link not found")
	}
	return s.sign(ctx, row.ImageID, row.File)
}
