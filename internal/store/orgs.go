package store

import (
	"context"
	"slices"
	"strings"
	"time"

	"roster/internal/roster"
)

const orgCols = `id, slug, name, plan, invite_ttl_us, invitations_sent, created_at`

func scanOrg(s interface{ Scan(...any) error }) (*roster.Org, error) {
	var o roster.Org
	var ttl, created int64
	if err := s.Scan(&o.ID, &o.Slug, &o.Name, &o.Plan, &ttl, &o.InvitationsSent, &created); err != nil {
		return nil, err
	}
	o.InviteTTL = time.Duration(ttl) * time.Microsecond
	o.CreatedAt = fromUS(created)
	return &o, nil
}

// CreateOrg inserts an org; a taken slug is a Conflict.
func (c *Conn) CreateOrg(ctx context.Context, o *roster.Org) error {
	_, err := c.exec(ctx, `INSERT INTO orgs (`+orgCols+`) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		o.ID, o.Slug, o.Name, string(o.Plan), o.InviteTTL.Microseconds(), o.InvitationsSent, us(o.CreatedAt))
	return err
}

// Org returns the org with this ID, or ErrNotFound.
func (c *Conn) Org(ctx context.Context, orgID string) (*roster.Org, error) {
	o, err := scanOrg(c.row(ctx, `SELECT `+orgCols+` FROM orgs WHERE id = ?`, orgID))
	return o, c.dialect.mapError(err)
}

// OrgBySlug returns the org with this slug, or ErrNotFound.
func (c *Conn) OrgBySlug(ctx context.Context, slug string) (*roster.Org, error) {
	o, err := scanOrg(c.row(ctx, `SELECT `+orgCols+` FROM orgs WHERE slug = ?`, strings.ToLower(slug)))
	return o, c.dialect.mapError(err)
}

// AddInvitationsSent adds n to the org's lifetime count of invitations sent.
func (c *Conn) AddInvitationsSent(ctx context.Context, orgID string, n int) error {
	return c.execOne(ctx, `UPDATE orgs SET invitations_sent = invitations_sent + ? WHERE id = ?`, n, orgID)
}

// CreateRole inserts a role; a taken key is a Conflict.
func (c *Conn) CreateRole(ctx context.Context, orgID string, r *roster.Role, now time.Time) error {
	_, err := c.exec(ctx, `INSERT INTO roles (id, org_id, key, name, description, permissions, builtin, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		r.ID, orgID, r.Key, r.Name, r.Description, joinPerms(r.Permissions), r.Builtin, us(now))
	return err
}

func joinPerms(ps roster.PermissionSet) string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = string(p)
	}
	return strings.Join(s, " ")
}

func splitPerms(s string) roster.PermissionSet {
	f := strings.Fields(s)
	out := make(roster.PermissionSet, len(f))
	for i, p := range f {
		out[i] = roster.Permission(p)
	}
	return out
}

const roleCols = `id, org_id, key, name, description, permissions, builtin`

func scanRole(s interface{ Scan(...any) error }) (*roster.Role, error) {
	var r roster.Role
	var perms string
	if err := s.Scan(&r.ID, &r.OrgID, &r.Key, &r.Name, &r.Description, &perms, &r.Builtin); err != nil {
		return nil, err
	}
	r.Permissions = splitPerms(perms)
	return &r, nil
}

