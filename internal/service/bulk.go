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
	// ExistingEmails returns which of emails are taken in the org.
	ExistingEmails(ctx context.Context, orgID string, emails []string) (map[string]bool, error)
	// ExtensionsInUse returns every extension held in the org.
	ExtensionsInUse(ctx context.Context, orgID string) (map[string]bool, error)
}
