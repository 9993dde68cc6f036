package api_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"roster/internal/apitest"
	"roster/internal/roster"
)

// callEvent is one event as the telephony side sends it.
func callEvent(id, userID, direction string, answered bool, at time.Time) map[string]any {
	return map[string]any{"id": id, "user_id": userID, "direction": direction, "answered": answered,
		"started_at": at.UTC().Format(time.RFC3339), "duration_seconds": 60}
}

func batch(events ...map[string]any) map[string]any { return map[string]any{"events": events} }

// TestPresence: derived from activity and DND, set by the telephony side,
// shown in the people list.
func TestPresence(t *testing.T) {
	t.Parallel()
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		org := e.CreateOrg("acme", roster.PlanProfessional, nil)
		tok := org.AdminToken
		uid, utok := e.ActiveUser(org, "rep@acme.test", "agent", "")
		presenceOf := func(id string) string {
			t.Helper()
			for _, u := range e.Do("GET", "/api/v1/users?limit=500", tok, nil).Want(http.StatusOK).Items() {
				if u["id"] == id {
					return u["presence"].(string)
				}
			}
			t.Fatalf("user %s not listed", id)
			return ""
		}
		if p := presenceOf(uid); p != "offline" {
			t.Fatalf("never active: %s", p)
		}
		e.Do("GET", "/api/v1/me", utok, nil).Want(http.StatusOK)
		if p := presenceOf(uid); p != "online" {
			t.Fatalf("just active: %s", p)
		}
		e.Advance(10 * time.Minute)
		if p := presenceOf(uid); p != "away" {
			t.Fatalf("10 minutes idle: %s", p)
		}
		e.Advance(30 * time.Minute)
		if p := presenceOf(uid); p != "offline" {
			t.Fatalf("40 minutes idle: %s", p)
		}

		path := "/api/v1/users/" + uid + "/presence"
		e.Do("PUT", path, tok, map[string]any{"status": "busy"}).FieldErrors()
		wantProblem(t, e.Do("PUT", "/api/v1/users/"+org.AdminID+"/presence", utok, map[string]any{"status": "away"}), http.StatusForbidden)
		pv := e.Do("PUT", path, tok, map[string]any{"status": "in_call"}).Want(http.StatusOK).JSON()
		if pv["presence"] != "in_call" || presenceOf(uid) != "in_call" {
			t.Fatalf("in call: %v", pv)
		}
		e.Do("PUT", path, utok, map[string]any{"status": "online", "dnd": true}).Want(http.StatusOK)
		if p := presenceOf(uid); p != "dnd" {
			t.Fatalf("do not disturb: %s", p)
		}
		pv = e.Do("PUT", path, tok, map[string]any{"status": "online", "dnd": false}).Want(http.StatusOK).JSON()
		if pv["presence"] != "online" || pv["dnd"] != false {
			t.Fatalf("back online: %v", pv)
		}
		got := e.Do("GET", path, utok, nil).Want(http.StatusOK).JSON()
		if got["presence"] != "online" || got["set_status"] != "online" {
			t.Fatalf("own presence %v", got)
		}
		// A deactivated user is offline whatever was said last.
		e.Do("POST", "/api/v1/users/"+uid+"/deactivate", tok, nil).Want(http.StatusOK)
		if p := presenceOf(uid); p != "offline" {
			t.Fatalf("deactivated: %s", p)
		}
		if auditCount(t, e, org.ID, "user.presence_set") != 3 {
			t.Fatalf("presence changes not audited")
		}
	})
}

