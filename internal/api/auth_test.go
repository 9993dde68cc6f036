package api_test

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"roster/internal/api"
	"roster/internal/apitest"
	"roster/internal/roster"
)

// login signs in with an email and password (and org slug, if not empty).
func login(e *apitest.Env, c *http.Client, email, password, org string) *apitest.Response {
	e.T.Helper()
	body := map[string]any{"email": email, "password": password}
	if org != "" {
		body["org"] = org
	}
	if c == nil {
		c = http.DefaultClient
	}
	return e.DoWith(c, "POST", "/api/v1/auth/login", "", body)
}

// loginUserID returns the ID of the user a successful login signed in.
func loginUserID(t testing.TB, res *apitest.Response) string {
	t.Helper()
	return res.Want(http.StatusOK).JSON()["user"].(map[string]any)["id"].(string)
}

// TestLoginEmailCaseInsensitive: people type their address however they
// like; it names the same account.
func TestLoginEmailCaseInsensitive(t *testing.T) {
	t.Parallel()
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		org := e.CreateOrg("acme", roster.PlanProfessional, nil)
		for _, email := range []string{"admin@acme.test", "ADMIN@ACME.TEST", "Admin@Acme.Test", "  admin@acme.test\t"} {
			if id := loginUserID(t, login(e, nil, email, apitest.AdminPassword, "")); id != org.AdminID {
				t.Fatalf("login as %q signed in %s", email, id)
			}
		}
		// The password, unlike the email, is exact.
		wantProblem(t, login(e, nil, "admin@acme.test", strings.ToUpper(apitest.AdminPassword), ""), http.StatusUnauthorized)
	})
}

// TestLoginFailuresIndistinguishable: a guesser must not learn which emails
// have accounts, so every failure before the password matches reads the same.
func TestLoginFailuresIndistinguishable(t *testing.T) {
	t.Parallel()
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		org := e.CreateOrg("acme", roster.PlanProfessional, nil)
		invite(e, org.AdminToken, "", true, "invited@acme.test").Want(http.StatusCreated)
		gone, _ := e.ActiveUser(org, "gone@acme.test", "agent", "")
		e.Do("POST", "/api/v1/users/"+gone+"/deactivate", org.AdminToken, nil).Want(http.StatusOK)

		ref := login(e, nil, "admin@acme.test", "wrong password", "")
		wantProblem(t, ref, http.StatusUnauthorized)
		for _, c := range []struct{ email, password string }{
			{"nobody@acme.test", "wrong password"},
			{"nobody@acme.test", apitest.AdminPassword},
			{"invited@acme.test", "wrong password"},
			{"gone@acme.test", "wrong password"},
			{"admin@elsewhere.test", apitest.AdminPassword},
		} {
			res := login(e, nil, c.email, c.password, "")
			if res.Status != ref.Status || !bytes.Equal(res.Body, ref.Body) {
				t.Errorf("login %s: %d %s differs from a wrong password's %d %s", c.email, res.Status, res.Body, ref.Status, ref.Body)
			}
			if res.Header.Get("WWW-Authenticate") != ref.Header.Get("WWW-Authenticate") || res.Header.Get("Set-Cookie") != "" {
				t.Errorf("login %s: headers differ: %v", c.email, res.Header)
			}
		}
		// Only with the right password does a deactivated user learn why.
		p := wantProblem(t, login(e, nil, "gone@acme.test", apitest.UserPassword, ""), http.StatusUnauthorized)
		if !strings.Contains(p["detail"].(string), "deactivated") {
			t.Errorf("deactivated login: %v", p)
		}
	})
}

