package service

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"roster/internal/roster"
	"roster/internal/sheet"
)

// MaxImportBytes bounds an import file.
const MaxImportBytes = 20 << 20

// MaxImportRows bounds the rows of one file, whose users are all held in
// memory until the file is applied: 20 MB of one-column rows would
// otherwise be millions of them.
const MaxImportRows = 200_000

// maxReportedErrors bounds the row errors one answer lists; the count
// says how many there were in all.
const maxReportedErrors = 1000

// importChunk users are inserted between two progress reports.
const importChunk = 5000

// ImportInput is one users import.
type ImportInput struct {
	File io.Reader // CSV with a header row
	// DryRun checks everything and changes nothing.
	DryRun bool
	// Invite is the default for rows that say neither status nor invite:
	// true invites them (emails go out), false prepares them.
	Invite      bool
	Integration string // the CRM integration invitees first sign in with
	// Progress, when set, hears how many rows are stored so far.
	Progress func(done, total int)
}

// ImportError is one problem with an import file: the row (its line in
// the file; 0 for the file as a whole), the column as the file names it,
// and what is wrong.
type ImportError struct {
	Row     int    `json:"row"`
	Column  string `json:"column,omitempty"`
	Message string `json:"message"`
}

// ImportReport is what an import did, or with DryRun would do.
type ImportReport struct {
	DryRun bool `json:"dry_run"`
	// Valid is true when the file can be (or was) imported as it is.
	Valid    bool `json:"valid"`
	Rows     int  `json:"rows"`
	Prepared int  `json:"prepared"`
	Invited  int  `json:"invited"`
	// Columns maps each recognised header to the column it fills;
	// IgnoredColumns lists headers Roster does not know.
	Columns        map[string]string `json:"columns"`
	IgnoredColumns []string          `json:"ignored_columns"`
	Errors         []ImportError     `json:"errors"`
	ErrorCount     int               `json:"error_count"`
}

// header returns the file's name for a registry column, or the column's
// own name when the file has none (a default that failed).
func (r *ImportReport) header(column string) string {
	for h, c := range r.Columns {
		if c == column {
			return h
		}
	}
	return column
}

func (r *ImportReport) add(row int, column, format string, args ...any) {
	r.ErrorCount++
	if len(r.Errors) < maxReportedErrors {
		r.Errors = append(r.Errors, ImportError{Row: row, Column: column, Message: fmt.Sprintf(format, args...)})
	}
}

// errDryRun rolls back a dry run's transaction.
var errDryRun = errors.New("dry run")

// ImportUsers creates a user for every row of a CSV file, all in one
// transaction: a file with any invalid row, or needing more seats than are
// free, changes nothing. Needs invites.send. With DryRun it only checks.
// An unreadable file or any bad row is Invalid, with the rows' errors in
// Extra["row_errors"] (a dry run reports them in the report instead); too
// few seats or trial invitations is LimitReached.
func (s *Service) ImportUsers(ctx context.Context, p *Principal, in ImportInput) (*ImportReport, error) {
	if err := p.Require(roster.PermInvitesSend); err != nil {
		return nil, err
	}
	in.Integration = strings.TrimSpace(in.Integration)
	if len(in.Integration) > 100 {
		var v roster.Validation
		v.Add("integration", "must be at most 100 characters")
		return nil, v.Err()
	}
	rep := &ImportReport{DryRun: in.DryRun, Columns: map[string]string{}, IgnoredColumns: []string{}, Errors: []ImportError{}}
	rows, err := readImport(in.File, rep)
	if err != nil {
		return nil, err
	}
	checkImportPermissions(p, rows, rep)
	rep.Rows = len(rows)
	for _, r := range rows {
		if r.Invite == nil {
			r.Invite = ptrTo(in.Invite)
		}
		if *r.Invite {
			rep.Invited++
		} else {
			rep.Prepared++
		}
	}
	err = s.store.Tx(ctx, func(tx Tx) error {
		if err := tx.LockOrg(ctx, p.OrgID); err != nil {
			return err
		}
		org, err := tx.Org(ctx, p.OrgID)
		if err != nil {
			return err
		}
		if err := s.checkImport(ctx, tx, p.OrgID, org, rows, rep); err != nil {
			return err
		}
		if rep.ErrorCount > 0 || in.DryRun {
			return errDryRun
		}
		return s.applyImport(ctx, tx, p, org, rows, in)
	})
	rep.Valid = rep.ErrorCount == 0
	if err == nil && len(rows) >= analyzeAfter {
		s.refreshStats(ctx)
	}
	slices.SortStableFunc(rep.Errors, func(a, b ImportError) int { return cmp.Compare(a.Row, b.Row) })
	switch {
	case errors.Is(err, errDryRun) && (in.DryRun || rep.Valid):
		return rep, nil
	case errors.Is(err, errDryRun):
		return rep, importInvalid(rep)
	case err != nil && in.DryRun && roster.ErrorKind(err) == roster.KindLimitReached:
		// A preview shows the shortage as one more problem to fix.
		var re *roster.Error
		errors.As(err, &re)
		rep.add(0, "", "%s", re.Message)
		rep.Valid = false
		return rep, nil
	}
	return rep, err
}

