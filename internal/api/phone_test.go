package api_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"image/png"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"roster/internal/apitest"
	"roster/internal/phone/phonetest"
	"roster/internal/roster"
)

// auditActions lists the actions of the audit events about target, newest first.
func auditActions(e *apitest.Env, token, target string) []string {
	var out []string
	for _, ev := range e.Do("GET", "/api/v1/audit-events?target="+target, token, nil).Want(http.StatusOK).Items() {
		out = append(out, ev["action"].(string))
	}
	return out
}

func TestPhoneNumbersAPI(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		org := e.CreateOrg("acme", roster.PlanProfessional, nil)
		other := e.CreateOrg("globex", roster.PlanProfessional, nil)
		_, agent := e.ActiveUser(org, "agent@acme.test", "agent", "")
		tok := org.AdminToken

		first := e.Do("POST", "/api/v1/phone-numbers", tok, map[string]any{"number": "+1 (415) 555-0100", "label": "HQ"}).
			Want(http.StatusCreated).JSON()
		if first["number"] != "+14155550100" || first["main"] != true || first["label"] != "HQ" {
			t.Fatalf("first number: %v", first)
		}
		second := e.Do("POST", "/api/v1/phone-numbers", tok, map[string]any{"number": "+442079460000"}).Want(http.StatusCreated).JSON()
		if second["main"] != false {
			t.Fatalf("second number became main: %v", second)
		}
		dup := e.Do("POST", "/api/v1/phone-numbers", tok, map[string]any{"number": "+14155550100"})
		p := dup.Problem(http.StatusConflict)
		if errs, _ := p["errors"].([]any); len(errs) != 1 || errs[0].(map[string]any)["field"] != "number" {
			t.Fatalf("duplicate: %s", dup.Body)
		}
		for _, bad := range []string{"4155550100", "+1415", "+999 1234", "call me", ""} {
			if fe := e.Do("POST", "/api/v1/phone-numbers", tok, map[string]any{"number": bad}).FieldErrors(); fe["number"] == "" {
				t.Fatalf("%q: %v", bad, fe)
			}
		}
		e.Do("POST", "/api/v1/phone-numbers", agent, map[string]any{"number": "+14155550199"}).Problem(http.StatusForbidden)

		// Anyone in the org lists them, main first; no other org's numbers.
		e.Do("POST", "/api/v1/phone-numbers", other.AdminToken, map[string]any{"number": "+14155550177"}).Want(http.StatusCreated)
		list := e.Do("GET", "/api/v1/phone-numbers", agent, nil).Want(http.StatusOK).Items()
		if len(list) != 2 || list[0]["number"] != "+14155550100" {
			t.Fatalf("list: %v", list)
		}

		// Switching the main number.
		id2 := second["id"].(string)
		e.Do("PATCH", "/api/v1/phone-numbers/"+id2, tok, map[string]any{"main": true, "label": "London"}).Want(http.StatusOK)
		list = e.Do("GET", "/api/v1/phone-numbers", tok, nil).Want(http.StatusOK).Items()
		if list[0]["id"] != id2 || list[0]["main"] != true || list[1]["main"] != false || list[0]["label"] != "London" {
			t.Fatalf("after switching main: %v", list)
		}

		// Another org's admin cannot see or touch them.
		e.Do("PATCH", "/api/v1/phone-numbers/"+id2, other.AdminToken, map[string]any{"label": "x"}).Problem(http.StatusNotFound)
		e.Do("DELETE", "/api/v1/phone-numbers/"+id2, other.AdminToken, nil).Problem(http.StatusNotFound)
		e.Do("DELETE", "/api/v1/phone-numbers/"+id2, tok, nil).Want(http.StatusNoContent)
		if got := auditActions(e, tok, id2); !slices.Equal(got, []string{"phone_number.deleted", "phone_number.updated", "phone_number.added"}) {
			t.Fatalf("audit: %v", got)
		}
	})
}

