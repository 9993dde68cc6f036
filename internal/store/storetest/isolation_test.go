package storetest_test

import (
	"reflect"
	"slices"
	"testing"
	"time"

	"roster/internal/roster"
	"roster/internal/store"
	"roster/internal/testdb"
)

// tenant is one org with one of everything.
type tenant struct {
	org     *roster.Org
	role    *roster.Role
	user    *roster.User
	inv     *roster.Invitation
	session struct {
		id   string
		hash []byte
	}
	token struct {
		id   string
		hash []byte
	}
	reset struct {
		id   string
		hash []byte
	}
	audit *roster.AuditEvent
	email *roster.Email
}

func mkTenant(t *testing.T, db *store.DB, roleKey, email, license string) *tenant {
	t.Helper()
	ctx, r := t.Context(), db.Reader()
	tn := &tenant{org: mkOrg(t, db)}
	tn.role = mkRole(t, db, tn.org.ID, roleKey, roster.PermUsersRead)
	must(t, r.SetLicensePool(ctx, tn.org.ID, license, "Pool "+license, 10, now()))
	tn.user = mkUser(t, db, tn.org.ID, tn.role, email, withStatus(roster.StatusInvited), withLicense(license), withName("Tenant", "User"))
	tn.inv = mkInvitation(t, db, tn.org.ID, tn.user, now())
	t0 := now()
	tn.session.id, tn.session.hash = newID(), hash("s")
	must(t, r.CreateSession(ctx, tn.org.ID, tn.session.id, tn.user.ID, tn.session.hash, "", t0, t0.Add(time.Hour)))
	tn.token.id, tn.token.hash = newID(), hash("t")
	must(t, r.CreateAPIToken(ctx, tn.org.ID, tn.token.id, tn.user.ID, "tok", tn.token.hash, t0))
	tn.reset.id, tn.reset.hash = newID(), hash("r")
	must(t, r.CreatePasswordReset(ctx, tn.org.ID, tn.reset.id, tn.user.ID, tn.reset.hash, t0, t0.Add(time.Hour)))
	tn.audit = &roster.AuditEvent{ID: newID(), ActorID: tn.user.ID, Action: "user.invited", TargetID: tn.user.ID, CreatedAt: t0}
	must(t, r.InsertAudit(ctx, tn.org.ID, tn.audit))
	tn.email = &roster.Email{ID: newID(), To: email, Subject: "s", Text: "t", CreatedAt: t0}
	must(t, r.EnqueueEmail(ctx, tn.org.ID, tn.email))
	return tn
}

// snapshot is everything of a tenant that another tenant's calls could
// change; comparing two snapshots proves nothing changed.
type snapshot struct {
	User                 roster.User
	Invitation           roster.Invitation
	Session              roster.Credential
	Token                roster.APIToken
	Reset                roster.PasswordReset
	Users, Audit, Emails []string
	Pools                []roster.LicensePool
}

func snap(t *testing.T, db *store.DB, tn *tenant) snapshot {
	t.Helper()
	ctx, r := t.Context(), db.Reader()
	var s snapshot
	u, err := r.User(ctx, tn.org.ID, tn.user.ID)
	must(t, err)
	inv, err := r.Invitation(ctx, tn.org.ID, tn.inv.ID)
	must(t, err)
	ses, err := r.Credential(ctx, true, tn.session.hash)
	must(t, err)
	tok, err := r.APITokenByHash(ctx, tn.token.hash)
	must(t, err)
	res, err := r.PasswordResetByHash(ctx, tn.reset.hash)
	must(t, err)
	page, err := r.ListUsers(ctx, tn.org.ID, roster.UserFilter{})
	must(t, err)
	audit, err := r.AuditEvents(ctx, tn.org.ID, roster.AuditFilter{})
	must(t, err)
	emails, err := r.Emails(ctx, tn.org.ID, 0)
	must(t, err)
	s.Pools, err = r.LicensePools(ctx, tn.org.ID)
	must(t, err)
	s.User, s.Invitation, s.Session, s.Token, s.Reset = *u, *inv, *ses, *tok, *res
	s.Users = idsOf(page.Items, func(u roster.User) string { return u.ID })
	s.Audit = idsOf(audit.Items, func(e roster.AuditEvent) string { return e.ID })
	s.Emails = idsOf(emails, func(e roster.Email) string { return e.ID })
	return s
}

