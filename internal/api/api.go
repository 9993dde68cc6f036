// Package api serves Roster's REST JSON API under /api/v1, plus health and
// metrics endpoints. Handlers return errors; one wrapper renders them as
// RFC 9457 problems.
package api

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"roster/internal/roster"
	"roster/internal/service"
)

// SessionCookie is the name of the session cookie.
const SessionCookie = "roster_session"

// Options configure the API.
type Options struct {
	Service       *service.Service
	Logger        *slog.Logger
	Metrics       *Metrics
	SecureCookies bool
	// Ready reports whether the server can take traffic (database up,
	// schema current).
	Ready func(ctx context.Context) error
	// Wake nudges the outbox worker after a request queued email.
	Wake func()
}

// API is the REST API.
type API struct {
	opt Options
	svc *service.Service
	log *slog.Logger
}

// New returns the API.
func New(opt Options) *API {
	if opt.Logger == nil {
		opt.Logger = slog.Default()
	}
	if opt.Wake == nil {
		opt.Wake = func() {}
	}
	return &API{opt: opt, svc: opt.Service, log: opt.Logger}
}

// handlerFunc is a handler that returns its error instead of writing it.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// Route is one registered endpoint.
type Route struct {
	Method, Path string
	// Public routes need no credentials; the rest need a session or token
	// and check a permission in the service.
	Public  bool
	handler handlerFunc
}

// Routes returns every API route, for registration and for the test that
// compares them with the OpenAPI document. Each area of the API lists its
// own routes next to its handlers.
func (a *API) Routes() []Route {
	return slices.Concat(a.coreRoutes(), a.bulkRoutes(), a.orgRoutes(), a.phoneRoutes())
}

// coreRoutes are sign-in, people, invitations and the org's catalogue.
func (a *API) coreRoutes() []Route {
	return []Route{
		{"GET", "/api/v1/openapi.json", true, a.openAPI},
		{"POST", "/api/v1/auth/login", true, a.login},
		{"POST", "/api/v1/auth/logout", false, a.logout},
		{"POST", "/api/v1/auth/password/forgot", true, a.forgotPassword},
		{"POST", "/api/v1/auth/password/reset", true, a.resetPassword},
		{"GET", "/api/v1/me", false, a.me},
		{"GET", "/api/v1/users", false, a.listUsers},
		{"GET", "/api/v1/users/{id}", false, a.getUser},
		{"PATCH", "/api/v1/users/{id}", false, a.updateUser},
		{"DELETE", "/api/v1/users/{id}", false, a.deleteUser},
		{"POST", "/api/v1/users/{id}/invite", false, a.inviteUser},
		{"POST", "/api/v1/users/{id}/deactivate", false, a.deactivateUser},
		{"POST", "/api/v1/users/{id}/reactivate", false, a.reactivateUser},
		{"POST", "/api/v1/users/{id}/password-reset", false, a.adminPasswordReset},
		{"GET", "/api/v1/invitations", false, a.listInvitations},
		{"POST", "/api/v1/invitations", false, a.createInvitations},
		{"POST", "/api/v1/invitations/send", false, a.sendInvitations},
		{"POST", "/api/v1/invitations/accept", true, a.acceptInvitation},
		{"POST", "/api/v1/invitations/{id}/resend", false, a.resendInvitation},
		{"DELETE", "/api/v1/invitations/{id}", false, a.cancelInvitation},
		{"GET", "/api/v1/licenses", false, a.licenses},
		{"GET", "/api/v1/roles", false, a.roles},
		{"GET", "/api/v1/permissions", false, a.permissions},
		{"GET", "/api/v1/audit-events", false, a.auditEvents},
	}
}

// Register adds the API's routes, health checks and metrics to mux.
func (a *API) Register(mux *http.ServeMux) {
	for _, rt := range a.Routes() {
		pattern := rt.Method + " " + rt.Path
		h := a.wrap(rt)
		if a.opt.Metrics != nil {
			h = a.opt.Metrics.Instrument(pattern, h)
		}
		mux.Handle(pattern, h)
	}
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		_ = writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /readyz", a.readyz)
	if a.opt.Metrics != nil {
		mux.Handle("GET /metrics", a.opt.Metrics.Handler())
	}
	// Anything else under /api/ is a JSON 404, not the console's HTML one.
	mux.Handle("/api/", a.wrap(Route{handler: func(w http.ResponseWriter, r *http.Request) error {
		return roster.Errorf(roster.KindNotFound, "no such endpoint: %s %s", r.Method, r.URL.Path)
	}, Public: true}))
}

func (a *API) readyz(w http.ResponseWriter, r *http.Request) {
	if a.opt.Ready != nil {
		ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
		defer cancel()
		if err := a.opt.Ready(ctx); err != nil {
			_ = writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "reason": err.Error()})
			return
		}
	}
	_ = writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

type ctxKey struct{}

// principal returns the request's authenticated principal (nil on public routes).
func principal(r *http.Request) *service.Principal {
	p, _ := r.Context().Value(ctxKey{}).(*service.Principal)
	return p
}

