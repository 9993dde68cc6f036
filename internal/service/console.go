package service

import (
	"context"
	"errors"

	"roster/internal/roster"
)

// consoleStore is the storage the web console needs beyond the core.
type consoleStore interface {
	PendingInvitationsForUsers(ctx context.Context, orgID string, userIDs []string) (map[string]roster.Invitation, error)
}

// PendingInvitationsForUsers returns the pending invitation of each listed
// user that has one, keyed by user ID (for the Invited tab's expiry and
// integration columns). Needs users.read.
func (s *Service) PendingInvitationsForUsers(ctx context.Context, p *Principal, userIDs []string) (map[string]roster.Invitation, error) {
	if err := p.Require(roster.PermUsersRead); err != nil {
		return nil, err
	}
	return s.store.Read().PendingInvitationsForUsers(ctx, p.OrgID, userIDs)
}

// PendingInvitationForUser returns the user's pending invitation. Needs
// users.read; a user without one is NotFound.
func (s *Service) PendingInvitationForUser(ctx context.Context, p *Principal, userID string) (*roster.Invitation, error) {
	if err := p.Require(roster.PermUsersRead); err != nil {
		return nil, err
	}
	return s.store.Read().PendingInvitationForUser(ctx, p.OrgID, userID)
}

// InvitationForToken returns the invitation an accept link carries so the
// console can greet the invitee, or Gone with the reason when the link can
// no longer be used (unknown, expired, cancelled, replaced or accepted).
func (s *Service) InvitationForToken(ctx context.Context, token string) (*roster.Invitation, error) {
	inv, err := s.store.Read().InvitationByTokenHash(ctx, hashToken(token))
	if errors.Is(err, roster.ErrNotFound) {
		return nil, roster.Errorf(roster.KindGone, "this invitation link is not valid; ask your admin to send a new invitation")
	}
	if err != nil {
		return nil, err
	}
	if err := invitationUsable(inv, s.clock()); err != nil {
		return nil, err
	}
	return inv, nil
}

// UserIDByEmail resolves an email of the org to its user's ID, for the
// audit log's actor and target filters. Needs audit.view; an unknown email
// is NotFound.
func (s *Service) UserIDByEmail(ctx context.Context, p *Principal, email string) (string, error) {
	if err := p.Require(roster.PermAuditView); err != nil {
		return "", err
	}
	u, err := s.findByEmail(ctx, p.OrgID, email)
	if err != nil {
		return "", err
	}
	return u.ID, nil
}

// OwnRoleAndLicense returns the caller's own role and license pool (nil
// when they hold no license), which every user may see on their profile
// whatever their permissions.
func (s *Service) OwnRoleAndLicense(ctx context.Context, p *Principal) (*roster.Role, *roster.LicensePool, error) {
	if p == nil || p.UserID == "" {
		return nil, nil, roster.Errorf(roster.KindUnauthenticated, "sign in first")
	}
	r := s.store.Read()
	u, err := r.User(ctx, p.OrgID, p.UserID)
	if err != nil {
		return nil, nil, err
	}
	role, err := r.Role(ctx, p.OrgID, u.RoleID)
	if err != nil {
		return nil, nil, err
	}
	if u.LicenseType == "" {
		return role, nil, nil
	}
	pool, err := r.LicensePool(ctx, p.OrgID, u.LicenseType)
	if err != nil {
		return nil, nil, err
	}
	return role, pool, nil
}
