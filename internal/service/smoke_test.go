package service_test

import (
	"context"
	"testing"

	"roster/internal/roster"
	"roster/internal/service"
	"roster/internal/store"
	"roster/internal/testdb"
)

func TestSmoke(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		svc := service.New(service.Deps{Store: store.ServiceStore{DB: db}, Config: service.Config{BaseURL: "http://x", Argon: service.ArgonParams{MemoryKiB: 64, Time: 1, Threads: 1}}})
		org, admin, link, err := svc.CreateOrg(ctx, service.NewOrg{Name: "Acme", Slug: "acme", Plan: roster.PlanProfessional, AdminEmail: "Admin@Acme.test"})
		if err != nil {
			t.Fatal(err)
		}
		t.Log(org.ID, admin.Email, link)
		if _, err := svc.SetLicensePool(ctx, org.ID, "power_dialer", "Power Dialer", 3); err != nil {
			t.Fatal(err)
		}
		op := service.Operator(org.ID)
		us, err := svc.Invite(ctx, op, service.InviteInput{Emails: []string{"A@x.test", "b@x.test"}, Role: "agent", LicenseType: "power_dialer", Send: true})
		if err != nil {
			t.Fatal(err)
		}
		if len(us) != 2 {
			t.Fatal(us)
		}
		_, err = svc.Invite(ctx, op, service.InviteInput{Emails: []string{"c@x.test", "d@x.test"}, Role: "agent", LicenseType: "power_dialer", Send: true})
		if roster.ErrorKind(err) != roster.KindLimitReached {
			t.Fatal(err)
		}
		page, err := svc.ListUsers(ctx, op, roster.UserFilter{Query: "x.test", Limit: 1})
		if err != nil || len(page.Items) != 1 || page.NextCursor == "" {
			t.Fatal(page, err)
		}
		page, err = svc.ListUsers(ctx, op, roster.UserFilter{Query: "x.test", Limit: 1, Cursor: page.NextCursor})
		if err != nil || len(page.Items) != 1 || page.Items[0].Email != "b@x.test" {
			t.Fatal(page, err)
		}
	})
}
