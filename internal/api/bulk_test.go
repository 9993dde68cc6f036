package api_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"roster/internal/apitest"
	"roster/internal/roster"
	"roster/internal/service"
	"roster/internal/sheet"
)

// upload posts a file to path with a content type.
func upload(e *apitest.Env, path, token, contentType string, body []byte) *apitest.Response {
	e.T.Helper()
	req, err := http.NewRequest("POST", e.Server.URL+path, bytes.NewReader(body))
	if err != nil {
		e.T.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.T.Fatal(err)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		e.T.Fatal(err)
	}
	return &apitest.Response{T: e.T, Status: res.StatusCode, Header: res.Header, Body: data}
}

func importCSV(e *apitest.Env, token, query, body string) *apitest.Response {
	e.T.Helper()
	return upload(e, "/api/v1/users/import"+query, token, "text/csv", []byte(body))
}

// parseCSV reads an export as records.
func parseCSV(t *testing.T, body []byte) [][]string {
	t.Helper()
	r := csv.NewReader(bytes.NewReader(body))
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatalf("export is not CSV: %v\n%s", err, body)
	}
	return rows
}

// userCount is the org's number of users in every status.
func userCount(t *testing.T, e *apitest.Env, orgID string) int {
	t.Helper()
	counts, err := e.DB.Reader().CountUsersByStatus(context.Background(), orgID)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, c := range counts {
		n += c
	}
	return n
}

// column returns the values of one column of a table with a header row.
func column(t *testing.T, rows [][]string, name string) []string {
	t.Helper()
	i := slices.Index(rows[0], name)
	if i < 0 {
		t.Fatalf("no column %s in %q", name, rows[0])
	}
	var out []string
	for _, r := range rows[1:] {
		out = append(out, r[i])
	}
	return out
}

const peopleCSV = "email,first_name,last_name,role,license_type,extension,status\r\n" +
	"ann@example.com,Ann,Archer,manager,power_dialer,201,invited\r\n" +
	"bo@example.com,\"=HYPERLINK(\"\"http://evil.example\"\";\"\"x\"\")\",Bright,agent,,202,prepared\r\n" +
	"cy@example.com,Cy,@Corp,agent,power_dialer,,prepared\r\n" +
	"dee@example.com,Zoë,Ødegård,Team Leader,,2040,prepared\r\n"