func TestPhoneSettingsAPI(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		org := e.CreateOrg("acme", roster.PlanProfessional, nil)
		other := e.CreateOrg("globex", roster.PlanProfessional, nil)
		tok := org.AdminToken
		janeID, jane := e.ActiveUser(org, "jane@acme.test", "agent", "")
		bobID, _ := e.ActiveUser(org, "bob@acme.test", "agent", "")
		e.Do("POST", "/api/v1/phone-numbers", tok, map[string]any{"number": "+14155550100"}).Want(http.StatusCreated)
		e.Do("POST", "/api/v1/phone-numbers", tok, map[string]any{"number": "+14155550101"}).Want(http.StatusCreated)
		path := "/api/v1/users/" + janeID + "/phone-settings"

		def := e.Do("GET", path, tok, nil).Want(http.StatusOK).JSON()
		vm := def["voicemail"].(map[string]any)
		if vm["enabled"] != true || vm["rings"] != 4.0 || vm["pin_set"] != false || vm["email_enabled"] != true || vm["email"] != "" || def["extension"] != "" ||
			def["effective_caller_id"] != "+14155550100" || def["language"] != "en" || def["time_zone"] != "UTC" || def["updated_at"] != nil {
			t.Fatalf("defaults: %v", def)
		}

		e.Do("PATCH", "/api/v1/users/"+bobID+"/phone-settings", tok, map[string]any{"extension": "102"}).Want(http.StatusOK)
		set := e.Do("PATCH", path, tok, map[string]any{
			"extension": "101", "caller_id": "+1 415 555 0101", "country_prefix": "+44",
			"mobile_number": "07911 123456", "landline_number": "+442079460000", "linked_mobile_number": "+447911123457",
			"display_numbers": []string{"+14155550102", "+14155550102", "020 7946 0001"},
			"voicemail":       map[string]any{"enabled": true, "rings": 6, "pin": "4321", "email": "Jane.VM@Example.com", "email_enabled": true, "attach_audio": true},
			"forwarding":      map[string]any{"enabled": true, "mode": "sequential", "destinations": []string{"102", "+14155550199"}},
			"do_not_disturb":  true, "language": "fr-ca", "time_zone": "Europe/Paris",
		}).Want(http.StatusOK).JSON()
		vm = set["voicemail"].(map[string]any)
		fw := set["forwarding"].(map[string]any)
		if set["extension"] != "101" || set["caller_id"] != "+14155550101" || set["effective_caller_id"] != "+14155550101" ||
			set["mobile_number"] != "+447911123456" || set["country_prefix"] != "+44" ||
			fmt.Sprint(set["display_numbers"]) != "[+14155550102 +442079460001]" ||
			vm["rings"] != 6.0 || vm["pin_set"] != true || vm["email"] != "jane.vm@example.com" || vm["attach_audio"] != true ||
			fw["mode"] != "sequential" || fmt.Sprint(fw["destinations"]) != "[102 +14155550199]" ||
			set["do_not_disturb"] != true || set["language"] != "fr-CA" || set["time_zone"] != "Europe/Paris" {
			t.Fatalf("after patch: %v", set)
		}
		if _, ok := vm["pin"]; ok || strings.Contains(string(e.Do("GET", path, tok, nil).Body), "argon2") {
			t.Fatal("the PIN or its hash is exposed")
		}
		if pr := e.Do("GET", "/api/v1/users/"+janeID+"/presence", tok, nil).Want(http.StatusOK).JSON(); pr["dnd"] != true {
			t.Fatalf("presence after do_not_disturb: %v", pr)
		}

		// Search by extension works in the people list.
		found := e.Do("GET", "/api/v1/users?q=101", tok, nil).Want(http.StatusOK).Items()
		if len(found) != 1 || found[0]["id"] != janeID {
			t.Fatalf("search by extension: %v", found)
		}

		// Every bad field is reported at once and nothing changes.
		res := e.Do("PATCH", path, tok, map[string]any{
			"extension": "911", "caller_id": "+1415", "mobile_number": "not a number", "country_prefix": "+999",
			"display_numbers": []string{"+14155550102", "nope"},
			"voicemail":       map[string]any{"rings": 11, "pin": "12", "email": "bad@"},
			"forwarding":      map[string]any{"mode": "random", "destinations": []string{"1", "2", "3", "4", "5", "6"}},
			"language":        "klingon!", "time_zone": "Mars/Olympus",
		})
		fe := res.FieldErrors()
		for _, f := range []string{"extension", "caller_id", "mobile_number", "country_prefix", "display_numbers[1]", "voicemail.rings",
			"voicemail.pin", "voicemail.email", "forwarding.mode", "forwarding.destinations", "language", "time_zone"} {
			if fe[f] == "" {
				t.Errorf("no field error for %s: %v", f, fe)
			}
		}
		after := e.Do("GET", path, tok, nil).Want(http.StatusOK).JSON()
		if after["extension"] != "101" || after["time_zone"] != "Europe/Paris" || after["updated_at"] != set["updated_at"] {
			t.Fatalf("a rejected patch changed something: %v", after)
		}

		for _, tc := range []struct {
			body  map[string]any
			field string
			want  int
		}{
			{map[string]any{"extension": "102"}, "extension", http.StatusConflict},             // Bob's
			{map[string]any{"extension": "0101"}, "extension", http.StatusUnprocessableEntity}, // leading zero
			{map[string]any{"extension": "12345"}, "extension", http.StatusUnprocessableEntity},
			{map[string]any{"caller_id": "+14155550188"}, "caller_id", http.StatusUnprocessableEntity}, // not the org's
			{map[string]any{"voicemail": map[string]any{"pin": "101"}}, "voicemail.pin", http.StatusUnprocessableEntity},
			{map[string]any{"voicemail": map[string]any{"pin": "1010"}, "extension": "1010"}, "voicemail.pin", http.StatusUnprocessableEntity},
			{map[string]any{"forwarding": map[string]any{"destinations": []string{"555"}}}, "forwarding.destinations[0]", http.StatusUnprocessableEntity},
			{map[string]any{"forwarding": map[string]any{"destinations": []string{"101"}}}, "forwarding.destinations[0]", http.StatusUnprocessableEntity},
			{map[string]any{"forwarding": map[string]any{"destinations": []string{}}}, "forwarding.destinations", http.StatusUnprocessableEntity},
			{map[string]any{"voicemail": map[string]any{"rings": "four"}}, "voicemail.rings", http.StatusUnprocessableEntity},
		} {
			res := e.Do("PATCH", path, tok, tc.body)
			p := res.Problem(tc.want)
			errs, _ := p["errors"].([]any)
			if len(errs) == 0 || errs[0].(map[string]any)["field"] != tc.field {
				t.Errorf("%v: want a field error on %s, got %s", tc.body, tc.field, res.Body)
			}
		}
		// The extension may not become the PIN either (the PIN is 4321).
		if fe := e.Do("PATCH", path, tok, map[string]any{"extension": "4321"}).FieldErrors(); fe["extension"] == "" {
			t.Fatalf("extension equal to the PIN: %v", fe)
		}
		e.Do("PATCH", path, tok, map[string]any{"unknown": 1}).Problem(http.StatusBadRequest)
		e.Do("PATCH", path, tok, `{"extension": "1`).Problem(http.StatusBadRequest)

		// An inactive user keeps their extension.
		e.Do("POST", "/api/v1/users/"+bobID+"/deactivate", tok, nil).Want(http.StatusOK)
		e.Do("PATCH", path, tok, map[string]any{"extension": "102"}).Problem(http.StatusConflict)
		// Deleting the caller ID number falls back to the main number.
		nums := e.Do("GET", "/api/v1/phone-numbers", tok, nil).Items()
		e.Do("DELETE", "/api/v1/phone-numbers/"+nums[1]["id"].(string), tok, nil).Want(http.StatusNoContent)
		if got := e.Do("GET", path, tok, nil).JSON(); got["caller_id"] != "+14155550101" || got["effective_caller_id"] != "+14155550100" {
			t.Fatalf("caller ID after its number went: %v / %v", got["caller_id"], got["effective_caller_id"])
		}

		// Tenant isolation: another org's admin sees a missing user.
		e.Do("GET", path, other.AdminToken, nil).Problem(http.StatusNotFound)
		e.Do("PATCH", path, other.AdminToken, map[string]any{"do_not_disturb": false}).Problem(http.StatusNotFound)

		// The user edits their own settings, but not what the admin locked.
		e.Do("GET", "/api/v1/users/"+bobID+"/phone-settings", jane, nil).Problem(http.StatusForbidden)
		e.Do("PATCH", "/api/v1/users/"+bobID+"/phone-settings", jane, map[string]any{"do_not_disturb": true}).Problem(http.StatusForbidden)
		me := e.Do("PATCH", "/api/v1/me/phone-settings", jane, map[string]any{"do_not_disturb": false, "extension": "105"}).Want(http.StatusOK).JSON()
		if me["do_not_disturb"] != false || me["extension"] != "105" || me["user_id"] != janeID {
			t.Fatalf("self edit: %v", me)
		}
		e.Do("PATCH", "/api/v1/me/phone-settings", jane, map[string]any{"locks": map[string]any{"extension": false}}).Problem(http.StatusForbidden)
		e.Do("PATCH", path, tok, map[string]any{"locks": map[string]any{"extension": true, "caller_id": true}}).Want(http.StatusOK)
		e.Do("PATCH", "/api/v1/me/phone-settings", jane, map[string]any{"extension": "106"}).Problem(http.StatusForbidden)
		e.Do("PATCH", "/api/v1/me/phone-settings", jane, map[string]any{"caller_id": ""}).Problem(http.StatusForbidden)
		mine := e.Do("PATCH", "/api/v1/me/phone-settings", jane, map[string]any{"extension": "105", "time_zone": "Asia/Tokyo"}).Want(http.StatusOK).JSON()
		if mine["time_zone"] != "Asia/Tokyo" || mine["extension"] != "105" {
			t.Fatalf("unlocked field after locking: %v", mine)
		}
		if got := e.Do("GET", "/api/v1/me/phone-settings", jane, nil).Want(http.StatusOK).JSON(); got["extension"] != "105" {
			t.Fatalf("GET /me/phone-settings: %v", got)
		}

		// Every change is audited, without the PIN.
		events := e.Do("GET", "/api/v1/audit-events?action=phone_settings.updated&target="+janeID, tok, nil).Want(http.StatusOK)
		if n := len(events.Items()); n != 4 {
			t.Fatalf("%d phone_settings.updated events, want 4 (one per accepted change)", n)
		}
		if bytes.Contains(events.Body, []byte("4321")) || bytes.Contains(events.Body, []byte("argon2")) {
			t.Fatal("the audit log holds the PIN")
		}
	})
}

