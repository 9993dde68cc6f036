package api_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"roster/internal/api"
	"roster/internal/apitest"
	"roster/internal/roster"
	"roster/internal/service"
)

// ---------------------------------------------------------------------------
// Helpers shared by the tests of this package's invariants, errors and auth.

// rebind turns ? placeholders into $n on PostgreSQL so that each assertion
// on rows is written once for both dialects.
func rebind(e *apitest.Env, query string) string {
	if e.DB.Dialect() != "postgres" {
		return query
	}
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			fmt.Fprintf(&b, "$%d", n)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// dbInt runs a query that returns one integer.
func dbInt(t testing.TB, e *apitest.Env, query string, args ...any) int {
	t.Helper()
	var n int
	if err := e.DB.SQL().QueryRow(rebind(e, query), args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// dbString runs a query that returns one text value.
func dbString(t testing.TB, e *apitest.Env, query string, args ...any) string {
	t.Helper()
	var s sql.NullString
	if err := e.DB.SQL().QueryRow(rebind(e, query), args...).Scan(&s); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return s.String
}

// dbRows returns every row of a query, each rendered as its cells (text,
// or the raw bytes of blobs) so that rows can be compared and searched
// without knowing their columns.
func dbRows(t testing.TB, e *apitest.Env, query string, args ...any) [][]string {
	t.Helper()
	rows, err := e.DB.SQL().Query(rebind(e, query), args...)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		t.Fatal(err)
	}
	var out [][]string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatalf("%s: %v", query, err)
		}
		row := make([]string, len(cols))
		for i, v := range vals {
			switch x := v.(type) {
			case nil:
				row[i] = "NULL"
			case []byte:
				row[i] = string(x)
			default:
				row[i] = fmt.Sprint(x)
			}
		}
		out = append(out, row)
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return out
}

// outcome is the result of a request sent from a goroutine other than the
// test's, where t.Fatal must not be called.
type outcome struct {
	status int
	body   map[string]any
	raw    string
	err    error
}

// fire sends a JSON request and reports instead of failing, for concurrent use.
func fire(e *apitest.Env, method, path, token string, body any) outcome {
	var rd io.Reader
	if body != nil {
		buf, err := json.Marshal(body)
		if err != nil {
			return outcome{err: err}
		}
		rd = bytes.NewReader(buf)
	}
	req, err := http.NewRequest(method, e.Server.URL+path, rd)
	if err != nil {
		return outcome{err: err}
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return outcome{err: err}
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		return outcome{err: err}
	}
	o := outcome{status: res.StatusCode, raw: string(data)}
	_ = json.Unmarshal(data, &o.body)
	return o
}

// together runs each fn in its own goroutine, releasing them at once so that
// their requests overlap as much as the scheduler allows.
func together(fns ...func()) {
	start := make(chan struct{})
	var wg sync.WaitGroup
	for _, fn := range fns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			fn()
		}()
	}
	close(start)
	wg.Wait()
}

// doRaw sends a request with exactly the given headers and body, for what
// Env.Do cannot express (other content types, cookies, odd auth headers).
func doRaw(t testing.TB, e *apitest.Env, method, path string, header map[string]string, body string) *apitest.Response {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, e.Server.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return &apitest.Response{T: t, Status: res.StatusCode, Header: res.Header, Body: data}
}

// wantProblem checks the whole RFC 9457 shape the API promises for every
// error, including a detail a person can act on.
func wantProblem(t testing.TB, res *apitest.Response, status int) map[string]any {
	t.Helper()
	if res.Status == http.StatusInternalServerError {
		t.Fatalf("500: %s", res.Body)
	}
	p := res.Problem(status)
	for _, k := range []string{"type", "title", "detail"} {
		if s, _ := p[k].(string); s == "" {
			t.Fatalf("problem without %s: %s", k, res.Body)
		}
	}
	return p
}

// firstItemID returns the id of the first item of a list or create response.
func firstItemID(t testing.TB, res *apitest.Response) string {
	t.Helper()
	items := res.Items()
	if len(items) == 0 {
		t.Fatalf("no items in %s", res.Body)
	}
	return items[0]["id"].(string)
}

// pendingInvitationID returns the ID of the pending invitation to email.
func pendingInvitationID(t testing.TB, e *apitest.Env, token, email string) string {
	t.Helper()
	for _, inv := range e.Do("GET", "/api/v1/invitations", token, nil).Want(http.StatusOK).Items() {
		if inv["email"] == email {
			return inv["id"].(string)
		}
	}
	t.Fatalf("no pending invitation to %s", email)
	return ""
}

// invite sends invitations and returns the response.
func invite(e *apitest.Env, token, license string, send bool, emails ...string) *apitest.Response {
	e.T.Helper()
	body := map[string]any{"emails": emails, "role": "agent", "send": send}
	if license != "" {
		body["license_type"] = license
	}
	return e.Do("POST", "/api/v1/invitations", token, body)
}

// licensePool returns the pool of type typ from GET /licenses.
func licensePool(t testing.TB, e *apitest.Env, token, typ string) map[string]any {
	t.Helper()
	for _, p := range e.Do("GET", "/api/v1/licenses", token, nil).Want(http.StatusOK).Items() {
		if p["type"] == typ {
			return p
		}
	}
	t.Fatalf("no license pool %s", typ)
	return nil
}

// newToken issues a fresh API token as the operator would, for users whose
// tokens a test has revoked.
func newToken(t testing.TB, e *apitest.Env, orgID, email string) string {
	t.Helper()
	tok, err := e.Service.CreateAPIToken(context.Background(), service.Operator(orgID), email, "test")
	if err != nil {
		t.Fatalf("token for %s: %v", email, err)
	}
	return tok
}

// activeAdmins counts the org's active users whose role is admin.
func activeAdmins(t testing.TB, e *apitest.Env, orgID string) int {
	t.Helper()
	return dbInt(t, e, `SELECT COUNT(*) FROM users u JOIN roles r ON r.id = u.role_id
		WHERE u.org_id = ? AND u.status = 'active' AND r.key = 'admin'`, orgID)
}

// ---------------------------------------------------------------------------
// 1. Seats

// TestSeatsNeverOversold races 50 single invitations for a pool of 10 seats:
// the org lock must let exactly 10 through, whatever the interleaving.
func TestSeatsNeverOversold(t *testing.T) {
	t.Parallel()
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		org := e.CreateOrg("acme", roster.PlanProfessional, map[string]int{"power_dialer": 10, "crm_seat": 3})
		const n = 50
		results := make([]outcome, n)
		fns := make([]func(), n)
		for i := range n {
			fns[i] = func() {
				results[i] = fire(e, "POST", "/api/v1/invitations", org.AdminToken, map[string]any{
					"emails": []string{fmt.Sprintf("rep%02d@acme.test", i)}, "role": "agent",
					"license_type": "power_dialer", "send": true})
			}
		}
		together(fns...)

		created, refused := 0, 0
		for i, r := range results {
			switch {
			case r.err != nil:
				t.Fatalf("request %d: %v", i, r.err)
			case r.status == http.StatusCreated:
				created++
			case r.status == http.StatusConflict:
				refused++
				if r.body["available"] != 0.0 || r.body["requested"] != 1.0 || r.body["license_type"] != "power_dialer" {
					t.Errorf("request %d: refusal without the seat counts: %s", i, r.raw)
				}
				if d, _ := r.body["detail"].(string); !strings.Contains(d, "0 available") {
					t.Errorf("request %d: refusal detail %q does not say how many are available", i, d)
				}
			default:
				t.Errorf("request %d: status %d: %s", i, r.status, r.raw)
			}
		}
		if created != 10 || refused != 40 {
			t.Fatalf("%d created and %d refused, want 10 and 40", created, refused)
		}
		if got := dbInt(t, e, `SELECT COUNT(*) FROM users WHERE org_id = ? AND license_type = 'power_dialer' AND status = 'invited'`, org.ID); got != 10 {
			t.Fatalf("%d invited users hold power_dialer, want 10", got)
		}
		if got := dbInt(t, e, `SELECT COUNT(*) FROM invitations WHERE org_id = ? AND status = 'pending'`, org.ID); got != 10 {
			t.Fatalf("%d pending invitations, want 10", got)
		}
		if got := dbInt(t, e, `SELECT COUNT(*) FROM outbox WHERE recipient LIKE 'rep%'`); got != 10 {
			t.Fatalf("%d invitation emails queued, want 10", got)
		}
		if p := licensePool(t, e, org.AdminToken, "power_dialer"); p["purchased"] != 10.0 || p["used"] != 10.0 || p["available"] != 0.0 {
			t.Fatalf("license pool after the race: %v", p)
		}

		// A bulk request is all or nothing: too many invitees create nobody.
		users := dbInt(t, e, `SELECT COUNT(*) FROM users WHERE org_id = ?`, org.ID)
		mails := dbInt(t, e, `SELECT COUNT(*) FROM outbox`)
		invs := dbInt(t, e, `SELECT COUNT(*) FROM invitations`)
		p := wantProblem(t, invite(e, org.AdminToken, "crm_seat", true, "a@acme.test", "b@acme.test", "c@acme.test", "d@acme.test"), http.StatusConflict)
		if p["available"] != 3.0 || p["requested"] != 4.0 || !strings.Contains(p["detail"].(string), "3 available") {
			t.Fatalf("bulk refusal: %v", p)
		}
		p = wantProblem(t, invite(e, org.AdminToken, "power_dialer", true, "e@acme.test", "f@acme.test"), http.StatusConflict)
		if p["available"] != 0.0 || p["requested"] != 2.0 {
			t.Fatalf("bulk refusal on a full pool: %v", p)
		}
		if got := dbInt(t, e, `SELECT COUNT(*) FROM users WHERE org_id = ?`, org.ID); got != users {
			t.Fatalf("refused bulk invitation changed the user count from %d to %d", users, got)
		}
		if got := dbInt(t, e, `SELECT COUNT(*) FROM outbox`); got != mails {
			t.Fatalf("refused bulk invitation queued %d emails", got-mails)
		}
		if got := dbInt(t, e, `SELECT COUNT(*) FROM invitations`); got != invs {
			t.Fatalf("refused bulk invitation created %d invitations", got-invs)
		}
		// Exactly the available number still fits.
		if got := len(invite(e, org.AdminToken, "crm_seat", true, "a@acme.test", "b@acme.test", "c@acme.test").Want(http.StatusCreated).Items()); got != 3 {
			t.Fatalf("%d invited into the 3 free seats", got)
		}

		// Other ways into a seat race just the same: reactivations and
		// license changes competing for the one seat left.
		if _, err := e.Service.SetLicensePool(context.Background(), org.ID, "solo", "Solo", 2); err != nil {
			t.Fatal(err)
		}
		x, _ := e.ActiveUser(org, "x@acme.test", "agent", "solo")
		y, _ := e.ActiveUser(org, "y@acme.test", "agent", "solo")
		z, _ := e.ActiveUser(org, "z@acme.test", "agent", "")
		for _, id := range []string{x, y} {
			e.Do("POST", "/api/v1/users/"+id+"/deactivate", org.AdminToken, nil).Want(http.StatusOK)
		}
		if _, err := e.Service.SetLicensePool(context.Background(), org.ID, "solo", "Solo", 1); err != nil {
			t.Fatal(err)
		}
		var rx, ry, rz outcome
		together(
			func() { rx = fire(e, "POST", "/api/v1/users/"+x+"/reactivate", org.AdminToken, nil) },
			func() { ry = fire(e, "POST", "/api/v1/users/"+y+"/reactivate", org.AdminToken, nil) },
			func() {
				rz = fire(e, "PATCH", "/api/v1/users/"+z, org.AdminToken, map[string]any{"license_type": "solo"})
			},
		)
		oks := 0
		for _, r := range []outcome{rx, ry, rz} {
			switch {
			case r.err != nil:
				t.Fatal(r.err)
			case r.status == http.StatusOK:
				oks++
			case r.status != http.StatusConflict:
				t.Fatalf("status %d: %s", r.status, r.raw)
			}
		}
		used := dbInt(t, e, `SELECT COUNT(*) FROM users WHERE org_id = ? AND license_type = 'solo' AND status IN ('active', 'invited')`, org.ID)
		if oks != 1 || used != 1 {
			t.Fatalf("%d of three claims on one seat succeeded, %d seats used", oks, used)
		}
	})
}

