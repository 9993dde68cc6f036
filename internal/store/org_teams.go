package store

import (
	"context"
	"time"

	"roster/internal/roster"
)

const teamCols = `t.id, t.org_id, t.name, t.disabled, t.avatar_type, t.created_at, t.updated_at,
	(SELECT COUNT(*) FROM team_members m WHERE m.team_id = t.id)`

func scanTeam(s interface{ Scan(...any) error }) (*roster.Team, error) {
	var t roster.Team
	var avatarType string
	var created, updated int64
	if err := s.Scan(&t.ID, &t.OrgID, &t.Name, &t.Disabled, &avatarType, &created, &updated, &t.MemberCount); err != nil {
		return nil, err
	}
	t.HasAvatar = avatarType != ""
	t.CreatedAt, t.UpdatedAt = fromUS(created), fromUS(updated)
	t.RoleIDs = []string{}
	return &t, nil
}

// CreateTeam inserts a team; a name already used in the org (ignoring
// case) is a Conflict.
func (c *Conn) CreateTeam(ctx context.Context, orgID string, t *roster.Team) error {
	_, err := c.exec(ctx, `INSERT INTO teams (id, org_id, name, name_key, disabled, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, t.ID, orgID, t.Name, roster.NameKey(t.Name), t.Disabled, us(t.CreatedAt), us(t.UpdatedAt))
	return err
}

// UpdateTeam writes a team's name and disabled flag.
func (c *Conn) UpdateTeam(ctx context.Context, orgID string, t *roster.Team) error {
	return c.execOne(ctx, `UPDATE teams SET name = ?, name_key = ?, disabled = ?, updated_at = ? WHERE org_id = ? AND id = ?`,
		t.Name, roster.NameKey(t.Name), t.Disabled, us(t.UpdatedAt), orgID, t.ID)
}

// Team returns one team of the org with its linked roles, or ErrNotFound.
func (c *Conn) Team(ctx context.Context, orgID, teamID string) (*roster.Team, error) {
	t, err := scanTeam(c.row(ctx, `SELECT `+teamCols+` FROM teams t WHERE t.org_id = ? AND t.id = ?`, orgID, teamID))
	if err != nil {
		return nil, c.dialect.mapError(err)
	}
	if t.RoleIDs, err = c.TeamRoleIDs(ctx, orgID, teamID); err != nil {
		return nil, err
	}
	return t, nil
}

// Teams returns the org's teams by name; disabled ones only when asked.
func (c *Conn) Teams(ctx context.Context, orgID string, includeDisabled bool) ([]roster.Team, error) {
	q := `SELECT ` + teamCols + ` FROM teams t WHERE t.org_id = ?`
	args := []any{orgID}
	if !includeDisabled {
		q += ` AND t.disabled = ?`
		args = append(args, false)
	}
	rows, err := c.query(ctx, q+` ORDER BY t.name_key, t.id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []roster.Team{}
	byID := map[string]int{}
	for rows.Next() {
		t, err := scanTeam(rows)
		if err != nil {
			return nil, err
		}
		byID[t.ID] = len(out)
		out = append(out, *t)
	}
	if err := rows.Err(); err != nil {
		return nil, c.dialect.mapError(err)
	}
	rows.Close()
	links, err := c.query(ctx, `SELECT team_id, role_id FROM role_teams WHERE org_id = ? ORDER BY role_id`, orgID)
	if err != nil {
		return nil, err
	}
	defer links.Close()
	for links.Next() {
		var teamID, roleID string
		if err := links.Scan(&teamID, &roleID); err != nil {
			return nil, err
		}
		if i, ok := byID[teamID]; ok {
			out[i].RoleIDs = append(out[i].RoleIDs, roleID)
		}
	}
	return out, c.dialect.mapError(links.Err())
}

// SetTeamAvatar stores a team's avatar (nil data removes it).
func (c *Conn) SetTeamAvatar(ctx context.Context, orgID, teamID string, data []byte, mediaType string, now time.Time) error {
	return c.execOne(ctx, `UPDATE teams SET avatar = ?, avatar_type = ?, updated_at = ? WHERE org_id = ? AND id = ?`,
		data, mediaType, us(now), orgID, teamID)
}

// TeamAvatar returns a team's avatar and media type; a team without one is
// ErrNotFound.
func (c *Conn) TeamAvatar(ctx context.Context, orgID, teamID string) ([]byte, string, error) {
	var data []byte
	var typ string
	err := c.row(ctx, `SELECT avatar, avatar_type FROM teams WHERE org_id = ? AND id = ?`, orgID, teamID).Scan(&data, &typ)
	if err != nil {
		return nil, "", c.dialect.mapError(err)
	}
	if typ == "" {
		return nil, "", errNotFound
	}
	return data, typ, nil
}

// AddTeamMember puts a user in a team, or updates their leader flag when
// they are already in it. It reports whether the user was added.
func (c *Conn) AddTeamMember(ctx context.Context, orgID, teamID, userID string, leader *bool, now time.Time) (bool, error) {
	l := false
	if leader != nil {
		l = *leader
	}
	res, err := c.exec(ctx, `INSERT INTO team_members (org_id, team_id, user_id, leader, created_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (team_id, user_id) DO NOTHING`, orgID, teamID, userID, l, us(now))
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, err
	}
	if n == 0 && leader != nil {
		_, err = c.exec(ctx, `UPDATE team_members SET leader = ? WHERE org_id = ? AND team_id = ? AND user_id = ?`, l, orgID, teamID, userID)
	}
	return n > 0, err
}

