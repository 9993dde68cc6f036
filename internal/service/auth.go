package service

import (
	"context"
	"errors"
	"strings"
	"time"

	"roster/internal/mail"
	"roster/internal/roster"
)

// LoginInput is a sign-in attempt.
type LoginInput struct {
	Email, Password string
	// Org is the org's slug, needed only when the email belongs to users
	// of several orgs.
	Org string
	IP  string
}

var errBadLogin = roster.Errorf(roster.KindUnauthenticated, "the email or password is incorrect")

// Login checks an email and password and opens a session, returning its
// token. Wrong credentials are Unauthenticated with one message whether or
// not the email exists; too many failures RateLimited; a deactivated
// account Unauthenticated with that reason (only once the password is
// right, so it reveals nothing to a guesser).
func (s *Service) Login(ctx context.Context, in LoginInput) (string, *roster.User, error) {
	email, err := roster.NormalizeEmail(in.Email)
	if err != nil {
		return "", nil, errBadLogin
	}
	now := s.clock()
	r := s.store.Read()
	fails, err := r.CountLoginFailures(ctx, email, now.Add(-s.cfg.LoginFailureWindow))
	if err != nil {
		return "", nil, err
	}
	if fails >= s.cfg.LoginFailureLimit {
		return "", nil, roster.Errorf(roster.KindRateLimited, "too many failed attempts; try again in %d minutes or reset your password",
			int(s.cfg.LoginFailureWindow/time.Minute))
	}
	users, err := r.UsersWithEmailAnyOrg(ctx, email)
	if err != nil {
		return "", nil, err
	}
	var matches []roster.User
	checked := false
	for _, u := range users {
		if u.PasswordHash == "" || (u.Status != roster.StatusActive && u.Status != roster.StatusInactive) {
			continue
		}
		if in.Org != "" {
			org, err := r.Org(ctx, u.OrgID)
			if err != nil || org.Slug != strings.ToLower(in.Org) {
				continue
			}
		}
		checked = true
		ok, err := s.hasher.verify(in.Password, u.PasswordHash)
		if err != nil {
			s.log.Error("password hash unreadable", "user_id", u.ID, "err", err)
			continue
		}
		if ok {
			matches = append(matches, u)
		}
	}
	if !checked {
		_, _ = s.hasher.verify(in.Password, "") // same time as a real check
	}
	switch {
	case len(matches) == 0:
		if err := s.store.Tx(ctx, func(tx Tx) error { return tx.RecordLoginFailure(ctx, email, now) }); err != nil {
			return "", nil, err
		}
		return "", nil, errBadLogin
	case len(matches) > 1:
		return "", nil, &roster.Error{Kind: roster.KindInvalid, Message: "this email belongs to several organisations",
			Fields: []roster.FieldError{{Field: "org", Message: "give the organisation to sign in to"}}}
	}
	u := matches[0]
	if u.Status == roster.StatusInactive {
		return "", nil, roster.Errorf(roster.KindUnauthenticated, "this account has been deactivated; ask your admin to re-enable it")
	}
	token, hash, err := s.newToken(prefixSession)
	if err != nil {
		return "", nil, err
	}
	err = s.store.Tx(ctx, func(tx Tx) error {
		// Take the org lock first, as every admin write does: the same
		// order everywhere is what keeps PostgreSQL from deadlocking a
		// sign-in against an edit of the same user, and under the lock the
		// status read here cannot be changed by a deactivation in flight.
		if err := tx.LockOrg(ctx, u.OrgID); err != nil {
			return err
		}
		cur, err := tx.User(ctx, u.OrgID, u.ID)
		if err != nil {
			return err
		}
		if cur.Status != roster.StatusActive {
			return errBadLogin
		}
		// Write only the sign-in time, never the whole row read above, so
		// that no concurrent change to the user is undone.
		cur.LastLoginAt = &now
		if err := tx.SetLastLogin(ctx, u.OrgID, u.ID, now); err != nil {
			return err
		}
		sid := s.newID()
		if err := tx.CreateSession(ctx, u.OrgID, sid, u.ID, hash, in.IP, now, now.Add(s.cfg.SessionTTL)); err != nil {
			return err
		}
		if err := tx.ClearLoginFailures(ctx, email); err != nil {
			return err
		}
		u = *cur
		self := &Principal{OrgID: u.OrgID, UserID: u.ID, Email: u.Email, IP: in.IP}
		return s.audit(ctx, tx, self, "user.login", "user", u.ID, u.Email, nil, map[string]string{"session_id": sid})
	})
	if err != nil {
		return "", nil, err
	}
	return token, &u, nil
}

