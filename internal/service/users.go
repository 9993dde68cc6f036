package service

import (
	"context"
	"errors"
	"strings"

	"roster/internal/roster"
)

// userSnapshot is what the audit log keeps of a user: never the password hash.
func userSnapshot(u *roster.User) map[string]any {
	return map[string]any{
		"email": u.Email, "first_name": u.FirstName, "last_name": u.LastName, "status": u.Status,
		"role": u.Role, "license_type": u.LicenseType,
	}
}

// ListUsers returns a page of the org's users. Needs users.read. A bad
// filter is Invalid.
func (s *Service) ListUsers(ctx context.Context, p *Principal, f roster.UserFilter) (roster.Page[roster.User], error) {
	if err := p.Require(roster.PermUsersRead); err != nil {
		return roster.Page[roster.User]{}, err
	}
	var v roster.Validation
	if f.Status != "" && !roster.ValidStatus(f.Status) {
		v.Add("status", "must be one of active, invited, prepared, inactive")
	}
	if f.Limit < 0 || f.Limit > 500 {
		v.Add("limit", "must be between 1 and 500")
	}
	if len(f.Query) > 200 {
		v.Add("q", "must be at most 200 characters")
	}
	if err := v.Err(); err != nil {
		return roster.Page[roster.User]{}, err
	}
	if f.Team != "" {
		if !roster.ValidID(f.Team) {
			return roster.Page[roster.User]{}, &roster.Error{Kind: roster.KindInvalid, Message: "unknown team",
				Fields: []roster.FieldError{{Field: "team", Message: "is not a team ID"}}}
		}
		if _, err := s.visibleTeam(ctx, s.store.Read(), p, f.Team); errors.Is(err, roster.ErrNotFound) {
			return roster.Page[roster.User]{}, &roster.Error{Kind: roster.KindInvalid, Message: "unknown team",
				Fields: []roster.FieldError{{Field: "team", Message: "no team \"" + f.Team + "\" in this org"}}}
		} else if err != nil {
			return roster.Page[roster.User]{}, err
		}
	}
	page, err := s.store.Read().ListUsers(ctx, p.OrgID, f)
	if err != nil {
		return page, err
	}
	return page, s.decorateUsers(ctx, p, page.Items)
}

// CountUsersByStatus returns the number of users in each status (for the
// people list's tabs). Needs users.read.
func (s *Service) CountUsersByStatus(ctx context.Context, p *Principal) (map[roster.Status]int, error) {
	if err := p.Require(roster.PermUsersRead); err != nil {
		return nil, err
	}
	return s.store.Read().CountUsersByStatus(ctx, p.OrgID)
}

// User returns one user of the org. Users may always read themselves;
// others need users.read. Another org's user is NotFound.
func (s *Service) User(ctx context.Context, p *Principal, id string) (*roster.User, error) {
	if id != p.UserID {
		if err := p.Require(roster.PermUsersRead); err != nil {
			return nil, err
		}
	}
	u, err := s.store.Read().UserDetail(ctx, p.OrgID, id)
	if err != nil {
		return nil, err
	}
	one := []roster.User{*u}
	if err := s.decorateUsers(ctx, p, one); err != nil {
		return nil, err
	}
	return &one[0], nil
}

// UserByEmail is User for the org's user with this email address; one
// that is not an address, or that no user of the org has, is NotFound.
func (s *Service) UserByEmail(ctx context.Context, p *Principal, email string) (*roster.User, error) {
	if err := p.Require(roster.PermUsersRead); err != nil {
		return nil, err
	}
	u, err := s.findByEmail(ctx, p.OrgID, email)
	if err != nil {
		return nil, err
	}
	return s.User(ctx, p, u.ID)
}

// findByEmail is the org's user with this email address; one that is not
// an address is NotFound like one that no user has.
func (s *Service) findByEmail(ctx context.Context, orgID, email string) (*roster.User, error) {
	e, err := roster.NormalizeEmail(email)
	if err != nil {
		return nil, roster.ErrNotFound
	}
	return s.store.Read().UserByEmail(ctx, orgID, e)
}

// Me is the signed-in user with their effective permissions.
type Me struct {
	User        *roster.User         `json:"user"`
	Org         *roster.Org          `json:"org"`
	Permissions roster.PermissionSet `json:"permissions"`
}

// Me returns the principal's own user, org and permissions.
func (s *Service) Me(ctx context.Context, p *Principal) (*Me, error) {
	if p == nil || p.UserID == "" {
		return nil, roster.Errorf(roster.KindUnauthenticated, "sign in first")
	}
	r := s.store.Read()
	u, err := r.User(ctx, p.OrgID, p.UserID)
	if err != nil {
		return nil, err
	}
	org, err := r.Org(ctx, p.OrgID)
	if err != nil {
		return nil, err
	}
	return &Me{User: u, Org: org, Permissions: p.Permissions}, nil
}

