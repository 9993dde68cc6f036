package web

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"roster/internal/roster"
)

// auditQuery is the audit log's filter, all of it in the URL.
type auditQuery struct {
	Actor, Action, Target string // email or ID; action name
	From, To              string // dates, YYYY-MM-DD, inclusive
	Cursor                string
}

// auditActions are the actions the filter offers, in the order admins
// look for them.
var auditActions = []string{"user.invited", "user.activated", "user.login", "user.updated", "user.deactivated",
	"user.reactivated", "user.deleted", "user.prepared", "invitation.resent", "invitation.cancelled",
	"user.password_reset_requested", "user.password_changed", "user.logout", "license.set", "api_token.created", "org.created",
	"user.created"}

// parseAuditQuery reads the audit log's query parameters; dates that do not
// parse are dropped rather than refused, so old links keep working.
func parseAuditQuery(v url.Values) auditQuery {
	q := auditQuery{Actor: strings.TrimSpace(clip(v.Get("actor"), 254)), Action: strings.TrimSpace(clip(v.Get("action"), 60)),
		Target: strings.TrimSpace(clip(v.Get("target"), 254))}
	if _, err := time.Parse(time.DateOnly, v.Get("from")); err == nil {
		q.From = v.Get("from")
	}
	if _, err := time.Parse(time.DateOnly, v.Get("to")); err == nil {
		q.To = v.Get("to")
	}
	if c := v.Get("cursor"); len(c) <= 1024 {
		q.Cursor = c
	}
	return q
}

// WithCursor is this filter's page starting at cursor.
func (q auditQuery) WithCursor(cursor string) string {
	v := url.Values{}
	for k, s := range map[string]string{"actor": q.Actor, "action": q.Action, "target": q.Target, "from": q.From,
		"to": q.To, "cursor": cursor} {
		if s != "" {
			v.Set(k, s)
		}
	}
	return "/audit?" + v.Encode()
}

// auditData is the audit page's template data.
type auditData struct {
	Query   auditQuery
	Events  []roster.AuditEvent
	Actions []string
	Next    string
	// Unknown names a filter that matches nobody, to say so instead of
	// showing the whole log.
	Unknown string
}

func (c *Console) auditPage(w http.ResponseWriter, r *http.Request, s *session) error {
	if err := s.P.Require(roster.PermAuditView); err != nil {
		return err
	}
	q := parseAuditQuery(r.URL.Query())
	d := auditData{Query: q, Actions: auditActions, Events: []roster.AuditEvent{}}
	f := roster.AuditFilter{Action: q.Action, Limit: 50, Cursor: q.Cursor}
	var err error
	if f.ActorID, err = c.resolveUser(r, s, q.Actor); err != nil {
		d.Unknown = "No user " + q.Actor + " in this organisation."
	}
	if f.TargetID, err = c.resolveUser(r, s, q.Target); err != nil {
		d.Unknown = "No user " + q.Target + " in this organisation."
	}
	if t, err := time.Parse(time.DateOnly, q.From); err == nil {
		f.Since = t
	}
	if t, err := time.Parse(time.DateOnly, q.To); err == nil {
		f.Until = t.Add(24 * time.Hour)
	}
	if d.Unknown == "" {
		page, err := c.svc.AuditEvents(r.Context(), s.P, f)
		if roster.ErrorKind(err) == roster.KindInvalid && f.Cursor != "" {
			f.Cursor = ""
			page, err = c.svc.AuditEvents(r.Context(), s.P, f)
		}
		if err != nil {
			return err
		}
		d.Events = page.Items
		if page.NextCursor != "" {
			d.Next = q.WithCursor(page.NextCursor)
		}
	}
	c.render(w, r, s, http.StatusOK, "audit", "Audit log", d)
	return nil
}

// resolveUser turns an email into a user ID; anything else is taken as an
// ID already (deleted users are found by the ID their events keep).
func (c *Console) resolveUser(r *http.Request, s *session, who string) (string, error) {
	if who == "" || !strings.Contains(who, "@") {
		return who, nil
	}
	return c.svc.UserIDByEmail(r.Context(), s.P, who)
}