// RemoveTeamMember takes a user out of a team; one not in it is ErrNotFound.
func (c *Conn) RemoveTeamMember(ctx context.Context, orgID, teamID, userID string) error {
	return c.execOne(ctx, `DELETE FROM team_members WHERE org_id = ? AND team_id = ? AND user_id = ?`, orgID, teamID, userID)
}

// TeamMembers returns the members of a team (or of several) by name.
func (c *Conn) TeamMembers(ctx context.Context, orgID string, teamIDs ...string) ([]roster.TeamMember, error) {
	out := []roster.TeamMember{}
	if len(teamIDs) == 0 {
		return out, nil
	}
	args := []any{orgID}
	for _, id := range teamIDs {
		args = append(args, id)
	}
	rows, err := c.query(ctx, `SELECT u.id, u.email, u.first_name, u.last_name, u.status, r.key, MAX(CASE WHEN m.leader THEN 1 ELSE 0 END), MIN(m.created_at)
		FROM team_members m JOIN users u ON u.id = m.user_id JOIN roles r ON r.id = u.role_id
		WHERE m.org_id = ? AND m.team_id IN (`+placeholders(len(teamIDs))+`)
		GROUP BY u.id, u.email, u.first_name, u.last_name, u.status, r.key, u.sort_name
		ORDER BY u.sort_name, u.id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var m roster.TeamMember
		var leader int
		var added int64
		if err := rows.Scan(&m.UserID, &m.Email, &m.FirstName, &m.LastName, &m.Status, &m.Role, &leader, &added); err != nil {
			return nil, err
		}
		m.Leader, m.AddedAt = leader == 1, fromUS(added)
		out = append(out, m)
	}
	return out, c.dialect.mapError(rows.Err())
}

// LeaderTeamIDs returns the enabled teams a user leads.
func (c *Conn) LeaderTeamIDs(ctx context.Context, orgID, userID string) ([]string, error) {
	return c.strings(ctx, `SELECT m.team_id FROM team_members m JOIN teams t ON t.id = m.team_id
		WHERE m.org_id = ? AND m.user_id = ? AND m.leader = ? AND t.disabled = ? ORDER BY m.team_id`, orgID, userID, true, false)
}

// UserTeams returns, for each of userIDs, the teams they are in (disabled
// ones only when asked), by name.
func (c *Conn) UserTeams(ctx context.Context, orgID string, userIDs []string, includeDisabled bool) (map[string][]roster.TeamRef, error) {
	out := map[string][]roster.TeamRef{}
	if len(userIDs) == 0 {
		return out, nil
	}
	args := []any{orgID}
	for _, id := range userIDs {
		args = append(args, id)
	}
	q := `SELECT m.user_id, t.id, t.name FROM team_members m JOIN teams t ON t.id = m.team_id
		WHERE m.org_id = ? AND m.user_id IN (` + placeholders(len(userIDs)) + `)`
	if !includeDisabled {
		q += ` AND t.disabled = ?`
		args = append(args, false)
	}
	rows, err := c.query(ctx, q+` ORDER BY t.name_key, t.id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var uid string
		var t roster.TeamRef
		if err := rows.Scan(&uid, &t.ID, &t.Name); err != nil {
			return nil, err
		}
		out[uid] = append(out[uid], t)
	}
	return out, c.dialect.mapError(rows.Err())
}

// ExistingUserIDs returns which of ids are users of the org.
func (c *Conn) ExistingUserIDs(ctx context.Context, orgID string, ids []string) (map[string]roster.Status, error) {
	out := map[string]roster.Status{}
	if len(ids) == 0 {
		return out, nil
	}
	args := []any{orgID}
	for _, id := range ids {
		args = append(args, id)
	}
	rows, err := c.query(ctx, `SELECT id, status FROM users WHERE `+c.orgTerm("org_id")+` AND id IN (`+placeholders(len(ids))+`)`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var st roster.Status
		if err := rows.Scan(&id, &st); err != nil {
			return nil, err
		}
		out[id] = st
	}
	return out, c.dialect.mapError(rows.Err())
}
