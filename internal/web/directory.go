package web

import (
	"net/http"

	"roster/internal/roster"
)

// directoryData is the dial-by-name directory page's template data.
type directoryData struct {
	Q       string
	Entries []roster.DirectoryEntry
	Match   string
	// Searched: a search was made, so an empty list means no match.
	Searched bool
	Problem  string
	CanSet   bool
	Modes    []option
}

// directoryModes are the org's choices of what the directory matches.
var directoryModes = []option{
	{roster.DirectoryMatchLast, "Last name (default)"},
	{roster.DirectoryMatchFirst, "First name"},
	{roster.DirectoryMatchFirstLast, "First or last name"},
}

// directoryPage searches the dial-by-name directory; admins with
// telephony.manage also choose what it matches.
func (c *Console) directoryPage(w http.ResponseWriter, r *http.Request, s *session) error {
	q := r.URL.Query().Get("q")
	d := &directoryData{Q: q, Searched: q != "", CanSet: s.can(roster.PermTelephonyManage), Modes: directoryModes}
	status := http.StatusOK
	entries, match, err := c.svc.Directory(r.Context(), s.P, q, 100)
	if err != nil {
		_, problem, ok := fieldErrors(err)
		if !ok {
			return err
		}
		d.Problem, status = problem, statusOf(err)
		if match, err = c.svc.DirectorySettings(r.Context(), s.P); err != nil {
			return err
		}
	}
	d.Entries, d.Match = entries, match
	c.render(w, r, s, status, "directory", "Directory", d)
	return nil
}

// MatchLabel names the org's matching mode.
func (d *directoryData) MatchLabel() string {
	for _, m := range d.Modes {
		if m.Value == d.Match {
			return m.Label
		}
	}
	return d.Match
}

func (c *Console) directorySettingsSubmit(w http.ResponseWriter, r *http.Request, s *session) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	if _, err := c.svc.SetDirectorySettings(r.Context(), s.P, r.PostFormValue("match")); err != nil {
		return c.refuse(w, r, "/directory", err)
	}
	return c.redirectWith(w, r, "/directory", flash{Message: "Directory matching is saved."})
}
