package web

import (
	"crypto/rand"
	"net/http"
	"time"

	"roster/internal/roster"
	"roster/internal/service"
)

// appsData is the app set-up page's template data.
type appsData struct {
	User  roster.User
	Self  bool
	Phone string
	// Mobile asks for a QR code: the image's own request issues the code.
	Mobile bool
	// QR is the image's address, unique per showing so that no cache
	// ever serves an old code; MobileExpires is at the latest when the
	// code the image carries expires (it is issued a moment later).
	QR            string
	MobileExpires time.Time
	// Desktop is a freshly issued desktop link, if one was asked for.
	Desktop *service.Provisioning
}

// appsPage offers to set up the mobile app (a QR code) and the desktop app
// (a link). Showing the page issues nothing; each code is issued on
// request, single-use and valid for 15 minutes.
func (c *Console) appsPage(w http.ResponseWriter, r *http.Request, s *session) error {
	return c.renderApps(w, r, s, r.URL.Query().Get("show") == "mobile", nil)
}

// appsSubmit issues a desktop link and shows it.
func (c *Console) appsSubmit(w http.ResponseWriter, r *http.Request, s *session) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	prov, err := c.svc.CreateProvisioning(r.Context(), s.P, r.PathValue("id"), roster.AppDesktop)
	if err != nil {
		return err
	}
	return c.renderApps(w, r, s, false, prov)
}

func (c *Console) renderApps(w http.ResponseWriter, r *http.Request, s *session, mobile bool, desktop *service.Provisioning) error {
	id := r.PathValue("id")
	u, err := c.svc.User(r.Context(), s.P, id)
	if err != nil {
		return err
	}
	if id != s.P.UserID && !s.can(roster.PermTelephonyManage) {
		return roster.Errorf(roster.KindForbidden, "setting up someone else's app needs the telephony.manage permission")
	}
	if u.Status != roster.StatusActive {
		return roster.Errorf(roster.KindConflict, "%s is %s; only active users can set up an app", u.Email, u.Status)
	}
	d := &appsData{User: *u, Self: id == s.P.UserID, Phone: phonePath(s, id), Mobile: mobile, Desktop: desktop}
	if mobile {
		d.QR = "/people/" + id + "/phone/apps/mobile.png?n=" + rand.Text()
		d.MobileExpires = c.svc.Now().Add(service.ProvisioningTTL)
	}
	c.render(w, r, s, http.StatusOK, "phone_apps", "Set up the apps of "+u.Name(), d)
	return nil
}

// mobileQR issues a new mobile provisioning code and answers its QR code
// as a PNG that no one may store: each request is a new single-use code.
func (c *Console) mobileQR(w http.ResponseWriter, r *http.Request, s *session) error {
	prov, err := c.svc.CreateProvisioning(r.Context(), s.P, r.PathValue("id"), roster.AppMobile)
	if err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "image/png")
	h.Set("Cache-Control", "no-store")
	_, err = w.Write(prov.QRCodePNG)
	return err
}
