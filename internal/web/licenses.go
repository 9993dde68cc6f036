package web

import (
	"net/http"

	"roster/internal/roster"
)

// licensesData is the Licenses page's template data.
type licensesData struct {
	Pools    []roster.LicensePool
	Org      *roster.Org
	TrialMax int
}

// TrialLeft is how many of a trial's lifetime invitations remain.
func (d licensesData) TrialLeft() int { return max(d.TrialMax-d.Org.InvitationsSent, 0) }

// licensesPage shows each license type's purchased, used and available
// seats; adding seats goes through the account manager (seed 000).
func (c *Console) licensesPage(w http.ResponseWriter, r *http.Request, s *session) error {
	pools, err := c.svc.Licenses(r.Context(), s.P)
	if err != nil {
		return err
	}
	c.render(w, r, s, http.StatusOK, "licenses", "Licenses",
		licensesData{Pools: pools, Org: s.Me.Org, TrialMax: roster.TrialInvitationLimit})
	return nil
}
