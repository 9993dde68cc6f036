package api_test

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"roster/internal/apitest"
	"roster/internal/roster"
	"roster/internal/service"
)

// roleID finds a role's ID by key through the API.
func roleID(t testing.TB, e *apitest.Env, token, key string) string {
	t.Helper()
	for _, r := range e.Do("GET", "/api/v1/roles", token, nil).Want(http.StatusOK).Items() {
		if r["key"] == key {
			return r["id"].(string)
		}
	}
	t.Fatalf("no role %q", key)
	return ""
}

// strList reads a JSON array of strings.
func strList(v any) []string {
	raw, _ := v.([]any)
	out := make([]string, len(raw))
	for i, s := range raw {
		out[i], _ = s.(string)
	}
	return out
}

// userRole reads a user's role key from the database.
func userRole(t testing.TB, e *apitest.Env, userID string) string {
	t.Helper()
	return dbString(t, e, `SELECT r.key FROM users u JOIN roles r ON r.id = u.role_id WHERE u.id = ?`, userID)
}

// auditCount counts the org's audit events with an action.
func auditCount(t testing.TB, e *apitest.Env, orgID, action string) int {
	t.Helper()
	return dbInt(t, e, `SELECT COUNT(*) FROM audit_events WHERE org_id = ? AND action = ?`, orgID, action)
}

