package store

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"
)

//go:embed migrations
var migrationsFS embed.FS

// migration is one numbered, forward-only schema step.
type migration struct {
	version int
	name    string
	sql     string
}

func (d *DB) migrations() ([]migration, error) {
	dir := path.Join("migrations", d.dialect.name())
	entries, err := fs.ReadDir(migrationsFS, dir)
	if err != nil {
		return nil, err
	}
	var out []migration
	for _, e := range entries {
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("migration %s: name must start with a number and _", e.Name())
		}
		body, err := fs.ReadFile(migrationsFS, path.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		out = append(out, migration{v, e.Name(), string(body)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	return out, nil
}

// SchemaVersion returns the newest applied migration and the newest this
// binary knows.
func (d *DB) SchemaVersion(ctx context.Context) (applied, known int, err error) {
	ms, err := d.migrations()
	if err != nil {
		return 0, 0, err
	}
	if len(ms) > 0 {
		known = ms[len(ms)-1].version
	}
	if _, err := d.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)`); err != nil {
		return 0, known, fmt.Errorf("schema_migrations: %w", err)
	}
	err = d.db.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&applied)
	return applied, known, err
}

// Migrate applies every migration newer than the schema, each in its own
// transaction. It refuses a schema newer than this binary, and on
// PostgreSQL holds an advisory lock so that instances starting together
// migrate once.
func (d *DB) Migrate(ctx context.Context) error {
	if d.dialect.name() == "postgres" {
		conn, err := d.db.Conn(ctx)
		if err != nil {
			return err
		}
		defer conn.Close()
		// 7_007_007 is Roster's advisory lock key for migrations.
		if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock(7007007)`); err != nil {
			return fmt.Errorf("migration lock: %w", err)
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock(7007007)`)
	}
	applied, known, err := d.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	if applied > known {
		return fmt.Errorf("database schema is version %d but this binary knows only up to %d: upgrade Roster", applied, known)
	}
	ms, err := d.migrations()
	if err != nil {
		return err
	}
	for _, m := range ms {
		if m.version <= applied {
			continue
		}
		err := d.Tx(ctx, func(c *Conn) error {
			if _, err := c.q.ExecContext(ctx, m.sql); err != nil {
				return err
			}
			_, err := c.exec(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`, m.version, time.Now().UnixMicro())
			return err
		})
		if err != nil {
			return fmt.Errorf("migration %s: %w", m.name, err)
		}
		// The migrations after it write through the queue like any
		// transaction.
		if d.dialect.name() == "sqlite" && m.version >= searchQueueVersion {
			d.searchQueue.Store(true)
		}
	}
	return nil
}

// CheckSchema returns an error unless the schema is exactly the binary's.
func (d *DB) CheckSchema(ctx context.Context) error {
	applied, known, err := d.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	if applied != known {
		return fmt.Errorf("schema version %d, binary expects %d", applied, known)
	}
	return nil
}
