package store

import (
	"context"
	"strconv"
	"strings"

	"roster/internal/roster"
)

// inIDs returns "(?, ?, …)" for ids and the arguments orgID, ids….
func inIDs(orgID string, ids []string) (string, []any) {
	args := make([]any, 0, len(ids)+1)
	args = append(args, orgID)
	for _, id := range ids {
		args = append(args, id)
	}
	return "(?" + strings.Repeat(", ?", len(ids)-1) + ")", args
}

// usersQueuesQuery reads the queue memberships of a batch of users (in is
// the placeholders of their IDs). CROSS JOIN keeps SQLite starting from
// those users' memberships: to save the sort, it would otherwise walk
// every queue of the org in name order and look each up for every user of
// the batch (seconds a page at 2,000 queues).
func usersQueuesQuery(in string) string {
	return `SELECT m.user_id, q.name, m.penalty FROM queue_members m CROSS JOIN queues q
		WHERE q.id = m.queue_id AND q.org_id = m.org_id AND m.org_id = ? AND m.user_id IN ` + in + ` ORDER BY q.name_key, q.id`
}

// UsersQueues returns "queue:penalty" for each queue each of userIDs
// answers, by user, in queue name order.
func (c *Conn) UsersQueues(ctx context.Context, orgID string, userIDs []string) (map[string][]string, error) {
	out := map[string][]string{}
	if len(userIDs) == 0 {
		return out, nil
	}
	in, args := inIDs(orgID, userIDs)
	rows, err := c.query(ctx, usersQueuesQuery(in), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var user, name string
		var penalty int
		if err := rows.Scan(&user, &name, &penalty); err != nil {
			return nil, err
		}
		out[user] = append(out[user], name+":"+strconv.Itoa(penalty))
	}
	return out, c.dialect.mapError(rows.Err())
}

// UsersPhoneSettings returns the saved phone settings of those of userIDs
// who have any (caller ID, numbers, voicemail, do-not-disturb, language
// and time zone; not PINs or forwarding), by user.
func (c *Conn) UsersPhoneSettings(ctx context.Context, orgID string, userIDs []string) (map[string]*roster.PhoneSettings, error) {
	out := map[string]*roster.PhoneSettings{}
	if len(userIDs) == 0 {
		return out, nil
	}
	in, args := inIDs(orgID, userIDs)
	rows, err := c.query(ctx, `SELECT user_id, caller_id, mobile_number, landline_number, vm_enabled, vm_rings, dnd, language, time_zone
		FROM phone_settings WHERE org_id = ? AND user_id IN `+in, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		p := &roster.PhoneSettings{OrgID: orgID}
		if err := rows.Scan(&p.UserID, &p.CallerID, &p.MobileNumber, &p.LandlineNumber, &p.Voicemail.Enabled,
			&p.Voicemail.Rings, &p.DoNotDisturb, &p.Language, &p.TimeZone); err != nil {
			return nil, err
		}
		out[p.UserID] = p
	}
	return out, c.dialect.mapError(rows.Err())
}
