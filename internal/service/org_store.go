package service

import (
	"context"
	"time"

	"roster/internal/roster"
)

// orgStore is the storage that roles, teams, queues, presence, call
// statistics and CRM integrations need. Methods return roster.ErrNotFound
// for missing rows (another org's rows included) and a Conflict *Error for
// unique violations.
type orgStore interface {
	UpdateRole(ctx context.Context, orgID string, r *roster.Role) error
	DeleteRole(ctx context.Context, orgID, roleID string) error
	RoleTeamIDs(ctx context.Context, orgID, roleID string) ([]string, error)
	SetRoleTeams(ctx context.Context, orgID, roleID string, teamIDs []string) error
	SetTeamRoles(ctx context.Context, orgID, teamID string, roleIDs []string) error
	UserIDsWithRole(ctx context.Context, orgID, roleID string) ([]string, error)
	RoleUserCounts(ctx context.Context, orgID string) (map[string]int, error)
	ReassignRole(ctx context.Context, orgID, from, to string, now time.Time) (int64, error)
	DirectPermissions(ctx context.Context, orgID, userID string) (roster.PermissionSet, error)
	SetDirectPermissions(ctx context.Context, orgID, userID string, perms roster.PermissionSet, now time.Time) error
	CountActiveAdmins(ctx context.Context, orgID, exceptID string) (int, error)

	CreateTeam(ctx context.Context, orgID string, t *roster.Team) error
	UpdateTeam(ctx context.Context, orgID string, t *roster.Team) error
	Team(ctx context.Context, orgID, teamID string) (*roster.Team, error)
	Teams(ctx context.Context, orgID string, includeDisabled bool) ([]roster.Team, error)
	SetTeamAvatar(ctx context.Context, orgID, teamID string, data []byte, mediaType string, now time.Time) error
	TeamAvatar(ctx context.Context, orgID, teamID string) ([]byte, string, error)
	AddTeamMember(ctx context.Context, orgID, teamID, userID string, leader *bool, now time.Time) (bool, error)
	RemoveTeamMember(ctx context.Context, orgID, teamID, userID string) error
	TeamMembers(ctx context.Context, orgID string, teamIDs ...string) ([]roster.TeamMember, error)
	LeaderTeamIDs(ctx context.Context, orgID, userID string) ([]string, error)
	UserTeams(ctx context.Context, orgID string, userIDs []string, includeDisabled bool) (map[string][]roster.TeamRef, error)
	ExistingUserIDs(ctx context.Context, orgID string, ids []string) (map[string]roster.Status, error)

	CreateQueue(ctx context.Context, orgID string, q *roster.Queue) error
	UpdateQueue(ctx context.Context, orgID string, q *roster.Queue) error
	DeleteQueue(ctx context.Context, orgID, queueID string) error
	Queue(ctx context.Context, orgID, queueID string) (*roster.Queue, error)
	Queues(ctx context.Context, orgID string) ([]roster.Queue, error)
	SetQueueMember(ctx context.Context, orgID, queueID, userID string, penalty, priority int, now time.Time) (bool, error)
	InsertQueueMembers(ctx context.Context, orgID, queueID string, members []roster.QueueMember, now time.Time) error
	RemoveQueueMember(ctx context.Context, orgID, queueID, userID string) error
	QueueMembers(ctx context.Context, orgID, queueID string) ([]roster.QueueMember, error)
	RemoveUserFromQueues(ctx context.Context, orgID, userID string) ([]roster.TeamRef, error)
	UserQueues(ctx context.Context, orgID, userID string) ([]roster.TeamRef, error)
	ActiveUsersInNoQueue(ctx context.Context, orgID, roleKey string, limit int) ([]roster.User, error)
	UsersNotSeenSince(ctx context.Context, orgID string, before time.Time, limit int) ([]roster.User, error)

	SetPresence(ctx context.Context, orgID, userID string, status roster.Presence, now time.Time) error
	PresenceInputs(ctx context.Context, orgID string, userIDs []string) (map[string]roster.PresenceInput, error)

	InsertCallEvent(ctx context.Context, orgID string, e *roster.CallEvent, now time.Time) (bool, error)
	ExistingCallEventIDs(ctx context.Context, orgID string, ids []string) (map[string]bool, error)
	DialsUsed(ctx context.Context, orgID string) (int, error)
	AddDialsUsed(ctx context.Context, orgID string, n int) error
	CallsHandled(ctx context.Context, orgID string, userIDs []string, from, to string) (map[string][]roster.DayCount, error)

	CreateIntegration(ctx context.Context, orgID string, i *roster.Integration) error
	DeleteIntegration(ctx context.Context, orgID, id string) error
	Integration(ctx context.Context, orgID, id string) (*roster.Integration, error)
	Integrations(ctx context.Context, orgID string) ([]roster.Integration, error)
	LinkUserIntegration(ctx context.Context, orgID, userID, integrationID, account string, now time.Time) error
	UnlinkUserIntegration(ctx context.Context, orgID, userID, integrationID string) error
	UserIntegrations(ctx context.Context, orgID, userID string) ([]roster.UserIntegration, error)
}
