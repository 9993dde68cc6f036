package service

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"roster/internal/phone"
	"roster/internal/roster"
)

// phoneStore is the storage the phone identity use cases need.
type phoneStore interface {
	CreatePhoneNumber(ctx context.Context, orgID string, n *roster.PhoneNumber) error
	UpdatePhoneNumber(ctx context.Context, orgID string, n *roster.PhoneNumber) error
	ClearMainPhoneNumber(ctx context.Context, orgID string) error
	DeletePhoneNumber(ctx context.Context, orgID, id string) error
	PhoneNumber(ctx context.Context, orgID, id string) (*roster.PhoneNumber, error)
	PhoneNumbers(ctx context.Context, orgID string) ([]roster.PhoneNumber, error)

	DirectoryMatch(ctx context.Context, orgID string) (string, error)
	SetDirectoryMatch(ctx context.Context, orgID, match string, now time.Time) error
	Directory(ctx context.Context, orgID, match, prefix string, limit int) ([]roster.DirectoryEntry, error)

	PhoneSettings(ctx context.Context, orgID, userID string) (*roster.PhoneSettings, error)
	SavePhoneSettings(ctx context.Context, orgID string, p *roster.PhoneSettings) error
	SetDoNotDisturb(ctx context.Context, orgID, userID string, on bool, now time.Time) error
	UserByExtension(ctx context.Context, orgID, extension string) (*roster.User, error)
	Extensions(ctx context.Context, orgID string) (map[string]bool, error)

	SaveGreeting(ctx context.Context, orgID string, g *roster.Greeting) error
	Greeting(ctx context.Context, orgID, userID string) (*roster.Greeting, error)
	HasGreeting(ctx context.Context, orgID, userID string) (bool, error)
	DeleteGreeting(ctx context.Context, orgID, userID string) error
	CreateVoicemail(ctx context.Context, orgID string, v *roster.Voicemail) error
	Voicemails(ctx context.Context, orgID, userID, before string, limit int) ([]roster.Voicemail, error)

	CreateProvisioningToken(ctx context.Context, orgID string, t *roster.ProvisioningToken) error
	ProvisioningTokenByHash(ctx context.Context, hash []byte) (*roster.ProvisioningToken, error)
	UseProvisioningToken(ctx context.Context, orgID, id string, now time.Time) error
}

// fieldError is an error of kind about one field, for the interfaces to
// show next to it.
func fieldError(kind roster.Kind, field, message string) error {
	return &roster.Error{Kind: kind, Message: field + " " + message, Fields: []roster.FieldError{{Field: field, Message: message}}}
}

// checkID returns NotFound for an ID that cannot exist, so that callers
// never send it to the database.
func checkID(id string) error {
	if !roster.ValidID(id) {
		return roster.ErrNotFound
	}
	return nil
}

// plainText reports whether s is valid UTF-8 without control characters
// other than tab and line breaks.
func plainText(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if (r < ' ' && r != '\t' && r != '\n' && r != '\r') || r == 0x7f {
			return false
		}
	}
	return true
}

// requireMember returns Unauthenticated unless p is someone of an org.
func requireMember(p *Principal) error {
	if p == nil || (p.UserID == "" && !p.Operator) || p.OrgID == "" {
		return roster.Errorf(roster.KindUnauthenticated, "sign in first")
	}
	return nil
}

// ---- Org phone numbers ----

// PhoneNumbers lists the org's numbers, main first. Anyone in the org may
// read them: users pick their caller ID among them.
func (s *Service) PhoneNumbers(ctx context.Context, p *Principal) ([]roster.PhoneNumber, error) {
	if err := requireMember(p); err != nil {
		return nil, err
	}
	return s.store.Read().PhoneNumbers(ctx, p.OrgID)
}

