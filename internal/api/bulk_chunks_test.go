package api_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"roster/internal/apitest"
	"roster/internal/roster"
)

// chunkedFile is a file of n users longer than the import's chunk of rows,
// every user in the Sales team, every 1,000th with phone settings; edit
// may change a row's cells.
func chunkedFile(n int, edit func(i int, cells []string)) string {
	var b strings.Builder
	b.WriteString("email,first_name,teams,language,extension\n")
	for i := range n {
		cells := []string{fmt.Sprintf("u%05d@example.com", i), "U", "Sales", "", ""}
		if i%1000 == 999 {
			cells[3] = "de"
		}
		if edit != nil {
			edit(i, cells)
		}
		b.WriteString(strings.Join(cells, ",") + "\n")
	}
	return b.String()
}

// TestImportAcrossChunks: a file of more rows than the import holds at a
// time is checked as a whole (a clash between rows far apart is found and
// nothing is stored) and, when valid, stored whole: every row's user, team
// membership and phone settings, whichever chunk it was in.
func TestImportAcrossChunks(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		org := e.CreateOrg("acme", roster.PlanProfessional, nil)
		team := e.Do("POST", "/api/v1/teams", org.AdminToken, map[string]any{"name": "Sales"}).Want(http.StatusCreated).JSON()
		const rows = 12_001 // three chunks and one row
		before := userCount(t, e, org.ID)

		clash := chunkedFile(rows, func(i int, cells []string) {
			switch i {
			case 1: // line 3
				cells[4] = "4001"
			case 11_500: // line 11,502: in the third chunk
				cells[0], cells[4] = "u00000@example.com", "4001"
			}
		})
		res := importCSV(e, org.AdminToken, "", clash).Want(http.StatusUnprocessableEntity).JSON()
		msg := fmt.Sprint(res["row_errors"])
		if res["error_count"] != float64(2) || !strings.Contains(msg, "also on row 2") || !strings.Contains(msg, "also on row 3") {
			t.Fatalf("clashes across chunks: %v", res)
		}
		if n := userCount(t, e, org.ID); n != before {
			t.Fatalf("a refused file stored %d users", n-before)
		}

		rep := importCSV(e, org.AdminToken, "", chunkedFile(rows, nil)).Want(http.StatusCreated).JSON()
		if rep["rows"] != float64(rows) || rep["prepared"] != float64(rows) {
			t.Fatalf("report %v", rep)
		}
		if n := userCount(t, e, org.ID); n != before+rows {
			t.Fatalf("%d users stored, want %d", n-before, rows)
		}
		if n := dbInt(t, e, `SELECT COUNT(*) FROM team_members WHERE team_id = ?`, team["id"]); n != rows {
			t.Fatalf("%d team members, want %d", n, rows)
		}
		last, err := e.DB.Reader().UserByEmail(context.Background(), org.ID, fmt.Sprintf("u%05d@example.com", rows-2))
		if err != nil {
			t.Fatal(err)
		}
		ps, err := e.DB.Reader().PhoneSettings(context.Background(), org.ID, last.ID)
		if err != nil || ps.Language != "de" {
			t.Fatalf("phone settings of a row in the last full chunk: %+v, %v", ps, err)
		}
		if n := dbInt(t, e, `SELECT COUNT(*) FROM phone_settings WHERE org_id = ?`, org.ID); n != rows/1000 {
			t.Fatalf("%d phone settings rows, want %d", n, rows/1000)
		}
	})
}
