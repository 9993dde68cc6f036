package api_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"roster/internal/apitest"
	"roster/internal/roster"
)

// phoneAndTeamColumns are the export's columns that the import now reads
// back beyond the user row itself.
var phoneAndTeamColumns = []string{"teams", "outbound_caller_id", "mobile_number", "landline_number", "language",
	"timezone", "voicemail_enabled", "rings_before_voicemail", "dnd", "queues"}

// TestImportTeamsAndPhoneRoundTrip: an export with teams, queues and phone
// settings imports into another org (with teams, queues and numbers of the
// same names) unchanged, and the imported values are stored in the
// import's transaction: the users are in their teams and queues and their
// settings read back.
func TestImportTeamsAndPhoneRoundTrip(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		src := e.CreateOrg("source", roster.PlanProfessional, nil)
		dst := e.CreateOrg("dest", roster.PlanProfessional, nil)
		for _, org := range []apitest.Org{src, dst} {
			for _, team := range []string{"Sales", "East"} {
				e.Do("POST", "/api/v1/teams", org.AdminToken, map[string]any{"name": team}).Want(http.StatusCreated)
			}
			// A colon in a name is fine: the penalty follows the last one.
			for _, q := range []string{"Support", "Billing", "Tier: 2"} {
				e.Do("POST", "/api/v1/queues", org.AdminToken, map[string]any{"name": q}).Want(http.StatusCreated)
			}
			e.Do("POST", "/api/v1/phone-numbers", org.AdminToken, map[string]any{"number": "+14155550100", "main": true}).Want(http.StatusCreated)
		}
		file := "email,first_name,teams,extension,outboundcid,MobileNumber,landline_number,language,timezone,voicemail_enable,rings_before_voicemail,dnd,Queue\n" +
			"ann@example.com,Ann,sales; East,301,+14155550100,+14155550111,,de,Europe/Berlin,0,6,yes,support:2; Billing\n" +
			"bo@example.com,Bo,East,302,,,'+442071838750,,,,,,Tier: 2:100\n" +
			"cy@example.com,Cy,,,,,,,,,,,\n"
		importCSV(e, src.AdminToken, "", file).Want(http.StatusCreated)
		out := e.Do("GET", "/api/v1/users/export?status=prepared", src.AdminToken, nil).Want(http.StatusOK).Body
		a := parseCSV(t, out)
		want := map[string][]string{
			"teams": {"East;Sales", "East", ""}, "outbound_caller_id": {"'+14155550100", "", ""},
			"mobile_number": {"'+14155550111", "", ""}, "landline_number": {"", "'+442071838750", ""},
			"language": {"de", "en", "en"}, "timezone": {"Europe/Berlin", "UTC", "UTC"},
			"voicemail_enabled": {"false", "true", "true"}, "rings_before_voicemail": {"6", "4", "4"},
			"dnd": {"true", "false", "false"}, "queues": {"Billing:0;Support:2", "Tier: 2:100", ""},
		}
		for col, w := range want {
			if got := column(t, a, col); !slices.Equal(got, w) {
				t.Errorf("imported %s: %q, want %q", col, got, w)
			}
		}
		importCSV(e, dst.AdminToken, "", string(out)).Want(http.StatusCreated)
		b := parseCSV(t, e.Do("GET", "/api/v1/users/export?status=prepared", dst.AdminToken, nil).Want(http.StatusOK).Body)
		for _, col := range append([]string{"email", "first_name", "extension", "role"}, phoneAndTeamColumns...) {
			if ca, cb := column(t, a, col), column(t, b, col); !slices.Equal(ca, cb) {
				t.Errorf("%s changed on the way: %q → %q", col, ca, cb)
			}
		}
		// The queues hold the new, not yet active, users with their penalties.
		for _, q := range e.Do("GET", "/api/v1/queues", dst.AdminToken, nil).Want(http.StatusOK).Items() {
			ms := e.Do("GET", "/api/v1/queues/"+q["id"].(string)+"/members", dst.AdminToken, nil).Want(http.StatusOK).Items()
			var got []string
			for _, m := range ms {
				got = append(got, fmt.Sprintf("%s:%v:%v:%s", m["email"], m["penalty"], m["priority"], m["status"]))
			}
			want := map[string][]string{"Billing": {"ann@example.com:0:0:prepared"}, "Support": {"ann@example.com:2:0:prepared"},
				"Tier: 2": {"bo@example.com:100:0:prepared"}}[q["name"].(string)]
			if !slices.Equal(got, want) {
				t.Errorf("queue %s holds %q, want %q", q["name"], got, want)
			}
		}
		if n := auditCount(t, e, dst.ID, "queue.members_added"); n != 3 {
			t.Errorf("%d queue.members_added events, want one per queue (3)", n)
		}
		// Defaults take no settings row: cy works with the defaults.
		cy, err := e.DB.Reader().UserByEmail(context.Background(), dst.ID, "cy@example.com")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.DB.Reader().PhoneSettings(context.Background(), dst.ID, cy.ID); roster.ErrorKind(err) != roster.KindNotFound {
			t.Errorf("a user imported with default phone settings has a settings row (%v)", err)
		}
	})
}

