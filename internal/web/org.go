package web

import (
	"net/http"
	"strconv"
	"strings"

	"roster/internal/roster"
)

// orgRoutes are the pages of roles, teams, queues, reports and
// integrations, and the org sections of a user's profile.
func (c *Console) orgRoutes() []route {
	return []route{
		{"GET /roles/new", c.authed(c.roleNewPage)},
		{"POST /roles", c.authed(c.roleCreateSubmit)},
		{"GET /roles/{id}", c.authed(c.roleEditPage)},
		{"POST /roles/{id}", c.authed(c.roleEditSubmit)},
		{"POST /roles/{id}/copy", c.authed(c.roleCopySubmit)},
		{"POST /roles/{id}/delete", c.authed(c.roleDeleteSubmit)},
		{"POST /people/{id}/permissions", c.authed(c.directPermissionsSubmit)},
		{"GET /teams", c.authed(c.teamsPage)},
		{"POST /teams", c.authed(c.teamCreateSubmit)},
		{"GET /teams/{id}", c.authed(c.teamPage)},
		{"POST /teams/{id}", c.authed(c.teamEditSubmit)},
		{"POST /teams/{id}/disable", c.authed(c.teamDisableSubmit)},
		{"POST /teams/{id}/enable", c.authed(c.teamEnableSubmit)},
		{"GET /teams/{id}/avatar", c.authed(c.teamAvatar)},
		{"POST /teams/{id}/avatar", c.authed(c.teamAvatarSubmit)},
		{"POST /teams/{id}/members", c.authed(c.teamMemberAddSubmit)},
		{"POST /teams/{id}/members/{uid}", c.authed(c.teamMemberLeaderSubmit)},
		{"POST /teams/{id}/members/{uid}/remove", c.authed(c.teamMemberRemoveSubmit)},
		{"GET /my-team", c.authed(c.myTeamPage)},
		{"GET /queues", c.authed(c.queuesPage)},
		{"POST /queues", c.authed(c.queueCreateSubmit)},
		{"GET /queues/{id}", c.authed(c.queuePage)},
		{"POST /queues/{id}", c.authed(c.queueEditSubmit)},
		{"POST /queues/{id}/delete", c.authed(c.queueDeleteSubmit)},
		{"POST /queues/{id}/members", c.authed(c.queueMemberSubmit)},
		{"POST /queues/{id}/members/{uid}/remove", c.authed(c.queueMemberRemoveSubmit)},
		{"GET /reports", c.authed(c.reportsPage)},
		{"GET /integrations", c.authed(c.integrationsPage)},
		{"POST /integrations", c.authed(c.integrationCreateSubmit)},
		{"POST /integrations/{id}/delete", c.authed(c.integrationDeleteSubmit)},
		{"POST /me/integrations", c.authed(c.myIntegrationLinkSubmit)},
		{"POST /me/integrations/{id}/unlink", c.authed(c.myIntegrationUnlinkSubmit)},
	}
}

// permGroup is a heading of the permission catalogue with its entries, for
// the grouped checkboxes of the role and direct-permission editors.
type permGroup struct {
	Label string
	Perms []permChoice
}

// permChoice is one checkbox: a catalogue entry and whether it is ticked.
type permChoice struct {
	roster.PermissionInfo
	Checked bool
	// FromRole marks a permission the user already has through their role
	// (direct-permission editor only).
	FromRole bool
}

// permGroupOf maps a permission's prefix to its heading; the catalogue's
// order is kept inside each group.
var permGroupOf = map[string]string{
	"users": "People", "invites": "People", "licenses": "People",
	"roles": "Roles, teams and queues", "teams": "Roles, teams and queues", "queues": "Roles, teams and queues",
	"telephony": "Telephony", "calls": "Calls and analytics", "call_library": "Calls and analytics",
	"analytics": "Calls and analytics", "coaching": "Calls and analytics",
	"audit": "Organisation", "settings": "Organisation", "integrations": "Organisation",
}

// permGroups groups the catalogue, ticking checked and marking fromRole.
func permGroups(checked, fromRole roster.PermissionSet) []permGroup {
	var out []permGroup
	for _, p := range roster.Catalogue {
		prefix, _, _ := strings.Cut(string(p.Name), ".")
		label := permGroupOf[prefix]
		if label == "" {
			label = "Other"
		}
		if len(out) == 0 || out[len(out)-1].Label != label {
			out = append(out, permGroup{Label: label})
		}
		g := &out[len(out)-1]
		g.Perms = append(g.Perms, permChoice{PermissionInfo: p, Checked: checked.Has(p.Name), FromRole: fromRole.Has(p.Name)})
	}
	return out
}

// postedPerms reads ticked permission checkboxes as a set, keeping only
// catalogue names so a re-shown form never echoes junk.
func postedPerms(r *http.Request) roster.PermissionSet {
	var out roster.PermissionSet
	for _, v := range r.PostForm["permissions"] {
		if roster.ValidPermission(roster.Permission(v)) {
			out = append(out, roster.Permission(v))
		}
	}
	return out
}

// permNames turns the posted values into the service's input unchanged, so
// that the service, not the console, judges them.
func permNames(r *http.Request) []string {
	return append([]string{}, r.PostForm["permissions"]...)
}

// formInt reads an integer field; a field left empty is def. A value
// that is not a number is reported under field.
func formInt(r *http.Request, field string, def int, v *roster.Validation) int {
	s := strings.TrimSpace(r.PostFormValue(field))
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		v.Add(field, "must be a whole number")
		return def
	}
	return n
}

// formRefusal is a refused form's state: what was typed and why it was
// refused, keyed by which form of the page it belongs to.
type formRefusal struct {
	Form   string
	Values map[string]string
	Err    *formError
}

// Value is what the user typed in field, or def when this form was not
// the refused one.
func (f *formRefusal) Value(form, field, def string) string {
	if f == nil || f.Form != form {
		return def
	}
	return f.Values[field]
}

// For returns the error of form when it is the refused one.
func (f *formRefusal) For(form string) *formError {
	if f == nil || f.Form != form {
		return nil
	}
	return f.Err
}

// refusal builds the state of a refused form from the posted fields, or
// reports that err is not the user's to fix.
func refusal(r *http.Request, form string, err error, fields ...string) (*formRefusal, bool) {
	fe, ok := toFormError(err)
	if !ok {
		return nil, false
	}
	switch roster.ErrorKind(err) {
	case roster.KindForbidden, roster.KindUnauthenticated, roster.KindNotFound:
		return nil, false
	}
	f := &formRefusal{Form: form, Values: map[string]string{}, Err: fe}
	for _, k := range fields {
		f.Values[k] = r.PostFormValue(k)
	}
	return f, true
}