func TestExportCSV(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		org := e.CreateOrg("acme", roster.PlanProfessional, map[string]int{"power_dialer": 5})
		importCSV(e, org.AdminToken, "", peopleCSV).Want(http.StatusCreated)
		// Another org's people never leak into the export.
		other := e.CreateOrg("other", roster.PlanProfessional, nil)
		importCSV(e, other.AdminToken, "", "email\nleak@example.com\n").Want(http.StatusCreated)

		res := e.Do("GET", "/api/v1/users/export?format=csv&status=active,prepared", org.AdminToken, nil).Want(http.StatusOK)
		if ct := res.Header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
			t.Fatalf("content type %q", ct)
		}
		if cd := res.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, `attachment; filename="users-`) || !strings.HasSuffix(cd, `.csv"`) {
			t.Fatalf("content disposition %q", cd)
		}
		body := string(res.Body)
		if !strings.HasPrefix(body, "id,email,first_name,last_name,status,role,license_type,teams,extension,outbound_caller_id,"+
			"mobile_number,landline_number,language,timezone,voicemail_enabled,rings_before_voicemail,dnd,queues,last_login_at,created_at\r\n") {
			t.Fatalf("header row: %q", body[:min(len(body), 120)])
		}
		// Formula injection: the cells go out as text a spreadsheet will not run.
		if !strings.Contains(body, `,"'=HYPERLINK(""http://evil.example"";""x"")",`) || !strings.Contains(body, ",'@Corp,") {
			t.Fatalf("formula cells not neutralised:\n%s", body)
		}
		if strings.Contains(body, ",=HYPERLINK") || strings.Contains(body, ",@Corp") {
			t.Fatalf("a formula cell went out raw:\n%s", body)
		}
		rows := parseCSV(t, res.Body)
		// The admin (active) and the three prepared users, by email; the
		// invited user is not in active,prepared.
		if got := column(t, rows, "email"); !slices.Equal(got, []string{"admin@acme.test", "bo@example.com", "cy@example.com", "dee@example.com"}) {
			t.Fatalf("exported emails %v", got)
		}
		cell := func(row int, col string) string { return rows[row][slices.Index(rows[0], col)] }
		if cell(4, "first_name") != "Zoë" || cell(4, "last_name") != "Ødegård" || cell(4, "status") != "prepared" ||
			cell(4, "role") != "team_leader" || cell(4, "extension") != "2040" || cell(4, "last_login_at") != "" ||
			!strings.HasSuffix(cell(4, "created_at"), "Z") {
			t.Fatalf("dee's row %q", rows[4])
		}
		// Phone settings never saved: the defaults the user works with.
		if cell(4, "voicemail_enabled") != "true" || cell(4, "rings_before_voicemail") != "4" || cell(4, "dnd") != "false" ||
			cell(4, "language") != "en" || cell(4, "timezone") != "UTC" || cell(4, "teams") != "" || cell(4, "queues") != "" {
			t.Fatalf("dee's phone and team cells %q", rows[4])
		}

		// Every list filter applies.
		for _, c := range []struct {
			query string
			want  []string
		}{
			{"status=invited", []string{"ann@example.com"}},
			{"role=agent", []string{"bo@example.com", "cy@example.com"}},
			{"license_type=power_dialer", []string{"ann@example.com", "cy@example.com"}},
			{"q=ødeg", []string{"dee@example.com"}},
			{"q=20&sort=-email", []string{"dee@example.com", "bo@example.com", "ann@example.com"}},
			{"q=nobody", nil},
		} {
			rows := parseCSV(t, e.Do("GET", "/api/v1/users/export?"+c.query, org.AdminToken, nil).Want(http.StatusOK).Body)
			if got := column(t, rows, "email"); !slices.Equal(got, c.want) {
				t.Errorf("%s: exported %v, want %v", c.query, got, c.want)
			}
		}

		// Bad requests are problems, sent before any file.
		for q, field := range map[string]string{"format=pdf": "format", "status=active,gone": "status"} {
			if fe := e.Do("GET", "/api/v1/users/export?"+q, org.AdminToken, nil).FieldErrors(); fe[field] == "" {
				t.Errorf("%s: field errors %v", q, fe)
			}
		}
		e.Do("GET", "/api/v1/users/export?sort=password_hash", org.AdminToken, nil).Problem(http.StatusUnprocessableEntity)
		e.Do("GET", "/api/v1/users/export", "", nil).Problem(http.StatusUnauthorized)
		_, userTok := e.ActiveUser(org, "plain@example.com", "user", "")
		e.Do("GET", "/api/v1/users/export", userTok, nil).Problem(http.StatusForbidden)

		// The export is on record.
		page, err := e.Service.AuditEvents(context.Background(), service.Operator(org.ID), roster.AuditFilter{Action: "users.exported"})
		if err != nil || len(page.Items) < 7 {
			t.Fatalf("users.exported events: %d, %v", len(page.Items), err)
		}
	})
}

