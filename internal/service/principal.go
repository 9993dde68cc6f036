package service

import (
	"roster/internal/roster"
)

// Principal is who is asking: a signed-in user (by session or API token),
// or the operator using the CLI.
type Principal struct {
	OrgID       string
	UserID      string
	Email       string
	Permissions roster.PermissionSet
	// Operator is the CLI, acting with every permission in the org.
	Operator bool
	// SessionID is set for browser sessions, so that logout ends just it.
	SessionID string
	// IP is where the request came from, for the audit log.
	IP string
}

// Label names the principal in the audit log.
func (p *Principal) Label() string {
	if p.Operator {
		return "operator"
	}
	return p.Email
}

// Require returns Forbidden unless the principal holds perm.
func (p *Principal) Require(perm roster.Permission) error {
	if p == nil {
		return roster.Errorf(roster.KindUnauthenticated, "sign in first")
	}
	if p.Operator || p.Permissions.Has(perm) {
		return nil
	}
	return roster.Errorf(roster.KindForbidden, "you need the %s permission", perm)
}

// Operator returns the principal the CLI acts as in an org.
func Operator(orgID string) *Principal {
	return &Principal{OrgID: orgID, Operator: true, Permissions: roster.AllPermissions()}
}
