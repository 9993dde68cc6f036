package service

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"

	"roster/internal/roster"
)

// RoleInput describes a new custom role.
type RoleInput struct {
	Key         string // derived from Name when empty
	Name        string
	Description string
	Permissions []string
	TeamIDs     []string
}

// RolePatch changes some of a custom role's fields; nil fields stay.
type RolePatch struct {
	Name        *string
	Description *string
	Permissions *[]string
	TeamIDs     *[]string
}

// roleSnapshot is what the audit log keeps of a role.
func roleSnapshot(r *roster.Role, teamIDs []string) map[string]any {
	return map[string]any{"key": r.Key, "name": r.Name, "description": r.Description,
		"permissions": r.Permissions, "team_ids": teamIDs}
}

// errLastAdmin is the Conflict every path that could leave the org without
// an administrator answers.
func errLastAdmin() error {
	return roster.Errorf(roster.KindConflict,
		"this change would leave no active user who can manage users and roles (the last active user with both); make someone else an admin first")
}

// ensureAnAdmin returns Conflict unless, after the changes made so far in
// tx, some active user still holds every admin permission through their
// role or direct grants. Call it under the org lock, after the change, so
// that the check sees exactly what will commit.
func (s *Service) ensureAnAdmin(ctx context.Context, tx Tx, orgID string) error {
	n, err := tx.CountActiveAdmins(ctx, orgID, "")
	if err != nil {
		return err
	}
	if n == 0 {
		return errLastAdmin()
	}
	return nil
}

// checkTeamIDs reports unknown teams (another org's included) under
// field[i] and returns the IDs without repeats.
func checkTeamIDs(ctx context.Context, tx Tx, orgID, field string, ids []string, v *roster.Validation) ([]string, error) {
	return checkIDs(field, "team", ids, v, func(id string) error {
		_, err := tx.Team(ctx, orgID, id)
		return err
	})
}

