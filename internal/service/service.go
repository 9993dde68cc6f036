// Package service holds Roster's use cases: authorization, tenant scope,
// transactions, audit events and queued emails. It knows nothing of HTTP or
// SQL: it speaks to storage through the Tx interface it declares, and gets
// time, randomness and configuration injected.
package service

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"io"
	"log/slog"
	"time"

	"github.com/google/uuid"

	"roster/internal/roster"
)

// Tx is the storage the service needs, inside or outside a transaction.
// Methods return roster.ErrNotFound for missing rows and a Conflict *Error
// for unique violations.
type Tx interface {
	orgStore
	consoleStore
	LockOrg(ctx context.Context, orgID string) error

	CreateOrg(ctx context.Context, o *roster.Org) error
	Org(ctx context.Context, orgID string) (*roster.Org, error)
	OrgBySlug(ctx context.Context, slug string) (*roster.Org, error)
	AddInvitationsSent(ctx context.Context, orgID string, n int) error

	CreateRole(ctx context.Context, orgID string, r *roster.Role, now time.Time) error
	Roles(ctx context.Context, orgID string) ([]roster.Role, error)
	Role(ctx context.Context, orgID, roleID string) (*roster.Role, error)
	RoleByKey(ctx context.Context, orgID, key string) (*roster.Role, error)
	RoleByKeyWithTeams(ctx context.Context, orgID, key string) (*roster.Role, []string, error)

	SetLicensePool(ctx context.Context, orgID, typ, name string, purchased int, now time.Time) error
	LicensePools(ctx context.Context, orgID string) ([]roster.LicensePool, error)
	LicensePool(ctx context.Context, orgID, typ string) (*roster.LicensePool, error)
	CountSeatsUsed(ctx context.Context, orgID, licenseType string) (int, error)

	CreateUser(ctx context.Context, orgID string, u *roster.User) error
	UpdateUser(ctx context.Context, orgID string, u *roster.User) error
	SetLastLogin(ctx context.Context, orgID, userID string, at time.Time) error
	DeleteUser(ctx context.Context, orgID, userID string) error
	User(ctx context.Context, orgID, userID string) (*roster.User, error)
	UserDetail(ctx context.Context, orgID, userID string) (*roster.User, error)
	UserByEmail(ctx context.Context, orgID, email string) (*roster.User, error)
	UsersByEmails(ctx context.Context, orgID string, emails []string) ([]roster.User, error)
	UsersWithEmailAnyOrg(ctx context.Context, email string) ([]roster.User, error)
	ListUsers(ctx context.Context, orgID string, f roster.UserFilter) (roster.Page[roster.User], error)
	CountActiveWithRoles(ctx context.Context, orgID string, roleIDs []string, exceptID string) (int, error)
	CountUsersByStatus(ctx context.Context, orgID string) (map[roster.Status]int, error)

	CreateInvitation(ctx context.Context, orgID string, inv *roster.Invitation) error
	Invitation(ctx context.Context, orgID, id string) (*roster.Invitation, error)
	PendingInvitationForUser(ctx context.Context, orgID, userID string) (*roster.Invitation, error)
	InvitationByTokenHash(ctx context.Context, hash []byte) (*roster.Invitation, error)
	PendingInvitations(ctx context.Context, orgID string) ([]roster.Invitation, error)
	SetInvitationStatus(ctx context.Context, orgID, id string, from, to roster.InvitationStatus) error

	CreateSession(ctx context.Context, orgID, id, userID string, hash []byte, ip string, now, expires time.Time) error
	Credential(ctx context.Context, session bool, hash []byte) (*roster.Credential, error)
	TouchSession(ctx context.Context, orgID, id string, now, expires time.Time) error
	DeleteSession(ctx context.Context, orgID, id string) error
	DeleteOtherSessions(ctx context.Context, orgID, userID, keepID string) error
	RevokeUserCredentials(ctx context.Context, orgID, userID string, now time.Time) (sessions, tokens int64, err error)
	CreateAPIToken(ctx context.Context, orgID, id, userID, name string, hash []byte, now time.Time) error
	TouchAPIToken(ctx context.Context, orgID, id string, now time.Time) error
	CreatePasswordReset(ctx context.Context, orgID, id, userID string, hash []byte, now, expires time.Time) error
	PasswordResetByHash(ctx context.Context, hash []byte) (*roster.PasswordReset, error)
	UsePasswordReset(ctx context.Context, orgID, id string, now time.Time) error
	RecordLoginFailure(ctx context.Context, email string, now time.Time) error
	CountLoginFailures(ctx context.Context, email string, since time.Time) (int, error)
	ClearLoginFailures(ctx context.Context, email string) error

	InsertAudit(ctx context.Context, orgID string, e *roster.AuditEvent) error
	AuditEvents(ctx context.Context, orgID string, f roster.AuditFilter) (roster.Page[roster.AuditEvent], error)

	EnqueueEmail(ctx context.Context, orgID string, e *roster.Email) error
	Emails(ctx context.Context, orgID string, limit int) ([]roster.Email, error)

	bulkStore
	phoneStore
}

