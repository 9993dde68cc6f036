package service

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"roster/internal/roster"
)

// UserColumn is one column of the users export and import. The export
// writes the columns in registry order; the import maps a file's header to
// them by name or alias. Another area adds its column (teams, queues, phone
// settings…) with one entry in userColumns.
type UserColumn struct {
	Name string
	// Aliases are header names peer systems use for the column; they are
	// compared after normalising (see headerKey), so "First Name",
	// "first-name" and "FIRST_NAME" are one.
	Aliases []string
	// Cell renders the column for one user. A column whose data lives
	// outside the users table sets Load instead; a column with neither is
	// import-only.
	Cell func(u *roster.User) string
	// Load fetches the column's data for a batch of exported users (one
	// query for the batch, shared by the columns that need it) and returns
	// the renderer for them.
	Load func(b *ExportBatch) (func(u *roster.User) string, error)
	// Parse reads one imported cell (trimmed, never empty) into the row; a
	// returned error is that cell's message. Nil means export-only: the
	// import accepts the column (so exported files import back) and
	// ignores it.
	Parse func(row *ImportRow, value string) error
}

// ImportRow is one record of an import file on its way to becoming a user.
type ImportRow struct {
	Line int // where the record starts in the file, counting the header as 1
	User roster.User
	// RoleRef and LicenseRef are as written: a key or a display name.
	RoleRef, LicenseRef string
	// Invite says whether to invite (true) or prepare (false) the user;
	// nil takes the request's default.
	Invite *bool
	// Extra holds parsed values of columns that apply them themselves;
	// nil until a column sets one (most files have none).
	Extra map[string]any
}