// Roles returns the org's roles, built-ins first.
func (c *Conn) Roles(ctx context.Context, orgID string) ([]roster.Role, error) {
	rows, err := c.query(ctx, `SELECT `+roleCols+` FROM roles WHERE org_id = ? ORDER BY builtin DESC, created_at, key`, orgID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []roster.Role
	for rows.Next() {
		r, err := scanRole(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *r)
	}
	return out, c.dialect.mapError(rows.Err())
}

// Role returns one role of the org, or ErrNotFound.
func (c *Conn) Role(ctx context.Context, orgID, roleID string) (*roster.Role, error) {
	r, err := scanRole(c.row(ctx, `SELECT `+roleCols+` FROM roles WHERE org_id = ? AND id = ?`, orgID, roleID))
	return r, c.dialect.mapError(err)
}

// RoleByKey returns the org's role with this key, or ErrNotFound.
func (c *Conn) RoleByKey(ctx context.Context, orgID, key string) (*roster.Role, error) {
	r, err := scanRole(c.row(ctx, `SELECT `+roleCols+` FROM roles WHERE org_id = ? AND key = ?`, orgID, key))
	return r, c.dialect.mapError(err)
}

// RoleByKeyWithTeams returns the org's role with this key and the IDs of
// the teams it puts its holders in (sorted), or ErrNotFound: one query
// where RoleByKey and RoleTeamIDs are two, for the requests that give a
// user a role by its key, such as creating one.
func (c *Conn) RoleByKeyWithTeams(ctx context.Context, orgID, key string) (*roster.Role, []string, error) {
	var teams string
	r, err := scanRole(scanAlso{c.row(ctx, `SELECT `+roleCols+`, COALESCE((SELECT `+c.dialect.joinAgg("t.team_id")+` FROM role_teams t
			WHERE t.org_id = roles.org_id AND t.role_id = roles.id), '')
		FROM roles WHERE org_id = ? AND key = ?`, orgID, key), []any{&teams}})
	if err != nil {
		return nil, nil, c.dialect.mapError(err)
	}
	// The aggregate's order is not defined; RoleTeamIDs's is.
	teamIDs := strings.Fields(teams)
	slices.Sort(teamIDs)
	return r, teamIDs, nil
}

// scanAlso scans a row whose columns after a scan function's (scanRole's,
// say) go to more.
type scanAlso struct {
	row  interface{ Scan(...any) error }
	more []any
}

func (s scanAlso) Scan(dest ...any) error { return s.row.Scan(append(dest, s.more...)...) }

// SetLicensePool creates or updates a license pool's name and purchased
// quantity.
func (c *Conn) SetLicensePool(ctx context.Context, orgID, typ, name string, purchased int, now time.Time) error {
	_, err := c.exec(ctx, `INSERT INTO license_pools (org_id, type, name, purchased, updated_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (org_id, type) DO UPDATE SET name = excluded.name, purchased = excluded.purchased, updated_at = excluded.updated_at`,
		orgID, typ, name, purchased, us(now))
	return err
}

// LicensePools returns the org's pools with used and available seats.
func (c *Conn) LicensePools(ctx context.Context, orgID string) ([]roster.LicensePool, error) {
	rows, err := c.query(ctx, `SELECT p.type, p.name, p.purchased,
			(SELECT COUNT(*) FROM users u WHERE u.org_id = p.org_id AND u.license_type = p.type AND u.status IN ('active', 'invited'))
		FROM license_pools p WHERE p.org_id = ? ORDER BY p.name, p.type`, orgID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []roster.LicensePool
	for rows.Next() {
		var p roster.LicensePool
		if err := rows.Scan(&p.Type, &p.Name, &p.Purchased, &p.Used); err != nil {
			return nil, err
		}
		p.Available = max(p.Purchased-p.Used, 0)
		out = append(out, p)
	}
	return out, c.dialect.mapError(rows.Err())
}

// LicensePool returns one pool with its counts, or ErrNotFound.
func (c *Conn) LicensePool(ctx context.Context, orgID, typ string) (*roster.LicensePool, error) {
	var p roster.LicensePool
	err := c.row(ctx, `SELECT p.type, p.name, p.purchased,
			(SELECT COUNT(*) FROM users u WHERE u.org_id = p.org_id AND u.license_type = p.type AND u.status IN ('active', 'invited'))
		FROM license_pools p WHERE p.org_id = ? AND p.type = ?`, orgID, typ).Scan(&p.Type, &p.Name, &p.Purchased, &p.Used)
	if err != nil {
		return nil, c.dialect.mapError(err)
	}
	p.Available = max(p.Purchased-p.Used, 0)
	return &p, nil
}
