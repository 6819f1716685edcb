package accounts

import (
	"context"
	"net/http"

	"apistarter/internal/auth"
	"apistarter/internal/httpapi"

	"github.com/danielgtaylor/huma/v2"
)

type profileOut struct{ Body Profile }

// profileUpdate is UserProfileUpdate: every field optional, none nullable.
type profileUpdate struct {
	FirstName         optional[string] `json:"first_name,omitempty" required:"false" maxLength:"50"`
	LastName          optional[string] `json:"last_name,omitempty" required:"false" maxLength:"50"`
	Location          optional[string] `json:"location,omitempty" required:"false" maxLength:"100"`
	About             optional[string] `json:"about,omitempty" required:"false" maxLength:"10000"`
	PreferredTheme    optional[string] `json:"preferred_theme,omitempty" required:"false" maxLength:"16"`
	PreferredLanguage optional[string] `json:"preferred_language,omitempty" required:"false" maxLength:"16"`
}

// Resolve rejects NUL characters (explicit nulls never get here: their
// schemas are not nullable, see httpapi.StrictInput).
func (u *profileUpdate) Resolve(_ huma.Context, prefix *huma.PathBuffer) []error {
	return nulErrors(prefix, namedValue{"first_name", u.FirstName.Value}, namedValue{"last_name", u.LastName.Value},
		namedValue{"location", u.Location.Value}, namedValue{"about", u.About.Value},
		namedValue{"preferred_theme", u.PreferredTheme.Value}, namedValue{"preferred_language", u.PreferredLanguage.Value})
}

type updateProfileIn struct{ Body profileUpdate }

type usernameIn struct {
	Body struct {
		Username string `json:"username" maxLength:"1024"`
	}
}

// checkUsernameIn: an empty or absent name is answered like any invalid
// one (200 with the length reason), not with a validation error.
type checkUsernameIn struct {
	Username string `query:"username" maxLength:"1024"`
}

type checkUsernameOut struct{ Body UsernameCheck }

func (r *routes) registerUsers() {
	huma.Register(r.api, httpapi.Route{ID: "users-me", Method: http.MethodGet, Path: "/users/me",
		Summary: "My profile", Tag: "users",
		Middlewares: huma.Middlewares{r.rememberIP}}.Operation(),
		func(ctx context.Context, _ *struct{}) (*profileOut, error) {
			p, _ := auth.PrincipalFrom(ctx)
			if p.Profile != nil {
				// Read with the session (app.New: LoadProfileFor).
				return &profileOut{Body: profileFromRow(*p.Profile)}, nil
			}
			prof, err := r.svc.GetProfile(ctx, p.UserID)
			if err != nil {
				return nil, err
			}
			return &profileOut{Body: prof}, nil
		})

	huma.Register(r.api, httpapi.Route{ID: "users-me-update", Method: http.MethodPatch, Path: "/users/me",
		Summary: "Update my profile (only the fields sent)", Tag: "users",
		Middlewares: huma.Middlewares{r.rememberIP}}.Operation(),
		func(ctx context.Context, in *updateProfileIn) (*profileOut, error) {
			p, _ := auth.PrincipalFrom(ctx)
			b := in.Body
			prof, err := r.svc.UpdateProfile(ctx, p.UserID, ProfileUpdate{
				FirstName: b.FirstName.ptr(), LastName: b.LastName.ptr(), Location: b.Location.ptr(), About: b.About.ptr(),
				PreferredTheme: b.PreferredTheme.ptr(), PreferredLanguage: b.PreferredLanguage.ptr(),
			})
			if err != nil {
				return nil, err
			}
			return &profileOut{Body: prof}, nil
		})

	huma.Register(r.api, httpapi.Route{ID: "users-username", Method: http.MethodPatch, Path: "/users/username",
		Summary: "Change my username (renames my personal org)", Tag: "users",
		Middlewares: huma.Middlewares{r.rememberIP}}.Operation(),
		func(ctx context.Context, in *usernameIn) (*profileOut, error) {
			p, _ := auth.PrincipalFrom(ctx)
			prof, err := r.svc.ChangeUsername(ctx, p, in.Body.Username)
			if err != nil {
				return nil, err
			}
			return &profileOut{Body: prof}, nil
		})

	huma.Register(r.api, httpapi.Route{ID: "users-check-username", Method: http.MethodGet, Path: "/users/check_username",
		Summary: "Is a username valid and free?", Tag: "users",
		Middlewares: huma.Middlewares{r.rememberIP, r.throttle(scopeUsernameCheck)}}.Operation(),
		func(ctx context.Context, in *checkUsernameIn) (*checkUsernameOut, error) {
			res, err := r.svc.CheckUsername(ctx, in.Username)
			if err != nil {
				return nil, err
			}
			return &checkUsernameOut{Body: res}, nil
		})
}