// TestImportTeamsAndPhoneErrors: every bad team or phone cell is its row's
// error, named by the file's column, and the file changes nothing.
func TestImportTeamsAndPhoneErrors(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		org := e.CreateOrg("acme", roster.PlanProfessional, nil)
		e.Do("POST", "/api/v1/teams", org.AdminToken, map[string]any{"name": "Sales"}).Want(http.StatusCreated)
		before := userCount(t, e, org.ID)
		file := "email,Team,Caller ID,mobile,lang,tz,voicemail,rings,dnd\n" +
			"ok@example.com,Sales,,,,,,,\n" + // 2: fine
			"a@example.com,Sales;Nowhere,,,,,,,\n" + // 3: unknown team
			"b@example.com,,+14155550199,,,,,,\n" + // 4: not the org's number
			"c@example.com,,,12,,,,,\n" + // 5: not a phone number
			"d@example.com,,,,xx-nope,,,,\n" + // 6: unknown language
			"f@example.com,,,,,Mars/Olympus,,,\n" + // 7: unknown time zone
			"g@example.com,,,,,,maybe,,\n" + // 8: not a boolean
			"h@example.com,,,,,,,99,\n" + // 9: rings out of range
			"i@example.com,,,,,,,four,\n" + // 10: not a number
			"j@example.com,,,,,,,,sometimes\n" // 11: not a boolean
		want := map[int]string{3: "Team", 4: "Caller ID", 5: "mobile", 6: "lang", 7: "tz", 8: "voicemail", 9: "rings", 10: "rings", 11: "dnd"}
		res := importCSV(e, org.AdminToken, "", file).Problem(http.StatusUnprocessableEntity)
		errs, _ := res["row_errors"].([]any)
		got := map[int]string{}
		for _, x := range errs {
			m := x.(map[string]any)
			got[int(m["row"].(float64))] = m["column"].(string)
			if msg, _ := m["message"].(string); strings.TrimSpace(msg) == "" {
				t.Errorf("row error without a message: %v", m)
			}
		}
		if len(got) != len(want) {
			t.Fatalf("row errors %v, want %v (%v)", got, want, res)
		}
		for row, col := range want {
			if got[row] != col {
				t.Errorf("row %d: column %q, want %q", row, got[row], col)
			}
		}
		if n := userCount(t, e, org.ID); n != before {
			t.Fatalf("a refused file changed the org: %d users, was %d", n, before)
		}
	})
}