// timeCell renders a time for files: RFC 3339 in UTC, or empty.
func timeCell(t *time.Time) string {
	if t == nil || t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// userColumns is the registry, in export order.
var userColumns = []UserColumn{
	{Name: "id", Aliases: []string{"user_id", "uuid"}, Cell: func(u *roster.User) string { return u.ID }},
	{Name: "email", Aliases: []string{"e_mail", "email_address", "emailaddress", "mail", "login", "username", "user_name"},
		Cell: func(u *roster.User) string { return u.Email },
		Parse: func(r *ImportRow, v string) error {
			e, err := roster.NormalizeEmail(v)
			r.User.Email = e
			return err
		}},
	{Name: "first_name", Aliases: []string{"firstname", "given_name", "givenname", "first"},
		Cell: func(u *roster.User) string { return u.FirstName },
		Parse: func(r *ImportRow, v string) error {
			r.User.FirstName = v
			return roster.ValidateName(v)
		}},
	{Name: "last_name", Aliases: []string{"lastname", "surname", "family_name", "familyname", "last"},
		Cell: func(u *roster.User) string { return u.LastName },
		Parse: func(r *ImportRow, v string) error {
			r.User.LastName = v
			return roster.ValidateName(v)
		}},
	{Name: "status", Aliases: []string{"state", "user_status"},
		Cell: func(u *roster.User) string { return string(u.Status) },
		Parse: func(r *ImportRow, v string) error {
			switch roster.Status(strings.ToLower(v)) {
			case roster.StatusInvited:
				r.Invite = ptrTo(true)
			case roster.StatusPrepared:
				r.Invite = ptrTo(false)
			case roster.StatusActive, roster.StatusInactive:
				// An exported user's status: imported users start over
				// as the request's default.
			default:
				return errors.New("must be prepared or invited (active and inactive are taken as the import's default)")
			}
			return nil
		}},
	{Name: "invite", Aliases: []string{"send_invite", "send_invitation", "invited"},
		Parse: func(r *ImportRow, v string) error {
			b, err := parseBool(v)
			r.Invite = &b
			return err
		}},
	{Name: "role", Aliases: []string{"role_key", "role_name", "user_role", "access_level", "user_type"},
		Cell: func(u *roster.User) string { return u.Role },
		Parse: func(r *ImportRow, v string) error {
			r.RoleRef = v
			return nil
		}},
	{Name: "license_type", Aliases: []string{"license", "licence", "licence_type", "licensetype", "seat", "seat_type", "dialer_license"},
		Cell: func(u *roster.User) string { return u.LicenseType },
		Parse: func(r *ImportRow, v string) error {
			r.LicenseRef = v
			return nil
		}},
	{Name: "teams", Aliases: []string{"team", "team_names", "groups"}, Parse: parseTeamsCell,
		// Every team the user is in, disabled ones too, in name order: a
		// listed user carries them.
		Cell: func(u *roster.User) string {
			names := make([]string, len(u.Teams))
			for i, t := range u.Teams {
				names[i] = t.Name
			}
			return strings.Join(names, ";")
		}},
	{Name: "extension", Aliases: []string{"exten", "ext", "number", "extension_number", "extension_no"},
		Cell: func(u *roster.User) string { return u.Extension },
		Parse: func(r *ImportRow, v string) error {
			ext, err := roster.ParseExtension(v)
			r.User.Extension = ext
			return err
		}},
	phoneColumn("outbound_caller_id", []string{"outboundcid", "outbound_cid", "caller_id", "callerid"},
		func(p *roster.PhoneSettings) string { return p.CallerID }),
	phoneColumn("mobile_number", []string{"mobilenumber", "mobile", "cell", "cell_number"},
		func(p *roster.PhoneSettings) string { return p.MobileNumber }),
	phoneColumn("landline_number", []string{"landlinenumber", "landline", "direct_number", "did"},
		func(p *roster.PhoneSettings) string { return p.LandlineNumber }),
	phoneColumn("language", []string{"lang", "locale"}, func(p *roster.PhoneSettings) string { return p.Language }),
	phoneColumn("timezone", []string{"time_zone", "tz"}, func(p *roster.PhoneSettings) string { return p.TimeZone }),
	phoneColumn("voicemail_enabled", []string{"voicemail_enable", "voicemail", "vm_enabled"},
		func(p *roster.PhoneSettings) string { return strconv.FormatBool(p.Voicemail.Enabled) }),
	phoneColumn("rings_before_voicemail", []string{"vm_rings", "rings", "ring_count"},
		func(p *roster.PhoneSettings) string { return strconv.Itoa(p.Voicemail.Rings) }),
	phoneColumn("dnd", []string{"do_not_disturb", "dnd_enabled"},
		func(p *roster.PhoneSettings) string { return strconv.FormatBool(p.DoNotDisturb) }),
	{Name: "queues", Aliases: []string{"queue", "queue_penalties", "queue_names", "call_queues"}, Parse: parseQueuesCell,
		Load: func(b *ExportBatch) (func(u *roster.User) string, error) {
			queues, err := b.Queues()
			return func(u *roster.User) string { return strings.Join(queues[u.ID], ";") }, err
		}},
	{Name: "last_login_at", Aliases: []string{"last_login", "last_seen"}, Cell: func(u *roster.User) string { return timeCell(u.LastLoginAt) }},
	{Name: "created_at", Aliases: []string{"created", "date_created"}, Cell: func(u *roster.User) string { return timeCell(&u.CreatedAt) }},
}

func ptrTo[T any](v T) *T { return &v }

// phoneColumn is the column of one phone setting; users who never saved
// phone settings show the defaults they work with. The import reads it
// with phoneParsers.
func phoneColumn(name string, aliases []string, cell func(p *roster.PhoneSettings) string) UserColumn {
	return UserColumn{Name: name, Aliases: aliases, Parse: phoneParsers[name],
		Load: func(b *ExportBatch) (func(u *roster.User) string, error) {
			phone, err := b.Phone()
			return func(u *roster.User) string {
				p := phone[u.ID]
				if p == nil {
					p = roster.DefaultPhoneSettings(u.OrgID, u.ID, u.Extension)
				}
				return cell(p)
			}, err
		}}
}

// ExportBatch is one page of exported users. Columns whose data lives in
// other tables load it through its methods, which query once per batch
// whatever the number of columns that use the result.
type ExportBatch struct {
	ctx    context.Context
	tx     Tx
	orgID  string
	Users  []roster.User
	ids    []string
	queues map[string][]string
	phone  map[string]*roster.PhoneSettings
}

func newExportBatch(ctx context.Context, tx Tx, orgID string, users []roster.User) *ExportBatch {
	b := &ExportBatch{ctx: ctx, tx: tx, orgID: orgID, Users: users, ids: make([]string, len(users))}
	for i := range users {
		b.ids[i] = users[i].ID
	}
	return b
}

// Queues returns the batch's "queue:penalty" entries by user ID.
func (b *ExportBatch) Queues() (map[string][]string, error) {
	var err error
	if b.queues == nil {
		b.queues, err = b.tx.UsersQueues(b.ctx, b.orgID, b.ids)
	}
	return b.queues, err
}

// Phone returns the batch's saved phone settings by user ID.
func (b *ExportBatch) Phone() (map[string]*roster.PhoneSettings, error) {
	var err error
	if b.phone == nil {
		b.phone, err = b.tx.UsersPhoneSettings(b.ctx, b.orgID, b.ids)
	}
	return b.phone, err
}

// exportColumns are the columns the export writes: those with data to
// show (an import-only column such as invite has none).
func exportColumns() []*UserColumn {
	var out []*UserColumn
	for i := range userColumns {
		if c := &userColumns[i]; c.Cell != nil || c.Load != nil {
			out = append(out, c)
		}
	}
	return out
}

// UserColumnNames returns the export's header row.
func UserColumnNames() []string {
	var names []string
	for _, c := range exportColumns() {
		names = append(names, c.Name)
	}
	return names
}

// exportOnly reports whether the column is written by the export only.
func (c *UserColumn) exportOnly() bool { return c.Parse == nil }

// headerKey normalises a header cell for matching: lower case, with
// spaces, hyphens and dots as underscores.
func headerKey(h string) string {
	h = strings.ToLower(strings.TrimSpace(h))
	return strings.Map(func(r rune) rune {
		switch r {
		case ' ', '-', '.', '/':
			return '_'
		}
		return r
	}, h)
}

// columnByHeader finds the registry column a header names, by name or
// alias; nil when none does.
func columnByHeader(h string) *UserColumn {
	k := headerKey(h)
	for i := range userColumns {
		c := &userColumns[i]
		if headerKey(c.Name) == k {
			return c
		}
		for _, a := range c.Aliases {
			if headerKey(a) == k {
				return c
			}
		}
	}
	return nil
}

// parseBool reads the booleans spreadsheets hold: 0/1, true/false,
// yes/no, y/n, on/off, in any case.
func parseBool(v string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "1", "true", "yes", "y", "on":
		return true, nil
	case "0", "false", "no", "n", "off":
		return false, nil
	}
	return false, fmt.Errorf("%q is not a yes/no value (use 1/0, true/false or yes/no)", v)
}

// splitList reads a cell holding a list separated by semicolons,
// dropping empty items and surrounding space.
func splitList(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ";") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}
