package web

import (
	"errors"
	"net/http"
	"sync"
	"time"

	"roster/internal/roster"
)

// pageSize is how many people one page of the list shows.
const pageSize = 50

// viewCookie remembers whether the admin last chose the table or the cards.
const viewCookie = "roster_people_view"

// personRow is one user as the list and the detail page show them, with
// names resolved from lookups made once per page, never per row.
type personRow struct {
	roster.User
	RoleName    string
	LicenseName string
	Invitation  *roster.Invitation
}

// tab is one status tab with its count.
type tab struct {
	Status  roster.Status
	Label   string
	Count   int
	Href    string
	Current bool
}

// orgLookups are the org's roles and license pools, for names and selects.
type orgLookups struct {
	Roles []roster.Role
	Pools []roster.LicensePool
	// CanSeePools: license counts need licenses.view; without it the
	// selects list types without counts.
	CanSeePools bool
	// Teams fill the People page's team filter.
	Teams     []roster.Team
	roleNames map[string]string
	poolNames map[string]string
}

// RoleName is the display name of a role key.
func (l *orgLookups) RoleName(key string) string {
	if n, ok := l.roleNames[key]; ok {
		return n
	}
	return key
}

// LicenseName is the display name of a license type ("" is none).
func (l *orgLookups) LicenseName(typ string) string {
	if typ == "" {
		return "No license"
	}
	if n, ok := l.poolNames[typ]; ok {
		return n
	}
	return typ
}

// lookups loads the org's roles and license pools: two queries per page.
func (c *Console) lookups(r *http.Request, s *session) (*orgLookups, error) {
	l := &orgLookups{roleNames: map[string]string{}, poolNames: map[string]string{}}
	if s.can(roster.PermUsersRead) {
		roles, err := c.svc.Roles(r.Context(), s.P)
		if err != nil {
			return nil, err
		}
		l.Roles = roles
	}
	for _, ro := range l.Roles {
		l.roleNames[ro.Key] = ro.Name
	}
	if s.can(roster.PermLicensesView) {
		pools, err := c.svc.Licenses(r.Context(), s.P)
		if err != nil {
			return nil, err
		}
		l.Pools, l.CanSeePools = pools, true
	}
	for _, p := range l.Pools {
		l.poolNames[p.Type] = p.Name
	}
	return l, c.teamLookup(r, s, l)
}

// rows turns users into rows, adding the pending invitations of invited
// users with one query.
func (c *Console) rows(r *http.Request, s *session, l *orgLookups, users []roster.User) ([]personRow, error) {
	var invited []string
	for _, u := range users {
		if u.Status == roster.StatusInvited {
			invited = append(invited, u.ID)
		}
	}
	invs := map[string]roster.Invitation{}
	if len(invited) > 0 {
		var err error
		if invs, err = c.svc.PendingInvitationsForUsers(r.Context(), s.P, invited); err != nil {
			return nil, err
		}
	}
	out := make([]personRow, len(users))
	for i, u := range users {
		out[i] = personRow{User: u, RoleName: l.RoleName(u.Role), LicenseName: l.LicenseName(u.LicenseType)}
		if inv, ok := invs[u.ID]; ok {
			out[i].Invitation = &inv
		}
	}
	return out, nil
}

// actions says which row actions and page controls the caller may use, so
// the page never offers what the server would refuse.
type actions struct {
	Manage bool // users.manage: role and license, disable, enable, reset, delete
	Invite bool // invites.send: invite, resend, cancel, send invites
	Trial  bool // seed 000's simplified view: active users, invite, disable
}

func actionsFor(s *session) actions {
	return actions{Manage: s.can(roster.PermUsersManage), Invite: s.can(roster.PermInvitesSend),
		Trial: s.Me.Org.Plan == roster.PlanTrial}
}

// peopleData is the People page's template data.
type peopleData struct {
	Query    peopleQuery
	Tabs     []tab
	Rows     []personRow
	Next     string // URL of the next page, if any
	Prev     string // URL of the page before, if any
	First    string // URL of the first page when not on it
	Cards    bool
	Lookups  *orgLookups
	Can      actions
	Org      *roster.Org
	Invite   *inviteForm
	Now      time.Time
	TrialMax int
}

