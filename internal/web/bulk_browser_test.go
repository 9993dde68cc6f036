package web_test

import (
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/chromedp"

	"roster/internal/apitest"
	"roster/internal/roster"
	"roster/internal/service"
	"roster/internal/testdb"
)

// TestConsoleBulk drives the People page's Export dialog and the Import
// page in Chromium, on both databases.
func TestConsoleBulk(t *testing.T) {
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) { consoleBulk(t, startServer(t, dialect, true), newBrowser(t)) })
	}
}

// download is what the browser got from an export link.
type download struct {
	Status      int    `json:"status"`
	Type        string `json:"type"`
	Disposition string `json:"disposition"`
	Body        string `json:"body"`
}

// fetchExport fetches the Export dialog's link as its Download button
// would, with the tab's session cookie; format replaces the chosen one
// when not empty.
func fetchExport(tb *tab, format string) download {
	tb.t.Helper()
	return run(tb, chromedp.Evaluate[download](`(async () => {
		const f = document.querySelector("#dlg-export form");
		const q = new URLSearchParams(new FormData(f));
		if (`+"`"+format+"`"+`) q.set("format", `+"`"+format+"`"+`);
		const r = await fetch(f.action + "?" + q);
		const buf = new Uint8Array(await r.arrayBuffer());
		const body = r.headers.get("Content-Type").startsWith("text/csv") ? new TextDecoder().decode(buf)
			: String.fromCharCode(...buf.slice(0, 4));
		return {status: r.status, type: r.headers.get("Content-Type"), disposition: r.headers.get("Content-Disposition") || "", body};
	})()`, chromedp.EvalAwaitPromise))
}

// column returns one column of a CSV export, by its header.
func column(t *testing.T, file, name string) []string {
	t.Helper()
	rows, err := csv.NewReader(strings.NewReader(file)).ReadAll()
	if err != nil || len(rows) == 0 {
		t.Fatalf("export is not CSV (%v):\n%s", err, file)
	}
	i := slices.Index(rows[0], name)
	if i < 0 {
		t.Fatalf("export has no %s column: %v", name, rows[0])
	}
	var out []string
	for _, r := range rows[1:] {
		out = append(out, r[i])
	}
	return out
}