// TestCallEventsAndStats: batches are idempotent by event ID; statistics
// per user and per team only on professional and pro_plus plans; bad
// events refuse the whole batch.
func TestCallEventsAndStats(t *testing.T) {
	t.Parallel()
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		org := e.CreateOrg("acme", roster.PlanProfessional, nil)
		tok := org.AdminToken
		rep, repTok := e.ActiveUser(org, "rep@acme.test", "agent", "")
		lead, leadTok := e.ActiveUser(org, "lead@acme.test", "team_leader", "")
		other, _ := e.ActiveUser(org, "other@acme.test", "agent", "")
		team := e.Do("POST", "/api/v1/teams", tok, map[string]any{"name": "Floor", "member_ids": []string{rep}}).Want(http.StatusCreated).JSON()["id"].(string)
		e.Do("PUT", "/api/v1/teams/"+team+"/members/"+lead, tok, map[string]any{"leader": true}).Want(http.StatusCreated)

		day1 := time.Now().UTC().Add(-48 * time.Hour)
		day2 := day1.Add(24 * time.Hour)
		b := batch(
			callEvent("c1", rep, "inbound", true, day1),
			callEvent("c2", rep, "outbound", true, day1),
			callEvent("c3", rep, "outbound", false, day2),
			callEvent("c4", rep, "inbound", true, day2),
			callEvent("c5", other, "inbound", true, day2),
		)
		wantProblem(t, e.Do("POST", "/api/v1/call-events", repTok, b), http.StatusForbidden)
		res := e.Do("POST", "/api/v1/call-events", tok, b).Want(http.StatusOK).JSON()
		if res["accepted"] != float64(5) || res["duplicates"] != float64(0) || res["dials_remaining"] != nil {
			t.Fatalf("first batch %v", res)
		}
		res = e.Do("POST", "/api/v1/call-events", tok, b).Want(http.StatusOK).JSON()
		if res["accepted"] != float64(0) || res["duplicates"] != float64(5) {
			t.Fatalf("retried batch %v", res)
		}
		if n := dbInt(t, e, `SELECT COUNT(*) FROM call_events WHERE org_id = ?`, org.ID); n != 5 {
			t.Fatalf("%d events stored, want 5", n)
		}

		// Bad events: each reported, nothing stored.
		fe := e.Do("POST", "/api/v1/call-events", tok, batch(
			map[string]any{"id": "", "user_id": rep, "direction": "sideways", "started_at": "yesterday"},
			map[string]any{"id": "x2", "user_id": "ghost", "direction": "inbound", "started_at": time.Now().Add(48 * time.Hour).Format(time.RFC3339), "duration_seconds": -1},
		)).FieldErrors()
		for _, f := range []string{"events[0].started_at"} {
			if fe[f] == "" {
				t.Errorf("no field error for %s: %v", f, fe)
			}
		}
		fe = e.Do("POST", "/api/v1/call-events", tok, batch(
			map[string]any{"id": "", "user_id": rep, "direction": "sideways", "started_at": day1.Format(time.RFC3339)},
			map[string]any{"id": "x2", "user_id": rep, "direction": "inbound", "started_at": time.Now().Add(48 * time.Hour).Format(time.RFC3339), "duration_seconds": -1},
		)).FieldErrors()
		for _, f := range []string{"events[0].id", "events[0].direction", "events[1].started_at", "events[1].duration_seconds"} {
			if fe[f] == "" {
				t.Errorf("no field error for %s: %v", f, fe)
			}
		}
		fe = e.Do("POST", "/api/v1/call-events", tok, batch(callEvent("x3", "ghost", "inbound", true, day1))).FieldErrors()
		if fe["events[0].user_id"] == "" {
			t.Errorf("unknown user: %v", fe)
		}
		e.Do("POST", "/api/v1/call-events", tok, batch()).FieldErrors()
		if n := dbInt(t, e, `SELECT COUNT(*) FROM call_events WHERE org_id = ?`, org.ID); n != 5 {
			t.Fatalf("refused batches stored events: %d", n)
		}

		// Per user: answered calls per day.
		st := e.Do("GET", "/api/v1/users/"+rep+"/call-stats", repTok, nil).Want(http.StatusOK).JSON()
		days := st["days"].([]any)
		if st["total"] != float64(3) || len(days) != 2 || days[0].(map[string]any)["calls_handled"] != float64(2) ||
			days[0].(map[string]any)["day"] != day1.Format(time.DateOnly) {
			t.Fatalf("rep's stats %v", st)
		}
		e.Do("GET", "/api/v1/users/"+rep+"/call-stats", leadTok, nil).Want(http.StatusOK)
		wantProblem(t, e.Do("GET", "/api/v1/users/"+other+"/call-stats", repTok, nil), http.StatusForbidden)
		wantProblem(t, e.Do("GET", "/api/v1/users/"+rep+"/call-stats?from=2026-02-30", tok, nil), http.StatusUnprocessableEntity)
		wantProblem(t, e.Do("GET", "/api/v1/users/"+rep+"/call-stats?from=2026-03-02&to=2026-03-01", tok, nil), http.StatusUnprocessableEntity)
		wantProblem(t, e.Do("GET", "/api/v1/users/"+rep+"/call-stats?from=2020-01-01&to=2026-03-01", tok, nil), http.StatusUnprocessableEntity)
		if st := e.Do("GET", "/api/v1/users/"+rep+"/call-stats?from="+day2.Format(time.DateOnly)+"&to="+day2.Format(time.DateOnly), tok, nil).Want(http.StatusOK).JSON(); st["total"] != float64(1) {
			t.Fatalf("one day: %v", st)
		}

		// Per team: its members only; the leader may read it.
		ts := e.Do("GET", "/api/v1/teams/"+team+"/call-stats", leadTok, nil).Want(http.StatusOK).JSON()
		if ts["total"] != float64(3) || len(ts["users"].([]any)) != 2 {
			t.Fatalf("team stats %v", ts)
		}
		wantProblem(t, e.Do("GET", "/api/v1/teams/"+team+"/call-stats", repTok, nil), http.StatusForbidden)

		// Other plans have no statistics.
		for _, plan := range []roster.Plan{roster.PlanStandard, roster.PlanTrial} {
			o2 := e.CreateOrg("std-"+string(plan), plan, nil)
			p := wantProblem(t, e.Do("GET", "/api/v1/users/"+o2.AdminID+"/call-stats", o2.AdminToken, nil), http.StatusForbidden)
			if p["detail"] == "" {
				t.Fatal("no reason given")
			}
			tid := e.Do("POST", "/api/v1/teams", o2.AdminToken, map[string]any{"name": "T"}).Want(http.StatusCreated).JSON()["id"].(string)
			wantProblem(t, e.Do("GET", "/api/v1/teams/"+tid+"/call-stats", o2.AdminToken, nil), http.StatusForbidden)
		}
	})
}