// TestLoginRateLimited: ten failures in a row lock the email for the
// failure window, even against the right password.
func TestLoginRateLimited(t *testing.T) {
	t.Parallel()
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		org := e.CreateOrg("acme", roster.PlanProfessional, nil)
		e.ActiveUser(org, "rep@acme.test", "agent", "")

		// A success in between resets the count: it is failures in a row.
		for i := range 9 {
			wantProblem(t, login(e, nil, "admin@acme.test", fmt.Sprint("wrong ", i), ""), http.StatusUnauthorized)
		}
		login(e, nil, "admin@acme.test", apitest.AdminPassword, "").Want(http.StatusOK)

		for i := range 10 {
			// Case differences must not give a guesser fresh attempts.
			email := "admin@acme.test"
			if i%2 == 1 {
				email = "ADMIN@acme.test"
			}
			wantProblem(t, login(e, nil, email, fmt.Sprint("wrong ", i), ""), http.StatusUnauthorized)
		}
		p := wantProblem(t, login(e, nil, "admin@acme.test", "wrong again", ""), http.StatusTooManyRequests)
		if !strings.Contains(p["detail"].(string), "too many") {
			t.Errorf("rate limit detail: %v", p)
		}
		wantProblem(t, login(e, nil, "admin@acme.test", apitest.AdminPassword, ""), http.StatusTooManyRequests)
		// Other accounts are unaffected, and the account's API token still works.
		login(e, nil, "rep@acme.test", apitest.UserPassword, "").Want(http.StatusOK)
		e.Do("GET", "/api/v1/me", org.AdminToken, nil).Want(http.StatusOK)

		// Unknown emails are limited alike, so the limit reveals nothing.
		for i := range 10 {
			wantProblem(t, login(e, nil, "nobody@acme.test", fmt.Sprint("wrong ", i), ""), http.StatusUnauthorized)
		}
		wantProblem(t, login(e, nil, "nobody@acme.test", "wrong", ""), http.StatusTooManyRequests)

		e.Advance(16 * time.Minute)
		login(e, nil, "admin@acme.test", apitest.AdminPassword, "").Want(http.StatusOK)
	})
}

// TestForgotPassword: the answer never tells whether the email has an
// account; only an active account gets a link.
func TestForgotPassword(t *testing.T) {
	t.Parallel()
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		org := e.CreateOrg("acme", roster.PlanProfessional, nil)
		invite(e, org.AdminToken, "", true, "invited@acme.test").Want(http.StatusCreated)
		invite(e, org.AdminToken, "", false, "prepared@acme.test").Want(http.StatusCreated)
		gone, _ := e.ActiveUser(org, "gone@acme.test", "agent", "")
		e.Do("POST", "/api/v1/users/"+gone+"/deactivate", org.AdminToken, nil).Want(http.StatusOK)

		forgotten := func(email string) *apitest.Response {
			return e.Do("POST", "/api/v1/auth/password/forgot", "", map[string]any{"email": email}).Want(http.StatusAccepted)
		}
		ref := forgotten("nobody@acme.test")
		before := map[string]int{}
		for _, to := range []string{"nobody@acme.test", "invited@acme.test", "prepared@acme.test", "gone@acme.test"} {
			before[to] = e.EmailsTo(to)
		}
		for _, email := range []string{"nobody@acme.test", "invited@acme.test", "prepared@acme.test", "gone@acme.test", "ADMIN@acme.test"} {
			if res := forgotten(email); !bytes.Equal(res.Body, ref.Body) {
				t.Errorf("forgot %s answered %s, unknown email %s", email, res.Body, ref.Body)
			}
		}
		for to, n := range before {
			if got := e.EmailsTo(to); got != n {
				t.Errorf("%d reset emails to %s, who has no active account", got-n, to)
			}
		}
		if n := e.EmailsTo("admin@acme.test"); n != 1 {
			t.Fatalf("%d reset emails to the admin, want 1", n)
		}
		m := e.LastEmailTo("admin@acme.test")
		if !strings.HasPrefix(m.Link, "http://roster.test/password/reset?token=rsr_") || !strings.Contains(m.Text, m.Link) {
			t.Fatalf("reset email link %q, text %q", m.Link, m.Text)
		}
		if n := dbInt(t, e, `SELECT COUNT(*) FROM password_resets WHERE used_at IS NULL AND user_id = ?`, org.AdminID); n != 1 {
			t.Fatalf("%d usable reset links for the admin, want 1", n)
		}
		// Only a malformed address is the client's fault.
		if fe := e.Do("POST", "/api/v1/auth/password/forgot", "", map[string]any{"email": "not an email"}).FieldErrors(); fe["email"] == "" {
			t.Errorf("malformed email: %v", fe)
		}
		reset(e, apitest.TokenFromLink(t, m.Link), "a brand new phrase").Want(http.StatusNoContent)
		login(e, nil, "admin@acme.test", "a brand new phrase", "").Want(http.StatusOK)
	})
}