// Store opens read views and write transactions.
type Store interface {
	// Read returns a view for queries outside any transaction.
	Read() Tx
	// Tx runs fn in one write transaction: all of fn's writes, audit
	// events and outbox rows commit together or not at all.
	Tx(ctx context.Context, fn func(Tx) error) error
	// BulkTx is Tx for a transaction that may be large (an import, a
	// seed): it never shares a commit with others (see the store's grouped
	// commits), whose rollback points would have to keep a copy of every
	// page it changes.
	BulkTx(ctx context.Context, fn func(Tx) error) error
	// CreateUsers writes new users of the org, holders of the role with
	// key roleKey, and their audit events as one atomic write of its own,
	// not part of a caller's transaction (PostgreSQL runs it as one
	// statement where it can), and sets each user's RoleID. A role that is
	// missing or joins its holders to teams is NotFound, an email already
	// in the org a Conflict, and then none is written.
	CreateUsers(ctx context.Context, orgID, roleKey string, users []roster.User, events []roster.AuditEvent) error
	// RefreshStatistics brings the planner's statistics and indexes up to
	// date after bulk work, as the database needs: failing costs speed,
	// never data.
	RefreshStatistics(ctx context.Context) error
	// StatisticsRows is how many users the planner's statistics last
	// counted: 0 when they never have.
	StatisticsRows(ctx context.Context) (int64, error)
}

// Config is what the service needs to know of the deployment.
type Config struct {
	BaseURL    string        // where links in emails point, without a trailing slash
	InviteTTL  time.Duration // default invitation lifetime
	ResetTTL   time.Duration // password-reset link lifetime
	SessionTTL time.Duration // idle lifetime of a signed-in session
	// AuthCacheTTL is how long a credential that authenticated is
	// remembered (see credCache); 0 reads it from the database on every
	// request.
	AuthCacheTTL time.Duration
	// LoginFailureLimit failures for one email within LoginFailureWindow
	// lock further attempts until the window has passed.
	LoginFailureLimit  int
	LoginFailureWindow time.Duration
	Argon              ArgonParams
}

// Service carries out Roster's use cases.
type Service struct {
	store  Store
	cfg    Config
	now    func() time.Time
	rand   io.Reader
	log    *slog.Logger
	hasher *hasher
	creds  *credCache
	// keepCreds is the store without invalidatingStore, for the few
	// writes that can neither grant nor take away what a credential
	// already in use allows: recording that a credential was used
	// (emptying the cache for it would empty it on every credential's
	// first use each minute), and adding users, who hold no credential
	// yet (emptying it for each would make every request of a client
	// that creates users read its own credential again).
	keepCreds Store
}

