package service

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"roster/internal/mail"
	"roster/internal/roster"
)

// MaxInvitesPerRequest bounds one bulk invitation.
const MaxInvitesPerRequest = 1000

// InviteInput is one (bulk) invitation request.
type InviteInput struct {
	Emails      []string
	Role        string // role key; default agent
	LicenseType string // optional
	Integration string // the CRM integration the invitees first sign in with
	// Send invites at once; false saves prepared users to invite later.
	Send bool
}

// inviteTTL is the org's invitation lifetime, or the server default.
func (s *Service) inviteTTL(o *roster.Org) time.Duration {
	if o.InviteTTL > 0 {
		return o.InviteTTL
	}
	return s.cfg.InviteTTL
}

// Invite creates one user per email: invited (with an emailed, single-use
// link) when in.Send, else prepared. Needs invites.send. Bad or duplicate
// emails are Invalid with one field error per address; more invitees than
// free seats, or past the trial allowance, is LimitReached with
// "available" in Extra. Nothing is created unless everything is.
func (s *Service) Invite(ctx context.Context, p *Principal, in InviteInput) ([]roster.User, error) {
	if err := p.Require(roster.PermInvitesSend); err != nil {
		return nil, err
	}
	var v roster.Validation
	emails := make([]string, 0, len(in.Emails))
	seen := map[string]int{}
	if len(in.Emails) == 0 {
		v.Add("emails", "give at least one email address")
	}
	if len(in.Emails) > MaxInvitesPerRequest {
		v.Add("emails", "at most %d addresses per request", MaxInvitesPerRequest)
	}
	for i, raw := range in.Emails {
		field := fmt.Sprintf("emails[%d]", i)
		e, err := roster.NormalizeEmail(raw)
		if err != nil {
			v.Add(field, "%q %s", strings.TrimSpace(raw), err)
			continue
		}
		if j, dup := seen[e]; dup {
			v.Add(field, "%s is listed twice (also emails[%d])", e, j)
			continue
		}
		seen[e] = i
		emails = append(emails, e)
	}
	if in.Role == "" {
		in.Role = roster.RoleAgent
	}
	in.Integration = strings.TrimSpace(in.Integration)
	v.Check("integration", roster.ValidateName(in.Integration))
	if !in.Send {
		created, err := s.prepareUsers(ctx, p, in, emails, seen, &v)
		if !errors.Is(err, errNeedsTx) {
			return created, s.explainTaken(ctx, err, p.OrgID, emails, seen, &v)
		}
	}
	var created []roster.User
	// Only new users, their invitations, emails and audit entries are
	// written: no credential in use changes (see keepCreds).
	err := s.keepCreds.Tx(ctx, func(tx Tx) error {
		// Sent invitations take seats and count against the trial
		// allowance, so senders take turns; prepared users take neither
		// and are created side by side (a duplicate email still fails on
		// the unique index).
		var org *roster.Org
		if in.Send {
			if err := tx.LockOrg(ctx, p.OrgID); err != nil {
				return err
			}
			var err error
			if org, err = tx.Org(ctx, p.OrgID); err != nil {
				return err
			}
		}
		refs, err := s.inviteRefs(ctx, tx, p.OrgID, &in, emails, seen, &v)
		if err != nil {
			return err
		}
		if in.Send {
			if err := s.checkInviteLimits(org, refs.pool, len(emails)); err != nil {
				return err
			}
		}
		// Everything is written in a few multi-row statements: a bulk
		// invitation of a thousand would otherwise be thousands.
		created = s.newInvitees(p, refs.role, in, emails)
		if err := tx.InsertUsers(ctx, p.OrgID, created); roster.ErrorKind(err) == roster.KindConflict {
			return errEmailTaken
		} else if err != nil {
			return err
		}
		var batch invitationBatch
		for i := range created {
			u := &created[i]
			if in.Send {
				if err := s.addInvitation(&batch, p, org, u, in.Integration); err != nil {
					return err
				}
			} else {
				batch.events = append(batch.events, s.preparedEvent(p, u))
			}
		}
		if err := batch.write(ctx, tx, p.OrgID); err != nil {
			return err
		}
		// One pass for all invitees: they share the role and its teams.
		ids := make([]string, len(created))
		for i := range created {
			ids[i] = created[i].ID
		}
		if err := s.joinTeams(ctx, tx, p, p.OrgID, ids, refs.role, refs.teamIDs); err != nil {
			return err
		}
		if in.Send {
			return tx.AddInvitationsSent(ctx, p.OrgID, len(emails))
		}
		return nil
	})
	if err != nil {
		return nil, s.explainTaken(ctx, err, p.OrgID, emails, seen, &v)
	}
	return created, nil
}