// TestAdminPasswordReset: an admin can send someone a reset link, but only
// to an active user of their own org.
func TestAdminPasswordReset(t *testing.T) {
	t.Parallel()
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		org := e.CreateOrg("acme", roster.PlanProfessional, nil)
		id, _ := e.ActiveUser(org, "rep@acme.test", "agent", "")
		res := e.Do("POST", "/api/v1/users/"+id+"/password-reset", org.AdminToken, nil).Want(http.StatusAccepted)
		if res.JSON()["status"] == "" {
			t.Fatalf("reset answer: %s", res.Body)
		}
		m := e.LastEmailTo("rep@acme.test")
		if !strings.HasPrefix(m.Link, "http://roster.test/password/reset?token=rsr_") {
			t.Fatalf("reset link %q", m.Link)
		}
		reset(e, apitest.TokenFromLink(t, m.Link), "chosen by the rep").Want(http.StatusNoContent)
		login(e, nil, "rep@acme.test", "chosen by the rep", "").Want(http.StatusOK)
		wantProblem(t, login(e, nil, "rep@acme.test", apitest.UserPassword, ""), http.StatusUnauthorized)

		events := e.Do("GET", "/api/v1/audit-events?action=user.password_reset_requested&target="+id, org.AdminToken, nil).Want(http.StatusOK).Items()
		if len(events) != 1 || events[0]["actor_id"] != org.AdminID {
			t.Fatalf("audit of the admin reset: %v", events)
		}

		invited := firstItemID(t, invite(e, org.AdminToken, "", true, "invited@acme.test").Want(http.StatusCreated))
		mails := e.EmailsTo("invited@acme.test")
		wantProblem(t, e.Do("POST", "/api/v1/users/"+invited+"/password-reset", org.AdminToken, nil), http.StatusConflict)
		if e.EmailsTo("invited@acme.test") != mails {
			t.Fatal("a refused reset was emailed")
		}
		wantProblem(t, e.Do("POST", "/api/v1/users/nope/password-reset", org.AdminToken, nil), http.StatusNotFound)
	})
}

// TestResetPasswordEndsSessions: whoever knew the old password may be
// signed in with it; the reset must throw them out.
func TestResetPasswordEndsSessions(t *testing.T) {
	t.Parallel()
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		e.CreateOrg("acme", roster.PlanProfessional, nil)
		b1, b2 := apitest.NewBrowser(), apitest.NewBrowser()
		login(e, b1, "admin@acme.test", apitest.AdminPassword, "").Want(http.StatusOK)
		login(e, b2, "admin@acme.test", apitest.AdminPassword, "").Want(http.StatusOK)
		e.DoWith(b1, "GET", "/api/v1/me", "", nil).Want(http.StatusOK)

		reset(e, forgot(t, e, "admin@acme.test"), "a brand new phrase").Want(http.StatusNoContent)
		wantProblem(t, e.DoWith(b1, "GET", "/api/v1/me", "", nil), http.StatusUnauthorized)
		wantProblem(t, e.DoWith(b2, "GET", "/api/v1/me", "", nil), http.StatusUnauthorized)
		wantProblem(t, login(e, nil, "admin@acme.test", apitest.AdminPassword, ""), http.StatusUnauthorized)
		login(e, b1, "admin@acme.test", "a brand new phrase", "").Want(http.StatusOK)
		e.DoWith(b1, "GET", "/api/v1/me", "", nil).Want(http.StatusOK)
	})
}