// importInvalid is the error of an import refused for its rows.
func importInvalid(rep *ImportReport) error {
	e := &roster.Error{Kind: roster.KindInvalid,
		Message: fmt.Sprintf("the file has %d problem(s); nothing was imported", rep.ErrorCount),
		Extra:   map[string]any{"row_errors": rep.Errors, "error_count": rep.ErrorCount}}
	for _, re := range rep.Errors {
		field := "file"
		if re.Row > 0 {
			field = fmt.Sprintf("row %d", re.Row)
			if re.Column != "" {
				field += " " + re.Column
			}
		}
		e.Fields = append(e.Fields, roster.FieldError{Field: field, Message: re.Message})
	}
	return e
}

// readImport parses the file into rows, recording syntax errors in rep. A
// file that cannot be read as CSV at all is Invalid.
func readImport(file io.Reader, rep *ImportReport) ([]*ImportRow, error) {
	bad := func(msg string) error {
		return &roster.Error{Kind: roster.KindInvalid, Message: "the file cannot be imported: " + msg,
			Fields: []roster.FieldError{{Field: "file", Message: msg}}}
	}
	r, err := sheet.NewReader(file)
	if err != nil {
		return nil, bad(err.Error())
	}
	header := r.Header()
	cols := make([]*UserColumn, len(header))
	seen := map[string]string{}
	for i, h := range header {
		c := columnByHeader(h)
		if c == nil {
			if h != "" {
				rep.IgnoredColumns = append(rep.IgnoredColumns, h)
			}
			continue
		}
		if prev, dup := seen[c.Name]; dup {
			return nil, bad(fmt.Sprintf("columns %q and %q both mean %s", prev, h, c.Name))
		}
		seen[c.Name] = h
		rep.Columns[h] = c.Name
		if !c.exportOnly() {
			cols[i] = c
		}
	}
	if _, ok := seen["email"]; !ok {
		return nil, bad("no email column; the first row must name the columns, one of them email")
	}
	var rows []*ImportRow
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, bad(err.Error())
		}
		if len(rows) == MaxImportRows {
			return nil, bad(fmt.Sprintf("more than %d rows; split the file", MaxImportRows))
		}
		row := &ImportRow{Line: r.Line()}
		for i, v := range rec {
			if i >= len(cols) {
				if v != "" {
					rep.add(row.Line, "", "has more cells than the header has columns")
				}
				continue
			}
			if cols[i] == nil || v == "" {
				continue
			}
			if err := cols[i].Parse(row, v); err != nil {
				rep.add(row.Line, header[i], "%s", err.Error())
			}
		}
		if row.User.Email == "" && !rowHasError(rep, row.Line) {
			rep.add(row.Line, seen["email"], "is required")
		}
		rows = append(rows, row)
	}
	if len(rows) == 0 {
		return nil, bad("the file has a header but no users")
	}
	return rows, nil
}

// rowHasError reports whether the last recorded error is on line.
func rowHasError(rep *ImportReport, line int) bool {
	return len(rep.Errors) > 0 && rep.Errors[len(rep.Errors)-1].Row == line
}