// TestCustomRoleLifecycle: create, assign (joining linked teams), edit with
// effect on the next request, copy built-ins, delete with a replacement.
func TestCustomRoleLifecycle(t *testing.T) {
	t.Parallel()
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		org := e.CreateOrg("acme", roster.PlanProfessional, nil)
		tok := org.AdminToken
		team := e.Do("POST", "/api/v1/teams", tok, map[string]any{"name": "Telephony"}).Want(http.StatusCreated).JSON()
		teamID := team["id"].(string)

		// Bad input: every field is reported and nothing is created.
		fe := e.Do("POST", "/api/v1/roles", tok, map[string]any{"name": "", "permissions": []string{"users.read", "nope", "users.read"},
			"team_ids": []string{"missing"}}).FieldErrors()
		for _, f := range []string{"name", "permissions[1]", "permissions[2]", "team_ids[0]"} {
			if fe[f] == "" {
				t.Errorf("no field error for %s: %v", f, fe)
			}
		}
		before := dbInt(t, e, `SELECT COUNT(*) FROM roles WHERE org_id = ?`, org.ID)

		role := e.Do("POST", "/api/v1/roles", tok, map[string]any{"name": "Telephony Administrator",
			"permissions": []string{"telephony.manage", "analytics.view_own"}, "team_ids": []string{teamID}}).Want(http.StatusCreated).JSON()
		rid := role["id"].(string)
		if role["key"] != "telephony_administrator" || role["builtin"] != false || !slices.Equal(strList(role["team_ids"]), []string{teamID}) ||
			!slices.Equal(strList(role["permissions"]), []string{"telephony.manage", "analytics.view_own"}) {
			t.Fatalf("created role %v", role)
		}
		if n := dbInt(t, e, `SELECT COUNT(*) FROM roles WHERE org_id = ?`, org.ID); n != before+1 {
			t.Fatalf("%d roles, want %d", n, before+1)
		}
		wantProblem(t, e.Do("POST", "/api/v1/roles", tok, map[string]any{"name": "Telephony administrator"}), http.StatusConflict)

		// Giving a user the role puts them in its team.
		uid, utok := e.ActiveUser(org, "rep@acme.test", "agent", "")
		e.Do("PATCH", "/api/v1/users/"+uid, tok, map[string]any{"role": "telephony_administrator"}).Want(http.StatusOK)
		members := e.Do("GET", "/api/v1/users?team="+teamID, tok, nil).Want(http.StatusOK).Items()
		if len(members) != 1 || members[0]["id"] != uid {
			t.Fatalf("team filter: %v", members)
		}
		if teams := members[0]["teams"].([]any); len(teams) != 1 || teams[0].(map[string]any)["name"] != "Telephony" {
			t.Fatalf("user's teams in the list: %v", members[0]["teams"])
		}
		if auditCount(t, e, org.ID, "team.members_added") != 1 {
			t.Fatalf("joining the linked team was not audited")
		}
		// So does inviting one with it, prepared or sent.
		for i, send := range []bool{false, true} {
			email := fmt.Sprintf("new%d@acme.test", i)
			e.Do("POST", "/api/v1/invitations", tok, map[string]any{"emails": []string{email}, "role": "telephony_administrator",
				"send": send}).Want(http.StatusCreated)
			members = e.Do("GET", "/api/v1/users?team="+teamID+"&q="+email, tok, nil).Want(http.StatusOK).Items()
			if len(members) != 1 || members[0]["email"] != email {
				t.Fatalf("invited %s (send %v) is not in the role's team: %v", email, send, members)
			}
			if n := auditCount(t, e, org.ID, "team.members_added"); n != 2+i {
				t.Fatalf("%d team.members_added events after inviting %s, want %d", n, email, 2+i)
			}
		}

		// The role's permissions apply at the next request, with no new sign-in.
		wantProblem(t, e.Do("GET", "/api/v1/users", utok, nil), http.StatusForbidden)
		e.Do("PATCH", "/api/v1/roles/"+rid, tok, map[string]any{"permissions": []string{"telephony.manage", "users.read"}}).Want(http.StatusOK)
		e.Do("GET", "/api/v1/users", utok, nil).Want(http.StatusOK)
		d := e.Do("GET", "/api/v1/roles/"+rid, tok, nil).Want(http.StatusOK).JSON()
		if d["user_count"] != float64(3) {
			t.Fatalf("user_count %v", d["user_count"])
		}

		// Built-ins: copied, never changed or deleted.
		adminID := roleID(t, e, tok, "admin")
		wantProblem(t, e.Do("PATCH", "/api/v1/roles/"+adminID, tok, map[string]any{"name": "Boss"}), http.StatusConflict)
		wantProblem(t, e.Do("DELETE", "/api/v1/roles/"+adminID+"?replacement_role=agent", tok, nil), http.StatusConflict)
		cp := e.Do("POST", "/api/v1/roles/"+roleID(t, e, tok, "manager")+"/copy", tok, map[string]any{"name": "Sales Manager"}).Want(http.StatusCreated).JSON()
		if cp["key"] != "sales_manager" || cp["builtin"] != false || !slices.Contains(strList(cp["permissions"]), "calls.view_all") {
			t.Fatalf("copy %v", cp)
		}

		// Deleting a role in use needs a replacement, which must exist.
		fe = e.Do("DELETE", "/api/v1/roles/"+rid, tok, nil).FieldErrors()
		if !strings.Contains(fe["replacement_role"], "required") {
			t.Fatalf("field errors %v", fe)
		}
		e.Do("DELETE", "/api/v1/roles/"+rid+"?replacement_role=ghost", tok, nil).FieldErrors()
		e.Do("DELETE", "/api/v1/roles/"+rid+"?replacement_role=telephony_administrator", tok, nil).FieldErrors()
		if userRole(t, e, uid) != "telephony_administrator" {
			t.Fatalf("a refused deletion moved the user")
		}
		e.Do("DELETE", "/api/v1/roles/"+rid+"?replacement_role=sales_manager", tok, nil).Want(http.StatusNoContent)
		if userRole(t, e, uid) != "sales_manager" {
			t.Fatalf("user's role after deletion: %s", userRole(t, e, uid))
		}
		wantProblem(t, e.Do("GET", "/api/v1/roles/"+rid, tok, nil), http.StatusNotFound)
		if n := dbInt(t, e, `SELECT COUNT(*) FROM role_teams WHERE role_id = ?`, rid); n != 0 {
			t.Fatalf("%d team links left", n)
		}
		for _, a := range []string{"role.created", "role.updated", "role.deleted"} {
			if auditCount(t, e, org.ID, a) == 0 {
				t.Errorf("no %s audit event", a)
			}
		}

		// Only roles.manage may change roles.
		_, mtok := e.ActiveUser(org, "mgr@acme.test", "manager", "")
		wantProblem(t, e.Do("POST", "/api/v1/roles", mtok, map[string]any{"name": "X"}), http.StatusForbidden)
		wantProblem(t, e.Do("DELETE", "/api/v1/roles/"+cp["id"].(string), mtok, nil), http.StatusForbidden)
	})
}

