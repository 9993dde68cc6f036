package web_test

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"roster/internal/apitest"
	"roster/internal/app"
	"roster/internal/config"
	"roster/internal/roster"
	"roster/internal/service"
	"roster/internal/smtptest"
	"roster/internal/testdb"
)

// server is a whole Roster (API, console, mail worker) on a free loopback
// port, on a fresh database.
type server struct {
	t    testing.TB
	base string
	app  *app.App
	smtp *smtptest.Server // nil when emails stay in the outbox
}

// startServer runs Roster on dialect; withSMTP delivers emails to a real
// SMTP server the test reads, else they stay in the outbox.
func startServer(t testing.TB, dialect string, withSMTP bool) *server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &server{t: t, base: "http://" + ln.Addr().String()}
	cfg := config.Config{DatabaseURL: testdb.URL(t, dialect), BaseURL: s.base, MailFrom: "Roster <roster@test>",
		InviteTTL: 7 * 24 * time.Hour, ResetTTL: time.Hour, SessionTTL: time.Hour}
	if withSMTP {
		s.smtp = smtptest.Start(t)
		cfg.SMTPURL = s.smtp.URL()
	}
	log := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	a, err := app.Open(context.Background(), cfg, log, app.Options{Argon: apitest.FastArgon})
	if err != nil {
		t.Fatal(err)
	}
	s.app = a
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
		a.Close()
	})
	return s
}

// org creates an org as the operator would, with the first admin's
// password set and license pools of the given sizes, and returns its ID.
func (s *server) org(slug string, plan roster.Plan, pools map[string]int) string {
	s.t.Helper()
	ctx := context.Background()
	svc := s.app.Service
	org, _, link, err := svc.CreateOrg(ctx, service.NewOrg{Name: strings.ToUpper(slug[:1]) + slug[1:] + " Inc", Slug: slug,
		Plan: plan, AdminEmail: "Admin@" + slug + ".test", AdminFirstName: "Ada", AdminLastName: "Admin"})
	if err != nil {
		s.t.Fatal(err)
	}
	if err := svc.ResetPassword(ctx, apitest.TokenFromLink(s.t, link), apitest.AdminPassword, "127.0.0.1"); err != nil {
		s.t.Fatal(err)
	}
	for typ, n := range pools {
		if _, err := svc.SetLicensePool(ctx, org.ID, typ, poolName(typ), n); err != nil {
			s.t.Fatal(err)
		}
	}
	return org.ID
}

func poolName(typ string) string {
	return map[string]string{"power_dialer": "Power Dialer", "parallel_dialer": "Parallel Dialer"}[typ]
}

// activeUser makes an active user with a password, as if invited and
// accepted, and returns their ID.
func (s *server) activeUser(orgID, email, role, license string) string {
	s.t.Helper()
	ctx := context.Background()
	users, err := s.app.Service.Invite(ctx, service.Operator(orgID), service.InviteInput{Emails: []string{email}, Role: role,
		LicenseType: license, Send: true})
	if err != nil {
		s.t.Fatal(err)
	}
	var link string
	emails, err := s.app.DB.Reader().Emails(ctx, orgID, 1000)
	if err != nil {
		s.t.Fatal(err)
	}
	for _, e := range emails {
		if e.To == users[0].Email {
			link = e.Link
			break
		}
	}
	if _, err := s.app.Service.AcceptInvitation(ctx, service.AcceptInput{Token: apitest.TokenFromLink(s.t, link),
		FirstName: "Test", LastName: strings.Split(email, "@")[0], Password: apitest.UserPassword}); err != nil {
		s.t.Fatal(err)
	}
	return users[0].ID
}

// prepared saves users as prepared through the service.
func (s *server) prepared(orgID string, role, license string, emails ...string) []roster.User {
	s.t.Helper()
	users, err := s.app.Service.Invite(context.Background(), service.Operator(orgID), service.InviteInput{Emails: emails,
		Role: role, LicenseType: license})
	if err != nil {
		s.t.Fatal(err)
	}
	return users
}

// user reads a user's row straight from the database.
func (s *server) user(orgID, id string) (*roster.User, error) {
	return s.app.DB.Reader().User(context.Background(), orgID, id)
}

