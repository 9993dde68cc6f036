package store

import (
	"context"

	"roster/internal/roster"
	"roster/internal/service"
)

// ServiceStore adapts a DB to the storage interface the service declares.
type ServiceStore struct{ DB *DB }

// Read returns a view for queries outside a transaction.
func (s ServiceStore) Read() service.Tx { return s.DB.Reader() }

// Tx runs fn in one write transaction.
func (s ServiceStore) Tx(ctx context.Context, fn func(service.Tx) error) error {
	return s.DB.Tx(ctx, func(c *Conn) error { return fn(c) })
}

// CreateUsers implements service.Store.
func (s ServiceStore) CreateUsers(ctx context.Context, orgID, roleKey string, users []roster.User, events []roster.AuditEvent) error {
	return s.DB.CreateUsers(ctx, orgID, roleKey, users, events)
}

// RefreshStatistics implements service.Store.
func (s ServiceStore) RefreshStatistics(ctx context.Context) error {
	return s.DB.RefreshStatistics(ctx)
}

// StatisticsRows implements service.Store.
func (s ServiceStore) StatisticsRows(ctx context.Context) (int64, error) {
	return s.DB.StatisticsRows(ctx)
}

// BulkTx implements service.Store.
func (s ServiceStore) BulkTx(ctx context.Context, fn func(service.Tx) error) error {
	return s.DB.TxAlone(ctx, func(c *Conn) error { return fn(c) })
}
