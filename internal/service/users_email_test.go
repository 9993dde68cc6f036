package service_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"roster/internal/roster"
	"roster/internal/service"
	"roster/internal/store"
	"roster/internal/testdb"
)

// TestUserByEmail finds a user by their exact address even when dozens of
// other addresses contain it and sort before it (a text search would list
// those first), and answers NotFound for an address no user has.
func TestUserByEmail(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		svc, _, op := acmeOrg(t, db)
		emails := []string{"ann@x.test"}
		for i := range 60 {
			emails = append(emails, fmt.Sprintf("a%02dann@x.test", i))
		}
		if _, err := svc.Invite(ctx, op, service.InviteInput{Emails: emails}); err != nil {
			t.Fatal(err)
		}
		u, err := svc.UserByEmail(ctx, op, " Ann@X.test ")
		if err != nil || u.Email != "ann@x.test" {
			t.Fatalf("UserByEmail: %v, %v", u, err)
		}
		for _, missing := range []string{"nobody@x.test", "not an address"} {
			if _, err := svc.UserByEmail(ctx, op, missing); !errors.Is(err, roster.ErrNotFound) {
				t.Errorf("UserByEmail(%q): %v, want NotFound", missing, err)
			}
		}
	})
}
