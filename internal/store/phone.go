package store

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"roster/internal/roster"
)

// Phone identity storage: org numbers, the org's directory setting, each
// user's phone settings, greetings, voicemails and provisioning tokens.

const phoneNumberCols = `id, org_id, number, label, is_main, created_at`

func scanPhoneNumber(s interface{ Scan(...any) error }) (*roster.PhoneNumber, error) {
	var n roster.PhoneNumber
	var created int64
	if err := s.Scan(&n.ID, &n.OrgID, &n.Number, &n.Label, &n.Main, &created); err != nil {
		return nil, err
	}
	n.CreatedAt = fromUS(created)
	return &n, nil
}

// CreatePhoneNumber inserts an org number; a number the org already has, or
// a second main number, is a Conflict.
func (c *Conn) CreatePhoneNumber(ctx context.Context, orgID string, n *roster.PhoneNumber) error {
	_, err := c.exec(ctx, `INSERT INTO phone_numbers (`+phoneNumberCols+`) VALUES (?, ?, ?, ?, ?, ?)`,
		n.ID, orgID, n.Number, n.Label, n.Main, us(n.CreatedAt))
	return err
}

// UpdatePhoneNumber writes a number's label and main flag.
func (c *Conn) UpdatePhoneNumber(ctx context.Context, orgID string, n *roster.PhoneNumber) error {
	return c.execOne(ctx, `UPDATE phone_numbers SET label = ?, is_main = ? WHERE org_id = ? AND id = ?`,
		n.Label, n.Main, orgID, n.ID)
}

// ClearMainPhoneNumber makes none of the org's numbers the main one.
func (c *Conn) ClearMainPhoneNumber(ctx context.Context, orgID string) error {
	_, err := c.exec(ctx, `UPDATE phone_numbers SET is_main = ? WHERE org_id = ? AND is_main = ?`, false, orgID, true)
	return err
}

// DeletePhoneNumber removes an org number, or returns ErrNotFound.
func (c *Conn) DeletePhoneNumber(ctx context.Context, orgID, id string) error {
	return c.execOne(ctx, `DELETE FROM phone_numbers WHERE org_id = ? AND id = ?`, orgID, id)
}

// PhoneNumber returns one org number, or ErrNotFound.
func (c *Conn) PhoneNumber(ctx context.Context, orgID, id string) (*roster.PhoneNumber, error) {
	n, err := scanPhoneNumber(c.row(ctx, `SELECT `+phoneNumberCols+` FROM phone_numbers WHERE org_id = ? AND id = ?`, orgID, id))
	return n, c.dialect.mapError(err)
}

// PhoneNumbers returns the org's numbers, the main one first, then by number.
func (c *Conn) PhoneNumbers(ctx context.Context, orgID string) ([]roster.PhoneNumber, error) {
	rows, err := c.query(ctx, `SELECT `+phoneNumberCols+` FROM phone_numbers WHERE org_id = ?
		ORDER BY CASE WHEN is_main = ? THEN 0 ELSE 1 END, number`, orgID, true)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []roster.PhoneNumber{}
	for rows.Next() {
		n, err := scanPhoneNumber(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *n)
	}
	return out, c.dialect.mapError(rows.Err())
}

// DirectoryMatch returns the org's dial-by-name matching mode (last name
// when never set).
func (c *Conn) DirectoryMatch(ctx context.Context, orgID string) (string, error) {
	var m string
	err := c.row(ctx, `SELECT directory_match FROM org_phone_settings WHERE org_id = ?`, orgID).Scan(&m)
	if err == sql.ErrNoRows {
		return roster.DirectoryMatchLast, nil
	}
	return m, c.dialect.mapError(err)
}

// SetDirectoryMatch stores the org's dial-by-name matching mode.
func (c *Conn) SetDirectoryMatch(ctx context.Context, orgID, match string, now time.Time) error {
	_, err := c.exec(ctx, `INSERT INTO org_phone_settings (org_id, directory_match, updated_at) VALUES (?, ?, ?)
		ON CONFLICT (org_id) DO UPDATE SET directory_match = excluded.directory_match, updated_at = excluded.updated_at`,
		orgID, match, us(now))
	return err
}

const phoneSettingsCols = `s.user_id, s.org_id, u.extension, s.caller_id, s.mobile_number, s.landline_number,
	s.linked_mobile_number, s.display_numbers, s.country_prefix, s.vm_enabled, s.vm_rings, s.vm_pin_hash, s.vm_email,
	s.vm_email_enabled, s.vm_attach_audio, s.fwd_enabled, s.fwd_mode, s.fwd_destinations, s.dnd, s.language,
	s.time_zone, s.lock_extension, s.lock_caller_id, s.updated_at,
	EXISTS (SELECT 1 FROM voicemail_greetings g WHERE g.org_id = s.org_id AND g.user_id = s.user_id)`