// ---------------------------------------------------------------------------
// 2. Last admin

// TestLastAdminKept: the only admin cannot lock everyone out of the org by
// deactivating, deleting or demoting themselves.
func TestLastAdminKept(t *testing.T) {
	t.Parallel()
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		org := e.CreateOrg("acme", roster.PlanProfessional, nil)
		self := "/api/v1/users/" + org.AdminID
		for _, req := range []struct {
			method, path string
			body         any
		}{
			{"POST", self + "/deactivate", nil},
			{"DELETE", self, nil},
			{"PATCH", self, map[string]any{"role": "agent"}},
			{"PATCH", self, map[string]any{"role": "manager"}},
			{"PATCH", self, map[string]any{"role": "user", "first_name": "Changed"}},
		} {
			p := wantProblem(t, e.Do(req.method, req.path, org.AdminToken, req.body), http.StatusConflict)
			if !strings.Contains(p["detail"].(string), "last active user") {
				t.Errorf("%s %s: detail %q", req.method, req.path, p["detail"])
			}
		}
		u := e.Do("GET", self, org.AdminToken, nil).Want(http.StatusOK).JSON()
		if u["status"] != "active" || u["role"] != "admin" || u["first_name"] != "Ada" {
			t.Fatalf("the last admin changed: %v", u)
		}
		if n := activeAdmins(t, e, org.ID); n != 1 {
			t.Fatalf("%d active admins, want 1", n)
		}
		if n := dbInt(t, e, `SELECT COUNT(*) FROM api_tokens WHERE user_id = ?`, org.AdminID); n != 1 {
			t.Fatalf("refused deactivation revoked tokens: %d left", n)
		}

		// With a second admin, the first may step down.
		bID, bTok := e.ActiveUser(org, "second@acme.test", "admin", "")
		e.Do("PATCH", self, org.AdminToken, map[string]any{"role": "agent"}).Want(http.StatusOK)
		wantProblem(t, e.Do("POST", "/api/v1/users/"+bID+"/deactivate", bTok, nil), http.StatusConflict)
		wantProblem(t, e.Do("DELETE", "/api/v1/users/"+bID, bTok, nil), http.StatusConflict)
		if n := activeAdmins(t, e, org.ID); n != 1 {
			t.Fatalf("%d active admins, want 1", n)
		}
	})
}

// TestLastAdminKeptUnderConcurrency races two admins removing each other:
// each request alone is allowed, both together would leave no admin.
func TestLastAdminKeptUnderConcurrency(t *testing.T) {
	t.Parallel()
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		org := e.CreateOrg("acme", roster.PlanProfessional, nil)
		a := org.AdminID
		b, bTok := e.ActiveUser(org, "second@acme.test", "admin", "")
		token := map[string]string{a: org.AdminToken, b: bTok}
		email := map[string]string{a: "admin@acme.test", b: "second@acme.test"}
		other := map[string]string{a: b, b: a}

		const rounds = 8
		for round := range rounds {
			var ab, ba outcome
			together(
				func() { ab = fire(e, "POST", "/api/v1/users/"+b+"/deactivate", token[a], nil) },
				func() { ba = fire(e, "POST", "/api/v1/users/"+a+"/deactivate", token[b], nil) },
			)
			oks := 0
			for _, r := range []outcome{ab, ba} {
				switch {
				case r.err != nil:
					t.Fatalf("round %d: %v", round, r.err)
				case r.status == http.StatusOK:
					oks++
				case r.status == http.StatusConflict, r.status == http.StatusUnauthorized:
				default:
					t.Fatalf("round %d: status %d: %s", round, r.status, r.raw)
				}
			}
			admins := activeAdmins(t, e, org.ID)
			if oks > 1 || admins < 1 || admins != 2-oks {
				t.Fatalf("round %d: %d deactivations succeeded, %d active admins left (%s / %s)", round, oks, admins, ab.raw, ba.raw)
			}
			for _, id := range []string{a, b} {
				if dbString(t, e, `SELECT status FROM users WHERE id = ?`, id) == "inactive" {
					e.Do("POST", "/api/v1/users/"+id+"/reactivate", token[other[id]], nil).Want(http.StatusOK)
					token[id] = newToken(t, e, org.ID, email[id])
				}
			}
		}

		for round := range rounds {
			var ab, ba outcome
			together(
				func() { ab = fire(e, "PATCH", "/api/v1/users/"+b, token[a], map[string]any{"role": "agent"}) },
				func() { ba = fire(e, "PATCH", "/api/v1/users/"+a, token[b], map[string]any{"role": "agent"}) },
			)
			oks := 0
			for _, r := range []outcome{ab, ba} {
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
			admins := activeAdmins(t, e, org.ID)
			if oks > 1 || admins < 1 || admins != 2-oks {
				t.Fatalf("round %d: %d demotions succeeded, %d active admins left (%s / %s)", round, oks, admins, ab.raw, ba.raw)
			}
			for _, id := range []string{a, b} {
				if dbString(t, e, `SELECT r.key FROM users u JOIN roles r ON r.id = u.role_id WHERE u.id = ?`, id) != "admin" {
					e.Do("PATCH", "/api/v1/users/"+id, token[other[id]], map[string]any{"role": "admin"}).Want(http.StatusOK)
				}
			}
		}
	})
}

// ---------------------------------------------------------------------------
// 3. Tenants

