package store

import (
	"context"
	"time"

	"roster/internal/roster"
)

func scanIntegration(s interface{ Scan(...any) error }) (*roster.Integration, error) {
	var i roster.Integration
	var created int64
	if err := s.Scan(&i.ID, &i.OrgID, &i.Key, &i.Name, &created); err != nil {
		return nil, err
	}
	i.CreatedAt = fromUS(created)
	return &i, nil
}

const integrationCols = `id, org_id, key, name, created_at`

// CreateIntegration inserts an org integration; a taken key is a Conflict.
func (c *Conn) CreateIntegration(ctx context.Context, orgID string, i *roster.Integration) error {
	_, err := c.exec(ctx, `INSERT INTO integrations (`+integrationCols+`) VALUES (?, ?, ?, ?, ?)`,
		i.ID, orgID, i.Key, i.Name, us(i.CreatedAt))
	return err
}

// DeleteIntegration removes an org integration and every user's link to it.
func (c *Conn) DeleteIntegration(ctx context.Context, orgID, id string) error {
	return c.execOne(ctx, `DELETE FROM integrations WHERE org_id = ? AND id = ?`, orgID, id)
}

// Integration returns one org integration, or ErrNotFound.
func (c *Conn) Integration(ctx context.Context, orgID, id string) (*roster.Integration, error) {
	i, err := scanIntegration(c.row(ctx, `SELECT `+integrationCols+` FROM integrations WHERE org_id = ? AND id = ?`, orgID, id))
	return i, c.dialect.mapError(err)
}

// Integrations returns the org's integrations by name.
func (c *Conn) Integrations(ctx context.Context, orgID string) ([]roster.Integration, error) {
	rows, err := c.query(ctx, `SELECT `+integrationCols+` FROM integrations WHERE org_id = ? ORDER BY name, key`, orgID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []roster.Integration{}
	for rows.Next() {
		i, err := scanIntegration(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *i)
	}
	return out, c.dialect.mapError(rows.Err())
}

// LinkUserIntegration links a user to an org integration; an existing
// link is a Conflict.
func (c *Conn) LinkUserIntegration(ctx context.Context, orgID, userID, integrationID, account string, now time.Time) error {
	_, err := c.exec(ctx, `INSERT INTO user_integrations (org_id, user_id, integration_id, account, created_at) VALUES (?, ?, ?, ?, ?)`,
		orgID, userID, integrationID, account, us(now))
	return err
}

// UnlinkUserIntegration removes a user's link; a missing one is ErrNotFound.
func (c *Conn) UnlinkUserIntegration(ctx context.Context, orgID, userID, integrationID string) error {
	return c.execOne(ctx, `DELETE FROM user_integrations WHERE org_id = ? AND user_id = ? AND integration_id = ?`,
		orgID, userID, integrationID)
}

// UserIntegrations returns the integrations a user has linked, oldest first.
func (c *Conn) UserIntegrations(ctx context.Context, orgID, userID string) ([]roster.UserIntegration, error) {
	rows, err := c.query(ctx, `SELECT i.id, i.key, i.name, l.account, l.created_at
		FROM user_integrations l JOIN integrations i ON i.id = l.integration_id
		WHERE l.org_id = ? AND l.user_id = ? ORDER BY l.created_at, i.key`, orgID, userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []roster.UserIntegration{}
	for rows.Next() {
		var u roster.UserIntegration
		var at int64
		if err := rows.Scan(&u.IntegrationID, &u.Key, &u.Name, &u.Account, &at); err != nil {
			return nil, err
		}
		u.LinkedAt = fromUS(at)
		out = append(out, u)
	}
	return out, c.dialect.mapError(rows.Err())
}