// TestExtensionRaceAPI has many admins' requests claim one extension for
// different users at once: exactly one may get it.
func TestExtensionRaceAPI(t *testing.T) {
	const users = 8
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		org := e.CreateOrg("acme", roster.PlanProfessional, nil)
		var ids []string
		for i := range users {
			id, _ := e.ActiveUser(org, fmt.Sprintf("u%d@acme.test", i), "agent", "")
			ids = append(ids, id)
		}
		var wg sync.WaitGroup
		statuses := make([]int, users)
		for i, id := range ids {
			wg.Go(func() {
				statuses[i] = e.Do("PATCH", "/api/v1/users/"+id+"/phone-settings", org.AdminToken, map[string]any{"extension": "777"}).Status
			})
		}
		wg.Wait()
		ok, conflict := 0, 0
		for _, s := range statuses {
			switch s {
			case http.StatusOK:
				ok++
			case http.StatusConflict:
				conflict++
			}
		}
		if ok != 1 || conflict != users-1 {
			t.Fatalf("statuses %v: want one 200 and %d 409", statuses, users-1)
		}
		if found := e.Do("GET", "/api/v1/users?q=777", org.AdminToken, nil).Items(); len(found) != 1 {
			t.Fatalf("%d users hold 777", len(found))
		}
	})
}

