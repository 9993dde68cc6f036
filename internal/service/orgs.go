package service

import (
	"context"
	"errors"
	"strings"

	"roster/internal/roster"
)

// NewOrg is what the operator gives to create an org.
type NewOrg struct {
	Name, Slug     string
	Plan           roster.Plan
	AdminEmail     string
	AdminFirstName string
	AdminLastName  string
}

// CreateOrg creates an org with the built-in roles and its first admin, who
// is active but has no password yet, and returns the one-time setup link
// with which they choose it. A taken slug is a Conflict; bad input Invalid.
func (s *Service) CreateOrg(ctx context.Context, in NewOrg) (*roster.Org, *roster.User, string, error) {
	in.Slug = strings.ToLower(strings.TrimSpace(in.Slug))
	in.Name = strings.TrimSpace(in.Name)
	var v roster.Validation
	if err := roster.ValidateNewOrg(in.Name, in.Slug, in.Plan); err != nil {
		var re *roster.Error
		errors.As(err, &re)
		for _, f := range re.Fields {
			v.Add(f.Field, "%s", f.Message)
		}
	}
	email, err := roster.NormalizeEmail(in.AdminEmail)
	v.Check("admin_email", err)
	v.Check("admin_first_name", roster.ValidateName(in.AdminFirstName))
	v.Check("admin_last_name", roster.ValidateName(in.AdminLastName))
	if err := v.Err(); err != nil {
		return nil, nil, "", err
	}
	now := s.clock()
	org := &roster.Org{ID: s.newID(), Slug: in.Slug, Name: in.Name, Plan: in.Plan, CreatedAt: now}
	admin := &roster.User{ID: s.newID(), OrgID: org.ID, Email: email, FirstName: strings.TrimSpace(in.AdminFirstName),
		LastName: strings.TrimSpace(in.AdminLastName), Status: roster.StatusActive, Role: roster.RoleAdmin,
		CreatedAt: now, UpdatedAt: now}
	token, hash, err := s.newToken(prefixReset)
	if err != nil {
		return nil, nil, "", err
	}
	op := Operator(org.ID)
	err = s.store.Tx(ctx, func(tx Tx) error {
		if err := tx.CreateOrg(ctx, org); err != nil {
			if roster.ErrorKind(err) == roster.KindConflict {
				return &roster.Error{Kind: roster.KindConflict, Message: "an org with this slug already exists",
					Fields: []roster.FieldError{{Field: "slug", Message: "is taken"}}}
			}
			return err
		}
		for _, b := range roster.BuiltinRoles {
			r := &roster.Role{ID: s.newID(), Key: b.Key, Name: b.Name, Description: b.Description,
				Permissions: b.Permissions, Builtin: true}
			if err := tx.CreateRole(ctx, org.ID, r, now); err != nil {
				return err
			}
			if b.Key == roster.RoleAdmin {
				admin.RoleID = r.ID
			}
		}
		if err := tx.CreateUser(ctx, org.ID, admin); err != nil {
			return err
		}
		if err := tx.CreatePasswordReset(ctx, org.ID, s.newID(), admin.ID, hash, now, now.Add(s.inviteTTL(org))); err != nil {
			return err
		}
		if err := s.audit(ctx, tx, op, "org.created", "org", org.ID, org.Slug, nil, org); err != nil {
			return err
		}
		return s.audit(ctx, tx, op, "user.created", "user", admin.ID, admin.Email, nil, userSnapshot(admin))
	})
	if err != nil {
		return nil, nil, "", err
	}
	return org, admin, s.link("/password/reset", token), nil
}

// OrgBySlug returns the org with this slug, or NotFound.
func (s *Service) OrgBySlug(ctx context.Context, slug string) (*roster.Org, error) {
	return s.store.Read().OrgBySlug(ctx, slug)
}

// Org returns the principal's org.
func (s *Service) Org(ctx context.Context, p *Principal) (*roster.Org, error) {
	return s.store.Read().Org(ctx, p.OrgID)
}

