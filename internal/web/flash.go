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

func setFlash(w http.ResponseWriter, f flash) {
	b, _ := json.Marshal(f)
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: base64.RawURLEncoding.EncodeToString(b), Path: "/",
		HttpOnly: true, SameSite: http.SameSiteLaxMode, MaxAge: 60})
}

// takeFlash returns the pending message, if any, and clears it. A cookie
// that does not decode is dropped silently: it is only a courtesy.
func takeFlash(w http.ResponseWriter, r *http.Request) *flash {
	ck, err := r.Cookie(flashCookie)
	if err != nil || ck.Value == "" {
		return nil
	}
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: "", Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode, MaxAge: -1})
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
func redirectWith(w http.ResponseWriter, r *http.Request, target string, f flash) error {
	setFlash(w, f)
	http.Redirect(w, r, target, http.StatusSeeOther)
	return nil
}