func TestNextExtensionAndDirectoryAPI(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		org := e.CreateOrg("acme", roster.PlanProfessional, nil)
		other := e.CreateOrg("globex", roster.PlanProfessional, nil)
		tok := org.AdminToken
		if got := e.Do("GET", "/api/v1/extensions/next", tok, nil).Want(http.StatusOK).JSON(); got["extension"] != "100" {
			t.Fatalf("first suggestion %v", got)
		}
		people := []struct{ email, first, last, ext string }{
			{"anna@acme.test", "Anna", "Smith", "100"},
			{"smitty@acme.test", "Smitty", "Jones", "101"},
			{"bob@acme.test", "Bob", "Smithers", "103"},
		}
		var agent string
		for _, p := range people {
			id, token := e.ActiveUser(org, p.email, "agent", "")
			agent = token
			e.Do("PATCH", "/api/v1/users/"+id, tok, map[string]any{"first_name": p.first, "last_name": p.last}).Want(http.StatusOK)
			e.Do("PATCH", "/api/v1/users/"+id+"/phone-settings", tok, map[string]any{"extension": p.ext}).Want(http.StatusOK)
		}
		if got := e.Do("GET", "/api/v1/extensions/next", tok, nil).Want(http.StatusOK).JSON(); got["extension"] != "102" {
			t.Fatalf("suggestion with 100, 101, 103 taken: %v", got)
		}
		e.Do("GET", "/api/v1/extensions/next", agent, nil).Problem(http.StatusForbidden)
		// Other orgs' extensions do not count.
		if got := e.Do("GET", "/api/v1/extensions/next", other.AdminToken, nil).Want(http.StatusOK).JSON(); got["extension"] != "100" {
			t.Fatalf("other org's suggestion %v", got)
		}

		names := func(q string) []string {
			res := e.Do("GET", "/api/v1/directory?q="+q, agent, nil).Want(http.StatusOK)
			var out []string
			for _, it := range res.Items() {
				out = append(out, it["first_name"].(string)+" "+it["extension"].(string))
			}
			return out
		}
		if got := names("SMI"); !slices.Equal(got, []string{"Anna 100", "Bob 103"}) {
			t.Fatalf("last-name directory: %v", got)
		}
		if got := names("10"); !slices.Equal(got, []string{"Anna 100", "Smitty 101", "Bob 103"}) {
			t.Fatalf("directory by extension: %v", got)
		}
		e.Do("PATCH", "/api/v1/directory/settings", agent, map[string]any{"match": "first_name"}).Problem(http.StatusForbidden)
		if fe := e.Do("PATCH", "/api/v1/directory/settings", tok, map[string]any{"match": "nickname"}).FieldErrors(); fe["match"] == "" {
			t.Fatalf("bad match: %v", fe)
		}
		e.Do("PATCH", "/api/v1/directory/settings", tok, map[string]any{"match": "first_name"}).Want(http.StatusOK)
		if got := names("smi"); !slices.Equal(got, []string{"Smitty 101"}) {
			t.Fatalf("first-name directory: %v", got)
		}
		if got := e.Do("GET", "/api/v1/directory/settings", agent, nil).Want(http.StatusOK).JSON(); got["match"] != "first_name" {
			t.Fatalf("settings: %v", got)
		}
		if got := e.Do("GET", "/api/v1/directory?q=smi", other.AdminToken, nil).Want(http.StatusOK).Items(); len(got) != 0 {
			t.Fatalf("another org's directory lists %v", got)
		}
		if fe := e.Do("GET", "/api/v1/directory?limit=x", agent, nil).FieldErrors(); fe["limit"] == "" {
			t.Fatalf("bad limit: %v", fe)
		}
		if got := auditActions(e, tok, org.ID); !slices.Contains(got, "directory.updated") {
			t.Fatalf("no directory.updated event: %v", got)
		}
	})
}

