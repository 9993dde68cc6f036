package service

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"

	"roster/internal/roster"
)

// The teams, queues and phone-settings columns of an import: their cells
// are read with the rest of the row, checked against the org under the
// import's lock with the same rules the API applies, and stored in the
// import's transaction once the users exist.

// Keys of ImportRow.Extra.
const (
	extraTeams    = "teams"        // []string: team names as written
	extraTeamIDs  = "team_ids"     // []string: the teams they name
	extraQueues   = "queues"       // []queueCell: the queues cell as written
	extraQueuesTo = "queue_ids"    // []queueCell: with the queues' IDs
	extraPhone    = "phone"        // *PhoneSettingsPatch: the phone cells
	extraPhoneTo  = "phone_result" // *roster.PhoneSettings: settings to store
)

// queueCell is one "name:penalty" entry of a queues cell; ID is set once
// the name is resolved.
type queueCell struct {
	Name, ID string
	Penalty  int
}

// maxQueuesPerCell bounds the queues one row may name.
const maxQueuesPerCell = 50

// parseQueuesCell reads "Support:2;Billing" as the export writes it. The
// penalty follows the last colon, so queue names may hold colons when the
// penalty is written; without one the user gets the API's default, 0.
// Priority is not in the file and takes the API's default too.
func parseQueuesCell(r *ImportRow, v string) error {
	items := splitList(v)
	if len(items) > maxQueuesPerCell {
		return fmt.Errorf("must name at most %d queues", maxQueuesPerCell)
	}
	cells := make([]queueCell, 0, len(items))
	for _, item := range items {
		c := queueCell{Name: item}
		var penalty string
		if i := strings.LastIndexByte(item, ':'); i >= 0 {
			c.Name, penalty = strings.TrimSpace(item[:i]), strings.TrimSpace(item[i+1:])
		}
		if c.Name == "" {
			return errors.New("an entry names no queue (write queue:penalty)")
		}
		// A name no queue can have is refused here, so that the message
		// does not repeat a cell of any length.
		if err := roster.ValidateDisplayName(c.Name); err != nil {
			return fmt.Errorf("a queue name %s", err)
		}
		if penalty != "" {
			n, err := strconv.Atoi(penalty)
			if err != nil {
				return fmt.Errorf("%s: the penalty must be a whole number", c.Name)
			}
			c.Penalty = n
		}
		var v roster.Validation
		roster.ValidateQueueMember(c.Penalty, 0, &v)
		if re := (*roster.Error)(nil); errors.As(v.Err(), &re) {
			return fmt.Errorf("%s: the penalty %s", c.Name, re.Fields[0].Message)
		}
		cells = append(cells, c)
	}
	if r.Extra == nil {
		r.Extra = map[string]any{}
	}
	r.Extra[extraQueues] = cells
	return nil
}

// checkImportPermissions records, as a problem of the whole file (once
// per column), columns the principal may not set: team memberships need
// teams.manage and queue memberships queues.manage, as they do through
// the API.
func checkImportPermissions(p *Principal, r *ImportRow, rep *ImportReport) {
	if names, _ := r.Extra[extraTeams].([]string); len(names) > 0 {
		refuseColumn(p, rep, "teams", roster.PermTeamsManage)
	}
	if cells, _ := r.Extra[extraQueues].([]queueCell); len(cells) > 0 {
		refuseColumn(p, rep, "queues", roster.PermQueuesManage)
	}
}

// refuseColumn records that column needs perm, unless p has it or the file
// was already told.
func refuseColumn(p *Principal, rep *ImportReport, column string, perm roster.Permission) {
	if p.Require(perm) == nil || rep.refused[column] {
		return
	}
	if rep.refused == nil {
		rep.refused = map[string]bool{}
	}
	rep.refused[column] = true
	rep.add(0, rep.header(column), "assigning %s needs the %s permission; remove the column or its values", column, perm)
}

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

// resolveQueues gives the row's queue entries their IDs, recording
// unknown names and queues named twice.
func resolveQueues(r *ImportRow, cells []queueCell, queueBy map[string]string, rep *ImportReport) []queueCell {
	out := make([]queueCell, 0, len(cells))
	seen := map[string]bool{}
	for _, c := range cells {
		id, ok := queueBy[roster.NameKey(c.Name)]
		switch {
		case !ok:
			rep.add(r.Line, rep.header("queues"), "no queue %q in this org", c.Name)
		case seen[id]:
			rep.add(r.Line, rep.header("queues"), "names queue %q twice", c.Name)
		default:
			seen[id] = true
			c.ID = id
			out = append(out, c)
		}
	}
	return out
}

// checkImportColumns resolves team and queue names and checks phone
// settings as the API would, recording each problem in rep. Call it under
// the org lock.
func checkImportColumns(ctx context.Context, tx Tx, orgID string, rows []*ImportRow, rep *ImportReport) error {
	var teamBy, queueBy map[string]string
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
		if cells, ok := r.Extra[extraQueues].([]queueCell); ok && len(cells) > 0 {
			if queueBy == nil {
				queues, err := tx.Queues(ctx, orgID)
				if err != nil {
					return err
				}
				queueBy = map[string]string{}
				for _, q := range queues {
					queueBy[roster.NameKey(q.Name)] = q.ID
				}
			}
			r.Extra[extraQueuesTo] = resolveQueues(r, cells, queueBy, rep)
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

// applyImportColumns puts the new users in their teams and queues and
// stores their phone settings, in the import's transaction.
func (s *Service) applyImportColumns(ctx context.Context, tx Tx, p *Principal, rows []*ImportRow) error {
	now := s.clock()
	if err := s.applyImportQueues(ctx, tx, p, rows, now); err != nil {
		return err
	}
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

// applyImportQueues assigns the new users to their queues, one multi-row
// insert and one audit event per queue.
func (s *Service) applyImportQueues(ctx context.Context, tx Tx, p *Principal, rows []*ImportRow, now time.Time) error {
	byQueue := map[string][]roster.QueueMember{}
	var order []string
	for _, r := range rows {
		cells, _ := r.Extra[extraQueuesTo].([]queueCell)
		if len(cells) == 0 {
			continue
		}
		if err := queueable(&r.User); err != nil {
			return err
		}
		for _, c := range cells {
			if byQueue[c.ID] == nil {
				order = append(order, c.ID)
			}
			byQueue[c.ID] = append(byQueue[c.ID], roster.QueueMember{UserID: r.User.ID, Penalty: c.Penalty})
		}
	}
	for _, id := range order {
		q, err := tx.Queue(ctx, p.OrgID, id)
		if err != nil {
			return err
		}
		members := byQueue[id]
		if err := tx.InsertQueueMembers(ctx, p.OrgID, id, members, now); err != nil {
			return err
		}
		added := make([]map[string]any, len(members))
		for i, m := range members {
			added[i] = map[string]any{"user_id": m.UserID, "penalty": m.Penalty, "priority": m.Priority}
		}
		if err := s.audit(ctx, tx, p, "queue.members_added", "queue", q.ID, q.Name, nil,
			map[string]any{"members": added, "source": "import"}); err != nil {
			return err
		}
	}
	return nil
}