func TestExportXLSX(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		org := e.CreateOrg("acme", roster.PlanProfessional, map[string]int{"power_dialer": 5})
		importCSV(e, org.AdminToken, "", peopleCSV).Want(http.StatusCreated)
		csvRows := parseCSV(t, e.Do("GET", "/api/v1/users/export", org.AdminToken, nil).Want(http.StatusOK).Body)
		res := e.Do("GET", "/api/v1/users/export?format=xlsx", org.AdminToken, nil).Want(http.StatusOK)
		if ct := res.Header.Get("Content-Type"); ct != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" {
			t.Fatalf("content type %q", ct)
		}
		xrows, err := sheet.ReadXLSX(bytes.NewReader(res.Body))
		if err != nil {
			t.Fatal(err)
		}
		// A spreadsheet drops trailing empty cells; pad back to compare.
		for i := range xrows {
			for len(xrows[i]) < len(csvRows[0]) {
				xrows[i] = append(xrows[i], "")
			}
		}
		for i := range csvRows {
			for j := range csvRows[i] {
				csvRows[i][j] = sheet.UnescapeFormula(csvRows[i][j])
			}
		}
		if len(xrows) != len(csvRows) {
			t.Fatalf("xlsx has %d rows, csv %d", len(xrows), len(csvRows))
		}
		for i := range csvRows {
			if !slices.Equal(xrows[i], csvRows[i]) {
				t.Fatalf("row %d: xlsx %q, csv %q", i, xrows[i], csvRows[i])
			}
		}
		checkWithLibreOffice(t, res.Body, len(csvRows))
	})
}

// checkWithLibreOffice converts the .xlsx to CSV with LibreOffice and
// compares it with what Roster wrote. Without LibreOffice the check is
// skipped, except under CI, which installs it.
func checkWithLibreOffice(t *testing.T, xlsx []byte, wantRows int) {
	bin, err := exec.LookPath("libreoffice")
	if err != nil {
		bin, err = exec.LookPath("soffice")
	}
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("LibreOffice is required under CI (Debian: apt-get install libreoffice-calc-nogui)")
		}
		t.Log("LibreOffice not installed; skipping the check that it opens the .xlsx")
		return
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "users.xlsx")
	if err := os.WriteFile(in, xlsx, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-env:UserInstallation=file://"+filepath.Join(dir, "profile"), "--headless",
		"--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76,1", "--outdir", dir, in)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("libreoffice: %v\n%s", err, out)
	}
	data, err := os.ReadFile(filepath.Join(dir, "users.csv"))
	if err != nil {
		t.Fatalf("libreoffice wrote no CSV: %v", err)
	}
	rows := parseCSV(t, data)
	if len(rows) != wantRows {
		t.Fatalf("LibreOffice sees %d rows, want %d:\n%s", len(rows), wantRows, data)
	}
	// Text cells stay text: the formula stays escaped, the name intact.
	if got := column(t, rows, "first_name"); !slices.Contains(got, `'=HYPERLINK("http://evil.example";"x")`) || !slices.Contains(got, "Zoë") {
		t.Fatalf("LibreOffice first names %q", got)
	}
	if got := column(t, rows, "extension"); !slices.Contains(got, "2040") {
		t.Fatalf("LibreOffice extensions %q", got)
	}
}

