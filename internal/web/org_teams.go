package web

import (
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"

	"roster/internal/roster"
	"roster/internal/service"
)

// teamsData is the Teams page's template data.
type teamsData struct {
	Teams  []roster.Team
	Manage bool
	Refuse *formRefusal
}

func (c *Console) teamsPage(w http.ResponseWriter, r *http.Request, s *session) error {
	return c.renderTeams(w, r, s, http.StatusOK, nil)
}

func (c *Console) renderTeams(w http.ResponseWriter, r *http.Request, s *session, status int, f *formRefusal) error {
	teams, err := c.svc.Teams(r.Context(), s.P)
	if err != nil {
		return err
	}
	c.render(w, r, s, status, "teams", "Teams", teamsData{Teams: teams, Manage: s.can(roster.PermTeamsManage), Refuse: f})
	return nil
}

func (c *Console) teamCreateSubmit(w http.ResponseWriter, r *http.Request, s *session) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	t, err := c.svc.CreateTeam(r.Context(), s.P, service.TeamInput{Name: r.PostFormValue("name")})
	if err != nil {
		f, ok := refusal(r, "create", err, "name")
		if !ok {
			return err
		}
		return c.renderTeams(w, r, s, statusOf(err), f)
	}
	return c.redirectWith(w, r, "/teams/"+t.ID, flash{Message: "Team " + t.Name + " created; add its members below."})
}

// teamData is a team page's template data.
type teamData struct {
	Team    *roster.Team
	Members []roster.TeamMember
	Roles   []roleChoice
	// Calls maps a member to their calls handled in the last 30 days; nil
	// when the plan or the viewer's permissions hide statistics.
	Calls  map[string]int
	Manage bool
	Refuse *formRefusal
}

// roleChoice is one linked-role checkbox.
type roleChoice struct {
	roster.Role
	Checked bool
}

func (c *Console) teamPage(w http.ResponseWriter, r *http.Request, s *session) error {
	return c.renderTeam(w, r, s, http.StatusOK, nil)
}

func (c *Console) renderTeam(w http.ResponseWriter, r *http.Request, s *session, status int, f *formRefusal) error {
	ctx := r.Context()
	t, err := c.svc.Team(ctx, s.P, r.PathValue("id"))
	if err != nil {
		return err
	}
	d := teamData{Team: t, Manage: s.can(roster.PermTeamsManage), Refuse: f}
	if d.Members, err = c.svc.TeamMembers(ctx, s.P, t.ID); err != nil {
		return err
	}
	if d.Calls, err = c.teamCalls(r, s, t.ID); err != nil {
		return err
	}
	if d.Manage {
		roles, err := c.svc.Roles(ctx, s.P)
		if err != nil {
			return err
		}
		for _, ro := range roles {
			d.Roles = append(d.Roles, roleChoice{Role: ro, Checked: slices.Contains(t.RoleIDs, ro.ID)})
		}
	}
	c.render(w, r, s, status, "team", t.Name, d)
	return nil
}

