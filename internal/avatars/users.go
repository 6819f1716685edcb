package avatars

import (
	"context"
	"fmt"

	"apistarter/internal/db/sqlc"
	"apistarter/internal/images"
)

// UserAvatarOut are the public URLs of a user's new avatar.
type UserAvatarOut struct {
	AvatarURL      string `json:"avatar_url"`
	AvatarLargeURL string `json:"avatar_large_url"`
}

// UploadUser reads the request's file and makes it the user's avatar.
func (s *Service) UploadUser(ctx context.Context, userID int64) (UserAvatarOut, error) {
	key, err := s.upload(ctx, images.AvatarUsers, userMessages())
	if err != nil {
		return UserAvatarOut{}, err
	}
	n, err := s.q.SetUserAvatar(ctx, sqlc.SetUserAvatarParams{ID: userID, AvatarPath: &key})
	if err == nil && n == 0 {
		err = fmt.Errorf("avatars: user %d vanished", userID)
	}
	if err != nil {
		s.discard(ctx, []string{key, images.LargeAvatarKey(key)})
		return UserAvatarOut{}, s.unavailable(ctx, fmt.Errorf("avatars: set user avatar: %w", err))
	}
	return UserAvatarOut{AvatarURL: s.publicURL(key), AvatarLargeURL: s.publicURL(images.LargeAvatarKey(key))}, nil
}

// DeleteUser removes the user's avatar (fine when there is none).
func (s *Service) DeleteUser(ctx context.Context, userID int64) error {
	if _, err := s.q.SetUserAvatar(ctx, sqlc.SetUserAvatarParams{ID: userID, AvatarPath: nil}); err != nil {
		return fmt.Errorf("avatars: delete user avatar: %w", err)
	}
	return nil
}
