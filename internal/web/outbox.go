package web

import (
	"net/http"

	"roster/internal/roster"
)

// outboxPage shows the operator the emails Roster would have sent, with
// their links, while no SMTP server is configured: a first run then works
// end to end on one machine. With SMTP configured the page does not exist.
func (c *Console) outboxPage(w http.ResponseWriter, r *http.Request, s *session) error {
	if !c.opt.Outbox {
		return roster.Errorf(roster.KindNotFound, "emails are delivered by SMTP; there is no outbox to show")
	}
	emails, err := c.svc.Outbox(r.Context(), s.P, 200)
	if err != nil {
		return err
	}
	c.render(w, r, s, http.StatusOK, "outbox", "Outbox", emails)
	return nil
}
