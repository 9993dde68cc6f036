package service

import (
	"context"

	"roster/internal/roster"
)

// bulkStore is the storage that seeding, import and export need on top of
// the core's: whole batches in few statements.
type bulkStore interface {
	// InsertUsers creates users in multi-row statements; an email already
	// in the org is a Conflict.
	InsertUsers(ctx context.Context, orgID string, users []roster.User) error
	InsertAuditEvents(ctx context.Context, orgID string, events []roster.AuditEvent) error
	InsertInvitations(ctx context.Context, orgID string, invs []roster.Invitation) error
	EnqueueEmails(ctx context.Context, orgID string, emails []roster.Email) error
	InsertTeams(ctx context.Context, orgID string, teams []roster.Team) error
	InsertTeamMembers(ctx context.Context, orgID string, members []roster.TeamMembership) error
	// ExistingEmails returns which of emails are taken in the org.
	ExistingEmails(ctx context.Context, orgID string, emails []string) (map[string]bool, error)
	// ExtensionsInUse returns every extension held in the org.
	ExtensionsInUse(ctx context.Context, orgID string) (map[string]bool, error)

	// For the export's columns, per batch of users: queues as
	// "name:penalty", saved phone settings.
	UsersQueues(ctx context.Context, orgID string, userIDs []string) (map[string][]string, error)
	UsersPhoneSettings(ctx context.Context, orgID string, userIDs []string) (map[string]*roster.PhoneSettings, error)
}

// analyzeAfter is the number of new users after which a bulk change
// refreshes the planner's statistics whatever they last counted.
const analyzeAfter = 5000

// refreshStats asks the database to re-plan for the users table's new
// size (and to tidy its indexes) after bulk work that added added users,
// when they moved the table enough to matter: analyzeAfter or more, or
// more than a tenth of the users the statistics last counted (the share
// at which PostgreSQL's autovacuum analyzes a table again), which the
// first bulk work on a new database always is. Without statistics
// PostgreSQL planned a 500-user org's first page to join every user
// before sorting, at a third of the speed (docs/benchmarks.md), and
// autovacuum, which would analyze in time, may be off. Failing only costs
// speed, so it is logged, not returned.
func (s *Service) refreshStats(ctx context.Context, added int) {
	if added < analyzeAfter {
		known, err := s.store.StatisticsRows(ctx)
		if err != nil {
			s.log.Warn("could not read the users table's statistics", "err", err)
			return
		}
		if int64(added) <= known/10 {
			return
		}
	}
	if err := s.store.RefreshStatistics(ctx); err != nil {
		s.log.Warn("could not refresh the users table's statistics", "err", err)
	}
}
