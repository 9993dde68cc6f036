package service

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"roster/internal/roster"
	"roster/internal/sheet"
)

// MaxImportBytes bounds an import file.
const MaxImportBytes = 20 << 20

// MaxImportRows bounds the rows of one file: they go in one transaction,
// and checking them keeps every row's email and extension in memory (20 MB
// of one-column rows would otherwise be millions of them).
const MaxImportRows = 200_000

// maxReportedErrors bounds the row errors one answer lists; the count
// says how many there were in all.
const maxReportedErrors = 1000

// importChunk rows are held at a time. The file is read twice, row by
// row: once to check it, keeping only what checks across rows need
// (emails, extensions, seat counts), then to insert it, a chunk per
// statement batch and progress report. So the memory an import takes is a
// chunk's, not the file's, apart from the raw file itself when it cannot
// be rewound.
const importChunk = 2000

// ImportInput is one users import.
type ImportInput struct {
	// File is CSV with a header row. It is read twice (checked, then
	// applied): an io.Seeker (a file, a bytes.Reader) is rewound, anything
	// else is held in memory as sent, so callers bound its size
	// (MaxImportBytes).
	File io.Reader
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
	// refused notes the columns whose values were refused for want of a
	// permission, so that the file is told once per column.
	refused map[string]bool
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
	open, err := rereadable(in.File)
	if err != nil {
		err = importBad(err.Error())
	} else {
		err = s.importTx(ctx, p, in, open, rep)
	}
	var unreadable unreadableFile
	if errors.As(err, &unreadable) {
		return nil, unreadable.err
	}
	rep.Valid = rep.ErrorCount == 0
	if err == nil {
		s.refreshStats(ctx, rep.Rows)
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

// importTx checks the file and, unless it has problems or this is a dry
// run, applies it, in one transaction under the org's lock.
func (s *Service) importTx(ctx context.Context, p *Principal, in ImportInput, open func() (io.Reader, error), rep *ImportReport) error {
	return s.store.BulkTx(ctx, func(tx Tx) error {
		if err := tx.LockOrg(ctx, p.OrgID); err != nil {
			return err
		}
		org, err := tx.Org(ctx, p.OrgID)
		if err != nil {
			return err
		}
		refs, err := s.checkImport(ctx, tx, p, org, open, in.Invite, rep)
		if err != nil {
			return err
		}
		if rep.ErrorCount > 0 || in.DryRun {
			return errDryRun
		}
		return s.applyImport(ctx, tx, p, org, open, refs, in, rep.Rows)
	})
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

// rereadable returns a function that gives file from its start, each
// time it is called.
func rereadable(file io.Reader) (func() (io.Reader, error), error) {
	if rs, ok := file.(io.ReadSeeker); ok {
		// A pipe is a file that cannot seek: it is read into memory below.
		if start, err := rs.Seek(0, io.SeekCurrent); err == nil {
			return func() (io.Reader, error) {
				_, err := rs.Seek(start, io.SeekStart)
				return rs, err
			}, nil
		}
	}
	data, err := io.ReadAll(file)
	if err != nil {
		return nil, err
	}
	return func() (io.Reader, error) { return bytes.NewReader(data), nil }, nil
}

// unreadableFile is a file that cannot be imported at all (not CSV, no
// email column, too many rows): its answer is the error alone, without a
// report of rows.
type unreadableFile struct{ err *roster.Error }

func (u unreadableFile) Error() string { return u.err.Error() }
func (u unreadableFile) Unwrap() error { return u.err }

// importBad is the error of a file that cannot be imported at all.
func importBad(msg string) error {
	return unreadableFile{&roster.Error{Kind: roster.KindInvalid, Message: "the file cannot be imported: " + msg,
		Fields: []roster.FieldError{{Field: "file", Message: msg}}}}
}

// importReader reads an import file's rows one at a time.
type importReader struct {
	r      *sheet.Reader
	header []string
	cols   []*UserColumn // by cell; nil for cells the import does not read
	email  string        // the file's header of the email column
	rows   int
}

// openImport reads the header row of the file open gives, recording in
// rep how its columns map. A file that cannot be read as CSV at all, or
// has no email column, is unreadable.
func openImport(open func() (io.Reader, error), rep *ImportReport) (*importReader, error) {
	file, err := open()
	if err != nil {
		return nil, err
	}
	r, err := sheet.NewReader(file)
	if err != nil {
		return nil, importBad(err.Error())
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
			return nil, importBad(fmt.Sprintf("columns %q and %q both mean %s", prev, h, c.Name))
		}
		seen[c.Name] = h
		rep.Columns[h] = c.Name
		if !c.exportOnly() {
			cols[i] = c
		}
	}
	if _, ok := seen["email"]; !ok {
		return nil, importBad("no email column; the first row must name the columns, one of them email")
	}
	return &importReader{r: r, header: header, cols: cols, email: seen["email"]}, nil
}

// next returns the next row, parsed, recording its cells' problems in rep;
// io.EOF after the last. A file that stops being CSV is unreadable.
func (ir *importReader) next(rep *ImportReport) (*ImportRow, error) {
	rec, err := ir.r.Read()
	if errors.Is(err, io.EOF) {
		if ir.rows == 0 {
			return nil, importBad("the file has a header but no users")
		}
		return nil, io.EOF
	}
	if err != nil {
		return nil, importBad(err.Error())
	}
	if ir.rows == MaxImportRows {
		return nil, importBad(fmt.Sprintf("more than %d rows; split the file", MaxImportRows))
	}
	ir.rows++
	row := &ImportRow{Line: ir.r.Line()}
	for i, v := range rec {
		if i >= len(ir.cols) {
			if v != "" {
				rep.add(row.Line, "", "has more cells than the header has columns")
			}
			continue
		}
		if ir.cols[i] == nil || v == "" {
			continue
		}
		if err := ir.cols[i].Parse(row, v); err != nil {
			rep.add(row.Line, ir.header[i], "%s", err.Error())
		}
	}
	if row.User.Email == "" && !rowHasError(rep, row.Line) {
		rep.add(row.Line, ir.email, "is required")
	}
	return row, nil
}

// rowHasError reports whether the last recorded error is on line.
func rowHasError(rep *ImportReport, line int) bool {
	return len(rep.Errors) > 0 && rep.Errors[len(rep.Errors)-1].Row == line
}

// importRefs are the org's roles and license types by key and by
// lower-cased name, which a file's cells may use.
type importRefs struct {
	roleBy map[string]*roster.Role
	pools  []roster.LicensePool
	poolBy map[string]*roster.LicensePool
}

func loadImportRefs(ctx context.Context, tx Tx, orgID string) (*importRefs, error) {
	roles, err := tx.Roles(ctx, orgID)
	if err != nil {
		return nil, err
	}
	x := &importRefs{roleBy: map[string]*roster.Role{}, poolBy: map[string]*roster.LicensePool{}}
	for i := range roles {
		x.roleBy[roles[i].Key] = &roles[i]
		x.roleBy[strings.ToLower(roles[i].Name)] = &roles[i]
	}
	if x.pools, err = tx.LicensePools(ctx, orgID); err != nil {
		return nil, err
	}
	for i := range x.pools {
		x.poolBy[x.pools[i].Type] = &x.pools[i]
		x.poolBy[strings.ToLower(x.pools[i].Name)] = &x.pools[i]
	}
	return x, nil
}

// resolve sets the row's role and license type from its cells, recording
// a name the org does not have in rep, and its invite from the default.
func (x *importRefs) resolve(r *ImportRow, defaultInvite bool, rep *ImportReport) {
	if r.Invite == nil {
		r.Invite = ptrTo(defaultInvite)
	}
	ref := cmp.Or(r.RoleRef, roster.RoleAgent)
	role := x.roleBy[ref]
	if role == nil {
		role = x.roleBy[strings.ToLower(ref)]
	}
	if role != nil {
		r.User.RoleID, r.User.Role = role.ID, role.Key
	} else {
		rep.add(r.Line, rep.header("role"), "no role %q in this org", ref)
	}
	if r.LicenseRef != "" {
		pool := x.poolBy[r.LicenseRef]
		if pool == nil {
			pool = x.poolBy[strings.ToLower(r.LicenseRef)]
		}
		if pool == nil {
			rep.add(r.Line, rep.header("license_type"), "no license type %q in this org", r.LicenseRef)
		} else {
			r.User.LicenseType = pool.Type
		}
	}
}

// checkImport reads the file, resolving roles and licenses and finding
// rows that clash with each other or with the org, recording each in rep;
// too few seats or trial invitations for the whole file is LimitReached.
// Only each row's email and extension outlive its chunk. Call it under
// the org lock.
func (s *Service) checkImport(ctx context.Context, tx Tx, p *Principal, org *roster.Org, open func() (io.Reader, error), defaultInvite bool, rep *ImportReport) (*importRefs, error) {
	orgID := p.OrgID
	refs, err := loadImportRefs(ctx, tx, orgID)
	if err != nil {
		return nil, err
	}
	ir, err := openImport(open, rep)
	if err != nil {
		return nil, err
	}
	var emails []string
	firstEmail, firstExt := map[string]int{}, map[string]int{}
	// Seats: only invitees hold one; the whole file must fit.
	need := map[string]int{}
	chunk := make([]*ImportRow, 0, importChunk)
	for {
		r, err := ir.next(rep)
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, err
		}
		if r != nil {
			rep.Rows++
			refs.resolve(r, defaultInvite, rep)
			checkImportPermissions(p, r, rep)
			if *r.Invite {
				rep.Invited++
				if r.User.LicenseType != "" {
					need[r.User.LicenseType]++
				}
			} else {
				rep.Prepared++
			}
			// Clones: the cells share one string with the whole record.
			if e := r.User.Email; e != "" {
				if prev, dup := firstEmail[e]; dup {
					rep.add(r.Line, rep.header("email"), "%s is also on row %d", e, prev)
				} else {
					e = strings.Clone(e)
					firstEmail[e] = r.Line
					emails = append(emails, e)
				}
			}
			if x := r.User.Extension; x != "" {
				if prev, dup := firstExt[x]; dup {
					rep.add(r.Line, rep.header("extension"), "%s is also on row %d", x, prev)
				} else {
					firstExt[strings.Clone(x)] = r.Line
				}
			}
			chunk = append(chunk, r)
		}
		if len(chunk) == importChunk || r == nil && len(chunk) > 0 {
			if err := checkImportColumns(ctx, tx, orgID, chunk, rep); err != nil {
				return nil, err
			}
			clear(chunk)
			chunk = chunk[:0]
		}
		if r == nil {
			break
		}
	}
	taken, err := tx.ExistingEmails(ctx, orgID, emails)
	if err != nil {
		return nil, err
	}
	for e := range taken {
		rep.add(firstEmail[e], rep.header("email"), "%s is already a user of this org", e)
	}
	if len(firstExt) > 0 {
		inUse, err := tx.ExtensionsInUse(ctx, orgID)
		if err != nil {
			return nil, err
		}
		for x, line := range firstExt {
			if inUse[x] {
				rep.add(line, rep.header("extension"), "%s is already someone's extension", x)
			}
		}
	}
	if rep.ErrorCount > 0 {
		return refs, nil
	}
	if err := s.checkInviteLimits(org, nil, rep.Invited); rep.Invited > 0 && err != nil {
		return nil, err
	}
	for _, pool := range refs.pools {
		if n := need[pool.Type]; n > pool.Available {
			return nil, seatsError(&pool, n)
		}
	}
	return refs, nil
}

// applyImport reads the checked file again and creates its users, their
// invitations and audit events in tx, a chunk of rows at a time, with
// their teams and phone settings. The org is locked since the check, so
// the rows check the same again; one that does not means the file changed
// in between, and the transaction is rolled back.
func (s *Service) applyImport(ctx context.Context, tx Tx, p *Principal, org *roster.Org, open func() (io.Reader, error), refs *importRefs, in ImportInput, total int) error {
	again := &ImportReport{Columns: map[string]string{}}
	ir, err := openImport(open, again)
	if err != nil {
		return err
	}
	now := s.clock()
	invited, done := 0, 0
	rows := make([]*ImportRow, 0, importChunk)
	users := make([]roster.User, 0, importChunk)
	for {
		r, err := ir.next(again)
		if err != nil && !errors.Is(err, io.EOF) {
			return err
		}
		if r != nil {
			refs.resolve(r, in.Invite, again)
			rows = append(rows, r)
		}
		if len(rows) == importChunk || r == nil && len(rows) > 0 {
			if err := checkImportColumns(ctx, tx, p.OrgID, rows, again); err != nil {
				return err
			}
			if again.ErrorCount > 0 {
				return fmt.Errorf("the import file changed while it was imported: line %d: %s", again.Errors[0].Row, again.Errors[0].Message)
			}
			n, err := s.applyImportChunk(ctx, tx, p, org, rows, users, in.Integration, now)
			if err != nil {
				return err
			}
			invited += n
			done += len(rows)
			if in.Progress != nil {
				in.Progress(done, total)
			}
			clear(rows)
			rows = rows[:0]
		}
		if r == nil {
			break
		}
	}
	if done != total {
		return fmt.Errorf("the import file changed while it was imported: %d rows, then %d", total, done)
	}
	if invited > 0 {
		if err := tx.AddInvitationsSent(ctx, p.OrgID, invited); err != nil {
			return err
		}
	}
	return s.audit(ctx, tx, p, "users.imported", "org", p.OrgID, org.Slug, nil,
		map[string]any{"rows": done, "invited": invited, "prepared": done - invited})
}

// applyImportChunk creates one chunk's users (users is room for their
// copies) with their invitations or audit events, then puts them in their
// role's teams and stores their teams and phone-settings columns: each
// team's members_added event lists the users of one chunk, so that no
// event grows with the file. It returns how many were invited.
func (s *Service) applyImportChunk(ctx context.Context, tx Tx, p *Principal, org *roster.Org, rows []*ImportRow, users []roster.User, integration string, now time.Time) (int, error) {
	invited := 0
	users = users[:0]
	for _, r := range rows {
		u := &r.User
		u.ID, u.OrgID, u.CreatedAt, u.UpdatedAt = s.newID(), p.OrgID, now, now
		u.Status = roster.StatusPrepared
		if *r.Invite {
			u.Status = roster.StatusInvited
			invited++
		}
		users = append(users, *u)
	}
	if err := tx.InsertUsers(ctx, p.OrgID, users); err != nil {
		return 0, err
	}
	var batch invitationBatch
	for i := range users {
		u := &users[i]
		if u.Status == roster.StatusInvited {
			if err := s.addInvitation(&batch, p, org, u, integration); err != nil {
				return 0, err
			}
			continue
		}
		batch.events = append(batch.events, s.preparedEvent(p, u))
	}
	if err := batch.write(ctx, tx, p.OrgID); err != nil {
		return 0, err
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
			return 0, err
		}
	}
	return invited, s.applyImportColumns(ctx, tx, p, rows)
}
