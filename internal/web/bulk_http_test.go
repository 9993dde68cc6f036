package web_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"

	"roster/internal/apitest"
	"roster/internal/roster"
	"roster/internal/service"
	"roster/internal/testdb"
)

// upload posts the Import page's form: file as name, and the choices.
func (c *client) importUpload(name, file string, fields map[string]string) page {
	c.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range fields {
		if err := mw.WriteField(k, v); err != nil {
			c.t.Fatal(err)
		}
	}
	fw, err := mw.CreateFormFile("file", name)
	if err != nil {
		c.t.Fatal(err)
	}
	if _, err := io.WriteString(fw, file); err != nil {
		c.t.Fatal(err)
	}
	if err := mw.Close(); err != nil {
		c.t.Fatal(err)
	}
	req, err := http.NewRequest("POST", c.s.base+"/people/import", &body)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return c.send(req)
}

func (c *client) send(req *http.Request) page {
	c.t.Helper()
	res, err := c.c.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	return page{Status: res.StatusCode, Header: res.Header, Body: string(b)}
}

var hiddenRE = regexp.MustCompile(`<input type="hidden" name="([a-z_]+)" value="([^"]*)">`)

// applyForm is the Apply form of a preview page; nil when it has none.
func applyForm(p page) url.Values {
	if !strings.Contains(p.Body, `action="/people/import/apply"`) {
		return nil
	}
	v := url.Values{}
	for _, m := range hiddenRE.FindAllStringSubmatch(p.Body, -1) {
		v.Set(m[1], strings.NewReplacer("&#43;", "+", "&amp;", "&", "&#34;", `"`, "&#39;", "'").Replace(m[2]))
	}
	return v
}

// applyOf is the Apply form a client could forge for any file.
func applyOf(file, mode string) url.Values {
	sum := sha256.Sum256([]byte(file))
	return url.Values{"file": {base64.RawURLEncoding.EncodeToString([]byte(file))}, "sum": {hex.EncodeToString(sum[:])},
		"mode": {mode}, "file_name": {"x.csv"}}
}

// TestImportPage attacks the Import page's two steps over HTTP: the
// applied file is the previewed one, a file with errors or a forged one
// never applies, one preview applies once even when posted twice at once,
// and only admins get in.
func TestImportPage(t *testing.T) {
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) {
			s := startServer(t, dialect, false)
			orgID := s.org("acme", roster.PlanStandard, map[string]int{"power_dialer": 1})
			s.activeUser(orgID, "manager@acme.test", "manager", "")
			s.activeUser(orgID, "agent@acme.test", "agent", "")
			admin := newClient(t, s)
			admin.signIn("admin@acme.test", apitest.AdminPassword)

			if p := admin.get("/people/import"); p.Status != 200 || !strings.Contains(p.Body, `type="file"`) {
				t.Fatalf("import page: %d", p.Status)
			}
			good := "email,first_name,last_name\npat@acme.test,Pat,One\nsam@acme.test,Sam,Two\n"
			p := admin.importUpload("good.csv", good, map[string]string{"mode": "prepare"})
			form := applyForm(p)
			if p.Status != 200 || form == nil || !strings.Contains(p.Body, "2 users would be created from good.csv") {
				t.Fatalf("preview: %d\n%s", p.Status, p.Body)
			}
			countUsers(t, s, orgID, 0, 0)

			// The file changed on the way: refused, nothing stored.
			tampered := url.Values{}
			for k, v := range form {
				tampered[k] = v
			}
			tampered.Set("file", base64.RawURLEncoding.EncodeToString([]byte(good+"eve@acme.test,Eve,Three\n")))
			if p := admin.post("/people/import/apply", tampered, nil); p.Status != 422 || !strings.Contains(p.Body, "upload it again") {
				t.Fatalf("tampered apply: %d", p.Status)
			}
			// A file with errors, posted straight to Apply: refused with its rows' errors.
			bad := "email,role\nok@acme.test,agent\nnope,agent\n"
			if p := admin.post("/people/import/apply", applyOf(bad, "prepare"), nil); p.Status != 422 ||
				!strings.Contains(p.Body, "is not a valid email address") || strings.Contains(p.Body, "import/apply") {
				t.Fatalf("apply of a bad file: %d\n%s", p.Status, p.Body)
			}
			countUsers(t, s, orgID, 0, 0)

			// Applied twice at once: one import, the other refused.
			var wg sync.WaitGroup
			statuses := make([]int, 2)
			for i := range statuses {
				wg.Go(func() {
					req, _ := http.NewRequest("POST", s.base+"/people/import/apply", strings.NewReader(form.Encode()))
					req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
					if res, err := admin.c.Do(req); err == nil {
						statuses[i] = res.StatusCode
						res.Body.Close()
					}
				})
			}
			wg.Wait()
			if !(statuses[0] == 303 && statuses[1] == 422) && !(statuses[0] == 422 && statuses[1] == 303) {
				t.Fatalf("the same preview applied twice at once answered %v", statuses)
			}
			countUsers(t, s, orgID, 0, 2)
			p = admin.post("/people/import/apply", form, nil)
			if p.Status != 422 || !strings.Contains(p.Body, "pat@acme.test is already a user of this org") {
				t.Fatalf("re-applied preview: %d", p.Status)
			}
			countUsers(t, s, orgID, 0, 2)

			// Seats: two invitations for one free seat is a problem of the preview.
			seats := "email,license_type\nx@acme.test,power_dialer\ny@acme.test,power_dialer\n"
			p = admin.importUpload("seats.csv", seats, map[string]string{"mode": "send"})
			if p.Status != 422 || applyForm(p) != nil || !strings.Contains(p.Body, "not enough Power Dialer licenses") {
				t.Fatalf("over-seat preview: %d\n%s", p.Status, p.Body)
			}
			// Bad uploads: too big, not a form, no file, not CSV at all.
			big := "email\n" + strings.Repeat("a", service.MaxImportBytes)
			if p := admin.importUpload("big.csv", big, nil); p.Status != 422 || !strings.Contains(p.Body, "at most 20 MB") {
				t.Fatalf("oversized upload: %d", p.Status)
			}
			if p := admin.post("/people/import", url.Values{"file": {"email\na@b.test"}}, nil); p.Status != 422 ||
				!strings.Contains(p.Body, "choose a CSV file") {
				t.Fatalf("urlencoded upload: %d", p.Status)
			}
			if p := admin.importUpload("empty.csv", "", nil); p.Status != 422 || !strings.Contains(p.Body, "empty or missing") {
				t.Fatalf("empty upload: %d", p.Status)
			}
			if p := admin.importUpload("x.csv", "name\nbob\n", nil); p.Status != 422 || !strings.Contains(p.Body, "no email column") {
				t.Fatalf("file without email: %d", p.Status)
			}
			countUsers(t, s, orgID, 0, 2)

			// Managers read people and export them, but import nothing.
			mgr := newClient(t, s)
			mgr.signIn("manager@acme.test", apitest.UserPassword)
			if p := mgr.get("/people"); p.Status != 200 || strings.Contains(p.Body, `href="/people/import"`) ||
				!strings.Contains(p.Body, "dlg-export") {
				t.Fatalf("manager's People page: %d", p.Status)
			}
			for _, p := range []page{mgr.get("/people/import"), mgr.importUpload("good.csv", good, nil),
				mgr.post("/people/import/apply", applyOf("email\nm@acme.test\n", "prepare"), nil)} {
				if p.Status != 403 {
					t.Errorf("manager's import step: %d", p.Status)
				}
			}
			countUsers(t, s, orgID, 0, 2)
			p = mgr.get("/people/export?status=prepared&q=acme.test")
			if p.Status != 200 || p.Header.Get("Content-Type") != "text/csv; charset=utf-8" ||
				!strings.Contains(p.Body, "pat@acme.test") || strings.Contains(p.Body, "manager@acme.test") {
				t.Fatalf("manager's export: %d %q\n%s", p.Status, p.Header.Get("Content-Type"), p.Body)
			}
			for _, q := range []string{"status=prepared&format=pdf", "format=csv", "status=gone"} {
				if p := mgr.get("/people/export?" + q); p.Status != 422 {
					t.Errorf("export?%s: %d", q, p.Status)
				}
			}
			agent := newClient(t, s)
			agent.signIn("agent@acme.test", apitest.UserPassword)
			if p := agent.get("/people/export?status=active"); p.Status != 403 || strings.Contains(p.Body, "@acme.test,") {
				t.Fatalf("agent's export: %d", p.Status)
			}
		})
	}
}