// SessionTTL is how long an idle session lasts.
func (s *Service) SessionTTL() time.Duration { return s.cfg.SessionTTL }

// Logout ends the principal's session (API tokens are not sessions).
func (s *Service) Logout(ctx context.Context, p *Principal) error {
	if p == nil || p.SessionID == "" {
		return nil
	}
	return s.store.Tx(ctx, func(tx Tx) error {
		if err := tx.DeleteSession(ctx, p.OrgID, p.SessionID); err != nil {
			return err
		}
		return s.audit(ctx, tx, p, "user.logout", "user", p.UserID, p.Email, nil, nil)
	})
}

// touchEvery limits how often a session or token's last use is written.
const touchEvery = time.Minute

// Authenticate resolves a session or API token to a principal with the
// user's permissions as they are now (role changes apply at the next
// request). Unknown, expired or revoked tokens, and users who are no longer
// active, are Unauthenticated.
func (s *Service) Authenticate(ctx context.Context, token, ip string) (*Principal, error) {
	bad := roster.Errorf(roster.KindUnauthenticated, "the session or token is invalid or has expired; sign in again")
	session := strings.HasPrefix(token, prefixSession)
	if !session && !strings.HasPrefix(token, prefixAPI) {
		return nil, bad
	}
	key := tokenKey(token)
	now := s.clock()
	valid := func(cr *roster.Credential) bool {
		return (!session || now.Before(cr.ExpiresAt)) && cr.Status == roster.StatusActive
	}
	gen := s.creds.generation()
	cr, ok := s.creds.get(key, now)
	if !ok || !valid(cr) {
		// A remembered session past its end may have been extended since:
		// only the database can refuse.
		var err error
		if cr, err = s.store.Read().Credential(ctx, session, key[:]); errors.Is(err, roster.ErrNotFound) {
			return nil, bad
		} else if err != nil {
			return nil, err
		}
		if !valid(cr) {
			return nil, bad
		}
		s.creds.put(key, cr, gen, now)
	}
	p := &Principal{IP: ip, OrgID: cr.OrgID, UserID: cr.UserID, Email: cr.Email,
		Permissions: roster.Effective(cr.RolePermissions, cr.DirectPermissions)}
	if session {
		p.SessionID = cr.ID
	}
	if cr.LastUsedAt == nil || now.Sub(*cr.LastUsedAt) > touchEvery {
		s.touch(ctx, key, cr, gen, now)
	}
	return p, nil
}

// touch records that the credential cr was used at now (and extends a
// session), then remembers cr as used, under the generation gen that cr
// was read in, so that the next requests do not record it again.
func (s *Service) touch(ctx context.Context, key [32]byte, cr *roster.Credential, gen uint64, now time.Time) {
	used := *cr
	used.LastUsedAt = &now
	err := s.keepCreds.Tx(ctx, func(tx Tx) error {
		if cr.Session {
			used.ExpiresAt = now.Add(s.cfg.SessionTTL)
			return tx.TouchSession(ctx, cr.OrgID, cr.ID, now, used.ExpiresAt)
		}
		return tx.TouchAPIToken(ctx, cr.OrgID, cr.ID, now)
	})
	if err != nil {
		s.log.Warn("could not record session activity", "err", err)
		return
	}
	s.creds.put(key, &used, gen, now)
}

// ForgotPassword emails a reset link to every active user with this email
// (one per org). It answers the same whether or not any exists, so callers
// learn nothing about who has an account; only a malformed email is Invalid.
func (s *Service) ForgotPassword(ctx context.Context, email, ip string) error {
	email, err := roster.NormalizeEmail(email)
	if err != nil {
		return &roster.Error{Kind: roster.KindInvalid, Message: "invalid email",
			Fields: []roster.FieldError{{Field: "email", Message: err.Error()}}}
	}
	users, err := s.store.Read().UsersWithEmailAnyOrg(ctx, email)
	if err != nil {
		return err
	}
	for _, u := range users {
		if u.Status != roster.StatusActive {
			continue
		}
		self := &Principal{OrgID: u.OrgID, UserID: u.ID, Email: u.Email, IP: ip}
		if err := s.sendReset(ctx, self, u.ID, false); err != nil {
			return err
		}
	}
	return nil
}

