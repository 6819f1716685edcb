package accounts

import (
	"context"
	"net/http"

	"apistarter/internal/ratelimit"

	"github.com/danielgtaylor/huma/v2"
)

// credentials is TokenPairInput of the contract.
type credentials struct {
	Email      string  `json:"email" minLength:"3" maxLength:"254" doc:"Login email (case-insensitive)"`
	Password   string  `json:"password" maxLength:"1024"`
	DeviceName *string `json:"device_name,omitempty" required:"false" maxLength:"120" doc:"Shown in the session list"`
}

// Resolve normalises the address and rejects malformed ones (400).
func (c *credentials) Resolve(_ huma.Context, prefix *huma.PathBuffer) []error {
	return append(checkEmail(prefix, "email", &c.Email), nulErrors(prefix, namedValue{"device_name", deref(c.DeviceName)})...)
}

func (c *credentials) deviceName() string { return deref(c.DeviceName) }

type loginIn struct{ Body credentials }

type loginOut struct {
	Body struct {
		Access  string `json:"access"`
		Refresh string `json:"refresh"`
		Email   string `json:"email"`
	}
}

type refreshIn struct {
	Body struct {
		Refresh string `json:"refresh" maxLength:"4096"`
	}
}

type refreshOut struct {
	Body struct {
		Access  string `json:"access"`
		Refresh string `json:"refresh"`
	}
}

type verifyTokenIn struct {
	Body struct {
		Token string `json:"token" maxLength:"4096"`
	}
}

type verifyTokenOut struct {
	Body struct{}
}

func (r *routes) registerToken() {
	huma.Register(r.api, r.operation("token-pair", http.MethodPost, "/token/pair", "Log in: obtain an access and a refresh token", "auth", false, &scopeLogin),
		func(ctx context.Context, in *loginIn) (*loginOut, error) {
			s, err := r.svc.Login(ctx, in.Body.Email, in.Body.Password, in.Body.deviceName(), ratelimit.ClientIPFrom(ctx))
			if err != nil {
				return nil, err
			}
			out := &loginOut{}
			out.Body.Access, out.Body.Refresh, out.Body.Email = s.Access, s.Refresh, s.Email
			return out, nil
		})

	huma.Register(r.api, r.operation("token-refresh", http.MethodPost, "/token/refresh", "Rotate a refresh token", "auth", false, &scopeRefresh),
		func(ctx context.Context, in *refreshIn) (*refreshOut, error) {
			s, err := r.svc.Refresh(ctx, in.Body.Refresh)
			if err != nil {
				return nil, err
			}
			out := &refreshOut{}
			out.Body.Access, out.Body.Refresh = s.Access, s.Refresh
			return out, nil
		})

	huma.Register(r.api, r.operation("token-verify", http.MethodPost, "/token/verify", "Check a token (signature, expiry and its session)", "auth", false, &scopeTokenVerify),
		func(ctx context.Context, in *verifyTokenIn) (*verifyTokenOut, error) {
			if err := r.svc.VerifyToken(ctx, in.Body.Token); err != nil {
				return nil, err
			}
			return &verifyTokenOut{}, nil
		})

	huma.Register(r.api, r.operation("auth-logout", http.MethodPost, "/auth/logout/", "Log out: revoke the session of a refresh token", "auth", false, &scopeLogout),
		func(ctx context.Context, in *refreshIn) (*detailOut, error) {
			if err := r.svc.Logout(ctx, in.Body.Refresh); err != nil {
				return nil, err
			}
			return detail("Logged out successfully."), nil
		})
}
