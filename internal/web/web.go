// Package web is Roster's admin console: server-rendered pages over the
// service layer, with templates and assets embedded and served from an
// fs.FS. Pages work as plain HTML forms; a small script opens the dialogs
// and checks seats while an admin types. Handlers live one file per page.
package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"roster/internal/api"
	"roster/internal/roster"
	"roster/internal/service"
)

//go:embed templates static
var embedded embed.FS

// Options configure the console.
type Options struct {
	Service *service.Service
	// API issues and clears the session cookie, so that the console and
	// the REST API share one sign-in.
	API    *api.API
	Logger *slog.Logger
	// Outbox shows the operator the emails Roster keeps because no SMTP
	// server is configured; off when emails really leave.
	Outbox bool
	// SecureCookies marks the console's cookies Secure (served over https).
	SecureCookies bool
	// Wake nudges the outbox worker after a request queued email.
	Wake func()
	// Files replaces the embedded templates and assets (tests).
	Files fs.FS
}

// Console serves the admin console.
type Console struct {
	opt    Options
	svc    *service.Service
	log    *slog.Logger
	pages  map[string]*template.Template
	static fs.FS
	// assetVersion maps an asset's name to a hash of its content, so that
	// links to it change whenever it does and browsers may cache forever.
	assetVersion map[string]string
}

// pageNames are the page templates; each is parsed with the layout at
// start-up, so a broken template stops the server from starting.
var pageNames = []string{"login", "forgot", "reset", "accept", "people", "user", "licenses", "roles", "audit",
	"outbox", "error", "phone", "voicemail", "phone_apps", "phone_numbers", "directory",
	"role", "teams", "team", "myteam", "queues", "queue", "reports", "integrations", "people_import"}

// New parses every template and hashes every asset. A template that does
// not parse is an error.
func New(opt Options) (*Console, error) {
	if opt.Logger == nil {
		opt.Logger = slog.Default()
	}
	if opt.Wake == nil {
		opt.Wake = func() {}
	}
	files := opt.Files
	if files == nil {
		files = embedded
	}
	c := &Console{opt: opt, svc: opt.Service, log: opt.Logger, pages: map[string]*template.Template{},
		assetVersion: map[string]string{}}
	static, err := fs.Sub(files, "static")
	if err != nil {
		return nil, err
	}
	c.static = static
	err = fs.WalkDir(static, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(static, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		c.assetVersion[p] = hex.EncodeToString(sum[:6])
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, name := range pageNames {
		t, err := template.New(name).Funcs(c.funcs()).ParseFS(files, "templates/layout.html", "templates/parts*.html",
			"templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("console template %s: %w", name, err)
		}
		c.pages[name] = t
	}
	return c, nil
}

// Register adds the console's pages to mux. The API's routes are more
// specific and win over the console's catch-all.
func (c *Console) Register(mux *http.ServeMux) {
	for _, rt := range append(c.routes(), c.orgRoutes()...) {
		mux.Handle(rt.pattern, c.secure(rt.h))
	}
	mux.Handle("GET /static/", c.secure(http.HandlerFunc(c.serveStatic)))
	// Browsers ask for /favicon.ico on pages that name no icon (e.g. a
	// plain-text error); answer with the console's icon.
	mux.Handle("GET /favicon.ico", c.secure(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/svg+xml")
		http.ServeFileFS(w, r, c.static, "favicon.svg")
	})))
}

type route struct {
	pattern string
	h       http.Handler
}