// inviteRefs is what an invitation refers to: the role, the teams it
// joins its holders to, and the license pool (nil without a license type).
type inviteRefs struct {
	role    *roster.Role
	teamIDs []string
	pool    *roster.LicensePool
}

// inviteRefs reads the role, license pool and integration that in names,
// adding a field error to v for each that the org lacks; in.Integration
// becomes the integration's name. When the request is refused, or when
// in.Send, emails already in the org are looked for too, so that a request
// is refused for all its faults at once, and before sent invitations'
// limits, which a taken email would be wrongly counted against. Otherwise
// the unique index finds them as the users are written: one round trip
// fewer for each prepared user created. It returns v's error, if any.
func (s *Service) inviteRefs(ctx context.Context, tx Tx, orgID string, in *InviteInput, emails []string, seen map[string]int, v *roster.Validation) (inviteRefs, error) {
	var refs inviteRefs
	var err error
	refs.role, refs.teamIDs, err = tx.RoleByKeyWithTeams(ctx, orgID, in.Role)
	if errors.Is(err, roster.ErrNotFound) {
		v.Add("role", "no role %q in this org", in.Role)
	} else if err != nil {
		return refs, err
	}
	if in.LicenseType != "" {
		refs.pool, err = tx.LicensePool(ctx, orgID, in.LicenseType)
		if errors.Is(err, roster.ErrNotFound) {
			v.Add("license_type", "no license type %q in this org", in.LicenseType)
		} else if err != nil {
			return refs, err
		}
	}
	if in.Integration, err = s.resolveIntegration(ctx, tx, orgID, in.Integration, v); err != nil {
		return refs, err
	}
	if v.Err() != nil || in.Send {
		if err := s.reportExistingEmails(ctx, tx, orgID, emails, seen, v); err != nil {
			return refs, err
		}
	}
	return refs, v.Err()
}

// errNeedsTx sends prepareUsers' request to the transaction of Invite.
var errNeedsTx = errors.New("service: the invitees join teams")

// prepareUsers creates prepared users whose role joins them to no team,
// the common case, without a transaction: the users and their audit
// events are one atomic write (Store.CreateUsers), which looks the role
// up itself. On PostgreSQL a user is one round trip where a transaction
// took five. Nothing needs holding until the write: prepared users take
// no seat and count against no allowance. A license type or integration
// the request names, and a request already refused for other faults, are
// read and checked first (inviteRefs), so that every fault is reported
// at once. A role that is missing or joins teams is errNeedsTx: Invite's
// transaction then says which the role lacks, or writes the invitees'
// memberships, audited per team, with them.
func (s *Service) prepareUsers(ctx context.Context, p *Principal, in InviteInput, emails []string, seen map[string]int, v *roster.Validation) ([]roster.User, error) {
	if in.LicenseType != "" || in.Integration != "" || v.Err() != nil {
		refs, err := s.inviteRefs(ctx, s.store.Read(), p.OrgID, &in, emails, seen, v)
		if err != nil {
			return nil, err
		}
		if len(refs.teamIDs) > 0 {
			return nil, errNeedsTx
		}
	}
	created := s.newInvitees(p, &roster.Role{Key: in.Role}, in, emails)
	events := make([]roster.AuditEvent, len(created))
	for i := range created {
		events[i] = s.preparedEvent(p, &created[i])
	}
	err := s.keepCreds.CreateUsers(ctx, p.OrgID, in.Role, created, events)
	switch roster.ErrorKind(err) {
	case roster.KindNotFound:
		return nil, errNeedsTx
	case roster.KindConflict:
		return nil, errEmailTaken
	}
	if err != nil {
		return nil, err
	}
	return created, nil
}