// TestPasswordRules: NIST SP 800-63B length bounds and a block list, applied
// both where a password is first chosen and where it is reset.
func TestPasswordRules(t *testing.T) {
	t.Parallel()
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		org := e.CreateOrg("acme", roster.PlanProfessional, nil)
		invite(e, org.AdminToken, "", true, "newbie@acme.test").Want(http.StatusCreated)
		inviteTok := apitest.TokenFromLink(t, e.LastEmailTo("newbie@acme.test").Link)
		resetTok := forgot(t, e, "admin@acme.test")

		bad := []string{
			"", "short", "7chars!", "ÄÖÜäöüß", // under 8 characters, even when 14 bytes
			strings.Repeat("x", 60) + strings.Repeat("yz", 35) + "!", // 131 characters
			"password", "PASSWORD", "Password1", "12345678", "abcdefgh", "aaaaaaaaaaaa", "qwertyuiop",
		}
		for _, pw := range bad {
			if fe := e.Do("POST", "/api/v1/invitations/accept", "", map[string]any{"token": inviteTok,
				"first_name": "New", "last_name": "Bie", "password": pw}).FieldErrors(); fe["password"] == "" {
				t.Errorf("accept with %q: %v", pw, fe)
			}
			if fe := reset(e, resetTok, pw).FieldErrors(); fe["password"] == "" {
				t.Errorf("reset with %q: %v", pw, fe)
			}
		}
		for _, pw := range []string{"newbie@acme.test", "newbie12"} {
			if fe := e.Do("POST", "/api/v1/invitations/accept", "", map[string]any{"token": inviteTok,
				"first_name": "New", "last_name": "Bie", "password": pw}).FieldErrors(); fe["password"] == "" {
				t.Errorf("accept with the email-based %q: %v", pw, fe)
			}
		}
		// Refusals spend neither link, and the bounds themselves are allowed.
		eight, longest := "Tq7#mLp2", strings.Repeat("correct horse ", 8)+"battery staple x"
		if len([]rune(eight)) != roster.PasswordMin || len([]rune(longest)) != roster.PasswordMax {
			t.Fatalf("boundary passwords are %d and %d characters", len([]rune(eight)), len([]rune(longest)))
		}
		e.Do("POST", "/api/v1/invitations/accept", "", map[string]any{"token": inviteTok,
			"first_name": "New", "last_name": "Bie", "password": eight}).Want(http.StatusOK)
		reset(e, resetTok, longest).Want(http.StatusNoContent)
		login(e, nil, "newbie@acme.test", eight, "").Want(http.StatusOK)
		login(e, nil, "admin@acme.test", longest, "").Want(http.StatusOK)
	})
}

// TestLogoutEndsSession: logging out kills the session on the server, not
// just the cookie in the browser.
func TestLogoutEndsSession(t *testing.T) {
	t.Parallel()
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		org := e.CreateOrg("acme", roster.PlanProfessional, nil)
		b := apitest.NewBrowser()
		res := login(e, b, "admin@acme.test", apitest.AdminPassword, "").Want(http.StatusOK)
		sess := sessionToken(t, res)
		for _, line := range res.Header.Values("Set-Cookie") {
			c, err := http.ParseSetCookie(line)
			if err == nil && c.Name == api.SessionCookie && (!c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.MaxAge <= 0) {
				t.Errorf("session cookie attributes: %s", line)
			}
		}
		other := apitest.NewBrowser()
		login(e, other, "admin@acme.test", apitest.AdminPassword, "").Want(http.StatusOK)
		cookie := map[string]string{"Cookie": api.SessionCookie + "=" + sess}
		doRaw(t, e, "GET", "/api/v1/me", cookie, "").Want(http.StatusOK)

		out := e.DoWith(b, "POST", "/api/v1/auth/logout", "", nil).Want(http.StatusNoContent)
		cleared := false
		for _, line := range out.Header.Values("Set-Cookie") {
			if c, err := http.ParseSetCookie(line); err == nil && c.Name == api.SessionCookie && c.MaxAge < 0 {
				cleared = true
			}
		}
		if !cleared {
			t.Errorf("logout did not clear the cookie: %v", out.Header)
		}
		wantProblem(t, e.DoWith(b, "GET", "/api/v1/me", "", nil), http.StatusUnauthorized)
		wantProblem(t, doRaw(t, e, "GET", "/api/v1/me", cookie, ""), http.StatusUnauthorized)
		wantProblem(t, doRaw(t, e, "POST", "/api/v1/auth/logout", cookie, ""), http.StatusUnauthorized)
		// Other sessions and API tokens are not the one that logged out.
		e.DoWith(other, "GET", "/api/v1/me", "", nil).Want(http.StatusOK)
		e.Do("POST", "/api/v1/auth/logout", org.AdminToken, nil).Want(http.StatusNoContent)
		e.Do("GET", "/api/v1/me", org.AdminToken, nil).Want(http.StatusOK)
		sum := dbInt(t, e, `SELECT COUNT(*) FROM sessions WHERE user_id = ?`, org.AdminID)
		if sum != 1 {
			t.Fatalf("%d sessions left, want the other browser's 1", sum)
		}
	})
}