// PhoneSettings returns a user's saved phone settings, or ErrNotFound when
// the user never saved any (or is not in the org).
func (c *Conn) PhoneSettings(ctx context.Context, orgID, userID string) (*roster.PhoneSettings, error) {
	var p roster.PhoneSettings
	var display, dests string
	var updated int64
	err := c.row(ctx, `SELECT `+phoneSettingsCols+` FROM phone_settings s JOIN users u ON u.id = s.user_id AND u.org_id = s.org_id
		WHERE s.org_id = ? AND s.user_id = ?`, orgID, userID).Scan(
		&p.UserID, &p.OrgID, &p.Extension, &p.CallerID, &p.MobileNumber, &p.LandlineNumber, &p.LinkedMobileNumber,
		&display, &p.CountryPrefix, &p.Voicemail.Enabled, &p.Voicemail.Rings, &p.Voicemail.PINHash, &p.Voicemail.Email,
		&p.Voicemail.EmailEnabled, &p.Voicemail.AttachAudio, &p.Forwarding.Enabled, &p.Forwarding.Mode, &dests,
		&p.DoNotDisturb, &p.Language, &p.TimeZone, &p.Locks.Extension, &p.Locks.CallerID, &updated,
		&p.Voicemail.CustomGreeting)
	if err != nil {
		return nil, c.dialect.mapError(err)
	}
	p.DisplayNumbers, p.Forwarding.Destinations = strings.Fields(display), strings.Fields(dests)
	p.Voicemail.PINSet = p.Voicemail.PINHash != ""
	t := fromUS(updated)
	p.UpdatedAt = &t
	return &p, nil
}

// SavePhoneSettings inserts or replaces a user's phone settings (not the
// extension, which UpdateUser writes with the user).
func (c *Conn) SavePhoneSettings(ctx context.Context, orgID string, p *roster.PhoneSettings) error {
	if p.UpdatedAt == nil {
		return roster.Errorf(roster.KindInvalid, "phone settings need an update time")
	}
	_, err := c.exec(ctx, `INSERT INTO phone_settings (user_id, org_id, caller_id, mobile_number, landline_number,
			linked_mobile_number, display_numbers, country_prefix, vm_enabled, vm_rings, vm_pin_hash, vm_email,
			vm_email_enabled, vm_attach_audio, fwd_enabled, fwd_mode, fwd_destinations, dnd, language, time_zone,
			lock_extension, lock_caller_id, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (user_id) DO UPDATE SET caller_id = excluded.caller_id, mobile_number = excluded.mobile_number,
			landline_number = excluded.landline_number, linked_mobile_number = excluded.linked_mobile_number,
			display_numbers = excluded.display_numbers, country_prefix = excluded.country_prefix,
			vm_enabled = excluded.vm_enabled, vm_rings = excluded.vm_rings, vm_pin_hash = excluded.vm_pin_hash,
			vm_email = excluded.vm_email, vm_email_enabled = excluded.vm_email_enabled,
			vm_attach_audio = excluded.vm_attach_audio, fwd_enabled = excluded.fwd_enabled, fwd_mode = excluded.fwd_mode,
			fwd_destinations = excluded.fwd_destinations, dnd = excluded.dnd, language = excluded.language,
			time_zone = excluded.time_zone, lock_extension = excluded.lock_extension,
			lock_caller_id = excluded.lock_caller_id, updated_at = excluded.updated_at
		WHERE phone_settings.org_id = excluded.org_id`,
		p.UserID, orgID, p.CallerID, p.MobileNumber, p.LandlineNumber, p.LinkedMobileNumber,
		strings.Join(p.DisplayNumbers, " "), p.CountryPrefix, p.Voicemail.Enabled, p.Voicemail.Rings, p.Voicemail.PINHash,
		p.Voicemail.Email, p.Voicemail.EmailEnabled, p.Voicemail.AttachAudio, p.Forwarding.Enabled, p.Forwarding.Mode,
		strings.Join(p.Forwarding.Destinations, " "), p.DoNotDisturb, p.Language, p.TimeZone, p.Locks.Extension,
		p.Locks.CallerID, us(*p.UpdatedAt))
	return err
}

// DoNotDisturb reports whether a user has do-not-disturb on; a user who
// never saved phone settings has it off. Presence reads it.
func (c *Conn) DoNotDisturb(ctx context.Context, orgID, userID string) (bool, error) {
	var dnd bool
	err := c.row(ctx, `SELECT dnd FROM phone_settings WHERE org_id = ? AND user_id = ?`, orgID, userID).Scan(&dnd)
	if err == sql.ErrNoRows {
		return false, nil
	}
	return dnd, c.dialect.mapError(err)
}

