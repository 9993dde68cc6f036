package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"roster/internal/roster"
	"roster/internal/service"
)

// inviteForm is the Invite people dialog's state, kept across a refusal so
// the admin never retypes the addresses that were fine.
type inviteForm struct {
	Emails      string
	Role        string
	License     string
	Integration string
	Send        bool
	Err         *formError
	// Problems lists each refused address with the reason, in the order
	// typed.
	Problems []addressProblem
}

// addressProblem is one pasted address the server refused.
type addressProblem struct {
	Address, Reason string
}

// backQuery recovers the People page state the form was posted from.
func backQuery(r *http.Request) (string, peopleQuery) {
	back := localPath(r.PostFormValue("back"), "/people")
	u, err := url.Parse(back)
	if err != nil || u.Path != "/people" {
		return back, parsePeopleQuery(nil)
	}
	return back, parsePeopleQuery(u.Query())
}

func (c *Console) inviteSubmit(w http.ResponseWriter, r *http.Request, s *session) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	f := &inviteForm{Emails: r.PostFormValue("emails"), Role: r.PostFormValue("role"),
		License: r.PostFormValue("license"), Integration: r.PostFormValue("integration"),
		Send: r.PostFormValue("mode") != "prepare"}
	addrs := roster.SplitEmails(f.Emails)
	users, err := c.svc.Invite(r.Context(), s.P, service.InviteInput{Emails: addrs, Role: f.Role,
		LicenseType: f.License, Integration: f.Integration, Send: f.Send})
	_, q := backQuery(r)
	if err != nil {
		fe, ok := toFormError(err)
		if !ok || roster.ErrorKind(err) == roster.KindForbidden {
			return err
		}
		f.Err = fe
		for i, a := range addrs {
			if reason, bad := fe.Fields[fmt.Sprintf("emails[%d]", i)]; bad {
				f.Problems = append(f.Problems, addressProblem{Address: a, Reason: reason})
			}
		}
		return c.renderPeople(w, r, s, q, f, statusOf(err))
	}
	if !f.Send {
		return c.redirectWith(w, r, "/people?tab=prepared", flash{Message: plural(len(users), "person", "people") +
			" saved as prepared. Send their invitations when you are ready."})
	}
	c.opt.Wake()
	return c.redirectWith(w, r, "/people?tab=invited", flash{Message: "Invitation sent to " +
		plural(len(users), "person", "people") + ": " + emailList(users) + "."})
}

// sendInvitesSubmit invites the prepared users ticked on the Prepared tab
// (seed 003's "Send invitations"), all or none.
func (c *Console) sendInvitesSubmit(w http.ResponseWriter, r *http.Request, s *session) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	back, _ := backQuery(r)
	ids := r.PostForm["ids"]
	if len(ids) == 0 {
		return c.redirectWith(w, r, back, flash{Message: "Select at least one prepared user first.", Error: true})
	}
	if len(ids) > service.MaxInvitesPerRequest {
		return roster.Errorf(roster.KindInvalid, "at most %d users at a time", service.MaxInvitesPerRequest)
	}
	users, err := c.svc.SendInvites(r.Context(), s.P, ids, "")
	if err != nil {
		return c.refuse(w, r, back, err)
	}
	c.opt.Wake()
	return c.redirectWith(w, r, "/people?tab=invited", flash{Message: "Invitation sent to " +
		plural(len(users), "person", "people") + ": " + emailList(users) + "."})
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// emailList names up to five users, then counts the rest.
func emailList(users []roster.User) string {
	var names []string
	for i, u := range users {
		if i == 5 {
			names = append(names, fmt.Sprintf("and %d more", len(users)-5))
			break
		}
		names = append(names, u.Email)
	}
	return strings.Join(names, ", ")
}