// AdminPasswordReset emails a reset link to an active user of the org.
// Needs users.manage.
func (s *Service) AdminPasswordReset(ctx context.Context, p *Principal, userID string) error {
	if err := p.Require(roster.PermUsersManage); err != nil {
		return err
	}
	return s.sendReset(ctx, p, userID, true)
}

func (s *Service) sendReset(ctx context.Context, p *Principal, userID string, byAdmin bool) error {
	token, hash, err := s.newToken(prefixReset)
	if err != nil {
		return err
	}
	return s.store.Tx(ctx, func(tx Tx) error {
		u, err := tx.User(ctx, p.OrgID, userID)
		if err != nil {
			return err
		}
		if u.Status != roster.StatusActive {
			return roster.Errorf(roster.KindConflict, "%s is %s; only active users can reset a password", u.Email, u.Status)
		}
		org, err := tx.Org(ctx, p.OrgID)
		if err != nil {
			return err
		}
		now := s.clock()
		expires := now.Add(s.cfg.ResetTTL)
		if err := tx.CreatePasswordReset(ctx, p.OrgID, s.newID(), u.ID, hash, now, expires); err != nil {
			return err
		}
		link := s.link("/password/reset", token)
		msg, err := mail.PasswordReset(org.Name, u.FirstName, link, expires, byAdmin)
		if err != nil {
			return err
		}
		if err := s.enqueue(ctx, tx, p.OrgID, u.Email, msg, link); err != nil {
			return err
		}
		return s.audit(ctx, tx, p, "user.password_reset_requested", "user", u.ID, u.Email, nil, map[string]any{"by_admin": byAdmin})
	})
}

// ResetPassword sets a new password with a reset link and signs the user
// out everywhere. An unknown, used or expired link is Gone; a weak
// password Invalid.
func (s *Service) ResetPassword(ctx context.Context, token, password, ip string) error {
	gone := roster.Errorf(roster.KindGone, "this password reset link is not valid or has expired; ask for a new one")
	reset, err := s.store.Read().PasswordResetByHash(ctx, hashToken(token))
	if errors.Is(err, roster.ErrNotFound) {
		return gone
	} else if err != nil {
		return err
	}
	if reset.UsedAt != nil {
		return roster.Errorf(roster.KindGone, "this password reset link has already been used; ask for a new one")
	}
	if !s.clock().Before(reset.ExpiresAt) {
		return gone
	}
	u, err := s.store.Read().User(ctx, reset.OrgID, reset.UserID)
	if err != nil {
		return err
	}
	var v roster.Validation
	v.Check("password", roster.ValidatePassword(password, u.Email))
	if err := v.Err(); err != nil {
		return err
	}
	hash, err := s.hasher.hash(password)
	if err != nil {
		return err
	}
	return s.store.Tx(ctx, func(tx Tx) error {
		// The org lock orders this write after any admin change of the
		// user in flight (a deactivation must not be written back over).
		if err := tx.LockOrg(ctx, reset.OrgID); err != nil {
			return err
		}
		if err := tx.UsePasswordReset(ctx, reset.OrgID, reset.ID, s.clock()); err != nil {
			return err
		}
		u, err := tx.User(ctx, reset.OrgID, reset.UserID)
		if err != nil {
			return err
		}
		if u.Status != roster.StatusActive {
			return gone
		}
		u.PasswordHash, u.UpdatedAt = hash, s.clock()
		if err := tx.UpdateUser(ctx, u.OrgID, u); err != nil {
			return err
		}
		// A reset means the old password may be known to someone else:
		// end every session.
		if err := tx.DeleteOtherSessions(ctx, u.OrgID, u.ID, ""); err != nil {
			return err
		}
		self := &Principal{OrgID: u.OrgID, UserID: u.ID, Email: u.Email, IP: ip}
		return s.audit(ctx, tx, self, "user.password_changed", "user", u.ID, u.Email, nil, nil)
	})
}