// TestTrialDialAllowance: a trial org may make 500 dials; a batch that
// would pass the allowance is refused whole, concurrent batches included.
func TestTrialDialAllowance(t *testing.T) {
	t.Parallel()
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		org := e.CreateOrg("trial", roster.PlanTrial, nil)
		tok := org.AdminToken
		at := time.Now().UTC().Add(-time.Hour)
		var first []map[string]any
		for i := range 490 {
			first = append(first, callEvent(fmt.Sprintf("d%d", i), org.AdminID, "outbound", i%2 == 0, at))
		}
		// Inbound calls are not dials.
		first = append(first, callEvent("in1", org.AdminID, "inbound", true, at))
		res := e.Do("POST", "/api/v1/call-events", tok, map[string]any{"events": first}).Want(http.StatusOK).JSON()
		if res["dials_remaining"] != float64(10) {
			t.Fatalf("after 490 dials: %v", res)
		}
		// Ten racing batches of two dials: exactly five fit.
		const racers = 10
		results := make([]outcome, racers)
		fns := make([]func(), racers)
		for i := range racers {
			fns[i] = func() {
				results[i] = fire(e, "POST", "/api/v1/call-events", tok, batch(
					callEvent(fmt.Sprintf("r%d-a", i), org.AdminID, "outbound", false, at),
					callEvent(fmt.Sprintf("r%d-b", i), org.AdminID, "outbound", false, at)))
			}
		}
		together(fns...)
		oks := 0
		for _, r := range results {
			switch {
			case r.err != nil:
				t.Fatal(r.err)
			case r.status == http.StatusOK:
				oks++
			case r.status == http.StatusConflict && r.body["type"] == "urn:roster:problem:limit_reached":
			default:
				t.Fatalf("status %d: %s", r.status, r.raw)
			}
		}
		if oks != 5 {
			t.Fatalf("%d batches accepted, want 5", oks)
		}
		dials := dbInt(t, e, `SELECT COUNT(*) FROM call_events WHERE org_id = ? AND direction = 'outbound'`, org.ID)
		if used := dbInt(t, e, `SELECT dials_used FROM orgs WHERE id = ?`, org.ID); dials != 500 || used != 500 {
			t.Fatalf("%d dials stored, %d counted; want 500", dials, used)
		}
		p := wantProblem(t, e.Do("POST", "/api/v1/call-events", tok, batch(callEvent("late", org.AdminID, "outbound", true, at))), http.StatusConflict)
		if p["dials_remaining"] != float64(0) {
			t.Fatalf("problem %v", p)
		}
		// A retried batch of dials already counted is still fine, and
		// inbound calls go on being recorded.
		e.Do("POST", "/api/v1/call-events", tok, batch(callEvent("d1", org.AdminID, "outbound", true, at),
			callEvent("in2", org.AdminID, "inbound", true, at))).Want(http.StatusOK)
	})
}

