package web_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"roster/internal/apitest"
	"roster/internal/roster"
	"roster/internal/testdb"
)

// client is a cookie-keeping HTTP client that does not follow redirects,
// so tests see where the console sends the browser.
type client struct {
	t testing.TB
	s *server
	c *http.Client
}

func newClient(t testing.TB, s *server) *client {
	c := apitest.NewBrowser()
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &client{t: t, s: s, c: c}
}

type page struct {
	Status int
	Header http.Header
	Body   string
}

func (c *client) get(path string) page {
	c.t.Helper()
	return c.do("GET", path, nil, nil)
}

func (c *client) post(path string, form url.Values, header map[string]string) page {
	c.t.Helper()
	return c.do("POST", path, form, header)
}

func (c *client) do(method, path string, form url.Values, header map[string]string) page {
	c.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, c.s.base+path, body)
	if err != nil {
		c.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
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

func (c *client) signIn(email, password string) {
	c.t.Helper()
	p := c.post("/login", url.Values{"email": {email}, "password": {password}}, nil)
	if p.Status != http.StatusSeeOther {
		c.t.Fatalf("sign in as %s: status %d: %s", email, p.Status, p.Body)
	}
}

// TestNonAdminRefused: menu items a user cannot use are absent, and the
// server refuses the actions anyway, changing nothing.
func TestNonAdminRefused(t *testing.T) {
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) {
			s := startServer(t, dialect, false)
			orgID := s.org("acme", roster.PlanStandard, map[string]int{"power_dialer": 5})
			target := s.activeUser(orgID, "target@acme.test", "agent", "power_dialer")
			s.activeUser(orgID, "manager@acme.test", "manager", "")
			s.activeUser(orgID, "agent@acme.test", "agent", "")

			mgr := newClient(t, s)
			mgr.signIn("manager@acme.test", apitest.UserPassword)
			p := mgr.get("/people")
			if p.Status != http.StatusOK || !strings.Contains(p.Body, "target@acme.test") {
				t.Fatalf("manager's people page: %d", p.Status)
			}
			for _, absent := range []string{"Invite people", `class="dots"`, "dlg-disable", `href="/audit"`} {
				if strings.Contains(p.Body, absent) {
					t.Errorf("manager's people page offers %q", absent)
				}
			}
			agent := newClient(t, s)
			agent.signIn("agent@acme.test", apitest.UserPassword)
			if p := agent.get("/people"); p.Status != http.StatusForbidden || !strings.Contains(p.Body, "users.read") {
				t.Errorf("agent's /people: %d", p.Status)
			}
			if p := agent.get("/"); p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Header.Get("Location"), "/people/") {
				t.Errorf("agent's / goes to %q", p.Header.Get("Location"))
			}
			if p := agent.get("/people/" + target); p.Status != http.StatusForbidden {
				t.Errorf("agent reading another user: %d", p.Status)
			}

			for _, c := range []*client{mgr, agent} {
				for _, action := range []string{"disable", "delete", "role", "reset-password"} {
					p := c.post("/people/"+target+"/"+action, url.Values{"role": {"admin"}, "back": {"/people"}}, nil)
					if p.Status != http.StatusForbidden {
						t.Errorf("POST %s by a non-admin: %d", action, p.Status)
					}
				}
				p := c.post("/people/invite", url.Values{"emails": {"new@acme.test"}, "mode": {"send"}}, nil)
				if p.Status != http.StatusForbidden {
					t.Errorf("invite by a non-admin: %d", p.Status)
				}
			}
			u, err := s.user(orgID, target)
			if err != nil || u.Status != roster.StatusActive || u.Role != "agent" {
				t.Fatalf("target after refused actions: %+v %v", u, err)
			}
			if n, _ := s.app.DB.Reader().UsersByEmails(context.Background(), orgID, []string{"new@acme.test"}); len(n) != 0 {
				t.Fatal("a refused invitation created a user")
			}
		})
	}
}

