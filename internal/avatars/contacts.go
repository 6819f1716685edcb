package avatars

import (
	"context"
	"fmt"

	"apistarter/internal/apperr"
	"apistarter/internal/db"
	"apistarter/internal/db/sqlc"
	"apistarter/internal/images"
	"apistarter/internal/textnorm"
)

// ContactAvatarOut is a contact's new avatar: its key and public URLs.
type ContactAvatarOut struct {
	AvatarPath     string `json:"avatar_path"`
	AvatarURL      string `json:"avatar_url"`
	LargeAvatarURL string `json:"large_avatar_url"`
}

func (s *Service) contact(ctx context.Context, orgID int64, slug string) (sqlc.ContactAvatarRow, error) {
	if len(slug) > 50 || !textnorm.ValidText(slug) {
		return sqlc.ContactAvatarRow{}, apperr.NotFoundDefault() // no contact can have it
	}
	c, err := s.q.ContactAvatar(ctx, sqlc.ContactAvatarParams{OrganizationID: orgID, Slug: slug})
	if db.IsNoRows(err) {
		return c, apperr.NotFoundDefault()
	}
	if err != nil {
		return c, fmt.Errorf("avatars: contact: %w", err)
	}
	return c, nil
}

// UploadContact reads the request's file and makes it the avatar of the
// org's contact with slug.
func (s *Service) UploadContact(ctx context.Context, orgID int64, slug string) (ContactAvatarOut, error) {
	c, err := s.contact(ctx, orgID, slug)
	if err != nil {
		return ContactAvatarOut{}, err
	}
	key, err := s.upload(ctx, images.AvatarContacts, contactMessages())
	if err != nil {
		return ContactAvatarOut{}, err
	}
	n, err := s.q.SetContactAvatar(ctx, sqlc.SetContactAvatarParams{OrganizationID: orgID, ID: c.ID, AvatarPath: &key})
	if err != nil || n == 0 {
		s.discard(ctx, []string{key, images.LargeAvatarKey(key)})
		if err == nil {
			return ContactAvatarOut{}, apperr.NotFoundDefault() // deleted meanwhile
		}
		return ContactAvatarOut{}, s.unavailable(ctx, fmt.Errorf("avatars: set contact avatar: %w", err))
	}
	return ContactAvatarOut{AvatarPath: key, AvatarURL: s.publicURL(key), LargeAvatarURL: s.publicURL(images.LargeAvatarKey(key))}, nil
}

// DeleteContact removes the contact's avatar: 404 "No avatar to delete."
// when it has none.
func (s *Service) DeleteContact(ctx context.Context, orgID int64, slug string) error {
	c, err := s.contact(ctx, orgID, slug)
	if err != nil {
		return err
	}
	if c.AvatarPath == nil || *c.AvatarPath == "" {
		return apperr.NotFound("No avatar to delete.")
	}
	if _, err := s.q.SetContactAvatar(ctx, sqlc.SetContactAvatarParams{OrganizationID: orgID, ID: c.ID, AvatarPath: nil}); err != nil {
		return fmt.Errorf("avatars: delete contact avatar: %w", err)
	}
	return nil
}
