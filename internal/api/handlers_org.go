package api

import (
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"time"

	"roster/internal/roster"
	"roster/internal/service"
)

// orgRoutes are custom roles and direct permissions, teams, queues and
// their reports, presence, call events and statistics, and CRM integrations.
func (a *API) orgRoutes() []Route {
	return []Route{
		{"POST", "/api/v1/roles", false, a.createRole},
		{"GET", "/api/v1/roles/{id}", false, a.getRole},
		{"PATCH", "/api/v1/roles/{id}", false, a.updateRole},
		{"DELETE", "/api/v1/roles/{id}", false, a.deleteRole},
		{"POST", "/api/v1/roles/{id}/copy", false, a.copyRole},
		{"GET", "/api/v1/users/{id}/permissions", false, a.userPermissions},
		{"PUT", "/api/v1/users/{id}/permissions", false, a.setUserPermissions},

		{"GET", "/api/v1/teams", false, a.listTeams},
		{"POST", "/api/v1/teams", false, a.createTeam},
		{"GET", "/api/v1/teams/{id}", false, a.getTeam},
		{"PATCH", "/api/v1/teams/{id}", false, a.updateTeam},
		{"GET", "/api/v1/teams/{id}/avatar", false, a.getTeamAvatar},
		{"PUT", "/api/v1/teams/{id}/avatar", false, a.setTeamAvatar},
		{"DELETE", "/api/v1/teams/{id}/avatar", false, a.deleteTeamAvatar},
		{"GET", "/api/v1/teams/{id}/members", false, a.teamMembers},
		{"PUT", "/api/v1/teams/{id}/members/{user_id}", false, a.setTeamMember},
		{"DELETE", "/api/v1/teams/{id}/members/{user_id}", false, a.removeTeamMember},
		{"GET", "/api/v1/teams/{id}/call-stats", false, a.teamCallStats},
		{"GET", "/api/v1/me/team", false, a.myTeam},

		{"GET", "/api/v1/queues", false, a.listQueues},
		{"POST", "/api/v1/queues", false, a.createQueue},
		{"GET", "/api/v1/queues/{id}", false, a.getQueue},
		{"PATCH", "/api/v1/queues/{id}", false, a.updateQueue},
		{"DELETE", "/api/v1/queues/{id}", false, a.deleteQueue},
		{"GET", "/api/v1/queues/{id}/members", false, a.queueMembers},
		{"POST", "/api/v1/queues/{id}/members", false, a.setQueueMember},
		{"DELETE", "/api/v1/queues/{id}/members/{user_id}", false, a.removeQueueMember},
		{"GET", "/api/v1/reports/unqueued-agents", false, a.unqueuedAgents},
		{"GET", "/api/v1/reports/inactive-users", false, a.inactiveUsers},

		{"GET", "/api/v1/users/{id}/presence", false, a.getPresence},
		{"PUT", "/api/v1/users/{id}/presence", false, a.setPresence},
		{"POST", "/api/v1/call-events", false, a.callEvents},
		{"GET", "/api/v1/users/{id}/call-stats", false, a.userCallStats},

		{"GET", "/api/v1/integrations", false, a.listIntegrations},
		{"POST", "/api/v1/integrations", false, a.createIntegration},
		{"DELETE", "/api/v1/integrations/{id}", false, a.deleteIntegration},
		{"GET", "/api/v1/me/integrations", false, a.myIntegrations},
		{"POST", "/api/v1/me/integrations", false, a.linkMyIntegration},
		{"DELETE", "/api/v1/me/integrations/{id}", false, a.unlinkMyIntegration},
	}
}

// items wraps a list the way every list endpoint answers.
func items[T any](list []T) map[string]any {
	if list == nil {
		list = []T{}
	}
	return map[string]any{"items": list}
}

func noContent(w http.ResponseWriter) error {
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// createdOr answers 201 when something was added, else 200.
func createdOr(added bool) int {
	if added {
		return http.StatusCreated
	}
	return http.StatusOK
}

// ---- roles and permissions

type roleRequest struct {
	Key         string   `json:"key"`
	Name        string   `json:"name"`
	Description string   `json:"description"`
	Permissions []string `json:"permissions"`
	TeamIDs     []string `json:"team_ids"`
}

func (a *API) createRole(w http.ResponseWriter, r *http.Request) error {
	var req roleRequest
	if err := decode(w, r, &req, false); err != nil {
		return err
	}
	role, err := a.svc.CreateRole(r.Context(), principal(r), service.RoleInput{Key: req.Key, Name: req.Name,
		Description: req.Description, Permissions: req.Permissions, TeamIDs: req.TeamIDs})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, role)
}

