package web

import (
	"net/http"
	"slices"

	"roster/internal/roster"
	"roster/internal/service"
)

// queuesData is the Queues page's template data.
type queuesData struct {
	Queues []roster.Queue
	Manage bool
	Refuse *formRefusal
}

func (c *Console) queuesPage(w http.ResponseWriter, r *http.Request, s *session) error {
	return c.renderQueues(w, r, s, http.StatusOK, nil)
}

func (c *Console) renderQueues(w http.ResponseWriter, r *http.Request, s *session, status int, f *formRefusal) error {
	qs, err := c.svc.Queues(r.Context(), s.P)
	if err != nil {
		return err
	}
	c.render(w, r, s, status, "queues", "Queues", queuesData{Queues: qs, Manage: s.can(roster.PermQueuesManage), Refuse: f})
	return nil
}

func (c *Console) queueCreateSubmit(w http.ResponseWriter, r *http.Request, s *session) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	name, desc := r.PostFormValue("name"), r.PostFormValue("description")
	q, err := c.svc.CreateQueue(r.Context(), s.P, service.QueueInput{Name: &name, Description: &desc})
	if err != nil {
		f, ok := refusal(r, "create", err, "name", "description")
		if !ok {
			return err
		}
		return c.renderQueues(w, r, s, statusOf(err), f)
	}
	return c.redirectWith(w, r, "/queues/"+q.ID, flash{Message: "Queue " + q.Name + " created; add its agents below."})
}

// queueData is a queue page's template data.
type queueData struct {
	Queue   *roster.Queue
	Members []roster.QueueMember
	Manage  bool
	Refuse  *formRefusal
	// RefusedUser is the member whose penalty/priority form was refused.
	RefusedUser string
	MaxPenalty  int
	MaxPriority int
}

func (c *Console) queuePage(w http.ResponseWriter, r *http.Request, s *session) error {
	return c.renderQueue(w, r, s, http.StatusOK, nil)
}

func (c *Console) renderQueue(w http.ResponseWriter, r *http.Request, s *session, status int, f *formRefusal) error {
	q, err := c.svc.Queue(r.Context(), s.P, r.PathValue("id"))
	if err != nil {
		return err
	}
	d := queueData{Queue: q, Manage: s.can(roster.PermQueuesManage), Refuse: f, MaxPenalty: roster.MaxPenalty,
		MaxPriority: roster.MaxPriority}
	if f != nil {
		d.RefusedUser = f.Values["user_id"]
	}
	if d.Members, err = c.svc.QueueMembers(r.Context(), s.P, q.ID); err != nil {
		return err
	}
	if f != nil && f.Form == "member" && !slices.ContainsFunc(d.Members, func(m roster.QueueMember) bool { return m.UserID == d.RefusedUser }) {
		// The refused row is not listed (a forged or stale form): show
		// the reason on the add form instead of nowhere.
		f.Form = "add"
	}
	c.render(w, r, s, status, "queue", q.Name, d)
	return nil
}

func (c *Console) queueRefused(w http.ResponseWriter, r *http.Request, s *session, form string, err error, fields ...string) error {
	f, ok := refusal(r, form, err, fields...)
	if !ok {
		return err
	}
	return c.renderQueue(w, r, s, statusOf(err), f)
}

func (c *Console) queueEditSubmit(w http.ResponseWriter, r *http.Request, s *session) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	name, desc := r.PostFormValue("name"), r.PostFormValue("description")
	q, err := c.svc.UpdateQueue(r.Context(), s.P, r.PathValue("id"), service.QueueInput{Name: &name, Description: &desc})
	if err != nil {
		return c.queueRefused(w, r, s, "edit", err, "name", "description")
	}
	return c.redirectWith(w, r, "/queues/"+q.ID, flash{Message: "Queue " + q.Name + " saved."})
}

func (c *Console) queueDeleteSubmit(w http.ResponseWriter, r *http.Request, s *session) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	id := r.PathValue("id")
	q, err := c.svc.Queue(r.Context(), s.P, id)
	if err == nil {
		err = c.svc.DeleteQueue(r.Context(), s.P, id)
	}
	if err != nil {
		return c.refuse(w, r, "/queues", err)
	}
	return c.redirectWith(w, r, "/queues", flash{Message: "Queue " + q.Name + " deleted; its agents are no longer in it."})
}

// queueMemberSubmit adds an agent (by email) or, for a listed member
// (user_id), saves their penalty and priority.
func (c *Console) queueMemberSubmit(w http.ResponseWriter, r *http.Request, s *session) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	if err := s.P.Require(roster.PermQueuesManage); err != nil {
		return err
	}
	id := r.PathValue("id")
	var v roster.Validation
	penalty := formInt(r, "penalty", 0, &v)
	priority := formInt(r, "priority", 0, &v)
	form := "add"
	userID := r.PostFormValue("user_id")
	var email string
	var err error
	if userID != "" {
		form = "member"
	} else {
		var u *roster.User
		if u, err = c.userByEmail(r, s, "email", r.PostFormValue("email")); err == nil {
			userID, email = u.ID, u.Email
		}
	}
	if err == nil {
		err = v.Err()
	}
	var added bool
	if err == nil {
		added, err = c.svc.SetQueueMember(r.Context(), s.P, id, userID, penalty, priority)
	}
	if err != nil {
		return c.queueRefused(w, r, s, form, err, "email", "penalty", "priority", "user_id")
	}
	msg := "Penalty and priority saved."
	if added {
		msg = email + " added to the queue."
	}
	return c.redirectWith(w, r, "/queues/"+id, flash{Message: msg})
}

func (c *Console) queueMemberRemoveSubmit(w http.ResponseWriter, r *http.Request, s *session) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	id := r.PathValue("id")
	if err := c.svc.RemoveQueueMember(r.Context(), s.P, id, r.PathValue("uid")); err != nil {
		return c.refuse(w, r, "/queues/"+id, err)
	}
	return c.redirectWith(w, r, "/queues/"+id, flash{Message: "Removed from the queue."})
}

// reportSection is one report of the Reports page.
type reportSection struct {
	ID, Title, Hint string
	Users           []roster.User
}

// reportsData is the Reports page's template data.
type reportsData struct {
	Sections []reportSection
	Limit    int
	Roles    map[string]string // role key → name
}

// reportsPage shows the two audits of seed 001: active agents in no
// queue, and users with no sign-in for 30 days or more.
func (c *Console) reportsPage(w http.ResponseWriter, r *http.Request, s *session) error {
	unq, err := c.svc.UnqueuedAgents(r.Context(), s.P, "")
	if err != nil {
		return err
	}
	inact, err := c.svc.InactiveUsers(r.Context(), s.P, 30)
	if err != nil {
		return err
	}
	roles, err := roleNames(r, c, s)
	if err != nil {
		return err
	}
	c.render(w, r, s, http.StatusOK, "reports", "Reports", reportsData{Limit: service.ReportLimit, Roles: roles,
		Sections: []reportSection{
			{"unqueued", "Active agents in no queue", "Every agent should be in at least one queue, or they get no queue calls.", unq},
			{"inactive", "No sign-in for 30 days or more", "Review these regularly: people who left should be disabled so their seat is freed.", inact},
		}})
	return nil
}

// roleNames maps the org's role keys to their names, for lists that show
// a role.
func roleNames(r *http.Request, c *Console, s *session) (map[string]string, error) {
	roles, err := c.svc.Roles(r.Context(), s.P)
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(roles))
	for _, ro := range roles {
		out[ro.Key] = ro.Name
	}
	return out, nil
}