// AddPhoneNumber adds an E.164 number to the org. The org's first number
// becomes its main number; main makes this one the main number. Needs
// telephony.manage. A bad number or label is Invalid, one the org has
// already a Conflict.
func (s *Service) AddPhoneNumber(ctx context.Context, p *Principal, number, label string, main bool) (*roster.PhoneNumber, error) {
	if err := p.Require(roster.PermTelephonyManage); err != nil {
		return nil, err
	}
	var v roster.Validation
	e164, err := phone.ParseNumber(number, "")
	v.Check("number", err)
	label = strings.TrimSpace(label)
	v.Check("label", roster.ValidateName(label))
	if err := v.Err(); err != nil {
		return nil, err
	}
	n := &roster.PhoneNumber{ID: s.newID(), OrgID: p.OrgID, Number: e164, Label: label, Main: main, CreatedAt: s.clock()}
	err = s.store.Tx(ctx, func(tx Tx) error {
		if err := tx.LockOrg(ctx, p.OrgID); err != nil {
			return err
		}
		existing, err := tx.PhoneNumbers(ctx, p.OrgID)
		if err != nil {
			return err
		}
		if len(existing) == 0 {
			n.Main = true
		}
		if n.Main {
			if err := tx.ClearMainPhoneNumber(ctx, p.OrgID); err != nil {
				return err
			}
		}
		if err := tx.CreatePhoneNumber(ctx, p.OrgID, n); err != nil {
			if roster.ErrorKind(err) == roster.KindConflict {
				return fieldError(roster.KindConflict, "number", "is already one of this organisation's numbers")
			}
			return err
		}
		return s.audit(ctx, tx, p, "phone_number.added", "phone_number", n.ID, n.Number, nil, n)
	})
	if err != nil {
		return nil, err
	}
	return n, nil
}

// UpdatePhoneNumber changes a number's label, or makes it (or stops it
// being) the main number. Needs telephony.manage; another org's number is
// NotFound.
func (s *Service) UpdatePhoneNumber(ctx context.Context, p *Principal, id string, label *string, main *bool) (*roster.PhoneNumber, error) {
	if err := p.Require(roster.PermTelephonyManage); err != nil {
		return nil, err
	}
	if err := checkID(id); err != nil {
		return nil, err
	}
	if label != nil {
		*label = strings.TrimSpace(*label)
		if err := roster.ValidateName(*label); err != nil {
			return nil, fieldError(roster.KindInvalid, "label", err.Error())
		}
	}
	var out *roster.PhoneNumber
	err := s.store.Tx(ctx, func(tx Tx) error {
		if err := tx.LockOrg(ctx, p.OrgID); err != nil {
			return err
		}
		n, err := tx.PhoneNumber(ctx, p.OrgID, id)
		if err != nil {
			return err
		}
		before := *n
		if label != nil {
			n.Label = *label
		}
		if main != nil && *main != n.Main {
			if *main {
				if err := tx.ClearMainPhoneNumber(ctx, p.OrgID); err != nil {
					return err
				}
			}
			n.Main = *main
		}
		if err := tx.UpdatePhoneNumber(ctx, p.OrgID, n); err != nil {
			return err
		}
		out = n
		return s.audit(ctx, tx, p, "phone_number.updated", "phone_number", n.ID, n.Number, before, n)
	})
	return out, err
}

// DeletePhoneNumber removes a number from the org. Users whose caller ID
// it was fall back to the main number. Needs telephony.manage.
func (s *Service) DeletePhoneNumber(ctx context.Context, p *Principal, id string) error {
	if err := p.Require(roster.PermTelephonyManage); err != nil {
		return err
	}
	if err := checkID(id); err != nil {
		return err
	}
	return s.store.Tx(ctx, func(tx Tx) error {
		if err := tx.LockOrg(ctx, p.OrgID); err != nil {
			return err
		}
		n, err := tx.PhoneNumber(ctx, p.OrgID, id)
		if err != nil {
			return err
		}
		if err := tx.DeletePhoneNumber(ctx, p.OrgID, id); err != nil {
			return err
		}
		return s.audit(ctx, tx, p, "phone_number.deleted", "phone_number", n.ID, n.Number, n, nil)
	})
}

// effectiveCallerID is what a user's calls show: their chosen number if
// the org still has it, else the org's main number ("" when none).
func effectiveCallerID(chosen string, numbers []roster.PhoneNumber) string {
	main := ""
	for _, n := range numbers {
		if chosen != "" && n.Number == chosen {
			return chosen
		}
		if n.Main {
			main = n.Number
		}
	}
	return main
}