// newInvitees returns a new user of role for each of emails: invited when
// in.Send, else prepared. role's ID may be empty, for the write to fill in
// (prepareUsers).
func (s *Service) newInvitees(p *Principal, role *roster.Role, in InviteInput, emails []string) []roster.User {
	now := s.clock()
	status := roster.StatusPrepared
	if in.Send {
		status = roster.StatusInvited
	}
	users := make([]roster.User, len(emails))
	for i, e := range emails {
		users[i] = roster.User{ID: s.newID(), OrgID: p.OrgID, Email: e, Status: status, RoleID: role.ID,
			Role: role.Key, LicenseType: in.LicenseType, CreatedAt: now, UpdatedAt: now}
	}
	return users
}

// preparedEvent is the audit event of creating prepared user u.
func (s *Service) preparedEvent(p *Principal, u *roster.User) roster.AuditEvent {
	return s.auditEvent(p, "user.prepared", "user", u.ID, u.Email, nil, userSnapshot(u))
}

// explainTaken turns errEmailTaken into a field error for each email
// that is already a user of the org; other errors pass unchanged.
func (s *Service) explainTaken(ctx context.Context, err error, orgID string, emails []string, seen map[string]int, v *roster.Validation) error {
	if !errors.Is(err, errEmailTaken) {
		return err
	}
	// The write is over (on PostgreSQL a failed insert ends its
	// transaction): name the addresses from what is committed now.
	if rerr := s.reportExistingEmails(ctx, s.store.Read(), orgID, emails, seen, v); rerr != nil {
		return rerr
	}
	if err = v.Err(); err == nil {
		// The other user left between the insert and the look-up.
		err = &roster.Error{Kind: roster.KindConflict, Message: "an invitee's email was taken by another request; try again"}
	}
	return err
}

// errEmailTaken ends an invitation's transaction whose insert met an
// email already in the org.
var errEmailTaken = errors.New("service: an invitee's email is taken")

// emailReader is what reportExistingEmails reads, in a transaction or not.
type emailReader interface {
	UsersByEmails(ctx context.Context, orgID string, emails []string) ([]roster.User, error)
}

// reportExistingEmails adds a field error to v for each of emails already
// in the org; seen maps each to its index in the request.
func (s *Service) reportExistingEmails(ctx context.Context, r emailReader, orgID string, emails []string, seen map[string]int, v *roster.Validation) error {
	existing, err := r.UsersByEmails(ctx, orgID, emails)
	if err != nil {
		return err
	}
	for _, u := range existing {
		v.Add(fmt.Sprintf("emails[%d]", seen[u.Email]), "%s is already a user of this org (%s)", u.Email, u.Status)
	}
	return nil
}

// checkInviteLimits refuses n new invitations that would oversell pool or
// pass the trial allowance. Call it under the org lock.
func (s *Service) checkInviteLimits(org *roster.Org, pool *roster.LicensePool, n int) error {
	if org.Plan == roster.PlanTrial && org.InvitationsSent+n > roster.TrialInvitationLimit {
		left := max(roster.TrialInvitationLimit-org.InvitationsSent, 0)
		return &roster.Error{Kind: roster.KindLimitReached,
			Message: fmt.Sprintf("trial organisations may send %d invitations in all, cancelled ones included; %d left, %d requested",
				roster.TrialInvitationLimit, left, n),
			Extra: map[string]any{"remaining_invitations": left, "requested": n}}
	}
	if pool != nil && pool.Available < n {
		return seatsError(pool, n)
	}
	return nil
}

func seatsError(pool *roster.LicensePool, n int) error {
	return &roster.Error{Kind: roster.KindLimitReached,
		Message: fmt.Sprintf("not enough %s licenses: %d available, %d requested; contact your account manager to add licenses",
			pool.Name, pool.Available, n),
		Extra: map[string]any{"license_type": pool.Type, "available": pool.Available, "requested": n}}
}

// issueInvitation creates a pending invitation for u, queues its email and
// audits it, all in tx.
func (s *Service) issueInvitation(ctx context.Context, tx Tx, p *Principal, org *roster.Org, u *roster.User, integration string) error {
	var b invitationBatch
	if err := s.addInvitation(&b, p, org, u, integration); err != nil {
		return err
	}
	return b.write(ctx, tx, p.OrgID)
}