// TestIntegrations: admin-managed org integrations; invitations must name
// one of them once there are any; users link more themselves.
func TestIntegrations(t *testing.T) {
	t.Parallel()
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		org := e.CreateOrg("acme", roster.PlanProfessional, nil)
		tok := org.AdminToken
		_, repTok := e.ActiveUser(org, "rep@acme.test", "agent", "")
		// Without integrations the field stays free text.
		e.Do("POST", "/api/v1/invitations", tok, map[string]any{"emails": []string{"free@acme.test"}, "integration": "Pipedrive", "send": true}).Want(http.StatusCreated)

		wantProblem(t, e.Do("POST", "/api/v1/integrations", repTok, map[string]any{"name": "Salesforce"}), http.StatusForbidden)
		e.Do("POST", "/api/v1/integrations", tok, map[string]any{"name": "", "key": "Bad Key"}).FieldErrors()
		sf := e.Do("POST", "/api/v1/integrations", tok, map[string]any{"name": "Salesforce"}).Want(http.StatusCreated).JSON()
		if sf["key"] != "salesforce" {
			t.Fatalf("integration %v", sf)
		}
		hs := e.Do("POST", "/api/v1/integrations", tok, map[string]any{"name": "HubSpot", "key": "hubspot"}).Want(http.StatusCreated).JSON()
		wantProblem(t, e.Do("POST", "/api/v1/integrations", tok, map[string]any{"name": "Other", "key": "hubspot"}), http.StatusConflict)
		if items := e.Do("GET", "/api/v1/integrations", repTok, nil).Want(http.StatusOK).Items(); len(items) != 2 {
			t.Fatalf("integrations %v", items)
		}

		fe := e.Do("POST", "/api/v1/invitations", tok, map[string]any{"emails": []string{"x@acme.test"}, "integration": "Pipedrive", "send": true}).FieldErrors()
		if fe["integration"] == "" {
			t.Fatalf("field errors %v", fe)
		}
		if n := dbInt(t, e, `SELECT COUNT(*) FROM users WHERE email = 'x@acme.test'`); n != 0 {
			t.Fatalf("a refused invitation created a user")
		}
		e.Do("POST", "/api/v1/invitations", tok, map[string]any{"emails": []string{"y@acme.test"}, "integration": "SALESFORCE", "send": true}).Want(http.StatusCreated)
		if got := dbString(t, e, `SELECT integration FROM invitations WHERE email = 'y@acme.test'`); got != "Salesforce" {
			t.Fatalf("invitation integration %q", got)
		}
		// Accepting the invitation links the integration it named.
		link := e.LastEmailTo("y@acme.test").Link
		e.Do("POST", "/api/v1/invitations/accept", "", map[string]any{"token": apitest.TokenFromLink(t, link),
			"first_name": "Y", "last_name": "Z", "password": apitest.UserPassword}).Want(http.StatusOK)
		yTok := newToken(t, e, org.ID, "y@acme.test")
		if items := e.Do("GET", "/api/v1/me/integrations", yTok, nil).Want(http.StatusOK).Items(); len(items) != 1 || items[0]["key"] != "salesforce" {
			t.Fatalf("invited user's integrations %v", items)
		}

		// Users link more themselves.
		e.Do("POST", "/api/v1/me/integrations", repTok, map[string]any{"integration_id": "nope"}).FieldErrors()
		e.Do("POST", "/api/v1/me/integrations", repTok, map[string]any{"integration_id": hs["id"], "account": "bad\x00name"}).FieldErrors()
		links := e.Do("POST", "/api/v1/me/integrations", repTok, map[string]any{"integration_id": hs["id"], "account": "rep@hubspot"}).Want(http.StatusCreated).Items()
		if len(links) != 1 || links[0]["key"] != "hubspot" || links[0]["account"] != "rep@hubspot" {
			t.Fatalf("links %v", links)
		}
		wantProblem(t, e.Do("POST", "/api/v1/me/integrations", repTok, map[string]any{"integration_id": hs["id"]}), http.StatusConflict)
		e.Do("POST", "/api/v1/me/integrations", repTok, map[string]any{"integration_id": sf["id"]}).Want(http.StatusCreated)
		if items := e.Do("GET", "/api/v1/me/integrations", repTok, nil).Want(http.StatusOK).Items(); len(items) != 2 {
			t.Fatalf("my integrations %v", items)
		}
		if items := e.Do("GET", "/api/v1/me/integrations", tok, nil).Want(http.StatusOK).Items(); len(items) != 0 {
			t.Fatalf("the admin sees another user's links: %v", items)
		}
		e.Do("DELETE", "/api/v1/me/integrations/"+sf["id"].(string), repTok, nil).Want(http.StatusNoContent)
		wantProblem(t, e.Do("DELETE", "/api/v1/me/integrations/"+sf["id"].(string), repTok, nil), http.StatusNotFound)
		e.Do("DELETE", "/api/v1/integrations/"+hs["id"].(string), tok, nil).Want(http.StatusNoContent)
		if items := e.Do("GET", "/api/v1/me/integrations", repTok, nil).Want(http.StatusOK).Items(); len(items) != 0 {
			t.Fatalf("links to a removed integration remain: %v", items)
		}
		for _, a := range []string{"integration.created", "integration.deleted", "user.integration_linked", "user.integration_unlinked"} {
			if auditCount(t, e, org.ID, a) == 0 {
				t.Errorf("no %s audit event", a)
			}
		}
	})
}