// mailTo waits for the n-th message to addr and returns its text.
func (s *server) mailTo(addr string, n int) string {
	s.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		var seen []string
		for _, m := range s.smtp.Messages() {
			for _, to := range m.To {
				if strings.EqualFold(to, addr) {
					seen = append(seen, m.Text)
				}
			}
		}
		if len(seen) >= n {
			return seen[n-1]
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("no email #%d to %s after 15 s (have %d)", n, addr, len(seen))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

var linkRE = regexp.MustCompile(`https?://[^\s"<>]+token=[A-Za-z0-9_\-]+`)

// linkIn returns the action link of an email.
func linkIn(t *testing.T, text string) string {
	t.Helper()
	m := linkRE.FindString(text)
	if m == "" {
		t.Fatalf("no link in email:\n%s", text)
	}
	return m
}

// browser is a headless Chromium for one test.
type browser struct {
	t   *testing.T
	ctx context.Context // the browser itself (first tab)
}

// chromiumPath finds the browser; missing, the test is skipped unless CI
// or ROSTER_REQUIRE_BROWSER says it must run, when it fails.
func chromiumPath(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("ROSTER_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" || os.Getenv("ROSTER_REQUIRE_BROWSER") == "1" {
		t.Fatal("Chromium is required (CI=true or ROSTER_REQUIRE_BROWSER=1) but not installed; apt-get install chromium")
	}
	t.Skip("Chromium not installed (apt-get install chromium); set ROSTER_REQUIRE_BROWSER=1 to make this a failure")
	return ""
}

// newBrowser starts Chromium with a fresh profile and every flag that keeps
// it off the network.
func newBrowser(t *testing.T) *browser {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("no-first-run", true),
		chromedp.WindowSize(1280, 800),
	)
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(alloc)
	if err := chromedp.Do(ctx); err != nil {
		cancel()
		cancelAlloc()
		t.Fatalf("start Chromium: %v", err)
	}
	t.Cleanup(func() { cancel(); cancelAlloc() })
	return &browser{t: t, ctx: ctx}
}

// tab is one signed-in (or not) person in the browser: a tab in its own
// browser context, so cookies never mix between people.
type tab struct {
	t    *testing.T
	s    *server
	ctx  context.Context
	name string
	mu   sync.Mutex
	errs []string
}

// tab opens a tab with its own cookies. Every console error, uncaught
// exception, CSP violation and failed request in it fails the test.
func (b *browser) tab(t *testing.T, s *server, name string) *tab {
	t.Helper()
	ctx, cancel := chromedp.NewContext(b.ctx, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	tb := &tab{t: t, s: s, ctx: ctx, name: name}
	if err := chromedp.Do(ctx); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Listen(ctx, tb.onEvent); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		if _, err := cdp.Call(ctx, t, network.Enable, network.EnableParams{}); err != nil {
			return err
		}
		_, err := cdp.Call(ctx, t, cdplog.Enable, cdp.Empty{})
		return err
	}), chromedp.EmulateViewport(1280, 800)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(tb.noErrors)
	return tb
}

func (tb *tab) onEvent(ev any) {
	var msg string
	switch e := ev.(type) {
	case *runtime.EventConsoleAPICalled:
		if e.Type == runtime.ConsoleAPICalledTypeError || e.Type == runtime.ConsoleAPICalledTypeWarning {
			var parts []string
			for _, a := range e.Args {
				parts = append(parts, string(a.Value)+a.Description)
			}
			msg = "console." + string(e.Type) + ": " + strings.Join(parts, " ")
		}
	case *runtime.EventExceptionThrown:
		msg = "uncaught exception: " + e.ExceptionDetails.Text
		if e.ExceptionDetails.Exception != nil {
			msg += " " + e.ExceptionDetails.Exception.Description
		}
	case *cdplog.EventEntryAdded:
		if e.Entry.Level == cdplog.EntryLevelError && !documentStatus(e.Entry) {
			msg = "browser log: " + e.Entry.Text + " " + e.Entry.URL
		}
	case *network.EventLoadingFailed:
		if !e.Canceled {
			msg = "request failed: " + e.ErrorText + " (" + string(e.Type) + ")"
		}
	case *network.EventResponseReceived:
		if e.Type != network.ResourceTypeDocument && e.Response.Status >= 400 {
			msg = fmt.Sprintf("request %s answered %d", e.Response.URL, e.Response.Status)
		}
	}
	if msg != "" {
		tb.mu.Lock()
		tb.errs = append(tb.errs, msg)
		tb.mu.Unlock()
	}
}

// documentStatus reports whether a log entry only reports that a page
// itself answered 4xx, which the console does on purpose (a refused form is
// 422, a used invitation 410, a forbidden page 403); the tests assert those
// statuses and pages themselves.
func documentStatus(e *cdplog.Entry) bool {
	return e.Source == cdplog.EntrySourceNetwork && strings.Contains(e.Text, "the server responded with a status of 4") &&
		!strings.Contains(e.URL, "/static/")
}

// noErrors fails the test on anything the browser complained about.
func (tb *tab) noErrors() {
	tb.t.Helper()
	tb.mu.Lock()
	errs := tb.errs
	tb.errs = nil
	tb.mu.Unlock()
	for _, e := range errs {
		tb.t.Errorf("%s tab: %s", tb.name, e)
	}
}

func (tb *tab) do(steps ...chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		tb.t.Fatalf("%s tab at %s: %v", tb.name, tb.location(), err)
	}
}

