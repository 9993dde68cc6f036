// Package apitest runs the real API router on a real database over real
// HTTP on loopback, for tests of the REST API. It has helpers to create
// orgs, tokens and users the way an operator would.
package apitest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"regexp"
	"testing"
	"time"

	"roster/internal/api"
	"roster/internal/roster"
	"roster/internal/service"
	"roster/internal/store"
	"roster/internal/testdb"
)

// FastArgon keeps password hashing cheap in tests; production uses
// service.DefaultArgon.
var FastArgon = service.ArgonParams{MemoryKiB: 64, Time: 1, Threads: 1, Concurrency: 8}

// Env is a running API on one database.
type Env struct {
	T       testing.TB
	DB      *store.DB
	Service *service.Service
	Server  *httptest.Server
	// Now is the service's clock; tests move it with Advance.
	now time.Time
}

// Each runs fn against a fresh Env on every dialect.
func Each(t *testing.T, fn func(t *testing.T, e *Env)) {
	t.Helper()
	testdb.Each(t, func(t *testing.T, db *store.DB) { fn(t, New(t, db)) })
}

// New starts the API on db.
func New(t testing.TB, db *store.DB) *Env {
	e := &Env{T: t, DB: db, now: time.Now().UTC()}
	e.Service = service.New(service.Deps{Store: store.ServiceStore{DB: db},
		Config: service.Config{BaseURL: "http://roster.test", Argon: FastArgon, AuthCacheTTL: time.Second},
		Now:    func() time.Time { return e.now }})
	a := api.New(api.Options{Service: e.Service, Metrics: api.NewMetrics(func(ctx context.Context) (int, error) {
		return db.Reader().OutboxDepth(ctx)
	})})
	mux := http.NewServeMux()
	a.Register(mux)
	e.Server = httptest.NewServer(api.CrossOriginProtection(nil).Handler(mux))
	t.Cleanup(e.Server.Close)
	return e
}

// Advance moves the service's clock forward.
func (e *Env) Advance(d time.Duration) { e.now = e.now.Add(d) }

// Org is an org created through the service as the operator would.
type Org struct {
	ID, Slug   string
	AdminID    string
	AdminToken string // API token of the first admin
}

// CreateOrg makes an org whose first admin has a password ("correct horse battery")
// and an API token, and license pools of the given sizes.
func (e *Env) CreateOrg(slug string, plan roster.Plan, pools map[string]int) Org {
	e.T.Helper()
	ctx := context.Background()
	org, admin, link, err := e.Service.CreateOrg(ctx, service.NewOrg{Name: slug + " Inc", Slug: slug, Plan: plan,
		AdminEmail: "Admin@" + slug + ".test", AdminFirstName: "Ada", AdminLastName: "Admin"})
	if err != nil {
		e.T.Fatalf("create org: %v", err)
	}
	if err := e.Service.ResetPassword(ctx, TokenFromLink(e.T, link), AdminPassword, "127.0.0.1"); err != nil {
		e.T.Fatalf("set admin password: %v", err)
	}
	for typ, n := range pools {
		if _, err := e.Service.SetLicensePool(ctx, org.ID, typ, typ+" seats", n); err != nil {
			e.T.Fatalf("license pool: %v", err)
		}
	}
	tok, err := e.Service.CreateAPIToken(ctx, service.Operator(org.ID), admin.Email, "test")
	if err != nil {
		e.T.Fatalf("token: %v", err)
	}
	return Org{ID: org.ID, Slug: org.Slug, AdminID: admin.ID, AdminToken: tok}
}

// AdminPassword is the first admin's password in CreateOrg's orgs.
const AdminPassword = "correct horse battery"

// UserPassword is the password ActiveUser gives its users.
const UserPassword = "staple grommet lantern"

var tokenRE = regexp.MustCompile(`token=([A-Za-z0-9_\-]+)`)

// TokenFromLink extracts the token of an invite or reset link (or any text
// holding one).
func TokenFromLink(t testing.TB, s string) string {
	t.Helper()
	m := tokenRE.FindStringSubmatch(s)
	if m == nil {
		t.Fatalf("no token in %q", s)
	}
	return m[1]
}