// SetDoNotDisturb turns a user's do-not-disturb on or off, keeping every
// other phone setting (a user who never saved any gets the defaults).
func (c *Conn) SetDoNotDisturb(ctx context.Context, orgID, userID string, on bool, now time.Time) error {
	_, err := c.exec(ctx, `INSERT INTO phone_settings (user_id, org_id, dnd, updated_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (user_id) DO UPDATE SET dnd = excluded.dnd, updated_at = excluded.updated_at
		WHERE phone_settings.org_id = excluded.org_id`, userID, orgID, on, us(now))
	return err
}

// UserByExtension returns the org's user holding extension, or ErrNotFound.
func (c *Conn) UserByExtension(ctx context.Context, orgID, extension string) (*roster.User, error) {
	if extension == "" {
		return nil, errNotFound
	}
	u, err := scanUser(c.row(ctx, `SELECT `+userCols+userFrom+`WHERE u.org_id = ? AND u.extension = ?`, orgID, extension))
	return u, c.dialect.mapError(err)
}

// Extensions returns every extension in use in the org, inactive users' included.
func (c *Conn) Extensions(ctx context.Context, orgID string) (map[string]bool, error) {
	rows, err := c.query(ctx, `SELECT extension FROM users WHERE org_id = ? AND extension <> ''`, orgID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var e string
		if err := rows.Scan(&e); err != nil {
			return nil, err
		}
		out[e] = true
	}
	return out, c.dialect.mapError(rows.Err())
}