// ---- Extensions and the directory ----

// NextExtension suggests the lowest free extension of the org (inactive
// users keep theirs). Needs telephony.manage or users.manage. An org with
// every extension taken is LimitReached.
func (s *Service) NextExtension(ctx context.Context, p *Principal) (string, error) {
	if err := p.Require(roster.PermTelephonyManage); err != nil {
		if p.Require(roster.PermUsersManage) != nil {
			return "", err
		}
	}
	taken, err := s.store.Read().Extensions(ctx, p.OrgID)
	if err != nil {
		return "", err
	}
	ext := roster.NextFreeExtension(taken)
	if ext == "" {
		return "", roster.Errorf(roster.KindLimitReached, "every extension is taken")
	}
	return ext, nil
}

// DirectorySettings returns how the org's dial-by-name directory matches.
// Anyone in the org may read it.
func (s *Service) DirectorySettings(ctx context.Context, p *Principal) (string, error) {
	if err := requireMember(p); err != nil {
		return "", err
	}
	return s.store.Read().DirectoryMatch(ctx, p.OrgID)
}

// SetDirectorySettings sets how the directory matches names. Needs
// telephony.manage; an unknown mode is Invalid.
func (s *Service) SetDirectorySettings(ctx context.Context, p *Principal, match string) (string, error) {
	if err := p.Require(roster.PermTelephonyManage); err != nil {
		return "", err
	}
	if !roster.ValidDirectoryMatch(match) {
		return "", fieldError(roster.KindInvalid, "match", "must be one of last_name, first_name, first_or_last_name")
	}
	err := s.store.Tx(ctx, func(tx Tx) error {
		before, err := tx.DirectoryMatch(ctx, p.OrgID)
		if err != nil {
			return err
		}
		if err := tx.SetDirectoryMatch(ctx, p.OrgID, match, s.clock()); err != nil {
			return err
		}
		return s.audit(ctx, tx, p, "directory.updated", "org", p.OrgID, "", map[string]any{"match": before},
			map[string]any{"match": match})
	})
	return match, err
}

// Directory is the dial-by-name directory: the org's active users with an
// extension whose name starts with q (case-insensitive), on the last name
// unless the org chose otherwise; digits match the start of the extension.
// Anyone in the org may search it.
func (s *Service) Directory(ctx context.Context, p *Principal, q string, limit int) ([]roster.DirectoryEntry, string, error) {
	if err := requireMember(p); err != nil {
		return nil, "", err
	}
	var v roster.Validation
	if len(q) > 100 || !plainText(q) {
		v.Add("q", "must be at most 100 characters of text")
	}
	q = strings.ToLower(strings.TrimSpace(q))
	if limit == 0 {
		limit = 50
	}
	if limit < 1 || limit > 200 {
		v.Add("limit", "must be between 1 and 200")
	}
	if err := v.Err(); err != nil {
		return nil, "", err
	}
	r := s.store.Read()
	match, err := r.DirectoryMatch(ctx, p.OrgID)
	if err != nil {
		return nil, "", err
	}
	entries, err := r.Directory(ctx, p.OrgID, match, q, limit)
	return entries, match, err
}

// ---- Per-user phone settings ----

// canReadPhone allows users their own settings and anyone with users.read
// or telephony.manage everyone's.
func canReadPhone(p *Principal, userID string) error {
	if err := requireMember(p); err != nil {
		return err
	}
	if err := checkID(userID); err != nil {
		return err
	}
	if p.UserID == userID || p.Require(roster.PermUsersRead) == nil {
		return nil
	}
	return p.Require(roster.PermTelephonyManage)
}

// canWritePhone allows users their own settings and telephony.manage
// everyone's; isAdmin says which.
func canWritePhone(p *Principal, userID string) (isAdmin bool, err error) {
	if err := requireMember(p); err != nil {
		return false, err
	}
	if err := checkID(userID); err != nil {
		return false, err
	}
	if p.Require(roster.PermTelephonyManage) == nil {
		return true, nil
	}
	if p.UserID == userID {
		return false, nil
	}
	return false, p.Require(roster.PermTelephonyManage)
}