// TestReactivatedUserKeepsPassword: reactivation restores access with the
// credentials the user already had.
func TestReactivatedUserKeepsPassword(t *testing.T) {
	t.Parallel()
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		org := e.CreateOrg("acme", roster.PlanProfessional, nil)
		id, _ := e.ActiveUser(org, "rep@acme.test", "agent", "")
		e.Do("POST", "/api/v1/users/"+id+"/deactivate", org.AdminToken, nil).Want(http.StatusOK)
		wantProblem(t, login(e, nil, "rep@acme.test", apitest.UserPassword, ""), http.StatusUnauthorized)
		e.Do("POST", "/api/v1/users/"+id+"/reactivate", org.AdminToken, nil).Want(http.StatusOK)
		if got := loginUserID(t, login(e, nil, "rep@acme.test", apitest.UserPassword, "")); got != id {
			t.Fatalf("signed in as %s", got)
		}
		wantProblem(t, login(e, nil, "rep@acme.test", "some other phrase", ""), http.StatusUnauthorized)
	})
}

// TestLastLoginRecorded: sign-ins set last_login_at to the time of the
// sign-in; failures and API token use do not.
func TestLastLoginRecorded(t *testing.T) {
	t.Parallel()
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		org := e.CreateOrg("acme", roster.PlanProfessional, nil)
		id, tok := e.ActiveUser(org, "rep@acme.test", "agent", "")
		e.Do("GET", "/api/v1/me", tok, nil).Want(http.StatusOK)
		wantProblem(t, login(e, nil, "rep@acme.test", "wrong phrase", ""), http.StatusUnauthorized)
		if u := e.Do("GET", "/api/v1/users/"+id, org.AdminToken, nil).Want(http.StatusOK).JSON(); u["last_login_at"] != nil {
			t.Fatalf("last_login_at before any sign-in: %v", u["last_login_at"])
		}

		e.Advance(time.Hour)
		at := e.Service.Now()
		res := login(e, nil, "rep@acme.test", apitest.UserPassword, "").Want(http.StatusOK).JSON()
		got, _ := res["user"].(map[string]any)["last_login_at"].(string)
		u := e.Do("GET", "/api/v1/users/"+id, org.AdminToken, nil).Want(http.StatusOK).JSON()
		stored, _ := u["last_login_at"].(string)
		for _, s := range []string{got, stored} {
			ts, err := time.Parse(time.RFC3339Nano, s)
			if err != nil || !ts.Equal(at) {
				t.Fatalf("last_login_at %q (%v), want %v", s, err, at)
			}
		}
		if n := dbInt(t, e, `SELECT COUNT(*) FROM users WHERE id = ? AND last_login_at = ?`, id, at.UnixMicro()); n != 1 {
			t.Fatalf("stored last_login_at is not %d", at.UnixMicro())
		}
		events := e.Do("GET", "/api/v1/audit-events?action=user.login&target="+id, org.AdminToken, nil).Want(http.StatusOK).Items()
		if len(events) != 1 {
			t.Fatalf("%d login audit events, want 1", len(events))
		}
	})
}