// wrap authenticates (unless public), runs the handler and renders its error.
func (a *API) wrap(rt Route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Content-Type-Options", "nosniff")
		if err := checkURLText(r); err != nil {
			writeProblem(w, r, a.log, err)
			return
		}
		if !rt.Public {
			p, err := a.authenticate(r)
			if err != nil {
				writeProblem(w, r, a.log, err)
				return
			}
			r = r.WithContext(context.WithValue(r.Context(), ctxKey{}, p))
		}
		rs := &responseState{ResponseWriter: w}
		if err := rt.handler(rs, r); err != nil {
			if rs.started || r.Context().Err() != nil {
				a.logUnanswerable(r, rs, err)
				if !rs.started {
					// No one reads it; the request metrics count it as what
					// it was rather than as a 200.
					rs.WriteHeader(statusClientClosed)
					return
				}
				// Cut the connection rather than end the body as if it
				// were whole: a client would take a list cut short for
				// the whole of it. net/http logs nothing for this panic.
				panic(http.ErrAbortHandler)
			}
			writeProblem(w, r, a.log, err)
		}
	})
}

// statusClientClosed is the status of a request whose client went away
// before it was answered: nginx's 499, "client closed request".
const statusClientClosed = 499

// responseState notes whether a handler began its response and the first
// error writing it, so that wrap neither answers twice nor blames the
// server for a client that went away.
type responseState struct {
	http.ResponseWriter
	started  bool
	writeErr error
}

func (s *responseState) WriteHeader(code int) {
	s.started = true
	s.ResponseWriter.WriteHeader(code)
}

func (s *responseState) Write(b []byte) (int, error) {
	s.started = true
	n, err := s.ResponseWriter.Write(b)
	if err != nil && s.writeErr == nil {
		s.writeErr = err
	}
	return n, err
}

func (s *responseState) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// logUnanswerable logs a handler's error that no problem can answer: one
// that came after the status went out (a list failing half-way, say;
// exports log and cut their own, sheet.Download), or one of a
// request whose client has gone (its context is cancelled when the
// connection closes, which fails the database call in progress). A client
// that closed its connection or gave up is no fault of the server's.
func (a *API) logUnanswerable(r *http.Request, rs *responseState, err error) {
	if (rs.writeErr != nil && errors.Is(err, rs.writeErr)) || r.Context().Err() != nil {
		a.log.Debug("client went away", "method", r.Method, "path", r.URL.Path, "err", err)
		return
	}
	a.log.Error("request failed after its response began", "method", r.Method, "path", r.URL.Path, "err", err)
}

// checkURLText refuses a path or query holding a NUL byte or invalid UTF-8:
// no ID or filter of Roster can contain one, and PostgreSQL would refuse
// the text outright, so it is a client error before it reaches a query.
func checkURLText(r *http.Request) error {
	bad := func(s string) bool { return strings.IndexByte(s, 0) >= 0 || !utf8.ValidString(s) }
	if bad(r.URL.Path) {
		return badRequest(http.StatusBadRequest, "the path holds a NUL byte or invalid UTF-8")
	}
	for key, vals := range r.URL.Query() {
		for _, v := range append(vals, key) {
			if bad(v) {
				return &httpError{status: http.StatusBadRequest, msg: "the query holds a NUL byte or invalid UTF-8",
					fields: []roster.FieldError{{Field: strings.ToValidUTF8(key, "?"), Message: "must be valid UTF-8 text without NUL bytes"}}}
			}
		}
	}
	return nil
}

// Authenticate resolves the request's bearer token or session cookie to a
// principal; the console uses it too.
func (a *API) authenticate(r *http.Request) (*service.Principal, error) {
	token := ""
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, t, ok := strings.Cut(h, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(t) == "" {
			return nil, roster.Errorf(roster.KindUnauthenticated, "the Authorization header must be: Bearer <token>")
		}
		token = strings.TrimSpace(t)
	} else if c, err := r.Cookie(SessionCookie); err == nil {
		token = c.Value
	}
	if token == "" {
		return nil, roster.Errorf(roster.KindUnauthenticated, "sign in or send an API token")
	}
	return a.svc.Authenticate(r.Context(), token, ClientIP(r))
}

// ClientIP is the address the request came from, for the audit log.
func ClientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// CrossOriginProtection refuses browsers' cross-origin unsafe requests (a
// form or fetch from another site riding on a session cookie). Under /api/
// the refusal is a 403 problem like every other API error; elsewhere a
// short plain-text 403.
func CrossOriginProtection(log *slog.Logger) *http.CrossOriginProtection {
	if log == nil {
		log = slog.Default()
	}
	c := http.NewCrossOriginProtection()
	c.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/api/") {
			writeProblem(w, r, log, roster.Errorf(roster.KindForbidden, "cross-origin requests are refused; call the API from this site or with a bearer token"))
			return
		}
		http.Error(w, "Cross-origin request refused.", http.StatusForbidden)
	}))
	return c
}
