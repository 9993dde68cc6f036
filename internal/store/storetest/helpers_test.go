package storetest_test

import (
	"errors"
	"fmt"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"roster/internal/roster"
	"roster/internal/store"
)

// now is the current time at the precision the store keeps, so that values
// read back compare equal to what was written.
func now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// newID returns a time-ordered ID like the service's.
func newID() string { return uuid.Must(uuid.NewV7()).String() }

func ptr[T any](v T) *T { return &v }

var seq atomic.Int64

// uniq makes slugs, keys and token hashes distinct across one test binary
// so that fixtures never collide by accident.
func uniq(prefix string) string { return fmt.Sprintf("%s%d", prefix, seq.Add(1)) }

func hash(label string) []byte { return []byte(uniq("hash-" + label + "-")) }

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// inTx runs fn in a write transaction and fails the test on error.
func inTx(t testing.TB, db *store.DB, fn func(c *store.Conn) error) {
	t.Helper()
	if err := db.Tx(t.Context(), fn); err != nil {
		t.Fatal(err)
	}
}

func wantNotFound(t testing.TB, err error) {
	t.Helper()
	if !errors.Is(err, roster.ErrNotFound) {
		t.Fatalf("want ErrNotFound, got %v", err)
	}
}

func wantKind(t testing.TB, err error, kind roster.Kind) {
	t.Helper()
	if got := roster.ErrorKind(err); got != kind {
		t.Fatalf("want error of kind %q, got %v (kind %q)", kind, err, got)
	}
}

func mkOrg(t testing.TB, db *store.DB) *roster.Org {
	t.Helper()
	o := &roster.Org{ID: newID(), Slug: uniq("org-"), Name: "Org", Plan: roster.PlanProfessional,
		InviteTTL: 72 * time.Hour, CreatedAt: now()}
	must(t, db.Reader().CreateOrg(t.Context(), o))
	return o
}

func mkRole(t testing.TB, db *store.DB, orgID, key string, perms ...roster.Permission) *roster.Role {
	t.Helper()
	r := &roster.Role{ID: newID(), OrgID: orgID, Key: key, Name: "Role " + key, Permissions: perms}
	must(t, db.Reader().CreateRole(t.Context(), orgID, r, now()))
	return r
}

// mkUser creates an active user holding role; opts adjust it before insert.
func mkUser(t testing.TB, db *store.DB, orgID string, role *roster.Role, email string, opts ...func(*roster.User)) *roster.User {
	t.Helper()
	ts := now()
	u := &roster.User{ID: newID(), OrgID: orgID, Email: email, FirstName: "First", LastName: "Last",
		Status: roster.StatusActive, RoleID: role.ID, Role: role.Key, CreatedAt: ts, UpdatedAt: ts}
	for _, o := range opts {
		o(u)
	}
	must(t, db.Reader().CreateUser(t.Context(), orgID, u))
	return u
}

func withStatus(s roster.Status) func(*roster.User) { return func(u *roster.User) { u.Status = s } }
func withLicense(l string) func(*roster.User)       { return func(u *roster.User) { u.LicenseType = l } }
func withName(first, last string) func(*roster.User) {
	return func(u *roster.User) { u.FirstName, u.LastName = first, last }
}

func timePtrEqual(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return a.Equal(*b)
}

// checkUser compares every stored field of a user.
func checkUser(t testing.TB, got *roster.User, want *roster.User) {
	t.Helper()
	if got == nil {
		t.Fatalf("got no user, want %+v", want)
	}
	type flat struct {
		ID, OrgID, Email, First, Last, RoleID, Role, License, Ext, Hash string
		Status                                                          roster.Status
	}
	g := flat{got.ID, got.OrgID, got.Email, got.FirstName, got.LastName, got.RoleID, got.Role, got.LicenseType, got.Extension, got.PasswordHash, got.Status}
	w := flat{want.ID, want.OrgID, want.Email, want.FirstName, want.LastName, want.RoleID, want.Role, want.LicenseType, want.Extension, want.PasswordHash, want.Status}
	if g != w {
		t.Fatalf("user mismatch:\n got  %+v\n want %+v", g, w)
	}
	if !got.CreatedAt.Equal(want.CreatedAt) || !got.UpdatedAt.Equal(want.UpdatedAt) || !timePtrEqual(got.LastLoginAt, want.LastLoginAt) {
		t.Fatalf("user times: got created %v updated %v last %v; want %v %v %v",
			got.CreatedAt, got.UpdatedAt, got.LastLoginAt, want.CreatedAt, want.UpdatedAt, want.LastLoginAt)
	}
	if got.CreatedAt.Location() != time.UTC {
		t.Fatalf("times must come back in UTC, got %v", got.CreatedAt.Location())
	}
}

func emailsOf(us []roster.User) []string {
	out := make([]string, len(us))
	for i, u := range us {
		out[i] = u.Email
	}
	return out
}

func sortedEmails(us []roster.User) []string {
	out := emailsOf(us)
	slices.Sort(out)
	return out
}

func idsOf[T any](items []T, id func(T) string) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = id(it)
	}
	return out
}
