package api_test

import (
	"context"
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
	"timezone", "voicemail_enabled", "rings_before_voicemail", "dnd"}

// TestImportTeamsAndPhoneRoundTrip: an export with teams and phone
// settings imports into another org (with teams and numbers of the same
// names) unchanged, and the imported values are stored in the import's
// transaction: the users are in their teams and their settings read back.
func TestImportTeamsAndPhoneRoundTrip(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		src := e.CreateOrg("source", roster.PlanProfessional, nil)
		dst := e.CreateOrg("dest", roster.PlanProfessional, nil)
		for _, org := range []apitest.Org{src, dst} {
			for _, team := range []string{"Sales", "East"} {
				e.Do("POST", "/api/v1/teams", org.AdminToken, map[string]any{"name": team}).Want(http.StatusCreated)
			}
			e.Do("POST", "/api/v1/phone-numbers", org.AdminToken, map[string]any{"number": "+14155550100", "main": true}).Want(http.StatusCreated)
		}
		file := "email,first_name,teams,extension,outboundcid,MobileNumber,landline_number,language,timezone,voicemail_enable,rings_before_voicemail,dnd\n" +
			"ann@example.com,Ann,sales; East,301,+14155550100,+14155550111,,de,Europe/Berlin,0,6,yes\n" +
			"bo@example.com,Bo,East,302,,,'+442071838750,,,,,\n" +
			"cy@example.com,Cy,,,,,,,,,,\n"
		importCSV(e, src.AdminToken, "", file).Want(http.StatusCreated)
		out := e.Do("GET", "/api/v1/users/export?status=prepared", src.AdminToken, nil).Want(http.StatusOK).Body
		a := parseCSV(t, out)
		want := map[string][]string{
			"teams": {"East;Sales", "East", ""}, "outbound_caller_id": {"'+14155550100", "", ""},
			"mobile_number": {"'+14155550111", "", ""}, "landline_number": {"", "'+442071838750", ""},
			"language": {"de", "en", "en"}, "timezone": {"Europe/Berlin", "UTC", "UTC"},
			"voicemail_enabled": {"false", "true", "true"}, "rings_before_voicemail": {"6", "4", "4"},
			"dnd": {"true", "false", "false"},
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