// UserPatch changes some of a user's fields; nil fields stay as they are.
type UserPatch struct {
	FirstName   *string
	LastName    *string
	Role        *string // role key
	LicenseType *string // "" removes the license
}

// UpdateUser applies a patch. Needs users.manage. An unknown role or
// license type is Invalid; a license with no free seat LimitReached;
// demoting the last admin Conflict.
func (s *Service) UpdateUser(ctx context.Context, p *Principal, id string, patch UserPatch) (*roster.User, error) {
	if err := p.Require(roster.PermUsersManage); err != nil {
		return nil, err
	}
	var v roster.Validation
	if patch.FirstName != nil {
		*patch.FirstName = strings.TrimSpace(*patch.FirstName)
		v.Check("first_name", roster.ValidateName(*patch.FirstName))
	}
	if patch.LastName != nil {
		*patch.LastName = strings.TrimSpace(*patch.LastName)
		v.Check("last_name", roster.ValidateName(*patch.LastName))
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	var out *roster.User
	err := s.store.Tx(ctx, func(tx Tx) error {
		if err := tx.LockOrg(ctx, p.OrgID); err != nil {
			return err
		}
		u, err := tx.User(ctx, p.OrgID, id)
		if err != nil {
			return err
		}
		before := userSnapshot(u)
		if patch.FirstName != nil {
			u.FirstName = *patch.FirstName
		}
		if patch.LastName != nil {
			u.LastName = *patch.LastName
		}
		if patch.Role != nil && *patch.Role != u.Role {
			if err := s.assignRole(ctx, tx, p, u, *patch.Role); err != nil {
				return err
			}
		}
		if patch.LicenseType != nil && *patch.LicenseType != u.LicenseType {
			if err := s.assignLicense(ctx, tx, u, *patch.LicenseType, u.Status.HoldsSeat()); err != nil {
				return err
			}
		}
		u.UpdatedAt = s.clock()
		if err := tx.UpdateUser(ctx, p.OrgID, u); err != nil {
			return err
		}
		out = u
		return s.audit(ctx, tx, p, "user.updated", "user", u.ID, u.Email, before, userSnapshot(u))
	})
	return out, err
}

// assignRole gives u the role with key, refusing to demote the org's last
// active admin, and puts u in the teams linked to the role.
func (s *Service) assignRole(ctx context.Context, tx Tx, p *Principal, u *roster.User, key string) error {
	role, teamIDs, err := tx.RoleByKeyWithTeams(ctx, u.OrgID, key)
	if errors.Is(err, roster.ErrNotFound) {
		return &roster.Error{Kind: roster.KindInvalid, Message: "unknown role",
			Fields: []roster.FieldError{{Field: "role", Message: "no role \"" + key + "\" in this org"}}}
	}
	if err != nil {
		return err
	}
	direct, err := tx.DirectPermissions(ctx, u.OrgID, u.ID)
	if err != nil {
		return err
	}
	if !roster.Effective(role.Permissions, direct).IsAdmin() {
		if err := s.keepAnAdmin(ctx, tx, u); err != nil {
			return err
		}
	}
	u.RoleID, u.Role = role.ID, role.Key
	return s.joinTeams(ctx, tx, p, u.OrgID, []string{u.ID}, role, teamIDs)
}

// assignLicense gives u the license type typ ("" for none), checking for a
// free seat when the user holds one.
func (s *Service) assignLicense(ctx context.Context, tx Tx, u *roster.User, typ string, needSeat bool) error {
	if typ != "" {
		pool, err := tx.LicensePool(ctx, u.OrgID, typ)
		if errors.Is(err, roster.ErrNotFound) {
			return &roster.Error{Kind: roster.KindInvalid, Message: "unknown license type",
				Fields: []roster.FieldError{{Field: "license_type", Message: "no license type \"" + typ + "\" in this org"}}}
		}
		if err != nil {
			return err
		}
		if needSeat && pool.Available < 1 {
			return seatsError(pool, 1)
		}
	}
	u.LicenseType = typ
	return nil
}

// keepAnAdmin returns Conflict if u is an active user holding the admin
// permissions and no other active user does. Call it under the org lock
// before anything that takes those permissions away from u.
func (s *Service) keepAnAdmin(ctx context.Context, tx Tx, u *roster.User) error {
	if u.Status != roster.StatusActive {
		return nil
	}
	role, err := tx.Role(ctx, u.OrgID, u.RoleID)
	if err != nil {
		return err
	}
	direct, err := tx.DirectPermissions(ctx, u.OrgID, u.ID)
	if err != nil {
		return err
	}
	if !roster.Effective(role.Permissions, direct).IsAdmin() {
		return nil
	}
	n, err := tx.CountActiveAdmins(ctx, u.OrgID, u.ID)
	if err != nil {
		return err
	}
	if n == 0 {
		return roster.Errorf(roster.KindConflict,
			"%s is the last active user who can manage users and roles; make someone else an admin first", u.Email)
	}
	return nil
}

// DeleteUser removes a user for good; their audit trail stays. An invited
// user's invitation is cancelled. Needs users.manage; deleting the last
// admin is a Conflict.
func (s *Service) DeleteUser(ctx context.Context, p *Principal, id string) error {
	if err := p.Require(roster.PermUsersManage); err != nil {
		return err
	}
	return s.store.Tx(ctx, func(tx Tx) error {
		if err := tx.LockOrg(ctx, p.OrgID); err != nil {
			return err
		}
		u, err := tx.User(ctx, p.OrgID, id)
		if err != nil {
			return err
		}
		if u.Status == roster.StatusInvited {
			inv, err := tx.PendingInvitationForUser(ctx, p.OrgID, u.ID)
			if err == nil {
				return s.cancelInvitation(ctx, tx, p, inv)
			}
			if !errors.Is(err, roster.ErrNotFound) {
				return err
			}
		}
		if err := s.keepAnAdmin(ctx, tx, u); err != nil {
			return err
		}
		if err := tx.DeleteUser(ctx, p.OrgID, u.ID); err != nil {
			return err
		}
		return s.audit(ctx, tx, p, "user.deleted", "user", u.ID, u.Email, userSnapshot(u), nil)
	})
}

// DeactivateUser stops an active user: their sessions and API tokens are
// revoked at once, their seat is freed, their history kept. Needs
// users.manage. A user who is not active, or the last admin, is a Conflict.
func (s *Service) DeactivateUser(ctx context.Context, p *Principal, id string) (*roster.User, error) {
	if err := p.Require(roster.PermUsersManage); err != nil {
		return nil, err
	}
	var out *roster.User
	err := s.store.Tx(ctx, func(tx Tx) error {
		if err := tx.LockOrg(ctx, p.OrgID); err != nil {
			return err
		}
		u, err := tx.User(ctx, p.OrgID, id)
		if err != nil {
			return err
		}
		switch u.Status {
		case roster.StatusActive:
		case roster.StatusInvited:
			return roster.Errorf(roster.KindConflict, "%s has not accepted their invitation yet; cancel the invitation instead", u.Email)
		default:
			return roster.Errorf(roster.KindConflict, "%s is %s, not active", u.Email, u.Status)
		}
		if err := s.keepAnAdmin(ctx, tx, u); err != nil {
			return err
		}
		before := userSnapshot(u)
		u.Status, u.UpdatedAt = roster.StatusInactive, s.clock()
		if err := tx.UpdateUser(ctx, p.OrgID, u); err != nil {
			return err
		}
		sessions, tokens, err := tx.RevokeUserCredentials(ctx, p.OrgID, u.ID, s.clock())
		if err != nil {
			return err
		}
		queues, err := tx.RemoveUserFromQueues(ctx, p.OrgID, u.ID)
		if err != nil {
			return err
		}
		out = u
		after := userSnapshot(u)
		after["sessions_revoked"], after["api_tokens_revoked"], after["queues_removed"] = sessions, tokens, queues
		return s.audit(ctx, tx, p, "user.deactivated", "user", u.ID, u.Email, before, after)
	})
	return out, err
}

// ReactivateUser restores an inactive user's access with their old
// credentials. role and licenseType default to what the user had. Needs
// users.manage. No free seat is LimitReached; a user who is not inactive
// a Conflict.
func (s *Service) ReactivateUser(ctx context.Context, p *Principal, id string, role, licenseType *string) (*roster.User, error) {
	if err := p.Require(roster.PermUsersManage); err != nil {
		return nil, err
	}
	var out *roster.User
	err := s.store.Tx(ctx, func(tx Tx) error {
		if err := tx.LockOrg(ctx, p.OrgID); err != nil {
			return err
		}
		u, err := tx.User(ctx, p.OrgID, id)
		if err != nil {
			return err
		}
		if u.Status != roster.StatusInactive {
			return roster.Errorf(roster.KindConflict, "%s is %s, not inactive", u.Email, u.Status)
		}
		before := userSnapshot(u)
		if role != nil && *role != "" && *role != u.Role {
			if err := s.assignRole(ctx, tx, p, u, *role); err != nil {
				return err
			}
		}
		typ := u.LicenseType
		if licenseType != nil {
			typ = *licenseType
		}
		if err := s.assignLicense(ctx, tx, u, typ, true); err != nil {
			return err
		}
		u.Status, u.UpdatedAt = roster.StatusActive, s.clock()
		if err := tx.UpdateUser(ctx, p.OrgID, u); err != nil {
			return err
		}
		out = u
		return s.audit(ctx, tx, p, "user.reactivated", "user", u.ID, u.Email, before, userSnapshot(u))
	})
	return out, err
}
