package app

import (
	"fmt"
	"net/http"
	"sync"

	"apistarter/internal/accounts"
	"apistarter/internal/auth"
	"apistarter/internal/mail"
	"apistarter/internal/ratelimit"

	"github.com/danielgtaylor/huma/v2"
)

// accountsWiring builds the accounts service and the rate limiter once per
// process; commands (createsuperuser, seed-demo) use the service without
// serving HTTP, and every feature throttles through the same limiter.
type accountsWiring struct {
	once     sync.Once
	err      error
	accounts *accounts.Service
	limiter  *ratelimit.Limiter
}

// rateLimiter is the shared limiter (GCRA in Redis, per-process fallback).
// Features call it from their wire file:
//
//	lim, err := a.rateLimiter()
//	op.Middlewares = huma.Middlewares{lim.Middleware(api, scope)}
func (a *App) rateLimiter() (*ratelimit.Limiter, error) {
	if err := a.buildAccounts(); err != nil {
		return nil, err
	}
	return a.acc.limiter, nil
}

// accountsService is the accounts service.
func (a *App) accountsService() (*accounts.Service, error) {
	if err := a.buildAccounts(); err != nil {
		return nil, err
	}
	return a.acc.accounts, nil
}

func (a *App) buildAccounts() error {
	a.acc.once.Do(func() {
		lim, err := ratelimit.New(ratelimit.Options{
			Enabled: a.Cfg.RateLimitEnabled, Redis: a.Redis, TrustedProxies: a.Cfg.TrustedProxies, Log: a.Log,
		})
		if err != nil {
			a.acc.err = err
			return
		}
		for _, c := range lim.Collectors() {
			if err := a.Metrics.Registry.Register(c); err != nil {
				a.acc.err = fmt.Errorf("ratelimit: metrics: %w", err)
				return
			}
		}
		templates, err := mail.NewTemplates()
		if err != nil {
			a.acc.err = err
			return
		}
		a.acc.limiter = lim
		a.acc.accounts = accounts.NewService(accounts.Deps{
			Pool:   a.DB,
			Tokens: a.Tokens,
			Hasher: auth.NewHasher(auth.PasswordParams{
				MemoryKiB: a.Cfg.PasswordHashMemoryKiB, Time: a.Cfg.PasswordHashTime, Threads: a.Cfg.PasswordHashThreads,
			}),
			Orgs:      a.Orgs,
			Outbox:    a.Outbox,
			Templates: templates,
			Settings: accounts.Settings{
				FrontendURL: a.Cfg.FrontendURL, ProjectName: a.Cfg.ProjectName,
				RequireEmailVerification: a.Cfg.RequireEmailVerificationForLogin,
				RecipientCaps: accounts.RecipientCaps{
					RegistrationPerHour: a.Cfg.RegistrationMailsPerRecipientHour,
					ResetPerHour:        a.Cfg.ResetMailsPerRecipientHour,
					EmailChangePerHour:  a.Cfg.EmailChangeMailsPerRecipientHour,
				},
			},
			Limiter: lim,
			Log:     a.Log,
		})
	})
	return a.acc.err
}

// wireAccounts mounts the accounts feature: tokens, registration, password
// and email flows, the browser cookie flow, sessions and profiles.
func (a *App) wireAccounts(api huma.API, mux *http.ServeMux) error {
	svc, err := a.accountsService()
	if err != nil {
		return err
	}
	accounts.RegisterRoutes(api, svc, a.acc.limiter, accounts.Browser{
		TrustedOrigins: append([]string{a.Cfg.PublicBaseURL}, a.Cfg.CORSAllowedOrigins...),
		SecureCookies:  a.Cfg.BrowserCookieSecure,
	})
	return nil
}
