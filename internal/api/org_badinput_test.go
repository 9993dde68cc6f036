package api_test

import (
	"net/http"
	"strings"
	"testing"

	"roster/internal/apitest"
	"roster/internal/roster"
)

// TestOrgEndpointsRefuseOddIDs sends IDs no row can have (a NUL byte,
// invalid UTF-8, very long) in paths, queries and bodies: each is a 400, a
// 404 or a 422 naming the field, never a 500, on both databases.
func TestOrgEndpointsRefuseOddIDs(t *testing.T) {
	t.Parallel()
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		org := e.CreateOrg("acme", roster.PlanProfessional, nil)
		tok := org.AdminToken
		team := e.Do("POST", "/api/v1/teams", tok, map[string]any{"name": "Sales"}).Want(http.StatusCreated).JSON()["id"].(string)
		queue := e.Do("POST", "/api/v1/queues", tok, map[string]any{"name": "Support"}).Want(http.StatusCreated).JSON()["id"].(string)
		for _, odd := range []string{"%00", "%FF", "a%00b", strings.Repeat("x", 300)} {
			for _, r := range []struct{ method, path string }{
				{"GET", "/api/v1/roles/" + odd},
				{"DELETE", "/api/v1/roles/" + odd},
				{"GET", "/api/v1/users/" + odd + "/permissions"},
				{"GET", "/api/v1/users/" + odd + "/presence"},
				{"GET", "/api/v1/users/" + odd + "/call-stats"},
				{"GET", "/api/v1/teams/" + odd},
				{"GET", "/api/v1/teams/" + odd + "/members"},
				{"GET", "/api/v1/teams/" + odd + "/avatar"},
				{"PUT", "/api/v1/teams/" + team + "/members/" + odd},
				{"DELETE", "/api/v1/teams/" + team + "/members/" + odd},
				{"GET", "/api/v1/queues/" + odd},
				{"DELETE", "/api/v1/queues/" + queue + "/members/" + odd},
				{"DELETE", "/api/v1/integrations/" + odd},
				{"DELETE", "/api/v1/me/integrations/" + odd},
			} {
				// Text no ID can hold is refused before any lookup (400);
				// a well-formed but unknown ID is simply not there (404).
				want := http.StatusNotFound
				if strings.Contains(odd, "%") {
					want = http.StatusBadRequest
				}
				wantProblem(t, e.Do(r.method, r.path, tok, nil), want)
			}
			if res := e.Do("GET", "/api/v1/users?team="+odd, tok, nil); strings.Contains(odd, "%") {
				if p := res.Problem(http.StatusBadRequest); p["errors"] == nil {
					t.Errorf("team=%s: no field named in %v", odd, p)
				}
			} else if res.FieldErrors()["team"] == "" {
				t.Errorf("team=%s: no field error for team", odd)
			}
		}
		// (JSON carries no invalid UTF-8: the encoder would replace it.)
		for _, odd := range []string{"a\x00b", strings.Repeat("x", 300)} {
			fields := map[string]*apitest.Response{
				"member_ids[0]":        e.Do("POST", "/api/v1/teams", tok, map[string]any{"name": "X", "member_ids": []string{odd}}),
				"role_ids[0]":          e.Do("POST", "/api/v1/teams", tok, map[string]any{"name": "X", "role_ids": []string{odd}}),
				"team_ids[0]":          e.Do("POST", "/api/v1/roles", tok, map[string]any{"name": "X", "team_ids": []string{odd}}),
				"user_id":              e.Do("POST", "/api/v1/queues/"+queue+"/members", tok, map[string]any{"user_id": odd}),
				"integration_id":       e.Do("POST", "/api/v1/me/integrations", tok, map[string]any{"integration_id": odd}),
				"events[0].user_id":    e.Do("POST", "/api/v1/call-events", tok, batch(map[string]any{"id": "e", "user_id": odd, "direction": "inbound", "started_at": "2026-01-01T00:00:00Z"})),
				"permissions[0]":       e.Do("PUT", "/api/v1/users/"+org.AdminID+"/permissions", tok, map[string]any{"permissions": []string{odd}}),
				"name":                 e.Do("POST", "/api/v1/queues", tok, map[string]any{"name": odd}),
				"description":          e.Do("POST", "/api/v1/roles", tok, map[string]any{"name": "Y", "description": "a\x00b"}),
				"events[0].id":         e.Do("POST", "/api/v1/call-events", tok, batch(map[string]any{"id": odd, "user_id": org.AdminID, "direction": "inbound", "started_at": "2026-01-01T00:00:00Z"})),
				"events[0].started_at": e.Do("POST", "/api/v1/call-events", tok, batch(map[string]any{"id": "e", "user_id": org.AdminID, "direction": "inbound", "started_at": odd})),
				"events[0].direction":  e.Do("POST", "/api/v1/call-events", tok, batch(map[string]any{"id": "e", "user_id": org.AdminID, "direction": odd, "started_at": "2026-01-01T00:00:00Z"})),
				"account":              e.Do("POST", "/api/v1/me/integrations", tok, map[string]any{"integration_id": "x", "account": "a\x00b"}),
				"status":               e.Do("PUT", "/api/v1/users/"+org.AdminID+"/presence", tok, map[string]any{"status": odd}),
			}
			for field, res := range fields {
				if fe := res.FieldErrors(); fe[field] == "" {
					t.Errorf("%q: no field error for %s: %v", odd, field, fe)
				}
			}
		}
		if n := dbInt(t, e, `SELECT COUNT(*) FROM teams WHERE org_id = ?`, org.ID); n != 1 {
			t.Fatalf("%d teams, want 1", n)
		}
	})
}