// TestTenantIsolation: another org's IDs behave exactly like IDs that do not
// exist, and nothing of the other org shows up in any list.
func TestTenantIsolation(t *testing.T) {
	t.Parallel()
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		a := e.CreateOrg("alpha", roster.PlanProfessional, map[string]int{"power_dialer": 5})
		b := e.CreateOrg("beta", roster.PlanProfessional, map[string]int{"power_dialer": 5, "crm_sync": 2})

		bAgent, _ := e.ActiveUser(b, "agent@beta.test", "agent", "power_dialer")
		bGone, _ := e.ActiveUser(b, "gone@beta.test", "agent", "")
		e.Do("POST", "/api/v1/users/"+bGone+"/deactivate", b.AdminToken, nil).Want(http.StatusOK)
		bInvited := firstItemID(t, invite(e, b.AdminToken, "power_dialer", true, "invitee@beta.test").Want(http.StatusCreated))
		bInv := pendingInvitationID(t, e, b.AdminToken, "invitee@beta.test")
		bPrepared := firstItemID(t, invite(e, b.AdminToken, "crm_sync", false, "later@beta.test").Want(http.StatusCreated))
		bIDs := map[string]bool{b.AdminID: true, bAgent: true, bGone: true, bInvited: true, bInv: true, bPrepared: true, b.ID: true}

		// A's own data, so that its lists are not trivially empty.
		aAgent, _ := e.ActiveUser(a, "agent@alpha.test", "agent", "power_dialer")

		snapshot := func() [][]string {
			var all [][]string
			for _, q := range []string{
				`SELECT id, email, first_name, last_name, status, role_id, license_type, password_hash, updated_at FROM users WHERE org_id = ? ORDER BY id`,
				`SELECT id, status, token_hash, expires_at FROM invitations WHERE org_id = ? ORDER BY id`,
				`SELECT id, recipient FROM outbox WHERE org_id = ? ORDER BY id`,
				`SELECT id, action FROM audit_events WHERE org_id = ? ORDER BY id`,
				`SELECT id, used_at FROM password_resets WHERE org_id = ? ORDER BY id`,
				`SELECT id FROM sessions WHERE org_id = ? ORDER BY id`,
				`SELECT id FROM api_tokens WHERE org_id = ? ORDER BY id`,
				`SELECT id, invitations_sent FROM orgs WHERE id = ?`,
			} {
				all = append(all, dbRows(t, e, q, b.ID)...)
			}
			return all
		}
		before := snapshot()

		attacks := []struct {
			method, path string
			body         any
		}{
			{"GET", "/api/v1/users/" + bAgent, nil},
			{"GET", "/api/v1/users/" + b.AdminID, nil},
			{"PATCH", "/api/v1/users/" + bAgent, map[string]any{"first_name": "Mallory"}},
			{"PATCH", "/api/v1/users/" + b.AdminID, map[string]any{"role": "agent"}},
			{"PATCH", "/api/v1/users/" + bAgent, map[string]any{"license_type": "power_dialer"}},
			{"DELETE", "/api/v1/users/" + bAgent, nil},
			{"DELETE", "/api/v1/users/" + bInvited, nil},
			{"POST", "/api/v1/users/" + bAgent + "/deactivate", nil},
			{"POST", "/api/v1/users/" + b.AdminID + "/deactivate", nil},
			{"POST", "/api/v1/users/" + bGone + "/reactivate", nil},
			{"POST", "/api/v1/users/" + bPrepared + "/invite", nil},
			{"POST", "/api/v1/users/" + bAgent + "/password-reset", nil},
			{"POST", "/api/v1/invitations/send", map[string]any{"user_ids": []string{bPrepared}}},
			{"POST", "/api/v1/invitations/" + bInv + "/resend", nil},
			{"DELETE", "/api/v1/invitations/" + bInv, nil},
		}
		check := func(who string, do func(method, path string, body any) *apitest.Response) {
			for _, at := range attacks {
				res := do(at.method, at.path, at.body)
				if res.Status != http.StatusNotFound {
					t.Errorf("%s: %s %s: status %d, want 404: %s", who, at.method, at.path, res.Status, res.Body)
					continue
				}
				p := wantProblem(t, res, http.StatusNotFound)
				if d := p["detail"].(string); strings.Contains(d, "beta") {
					t.Errorf("%s: %s %s: the 404 reveals the other org's data: %q", who, at.method, at.path, d)
				}
			}
			for _, path := range []string{"/api/v1/users?limit=500", "/api/v1/users?q=beta", "/api/v1/invitations",
				"/api/v1/audit-events?limit=500", "/api/v1/audit-events?target=" + bAgent, "/api/v1/licenses"} {
				res := do("GET", path, nil).Want(http.StatusOK)
				for _, item := range res.Items() {
					for _, k := range []string{"id", "user_id", "target_id", "actor_id"} {
						if id, _ := item[k].(string); bIDs[id] {
							t.Errorf("%s: GET %s lists the other org's %s %s", who, path, k, id)
						}
					}
					for _, k := range []string{"email", "target", "actor"} {
						if s, _ := item[k].(string); strings.Contains(s, "beta") {
							t.Errorf("%s: GET %s lists the other org's %s", who, path, s)
						}
					}
					if item["type"] == "crm_sync" {
						t.Errorf("%s: GET %s lists the other org's license pool", who, path)
					}
				}
				if strings.Contains(path, "q=beta") || strings.Contains(path, "target=") {
					if n := len(res.Items()); n != 0 {
						t.Errorf("%s: GET %s: %d items, want 0", who, path, n)
					}
				}
			}
			// Seat counts are per org even when the pools share a type.
			if p := licensePool(t, e, a.AdminToken, "power_dialer"); p["used"] != 1.0 || p["available"] != 4.0 {
				t.Errorf("%s: A's pool counts B's seats: %v", who, p)
			}
			if after := snapshot(); !slices.EqualFunc(before, after, slices.Equal) {
				t.Fatalf("%s: org B changed:\nbefore %q\nafter  %q", who, before, after)
			}
		}

		check("api token", func(method, path string, body any) *apitest.Response {
			return e.Do(method, path, a.AdminToken, body)
		})
		browser := apitest.NewBrowser()
		e.DoWith(browser, "POST", "/api/v1/auth/login", "", map[string]any{"email": "admin@alpha.test",
			"password": apitest.AdminPassword}).Want(http.StatusOK)
		check("session", func(method, path string, body any) *apitest.Response {
			return e.DoWith(browser, method, path, "", body)
		})

		// An address in use in B is free in A, and A learns nothing from it.
		res := invite(e, a.AdminToken, "", true, "agent@beta.test").Want(http.StatusCreated)
		if id := firstItemID(t, res); bIDs[id] || id == aAgent {
			t.Fatalf("inviting B's address into A returned %s", id)
		}
		if n := dbInt(t, e, `SELECT COUNT(*) FROM users WHERE email = 'agent@beta.test'`); n != 2 {
			t.Fatalf("%d users with agent@beta.test, want one per org", n)
		}
	})
}

// ---------------------------------------------------------------------------
// 4. Permissions

// TestAgentPermissions: an agent may read themselves and nothing else, and
// may change nothing.
func TestAgentPermissions(t *testing.T) {
	t.Parallel()
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		org := e.CreateOrg("acme", roster.PlanProfessional, map[string]int{"power_dialer": 5})
		agent, agentTok := e.ActiveUser(org, "rep@acme.test", "agent", "power_dialer")
		other, _ := e.ActiveUser(org, "other@acme.test", "agent", "")
		gone, _ := e.ActiveUser(org, "gone@acme.test", "agent", "")
		e.Do("POST", "/api/v1/users/"+gone+"/deactivate", org.AdminToken, nil).Want(http.StatusOK)
		invite(e, org.AdminToken, "", true, "pending@acme.test").Want(http.StatusCreated)
		inv := pendingInvitationID(t, e, org.AdminToken, "pending@acme.test")
		prepared := firstItemID(t, invite(e, org.AdminToken, "", false, "later@acme.test").Want(http.StatusCreated))

		users := dbRows(t, e, `SELECT id, status, role_id, license_type, first_name, updated_at FROM users ORDER BY id`)
		mails := dbInt(t, e, `SELECT COUNT(*) FROM outbox`)

		for _, req := range []struct {
			method, path string
			body         any
		}{
			{"POST", "/api/v1/invitations", map[string]any{"emails": []string{"x@acme.test"}, "role": "agent"}},
			{"POST", "/api/v1/invitations", map[string]any{"emails": []string{"x@acme.test"}, "role": "admin"}},
			{"POST", "/api/v1/invitations/send", map[string]any{"user_ids": []string{prepared}}},
			{"GET", "/api/v1/invitations", nil},
			{"POST", "/api/v1/invitations/" + inv + "/resend", nil},
			{"DELETE", "/api/v1/invitations/" + inv, nil},
			{"GET", "/api/v1/users", nil},
			{"GET", "/api/v1/users/" + other, nil},
			{"GET", "/api/v1/users/" + org.AdminID, nil},
			{"PATCH", "/api/v1/users/" + other, map[string]any{"first_name": "X"}},
			{"PATCH", "/api/v1/users/" + agent, map[string]any{"role": "admin"}},
			{"PATCH", "/api/v1/users/" + agent, map[string]any{"first_name": "Self"}},
			{"DELETE", "/api/v1/users/" + other, nil},
			{"DELETE", "/api/v1/users/" + org.AdminID, nil},
			{"POST", "/api/v1/users/" + other + "/deactivate", nil},
			{"POST", "/api/v1/users/" + org.AdminID + "/deactivate", nil},
			{"POST", "/api/v1/users/" + gone + "/reactivate", nil},
			{"POST", "/api/v1/users/" + prepared + "/invite", nil},
			{"POST", "/api/v1/users/" + other + "/password-reset", nil},
			{"GET", "/api/v1/licenses", nil},
			{"GET", "/api/v1/audit-events", nil},
			{"GET", "/api/v1/roles", nil},
			{"GET", "/api/v1/permissions", nil},
		} {
			res := e.Do(req.method, req.path, agentTok, req.body)
			if res.Status != http.StatusForbidden {
				t.Errorf("agent %s %s: status %d, want 403: %s", req.method, req.path, res.Status, res.Body)
				continue
			}
			wantProblem(t, res, http.StatusForbidden)
		}
		if after := dbRows(t, e, `SELECT id, status, role_id, license_type, first_name, updated_at FROM users ORDER BY id`); !slices.EqualFunc(users, after, slices.Equal) {
			t.Fatalf("refused requests changed users:\nbefore %q\nafter  %q", users, after)
		}
		if n := dbInt(t, e, `SELECT COUNT(*) FROM outbox`); n != mails {
			t.Fatalf("refused requests queued %d emails", n-mails)
		}

		me := e.Do("GET", "/api/v1/me", agentTok, nil).Want(http.StatusOK).JSON()
		if me["user"].(map[string]any)["id"] != agent {
			t.Fatalf("me: %v", me)
		}
		for _, p := range me["permissions"].([]any) {
			if p == string(roster.PermUsersRead) || p == string(roster.PermUsersManage) {
				t.Fatalf("agent holds %s", p)
			}
		}
		if u := e.Do("GET", "/api/v1/users/"+agent, agentTok, nil).Want(http.StatusOK).JSON(); u["email"] != "rep@acme.test" {
			t.Fatalf("own user: %v", u)
		}
	})
}