// routes lists every console path. Pages of other areas (teams, queues,
// phone settings, import/export) add their lines here and their entry to
// navItems.
func (c *Console) routes() []route {
	return []route{
		{"GET /{$}", c.public(c.home)},
		{"GET /login", c.public(c.loginPage)},
		{"POST /login", c.public(c.loginSubmit)},
		{"POST /logout", c.authed(c.logout)},
		{"GET /password/forgot", c.public(c.forgotPage)},
		{"POST /password/forgot", c.public(c.forgotSubmit)},
		{"GET /password/reset", c.public(c.resetPage)},
		{"POST /password/reset", c.public(c.resetSubmit)},
		{"GET /invite/accept", c.public(c.acceptPage)},
		{"POST /invite/accept", c.public(c.acceptSubmit)},
		{"GET /people", c.authed(c.peoplePage)},
		{"POST /people/invite", c.authed(c.inviteSubmit)},
		{"POST /people/send-invites", c.authed(c.sendInvitesSubmit)},
		// Export and import: people_export.go, people_import.go.
		{"GET /people/export", c.authed(c.exportPeople)},
		{"GET /people/import", c.authed(c.importPage)},
		{"POST /people/import", c.authed(c.importPreview)},
		{"POST /people/import/apply", c.authed(c.importApply)},
		{"GET /people/{id}", c.authed(c.userPage)},
		{"POST /people/{id}/role", c.authed(c.roleSubmit)},
		{"POST /people/{id}/name", c.authed(c.nameSubmit)},
		{"POST /people/{id}/disable", c.authed(c.disableSubmit)},
		{"POST /people/{id}/enable", c.authed(c.enableSubmit)},
		{"POST /people/{id}/reset-password", c.authed(c.resetPasswordSubmit)},
		{"POST /people/{id}/delete", c.authed(c.deleteSubmit)},
		{"POST /people/{id}/send-invite", c.authed(c.sendInviteSubmit)},
		{"POST /people/{id}/resend", c.authed(c.resendSubmit)},
		{"POST /people/{id}/cancel", c.authed(c.cancelSubmit)},
		{"GET /licenses", c.authed(c.licensesPage)},
		{"GET /roles", c.authed(c.rolesPage)},
		{"GET /audit", c.authed(c.auditPage)},
		{"GET /outbox", c.authed(c.outboxPage)},
		// Phone identity: phone.go, phone_voicemail.go, phone_apps.go,
		// phone_numbers.go, directory.go.
		{"GET /me/phone", c.authed(c.phonePage)},
		{"POST /me/phone", c.authed(c.phoneSubmit)},
		{"GET /people/{id}/phone", c.authed(c.phonePage)},
		{"POST /people/{id}/phone", c.authed(c.phoneSubmit)},
		{"GET /people/{id}/phone/greeting", c.authed(c.greetingFile)},
		{"POST /people/{id}/phone/greeting", c.authed(c.greetingSubmit)},
		{"POST /people/{id}/phone/greeting/reset", c.authed(c.greetingResetSubmit)},
		{"GET /people/{id}/phone/apps", c.authed(c.appsPage)},
		{"POST /people/{id}/phone/apps", c.authed(c.appsSubmit)},
		{"GET /people/{id}/phone/apps/mobile.png", c.authed(c.mobileQR)},
		{"GET /people/{id}/voicemail", c.authed(c.voicemailPage)},
		{"GET /phone-numbers", c.authed(c.numbersPage)},
		{"POST /phone-numbers", c.authed(c.numberAddSubmit)},
		{"POST /phone-numbers/{id}", c.authed(c.numberUpdateSubmit)},
		{"POST /phone-numbers/{id}/delete", c.authed(c.numberDeleteSubmit)},
		{"GET /directory", c.authed(c.directoryPage)},
		{"POST /directory/settings", c.authed(c.directorySettingsSubmit)},
		{"/", c.public(func(w http.ResponseWriter, r *http.Request, _ *session) error {
			return roster.Errorf(roster.KindNotFound, "there is no page at %s", r.URL.Path)
		})},
	}
}

// csp allows scripts, styles and images from Roster itself only: no inline
// script or style, no framing, forms post only back to Roster.
const csp = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
	"form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// secure adds the headers every console response carries. Links with
// tokens (reset, accept) must not leak through Referer.
func (c *Console) secure(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", csp)
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Referrer-Policy", "no-referrer")
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.ServeHTTP(w, r)
	})
}

