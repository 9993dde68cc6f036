package api_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"testing"

	"roster/internal/apitest"
	"roster/internal/roster"
)

// TestUserBodiesAsEncodingJSON: the user list and a single user, read from
// the database with teams, presence and sign-in times, are answered with the
// headers and the very bytes encoding/json writes for the same values.
func TestUserBodiesAsEncodingJSON(t *testing.T) {
	t.Parallel()
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		org := e.CreateOrg("acme", roster.PlanProfessional, nil)
		rep, repTok := e.ActiveUser(org, "rep@acme.test", "agent", "")
		e.ActiveUser(org, "lead@acme.test", "team_leader", "")
		e.Do("PATCH", "/api/v1/users/"+rep, org.AdminToken, map[string]any{
			"first_name": "<Zoë> & \u2028\"Ångström\"", "last_name": `back\slash 😀`}).Want(http.StatusOK)
		e.Do("POST", "/api/v1/teams", org.AdminToken, map[string]any{"name": "Sales & <Support>", "member_ids": []string{rep}}).Want(http.StatusCreated)
		login(e, nil, "rep@acme.test", apitest.UserPassword, "").Want(http.StatusOK)
		e.Do("GET", "/api/v1/me", repTok, nil).Want(http.StatusOK)

		sameAsEncodingJSON := func(res *apitest.Response, v any) {
			t.Helper()
			if ct, cc := res.Header.Get("Content-Type"), res.Header.Get("Cache-Control"); ct != "application/json" || cc != "no-store" {
				t.Fatalf("headers %q %q", ct, cc)
			}
			if err := json.Unmarshal(res.Body, v); err != nil {
				t.Fatalf("%v: %s", err, res.Body)
			}
			var want bytes.Buffer
			if err := json.NewEncoder(&want).Encode(v); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(res.Body, want.Bytes()) {
				t.Fatalf("body\n%s\nencoding/json writes\n%s", res.Body, want.Bytes())
			}
		}
		var first, all roster.Page[roster.User]
		sameAsEncodingJSON(e.Do("GET", "/api/v1/users?limit=2", org.AdminToken, nil).Want(http.StatusOK), &first)
		if len(first.Items) != 2 || first.NextCursor == "" {
			t.Fatalf("page of %d, cursor %q", len(first.Items), first.NextCursor)
		}
		sameAsEncodingJSON(e.Do("GET", "/api/v1/users", org.AdminToken, nil).Want(http.StatusOK), &all)
		var sawRep bool
		for _, u := range all.Items {
			if u.ID == rep {
				sawRep = len(u.Teams) == 1 && u.Presence != "" && u.LastLoginAt != nil
			}
		}
		if len(all.Items) != 3 || !sawRep {
			t.Fatalf("list without rep's teams, presence and sign-in: %+v", all.Items)
		}
		var empty roster.Page[roster.User]
		res := e.Do("GET", "/api/v1/users?q=nobody-at-all", org.AdminToken, nil).Want(http.StatusOK)
		sameAsEncodingJSON(res, &empty)
		if string(res.Body) != "{\"items\":[],\"next_cursor\":\"\"}\n" {
			t.Fatalf("empty page: %q", res.Body)
		}
		var u roster.User
		sameAsEncodingJSON(e.Do("GET", "/api/v1/users/"+rep, org.AdminToken, nil).Want(http.StatusOK), &u)
		if u.FirstName != "<Zoë> & \u2028\"Ångström\"" || u.ID != rep {
			t.Fatalf("user %+v", u)
		}
	})
}
