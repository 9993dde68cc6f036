package api

import (
	"net/http"

	"roster/internal/roster"
	"roster/internal/service"
)

// invitationJSON is an invitation as the API shows it.
type invitationJSON struct {
	ID          string `json:"id"`
	UserID      string `json:"user_id"`
	Email       string `json:"email"`
	Role        string `json:"role"`
	LicenseType string `json:"license_type"`
	Integration string `json:"integration"`
	InviterID   string `json:"inviter_id"`
	Status      string `json:"status"`
	CreatedAt   string `json:"created_at"`
	ExpiresAt   string `json:"expires_at"`
	Expired     bool   `json:"expired"`
}

func toInvitationJSON(i roster.Invitation, expired bool) invitationJSON {
	return invitationJSON{ID: i.ID, UserID: i.UserID, Email: i.Email, Role: i.Role, LicenseType: i.LicenseType,
		Integration: i.Integration, InviterID: i.InviterID, Status: string(i.Status),
		CreatedAt: i.CreatedAt.Format(rfc3339Micro), ExpiresAt: i.ExpiresAt.Format(rfc3339Micro), Expired: expired}
}

const rfc3339Micro = "2006-01-02T15:04:05.999999Z07:00"

type inviteRequest struct {
	Emails      []string `json:"emails"`
	Role        string   `json:"role"`
	LicenseType string   `json:"license_type"`
	Integration string   `json:"integration"`
	Send        *bool    `json:"send"`
}

func (a *API) createInvitations(w http.ResponseWriter, r *http.Request) error {
	var req inviteRequest
	if err := decode(w, r, &req, false); err != nil {
		return err
	}
	send := req.Send == nil || *req.Send
	users, err := a.svc.Invite(r.Context(), principal(r), service.InviteInput{Emails: req.Emails, Role: req.Role,
		LicenseType: req.LicenseType, Integration: req.Integration, Send: send})
	if err != nil {
		return err
	}
	if send {
		// Prepared users queue no email: waking the sender would only
		// have it look.
		a.opt.Wake()
	}
	return writeJSON(w, http.StatusCreated, map[string]any{"items": users})
}

func (a *API) sendInvitations(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		UserIDs     []string `json:"user_ids"`
		Integration string   `json:"integration"`
	}
	if err := decode(w, r, &req, false); err != nil {
		return err
	}
	if len(req.UserIDs) == 0 || len(req.UserIDs) > service.MaxInvitesPerRequest {
		return &roster.Error{Kind: roster.KindInvalid, Message: "the request has invalid fields",
			Fields: []roster.FieldError{{Field: "user_ids", Message: "give 1 to 1000 prepared users"}}}
	}
	users, err := a.svc.SendInvites(r.Context(), principal(r), req.UserIDs, req.Integration)
	if err != nil {
		return err
	}
	a.opt.Wake()
	return writeJSON(w, http.StatusOK, map[string]any{"items": users})
}

func (a *API) listInvitations(w http.ResponseWriter, r *http.Request) error {
	invs, err := a.svc.Invitations(r.Context(), principal(r))
	if err != nil {
		return err
	}
	now := a.svc.Now()
	items := make([]invitationJSON, len(invs))
	for i, inv := range invs {
		items[i] = toInvitationJSON(inv, inv.Expired(now))
	}
	return writeJSON(w, http.StatusOK, map[string]any{"items": items})
}

func (a *API) resendInvitation(w http.ResponseWriter, r *http.Request) error {
	inv, err := a.svc.ResendInvitation(r.Context(), principal(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	a.opt.Wake()
	return writeJSON(w, http.StatusOK, toInvitationJSON(*inv, false))
}

func (a *API) cancelInvitation(w http.ResponseWriter, r *http.Request) error {
	if err := a.svc.CancelInvitation(r.Context(), principal(r), r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *API) acceptInvitation(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Token     string `json:"token"`
		FirstName string `json:"first_name"`
		LastName  string `json:"last_name"`
		Password  string `json:"password"`
	}
	if err := decode(w, r, &req, false); err != nil {
		return err
	}
	u, err := a.svc.AcceptInvitation(r.Context(), service.AcceptInput{Token: req.Token, FirstName: req.FirstName,
		LastName: req.LastName, Password: req.Password, IP: ClientIP(r)})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, u)
}
