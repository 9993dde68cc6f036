package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"roster/internal/roster"
)

// CreateInvitation inserts an invitation.
func (c *Conn) CreateInvitation(ctx context.Context, orgID string, inv *roster.Invitation) error {
	_, err := c.exec(ctx, `INSERT INTO invitations (id, org_id, user_id, email, role_key, license_type, integration,
			inviter_id, status, token_hash, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		inv.ID, orgID, inv.UserID, inv.Email, inv.Role, inv.LicenseType, inv.Integration, inv.InviterID,
		string(inv.Status), inv.TokenHash, us(inv.CreatedAt), us(inv.ExpiresAt))
	return err
}

const invCols = `id, org_id, COALESCE(user_id, ''), email, role_key, license_type, integration, inviter_id, status, token_hash, created_at, expires_at`

func scanInvitation(s interface{ Scan(...any) error }) (*roster.Invitation, error) {
	var i roster.Invitation
	var created, expires int64
	if err := s.Scan(&i.ID, &i.OrgID, &i.UserID, &i.Email, &i.Role, &i.LicenseType, &i.Integration, &i.InviterID,
		&i.Status, &i.TokenHash, &created, &expires); err != nil {
		return nil, err
	}
	i.CreatedAt, i.ExpiresAt = fromUS(created), fromUS(expires)
	return &i, nil
}

// Invitation returns one invitation of the org, or ErrNotFound.
func (c *Conn) Invitation(ctx context.Context, orgID, id string) (*roster.Invitation, error) {
	i, err := scanInvitation(c.row(ctx, `SELECT `+invCols+` FROM invitations WHERE org_id = ? AND id = ?`, orgID, id))
	return i, c.dialect.mapError(err)
}

// PendingInvitationForUser returns the user's pending invitation, or ErrNotFound.
func (c *Conn) PendingInvitationForUser(ctx context.Context, orgID, userID string) (*roster.Invitation, error) {
	i, err := scanInvitation(c.row(ctx, `SELECT `+invCols+` FROM invitations WHERE org_id = ? AND user_id = ? AND status = 'pending'`, orgID, userID))
	return i, c.dialect.mapError(err)
}

// InvitationByTokenHash finds an invitation by its token's hash in any org;
// the token is what identifies the org. Unknown is ErrNotFound.
func (c *Conn) InvitationByTokenHash(ctx context.Context, hash []byte) (*roster.Invitation, error) {
	i, err := scanInvitation(c.row(ctx, `SELECT `+invCols+` FROM invitations WHERE token_hash = ?`, hash))
	return i, c.dialect.mapError(err)
}

// PendingInvitations returns the org's pending invitations, oldest first.
func (c *Conn) PendingInvitations(ctx context.Context, orgID string) ([]roster.Invitation, error) {
	rows, err := c.query(ctx, `SELECT `+invCols+` FROM invitations WHERE org_id = ? AND status = 'pending' ORDER BY created_at, id`, orgID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []roster.Invitation{}
	for rows.Next() {
		i, err := scanInvitation(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *i)
	}
	return out, c.dialect.mapError(rows.Err())
}

// SetInvitationStatus moves an invitation from one status to another; if it
// is no longer in from, that is a Conflict (someone else got there first).
func (c *Conn) SetInvitationStatus(ctx context.Context, orgID, id string, from, to roster.InvitationStatus) error {
	err := c.execOne(ctx, `UPDATE invitations SET status = ? WHERE org_id = ? AND id = ? AND status = ?`, string(to), orgID, id, string(from))
	if err == errNotFound {
		return roster.Errorf(roster.KindConflict, "the invitation is no longer %s", from)
	}
	return err
}

// CreateSession stores a session under its token's hash.
func (c *Conn) CreateSession(ctx context.Context, orgID, id, userID string, hash []byte, ip string, now, expires time.Time) error {
	_, err := c.exec(ctx, `INSERT INTO sessions (id, org_id, user_id, token_hash, ip, created_at, expires_at, last_seen_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, id, orgID, userID, hash, ip, us(now), us(expires), us(now))
	if err != nil {
		return err
	}
	return c.noteActivity(ctx, orgID, now, "?", userID)
}

// TouchSession slides a session's expiry and records the user's activity.
func (c *Conn) TouchSession(ctx context.Context, orgID, id string, now, expires time.Time) error {
	// The user's row first, as everywhere else: see lockUser.
	if err := c.noteActivity(ctx, orgID, now, `(SELECT user_id FROM sessions WHERE org_id = ? AND id = ?)`, orgID, id); err != nil {
		return err
	}
	_, err := c.exec(ctx, `UPDATE sessions SET last_seen_at = ?, expires_at = ? WHERE org_id = ? AND id = ?`, us(now), us(expires), orgID, id)
	return err
}

// DeleteSession ends one session.
func (c *Conn) DeleteSession(ctx context.Context, orgID, id string) error {
	var userID string
	err := c.row(ctx, `SELECT user_id FROM sessions WHERE org_id = ? AND id = ?`, orgID, id).Scan(&userID)
	if err = c.dialect.mapError(err); err != nil {
		if errors.Is(err, errNotFound) {
			return nil
		}
		return err
	}
	if err := c.lockUser(ctx, orgID, userID); err != nil {
		return err
	}
	if _, err := c.exec(ctx, `DELETE FROM sessions WHERE org_id = ? AND id = ?`, orgID, id); err != nil {
		return err
	}
	return c.recountActivity(ctx, orgID, userID)
}

// lockUser locks the user's row until the transaction ends. Writers that
// change a user's row and their sessions or tokens take the row first, so
// that two of them (a deactivation and a session's touch, say) never
// wait on each other in opposite orders. SQLite's one writer needs no lock.
func (c *Conn) lockUser(ctx context.Context, orgID, userID string) error {
	if c.dialect.forUpdate() == "" {
		return nil
	}
	var id string
	err := c.row(ctx, `SELECT id FROM users WHERE org_id = ? AND id = ?`+c.dialect.forUpdate(), orgID, userID).Scan(&id)
	if err = c.dialect.mapError(err); errors.Is(err, errNotFound) {
		return nil
	}
	return err
}

// noteActivity moves forward to at the last activity of the user that
// userExpr names: a placeholder or a subquery, taking args.
//
// Each user's newest use of a session or API token is kept on the user's
// row, so that a page of users derives presence without reading everyone's
// credentials; sessions and tokens write it at most once a minute.
func (c *Conn) noteActivity(ctx context.Context, orgID string, at time.Time, userExpr string, args ...any) error {
	all := append(append([]any{us(at), orgID}, args...), us(at))
	_, err := c.exec(ctx, `UPDATE users SET last_active_at = ?
		WHERE org_id = ? AND id = `+userExpr+` AND (last_active_at IS NULL OR last_active_at < ?)`, all...)
	return err
}

// recountActivity sets a user's last activity from the sessions and tokens
// left, after some were deleted.
func (c *Conn) recountActivity(ctx context.Context, orgID, userID string) error {
	_, err := c.exec(ctx, `UPDATE users SET last_active_at = NULLIF(`+c.dialect.greatest(
		`COALESCE((SELECT MAX(s.last_seen_at) FROM sessions s WHERE s.user_id = users.id), 0)`,
		`COALESCE((SELECT MAX(t.last_used_at) FROM api_tokens t WHERE t.user_id = users.id), 0)`)+`, 0)
		WHERE org_id = ? AND id = ?`, orgID, userID)
	return err
}

// RevokeUserCredentials deletes every session and API token of the user and
// voids their unused password-reset links, returning how many sessions and
// tokens went.
func (c *Conn) RevokeUserCredentials(ctx context.Context, orgID, userID string, now time.Time) (sessions, tokens int64, err error) {
	if err := c.lockUser(ctx, orgID, userID); err != nil {
		return 0, 0, err
	}
	res, err := c.exec(ctx, `DELETE FROM sessions WHERE org_id = ? AND user_id = ?`, orgID, userID)
	if err != nil {
		return 0, 0, err
	}
	sessions, _ = res.RowsAffected()
	res, err = c.exec(ctx, `DELETE FROM api_tokens WHERE org_id = ? AND user_id = ?`, orgID, userID)
	if err != nil {
		return 0, 0, err
	}
	tokens, _ = res.RowsAffected()
	_, err = c.exec(ctx, `UPDATE password_resets SET used_at = ? WHERE org_id = ? AND user_id = ? AND used_at IS NULL`, us(now), orgID, userID)
	if err != nil {
		return 0, 0, err
	}
	return sessions, tokens, c.recountActivity(ctx, orgID, userID)
}

// DeleteOtherSessions ends every session of the user except keepID.
func (c *Conn) DeleteOtherSessions(ctx context.Context, orgID, userID, keepID string) error {
	if err := c.lockUser(ctx, orgID, userID); err != nil {
		return err
	}
	_, err := c.exec(ctx, `DELETE FROM sessions WHERE org_id = ? AND user_id = ? AND id <> ?`, orgID, userID, keepID)
	if err != nil {
		return err
	}
	return c.recountActivity(ctx, orgID, userID)
}

// CreateAPIToken stores an API token under its hash.
func (c *Conn) CreateAPIToken(ctx context.Context, orgID, id, userID, name string, hash []byte, now time.Time) error {
	_, err := c.exec(ctx, `INSERT INTO api_tokens (id, org_id, user_id, name, token_hash, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		id, orgID, userID, name, hash, us(now))
	return err
}

// APITokenByHash finds an API token by its hash (it identifies the org), or ErrNotFound.
func (c *Conn) APITokenByHash(ctx context.Context, hash []byte) (*roster.APIToken, error) {
	var t roster.APIToken
	var created int64
	var last sql.NullInt64
	err := c.row(ctx, `SELECT id, org_id, user_id, name, created_at, last_used_at FROM api_tokens WHERE token_hash = ?`, hash).
		Scan(&t.ID, &t.OrgID, &t.UserID, &t.Name, &created, &last)
	if err != nil {
		return nil, c.dialect.mapError(err)
	}
	t.CreatedAt, t.LastUsedAt = fromUS(created), nullUS(last)
	return &t, nil
}

// TouchAPIToken records when a token was last used, and the user's activity.
func (c *Conn) TouchAPIToken(ctx context.Context, orgID, id string, now time.Time) error {
	// The user's row first, as everywhere else: see lockUser.
	if err := c.noteActivity(ctx, orgID, now, `(SELECT user_id FROM api_tokens WHERE org_id = ? AND id = ?)`, orgID, id); err != nil {
		return err
	}
	_, err := c.exec(ctx, `UPDATE api_tokens SET last_used_at = ? WHERE org_id = ? AND id = ?`, us(now), orgID, id)
	return err
}

// credentialQuery looks a session or an API token up by its hash, with
// its user's email, status and permissions, in one query: it runs before
// every request.
func (c *Conn) credentialQuery(session bool) string {
	table, expires, lastUsed := "api_tokens", "0", "k.last_used_at"
	if session {
		table, expires, lastUsed = "sessions", "k.expires_at", "k.last_seen_at"
	}
	return `SELECT k.id, k.org_id, k.user_id, ` + expires + `, ` + lastUsed + `, u.email, u.status, r.permissions,
			(SELECT ` + c.dialect.joinAgg("p.permission") + ` FROM user_permissions p WHERE p.org_id = k.org_id AND p.user_id = k.user_id)
		FROM ` + table + ` k JOIN users u ON u.id = k.user_id AND u.org_id = k.org_id JOIN roles r ON r.id = u.role_id
		WHERE k.token_hash = ?`
}

// Credential finds a session (session true) or an API token by its hash,
// with its user; an unknown hash is ErrNotFound.
func (c *Conn) Credential(ctx context.Context, session bool, hash []byte) (*roster.Credential, error) {
	cr := roster.Credential{Session: session}
	var expires int64
	var last sql.NullInt64
	var rolePerms string
	var directPerms sql.NullString
	err := c.row(ctx, c.credentialQuery(session), hash).Scan(&cr.ID, &cr.OrgID, &cr.UserID,
		&expires, &last, &cr.Email, &cr.Status, &rolePerms, &directPerms)
	if err != nil {
		return nil, c.dialect.mapError(err)
	}
	if session {
		cr.ExpiresAt = fromUS(expires)
	}
	cr.LastUsedAt = nullUS(last)
	cr.RolePermissions, cr.DirectPermissions = splitPerms(rolePerms), splitPerms(directPerms.String)
	return &cr, nil
}

// CreatePasswordReset stores a reset link under its token's hash.
func (c *Conn) CreatePasswordReset(ctx context.Context, orgID, id, userID string, hash []byte, now, expires time.Time) error {
	_, err := c.exec(ctx, `INSERT INTO password_resets (id, org_id, user_id, token_hash, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)`,
		id, orgID, userID, hash, us(now), us(expires))
	return err
}

// PasswordResetByHash finds a reset link by its token's hash, or ErrNotFound.
func (c *Conn) PasswordResetByHash(ctx context.Context, hash []byte) (*roster.PasswordReset, error) {
	var p roster.PasswordReset
	var exp int64
	var used sql.NullInt64
	err := c.row(ctx, `SELECT id, org_id, user_id, expires_at, used_at FROM password_resets WHERE token_hash = ?`, hash).
		Scan(&p.ID, &p.OrgID, &p.UserID, &exp, &used)
	if err != nil {
		return nil, c.dialect.mapError(err)
	}
	p.ExpiresAt, p.UsedAt = fromUS(exp), nullUS(used)
	return &p, nil
}

// UsePasswordReset marks a reset link used; a link already used is a Conflict,
// so that of two concurrent uses only one wins.
func (c *Conn) UsePasswordReset(ctx context.Context, orgID, id string, now time.Time) error {
	err := c.execOne(ctx, `UPDATE password_resets SET used_at = ? WHERE org_id = ? AND id = ? AND used_at IS NULL`, us(now), orgID, id)
	if err == errNotFound {
		return roster.Errorf(roster.KindGone, "this link has already been used")
	}
	return err
}

// RecordLoginFailure notes a failed sign-in for email, for rate limiting
// that every instance sharing the database sees.
func (c *Conn) RecordLoginFailure(ctx context.Context, email string, now time.Time) error {
	_, err := c.exec(ctx, `INSERT INTO login_failures (email, at) VALUES (?, ?)`, email, us(now))
	return err
}

// CountLoginFailures counts failed sign-ins for email since a time.
func (c *Conn) CountLoginFailures(ctx context.Context, email string, since time.Time) (int, error) {
	var n int
	err := c.row(ctx, `SELECT COUNT(*) FROM login_failures WHERE email = ? AND at >= ?`, email, us(since)).Scan(&n)
	return n, c.dialect.mapError(err)
}

// ClearLoginFailures forgets failures for email (after a good sign-in).
func (c *Conn) ClearLoginFailures(ctx context.Context, email string) error {
	_, err := c.exec(ctx, `DELETE FROM login_failures WHERE email = ?`, email)
	return err
}

// Sweep deletes expired sessions, old login failures and spent reset links
// older than before.
func (c *Conn) Sweep(ctx context.Context, now, before time.Time) error {
	for _, q := range []struct {
		sql string
		arg int64
	}{
		{`DELETE FROM sessions WHERE expires_at < ?`, us(now)},
		{`DELETE FROM login_failures WHERE at < ?`, us(before)},
		{`DELETE FROM password_resets WHERE expires_at < ?`, us(before)},
	} {
		if _, err := c.exec(ctx, q.sql, q.arg); err != nil {
			return err
		}
	}
	return nil
}
