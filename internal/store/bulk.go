package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"

	"roster/internal/roster"
)

// bulkRows is how many rows one multi-row INSERT carries: 15 columns × 400
// rows stays well inside both databases' limits on bound parameters while
// saving almost all of the per-statement round trips.
const bulkRows = 400

// rowSet is the rows of one multi-row INSERT: head is "INSERT INTO t
// (columns)", each of the n rows has width values, row(i) gives them.
type rowSet struct {
	head     string
	width, n int
	row      func(i int) []any
}

// values returns the INSERT of rows [start, end) and its arguments.
func (rs rowSet) values(start, end int) (string, []any) {
	one := "(" + placeholders(rs.width) + ")"
	var b strings.Builder
	b.WriteString(rs.head)
	b.WriteString(" VALUES ")
	args := make([]any, 0, (end-start)*rs.width)
	for i := start; i < end; i++ {
		if i > start {
			b.WriteString(", ")
		}
		b.WriteString(one)
		args = append(args, rs.row(i)...)
	}
	return b.String(), args
}

// insert runs rs, bulkRows rows a statement.
func (c *Conn) insert(ctx context.Context, rs rowSet) error {
	for start := 0; start < rs.n; start += bulkRows {
		q, args := rs.values(start, min(start+bulkRows, rs.n))
		if _, err := c.exec(ctx, q, args...); err != nil {
			return err
		}
	}
	return nil
}

// InsertUsers creates many users of the org in as few statements as
// possible. An email already in the org is a Conflict, and then none of
// the statement's users are created; run it in a transaction to make the
// whole batch all-or-nothing.
func (c *Conn) InsertUsers(ctx context.Context, orgID string, users []roster.User) error {
	return c.insert(ctx, userRows(orgID, users))
}

// userRows are the rows of users, of the org, in the users table.
// role_id is column userRoleCol (createUserOfRole writes it another way).
func userRows(orgID string, users []roster.User) rowSet {
	return rowSet{head: `INSERT INTO users (id, org_id, email, first_name, last_name, status, role_id, license_type,
			extension, password_hash, last_login_at, created_at, updated_at, sort_name, search)`, width: 15, n: len(users),
		row: func(i int) []any {
			u := &users[i]
			return []any{u.ID, orgID, u.Email, u.FirstName, u.LastName, string(u.Status), u.RoleID, u.LicenseType,
				u.Extension, u.PasswordHash, usPtr(u.LastLoginAt), us(u.CreatedAt), us(u.UpdatedAt), sortName(u), searchText(u)}
		}}
}

// userRoleCol is the index of role_id among userRows' columns.
const userRoleCol = 6

// InsertAuditEvents appends many audit events of the org.
func (c *Conn) InsertAuditEvents(ctx context.Context, orgID string, events []roster.AuditEvent) error {
	rs, err := auditRows(orgID, events)
	if err != nil {
		return err
	}
	return c.insert(ctx, rs)
}

// auditRows are the rows of the org's events in the audit log, their
// before and after encoded as JSON.
func auditRows(orgID string, events []roster.AuditEvent) (rowSet, error) {
	type blobs struct{ before, after string }
	enc := make([]blobs, len(events))
	for i, e := range events {
		b, err := json.Marshal(e.Before)
		if err != nil {
			return rowSet{}, err
		}
		a, err := json.Marshal(e.After)
		if err != nil {
			return rowSet{}, err
		}
		enc[i] = blobs{string(b), string(a)}
	}
	return rowSet{head: `INSERT INTO audit_events (id, org_id, actor_id, actor_label, action, target_type, target_id,
			target_label, before_json, after_json, ip, created_at)`, width: 12, n: len(events),
		row: func(i int) []any {
			e := &events[i]
			return []any{e.ID, orgID, e.ActorID, e.ActorLabel, e.Action, e.TargetType, e.TargetID, e.TargetLabel,
				enc[i].before, enc[i].after, e.IP, us(e.CreatedAt)}
		}}, nil
}

