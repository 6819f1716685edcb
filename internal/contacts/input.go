package contacts

import (
	"apistarter/internal/textnorm"
	"strings"
	"unicode/utf8"

	"github.com/danielgtaylor/huma/v2"
)

// Field limits in characters, the widths of the contacts columns.
const (
	MaxTextLength   = 255
	MaxEmailLength  = 254
	MaxPhoneLength  = 20
	MaxNotesLength  = 10000
	MaxSearchLength = 200
	MaxSearchTerms  = 10
)

// Fields are the writable text fields of a contact. Every one may be absent,
// null or a string; what absent and null mean depends on the operation.
type Fields struct {
	DisplayName Optional[string] `json:"display_name" required:"false" maxLength:"255"`
	FirstName   Optional[string] `json:"first_name" required:"false" maxLength:"255"`
	LastName    Optional[string] `json:"last_name" required:"false" maxLength:"255"`
	Email       Optional[string] `json:"email" required:"false" maxLength:"254" doc:"A valid address, trimmed; null clears it, a blank string is refused."`
	Location    Optional[string] `json:"location" required:"false" maxLength:"255"`
	Phone       Optional[string] `json:"phone" required:"false" maxLength:"20"`
	Notes       Optional[string] `json:"notes" required:"false" maxLength:"10000"`
}

// ContactIn is the body of POST contacts/.
type ContactIn struct{ Fields }

// ContactReplace is the body of PUT contacts/{slug}/: omitted and null
// fields are reset to "".
type ContactReplace struct{ Fields }

// ContactUpdate is the body of PATCH contacts/{slug}/: only sent keys are
// written, null writes "".
type ContactUpdate struct{ Fields }

// Resolve checks what the schema cannot say (huma calls it after decoding).
func (b *ContactIn) Resolve(_ huma.Context, pb *huma.PathBuffer) []error { return b.check(pb, true) }

// Resolve checks what the schema cannot say.
func (b *ContactReplace) Resolve(_ huma.Context, pb *huma.PathBuffer) []error {
	return b.check(pb, true)
}

// Resolve checks what the schema cannot say.
func (b *ContactUpdate) Resolve(_ huma.Context, pb *huma.PathBuffer) []error {
	return b.check(pb, false)
}

// check validates the email (and trims it in place), refuses NUL
// characters, and with needName requires one non-empty name field.
func (f *Fields) check(pb *huma.PathBuffer, needName bool) []error {
	var errs []error
	fail := func(field, msg string) {
		errs = append(errs, &huma.ErrorDetail{Location: pb.With(field), Message: msg})
	}
	for _, t := range f.texts() {
		if t.opt.Set && strings.ContainsRune(t.opt.Value, 0) {
			fail(t.name, "Text cannot contain NUL (0x00) characters.")
		}
	}
	if e := &f.Email; e.Set && !e.Null && utf8.RuneCountInString(e.Value) <= MaxEmailLength && !strings.ContainsRune(e.Value, 0) {
		e.Value = textnorm.TrimPySpace(e.Value)
		switch {
		case e.Value == "":
			fail("email", "Email cannot be blank; use null to clear it")
		case !validEmail(e.Value):
			fail("email", "Invalid email address")
		}
	}
	if needName && f.DisplayName.Val() == "" && f.FirstName.Val() == "" && f.LastName.Val() == "" {
		errs = append(errs, &huma.ErrorDetail{Location: pb.String(),
			Message: "At least one of display_name, first_name, or last_name must be provided."})
	}
	return errs
}

type namedText struct {
	name string
	opt  *Optional[string]
}

func (f *Fields) texts() []namedText {
	return []namedText{
		{"display_name", &f.DisplayName}, {"first_name", &f.FirstName}, {"last_name", &f.LastName},
		{"email", &f.Email}, {"location", &f.Location}, {"phone", &f.Phone}, {"notes", &f.Notes},
	}
}

// displayName is the display name a create or replace stores: the given
// one, else "first last" trimmed, cut to the column's 255 characters (two
// long names would overflow it and fail the insert).
func (f *Fields) displayName() string {
	if d := f.DisplayName.Val(); d != "" {
		return d
	}
	d := textnorm.TrimPySpace(f.FirstName.Val() + " " + f.LastName.Val())
	if utf8.RuneCountInString(d) > MaxTextLength {
		d = textnorm.TrimPySpace(string([]rune(d)[:MaxTextLength]))
	}
	return d
}