// checkImport resolves roles and licenses and finds rows that clash with
// each other or with the org, recording each in rep; too few seats or
// trial invitations for the whole file is LimitReached. Call it under the
// org lock.
func (s *Service) checkImport(ctx context.Context, tx Tx, orgID string, org *roster.Org, rows []*ImportRow, rep *ImportReport) error {
	roles, err := tx.Roles(ctx, orgID)
	if err != nil {
		return err
	}
	roleBy := map[string]*roster.Role{}
	for i := range roles {
		roleBy[roles[i].Key] = &roles[i]
		roleBy[strings.ToLower(roles[i].Name)] = &roles[i]
	}
	pools, err := tx.LicensePools(ctx, orgID)
	if err != nil {
		return err
	}
	poolBy := map[string]*roster.LicensePool{}
	for i := range pools {
		poolBy[pools[i].Type] = &pools[i]
		poolBy[strings.ToLower(pools[i].Name)] = &pools[i]
	}
	emails := make([]string, 0, len(rows))
	firstEmail, firstExt := map[string]int{}, map[string]int{}
	for _, r := range rows {
		ref := r.RoleRef
		if ref == "" {
			ref = roster.RoleAgent
		}
		if role := roleBy[ref]; role != nil || roleBy[strings.ToLower(ref)] != nil {
			if role == nil {
				role = roleBy[strings.ToLower(ref)]
			}
			r.User.RoleID, r.User.Role = role.ID, role.Key
		} else {
			rep.add(r.Line, rep.header("role"), "no role %q in this org", ref)
		}
		if r.LicenseRef != "" {
			pool := poolBy[r.LicenseRef]
			if pool == nil {
				pool = poolBy[strings.ToLower(r.LicenseRef)]
			}
			if pool == nil {
				rep.add(r.Line, rep.header("license_type"), "no license type %q in this org", r.LicenseRef)
			} else {
				r.User.LicenseType = pool.Type
			}
		}
		if e := r.User.Email; e != "" {
			if prev, dup := firstEmail[e]; dup {
				rep.add(r.Line, rep.header("email"), "%s is also on row %d", e, prev)
			} else {
				firstEmail[e] = r.Line
				emails = append(emails, e)
			}
		}
		if x := r.User.Extension; x != "" {
			if prev, dup := firstExt[x]; dup {
				rep.add(r.Line, rep.header("extension"), "%s is also on row %d", x, prev)
			} else {
				firstExt[x] = r.Line
			}
		}
	}
	taken, err := tx.ExistingEmails(ctx, orgID, emails)
	if err != nil {
		return err
	}
	for e := range taken {
		rep.add(firstEmail[e], rep.header("email"), "%s is already a user of this org", e)
	}
	if len(firstExt) > 0 {
		inUse, err := tx.ExtensionsInUse(ctx, orgID)
		if err != nil {
			return err
		}
		for x, line := range firstExt {
			if inUse[x] {
				rep.add(line, rep.header("extension"), "%s is already someone's extension", x)
			}
		}
	}
	if err := checkImportColumns(ctx, tx, orgID, rows, rep); err != nil {
		return err
	}
	if rep.ErrorCount > 0 {
		return nil
	}
	// Seats: only invitees hold one; the whole file must fit.
	need, invites := map[string]int{}, 0
	for _, r := range rows {
		if *r.Invite {
			invites++
			if r.User.LicenseType != "" {
				need[r.User.LicenseType]++
			}
		}
	}
	if err := s.checkInviteLimits(org, nil, invites); invites > 0 && err != nil {
		return err
	}
	for _, pool := range pools {
		if n := need[pool.Type]; n > pool.Available {
			return seatsError(&pool, n)
		}
	}
	return nil
}

// applyImport creates the checked rows' users, their invitations and audit
// events in tx, then stores the teams, queues and phone-settings columns.
func (s *Service) applyImport(ctx context.Context, tx Tx, p *Principal, org *roster.Org, rows []*ImportRow, in ImportInput) error {
	now := s.clock()
	invited := 0
	// Chunks keep the copies handed to the store small: the rows
	// themselves are the one full copy of the file in memory.
	chunk := make([]roster.User, 0, importChunk)
	for start := 0; start < len(rows); start += importChunk {
		chunk = chunk[:0]
		for _, r := range rows[start:min(start+importChunk, len(rows))] {
			u := &r.User
			u.ID, u.OrgID, u.CreatedAt, u.UpdatedAt = s.newID(), p.OrgID, now, now
			u.Status = roster.StatusPrepared
			if *r.Invite {
				u.Status = roster.StatusInvited
				invited++
			}
			chunk = append(chunk, *u)
		}
		if err := tx.InsertUsers(ctx, p.OrgID, chunk); err != nil {
			return err
		}
		var events []roster.AuditEvent
		for i := range chunk {
			u := &chunk[i]
			if u.Status == roster.StatusInvited {
				if err := s.issueInvitation(ctx, tx, p, org, u, in.Integration); err != nil {
					return err
				}
				continue
			}
			events = append(events, roster.AuditEvent{ID: s.newID(), ActorID: p.UserID, ActorLabel: p.Label(), IP: p.IP,
				Action: "user.prepared", TargetType: "user", TargetID: u.ID, TargetLabel: u.Email,
				After: userSnapshot(u), CreatedAt: now})
		}
		if err := tx.InsertAuditEvents(ctx, p.OrgID, events); err != nil {
			return err
		}
		if in.Progress != nil {
			in.Progress(start+len(chunk), len(rows))
		}
	}
	if invited > 0 {
		if err := tx.AddInvitationsSent(ctx, p.OrgID, invited); err != nil {
			return err
		}
	}
	// A role linked to teams puts its new holders in them, as an invitation does.
	byRole := map[string][]string{}
	var roleIDs []string
	for _, r := range rows {
		if byRole[r.User.RoleID] == nil {
			roleIDs = append(roleIDs, r.User.RoleID)
		}
		byRole[r.User.RoleID] = append(byRole[r.User.RoleID], r.User.ID)
	}
	for _, roleID := range roleIDs {
		if err := s.joinRoleTeams(ctx, tx, p, p.OrgID, byRole[roleID], roleID); err != nil {
			return err
		}
	}
	if err := s.applyImportColumns(ctx, tx, p, rows); err != nil {
		return err
	}
	return s.audit(ctx, tx, p, "users.imported", "org", p.OrgID, org.Slug, nil,
		map[string]any{"rows": len(rows), "invited": invited, "prepared": len(rows) - invited})
}
