package accounts

import (
	"context"
	"net/http"

	"apistarter/internal/httpapi"
	"apistarter/internal/ratelimit"

	"github.com/danielgtaylor/huma/v2"
)

// credentials is the login body: email, password and an optional device
// name for the session list.
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
	huma.Register(r.api, httpapi.Route{ID: "token-pair", Method: http.MethodPost, Path: "/token/pair",
		Summary: "Log in: obtain an access and a refresh token", Tag: "auth", Public: true,
		Middlewares: huma.Middlewares{r.rememberIP, r.throttle(scopeLogin)}}.Operation(),
		func(ctx context.Context, in *loginIn) (*loginOut, error) {
			s, err := r.svc.Login(ctx, in.Body.Email, in.Body.Password, in.Body.deviceName(), ratelimit.ClientIPFrom(ctx))
			if err != nil {
				return nil, err
			}
			out := &loginOut{}
			out.Body.Access, out.Body.Refresh, out.Body.Email = s.Access, s.Refresh, s.Email
			return out, nil
		})

	huma.Register(r.api, httpapi.Route{ID: "token-refresh", Method: http.MethodPost, Path: "/token/refresh",
		Summary: "Rotate a refresh token", Tag: "auth", Public: true,
		Middlewares: huma.Middlewares{r.rememberIP, r.throttle(scopeRefresh)}}.Operation(),
		func(ctx context.Context, in *refreshIn) (*refreshOut, error) {
			s, err := r.svc.Refresh(ctx, in.Body.Refresh)
			if err != nil {
				return nil, err
			}
			out := &refreshOut{}
			out.Body.Access, out.Body.Refresh = s.Access, s.Refresh
			return out, nil
		})

	huma.Register(r.api, httpapi.Route{ID: "token-verify", Method: http.MethodPost, Path: "/token/verify",
		Summary: "Check a token (signature, expiry and its session)", Tag: "auth", Public: true,
		Middlewares: huma.Middlewares{r.rememberIP, r.throttle(scopeTokenVerify)}}.Operation(),
		func(ctx context.Context, in *verifyTokenIn) (*verifyTokenOut, error) {
			if err := r.svc.VerifyToken(ctx, in.Body.Token); err != nil {
				return nil, err
			}
			return &verifyTokenOut{}, nil
		})

	huma.Register(r.api, httpapi.Route{ID: "auth-logout", Method: http.MethodPost, Path: "/auth/logout/",
		Summary: "Log out: revoke the session of a refresh token", Tag: "auth", Public: true,
		Middlewares: huma.Middlewares{r.rememberIP, r.throttle(scopeLogout)}}.Operation(),
		func(ctx context.Context, in *refreshIn) (*detailOut, error) {
			if err := r.svc.Logout(ctx, in.Body.Refresh); err != nil {
				return nil, err
			}
			return detail("Logged out successfully."), nil
		})
}
