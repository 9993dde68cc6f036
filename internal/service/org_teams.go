package service

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"roster/internal/roster"
)

// TeamInput describes a new team.
type TeamInput struct {
	Name      string
	MemberIDs []string
	RoleIDs   []string
}

// TeamPatch changes some of a team's fields; nil fields stay.
type TeamPatch struct {
	Name     *string
	Disabled *bool
	RoleIDs  *[]string
}

func teamSnapshot(t *roster.Team) map[string]any {
	return map[string]any{"name": t.Name, "disabled": t.Disabled, "role_ids": t.RoleIDs}
}

// visibleTeam returns a team the principal may see: disabled teams are
// hidden (NotFound) from anyone without teams.manage.
func (s *Service) visibleTeam(ctx context.Context, tx Tx, p *Principal, id string) (*roster.Team, error) {
	t, err := tx.Team(ctx, p.OrgID, id)
	if err != nil {
		return nil, err
	}
	if t.Disabled && p.Require(roster.PermTeamsManage) != nil {
		return nil, roster.ErrNotFound
	}
	return t, nil
}

// decorateUsers fills in each user's presence and teams (disabled teams
// only for those who manage teams).
func (s *Service) decorateUsers(ctx context.Context, p *Principal, users []roster.User) error {
	if len(users) == 0 {
		return nil
	}
	r := s.store.Read()
	// Users read without what presence needs, or without their teams.
	var noActivity, noTeams []string
	for _, u := range users {
		if u.Activity == nil {
			noActivity = append(noActivity, u.ID)
		}
		if u.Teams == nil {
			noTeams = append(noTeams, u.ID)
		}
	}
	inputs, err := r.PresenceInputs(ctx, p.OrgID, noActivity)
	if err != nil {
		return err
	}
	seeDisabled := p.Require(roster.PermTeamsManage) == nil
	teams, err := r.UserTeams(ctx, p.OrgID, noTeams, seeDisabled)
	if err != nil {
		return err
	}
	now := s.clock()
	for i := range users {
		in := inputs[users[i].ID]
		if users[i].Activity != nil {
			in = *users[i].Activity
		}
		// The user may have changed since it was read (a deactivation
		// answers with the deactivated user).
		in.Status = users[i].Status
		users[i].Presence = roster.DerivePresence(in, now)
		if users[i].Teams == nil {
			users[i].Teams = teams[users[i].ID]
		} else if !seeDisabled {
			users[i].Teams = slices.DeleteFunc(users[i].Teams, func(t roster.TeamRef) bool { return t.Disabled })
		}
	}
	return nil
}

// Teams lists the org's teams; disabled ones only for those with
// teams.manage. Needs users.read.
func (s *Service) Teams(ctx context.Context, p *Principal) ([]roster.Team, error) {
	if err := p.Require(roster.PermUsersRead); err != nil {
		return nil, err
	}
	return s.store.Read().Teams(ctx, p.OrgID, p.Require(roster.PermTeamsManage) == nil)
}

// Team returns one team. Needs users.read; a disabled team is NotFound
// without teams.manage.
func (s *Service) Team(ctx context.Context, p *Principal, id string) (*roster.Team, error) {
	if err := p.Require(roster.PermUsersRead); err != nil {
		return nil, err
	}
	return s.visibleTeam(ctx, s.store.Read(), p, id)
}

// checkRoleIDs reports unknown roles under field[i] and returns the IDs
// without repeats.
func checkRoleIDs(ctx context.Context, tx Tx, orgID, field string, ids []string, v *roster.Validation) ([]string, error) {
	return checkIDs(field, "role", ids, v, func(id string) error {
		_, err := tx.Role(ctx, orgID, id)
		return err
	})
}