// TestImportPageQueues: the Import page previews a queues column like the
// API checks it (an unknown queue is its row's problem and nothing
// applies), and the previewed file, once fixed, puts the new users in
// their queues.
func TestImportPageQueues(t *testing.T) {
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) {
			s := startServer(t, dialect, false)
			orgID := s.org("acme", roster.PlanStandard, nil)
			name := "Support"
			q, err := s.app.Service.CreateQueue(context.Background(), service.Operator(orgID), service.QueueInput{Name: &name})
			if err != nil {
				t.Fatal(err)
			}
			admin := newClient(t, s)
			admin.signIn("admin@acme.test", apitest.AdminPassword)

			bad := "email,Queues\npat@acme.test,Support:1\nsam@acme.test,Support;Nowhere\n"
			p := admin.importUpload("bad.csv", bad, map[string]string{"mode": "prepare"})
			if p.Status != 422 || applyForm(p) != nil ||
				!strings.Contains(p.Body, `<td class="num">3</td><td>Queues</td><td>no queue &#34;Nowhere&#34; in this org</td>`) {
				t.Fatalf("preview of an unknown queue: %d\n%s", p.Status, p.Body)
			}
			countUsers(t, s, orgID, 0, 0)

			good := "email,Queues\npat@acme.test,Support:1\nsam@acme.test,support\n"
			form := applyForm(admin.importUpload("good.csv", good, map[string]string{"mode": "prepare"}))
			if form == nil {
				t.Fatal("no Apply form for a good file")
			}
			if p := admin.post("/people/import/apply", form, nil); p.Status != http.StatusSeeOther {
				t.Fatalf("apply: %d", p.Status)
			}
			countUsers(t, s, orgID, 0, 2)
			ms, err := s.app.Service.QueueMembers(context.Background(), service.Operator(orgID), q.ID)
			if err != nil || len(ms) != 2 || ms[0].Email != "sam@acme.test" || ms[0].Penalty != 0 ||
				ms[1].Email != "pat@acme.test" || ms[1].Penalty != 1 {
				t.Fatalf("queue members after the import: %+v %v", ms, err)
			}
		})
	}
}