// TestDirectPermissions: grants without a role, shown apart from the role's
// and effective at the next request.
func TestDirectPermissions(t *testing.T) {
	t.Parallel()
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		org := e.CreateOrg("acme", roster.PlanProfessional, nil)
		uid, utok := e.ActiveUser(org, "rep@acme.test", "agent", "")
		path := "/api/v1/users/" + uid + "/permissions"
		wantProblem(t, e.Do("GET", "/api/v1/audit-events", utok, nil), http.StatusForbidden)

		fe := e.Do("PUT", path, org.AdminToken, map[string]any{"permissions": []string{"audit.view", "audit.edit"}}).FieldErrors()
		if fe["permissions[1]"] == "" {
			t.Fatalf("field errors %v", fe)
		}
		e.Do("PUT", path, org.AdminToken, map[string]any{}).FieldErrors()
		if n := dbInt(t, e, `SELECT COUNT(*) FROM user_permissions WHERE user_id = ?`, uid); n != 0 {
			t.Fatalf("a refused request stored %d grants", n)
		}
		wantProblem(t, e.Do("PUT", path, utok, map[string]any{"permissions": []string{"audit.view"}}), http.StatusForbidden)

		up := e.Do("PUT", path, org.AdminToken, map[string]any{"permissions": []string{"audit.view", "analytics.view_own"}}).Want(http.StatusOK).JSON()
		if !slices.Equal(strList(up["direct_permissions"]), []string{"analytics.view_own", "audit.view"}) {
			t.Fatalf("direct %v", up["direct_permissions"])
		}
		sources := map[string][]string{}
		for _, x := range up["effective"].([]any) {
			m := x.(map[string]any)
			sources[m["permission"].(string)] = strList(m["sources"])
		}
		if !slices.Equal(sources["analytics.view_own"], []string{"role", "direct"}) || !slices.Equal(sources["audit.view"], []string{"direct"}) ||
			!slices.Equal(sources["coaching.manage"], []string{"role"}) || len(sources) != 3 {
			t.Fatalf("effective sources %v", sources)
		}
		// The user reads their own, and the grant works at once.
		e.Do("GET", path, utok, nil).Want(http.StatusOK)
		e.Do("GET", "/api/v1/audit-events", utok, nil).Want(http.StatusOK)
		me := e.Do("GET", "/api/v1/me", utok, nil).Want(http.StatusOK).JSON()
		if !slices.Contains(strList(me["permissions"]), "audit.view") {
			t.Fatalf("me permissions %v", me["permissions"])
		}
		e.Do("PUT", path, org.AdminToken, map[string]any{"permissions": []string{}}).Want(http.StatusOK)
		wantProblem(t, e.Do("GET", "/api/v1/audit-events", utok, nil), http.StatusForbidden)
		if auditCount(t, e, org.ID, "user.permissions_changed") != 2 {
			t.Fatalf("grants not audited")
		}
	})
}

