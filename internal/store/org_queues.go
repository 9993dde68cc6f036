package store

import (
	"context"
	"time"

	"roster/internal/roster"
)

const queueCols = `q.id, q.org_id, q.name, q.description, q.created_at, q.updated_at,
	(SELECT COUNT(*) FROM queue_members m WHERE m.queue_id = q.id)`

func scanQueue(s interface{ Scan(...any) error }) (*roster.Queue, error) {
	var q roster.Queue
	var created, updated int64
	if err := s.Scan(&q.ID, &q.OrgID, &q.Name, &q.Description, &created, &updated, &q.MemberCount); err != nil {
		return nil, err
	}
	q.CreatedAt, q.UpdatedAt = fromUS(created), fromUS(updated)
	return &q, nil
}

// CreateQueue inserts a queue; a name already used in the org (ignoring
// case) is a Conflict.
func (c *Conn) CreateQueue(ctx context.Context, orgID string, q *roster.Queue) error {
	_, err := c.exec(ctx, `INSERT INTO queues (id, org_id, name, name_key, description, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, q.ID, orgID, q.Name, roster.NameKey(q.Name), q.Description, us(q.CreatedAt), us(q.UpdatedAt))
	return err
}

// UpdateQueue writes a queue's name and description.
func (c *Conn) UpdateQueue(ctx context.Context, orgID string, q *roster.Queue) error {
	return c.execOne(ctx, `UPDATE queues SET name = ?, name_key = ?, description = ?, updated_at = ? WHERE org_id = ? AND id = ?`,
		q.Name, roster.NameKey(q.Name), q.Description, us(q.UpdatedAt), orgID, q.ID)
}

// DeleteQueue removes a queue and its memberships.
func (c *Conn) DeleteQueue(ctx context.Context, orgID, queueID string) error {
	return c.execOne(ctx, `DELETE FROM queues WHERE org_id = ? AND id = ?`, orgID, queueID)
}

// Queue returns one queue of the org, or ErrNotFound.
func (c *Conn) Queue(ctx context.Context, orgID, queueID string) (*roster.Queue, error) {
	q, err := scanQueue(c.row(ctx, `SELECT `+queueCols+` FROM queues q WHERE q.org_id = ? AND q.id = ?`, orgID, queueID))
	return q, c.dialect.mapError(err)
}

// Queues returns the org's queues by name.
func (c *Conn) Queues(ctx context.Context, orgID string) ([]roster.Queue, error) {
	rows, err := c.query(ctx, `SELECT `+queueCols+` FROM queues q WHERE q.org_id = ? ORDER BY q.name_key, q.id`, orgID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []roster.Queue{}
	for rows.Next() {
		q, err := scanQueue(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *q)
	}
	return out, c.dialect.mapError(rows.Err())
}

// SetQueueMember assigns a user to a queue, or changes their penalty and
// priority; it reports whether the user was added.
func (c *Conn) SetQueueMember(ctx context.Context, orgID, queueID, userID string, penalty, priority int, now time.Time) (bool, error) {
	res, err := c.exec(ctx, `UPDATE queue_members SET penalty = ?, priority = ? WHERE org_id = ? AND queue_id = ? AND user_id = ?`,
		penalty, priority, orgID, queueID, userID)
	if err != nil {
		return false, err
	}
	if n, err := res.RowsAffected(); err != nil || n > 0 {
		return false, err
	}
	_, err = c.exec(ctx, `INSERT INTO queue_members (org_id, queue_id, user_id, penalty, priority, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		orgID, queueID, userID, penalty, priority, us(now))
	return err == nil, err
}

// InsertQueueMembers assigns users who are in no queue yet (an import's
// new users) to one queue, in as few statements as possible; a user
// already in it is a Conflict. Only UserID, Penalty and Priority of
// members are read.
func (c *Conn) InsertQueueMembers(ctx context.Context, orgID, queueID string, members []roster.QueueMember, now time.Time) error {
	return c.insert(ctx, rowSet{head: `INSERT INTO queue_members (org_id, queue_id, user_id, penalty, priority, created_at)`, width: 6, n: len(members),
		row: func(i int) []any {
			m := &members[i]
			return []any{orgID, queueID, m.UserID, m.Penalty, m.Priority, us(now)}
		}})
}

// RemoveQueueMember takes a user out of a queue; one not in it is ErrNotFound.
func (c *Conn) RemoveQueueMember(ctx context.Context, orgID, queueID, userID string) error {
	return c.execOne(ctx, `DELETE FROM queue_members WHERE org_id = ? AND queue_id = ? AND user_id = ?`, orgID, queueID, userID)
}

// QueueMembers returns a queue's agents, lowest penalty and highest
// priority first.
func (c *Conn) QueueMembers(ctx context.Context, orgID, queueID string) ([]roster.QueueMember, error) {
	rows, err := c.query(ctx, `SELECT u.id, u.email, u.first_name, u.last_name, u.status, m.penalty, m.priority, m.created_at
		FROM queue_members m JOIN users u ON u.id = m.user_id
		WHERE m.org_id = ? AND m.queue_id = ? ORDER BY m.penalty, m.priority DESC, u.sort_name, u.id`, orgID, queueID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []roster.QueueMember{}
	for rows.Next() {
		var m roster.QueueMember
		var added int64
		if err := rows.Scan(&m.UserID, &m.Email, &m.FirstName, &m.LastName, &m.Status, &m.Penalty, &m.Priority, &added); err != nil {
			return nil, err
		}
		m.AddedAt = fromUS(added)
		out = append(out, m)
	}
	return out, c.dialect.mapError(rows.Err())
}

// RemoveUserFromQueues takes a user out of every queue and returns the
// queues they were in, by name.
func (c *Conn) RemoveUserFromQueues(ctx context.Context, orgID, userID string) ([]roster.TeamRef, error) {
	out, err := c.UserQueues(ctx, orgID, userID)
	if err != nil {
		return nil, err
	}
	_, err = c.exec(ctx, `DELETE FROM queue_members WHERE org_id = ? AND user_id = ?`, orgID, userID)
	return out, err
}

// ActiveUsersInNoQueue returns the org's active users (optionally of one
// role, by key) who are in no queue, by name, at most limit.
func (c *Conn) ActiveUsersInNoQueue(ctx context.Context, orgID, roleKey string, limit int) ([]roster.User, error) {
	q := `SELECT ` + userCols + userFrom + `WHERE u.org_id = ? AND u.status = 'active'
		AND NOT EXISTS (SELECT 1 FROM queue_members m WHERE m.user_id = u.id)`
	args := []any{orgID}
	if roleKey != "" {
		q += ` AND r.key = ?`
		args = append(args, roleKey)
	}
	args = append(args, limit)
	users, err := c.users(ctx, q+` ORDER BY u.sort_name, u.id LIMIT ?`, args...)
	if users == nil {
		users = []roster.User{}
	}
	return users, err
}

// UsersNotSeenSince returns the org's active users who have not signed in
// since before (counting from their creation when they never have), oldest
// first, at most limit.
func (c *Conn) UsersNotSeenSince(ctx context.Context, orgID string, before time.Time, limit int) ([]roster.User, error) {
	users, err := c.users(ctx, `SELECT `+userCols+userFrom+`WHERE u.org_id = ? AND u.status = 'active'
		AND COALESCE(u.last_login_at, u.created_at) < ?
		ORDER BY COALESCE(u.last_login_at, u.created_at), u.id LIMIT ?`, orgID, us(before), limit)
	if users == nil {
		users = []roster.User{}
	}
	return users, err
}

// UserQueues returns the queues a user is in, by name.
func (c *Conn) UserQueues(ctx context.Context, orgID, userID string) ([]roster.TeamRef, error) {
	rows, err := c.query(ctx, `SELECT q.id, q.name FROM queue_members m JOIN queues q ON q.id = m.queue_id
		WHERE m.org_id = ? AND m.user_id = ? ORDER BY q.name_key, q.id`, orgID, userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []roster.TeamRef{}
	for rows.Next() {
		var r roster.TeamRef
		if err := rows.Scan(&r.ID, &r.Name); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, c.dialect.mapError(rows.Err())
}