// invitationBatch holds what issuing invitations writes (the invitations,
// their emails and audit events), so that many are written in a few
// multi-row statements rather than three statements each.
type invitationBatch struct {
	invitations []roster.Invitation
	emails      []roster.Email
	events      []roster.AuditEvent
}

// addInvitation adds a pending invitation for u, its email and its audit
// event to b.
func (s *Service) addInvitation(b *invitationBatch, p *Principal, org *roster.Org, u *roster.User, integration string) error {
	token, hash, err := s.newToken(prefixInvite)
	if err != nil {
		return err
	}
	now := s.clock()
	inv := roster.Invitation{ID: s.newID(), UserID: u.ID, Email: u.Email, Role: u.Role, LicenseType: u.LicenseType,
		Integration: integration, InviterID: p.UserID, Status: roster.InvitePending, CreatedAt: now,
		ExpiresAt: now.Add(s.inviteTTL(org)), TokenHash: hash}
	link := s.link("/invite/accept", token)
	inviter := p.Label()
	if p.Operator {
		inviter = "Your administrator"
	}
	msg, err := mail.Invitation(org.Name, inviter, integration, link, inv.ExpiresAt)
	if err != nil {
		return err
	}
	b.invitations = append(b.invitations, inv)
	b.emails = append(b.emails, roster.Email{ID: s.newID(), To: u.Email, Subject: msg.Subject, Text: msg.Text,
		HTML: msg.HTML, Link: link, CreatedAt: now})
	b.events = append(b.events, s.auditEvent(p, "user.invited", "user", u.ID, u.Email, nil,
		map[string]any{"user": userSnapshot(u), "invitation_id": inv.ID, "expires_at": inv.ExpiresAt, "integration": integration}))
	return nil
}

// write inserts the batch in tx.
func (b *invitationBatch) write(ctx context.Context, tx Tx, orgID string) error {
	if err := tx.InsertInvitations(ctx, orgID, b.invitations); err != nil {
		return err
	}
	if err := tx.EnqueueEmails(ctx, orgID, b.emails); err != nil {
		return err
	}
	return tx.InsertAuditEvents(ctx, orgID, b.events)
}

// enqueue writes an email to the outbox in tx.
func (s *Service) enqueue(ctx context.Context, tx Tx, orgID, to string, m mail.Message, link string) error {
	return tx.EnqueueEmail(ctx, orgID, &roster.Email{ID: s.newID(), To: to, Subject: m.Subject, Text: m.Text,
		HTML: m.HTML, Link: link, CreatedAt: s.clock()})
}

// SendInvites invites prepared users (seed 003's "Send invitations"). All
// or nothing: a user who is not prepared is a Conflict, too few seats
// LimitReached.
func (s *Service) SendInvites(ctx context.Context, p *Principal, userIDs []string, integration string) ([]roster.User, error) {
	if err := p.Require(roster.PermInvitesSend); err != nil {
		return nil, err
	}
	integration = strings.TrimSpace(integration)
	var check roster.Validation
	check.Check("integration", roster.ValidateName(integration))
	// One person listed twice would get two live links and be counted
	// twice against seats and a trial's allowance.
	seen := make(map[string]bool, len(userIDs))
	for i, id := range userIDs {
		if seen[id] {
			check.Add(fmt.Sprintf("user_ids[%d]", i), "lists a user already listed")
		}
		seen[id] = true
	}
	if err := check.Err(); err != nil {
		return nil, err
	}
	var out []roster.User
	err := s.store.Tx(ctx, func(tx Tx) error {
		if err := tx.LockOrg(ctx, p.OrgID); err != nil {
			return err
		}
		org, err := tx.Org(ctx, p.OrgID)
		if err != nil {
			return err
		}
		var v roster.Validation
		if integration, err = s.resolveIntegration(ctx, tx, p.OrgID, integration, &v); err != nil {
			return err
		}
		if err := v.Err(); err != nil {
			return err
		}
		need := map[string]int{}
		users := make([]*roster.User, 0, len(userIDs))
		for _, id := range userIDs {
			u, err := tx.User(ctx, p.OrgID, id)
			if err != nil {
				return err
			}
			if u.Status != roster.StatusPrepared {
				return roster.Errorf(roster.KindConflict, "%s is %s, not prepared", u.Email, u.Status)
			}
			need[u.LicenseType]++
			users = append(users, u)
		}
		if err := s.checkInviteLimits(org, nil, len(users)); err != nil {
			return err
		}
		for typ, n := range need {
			if typ == "" {
				continue
			}
			pool, err := tx.LicensePool(ctx, p.OrgID, typ)
			if err != nil {
				return err
			}
			if pool.Available < n {
				return seatsError(pool, n)
			}
		}
		var batch invitationBatch
		for _, u := range users {
			u.Status, u.UpdatedAt = roster.StatusInvited, s.clock()
			if err := tx.UpdateUser(ctx, p.OrgID, u); err != nil {
				return err
			}
			if err := s.addInvitation(&batch, p, org, u, integration); err != nil {
				return err
			}
			out = append(out, *u)
		}
		if err := batch.write(ctx, tx, p.OrgID); err != nil {
			return err
		}
		return tx.AddInvitationsSent(ctx, p.OrgID, len(users))
	})
	return out, err
}