func TestTenantIsolation(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		// A and B share role key, email and license type, so that only the
		// org ID tells their rows apart.
		a := mkTenant(t, db, "agent", "same@example.com", "seat")
		b := mkTenant(t, db, "agent", "same@example.com", "seat")
		// Objects only A has, so that a lookup by key in B cannot hit B's own.
		aOnlyRole := mkRole(t, db, a.org.ID, "a_only", roster.PermRolesManage)
		aOnlyUser := mkUser(t, db, a.org.ID, a.role, "only-a@example.com", withLicense("a_pool"))
		must(t, db.Reader().SetLicensePool(ctx, a.org.ID, "a_pool", "A pool", 3, now()))

		beforeA, beforeB := snap(t, db, a), snap(t, db, b)
		B := b.org.ID

		// Every read and write runs both outside and inside a transaction.
		for _, mode := range []string{"reader", "tx"} {
			run := func(fn func(c *store.Conn)) {
				t.Helper()
				if mode == "reader" {
					fn(db.Reader())
					return
				}
				// The checks fail the test on their own; the transaction
				// commits so that any stray write would persist.
				inTx(t, db, func(c *store.Conn) error { fn(c); return nil })
			}
			run(func(c *store.Conn) {
				_, err := c.User(ctx, B, a.user.ID)
				wantNotFound(t, err)
				_, err = c.User(ctx, B, aOnlyUser.ID)
				wantNotFound(t, err)
				_, err = c.UserByEmail(ctx, B, "only-a@example.com")
				wantNotFound(t, err)
				got, err := c.UsersByEmails(ctx, B, []string{"only-a@example.com", "same@example.com"})
				must(t, err)
				if ids := idsOf(got, func(u roster.User) string { return u.ID }); !slices.Equal(ids, []string{b.user.ID}) {
					t.Fatalf("UsersByEmails(B) = %v, want only B's user", ids)
				}
				u, err := c.UserByEmail(ctx, B, "same@example.com")
				must(t, err)
				if u.ID != b.user.ID {
					t.Fatalf("UserByEmail(B) returned %s of org %s", u.ID, u.OrgID)
				}

				hijack := *a.user
				hijack.FirstName, hijack.Status, hijack.RoleID = "Hijacked", roster.StatusActive, b.role.ID
				wantNotFound(t, c.UpdateUser(ctx, B, &hijack))
				wantNotFound(t, c.DeleteUser(ctx, B, a.user.ID))
				wantNotFound(t, c.DeleteUser(ctx, B, aOnlyUser.ID))

				_, err = c.Role(ctx, B, a.role.ID)
				wantNotFound(t, err)
				_, err = c.Role(ctx, B, aOnlyRole.ID)
				wantNotFound(t, err)
				_, err = c.RoleByKey(ctx, B, "a_only")
				wantNotFound(t, err)
				roles, err := c.Roles(ctx, B)
				must(t, err)
				if ids := idsOf(roles, func(r roster.Role) string { return r.ID }); !slices.Equal(ids, []string{b.role.ID}) {
					t.Fatalf("Roles(B) = %v", ids)
				}

				_, err = c.Invitation(ctx, B, a.inv.ID)
				wantNotFound(t, err)
				_, err = c.PendingInvitationForUser(ctx, B, a.user.ID)
				wantNotFound(t, err)
				pend, err := c.PendingInvitations(ctx, B)
				must(t, err)
				if ids := idsOf(pend, func(i roster.Invitation) string { return i.ID }); !slices.Equal(ids, []string{b.inv.ID}) {
					t.Fatalf("PendingInvitations(B) = %v", ids)
				}
				if err := c.SetInvitationStatus(ctx, B, a.inv.ID, roster.InvitePending, roster.InviteCancelled); err == nil {
					t.Fatal("SetInvitationStatus with B's org moved A's invitation")
				}

				page, err := c.ListUsers(ctx, B, roster.UserFilter{})
				must(t, err)
				if ids := idsOf(page.Items, func(u roster.User) string { return u.ID }); !slices.Equal(ids, []string{b.user.ID}) {
					t.Fatalf("ListUsers(B) = %v", ids)
				}
				page, err = c.ListUsers(ctx, B, roster.UserFilter{Query: "only-a"})
				must(t, err)
				if len(page.Items) != 0 {
					t.Fatalf("ListUsers(B, q=only-a) = %v", emailsOf(page.Items))
				}
				page, err = c.ListUsers(ctx, B, roster.UserFilter{Role: "a_only"})
				must(t, err)
				if len(page.Items) != 0 {
					t.Fatalf("ListUsers(B, role=a_only) = %v", emailsOf(page.Items))
				}

				_, err = c.LicensePool(ctx, B, "a_pool")
				wantNotFound(t, err)
				pool, err := c.LicensePool(ctx, B, "seat")
				must(t, err)
				if pool.Used != 1 { // B's invited user, not A's
					t.Fatalf("LicensePool(B, seat).Used = %d, want 1", pool.Used)
				}
				n, err := c.CountSeatsUsed(ctx, B, "a_pool")
				must(t, err)
				if n != 0 {
					t.Fatalf("CountSeatsUsed(B, a_pool) = %d", n)
				}
				n, err = c.CountActiveWithRoles(ctx, B, []string{a.role.ID, aOnlyRole.ID}, "")
				must(t, err)
				if n != 0 {
					t.Fatalf("CountActiveWithRoles(B, A's roles) = %d", n)
				}
				by, err := c.CountUsersByStatus(ctx, B)
				must(t, err)
				if !reflect.DeepEqual(by, map[roster.Status]int{roster.StatusInvited: 1}) {
					t.Fatalf("CountUsersByStatus(B) = %v", by)
				}

				ev, err := c.AuditEvents(ctx, B, roster.AuditFilter{})
				must(t, err)
				if ids := idsOf(ev.Items, func(e roster.AuditEvent) string { return e.ID }); !slices.Equal(ids, []string{b.audit.ID}) {
					t.Fatalf("AuditEvents(B) = %v", ids)
				}
				for _, f := range []roster.AuditFilter{{TargetID: a.user.ID}, {ActorID: a.user.ID}, {Cursor: "~"}} {
					ev, err := c.AuditEvents(ctx, B, f)
					must(t, err)
					for _, e := range ev.Items {
						if e.ID == a.audit.ID {
							t.Fatalf("AuditEvents(B, %+v) returned A's event", f)
						}
					}
				}
				emails, err := c.Emails(ctx, B, 0)
				must(t, err)
				if ids := idsOf(emails, func(e roster.Email) string { return e.ID }); !slices.Equal(ids, []string{b.email.ID}) {
					t.Fatalf("Emails(B) = %v", ids)
				}

				later := now().Add(time.Hour)
				must(t, c.TouchSession(ctx, B, a.session.id, later, later.Add(time.Hour)))
				must(t, c.DeleteSession(ctx, B, a.session.id))
				must(t, c.DeleteOtherSessions(ctx, B, a.user.ID, ""))
				must(t, c.TouchAPIToken(ctx, B, a.token.id, later))
				wantKind(t, c.UsePasswordReset(ctx, B, a.reset.id, later), roster.KindGone)
				ses, tok, err := c.RevokeUserCredentials(ctx, B, a.user.ID, later)
				must(t, err)
				if ses != 0 || tok != 0 {
					t.Fatalf("RevokeUserCredentials(B, A's user) removed %d sessions, %d tokens", ses, tok)
				}
			})
			if after := snap(t, db, a); !reflect.DeepEqual(after, beforeA) {
				t.Fatalf("%s: calls with B's org changed A:\nbefore %+v\nafter  %+v", mode, beforeA, after)
			}
			if after := snap(t, db, b); !reflect.DeepEqual(after, beforeB) {
				t.Fatalf("%s: calls aimed at A's rows changed B:\nbefore %+v\nafter  %+v", mode, beforeB, after)
			}
		}
		// A's only user is still there and still A's.
		u, err := db.Reader().User(ctx, a.org.ID, aOnlyUser.ID)
		must(t, err)
		checkUser(t, u, aOnlyUser)
	})
}

// A user must not be able to hold another org's role: the role decides the
// user's permissions, and User/ListUsers report its key.
func TestUserRoleMustBelongToOrg(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx, r := t.Context(), db.Reader()
		a, b := mkOrg(t, db), mkOrg(t, db)
		aAdmin := mkRole(t, db, a.ID, "admin", roster.AllPermissions()...)
		bAgent := mkRole(t, db, b.ID, "agent")

		u := &roster.User{ID: newID(), Email: "x@example.com", Status: roster.StatusActive, RoleID: aAdmin.ID,
			CreatedAt: now(), UpdatedAt: now()}
		if err := r.CreateUser(ctx, b.ID, u); err == nil {
			got, _ := r.User(ctx, b.ID, u.ID)
			t.Fatalf("CreateUser in B with A's admin role succeeded; User reports role %q", got.Role)
		}

		v := mkUser(t, db, b.ID, bAgent, "y@example.com")
		v.RoleID = aAdmin.ID
		if err := r.UpdateUser(ctx, b.ID, v); err == nil {
			got, _ := r.User(ctx, b.ID, v.ID)
			t.Fatalf("UpdateUser in B to A's admin role succeeded; User reports role %q", got.Role)
		}
	})
}
