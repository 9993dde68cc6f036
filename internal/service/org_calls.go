package service

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"roster/internal/roster"
)

// IngestCallEvents stores a batch of call events from the telephony side.
// Events whose ID the org already has are skipped, so a retried batch
// changes nothing. Needs telephony.manage. Bad events make the whole batch
// Invalid; on a trial org, dials beyond the allowance make it LimitReached.
func (s *Service) IngestCallEvents(ctx context.Context, p *Principal, events []roster.CallEvent) (*roster.CallIngest, error) {
	if err := p.Require(roster.PermTelephonyManage); err != nil {
		return nil, err
	}
	var v roster.Validation
	switch {
	case len(events) == 0:
		v.Add("events", "must hold at least one event")
	case len(events) > roster.MaxCallEventBatch:
		v.Add("events", "must hold at most %d events", roster.MaxCallEventBatch)
	}
	now := s.clock()
	for i := range events {
		roster.ValidateCallEvent(i, &events[i], now, &v)
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	out := &roster.CallIngest{}
	err := s.store.Tx(ctx, func(tx Tx) error {
		if err := tx.LockOrg(ctx, p.OrgID); err != nil {
			return err
		}
		ids, userIDs := make([]string, len(events)), make([]string, 0, len(events))
		for i, e := range events {
			ids[i] = e.ID
			userIDs = append(userIDs, e.UserID)
		}
		users, err := tx.ExistingUserIDs(ctx, p.OrgID, userIDs)
		if err != nil {
			return err
		}
		for i, e := range events {
			if _, ok := users[e.UserID]; !ok {
				v.Add("events["+strconv.Itoa(i)+"].user_id", "no user %q in this org", e.UserID)
			}
		}
		if err := v.Err(); err != nil {
			return err
		}
		seen, err := tx.ExistingCallEventIDs(ctx, p.OrgID, ids)
		if err != nil {
			return err
		}
		var fresh []roster.CallEvent
		dials := 0
		for _, e := range events {
			if seen[e.ID] {
				out.Duplicates++
				continue
			}
			seen[e.ID] = true
			fresh = append(fresh, e)
			if e.IsDial() {
				dials++
			}
		}
		org, err := tx.Org(ctx, p.OrgID)
		if err != nil {
			return err
		}
		if org.Plan == roster.PlanTrial {
			used, err := tx.DialsUsed(ctx, p.OrgID)
			if err != nil {
				return err
			}
			left := max(roster.TrialDialLimit-used, 0)
			if dials > left {
				return &roster.Error{Kind: roster.KindLimitReached,
					Message: fmt.Sprintf("trial organisations may make %d dials; %d left, %d in this batch; upgrade the plan to dial more",
						roster.TrialDialLimit, left, dials),
					Extra: map[string]any{"dials_remaining": left, "dials_requested": dials}}
			}
			left -= dials
			out.DialsRemaining = &left
		}
		for i := range fresh {
			ok, err := tx.InsertCallEvent(ctx, p.OrgID, &fresh[i], now)
			if err != nil {
				return err
			}
			if ok {
				out.Accepted++
			} else {
				out.Duplicates++
			}
		}
		if dials > 0 {
			if err := tx.AddDialsUsed(ctx, p.OrgID, dials); err != nil {
				return err
			}
		}
		if out.Accepted == 0 {
			return nil
		}
		return s.audit(ctx, tx, p, "call_events.received", "org", p.OrgID, "", nil,
			map[string]any{"accepted": out.Accepted, "duplicates": out.Duplicates, "dials": dials})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// StatsRange is an inclusive range of days; zero values default to the
// 30 days up to today.
type StatsRange struct{ From, To string }

// resolve checks and fills in the range.
func (r StatsRange) resolve(now time.Time) (StatsRange, error) {
	var v roster.Validation
	if r.To == "" {
		r.To = now.UTC().Format(time.DateOnly)
	}
	to, err := time.Parse(time.DateOnly, r.To)
	if err != nil {
		v.Add("to", "must be a date like 2026-01-31")
	}
	if r.From == "" && err == nil {
		r.From = to.AddDate(0, 0, -29).Format(time.DateOnly)
	}
	from, ferr := time.Parse(time.DateOnly, r.From)
	if ferr != nil {
		v.Add("from", "must be a date like 2026-01-31")
	}
	if err == nil && ferr == nil {
		if from.After(to) {
			v.Add("from", "must not be after to")
		} else if to.Sub(from) > 366*24*time.Hour {
			v.Add("from", "the range may span at most 366 days")
		}
	}
	return r, v.Err()
}

// requireStatsPlan refuses call statistics to orgs whose plan lacks them.
func (s *Service) requireStatsPlan(ctx context.Context, orgID string) error {
	org, err := s.store.Read().Org(ctx, orgID)
	if err != nil {
		return err
	}
	if !roster.PlanShowsCallStats(org.Plan) {
		return roster.Errorf(roster.KindForbidden, "call statistics are part of the professional and pro_plus plans; this org is on %s", org.Plan)
	}
	return nil
}

// leads reports whether the principal leads an enabled team that userID
// (or, with userID "", team teamID) belongs to.
func (s *Service) leads(ctx context.Context, p *Principal, teamID, userID string) (bool, error) {
	if p.Require(roster.PermAnalyticsViewTeam) != nil {
		return false, nil
	}
	r := s.store.Read()
	led, err := r.LeaderTeamIDs(ctx, p.OrgID, p.UserID)
	if err != nil || len(led) == 0 {
		return false, err
	}
	if userID == "" {
		for _, id := range led {
			if id == teamID {
				return true, nil
			}
		}
		return false, nil
	}
	members, err := r.TeamMembers(ctx, p.OrgID, led...)
	if err != nil {
		return false, err
	}
	for _, m := range members {
		if m.UserID == userID {
			return true, nil
		}
	}
	return false, nil
}

func toUserStats(userID string, days []roster.DayCount) roster.UserCallStats {
	st := roster.UserCallStats{UserID: userID, Days: days}
	if st.Days == nil {
		st.Days = []roster.DayCount{}
	}
	for _, d := range days {
		st.Total += d.CallsHandled
	}
	return st
}

// UserCallStats returns a user's calls handled per day. Only professional
// and pro_plus orgs have statistics (others Forbidden). One's own need
// analytics.view_own; others' analytics.view_all, or analytics.view_team
// and leading a team of theirs.
func (s *Service) UserCallStats(ctx context.Context, p *Principal, userID string, rng StatsRange) (*roster.UserCallStats, error) {
	if p == nil {
		return nil, roster.Errorf(roster.KindUnauthenticated, "sign in first")
	}
	if err := s.requireStatsPlan(ctx, p.OrgID); err != nil {
		return nil, err
	}
	allowed := p.Require(roster.PermAnalyticsViewAll) == nil || (userID == p.UserID && p.Require(roster.PermAnalyticsViewOwn) == nil)
	if !allowed {
		ok, err := s.leads(ctx, p, "", userID)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, roster.Errorf(roster.KindForbidden, "you need the %s permission, or to lead a team of this user", roster.PermAnalyticsViewAll)
		}
	}
	rng, err := rng.resolve(s.clock())
	if err != nil {
		return nil, err
	}
	r := s.store.Read()
	if _, err := r.User(ctx, p.OrgID, userID); err != nil {
		return nil, err
	}
	counts, err := r.CallsHandled(ctx, p.OrgID, []string{userID}, rng.From, rng.To)
	if err != nil {
		return nil, err
	}
	st := toUserStats(userID, counts[userID])
	return &st, nil
}

// TeamCallStats is a team's calls handled per user and in all.
type TeamCallStats struct {
	TeamID string                 `json:"team_id"`
	From   string                 `json:"from"`
	To     string                 `json:"to"`
	Total  int                    `json:"total"`
	Users  []roster.UserCallStats `json:"users"`
}

// TeamCallStats returns a team's calls handled per member and day. Only
// professional and pro_plus orgs (others Forbidden); needs
// analytics.view_all, or analytics.view_team and leading the team.
func (s *Service) TeamCallStats(ctx context.Context, p *Principal, teamID string, rng StatsRange) (*TeamCallStats, error) {
	if p == nil {
		return nil, roster.Errorf(roster.KindUnauthenticated, "sign in first")
	}
	if err := s.requireStatsPlan(ctx, p.OrgID); err != nil {
		return nil, err
	}
	if p.Require(roster.PermAnalyticsViewAll) != nil {
		ok, err := s.leads(ctx, p, teamID, "")
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, roster.Errorf(roster.KindForbidden, "you need the %s permission, or to lead this team", roster.PermAnalyticsViewAll)
		}
	}
	rng, err := rng.resolve(s.clock())
	if err != nil {
		return nil, err
	}
	r := s.store.Read()
	if _, err := s.visibleTeam(ctx, r, p, teamID); err != nil {
		return nil, err
	}
	members, err := r.TeamMembers(ctx, p.OrgID, teamID)
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(members))
	for i, m := range members {
		ids[i] = m.UserID
	}
	counts, err := r.CallsHandled(ctx, p.OrgID, ids, rng.From, rng.To)
	if err != nil {
		return nil, err
	}
	out := &TeamCallStats{TeamID: teamID, From: rng.From, To: rng.To, Users: []roster.UserCallStats{}}
	for _, id := range ids {
		st := toUserStats(id, counts[id])
		out.Total += st.Total
		out.Users = append(out.Users, st)
	}
	return out, nil
}
