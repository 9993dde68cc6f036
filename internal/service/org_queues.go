package service

import (
	"context"
	"strings"
	"time"

	"roster/internal/roster"
)

// QueueInput describes a new queue or, with nil fields left alone, a
// change to one.
type QueueInput struct {
	Name        *string
	Description *string
}

func queueSnapshot(q *roster.Queue) map[string]any {
	return map[string]any{"name": q.Name, "description": q.Description}
}

func validateQueueInput(in QueueInput, creating bool) error {
	var v roster.Validation
	if in.Name != nil {
		*in.Name = strings.TrimSpace(*in.Name)
		v.Check("name", roster.ValidateDisplayName(*in.Name))
	} else if creating {
		v.Add("name", "is required")
	}
	if in.Description != nil {
		*in.Description = strings.TrimSpace(*in.Description)
		v.Check("description", roster.ValidateDescription(*in.Description))
	}
	return v.Err()
}

// Queues lists the org's queues. Needs users.read.
func (s *Service) Queues(ctx context.Context, p *Principal) ([]roster.Queue, error) {
	if err := p.Require(roster.PermUsersRead); err != nil {
		return nil, err
	}
	return s.store.Read().Queues(ctx, p.OrgID)
}

// Queue returns one queue. Needs users.read.
func (s *Service) Queue(ctx context.Context, p *Principal, id string) (*roster.Queue, error) {
	if err := p.Require(roster.PermUsersRead); err != nil {
		return nil, err
	}
	return s.store.Read().Queue(ctx, p.OrgID, id)
}

// CreateQueue creates a queue. Needs queues.manage; a name already used in
// the org is a Conflict.
func (s *Service) CreateQueue(ctx context.Context, p *Principal, in QueueInput) (*roster.Queue, error) {
	if err := p.Require(roster.PermQueuesManage); err != nil {
		return nil, err
	}
	if err := validateQueueInput(in, true); err != nil {
		return nil, err
	}
	var out *roster.Queue
	err := s.store.Tx(ctx, func(tx Tx) error {
		now := s.clock()
		q := &roster.Queue{ID: s.newID(), OrgID: p.OrgID, Name: *in.Name, CreatedAt: now, UpdatedAt: now}
		if in.Description != nil {
			q.Description = *in.Description
		}
		if err := tx.CreateQueue(ctx, p.OrgID, q); err != nil {
			return nameTaken(err, "queue", q.Name)
		}
		out = q
		return s.audit(ctx, tx, p, "queue.created", "queue", q.ID, q.Name, nil, queueSnapshot(q))
	})
	return out, err
}

// UpdateQueue renames a queue or changes its description. Needs
// queues.manage.
func (s *Service) UpdateQueue(ctx context.Context, p *Principal, id string, in QueueInput) (*roster.Queue, error) {
	if err := p.Require(roster.PermQueuesManage); err != nil {
		return nil, err
	}
	if err := validateQueueInput(in, false); err != nil {
		return nil, err
	}
	var out *roster.Queue
	err := s.store.Tx(ctx, func(tx Tx) error {
		q, err := tx.Queue(ctx, p.OrgID, id)
		if err != nil {
			return err
		}
		before := queueSnapshot(q)
		if in.Name != nil {
			q.Name = *in.Name
		}
		if in.Description != nil {
			q.Description = *in.Description
		}
		q.UpdatedAt = s.clock()
		if err := tx.UpdateQueue(ctx, p.OrgID, q); err != nil {
			return nameTaken(err, "queue", q.Name)
		}
		out = q
		return s.audit(ctx, tx, p, "queue.updated", "queue", q.ID, q.Name, before, queueSnapshot(q))
	})
	return out, err
}

// DeleteQueue removes a queue and its assignments. Needs queues.manage.
func (s *Service) DeleteQueue(ctx context.Context, p *Principal, id string) error {
	if err := p.Require(roster.PermQueuesManage); err != nil {
		return err
	}
	return s.store.Tx(ctx, func(tx Tx) error {
		q, err := tx.Queue(ctx, p.OrgID, id)
		if err != nil {
			return err
		}
		members, err := tx.QueueMembers(ctx, p.OrgID, id)
		if err != nil {
			return err
		}
		if err := tx.DeleteQueue(ctx, p.OrgID, id); err != nil {
			return err
		}
		before := queueSnapshot(q)
		before["members"] = len(members)
		return s.audit(ctx, tx, p, "queue.deleted", "queue", q.ID, q.Name, before, nil)
	})
}

// QueueMembers returns a queue's agents. Needs users.read.
func (s *Service) QueueMembers(ctx context.Context, p *Principal, id string) ([]roster.QueueMember, error) {
	if err := p.Require(roster.PermUsersRead); err != nil {
		return nil, err
	}
	r := s.store.Read()
	if _, err := r.Queue(ctx, p.OrgID, id); err != nil {
		return nil, err
	}
	return r.QueueMembers(ctx, p.OrgID, id)
}

