package web

import (
	"errors"
	"net/http"
	"strings"

	"roster/internal/api"
	"roster/internal/roster"
	"roster/internal/service"
)

// statusOf is the HTTP status of a refusal, from the API's one mapping.
func statusOf(err error) int { return api.Status(err) }

// refuse sends the admin back where they were with the reason the server
// refused; errors that are not the user's stay errors.
func (c *Console) refuse(w http.ResponseWriter, r *http.Request, back string, err error) error {
	if _, ok := toFormError(err); !ok {
		return err
	}
	switch roster.ErrorKind(err) {
	case roster.KindForbidden, roster.KindUnauthenticated:
		return err
	}
	return c.redirectWith(w, r, back, flash{Message: flashMessage(err), Error: true})
}

// flashMessage is a refusal told in one line: the reason, and for invalid
// input what is wrong with each field, since a flash has no form to mark.
func flashMessage(err error) string {
	var re *roster.Error
	if !errors.As(err, &re) || len(re.Fields) == 0 {
		return message(err)
	}
	parts := make([]string, len(re.Fields))
	for i, f := range re.Fields {
		parts[i] = strings.ReplaceAll(f.Field, "_", " ") + " " + f.Message
	}
	return "Not saved: " + strings.Join(parts, "; ") + "."
}

// userAction runs one row action on the user in the path and returns to
// the page the admin came from with the outcome.
func (c *Console) userAction(w http.ResponseWriter, r *http.Request, s *session,
	act func(id string) (string, error)) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	back, _ := backQuery(r)
	done, err := act(r.PathValue("id"))
	if err != nil {
		return c.refuse(w, r, back, err)
	}
	return c.redirectWith(w, r, back, flash{Message: done})
}

// optional returns a pointer to a posted field, nil when it was not sent.
func optional(r *http.Request, name string) *string {
	if _, ok := r.PostForm[name]; !ok {
		return nil
	}
	v := r.PostFormValue(name)
	return &v
}

func (c *Console) roleSubmit(w http.ResponseWriter, r *http.Request, s *session) error {
	return c.userAction(w, r, s, func(id string) (string, error) {
		u, err := c.svc.UpdateUser(r.Context(), s.P, id, serviceUserPatch(r))
		if err != nil {
			return "", err
		}
		return "Role and license of " + u.Email + " saved.", nil
	})
}

// nameSubmit saves a user's first and last name (seed 001's Edit user);
// the email stays as it is, as everywhere.
func (c *Console) nameSubmit(w http.ResponseWriter, r *http.Request, s *session) error {
	return c.userAction(w, r, s, func(id string) (string, error) {
		first, last := r.PostFormValue("first_name"), r.PostFormValue("last_name")
		u, err := c.svc.UpdateUser(r.Context(), s.P, id, service.UserPatch{FirstName: &first, LastName: &last})
		if err != nil {
			return "", err
		}
		return "Name of " + u.Email + " saved.", nil
	})
}

func (c *Console) disableSubmit(w http.ResponseWriter, r *http.Request, s *session) error {
	return c.userAction(w, r, s, func(id string) (string, error) {
		u, err := c.svc.DeactivateUser(r.Context(), s.P, id)
		if err != nil {
			return "", err
		}
		return u.Email + " is disabled: they can no longer sign in. Find them under Inactive.", nil
	})
}

func (c *Console) enableSubmit(w http.ResponseWriter, r *http.Request, s *session) error {
	return c.userAction(w, r, s, func(id string) (string, error) {
		u, err := c.svc.ReactivateUser(r.Context(), s.P, id, optional(r, "role"), optional(r, "license"))
		if err != nil {
			return "", err
		}
		return u.Email + " is active again and can sign in with their existing password.", nil
	})
}

func (c *Console) resetPasswordSubmit(w http.ResponseWriter, r *http.Request, s *session) error {
	return c.userAction(w, r, s, func(id string) (string, error) {
		if err := c.svc.AdminPasswordReset(r.Context(), s.P, id); err != nil {
			return "", err
		}
		c.opt.Wake()
		return "A password reset link is on its way to the user.", nil
	})
}

func (c *Console) deleteSubmit(w http.ResponseWriter, r *http.Request, s *session) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	back, _ := backQuery(r)
	id := r.PathValue("id")
	u, err := c.svc.User(r.Context(), s.P, id)
	if err == nil {
		err = c.svc.DeleteUser(r.Context(), s.P, id)
	}
	if err != nil {
		return c.refuse(w, r, back, err)
	}
	if back == "/people/"+id {
		back = "/people"
	}
	return c.redirectWith(w, r, back, flash{Message: u.Email + " is deleted."})
}

func (c *Console) sendInviteSubmit(w http.ResponseWriter, r *http.Request, s *session) error {
	return c.userAction(w, r, s, func(id string) (string, error) {
		users, err := c.svc.SendInvites(r.Context(), s.P, []string{id}, "")
		if err != nil {
			return "", err
		}
		c.opt.Wake()
		return "Invitation sent to " + emailList(users) + ".", nil
	})
}

func (c *Console) resendSubmit(w http.ResponseWriter, r *http.Request, s *session) error {
	return c.userAction(w, r, s, func(id string) (string, error) {
		inv, err := c.svc.PendingInvitationForUser(r.Context(), s.P, id)
		if err != nil {
			return "", err
		}
		if inv, err = c.svc.ResendInvitation(r.Context(), s.P, inv.ID); err != nil {
			return "", err
		}
		c.opt.Wake()
		return "A new invitation is on its way to " + inv.Email + "; the old link no longer works.", nil
	})
}

func (c *Console) cancelSubmit(w http.ResponseWriter, r *http.Request, s *session) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	back, _ := backQuery(r)
	id := r.PathValue("id")
	inv, err := c.svc.PendingInvitationForUser(r.Context(), s.P, id)
	if err == nil {
		err = c.svc.CancelInvitation(r.Context(), s.P, inv.ID)
	}
	if err != nil {
		return c.refuse(w, r, back, err)
	}
	if back == "/people/"+id {
		back = "/people?tab=invited"
	}
	return c.redirectWith(w, r, back, flash{Message: "The invitation to " + inv.Email + " is cancelled."})
}
