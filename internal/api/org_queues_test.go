package api_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"roster/internal/apitest"
	"roster/internal/roster"
	"roster/internal/service"
)

func userIDsOf(items []map[string]any, key string) []string {
	out := make([]string, len(items))
	for i, m := range items {
		out[i], _ = m[key].(string)
	}
	return out
}

// TestQueues: queues and their agents with penalty and priority; input
// checks; deactivation empties the user's queues, says so in the audit log,
// and reactivation does not restore them; the two reports.
func TestQueues(t *testing.T) {
	t.Parallel()
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		org := e.CreateOrg("acme", roster.PlanProfessional, nil)
		tok := org.AdminToken
		a, _ := e.ActiveUser(org, "a@acme.test", "agent", "")
		b, _ := e.ActiveUser(org, "b@acme.test", "agent", "")
		_, mgrTok := e.ActiveUser(org, "mgr@acme.test", "manager", "")

		e.Do("POST", "/api/v1/queues", tok, map[string]any{"description": "x"}).FieldErrors()
		wantProblem(t, e.Do("POST", "/api/v1/queues", mgrTok, map[string]any{"name": "Support"}), http.StatusForbidden)
		q := e.Do("POST", "/api/v1/queues", tok, map[string]any{"name": "Support", "description": "Tier 1"}).Want(http.StatusCreated).JSON()
		qid := q["id"].(string)
		q2 := e.Do("POST", "/api/v1/queues", tok, map[string]any{"name": "Sales"}).Want(http.StatusCreated).JSON()["id"].(string)
		wantProblem(t, e.Do("POST", "/api/v1/queues", tok, map[string]any{"name": "SUPPORT"}), http.StatusConflict)

		members := "/api/v1/queues/" + qid + "/members"
		fe := e.Do("POST", members, tok, map[string]any{"user_id": a, "penalty": -1, "priority": 101}).FieldErrors()
		if fe["penalty"] == "" || fe["priority"] == "" {
			t.Fatalf("field errors %v", fe)
		}
		e.Do("POST", members, tok, map[string]any{"user_id": ""}).FieldErrors()
		e.Do("POST", members, tok, map[string]any{"user_id": a, "penalty": 5, "priority": 1}).Want(http.StatusCreated)
		items := e.Do("POST", members, tok, map[string]any{"user_id": b, "penalty": 1, "priority": 9}).Want(http.StatusCreated).Items()
		if ids := userIDsOf(items, "user_id"); len(ids) != 2 || ids[0] != b || ids[1] != a {
			t.Fatalf("queue order %v, want b (penalty 1) then a (penalty 5)", ids)
		}
		items = e.Do("POST", members, tok, map[string]any{"user_id": a, "penalty": 0, "priority": 3}).Want(http.StatusOK).Items()
		if items[0]["user_id"] != a || items[0]["penalty"] != float64(0) || items[0]["priority"] != float64(3) {
			t.Fatalf("updated assignment %v", items)
		}
		e.Do("POST", "/api/v1/queues/"+q2+"/members", tok, map[string]any{"user_id": a}).Want(http.StatusCreated)

		// Deactivation takes a out of both queues, in the same transaction
		// as the status change, and the audit event names them.
		e.Do("POST", "/api/v1/users/"+a+"/deactivate", tok, nil).Want(http.StatusOK)
		if n := dbInt(t, e, `SELECT COUNT(*) FROM queue_members WHERE user_id = ?`, a); n != 0 {
			t.Fatalf("deactivated user still in %d queues", n)
		}
		after := dbString(t, e, `SELECT after_json FROM audit_events WHERE org_id = ? AND action = 'user.deactivated' AND target_id = ?`, org.ID, a)
		var snap struct {
			Queues []struct{ ID, Name string } `json:"queues_removed"`
		}
		if err := json.Unmarshal([]byte(after), &snap); err != nil || len(snap.Queues) != 2 {
			t.Fatalf("audit after %s (%v)", after, err)
		}
		wantProblem(t, e.Do("POST", members, tok, map[string]any{"user_id": a}), http.StatusConflict)
		e.Do("POST", "/api/v1/users/"+a+"/reactivate", tok, nil).Want(http.StatusOK)
		if n := dbInt(t, e, `SELECT COUNT(*) FROM queue_members WHERE user_id = ?`, a); n != 0 {
			t.Fatalf("reactivation restored %d queues", n)
		}

		// Reports: active users in no queue; users not seen for 30+ days.
		un := userIDsOf(e.Do("GET", "/api/v1/reports/unqueued-agents?role=agent", tok, nil).Want(http.StatusOK).Items(), "id")
		if len(un) != 1 || un[0] != a {
			t.Fatalf("unqueued agents %v, want just a", un)
		}
		e.Do("GET", "/api/v1/reports/unqueued-agents?role=ghost", tok, nil).FieldErrors()
		all := e.Do("GET", "/api/v1/reports/unqueued-agents", tok, nil).Want(http.StatusOK).Items()
		if len(all) != 3 { // a, the admin and the manager
			t.Fatalf("unqueued users %v", userIDsOf(all, "email"))
		}
		if got := e.Do("GET", "/api/v1/reports/inactive-users", tok, nil).Want(http.StatusOK).Items(); len(got) != 0 {
			t.Fatalf("nobody is inactive yet: %v", userIDsOf(got, "email"))
		}
		e.Advance(31 * 24 * time.Hour)
		if _, _, err := e.Service.Login(t.Context(), loginInput("a@acme.test")); err != nil {
			t.Fatal(err)
		}
		got := userIDsOf(e.Do("GET", "/api/v1/reports/inactive-users", tok, nil).Want(http.StatusOK).Items(), "email")
		if len(got) != 3 || strings.Join(got, " ") == "" || contains(got, "a@acme.test") {
			t.Fatalf("inactive for 30+ days: %v (a signed in just now)", got)
		}
		if got := e.Do("GET", "/api/v1/reports/inactive-users?days=40", tok, nil).Want(http.StatusOK).Items(); len(got) != 0 {
			t.Fatalf("inactive for 40+ days: %v", userIDsOf(got, "email"))
		}
		e.Do("GET", "/api/v1/reports/inactive-users?days=0x", tok, nil).FieldErrors()
		e.Do("GET", "/api/v1/reports/inactive-users?days=-3", tok, nil).FieldErrors()

		e.Do("DELETE", members+"/"+b, tok, nil).Want(http.StatusNoContent)
		wantProblem(t, e.Do("DELETE", members+"/"+b, tok, nil), http.StatusNotFound)
		e.Do("DELETE", "/api/v1/queues/"+qid, tok, nil).Want(http.StatusNoContent)
		wantProblem(t, e.Do("GET", "/api/v1/queues/"+qid, tok, nil), http.StatusNotFound)
		for _, act := range []string{"queue.created", "queue.member_added", "queue.member_updated", "queue.member_removed", "queue.deleted"} {
			if auditCount(t, e, org.ID, act) == 0 {
				t.Errorf("no %s audit event", act)
			}
		}
	})
}