// TestConcurrentRetriesStoreOnce: the same batch posted five times at once
// is stored, and its dials counted, exactly once.
func TestConcurrentRetriesStoreOnce(t *testing.T) {
	t.Parallel()
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		org := e.CreateOrg("trial", roster.PlanTrial, nil)
		at := time.Now().UTC().Add(-time.Hour)
		var events []map[string]any
		for i := range 40 {
			events = append(events, callEvent(fmt.Sprintf("e%d", i), org.AdminID, []string{"inbound", "outbound"}[i%2], true, at))
		}
		const racers = 5
		results := make([]outcome, racers)
		fns := make([]func(), racers)
		for i := range racers {
			fns[i] = func() {
				results[i] = fire(e, "POST", "/api/v1/call-events", org.AdminToken, map[string]any{"events": events})
			}
		}
		together(fns...)
		accepted := 0
		for _, r := range results {
			if r.err != nil || r.status != http.StatusOK {
				t.Fatalf("status %d: %s %v", r.status, r.raw, r.err)
			}
			accepted += int(r.body["accepted"].(float64))
		}
		if accepted != 40 {
			t.Fatalf("%d accepted in all, want 40", accepted)
		}
		if n := dbInt(t, e, `SELECT COUNT(*) FROM call_events WHERE org_id = ?`, org.ID); n != 40 {
			t.Fatalf("%d events stored", n)
		}
		if used := dbInt(t, e, `SELECT dials_used FROM orgs WHERE id = ?`, org.ID); used != 20 {
			t.Fatalf("%d dials counted, want 20", used)
		}
	})
}
