package api_test

import (
	"net/http"
	"net/url"
	"testing"

	"roster/internal/apitest"
	"roster/internal/roster"
	"roster/internal/testdb"
)

// fuzzEnv is one SQLite-backed API with an org, shared by a fuzz target's
// runs: the invariants under test (no 5xx, problem bodies) do not depend on
// the dialect, and a fresh database per input would be far too slow.
func fuzzEnv(f *testing.F) (*apitest.Env, apitest.Org) {
	e := apitest.New(f, testdb.Open(f, "sqlite"))
	org := e.CreateOrg("acme", roster.PlanProfessional, map[string]int{"voice": 1000})
	invite(e, org.AdminToken, "voice", true, "jane@acme.test", "joe@acme.test").Want(http.StatusCreated)
	return e, org
}

// FuzzInvitationBody sends arbitrary bodies to the invitation endpoint: every
// answer is a success or a 4xx problem, never a 5xx.
func FuzzInvitationBody(f *testing.F) {
	for _, s := range []string{
		`{"emails":["A@x.test"],"role":"agent","license_type":"voice","send":true}`,
		`{"emails":["a@x.test","A@X.TEST"],"role":"agent"}`,
		`{"emails":[],"role":"nope"}`, `{"emails":"a@x.test"}`, `{"emails":[1,2]}`, `[]`, `null`, `{`,
		`{"emails":["a@x.test"],"role":"agent","extra":1}`, `{"emails":["a@x.test"]}{}`, "\xff\xfe",
		`{"emails":["jane@acme.test"],"role":"agent","integration":"` + string(make([]byte, 300)) + `"}`,
	} {
		f.Add(s)
	}
	e, org := fuzzEnv(f)
	f.Fuzz(func(t *testing.T, body string) {
		e.T = t
		res := e.Do("POST", "/api/v1/invitations", org.AdminToken, body)
		if res.Status >= 500 {
			t.Fatalf("body %q: %d %s", body, res.Status, res.Body)
		}
		if res.Status >= 400 {
			res.Problem(res.Status)
		}
	})
}

// FuzzUserListQuery sends arbitrary list parameters: every answer is 200 or
// a 4xx problem, never a 5xx, whatever the cursor, sort or search text.
func FuzzUserListQuery(f *testing.F) {
	for _, s := range [][5]string{
		{"", "", "", "", ""}, {"active", "agent", "", "jane", "10"}, {"bogus", "", "", "%_\\", "-1"},
		{"", "", "eyJzIjoiZW1haWwiLCJ2IjoiIiwiaSI6IngifQ", "", "abc"}, {"", "", "!!!", "'; DROP TABLE users; --", "501"},
		{"invited", "", "", "\x00", "99999999999999999999"},
	} {
		f.Add(s[0], s[1], s[2], s[3], s[4])
	}
	e, org := fuzzEnv(f)
	f.Fuzz(func(t *testing.T, status, role, cursor, q, limit string) {
		e.T = t
		v := url.Values{}
		for k, s := range map[string]string{"status": status, "role": role, "cursor": cursor, "q": q, "limit": limit} {
			if s != "" {
				v.Set(k, s)
			}
		}
		for _, sort := range []string{"", "-name", "last_login_at"} {
			if sort != "" {
				v.Set("sort", sort)
			}
			res := e.Do("GET", "/api/v1/users?"+v.Encode(), org.AdminToken, nil)
			if res.Status >= 500 {
				t.Fatalf("query %s: %d %s", v.Encode(), res.Status, res.Body)
			}
			if res.Status >= 400 {
				res.Problem(res.Status)
			} else if res.Status != http.StatusOK {
				t.Fatalf("query %s: %d", v.Encode(), res.Status)
			}
		}
	})
}