// Deps are the service's injected side effects. Zero fields get the real
// thing (wall clock, crypto/rand, the default logger).
type Deps struct {
	Store  Store
	Config Config
	Now    func() time.Time
	Rand   io.Reader
	Logger *slog.Logger
}

// New returns a Service.
func New(d Deps) *Service {
	s := &Service{store: d.Store, cfg: d.Config, now: d.Now, rand: d.Rand, log: d.Logger}
	if s.now == nil {
		s.now = time.Now
	}
	if s.rand == nil {
		s.rand = rand.Reader
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.cfg.InviteTTL <= 0 {
		s.cfg.InviteTTL = 7 * 24 * time.Hour
	}
	if s.cfg.ResetTTL <= 0 {
		s.cfg.ResetTTL = time.Hour
	}
	if s.cfg.SessionTTL <= 0 {
		s.cfg.SessionTTL = 12 * time.Hour
	}
	if s.cfg.LoginFailureLimit <= 0 {
		s.cfg.LoginFailureLimit = 10
	}
	if s.cfg.LoginFailureWindow <= 0 {
		s.cfg.LoginFailureWindow = 15 * time.Minute
	}
	s.hasher = newHasher(s.cfg.Argon, s.rand)
	s.keepCreds = s.store
	if s.creds = newCredCache(s.cfg.AuthCacheTTL); s.creds != nil {
		s.store = invalidatingStore{Store: s.store, creds: s.creds}
	}
	return s
}

// clock returns the current time at microsecond precision, as stored.
func (s *Service) clock() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

// newID returns a time-ordered unique ID.
func (s *Service) newID() string {
	id, err := uuid.NewV7FromReader(s.rand)
	if err != nil {
		// Only a failing random source can get here; fall back to the
		// process-wide generator rather than hand out a bad ID.
		id = uuid.Must(uuid.NewV7())
	}
	return id.String()
}

// newToken returns a random 256-bit token with a prefix naming its kind,
// and the hash under which it is stored.
func (s *Service) newToken(prefix string) (token string, hash []byte, err error) {
	b := make([]byte, 32)
	if _, err := io.ReadFull(s.rand, b); err != nil {
		return "", nil, err
	}
	token = prefix + base64.RawURLEncoding.EncodeToString(b)
	return token, hashToken(token), nil
}

// hashToken is how tokens are stored and looked up: a 256-bit random token
// needs no slow hash, only one that cannot be reversed.
func hashToken(token string) []byte {
	h := tokenKey(token)
	return h[:]
}

// tokenKey is hashToken as an array, to key maps with.
func tokenKey(token string) [32]byte { return sha256.Sum256([]byte(token)) }

// Token prefixes make a leaked token recognisable to secret scanners.
const (
	prefixAPI     = "rst_"
	prefixSession = "rss_"
	prefixInvite  = "rsi_"
	prefixReset   = "rsr_"
)

// audit writes an audit event in tx.
func (s *Service) audit(ctx context.Context, tx Tx, p *Principal, action, targetType, targetID, targetLabel string, before, after any) error {
	e := s.auditEvent(p, action, targetType, targetID, targetLabel, before, after)
	orgID := ""
	if p != nil {
		orgID = p.OrgID
	}
	return tx.InsertAudit(ctx, orgID, &e)
}

// auditEvent is the event audit records, for callers that write many at
// once; p may be nil for the system.
func (s *Service) auditEvent(p *Principal, action, targetType, targetID, targetLabel string, before, after any) roster.AuditEvent {
	e := roster.AuditEvent{
		ID: s.newID(), Action: action, TargetType: targetType, TargetID: targetID, TargetLabel: targetLabel,
		Before: before, After: after, CreatedAt: s.clock(),
	}
	if p != nil {
		e.ActorID, e.ActorLabel, e.IP = p.UserID, p.Label(), p.IP
	}
	return e
}

// Now returns the service's current time.
func (s *Service) Now() time.Time { return s.clock() }