func run[T any](tb *tab, a chromedp.Action[T]) T {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 30*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		tb.t.Fatalf("%s tab: %v", tb.name, err)
	}
	return v
}

func (tb *tab) location() string {
	ctx, cancel := context.WithTimeout(tb.ctx, 5*time.Second)
	defer cancel()
	loc, _ := chromedp.Run(ctx, chromedp.Location())
	return loc
}

// open loads a console path and waits for the page.
func (tb *tab) open(path string) {
	tb.t.Helper()
	tb.do(chromedp.Navigate(tb.s.base + path))
	tb.noErrors()
}

// path is the current path and query.
func (tb *tab) path() string {
	return strings.TrimPrefix(tb.location(), tb.s.base)
}

// submit clicks sel, which leaves the page, and waits for the next page.
func (tb *tab) submit(sel string) {
	tb.t.Helper()
	tb.do(chromedp.Evaluate[chromedp.Void](`window.__leaving = true`),
		chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible))
	tb.waitLoad()
}

// waitLoad waits until the page that replaced the current one has loaded;
// evaluation errors while the navigation runs are expected.
func (tb *tab) waitLoad() {
	tb.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(tb.ctx, 2*time.Second)
		done, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.__leaving === undefined && document.readyState === "complete"`))
		cancel()
		if err == nil && done {
			break
		}
		if time.Now().After(deadline) {
			tb.t.Fatalf("%s tab: the next page did not load (at %s, last error %v)", tb.name, tb.location(), err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	tb.noErrors()
}

// choose picks an option of a select as a user would, firing change.
func (tb *tab) choose(sel, value string) {
	tb.t.Helper()
	tb.do(chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => { const s = document.querySelector(%q); s.value = %q;
		if (s.value !== %q) throw new Error("no option " + %q); s.dispatchEvent(new Event("change", {bubbles: true})); })()`,
		sel, value, value, value)))
}

// fill types into a field after clearing it.
func (tb *tab) fill(sel, text string) {
	tb.t.Helper()
	tb.do(chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`document.querySelector(%q).value = ""`, sel)),
		chromedp.SendKeys(chromedp.CSS(sel), text, chromedp.NodeVisible))
}

// text is the visible text of the first match of sel.
func (tb *tab) text(sel string) string {
	tb.t.Helper()
	return run(tb, chromedp.Evaluate[string](fmt.Sprintf(`(document.querySelector(%q) || {innerText: ""}).innerText`, sel)))
}

// js evaluates an expression.
func js[T any](tb *tab, expr string) T {
	tb.t.Helper()
	return run(tb, chromedp.Evaluate[T](expr))
}

// wantText fails unless sel's text contains every want.
func (tb *tab) wantText(sel string, want ...string) {
	tb.t.Helper()
	got := tb.text(sel)
	for _, w := range want {
		if !strings.Contains(got, w) {
			tb.t.Fatalf("%s tab at %s: %s does not say %q; it says:\n%s", tb.name, tb.path(), sel, w, got)
		}
	}
}

