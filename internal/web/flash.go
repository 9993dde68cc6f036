package web

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
)

// flashCookie carries a one-time message across a redirect after a form
// (e.g. "Invitations sent to 2 people"); it is read and cleared by the next
// page shown.
const flashCookie = "roster_flash"

// flash is a one-time message; Error marks a refusal.
type flash struct {
	Message string `json:"m"`
	Error   bool   `json:"e,omitempty"`
}

func (c *Console) setFlash(w http.ResponseWriter, f flash) {
	b, _ := json.Marshal(f)
	c.setCookie(w, flashCookie, base64.RawURLEncoding.EncodeToString(b), "/", 60)
}

// setCookie sets one of the console's own cookies with the same flags as
// the session cookie: HttpOnly, SameSite=Lax, Secure over https.
func (c *Console) setCookie(w http.ResponseWriter, name, value, path string, maxAge int) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: value, Path: path, HttpOnly: true, Secure: c.opt.SecureCookies,
		SameSite: http.SameSiteLaxMode, MaxAge: maxAge})
}

// takeFlash returns the pending message, if any, and clears it. A cookie
// that does not decode is dropped silently: it is only a courtesy.
func (c *Console) takeFlash(w http.ResponseWriter, r *http.Request) *flash {
	ck, err := r.Cookie(flashCookie)
	if err != nil || ck.Value == "" {
		return nil
	}
	c.setCookie(w, flashCookie, "", "/", -1)
	b, err := base64.RawURLEncoding.DecodeString(ck.Value)
	if err != nil {
		return nil
	}
	var f flash
	if json.Unmarshal(b, &f) != nil || f.Message == "" || len(f.Message) > 500 {
		return nil
	}
	return &f
}

// redirectWith sets a flash message and sends the browser to target.
func (c *Console) redirectWith(w http.ResponseWriter, r *http.Request, target string, f flash) error {
	c.setFlash(w, f)
	http.Redirect(w, r, target, http.StatusSeeOther)
	return nil
}
