package api

import (
	"net/http"
	"time"

	"roster/internal/service"
)

type loginRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
	Org      string `json:"org"`
}

func (a *API) login(w http.ResponseWriter, r *http.Request) error {
	var req loginRequest
	if err := decode(w, r, &req, false); err != nil {
		return err
	}
	token, u, err := a.svc.Login(r.Context(), service.LoginInput{Email: req.Email, Password: req.Password, Org: req.Org, IP: ClientIP(r)})
	if err != nil {
		return err
	}
	a.SetSessionCookie(w, token)
	return writeJSON(w, http.StatusOK, map[string]any{"user": u})
}

// SetSessionCookie sets the session cookie: HttpOnly, SameSite=Lax, Secure
// when the server is reached over https.
func (a *API) SetSessionCookie(w http.ResponseWriter, token string) {
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: token, Path: "/", HttpOnly: true,
		Secure: a.opt.SecureCookies, SameSite: http.SameSiteLaxMode, MaxAge: int(a.svc.SessionTTL() / time.Second)})
}

// ClearSessionCookie removes the session cookie.
func (a *API) ClearSessionCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: "", Path: "/", HttpOnly: true,
		Secure: a.opt.SecureCookies, SameSite: http.SameSiteLaxMode, MaxAge: -1})
}

func (a *API) logout(w http.ResponseWriter, r *http.Request) error {
	if err := a.svc.Logout(r.Context(), principal(r)); err != nil {
		return err
	}
	a.ClearSessionCookie(w)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *API) forgotPassword(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Email string `json:"email"`
	}
	if err := decode(w, r, &req, false); err != nil {
		return err
	}
	if err := a.svc.ForgotPassword(r.Context(), req.Email, ClientIP(r)); err != nil {
		return err
	}
	a.opt.Wake()
	return writeJSON(w, http.StatusAccepted, map[string]string{
		"status": "If an active account uses this email, a reset link is on its way."})
}

func (a *API) resetPassword(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Token    string `json:"token"`
		Password string `json:"password"`
	}
	if err := decode(w, r, &req, false); err != nil {
		return err
	}
	if err := a.svc.ResetPassword(r.Context(), req.Token, req.Password, ClientIP(r)); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *API) me(w http.ResponseWriter, r *http.Request) error {
	me, err := a.svc.Me(r.Context(), principal(r))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, me)
}
