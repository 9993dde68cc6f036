package roster

import (
	"errors"
	"strings"
	"testing"
)

func TestValidatePassword(t *testing.T) {
	for _, tc := range []struct {
		pw, email string
		ok        bool
	}{
		{"correct horse battery", "jane@x.test", true},
		{"Tr0ub4dor&3xyz", "", true},
		{"ähnlich-größe", "", true},                           // 13 runes, counted as characters, not bytes
		{strings.Repeat("x", 7), "", false},                   // too short
		{strings.Repeat("é", 7), "", false},                   // 14 bytes but 7 characters
		{strings.Repeat("ab", 64) + "c", "", false},           // 129 characters
		{"password", "", false},                               // common
		{"PassWord1", "", false},                              // common, case-insensitively
		{"12345678", "", false},                               // a run
		{"aaaaaaaaaa", "", false},                             // one character repeated
		{"hgfedcba", "", false},                               // a descending run
		{"jane@x.test", "jane@x.test", false},                 // the email itself
		{"janedoe1", "janedoe@x.test", false},                 // the local part plus little
		{"janedoe and a long phrase", "janedoe@x.test", true}, // the local part inside much more
	} {
		err := ValidatePassword(tc.pw, tc.email)
		if (err == nil) != tc.ok {
			t.Errorf("ValidatePassword(%q, %q) = %v, want ok=%v", tc.pw, tc.email, err, tc.ok)
		}
	}
}

func TestValidateNewOrg(t *testing.T) {
	if err := ValidateNewOrg("Acme", "acme-2", PlanTrial); err != nil {
		t.Fatalf("valid org refused: %v", err)
	}
	err := ValidateNewOrg(" ", "Acme!", "gold")
	fields := fieldsOf(t, err)
	for _, f := range []string{"name", "slug", "plan"} {
		if fields[f] == "" {
			t.Errorf("no field error for %s in %v", f, err)
		}
	}
	for _, slug := range []string{"-acme", "acme-", "a_b", strings.Repeat("a", 41), ""} {
		if fieldsOf(t, ValidateNewOrg("Acme", slug, PlanStandard))["slug"] == "" {
			t.Errorf("slug %q accepted", slug)
		}
	}
}

func TestValidateLicensePool(t *testing.T) {
	if err := ValidateLicensePool("power_dialer", "Power Dialer", 0); err != nil {
		t.Fatalf("valid pool refused: %v", err)
	}
	fields := fieldsOf(t, ValidateLicensePool("Power Dialer", "", -1))
	for _, f := range []string{"type", "name", "quantity"} {
		if fields[f] == "" {
			t.Errorf("no field error for %s", f)
		}
	}
	if fieldsOf(t, ValidateLicensePool("voice", "Voice", 1_000_001))["quantity"] == "" {
		t.Error("a quantity above one million was accepted")
	}
}

func TestPermissionSets(t *testing.T) {
	for _, r := range BuiltinRoles {
		for _, p := range r.Permissions {
			if !ValidPermission(p) {
				t.Errorf("built-in role %s grants %q, which is not in the catalogue", r.Key, p)
			}
		}
		if PermissionSet(r.Permissions).IsAdmin() != (r.Key == RoleAdmin) {
			t.Errorf("built-in role %s: IsAdmin = %v", r.Key, PermissionSet(r.Permissions).IsAdmin())
		}
	}
	if ValidPermission("users.delete_everything") {
		t.Error("an unknown permission is valid")
	}
	if (PermissionSet{PermUsersManage}).IsAdmin() {
		t.Error("users.manage alone must not count as admin: roles.manage is needed too")
	}
}

func TestErrorKinds(t *testing.T) {
	err := Errorf(KindNotFound, "no user %s", "u1")
	if !errors.Is(err, ErrNotFound) || errors.Is(err, ErrConflict) || ErrorKind(err) != KindNotFound {
		t.Fatalf("kind matching of %v is wrong", err)
	}
	wrapped := errors.Join(errors.New("context"), Errorf(KindConflict, "dup"))
	if !errors.Is(wrapped, ErrConflict) || ErrorKind(wrapped) != KindConflict {
		t.Fatalf("wrapped conflict not recognised: %v", wrapped)
	}
	if ErrorKind(errors.New("disk on fire")) != "" {
		t.Fatal("a plain error must have no kind (it is internal)")
	}
	var v Validation
	if v.Err() != nil {
		t.Fatal("an empty validation must be nil")
	}
	v.Check("email", ErrEmailInvalid)
	v.Check("name", nil)
	if f := fieldsOf(t, v.Err()); len(f) != 1 || f["email"] != ErrEmailInvalid.Error() {
		t.Fatalf("validation fields = %v", f)
	}
}

// fieldsOf returns the field errors of an Invalid error.
func fieldsOf(t *testing.T, err error) map[string]string {
	t.Helper()
	out := map[string]string{}
	if err == nil {
		return out
	}
	var e *Error
	if !errors.As(err, &e) || e.Kind != KindInvalid {
		t.Fatalf("error %v is not Invalid", err)
	}
	for _, f := range e.Fields {
		out[f.Field] = f.Message
	}
	return out
}