// Invitations lists the org's pending invitations with when each expires.
// Needs users.read.
func (s *Service) Invitations(ctx context.Context, p *Principal) ([]roster.Invitation, error) {
	if err := p.Require(roster.PermUsersRead); err != nil {
		return nil, err
	}
	return s.store.Read().PendingInvitations(ctx, p.OrgID)
}

// pendingInvitation loads an invitation of the org that is still pending.
func pendingInvitation(ctx context.Context, tx Tx, orgID, id string) (*roster.Invitation, error) {
	inv, err := tx.Invitation(ctx, orgID, id)
	if err != nil {
		return nil, err
	}
	if inv.Status != roster.InvitePending {
		return nil, roster.Errorf(roster.KindConflict, "the invitation is %s", inv.Status)
	}
	return inv, nil
}

// ResendInvitation issues a fresh token and expiry for a pending
// invitation, even an expired one, and voids the old link. Needs
// invites.send. Resends do not count against the trial allowance: they
// invite nobody new.
func (s *Service) ResendInvitation(ctx context.Context, p *Principal, invitationID string) (*roster.Invitation, error) {
	if err := p.Require(roster.PermInvitesSend); err != nil {
		return nil, err
	}
	var out *roster.Invitation
	err := s.store.Tx(ctx, func(tx Tx) error {
		if err := tx.LockOrg(ctx, p.OrgID); err != nil {
			return err
		}
		old, err := pendingInvitation(ctx, tx, p.OrgID, invitationID)
		if err != nil {
			return err
		}
		org, err := tx.Org(ctx, p.OrgID)
		if err != nil {
			return err
		}
		u, err := tx.User(ctx, p.OrgID, old.UserID)
		if err != nil {
			return err
		}
		if err := tx.SetInvitationStatus(ctx, p.OrgID, old.ID, roster.InvitePending, roster.InviteReplaced); err != nil {
			return err
		}
		if err := s.issueInvitation(ctx, tx, p, org, u, old.Integration); err != nil {
			return err
		}
		if out, err = tx.PendingInvitationForUser(ctx, p.OrgID, u.ID); err != nil {
			return err
		}
		return s.audit(ctx, tx, p, "invitation.resent", "user", u.ID, u.Email,
			map[string]any{"invitation_id": old.ID, "expires_at": old.ExpiresAt},
			map[string]any{"invitation_id": out.ID, "expires_at": out.ExpiresAt})
	})
	return out, err
}

// CancelInvitation cancels a pending invitation: the invited user is
// removed and their seat freed. It still counts against a trial's
// allowance. Needs invites.send.
func (s *Service) CancelInvitation(ctx context.Context, p *Principal, invitationID string) error {
	if err := p.Require(roster.PermInvitesSend); err != nil {
		return err
	}
	return s.store.Tx(ctx, func(tx Tx) error {
		if err := tx.LockOrg(ctx, p.OrgID); err != nil {
			return err
		}
		inv, err := pendingInvitation(ctx, tx, p.OrgID, invitationID)
		if err != nil {
			return err
		}
		return s.cancelInvitation(ctx, tx, p, inv)
	})
}

