package roster

import "slices"

// Permission is one entry of the fixed catalogue. Roles are named sets of
// them; every endpoint checks one.
type Permission string

// The permission catalogue.
const (
	PermUsersRead          Permission = "users.read"
	PermUsersManage        Permission = "users.manage"
	PermInvitesSend        Permission = "invites.send"
	PermLicensesView       Permission = "licenses.view"
	PermRolesManage        Permission = "roles.manage"
	PermTeamsManage        Permission = "teams.manage"
	PermQueuesManage       Permission = "queues.manage"
	PermTelephonyManage    Permission = "telephony.manage"
	PermCallsViewAll       Permission = "calls.view_all"
	PermCallLibraryManage  Permission = "call_library.manage"
	PermAnalyticsViewAll   Permission = "analytics.view_all"
	PermAnalyticsViewTeam  Permission = "analytics.view_team"
	PermAnalyticsViewOwn   Permission = "analytics.view_own"
	PermAnalyticsExport    Permission = "analytics.export"
	PermCoachingManage     Permission = "coaching.manage"
	PermAuditView          Permission = "audit.view"
	PermSettingsManage     Permission = "settings.manage"
	PermIntegrationsManage Permission = "integrations.manage"
)

// PermissionInfo documents one catalogue entry.
type PermissionInfo struct {
	Name        Permission `json:"name"`
	Description string     `json:"description"`
}

// Catalogue lists every permission with what it allows, in display order.
var Catalogue = []PermissionInfo{
	{PermUsersRead, "See the people list, user details and pending invitations"},
	{PermUsersManage, "Edit, deactivate, reactivate and delete users; trigger password resets"},
	{PermInvitesSend, "Invite people, resend and cancel invitations"},
	{PermLicensesView, "See license pools: purchased, used and available seats"},
	{PermRolesManage, "Create, edit and delete roles and assign permissions"},
	{PermTeamsManage, "Create, edit and disable teams and their members"},
	{PermQueuesManage, "Create queues and assign agents to them"},
	{PermTelephonyManage, "Manage phone numbers, extensions and everyone's phone settings"},
	{PermCallsViewAll, "See every call in the call history"},
	{PermCallLibraryManage, "Manage the call library"},
	{PermAnalyticsViewAll, "See all insights and analytics, filterable by team"},
	{PermAnalyticsViewTeam, "See the My Team page for one's own teams"},
	{PermAnalyticsViewOwn, "See one's own performance and call history"},
	{PermAnalyticsExport, "Export chart data to CSV"},
	{PermCoachingManage, "Create and track coaching plans"},
	{PermAuditView, "Read and export the audit log"},
	{PermSettingsManage, "Change organisation settings"},
	{PermIntegrationsManage, "Manage the organisation's CRM integrations"},
}

// ValidPermission reports whether p is in the catalogue.
func ValidPermission(p Permission) bool {
	for _, c := range Catalogue {
		if c.Name == p {
			return true
		}
	}
	return false
}

// AllPermissions returns every catalogue permission.
func AllPermissions() []Permission {
	out := make([]Permission, len(Catalogue))
	for i, c := range Catalogue {
		out[i] = c.Name
	}
	return out
}

// AdminPermissions are the two permissions the org must always have at least
// one active holder of: without them nobody could fix anything.
var AdminPermissions = []Permission{PermUsersManage, PermRolesManage}

// PermissionSet is a set of permissions.
type PermissionSet []Permission

// Has reports whether the set includes p.
func (s PermissionSet) Has(p Permission) bool { return slices.Contains(s, p) }

// IsAdmin reports whether the set holds every AdminPermissions entry.
func (s PermissionSet) IsAdmin() bool {
	for _, p := range AdminPermissions {
		if !s.Has(p) {
			return false
		}
	}
	return true
}

// BuiltinRole is a role template every org gets at creation.
type BuiltinRole struct {
	Key         string
	Name        string
	Description string
	Permissions []Permission
}

// Role keys of the built-in templates.
const (
	RoleAdmin      = "admin"
	RoleManager    = "manager"
	RoleTeamLeader = "team_leader"
	RoleAgent      = "agent"
	RoleUser       = "user"
)

// agentPerms is what every working seat needs: one's own data and coaching.
var agentPerms = []Permission{PermAnalyticsViewOwn, PermCoachingManage}

// BuiltinRoles are the templates the seed articles describe.
var BuiltinRoles = []BuiltinRole{
	{RoleAdmin, "Admin", "Everything a rep can do plus every admin setting of the org.", AllPermissions()},
	{RoleManager, "Manager", "A rep plus all calls in call history, the call library, and all analytics filterable by team.",
		append(slices.Clone(agentPerms), PermUsersRead, PermLicensesView, PermCallsViewAll, PermCallLibraryManage,
			PermAnalyticsViewAll, PermAnalyticsViewTeam, PermAnalyticsExport)},
	{RoleTeamLeader, "Team Leader", "All insights plus the My Team page with their agents' performance and coaching plans.",
		append(slices.Clone(agentPerms), PermUsersRead, PermAnalyticsViewAll, PermAnalyticsViewTeam)},
	{RoleAgent, "Agent", "Also called Rep: the dialer, their own call history, analytics and personal settings.",
		slices.Clone(agentPerms)},
	{RoleUser, "User", "Can view all insights pages.", []Permission{PermAnalyticsViewAll}},
}

// Role is a named set of permissions in one org.
type Role struct {
	ID          string        `json:"id"`
	OrgID       string        `json:"-"`
	Key         string        `json:"key"`
	Name        string        `json:"name"`
	Description string        `json:"description"`
	Permissions PermissionSet `json:"permissions"`
	Builtin     bool          `json:"builtin"`
}
