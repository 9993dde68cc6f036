package service

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"roster/internal/roster"
)

// credCache remembers, for a moment, the credentials that authenticated
// recently, so that a busy client's requests do not each read its session
// or token from the database: on PostgreSQL that read is a round trip of
// its own, a third of the cost of fetching one user.
//
// Only a credential that authenticated is kept, never a refusal, so an
// unknown token always reaches the database and cannot fill the cache.
// Every write transaction of this service empties the cache (see
// invalidatingStore): whatever a write changed (a token revoked, a user
// deactivated, a role's permissions edited) applies to the next request
// of this process. Writes made by another process sharing the database
// apply once the entries have aged out, within ttl.
type credCache struct {
	ttl time.Duration
	// gen counts write transactions; an entry read under an earlier
	// generation is not used.
	gen atomic.Uint64
	mu  sync.RWMutex
	m   map[[32]byte]credEntry
}

type credEntry struct {
	cr    *roster.Credential
	gen   uint64
	until time.Time
}

// maxCachedCreds bounds the cache: past it, it starts again empty.
const maxCachedCreds = 4096

// newCredCache returns a cache keeping entries for ttl; nil (no cache)
// when ttl is not positive.
func newCredCache(ttl time.Duration) *credCache {
	if ttl <= 0 {
		return nil
	}
	return &credCache{ttl: ttl, m: map[[32]byte]credEntry{}}
}

// generation is read before the database is, so that a write committed
// while the credential was being read makes the entry stale at once.
func (c *credCache) generation() uint64 {
	if c == nil {
		return 0
	}
	return c.gen.Load()
}

// get returns the credential stored under key if it is of the current
// generation and younger than ttl. The credential is shared: read only.
func (c *credCache) get(key [32]byte, now time.Time) (*roster.Credential, bool) {
	if c == nil {
		return nil, false
	}
	c.mu.RLock()
	e, ok := c.m[key]
	c.mu.RUnlock()
	if !ok || e.gen != c.gen.Load() || !now.Before(e.until) {
		return nil, false
	}
	return e.cr, true
}

// put stores cr, read under generation gen.
func (c *credCache) put(key [32]byte, cr *roster.Credential, gen uint64, now time.Time) {
	if c == nil || gen != c.gen.Load() {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= maxCachedCreds {
		c.m = make(map[[32]byte]credEntry, maxCachedCreds/4)
	}
	c.m[key] = credEntry{cr: cr, gen: gen, until: now.Add(c.ttl)}
}

// invalidate makes every entry stale.
func (c *credCache) invalidate() {
	if c != nil {
		c.gen.Add(1)
	}
}

// invalidatingStore is the service's store: it empties the credential
// cache after every write transaction, committed or not. Doing it here,
// for every write, rather than in the use cases that change credentials,
// users or roles, means no such use case, present or future, can forget.
type invalidatingStore struct {
	Store
	creds *credCache
}

func (s invalidatingStore) Tx(ctx context.Context, fn func(Tx) error) error {
	defer s.creds.invalidate()
	return s.Store.Tx(ctx, fn)
}

func (s invalidatingStore) CreateUsers(ctx context.Context, orgID, roleKey string, users []roster.User, events []roster.AuditEvent) error {
	defer s.creds.invalidate()
	return s.Store.CreateUsers(ctx, orgID, roleKey, users, events)
}

func (s invalidatingStore) BulkTx(ctx context.Context, fn func(Tx) error) error {
	defer s.creds.invalidate()
	return s.Store.BulkTx(ctx, fn)
}