// TestSecurityHeaders: CSP without inline scripts, cookie flags, and
// cross-origin form posts refused.
func TestSecurityHeaders(t *testing.T) {
	s := startServer(t, "sqlite", false)
	s.org("acme", roster.PlanStandard, nil)
	c := newClient(t, s)
	p := c.get("/login")
	csp := p.Header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") || !strings.Contains(csp, "frame-ancestors 'none'") {
		t.Errorf("CSP %q", csp)
	}
	if strings.Contains(p.Body, "<script>") || regexp.MustCompile(`\son[a-z]+=`).MatchString(p.Body) || strings.Contains(p.Body, "style=") {
		t.Error("login page has inline script, handler or style")
	}
	if p.Header.Get("Referrer-Policy") != "no-referrer" {
		t.Error("token links could leak through Referer")
	}
	res := c.post("/login", url.Values{"email": {"admin@acme.test"}, "password": {apitest.AdminPassword}}, nil)
	ck := res.Header.Get("Set-Cookie")
	if !strings.Contains(ck, "roster_session=") || !strings.Contains(ck, "HttpOnly") || !strings.Contains(ck, "SameSite=Lax") {
		t.Errorf("session cookie %q", ck)
	}
	// A form posted from another site is refused before it does anything.
	evil := c.post("/people/invite", url.Values{"emails": {"x@evil.test"}, "mode": {"send"}},
		map[string]string{"Origin": "https://evil.test", "Sec-Fetch-Site": "cross-site"})
	if evil.Status != http.StatusForbidden {
		t.Errorf("cross-origin post: %d", evil.Status)
	}
	// Wrong password: 401, the email is kept, nothing else is said.
	bad := newClient(t, s).post("/login", url.Values{"email": {"Admin@Acme.test"}, "password": {"nope nope nope"}}, nil)
	if bad.Status != http.StatusUnauthorized || !strings.Contains(bad.Body, `value="Admin@Acme.test"`) {
		t.Errorf("bad password: %d", bad.Status)
	}
	// Redirects after sign-in stay on this site.
	off := newClient(t, s).post("/login", url.Values{"email": {"admin@acme.test"}, "password": {apitest.AdminPassword},
		"next": {"//evil.test/x"}}, nil)
	if loc := off.Header.Get("Location"); loc != "/" {
		t.Errorf("next=//evil.test sent the browser to %q", loc)
	}
}

// TestPeoplePageWeight: a page of 50 people ships under 100 KB of HTML,
// CSS and JavaScript together.
func TestPeoplePageWeight(t *testing.T) {
	s := startServer(t, "sqlite", false)
	orgID := s.org("acme", roster.PlanStandard, map[string]int{"power_dialer": 100, "parallel_dialer": 100})
	var emails []string
	for i := range 60 {
		emails = append(emails, "person"+string(rune('a'+i/26))+string(rune('a'+i%26))+"@a-rather-long-company-domain.example")
	}
	s.prepared(orgID, "agent", "power_dialer", emails...)
	c := newClient(t, s)
	c.signIn("admin@acme.test", apitest.AdminPassword)
	p := c.get("/people?tab=prepared")
	if n := strings.Count(p.Body, `<tr>`) - 1; n != 50 {
		t.Fatalf("%d rows on the page, want 50", n)
	}
	total := len(p.Body)
	for _, m := range regexp.MustCompile(`(?:href|src)="(/static/[^"]+)"`).FindAllStringSubmatch(p.Body, -1) {
		a := c.get(strings.ReplaceAll(m[1], "&amp;", "&"))
		if a.Status != http.StatusOK {
			t.Fatalf("%s: %d", m[1], a.Status)
		}
		total += len(a.Body)
	}
	t.Logf("people page with 50 rows: %d bytes of HTML, %d bytes in all", len(p.Body), total)
	if total >= 100_000 {
		t.Fatalf("the people page ships %d bytes, want < 100 KB", total)
	}
}

