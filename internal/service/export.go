package service

import (
	"context"

	"roster/internal/roster"
)

// RowWriter receives an export row by row.
type RowWriter interface {
	Write(cells []string) error
}

// exportPage is how many users the export reads per query: the list's
// largest page, so the export walks the same indexes the people list does.
const exportPage = 500

// ExportUsers writes the header and then every user of the org matching f
// (any sort, no cursor or limit) to w, one page of users at a time so that
// memory stays flat whatever the org's size. Needs users.read. A bad filter
// is Invalid, reported before anything is written.
func (s *Service) ExportUsers(ctx context.Context, p *Principal, f roster.UserFilter, w RowWriter) (int, error) {
	if err := p.Require(roster.PermUsersRead); err != nil {
		return 0, err
	}
	if err := validateExportFilter(f); err != nil {
		return 0, err
	}
	n, err := s.exportUsers(ctx, p, f, w)
	if err != nil {
		return n, err
	}
	// Who took a copy of the people list is worth knowing later.
	return n, s.store.Tx(ctx, func(tx Tx) error {
		return s.audit(ctx, tx, p, "users.exported", "org", p.OrgID, "", nil, map[string]any{
			"rows": n, "status": f.Status, "statuses": f.Statuses, "role": f.Role, "license_type": f.LicenseType, "q": f.Query})
	})
}

func (s *Service) exportUsers(ctx context.Context, p *Principal, f roster.UserFilter, w RowWriter) (int, error) {
	f.Cursor, f.Limit = "", exportPage
	r := s.store.Read()
	// Check the filter (sort name) before the header goes out.
	first, err := r.ListUsers(ctx, p.OrgID, f)
	if err != nil {
		return 0, err
	}
	if err := w.Write(UserColumnNames()); err != nil {
		return 0, err
	}
	n := 0
	cols := exportColumns()
	cells := make([]string, len(cols))
	render := make([]func(u *roster.User) string, len(cols))
	for page := first; ; {
		batch := newExportBatch(ctx, r, p.OrgID, page.Items)
		for i, c := range cols {
			render[i] = c.Cell
			if c.Load != nil {
				if render[i], err = c.Load(batch); err != nil {
					return n, err
				}
			}
		}
		for j := range page.Items {
			u := &page.Items[j]
			for i := range cells {
				cells[i] = render[i](u)
			}
			if err := w.Write(cells); err != nil {
				return n, err
			}
			n++
		}
		if page.NextCursor == "" {
			return n, nil
		}
		f.Cursor = page.NextCursor
		if page, err = r.ListUsers(ctx, p.OrgID, f); err != nil {
			return n, err
		}
	}
}

// validateExportFilter checks the filters a client sets.
func validateExportFilter(f roster.UserFilter) error {
	var v roster.Validation
	if f.Status != "" && !roster.ValidStatus(f.Status) {
		v.Add("status", "must be one of active, invited, prepared, inactive")
	}
	for _, st := range f.Statuses {
		if !roster.ValidStatus(st) {
			v.Add("status", "%q is not one of active, invited, prepared, inactive", st)
		}
	}
	if len(f.Query) > 200 {
		v.Add("q", "must be at most 200 characters")
	}
	return v.Err()
}
