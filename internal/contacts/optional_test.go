package contacts

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/danielgtaylor/huma/v2"
)

func TestOptionalTellsAbsentNullAndValueApart(t *testing.T) {
	t.Parallel()
	var f Fields
	if err := json.Unmarshal([]byte(`{"display_name":"Ada","email":null}`), &f); err != nil {
		t.Fatal(err)
	}
	if got := f.DisplayName; !got.Set || got.Null || got.Value != "Ada" {
		t.Errorf("display_name = %+v", got)
	}
	if got := f.Email; !got.Set || !got.Null {
		t.Errorf("email = %+v", got)
	}
	if got := f.Notes; got.Set {
		t.Errorf("notes = %+v", got)
	}
	if p := f.Email.Ptr(); p == nil || *p != "" {
		t.Errorf("null Ptr = %v, want pointer to \"\"", p)
	}
	if p := f.Notes.Ptr(); p != nil {
		t.Errorf("absent Ptr = %v, want nil", p)
	}
	if err := json.Unmarshal([]byte(`{"phone":5}`), &f); err == nil {
		t.Error("a number was accepted as a string")
	}
}

func TestOptionalSchemaIsNullableWithFieldLimits(t *testing.T) {
	t.Parallel()
	r := huma.NewMapRegistry("#/components/schemas/", huma.DefaultSchemaNamer)
	s := r.Schema(reflect.TypeFor[ContactUpdate](), false, "")
	phone := s.Properties["phone"]
	if phone == nil || phone.Type != huma.TypeString || !phone.Nullable || phone.MaxLength == nil || *phone.MaxLength != MaxPhoneLength {
		t.Fatalf("phone schema = %+v", phone)
	}
	if len(s.Required) != 0 {
		t.Fatalf("required = %v, want none", s.Required)
	}
}