// Directory returns the org's active users with an extension whose name
// starts with prefix (lower-case) on the fields match names, by name; a
// prefix of digits matches the start of the extension instead.
func (c *Conn) Directory(ctx context.Context, orgID, match, prefix string, limit int) ([]roster.DirectoryEntry, error) {
	pattern := likeEscape(prefix) + "%"
	var cond string
	args := []any{orgID}
	switch {
	case prefix != "" && strings.Trim(prefix, "0123456789") == "":
		// Digits are the start of an extension: search by extension works
		// in the directory as in the people list.
		cond, args = `u.extension LIKE ? ESCAPE '\'`, append(args, pattern)
	case match == roster.DirectoryMatchFirst:
		cond, args = `LOWER(u.first_name) LIKE ? ESCAPE '\'`, append(args, pattern)
	case match == roster.DirectoryMatchFirstLast:
		cond, args = `(LOWER(u.first_name) LIKE ? ESCAPE '\' OR LOWER(u.last_name) LIKE ? ESCAPE '\')`, append(args, pattern, pattern)
	default:
		cond, args = `LOWER(u.last_name) LIKE ? ESCAPE '\'`, append(args, pattern)
	}
	order := "LOWER(u.last_name), LOWER(u.first_name), u.id"
	switch {
	case strings.HasPrefix(cond, "u.extension"):
		order = "u.extension"
	case match == roster.DirectoryMatchFirst:
		order = "LOWER(u.first_name), LOWER(u.last_name), u.id"
	}
	args = append(args, limit)
	rows, err := c.query(ctx, `SELECT u.id, u.first_name, u.last_name, u.extension FROM users u
		WHERE u.org_id = ? AND u.status = 'active' AND u.extension <> '' AND `+cond+` ORDER BY `+order+` LIMIT ?`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []roster.DirectoryEntry{}
	for rows.Next() {
		var e roster.DirectoryEntry
		if err := rows.Scan(&e.UserID, &e.FirstName, &e.LastName, &e.Extension); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, c.dialect.mapError(rows.Err())
}

// SaveGreeting stores a user's uploaded greeting, replacing any earlier one.
func (c *Conn) SaveGreeting(ctx context.Context, orgID string, g *roster.Greeting) error {
	_, err := c.exec(ctx, `INSERT INTO voicemail_greetings (user_id, org_id, content_type, data, uploaded_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (user_id) DO UPDATE SET content_type = excluded.content_type, data = excluded.data,
			uploaded_at = excluded.uploaded_at
		WHERE voicemail_greetings.org_id = excluded.org_id`,
		g.UserID, orgID, g.ContentType, g.Data, us(g.UploadedAt))
	return err
}

// Greeting returns a user's uploaded greeting, or ErrNotFound when they use
// the default one.
func (c *Conn) Greeting(ctx context.Context, orgID, userID string) (*roster.Greeting, error) {
	var g roster.Greeting
	var at int64
	err := c.row(ctx, `SELECT user_id, content_type, data, uploaded_at FROM voicemail_greetings WHERE org_id = ? AND user_id = ?`,
		orgID, userID).Scan(&g.UserID, &g.ContentType, &g.Data, &at)
	if err != nil {
		return nil, c.dialect.mapError(err)
	}
	g.UploadedAt = fromUS(at)
	return &g, nil
}

// HasGreeting reports whether a user has an uploaded greeting, without
// reading it.
func (c *Conn) HasGreeting(ctx context.Context, orgID, userID string) (bool, error) {
	var n int
	err := c.row(ctx, `SELECT COUNT(*) FROM voicemail_greetings WHERE org_id = ? AND user_id = ?`, orgID, userID).Scan(&n)
	return n > 0, c.dialect.mapError(err)
}

// DeleteGreeting reverts a user to the default greeting; ErrNotFound when
// they had none.
func (c *Conn) DeleteGreeting(ctx context.Context, orgID, userID string) error {
	return c.execOne(ctx, `DELETE FROM voicemail_greetings WHERE org_id = ? AND user_id = ?`, orgID, userID)
}

const voicemailCols = `id, org_id, user_id, caller_number, caller_name, duration_seconds, audio_url, transcription, received_at, created_at`

// CreateVoicemail stores a message left for a user.
func (c *Conn) CreateVoicemail(ctx context.Context, orgID string, v *roster.Voicemail) error {
	_, err := c.exec(ctx, `INSERT INTO voicemails (`+voicemailCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		v.ID, orgID, v.UserID, v.CallerNumber, v.CallerName, v.DurationSeconds, v.AudioURL, v.Transcription,
		us(v.ReceivedAt), us(v.CreatedAt))
	return err
}

// Voicemails returns a page of a user's messages, newest first; before is
// the ID after which the page starts ("" for the newest).
func (c *Conn) Voicemails(ctx context.Context, orgID, userID, before string, limit int) ([]roster.Voicemail, error) {
	q := `SELECT ` + voicemailCols + ` FROM voicemails WHERE org_id = ? AND user_id = ?`
	args := []any{orgID, userID}
	if before != "" {
		q += ` AND id < ?`
		args = append(args, before)
	}
	rows, err := c.query(ctx, q+` ORDER BY id DESC LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []roster.Voicemail{}
	for rows.Next() {
		var v roster.Voicemail
		var received, created int64
		if err := rows.Scan(&v.ID, &v.OrgID, &v.UserID, &v.CallerNumber, &v.CallerName, &v.DurationSeconds, &v.AudioURL,
			&v.Transcription, &received, &created); err != nil {
			return nil, err
		}
		v.ReceivedAt, v.CreatedAt = fromUS(received), fromUS(created)
		out = append(out, v)
	}
	return out, c.dialect.mapError(rows.Err())
}

// CreateProvisioningToken stores a new app provisioning token's hash.
func (c *Conn) CreateProvisioningToken(ctx context.Context, orgID string, t *roster.ProvisioningToken) error {
	_, err := c.exec(ctx, `INSERT INTO provisioning_tokens (id, org_id, user_id, app, token_hash, created_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, t.ID, orgID, t.UserID, t.App, t.Hash, us(t.CreatedAt), us(t.ExpiresAt))
	return err
}

// ProvisioningTokenByHash finds a token by its hash, in any org (the app
// redeeming it knows no org yet), or returns ErrNotFound.
func (c *Conn) ProvisioningTokenByHash(ctx context.Context, hash []byte) (*roster.ProvisioningToken, error) {
	var t roster.ProvisioningToken
	var created, expires int64
	var used sql.NullInt64
	err := c.row(ctx, `SELECT id, org_id, user_id, app, token_hash, created_at, expires_at, used_at
		FROM provisioning_tokens WHERE token_hash = ?`, hash).Scan(&t.ID, &t.OrgID, &t.UserID, &t.App, &t.Hash,
		&created, &expires, &used)
	if err != nil {
		return nil, c.dialect.mapError(err)
	}
	t.CreatedAt, t.ExpiresAt, t.UsedAt = fromUS(created), fromUS(expires), nullUS(used)
	return &t, nil
}

// UseProvisioningToken marks a token used; one already used is Gone, so
// that of two concurrent redemptions only one wins.
func (c *Conn) UseProvisioningToken(ctx context.Context, orgID, id string, now time.Time) error {
	err := c.execOne(ctx, `UPDATE provisioning_tokens SET used_at = ? WHERE org_id = ? AND id = ? AND used_at IS NULL`,
		us(now), orgID, id)
	if err == errNotFound {
		return roster.Errorf(roster.KindGone, "this provisioning code has already been used")
	}
	return err
}