func TestImportReportsEveryRowAndChangesNothing(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		org := e.CreateOrg("acme", roster.PlanProfessional, map[string]int{"power_dialer": 5})
		e.ActiveUser(org, "taken@example.com", "agent", "")
		before := userCount(t, e, org.ID)
		file := "Email,First Name,Role,License,Exten,Send Invite,Department\n" +
			"ok@example.com,Ok,agent,power_dialer,301,no,Sales\n" + // line 2: fine
			"not-an-email,X,agent,,,no,\n" + // 3
			"ok@example.com,Dup,agent,,,no,\n" + // 4: duplicate of line 2
			"taken@EXAMPLE.com,T,agent,,,no,\n" + // 5: already a user
			"r@example.com,R,wizard,,,no,\n" + // 6: unknown role
			"l@example.com,L,agent,platinum,,no,\n" + // 7: unknown license
			"x@example.com,X,agent,,12345,no,\n" + // 8: bad extension
			"y@example.com,Y,agent,,301,no,\n" + // 9: extension used on line 2
			"z@example.com,Z,agent,,,perhaps,\n" + // 10: not a boolean
			",NoEmail,agent,,,no,\n" // 11: no email
		want := map[int]string{3: "Email", 4: "Email", 5: "Email", 6: "Role", 7: "License", 8: "Exten", 9: "Exten", 10: "Send Invite", 11: "Email"}

		check := func(errs []any) {
			t.Helper()
			got := map[int]string{}
			for _, x := range errs {
				m := x.(map[string]any)
				got[int(m["row"].(float64))] = m["column"].(string)
				if m["message"] == "" {
					t.Errorf("error without message: %v", m)
				}
			}
			if len(got) != len(want) {
				t.Fatalf("row errors %v, want rows %v", got, want)
			}
			for row, col := range want {
				if got[row] != col {
					t.Errorf("row %d: column %q, want %q", row, got[row], col)
				}
			}
		}
		rep := importCSV(e, org.AdminToken, "?dry_run=true", file).Want(http.StatusOK).JSON()
		if rep["valid"] != false || rep["dry_run"] != true || rep["rows"] != 10.0 || rep["error_count"] != 9.0 {
			t.Fatalf("dry run report %v", rep)
		}
		if ign := rep["ignored_columns"].([]any); len(ign) != 1 || ign[0] != "Department" {
			t.Fatalf("ignored columns %v", ign)
		}
		check(rep["errors"].([]any))

		p := importCSV(e, org.AdminToken, "", file).Problem(http.StatusUnprocessableEntity)
		check(p["row_errors"].([]any))
		if fe := p["errors"].([]any); len(fe) != 9 || fe[0].(map[string]any)["field"] != "row 3 Email" {
			t.Fatalf("field errors %v", fe)
		}
		if n := userCount(t, e, org.ID); n != before {
			t.Fatalf("a refused import changed the org: %d users, had %d", n, before)
		}

		// Files that are not a table at all.
		for name, body := range map[string]string{
			"empty":        "",
			"no email":     "first_name,last_name\nAnn,Archer\n",
			"header only":  "email\n",
			"double email": "email,E-Mail\na@x.io,b@x.io\n",
			"broken quote": "email\n\"a@x.io\n",
			"not utf-8":    "email,first_name\na@x.io,Jos\xe9\n",
		} {
			if fe := importCSV(e, org.AdminToken, "", body).FieldErrors(); fe["file"] == "" {
				t.Errorf("%s: %v", name, fe)
			}
		}
		upload(e, "/api/v1/users/import", org.AdminToken, "application/json", []byte(`{"a":1}`)).Problem(http.StatusUnsupportedMediaType)
		importCSV(e, org.AdminToken, "?dry_run=maybe", "email\na@x.io\n").FieldErrors()
		importCSV(e, "", "", "email\na@x.io\n").Problem(http.StatusUnauthorized)
		_, agentTok := e.ActiveUser(org, "agent@example.com", "agent", "")
		importCSV(e, agentTok, "", "email\na@x.io\n").Problem(http.StatusForbidden)
		if n := userCount(t, e, org.ID); n != before+1 {
			t.Fatalf("bad files changed the org: %d users, want %d", n, before+1)
		}
	})
}