func TestGreetingAPI(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		org := e.CreateOrg("acme", roster.PlanProfessional, nil)
		other := e.CreateOrg("globex", roster.PlanProfessional, nil)
		janeID, jane := e.ActiveUser(org, "jane@acme.test", "agent", "")
		bobID, _ := e.ActiveUser(org, "bob@acme.test", "agent", "")
		path := "/api/v1/users/" + janeID + "/voicemail-greeting"
		upload := func(token, path string, data []byte) *apitest.Response {
			return e.Do("PUT", path, token, map[string]any{"audio": base64.StdEncoding.EncodeToString(data)})
		}

		e.Do("GET", path, jane, nil).Problem(http.StatusNotFound)
		wav := phonetest.WAV(4000)
		ps := upload(jane, path, wav).Want(http.StatusOK).JSON()
		if ps["voicemail"].(map[string]any)["custom_greeting"] != true {
			t.Fatalf("after upload: %v", ps)
		}
		got := e.Do("GET", path, org.AdminToken, nil).Want(http.StatusOK)
		if got.Header.Get("Content-Type") != "audio/wav" || !bytes.Equal(got.Body, wav) {
			t.Fatalf("download: %s, %d bytes", got.Header.Get("Content-Type"), len(got.Body))
		}

		// Judged by content: text is refused whatever it claims to be.
		if fe := upload(jane, path, []byte("this is definitely a .wav file, trust me")).FieldErrors(); !strings.Contains(fe["audio"], "WAV or MP3") {
			t.Fatalf("text upload: %v", fe)
		}
		if fe := e.Do("PUT", path, jane, map[string]any{"audio": "%%%"}).FieldErrors(); fe["audio"] == "" {
			t.Fatalf("bad base64: %v", fe)
		}
		if fe := e.Do("PUT", path, jane, map[string]any{}).FieldErrors(); fe["audio"] == "" {
			t.Fatalf("missing audio: %v", fe)
		}
		// Over 5 MB is refused even when it is real audio.
		big := phonetest.WAV(roster.MaxGreetingBytes / 2)
		if res := upload(jane, path, big); res.Status != http.StatusRequestEntityTooLarge && res.Status != http.StatusUnprocessableEntity {
			t.Fatalf("oversized greeting: %d %s", res.Status, res.Body)
		}
		if got := e.Do("GET", path, jane, nil).Want(http.StatusOK); !bytes.Equal(got.Body, wav) {
			t.Fatal("a rejected upload replaced the greeting")
		}

		// Only oneself or telephony.manage; another org sees nothing.
		upload(jane, "/api/v1/users/"+bobID+"/voicemail-greeting", wav).Problem(http.StatusForbidden)
		upload(other.AdminToken, path, wav).Problem(http.StatusNotFound)
		e.Do("GET", path, other.AdminToken, nil).Problem(http.StatusNotFound)

		e.Do("DELETE", path, jane, nil).Want(http.StatusNoContent)
		e.Do("DELETE", path, jane, nil).Problem(http.StatusNotFound)
		if got := auditActions(e, org.AdminToken, janeID); !slices.Contains(got, "voicemail_greeting.uploaded") || got[0] != "voicemail_greeting.reset" {
			t.Fatalf("audit: %v", got)
		}
	})
}