// TestLastAdminKeptThroughRolesAndGrants: editing or deleting the role, or
// removing the direct grants, that make the last admin an admin is refused.
func TestLastAdminKeptThroughRolesAndGrants(t *testing.T) {
	t.Parallel()
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		org := e.CreateOrg("acme", roster.PlanProfessional, nil)
		tok := org.AdminToken
		boss := e.Do("POST", "/api/v1/roles/"+roleID(t, e, tok, "admin")+"/copy", tok, map[string]any{"name": "Boss"}).Want(http.StatusCreated).JSON()
		bossID := boss["id"].(string)
		bID, bTok := e.ActiveUser(org, "boss@acme.test", "boss", "")
		cID, cTok := e.ActiveUser(org, "carol@acme.test", "agent", "")
		// The original admin steps down: boss is now the only admin.
		e.Do("PATCH", "/api/v1/users/"+org.AdminID, bTok, map[string]any{"role": "agent"}).Want(http.StatusOK)

		p := wantProblem(t, e.Do("PATCH", "/api/v1/roles/"+bossID, bTok, map[string]any{"permissions": []string{"users.manage"}}), http.StatusConflict)
		if !strings.Contains(p["detail"].(string), "last active user") {
			t.Fatalf("detail %v", p["detail"])
		}
		wantProblem(t, e.Do("DELETE", "/api/v1/roles/"+bossID+"?replacement_role=agent", bTok, nil), http.StatusConflict)
		if userRole(t, e, bID) != "boss" || !strings.Contains(dbString(t, e, `SELECT permissions FROM roles WHERE id = ?`, bossID), "roles.manage") {
			t.Fatalf("a refused change was kept")
		}

		// Direct grants can make an admin too, and the same rule holds.
		e.Do("PUT", "/api/v1/users/"+cID+"/permissions", bTok, map[string]any{"permissions": []string{"users.manage", "roles.manage"}}).Want(http.StatusOK)
		e.Do("DELETE", "/api/v1/roles/"+bossID+"?replacement_role=agent", cTok, nil).Want(http.StatusNoContent)
		if userRole(t, e, bID) != "agent" {
			t.Fatalf("boss holder not moved")
		}
		wantProblem(t, e.Do("PUT", "/api/v1/users/"+cID+"/permissions", cTok, map[string]any{"permissions": []string{"users.manage"}}), http.StatusConflict)
		wantProblem(t, e.Do("POST", "/api/v1/users/"+cID+"/deactivate", cTok, nil), http.StatusConflict)
		wantProblem(t, e.Do("DELETE", "/api/v1/users/"+cID, cTok, nil), http.StatusConflict)
		if n := dbInt(t, e, `SELECT COUNT(*) FROM user_permissions WHERE user_id = ?`, cID); n != 2 {
			t.Fatalf("%d grants left, want 2", n)
		}
		if s := dbString(t, e, `SELECT status FROM users WHERE id = ?`, cID); s != "active" {
			t.Fatalf("last admin is %s", s)
		}
	})
}

// TestLastAdminKeptUnderConcurrentRoleChanges races, round after round, an
// edit of one admin's role against the removal of the other admin's direct
// grants: either alone is allowed, both together would leave no admin.
func TestLastAdminKeptUnderConcurrentRoleChanges(t *testing.T) {
	t.Parallel()
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		org := e.CreateOrg("acme", roster.PlanProfessional, nil)
		tok := org.AdminToken
		all := make([]string, 0)
		for _, p := range roster.AllPermissions() {
			all = append(all, string(p))
		}
		e.Do("POST", "/api/v1/roles", tok, map[string]any{"name": "Boss", "permissions": all}).Want(http.StatusCreated)
		bossID := roleID(t, e, tok, "boss")
		_, aTok := e.ActiveUser(org, "a@acme.test", "boss", "")
		bID, bTok := e.ActiveUser(org, "b@acme.test", "agent", "")
		grants := "/api/v1/users/" + bID + "/permissions"
		e.Do("PUT", grants, tok, map[string]any{"permissions": []string{"users.manage", "roles.manage"}}).Want(http.StatusOK)
		e.Do("PATCH", "/api/v1/users/"+org.AdminID, tok, map[string]any{"role": "agent"}).Want(http.StatusOK)

		admins := func() int {
			return dbInt(t, e, `SELECT COUNT(*) FROM users u JOIN roles r ON r.id = u.role_id WHERE u.org_id = ? AND u.status = 'active'
				AND ((' ' || r.permissions || ' ') LIKE '% users.manage %' OR EXISTS (SELECT 1 FROM user_permissions p WHERE p.user_id = u.id AND p.permission = 'users.manage'))
				AND ((' ' || r.permissions || ' ') LIKE '% roles.manage %' OR EXISTS (SELECT 1 FROM user_permissions p WHERE p.user_id = u.id AND p.permission = 'roles.manage'))`, org.ID)
		}
		const rounds = 6
		for round := range rounds {
			var edit, revoke outcome
			together(
				func() {
					edit = fire(e, "PATCH", "/api/v1/roles/"+bossID, bTok, map[string]any{"permissions": []string{"analytics.view_own"}})
				},
				func() { revoke = fire(e, "PUT", grants, aTok, map[string]any{"permissions": []string{}}) },
			)
			oks := 0
			for _, r := range []outcome{edit, revoke} {
				switch {
				case r.err != nil:
					t.Fatalf("round %d: %v", round, r.err)
				case r.status == http.StatusOK:
					oks++
				case r.status == http.StatusConflict, r.status == http.StatusForbidden:
				default:
					t.Fatalf("round %d: status %d: %s", round, r.status, r.raw)
				}
			}
			if n := admins(); oks > 1 || n < 1 {
				t.Fatalf("round %d: %d changes succeeded, %d admins left (%s / %s)", round, oks, n, edit.raw, revoke.raw)
			}
			// Restore both admins for the next round, as the operator would.
			p := operatorOf(org.ID)
			if _, err := e.Service.UpdateRole(t.Context(), p, bossID, servicePermsPatch(all)); err != nil {
				t.Fatalf("round %d: restore role: %v", round, err)
			}
			if _, err := e.Service.SetDirectPermissions(t.Context(), p, bID, []string{"users.manage", "roles.manage"}); err != nil {
				t.Fatalf("round %d: restore grants: %v", round, err)
			}
		}
	})
}

