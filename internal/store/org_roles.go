package store

import (
	"context"
	"strings"
	"time"

	"roster/internal/roster"
)

// placeholders returns "?, ?, …" for n values.
func placeholders(n int) string {
	if n <= 0 {
		return ""
	}
	return "?" + strings.Repeat(", ?", n-1)
}

// orgTerm is the tenant filter "col = ?" for queries that look rows up by
// a list of keys. Without statistics SQLite prefers any index on org_id to
// the primary key and would walk the whole org; on SQLite, appending an empty string
// keeps the filter but takes it out of index selection, as SQLite's
// documentation suggests. PostgreSQL plans from statistics and keeps the
// plain term, which its composite indexes need.
func (c *Conn) orgTerm(col string) string {
	if c.dialect.name() == "sqlite" {
		return col + " || '' = ?"
	}
	return col + " = ?"
}

// strings queries one text column.
func (c *Conn) strings(ctx context.Context, q string, args ...any) ([]string, error) {
	rows, err := c.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, c.dialect.mapError(rows.Err())
}

// UpdateRole writes a role's name, description and permissions.
func (c *Conn) UpdateRole(ctx context.Context, orgID string, r *roster.Role) error {
	return c.execOne(ctx, `UPDATE roles SET name = ?, description = ?, permissions = ? WHERE org_id = ? AND id = ?`,
		r.Name, r.Description, joinPerms(r.Permissions), orgID, r.ID)
}

// DeleteRole removes a role and its team links. Users must hold another
// role first: the foreign key refuses otherwise.
func (c *Conn) DeleteRole(ctx context.Context, orgID, roleID string) error {
	return c.execOne(ctx, `DELETE FROM roles WHERE org_id = ? AND id = ?`, orgID, roleID)
}

// RoleTeamIDs returns the IDs of the teams a role puts its holders in.
func (c *Conn) RoleTeamIDs(ctx context.Context, orgID, roleID string) ([]string, error) {
	return c.strings(ctx, `SELECT team_id FROM role_teams WHERE org_id = ? AND role_id = ? ORDER BY team_id`, orgID, roleID)
}

// TeamRoleIDs returns the IDs of the roles linked to a team.
func (c *Conn) TeamRoleIDs(ctx context.Context, orgID, teamID string) ([]string, error) {
	return c.strings(ctx, `SELECT role_id FROM role_teams WHERE org_id = ? AND team_id = ? ORDER BY role_id`, orgID, teamID)
}

// SetRoleTeams replaces the teams linked to a role.
func (c *Conn) SetRoleTeams(ctx context.Context, orgID, roleID string, teamIDs []string) error {
	if _, err := c.exec(ctx, `DELETE FROM role_teams WHERE org_id = ? AND role_id = ?`, orgID, roleID); err != nil {
		return err
	}
	for _, t := range teamIDs {
		if _, err := c.exec(ctx, `INSERT INTO role_teams (org_id, role_id, team_id) VALUES (?, ?, ?)`, orgID, roleID, t); err != nil {
			return err
		}
	}
	return nil
}

// SetTeamRoles replaces the roles linked to a team.
func (c *Conn) SetTeamRoles(ctx context.Context, orgID, teamID string, roleIDs []string) error {
	if _, err := c.exec(ctx, `DELETE FROM role_teams WHERE org_id = ? AND team_id = ?`, orgID, teamID); err != nil {
		return err
	}
	for _, r := range roleIDs {
		if _, err := c.exec(ctx, `INSERT INTO role_teams (org_id, role_id, team_id) VALUES (?, ?, ?)`, orgID, r, teamID); err != nil {
			return err
		}
	}
	return nil
}

// UserIDsWithRole returns the IDs of the org's users (any status) holding a role.
func (c *Conn) UserIDsWithRole(ctx context.Context, orgID, roleID string) ([]string, error) {
	return c.strings(ctx, `SELECT id FROM users WHERE org_id = ? AND role_id = ? ORDER BY id`, orgID, roleID)
}

// RoleUserCounts returns how many users (any status) hold each role.
func (c *Conn) RoleUserCounts(ctx context.Context, orgID string) (map[string]int, error) {
	rows, err := c.query(ctx, `SELECT role_id, COUNT(*) FROM users WHERE org_id = ? GROUP BY role_id`, orgID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var id string
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			return nil, err
		}
		out[id] = n
	}
	return out, c.dialect.mapError(rows.Err())
}

// ReassignRole moves every user holding role from to role to.
func (c *Conn) ReassignRole(ctx context.Context, orgID, from, to string, now time.Time) (int64, error) {
	res, err := c.exec(ctx, `UPDATE users SET role_id = ?, updated_at = ? WHERE org_id = ? AND role_id = ?`, to, us(now), orgID, from)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// DirectPermissions returns the permissions granted to a user directly.
func (c *Conn) DirectPermissions(ctx context.Context, orgID, userID string) (roster.PermissionSet, error) {
	names, err := c.strings(ctx, `SELECT permission FROM user_permissions WHERE org_id = ? AND user_id = ? ORDER BY permission`, orgID, userID)
	if err != nil {
		return nil, err
	}
	out := make(roster.PermissionSet, len(names))
	for i, n := range names {
		out[i] = roster.Permission(n)
	}
	return out, nil
}

// SetDirectPermissions replaces a user's direct grants.
func (c *Conn) SetDirectPermissions(ctx context.Context, orgID, userID string, perms roster.PermissionSet, now time.Time) error {
	if _, err := c.exec(ctx, `DELETE FROM user_permissions WHERE org_id = ? AND user_id = ?`, orgID, userID); err != nil {
		return err
	}
	for _, p := range perms {
		if _, err := c.exec(ctx, `INSERT INTO user_permissions (org_id, user_id, permission, created_at) VALUES (?, ?, ?, ?)`,
			orgID, userID, string(p), us(now)); err != nil {
			return err
		}
	}
	return nil
}

// CountActiveAdmins counts the org's active users, other than exceptID,
// whose role and direct grants together hold every roster.AdminPermissions
// entry.
func (c *Conn) CountActiveAdmins(ctx context.Context, orgID, exceptID string) (int, error) {
	q := `SELECT COUNT(*) FROM users u JOIN roles r ON r.id = u.role_id
		WHERE u.org_id = ? AND u.status = 'active' AND u.id <> ?`
	args := []any{orgID, exceptID}
	for _, p := range roster.AdminPermissions {
		// Role permissions are stored space-separated; padding both ends
		// makes a whole-word match. Permission names hold no LIKE wildcards
		// but "_", which is escaped.
		q += ` AND ((' ' || r.permissions || ' ') LIKE ? ESCAPE '\' OR EXISTS (
			SELECT 1 FROM user_permissions up WHERE up.user_id = u.id AND up.permission = ?))`
		args = append(args, "% "+likeEscape(string(p))+" %", string(p))
	}
	var n int
	err := c.row(ctx, q, args...).Scan(&n)
	return n, c.dialect.mapError(err)
}