func (a *API) getRole(w http.ResponseWriter, r *http.Request) error {
	role, err := a.svc.Role(r.Context(), principal(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, role)
}

func (a *API) updateRole(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Name        *string   `json:"name"`
		Description *string   `json:"description"`
		Permissions *[]string `json:"permissions"`
		TeamIDs     *[]string `json:"team_ids"`
	}
	if err := decode(w, r, &req, false); err != nil {
		return err
	}
	role, err := a.svc.UpdateRole(r.Context(), principal(r), r.PathValue("id"), service.RolePatch{
		Name: req.Name, Description: req.Description, Permissions: req.Permissions, TeamIDs: req.TeamIDs})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, role)
}

func (a *API) deleteRole(w http.ResponseWriter, r *http.Request) error {
	if err := a.svc.DeleteRole(r.Context(), principal(r), r.PathValue("id"), r.URL.Query().Get("replacement_role")); err != nil {
		return err
	}
	return noContent(w)
}

func (a *API) copyRole(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Key  string `json:"key"`
		Name string `json:"name"`
	}
	if err := decode(w, r, &req, true); err != nil {
		return err
	}
	role, err := a.svc.CopyRole(r.Context(), principal(r), r.PathValue("id"), req.Name, req.Key)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, role)
}

func (a *API) userPermissions(w http.ResponseWriter, r *http.Request) error {
	up, err := a.svc.UserPermissions(r.Context(), principal(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, up)
}

func (a *API) setUserPermissions(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Permissions *[]string `json:"permissions"`
	}
	if err := decode(w, r, &req, false); err != nil {
		return err
	}
	if req.Permissions == nil {
		return fieldProblem("permissions", "is required (an empty list removes every direct grant)")
	}
	up, err := a.svc.SetDirectPermissions(r.Context(), principal(r), r.PathValue("id"), *req.Permissions)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, up)
}

// fieldProblem is a validation problem about one field.
func fieldProblem(field, msg string) error {
	return &roster.Error{Kind: roster.KindInvalid, Message: "the request has invalid fields",
		Fields: []roster.FieldError{{Field: field, Message: msg}}}
}

// ---- teams

func (a *API) listTeams(w http.ResponseWriter, r *http.Request) error {
	teams, err := a.svc.Teams(r.Context(), principal(r))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, items(teams))
}

func (a *API) createTeam(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Name      string   `json:"name"`
		MemberIDs []string `json:"member_ids"`
		RoleIDs   []string `json:"role_ids"`
	}
	if err := decode(w, r, &req, false); err != nil {
		return err
	}
	t, err := a.svc.CreateTeam(r.Context(), principal(r), service.TeamInput{Name: req.Name, MemberIDs: req.MemberIDs, RoleIDs: req.RoleIDs})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, t)
}

func (a *API) getTeam(w http.ResponseWriter, r *http.Request) error {
	t, err := a.svc.Team(r.Context(), principal(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, t)
}

func (a *API) updateTeam(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Name     *string   `json:"name"`
		Disabled *bool     `json:"disabled"`
		RoleIDs  *[]string `json:"role_ids"`
	}
	if err := decode(w, r, &req, false); err != nil {
		return err
	}
	t, err := a.svc.UpdateTeam(r.Context(), principal(r), r.PathValue("id"), service.TeamPatch{
		Name: req.Name, Disabled: req.Disabled, RoleIDs: req.RoleIDs})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, t)
}

