package roster

import (
	"errors"
	"net/mail"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Status is a user's lifecycle state.
type Status string

// The user statuses (PRODUCT.md).
const (
	StatusPrepared Status = "prepared"
	StatusInvited  Status = "invited"
	StatusActive   Status = "active"
	StatusInactive Status = "inactive"
)

// ValidStatus reports whether s is a known status.
func ValidStatus(s Status) bool {
	switch s {
	case StatusPrepared, StatusInvited, StatusActive, StatusInactive:
		return true
	}
	return false
}

// ParseStatusList reads statuses given as values that may each list
// several separated by commas (a repeated query parameter, or one with
// commas): trimmed, empty ones skipped, each kept once in the order given.
// Unknown ones are reported as errors of the field "status".
func ParseStatusList(values []string) ([]Status, error) {
	var out []Status
	var bad Validation
	for _, raw := range values {
		for s := range strings.SplitSeq(raw, ",") {
			st := Status(strings.TrimSpace(s))
			switch {
			case st == "":
			case !ValidStatus(st):
				shown := strings.ToValidUTF8(string(st), "")
				if r := []rune(shown); len(r) > 40 {
					shown = string(r[:40])
				}
				bad.Add("status", "%q is not one of active, invited, prepared, inactive", shown)
			case !slices.Contains(out, st):
				out = append(out, st)
			}
		}
	}
	return out, bad.Err()
}

// HoldsSeat reports whether a user in status s counts against its license
// pool: active and invited users do, prepared and inactive ones do not.
func (s Status) HoldsSeat() bool { return s == StatusActive || s == StatusInvited }

// User is a person in one org.
type User struct {
	ID          string     `json:"id"`
	OrgID       string     `json:"-"`
	Email       string     `json:"email"`
	FirstName   string     `json:"first_name"`
	LastName    string     `json:"last_name"`
	Status      Status     `json:"status"`
	RoleID      string     `json:"-"`
	Role        string     `json:"role"` // role key
	LicenseType string     `json:"license_type"`
	Extension   string     `json:"extension,omitempty"`
	LastLoginAt *time.Time `json:"last_login_at"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
	// Presence and Teams are filled in by the people list. Teams is nil
	// until they are read (a query that reads them leaves it empty, not
	// nil, for a user in no team).
	Presence Presence  `json:"presence,omitempty"`
	Teams    []TeamRef `json:"teams,omitempty"`
	// Activity is what Presence is derived from, when the query that read
	// the user read it too (nil otherwise).
	Activity *PresenceInput `json:"-"`

	PasswordHash string `json:"-"`
}

// Name is the display name, falling back to the email.
func (u *User) Name() string {
	n := strings.TrimSpace(u.FirstName + " " + u.LastName)
	if n == "" {
		return u.Email
	}
	return n
}

// ErrEmailInvalid is returned by NormalizeEmail for anything that is not a
// single plain address.
var ErrEmailInvalid = errors.New("is not a valid email address")

// NormalizeEmail trims and lower-cases an address and checks that it is one
// plain addr-spec (no display name, no comments) with a dotted domain.
// Users never have to type their address in lower case.
func NormalizeEmail(s string) (string, error) {
	// Check the encoding first: ToLower would turn invalid bytes into
	// U+FFFD and let them pass.
	if !utf8.ValidString(s) {
		return "", ErrEmailInvalid
	}
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" || len(s) > 254 {
		return "", ErrEmailInvalid
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != s {
		return "", ErrEmailInvalid
	}
	at := strings.LastIndexByte(s, '@')
	local, domain := s[:at], s[at+1:]
	if local == "" || len(local) > 64 || !strings.Contains(domain, ".") ||
		strings.HasPrefix(domain, ".") || strings.HasSuffix(domain, ".") || strings.Contains(domain, "..") {
		return "", ErrEmailInvalid
	}
	for _, r := range s {
		if r <= ' ' || r == 0x7f {
			return "", ErrEmailInvalid
		}
	}
	return s, nil
}

// SplitEmails splits pasted text on commas, semicolons and any white space,
// dropping empty pieces. Normalisation is left to NormalizeEmail so that each
// bad address can be reported as typed.
func SplitEmails(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool {
		return r == ',' || r == ';' || r == ' ' || r == '\n' || r == '\r' || r == '\t'
	})
}

// ValidateName checks a first or last name.
func ValidateName(s string) error {
	if utf8.RuneCountInString(s) > 100 {
		return errors.New("must be at most 100 characters")
	}
	for _, r := range s {
		if r < ' ' || r == 0x7f {
			return errors.New("must not contain control characters")
		}
	}
	return nil
}