func TestVoicemailsAPI(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		org := e.CreateOrg("acme", roster.PlanProfessional, nil)
		other := e.CreateOrg("globex", roster.PlanProfessional, nil)
		tok := org.AdminToken
		janeID, jane := e.ActiveUser(org, "jane@acme.test", "agent", "")
		path := "/api/v1/users/" + janeID + "/voicemails"

		first := e.Do("POST", path, tok, map[string]any{"caller_number": "+1 415 555 0100", "caller_name": "Acme Supplier",
			"duration_seconds": 42, "audio_url": "https://media.example.com/vm/1.mp3"}).Want(http.StatusCreated).JSON()
		if first["caller_number"] != "+14155550100" || first["duration_seconds"] != 42.0 {
			t.Fatalf("voicemail: %v", first)
		}
		// Voicemail-to-email is on by default, to the user's own address,
		// without the audio unless asked for.
		if n := e.EmailsTo("jane@acme.test"); n != 2 {
			t.Fatalf("%d emails to jane, want the invitation and the voicemail", n)
		}
		if m := e.LastEmailTo("jane@acme.test"); !strings.Contains(m.Subject, "Acme Supplier (+14155550100)") ||
			!strings.Contains(m.Text, "0:42") || strings.Contains(m.Text, "media.example.com") {
			t.Fatalf("default voicemail email: %q / %q", m.Subject, m.Text)
		}
		e.Do("POST", path, jane, map[string]any{"duration_seconds": 1}).Problem(http.StatusForbidden)
		e.Do("POST", path, other.AdminToken, map[string]any{"duration_seconds": 1}).Problem(http.StatusNotFound)
		fe := e.Do("POST", path, tok, map[string]any{"caller_number": "x", "duration_seconds": -1, "audio_url": "ftp://x"}).FieldErrors()
		if fe["caller_number"] == "" || fe["duration_seconds"] == "" || fe["audio_url"] == "" {
			t.Fatalf("bad voicemail: %v", fe)
		}

		// Voicemail-to-email to a chosen address, with the audio link.
		e.Do("PATCH", "/api/v1/me/phone-settings", jane, map[string]any{"voicemail": map[string]any{
			"email_enabled": true, "email": "jane.vm@acme.test", "attach_audio": true}}).Want(http.StatusOK)
		e.Do("POST", path, tok, map[string]any{"caller_number": "+442079460000", "duration_seconds": 75,
			"transcription": "Call me back", "audio_url": "https://media.example.com/vm/2.mp3"}).Want(http.StatusCreated)
		m := e.LastEmailTo("jane.vm@acme.test")
		if !strings.Contains(m.Subject, "+442079460000") || !strings.Contains(m.Text, "1:15") ||
			!strings.Contains(m.Text, "Call me back") || !strings.Contains(m.Text, "https://media.example.com/vm/2.mp3") {
			t.Fatalf("voicemail email: %q / %q", m.Subject, m.Text)
		}

		page := e.Do("GET", path+"?limit=1", jane, nil).Want(http.StatusOK).JSON()
		items := page["items"].([]any)
		if len(items) != 1 || items[0].(map[string]any)["caller_number"] != "+442079460000" || page["next_cursor"] == "" {
			t.Fatalf("first page: %v", page)
		}
		page = e.Do("GET", path+"?limit=1&cursor="+page["next_cursor"].(string), jane, nil).Want(http.StatusOK).JSON()
		if items := page["items"].([]any); len(items) != 1 || items[0].(map[string]any)["id"] != first["id"] || page["next_cursor"] != "" {
			t.Fatalf("second page: %v", page)
		}
		e.Do("GET", path, other.AdminToken, nil).Problem(http.StatusNotFound)

		// Voicemail off: the telephony side is told.
		e.Do("PATCH", "/api/v1/me/phone-settings", jane, map[string]any{"voicemail": map[string]any{"enabled": false}}).Want(http.StatusOK)
		e.Do("POST", path, tok, map[string]any{"duration_seconds": 3}).Problem(http.StatusConflict)
		if got := auditActions(e, tok, janeID); got[1] != "voicemail.received" {
			t.Fatalf("audit: %v", got)
		}
	})
}