func TestImportCreatesUsers(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		org := e.CreateOrg("acme", roster.PlanProfessional, map[string]int{"power_dialer": 5})
		// A peer system's export: semicolons, a byte-order mark, its own
		// column names, booleans as yes/no and 1/0.
		file := "\uFEFFE-Mail;FirstName;lastname;User Role;License;Number;Send Invite;Voicemail PIN\r\n" +
			"Ann@Example.com;Ann;Archer;Manager;POWER_DIALER Seats;201;yes;1234\r\n" +
			"bo@example.com;Bo;Bright;agent;;42;0;\r\n" +
			"cy@example.com;Cy;;;power_dialer;;;\r\n"
		dry := importCSV(e, org.AdminToken, "?dry_run=true", file).Want(http.StatusOK).JSON()
		if dry["valid"] != true || dry["invited"] != 1.0 || dry["prepared"] != 2.0 {
			t.Fatalf("dry run %v", dry)
		}
		if userCount(t, e, org.ID) != 1 {
			t.Fatal("a dry run created users")
		}
		rep := importCSV(e, org.AdminToken, "?integration=HubSpot", file).Want(http.StatusCreated).JSON()
		if rep["valid"] != true || rep["rows"] != 3.0 || rep["invited"] != 1.0 || rep["prepared"] != 2.0 {
			t.Fatalf("report %v", rep)
		}
		ctx := context.Background()
		byEmail := map[string]*roster.User{}
		for _, em := range []string{"ann@example.com", "bo@example.com", "cy@example.com"} {
			u, err := e.DB.Reader().UserByEmail(ctx, org.ID, em)
			if err != nil {
				t.Fatalf("%s: %v", em, err)
			}
			byEmail[em] = u
		}
		ann, bo, cy := byEmail["ann@example.com"], byEmail["bo@example.com"], byEmail["cy@example.com"]
		if ann.Status != roster.StatusInvited || ann.Role != "manager" || ann.LicenseType != "power_dialer" || ann.Extension != "201" || ann.FirstName != "Ann" {
			t.Fatalf("ann %+v", ann)
		}
		if bo.Status != roster.StatusPrepared || bo.Role != "agent" || bo.LicenseType != "" || bo.Extension != "42" || bo.LastName != "Bright" {
			t.Fatalf("bo %+v", bo)
		}
		if cy.Status != roster.StatusPrepared || cy.Role != "agent" || cy.LicenseType != "power_dialer" {
			t.Fatalf("cy %+v", cy)
		}
		if e.EmailsTo("ann@example.com") != 1 || e.EmailsTo("bo@example.com") != 0 {
			t.Fatal("invitation emails: want exactly one, to ann")
		}
		if m := e.LastEmailTo("ann@example.com"); !strings.Contains(m.Text, "HubSpot") {
			t.Fatalf("the invitation does not name the integration: %s", m.Text)
		}
		for action, n := range map[string]int{"user.invited": 1, "user.prepared": 2, "users.imported": 1} {
			page, err := e.Service.AuditEvents(ctx, service.Operator(org.ID), roster.AuditFilter{Action: action})
			if err != nil || len(page.Items) != n {
				t.Errorf("%s audit events: %d (%v), want %d", action, len(page.Items), err, n)
			}
		}
		// The same file again: every row is now taken.
		rep2 := importCSV(e, org.AdminToken, "?dry_run=true", file).Want(http.StatusOK).JSON()
		if rep2["error_count"] != 5.0 { // three emails, two extensions
			t.Fatalf("re-import report %v", rep2)
		}
		// A browser upload (multipart) with ?invite=true as the default.
		var b bytes.Buffer
		mw := multipart.NewWriter(&b)
		fw, _ := mw.CreateFormFile("file", "people.csv")
		fmt.Fprint(fw, "email\ndi@example.com\n")
		mw.Close()
		upload(e, "/api/v1/users/import?invite=true", org.AdminToken, mw.FormDataContentType(), b.Bytes()).Want(http.StatusCreated)
		if u, err := e.DB.Reader().UserByEmail(ctx, org.ID, "di@example.com"); err != nil || u.Status != roster.StatusInvited {
			t.Fatalf("multipart import: %+v, %v", u, err)
		}
	})
}