// TestImportQueuesErrors: an unknown queue, a queue named twice or a
// penalty the API would refuse is its row's error, named by the file's
// column; the file changes nothing, not even the rows that were fine. A
// preview reports the same problems.
func TestImportQueuesErrors(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		org := e.CreateOrg("acme", roster.PlanProfessional, nil)
		for _, q := range []string{"Support", "Billing"} {
			e.Do("POST", "/api/v1/queues", org.AdminToken, map[string]any{"name": q}).Want(http.StatusCreated)
		}
		before := userCount(t, e, org.ID)
		audits := dbInt(t, e, `SELECT COUNT(*) FROM audit_events WHERE org_id = ?`, org.ID)
		file := "email,Queues\n" +
			"ok@example.com,Support:3;billing\n" + // 2: fine
			"a@example.com,Support;Nowhere:1\n" + // 3: unknown queue
			"b@example.com,Support:101\n" + // 4: penalty out of range
			"c@example.com,Support:-1\n" + // 5: penalty out of range
			"d@example.com,Support:high\n" + // 6: not a number
			"f@example.com,Support:1;SUPPORT:2\n" + // 7: one queue twice
			"g@example.com,:4\n" + // 8: no queue name
			"h@example.com,Support:99999999999999999999\n" // 9: not a number either
		wantRows := []int{3, 4, 5, 6, 7, 8, 9}
		check := func(errs []any) {
			t.Helper()
			var rows []int
			for _, x := range errs {
				m := x.(map[string]any)
				rows = append(rows, int(m["row"].(float64)))
				if m["column"] != "Queues" || strings.TrimSpace(m["message"].(string)) == "" {
					t.Errorf("row error %v, want one on column Queues with a message", m)
				}
			}
			if !slices.Equal(rows, wantRows) {
				t.Fatalf("row errors on rows %v, want %v (%v)", rows, wantRows, errs)
			}
		}
		res := importCSV(e, org.AdminToken, "", file).Problem(http.StatusUnprocessableEntity)
		errs, _ := res["row_errors"].([]any)
		check(errs)
		for _, x := range errs {
			m := x.(map[string]any)
			if row := m["row"].(float64); row == 3 && !strings.Contains(m["message"].(string), `"Nowhere"`) ||
				row == 4 && !strings.Contains(m["message"].(string), "between 0 and 100") {
				t.Errorf("row %v says %q", row, m["message"])
			}
		}
		preview := importCSV(e, org.AdminToken, "?dry_run=true", file).Want(http.StatusOK).JSON()
		if preview["valid"] != false {
			t.Fatalf("preview of a bad file: %v", preview)
		}
		errs, _ = preview["errors"].([]any)
		check(errs)
		if n := userCount(t, e, org.ID); n != before {
			t.Fatalf("a refused file changed the org: %d users, was %d", n, before)
		}
		if n := dbInt(t, e, `SELECT COUNT(*) FROM queue_members WHERE org_id = ?`, org.ID); n != 0 {
			t.Fatalf("a refused file queued %d users", n)
		}
		if n := dbInt(t, e, `SELECT COUNT(*) FROM audit_events WHERE org_id = ?`, org.ID); n != audits {
			t.Fatalf("a refused file wrote %d audit events", n-audits)
		}
	})
}

// TestImportMembershipsNeedTheirPermission: someone who may invite but not
// manage queues or teams cannot put people in them by import, as they
// cannot through the API; the same file without values imports, and with
// the permission the memberships are made.
func TestImportMembershipsNeedTheirPermission(t *testing.T) {
	for _, c := range []struct{ column, create, cell, table, perm string }{
		{"queues", "/api/v1/queues", "Support:1", "queue_members", "queues.manage"},
		{"teams", "/api/v1/teams", "Support", "team_members", "teams.manage"},
	} {
		t.Run(c.column, func(t *testing.T) {
			apitest.Each(t, func(t *testing.T, e *apitest.Env) {
				org := e.CreateOrg("acme", roster.PlanProfessional, nil)
				e.Do("POST", c.create, org.AdminToken, map[string]any{"name": "Support"}).Want(http.StatusCreated)
				e.Do("POST", "/api/v1/roles", org.AdminToken, map[string]any{"name": "Recruiter",
					"permissions": []string{"invites.send", "users.read"}}).Want(http.StatusCreated)
				_, tok := e.ActiveUser(org, "hr@acme.test", "recruiter", "")
				before := userCount(t, e, org.ID)
				members := func() int {
					return dbInt(t, e, `SELECT COUNT(*) FROM `+c.table+` WHERE org_id = ?`, org.ID)
				}
				file := "email," + c.column + "\nnew@example.com," + c.cell + "\nother@example.com," + c.cell + "\n"
				fe := importCSV(e, tok, "", file).FieldErrors()
				if !strings.Contains(fe["file"], c.perm) {
					t.Fatalf("import with %s by a user without %s: %v", c.column, c.perm, fe)
				}
				if n := userCount(t, e, org.ID); n != before {
					t.Fatalf("a refused file created %d users", n-before)
				}
				if n := members(); n != 0 {
					t.Fatalf("a refused file made %d memberships", n)
				}
				importCSV(e, tok, "", "email,"+c.column+"\nnew@example.com,\n").Want(http.StatusCreated)
				importCSV(e, org.AdminToken, "", "email,"+c.column+"\nthird@example.com,"+c.cell+"\n").Want(http.StatusCreated)
				if n := members(); n != 1 {
					t.Fatalf("%d memberships after an allowed import, want 1", n)
				}
			})
		})
	}
}
