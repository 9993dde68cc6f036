package web

import (
	"net/http"

	"roster/internal/roster"
	"roster/internal/service"
)

// roleView is a role with its permissions described.
type roleView struct {
	roster.Role
	Grants []roster.PermissionInfo
	Users  int
	Teams  []string // names of linked teams
}

// rolesData is the Roles page's template data.
type rolesData struct {
	Roles  []roleView
	Manage bool // roles.manage: create, edit, copy, delete
	Refuse *formRefusal
	// RefusedID is the role whose copy or delete dialog was refused, to
	// reopen it.
	RefusedID string
}

// rolesPage shows each role of the org and what it grants.
func (c *Console) rolesPage(w http.ResponseWriter, r *http.Request, s *session) error {
	return c.renderRoles(w, r, s, http.StatusOK, nil, "")
}

func (c *Console) renderRoles(w http.ResponseWriter, r *http.Request, s *session, status int, f *formRefusal, refusedID string) error {
	roles, err := c.svc.Roles(r.Context(), s.P)
	if err != nil {
		return err
	}
	d := rolesData{Manage: s.can(roster.PermRolesManage), Refuse: f, RefusedID: refusedID}
	teamNames := map[string]string{}
	if teams, err := c.svc.Teams(r.Context(), s.P); err == nil {
		for _, t := range teams {
			teamNames[t.ID] = t.Name
		}
	} else {
		return err
	}
	for _, ro := range roles {
		rv := roleView{Role: ro}
		for _, p := range roster.Catalogue {
			if ro.Permissions.Has(p.Name) {
				rv.Grants = append(rv.Grants, p)
			}
		}
		det, err := c.svc.Role(r.Context(), s.P, ro.ID)
		if err != nil {
			return err
		}
		rv.Users = det.UserCount
		for _, id := range det.TeamIDs {
			rv.Teams = append(rv.Teams, teamNames[id])
		}
		d.Roles = append(d.Roles, rv)
	}
	c.render(w, r, s, status, "roles", "Roles", d)
	return nil
}

// roleForm is the create / edit role page's data.
type roleForm struct {
	ID          string // empty when creating
	Name        string
	Description string
	Groups      []permGroup
	Teams       []teamChoice
	Err         *formError
}

// teamChoice is one linked-team checkbox.
type teamChoice struct {
	roster.Team
	Checked bool
}

func (c *Console) teamChoices(r *http.Request, s *session, checked []string) ([]teamChoice, error) {
	teams, err := c.svc.Teams(r.Context(), s.P)
	if err != nil {
		return nil, err
	}
	out := make([]teamChoice, len(teams))
	for i, t := range teams {
		out[i] = teamChoice{Team: t}
		for _, id := range checked {
			if id == t.ID {
				out[i].Checked = true
			}
		}
	}
	return out, nil
}

func (c *Console) renderRoleForm(w http.ResponseWriter, r *http.Request, s *session, status int, f *roleForm, perms roster.PermissionSet, teamIDs []string) error {
	if err := s.P.Require(roster.PermRolesManage); err != nil {
		return err
	}
	teams, err := c.teamChoices(r, s, teamIDs)
	if err != nil {
		return err
	}
	f.Teams, f.Groups = teams, permGroups(perms, nil)
	title := "New role"
	if f.ID != "" {
		title = "Edit " + f.Name
	}
	c.render(w, r, s, status, "role", title, f)
	return nil
}

func (c *Console) roleNewPage(w http.ResponseWriter, r *http.Request, s *session) error {
	return c.renderRoleForm(w, r, s, http.StatusOK, &roleForm{}, nil, nil)
}

func (c *Console) roleEditPage(w http.ResponseWriter, r *http.Request, s *session) error {
	if err := s.P.Require(roster.PermRolesManage); err != nil {
		return err
	}
	det, err := c.svc.Role(r.Context(), s.P, r.PathValue("id"))
	if err != nil {
		return err
	}
	if det.Builtin {
		return roster.Errorf(roster.KindConflict, "%s is a built-in role and cannot be changed; copy it and edit the copy", det.Name)
	}
	return c.renderRoleForm(w, r, s, http.StatusOK, &roleForm{ID: det.ID, Name: det.Name, Description: det.Description},
		det.Permissions, det.TeamIDs)
}

func (c *Console) roleCreateSubmit(w http.ResponseWriter, r *http.Request, s *session) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	in := service.RoleInput{Name: r.PostFormValue("name"), Description: r.PostFormValue("description"),
		Permissions: permNames(r), TeamIDs: r.PostForm["team_ids"]}
	ro, err := c.svc.CreateRole(r.Context(), s.P, in)
	if err != nil {
		return c.roleRefused(w, r, s, "", err)
	}
	return c.redirectWith(w, r, "/roles", flash{Message: "Role " + ro.Name + " created."})
}

func (c *Console) roleEditSubmit(w http.ResponseWriter, r *http.Request, s *session) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	name, desc, perms, teams := r.PostFormValue("name"), r.PostFormValue("description"), permNames(r), r.PostForm["team_ids"]
	if teams == nil {
		teams = []string{}
	}
	ro, err := c.svc.UpdateRole(r.Context(), s.P, r.PathValue("id"),
		service.RolePatch{Name: &name, Description: &desc, Permissions: &perms, TeamIDs: &teams})
	if err != nil {
		return c.roleRefused(w, r, s, r.PathValue("id"), err)
	}
	return c.redirectWith(w, r, "/roles", flash{Message: "Role " + ro.Name + " saved; its users have the new permissions at their next request."})
}

// roleRefused shows the role form again with what the admin typed and why
// the server refused it.
func (c *Console) roleRefused(w http.ResponseWriter, r *http.Request, s *session, id string, err error) error {
	fe, ok := toFormError(err)
	if !ok || roster.ErrorKind(err) == roster.KindForbidden || roster.ErrorKind(err) == roster.KindNotFound {
		return err
	}
	f := &roleForm{ID: id, Name: r.PostFormValue("name"), Description: r.PostFormValue("description"), Err: fe}
	return c.renderRoleForm(w, r, s, statusOf(err), f, postedPerms(r), r.PostForm["team_ids"])
}

func (c *Console) roleCopySubmit(w http.ResponseWriter, r *http.Request, s *session) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	ro, err := c.svc.CopyRole(r.Context(), s.P, r.PathValue("id"), r.PostFormValue("name"), "")
	if err != nil {
		f, ok := refusal(r, "copy", err, "name")
		if !ok {
			return err
		}
		return c.renderRoles(w, r, s, statusOf(err), f, r.PathValue("id"))
	}
	return c.redirectWith(w, r, "/roles/"+ro.ID, flash{Message: "Role " + ro.Name + " created as a copy; edit it below."})
}

func (c *Console) roleDeleteSubmit(w http.ResponseWriter, r *http.Request, s *session) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	id := r.PathValue("id")
	det, err := c.svc.Role(r.Context(), s.P, id)
	if err == nil {
		err = c.svc.DeleteRole(r.Context(), s.P, id, r.PostFormValue("replacement_role"))
	}
	if err != nil {
		f, ok := refusal(r, "delete", err, "replacement_role")
		if !ok {
			return err
		}
		return c.renderRoles(w, r, s, statusOf(err), f, id)
	}
	return c.redirectWith(w, r, "/roles", flash{Message: "Role " + det.Name + " deleted."})
}