// TestImportSeatsForTheWholeFile: the seats a file needs are counted
// together, also when two imports race for the last ones.
func TestImportSeatsForTheWholeFile(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		org := e.CreateOrg("acme", roster.PlanProfessional, map[string]int{"power_dialer": 4})
		e.ActiveUser(org, "holder@example.com", "agent", "power_dialer") // 3 seats left
		file := func(prefix string, n int, status string) string {
			var b strings.Builder
			b.WriteString("email,license_type,status\n")
			for i := range n {
				fmt.Fprintf(&b, "%s%d@example.com,power_dialer,%s\n", prefix, i, status)
			}
			return b.String()
		}
		p := importCSV(e, org.AdminToken, "", file("four", 4, "invited")).Problem(http.StatusConflict)
		if p["available"] != 3.0 || p["requested"] != 4.0 {
			t.Fatalf("seat problem %v", p)
		}
		dry := importCSV(e, org.AdminToken, "?dry_run=true", file("four", 4, "invited")).Want(http.StatusOK).JSON()
		if dry["valid"] != false || dry["error_count"] != 1.0 {
			t.Fatalf("dry run with too few seats: %v", dry)
		}
		// Prepared users hold no seat: any number fit.
		importCSV(e, org.AdminToken, "", file("prep", 10, "prepared")).Want(http.StatusCreated)

		// Two files of 2 invitees each race for 3 seats: one wins whole.
		var wg sync.WaitGroup
		statuses := make([]int, 2)
		for i := range statuses {
			wg.Add(1)
			go func() {
				defer wg.Done()
				statuses[i] = importCSV(e, org.AdminToken, "", file(fmt.Sprintf("race%d-", i), 2, "invited")).Status
			}()
		}
		wg.Wait()
		slices.Sort(statuses)
		if !slices.Equal(statuses, []int{http.StatusCreated, http.StatusConflict}) {
			t.Fatalf("racing imports answered %v, want one 201 and one 409", statuses)
		}
		pools := e.Do("GET", "/api/v1/licenses", org.AdminToken, nil).Want(http.StatusOK).Items()
		if pools[0]["used"] != 3.0 || pools[0]["available"] != 1.0 {
			t.Fatalf("pool after the race %v", pools[0])
		}
		if n := userCount(t, e, org.ID); n != 1+1+10+2 {
			t.Fatalf("%d users, want 14 (no half-imported file)", n)
		}
	})
}

// TestExportImportRoundTrip: a file exported from one org imports into
// another as it is, and the second org then exports the same people.
func TestExportImportRoundTrip(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		src := e.CreateOrg("source", roster.PlanProfessional, map[string]int{"power_dialer": 5})
		dst := e.CreateOrg("dest", roster.PlanProfessional, map[string]int{"power_dialer": 5})
		// A cell written as '=x is read as the escaped form of =x.
		importCSV(e, src.AdminToken, "", peopleCSV+
			"ed@example.com,\"Quote \"\"Q\"\" , comma\",'=already escaped,agent,,,prepared\r\n"+
			"fi@example.com,-minus,+plus,user,,99,prepared\r\n").Want(http.StatusCreated)
		out := e.Do("GET", "/api/v1/users/export?status=invited,prepared", src.AdminToken, nil).Want(http.StatusOK).Body
		importCSV(e, dst.AdminToken, "", string(out)).Want(http.StatusCreated)
		back := e.Do("GET", "/api/v1/users/export?status=invited,prepared", dst.AdminToken, nil).Want(http.StatusOK).Body
		a, b := parseCSV(t, out), parseCSV(t, back)
		if len(a) != 7 || len(b) != len(a) {
			t.Fatalf("exported %d rows, re-exported %d", len(a), len(b))
		}
		for _, col := range []string{"email", "first_name", "last_name", "status", "role", "license_type", "extension"} {
			if ca, cb := column(t, a, col), column(t, b, col); !slices.Equal(ca, cb) {
				t.Errorf("%s changed on the way: %q → %q", col, ca, cb)
			}
		}
		ctx := context.Background()
		ed, err := e.DB.Reader().UserByEmail(ctx, dst.ID, "ed@example.com")
		if err != nil || ed.FirstName != `Quote "Q" , comma` || ed.LastName != "=already escaped" {
			t.Fatalf("ed arrived as %+v (%v)", ed, err)
		}
		fi, err := e.DB.Reader().UserByEmail(ctx, dst.ID, "fi@example.com")
		if err != nil || fi.FirstName != "-minus" || fi.LastName != "+plus" || fi.Extension != "99" {
			t.Fatalf("fi arrived as %+v (%v)", fi, err)
		}
		if ids := column(t, b, "id"); slices.Contains(ids, column(t, a, "id")[0]) {
			t.Fatal("imported users kept the source org's IDs")
		}
	})
}