// TestOrgAreasAreTenantScoped: another org's token sees org A's roles,
// teams, queues and integrations as missing, and cannot touch them.
func TestOrgAreasAreTenantScoped(t *testing.T) {
	t.Parallel()
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		a := e.CreateOrg("alpha", roster.PlanProfessional, nil)
		b := e.CreateOrg("beta", roster.PlanProfessional, nil)
		uid, _ := e.ActiveUser(a, "rep@alpha.test", "agent", "")
		role := e.Do("POST", "/api/v1/roles", a.AdminToken, map[string]any{"name": "Custom"}).Want(http.StatusCreated).JSON()["id"].(string)
		team := e.Do("POST", "/api/v1/teams", a.AdminToken, map[string]any{"name": "Sales", "member_ids": []string{uid}}).Want(http.StatusCreated).JSON()["id"].(string)
		queue := e.Do("POST", "/api/v1/queues", a.AdminToken, map[string]any{"name": "Support"}).Want(http.StatusCreated).JSON()["id"].(string)
		integ := e.Do("POST", "/api/v1/integrations", a.AdminToken, map[string]any{"name": "Salesforce"}).Want(http.StatusCreated).JSON()["id"].(string)

		for _, r := range []struct {
			method, path string
			body         any
		}{
			{"GET", "/api/v1/roles/" + role, nil},
			{"PATCH", "/api/v1/roles/" + role, map[string]any{"name": "Mine"}},
			{"DELETE", "/api/v1/roles/" + role, nil},
			{"POST", "/api/v1/roles/" + role + "/copy", nil},
			{"GET", "/api/v1/users/" + uid + "/permissions", nil},
			{"PUT", "/api/v1/users/" + uid + "/permissions", map[string]any{"permissions": []string{"audit.view"}}},
			{"GET", "/api/v1/teams/" + team, nil},
			{"PATCH", "/api/v1/teams/" + team, map[string]any{"name": "Mine"}},
			{"GET", "/api/v1/teams/" + team + "/members", nil},
			{"PUT", "/api/v1/teams/" + team + "/members/" + uid, nil},
			{"DELETE", "/api/v1/teams/" + team + "/members/" + uid, nil},
			{"GET", "/api/v1/teams/" + team + "/call-stats", nil},
			{"GET", "/api/v1/queues/" + queue, nil},
			{"PATCH", "/api/v1/queues/" + queue, map[string]any{"name": "Mine"}},
			{"DELETE", "/api/v1/queues/" + queue, nil},
			{"GET", "/api/v1/queues/" + queue + "/members", nil},
			{"POST", "/api/v1/queues/" + queue + "/members", map[string]any{"user_id": uid}},
			{"GET", "/api/v1/users/" + uid + "/presence", nil},
			{"PUT", "/api/v1/users/" + uid + "/presence", map[string]any{"status": "away"}},
			{"GET", "/api/v1/users/" + uid + "/call-stats", nil},
			{"DELETE", "/api/v1/integrations/" + integ, nil},
		} {
			res := e.Do(r.method, r.path, b.AdminToken, r.body)
			if res.Status != http.StatusNotFound {
				t.Errorf("%s %s with another org's token: %d %s", r.method, r.path, res.Status, res.Body)
			}
		}
		// Filters and references to another org's objects are unknown values.
		e.Do("GET", "/api/v1/users?team="+url.QueryEscape(team), b.AdminToken, nil).FieldErrors()
		bq := e.Do("POST", "/api/v1/queues", b.AdminToken, map[string]any{"name": "Support"}).Want(http.StatusCreated).JSON()["id"].(string)
		e.Do("POST", "/api/v1/queues/"+bq+"/members", b.AdminToken, map[string]any{"user_id": uid}).FieldErrors()
		e.Do("POST", "/api/v1/teams", b.AdminToken, map[string]any{"name": "X", "member_ids": []string{uid}, "role_ids": []string{role}}).FieldErrors()
		e.Do("POST", "/api/v1/me/integrations", b.AdminToken, map[string]any{"integration_id": integ}).FieldErrors()
		e.Do("POST", "/api/v1/call-events", b.AdminToken, map[string]any{"events": []any{map[string]any{"id": "x", "user_id": uid,
			"direction": "inbound", "started_at": "2026-01-01T00:00:00Z"}}}).FieldErrors()
		if items := e.Do("GET", "/api/v1/teams", b.AdminToken, nil).Want(http.StatusOK).Items(); len(items) != 0 {
			t.Fatalf("org B lists teams %v", items)
		}
		// Org A's objects are untouched.
		got := e.Do("GET", "/api/v1/teams/"+team, a.AdminToken, nil).Want(http.StatusOK).JSON()
		if got["name"] != "Sales" || got["member_count"] != float64(1) {
			t.Fatalf("org A's team changed: %v", got)
		}
		if n := dbInt(t, e, `SELECT COUNT(*) FROM user_permissions WHERE user_id = ?`, uid); n != 0 {
			t.Fatalf("org B granted %d permissions", n)
		}
	})
}