// teamCalls returns each member's calls handled in the last 30 days, or
// nil when the org's plan or the viewer's permissions hide them.
func (c *Console) teamCalls(r *http.Request, s *session, teamID string) (map[string]int, error) {
	if !roster.PlanShowsCallStats(s.Me.Org.Plan) {
		return nil, nil
	}
	st, err := c.svc.TeamCallStats(r.Context(), s.P, teamID, service.StatsRange{})
	if roster.ErrorKind(err) == roster.KindForbidden {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	out := make(map[string]int, len(st.Users))
	for _, u := range st.Users {
		out[u.UserID] = u.Total
	}
	return out, nil
}

// teamRefused shows the team page again with the refused form, or sends
// the error on when it is not the user's to fix.
func (c *Console) teamRefused(w http.ResponseWriter, r *http.Request, s *session, form string, err error, fields ...string) error {
	f, ok := refusal(r, form, err, fields...)
	if !ok {
		return err
	}
	return c.renderTeam(w, r, s, statusOf(err), f)
}

func (c *Console) teamEditSubmit(w http.ResponseWriter, r *http.Request, s *session) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	id := r.PathValue("id")
	var patch service.TeamPatch
	form := "rename"
	if _, ok := r.PostForm["name"]; ok {
		name := r.PostFormValue("name")
		patch.Name = &name
	}
	if r.PostFormValue("roles") == "1" {
		form = "roles"
		ids := append([]string{}, r.PostForm["role_ids"]...)
		patch.RoleIDs = &ids
	}
	t, err := c.svc.UpdateTeam(r.Context(), s.P, id, patch)
	if err != nil {
		return c.teamRefused(w, r, s, form, err, "name")
	}
	msg := "Team " + t.Name + " saved."
	if form == "roles" {
		msg = "Linked roles of " + t.Name + " saved; everyone holding them is in the team."
	}
	return c.redirectWith(w, r, "/teams/"+id, flash{Message: msg})
}

func (c *Console) teamDisableSubmit(w http.ResponseWriter, r *http.Request, s *session) error {
	return c.teamSetDisabled(w, r, s, true)
}

func (c *Console) teamEnableSubmit(w http.ResponseWriter, r *http.Request, s *session) error {
	return c.teamSetDisabled(w, r, s, false)
}

func (c *Console) teamSetDisabled(w http.ResponseWriter, r *http.Request, s *session, disabled bool) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	t, err := c.svc.UpdateTeam(r.Context(), s.P, r.PathValue("id"), service.TeamPatch{Disabled: &disabled})
	if err != nil {
		return c.refuse(w, r, "/teams", err)
	}
	msg := "Team " + t.Name + " is enabled again."
	if disabled {
		msg = "Team " + t.Name + " is disabled: only admins see it now."
	}
	return c.redirectWith(w, r, "/teams/"+t.ID, flash{Message: msg})
}

// maxAvatarForm bounds an avatar upload: the image the service accepts at
// most, plus room for the multipart framing.
const maxAvatarForm = roster.MaxAvatarBytes + 64<<10

func (c *Console) teamAvatarSubmit(w http.ResponseWriter, r *http.Request, s *session) error {
	id := r.PathValue("id")
	r.Body = http.MaxBytesReader(w, r.Body, maxAvatarForm)
	var data []byte
	remove := false
	err := r.ParseMultipartForm(maxAvatarForm)
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		err = avatarInvalid("is larger than 256 KB")
	case err != nil:
		err = avatarInvalid("choose an image file to upload")
	default:
		remove = r.PostFormValue("remove") == "1"
		if !remove {
			file, _, ferr := r.FormFile("avatar")
			if ferr != nil {
				err = avatarInvalid("choose an image file to upload")
				break
			}
			data, err = io.ReadAll(file)
			file.Close()
		}
	}
	if err == nil {
		if remove {
			data = nil
		}
		err = c.svc.SetTeamAvatar(r.Context(), s.P, id, data)
	}
	if err != nil {
		return c.teamRefused(w, r, s, "avatar", err)
	}
	msg := "Avatar saved."
	if remove {
		msg = "Avatar removed."
	}
	return c.redirectWith(w, r, "/teams/"+id, flash{Message: msg})
}

func avatarInvalid(msg string) error {
	return &roster.Error{Kind: roster.KindInvalid, Message: "the avatar was refused",
		Fields: []roster.FieldError{{Field: "avatar", Message: msg}}}
}

func (c *Console) teamAvatar(w http.ResponseWriter, r *http.Request, s *session) error {
	data, mediaType, err := c.svc.TeamAvatar(r.Context(), s.P, r.PathValue("id"))
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", mediaType)
	w.Header().Set("Cache-Control", "private, no-cache")
	_, _ = w.Write(data)
	return nil
}