func TestImportTooBig(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		org := e.CreateOrg("acme", roster.PlanProfessional, nil)
		var b bytes.Buffer
		b.WriteString("email,first_name\n")
		for i := 0; b.Len() <= service.MaxImportBytes; i++ {
			fmt.Fprintf(&b, "user%07d@example.com,%s\n", i, strings.Repeat("n", 100))
		}
		upload(e, "/api/v1/users/import", org.AdminToken, "text/csv", b.Bytes()).Problem(http.StatusRequestEntityTooLarge)
		// Without a length up front, the cut comes while reading.
		req, _ := http.NewRequest("POST", e.Server.URL+"/api/v1/users/import", io.MultiReader(bytes.NewReader(b.Bytes())))
		req.Header.Set("Content-Type", "text/csv")
		req.Header.Set("Authorization", "Bearer "+org.AdminToken)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusRequestEntityTooLarge || req.ContentLength > 0 {
			t.Fatalf("streamed oversized upload: status %d (content length %d)", res.StatusCode, req.ContentLength)
		}
		// Small enough, but more rows than one import holds.
		b.Reset()
		b.WriteString("email\n")
		for i := range service.MaxImportRows + 1 {
			fmt.Fprintf(&b, "%d@x.io\n", i)
		}
		if fe := importCSV(e, org.AdminToken, "", b.String()).FieldErrors(); !strings.Contains(fe["file"], "more than") {
			t.Fatalf("too many rows: %v", fe)
		}
		importCSV(e, org.AdminToken, "?integration="+strings.Repeat("x", 101), "email\na@x.io\n").FieldErrors()
		if n := userCount(t, e, org.ID); n != 1 {
			t.Fatalf("an oversized file created users: %d", n)
		}
	})
}

