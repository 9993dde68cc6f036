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
	// AnalyzeUsers refreshes the query planner's statistics of users, in
	// a transaction; VacuumUsers tidies after bulk work outside one.
	AnalyzeUsers(ctx context.Context) error
	VacuumUsers(ctx context.Context) error

	// For the export's columns, per batch of users: queues as
	// "name:penalty", saved phone settings.
	UsersQueues(ctx context.Context, orgID string, userIDs []string) (map[string][]string, error)
	UsersPhoneSettings(ctx context.Context, orgID string, userIDs []string) (map[string]*roster.PhoneSettings, error)
}

// analyzeAfter is the number of new users after which a bulk change
// refreshes the planner's statistics: below it they barely move.
const analyzeAfter = 5000

// refreshStats asks the database to re-plan for the users table's new
// size (and to tidy its search index). Failing only costs speed, so it is
// logged, not returned. It rewrites much of the search index, so it runs
// on its own as bulk work does.
func (s *Service) refreshStats(ctx context.Context) {
	if err := s.store.BulkTx(ctx, func(tx Tx) error { return tx.AnalyzeUsers(ctx) }); err != nil {
		s.log.Warn("could not refresh the users table's statistics", "err", err)
	}
	if err := s.store.Read().VacuumUsers(ctx); err != nil {
		s.log.Warn("could not vacuum the users table", "err", err)
	}
}
