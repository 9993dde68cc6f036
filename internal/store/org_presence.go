package store

import (
	"context"
	"database/sql"
	"time"

	"roster/internal/roster"
)

// SetPresence records the status the telephony side reports for a user.
// Do-not-disturb is a phone setting (SetDoNotDisturb), not kept here.
func (c *Conn) SetPresence(ctx context.Context, orgID, userID string, status roster.Presence, now time.Time) error {
	_, err := c.exec(ctx, `INSERT INTO presence (user_id, org_id, status, set_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (user_id) DO UPDATE SET status = excluded.status, set_at = excluded.set_at
		WHERE presence.org_id = excluded.org_id`,
		userID, orgID, string(status), us(now))
	return err
}

// activity is what presence is derived from, as scanned from the users
// row (last_active_at), its presence row and its phone settings, the
// latter two possibly missing.
type activity struct {
	lastActive, setAt sql.NullInt64
	set               sql.NullString
	dnd               sql.NullBool
}

func (a activity) input(status roster.Status) roster.PresenceInput {
	in := roster.PresenceInput{Status: status, Set: roster.Presence(a.set.String), DND: a.dnd.Bool}
	if a.setAt.Valid {
		in.SetAt = fromUS(a.setAt.Int64)
	}
	if a.lastActive.Valid {
		in.LastActive = fromUS(a.lastActive.Int64)
	}
	return in
}

// PresenceInputs returns what each of userIDs' presence is derived from;
// users of other orgs are left out.
func (c *Conn) PresenceInputs(ctx context.Context, orgID string, userIDs []string) (map[string]roster.PresenceInput, error) {
	out := map[string]roster.PresenceInput{}
	if len(userIDs) == 0 {
		return out, nil
	}
	args := []any{orgID}
	for _, id := range userIDs {
		args = append(args, id)
	}
	rows, err := c.query(ctx, `SELECT u.id, u.status, u.last_active_at, `+presenceCols+` FROM users u`+presenceJoins+
		`WHERE `+c.orgTerm("u.org_id")+` AND u.id IN (`+placeholders(len(userIDs))+`)`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var status roster.Status
		var a activity
		if err := rows.Scan(&id, &status, &a.lastActive, &a.set, &a.setAt, &a.dnd); err != nil {
			return nil, err
		}
		out[id] = a.input(status)
	}
	return out, c.dialect.mapError(rows.Err())
}

// InsertCallEvent stores a call event unless one with its ID is already
// stored for the org; it reports whether it was new.
func (c *Conn) InsertCallEvent(ctx context.Context, orgID string, e *roster.CallEvent, now time.Time) (bool, error) {
	res, err := c.exec(ctx, `INSERT INTO call_events (org_id, id, user_id, direction, answered, started_at, day, duration_s, received_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (org_id, id) DO NOTHING`,
		orgID, e.ID, e.UserID, e.Direction, e.Answered, us(e.StartedAt), e.Day(), e.Duration, us(now))
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// ExistingCallEventIDs returns which of ids the org has already stored.
func (c *Conn) ExistingCallEventIDs(ctx context.Context, orgID string, ids []string) (map[string]bool, error) {
	out := map[string]bool{}
	for start := 0; start < len(ids); start += 500 {
		chunk := ids[start:min(start+500, len(ids))]
		args := []any{orgID}
		for _, id := range chunk {
			args = append(args, id)
		}
		found, err := c.strings(ctx, `SELECT id FROM call_events WHERE org_id = ? AND id IN (`+placeholders(len(chunk))+`)`, args...)
		if err != nil {
			return nil, err
		}
		for _, id := range found {
			out[id] = true
		}
	}
	return out, nil
}

// DialsUsed returns how many dials the org has made.
func (c *Conn) DialsUsed(ctx context.Context, orgID string) (int, error) {
	var n int
	err := c.row(ctx, `SELECT dials_used FROM orgs WHERE id = ?`, orgID).Scan(&n)
	return n, c.dialect.mapError(err)
}

// AddDialsUsed adds n to the org's dial count.
func (c *Conn) AddDialsUsed(ctx context.Context, orgID string, n int) error {
	return c.execOne(ctx, `UPDATE orgs SET dials_used = dials_used + ? WHERE id = ?`, n, orgID)
}

// CallsHandled returns answered calls per user and day (from and to are
// inclusive dates like 2026-01-31) for userIDs.
func (c *Conn) CallsHandled(ctx context.Context, orgID string, userIDs []string, from, to string) (map[string][]roster.DayCount, error) {
	out := map[string][]roster.DayCount{}
	if len(userIDs) == 0 {
		return out, nil
	}
	args := []any{orgID, true, from, to}
	for _, id := range userIDs {
		args = append(args, id)
	}
	rows, err := c.query(ctx, `SELECT user_id, day, COUNT(*) FROM call_events
		WHERE org_id = ? AND answered = ? AND day >= ? AND day <= ? AND user_id IN (`+placeholders(len(userIDs))+`)
		GROUP BY user_id, day ORDER BY user_id, day`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var uid string
		var d roster.DayCount
		if err := rows.Scan(&uid, &d.Day, &d.CallsHandled); err != nil {
			return nil, err
		}
		out[uid] = append(out[uid], d)
	}
	return out, c.dialect.mapError(rows.Err())
}