// TestCredentialsRequired walks the route table so that a route added later
// without authentication cannot slip through.
func TestCredentialsRequired(t *testing.T) {
	t.Parallel()
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		org := e.CreateOrg("acme", roster.PlanProfessional, nil)
		credentials := []map[string]string{
			{},
			{"Authorization": "Bearer rst_" + strings.Repeat("A", 43)},
			{"Authorization": "Bearer rss_" + strings.Repeat("A", 43)},
			{"Authorization": "Bearer not-a-token"},
			{"Authorization": "Bearer "},
			{"Authorization": "Basic YWRtaW46cGFzcw=="},
			{"Authorization": org.AdminToken}, // the scheme is missing
			{"Cookie": api.SessionCookie + "=rss_" + strings.Repeat("B", 43)},
			{"Cookie": api.SessionCookie + "=" + org.AdminToken[:10]},
		}
		checked := 0
		for _, rt := range api.New(api.Options{}).Routes() {
			path := strings.ReplaceAll(rt.Path, "{id}", org.AdminID)
			if rt.Public {
				// Public routes must not demand credentials; an empty body is
				// a client error of another kind.
				if res := doRaw(t, e, rt.Method, path, nil, ""); res.Status == http.StatusUnauthorized || res.Status >= 500 {
					t.Errorf("public %s %s: status %d: %s", rt.Method, path, res.Status, res.Body)
				}
				continue
			}
			for _, h := range credentials {
				res := doRaw(t, e, rt.Method, path, h, "")
				if res.Status != http.StatusUnauthorized {
					t.Errorf("%s %s with %v: status %d, want 401: %s", rt.Method, path, h, res.Status, res.Body)
					continue
				}
				wantProblem(t, res, http.StatusUnauthorized)
				if wa := res.Header.Get("WWW-Authenticate"); !strings.HasPrefix(wa, "Bearer") {
					t.Errorf("%s %s: WWW-Authenticate %q", rt.Method, path, wa)
				}
			}
			checked++
		}
		if checked < 15 {
			t.Fatalf("only %d protected routes checked", checked)
		}
		// The admin's real token still works: the failures above were about
		// the credentials, not the org.
		e.Do("GET", "/api/v1/users", org.AdminToken, nil).Want(http.StatusOK)
	})
}

// TestRoleChangeAppliesOnNextRequest: permissions come from the user's role
// at each request, not from when the token was issued.
func TestRoleChangeAppliesOnNextRequest(t *testing.T) {
	t.Parallel()
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		org := e.CreateOrg("acme", roster.PlanProfessional, nil)
		id, tok := e.ActiveUser(org, "rep@acme.test", "agent", "")
		browser := apitest.NewBrowser()
		e.DoWith(browser, "POST", "/api/v1/auth/login", "", map[string]any{"email": "rep@acme.test",
			"password": apitest.UserPassword}).Want(http.StatusOK)

		wantProblem(t, e.Do("GET", "/api/v1/users", tok, nil), http.StatusForbidden)
		wantProblem(t, e.DoWith(browser, "GET", "/api/v1/users", "", nil), http.StatusForbidden)

		e.Do("PATCH", "/api/v1/users/"+id, org.AdminToken, map[string]any{"role": "admin"}).Want(http.StatusOK)
		e.Do("GET", "/api/v1/users", tok, nil).Want(http.StatusOK)
		e.DoWith(browser, "GET", "/api/v1/users", "", nil).Want(http.StatusOK)
		e.Do("GET", "/api/v1/audit-events", tok, nil).Want(http.StatusOK)

		e.Do("PATCH", "/api/v1/users/"+id, org.AdminToken, map[string]any{"role": "manager"}).Want(http.StatusOK)
		e.Do("GET", "/api/v1/users", tok, nil).Want(http.StatusOK)
		wantProblem(t, e.Do("GET", "/api/v1/audit-events", tok, nil), http.StatusForbidden)
		wantProblem(t, e.Do("POST", "/api/v1/invitations", tok, map[string]any{"emails": []string{"x@acme.test"}}), http.StatusForbidden)

		e.Do("PATCH", "/api/v1/users/"+id, org.AdminToken, map[string]any{"role": "agent"}).Want(http.StatusOK)
		wantProblem(t, e.Do("GET", "/api/v1/users", tok, nil), http.StatusForbidden)
		wantProblem(t, e.DoWith(browser, "GET", "/api/v1/users", "", nil), http.StatusForbidden)
	})
}

// ---------------------------------------------------------------------------
// 5. Tokens

// TestTokensStoredHashed: a copy of the database must not let anyone sign
// in, accept an invitation or reset a password.
func TestTokensStoredHashed(t *testing.T) {
	t.Parallel()
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		org := e.CreateOrg("acme", roster.PlanProfessional, nil)
		invite(e, org.AdminToken, "", true, "new@acme.test").Want(http.StatusCreated)
		inviteTok := apitest.TokenFromLink(t, e.LastEmailTo("new@acme.test").Link)
		e.Do("POST", "/api/v1/auth/password/forgot", "", map[string]any{"email": "admin@acme.test"}).Want(http.StatusAccepted)
		resetTok := apitest.TokenFromLink(t, e.LastEmailTo("admin@acme.test").Link)
		sessTok := sessionToken(t, e.Do("POST", "/api/v1/auth/login", "", map[string]any{"email": "admin@acme.test",
			"password": apitest.AdminPassword}).Want(http.StatusOK))
		_, agentTok := e.ActiveUser(org, "rep@acme.test", "agent", "")

		tokens := []struct{ token, prefix, table string }{
			{inviteTok, "rsi_", "invitations"},
			{resetTok, "rsr_", "password_resets"},
			{org.AdminToken, "rst_", "api_tokens"},
			{agentTok, "rst_", "api_tokens"},
			{sessTok, "rss_", "sessions"},
		}
		// Every stored cell except the email bodies and links, which carry
		// invite and reset tokens to their recipient by design.
		var cells []string
		for _, q := range []string{
			`SELECT * FROM orgs`, `SELECT * FROM roles`, `SELECT * FROM license_pools`, `SELECT * FROM users`,
			`SELECT * FROM invitations`, `SELECT * FROM sessions`, `SELECT * FROM api_tokens`,
			`SELECT * FROM password_resets`, `SELECT * FROM login_failures`, `SELECT * FROM audit_events`,
			`SELECT id, org_id, recipient, subject, status, attempts, last_error, next_attempt_at, locked_until, created_at, sent_at FROM outbox`,
		} {
			for _, row := range dbRows(t, e, q) {
				cells = append(cells, row...)
			}
		}
		for _, tk := range tokens {
			if !strings.HasPrefix(tk.token, tk.prefix) {
				t.Errorf("%s token %q lacks its prefix", tk.table, tk.token)
				continue
			}
			raw, err := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(tk.token, tk.prefix))
			if err != nil || len(raw) != 32 {
				t.Errorf("%s token %q: %d random bytes (%v), want 32", tk.table, tk.token, len(raw), err)
			}
			sum := sha256.Sum256([]byte(tk.token))
			if n := dbInt(t, e, `SELECT COUNT(*) FROM `+tk.table+` WHERE token_hash = ?`, sum[:]); n != 1 {
				t.Errorf("%s: %d rows hold sha256(token), want 1", tk.table, n)
			}
			secret := strings.TrimPrefix(tk.token, tk.prefix)
			for _, c := range cells {
				if strings.Contains(c, secret) {
					t.Errorf("%s token stored in plain text: %q", tk.table, c)
				}
			}
		}
		for _, table := range []string{"invitations", "password_resets", "api_tokens", "sessions"} {
			for _, row := range dbRows(t, e, `SELECT token_hash FROM `+table) {
				if len(row[0]) != sha256.Size {
					t.Errorf("%s.token_hash is %d bytes, want a %d-byte SHA-256", table, len(row[0]), sha256.Size)
				}
			}
		}
	})
}

// sessionToken returns the session token a login response sets as a cookie.
func sessionToken(t testing.TB, res *apitest.Response) string {
	t.Helper()
	for _, line := range res.Header.Values("Set-Cookie") {
		c, err := http.ParseSetCookie(line)
		if err == nil && c.Name == api.SessionCookie && c.Value != "" {
			return c.Value
		}
	}
	t.Fatalf("no session cookie in %v", res.Header)
	return ""
}

// accept accepts an invitation with valid details.
func accept(e *apitest.Env, token string) *apitest.Response {
	e.T.Helper()
	return e.Do("POST", "/api/v1/invitations/accept", "", map[string]any{"token": token,
		"first_name": "New", "last_name": "Person", "password": "a long pass phrase"})
}

