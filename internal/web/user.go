package web

import (
	"net/http"

	"roster/internal/roster"
	"roster/internal/service"
)

// userData is the user detail page's template data.
type userData struct {
	Row     personRow
	Lookups *orgLookups
	Can     actions
	Self    bool
	Trail   []roster.AuditEvent
	// CanAudit: the trail needs audit.view.
	CanAudit bool
	Invite   *inviteForm
	Org      *roster.Org
}

// userPage shows one user: profile, role, license, status, last login and
// their audit trail. Users may always see their own profile.
func (c *Console) userPage(w http.ResponseWriter, r *http.Request, s *session) error {
	u, err := c.svc.User(r.Context(), s.P, r.PathValue("id"))
	if err != nil {
		return err
	}
	l, err := c.lookups(r, s)
	if err != nil {
		return err
	}
	d := userData{Lookups: l, Can: actionsFor(s), Self: u.ID == s.P.UserID, Org: s.Me.Org}
	var rows []personRow
	if s.can(roster.PermUsersRead) {
		if rows, err = c.rows(r, s, l, []roster.User{*u}); err != nil {
			return err
		}
	} else {
		// Only one's own profile gets here (the service refuses others).
		role, pool, err := c.svc.OwnRoleAndLicense(r.Context(), s.P)
		if err != nil {
			return err
		}
		row := personRow{User: *u, RoleName: role.Name, LicenseName: l.LicenseName(u.LicenseType)}
		if pool != nil {
			row.LicenseName = pool.Name
		}
		rows = []personRow{row}
	}
	d.Row = rows[0]
	if s.can(roster.PermAuditView) {
		d.CanAudit = true
		page, err := c.svc.AuditEvents(r.Context(), s.P, roster.AuditFilter{TargetID: u.ID, Limit: 50})
		if err != nil {
			return err
		}
		d.Trail = page.Items
	}
	c.render(w, r, s, http.StatusOK, "user", u.Name(), d)
	return nil
}

// serviceUserPatch reads the Manage role and license dialog.
func serviceUserPatch(r *http.Request) service.UserPatch {
	return service.UserPatch{Role: optional(r, "role"), LicenseType: optional(r, "license")}
}