func (c *Console) serveStatic(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimPrefix(r.URL.Path, "/static/")
	v, ok := c.assetVersion[name]
	if !ok {
		http.NotFound(w, r)
		return
	}
	if r.URL.Query().Get("v") == v {
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		w.Header().Set("Cache-Control", "no-cache")
	}
	http.ServeFileFS(w, r, c.static, name)
}

// session is the signed-in caller of an authenticated page.
type session struct {
	P  *service.Principal
	Me *service.Me
}

// can reports whether the caller holds perm.
func (s *session) can(perm roster.Permission) bool {
	return s != nil && s.P != nil && (s.P.Operator || s.P.Permissions.Has(perm))
}

// handlerFunc is a console handler that returns its error for one place to
// render.
type handlerFunc func(w http.ResponseWriter, r *http.Request, s *session) error

func (c *Console) public(h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r, nil); err != nil {
			c.fail(w, r, nil, err)
		}
	})
}

// authed resolves the session cookie; without a valid one the browser goes
// to the sign-in page and comes back afterwards.
func (c *Console) authed(h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ck, err := r.Cookie(api.SessionCookie)
		if err != nil || ck.Value == "" {
			c.toLogin(w, r)
			return
		}
		p, err := c.svc.Authenticate(r.Context(), ck.Value, api.ClientIP(r))
		if err != nil {
			if roster.ErrorKind(err) == roster.KindUnauthenticated {
				c.opt.API.ClearSessionCookie(w)
				c.toLogin(w, r)
				return
			}
			c.fail(w, r, nil, err)
			return
		}
		me, err := c.svc.Me(r.Context(), p)
		if err != nil {
			c.fail(w, r, nil, err)
			return
		}
		s := &session{P: p, Me: me}
		if err := h(w, r, s); err != nil {
			c.fail(w, r, s, err)
		}
	})
}