// TestInviteLinkSingleUse: an accepted link cannot be replayed, and a link
// that was never issued is no better.
func TestInviteLinkSingleUse(t *testing.T) {
	t.Parallel()
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		org := e.CreateOrg("acme", roster.PlanProfessional, nil)
		invite(e, org.AdminToken, "", true, "new@acme.test").Want(http.StatusCreated)
		tok := apitest.TokenFromLink(t, e.LastEmailTo("new@acme.test").Link)
		accept(e, tok).Want(http.StatusOK)
		p := wantProblem(t, accept(e, tok), http.StatusGone)
		if !strings.Contains(p["detail"].(string), "already been used") {
			t.Fatalf("replayed link: %v", p)
		}
		wantProblem(t, e.Do("POST", "/api/v1/invitations/accept", "", map[string]any{"token": "rsi_" + strings.Repeat("x", 43),
			"first_name": "A", "last_name": "B", "password": "a long pass phrase"}), http.StatusGone)
	})
}

// TestInviteLinkSingleUseConcurrently: of two accepts of one link that race,
// one wins and the other is told the link is used.
func TestInviteLinkSingleUseConcurrently(t *testing.T) {
	t.Parallel()
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		org := e.CreateOrg("acme", roster.PlanProfessional, nil)
		for round := range 5 {
			email := fmt.Sprintf("new%d@acme.test", round)
			invite(e, org.AdminToken, "", true, email).Want(http.StatusCreated)
			tok := apitest.TokenFromLink(t, e.LastEmailTo(email).Link)
			var r1, r2 outcome
			body := func(pw string) map[string]any {
				return map[string]any{"token": tok, "first_name": "New", "last_name": "Person", "password": pw}
			}
			together(
				func() { r1 = fire(e, "POST", "/api/v1/invitations/accept", "", body("first long phrase")) },
				func() { r2 = fire(e, "POST", "/api/v1/invitations/accept", "", body("second long phrase")) },
			)
			if r1.err != nil || r2.err != nil {
				t.Fatalf("round %d: %v / %v", round, r1.err, r2.err)
			}
			statuses := []int{r1.status, r2.status}
			sort.Ints(statuses)
			if statuses[0] != http.StatusOK || statuses[1] < 400 {
				t.Fatalf("round %d: statuses %v, want exactly one 200 (%s / %s)", round, statuses, r1.raw, r2.raw)
			}
			// The winner's password is the one stored: the loser's write
			// must not have landed.
			winner := "first long phrase"
			if r2.status == http.StatusOK {
				winner = "second long phrase"
			}
			e.Do("POST", "/api/v1/auth/login", "", map[string]any{"email": email, "password": winner}).Want(http.StatusOK)
			if statuses[1] != http.StatusGone {
				t.Fatalf("round %d: the losing accept got %d, want 410 (%s / %s)", round, statuses[1], r1.raw, r2.raw)
			}
		}
	})
}

// TestResendInvalidatesOldToken: after a resend only the newest link works,
// so a forwarded or leaked older email is useless.
func TestResendInvalidatesOldToken(t *testing.T) {
	t.Parallel()
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		org := e.CreateOrg("acme", roster.PlanProfessional, nil)
		invite(e, org.AdminToken, "", true, "new@acme.test").Want(http.StatusCreated)
		oldTok := apitest.TokenFromLink(t, e.LastEmailTo("new@acme.test").Link)
		inv := pendingInvitationID(t, e, org.AdminToken, "new@acme.test")

		res := e.Do("POST", "/api/v1/invitations/"+inv+"/resend", org.AdminToken, nil).Want(http.StatusOK).JSON()
		if res["id"] == inv || res["status"] != "pending" {
			t.Fatalf("resent invitation: %v", res)
		}
		if n := e.EmailsTo("new@acme.test"); n != 2 {
			t.Fatalf("%d emails after resend, want 2", n)
		}
		newTok := apitest.TokenFromLink(t, e.LastEmailTo("new@acme.test").Link)
		if newTok == oldTok {
			t.Fatal("resend reused the token")
		}
		// The old invitation is no longer pending, so it cannot be resent or
		// cancelled again.
		wantProblem(t, e.Do("POST", "/api/v1/invitations/"+inv+"/resend", org.AdminToken, nil), http.StatusConflict)
		p := wantProblem(t, accept(e, oldTok), http.StatusGone)
		if !strings.Contains(p["detail"].(string), "newer invitation") {
			t.Fatalf("old link after resend: %v", p)
		}
		accept(e, newTok).Want(http.StatusOK)
		wantProblem(t, accept(e, oldTok), http.StatusGone)

		// A resend revives an expired invitation with a fresh lifetime.
		invite(e, org.AdminToken, "", true, "late@acme.test").Want(http.StatusCreated)
		late := pendingInvitationID(t, e, org.AdminToken, "late@acme.test")
		e.Advance(8 * 24 * time.Hour)
		lateOld := apitest.TokenFromLink(t, e.LastEmailTo("late@acme.test").Link)
		wantProblem(t, accept(e, lateOld), http.StatusGone)
		e.Do("POST", "/api/v1/invitations/"+late+"/resend", org.AdminToken, nil).Want(http.StatusOK)
		accept(e, apitest.TokenFromLink(t, e.LastEmailTo("late@acme.test").Link)).Want(http.StatusOK)
	})
}

// TestCancelledInvitation: cancelling removes the invitee entirely and gives
// the seat back.
func TestCancelledInvitation(t *testing.T) {
	t.Parallel()
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		org := e.CreateOrg("acme", roster.PlanProfessional, map[string]int{"power_dialer": 1})
		user := firstItemID(t, invite(e, org.AdminToken, "power_dialer", true, "new@acme.test").Want(http.StatusCreated))
		tok := apitest.TokenFromLink(t, e.LastEmailTo("new@acme.test").Link)
		inv := pendingInvitationID(t, e, org.AdminToken, "new@acme.test")
		if p := licensePool(t, e, org.AdminToken, "power_dialer"); p["available"] != 0.0 {
			t.Fatalf("pool before cancel: %v", p)
		}

		e.Do("DELETE", "/api/v1/invitations/"+inv, org.AdminToken, nil).Want(http.StatusNoContent)
		p := wantProblem(t, accept(e, tok), http.StatusGone)
		if !strings.Contains(p["detail"].(string), "cancelled") {
			t.Fatalf("cancelled link: %v", p)
		}
		wantProblem(t, e.Do("GET", "/api/v1/users/"+user, org.AdminToken, nil), http.StatusNotFound)
		if n := dbInt(t, e, `SELECT COUNT(*) FROM users WHERE id = ?`, user); n != 0 {
			t.Fatalf("cancelled invitee still stored")
		}
		if p := licensePool(t, e, org.AdminToken, "power_dialer"); p["used"] != 0.0 || p["available"] != 1.0 {
			t.Fatalf("cancel did not free the seat: %v", p)
		}
		if items := e.Do("GET", "/api/v1/invitations", org.AdminToken, nil).Want(http.StatusOK).Items(); len(items) != 0 {
			t.Fatalf("cancelled invitation still listed: %v", items)
		}
		wantProblem(t, e.Do("DELETE", "/api/v1/invitations/"+inv, org.AdminToken, nil), http.StatusConflict)
		// The freed seat can be used, and the address invited again.
		invite(e, org.AdminToken, "power_dialer", true, "new@acme.test").Want(http.StatusCreated)
		accept(e, apitest.TokenFromLink(t, e.LastEmailTo("new@acme.test").Link)).Want(http.StatusOK)
		wantProblem(t, accept(e, tok), http.StatusGone)
	})
}

// TestInvitationExpires: links stop working after the invitation lifetime
// (seven days by default).
func TestInvitationExpires(t *testing.T) {
	t.Parallel()
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		org := e.CreateOrg("acme", roster.PlanProfessional, nil)
		invite(e, org.AdminToken, "", true, "late@acme.test", "early@acme.test").Want(http.StatusCreated)
		late := apitest.TokenFromLink(t, e.LastEmailTo("late@acme.test").Link)
		early := apitest.TokenFromLink(t, e.LastEmailTo("early@acme.test").Link)

		e.Advance(6 * 24 * time.Hour)
		accept(e, early).Want(http.StatusOK)
		e.Advance(2 * 24 * time.Hour)
		p := wantProblem(t, accept(e, late), http.StatusGone)
		if !strings.Contains(p["detail"].(string), "expired") {
			t.Fatalf("expired link: %v", p)
		}
		if s := dbString(t, e, `SELECT status FROM users WHERE email = 'late@acme.test'`); s != "invited" {
			t.Fatalf("expired invitee is %s", s)
		}
		invs := e.Do("GET", "/api/v1/invitations", org.AdminToken, nil).Want(http.StatusOK).Items()
		if len(invs) != 1 || invs[0]["expired"] != true {
			t.Fatalf("pending invitations after expiry: %v", invs)
		}
	})
}

// forgot asks for a reset link for email and returns its token.
func forgot(t testing.TB, e *apitest.Env, email string) string {
	t.Helper()
	e.Do("POST", "/api/v1/auth/password/forgot", "", map[string]any{"email": email}).Want(http.StatusAccepted)
	return apitest.TokenFromLink(t, e.LastEmailTo(email).Link)
}