// CreateUsers writes new users of the org, holders of the role with key
// roleKey, and their audit events as one atomic write, and sets each
// user's RoleID. The role must exist and join its holders to no team:
// otherwise it is NotFound (errRoleUnusable), and nothing is written (a
// role that joins teams needs its memberships written and audited with
// the users). An email already in the org is a Conflict, and then none of
// them is written.
//
// On PostgreSQL one user and its event are one statement that looks the
// role up too (createUserOfRole): atomic by itself, and one round trip
// where reading the role and then writing took two. A role deleted
// between the look-up and the insert fails the insert on its foreign key,
// a Conflict. More users, and SQLite, whose round trips cost nothing and
// whose writes take their turn in groupCommit, run in a transaction.
func (d *DB) CreateUsers(ctx context.Context, orgID, roleKey string, users []roster.User, events []roster.AuditEvent) error {
	ar, err := auditRows(orgID, events)
	if err != nil {
		return err
	}
	if d.dialect.name() == "postgres" && len(users) == 1 && len(events) == 1 {
		return d.createUserOfRole(ctx, orgID, roleKey, &users[0], ar)
	}
	return d.Tx(ctx, func(c *Conn) error {
		var roleID string
		if err := c.row(ctx, soleRoleQuery, orgID, roleKey).Scan(&roleID); err != nil {
			return roleUnusable(c.dialect.mapError(err))
		}
		for i := range users {
			users[i].RoleID = roleID
		}
		if err := c.insert(ctx, userRows(orgID, users)); err != nil {
			return err
		}
		return c.insert(ctx, ar)
	})
}

// soleRoleQuery reads the ID of the org's role (the first argument) with
// the key of the second, if it joins its holders to no team.
const soleRoleQuery = `SELECT r.id FROM roles r WHERE r.org_id = ? AND r.key = ?
	AND NOT EXISTS (SELECT 1 FROM role_teams t WHERE t.org_id = r.org_id AND t.role_id = r.id)`

// errRoleUnusable is CreateUsers' answer for a role that is missing or
// joins teams.
var errRoleUnusable = &roster.Error{Kind: roster.KindNotFound, Message: "no role of this key that joins no team"}

// roleUnusable turns NotFound, the role's look-up finding none, into
// errRoleUnusable; other errors pass unchanged.
func roleUnusable(err error) error {
	if roster.ErrorKind(err) == roster.KindNotFound {
		return errRoleUnusable
	}
	return err
}

// createUserOfRole is CreateUsers of one user and its one event on
// PostgreSQL, in one statement. The user's row is an INSERT ... SELECT
// from the role's look-up, so no role inserts no user; the event's is one
// from the inserted user, so no user inserts no event; and the statement
// returns the role's ID, or no row. Its values are parameters of a SELECT
// rather than of VALUES, which PostgreSQL types from the columns they go
// to only when the SELECT gives one row.
func (d *DB) createUserOfRole(ctx context.Context, orgID, roleKey string, u *roster.User, ar rowSet) error {
	ur := userRows(orgID, []roster.User{*u})
	// The role's column is the role found, not the user's (empty) RoleID.
	row := ur.row(0)
	args := append([]any{orgID, roleKey}, row[:userRoleCol]...)
	args = append(append(args, row[userRoleCol+1:]...), ar.row(0)...)
	q := `WITH r AS (` + soleRoleQuery + `),
		new_users AS (` + ur.head + ` SELECT ` + placeholders(userRoleCol) + `, r.id, ` + placeholders(ur.width-userRoleCol-1) + ` FROM r RETURNING role_id)
		` + ar.head + ` SELECT ` + placeholders(ar.width) + ` FROM new_users RETURNING (SELECT role_id FROM new_users)`
	var roleID string
	if err := d.Reader().row(ctx, q, args...).Scan(&roleID); err != nil {
		return roleUnusable(d.dialect.mapError(err))
	}
	u.RoleID = roleID
	return nil
}

// InsertInvitations creates many invitations of the org in as few
// statements as possible.
func (c *Conn) InsertInvitations(ctx context.Context, orgID string, invs []roster.Invitation) error {
	return c.insert(ctx, rowSet{head: `INSERT INTO invitations (id, org_id, user_id, email, role_key, license_type, integration,
			inviter_id, status, token_hash, created_at, expires_at)`, width: 12, n: len(invs),
		row: func(i int) []any {
			inv := &invs[i]
			return []any{inv.ID, orgID, inv.UserID, inv.Email, inv.Role, inv.LicenseType, inv.Integration, inv.InviterID,
				string(inv.Status), inv.TokenHash, us(inv.CreatedAt), us(inv.ExpiresAt)}
		}})
}

// EnqueueEmails queues many emails of the org for delivery in as few
// statements as possible.
func (c *Conn) EnqueueEmails(ctx context.Context, orgID string, emails []roster.Email) error {
	return c.insert(ctx, rowSet{head: `INSERT INTO outbox (id, org_id, recipient, subject, body_text, body_html, link, status,
			attempts, next_attempt_at, created_at)`, width: 11, n: len(emails),
		row: func(i int) []any {
			e := &emails[i]
			return []any{e.ID, orgID, e.To, e.Subject, e.Text, e.HTML, e.Link, roster.EmailPending, 0,
				us(e.CreatedAt), us(e.CreatedAt)}
		}})
}

