package service

import (
	"context"

	"roster/internal/roster"
)

// UserQueues returns the queues a user is assigned to, for their profile.
// Users may read their own; others need users.read. Another org's user is
// NotFound.
func (s *Service) UserQueues(ctx context.Context, p *Principal, userID string) ([]roster.TeamRef, error) {
	if p == nil || (p.UserID == "" && !p.Operator) {
		return nil, roster.Errorf(roster.KindUnauthenticated, "sign in first")
	}
	if userID != p.UserID {
		if err := p.Require(roster.PermUsersRead); err != nil {
			return nil, err
		}
	}
	r := s.store.Read()
	if _, err := r.User(ctx, p.OrgID, userID); err != nil {
		return nil, err
	}
	return r.UserQueues(ctx, p.OrgID, userID)
}