// reset sets a password with a reset token.
func reset(e *apitest.Env, token, password string) *apitest.Response {
	e.T.Helper()
	return e.Do("POST", "/api/v1/auth/password/reset", "", map[string]any{"token": token, "password": password})
}

// TestResetLinkExpires: a reset link lasts one hour.
func TestResetLinkExpires(t *testing.T) {
	t.Parallel()
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		e.CreateOrg("acme", roster.PlanProfessional, nil)
		tok := forgot(t, e, "admin@acme.test")
		e.Advance(59 * time.Minute)
		fresh := forgot(t, e, "admin@acme.test")
		e.Advance(time.Minute)
		wantProblem(t, reset(e, tok, "a brand new phrase"), http.StatusGone)
		reset(e, fresh, "a brand new phrase").Want(http.StatusNoContent)
	})
}

// TestResetLinkSingleUse: a used reset link cannot set the password again.
func TestResetLinkSingleUse(t *testing.T) {
	t.Parallel()
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		e.CreateOrg("acme", roster.PlanProfessional, nil)
		tok := forgot(t, e, "admin@acme.test")
		// A refused password does not spend the link.
		wantProblem(t, reset(e, tok, "short"), http.StatusUnprocessableEntity)
		reset(e, tok, "a brand new phrase").Want(http.StatusNoContent)
		p := wantProblem(t, reset(e, tok, "another new phrase"), http.StatusGone)
		if !strings.Contains(p["detail"].(string), "already been used") {
			t.Fatalf("replayed reset link: %v", p)
		}
		e.Do("POST", "/api/v1/auth/login", "", map[string]any{"email": "admin@acme.test", "password": "a brand new phrase"}).Want(http.StatusOK)
		wantProblem(t, e.Do("POST", "/api/v1/auth/login", "", map[string]any{"email": "admin@acme.test",
			"password": "another new phrase"}), http.StatusUnauthorized)
		wantProblem(t, reset(e, "rsr_"+strings.Repeat("x", 43), "a brand new phrase"), http.StatusGone)
	})
}

// TestDeactivationRevokesCredentials: a deactivated user is locked out at
// their very next request, and reactivation does not bring old credentials
// back.
func TestDeactivationRevokesCredentials(t *testing.T) {
	t.Parallel()
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		org := e.CreateOrg("acme", roster.PlanProfessional, nil)
		id, tok := e.ActiveUser(org, "rep@acme.test", "manager", "")
		browser := apitest.NewBrowser()
		e.DoWith(browser, "POST", "/api/v1/auth/login", "", map[string]any{"email": "rep@acme.test",
			"password": apitest.UserPassword}).Want(http.StatusOK)
		resetTok := forgot(t, e, "rep@acme.test")
		e.Do("GET", "/api/v1/users", tok, nil).Want(http.StatusOK)
		e.DoWith(browser, "GET", "/api/v1/me", "", nil).Want(http.StatusOK)

		e.Do("POST", "/api/v1/users/"+id+"/deactivate", org.AdminToken, nil).Want(http.StatusOK)
		wantProblem(t, e.Do("GET", "/api/v1/users", tok, nil), http.StatusUnauthorized)
		wantProblem(t, e.Do("GET", "/api/v1/me", tok, nil), http.StatusUnauthorized)
		wantProblem(t, e.DoWith(browser, "GET", "/api/v1/me", "", nil), http.StatusUnauthorized)
		wantProblem(t, reset(e, resetTok, "a brand new phrase"), http.StatusGone)
		for _, table := range []string{"sessions", "api_tokens"} {
			if n := dbInt(t, e, `SELECT COUNT(*) FROM `+table+` WHERE user_id = ?`, id); n != 0 {
				t.Fatalf("%d %s left after deactivation", n, table)
			}
		}

		e.Do("POST", "/api/v1/users/"+id+"/reactivate", org.AdminToken, nil).Want(http.StatusOK)
		wantProblem(t, e.Do("GET", "/api/v1/me", tok, nil), http.StatusUnauthorized)
		wantProblem(t, e.DoWith(browser, "GET", "/api/v1/me", "", nil), http.StatusUnauthorized)
		wantProblem(t, reset(e, resetTok, "a brand new phrase"), http.StatusGone)
	})
}

// ---------------------------------------------------------------------------
// 6. Trial

// TestTrialInvitationLimit: a trial org may send 15 invitations in its
// lifetime; cancelling or deleting invitees gives none back.
func TestTrialInvitationLimit(t *testing.T) {
	t.Parallel()
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		org := e.CreateOrg("trial", roster.PlanTrial, map[string]int{"power_dialer": 100})
		tok := org.AdminToken
		emails := func(prefix string, n int) []string {
			out := make([]string, n)
			for i := range out {
				out[i] = fmt.Sprintf("%s%d@trial.test", prefix, i)
			}
			return out
		}
		invite(e, tok, "power_dialer", true, emails("a", 5)...).Want(http.StatusCreated)
		invite(e, tok, "", true, emails("b", 4)...).Want(http.StatusCreated)
		// Prepared users count only once they are sent.
		prepared := invite(e, tok, "", false, emails("p", 3)...).Want(http.StatusCreated).Items()
		e.Do("POST", "/api/v1/invitations/send", tok, map[string]any{"user_ids": []string{
			prepared[0]["id"].(string), prepared[1]["id"].(string)}}).Want(http.StatusOK)

		users := dbInt(t, e, `SELECT COUNT(*) FROM users WHERE org_id = ?`, org.ID)
		p := wantProblem(t, invite(e, tok, "", true, emails("c", 5)...), http.StatusConflict)
		if p["remaining_invitations"] != 4.0 || !strings.Contains(p["detail"].(string), "15") {
			t.Fatalf("crossing the trial limit: %v", p)
		}
		if n := dbInt(t, e, `SELECT COUNT(*) FROM users WHERE org_id = ?`, org.ID); n != users {
			t.Fatalf("refused invitation created %d users", n-users)
		}
		invite(e, tok, "power_dialer", true, emails("c", 4)...).Want(http.StatusCreated)
		if n := dbInt(t, e, `SELECT invitations_sent FROM orgs WHERE id = ?`, org.ID); n != 15 {
			t.Fatalf("invitations_sent %d, want 15", n)
		}

		refused := func(why string) {
			t.Helper()
			p := wantProblem(t, invite(e, tok, "", true, "sixteen@trial.test"), http.StatusConflict)
			if !strings.Contains(p["detail"].(string), "15") || p["remaining_invitations"] != 0.0 {
				t.Fatalf("%s: 16th invitation: %v", why, p)
			}
		}
		refused("at the limit")
		wantProblem(t, e.Do("POST", "/api/v1/invitations/send", tok, map[string]any{"user_ids": []string{prepared[2]["id"].(string)}}), http.StatusConflict)
		wantProblem(t, e.Do("POST", "/api/v1/users/"+prepared[2]["id"].(string)+"/invite", tok, nil), http.StatusConflict)

		for _, email := range []string{"a0@trial.test", "a1@trial.test", "b0@trial.test"} {
			e.Do("DELETE", "/api/v1/invitations/"+pendingInvitationID(t, e, tok, email), tok, nil).Want(http.StatusNoContent)
		}
		refused("after cancelling three")
		e.Do("DELETE", "/api/v1/users/"+firstItemID(t, e.Do("GET", "/api/v1/users?q=c0@", tok, nil).Want(http.StatusOK)), tok, nil).Want(http.StatusNoContent)
		refused("after deleting an invitee")

		// Resending invites nobody new, so it stays possible at the limit.
		e.Do("POST", "/api/v1/invitations/"+pendingInvitationID(t, e, tok, "b1@trial.test")+"/resend", tok, nil).Want(http.StatusOK)
		if n := dbInt(t, e, `SELECT invitations_sent FROM orgs WHERE id = ?`, org.ID); n != 15 {
			t.Fatalf("invitations_sent %d after resend, want 15", n)
		}
		refused("after a resend")
	})
}

// ---------------------------------------------------------------------------
// 9. Users: email, deletion, search, pagination

// TestEmailImmutable: an email identifies a person for good; a PATCH that
// tries to change it is refused as a whole.
func TestEmailImmutable(t *testing.T) {
	t.Parallel()
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		org := e.CreateOrg("acme", roster.PlanProfessional, nil)
		id, _ := e.ActiveUser(org, "rep@acme.test", "agent", "")
		for _, body := range []map[string]any{
			{"email": "new@acme.test"},
			{"email": "rep@acme.test"},
			{"email": "REP@acme.test", "first_name": "Changed"},
			{"email": 42},
		} {
			fe := e.Do("PATCH", "/api/v1/users/"+id, org.AdminToken, body).FieldErrors()
			if _, ok := fe["email"]; !ok {
				t.Fatalf("PATCH %v: field errors %v", body, fe)
			}
		}
		u := e.Do("GET", "/api/v1/users/"+id, org.AdminToken, nil).Want(http.StatusOK).JSON()
		if u["email"] != "rep@acme.test" || u["first_name"] != "Test" {
			t.Fatalf("user after refused patches: %v", u)
		}
		if s := dbString(t, e, `SELECT email FROM users WHERE id = ?`, id); s != "rep@acme.test" {
			t.Fatalf("stored email %q", s)
		}
		// null would remove the address, which is no more allowed than
		// changing it.
		if res := e.Do("PATCH", "/api/v1/users/"+id, org.AdminToken, map[string]any{"email": nil, "first_name": "Nulled"}); res.Status != http.StatusUnprocessableEntity {
			t.Fatalf("PATCH with \"email\": null answered %d %s, want 422", res.Status, res.Body)
		}
	})
}

