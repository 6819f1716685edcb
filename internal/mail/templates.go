package mail

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	htmltemplate "github.com/DataDog/datadog-agent/pkg/template/html"
	texttemplate "github.com/DataDog/datadog-agent/pkg/template/text"
	"io/fs"
	"maps"
	"net/url"
	"path"
	"slices"
	"strings"
	"time"
)

// Template names. Each has templates/<name>.txt, whose first line is
// "Subject: ...", and templates/<name>.html (rendered inside layout.html).
const (
	RegistrationVerification = "registration_verification" // LinkData
	EmailChangeRequested     = "email_change_requested"    // EmailChangeData, to the old address
	EmailChangeVerification  = "email_change_verification" // EmailChangeData with Link, to the new address
	EmailChangeCompleted     = "email_change_completed"    // EmailChangeData, to both addresses
	PasswordReset            = "password_reset"            // LinkData
	OrgInvitation            = "org_invitation"            // InvitationData
	ExportReady              = "export_ready"              // ExportReadyData
)

// Frontend paths that receive a token in the URL fragment (see TokenLink).
const (
	PathVerifyRegistration = "/verify-registration"
	PathVerifyEmailChange  = "/verify-email-change"
	PathResetPassword      = "/reset-password"
	PathAcceptInvitation   = "/accept-invitation"
)

// LinkData is the data of RegistrationVerification and PasswordReset.
type LinkData struct {
	Project   string
	Name      string        // greeting; optional
	Link      string        // from TokenLink
	ExpiresIn time.Duration // 12h for registration, 2h for a reset
}

// EmailChangeData is the data of the three email-change templates.
type EmailChangeData struct {
	Project   string
	Name      string // greeting; optional
	OldEmail  string
	NewEmail  string
	Link      string        // EmailChangeVerification only, from TokenLink
	ExpiresIn time.Duration // EmailChangeVerification only (24h)
}

// InvitationData is the data of OrgInvitation.
type InvitationData struct {
	Project   string
	Org       string
	Inviter   string // display name or email of the inviter; optional
	Role      string
	Link      string        // from TokenLink
	ExpiresIn time.Duration // 7 days
}

// ExportReadyData is the data of ExportReady.
type ExportReadyData struct {
	Project   string
	Name      string // greeting; optional
	Org       string
	Link      string    // signed download link
	ExpiresAt time.Time // when the link stops working
}

// TokenLink builds frontendURL+path with the token in the URL fragment, which
// browsers never send to servers, so tokens stay out of access logs and
// Referer headers.
func TokenLink(frontendURL, path, token string) string {
	return strings.TrimRight(frontendURL, "/") + "/" + strings.TrimLeft(path, "/") +
		"#token=" + url.QueryEscape(token)
}

//go:embed templates/*.txt templates/*.html
var templateFS embed.FS

const layoutFile = "templates/layout.html"

// Templates renders the embedded templates. Parse once with NewTemplates;
// rendering is safe for concurrent use.
type Templates struct {
	byName map[string]*emailTemplate
}

type emailTemplate struct {
	subject *texttemplate.Template
	text    *texttemplate.Template
	html    *htmltemplate.Template
}

// NewTemplates parses every embedded template.
func NewTemplates() (*Templates, error) {
	return parseTemplates(templateFS)
}

func parseTemplates(fsys fs.FS) (*Templates, error) {
	htmlFuncs := templateFuncs()
	htmlFuncs["button"] = func(link, label string) buttonData { return buttonData{Link: link, Label: label} }
	layout, err := htmltemplate.New("layout").Funcs(htmlFuncs).
		Option("missingkey=error").ParseFS(fsys, layoutFile)
	if err != nil {
		return nil, fmt.Errorf("mail: templates: %w", err)
	}
	files, err := fs.Glob(fsys, "templates/*.txt")
	if err != nil {
		return nil, fmt.Errorf("mail: templates: %w", err)
	}
	t := &Templates{byName: make(map[string]*emailTemplate, len(files))}
	for _, file := range files {
		name := strings.TrimSuffix(path.Base(file), ".txt")
		et, err := parseTemplate(fsys, layout, name)
		if err != nil {
			return nil, fmt.Errorf("mail: template %s: %w", name, err)
		}
		t.byName[name] = et
	}
	return t, nil
}