// loadPhoneSettings returns a user's settings, defaults when never saved,
// with the effective caller ID filled in. A user not in the org is NotFound.
func loadPhoneSettings(ctx context.Context, r Tx, orgID string, u *roster.User) (*roster.PhoneSettings, error) {
	ps, err := r.PhoneSettings(ctx, orgID, u.ID)
	if errors.Is(err, roster.ErrNotFound) {
		ps = roster.DefaultPhoneSettings(orgID, u.ID, u.Extension)
		if ps.Voicemail.CustomGreeting, err = r.HasGreeting(ctx, orgID, u.ID); err != nil {
			return nil, err
		}
	} else if err != nil {
		return nil, err
	}
	ps.Extension = u.Extension
	numbers, err := r.PhoneNumbers(ctx, orgID)
	if err != nil {
		return nil, err
	}
	ps.EffectiveCallerID = effectiveCallerID(ps.CallerID, numbers)
	return ps, nil
}

// PhoneSettings returns a user's phone settings (defaults if never saved).
// Users read their own; others need users.read or telephony.manage.
// Another org's user is NotFound.
func (s *Service) PhoneSettings(ctx context.Context, p *Principal, userID string) (*roster.PhoneSettings, error) {
	if err := canReadPhone(p, userID); err != nil {
		return nil, err
	}
	r := s.store.Read()
	u, err := r.User(ctx, p.OrgID, userID)
	if err != nil {
		return nil, err
	}
	return loadPhoneSettings(ctx, r, p.OrgID, u)
}

// VoicemailPatch changes some voicemail settings; nil fields stay.
type VoicemailPatch struct {
	Enabled *bool `json:"enabled"`
	Rings   *int  `json:"rings"`
	// PIN sets the voicemail PIN; "" removes it.
	PIN          *string `json:"pin"`
	Email        *string `json:"email"`
	EmailEnabled *bool   `json:"email_enabled"`
	AttachAudio  *bool   `json:"attach_audio"`
}

// ForwardingPatch changes some forwarding settings; nil fields stay.
type ForwardingPatch struct {
	Enabled      *bool     `json:"enabled"`
	Mode         *string   `json:"mode"`
	Destinations *[]string `json:"destinations"`
}

// LocksPatch reserves (or releases) choices for admins.
type LocksPatch struct {
	Extension *bool `json:"extension"`
	CallerID  *bool `json:"caller_id"`
}

// PhoneSettingsPatch changes some of a user's phone settings; nil fields
// stay as they are, "" clears an optional value.
type PhoneSettingsPatch struct {
	Extension          *string          `json:"extension"`
	CallerID           *string          `json:"caller_id"`
	MobileNumber       *string          `json:"mobile_number"`
	LandlineNumber     *string          `json:"landline_number"`
	LinkedMobileNumber *string          `json:"linked_mobile_number"`
	DisplayNumbers     *[]string        `json:"display_numbers"`
	CountryPrefix      *string          `json:"country_prefix"`
	Voicemail          *VoicemailPatch  `json:"voicemail"`
	Forwarding         *ForwardingPatch `json:"forwarding"`
	DoNotDisturb       *bool            `json:"do_not_disturb"`
	Language           *string          `json:"language"`
	TimeZone           *string          `json:"time_zone"`
	Locks              *LocksPatch      `json:"locks"`
}

// phoneSnapshot is what the audit log keeps of phone settings: never the
// PIN or its hash.
func phoneSnapshot(ps *roster.PhoneSettings) map[string]any {
	return map[string]any{
		"extension": ps.Extension, "caller_id": ps.CallerID, "mobile_number": ps.MobileNumber,
		"landline_number": ps.LandlineNumber, "linked_mobile_number": ps.LinkedMobileNumber,
		"display_numbers": ps.DisplayNumbers, "country_prefix": ps.CountryPrefix,
		"voicemail": map[string]any{"enabled": ps.Voicemail.Enabled, "rings": ps.Voicemail.Rings,
			"pin_set": ps.Voicemail.PINHash != "", "email": ps.Voicemail.Email,
			"email_enabled": ps.Voicemail.EmailEnabled, "attach_audio": ps.Voicemail.AttachAudio},
		"forwarding":     ps.Forwarding,
		"do_not_disturb": ps.DoNotDisturb, "language": ps.Language, "time_zone": ps.TimeZone, "locks": ps.Locks,
	}
}

