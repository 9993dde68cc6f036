package web

import (
	"net/http"
	"net/url"

	"roster/internal/roster"
	"roster/internal/sheet"
)

// exportStatuses are the statuses the Export dialog offers, in its order.
var exportStatuses = []roster.Status{roster.StatusActive, roster.StatusInvited, roster.StatusPrepared, roster.StatusInactive}

// exportQuery is the file the Export dialog asks for: the People page's
// filters, the statuses to include and the format.
type exportQuery struct {
	peopleQuery
	Statuses []roster.Status
	Format   string
}

// parseExportQuery reads /people/export's parameters. Unlike the page's
// own query it refuses what it does not understand: a download that
// silently dropped a filter would hand out more people than the admin
// chose. status may repeat (one per checkbox) or list several with commas.
func parseExportQuery(v url.Values) (exportQuery, error) {
	q := exportQuery{peopleQuery: parsePeopleQuery(v), Format: v.Get("format")}
	var bad roster.Validation
	if q.Format == "" {
		q.Format = "csv"
	}
	if _, ok := sheet.Formats[q.Format]; !ok {
		bad.Add("format", "must be csv or xlsx")
	}
	statuses, err := roster.ParseStatusList(v["status"])
	if err != nil {
		return q, err
	}
	if q.Statuses = statuses; len(q.Statuses) == 0 && bad.Err() == nil {
		bad.Add("status", "choose at least one status to export")
	}
	return q, bad.Err()
}

// filter is the service filter of the export: every filter of the page,
// the chosen statuses instead of the tab, and no cursor.
func (q exportQuery) filter() roster.UserFilter {
	f := q.peopleQuery.filter(0)
	f.Status, f.Cursor, f.Limit = "", "", 0
	f.Statuses = q.Statuses
	return f
}

// exportPeople streams the export the REST API's GET /api/v1/users/export
// does, with the session of the console: same columns, same file name,
// same streaming. Needs users.read (the service checks it).
func (c *Console) exportPeople(w http.ResponseWriter, r *http.Request, s *session) error {
	if err := s.P.Require(roster.PermUsersRead); err != nil {
		return err
	}
	q, err := parseExportQuery(r.URL.Query())
	if err != nil {
		return err
	}
	return sheet.Download(w, q.Format, c.svc.Now(), c.log.With("from", "console"), func(sw sheet.Writer) error {
		_, err := c.svc.ExportUsers(r.Context(), s.P, q.filter(), sw)
		return err
	})
}

// ExportHidden are the page's filters as the Export form carries them.
func (q peopleQuery) ExportHidden() map[string]string {
	out := map[string]string{}
	for k, s := range map[string]string{"q": q.Q, "role": q.Role, "license": q.License, "team": q.Team, "sort": q.Sort} {
		if s != "" {
			out[k] = s
		}
	}
	return out
}

// ExportStatuses are the choices of the Export dialog, the current tab's
// status checked.
func (q peopleQuery) ExportStatuses() []tab {
	out := make([]tab, len(exportStatuses))
	for i, st := range exportStatuses {
		out[i] = tab{Status: st, Label: tabLabel[st], Current: st == q.Tab}
	}
	return out
}