// TestBadInputIsRefused: malformed or unknown input to console pages and
// forms gets a clear 4xx page (or a redirect carrying the reason) and
// changes nothing; nothing answers 500.
func TestBadInputIsRefused(t *testing.T) {
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) {
			s := startServer(t, dialect, false)
			orgID := s.org("acme", roster.PlanStandard, map[string]int{"power_dialer": 1})
			c := newClient(t, s)
			c.signIn("admin@acme.test", apitest.AdminPassword)

			p := c.post("/people/invite", url.Values{"emails": {"a@acme.test"}, "role": {"bogus"}, "mode": {"send"},
				"back": {"/people"}}, nil)
			if p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.Body, "no role &#34;bogus&#34;") ||
				!strings.Contains(p.Body, ">a@acme.test</textarea>") {
				t.Errorf("unknown role: %d", p.Status)
			}
			p = c.post("/people/invite", url.Values{"emails": {"a@acme.test"}, "license": {"nope"}, "mode": {"send"}}, nil)
			if p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.Body, "no license type") {
				t.Errorf("unknown license: %d", p.Status)
			}
			p = c.post("/people/invite", url.Values{"emails": {""}, "mode": {"send"}}, nil)
			if p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.Body, "at least one email") {
				t.Errorf("no addresses: %d", p.Status)
			}
			huge := strings.Repeat("x@acme.test ", 100_000)
			if p := c.post("/people/invite", url.Values{"emails": {huge}}, nil); p.Status != http.StatusUnprocessableEntity {
				t.Errorf("1 MB form: %d", p.Status)
			}
			if p := c.post("/people/send-invites", url.Values{"ids": {"no-such-user"}, "back": {"/people?tab=prepared"}}, nil); p.Status != http.StatusSeeOther || p.Header.Get("Location") != "/people?tab=prepared" {
				t.Errorf("sending to an unknown user: %d %s", p.Status, p.Header.Get("Location"))
			}
			for _, path := range []string{"/people/not-a-uuid/disable", "/people/01900000-0000-7000-8000-000000000000/enable",
				"/people/x/resend", "/people/x/cancel", "/people/x/delete", "/people/x/send-invite"} {
				p := c.post(path, url.Values{"back": {"https://evil.test/"}}, nil)
				if p.Status != http.StatusSeeOther || p.Header.Get("Location") != "/people" {
					t.Errorf("POST %s: %d to %q", path, p.Status, p.Header.Get("Location"))
				}
			}
			for path, want := range map[string]int{
				"/people?cursor=garbage":          http.StatusOK,
				"/people?tab=nonsense&sort=drop":  http.StatusSeeOther,
				"/people/not-a-uuid":              http.StatusNotFound,
				"/audit?cursor=garbage&from=zzz":  http.StatusOK,
				"/audit?actor=nobody@acme.test":   http.StatusOK,
				"/invite/accept":                  http.StatusGone,
				"/invite/accept?token=rsi_forged": http.StatusGone,
				"/no/such/page":                   http.StatusNotFound,
				"/static/nope.js":                 http.StatusNotFound,
			} {
				if p := c.get(path); p.Status != want {
					t.Errorf("GET %s: %d, want %d", path, p.Status, want)
				}
			}
			reset := c.post("/password/reset", url.Values{"token": {"rsr_forged"}, "password": {"fine long phrase"},
				"password_again": {"fine long phrase"}}, nil)
			if reset.Status != http.StatusGone {
				t.Errorf("forged reset token: %d", reset.Status)
			}
			counts, err := s.app.DB.Reader().CountUsersByStatus(context.Background(), orgID)
			if err != nil || counts[roster.StatusActive] != 1 || len(counts) != 1 {
				t.Fatalf("refused input changed users: %v %v", counts, err)
			}
		})
	}
}

// TestLoginSeveralOrgs: an email with accounts in two orgs is asked which
// one, keeping what was typed, and then signs in to that one.
func TestLoginSeveralOrgs(t *testing.T) {
	s := startServer(t, "sqlite", false)
	a := s.org("alpha", roster.PlanStandard, nil)
	bID := s.org("beta", roster.PlanStandard, nil)
	s.activeUser(a, "dup@x.test", "agent", "")
	inBeta := s.activeUser(bID, "dup@x.test", "agent", "")
	c := newClient(t, s)
	p := c.post("/login", url.Values{"email": {"Dup@X.test"}, "password": {apitest.UserPassword}}, nil)
	if p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.Body, `id="org"`) ||
		!strings.Contains(p.Body, `value="Dup@X.test"`) {
		t.Fatalf("ambiguous email: %d", p.Status)
	}
	p = c.post("/login", url.Values{"email": {"Dup@X.test"}, "password": {apitest.UserPassword}, "org": {"beta"}}, nil)
	if p.Status != http.StatusSeeOther {
		t.Fatalf("with org: %d %s", p.Status, p.Body)
	}
	if loc := c.get("/").Header.Get("Location"); loc != "/people/"+inBeta {
		t.Fatalf("signed in to %s, want beta's user", loc)
	}
}
