package service

import (
	"context"
	"strings"

	"roster/internal/roster"
)

// resolveIntegration checks the integration an invitation names. When the
// org has integrations it must be one of them, by key or name (any case),
// and the integration's name is returned; otherwise the text is kept as
// given. Problems are added to v under "integration".
func (s *Service) resolveIntegration(ctx context.Context, tx Tx, orgID, name string, v *roster.Validation) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return "", nil
	}
	list, err := tx.Integrations(ctx, orgID)
	if err != nil || len(list) == 0 {
		return name, err
	}
	names := make([]string, len(list))
	for i, in := range list {
		if strings.EqualFold(in.Key, name) || strings.EqualFold(in.Name, name) {
			return in.Name, nil
		}
		names[i] = in.Name
	}
	v.Add("integration", "must be one of this org's integrations: %s", strings.Join(names, ", "))
	return name, nil
}

// Integrations lists the org's CRM integrations. Every signed-in user may
// read them, since each links their own; the check is being a user of the
// org (or the operator).
func (s *Service) Integrations(ctx context.Context, p *Principal) ([]roster.Integration, error) {
	if p == nil || (p.UserID == "" && !p.Operator) {
		return nil, roster.Errorf(roster.KindUnauthenticated, "sign in first")
	}
	return s.store.Read().Integrations(ctx, p.OrgID)
}

// CreateIntegration adds a CRM integration to the org. Needs
// integrations.manage; a key already used is a Conflict.
func (s *Service) CreateIntegration(ctx context.Context, p *Principal, key, name string) (*roster.Integration, error) {
	if err := p.Require(roster.PermIntegrationsManage); err != nil {
		return nil, err
	}
	var v roster.Validation
	name, key = strings.TrimSpace(name), strings.TrimSpace(key)
	v.Check("name", roster.ValidateDisplayName(name))
	if key == "" {
		key = roster.RoleKeyFromName(name)
	}
	if name != "" {
		v.Check("key", roster.ValidateRoleKey(key))
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	in := &roster.Integration{ID: s.newID(), OrgID: p.OrgID, Key: key, Name: name, CreatedAt: s.clock()}
	err := s.store.Tx(ctx, func(tx Tx) error {
		if err := tx.CreateIntegration(ctx, p.OrgID, in); err != nil {
			if roster.ErrorKind(err) == roster.KindConflict {
				return &roster.Error{Kind: roster.KindConflict, Message: "an integration with key " + key + " already exists",
					Fields: []roster.FieldError{{Field: "key", Message: "is already used by another integration"}}}
			}
			return err
		}
		return s.audit(ctx, tx, p, "integration.created", "integration", in.ID, in.Name, nil, map[string]any{"key": key, "name": name})
	})
	if err != nil {
		return nil, err
	}
	return in, nil
}

// DeleteIntegration removes an org integration and every user's link to
// it. Needs integrations.manage.
func (s *Service) DeleteIntegration(ctx context.Context, p *Principal, id string) error {
	if err := p.Require(roster.PermIntegrationsManage); err != nil {
		return err
	}
	return s.store.Tx(ctx, func(tx Tx) error {
		in, err := tx.Integration(ctx, p.OrgID, id)
		if err != nil {
			return err
		}
		if err := tx.DeleteIntegration(ctx, p.OrgID, id); err != nil {
			return err
		}
		return s.audit(ctx, tx, p, "integration.deleted", "integration", in.ID, in.Name, map[string]any{"key": in.Key, "name": in.Name}, nil)
	})
}

// requireUser refuses principals that are not a signed-in user (the
// operator has no integrations of its own).
func requireUser(p *Principal) error {
	if p == nil || p.UserID == "" {
		return roster.Errorf(roster.KindUnauthenticated, "sign in as a user first")
	}
	return nil
}

// MyIntegrations returns the integrations the signed-in user has linked.
func (s *Service) MyIntegrations(ctx context.Context, p *Principal) ([]roster.UserIntegration, error) {
	if err := requireUser(p); err != nil {
		return nil, err
	}
	return s.store.Read().UserIntegrations(ctx, p.OrgID, p.UserID)
}

// LinkMyIntegration links one of the org's integrations to the signed-in
// user with their account name there. An unknown integration is Invalid; one
// already linked a Conflict.
func (s *Service) LinkMyIntegration(ctx context.Context, p *Principal, integrationID, account string) ([]roster.UserIntegration, error) {
	if err := requireUser(p); err != nil {
		return nil, err
	}
	var v roster.Validation
	account = strings.TrimSpace(account)
	v.Check("account", roster.ValidateIntegrationAccount(account))
	if strings.TrimSpace(integrationID) == "" {
		v.Add("integration_id", "is required")
	} else if !roster.ValidID(integrationID) {
		v.Add("integration_id", "is not an integration ID")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	var out []roster.UserIntegration
	err := s.store.Tx(ctx, func(tx Tx) error {
		in, err := tx.Integration(ctx, p.OrgID, integrationID)
		if roster.ErrorKind(err) == roster.KindNotFound {
			return &roster.Error{Kind: roster.KindInvalid, Message: "unknown integration",
				Fields: []roster.FieldError{{Field: "integration_id", Message: "no integration \"" + integrationID + "\" in this org"}}}
		} else if err != nil {
			return err
		}
		if err := tx.LinkUserIntegration(ctx, p.OrgID, p.UserID, in.ID, account, s.clock()); err != nil {
			if roster.ErrorKind(err) == roster.KindConflict {
				return roster.Errorf(roster.KindConflict, "%s is already linked", in.Name)
			}
			return err
		}
		if out, err = tx.UserIntegrations(ctx, p.OrgID, p.UserID); err != nil {
			return err
		}
		return s.audit(ctx, tx, p, "user.integration_linked", "user", p.UserID, p.Email, nil,
			map[string]any{"integration": in.Key, "account": account})
	})
	return out, err
}

// UnlinkMyIntegration removes one of the signed-in user's links; one not
// linked is NotFound.
func (s *Service) UnlinkMyIntegration(ctx context.Context, p *Principal, integrationID string) error {
	if err := requireUser(p); err != nil {
		return err
	}
	return s.store.Tx(ctx, func(tx Tx) error {
		if err := tx.UnlinkUserIntegration(ctx, p.OrgID, p.UserID, integrationID); err != nil {
			return err
		}
		return s.audit(ctx, tx, p, "user.integration_unlinked", "user", p.UserID, p.Email,
			map[string]any{"integration_id": integrationID}, nil)
	})
}

// linkInvitedIntegration links the integration an accepted invitation
// named to the new user, when it is one of the org's integrations: the
// first CRM they sign in with (seed 000). Free-text names from before the
// org had integrations link nothing.
func (s *Service) linkInvitedIntegration(ctx context.Context, tx Tx, p *Principal, name string) error {
	if name == "" {
		return nil
	}
	list, err := tx.Integrations(ctx, p.OrgID)
	if err != nil {
		return err
	}
	for _, in := range list {
		if !strings.EqualFold(in.Name, name) && !strings.EqualFold(in.Key, name) {
			continue
		}
		if err := tx.LinkUserIntegration(ctx, p.OrgID, p.UserID, in.ID, "", s.clock()); err != nil {
			if roster.ErrorKind(err) == roster.KindConflict {
				return nil
			}
			return err
		}
		return s.audit(ctx, tx, p, "user.integration_linked", "user", p.UserID, p.Email, nil,
			map[string]any{"integration": in.Key, "via": "invitation"})
	}
	return nil
}