func consoleBulk(t *testing.T, s *server, b *browser) {
	t.Run("export the current view", func(t *testing.T) {
		orgID := s.org("exp", roster.PlanStandard, map[string]int{"power_dialer": 5})
		s.activeUser(orgID, "amy@exp.test", "agent", "")
		s.activeUser(orgID, "ann@elsewhere.test", "agent", "")
		s.prepared(orgID, "agent", "", "pam@exp.test", "pete@exp.test", "paul@elsewhere.test")
		disabled := s.activeUser(orgID, "ivy@exp.test", "agent", "")
		if _, err := s.app.Service.DeactivateUser(context.Background(), service.Operator(orgID), disabled); err != nil {
			t.Fatal(err)
		}

		admin := b.tab(t, s, "admin")
		admin.signIn("admin@exp.test", apitest.AdminPassword)
		admin.open("/people?tab=prepared&q=exp.test")
		shown := js[[]string](admin, `[...document.querySelectorAll("table.people tbody td")].map(td => td.textContent.trim())
			.filter(s => /^[^\s@]+@[^\s@]+$/.test(s)).filter((s, i, a) => a.indexOf(s) === i)`)
		if !slices.Equal(shown, []string{"pam@exp.test", "pete@exp.test"}) {
			t.Fatalf("the filtered view shows %v", shown)
		}
		admin.do(chromedp.Click(chromedp.CSS("[data-opens=dlg-export]"), chromedp.NodeVisible))
		admin.do(chromedp.Poll[chromedp.Void](`document.querySelector("#dlg-export[open]")`))
		checked := js[[]string](admin, `[...document.querySelectorAll("#dlg-export input[name=status]:checked")].map(i => i.value)`)
		if !slices.Equal(checked, []string{"prepared"}) {
			t.Fatalf("the Prepared tab's export includes %v by default", checked)
		}
		// The prepared users of the view, exactly.
		got := fetchExport(admin, "")
		if got.Status != 200 || !strings.HasPrefix(got.Type, "text/csv") ||
			!strings.HasPrefix(got.Disposition, `attachment; filename="users-`) || !strings.HasSuffix(got.Disposition, `.csv"`) {
			t.Fatalf("export answered %d %q %q", got.Status, got.Type, got.Disposition)
		}
		if emails := column(t, got.Body, "email"); !slices.Equal(emails, shown) {
			t.Fatalf("export of the view has %v; the view shows %v", emails, shown)
		}
		// Seed 003: active and prepared users together, same search.
		admin.do(chromedp.Click(chromedp.CSS(`#dlg-export input[name=status][value=active]`), chromedp.NodeVisible))
		admin.check("people-export")
		got = fetchExport(admin, "")
		emails, statuses := column(t, got.Body, "email"), column(t, got.Body, "status")
		want := []string{"admin@exp.test", "amy@exp.test", "pam@exp.test", "pete@exp.test"}
		if !slices.Equal(emails, want) || !slices.Equal(statuses, []string{"active", "active", "prepared", "prepared"}) {
			t.Fatalf("active+prepared export: %v %v, want %v", emails, statuses, want)
		}
		// The Download button saves the same file.
		saved := admin.download("#export-download", "users-*.csv")
		if got := column(t, saved, "email"); !slices.Equal(got, want) {
			t.Fatalf("the saved export has %v, want %v", got, want)
		}
		// Excel: the same link in the other format is an .xlsx (a zip).
		admin.do(chromedp.Click(chromedp.CSS(`#dlg-export input[name=format][value=xlsx]`), chromedp.NodeVisible))
		x := fetchExport(admin, "")
		if x.Status != 200 || x.Type != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" ||
			!strings.HasSuffix(x.Disposition, `.xlsx"`) || !strings.HasPrefix(x.Body, "PK") {
			t.Fatalf("xlsx export answered %d %q %q %q", x.Status, x.Type, x.Disposition, x.Body)
		}
		// The Download button itself leads to that link.
		if u := js[string](admin, `(() => { const f = document.querySelector("#dlg-export form");
			return f.getAttribute("action") + "?" + new URLSearchParams(new FormData(f)); })()`); u !=
			"/people/export?q=exp.test&status=active&status=prepared&format=xlsx" {
			t.Fatalf("the Download button asks for %s", u)
		}
	})

	t.Run("import: a file with errors, then a valid file", func(t *testing.T) {
		orgID := s.org("imp", roster.PlanStandard, map[string]int{"power_dialer": 1})
		s.activeUser(orgID, "taken@imp.test", "agent", "")
		dir := t.TempDir()
		bad := filepath.Join(dir, "bad.csv")
		good := filepath.Join(dir, "good.csv")
		write(t, bad, "email,first_name,last_name,role,license_type,shoe_size\n"+
			"ann@imp.test,Ann,Lee,agent,power_dialer,42\n"+
			"not-an-email,Bo,Kim,agent,,\n"+
			"taken@imp.test,Cy,Taken,agent,,\n"+
			"dan@imp.test,Dan,Ray,wizard,,\n")
		write(t, good, "email,first_name,last_name,role,license_type,extension,shoe_size\n"+
			"Ann@Imp.test,Ann,Lee,agent,power_dialer,7201,42\n"+
			"bo@imp.test,Bo,Kim,manager,,7202,\n")

		admin := b.tab(t, s, "admin")
		admin.signIn("admin@imp.test", apitest.AdminPassword)
		admin.submit(`a[href="/people/import"]`)
		if admin.path() != "/people/import" {
			t.Fatalf("the Import link went to %s", admin.path())
		}
		admin.check("people-import")

		admin.do(chromedp.SetUploadFiles(chromedp.CSS("#import-file"), []string{bad}))
		admin.submit("#import-preview")
		admin.wantText("#import-errors-summary", "3 problems in bad.csv", "Nothing was imported")
		rows := js[[]string](admin, `[...document.querySelectorAll("table.import-errors tbody tr")]
			.map(r => [...r.cells].map(c => c.textContent).join(" | "))`)
		want := []string{"3 | email | is not a valid email address", "4 | email | taken@imp.test is already a user of this org",
			`5 | role | no role "wizard" in this org`}
		if !slices.Equal(rows, want) {
			t.Fatalf("row errors:\n%s\nwant:\n%s", strings.Join(rows, "\n"), strings.Join(want, "\n"))
		}
		admin.wantText(".import-preview", "shoe_size")
		if js[bool](admin, `document.querySelector("#import-apply") !== null`) {
			t.Fatal("a file with errors can be applied")
		}
		admin.check("people-import-errors")
		countUsers(t, s, orgID, 0, 0)

		// The corrected file, to invite: previewed, nothing stored yet.
		admin.do(chromedp.SetUploadFiles(chromedp.CSS("#import-file"), []string{good}),
			chromedp.Click(chromedp.CSS(`input[name=mode][value=send]`), chromedp.NodeVisible))
		admin.fill("#import-integration", "HubSpot")
		admin.submit("#import-preview")
		admin.wantText("#import-summary", "2 users would be created from good.csv", "0 prepared", "2 invited", "HubSpot")
		admin.wantText("#import-apply", "Import and invite")
		admin.check("people-import-preview")
		countUsers(t, s, orgID, 0, 0)

		admin.submit("#import-apply")
		if admin.path() != "/people?tab=invited" {
			t.Fatalf("after the import the browser is at %s", admin.path())
		}
		admin.wantText(".flash", "Imported 2 invited users from good.csv.")
		admin.wantText("table.people", "ann@imp.test", "bo@imp.test", "HubSpot")
		admin.check("people-import-done")
		countUsers(t, s, orgID, 2, 0)
		users, err := s.app.DB.Reader().UsersByEmails(context.Background(), orgID, []string{"ann@imp.test", "bo@imp.test"})
		if err != nil || len(users) != 2 {
			t.Fatalf("imported users: %v %v", users, err)
		}
		for _, u := range users {
			wantRole, wantLic, wantExt := "agent", "power_dialer", "7201"
			if u.Email == "bo@imp.test" {
				wantRole, wantLic, wantExt = "manager", "", "7202"
			}
			if u.Status != roster.StatusInvited || u.Role != wantRole || u.LicenseType != wantLic || u.Extension != wantExt {
				t.Errorf("imported %s: %+v", u.Email, u)
			}
		}
		if !strings.Contains(s.mailTo("ann@imp.test", 1), "/invite/accept?token=") {
			t.Fatal("the invitation email to ann@imp.test has no accept link")
		}
	})
}

