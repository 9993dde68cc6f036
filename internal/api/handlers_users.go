package api

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"roster/internal/roster"
	"roster/internal/service"
)

// queryInt parses an optional integer query parameter.
func queryInt(r *http.Request, name string, v *roster.Validation) int {
	s := r.URL.Query().Get(name)
	if s == "" {
		return 0
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		v.Add(name, "must be a whole number")
	}
	return n
}

func (a *API) listUsers(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	var v roster.Validation
	f := roster.UserFilter{
		Status: roster.Status(q.Get("status")), Role: q.Get("role"), LicenseType: q.Get("license_type"), Team: q.Get("team"),
		Query: q.Get("q"), Sort: q.Get("sort"), Cursor: q.Get("cursor"), Limit: queryInt(r, "limit", &v),
	}
	if err := v.Err(); err != nil {
		return err
	}
	page, err := a.svc.ListUsers(r.Context(), principal(r), f)
	if err != nil {
		return err
	}
	return writeUserPage(w, http.StatusOK, page)
}

func (a *API) getUser(w http.ResponseWriter, r *http.Request) error {
	u, err := a.svc.User(r.Context(), principal(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeUser(w, http.StatusOK, u)
}

type userPatch struct {
	FirstName   *string `json:"first_name"`
	LastName    *string `json:"last_name"`
	Role        *string `json:"role"`
	LicenseType *string `json:"license_type"`
	Email       present `json:"email"`
}

// present records that a field was sent at all, even as null: encoding/json
// calls UnmarshalJSON for a null too, where a pointer would stay nil.
type present bool

// UnmarshalJSON marks the field as sent.
func (p *present) UnmarshalJSON([]byte) error { *p = true; return nil }

func (a *API) updateUser(w http.ResponseWriter, r *http.Request) error {
	var req userPatch
	if err := decode(w, r, &req, false); err != nil {
		return err
	}
	if req.Email {
		return &roster.Error{Kind: roster.KindInvalid, Message: "email addresses cannot be changed",
			Fields: []roster.FieldError{{Field: "email", Message: "cannot be changed after the user is created; deactivate this user and invite the new address"}}}
	}
	u, err := a.svc.UpdateUser(r.Context(), principal(r), r.PathValue("id"), service.UserPatch{
		FirstName: req.FirstName, LastName: req.LastName, Role: req.Role, LicenseType: req.LicenseType})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, u)
}

func (a *API) deleteUser(w http.ResponseWriter, r *http.Request) error {
	if err := a.svc.DeleteUser(r.Context(), principal(r), r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *API) inviteUser(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Integration string `json:"integration"`
	}
	if err := decode(w, r, &req, true); err != nil {
		return err
	}
	users, err := a.svc.SendInvites(r.Context(), principal(r), []string{r.PathValue("id")}, req.Integration)
	if err != nil {
		return err
	}
	a.opt.Wake()
	return writeJSON(w, http.StatusOK, users[0])
}

func (a *API) deactivateUser(w http.ResponseWriter, r *http.Request) error {
	u, err := a.svc.DeactivateUser(r.Context(), principal(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, u)
}

func (a *API) reactivateUser(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Role        *string `json:"role"`
		LicenseType *string `json:"license_type"`
	}
	if err := decode(w, r, &req, true); err != nil {
		return err
	}
	u, err := a.svc.ReactivateUser(r.Context(), principal(r), r.PathValue("id"), req.Role, req.LicenseType)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, u)
}

func (a *API) adminPasswordReset(w http.ResponseWriter, r *http.Request) error {
	if err := a.svc.AdminPasswordReset(r.Context(), principal(r), r.PathValue("id")); err != nil {
		return err
	}
	a.opt.Wake()
	return writeJSON(w, http.StatusAccepted, map[string]string{"status": "A reset link has been emailed to the user."})
}

func (a *API) licenses(w http.ResponseWriter, r *http.Request) error {
	pools, err := a.svc.Licenses(r.Context(), principal(r))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"items": pools})
}

func (a *API) roles(w http.ResponseWriter, r *http.Request) error {
	roles, err := a.svc.Roles(r.Context(), principal(r))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"items": roles})
}

func (a *API) permissions(w http.ResponseWriter, r *http.Request) error {
	perms, err := a.svc.Permissions(principal(r))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"items": perms})
}

// parseTime accepts RFC 3339 times and plain dates (midnight UTC).
func parseTime(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	return time.Parse("2006-01-02", s)
}

func (a *API) auditEvents(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	var v roster.Validation
	f := roster.AuditFilter{ActorID: q.Get("actor"), TargetID: q.Get("target"), Action: strings.TrimSpace(q.Get("action")),
		Cursor: q.Get("cursor"), Limit: queryInt(r, "limit", &v)}
	for _, t := range []struct {
		name string
		dst  *time.Time
	}{{"since", &f.Since}, {"until", &f.Until}} {
		if s := q.Get(t.name); s != "" {
			var err error
			if *t.dst, err = parseTime(s); err != nil {
				v.Add(t.name, "must be an RFC 3339 time or a date like 2026-01-31")
			}
		}
	}
	if f.Limit < 0 || f.Limit > 500 {
		v.Add("limit", "must be between 1 and 500")
	}
	if err := v.Err(); err != nil {
		return err
	}
	page, err := a.svc.AuditEvents(r.Context(), principal(r), f)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, page)
}