// operatorOf is the CLI's principal in an org, for restoring state between
// rounds of a race.
func operatorOf(orgID string) *service.Principal { return service.Operator(orgID) }

// servicePermsPatch is a role edit that sets its permissions.
func servicePermsPatch(perms []string) service.RolePatch {
	return service.RolePatch{Permissions: &perms}
}

// TestAdminByGrantsMayChangeRole: an admin whose direct grants keep them an
// admin may take a non-admin role even when nobody else is an admin.
func TestAdminByGrantsMayChangeRole(t *testing.T) {
	t.Parallel()
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		org := e.CreateOrg("acme", roster.PlanProfessional, nil)
		self := "/api/v1/users/" + org.AdminID
		wantProblem(t, e.Do("PATCH", self, org.AdminToken, map[string]any{"role": "agent"}), http.StatusConflict)
		e.Do("PUT", self+"/permissions", org.AdminToken, map[string]any{"permissions": []string{"users.manage", "roles.manage"}}).Want(http.StatusOK)
		e.Do("PATCH", self, org.AdminToken, map[string]any{"role": "agent"}).Want(http.StatusOK)
		// Still an admin through the grants, and still the last one.
		e.Do("PATCH", self, org.AdminToken, map[string]any{"first_name": "Still"}).Want(http.StatusOK)
		wantProblem(t, e.Do("PUT", self+"/permissions", org.AdminToken, map[string]any{"permissions": []string{}}), http.StatusConflict)
		wantProblem(t, e.Do("POST", self+"/deactivate", org.AdminToken, nil), http.StatusConflict)
	})
}
