package testdb

import (
	"fmt"
	"testing"
	"time"

	"roster/internal/roster"
	"roster/internal/store"
)

// OneAtATime makes an org and n active users in it, each created in a
// transaction of its own, as an org that grows one person at a time: on
// SQLite that leaves the search index in many segments. Their last names
// cycle through Martinez0, Martinez1 and Martinez2.
func OneAtATime(t testing.TB, db *store.DB, n int) (orgID string) {
	t.Helper()
	ctx := t.Context()
	now := time.Now().UTC()
	org := &roster.Org{ID: "org", Name: "Org", Slug: "org", Plan: roster.PlanProPlus, CreatedAt: now}
	role := &roster.Role{ID: "role", OrgID: org.ID, Key: "agent", Name: "Agent"}
	if err := db.Tx(ctx, func(c *store.Conn) error {
		if err := c.CreateOrg(ctx, org); err != nil {
			return err
		}
		return c.CreateRole(ctx, org.ID, role, now)
	}); err != nil {
		t.Fatal(err)
	}
	for i := range n {
		u := &roster.User{ID: fmt.Sprint("u", i), Email: fmt.Sprintf("person%d@x.test", i), FirstName: "Ann",
			LastName: fmt.Sprint("Martinez", i%3), Status: roster.StatusActive, RoleID: role.ID, CreatedAt: now, UpdatedAt: now}
		if err := db.TxAlone(ctx, func(c *store.Conn) error { return c.CreateUser(ctx, org.ID, u) }); err != nil {
			t.Fatal(err)
		}
	}
	return org.ID
}

// SearchIndexSegments is store.SearchIndexSegments, failing t on error.
func SearchIndexSegments(t testing.TB, db *store.DB) int {
	t.Helper()
	n, err := db.Reader().SearchIndexSegments(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// Matches is how many users of the org a search for q finds (up to 100).
func Matches(t testing.TB, db *store.DB, orgID, q string) int {
	t.Helper()
	page, err := db.Reader().ListUsers(t.Context(), orgID, roster.UserFilter{Query: q, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	return len(page.Items)
}