func TestProvisioningAPI(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		org := e.CreateOrg("acme", roster.PlanProfessional, nil)
		other := e.CreateOrg("globex", roster.PlanProfessional, nil)
		tok := org.AdminToken
		janeID, jane := e.ActiveUser(org, "jane@acme.test", "agent", "")
		bobID, _ := e.ActiveUser(org, "bob@acme.test", "agent", "")
		e.Do("POST", "/api/v1/phone-numbers", tok, map[string]any{"number": "+14155550100"}).Want(http.StatusCreated)
		e.Do("PATCH", "/api/v1/users/"+janeID+"/phone-settings", tok, map[string]any{"extension": "101",
			"mobile_number": "+447911123456", "display_numbers": []string{"+14155550102"}}).Want(http.StatusOK)
		path := "/api/v1/users/" + janeID + "/provisioning"

		mobile := e.Do("POST", path, jane, map[string]any{"app": "mobile"}).Want(http.StatusCreated).JSON()
		link := mobile["link"].(string)
		if !strings.HasPrefix(link, "roster://provision?server=http%3A%2F%2Froster.test&token=rsp_") {
			t.Fatalf("mobile link %q", link)
		}
		raw, err := base64.StdEncoding.DecodeString(mobile["qr_code_png"].(string))
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(bytes.NewReader(raw))
		if err != nil || img.Bounds().Dx() < 100 {
			t.Fatalf("QR code is not a PNG of a useful size: %v", err)
		}
		exp, _ := time.Parse(time.RFC3339, mobile["expires_at"].(string))
		if d := time.Until(exp); d < 14*time.Minute || d > 16*time.Minute {
			t.Fatalf("expires in %v, want 15 minutes", d)
		}
		token := apitest.TokenFromLink(t, link)

		profile := e.Do("POST", "/api/v1/provisioning/redeem", "", map[string]any{"token": token}).Want(http.StatusOK).JSON()
		if profile["display_name"] != "Test User" || profile["extension"] != "101" || profile["caller_id"] != "+14155550100" ||
			fmt.Sprint(profile["numbers"]) != "[+447911123456 +14155550102]" || profile["app"] != "mobile" || profile["org_name"] != "acme Inc" {
			t.Fatalf("profile: %v", profile)
		}
		for k := range profile {
			if strings.Contains(strings.ToLower(k), "sip") || strings.Contains(strings.ToLower(k), "password") {
				t.Fatalf("profile carries %s", k)
			}
		}
		gone := e.Do("POST", "/api/v1/provisioning/redeem", "", map[string]any{"token": token}).Problem(http.StatusGone)
		if !strings.Contains(gone["detail"].(string), "already been used") {
			t.Fatalf("second redeem: %v", gone)
		}
		e.Do("POST", "/api/v1/provisioning/redeem", "", map[string]any{"token": "rsp_nope"}).Problem(http.StatusUnauthorized)
		e.Do("POST", "/api/v1/provisioning/redeem", "", map[string]any{"token": 5}).Problem(http.StatusUnprocessableEntity)

		// The desktop link expires after 15 minutes.
		desk := e.Do("POST", path, tok, map[string]any{"app": "desktop"}).Want(http.StatusCreated).JSON()
		if _, ok := desk["qr_code_png"]; ok || !strings.HasPrefix(desk["link"].(string), "roster-desktop://provision?") {
			t.Fatalf("desktop: %v", desk)
		}
		e.Advance(15*time.Minute + time.Second)
		e.Do("POST", "/api/v1/provisioning/redeem", "", map[string]any{"token": apitest.TokenFromLink(t, desk["link"].(string))}).Problem(http.StatusGone)

		// A deactivated user's code stops working.
		again := e.Do("POST", path, jane, map[string]any{"app": "desktop"}).Want(http.StatusCreated).JSON()
		e.Do("POST", "/api/v1/users/"+janeID+"/deactivate", tok, nil).Want(http.StatusOK)
		e.Do("POST", "/api/v1/provisioning/redeem", "", map[string]any{"token": apitest.TokenFromLink(t, again["link"].(string))}).Problem(http.StatusGone)
		e.Do("POST", path, tok, map[string]any{"app": "mobile"}).Problem(http.StatusConflict)

		if fe := e.Do("POST", "/api/v1/users/"+bobID+"/provisioning", tok, map[string]any{"app": "watch"}).FieldErrors(); fe["app"] == "" {
			t.Fatalf("bad app: %v", fe)
		}
		e.Do("POST", "/api/v1/users/"+bobID+"/provisioning", other.AdminToken, map[string]any{"app": "mobile"}).Problem(http.StatusNotFound)
		if got := auditActions(e, tok, janeID); !slices.Contains(got, "provisioning.redeemed") || !slices.Contains(got, "provisioning.issued") {
			t.Fatalf("audit: %v", got)
		}
	})
}

// TestProvisioningRedeemRace redeems one code from many clients at once.
func TestProvisioningRedeemRace(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		org := e.CreateOrg("acme", roster.PlanProfessional, nil)
		janeID, jane := e.ActiveUser(org, "jane@acme.test", "agent", "")
		res := e.Do("POST", "/api/v1/users/"+janeID+"/provisioning", jane, map[string]any{"app": "mobile"}).Want(http.StatusCreated).JSON()
		body, _ := json.Marshal(map[string]any{"token": apitest.TokenFromLink(t, res["link"].(string))})
		var wg sync.WaitGroup
		statuses := make([]int, 8)
		for i := range statuses {
			wg.Go(func() { statuses[i] = e.Do("POST", "/api/v1/provisioning/redeem", "", string(body)).Status })
		}
		wg.Wait()
		ok := 0
		for _, s := range statuses {
			if s == http.StatusOK {
				ok++
			} else if s != http.StatusGone {
				t.Fatalf("status %d", s)
			}
		}
		if ok != 1 {
			t.Fatalf("statuses %v: want exactly one 200", statuses)
		}
	})
}