// SetQueueMember assigns a user to a queue with a penalty and priority, or
// changes them; it reports whether the user was added. Needs
// queues.manage. Prepared and invited users may be queued ahead of their
// first sign-in, so that a new agent is set up completely before they
// start; an inactive user is a Conflict: deactivation takes people out of
// queues and only reactivation followed by a new assignment puts them back.
func (s *Service) SetQueueMember(ctx context.Context, p *Principal, queueID, userID string, penalty, priority int) (bool, error) {
	if err := p.Require(roster.PermQueuesManage); err != nil {
		return false, err
	}
	var v roster.Validation
	if strings.TrimSpace(userID) == "" {
		v.Add("user_id", "is required")
	} else if !roster.ValidID(userID) {
		v.Add("user_id", "is not a user ID")
	}
	roster.ValidateQueueMember(penalty, priority, &v)
	if err := v.Err(); err != nil {
		return false, err
	}
	var added bool
	err := s.store.Tx(ctx, func(tx Tx) error {
		// The org lock orders this against a concurrent deactivation, which
		// must not leave the user queued.
		if err := tx.LockOrg(ctx, p.OrgID); err != nil {
			return err
		}
		q, err := tx.Queue(ctx, p.OrgID, queueID)
		if err != nil {
			return err
		}
		u, err := tx.User(ctx, p.OrgID, userID)
		if roster.ErrorKind(err) == roster.KindNotFound {
			return &roster.Error{Kind: roster.KindInvalid, Message: "unknown user",
				Fields: []roster.FieldError{{Field: "user_id", Message: "no user \"" + userID + "\" in this org"}}}
		} else if err != nil {
			return err
		}
		if err := queueable(u); err != nil {
			return err
		}
		if added, err = tx.SetQueueMember(ctx, p.OrgID, queueID, userID, penalty, priority, s.clock()); err != nil {
			return err
		}
		action := "queue.member_updated"
		if added {
			action = "queue.member_added"
		}
		return s.audit(ctx, tx, p, action, "queue", q.ID, q.Name, nil,
			map[string]any{"user_id": u.ID, "email": u.Email, "penalty": penalty, "priority": priority})
	})
	return added, err
}

// queueable refuses users who may not sit in a queue: the inactive, whom
// deactivation took out of every queue.
func queueable(u *roster.User) error {
	if u.Status == roster.StatusInactive {
		return roster.Errorf(roster.KindConflict, "%s is inactive; re-enable them before assigning them to queues", u.Email)
	}
	return nil
}

// RemoveQueueMember takes a user out of a queue. Needs queues.manage; a
// user not in the queue is NotFound.
func (s *Service) RemoveQueueMember(ctx context.Context, p *Principal, queueID, userID string) error {
	if err := p.Require(roster.PermQueuesManage); err != nil {
		return err
	}
	return s.store.Tx(ctx, func(tx Tx) error {
		q, err := tx.Queue(ctx, p.OrgID, queueID)
		if err != nil {
			return err
		}
		if err := tx.RemoveQueueMember(ctx, p.OrgID, queueID, userID); err != nil {
			return err
		}
		return s.audit(ctx, tx, p, "queue.member_removed", "queue", q.ID, q.Name, map[string]any{"user_id": userID}, nil)
	})
}

// ReportLimit bounds the rows of a report.
const ReportLimit = 1000

// UnqueuedAgents returns active users in no queue, optionally only those
// holding the role with key roleKey (seed 001: every agent should be in a
// queue). Needs users.read.
func (s *Service) UnqueuedAgents(ctx context.Context, p *Principal, roleKey string) ([]roster.User, error) {
	if err := p.Require(roster.PermUsersRead); err != nil {
		return nil, err
	}
	if roleKey != "" {
		if _, err := s.store.Read().RoleByKey(ctx, p.OrgID, roleKey); roster.ErrorKind(err) == roster.KindNotFound {
			return nil, &roster.Error{Kind: roster.KindInvalid, Message: "unknown role",
				Fields: []roster.FieldError{{Field: "role", Message: "no role \"" + roleKey + "\" in this org"}}}
		} else if err != nil {
			return nil, err
		}
	}
	return s.store.Read().ActiveUsersInNoQueue(ctx, p.OrgID, roleKey, ReportLimit)
}

// InactiveUsers returns active users who have not signed in for days days
// (30 when 0), oldest first: departed employees to review. Needs users.read.
func (s *Service) InactiveUsers(ctx context.Context, p *Principal, days int) ([]roster.User, error) {
	if err := p.Require(roster.PermUsersRead); err != nil {
		return nil, err
	}
	if days == 0 {
		days = 30
	}
	if days < 1 || days > 3650 {
		return nil, &roster.Error{Kind: roster.KindInvalid, Message: "the request has invalid fields",
			Fields: []roster.FieldError{{Field: "days", Message: "must be between 1 and 3650"}}}
	}
	return s.store.Read().UsersNotSeenSince(ctx, p.OrgID, s.clock().Add(-time.Duration(days)*24*time.Hour), ReportLimit)
}