func (c *Console) toLogin(w http.ResponseWriter, r *http.Request) {
	target := "/login"
	if r.Method == http.MethodGet && r.URL.Path != "/" {
		target += "?next=" + url.QueryEscape(r.URL.RequestURI())
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// fail renders err as an error page with the status its kind maps to.
func (c *Console) fail(w http.ResponseWriter, r *http.Request, s *session, err error) {
	status := api.Status(err)
	msg := "Something went wrong on our side. Try again in a moment."
	var re *roster.Error
	if errors.As(err, &re) {
		msg = re.Message
	}
	if status >= 500 {
		c.log.Error("console request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	c.render(w, r, s, status, "error", http.StatusText(status), map[string]any{"Status": status, "Message": msg})
}

// view is what every page template receives.
type view struct {
	Title string
	S     *session
	Nav   []navItem
	Path  string
	Flash *flash
	Data  any
}

// navItem is one entry of the console's navigation.
type navItem struct {
	Href, Label string
	Current     bool
}

// navItems lists the pages the caller may open, in menu order.
func (c *Console) navItems(s *session, current string) []navItem {
	if s == nil {
		return nil
	}
	var items []navItem
	add := func(href, label string, ok bool) {
		if ok {
			items = append(items, navItem{href, label, current == href || strings.HasPrefix(current, href+"/")})
		}
	}
	add("/people", "People", s.can(roster.PermUsersRead))
	add("/licenses", "Licenses", s.can(roster.PermLicensesView))
	add("/roles", "Roles", s.can(roster.PermUsersRead))
	add("/teams", "Teams", s.can(roster.PermUsersRead))
	add("/my-team", "My Team", s.can(roster.PermAnalyticsViewTeam))
	add("/queues", "Queues", s.can(roster.PermUsersRead))
	add("/reports", "Reports", s.can(roster.PermUsersRead))
	add("/integrations", "Integrations", s.can(roster.PermUsersRead) || s.can(roster.PermIntegrationsManage))
	add("/audit", "Audit log", s.can(roster.PermAuditView))
	add("/outbox", "Outbox", c.opt.Outbox && s.can(roster.PermSettingsManage))
	add("/phone-numbers", "Phone numbers", s.can(roster.PermTelephonyManage))
	add("/directory", "Directory", true)
	add("/me/phone", "My phone", s.P.UserID != "")
	if !s.can(roster.PermUsersRead) {
		add("/people/"+s.P.UserID, "My profile", true)
	}
	return items
}

// render executes a page into a buffer first, so a template error never
// leaves half a page on the wire.
func (c *Console) render(w http.ResponseWriter, r *http.Request, s *session, status int, page, title string, data any) {
	v := view{Title: title, S: s, Nav: c.navItems(s, r.URL.Path), Path: r.URL.RequestURI(), Flash: c.takeFlash(w, r), Data: data}
	var buf bytes.Buffer
	if err := c.pages[page].ExecuteTemplate(&buf, "layout", v); err != nil {
		c.log.Error("console template failed", "page", page, "err", err)
		http.Error(w, "the page could not be shown", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

func (c *Console) funcs() template.FuncMap {
	fm := template.FuncMap{
		"asset": func(name string) string {
			return "/static/" + name + "?v=" + c.assetVersion[name]
		},
		"when": func(t any) string {
			switch v := t.(type) {
			case time.Time:
				if v.IsZero() {
					return ""
				}
				return v.UTC().Format("2 Jan 2006 15:04 UTC")
			case *time.Time:
				if v == nil {
					return "Never"
				}
				return v.UTC().Format("2 Jan 2006 15:04 UTC")
			}
			return ""
		},
		"iso": func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
		"title": func(s roster.Status) string {
			if s == "" {
				return ""
			}
			return strings.ToUpper(string(s[:1])) + string(s[1:])
		},
		"json": func(v any) string {
			if v == nil {
				return "—"
			}
			b, err := json.Marshal(v)
			if err != nil {
				return "?"
			}
			return string(b)
		},
		"expired": func(t time.Time) bool { return !c.svc.Now().Before(t) },
	}
	for k, v := range partFuncs() {
		fm[k] = v
	}
	for k, v := range phoneFuncs() {
		fm[k] = v
	}
	for k, v := range orgFuncs() {
		fm[k] = v
	}
	return fm
}

// formError is a form's problem: a message and per-field messages.
type formError struct {
	Message string
	Fields  map[string]string
}

// toFormError turns a service error into what a form shows; errors that
// are not Roster errors stay errors (they are ours, not the user's).
func toFormError(err error) (*formError, bool) {
	var re *roster.Error
	if !errors.As(err, &re) || api.Status(err) >= 500 {
		return nil, false
	}
	fe := &formError{Message: re.Message, Fields: map[string]string{}}
	for _, f := range re.Fields {
		if _, dup := fe.Fields[f.Field]; !dup {
			fe.Fields[f.Field] = f.Message
		}
	}
	return fe, true
}

// message is the user-facing text of a Roster error.
func message(err error) string {
	var re *roster.Error
	if errors.As(err, &re) {
		return re.Message
	}
	return err.Error()
}

// maxForm bounds a console form body; the largest is a pasted list of up
// to 1000 addresses.
const maxForm = 1 << 20

// parseForm reads a posted form, refusing oversized bodies.
func parseForm(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	if err := r.ParseForm(); err != nil {
		return roster.Errorf(roster.KindInvalid, "the form could not be read")
	}
	return nil
}

// localPath returns p when it is a path on this site ("/people?tab=x"),
// else fallback, so redirects after forms can never leave Roster.
func localPath(p, fallback string) string {
	if p == "" || !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.HasPrefix(p, "/\\") ||
		strings.ContainsAny(p, "\r\n") {
		return fallback
	}
	u, err := url.Parse(p)
	if err != nil || u.Scheme != "" || u.Host != "" {
		return fallback
	}
	return p
}
