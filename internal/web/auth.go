package web

import (
	"net/http"
	"net/url"
	"strings"

	"roster/internal/api"
	"roster/internal/roster"
	"roster/internal/service"
)

// home sends a signed-in user to the people list, or to their own profile
// when they may not read people; anyone else to the sign-in page.
func (c *Console) home(w http.ResponseWriter, r *http.Request, _ *session) error {
	ck, err := r.Cookie(api.SessionCookie)
	if err == nil && ck.Value != "" {
		if p, err := c.svc.Authenticate(r.Context(), ck.Value, api.ClientIP(r)); err == nil {
			target := "/people"
			if !(p.Operator || p.Permissions.Has(roster.PermUsersRead)) {
				target = "/people/" + p.UserID
			}
			http.Redirect(w, r, target, http.StatusSeeOther)
			return nil
		}
	}
	http.Redirect(w, r, "/login", http.StatusSeeOther)
	return nil
}

// loginForm is what the sign-in page shows and keeps across a refusal.
type loginForm struct {
	Email, Org, Next string
	// AskOrg shows the organisation field: the email belongs to several.
	AskOrg bool
	Err    *formError
}

func (c *Console) loginPage(w http.ResponseWriter, r *http.Request, _ *session) error {
	q := r.URL.Query()
	c.render(w, r, nil, http.StatusOK, "login", "Sign in",
		loginForm{Email: q.Get("email"), Next: localPath(q.Get("next"), "")})
	return nil
}

func (c *Console) loginSubmit(w http.ResponseWriter, r *http.Request, _ *session) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	f := loginForm{Email: strings.TrimSpace(r.PostFormValue("email")), Org: strings.TrimSpace(r.PostFormValue("org")),
		Next: localPath(r.PostFormValue("next"), "")}
	token, _, err := c.svc.Login(r.Context(), service.LoginInput{Email: f.Email, Password: r.PostFormValue("password"),
		Org: f.Org, IP: api.ClientIP(r)})
	if err != nil {
		fe, ok := toFormError(err)
		if !ok {
			return err
		}
		f.Err = fe
		f.AskOrg = f.Org != "" || fe.Fields["org"] != ""
		c.render(w, r, nil, api.Status(err), "login", "Sign in", f)
		return nil
	}
	c.opt.API.SetSessionCookie(w, token)
	// "/" picks the people list or the user's own profile by permission.
	target := f.Next
	if target == "" {
		target = "/"
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
	return nil
}

func (c *Console) logout(w http.ResponseWriter, r *http.Request, s *session) error {
	if err := c.svc.Logout(r.Context(), s.P); err != nil {
		return err
	}
	c.opt.API.ClearSessionCookie(w)
	return c.redirectWith(w, r, "/login", flash{Message: "You are signed out."})
}

// forgotForm is the forgot-password page's state.
type forgotForm struct {
	Email string
	Sent  bool
	Err   *formError
}

func (c *Console) forgotPage(w http.ResponseWriter, r *http.Request, _ *session) error {
	c.render(w, r, nil, http.StatusOK, "forgot", "Forgot password", forgotForm{Email: r.URL.Query().Get("email")})
	return nil
}

// forgotSubmit answers the same whether or not the address has an
// account, so the page reveals nothing about who uses Roster.
func (c *Console) forgotSubmit(w http.ResponseWriter, r *http.Request, _ *session) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	f := forgotForm{Email: strings.TrimSpace(r.PostFormValue("email"))}
	err := c.svc.ForgotPassword(r.Context(), f.Email, api.ClientIP(r))
	if err != nil {
		fe, ok := toFormError(err)
		if !ok {
			return err
		}
		if len(fe.Fields) == 0 {
			fe.Fields["email"] = fe.Message
		}
		f.Err = fe
		c.render(w, r, nil, api.Status(err), "forgot", "Forgot password", f)
		return nil
	}
	c.opt.Wake()
	f.Sent = true
	c.render(w, r, nil, http.StatusOK, "forgot", "Forgot password", f)
	return nil
}

// resetForm is the reset-password page's state.
type resetForm struct {
	Token string
	Err   *formError
}

func (c *Console) resetPage(w http.ResponseWriter, r *http.Request, _ *session) error {
	c.render(w, r, nil, http.StatusOK, "reset", "Choose a new password", resetForm{Token: r.URL.Query().Get("token")})
	return nil
}

func (c *Console) resetSubmit(w http.ResponseWriter, r *http.Request, _ *session) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	f := resetForm{Token: r.PostFormValue("token")}
	pw, again := r.PostFormValue("password"), r.PostFormValue("password_again")
	var err error
	if pw != again {
		err = &roster.Error{Kind: roster.KindInvalid, Message: "the passwords do not match",
			Fields: []roster.FieldError{{Field: "password_again", Message: "does not match the password"}}}
	} else {
		err = c.svc.ResetPassword(r.Context(), f.Token, pw, api.ClientIP(r))
	}
	if err != nil {
		fe, ok := toFormError(err)
		if !ok {
			return err
		}
		f.Err = fe
		c.render(w, r, nil, api.Status(err), "reset", "Choose a new password", f)
		return nil
	}
	return c.redirectWith(w, r, "/login", flash{Message: "Your password is changed. Sign in with it now."})
}

// acceptForm is the accept-invitation page's state.
type acceptForm struct {
	Token, Email, FirstName, LastName string
	// Gone explains why the link cannot be used; the form is not shown.
	Gone string
	Err  *formError
}

func (c *Console) acceptPage(w http.ResponseWriter, r *http.Request, _ *session) error {
	f := acceptForm{Token: r.URL.Query().Get("token")}
	inv, err := c.svc.InvitationForToken(r.Context(), f.Token)
	if err != nil {
		if roster.ErrorKind(err) != roster.KindGone {
			return err
		}
		f.Gone = message(err)
		c.render(w, r, nil, http.StatusGone, "accept", "Invitation", f)
		return nil
	}
	f.Email = inv.Email
	c.render(w, r, nil, http.StatusOK, "accept", "Accept your invitation", f)
	return nil
}

func (c *Console) acceptSubmit(w http.ResponseWriter, r *http.Request, _ *session) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	f := acceptForm{Token: r.PostFormValue("token"), FirstName: r.PostFormValue("first_name"),
		LastName: r.PostFormValue("last_name")}
	inv, err := c.svc.InvitationForToken(r.Context(), f.Token)
	if err == nil {
		f.Email = inv.Email
		if pw := r.PostFormValue("password"); pw != r.PostFormValue("password_again") {
			err = &roster.Error{Kind: roster.KindInvalid, Message: "the passwords do not match",
				Fields: []roster.FieldError{{Field: "password_again", Message: "does not match the password"}}}
		} else {
			_, err = c.svc.AcceptInvitation(r.Context(), service.AcceptInput{Token: f.Token, FirstName: f.FirstName,
				LastName: f.LastName, Password: pw, IP: api.ClientIP(r)})
		}
	}
	if err != nil {
		if roster.ErrorKind(err) == roster.KindGone {
			f.Gone = message(err)
			c.render(w, r, nil, http.StatusGone, "accept", "Invitation", f)
			return nil
		}
		fe, ok := toFormError(err)
		if !ok {
			return err
		}
		f.Err = fe
		c.render(w, r, nil, api.Status(err), "accept", "Accept your invitation", f)
		return nil
	}
	return c.redirectWith(w, r, "/login?email="+url.QueryEscape(f.Email),
		flash{Message: "Welcome to Roster! Your account is ready: sign in with your new password."})
}