// InsertTeams creates many teams of the org in as few statements as
// possible; a name already used in the org (ignoring case) is a Conflict.
func (c *Conn) InsertTeams(ctx context.Context, orgID string, teams []roster.Team) error {
	return c.insert(ctx, rowSet{head: `INSERT INTO teams (id, org_id, name, name_key, disabled, created_at, updated_at)`, width: 7, n: len(teams),
		row: func(i int) []any {
			t := &teams[i]
			return []any{t.ID, orgID, t.Name, roster.NameKey(t.Name), t.Disabled, us(t.CreatedAt), us(t.UpdatedAt)}
		}})
}

// InsertTeamMembers puts many users in teams of the org in as few
// statements as possible; a membership that already exists is a
// Conflict. The caller passes teams and users of the org.
func (c *Conn) InsertTeamMembers(ctx context.Context, orgID string, members []roster.TeamMembership) error {
	return c.insert(ctx, rowSet{head: `INSERT INTO team_members (org_id, team_id, user_id, leader, created_at)`, width: 5, n: len(members),
		row: func(i int) []any {
			m := &members[i]
			return []any{orgID, m.TeamID, m.UserID, m.Leader, us(m.AddedAt)}
		}})
}

// inChunks calls fn with successive slices of at most bulkRows values.
func inChunks(values []string, fn func(chunk []string) error) error {
	for start := 0; start < len(values); start += bulkRows {
		if err := fn(values[start:min(start+bulkRows, len(values))]); err != nil {
			return err
		}
	}
	return nil
}

// ExistingEmails returns which of emails already belong to users of the org.
func (c *Conn) ExistingEmails(ctx context.Context, orgID string, emails []string) (map[string]bool, error) {
	out := map[string]bool{}
	err := inChunks(emails, func(chunk []string) error {
		args := make([]any, 0, len(chunk)+1)
		args = append(args, orgID)
		for _, v := range chunk {
			args = append(args, v)
		}
		return c.collect(ctx, out, `SELECT email FROM users WHERE org_id = ? AND email IN (?`+
			strings.Repeat(", ?", len(chunk)-1)+`)`, args...)
	})
	return out, err
}

// ExtensionsInUse returns every extension held by a user of the org. There
// are at most 9,990 (two to four digits), so one pass over the org beats
// thousands of lookups.
func (c *Conn) ExtensionsInUse(ctx context.Context, orgID string) (map[string]bool, error) {
	out := map[string]bool{}
	return out, c.collect(ctx, out, `SELECT extension FROM users WHERE org_id = ? AND extension <> ''`, orgID)
}

// collect adds the single text column of q's rows to set.
func (c *Conn) collect(ctx context.Context, set map[string]bool, q string, args ...any) error {
	rows, err := c.query(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return err
		}
		set[v] = true
	}
	return c.dialect.mapError(rows.Err())
}

// statsTables are those whose statistics bulk work changes: the
// membership tables grow with the users, and without statistics a planner
// guesses their size and may walk them the wrong way round.
var statsTables = []string{"users", "teams", "team_members", "queues", "queue_members"}

// VacuumUsers is PostgreSQL's tidying after a bulk change, outside any
// transaction: VACUUM (ANALYZE) of statsTables. Besides the statistics it
// removes the row versions the bulk work left behind (every membership
// rewrites its user's row, see migration 0007), marks the pages all
// visible so that a search's walk reads the covering index alone (see
// pgSearchPage), and moves the trigram index's pending entries, which
// every search would otherwise read from start to end, into the index
// proper. Autovacuum would do the same later, if it is on; until then
// every list and search would pay. On SQLite it does nothing: AnalyzeUsers
// covers it.
func (c *Conn) VacuumUsers(ctx context.Context) error {
	if c.dialect.name() != "postgres" {
		return nil
	}
	if c.inTx {
		return errors.New("store: VACUUM cannot run in a transaction")
	}
	_, err := c.exec(ctx, `VACUUM (ANALYZE) `+strings.Join(statsTables, ", "))
	return err
}

