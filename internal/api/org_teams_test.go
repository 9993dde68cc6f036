package api_test

import (
	"bytes"
	"encoding/base64"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"slices"
	"testing"

	"roster/internal/apitest"
	"roster/internal/roster"
)

// pngImage returns a w×h PNG.
func pngImage(t testing.TB, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	img.Set(0, 0, color.RGBA{R: 200, A: 255})
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func memberIDs(items []map[string]any) []string {
	out := make([]string, len(items))
	for i, m := range items {
		out[i], _ = m["user_id"].(string)
	}
	slices.Sort(out)
	return out
}

// TestTeams: create, rename, members, leaders and My Team, avatar checked
// by content, disable hiding the team from non-admins.
func TestTeams(t *testing.T) {
	t.Parallel()
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		org := e.CreateOrg("acme", roster.PlanProfessional, nil)
		tok := org.AdminToken
		lead, leadTok := e.ActiveUser(org, "lead@acme.test", "team_leader", "")
		rep, repTok := e.ActiveUser(org, "rep@acme.test", "agent", "")
		_, mgrTok := e.ActiveUser(org, "mgr@acme.test", "manager", "")

		fe := e.Do("POST", "/api/v1/teams", tok, map[string]any{"name": " ", "member_ids": []string{"nobody"}, "role_ids": []string{"nothing"}}).FieldErrors()
		for _, f := range []string{"name", "member_ids[0]", "role_ids[0]"} {
			if fe[f] == "" {
				t.Errorf("no field error for %s: %v", f, fe)
			}
		}
		wantProblem(t, e.Do("POST", "/api/v1/teams", mgrTok, map[string]any{"name": "Sales"}), http.StatusForbidden)
		if n := dbInt(t, e, `SELECT COUNT(*) FROM teams WHERE org_id = ?`, org.ID); n != 0 {
			t.Fatalf("refused requests created %d teams", n)
		}

		team := e.Do("POST", "/api/v1/teams", tok, map[string]any{"name": "Sales", "member_ids": []string{rep, rep}}).Want(http.StatusCreated).JSON()
		id := team["id"].(string)
		if team["member_count"] != float64(1) || team["disabled"] != false || team["has_avatar"] != false {
			t.Fatalf("team %v", team)
		}
		wantProblem(t, e.Do("POST", "/api/v1/teams", tok, map[string]any{"name": "sales"}), http.StatusConflict)
		e.Do("PATCH", "/api/v1/teams/"+id, tok, map[string]any{"name": "Inside Sales"}).Want(http.StatusOK)

		// Members: add (201), set leader (200), the leader's My Team.
		e.Do("PUT", "/api/v1/teams/"+id+"/members/"+lead, tok, map[string]any{"leader": true}).Want(http.StatusCreated)
		ms := e.Do("PUT", "/api/v1/teams/"+id+"/members/"+lead, tok, map[string]any{"leader": true}).Want(http.StatusOK).Items()
		if !slices.Equal(memberIDs(ms), memberIDs([]map[string]any{{"user_id": lead}, {"user_id": rep}})) {
			t.Fatalf("members %v", ms)
		}
		wantProblem(t, e.Do("PUT", "/api/v1/teams/"+id+"/members/nobody", tok, nil), http.StatusNotFound)
		my := e.Do("GET", "/api/v1/me/team", leadTok, nil).Want(http.StatusOK).JSON()
		if len(my["teams"].([]any)) != 1 || len(my["members"].([]any)) != 2 {
			t.Fatalf("my team %v", my)
		}
		for _, m := range my["members"].([]any) {
			if mm := m.(map[string]any); mm["presence"] == "" || mm["presence"] == nil {
				t.Fatalf("member without presence: %v", mm)
			}
		}
		wantProblem(t, e.Do("GET", "/api/v1/me/team", repTok, nil), http.StatusForbidden)
		// The leader reads their team's members without users.read? They
		// have it through the Team Leader role; an agent has neither.
		e.Do("GET", "/api/v1/teams/"+id+"/members", leadTok, nil).Want(http.StatusOK)
		wantProblem(t, e.Do("GET", "/api/v1/teams/"+id+"/members", repTok, nil), http.StatusForbidden)

		// Avatar: validated by content and size, served back as stored.
		img := pngImage(t, 64, 64)
		e.Do("PUT", "/api/v1/teams/"+id+"/avatar", tok, map[string]any{"image": base64.StdEncoding.EncodeToString(img)}).Want(http.StatusNoContent)
		res := e.Do("GET", "/api/v1/teams/"+id+"/avatar", mgrTok, nil).Want(http.StatusOK)
		if !bytes.Equal(res.Body, img) || res.Header.Get("Content-Type") != "image/png" {
			t.Fatalf("avatar served %d bytes as %q", len(res.Body), res.Header.Get("Content-Type"))
		}
		for name, data := range map[string][]byte{
			"not an image":  []byte("GIF89a but not really an image at all"),
			"truncated png": img[:len(img)/2],
			"too wide":      pngImage(t, 2000, 10),
			"too big":       append(bytes.Clone(img), make([]byte, roster.MaxAvatarBytes)...),
		} {
			fe := e.Do("PUT", "/api/v1/teams/"+id+"/avatar", tok, map[string]any{"image": base64.StdEncoding.EncodeToString(data)}).FieldErrors()
			if fe["image"] == "" {
				t.Errorf("%s: field errors %v", name, fe)
			}
		}
		e.Do("PUT", "/api/v1/teams/"+id+"/avatar", tok, map[string]any{"image": "%%%"}).FieldErrors()
		res = e.Do("GET", "/api/v1/teams/"+id+"/avatar", tok, nil).Want(http.StatusOK)
		if !bytes.Equal(res.Body, img) {
			t.Fatalf("a refused upload replaced the avatar")
		}

		// Disabled: hidden from those without teams.manage, kept for admins.
		e.Do("PATCH", "/api/v1/teams/"+id, tok, map[string]any{"disabled": true}).Want(http.StatusOK)
		if items := e.Do("GET", "/api/v1/teams", mgrTok, nil).Want(http.StatusOK).Items(); len(items) != 0 {
			t.Fatalf("manager sees disabled team: %v", items)
		}
		wantProblem(t, e.Do("GET", "/api/v1/teams/"+id, mgrTok, nil), http.StatusNotFound)
		wantProblem(t, e.Do("GET", "/api/v1/teams/"+id+"/avatar", mgrTok, nil), http.StatusNotFound)
		e.Do("GET", "/api/v1/users?team="+id, mgrTok, nil).FieldErrors()
		if u := e.Do("GET", "/api/v1/users/"+rep, mgrTok, nil).Want(http.StatusOK).JSON(); u["teams"] != nil {
			t.Fatalf("manager sees the disabled team on the user: %v", u["teams"])
		}
		listed := false
		for _, u := range e.Do("GET", "/api/v1/users?limit=500", mgrTok, nil).Want(http.StatusOK).Items() {
			if u["id"] == rep {
				listed = true
				if u["teams"] != nil {
					t.Fatalf("manager sees the disabled team on the user in the list: %v", u["teams"])
				}
			}
		}
		if !listed {
			t.Fatalf("the team's member is missing from the manager's list")
		}
		if my := e.Do("GET", "/api/v1/me/team", leadTok, nil).Want(http.StatusOK).JSON(); len(my["teams"].([]any)) != 0 {
			t.Fatalf("disabled team on My Team: %v", my)
		}
		items := e.Do("GET", "/api/v1/teams", tok, nil).Want(http.StatusOK).Items()
		if len(items) != 1 || items[0]["disabled"] != true || items[0]["name"] != "Inside Sales" {
			t.Fatalf("admin's list %v", items)
		}
		e.Do("PATCH", "/api/v1/teams/"+id, tok, map[string]any{"disabled": false}).Want(http.StatusOK)
		if items := e.Do("GET", "/api/v1/teams", mgrTok, nil).Want(http.StatusOK).Items(); len(items) != 1 {
			t.Fatalf("re-enabled team hidden: %v", items)
		}

		e.Do("DELETE", "/api/v1/teams/"+id+"/members/"+rep, tok, nil).Want(http.StatusNoContent)
		wantProblem(t, e.Do("DELETE", "/api/v1/teams/"+id+"/members/"+rep, tok, nil), http.StatusNotFound)
		if ids := memberIDs(e.Do("GET", "/api/v1/teams/"+id+"/members", tok, nil).Want(http.StatusOK).Items()); !slices.Equal(ids, []string{lead}) {
			t.Fatalf("members after removal %v", ids)
		}
		for _, a := range []string{"team.created", "team.updated", "team.member_added", "team.member_updated", "team.member_removed", "team.avatar_set"} {
			if auditCount(t, e, org.ID, a) == 0 {
				t.Errorf("no %s audit event", a)
			}
		}
	})
}

