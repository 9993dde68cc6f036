package service

import (
	"context"

	"roster/internal/roster"
)

// SetPresence records the presence the telephony side reports for a user,
// and optionally their do-not-disturb flag. Needs telephony.manage, except
// for one's own presence.
func (s *Service) SetPresence(ctx context.Context, p *Principal, userID string, status roster.Presence, dnd *bool) (*roster.PresenceView, error) {
	if userID != p.UserID {
		if err := p.Require(roster.PermTelephonyManage); err != nil {
			return nil, err
		}
	}
	if !roster.ValidPresence(status) {
		return nil, &roster.Error{Kind: roster.KindInvalid, Message: "the request has invalid fields",
			Fields: []roster.FieldError{{Field: "status", Message: "must be one of online, away, dnd, in_call, offline"}}}
	}
	err := s.store.Tx(ctx, func(tx Tx) error {
		u, err := tx.User(ctx, p.OrgID, userID)
		if err != nil {
			return err
		}
		if err := tx.SetPresence(ctx, p.OrgID, userID, status, s.clock()); err != nil {
			return err
		}
		// The telephony side's do-not-disturb is the user's phone setting:
		// one flag, whichever side turns it on or off.
		if dnd != nil {
			if err := tx.SetDoNotDisturb(ctx, p.OrgID, userID, *dnd, s.clock()); err != nil {
				return err
			}
		}
		after := map[string]any{"status": status}
		if dnd != nil {
			after["dnd"] = *dnd
		}
		return s.audit(ctx, tx, p, "user.presence_set", "user", u.ID, u.Email, nil, after)
	})
	if err != nil {
		return nil, err
	}
	return s.presence(ctx, p.OrgID, userID)
}

// Presence returns a user's presence with what it is derived from. Users
// may read their own; others need users.read.
func (s *Service) Presence(ctx context.Context, p *Principal, userID string) (*roster.PresenceView, error) {
	if userID != p.UserID {
		if err := p.Require(roster.PermUsersRead); err != nil {
			return nil, err
		}
	}
	return s.presence(ctx, p.OrgID, userID)
}

func (s *Service) presence(ctx context.Context, orgID, userID string) (*roster.PresenceView, error) {
	inputs, err := s.store.Read().PresenceInputs(ctx, orgID, []string{userID})
	if err != nil {
		return nil, err
	}
	in, ok := inputs[userID]
	if !ok {
		return nil, roster.ErrNotFound
	}
	v := &roster.PresenceView{UserID: userID, Presence: roster.DerivePresence(in, s.clock()), DND: in.DND, Set: in.Set}
	if !in.SetAt.IsZero() {
		v.SetAt = &in.SetAt
	}
	if !in.LastActive.IsZero() {
		v.LastActive = &in.LastActive
	}
	return v, nil
}