// MergeSearchIndex merges SQLite's trigram index into one segment. Every
// commit that changes users' search text (a group of transactions commits
// once, see flushSearchQueue) adds a small segment that each search then
// reads; FTS5's own merging keeps a few dozen. Bulk work merges them all
// (AnalyzeUsers), and the sweeper does when SearchIndexSegments has grown,
// for an org that grows one person at a time. On PostgreSQL it does
// nothing: the trigram index's pending entries are merged by autovacuum,
// by the writer that fills the pending list (kept short, migration 0009),
// and after bulk work (VacuumUsers).
func (c *Conn) MergeSearchIndex(ctx context.Context) error {
	if c.dialect.name() != "sqlite" {
		return nil
	}
	_, err := c.exec(ctx, `INSERT INTO users_search (users_search) VALUES ('optimize')`)
	return err
}

// SearchIndexSegments counts the segments of SQLite's trigram index, each
// of which every search reads (0 on PostgreSQL, which has none).
func (c *Conn) SearchIndexSegments(ctx context.Context) (int, error) {
	if c.dialect.name() != "sqlite" {
		return 0, nil
	}
	var n int
	err := c.row(ctx, `SELECT COUNT(DISTINCT segid) FROM users_search_idx`).Scan(&n)
	return n, c.dialect.mapError(err)
}

// RefreshStatistics tidies after bulk work, in the way of the database:
// on SQLite AnalyzeUsers, in a transaction that commits on its own (it
// rewrites much of the search index); on PostgreSQL VacuumUsers, outside
// any transaction. Each is a no-op on the other database, so choosing here
// spares the other an empty transaction.
func (d *DB) RefreshStatistics(ctx context.Context) error {
	if d.dialect.name() == "postgres" {
		return d.Reader().VacuumUsers(ctx)
	}
	return d.TxAlone(ctx, func(c *Conn) error { return c.AnalyzeUsers(ctx) })
}

// StatisticsRows returns how many users the planner's statistics last
// counted, 0 when they never have: PostgreSQL's estimate of the table's
// rows, which VACUUM and ANALYZE set (-1 until then, made 0 here), or the
// row count at the head of each of SQLite's per-index statistics, which
// exist only once ANALYZE has run.
func (d *DB) StatisticsRows(ctx context.Context) (int64, error) {
	c := d.Reader()
	q := `SELECT GREATEST(reltuples, 0)::bigint FROM pg_class WHERE oid = to_regclass('users')`
	if d.dialect.name() == "sqlite" {
		var tables int
		if err := c.row(ctx, `SELECT COUNT(*) FROM sqlite_schema WHERE name = 'sqlite_stat1'`).Scan(&tables); err != nil || tables == 0 {
			return 0, c.dialect.mapError(err)
		}
		q = `SELECT CAST(stat AS INTEGER) FROM sqlite_stat1 WHERE tbl = 'users' LIMIT 1`
	}
	var n int64
	err := c.row(ctx, q).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return n, c.dialect.mapError(err)
}

// AnalyzeUsers refreshes SQLite's statistics of statsTables after a bulk
// change, in a transaction, so that the next queries are planned for their
// new size at once: SQLite keeps no statistics until asked. PostgreSQL's
// are refreshed by VacuumUsers, which cannot run in a transaction.
//
// It keeps the per-index row counts (sqlite_stat1) and drops the value
// samples (sqlite_stat4): with samples present, SQLite recompiles a
// prepared query whenever a new value is bound to a column they describe,
// which is every list and lookup, and the row counts alone already lead it
// to the right index. It also merges the trigram index: a bulk insert
// leaves it in many segments, each of which every search reads.
func (c *Conn) AnalyzeUsers(ctx context.Context) error {
	if c.dialect.name() == "postgres" {
		return nil
	}
	for _, table := range statsTables {
		if _, err := c.exec(ctx, `ANALYZE `+table); err != nil {
			return err
		}
	}
	// Bulk inserts leave the trigram index in many segments, each of which
	// every search reads; merged it answers three to five times faster.
	if err := c.MergeSearchIndex(ctx); err != nil {
		return err
	}
	// A SQLite built without STAT4 has no such table.
	var stat4 int
	if err := c.row(ctx, `SELECT COUNT(*) FROM sqlite_schema WHERE name = 'sqlite_stat4'`).Scan(&stat4); err != nil {
		return err
	}
	if stat4 == 0 {
		return nil
	}
	if _, err := c.exec(ctx, `DELETE FROM sqlite_stat4`); err != nil {
		return err
	}
	// Reloads the statistics into this connection without the samples.
	_, err := c.exec(ctx, `ANALYZE sqlite_schema`)
	return err
}
