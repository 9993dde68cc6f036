package service

import (
	"context"
	"errors"
	"reflect"
	"strconv"
	"strings"

	"roster/internal/roster"
)

// The teams and phone-settings columns of an import: their cells are read
// with the rest of the row, checked against the org under the import's
// lock with the same rules the API applies, and stored in the import's
// transaction once the users exist. Queue memberships are not imported:
// only active users may sit in queues, and imported users are prepared or
// invited.

// Keys of ImportRow.Extra.
const (
	extraTeams   = "teams"        // []string: team names as written
	extraTeamIDs = "team_ids"     // []string: the teams they name
	extraPhone   = "phone"        // *PhoneSettingsPatch: the phone cells
	extraPhoneTo = "phone_result" // *roster.PhoneSettings: settings to store
)

// phonePatch returns the row's phone patch, creating it.
func phonePatch(r *ImportRow) *PhoneSettingsPatch {
	if r.Extra == nil {
		r.Extra = map[string]any{}
	}
	p, _ := r.Extra[extraPhone].(*PhoneSettingsPatch)
	if p == nil {
		p = &PhoneSettingsPatch{}
		r.Extra[extraPhone] = p
	}
	return p
}

// parseTeamsCell reads "Sales;East".
func parseTeamsCell(r *ImportRow, v string) error {
	names := splitList(v)
	if len(names) > 50 {
		return errors.New("must name at most 50 teams")
	}
	if r.Extra == nil {
		r.Extra = map[string]any{}
	}
	r.Extra[extraTeams] = names
	return nil
}

// phoneParsers read each phone column's cell into the row's patch; the
// values are checked as a whole by checkImportColumns.
var phoneParsers = map[string]func(r *ImportRow, v string) error{
	"outbound_caller_id": func(r *ImportRow, v string) error { phonePatch(r).CallerID = &v; return nil },
	"mobile_number":      func(r *ImportRow, v string) error { phonePatch(r).MobileNumber = &v; return nil },
	"landline_number":    func(r *ImportRow, v string) error { phonePatch(r).LandlineNumber = &v; return nil },
	"language":           func(r *ImportRow, v string) error { phonePatch(r).Language = &v; return nil },
	"timezone":           func(r *ImportRow, v string) error { phonePatch(r).TimeZone = &v; return nil },
	"voicemail_enabled": func(r *ImportRow, v string) error {
		b, err := parseBool(v)
		vm := voicemailPatch(r)
		vm.Enabled = &b
		return err
	},
	"rings_before_voicemail": func(r *ImportRow, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil {
			return errors.New("must be a whole number")
		}
		voicemailPatch(r).Rings = &n
		return nil
	},
	"dnd": func(r *ImportRow, v string) error {
		b, err := parseBool(v)
		phonePatch(r).DoNotDisturb = &b
		return err
	},
}

func voicemailPatch(r *ImportRow) *VoicemailPatch {
	p := phonePatch(r)
	if p.Voicemail == nil {
		p.Voicemail = &VoicemailPatch{}
	}
	return p.Voicemail
}

// phoneFieldColumn names the import column of a phone settings field the
// API's validation reports.
var phoneFieldColumn = map[string]string{
	"caller_id": "outbound_caller_id", "mobile_number": "mobile_number", "landline_number": "landline_number",
	"language": "language", "time_zone": "timezone", "voicemail.rings": "rings_before_voicemail",
}

// checkImportColumns resolves team names and checks phone settings as the
// API would, recording each problem in rep. Call it under the org lock.
func checkImportColumns(ctx context.Context, tx Tx, orgID string, rows []*ImportRow, rep *ImportReport) error {
	var teamBy map[string]string
	var numbers map[string]bool
	for _, r := range rows {
		if names, ok := r.Extra[extraTeams].([]string); ok && len(names) > 0 {
			if teamBy == nil {
				teams, err := tx.Teams(ctx, orgID, true)
				if err != nil {
					return err
				}
				teamBy = map[string]string{}
				for _, t := range teams {
					teamBy[strings.ToLower(t.Name)] = t.ID
				}
			}
			var ids []string
			for _, n := range names {
				if id, ok := teamBy[strings.ToLower(n)]; ok {
					ids = append(ids, id)
				} else {
					rep.add(r.Line, rep.header("teams"), "no team %q in this org", n)
				}
			}
			r.Extra[extraTeamIDs] = ids
		}
		patch, ok := r.Extra[extraPhone].(*PhoneSettingsPatch)
		if !ok {
			continue
		}
		def := roster.DefaultPhoneSettings(orgID, "", r.User.Extension)
		next, err := applyPhonePatch(def, *patch, true)
		if err != nil {
			var re *roster.Error
			if !errors.As(err, &re) || len(re.Fields) == 0 {
				return err
			}
			for _, f := range re.Fields {
				rep.add(r.Line, rep.header(phoneFieldColumn[f.Field]), "%s", f.Message)
			}
			continue
		}
		if next.CallerID != "" {
			if numbers == nil {
				list, err := tx.PhoneNumbers(ctx, orgID)
				if err != nil {
					return err
				}
				numbers = map[string]bool{}
				for _, n := range list {
					numbers[n.Number] = true
				}
			}
			if !numbers[next.CallerID] {
				rep.add(r.Line, rep.header("outbound_caller_id"), "%s is not one of this organisation's phone numbers", next.CallerID)
				continue
			}
		}
		// Defaults need no row: a user without one works with them.
		if !reflect.DeepEqual(next, def) {
			r.Extra[extraPhoneTo] = next
		}
	}
	return nil
}

// applyImportColumns puts the new users in their teams and stores their
// phone settings, in the import's transaction.
func (s *Service) applyImportColumns(ctx context.Context, tx Tx, p *Principal, rows []*ImportRow) error {
	now := s.clock()
	added := map[string][]string{}
	var teamOrder []string
	for _, r := range rows {
		ids, _ := r.Extra[extraTeamIDs].([]string)
		for _, id := range ids {
			ok, err := tx.AddTeamMember(ctx, p.OrgID, id, r.User.ID, nil, now)
			if err != nil {
				return err
			}
			if ok {
				if added[id] == nil {
					teamOrder = append(teamOrder, id)
				}
				added[id] = append(added[id], r.User.ID)
			}
		}
		if ps, ok := r.Extra[extraPhoneTo].(*roster.PhoneSettings); ok {
			ps.OrgID, ps.UserID, ps.Extension, ps.UpdatedAt = p.OrgID, r.User.ID, r.User.Extension, &now
			if err := tx.SavePhoneSettings(ctx, p.OrgID, ps); err != nil {
				return err
			}
		}
	}
	for _, id := range teamOrder {
		team, err := tx.Team(ctx, p.OrgID, id)
		if err != nil {
			return err
		}
		if err := s.audit(ctx, tx, p, "team.members_added", "team", team.ID, team.Name, nil,
			map[string]any{"user_ids": added[id], "source": "import"}); err != nil {
			return err
		}
	}
	return nil
}
