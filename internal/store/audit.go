package store

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"

	"roster/internal/roster"
)

// InsertAudit appends an audit event.
func (c *Conn) InsertAudit(ctx context.Context, orgID string, e *roster.AuditEvent) error {
	before, err := json.Marshal(e.Before)
	if err != nil {
		return err
	}
	after, err := json.Marshal(e.After)
	if err != nil {
		return err
	}
	_, err = c.exec(ctx, `INSERT INTO audit_events (id, org_id, actor_id, actor_label, action, target_type, target_id,
			target_label, before_json, after_json, ip, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.ID, orgID, e.ActorID, e.ActorLabel, e.Action, e.TargetType, e.TargetID, e.TargetLabel,
		string(before), string(after), e.IP, us(e.CreatedAt))
	return err
}

// AuditEvents returns the org's events matching f, newest first. Event IDs
// are time-ordered, so the cursor is the last ID.
func (c *Conn) AuditEvents(ctx context.Context, orgID string, f roster.AuditFilter) (roster.Page[roster.AuditEvent], error) {
	page := roster.Page[roster.AuditEvent]{Items: []roster.AuditEvent{}}
	where := []string{"org_id = ?"}
	args := []any{orgID}
	add := func(cond string, v any) {
		where = append(where, cond)
		args = append(args, v)
	}
	if f.ActorID != "" {
		add("actor_id = ?", f.ActorID)
	}
	if f.TargetID != "" {
		add("target_id = ?", f.TargetID)
	}
	if f.Action != "" {
		if strings.HasSuffix(f.Action, ".*") {
			add(`action LIKE ? ESCAPE '\'`, likeEscape(strings.TrimSuffix(f.Action, "*"))+"%")
		} else {
			add("action = ?", f.Action)
		}
	}
	if !f.Since.IsZero() {
		add("created_at >= ?", us(f.Since))
	}
	if !f.Until.IsZero() {
		add("created_at < ?", us(f.Until))
	}
	if f.Cursor != "" {
		add("id < ?", f.Cursor)
	}
	limit := f.Limit
	if limit <= 0 || limit > 500 {
		limit = 50
	}
	rows, err := c.query(ctx, `SELECT id, actor_id, actor_label, action, target_type, target_id, target_label,
			before_json, after_json, ip, created_at FROM audit_events WHERE `+strings.Join(where, " AND ")+
		` ORDER BY id DESC LIMIT `+strconv.Itoa(limit+1), args...)
	if err != nil {
		return page, err
	}
	defer rows.Close()
	for rows.Next() {
		if len(page.Items) == limit {
			page.NextCursor = page.Items[limit-1].ID
			break
		}
		var e roster.AuditEvent
		var before, after string
		var created int64
		if err := rows.Scan(&e.ID, &e.ActorID, &e.ActorLabel, &e.Action, &e.TargetType, &e.TargetID, &e.TargetLabel,
			&before, &after, &e.IP, &created); err != nil {
			return page, err
		}
		e.OrgID, e.CreatedAt = orgID, fromUS(created)
		e.Before, e.After = json.RawMessage(before), json.RawMessage(after)
		page.Items = append(page.Items, e)
	}
	return page, c.dialect.mapError(rows.Err())
}