// checkIDs reports under field[i] each of ids that is not an ID or names
// no thing of its kind (find returns ErrNotFound), and returns the others
// without repeats. Any other error from find is returned.
func checkIDs(field, kind string, ids []string, v *roster.Validation, find func(id string) error) ([]string, error) {
	var out []string
	for i, id := range ids {
		if slices.Contains(out, id) {
			continue
		}
		at := field + "[" + strconv.Itoa(i) + "]"
		if !roster.ValidID(id) {
			v.Add(at, "is not a %s ID", kind)
			continue
		}
		if err := find(id); errors.Is(err, roster.ErrNotFound) {
			v.Add(at, "no %s %q in this org", kind, id)
			continue
		} else if err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, nil
}

// joinRoleTeams puts userIDs in every team linked to roleID, auditing each
// addition; users already in a team stay as they are.
func (s *Service) joinRoleTeams(ctx context.Context, tx Tx, p *Principal, orgID string, userIDs []string, roleID string) error {
	teamIDs, err := tx.RoleTeamIDs(ctx, orgID, roleID)
	if err != nil || len(teamIDs) == 0 || len(userIDs) == 0 {
		return err
	}
	role, err := tx.Role(ctx, orgID, roleID)
	if err != nil {
		return err
	}
	return s.joinTeams(ctx, tx, p, orgID, userIDs, role, teamIDs)
}

// joinTeams puts userIDs in teamIDs, the teams linked to role, auditing
// each addition; users already in a team stay as they are.
func (s *Service) joinTeams(ctx context.Context, tx Tx, p *Principal, orgID string, userIDs []string, role *roster.Role, teamIDs []string) error {
	if len(userIDs) == 0 {
		return nil
	}
	for _, tid := range teamIDs {
		team, err := tx.Team(ctx, orgID, tid)
		if err != nil {
			return err
		}
		var added []string
		for _, uid := range userIDs {
			ok, err := tx.AddTeamMember(ctx, orgID, tid, uid, nil, s.clock())
			if err != nil {
				return err
			}
			if ok {
				added = append(added, uid)
			}
		}
		if len(added) > 0 {
			if err := s.audit(ctx, tx, p, "team.members_added", "team", team.ID, team.Name, nil,
				map[string]any{"user_ids": added, "via_role": role.Key}); err != nil {
				return err
			}
		}
	}
	return nil
}

// Role returns one role of the org with its linked teams and holder count.
// Needs users.read.
func (s *Service) Role(ctx context.Context, p *Principal, id string) (*roster.RoleDetail, error) {
	if err := p.Require(roster.PermUsersRead); err != nil {
		return nil, err
	}
	return s.roleDetail(ctx, s.store.Read(), p.OrgID, id)
}

func (s *Service) roleDetail(ctx context.Context, tx Tx, orgID, id string) (*roster.RoleDetail, error) {
	r, err := tx.Role(ctx, orgID, id)
	if err != nil {
		return nil, err
	}
	teams, err := tx.RoleTeamIDs(ctx, orgID, id)
	if err != nil {
		return nil, err
	}
	counts, err := tx.RoleUserCounts(ctx, orgID)
	if err != nil {
		return nil, err
	}
	return &roster.RoleDetail{Role: *r, TeamIDs: teams, UserCount: counts[id]}, nil
}

// CreateRole adds a custom role. Needs roles.manage. Bad fields are
// Invalid; a key already used in the org is a Conflict.
func (s *Service) CreateRole(ctx context.Context, p *Principal, in RoleInput) (*roster.RoleDetail, error) {
	if err := p.Require(roster.PermRolesManage); err != nil {
		return nil, err
	}
	var v roster.Validation
	in.Name, in.Description, in.Key = strings.TrimSpace(in.Name), strings.TrimSpace(in.Description), strings.TrimSpace(in.Key)
	v.Check("name", roster.ValidateDisplayName(in.Name))
	v.Check("description", roster.ValidateDescription(in.Description))
	if in.Key == "" {
		in.Key = roster.RoleKeyFromName(in.Name)
	}
	if in.Name != "" {
		v.Check("key", roster.ValidateRoleKey(in.Key))
	}
	perms := roster.ParsePermissions("permissions", in.Permissions, &v)
	var out *roster.RoleDetail
	err := s.store.Tx(ctx, func(tx Tx) error {
		if err := tx.LockOrg(ctx, p.OrgID); err != nil {
			return err
		}
		teams, err := checkTeamIDs(ctx, tx, p.OrgID, "team_ids", in.TeamIDs, &v)
		if err != nil {
			return err
		}
		if err := v.Err(); err != nil {
			return err
		}
		r := &roster.Role{ID: s.newID(), OrgID: p.OrgID, Key: in.Key, Name: in.Name, Description: in.Description, Permissions: perms}
		if err := tx.CreateRole(ctx, p.OrgID, r, s.clock()); err != nil {
			if roster.ErrorKind(err) == roster.KindConflict {
				return &roster.Error{Kind: roster.KindConflict, Message: "a role with key " + in.Key + " already exists",
					Fields: []roster.FieldError{{Field: "key", Message: "is already used by another role"}}}
			}
			return err
		}
		if err := tx.SetRoleTeams(ctx, p.OrgID, r.ID, teams); err != nil {
			return err
		}
		if out, err = s.roleDetail(ctx, tx, p.OrgID, r.ID); err != nil {
			return err
		}
		return s.audit(ctx, tx, p, "role.created", "role", r.ID, r.Name, nil, roleSnapshot(r, teams))
	})
	return out, err
}

// CopyRole creates a custom role with another role's permissions and
// teams (built-ins are copied this way, never changed). Needs roles.manage.
func (s *Service) CopyRole(ctx context.Context, p *Principal, id, name, key string) (*roster.RoleDetail, error) {
	if err := p.Require(roster.PermRolesManage); err != nil {
		return nil, err
	}
	src, err := s.roleDetail(ctx, s.store.Read(), p.OrgID, id)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(name) == "" {
		name = "Copy of " + src.Name
	}
	perms := make([]string, len(src.Permissions))
	for i, p := range src.Permissions {
		perms[i] = string(p)
	}
	return s.CreateRole(ctx, p, RoleInput{Key: key, Name: name, Description: src.Description, Permissions: perms, TeamIDs: src.TeamIDs})
}

// UpdateRole edits a custom role. Needs roles.manage. Built-in roles are a
// Conflict (copy them instead); so is an edit that would leave the org
// without an active admin. Users newly covered by a linked team join it.
func (s *Service) UpdateRole(ctx context.Context, p *Principal, id string, patch RolePatch) (*roster.RoleDetail, error) {
	if err := p.Require(roster.PermRolesManage); err != nil {
		return nil, err
	}
	var v roster.Validation
	if patch.Name != nil {
		*patch.Name = strings.TrimSpace(*patch.Name)
		v.Check("name", roster.ValidateDisplayName(*patch.Name))
	}
	if patch.Description != nil {
		*patch.Description = strings.TrimSpace(*patch.Description)
		v.Check("description", roster.ValidateDescription(*patch.Description))
	}
	var perms roster.PermissionSet
	if patch.Permissions != nil {
		perms = roster.ParsePermissions("permissions", *patch.Permissions, &v)
	}
	var out *roster.RoleDetail
	err := s.store.Tx(ctx, func(tx Tx) error {
		if err := tx.LockOrg(ctx, p.OrgID); err != nil {
			return err
		}
		r, err := tx.Role(ctx, p.OrgID, id)
		if err != nil {
			return err
		}
		var teams []string
		if patch.TeamIDs != nil {
			if teams, err = checkTeamIDs(ctx, tx, p.OrgID, "team_ids", *patch.TeamIDs, &v); err != nil {
				return err
			}
		}
		if err := v.Err(); err != nil {
			return err
		}
		if r.Builtin {
			return roster.Errorf(roster.KindConflict, "%s is a built-in role and cannot be changed; copy it and edit the copy", r.Name)
		}
		oldTeams, err := tx.RoleTeamIDs(ctx, p.OrgID, id)
		if err != nil {
			return err
		}
		before := roleSnapshot(r, oldTeams)
		if patch.Name != nil {
			r.Name = *patch.Name
		}
		if patch.Description != nil {
			r.Description = *patch.Description
		}
		if patch.Permissions != nil {
			r.Permissions = perms
		}
		if err := tx.UpdateRole(ctx, p.OrgID, r); err != nil {
			return err
		}
		newTeams := oldTeams
		if patch.TeamIDs != nil {
			newTeams = teams
			if err := tx.SetRoleTeams(ctx, p.OrgID, id, teams); err != nil {
				return err
			}
			holders, err := tx.UserIDsWithRole(ctx, p.OrgID, id)
			if err != nil {
				return err
			}
			if err := s.joinRoleTeams(ctx, tx, p, p.OrgID, holders, id); err != nil {
				return err
			}
		}
		if err := s.ensureAnAdmin(ctx, tx, p.OrgID); err != nil {
			return err
		}
		if out, err = s.roleDetail(ctx, tx, p.OrgID, id); err != nil {
			return err
		}
		return s.audit(ctx, tx, p, "role.updated", "role", r.ID, r.Name, before, roleSnapshot(r, newTeams))
	})
	return out, err
}

// DeleteRole removes a custom role, moving its users to the role with key
// replacement (required when anyone holds it); they join the replacement's
// linked teams. Needs roles.manage. Built-ins, and a deletion that would
// leave no active admin, are a Conflict.
func (s *Service) DeleteRole(ctx context.Context, p *Principal, id, replacement string) error {
	if err := p.Require(roster.PermRolesManage); err != nil {
		return err
	}
	replacement = strings.TrimSpace(replacement)
	return s.store.Tx(ctx, func(tx Tx) error {
		if err := tx.LockOrg(ctx, p.OrgID); err != nil {
			return err
		}
		r, err := tx.Role(ctx, p.OrgID, id)
		if err != nil {
			return err
		}
		if r.Builtin {
			return roster.Errorf(roster.KindConflict, "%s is a built-in role and cannot be deleted", r.Name)
		}
		holders, err := tx.UserIDsWithRole(ctx, p.OrgID, id)
		if err != nil {
			return err
		}
		invalid := func(msg string) error {
			return &roster.Error{Kind: roster.KindInvalid, Message: "the request has invalid fields",
				Fields: []roster.FieldError{{Field: "replacement_role", Message: msg}}}
		}
		after := map[string]any{"users_moved": len(holders)}
		if len(holders) > 0 || replacement != "" {
			if replacement == "" {
				return invalid("is required: " + strconv.Itoa(len(holders)) + " users hold this role; name the role they get instead")
			}
			to, err := tx.RoleByKey(ctx, p.OrgID, replacement)
			if errors.Is(err, roster.ErrNotFound) {
				return invalid("no role \"" + replacement + "\" in this org")
			} else if err != nil {
				return err
			}
			if to.ID == r.ID {
				return invalid("must be another role than the one deleted")
			}
			if _, err := tx.ReassignRole(ctx, p.OrgID, r.ID, to.ID, s.clock()); err != nil {
				return err
			}
			if err := s.joinRoleTeams(ctx, tx, p, p.OrgID, holders, to.ID); err != nil {
				return err
			}
			after["replacement_role"] = to.Key
		}
		teams, err := tx.RoleTeamIDs(ctx, p.OrgID, id)
		if err != nil {
			return err
		}
		if err := tx.DeleteRole(ctx, p.OrgID, id); err != nil {
			return err
		}
		if err := s.ensureAnAdmin(ctx, tx, p.OrgID); err != nil {
			return err
		}
		return s.audit(ctx, tx, p, "role.deleted", "role", r.ID, r.Name, roleSnapshot(r, teams), after)
	})
}

// UserPermissions returns a user's role permissions, direct grants and
// effective permissions with their sources. Users may read their own;
// others need users.read.
func (s *Service) UserPermissions(ctx context.Context, p *Principal, userID string) (*roster.UserPermissions, error) {
	if userID != p.UserID {
		if err := p.Require(roster.PermUsersRead); err != nil {
			return nil, err
		}
	}
	return s.userPermissions(ctx, s.store.Read(), p.OrgID, userID)
}

func (s *Service) userPermissions(ctx context.Context, tx Tx, orgID, userID string) (*roster.UserPermissions, error) {
	u, err := tx.User(ctx, orgID, userID)
	if err != nil {
		return nil, err
	}
	role, err := tx.Role(ctx, orgID, u.RoleID)
	if err != nil {
		return nil, err
	}
	direct, err := tx.DirectPermissions(ctx, orgID, userID)
	if err != nil {
		return nil, err
	}
	up := roster.NewUserPermissions(u.ID, role, direct)
	return &up, nil
}

// SetDirectPermissions replaces the permissions granted to a user directly,
// on top of their role. Needs roles.manage. Removing the grants that kept
// the org's last admin an admin is a Conflict.
func (s *Service) SetDirectPermissions(ctx context.Context, p *Principal, userID string, names []string) (*roster.UserPermissions, error) {
	if err := p.Require(roster.PermRolesManage); err != nil {
		return nil, err
	}
	var v roster.Validation
	perms := roster.ParsePermissions("permissions", names, &v)
	if err := v.Err(); err != nil {
		return nil, err
	}
	var out *roster.UserPermissions
	err := s.store.Tx(ctx, func(tx Tx) error {
		if err := tx.LockOrg(ctx, p.OrgID); err != nil {
			return err
		}
		u, err := tx.User(ctx, p.OrgID, userID)
		if err != nil {
			return err
		}
		before, err := tx.DirectPermissions(ctx, p.OrgID, userID)
		if err != nil {
			return err
		}
		if err := tx.SetDirectPermissions(ctx, p.OrgID, userID, perms, s.clock()); err != nil {
			return err
		}
		if err := s.ensureAnAdmin(ctx, tx, p.OrgID); err != nil {
			return err
		}
		if out, err = s.userPermissions(ctx, tx, p.OrgID, userID); err != nil {
			return err
		}
		return s.audit(ctx, tx, p, "user.permissions_changed", "user", u.ID, u.Email,
			map[string]any{"direct_permissions": before}, map[string]any{"direct_permissions": perms})
	})
	return out, err
}
