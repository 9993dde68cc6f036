package web

import (
	"html/template"
	"net/http"
	"strings"

	"roster/internal/roster"
	"roster/internal/service"
)

// userOrg is what a user's profile shows of their teams, queues, presence,
// call statistics, permissions and (on one's own profile) integrations.
type userOrg struct {
	UserID    string
	Self      bool
	Presence  roster.Presence
	Teams     []roster.TeamRef
	Queues    []roster.TeamRef
	LinkTeams bool // the viewer may open team and queue pages
	// Stats is nil when the plan or the viewer's permissions hide them.
	Stats        *roster.UserCallStats
	Perms        *roster.UserPermissions
	EditDirect   bool
	DirectGroups []permGroup
	DirectErr    *formError

	MyIntegrations []roster.UserIntegration
	Linkable       []roster.Integration
	LinkForm       linkForm
	LinkErr        *formError
}

// linkForm is what the user typed to link an integration.
type linkForm struct{ IntegrationID, Account string }

// userOrgForms carries a refused form of the profile's org sections.
type userOrgForms struct {
	Direct    roster.PermissionSet
	DirectErr *formError
	Link      linkForm
	LinkErr   *formError
}

// userOrg loads the profile's org sections with a handful of queries, each
// skipped when the viewer may not see its result.
func (c *Console) userOrg(r *http.Request, s *session, u *roster.User, refused *userOrgForms) (*userOrg, error) {
	ctx := r.Context()
	self := u.ID == s.P.UserID
	x := &userOrg{UserID: u.ID, Self: self, Presence: u.Presence, Teams: u.Teams, LinkTeams: s.can(roster.PermUsersRead)}
	if u.Status != roster.StatusActive {
		x.Presence = ""
	}
	var err error
	if x.Queues, err = c.svc.UserQueues(ctx, s.P, u.ID); err != nil {
		return nil, err
	}
	if roster.PlanShowsCallStats(s.Me.Org.Plan) && u.Status == roster.StatusActive {
		// The default range is the last 30 days.
		st, err := c.svc.UserCallStats(ctx, s.P, u.ID, service.StatsRange{})
		switch {
		case err == nil:
			x.Stats = st
		case roster.ErrorKind(err) == roster.KindForbidden:
			// Not theirs to see: the section stays hidden.
		default:
			return nil, err
		}
	}
	if x.Perms, err = c.svc.UserPermissions(ctx, s.P, u.ID); err != nil {
		return nil, err
	}
	if s.can(roster.PermRolesManage) && u.Status != roster.StatusInvited {
		x.EditDirect = true
		direct := x.Perms.Direct
		if refused != nil && refused.DirectErr != nil {
			direct, x.DirectErr = refused.Direct, refused.DirectErr
		}
		x.DirectGroups = permGroups(direct, x.Perms.FromRole)
	}
	if self {
		if x.MyIntegrations, err = c.svc.MyIntegrations(ctx, s.P); err != nil {
			return nil, err
		}
		all, err := c.svc.Integrations(ctx, s.P)
		if err != nil {
			return nil, err
		}
		linked := map[string]bool{}
		for _, l := range x.MyIntegrations {
			linked[l.IntegrationID] = true
		}
		for _, in := range all {
			if !linked[in.ID] {
				x.Linkable = append(x.Linkable, in)
			}
		}
		if refused != nil && refused.LinkErr != nil {
			x.LinkForm, x.LinkErr = refused.Link, refused.LinkErr
		}
	}
	return x, nil
}

// teamLookup adds the org's teams (for the People page's team filter) to
// the lookups: one query.
func (c *Console) teamLookup(r *http.Request, s *session, l *orgLookups) error {
	if !s.can(roster.PermUsersRead) {
		return nil
	}
	teams, err := c.svc.Teams(r.Context(), s.P)
	l.Teams = teams
	return err
}

// presenceLabels are the words shown for each presence state.
var presenceLabels = map[roster.Presence]string{
	roster.PresenceOnline: "Online", roster.PresenceAway: "Away", roster.PresenceDND: "Do not disturb",
	roster.PresenceInCall: "In a call", roster.PresenceOffline: "Offline",
}

// orgFuncs are the template functions of the org pages.
func orgFuncs() template.FuncMap {
	return template.FuncMap{
		"memberName": func(first, last, email string) string {
			u := roster.User{FirstName: first, LastName: last, Email: email}
			return u.Name()
		},
		"initial": func(name string) string {
			for _, r := range name {
				return strings.ToUpper(string(r))
			}
			return "?"
		},
		"presenceLabel": func(p any) string {
			var key roster.Presence
			switch v := p.(type) {
			case roster.Presence:
				key = v
			case string:
				key = roster.Presence(v)
			}
			if l, ok := presenceLabels[key]; ok {
				return l
			}
			return string(key)
		},
	}
}

func (c *Console) directPermissionsSubmit(w http.ResponseWriter, r *http.Request, s *session) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	id := r.PathValue("id")
	if _, err := c.svc.SetDirectPermissions(r.Context(), s.P, id, permNames(r)); err != nil {
		fe, ok := toFormError(err)
		if !ok || roster.ErrorKind(err) == roster.KindForbidden || roster.ErrorKind(err) == roster.KindNotFound {
			return err
		}
		atProfile(r, id)
		return c.renderUser(w, r, s, statusOf(err), &userOrgForms{Direct: postedPerms(r), DirectErr: fe})
	}
	return c.redirectWith(w, r, "/people/"+id, flash{Message: "Direct permissions saved; they apply at the user's next request."})
}

func (c *Console) myIntegrationLinkSubmit(w http.ResponseWriter, r *http.Request, s *session) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	f := linkForm{IntegrationID: r.PostFormValue("integration_id"), Account: r.PostFormValue("account")}
	if _, err := c.svc.LinkMyIntegration(r.Context(), s.P, f.IntegrationID, f.Account); err != nil {
		fe, ok := toFormError(err)
		if !ok || roster.ErrorKind(err) == roster.KindForbidden || roster.ErrorKind(err) == roster.KindUnauthenticated {
			return err
		}
		atProfile(r, s.P.UserID)
		return c.renderUser(w, r, s, statusOf(err), &userOrgForms{Link: f, LinkErr: fe})
	}
	return c.redirectWith(w, r, "/people/"+s.P.UserID, flash{Message: "Integration linked."})
}

func (c *Console) myIntegrationUnlinkSubmit(w http.ResponseWriter, r *http.Request, s *session) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	if err := c.svc.UnlinkMyIntegration(r.Context(), s.P, r.PathValue("id")); err != nil {
		return c.refuse(w, r, "/people/"+s.P.UserID, err)
	}
	return c.redirectWith(w, r, "/people/"+s.P.UserID, flash{Message: "Integration unlinked."})
}

// atProfile makes a refused profile form render as the profile page itself,
// so that its links and dialogs return to the profile, not to the form's
// POST-only address.
func atProfile(r *http.Request, id string) {
	r.SetPathValue("id", id)
	r.URL.Path, r.URL.RawQuery = "/people/"+id, ""
}
