package roster

import "time"

// InvitationStatus is where an invitation stands.
type InvitationStatus string

// The invitation statuses. Only pending invitations can be accepted.
const (
	InvitePending   InvitationStatus = "pending"
	InviteAccepted  InvitationStatus = "accepted"
	InviteCancelled InvitationStatus = "cancelled"
	InviteReplaced  InvitationStatus = "replaced" // a resend superseded it
)

// Invitation is one emailed invitation for one user.
type Invitation struct {
	ID          string           `json:"id"`
	OrgID       string           `json:"-"`
	UserID      string           `json:"user_id"`
	Email       string           `json:"email"`
	Role        string           `json:"role"`
	LicenseType string           `json:"license_type"`
	Integration string           `json:"integration"`
	InviterID   string           `json:"inviter_id"`
	Status      InvitationStatus `json:"status"`
	CreatedAt   time.Time        `json:"created_at"`
	ExpiresAt   time.Time        `json:"expires_at"`
	TokenHash   []byte           `json:"-"`
}

// Expired reports whether the invitation can no longer be accepted at now.
func (i *Invitation) Expired(now time.Time) bool { return !now.Before(i.ExpiresAt) }

// AuditEvent records one change: who, what, to what, before/after, when,
// from where. Targets are referenced by ID and label, never by foreign key,
// so events outlive what they describe.
type AuditEvent struct {
	ID          string    `json:"id"`
	OrgID       string    `json:"-"`
	ActorID     string    `json:"actor_id"`
	ActorLabel  string    `json:"actor"`
	Action      string    `json:"action"`
	TargetType  string    `json:"target_type"`
	TargetID    string    `json:"target_id"`
	TargetLabel string    `json:"target"`
	Before      any       `json:"before"`
	After       any       `json:"after"`
	IP          string    `json:"ip"`
	CreatedAt   time.Time `json:"created_at"`
}

// AuditFilter selects audit events. Zero fields do not filter.
type AuditFilter struct {
	ActorID  string
	TargetID string
	Action   string
	Since    time.Time
	Until    time.Time
	Limit    int
	Cursor   string
}

// Email is a message waiting in, or sent from, the outbox.
type Email struct {
	ID        string     `json:"id"`
	OrgID     string     `json:"org_id"`
	To        string     `json:"to"`
	Subject   string     `json:"subject"`
	Text      string     `json:"text"`
	HTML      string     `json:"html"`
	Link      string     `json:"link"` // the action link it carries, shown to operators
	Status    string     `json:"status"`
	Attempts  int        `json:"attempts"`
	LastError string     `json:"last_error"`
	CreatedAt time.Time  `json:"created_at"`
	SentAt    *time.Time `json:"sent_at"`
}

// Outbox statuses.
const (
	EmailPending = "pending" // waiting for the worker or a retry
	EmailSent    = "sent"    // handed to the SMTP server
	EmailKept    = "kept"    // no SMTP configured: kept for the operator to read
	EmailFailed  = "failed"  // gave up after the last retry
)

// UserFilter selects users for lists. Zero fields do not filter.
type UserFilter struct {
	Status Status
	// Statuses, when not empty, keeps users in any of these statuses (the
	// export's status=active,prepared); it combines with Status by AND.
	Statuses    []Status
	Role        string // role key
	LicenseType string
	Team        string // team ID
	Query       string // substring of name, email or extension
	Sort        string // "email" (default), "name", "created_at", "last_login_at"; "-" prefix for descending
	Limit       int
	Cursor      string
}

// Page is one page of a cursor-paginated list.
type Page[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor"`
	// PrevCursor, where a list offers it, leads to the page before.
	PrevCursor string `json:"prev_cursor,omitempty"`
}

// APIToken is a stored API token; only its hash is stored.
type APIToken struct {
	ID, OrgID, UserID, Name string
	CreatedAt               time.Time
	LastUsedAt              *time.Time
}

// Credential is a session or an API token looked up by its hash, with what
// authenticating a request needs of its user.
type Credential struct {
	ID, OrgID, UserID string
	Session           bool // a browser session; else an API token
	// ExpiresAt is when a session ends (zero for API tokens, which last
	// until revoked).
	ExpiresAt  time.Time
	LastUsedAt *time.Time
	Email      string
	Status     Status
	// RolePermissions and DirectPermissions are the user's role's
	// permissions and those granted to the user directly.
	RolePermissions, DirectPermissions PermissionSet
}

// PasswordReset is a stored reset link; only its token's hash is stored.
type PasswordReset struct {
	ID, OrgID, UserID string
	ExpiresAt         time.Time
	UsedAt            *time.Time
}
