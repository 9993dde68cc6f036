package store

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"time"

	"roster/internal/roster"
)

// EnqueueEmail adds an email to the outbox; the caller's transaction makes
// it part of the change that caused it.
func (c *Conn) EnqueueEmail(ctx context.Context, orgID string, e *roster.Email) error {
	_, err := c.exec(ctx, `INSERT INTO outbox (id, org_id, recipient, subject, body_text, body_html, link, status,
			attempts, next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?)`,
		e.ID, orgID, e.To, e.Subject, e.Text, e.HTML, e.Link, roster.EmailPending, us(e.CreatedAt), us(e.CreatedAt))
	return err
}

const emailCols = `id, org_id, recipient, subject, body_text, body_html, link, status, attempts, last_error, created_at, sent_at`

func scanEmail(s interface{ Scan(...any) error }) (*roster.Email, error) {
	var e roster.Email
	var created int64
	var sent sql.NullInt64
	if err := s.Scan(&e.ID, &e.OrgID, &e.To, &e.Subject, &e.Text, &e.HTML, &e.Link, &e.Status, &e.Attempts,
		&e.LastError, &created, &sent); err != nil {
		return nil, err
	}
	e.CreatedAt, e.SentAt = fromUS(created), nullUS(sent)
	return &e, nil
}

func (c *Conn) emails(ctx context.Context, q string, args ...any) ([]roster.Email, error) {
	rows, err := c.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []roster.Email{}
	for rows.Next() {
		e, err := scanEmail(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *e)
	}
	return out, c.dialect.mapError(rows.Err())
}

// ClaimEmails leases up to limit due emails to the caller until leaseUntil,
// so that workers on several instances never send one email twice at once.
// An email whose worker died is due again once its lease runs out.
func (c *Conn) ClaimEmails(ctx context.Context, now, leaseUntil time.Time, limit int) ([]roster.Email, error) {
	skip := ""
	if c.dialect.name() == "postgres" {
		skip = " FOR UPDATE SKIP LOCKED"
	}
	due, err := c.emails(ctx, `SELECT `+emailCols+` FROM outbox WHERE status = 'pending' AND next_attempt_at <= ? AND locked_until <= ?
		ORDER BY next_attempt_at, id LIMIT `+strconv.Itoa(limit)+skip, us(now), us(now))
	if err != nil || len(due) == 0 {
		return due, err
	}
	args := []any{us(leaseUntil)}
	for _, e := range due {
		args = append(args, e.ID)
	}
	_, err = c.exec(ctx, `UPDATE outbox SET locked_until = ? WHERE id IN (?`+strings.Repeat(", ?", len(due)-1)+`)`, args...)
	return due, err
}

// MarkEmailDone records the final state of an email: sent or kept.
func (c *Conn) MarkEmailDone(ctx context.Context, id, status string, now time.Time) error {
	return c.execOne(ctx, `UPDATE outbox SET status = ?, sent_at = ?, attempts = attempts + 1, locked_until = 0, last_error = '' WHERE id = ?`,
		status, us(now), id)
}

// MarkEmailAttemptFailed records a failed attempt and when to try again; a
// zero retryAt means give up.
func (c *Conn) MarkEmailAttemptFailed(ctx context.Context, id, msg string, retryAt time.Time) error {
	status, next := roster.EmailPending, us(retryAt)
	if retryAt.IsZero() {
		status, next = roster.EmailFailed, 0
	}
	return c.execOne(ctx, `UPDATE outbox SET status = ?, attempts = attempts + 1, last_error = ?, next_attempt_at = ?, locked_until = 0 WHERE id = ?`,
		status, msg, next, id)
}

// Emails returns the newest outbox emails, optionally of one org.
func (c *Conn) Emails(ctx context.Context, orgID string, limit int) ([]roster.Email, error) {
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	if orgID != "" {
		return c.emails(ctx, `SELECT `+emailCols+` FROM outbox WHERE org_id = ? ORDER BY created_at DESC, id DESC LIMIT `+strconv.Itoa(limit), orgID)
	}
	return c.emails(ctx, `SELECT `+emailCols+` FROM outbox ORDER BY created_at DESC, id DESC LIMIT `+strconv.Itoa(limit))
}

// OutboxDepth counts emails waiting to be sent.
func (c *Conn) OutboxDepth(ctx context.Context) (int, error) {
	var n int
	err := c.row(ctx, `SELECT COUNT(*) FROM outbox WHERE status = 'pending'`).Scan(&n)
	return n, c.dialect.mapError(err)
}
