package admin_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"apistarter/internal/testutil"

	"github.com/chromedp/chromedp"
)

// chromiumPath is Debian's chromium package (services.sh installs it).
const chromiumPath = "/usr/bin/chromium"

// screenshotDir collects the browser test's screenshots (gitignored).
const screenshotDir = "testdata/screenshots"

// consoleErrors records every error the page reports: console.error,
// uncaught exceptions and browser log errors (failed loads, blocked by
// the content policy).
type consoleErrors struct {
	mu   sync.Mutex
	list []string
}

func (c *consoleErrors) add(s string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.list = append(c.list, s)
}

func (c *consoleErrors) check(t *testing.T, step string) {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.list) > 0 {
		t.Fatalf("console errors after %s:\n%s", step, strings.Join(c.list, "\n"))
	}
}

// TestBrowserWalkthrough drives headless Chromium through the console as a
// superuser: sign in, find a user and deactivate them, change a member's
// role, retry a failed email, sign out. Each step is checked in
// PostgreSQL, screenshots land in testdata/screenshots, and any console
// error fails the test.
func TestBrowserWalkthrough(t *testing.T) {
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Skipf("browser test skipped: Chromium is not installed at %s (install the Debian package chromium, as services.sh does)", chromiumPath)
	}
	r := newRig(t)
	su := r.user(t, "root", "superuser")
	ada := r.user(t, "ada", "user")
	testutil.Exec(t, r.api, `UPDATE users SET first_name = 'Ada', last_name = 'Lovelace' WHERE id = $1`, ada.ID)
	owner := r.user(t, "owner", "user")
	member := r.user(t, "grace", "user")
	orgID := r.api.CreateGroupOrg(t, owner, "analytical-engines")
	r.api.AddMember(t, "analytical-engines", member, "member")
	taskID := failedEmail(t, r)

	if err := os.MkdirAll(screenshotDir, 0o755); err != nil {
		t.Fatal(err)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck, chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1280, 900),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	ctx, cancelBrowser := chromedp.NewContext(actx)
	defer cancelBrowser()
	ctx, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()

	var errs consoleErrors
	messages := chromedp.Console(ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.IsException() {
				errs.add(m.String() + " " + m.URL)
			}
		}
	}()
	base := r.console.URL
	run := func(step string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			t.Fatalf("%s: %v", step, err)
		}
		errs.check(t, step)
	}
	shot := func(name string) chromedp.Action[chromedp.Void] {
		return chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
			png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
			if err != nil {
				return err
			}
			return os.WriteFile(filepath.Join(screenshotDir, name+".png"), png, 0o644)
		})
	}
	text := func(sel string) string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return v
	}

	run("sign-in page",
		chromedp.Navigate(base+"/admin/users"),
		chromedp.WaitVisible(chromedp.ID("sign-in")),
		shot("01-sign-in"),
	)
	run("sign in",
		chromedp.SendKeys(chromedp.ID("email"), su.Email),
		chromedp.SendKeys(chromedp.ID("password"), password),
		chromedp.Click(chromedp.ID("sign-in")),
		chromedp.WaitVisible(chromedp.ID("search-users")), // back where it was going
		chromedp.Navigate(base+"/admin/"),
		chromedp.WaitVisible(chromedp.CSS("header nav")),
		shot("02-overview"),
	)
	run("search a user",
		chromedp.Navigate(base+"/admin/users"),
		chromedp.SendKeys(chromedp.CSS(`input[name="q"]`), "lovelace"),
		chromedp.Click(chromedp.ID("search-users")),
		chromedp.WaitVisible(chromedp.CSS(`a[href="/admin/users/`+testutil.Itoa(ada.ID)+`"]`)),
		chromedp.Click(chromedp.CSS(`a[href="/admin/users/`+testutil.Itoa(ada.ID)+`"]`)),
		chromedp.WaitVisible(chromedp.ID("deactivate")),
		shot("03-user"),
	)
	run("deactivate",
		chromedp.Click(chromedp.ID("deactivate")),
		chromedp.WaitVisible(chromedp.CSS(".flash")),
	)
	flash := text(".flash")
	active := testutil.Scalar[bool](t, r.api, `SELECT is_active FROM users WHERE id = $1`, ada.ID)
	if active || !strings.Contains(flash, "deactivated") {
		t.Fatalf("after deactivate: active=%v flash=%q", active, flash)
	}

	run("change a member's role",
		chromedp.Navigate(fmt.Sprintf("%s/admin/orgs/%d", base, orgID)),
		chromedp.WaitVisible(chromedp.ID("role-"+member.Slug)),
		chromedp.SetValue(chromedp.ID("role-"+member.Slug), "admin"),
		chromedp.Click(chromedp.ID("set-role-"+member.Slug)),
		chromedp.WaitVisible(chromedp.CSS(".flash")),
		shot("04-org"),
	)
	role := testutil.Scalar[string](t, r.api, `SELECT role FROM memberships WHERE user_id = $1 AND organization_id = $2`, member.ID, orgID)
	if role != "admin" {
		t.Fatalf("role after the change: %q", role)
	}

	run("retry a failed email",
		chromedp.Navigate(base+"/admin/outbox?state=failed"),
		chromedp.WaitVisible(chromedp.ID("retry-"+taskID.String())),
		shot("05-outbox"),
		chromedp.Click(chromedp.ID("retry-"+taskID.String())),
		chromedp.WaitVisible(chromedp.CSS(".flash")),
	)
	failed := testutil.Scalar[bool](t, r.api, `SELECT failed_at IS NOT NULL FROM outbox WHERE id = $1`, taskID)
	if failed {
		t.Fatal("the retried email is still marked failed")
	}

	run("phone-sized overview",
		chromedp.EmulateViewport(390, 844),
		chromedp.Navigate(base+"/admin/"),
		chromedp.WaitVisible(chromedp.CSS("header nav")),
		shot("06-overview-phone"),
		chromedp.EmulateViewport(1280, 900),
	)
	run("sign out",
		chromedp.Click(chromedp.ID("sign-out")),
		chromedp.WaitVisible(chromedp.ID("sign-in")),
	)
	sessions := testutil.Scalar[int](t, r.api, `SELECT count(*) FROM admin_sessions WHERE user_id = $1`, su.ID)
	if sessions != 0 {
		t.Fatalf("%d console sessions left after sign-out", sessions)
	}
	t.Logf("screenshots in %s", screenshotDir)
}