// checkMemberIDs reports unknown users under field[i] and returns the IDs
// without repeats.
func checkMemberIDs(ctx context.Context, tx Tx, orgID, field string, ids []string, v *roster.Validation) ([]string, error) {
	var valid []string
	for _, id := range ids {
		if roster.ValidID(id) {
			valid = append(valid, id)
		}
	}
	found, err := tx.ExistingUserIDs(ctx, orgID, valid)
	if err != nil {
		return nil, err
	}
	var out []string
	for i, id := range ids {
		if _, ok := found[id]; !ok {
			v.Add(field+"["+strconv.Itoa(i)+"]", "no user %q in this org", id)
			continue
		}
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out, nil
}

// CreateTeam creates a team with its first members and linked roles
// (whose holders join it). Needs teams.manage. A name already used in the
// org is a Conflict.
func (s *Service) CreateTeam(ctx context.Context, p *Principal, in TeamInput) (*roster.Team, error) {
	if err := p.Require(roster.PermTeamsManage); err != nil {
		return nil, err
	}
	var v roster.Validation
	in.Name = strings.TrimSpace(in.Name)
	v.Check("name", roster.ValidateDisplayName(in.Name))
	var out *roster.Team
	err := s.store.Tx(ctx, func(tx Tx) error {
		if err := tx.LockOrg(ctx, p.OrgID); err != nil {
			return err
		}
		members, err := checkMemberIDs(ctx, tx, p.OrgID, "member_ids", in.MemberIDs, &v)
		if err != nil {
			return err
		}
		roles, err := checkRoleIDs(ctx, tx, p.OrgID, "role_ids", in.RoleIDs, &v)
		if err != nil {
			return err
		}
		if err := v.Err(); err != nil {
			return err
		}
		now := s.clock()
		t := &roster.Team{ID: s.newID(), OrgID: p.OrgID, Name: in.Name, CreatedAt: now, UpdatedAt: now}
		if err := tx.CreateTeam(ctx, p.OrgID, t); err != nil {
			return nameTaken(err, "team", in.Name)
		}
		for _, uid := range members {
			if _, err := tx.AddTeamMember(ctx, p.OrgID, t.ID, uid, nil, now); err != nil {
				return err
			}
		}
		if err := tx.SetTeamRoles(ctx, p.OrgID, t.ID, roles); err != nil {
			return err
		}
		if out, err = tx.Team(ctx, p.OrgID, t.ID); err != nil {
			return err
		}
		after := teamSnapshot(out)
		after["member_ids"] = members
		if err := s.audit(ctx, tx, p, "team.created", "team", t.ID, t.Name, nil, after); err != nil {
			return err
		}
		for _, rid := range roles {
			holders, err := tx.UserIDsWithRole(ctx, p.OrgID, rid)
			if err != nil {
				return err
			}
			if err := s.joinRoleTeams(ctx, tx, p, p.OrgID, holders, rid); err != nil {
				return err
			}
		}
		out, err = tx.Team(ctx, p.OrgID, t.ID)
		return err
	})
	return out, err
}

// nameTaken turns a unique violation on a name into a Conflict naming the
// field.
func nameTaken(err error, what, name string) error {
	if roster.ErrorKind(err) == roster.KindConflict {
		return &roster.Error{Kind: roster.KindConflict, Message: "a " + what + " named " + name + " already exists",
			Fields: []roster.FieldError{{Field: "name", Message: "is already used by another " + what}}}
	}
	return err
}

// UpdateTeam renames, disables or re-enables a team, or changes its linked
// roles (whose holders join it). Needs teams.manage.
func (s *Service) UpdateTeam(ctx context.Context, p *Principal, id string, patch TeamPatch) (*roster.Team, error) {
	if err := p.Require(roster.PermTeamsManage); err != nil {
		return nil, err
	}
	var v roster.Validation
	if patch.Name != nil {
		*patch.Name = strings.TrimSpace(*patch.Name)
		v.Check("name", roster.ValidateDisplayName(*patch.Name))
	}
	var out *roster.Team
	err := s.store.Tx(ctx, func(tx Tx) error {
		if err := tx.LockOrg(ctx, p.OrgID); err != nil {
			return err
		}
		t, err := tx.Team(ctx, p.OrgID, id)
		if err != nil {
			return err
		}
		var roles []string
		if patch.RoleIDs != nil {
			if roles, err = checkRoleIDs(ctx, tx, p.OrgID, "role_ids", *patch.RoleIDs, &v); err != nil {
				return err
			}
		}
		if err := v.Err(); err != nil {
			return err
		}
		before := teamSnapshot(t)
		if patch.Name != nil {
			t.Name = *patch.Name
		}
		if patch.Disabled != nil {
			t.Disabled = *patch.Disabled
		}
		t.UpdatedAt = s.clock()
		if err := tx.UpdateTeam(ctx, p.OrgID, t); err != nil {
			return nameTaken(err, "team", t.Name)
		}
		if patch.RoleIDs != nil {
			if err := tx.SetTeamRoles(ctx, p.OrgID, id, roles); err != nil {
				return err
			}
		}
		if out, err = tx.Team(ctx, p.OrgID, id); err != nil {
			return err
		}
		if err := s.audit(ctx, tx, p, "team.updated", "team", t.ID, t.Name, before, teamSnapshot(out)); err != nil {
			return err
		}
		for _, rid := range roles {
			holders, err := tx.UserIDsWithRole(ctx, p.OrgID, rid)
			if err != nil {
				return err
			}
			if err := s.joinRoleTeams(ctx, tx, p, p.OrgID, holders, rid); err != nil {
				return err
			}
		}
		out, err = tx.Team(ctx, p.OrgID, id)
		return err
	})
	return out, err
}

// SetTeamAvatar stores an uploaded avatar after checking its content
// (roster.CheckAvatar); nil data removes it. Needs teams.manage.
func (s *Service) SetTeamAvatar(ctx context.Context, p *Principal, id string, data []byte) error {
	if err := p.Require(roster.PermTeamsManage); err != nil {
		return err
	}
	mediaType := ""
	if data != nil {
		var err error
		if mediaType, err = roster.CheckAvatar(data); err != nil {
			return &roster.Error{Kind: roster.KindInvalid, Message: "the avatar was refused",
				Fields: []roster.FieldError{{Field: "avatar", Message: err.Error()}}}
		}
	}
	return s.store.Tx(ctx, func(tx Tx) error {
		t, err := tx.Team(ctx, p.OrgID, id)
		if err != nil {
			return err
		}
		if err := tx.SetTeamAvatar(ctx, p.OrgID, id, data, mediaType, s.clock()); err != nil {
			return err
		}
		action, after := "team.avatar_set", map[string]any{"media_type": mediaType, "bytes": len(data)}
		if data == nil {
			action, after = "team.avatar_removed", nil
		}
		return s.audit(ctx, tx, p, action, "team", t.ID, t.Name, nil, after)
	})
}

// TeamAvatar returns a visible team's avatar and its media type; a team
// without one is NotFound. Needs users.read.
func (s *Service) TeamAvatar(ctx context.Context, p *Principal, id string) ([]byte, string, error) {
	if err := p.Require(roster.PermUsersRead); err != nil {
		return nil, "", err
	}
	r := s.store.Read()
	if _, err := s.visibleTeam(ctx, r, p, id); err != nil {
		return nil, "", err
	}
	return r.TeamAvatar(ctx, p.OrgID, id)
}

// TeamMembers returns a visible team's members with their presence. Needs
// users.read, or leading the team.
func (s *Service) TeamMembers(ctx context.Context, p *Principal, id string) ([]roster.TeamMember, error) {
	r := s.store.Read()
	if err := p.Require(roster.PermUsersRead); err != nil {
		led, lerr := r.LeaderTeamIDs(ctx, p.OrgID, p.UserID)
		if lerr != nil {
			return nil, lerr
		}
		if !slices.Contains(led, id) {
			return nil, err
		}
	}
	if _, err := s.visibleTeam(ctx, r, p, id); err != nil {
		return nil, err
	}
	members, err := r.TeamMembers(ctx, p.OrgID, id)
	if err != nil {
		return nil, err
	}
	return members, s.memberPresence(ctx, p.OrgID, members)
}

// memberPresence fills in each member's presence.
func (s *Service) memberPresence(ctx context.Context, orgID string, members []roster.TeamMember) error {
	if len(members) == 0 {
		return nil
	}
	ids := make([]string, len(members))
	for i, m := range members {
		ids[i] = m.UserID
	}
	inputs, err := s.store.Read().PresenceInputs(ctx, orgID, ids)
	if err != nil {
		return err
	}
	now := s.clock()
	for i := range members {
		members[i].Presence = string(roster.DerivePresence(inputs[members[i].UserID], now))
	}
	return nil
}

// SetTeamMember adds a user to a team or changes their leader flag. Needs
// teams.manage. It reports whether the user was added.
func (s *Service) SetTeamMember(ctx context.Context, p *Principal, teamID, userID string, leader *bool) (bool, error) {
	if err := p.Require(roster.PermTeamsManage); err != nil {
		return false, err
	}
	var added bool
	err := s.store.Tx(ctx, func(tx Tx) error {
		t, err := tx.Team(ctx, p.OrgID, teamID)
		if err != nil {
			return err
		}
		u, err := tx.User(ctx, p.OrgID, userID)
		if err != nil {
			return err
		}
		if added, err = tx.AddTeamMember(ctx, p.OrgID, teamID, userID, leader, s.clock()); err != nil {
			return err
		}
		after := map[string]any{"user_id": u.ID, "email": u.Email}
		if leader != nil {
			after["leader"] = *leader
		}
		action := "team.member_updated"
		if added {
			action = "team.member_added"
		}
		return s.audit(ctx, tx, p, action, "team", t.ID, t.Name, nil, after)
	})
	return added, err
}

// RemoveTeamMember takes a user out of a team. Needs teams.manage; a user
// not in the team is NotFound.
func (s *Service) RemoveTeamMember(ctx context.Context, p *Principal, teamID, userID string) error {
	if err := p.Require(roster.PermTeamsManage); err != nil {
		return err
	}
	return s.store.Tx(ctx, func(tx Tx) error {
		t, err := tx.Team(ctx, p.OrgID, teamID)
		if err != nil {
			return err
		}
		if err := tx.RemoveTeamMember(ctx, p.OrgID, teamID, userID); err != nil {
			return err
		}
		return s.audit(ctx, tx, p, "team.member_removed", "team", t.ID, t.Name, map[string]any{"user_id": userID}, nil)
	})
}

// MyTeam is a team leader's view of the teams they lead.
type MyTeam struct {
	Teams   []roster.Team       `json:"teams"`
	Members []roster.TeamMember `json:"members"`
}

// MyTeam returns the enabled teams the principal leads and their members
// (each once). Needs analytics.view_team.
func (s *Service) MyTeam(ctx context.Context, p *Principal) (*MyTeam, error) {
	if err := p.Require(roster.PermAnalyticsViewTeam); err != nil {
		return nil, err
	}
	r := s.store.Read()
	ids, err := r.LeaderTeamIDs(ctx, p.OrgID, p.UserID)
	if err != nil {
		return nil, err
	}
	out := &MyTeam{Teams: []roster.Team{}}
	for _, id := range ids {
		t, err := r.Team(ctx, p.OrgID, id)
		if err != nil {
			return nil, err
		}
		out.Teams = append(out.Teams, *t)
	}
	if out.Members, err = r.TeamMembers(ctx, p.OrgID, ids...); err != nil {
		return nil, err
	}
	return out, s.memberPresence(ctx, p.OrgID, out.Members)
}