// TestDeletedUserStaysDeleted: DELETE is permanent, but the audit trail
// about the user outlives them, labelled with their email.
func TestDeletedUserStaysDeleted(t *testing.T) {
	t.Parallel()
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		org := e.CreateOrg("acme", roster.PlanProfessional, map[string]int{"power_dialer": 1})
		id, tok := e.ActiveUser(org, "rep@acme.test", "agent", "power_dialer")
		before := e.Do("GET", "/api/v1/audit-events?target="+id, org.AdminToken, nil).Want(http.StatusOK).Items()

		e.Do("DELETE", "/api/v1/users/"+id, org.AdminToken, nil).Want(http.StatusNoContent)
		wantProblem(t, e.Do("GET", "/api/v1/users/"+id, org.AdminToken, nil), http.StatusNotFound)
		wantProblem(t, e.Do("DELETE", "/api/v1/users/"+id, org.AdminToken, nil), http.StatusNotFound)
		wantProblem(t, e.Do("PATCH", "/api/v1/users/"+id, org.AdminToken, map[string]any{"first_name": "Back"}), http.StatusNotFound)
		wantProblem(t, e.Do("POST", "/api/v1/users/"+id+"/reactivate", org.AdminToken, nil), http.StatusNotFound)
		wantProblem(t, e.Do("GET", "/api/v1/me", tok, nil), http.StatusUnauthorized)
		if n := dbInt(t, e, `SELECT COUNT(*) FROM users WHERE id = ?`, id); n != 0 {
			t.Fatalf("deleted user still stored")
		}
		if p := licensePool(t, e, org.AdminToken, "power_dialer"); p["used"] != 0.0 {
			t.Fatalf("deleted user still holds a seat: %v", p)
		}
		for _, u := range e.Do("GET", "/api/v1/users?limit=500", org.AdminToken, nil).Want(http.StatusOK).Items() {
			if u["id"] == id {
				t.Fatalf("deleted user listed")
			}
		}

		after := e.Do("GET", "/api/v1/audit-events?target="+id, org.AdminToken, nil).Want(http.StatusOK).Items()
		if len(after) != len(before)+1 || after[0]["action"] != "user.deleted" {
			t.Fatalf("audit trail after delete: %v (before: %v)", after, before)
		}
		for _, ev := range after {
			if ev["target"] != "rep@acme.test" || ev["target_id"] != id {
				t.Fatalf("audit event lost its target: %v", ev)
			}
		}

		// The address is free again, for a new person with a new ID.
		again := firstItemID(t, invite(e, org.AdminToken, "", true, "rep@acme.test").Want(http.StatusCreated))
		if again == id {
			t.Fatal("a deleted user's ID was reused")
		}
	})
}

// userFixture creates users to search and filter: their names, emails,
// statuses, roles and licenses differ in ways each filter can tell apart.
func userFixture(t *testing.T, e *apitest.Env) (org apitest.Org, ids map[string]string) {
	org = e.CreateOrg("acme", roster.PlanProfessional, map[string]int{"power_dialer": 10})
	ids = map[string]string{"admin": org.AdminID}
	named := func(key, email, role, license, first, last string) {
		id, _ := e.ActiveUser(org, email, role, license)
		e.Do("PATCH", "/api/v1/users/"+id, org.AdminToken, map[string]any{"first_name": first, "last_name": last}).Want(http.StatusOK)
		ids[key] = id
	}
	named("jane", "jane.doe@example.org", "agent", "power_dialer", "Jane", "Doe")
	named("robert", "bob@corp.test", "manager", "", "Robert", "Janeway")
	named("carol", "carol@example.org", "agent", "power_dialer", "Carol", "King")
	named("dave", "dave@corp.test", "manager", "power_dialer", "Dave", "O'Brien")
	e.Do("POST", "/api/v1/users/"+ids["dave"]+"/deactivate", org.AdminToken, nil).Want(http.StatusOK)
	ids["invited"] = firstItemID(t, invite(e, org.AdminToken, "power_dialer", true, "invited@example.org").Want(http.StatusCreated))
	for i, id := range invite(e, org.AdminToken, "", false, "p1@corp.test", "p2@corp.test", "p3@corp.test").Want(http.StatusCreated).Items() {
		ids[fmt.Sprintf("p%d", i+1)] = id["id"].(string)
	}
	return org, ids
}

// TestUserListSearchAndFilters: q matches names and emails regardless of
// case, literally, and the filters combine with it.
func TestUserListSearchAndFilters(t *testing.T) {
	t.Parallel()
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		org, ids := userFixture(t, e)
		list := func(query string) []string {
			t.Helper()
			var got []string
			for _, u := range e.Do("GET", "/api/v1/users?"+query, org.AdminToken, nil).Want(http.StatusOK).Items() {
				for k, id := range ids {
					if u["id"] == id {
						got = append(got, k)
					}
				}
			}
			sort.Strings(got)
			return got
		}
		for _, c := range []struct {
			query string
			want  []string
		}{
			{"q=JANE", []string{"jane", "robert"}},
			{"q=jAnEwAy", []string{"robert"}},
			{"q=EXAMPLE.ORG", []string{"carol", "invited", "jane"}},
			{"q=Jane+Doe", []string{"jane"}},
			{"q=ada+adm", []string{"admin"}},
			{"q=o%27brien", []string{"dave"}},
			{"q=%25", nil},
			{"q=_", nil},
			{"q=nobody", nil},
			{"status=active", []string{"admin", "carol", "jane", "robert"}},
			{"status=inactive", []string{"dave"}},
			{"status=invited", []string{"invited"}},
			{"status=prepared", []string{"p1", "p2", "p3"}},
			{"role=manager", []string{"dave", "robert"}},
			{"role=admin", []string{"admin"}},
			{"license_type=power_dialer", []string{"carol", "dave", "invited", "jane"}},
			{"license_type=power_dialer&status=active", []string{"carol", "jane"}},
			{"q=example&role=agent&status=active", []string{"carol", "jane"}},
			{"q=corp&status=prepared", []string{"p1", "p2", "p3"}},
			{"role=nosuchrole", nil},
		} {
			if got := list(c.query); !slices.Equal(got, c.want) {
				t.Errorf("GET /users?%s: %v, want %v", c.query, got, c.want)
			}
		}
	})
}

// TestUserListCursorPagination: walking the pages of any sort returns every
// user exactly once, even when sort keys tie.
func TestUserListCursorPagination(t *testing.T) {
	t.Parallel()
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		org, ids := userFixture(t, e)
		// Users invited in one request share created_at: ties the keyset
		// must break by ID.
		for _, it := range invite(e, org.AdminToken, "", false, "t1@x.test", "t2@x.test", "t3@x.test", "t4@x.test").Want(http.StatusCreated).Items() {
			ids[it["email"].(string)] = it["id"].(string)
		}
		e.Do("POST", "/api/v1/auth/login", "", map[string]any{"email": "jane.doe@example.org", "password": apitest.UserPassword}).Want(http.StatusOK)
		total := dbInt(t, e, `SELECT COUNT(*) FROM users WHERE org_id = ?`, org.ID)
		if total != len(ids) {
			t.Fatalf("%d users stored, fixture made %d", total, len(ids))
		}
		for _, sortBy := range []string{"", "email", "-email", "name", "-name", "created_at", "-created_at", "last_login_at", "-last_login_at"} {
			for _, limit := range []int{1, 2, 5, 500} {
				seen := map[string]bool{}
				var emails []string
				var pages [][]string // each page's emails, for the walk back
				cursor, prev := "", ""
				for page := 0; ; page++ {
					if page > total+1 {
						t.Fatalf("sort %q limit %d: pagination does not end", sortBy, limit)
					}
					path := fmt.Sprintf("/api/v1/users?limit=%d&sort=%s&cursor=%s", limit, sortBy, cursor)
					res := e.Do("GET", path, org.AdminToken, nil).Want(http.StatusOK)
					items := res.Items()
					if len(items) > limit {
						t.Fatalf("sort %q: %d items on a page of %d", sortBy, len(items), limit)
					}
					pages = append(pages, nil)
					for _, u := range items {
						id := u["id"].(string)
						if seen[id] {
							t.Fatalf("sort %q limit %d: %s listed twice", sortBy, limit, u["email"])
						}
						seen[id] = true
						emails = append(emails, u["email"].(string))
						pages[page] = append(pages[page], u["email"].(string))
					}
					if p, _ := res.JSON()["prev_cursor"].(string); (p != "") != (page > 0) {
						t.Fatalf("sort %q limit %d: page %d has prev_cursor %q", sortBy, limit, page, p)
					}
					prev, _ = res.JSON()["prev_cursor"].(string)
					cursor, _ = res.JSON()["next_cursor"].(string)
					if cursor == "" {
						break
					}
				}
				// And back again, page by page, to the first.
				for page := len(pages) - 2; page >= 0; page-- {
					res := e.Do("GET", fmt.Sprintf("/api/v1/users?limit=%d&sort=%s&cursor=%s", limit, sortBy, prev), org.AdminToken, nil).Want(http.StatusOK)
					var got []string
					for _, u := range res.Items() {
						got = append(got, u["email"].(string))
					}
					if !slices.Equal(got, pages[page]) {
						t.Fatalf("sort %q limit %d: page %d backwards %v, forwards %v", sortBy, limit, page, got, pages[page])
					}
					prev, _ = res.JSON()["prev_cursor"].(string)
				}
				if prev != "" {
					t.Fatalf("sort %q limit %d: the first page, reached backwards, has a prev_cursor", sortBy, limit)
				}
				if len(seen) != total {
					t.Fatalf("sort %q limit %d: %d users seen, want %d", sortBy, limit, len(seen), total)
				}
				switch sortBy {
				case "", "email":
					if !slices.IsSorted(emails) {
						t.Fatalf("sort %q: not in email order: %v", sortBy, emails)
					}
				case "-email":
					if !slices.IsSortedFunc(emails, func(a, b string) int { return strings.Compare(b, a) }) {
						t.Fatalf("sort -email: not in reverse email order: %v", emails)
					}
				}
			}
		}
		// Filters hold across pages too.
		seen := 0
		cursor := ""
		for {
			res := e.Do("GET", "/api/v1/users?status=prepared&limit=2&cursor="+cursor, org.AdminToken, nil).Want(http.StatusOK)
			for _, u := range res.Items() {
				if u["status"] != "prepared" {
					t.Fatalf("filtered page holds %v", u)
				}
				seen++
			}
			if cursor, _ = res.JSON()["next_cursor"].(string); cursor == "" {
				break
			}
		}
		if seen != 7 {
			t.Fatalf("%d prepared users across pages, want 7", seen)
		}
	})
}

