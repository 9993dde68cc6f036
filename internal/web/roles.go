package web

import (
	"net/http"

	"roster/internal/roster"
)

// roleView is a role with its permissions described.
type roleView struct {
	roster.Role
	Grants []roster.PermissionInfo
}

// rolesPage shows each role of the org and what it grants.
func (c *Console) rolesPage(w http.ResponseWriter, r *http.Request, s *session) error {
	roles, err := c.svc.Roles(r.Context(), s.P)
	if err != nil {
		return err
	}
	out := make([]roleView, len(roles))
	for i, ro := range roles {
		out[i].Role = ro
		for _, p := range roster.Catalogue {
			if ro.Permissions.Has(p.Name) {
				out[i].Grants = append(out[i].Grants, p)
			}
		}
	}
	c.render(w, r, s, http.StatusOK, "roles", "Roles", out)
	return nil
}
