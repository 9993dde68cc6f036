package store

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"roster/internal/roster"
)

const userCols = `u.id, u.org_id, u.email, u.first_name, u.last_name, u.status, u.role_id, r.key, u.license_type,
	u.extension, u.password_hash, u.last_login_at, u.created_at, u.updated_at`

const userFrom = ` FROM users u JOIN roles r ON r.id = u.role_id `

// scanUser scans userCols, then any extra columns into extra.
func scanUser(s interface{ Scan(...any) error }, extra ...any) (*roster.User, error) {
	var u roster.User
	var last sql.NullInt64
	var created, updated int64
	if err := s.Scan(append([]any{&u.ID, &u.OrgID, &u.Email, &u.FirstName, &u.LastName, &u.Status, &u.RoleID, &u.Role,
		&u.LicenseType, &u.Extension, &u.PasswordHash, &last, &created, &updated}, extra...)...); err != nil {
		return nil, err
	}
	u.LastLoginAt = nullUS(last)
	u.CreatedAt = fromUS(created)
	u.UpdatedAt = fromUS(updated)
	return &u, nil
}

// sortName is the key the people list sorts names by.
func sortName(u *roster.User) string {
	return strings.ToLower(strings.TrimSpace(u.FirstName+" "+u.LastName)) + "\x1f" + u.Email
}

// searchText is what the q filter matches: names, email and extension, lower-cased.
func searchText(u *roster.User) string {
	return strings.ToLower(u.FirstName + " " + u.LastName + "\x1f" + u.Email + "\x1f" + u.Extension)
}