// ActiveUser invites email with role (and license type, may be empty),
// accepts the invitation and returns the user's ID and an API token.
func (e *Env) ActiveUser(o Org, email, role, license string) (id, token string) {
	e.T.Helper()
	body := map[string]any{"emails": []string{email}, "role": role, "send": true}
	if license != "" {
		body["license_type"] = license
	}
	res := e.Do("POST", "/api/v1/invitations", o.AdminToken, body)
	res.Want(http.StatusCreated)
	id = res.JSON()["items"].([]any)[0].(map[string]any)["id"].(string)
	link := e.LastEmailTo(email).Link
	e.Do("POST", "/api/v1/invitations/accept", "", map[string]any{"token": TokenFromLink(e.T, link),
		"first_name": "Test", "last_name": "User", "password": UserPassword}).Want(http.StatusOK)
	token, err := e.Service.CreateAPIToken(context.Background(), service.Operator(o.ID), email, "test")
	if err != nil {
		e.T.Fatalf("token for %s: %v", email, err)
	}
	return id, token
}

// LastEmailTo returns the newest outbox email to an address.
func (e *Env) LastEmailTo(to string) roster.Email {
	e.T.Helper()
	emails, err := e.DB.Reader().Emails(context.Background(), "", 1000)
	if err != nil {
		e.T.Fatal(err)
	}
	for _, m := range emails {
		if m.To == to {
			return m
		}
	}
	e.T.Fatalf("no email to %s in the outbox", to)
	return roster.Email{}
}

// EmailsTo counts outbox emails to an address.
func (e *Env) EmailsTo(to string) int {
	emails, err := e.DB.Reader().Emails(context.Background(), "", 1000)
	if err != nil {
		e.T.Fatal(err)
	}
	n := 0
	for _, m := range emails {
		if m.To == to {
			n++
		}
	}
	return n
}

// Response is a finished HTTP exchange.
type Response struct {
	T      testing.TB
	Status int
	Header http.Header
	Body   []byte
}

// Do sends a JSON request with a bearer token ("" for none). body may be nil,
// a string (sent as is) or anything to encode as JSON.
func (e *Env) Do(method, path, token string, body any) *Response {
	e.T.Helper()
	return e.DoWith(http.DefaultClient, method, path, token, body)
}

// DoWith is Do with a given client (e.g. one with a cookie jar).
func (e *Env) DoWith(c *http.Client, method, path, token string, body any) *Response {
	e.T.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = bytes.NewBufferString(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		buf, err := json.Marshal(b)
		if err != nil {
			e.T.Fatal(err)
		}
		rd = bytes.NewReader(buf)
	}
	req, err := http.NewRequest(method, e.Server.URL+path, rd)
	if err != nil {
		e.T.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := c.Do(req)
	if err != nil {
		e.T.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		e.T.Fatal(err)
	}
	return &Response{T: e.T, Status: res.StatusCode, Header: res.Header, Body: data}
}

// NewBrowser returns a client with a cookie jar, like a browser.
func NewBrowser() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar}
}

// Want fails the test unless the status is status.
func (r *Response) Want(status int) *Response {
	r.T.Helper()
	if r.Status != status {
		r.T.Fatalf("status %d, want %d; body: %s", r.Status, status, r.Body)
	}
	return r
}

// JSON decodes the body as an object.
func (r *Response) JSON() map[string]any {
	r.T.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		r.T.Fatalf("body is not a JSON object: %v: %s", err, r.Body)
	}
	return m
}

// Items returns the "items" array of a list response.
func (r *Response) Items() []map[string]any {
	r.T.Helper()
	raw, ok := r.JSON()["items"].([]any)
	if !ok {
		r.T.Fatalf("no items in %s", r.Body)
	}
	out := make([]map[string]any, len(raw))
	for i, v := range raw {
		out[i] = v.(map[string]any)
	}
	return out
}

// Problem checks that the body is an RFC 9457 problem with this status and
// returns it.
func (r *Response) Problem(status int) map[string]any {
	r.T.Helper()
	r.Want(status)
	if ct := r.Header.Get("Content-Type"); ct != "application/problem+json" {
		r.T.Fatalf("content type %q, want application/problem+json; body %s", ct, r.Body)
	}
	p := r.JSON()
	if p["status"] != float64(status) || p["title"] == "" || p["type"] == "" {
		r.T.Fatalf("not a complete problem: %s", r.Body)
	}
	return p
}

// FieldErrors returns the field → message map of a validation problem.
func (r *Response) FieldErrors() map[string]string {
	r.T.Helper()
	p := r.Problem(http.StatusUnprocessableEntity)
	out := map[string]string{}
	errs, _ := p["errors"].([]any)
	for _, e := range errs {
		m := e.(map[string]any)
		out[m["field"].(string)] = m["message"].(string)
	}
	if len(out) == 0 {
		r.T.Fatalf("validation problem without field errors: %s", r.Body)
	}
	return out
}
