package accounts

import (
	"context"
	"net/http"

	"apistarter/internal/httpapi"

	"github.com/danielgtaylor/huma/v2"
)

type registerIn struct {
	Body registerBody
}

type registerBody struct {
	Email string `json:"email" maxLength:"254"`
}

// Resolve normalises the address and rejects malformed ones (400).
func (b *registerBody) Resolve(_ huma.Context, prefix *huma.PathBuffer) []error {
	return checkEmail(prefix, "email", &b.Email)
}

// looseEmailIn is an address that is not validated by the schema: malformed
// ones get the same generic answer as every other (resend, reset request).
type looseEmailIn struct {
	Body struct {
		Email string `json:"email" maxLength:"254"`
	}
}

// registrationVerification is the body that finishes a registration: the
// mailed token and the chosen password.
type registrationVerification struct {
	Token      string  `json:"token" minLength:"8" maxLength:"128"`
	Password   string  `json:"password" maxLength:"1024"`
	DeviceName *string `json:"device_name,omitempty" required:"false" maxLength:"120"`
}

// Resolve rejects a device name PostgreSQL cannot store.
func (v *registrationVerification) Resolve(_ huma.Context, prefix *huma.PathBuffer) []error {
	return nulErrors(prefix, namedValue{"device_name", deref(v.DeviceName)})
}

func (v *registrationVerification) deviceName() string { return deref(v.DeviceName) }

type verifyRegistrationIn struct{ Body registrationVerification }

type verifyRegistrationOut struct {
	Body struct {
		Detail  string `json:"detail"`
		Access  string `json:"access"`
		Refresh string `json:"refresh"`
	}
}

const msgEmailVerified = "Email verified successfully."

func (r *routes) registerRegistration() {
	huma.Register(r.api, httpapi.Route{ID: "auth-register", Method: http.MethodPost, Path: "/auth/register/",
		Summary: "Start a registration (mails a verification link)", Tag: "auth", Public: true,
		Middlewares: huma.Middlewares{r.rememberIP, r.throttle(scopeRegister)}}.Operation(),
		func(ctx context.Context, in *registerIn) (*detailOut, error) {
			if err := r.svc.Register(ctx, in.Body.Email); err != nil {
				return nil, err
			}
			return detail(msgRegistrationSent), nil
		})

	huma.Register(r.api, httpapi.Route{ID: "auth-resend-verification", Method: http.MethodPost, Path: "/auth/resend-verification",
		Summary: "Mail a new verification link", Tag: "auth", Public: true,
		Middlewares: huma.Middlewares{r.rememberIP, r.throttle(scopeVerification)}}.Operation(),
		func(ctx context.Context, in *looseEmailIn) (*detailOut, error) {
			if email := NormalizeEmail(in.Body.Email); ValidEmail(email) {
				if err := r.svc.Register(ctx, email); err != nil {
					return nil, err
				}
			}
			return detail(msgRegistrationSent), nil
		})

	huma.Register(r.api, httpapi.Route{ID: "auth-verify-registration", Method: http.MethodPost, Path: "/auth/verify-registration",
		Summary: "Finish a registration: choose the password, get tokens", Tag: "auth", Public: true,
		Middlewares: huma.Middlewares{r.rememberIP, r.throttle(scopeVerifyRegistration)}}.Operation(),
		func(ctx context.Context, in *verifyRegistrationIn) (*verifyRegistrationOut, error) {
			s, err := r.svc.VerifyRegistration(ctx, in.Body.Token, in.Body.Password, in.Body.deviceName())
			if err != nil {
				return nil, err
			}
			out := &verifyRegistrationOut{}
			out.Body.Detail, out.Body.Access, out.Body.Refresh = msgEmailVerified, s.Access, s.Refresh
			return out, nil
		})
}
