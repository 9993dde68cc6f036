package roster

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

var roleKeyRE = regexp.MustCompile(`^[a-z][a-z0-9_]{0,39}$`)

// RoleKeyFromName derives a role key from a display name ("Telephony
// Administrator" → "telephony_administrator"), for callers that give none.
func RoleKeyFromName(name string) string {
	var b strings.Builder
	underscore := false
	for _, r := range strings.ToLower(name) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			if b.Len() == 0 && r <= '9' {
				b.WriteString("r_")
			}
			b.WriteRune(r)
			underscore = false
		case b.Len() > 0 && !underscore:
			b.WriteByte('_')
			underscore = true
		}
		if b.Len() >= 40 {
			break
		}
	}
	return strings.TrimRight(b.String(), "_")
}

// ValidateDisplayName checks a name shown in lists (roles, teams, queues,
// integrations): 1 to 100 characters with no control characters.
func ValidateDisplayName(s string) error {
	if strings.TrimSpace(s) == "" || utf8.RuneCountInString(s) > 100 || !utf8.ValidString(s) {
		return errString("must be 1 to 100 characters")
	}
	for _, r := range s {
		if r < ' ' || r == 0x7f {
			return errString("must not contain control characters")
		}
	}
	return nil
}

// ValidID reports whether s could be an ID: 1 to 100 bytes of valid UTF-8
// without control characters. IDs from outside that fail it are unknown
// without asking the database.
func ValidID(s string) bool {
	if s == "" || len(s) > 100 || !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r < ' ' || r == 0x7f {
			return false
		}
	}
	return true
}

// errString is a plain error message for Validation.Check.
type errString string

func (e errString) Error() string { return string(e) }

// ValidateRoleKey checks a role key.
func ValidateRoleKey(key string) error {
	if !roleKeyRE.MatchString(key) {
		return errString("must be 1 to 40 lower-case letters, digits or underscores, starting with a letter")
	}
	return nil
}

// ParsePermissions checks a list of permission names from outside,
// reporting each unknown or repeated one under field[i], and returns them
// in catalogue order without duplicates.
func ParsePermissions(field string, names []string, v *Validation) PermissionSet {
	seen := map[Permission]bool{}
	for i, n := range names {
		p := Permission(n)
		switch {
		case !ValidPermission(p):
			v.Add(field+"["+strconv.Itoa(i)+"]", "%q is not a permission; see GET /api/v1/permissions", n)
		case seen[p]:
			v.Add(field+"["+strconv.Itoa(i)+"]", "%s is listed twice", n)
		}
		seen[p] = true
	}
	out := PermissionSet{}
	for _, c := range Catalogue {
		if seen[c.Name] {
			out = append(out, c.Name)
		}
	}
	return out
}

// RoleDetail is a role with the teams it links and how many users hold it.
type RoleDetail struct {
	Role
	TeamIDs   []string `json:"team_ids"`
	UserCount int      `json:"user_count"`
}

// PermissionSource says where one of a user's permissions comes from.
type PermissionSource struct {
	Permission Permission `json:"permission"`
	// Sources holds "role" and/or "direct".
	Sources []string `json:"sources"`
}

// UserPermissions is a user's role permissions, direct grants and their
// union with the source of each.
type UserPermissions struct {
	UserID    string             `json:"user_id"`
	Role      string             `json:"role"`
	RoleName  string             `json:"role_name"`
	FromRole  PermissionSet      `json:"role_permissions"`
	Direct    PermissionSet      `json:"direct_permissions"`
	Effective []PermissionSource `json:"effective"`
}

// Effective returns role ∪ direct in catalogue order.
func Effective(role, direct PermissionSet) PermissionSet {
	out := PermissionSet{}
	for _, c := range Catalogue {
		if role.Has(c.Name) || direct.Has(c.Name) {
			out = append(out, c.Name)
		}
	}
	return out
}

// NewUserPermissions assembles a UserPermissions.
func NewUserPermissions(userID string, role *Role, direct PermissionSet) UserPermissions {
	up := UserPermissions{UserID: userID, Role: role.Key, RoleName: role.Name,
		FromRole: slices.Clone(role.Permissions), Direct: slices.Clone(direct), Effective: []PermissionSource{}}
	if up.FromRole == nil {
		up.FromRole = PermissionSet{}
	}
	if up.Direct == nil {
		up.Direct = PermissionSet{}
	}
	for _, p := range Effective(role.Permissions, direct) {
		ps := PermissionSource{Permission: p}
		if role.Permissions.Has(p) {
			ps.Sources = append(ps.Sources, "role")
		}
		if direct.Has(p) {
			ps.Sources = append(ps.Sources, "direct")
		}
		up.Effective = append(up.Effective, ps)
	}
	return up
}
