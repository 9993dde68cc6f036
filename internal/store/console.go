package store

import (
	"context"

	"roster/internal/roster"
)

// PendingInvitationsForUsers returns the pending invitation of each of the
// given users of the org that has one, keyed by user ID, in one query, so
// that a page of invited users costs one round trip whatever its size.
func (c *Conn) PendingInvitationsForUsers(ctx context.Context, orgID string, userIDs []string) (map[string]roster.Invitation, error) {
	out := make(map[string]roster.Invitation, len(userIDs))
	if len(userIDs) == 0 {
		return out, nil
	}
	args := make([]any, 0, len(userIDs)+1)
	args = append(args, orgID)
	for _, id := range userIDs {
		args = append(args, id)
	}
	rows, err := c.query(ctx, `SELECT `+invCols+` FROM invitations WHERE org_id = ? AND status = 'pending' AND user_id IN (`+placeholders(len(userIDs))+`)`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		i, err := scanInvitation(rows)
		if err != nil {
			return nil, err
		}
		out[i.UserID] = *i
	}
	return out, c.dialect.mapError(rows.Err())
}