func (a *API) getTeamAvatar(w http.ResponseWriter, r *http.Request) error {
	data, mediaType, err := a.svc.TeamAvatar(r.Context(), principal(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", mediaType)
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	w.Header().Set("Cache-Control", "private, no-cache")
	w.Header().Set("Content-Security-Policy", "default-src 'none'")
	w.WriteHeader(http.StatusOK)
	_, err = w.Write(data)
	return err
}

func (a *API) setTeamAvatar(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Image string `json:"image"`
	}
	if err := decode(w, r, &req, false); err != nil {
		return err
	}
	data, err := base64.StdEncoding.DecodeString(req.Image)
	if err != nil || len(data) == 0 {
		return fieldProblem("image", "must be the image file encoded in base64")
	}
	if err := a.svc.SetTeamAvatar(r.Context(), principal(r), r.PathValue("id"), data); err != nil {
		return renameField(err, "avatar", "image")
	}
	return noContent(w)
}

// renameField reports a service field error under the name the request used.
func renameField(err error, from, to string) error {
	if e, ok := err.(*roster.Error); ok {
		for i := range e.Fields {
			if e.Fields[i].Field == from {
				e.Fields[i].Field = to
			}
		}
	}
	return err
}

func (a *API) deleteTeamAvatar(w http.ResponseWriter, r *http.Request) error {
	if err := a.svc.SetTeamAvatar(r.Context(), principal(r), r.PathValue("id"), nil); err != nil {
		return err
	}
	return noContent(w)
}

func (a *API) teamMembers(w http.ResponseWriter, r *http.Request) error {
	members, err := a.svc.TeamMembers(r.Context(), principal(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, items(members))
}

func (a *API) setTeamMember(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Leader *bool `json:"leader"`
	}
	if err := decode(w, r, &req, true); err != nil {
		return err
	}
	added, err := a.svc.SetTeamMember(r.Context(), principal(r), r.PathValue("id"), r.PathValue("user_id"), req.Leader)
	if err != nil {
		return err
	}
	members, err := a.svc.TeamMembers(r.Context(), principal(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, createdOr(added), items(members))
}

func (a *API) removeTeamMember(w http.ResponseWriter, r *http.Request) error {
	if err := a.svc.RemoveTeamMember(r.Context(), principal(r), r.PathValue("id"), r.PathValue("user_id")); err != nil {
		return err
	}
	return noContent(w)
}

func (a *API) myTeam(w http.ResponseWriter, r *http.Request) error {
	mt, err := a.svc.MyTeam(r.Context(), principal(r))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, mt)
}

// statsRange reads from and to.
func statsRange(r *http.Request) service.StatsRange {
	q := r.URL.Query()
	return service.StatsRange{From: strings.TrimSpace(q.Get("from")), To: strings.TrimSpace(q.Get("to"))}
}

func (a *API) teamCallStats(w http.ResponseWriter, r *http.Request) error {
	st, err := a.svc.TeamCallStats(r.Context(), principal(r), r.PathValue("id"), statsRange(r))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, st)
}

func (a *API) userCallStats(w http.ResponseWriter, r *http.Request) error {
	st, err := a.svc.UserCallStats(r.Context(), principal(r), r.PathValue("id"), statsRange(r))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, st)
}

// ---- queues

type queueRequest struct {
	Name        *string `json:"name"`
	Description *string `json:"description"`
}

func (a *API) listQueues(w http.ResponseWriter, r *http.Request) error {
	qs, err := a.svc.Queues(r.Context(), principal(r))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, items(qs))
}

func (a *API) createQueue(w http.ResponseWriter, r *http.Request) error {
	var req queueRequest
	if err := decode(w, r, &req, false); err != nil {
		return err
	}
	q, err := a.svc.CreateQueue(r.Context(), principal(r), service.QueueInput(req))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, q)
}

func (a *API) getQueue(w http.ResponseWriter, r *http.Request) error {
	q, err := a.svc.Queue(r.Context(), principal(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, q)
}

func (a *API) updateQueue(w http.ResponseWriter, r *http.Request) error {
	var req queueRequest
	if err := decode(w, r, &req, false); err != nil {
		return err
	}
	q, err := a.svc.UpdateQueue(r.Context(), principal(r), r.PathValue("id"), service.QueueInput(req))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, q)
}

func (a *API) deleteQueue(w http.ResponseWriter, r *http.Request) error {
	if err := a.svc.DeleteQueue(r.Context(), principal(r), r.PathValue("id")); err != nil {
		return err
	}
	return noContent(w)
}

func (a *API) queueMembers(w http.ResponseWriter, r *http.Request) error {
	ms, err := a.svc.QueueMembers(r.Context(), principal(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, items(ms))
}

func (a *API) setQueueMember(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		UserID   string `json:"user_id"`
		Penalty  int    `json:"penalty"`
		Priority int    `json:"priority"`
	}
	if err := decode(w, r, &req, false); err != nil {
		return err
	}
	added, err := a.svc.SetQueueMember(r.Context(), principal(r), r.PathValue("id"), req.UserID, req.Penalty, req.Priority)
	if err != nil {
		return err
	}
	ms, err := a.svc.QueueMembers(r.Context(), principal(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, createdOr(added), items(ms))
}

func (a *API) removeQueueMember(w http.ResponseWriter, r *http.Request) error {
	if err := a.svc.RemoveQueueMember(r.Context(), principal(r), r.PathValue("id"), r.PathValue("user_id")); err != nil {
		return err
	}
	return noContent(w)
}

func (a *API) unqueuedAgents(w http.ResponseWriter, r *http.Request) error {
	users, err := a.svc.UnqueuedAgents(r.Context(), principal(r), strings.TrimSpace(r.URL.Query().Get("role")))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, items(users))
}