// TestTeamLinkedRoles: linking a role to a team (from either side) puts the
// role's holders in the team, and so does giving someone the role later,
// whether by edit or by invitation.
func TestTeamLinkedRoles(t *testing.T) {
	t.Parallel()
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		org := e.CreateOrg("acme", roster.PlanProfessional, nil)
		tok := org.AdminToken
		a1, _ := e.ActiveUser(org, "a1@acme.test", "agent", "")
		a2, _ := e.ActiveUser(org, "a2@acme.test", "agent", "")
		m1, _ := e.ActiveUser(org, "m1@acme.test", "manager", "")
		team := e.Do("POST", "/api/v1/teams", tok, map[string]any{"name": "Floor", "role_ids": []string{roleID(t, e, tok, "agent")}}).Want(http.StatusCreated).JSON()
		id := team["id"].(string)
		if team["member_count"] != float64(2) {
			t.Fatalf("team %v", team)
		}
		want := []string{a1, a2}
		slices.Sort(want)
		if got := memberIDs(e.Do("GET", "/api/v1/teams/"+id+"/members", tok, nil).Want(http.StatusOK).Items()); !slices.Equal(got, want) {
			t.Fatalf("members %v, want the agents %v", got, want)
		}
		// New holders join: by role change and by invitation.
		e.Do("PATCH", "/api/v1/users/"+m1, tok, map[string]any{"role": "agent"}).Want(http.StatusOK)
		e.Do("POST", "/api/v1/invitations", tok, map[string]any{"emails": []string{"new@acme.test"}, "role": "agent", "send": true}).Want(http.StatusCreated)
		// Prepared users too, one (written without a transaction when the
		// role joins no team) or several.
		e.Do("POST", "/api/v1/invitations", tok, map[string]any{"emails": []string{"prep@acme.test"}, "send": false}).Want(http.StatusCreated)
		e.Do("POST", "/api/v1/invitations", tok, map[string]any{"emails": []string{"p2@acme.test", "p3@acme.test"}, "send": false}).Want(http.StatusCreated)
		if n := dbInt(t, e, `SELECT COUNT(*) FROM team_members WHERE team_id = ?`, id); n != 7 {
			t.Fatalf("%d members, want 7", n)
		}
		// Unlinking keeps the members; the link is gone.
		e.Do("PATCH", "/api/v1/teams/"+id, tok, map[string]any{"role_ids": []string{}}).Want(http.StatusOK)
		if got := e.Do("GET", "/api/v1/teams/"+id, tok, nil).Want(http.StatusOK).JSON(); len(got["role_ids"].([]any)) != 0 || got["member_count"] != float64(7) {
			t.Fatalf("after unlinking: %v", got)
		}
		// Agents prepared now join no team.
		e.Do("POST", "/api/v1/invitations", tok, map[string]any{"emails": []string{"p4@acme.test"}, "send": false}).Want(http.StatusCreated)
		if n := dbInt(t, e, `SELECT COUNT(*) FROM team_members WHERE team_id = ?`, id); n != 7 {
			t.Fatalf("%d members after unlinking and preparing another agent, want 7", n)
		}
	})
}