// TestLoginSameEmailTwoOrgs: one address may belong to people in several
// orgs; the sign-in must then name the org rather than pick one.
func TestLoginSameEmailTwoOrgs(t *testing.T) {
	t.Parallel()
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		a := e.CreateOrg("alpha", roster.PlanProfessional, nil)
		b := e.CreateOrg("beta", roster.PlanProfessional, nil)
		inA, _ := e.ActiveUser(a, "pat@shared.test", "agent", "")
		inB, _ := e.ActiveUser(b, "pat@shared.test", "agent", "")

		res := login(e, nil, "pat@shared.test", apitest.UserPassword, "")
		if fe := res.FieldErrors(); fe["org"] == "" {
			t.Fatalf("ambiguous login: %v", fe)
		}
		if res.Header.Get("Set-Cookie") != "" {
			t.Fatal("an ambiguous login set a cookie")
		}
		if got := loginUserID(t, login(e, nil, "pat@shared.test", apitest.UserPassword, "alpha")); got != inA {
			t.Fatalf("org alpha signed in %s, want %s", got, inA)
		}
		bb := apitest.NewBrowser()
		if got := loginUserID(t, login(e, bb, "PAT@shared.test", apitest.UserPassword, "BETA")); got != inB {
			t.Fatalf("org beta signed in %s, want %s", got, inB)
		}
		me := e.DoWith(bb, "GET", "/api/v1/me", "", nil).Want(http.StatusOK).JSON()
		if me["org"].(map[string]any)["id"] != b.ID {
			t.Fatalf("session is in org %v, want %s", me["org"], b.ID)
		}
		wantProblem(t, login(e, nil, "pat@shared.test", apitest.UserPassword, "gamma"), http.StatusUnauthorized)
		wantProblem(t, login(e, nil, "pat@shared.test", "wrong phrase", "alpha"), http.StatusUnauthorized)

		// Once only one org's password matches, that org needs no naming.
		reset(e, forgotInOrg(t, e, b, inB), "beta only phrase").Want(http.StatusNoContent)
		if got := loginUserID(t, login(e, nil, "pat@shared.test", "beta only phrase", "")); got != inB {
			t.Fatalf("unambiguous password signed in %s, want %s", got, inB)
		}
		if got := loginUserID(t, login(e, nil, "pat@shared.test", apitest.UserPassword, "")); got != inA {
			t.Fatalf("unambiguous password signed in %s, want %s", got, inA)
		}
	})
}

// forgotInOrg has the org's admin send a user a reset link and returns its
// token; a self-service request would email every org's account at once.
func forgotInOrg(t testing.TB, e *apitest.Env, org apitest.Org, userID string) string {
	t.Helper()
	before := dbInt(t, e, `SELECT COUNT(*) FROM outbox`)
	e.Do("POST", "/api/v1/users/"+userID+"/password-reset", org.AdminToken, nil).Want(http.StatusAccepted)
	rows := dbRows(t, e, `SELECT link FROM outbox WHERE org_id = ? ORDER BY id DESC`, org.ID)
	if dbInt(t, e, `SELECT COUNT(*) FROM outbox`) != before+1 || len(rows) == 0 {
		t.Fatal("the admin reset queued no email")
	}
	return apitest.TokenFromLink(t, rows[0][0])
}

// TestSessionExpiresWhenIdle: a session lives twelve hours past its last
// use; activity keeps it alive, idleness ends it.
func TestSessionExpiresWhenIdle(t *testing.T) {
	t.Parallel()
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		e.CreateOrg("acme", roster.PlanProfessional, nil)
		active, idle := apitest.NewBrowser(), apitest.NewBrowser()
		login(e, active, "admin@acme.test", apitest.AdminPassword, "").Want(http.StatusOK)
		idleTok := sessionToken(t, login(e, idle, "admin@acme.test", apitest.AdminPassword, "").Want(http.StatusOK))
		for range 3 {
			e.Advance(11 * time.Hour)
			e.DoWith(active, "GET", "/api/v1/me", "", nil).Want(http.StatusOK)
		}
		wantProblem(t, doRaw(t, e, "GET", "/api/v1/me", map[string]string{"Cookie": api.SessionCookie + "=" + idleTok}, ""), http.StatusUnauthorized)
		e.Advance(12 * time.Hour)
		wantProblem(t, e.DoWith(active, "GET", "/api/v1/me", "", nil), http.StatusUnauthorized)
	})
}