// SetLicensePool creates or changes a license pool. Only the operator may:
// admins see the snapshot. Lowering purchased below the seats in use is a
// Conflict.
func (s *Service) SetLicensePool(ctx context.Context, orgID, typ, name string, quantity int) (*roster.LicensePool, error) {
	typ = strings.TrimSpace(typ)
	name = strings.TrimSpace(name)
	if err := roster.ValidateLicensePool(typ, name, quantity); err != nil {
		return nil, err
	}
	var out *roster.LicensePool
	err := s.store.Tx(ctx, func(tx Tx) error {
		if err := tx.LockOrg(ctx, orgID); err != nil {
			return err
		}
		before, err := tx.LicensePool(ctx, orgID, typ)
		if err != nil && !errors.Is(err, roster.ErrNotFound) {
			return err
		}
		if before != nil && before.Used > quantity {
			return &roster.Error{Kind: roster.KindConflict,
				Message: "cannot lower " + typ + " below the seats in use",
				Extra:   map[string]any{"used": before.Used}}
		}
		if err := tx.SetLicensePool(ctx, orgID, typ, name, quantity, s.clock()); err != nil {
			return err
		}
		if out, err = tx.LicensePool(ctx, orgID, typ); err != nil {
			return err
		}
		return s.audit(ctx, tx, Operator(orgID), "license.set", "license", typ, name, before, out)
	})
	return out, err
}

// Licenses returns the org's license pools. Needs licenses.view.
func (s *Service) Licenses(ctx context.Context, p *Principal) ([]roster.LicensePool, error) {
	if err := p.Require(roster.PermLicensesView); err != nil {
		return nil, err
	}
	pools, err := s.store.Read().LicensePools(ctx, p.OrgID)
	if pools == nil {
		pools = []roster.LicensePool{}
	}
	return pools, err
}

// Roles returns the org's roles. Needs users.read.
func (s *Service) Roles(ctx context.Context, p *Principal) ([]roster.Role, error) {
	if err := p.Require(roster.PermUsersRead); err != nil {
		return nil, err
	}
	return s.store.Read().Roles(ctx, p.OrgID)
}

// Permissions returns the permission catalogue. Needs users.read.
func (s *Service) Permissions(p *Principal) ([]roster.PermissionInfo, error) {
	if err := p.Require(roster.PermUsersRead); err != nil {
		return nil, err
	}
	return roster.Catalogue, nil
}

// AuditEvents returns a page of the org's audit log. Needs audit.view.
func (s *Service) AuditEvents(ctx context.Context, p *Principal, f roster.AuditFilter) (roster.Page[roster.AuditEvent], error) {
	if err := p.Require(roster.PermAuditView); err != nil {
		return roster.Page[roster.AuditEvent]{}, err
	}
	return s.store.Read().AuditEvents(ctx, p.OrgID, f)
}

// Outbox returns the newest emails of the org (all orgs for the operator).
// Needs settings.manage.
func (s *Service) Outbox(ctx context.Context, p *Principal, limit int) ([]roster.Email, error) {
	if err := p.Require(roster.PermSettingsManage); err != nil {
		return nil, err
	}
	// The operator's principal without an org sees every org's emails.
	return s.store.Read().Emails(ctx, p.OrgID, limit)
}

// CreateAPIToken issues an API token for an active user of the org and
// returns it; only its hash is kept. The token acts with the user's
// permissions as they are at each request.
func (s *Service) CreateAPIToken(ctx context.Context, p *Principal, email, name string) (string, error) {
	if err := p.Require(roster.PermUsersManage); err != nil {
		return "", err
	}
	email, err := roster.NormalizeEmail(email)
	if err != nil {
		return "", &roster.Error{Kind: roster.KindInvalid, Message: "invalid email", Fields: []roster.FieldError{{Field: "email", Message: err.Error()}}}
	}
	token, hash, err := s.newToken(prefixAPI)
	if err != nil {
		return "", err
	}
	err = s.store.Tx(ctx, func(tx Tx) error {
		u, err := tx.UserByEmail(ctx, p.OrgID, email)
		if err != nil {
			return err
		}
		if u.Status != roster.StatusActive {
			return roster.Errorf(roster.KindConflict, "%s is %s; only active users get API tokens", email, u.Status)
		}
		id := s.newID()
		if err := tx.CreateAPIToken(ctx, p.OrgID, id, u.ID, name, hash, s.clock()); err != nil {
			return err
		}
		return s.audit(ctx, tx, p, "api_token.created", "user", u.ID, u.Email, nil, map[string]string{"token_id": id, "name": name})
	})
	return token, err
}

// link returns an absolute link to path carrying token.
func (s *Service) link(path, token string) string {
	return strings.TrimRight(s.cfg.BaseURL, "/") + path + "?token=" + token
}