// TrialLeft is how many of a trial's lifetime invitations remain.
func (d *peopleData) TrialLeft() int {
	return max(roster.TrialInvitationLimit-d.Org.InvitationsSent, 0)
}

func (c *Console) peoplePage(w http.ResponseWriter, r *http.Request, s *session) error {
	q := parsePeopleQuery(r.URL.Query())
	if q.View != "" {
		c.setCookie(w, viewCookie, q.View, "/people", 365*24*3600)
	}
	// One address per view: the filter form's empty fields and the view
	// switch are dropped, so what the admin bookmarks is clean.
	if canonical := q.URL(); canonical != r.URL.RequestURI() {
		http.Redirect(w, r, canonical, http.StatusSeeOther)
		return nil
	}
	return c.renderPeople(w, r, s, q, nil, http.StatusOK)
}

// renderPeople shows the People page for q; invite, when set, reopens the
// Invite people dialog with what the admin typed and why it was refused.
func (c *Console) renderPeople(w http.ResponseWriter, r *http.Request, s *session, q peopleQuery, invite *inviteForm, status int) error {
	if err := s.P.Require(roster.PermUsersRead); err != nil {
		return err
	}
	can := actionsFor(s)
	if can.Trial {
		// The trial view lists active users only (seed 000).
		q.Tab = roster.StatusActive
	}
	// The tab counts, the page and the org's roles and licenses are
	// independent: ask for them at once so the page waits for the slowest
	// rather than for their sum.
	var (
		wg                         sync.WaitGroup
		counts                     map[roster.Status]int
		page                       roster.Page[roster.User]
		l                          *orgLookups
		countErr, listErr, lookErr error
	)
	wg.Go(func() { counts, countErr = c.svc.CountUsersByStatus(r.Context(), s.P) })
	wg.Go(func() {
		page, listErr = c.svc.ListUsers(r.Context(), s.P, q.filter(pageSize))
		if roster.ErrorKind(listErr) == roster.KindInvalid && q.Cursor != "" {
			// A cursor from an old link or another sort: start over.
			q.Cursor = ""
			page, listErr = c.svc.ListUsers(r.Context(), s.P, q.filter(pageSize))
		}
	})
	wg.Go(func() { l, lookErr = c.lookups(r, s) })
	wg.Wait()
	if err := errors.Join(countErr, listErr, lookErr); err != nil {
		return err
	}
	rows, err := c.rows(r, s, l, page.Items)
	if err != nil {
		return err
	}
	d := &peopleData{Query: q, Rows: rows, Lookups: l, Can: can, Org: s.Me.Org, Invite: invite, Now: c.svc.Now(),
		TrialMax: roster.TrialInvitationLimit}
	statuses := []roster.Status{roster.StatusActive, roster.StatusInvited, roster.StatusPrepared, roster.StatusInactive}
	if can.Trial {
		statuses = statuses[:1]
	}
	for _, st := range statuses {
		d.Tabs = append(d.Tabs, tab{Status: st, Label: tabLabel[st], Count: counts[st], Href: q.WithTab(st), Current: st == q.Tab})
	}
	if page.NextCursor != "" {
		d.Next = q.WithCursor(page.NextCursor)
	}
	if page.PrevCursor != "" {
		d.Prev = q.WithCursor(page.PrevCursor)
	}
	if q.Cursor != "" {
		d.First = q.WithCursor("")
	}
	view := q.View
	if view == "" {
		if ck, err := r.Cookie(viewCookie); err == nil {
			view = ck.Value
		}
	}
	d.Cards = view == "card"
	if d.Invite == nil {
		d.Invite = &inviteForm{Role: roster.RoleAgent, Send: true}
	}
	c.render(w, r, s, status, "people", "People", d)
	return nil
}

var tabLabel = map[roster.Status]string{
	roster.StatusActive: "Active", roster.StatusInvited: "Invited", roster.StatusPrepared: "Prepared",
	roster.StatusInactive: "Inactive",
}

// Name is the display name; a value method so templates can call it on a
// copy.
func (r personRow) Name() string { return r.User.Name() }