// TestPhoneHostileInput sends input that databases and parsers choke on
// (NUL bytes, invalid UTF-8, odd IDs): every answer is a 4xx, never a 500.
func TestPhoneHostileInput(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		org := e.CreateOrg("acme", roster.PlanProfessional, nil)
		janeID, _ := e.ActiveUser(org, "jane@acme.test", "agent", "")
		tok := org.AdminToken
		u := "/api/v1/users/" + janeID
		for _, tc := range []struct {
			method, path string
			body         any
		}{
			{"GET", "/api/v1/users/%00/phone-settings", nil},
			{"PATCH", "/api/v1/users/%00/phone-settings", map[string]any{"do_not_disturb": true}},
			{"GET", "/api/v1/users/%FF%FE/voicemails", nil},
			{"GET", u + "/voicemails?cursor=%00", nil},
			{"GET", u + "/voicemails?cursor=%FF", nil},
			{"GET", "/api/v1/directory?q=%00", nil},
			{"GET", "/api/v1/directory?q=%FF%FE", nil},
			{"PATCH", "/api/v1/phone-numbers/%00", map[string]any{"label": "x"}},
			{"POST", "/api/v1/phone-numbers", map[string]any{"number": "+1415555\u00000100"}},
			{"POST", "/api/v1/phone-numbers", map[string]any{"number": "+14155550100", "label": "a\u0000b"}},
			{"POST", u + "/voicemails", map[string]any{"transcription": "hello\u0000world"}},
			{"POST", u + "/voicemails", map[string]any{"caller_name": "\u0000"}},
			{"POST", u + "/voicemails", map[string]any{"received_at": "not a time"}},
			{"POST", u + "/voicemails", map[string]any{"duration_seconds": 1e300}},
			{"PATCH", u + "/phone-settings", map[string]any{"language": "en\u0000"}},
			{"PATCH", u + "/phone-settings", map[string]any{"time_zone": "UTC\u0000"}},
			{"PATCH", u + "/phone-settings", map[string]any{"voicemail": map[string]any{"pin": "12\u000034"}}},
			{"PATCH", u + "/phone-settings", map[string]any{"forwarding": map[string]any{"destinations": []string{"\u0000"}}}},
			{"PATCH", u + "/phone-settings", map[string]any{"voicemail": map[string]any{"rings": 1e12}}},
			{"POST", "/api/v1/provisioning/redeem", map[string]any{"token": "rsp_\u0000"}},
			{"POST", u + "/provisioning", map[string]any{"app": "mobile\u0000"}},
		} {
			res := e.Do(tc.method, tc.path, tok, tc.body)
			if res.Status < 400 || res.Status >= 500 {
				t.Errorf("%s %s %v: status %d, want a 4xx; body %s", tc.method, tc.path, tc.body, res.Status, res.Body)
			}
		}
	})
}

// TestMainNumberRace adds numbers to a new org, and then makes each the
// main number, all at once: the org always ends with exactly one main
// number.
func TestMainNumberRace(t *testing.T) {
	const n = 8
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		org := e.CreateOrg("acme", roster.PlanProfessional, nil)
		mains := func() int {
			c := 0
			for _, it := range e.Do("GET", "/api/v1/phone-numbers", org.AdminToken, nil).Want(http.StatusOK).Items() {
				if it["main"] == true {
					c++
				}
			}
			return c
		}
		var wg sync.WaitGroup
		ids := make([]string, n)
		for i := range n {
			wg.Go(func() {
				res := e.Do("POST", "/api/v1/phone-numbers", org.AdminToken, map[string]any{"number": fmt.Sprintf("+1415555%04d", 100+i)})
				if res.Status == http.StatusCreated {
					ids[i] = res.JSON()["id"].(string)
				}
			})
		}
		wg.Wait()
		for i, id := range ids {
			if id == "" {
				t.Fatalf("adding number %d failed", i)
			}
		}
		if m := mains(); m != 1 {
			t.Fatalf("%d main numbers after concurrent adds, want 1", m)
		}
		statuses := make([]int, n)
		for i, id := range ids {
			wg.Go(func() {
				statuses[i] = e.Do("PATCH", "/api/v1/phone-numbers/"+id, org.AdminToken, map[string]any{"main": true}).Status
			})
		}
		wg.Wait()
		for _, s := range statuses {
			if s != http.StatusOK {
				t.Fatalf("switching the main number: statuses %v", statuses)
			}
		}
		if m := mains(); m != 1 {
			t.Fatalf("%d main numbers after concurrent switches, want 1", m)
		}
	})
}