// numberField parses an optional E.164 field ("" clears it).
func numberField(v *roster.Validation, field, s, prefix string) string {
	if strings.TrimSpace(s) == "" {
		return ""
	}
	n, err := phone.ParseNumber(s, prefix)
	v.Check(field, err)
	return n
}

// UpdatePhoneSettings applies a patch to a user's phone settings, all
// checked before anything changes. Users change their own, except what an
// admin locked (Forbidden) and the locks themselves; telephony.manage
// changes anyone's. Bad fields are Invalid with one error per field; an
// extension another user holds is a Conflict; another org's user NotFound.
func (s *Service) UpdatePhoneSettings(ctx context.Context, p *Principal, userID string, patch PhoneSettingsPatch) (*roster.PhoneSettings, error) {
	isAdmin, err := canWritePhone(p, userID)
	if err != nil {
		return nil, err
	}
	// Validate and hash the PIN before the transaction: argon2 is slow and
	// must not hold the write lock. The transaction applies the patch again
	// to the settings as they are then, so no concurrent change is lost.
	r := s.store.Read()
	u, err := r.User(ctx, p.OrgID, userID)
	if err != nil {
		return nil, err
	}
	cur, err := loadPhoneSettings(ctx, r, p.OrgID, u)
	if err != nil {
		return nil, err
	}
	next, err := applyPhonePatch(cur, patch, isAdmin)
	if err != nil {
		return nil, err
	}
	var pinHash *string
	if vp := patch.Voicemail; vp != nil && vp.PIN != nil {
		h := ""
		if *vp.PIN != "" {
			if h, err = s.hasher.hash(*vp.PIN); err != nil {
				return nil, err
			}
		}
		pinHash = &h
	}
	// A new extension must not be the PIN of the voicemail box it opens.
	if next.Extension != cur.Extension && next.Extension != "" && pinHash == nil && cur.Voicemail.PINHash != "" {
		if same, err := s.hasher.verify(next.Extension, cur.Voicemail.PINHash); err == nil && same {
			return nil, fieldError(roster.KindInvalid, "extension", "is the same as the voicemail PIN; change the PIN first")
		}
	}

	var out *roster.PhoneSettings
	err = s.store.Tx(ctx, func(tx Tx) error {
		if err := tx.LockOrg(ctx, p.OrgID); err != nil {
			return err
		}
		u, err := tx.User(ctx, p.OrgID, userID)
		if err != nil {
			return err
		}
		before, err := loadPhoneSettings(ctx, tx, p.OrgID, u)
		if err != nil {
			return err
		}
		next, err := applyPhonePatch(before, patch, isAdmin)
		if err != nil {
			return err
		}
		if pinHash != nil {
			next.Voicemail.PINHash = *pinHash
		}
		if err := checkPhoneReferences(ctx, tx, p.OrgID, u, next, patch); err != nil {
			return err
		}
		now := s.clock()
		next.UpdatedAt = &now
		if next.Extension != u.Extension {
			u.Extension, u.UpdatedAt = next.Extension, now
			if err := tx.UpdateUser(ctx, p.OrgID, u); err != nil {
				if roster.ErrorKind(err) == roster.KindConflict {
					return extensionTaken(next.Extension)
				}
				return err
			}
		}
		if err := tx.SavePhoneSettings(ctx, p.OrgID, next); err != nil {
			return err
		}
		if out, err = loadPhoneSettings(ctx, tx, p.OrgID, u); err != nil {
			return err
		}
		after := phoneSnapshot(out)
		if pinHash != nil {
			after["pin_changed"] = true
		}
		return s.audit(ctx, tx, p, "phone_settings.updated", "user", u.ID, u.Email, phoneSnapshot(before), after)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// applyPhonePatch returns cur with patch applied, or the Forbidden error of
// a locked choice, or an Invalid error listing every bad field. It checks
// formats only; checkPhoneReferences checks what the values point at. A
// new PIN is checked but not hashed.
func applyPhonePatch(cur *roster.PhoneSettings, patch PhoneSettingsPatch, isAdmin bool) (*roster.PhoneSettings, error) {
	if !isAdmin {
		switch {
		case patch.Locks != nil:
			return nil, roster.Errorf(roster.KindForbidden, "only an admin with telephony.manage can lock phone settings")
		case patch.Extension != nil && cur.Locks.Extension && strings.TrimSpace(*patch.Extension) != cur.Extension:
			return nil, roster.Errorf(roster.KindForbidden, "your admin has reserved your extension; ask them to change it")
		case patch.CallerID != nil && cur.Locks.CallerID && strings.TrimSpace(*patch.CallerID) != cur.CallerID:
			return nil, roster.Errorf(roster.KindForbidden, "your admin has reserved your caller ID; ask them to change it")
		}
	}
	var v roster.Validation
	next := *cur
	next.DisplayNumbers = append([]string{}, cur.DisplayNumbers...)
	next.Forwarding.Destinations = append([]string{}, cur.Forwarding.Destinations...)

	if patch.CountryPrefix != nil {
		next.CountryPrefix = ""
		if strings.TrimSpace(*patch.CountryPrefix) != "" {
			cp, err := phone.ParseCountryPrefix(*patch.CountryPrefix)
			v.Check("country_prefix", err)
			next.CountryPrefix = cp
		}
	}
	prefix := next.CountryPrefix
	if patch.Extension != nil {
		next.Extension = ""
		if strings.TrimSpace(*patch.Extension) != "" {
			ext, err := roster.ParseExtension(*patch.Extension)
			v.Check("extension", err)
			next.Extension = ext
		}
	}
	if patch.CallerID != nil {
		next.CallerID = numberField(&v, "caller_id", *patch.CallerID, prefix)
	}
	if patch.MobileNumber != nil {
		next.MobileNumber = numberField(&v, "mobile_number", *patch.MobileNumber, prefix)
	}
	if patch.LandlineNumber != nil {
		next.LandlineNumber = numberField(&v, "landline_number", *patch.LandlineNumber, prefix)
	}
	if patch.LinkedMobileNumber != nil {
		next.LinkedMobileNumber = numberField(&v, "linked_mobile_number", *patch.LinkedMobileNumber, prefix)
	}
	if patch.DisplayNumbers != nil {
		next.DisplayNumbers = parseList(&v, "display_numbers", *patch.DisplayNumbers, roster.MaxDisplayNumbers,
			func(s string) (string, error) { return phone.ParseNumber(s, prefix) })
	}
	if vp := patch.Voicemail; vp != nil {
		if vp.Enabled != nil {
			next.Voicemail.Enabled = *vp.Enabled
		}
		if vp.Rings != nil {
			if *vp.Rings < roster.MinVoicemailRings || *vp.Rings > roster.MaxVoicemailRings {
				v.Add("voicemail.rings", "must be between %d and %d", roster.MinVoicemailRings, roster.MaxVoicemailRings)
			}
			next.Voicemail.Rings = *vp.Rings
		}
		if vp.Email != nil {
			next.Voicemail.Email = ""
			if strings.TrimSpace(*vp.Email) != "" {
				e, err := roster.NormalizeEmail(*vp.Email)
				v.Check("voicemail.email", err)
				next.Voicemail.Email = e
			}
		}
		if vp.EmailEnabled != nil {
			next.Voicemail.EmailEnabled = *vp.EmailEnabled
		}
		if vp.AttachAudio != nil {
			next.Voicemail.AttachAudio = *vp.AttachAudio
		}
		if vp.PIN != nil && *vp.PIN != "" {
			_, err := roster.ParsePIN(*vp.PIN, next.Extension)
			v.Check("voicemail.pin", err)
		}
	}
	if fp := patch.Forwarding; fp != nil {
		if fp.Enabled != nil {
			next.Forwarding.Enabled = *fp.Enabled
		}
		if fp.Mode != nil {
			if !roster.ValidForwardMode(*fp.Mode) {
				v.Add("forwarding.mode", "must be simultaneous or sequential")
			}
			next.Forwarding.Mode = *fp.Mode
		}
		if fp.Destinations != nil {
			next.Forwarding.Destinations = parseList(&v, "forwarding.destinations", *fp.Destinations,
				roster.MaxForwardDestinations, func(s string) (string, error) { return forwardDestination(s, prefix) })
		}
		if next.Forwarding.Enabled && len(next.Forwarding.Destinations) == 0 {
			v.Add("forwarding.destinations", "must hold at least one destination while forwarding is enabled")
		}
	}
	if patch.DoNotDisturb != nil {
		next.DoNotDisturb = *patch.DoNotDisturb
	}
	if patch.Language != nil {
		l, err := phone.ParseLanguage(*patch.Language)
		v.Check("language", err)
		next.Language = l
	}
	if patch.TimeZone != nil {
		z, err := phone.ParseTimeZone(*patch.TimeZone)
		v.Check("time_zone", err)
		next.TimeZone = z
	}
	if lp := patch.Locks; lp != nil {
		if lp.Extension != nil {
			next.Locks.Extension = *lp.Extension
		}
		if lp.CallerID != nil {
			next.Locks.CallerID = *lp.CallerID
		}
	}
	return &next, v.Err()
}

// parseList parses each entry of a bounded list, reporting bad entries as
// field[i] and dropping duplicates.
func parseList(v *roster.Validation, field string, in []string, max int, parse func(string) (string, error)) []string {
	out := []string{}
	if len(in) > max {
		v.Add(field, "must hold at most %d entries", max)
		return out
	}
	seen := map[string]bool{}
	for i, s := range in {
		n, err := parse(s)
		if err != nil {
			v.Add(field+"["+strconv.Itoa(i)+"]", "%s", err.Error())
			continue
		}
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	return out
}

func extensionTaken(ext string) error {
	return fieldError(roster.KindConflict, "extension", "\""+ext+"\" is already another user's extension")
}

// forwardDestination parses a forwarding destination: an extension (2–4
// digits) or a phone number.
func forwardDestination(d, prefix string) (string, error) {
	d = strings.TrimSpace(d)
	if len(d) <= 4 && d != "" && !strings.HasPrefix(d, "+") {
		return roster.ParseExtension(d)
	}
	return phone.ParseNumber(d, prefix)
}

// checkPhoneReferences checks, under the org lock, what the settings point
// at: the extension is free, the caller ID is an org number, internal
// forwarding destinations are existing extensions.
func checkPhoneReferences(ctx context.Context, tx Tx, orgID string, u *roster.User, next *roster.PhoneSettings, patch PhoneSettingsPatch) error {
	var v roster.Validation
	if next.Extension != "" && next.Extension != u.Extension {
		other, err := tx.UserByExtension(ctx, orgID, next.Extension)
		if err == nil && other.ID != u.ID {
			return extensionTaken(next.Extension)
		}
		if err != nil && !errors.Is(err, roster.ErrNotFound) {
			return err
		}
	}
	if patch.CallerID != nil && next.CallerID != "" {
		numbers, err := tx.PhoneNumbers(ctx, orgID)
		if err != nil {
			return err
		}
		found := false
		for _, n := range numbers {
			found = found || n.Number == next.CallerID
		}
		if !found {
			v.Add("caller_id", "is not one of this organisation's phone numbers")
		}
	}
	if patch.Forwarding != nil && patch.Forwarding.Destinations != nil {
		for i, d := range next.Forwarding.Destinations {
			if strings.HasPrefix(d, "+") {
				continue
			}
			field := "forwarding.destinations[" + strconv.Itoa(i) + "]"
			if d == next.Extension {
				v.Add(field, "is this user's own extension")
				continue
			}
			if _, err := tx.UserByExtension(ctx, orgID, d); errors.Is(err, roster.ErrNotFound) {
				v.Add(field, "is not an extension in this organisation")
			} else if err != nil {
				return err
			}
		}
	}
	return v.Err()
}