func parseTemplate(fsys fs.FS, layout *htmltemplate.Template, name string) (*emailTemplate, error) {
	src, err := fs.ReadFile(fsys, "templates/"+name+".txt")
	if err != nil {
		return nil, err
	}
	first, body, _ := strings.Cut(string(src), "\n")
	subjectSrc, ok := strings.CutPrefix(strings.TrimSpace(first), "Subject:")
	if !ok || strings.TrimSpace(subjectSrc) == "" {
		return nil, errors.New(`first line must be "Subject: ..."`)
	}
	subject, err := texttemplate.New(name + ".subject").Funcs(templateFuncs()).
		Option("missingkey=error").Parse(strings.TrimSpace(subjectSrc))
	if err != nil {
		return nil, err
	}
	text, err := texttemplate.New(name + ".txt").Funcs(templateFuncs()).
		Option("missingkey=error").Parse(strings.TrimLeft(body, "\r\n"))
	if err != nil {
		return nil, err
	}
	html, err := layout.Clone()
	if err != nil {
		return nil, err
	}
	if html, err = html.ParseFS(fsys, "templates/"+name+".html"); err != nil {
		return nil, err
	}
	if html.Lookup("content") == nil {
		return nil, errors.New(`html template defines no "content"`)
	}
	return &emailTemplate{subject: subject, text: text, html: html}, nil
}

// Names lists the template names, for tests and tooling.
func (t *Templates) Names() []string {
	return slices.Sorted(maps.Keys(t.byName))
}

// Render executes template name with data. The subject is collapsed to one
// line (data cannot inject headers); the text part is not HTML-escaped.
func (t *Templates) Render(name string, data any) (subject, text, html string, err error) {
	et, ok := t.byName[name]
	if !ok {
		return "", "", "", fmt.Errorf("mail: render: unknown template %q", name)
	}
	var buf bytes.Buffer
	if err := et.subject.Execute(&buf, data); err != nil {
		return "", "", "", fmt.Errorf("mail: render %s subject: %w", name, err)
	}
	subject = strings.Join(strings.Fields(buf.String()), " ")
	if subject == "" {
		return "", "", "", fmt.Errorf("mail: render %s: empty subject", name)
	}
	buf.Reset()
	if err := et.text.Execute(&buf, data); err != nil {
		return "", "", "", fmt.Errorf("mail: render %s text: %w", name, err)
	}
	text = buf.String()
	buf.Reset()
	if err := et.html.ExecuteTemplate(&buf, "layout", data); err != nil {
		return "", "", "", fmt.Errorf("mail: render %s html: %w", name, err)
	}
	return subject, text, buf.String(), nil
}

// Compose renders template name into a Message for the given recipients.
func (t *Templates) Compose(name string, data any, to ...string) (Message, error) {
	subject, text, html, err := t.Render(name, data)
	if err != nil {
		return Message{}, err
	}
	m := Message{To: to, Subject: subject, Text: text, HTML: html}
	if err := m.Validate(); err != nil {
		return Message{}, fmt.Errorf("mail: compose %s: %w", name, err)
	}
	return m, nil
}

// templateFuncs are the helpers of the text and HTML templates.
func templateFuncs() map[string]any {
	return map[string]any{"duration": humanDuration, "date": humanDate}
}

// buttonData feeds the layout's "button": a call-to-action link.
type buttonData struct{ Link, Label string }

// humanDuration renders a validity period: "2 hours", "7 days".
func humanDuration(d time.Duration) (string, error) {
	if d <= 0 {
		return "", errors.New("expiry duration not set")
	}
	unit := func(n int64, word string) string {
		if n == 1 {
			return "1 " + word
		}
		return fmt.Sprintf("%d %ss", n, word)
	}
	const day = 24 * time.Hour
	switch {
	case d%day == 0 && d > day: // "24 hours" reads better than "1 day"
		return unit(int64(d/day), "day"), nil
	case d%time.Hour == 0:
		return unit(int64(d/time.Hour), "hour"), nil
	default:
		return unit(int64((d+time.Minute-1)/time.Minute), "minute"), nil
	}
}

// humanDate renders an instant in UTC: "9 March 2026, 14:05 UTC".
func humanDate(t time.Time) (string, error) {
	if t.IsZero() {
		return "", errors.New("date not set")
	}
	return t.UTC().Format("2 January 2006, 15:04 UTC"), nil
}