// TestExportTeamsQueuesPhone: the columns whose data other areas keep.
func TestExportTeamsQueuesPhone(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		org := e.CreateOrg("acme", roster.PlanProfessional, nil)
		tok := org.AdminToken
		ann, _ := e.ActiveUser(org, "ann@example.com", "agent", "")
		bo, _ := e.ActiveUser(org, "bo@example.com", "agent", "")
		e.Do("POST", "/api/v1/teams", tok, map[string]any{"name": "Sales", "member_ids": []string{ann, bo}}).Want(http.StatusCreated)
		e.Do("POST", "/api/v1/teams", tok, map[string]any{"name": "East", "member_ids": []string{ann}}).Want(http.StatusCreated)
		q1 := e.Do("POST", "/api/v1/queues", tok, map[string]any{"name": "Support"}).Want(http.StatusCreated).JSON()
		q2 := e.Do("POST", "/api/v1/queues", tok, map[string]any{"name": "Billing"}).Want(http.StatusCreated).JSON()
		e.Do("POST", "/api/v1/queues/"+q1["id"].(string)+"/members", tok, map[string]any{"user_id": ann, "penalty": 2}).Want(http.StatusCreated)
		e.Do("POST", "/api/v1/queues/"+q2["id"].(string)+"/members", tok, map[string]any{"user_id": ann, "penalty": 0}).Want(http.StatusCreated)
		e.Do("POST", "/api/v1/phone-numbers", tok, map[string]any{"number": "+14155550100", "main": true}).Want(http.StatusCreated)
		e.Do("PATCH", "/api/v1/users/"+ann+"/phone-settings", tok, map[string]any{
			"extension": "301", "caller_id": "+14155550100", "mobile_number": "+14155550111", "do_not_disturb": true,
			"language": "de", "time_zone": "Europe/Berlin", "voicemail": map[string]any{"enabled": false, "rings": 6},
		}).Want(http.StatusOK)

		// A role linked to a team puts imported holders in it.
		var managerRole string
		for _, r := range e.Do("GET", "/api/v1/roles", tok, nil).Want(http.StatusOK).Items() {
			if r["key"] == "manager" {
				managerRole = r["id"].(string)
			}
		}
		e.Do("POST", "/api/v1/teams", tok, map[string]any{"name": "Leads", "role_ids": []string{managerRole}}).Want(http.StatusCreated)
		importCSV(e, tok, "", "email,role\ncy@example.com,manager\ndi@example.com,agent\n").Want(http.StatusCreated)
		imported := parseCSV(t, e.Do("GET", "/api/v1/users/export?q=@example.com&status=prepared", tok, nil).Want(http.StatusOK).Body)
		if got := column(t, imported, "teams"); !slices.Equal(got, []string{"Leads", ""}) {
			t.Fatalf("teams of imported users %q, want [Leads, none]", got)
		}

		rows := parseCSV(t, e.Do("GET", "/api/v1/users/export?q=example.com&status=active", tok, nil).Want(http.StatusOK).Body)
		if len(rows) != 3 {
			t.Fatalf("rows %q", rows)
		}
		row := map[string]string{}
		for i, h := range rows[0] {
			row[h] = rows[1][i]
		}
		// E.164 numbers start with +, so they go out escaped like any
		// would-be formula; the import reads them back without the mark.
		want := map[string]string{"email": "ann@example.com", "teams": "East;Sales", "queues": "Billing:0;Support:2",
			"extension": "301", "outbound_caller_id": "'+14155550100", "mobile_number": "'+14155550111", "landline_number": "",
			"language": "de", "timezone": "Europe/Berlin", "voicemail_enabled": "false", "rings_before_voicemail": "6", "dnd": "true"}
		for k, v := range want {
			if row[k] != v {
				t.Errorf("%s = %q, want %q", k, row[k], v)
			}
		}
		if got := rows[2][slices.Index(rows[0], "teams")]; got != "Sales" {
			t.Errorf("bo's teams %q", got)
		}
	})
}

// TestImportLeavesNoSpool: an upload is copied to a temporary file for
// the import to read twice; whether the import succeeds, fails on its
// rows or is too big, the file is gone once the answer is sent.
func TestImportLeavesNoSpool(t *testing.T) {
	spool := t.TempDir()
	t.Setenv("TMPDIR", spool)
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		org := e.CreateOrg("acme", roster.PlanProfessional, nil)
		importCSV(e, org.AdminToken, "", "email\nnew@x.io\n").Want(http.StatusCreated)
		importCSV(e, org.AdminToken, "", "email\nnot an email\n").Want(http.StatusUnprocessableEntity)
		big := "email\n" + strings.Repeat("x", service.MaxImportBytes)
		upload(e, "/api/v1/users/import", org.AdminToken, "text/csv", []byte(big)).Problem(http.StatusRequestEntityTooLarge)
		if n := userCount(t, e, org.ID); n != 2 {
			t.Fatalf("%d users, want the admin and new@x.io", n)
		}
		left, err := os.ReadDir(spool)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range left {
			if strings.HasPrefix(f.Name(), "roster-import-") {
				t.Errorf("left behind: %s", f.Name())
			}
		}
		// Removed at once where the system allows, the file must still be
		// closed: the server is this process, so its open files are ours.
		// The handler closes it after it has answered: wait a moment.
		var open []string
		for range 100 {
			if open = openSpools(t, spool); len(open) == 0 {
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
		if len(open) > 0 {
			t.Errorf("still open: %v", open)
		}
	})
}

// openSpools lists this process's open files in dir (Linux only: none
// elsewhere).
func openSpools(t *testing.T, dir string) []string {
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return nil
	}
	var open []string
	for _, fd := range fds {
		if target, err := os.Readlink("/proc/self/fd/" + fd.Name()); err == nil && strings.HasPrefix(target, dir+"/roster-import-") {
			open = append(open, target)
		}
	}
	return open
}
