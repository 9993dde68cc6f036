package web

import (
	"net/http"

	"roster/internal/roster"
)

// integrationsData is the Integrations page's template data.
type integrationsData struct {
	Integrations []roster.Integration
	Manage       bool
	Refuse       *formRefusal
}

// integrationsPage lists the org's CRM integrations; admins add and remove
// them. Each user links their own on their profile.
func (c *Console) integrationsPage(w http.ResponseWriter, r *http.Request, s *session) error {
	return c.renderIntegrations(w, r, s, http.StatusOK, nil)
}

func (c *Console) renderIntegrations(w http.ResponseWriter, r *http.Request, s *session, status int, f *formRefusal) error {
	list, err := c.svc.Integrations(r.Context(), s.P)
	if err != nil {
		return err
	}
	c.render(w, r, s, status, "integrations", "Integrations",
		integrationsData{Integrations: list, Manage: s.can(roster.PermIntegrationsManage), Refuse: f})
	return nil
}

func (c *Console) integrationCreateSubmit(w http.ResponseWriter, r *http.Request, s *session) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	in, err := c.svc.CreateIntegration(r.Context(), s.P, r.PostFormValue("key"), r.PostFormValue("name"))
	if err != nil {
		f, ok := refusal(r, "create", err, "name", "key")
		if !ok {
			return err
		}
		return c.renderIntegrations(w, r, s, statusOf(err), f)
	}
	return c.redirectWith(w, r, "/integrations", flash{Message: in.Name + " added; users can link it on their profile."})
}

func (c *Console) integrationDeleteSubmit(w http.ResponseWriter, r *http.Request, s *session) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	if err := c.svc.DeleteIntegration(r.Context(), s.P, r.PathValue("id")); err != nil {
		return c.refuse(w, r, "/integrations", err)
	}
	return c.redirectWith(w, r, "/integrations", flash{Message: "Integration removed, with every user's link to it."})
}