func (a *API) inactiveUsers(w http.ResponseWriter, r *http.Request) error {
	var v roster.Validation
	days := queryInt(r, "days", &v)
	if err := v.Err(); err != nil {
		return err
	}
	users, err := a.svc.InactiveUsers(r.Context(), principal(r), days)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, items(users))
}

// ---- presence and calls

func (a *API) getPresence(w http.ResponseWriter, r *http.Request) error {
	pv, err := a.svc.Presence(r.Context(), principal(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, pv)
}

func (a *API) setPresence(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Status string `json:"status"`
		DND    *bool  `json:"dnd"`
	}
	if err := decode(w, r, &req, false); err != nil {
		return err
	}
	pv, err := a.svc.SetPresence(r.Context(), principal(r), r.PathValue("id"), roster.Presence(req.Status), req.DND)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, pv)
}

// callEventJSON is a call event as the telephony side sends it; the start
// is text so that a bad time is reported against its field.
type callEventJSON struct {
	ID        string `json:"id"`
	UserID    string `json:"user_id"`
	Direction string `json:"direction"`
	Answered  bool   `json:"answered"`
	StartedAt string `json:"started_at"`
	Duration  int    `json:"duration_seconds"`
}

// parseCallEvents turns a batch as sent into events, reporting times that
// are not RFC 3339 under events[i].started_at.
func parseCallEvents(in []callEventJSON) ([]roster.CallEvent, error) {
	var v roster.Validation
	out := make([]roster.CallEvent, len(in))
	for i, e := range in {
		out[i] = roster.CallEvent{ID: e.ID, UserID: e.UserID, Direction: e.Direction, Answered: e.Answered, Duration: e.Duration}
		if e.StartedAt == "" {
			continue // reported as required by the domain check
		}
		t, err := time.Parse(time.RFC3339, e.StartedAt)
		if err != nil {
			v.Add("events["+strconv.Itoa(i)+"].started_at", "must be an RFC 3339 time like 2026-01-31T09:30:00Z")
			continue
		}
		out[i].StartedAt = t.UTC()
	}
	return out, v.Err()
}

func (a *API) callEvents(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Events []callEventJSON `json:"events"`
	}
	if err := decode(w, r, &req, false); err != nil {
		return err
	}
	events, err := parseCallEvents(req.Events)
	if err != nil {
		return err
	}
	res, err := a.svc.IngestCallEvents(r.Context(), principal(r), events)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, res)
}

// ---- integrations

func (a *API) listIntegrations(w http.ResponseWriter, r *http.Request) error {
	list, err := a.svc.Integrations(r.Context(), principal(r))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, items(list))
}

func (a *API) createIntegration(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Key  string `json:"key"`
		Name string `json:"name"`
	}
	if err := decode(w, r, &req, false); err != nil {
		return err
	}
	in, err := a.svc.CreateIntegration(r.Context(), principal(r), req.Key, req.Name)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, in)
}

func (a *API) deleteIntegration(w http.ResponseWriter, r *http.Request) error {
	if err := a.svc.DeleteIntegration(r.Context(), principal(r), r.PathValue("id")); err != nil {
		return err
	}
	return noContent(w)
}

func (a *API) myIntegrations(w http.ResponseWriter, r *http.Request) error {
	list, err := a.svc.MyIntegrations(r.Context(), principal(r))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, items(list))
}

func (a *API) linkMyIntegration(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		IntegrationID string `json:"integration_id"`
		Account       string `json:"account"`
	}
	if err := decode(w, r, &req, false); err != nil {
		return err
	}
	list, err := a.svc.LinkMyIntegration(r.Context(), principal(r), req.IntegrationID, req.Account)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, items(list))
}

func (a *API) unlinkMyIntegration(w http.ResponseWriter, r *http.Request) error {
	if err := a.svc.UnlinkMyIntegration(r.Context(), principal(r), r.PathValue("id")); err != nil {
		return err
	}
	return noContent(w)
}