// userByEmail finds a user of the org by their exact email address, for
// forms where an admin types whom to add.
func (c *Console) userByEmail(r *http.Request, s *session, field, email string) (*roster.User, error) {
	email = strings.TrimSpace(email)
	norm, err := roster.NormalizeEmail(email)
	if err != nil {
		return nil, &roster.Error{Kind: roster.KindInvalid, Message: "the request has invalid fields",
			Fields: []roster.FieldError{{Field: field, Message: "is not a valid email address"}}}
	}
	u, err := c.svc.UserByEmail(r.Context(), s.P, norm)
	if err == nil || !errors.Is(err, roster.ErrNotFound) {
		return u, err
	}
	return nil, &roster.Error{Kind: roster.KindInvalid, Message: "the request has invalid fields",
		Fields: []roster.FieldError{{Field: field, Message: "no user " + norm + " in this organisation"}}}
}

func (c *Console) teamMemberAddSubmit(w http.ResponseWriter, r *http.Request, s *session) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	id := r.PathValue("id")
	if err := s.P.Require(roster.PermTeamsManage); err != nil {
		return err
	}
	u, err := c.userByEmail(r, s, "email", r.PostFormValue("email"))
	if err == nil {
		leader := r.PostFormValue("leader") == "1"
		var added bool
		if added, err = c.svc.SetTeamMember(r.Context(), s.P, id, u.ID, &leader); err == nil {
			msg := u.Email + " added to the team."
			if !added {
				msg = u.Email + " was already in the team; their leader flag is saved."
			}
			return c.redirectWith(w, r, "/teams/"+id, flash{Message: msg})
		}
	}
	return c.teamRefused(w, r, s, "member", err, "email", "leader")
}

func (c *Console) teamMemberLeaderSubmit(w http.ResponseWriter, r *http.Request, s *session) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	id, uid := r.PathValue("id"), r.PathValue("uid")
	leader := r.PostFormValue("leader") == "1"
	if _, err := c.svc.SetTeamMember(r.Context(), s.P, id, uid, &leader); err != nil {
		return c.refuse(w, r, "/teams/"+id, err)
	}
	msg := "Leader flag removed."
	if leader {
		msg = "Made a team leader."
	}
	return c.redirectWith(w, r, "/teams/"+id, flash{Message: msg})
}

func (c *Console) teamMemberRemoveSubmit(w http.ResponseWriter, r *http.Request, s *session) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	id := r.PathValue("id")
	if err := c.svc.RemoveTeamMember(r.Context(), s.P, id, r.PathValue("uid")); err != nil {
		return c.refuse(w, r, "/teams/"+id, err)
	}
	return c.redirectWith(w, r, "/teams/"+id, flash{Message: "Removed from the team."})
}

// myTeamData is the My Team page's template data.
type myTeamData struct {
	Teams   []roster.Team
	Members []roster.TeamMember
	Calls   map[string]int
	Roles   map[string]string // role key → name, when the leader may read roles
}

// myTeamPage lists the members of the teams the signed-in leader leads,
// with presence and, where the plan allows, calls handled.
func (c *Console) myTeamPage(w http.ResponseWriter, r *http.Request, s *session) error {
	mt, err := c.svc.MyTeam(r.Context(), s.P)
	if err != nil {
		return err
	}
	d := myTeamData{Teams: mt.Teams, Members: mt.Members}
	if s.can(roster.PermUsersRead) {
		if d.Roles, err = roleNames(r, c, s); err != nil {
			return err
		}
	}
	for _, t := range mt.Teams {
		calls, err := c.teamCalls(r, s, t.ID)
		if err != nil {
			return err
		}
		if calls != nil && d.Calls == nil {
			d.Calls = map[string]int{}
		}
		for k, v := range calls {
			d.Calls[k] = v
		}
	}
	c.render(w, r, s, http.StatusOK, "myteam", "My Team", d)
	return nil
}