// CreateUser inserts a user; an email already in the org is a Conflict.
func (c *Conn) CreateUser(ctx context.Context, orgID string, u *roster.User) error {
	_, err := c.exec(ctx, `INSERT INTO users (id, org_id, email, first_name, last_name, status, role_id, license_type,
			extension, password_hash, last_login_at, created_at, updated_at, sort_name, search)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		u.ID, orgID, u.Email, u.FirstName, u.LastName, string(u.Status), u.RoleID, u.LicenseType,
		u.Extension, u.PasswordHash, usPtr(u.LastLoginAt), us(u.CreatedAt), us(u.UpdatedAt), sortName(u), searchText(u))
	return err
}

// UpdateUser writes every mutable field of u (not its email or ID).
func (c *Conn) UpdateUser(ctx context.Context, orgID string, u *roster.User) error {
	return c.execOne(ctx, `UPDATE users SET first_name = ?, last_name = ?, status = ?, role_id = ?, license_type = ?,
			extension = ?, password_hash = ?, last_login_at = ?, updated_at = ?, sort_name = ?, search = ?
		WHERE org_id = ? AND id = ?`,
		u.FirstName, u.LastName, string(u.Status), u.RoleID, u.LicenseType, u.Extension, u.PasswordHash,
		usPtr(u.LastLoginAt), us(u.UpdatedAt), sortName(u), searchText(u), orgID, u.ID)
}

// SetLastLogin records a sign-in time and nothing else of the user.
func (c *Conn) SetLastLogin(ctx context.Context, orgID, userID string, at time.Time) error {
	return c.execOne(ctx, `UPDATE users SET last_login_at = ? WHERE org_id = ? AND id = ?`, us(at), orgID, userID)
}

// DeleteUser removes a user and, by cascade, their sessions and tokens.
func (c *Conn) DeleteUser(ctx context.Context, orgID, userID string) error {
	return c.execOne(ctx, `DELETE FROM users WHERE org_id = ? AND id = ?`, orgID, userID)
}

// User returns one user of the org, or ErrNotFound.
func (c *Conn) User(ctx context.Context, orgID, userID string) (*roster.User, error) {
	u, err := scanUser(c.row(ctx, `SELECT `+userCols+userFrom+`WHERE u.org_id = ? AND u.id = ?`, orgID, userID))
	if err != nil {
		return nil, c.dialect.mapError(err)
	}
	return u, nil
}

// UserDetail is User with what the user's presence is derived from and
// their teams (disabled ones flagged), read in the same query: what a
// request for one user answers with.
func (c *Conn) UserDetail(ctx context.Context, orgID, userID string) (*roster.User, error) {
	var a activity
	var teams string
	u, err := scanUser(c.row(ctx, `SELECT `+userCols+`, u.last_active_at, `+presenceCols+`, u.team_list`+
		userFrom+presenceJoins+`WHERE u.org_id = ? AND u.id = ?`, orgID, userID),
		&a.lastActive, &a.set, &a.setAt, &a.dnd, &teams)
	if err != nil {
		return nil, c.dialect.mapError(err)
	}
	in := a.input(u.Status)
	u.Activity = &in
	u.Teams = parseTeamList(teams)
	return u, nil
}

// UserByEmail returns the org's user with this (normalised) email, or ErrNotFound.
func (c *Conn) UserByEmail(ctx context.Context, orgID, email string) (*roster.User, error) {
	u, err := scanUser(c.row(ctx, `SELECT `+userCols+userFrom+`WHERE u.org_id = ? AND u.email = ?`, orgID, email))
	return u, c.dialect.mapError(err)
}

// UsersByEmails returns the org's users whose email is in emails.
func (c *Conn) UsersByEmails(ctx context.Context, orgID string, emails []string) ([]roster.User, error) {
	if len(emails) == 0 {
		return nil, nil
	}
	args := []any{orgID}
	for _, e := range emails {
		args = append(args, e)
	}
	q := `SELECT ` + userCols + userFrom + `WHERE u.org_id = ? AND u.email IN (?` + strings.Repeat(", ?", len(emails)-1) + `)`
	return c.users(ctx, q, args...)
}

// UsersWithEmailAnyOrg returns the users of every org whose email is email.
// Sign-in and password recovery start from an email alone, before any org is
// known; this is the one user query not scoped to an org.
func (c *Conn) UsersWithEmailAnyOrg(ctx context.Context, email string) ([]roster.User, error) {
	return c.users(ctx, `SELECT `+userCols+userFrom+`WHERE u.email = ? ORDER BY u.created_at`, email)
}

func (c *Conn) users(ctx context.Context, q string, args ...any) ([]roster.User, error) {
	rows, err := c.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []roster.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *u)
	}
	return out, c.dialect.mapError(rows.Err())
}

// CountSeatsUsed counts the org's active and invited users holding licenseType.
func (c *Conn) CountSeatsUsed(ctx context.Context, orgID, licenseType string) (int, error) {
	var n int
	err := c.row(ctx, `SELECT COUNT(*) FROM users WHERE org_id = ? AND license_type = ? AND status IN ('active', 'invited')`,
		orgID, licenseType).Scan(&n)
	return n, c.dialect.mapError(err)
}

// CountActiveWithRoles counts the org's active users whose role is one of
// roleIDs, leaving out the user exceptID.
func (c *Conn) CountActiveWithRoles(ctx context.Context, orgID string, roleIDs []string, exceptID string) (int, error) {
	if len(roleIDs) == 0 {
		return 0, nil
	}
	args := []any{orgID, exceptID}
	for _, id := range roleIDs {
		args = append(args, id)
	}
	var n int
	err := c.row(ctx, `SELECT COUNT(*) FROM users WHERE org_id = ? AND status = 'active' AND id <> ? AND role_id IN (?`+
		strings.Repeat(", ?", len(roleIDs)-1)+`)`, args...).Scan(&n)
	return n, c.dialect.mapError(err)
}

// CountUsersByStatus returns how many users of the org are in each status.
func (c *Conn) CountUsersByStatus(ctx context.Context, orgID string) (map[roster.Status]int, error) {
	rows, err := c.query(ctx, `SELECT status, COUNT(*) FROM users WHERE org_id = ? GROUP BY status`, orgID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[roster.Status]int{}
	for rows.Next() {
		var s roster.Status
		var n int
		if err := rows.Scan(&s, &n); err != nil {
			return nil, err
		}
		out[s] = n
	}
	return out, c.dialect.mapError(rows.Err())
}

// userSorts maps a sort name to its column; the list is also the whitelist.
var userSorts = map[string]string{
	"email":         "u.email",
	"name":          "u.sort_name",
	"created_at":    "u.created_at",
	"last_login_at": "COALESCE(u.last_login_at, 0)",
}

// ValidUserSort reports whether s (with an optional "-") is a sort ListUsers knows.
func ValidUserSort(s string) bool {
	_, ok := userSorts[strings.TrimPrefix(s, "-")]
	return s == "" || ok
}

// cursor is the keyset position after the last row of a page.
type cursor struct {
	Sort string `json:"s"`
	Val  string `json:"v"`
	ID   string `json:"i"`
	// Back marks a cursor to the page before the row it names.
	Back bool `json:"b,omitempty"`
}

func encodeCursor(c cursor) string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(s string) (cursor, error) {
	var c cursor
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err == nil {
		err = json.Unmarshal(b, &c)
	}
	if err != nil || c.ID == "" {
		return c, &roster.Error{Kind: roster.KindInvalid, Message: "invalid cursor",
			Fields: []roster.FieldError{{Field: "cursor", Message: "is not a cursor this server issued"}}}
	}
	return c, nil
}

// likeEscape makes s match literally inside a LIKE pattern with ESCAPE '\'.
func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// ListUsers returns one page of the org's users matching f, ordered by f.Sort
// and then ID, with keyset pagination both ways: NextCursor leads to the
// page after, PrevCursor (on pages reached by a cursor) to the page before.
// A cursor from another sort, or one that does not decode, is Invalid.
func (c *Conn) ListUsers(ctx context.Context, orgID string, f roster.UserFilter) (roster.Page[roster.User], error) {
	lq, err := c.listUsersQuery(ctx, orgID, f, true)
	if err != nil {
		return roster.Page[roster.User]{}, err
	}
	page, more, err := c.readUserPage(ctx, orgID, f, lq)
	if err == nil && !more && lq.partial {
		if lq, err = c.listUsersQuery(ctx, orgID, f, false); err == nil {
			page, _, err = c.readUserPage(ctx, orgID, f, lq)
		}
	}
	if err != nil {
		return page, err
	}
	return page, c.fillRoleKeys(ctx, orgID, page.Items)
}

// readUserPage runs lq and reads its page of users, and whether there are
// more after it. The users' role keys are left to the caller.
func (c *Conn) readUserPage(ctx context.Context, orgID string, f roster.UserFilter, lq listQuery) (page roster.Page[roster.User], more bool, err error) {
	rows, err := c.query(ctx, lq.sql, lq.args...)
	if err != nil {
		return page, false, err
	}
	defer rows.Close()
	limit := lq.limit
	page.Items = make([]roster.User, 0, limit)
	// One set of scan targets for every row, and the presence inputs,
	// teams and sign-in times of the page in one block each: allocating
	// them row by row was a tenth of a page's time.
	var (
		r        roster.User
		act      activity
		rec      string
		lr       listRecord
		presence = make([]roster.PresenceInput, 0, limit)
		teams    = make([]roster.TeamRef, 0, limit*2)
		logins   = make([]time.Time, 0, limit)
		dest     = []any{&r.ID, &rec, &act.set, &act.setAt, &act.dnd}
		// The sort values of the first and last rows read, for cursors.
		firstVal, lastVal string
	)
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return page, false, err
		}
		if len(page.Items) == limit {
			more = true
			break
		}
		if err := parseListRecord(rec, &r, &act, &lr); err != nil {
			return page, false, err
		}
		u := r
		u.OrgID = orgID
		teams, u.Teams = appendTeamList(teams, lr.teams)
		if lr.lastLogin.Valid {
			logins = append(logins, fromUS(lr.lastLogin.Int64))
			u.LastLoginAt = &logins[len(logins)-1]
		}
		presence = append(presence, act.input(u.Status))
		u.Activity = &presence[len(presence)-1]
		page.Items = append(page.Items, u)
		if len(page.Items) == 1 {
			firstVal = lr.sortVal
		}
		lastVal = lr.sortVal
	}
	if err := rows.Err(); err != nil {
		return page, false, c.dialect.mapError(err)
	}
	// The rows let go of their connection before the roles may be read.
	if err := rows.Close(); err != nil {
		return page, false, c.dialect.mapError(err)
	}
	if n := len(page.Items); n > 0 && !lq.back {
		if more {
			page.NextCursor = encodeCursor(cursor{Sort: lq.sortKey, Val: lastVal, ID: page.Items[n-1].ID})
		}
		// A page reached by a cursor has rows before it.
		if f.Cursor != "" {
			page.PrevCursor = encodeCursor(cursor{Sort: lq.sortKey, Val: firstVal, ID: page.Items[0].ID, Back: true})
		}
	} else if n > 0 {
		// Read backwards from the cursor, the rows came last first; the
		// page came from the rows after it.
		slices.Reverse(page.Items)
		page.NextCursor = encodeCursor(cursor{Sort: lq.sortKey, Val: firstVal, ID: page.Items[n-1].ID})
		if more {
			page.PrevCursor = encodeCursor(cursor{Sort: lq.sortKey, Val: lastVal, ID: page.Items[0].ID, Back: true})
		}
	}
	return page, more, nil
}

// listQuery is ListUsers' SQL for one filter.
type listQuery struct {
	sql     string
	args    []any
	sortKey string // the effective sort
	limit   int    // the page size; the query asks for one row more
	back    bool   // the rows come in reverse list order, from a Back cursor
	// partial: the query reads some of the search's matches only, enough
	// for a full page unless some of them are not the org's or fail the
	// text's test; a page it leaves short is read again from them all.
	partial bool
}

// listUsersQuery builds ListUsers' SQL.
//
// With cut, a SQLite search in email order reads only the first buckets
// of its matches that can fill the page, and reports a partial listQuery;
// without, it reads them all.
func (c *Conn) listUsersQuery(ctx context.Context, orgID string, f roster.UserFilter, cut bool) (lq listQuery, err error) {
	sortKey := f.Sort
	if sortKey == "" {
		sortKey = "email"
	}
	desc := strings.HasPrefix(sortKey, "-")
	col, ok := userSorts[strings.TrimPrefix(sortKey, "-")]
	if !ok {
		return lq, roster.Errorf(roster.KindInvalid, "unknown sort %q", f.Sort)
	}
	numeric := strings.Contains(col, "_at")
	where := []string{"u.org_id = ?"}
	args := []any{orgID}
	from := listFrom
	var fromArgs []any // placeholders of the FROM clause come first
	if f.Status != "" {
		where = append(where, "u.status = ?")
		args = append(args, string(f.Status))
	}
	if len(f.Statuses) > 0 {
		where = append(where, "u.status IN (?"+strings.Repeat(", ?", len(f.Statuses)-1)+")")
		for _, s := range f.Statuses {
			args = append(args, string(s))
		}
	}
	if f.Role != "" {
		// By role ID rather than through the join, so that the
		// (org, role, status, email) index serves the filter and the order.
		where = append(where, "u.role_id = (SELECT id FROM roles WHERE org_id = ? AND key = ?)")
		args = append(args, orgID, f.Role)
	}
	if f.LicenseType != "" {
		where = append(where, "u.license_type = ?")
		args = append(args, f.LicenseType)
	}
	if f.Team != "" {
		// A team is a small part of the org: look its members up by key
		// rather than walk the whole org (see orgTerm).
		where[0] = c.orgTerm("u.org_id")
		where = append(where, "u.id IN (SELECT tm.user_id FROM team_members tm WHERE tm.team_id = ?)")
		args = append(args, f.Team)
	}
	// The cursor is read before the search, which may start from its place.
	var cur cursor
	if f.Cursor != "" {
		if cur, err = decodeCursor(f.Cursor); err != nil {
			return lq, err
		}
		if cur.Sort != sortKey {
			return lq, roster.Errorf(roster.KindInvalid, "the cursor belongs to another sort order")
		}
	}
	// A Back cursor reads the list backwards from its row: the other
	// side of it, in the other order.
	back := cur.Back
	dir := "ASC"
	if desc != back {
		dir = "DESC"
	}
	limit := f.Limit
	if limit <= 0 || limit > 500 {
		limit = 50
	}
	// plain: no condition but the org's (and the cursor's, added below).
	plain := len(where) == 1
	// A PostgreSQL search is planned in its statement (pgSearchPage), once
	// the rest of the conditions are known.
	var pgQuery string
	if q := strings.ToLower(strings.TrimSpace(f.Query)); q != "" {
		if c.dialect.name() == "postgres" && utf8.RuneCountInString(q) >= minTrigramQuery {
			pgQuery = q
		} else {
			so := searchOrder{textInWalk: c.textInWalk(col, where), need: limit + 1, desc: dir == "DESC", start: -1}
			// With no other condition, a page in email order can be drawn
			// from the first buckets of the matches (searchKeys).
			so.byEmail = cut && plain && col == "u.email"
			if so.byEmail && f.Cursor != "" && utf8.ValidString(cur.Val) {
				so.start = emailBucket(cur.Val)
			}
			var cond string
			var qargs []any
			if from, fromArgs, cond, qargs, lq.partial, err = c.searchCondition(ctx, q, so); err != nil {
				return lq, err
			}
			where = append(where, cond)
			args = append(args, qargs...)
		}
	}
	if f.Cursor != "" {
		var v any = cur.Val
		if numeric {
			n, err := strconv.ParseInt(cur.Val, 10, 64)
			if err != nil {
				return lq, roster.Errorf(roster.KindInvalid, "invalid cursor")
			}
			v = n
		}
		op := ">"
		if dir == "DESC" {
			op = "<"
		}
		// A row-value comparison is one index range on both databases,
		// where "a > ? OR (a = ? AND id > ?)" can turn into a scan.
		where = append(where, "("+col+", u.id) "+op+" (?, ?)")
		args = append(args, v, cur.ID)
	}
	if pgQuery != "" && col == "u.email" && plain {
		q, args := c.pgEmailSearchPage(dir, orgID, pgQuery, f.Cursor != "", cur, limit+1)
		return listQuery{sql: q, args: args, sortKey: sortKey, limit: limit, back: back}, nil
	}
	if pgQuery != "" {
		q, args := c.pgSearchPage(col, dir, orgID, pgQuery, strings.Join(where, " AND "), args, limit+1)
		return listQuery{sql: q, args: args, sortKey: sortKey, limit: limit, back: back}, nil
	}
	// Searches and team filters sort their matches; the rest walk an index.
	shape := walkRows
	if f.Query != "" || f.Team != "" {
		shape = sortRows
	}
	q := c.listPage(col, dir, from, strings.Join(where, " AND "), limit+1, shape)
	return listQuery{sql: q, args: append(fromArgs, args...), sortKey: sortKey, limit: limit, back: back, partial: lq.partial}, nil
}