// TestQueuesTakeNewAgents: prepared and invited users can be queued ahead
// of their first sign-in and keep their queues when they accept; inactive
// users are refused, and the unqueued report stays about active users.
func TestQueuesTakeNewAgents(t *testing.T) {
	t.Parallel()
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		org := e.CreateOrg("acme", roster.PlanProfessional, nil)
		tok := org.AdminToken
		qid := e.Do("POST", "/api/v1/queues", tok, map[string]any{"name": "Support"}).Want(http.StatusCreated).JSON()["id"].(string)
		members := "/api/v1/queues/" + qid + "/members"
		prepared := invite(e, tok, "", false, "prep@acme.test").Want(http.StatusCreated).Items()[0]["id"].(string)
		invited := invite(e, tok, "", true, "inv@acme.test").Want(http.StatusCreated).Items()[0]["id"].(string)
		spare := invite(e, tok, "", false, "spare@acme.test").Want(http.StatusCreated).Items()[0]["id"].(string)
		gone, _ := e.ActiveUser(org, "gone@acme.test", "agent", "")
		e.Do("POST", "/api/v1/users/"+gone+"/deactivate", tok, nil).Want(http.StatusOK)

		e.Do("POST", members, tok, map[string]any{"user_id": prepared, "penalty": 4}).Want(http.StatusCreated)
		items := e.Do("POST", members, tok, map[string]any{"user_id": invited, "penalty": 2, "priority": 5}).Want(http.StatusCreated).Items()
		status := map[string]any{}
		for _, m := range items {
			status[m["user_id"].(string)] = m["status"]
		}
		if len(items) != 2 || status[prepared] != "prepared" || status[invited] != "invited" {
			t.Fatalf("queue members %v", items)
		}
		p := wantProblem(t, e.Do("POST", members, tok, map[string]any{"user_id": gone}), http.StatusConflict)
		if d, _ := p["detail"].(string); !strings.Contains(d, "inactive") {
			t.Fatalf("refusal of an inactive user: %v", p)
		}
		if n := dbInt(t, e, `SELECT COUNT(*) FROM queue_members WHERE user_id = ?`, gone); n != 0 {
			t.Fatalf("inactive user queued %d times", n)
		}
		for _, u := range userIDsOf(e.Do("GET", "/api/v1/reports/unqueued-agents", tok, nil).Want(http.StatusOK).Items(), "id") {
			if u == spare || u == gone {
				t.Fatalf("the unqueued report lists a user who is not active: %s", u)
			}
		}

		// Accepting the invitation keeps the queue; the new agent is then
		// an active user in a queue.
		token := apitest.TokenFromLink(t, e.LastEmailTo("inv@acme.test").Link)
		e.Do("POST", "/api/v1/invitations/accept", "", map[string]any{"token": token, "first_name": "In",
			"last_name": "Vited", "password": "a long pass phrase"}).Want(http.StatusOK)
		items = e.Do("GET", members, tok, nil).Want(http.StatusOK).Items()
		if len(items) != 2 || items[0]["user_id"] != invited || items[0]["status"] != "active" || items[0]["penalty"] != 2.0 {
			t.Fatalf("queue after acceptance %v", items)
		}
		if un := userIDsOf(e.Do("GET", "/api/v1/reports/unqueued-agents", tok, nil).Want(http.StatusOK).Items(), "id"); contains(un, invited) {
			t.Fatalf("the queued agent is reported unqueued: %v", un)
		}
	})
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// TestDeactivationEmptiesQueuesUnderConcurrency races assigning a user to a
// queue against deactivating them: whatever the order, an inactive user is
// never left in a queue.
func TestDeactivationEmptiesQueuesUnderConcurrency(t *testing.T) {
	t.Parallel()
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		org := e.CreateOrg("acme", roster.PlanProfessional, nil)
		tok := org.AdminToken
		qid := e.Do("POST", "/api/v1/queues", tok, map[string]any{"name": "Support"}).Want(http.StatusCreated).JSON()["id"].(string)
		uid, _ := e.ActiveUser(org, "a@acme.test", "agent", "")
		const rounds = 8
		for round := range rounds {
			var add, deact outcome
			together(
				func() {
					add = fire(e, "POST", "/api/v1/queues/"+qid+"/members", tok, map[string]any{"user_id": uid, "penalty": round})
				},
				func() { deact = fire(e, "POST", "/api/v1/users/"+uid+"/deactivate", tok, nil) },
			)
			if add.err != nil || deact.err != nil || deact.status != http.StatusOK ||
				(add.status != http.StatusCreated && add.status != http.StatusConflict) {
				t.Fatalf("round %d: add %d %s / deactivate %d %s", round, add.status, add.raw, deact.status, deact.raw)
			}
			if n := dbInt(t, e, `SELECT COUNT(*) FROM queue_members WHERE user_id = ?`, uid); n != 0 {
				t.Fatalf("round %d: the inactive user is in %d queues (add answered %d)", round, n, add.status)
			}
			e.Do("POST", "/api/v1/users/"+uid+"/reactivate", tok, nil).Want(http.StatusOK)
		}
	})
}

// loginInput signs in a user that apitest.Env.ActiveUser made.
func loginInput(email string) service.LoginInput {
	return service.LoginInput{Email: email, Password: apitest.UserPassword, IP: "127.0.0.1"}
}