// loginRacing signs in as email while fn runs, both released together, and
// returns the sign-in's outcome and session token (if any).
func loginRacing(e *apitest.Env, email, password string, fn func()) (outcome, string) {
	var out outcome
	var sess string
	together(
		func() {
			req, err := http.NewRequest("POST", e.Server.URL+"/api/v1/auth/login", strings.NewReader(
				`{"email":"`+email+`","password":"`+password+`"}`))
			if err != nil {
				out.err = err
				return
			}
			req.Header.Set("Content-Type", "application/json")
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				out.err = err
				return
			}
			defer res.Body.Close()
			data, _ := io.ReadAll(res.Body)
			out.status, out.raw = res.StatusCode, string(data)
			for _, c := range res.Cookies() {
				if c.Name == api.SessionCookie {
					sess = c.Value
				}
			}
		},
		fn,
	)
	return out, sess
}

// noServerError fails the test when a racing request failed with a 500:
// on PostgreSQL that is how a deadlock between them would show.
func noServerError(t *testing.T, outs ...outcome) {
	t.Helper()
	for _, o := range outs {
		if o.status == http.StatusInternalServerError {
			t.Fatalf("a racing request failed with 500 (%s); sign-ins and admin writes must not deadlock", o.raw)
		}
	}
}

// TestDeactivationWinsOverConcurrentLogin races a sign-in against the
// user's deactivation: whichever order the database sees, once the
// deactivation has succeeded the user must be inactive and every session,
// including one the racing sign-in opened, must be dead.
func TestDeactivationWinsOverConcurrentLogin(t *testing.T) {
	t.Parallel()
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		org := e.CreateOrg("acme", roster.PlanProfessional, nil)
		id, _ := e.ActiveUser(org, "rep@acme.test", "agent", "")
		for round := range 30 {
			var deact outcome
			signin, sess := loginRacing(e, "rep@acme.test", apitest.UserPassword, func() {
				deact = fire(e, "POST", "/api/v1/users/"+id+"/deactivate", org.AdminToken, nil)
			})
			if signin.err != nil || deact.err != nil {
				t.Fatalf("round %d: %v / %v", round, signin.err, deact.err)
			}
			noServerError(t, signin, deact)
			if deact.status != http.StatusOK {
				t.Fatalf("round %d: deactivate: %d %s", round, deact.status, deact.raw)
			}
			if signin.status != http.StatusOK && signin.status != http.StatusUnauthorized {
				t.Fatalf("round %d: signin: %d %s", round, signin.status, signin.raw)
			}
			status := dbString(t, e, `SELECT status FROM users WHERE id = ?`, id)
			sessions := dbInt(t, e, `SELECT COUNT(*) FROM sessions WHERE user_id = ?`, id)
			if status != "inactive" || sessions != 0 {
				t.Fatalf("round %d: user %q with %d sessions after deactivation", round, status, sessions)
			}
			if sess != "" {
				wantProblem(t, doRaw(t, e, "GET", "/api/v1/me", map[string]string{"Cookie": api.SessionCookie + "=" + sess}, ""), http.StatusUnauthorized)
			}
			e.Do("POST", "/api/v1/users/"+id+"/reactivate", org.AdminToken, nil).Want(http.StatusOK)
		}
	})
}

// TestDemotionWinsOverConcurrentLogin races an admin's sign-in against their
// demotion: a sign-in must never hand the admin role back.
func TestDemotionWinsOverConcurrentLogin(t *testing.T) {
	t.Parallel()
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		org := e.CreateOrg("acme", roster.PlanProfessional, nil)
		id, _ := e.ActiveUser(org, "second@acme.test", "admin", "")
		for round := range 30 {
			var demote outcome
			signin, sess := loginRacing(e, "second@acme.test", apitest.UserPassword, func() {
				demote = fire(e, "PATCH", "/api/v1/users/"+id, org.AdminToken, map[string]any{"role": "agent"})
			})
			if signin.err != nil || demote.err != nil {
				t.Fatalf("round %d: %v / %v", round, signin.err, demote.err)
			}
			noServerError(t, signin, demote)
			if signin.status != http.StatusOK || demote.status != http.StatusOK {
				t.Fatalf("round %d: signin %d %s / demote %d %s", round, signin.status, signin.raw, demote.status, demote.raw)
			}
			role := dbString(t, e, `SELECT r.key FROM users u JOIN roles r ON r.id = u.role_id WHERE u.id = ?`, id)
			if role != "agent" {
				t.Fatalf("round %d: role %q after demotion", round, role)
			}
			wantProblem(t, doRaw(t, e, "GET", "/api/v1/users", map[string]string{"Cookie": api.SessionCookie + "=" + sess}, ""), http.StatusForbidden)
			e.Do("PATCH", "/api/v1/users/"+id, org.AdminToken, map[string]any{"role": "admin"}).Want(http.StatusOK)
		}
	})
}

// TestNoDeadlockBetweenSignInAndAdminWrites races sign-ins against admin
// edits of the same user: both sides touch the user row and the org row,
// and must do so in an order that cannot deadlock.
func TestNoDeadlockBetweenSignInAndAdminWrites(t *testing.T) {
	t.Parallel()
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		org := e.CreateOrg("acme", roster.PlanProfessional, nil)
		id, _ := e.ActiveUser(org, "rep@acme.test", "agent", "")
		for round := range 30 {
			var edit outcome
			signin, _ := loginRacing(e, "rep@acme.test", apitest.UserPassword, func() {
				edit = fire(e, "PATCH", "/api/v1/users/"+id, org.AdminToken, map[string]any{"last_name": fmt.Sprint("Round", round)})
			})
			if signin.err != nil || edit.err != nil {
				t.Fatalf("round %d: %v / %v", round, signin.err, edit.err)
			}
			if signin.status == http.StatusInternalServerError || edit.status == http.StatusInternalServerError {
				t.Fatalf("round %d: signin %d %s / patch %d %s", round, signin.status, signin.raw, edit.status, edit.raw)
			}
			if signin.status != http.StatusOK || edit.status != http.StatusOK {
				t.Fatalf("round %d: signin %d %s / patch %d %s", round, signin.status, signin.raw, edit.status, edit.raw)
			}
		}
	})
}

// TestPreparedUsersConcurrently: prepared users are created side by side
// (no org lock), so the same address prepared by eight requests at once
// must still end as one user, with every other request refused as one
// that names the address taken, never a server error.
func TestPreparedUsersConcurrently(t *testing.T) {
	t.Parallel()
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		org := e.CreateOrg("acme", roster.PlanProfessional, nil)
		for round := range 3 {
			email := fmt.Sprintf("twin%d@acme.test", round)
			outs := make([]outcome, 8)
			fns := make([]func(), len(outs))
			for i := range outs {
				fns[i] = func() {
					outs[i] = fire(e, "POST", "/api/v1/invitations", org.AdminToken,
						map[string]any{"emails": []string{email}, "role": "agent", "send": false})
				}
			}
			together(fns...)
			created := 0
			for _, o := range outs {
				switch {
				case o.err != nil:
					t.Fatalf("round %d: %v", round, o.err)
				case o.status == http.StatusCreated:
					created++
				case o.status != http.StatusUnprocessableEntity || !strings.Contains(o.raw, `"emails[0]"`) ||
					!strings.Contains(o.raw, email+" is already a user of this org"):
					t.Fatalf("round %d: status %d (%s), want 201, or 422 naming %s", round, o.status, o.raw, email)
				}
			}
			if created != 1 {
				t.Fatalf("round %d: %d requests created %s, want 1", round, created, email)
			}
			if n := dbInt(t, e, `SELECT COUNT(*) FROM users WHERE email = ?`, email); n != 1 {
				t.Fatalf("round %d: %d users with %s", round, n, email)
			}
			if n := dbInt(t, e, `SELECT COUNT(*) FROM audit_events WHERE action = 'user.prepared' AND target_label = ?`, email); n != 1 {
				t.Fatalf("round %d: %d audit events of preparing %s, want 1", round, n, email)
			}
		}
	})
}