func (s *Service) cancelInvitation(ctx context.Context, tx Tx, p *Principal, inv *roster.Invitation) error {
	if err := tx.SetInvitationStatus(ctx, p.OrgID, inv.ID, roster.InvitePending, roster.InviteCancelled); err != nil {
		return err
	}
	u, err := tx.User(ctx, p.OrgID, inv.UserID)
	if err != nil {
		return err
	}
	if err := tx.DeleteUser(ctx, p.OrgID, u.ID); err != nil {
		return err
	}
	return s.audit(ctx, tx, p, "invitation.cancelled", "user", u.ID, u.Email,
		map[string]any{"user": userSnapshot(u), "invitation_id": inv.ID}, nil)
}

// AcceptInput completes an invitation.
type AcceptInput struct {
	Token, FirstName, LastName, Password string
	IP                                   string
}

// AcceptInvitation activates the invited user with their name and
// password. An unknown, expired, cancelled, replaced or used token is Gone;
// bad names or password Invalid.
func (s *Service) AcceptInvitation(ctx context.Context, in AcceptInput) (*roster.User, error) {
	inv, err := s.store.Read().InvitationByTokenHash(ctx, hashToken(in.Token))
	if err != nil {
		if errors.Is(err, roster.ErrNotFound) {
			return nil, roster.Errorf(roster.KindGone, "this invitation link is not valid; ask your admin to send a new invitation")
		}
		return nil, err
	}
	if err := invitationUsable(inv, s.clock()); err != nil {
		return nil, err
	}
	in.FirstName, in.LastName = strings.TrimSpace(in.FirstName), strings.TrimSpace(in.LastName)
	var v roster.Validation
	if in.FirstName == "" {
		v.Add("first_name", "is required")
	}
	if in.LastName == "" {
		v.Add("last_name", "is required")
	}
	v.Check("first_name", roster.ValidateName(in.FirstName))
	v.Check("last_name", roster.ValidateName(in.LastName))
	v.Check("password", roster.ValidatePassword(in.Password, inv.Email))
	if err := v.Err(); err != nil {
		return nil, err
	}
	hash, err := s.hasher.hash(in.Password)
	if err != nil {
		return nil, err
	}
	var out *roster.User
	err = s.store.Tx(ctx, func(tx Tx) error {
		// Read again under the org lock: of two concurrent accepts only
		// the first finds the invitation pending, and the second is told
		// the link is used (410), not that something conflicted.
		if err := tx.LockOrg(ctx, inv.OrgID); err != nil {
			return err
		}
		inv, err := tx.Invitation(ctx, inv.OrgID, inv.ID)
		if err != nil {
			return err
		}
		if err := invitationUsable(inv, s.clock()); err != nil {
			return err
		}
		u, err := tx.User(ctx, inv.OrgID, inv.UserID)
		if err != nil {
			return err
		}
		before := userSnapshot(u)
		u.Status, u.FirstName, u.LastName, u.PasswordHash, u.UpdatedAt = roster.StatusActive, in.FirstName, in.LastName, hash, s.clock()
		if err := tx.UpdateUser(ctx, inv.OrgID, u); err != nil {
			return err
		}
		if err := tx.SetInvitationStatus(ctx, inv.OrgID, inv.ID, roster.InvitePending, roster.InviteAccepted); err != nil {
			return err
		}
		out = u
		self := &Principal{OrgID: inv.OrgID, UserID: u.ID, Email: u.Email, IP: in.IP}
		if err := s.linkInvitedIntegration(ctx, tx, self, inv.Integration); err != nil {
			return err
		}
		return s.audit(ctx, tx, self, "user.activated", "user", u.ID, u.Email, before, userSnapshot(u))
	})
	return out, err
}

// invitationUsable returns Gone, with the reason, unless inv can be accepted.
func invitationUsable(inv *roster.Invitation, now time.Time) error {
	switch inv.Status {
	case roster.InvitePending:
		if inv.Expired(now) {
			return roster.Errorf(roster.KindGone, "this invitation expired on %s; ask your admin to resend it", inv.ExpiresAt.Format(time.RFC1123))
		}
		return nil
	case roster.InviteAccepted:
		return roster.Errorf(roster.KindGone, "this invitation has already been used; sign in or reset your password")
	case roster.InviteCancelled:
		return roster.Errorf(roster.KindGone, "this invitation was cancelled; ask your admin to invite you again")
	default:
		return roster.Errorf(roster.KindGone, "a newer invitation replaced this one; use the link in the latest email")
	}
}