// download clicks sel, which starts a download, and returns the file the
// browser saves under a name matching pattern.
func (tb *tab) download(sel, pattern string) string {
	tb.t.Helper()
	dir := tb.t.TempDir()
	c := chromedp.FromContext(tb.ctx)
	tb.do(chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := cdp.Call(ctx, c.Browser, cdpbrowser.SetDownloadBehavior, cdpbrowser.SetDownloadBehaviorParams{
			Behavior: cdpbrowser.SetDownloadBehaviorBehaviorAllow, BrowserContextID: c.BrowserContextID, DownloadPath: dir})
		return err
	}), chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible))
	deadline := time.Now().Add(20 * time.Second)
	for {
		// Chromium may create the file's name empty before it writes the
		// download beside it (.crdownload) and renames that over it: the
		// file is whole once no partial one is left and it has bytes.
		partial, _ := filepath.Glob(filepath.Join(dir, "*.crdownload"))
		if m, _ := filepath.Glob(filepath.Join(dir, pattern)); len(m) == 1 && len(partial) == 0 {
			b, err := os.ReadFile(m[0])
			if err != nil {
				tb.t.Fatal(err)
			}
			if len(b) > 0 {
				return string(b)
			}
		}
		if time.Now().After(deadline) {
			entries, _ := os.ReadDir(dir)
			tb.t.Fatalf("no download matching %s after 20 s; the folder has %v", pattern, entries)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func write(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// countUsers fails unless the org has exactly invited and prepared users
// in those statuses.
func countUsers(t *testing.T, s *server, orgID string, invited, prepared int) {
	t.Helper()
	counts, err := s.app.DB.Reader().CountUsersByStatus(context.Background(), orgID)
	if err != nil {
		t.Fatal(err)
	}
	if counts[roster.StatusInvited] != invited || counts[roster.StatusPrepared] != prepared {
		t.Fatalf("org has %d invited and %d prepared users, want %d and %d", counts[roster.StatusInvited],
			counts[roster.StatusPrepared], invited, prepared)
	}
}