// rowMenu opens the "⋯" menu of the row or card of email and picks label.
func (tb *tab) rowMenu(email, label string) {
	tb.t.Helper()
	btn := fmt.Sprintf(`button.dots[aria-label="Actions for %s"]`, email)
	tb.do(chromedp.Click(chromedp.CSS(btn), chromedp.NodeVisible))
	item := fmt.Sprintf(`[...document.querySelectorAll("[popover]:popover-open button")].find(b => b.textContent === %q)`, label)
	if !js[bool](tb, item+` !== undefined`) {
		tb.t.Fatalf("menu of %s has no %q; it has: %s", email, label,
			js[string](tb, `[...document.querySelectorAll("[popover]:popover-open button")].map(b => b.textContent).join(", ")`))
	}
	tb.do(chromedp.Evaluate[chromedp.Void](item + `.click()`))
	tb.do(chromedp.Poll[chromedp.Void](`document.querySelector("dialog[open]")`))
}

// axeSource is axe-core from npm (test tooling only).
var axeSource = sync.OnceValues(func() (string, error) {
	b, err := os.ReadFile(filepath.Join("..", "..", "node_modules", "axe-core", "axe.min.js"))
	return string(b), err
})

// check runs axe-core on the page and fails on serious or critical
// violations, then screenshots it at desktop and phone sizes.
func (tb *tab) check(name string) {
	tb.t.Helper()
	src, err := axeSource()
	if err != nil {
		if os.Getenv("CI") == "true" || os.Getenv("ROSTER_REQUIRE_BROWSER") == "1" {
			tb.t.Fatalf("axe-core missing (run npm ci): %v", err)
		}
		tb.t.Logf("axe-core not installed (npm ci); accessibility not checked: %v", err)
	} else {
		tb.do(chromedp.Evaluate[chromedp.Void](src))
		found := run(tb, chromedp.Evaluate[[]string](`axe.run(document, {resultTypes: ["violations"]}).then(r => r.violations
			.filter(v => v.impact === "serious" || v.impact === "critical")
			.map(v => v.impact + " " + v.id + ": " + v.help + " at " + v.nodes.slice(0, 3).map(n => n.target.join(" ")).join(", ")))`,
			chromedp.EvalAwaitPromise))
		for _, v := range found {
			tb.t.Errorf("axe on %s (%s): %s", name, tb.path(), v)
		}
	}
	tb.screenshot(name)
	tb.noErrors()
}

// screenshotDir is where screenshots go: ROSTER_SCREENSHOTS, else a
// folder in the temporary directory that the test names in its log.
var screenshotDir = sync.OnceValue(func() string {
	dir := os.Getenv("ROSTER_SCREENSHOTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "roster-screenshots")
	}
	_ = os.MkdirAll(dir, 0o755)
	fmt.Fprintf(os.Stderr, "console screenshots: %s\n", dir)
	return dir
})

func (tb *tab) screenshot(name string) {
	tb.t.Helper()
	dir := screenshotDir()
	for _, size := range []struct {
		suffix string
		w, h   int64
		mobile bool
	}{{"desktop", 1280, 800, false}, {"phone", 390, 844, true}} {
		opts := []chromedp.EmulateViewportOption{}
		if size.mobile {
			opts = append(opts, chromedp.EmulateScale(1), chromedp.EmulatePortrait)
		}
		tb.do(chromedp.EmulateViewport(size.w, size.h, opts...))
		png := run(tb, chromedp.CaptureScreenshot())
		file := filepath.Join(dir, fmt.Sprintf("%s-%s.png", name, size.suffix))
		if err := os.WriteFile(file, png, 0o644); err != nil {
			tb.t.Fatal(err)
		}
	}
	tb.do(chromedp.EmulateViewport(1280, 800))
	tb.t.Logf("screenshots of %s in %s", name, dir)
}

// signIn signs in through the login page.
func (tb *tab) signIn(email, password string) {
	tb.t.Helper()
	tb.open("/login")
	tb.fill("#email", email)
	tb.fill("#password", password)
	tb.submit("form[action='/login'] button")
}
