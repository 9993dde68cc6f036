package web_test

import (
	"bytes"
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"

	"roster/internal/apitest"
	"roster/internal/phone/phonetest"
	"roster/internal/roster"
	"roster/internal/service"
	"roster/internal/testdb"
)

// upload posts a file as the greeting form does.
func (c *client) upload(path, filename string, data []byte) page {
	c.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, err := mw.CreateFormFile("audio", filename)
	if err != nil {
		c.t.Fatal(err)
	}
	_, _ = fw.Write(data)
	_ = mw.Close()
	req, err := http.NewRequest("POST", c.s.base+path, &body)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	res, err := c.c.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return page{Status: res.StatusCode, Header: res.Header, Body: string(b)}
}

// phoneForm is a complete, valid phone settings form as the page posts it.
func phoneForm(extra url.Values) url.Values {
	f := url.Values{"extension": {"201"}, "caller_id": {""}, "mobile_number": {""}, "landline_number": {""},
		"linked_mobile_number": {""}, "display_numbers": {""}, "country_prefix": {""}, "voicemail_enabled": {"1"},
		"voicemail_rings": {"4"}, "voicemail_email": {""}, "voicemail_email_enabled": {"1"},
		"forwarding_mode": {"simultaneous"}, "forwarding_destination": {"", "", "", "", ""}, "language": {"en"},
		"time_zone": {"UTC"}}
	for k, v := range extra {
		f[k] = v
	}
	return f
}

// TestPhonePagesRefuseOthers: users reach only their own phone pages,
// managers read but do not change, org numbers and the directory setting
// need telephony.manage, another org's user is not found; every refusal
// changes nothing.
func TestPhonePagesRefuseOthers(t *testing.T) {
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) {
			s := startServer(t, dialect, false)
			ctx := context.Background()
			orgID := s.org("acme", roster.PlanStandard, map[string]int{"power_dialer": 5})
			target := s.activeUser(orgID, "target@acme.test", "agent", "power_dialer")
			s.activeUser(orgID, "manager@acme.test", "manager", "")
			agentID := s.activeUser(orgID, "agent@acme.test", "agent", "")
			other := s.org("other", roster.PlanStandard, nil)
			stranger := s.activeUser(other, "stranger@other.test", "agent", "")
			if _, err := s.app.Service.AddPhoneNumber(ctx, service.Operator(orgID), "+14155550100", "", true); err != nil {
				t.Fatal(err)
			}

			mgr := newClient(t, s)
			mgr.signIn("manager@acme.test", apitest.UserPassword)
			agent := newClient(t, s)
			agent.signIn("agent@acme.test", apitest.UserPassword)
			admin := newClient(t, s)
			admin.signIn("admin@acme.test", apitest.AdminPassword)

			// A manager reads someone's settings, with nothing to change.
			p := mgr.get("/people/" + target + "/phone")
			if p.Status != http.StatusOK || !strings.Contains(p.Body, "<fieldset disabled>") ||
				strings.Contains(p.Body, "Save phone settings") || strings.Contains(p.Body, "Upload greeting") ||
				strings.Contains(p.Body, "Set up the apps") || strings.Contains(p.Body, "lock_extension") {
				t.Errorf("manager's view of someone's phone settings: %d", p.Status)
			}
			for _, nav := range []string{`href="/phone-numbers"`} {
				if strings.Contains(p.Body, nav) {
					t.Errorf("manager is offered %s", nav)
				}
			}
			// An agent cannot even read someone else's.
			for _, path := range []string{"/people/" + target + "/phone", "/people/" + target + "/voicemail",
				"/people/" + target + "/phone/apps", "/people/" + target + "/phone/apps/mobile.png", "/phone-numbers"} {
				if p := agent.get(path); p.Status != http.StatusForbidden {
					t.Errorf("agent GET %s: %d", path, p.Status)
				}
			}
			if p := mgr.get("/phone-numbers"); p.Status != http.StatusForbidden || !strings.Contains(p.Body, "telephony.manage") {
				t.Errorf("manager GET /phone-numbers: %d", p.Status)
			}
			// Nobody without telephony.manage changes anyone else's phone.
			for _, c := range []*client{mgr, agent} {
				for path, form := range map[string]url.Values{
					"/people/" + target + "/phone":                {"extension": {"555"}},
					"/people/" + target + "/phone/greeting/reset": {},
					"/people/" + target + "/phone/apps":           {},
					"/phone-numbers":                              {"number": {"+14155550111"}},
					"/directory/settings":                         {"match": {"first_name"}},
				} {
					if p := c.post(path, form, nil); p.Status != http.StatusForbidden {
						t.Errorf("POST %s by a non-admin: %d", path, p.Status)
					}
				}
				if p := c.upload("/people/"+target+"/phone/greeting", "hello.wav", phonetest.WAV(100)); p.Status != http.StatusForbidden {
					t.Errorf("greeting upload for someone else: %d", p.Status)
				}
			}
			numbers, _ := s.app.Service.PhoneNumbers(ctx, service.Operator(orgID))
			if len(numbers) != 1 {
				t.Errorf("refused posts added numbers: %+v", numbers)
			}
			ps := s.phoneSettings(orgID, target)
			if ps.Extension != "" || ps.UpdatedAt != nil || ps.Voicemail.CustomGreeting {
				t.Errorf("refused posts changed the target's phone: %+v", ps)
			}
			if m, _ := s.app.Service.DirectorySettings(ctx, service.Operator(orgID)); m != roster.DirectoryMatchLast {
				t.Errorf("refused post changed the directory to %s", m)
			}

			// Another org's user looks like no one.
			for _, path := range []string{"/people/" + stranger + "/phone", "/people/" + stranger + "/voicemail",
				"/people/" + stranger + "/phone/apps/mobile.png"} {
				if p := admin.get(path); p.Status != http.StatusNotFound {
					t.Errorf("admin GET another org's %s: %d", path, p.Status)
				}
			}
			if p := admin.post("/people/"+stranger+"/phone", phoneForm(nil), nil); p.Status != http.StatusNotFound {
				t.Errorf("admin POST another org's phone: %d", p.Status)
			}

			// A locked extension is read-only for its user, and the server
			// refuses a crafted change.
			if p := admin.post("/people/"+agentID+"/phone", phoneForm(url.Values{"extension": {"300"}, "lock_extension": {"1"}}), nil); p.Status != http.StatusSeeOther {
				t.Fatalf("admin saving the agent's phone: %d %s", p.Status, p.Body)
			}
			mine := agent.get("/me/phone")
			if mine.Status != http.StatusOK || strings.Contains(mine.Body, `id="extension"`) || !strings.Contains(mine.Body, "Reserved by your admin") ||
				strings.Contains(mine.Body, "lock_extension") {
				t.Errorf("agent's /me/phone with a locked extension: %d", mine.Status)
			}
			if p := agent.post("/me/phone", phoneForm(url.Values{"extension": {"301"}}), nil); p.Status != http.StatusForbidden {
				t.Errorf("agent changing a locked extension: %d", p.Status)
			}
			// Unlocking through a crafted field is ignored for non-admins.
			if p := agent.post("/me/phone", phoneForm(url.Values{"extension": {"300"}, "lock_extension": {""}, "do_not_disturb": {"1"}}), nil); p.Status != http.StatusSeeOther {
				t.Errorf("agent saving their own phone: %d", p.Status)
			}
			if ps := s.phoneSettings(orgID, agentID); ps.Extension != "300" || !ps.Locks.Extension || !ps.DoNotDisturb {
				t.Errorf("agent's settings: %+v", ps)
			}
			// Their own QR code is theirs to make.
			if p := agent.get("/people/" + agentID + "/phone/apps/mobile.png"); p.Status != http.StatusOK {
				t.Errorf("agent's own QR code: %d", p.Status)
			}
		})
	}
}

// TestPhoneBadInput: bad phone input gets a 4xx with the reason next to
// the field and what was typed kept, and changes nothing.
func TestPhoneBadInput(t *testing.T) {
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) {
			s := startServer(t, dialect, false)
			ctx := context.Background()
			orgID := s.org("acme", roster.PlanStandard, map[string]int{"power_dialer": 5})
			jane := s.activeUser(orgID, "jane@acme.test", "agent", "power_dialer")
			admin := newClient(t, s)
			admin.signIn("admin@acme.test", apitest.AdminPassword)
			path := "/people/" + jane + "/phone"

			for name, tc := range map[string]struct {
				form url.Values
				want []string
			}{
				"emergency extension": {url.Values{"extension": {"911"}}, []string{"emergency number", `value="911"`}},
				"leading zero":        {url.Values{"extension": {"012"}}, []string{"not start with 0"}},
				"rings not a number":  {url.Values{"voicemail_rings": {"lots"}}, []string{"between 2 and 10"}},
				"rings out of range":  {url.Values{"voicemail_rings": {"11"}}, []string{"between 2 and 10"}},
				"short PIN":           {url.Values{"voicemail_pin": {"12"}}, []string{"4 to 12 digits"}},
				"three-digit PIN":     {url.Values{"voicemail_pin": {"201"}}, []string{"4 to 12 digits"}},
				"PIN equal extension": {url.Values{"extension": {"2345"}, "voicemail_pin": {"2345"}}, []string{"same as the extension"}},
				"mobile not E.164":    {url.Values{"mobile_number": {"555-0100"}}, []string{"E.164", `value="555-0100"`}},
				"bad display number":  {url.Values{"display_numbers": {"+14155550100\nnope"}}, []string{"entry 2"}},
				"six destinations": {url.Values{"forwarding_enabled": {"1"}, "forwarding_destination": {"+14155550101",
					"+14155550102", "+14155550103", "+14155550104", "+14155550105", "+14155550106"}}, []string{"at most 5"}},
				"forwarding to no one": {url.Values{"forwarding_enabled": {"1"}}, []string{"at least one destination"}},
				"unknown extension":    {url.Values{"forwarding_destination": {"999x"}}, []string{"forwarding"}},
				"no such colleague":    {url.Values{"forwarding_destination": {"77"}}, []string{"not an extension in this organisation"}},
				"caller ID not ours":   {url.Values{"caller_id": {"+14155550199"}}, []string{"not one of this organisation"}},
				"bad mode":             {url.Values{"forwarding_mode": {"random"}}, []string{"simultaneous or sequential"}},
				"time zone":            {url.Values{"time_zone": {"Mars/Olympus_Mons"}}, []string{"time zone", "Mars/Olympus_Mons"}},
				"language":             {url.Values{"language": {"xx-!!"}}, []string{"language"}},
				"voicemail email":      {url.Values{"voicemail_email": {"not-an-email"}}, []string{`value="not-an-email"`}},
				"country prefix":       {url.Values{"country_prefix": {"+999"}}, []string{"country"}},
			} {
				p := admin.post(path, phoneForm(tc.form), nil)
				if p.Status != http.StatusUnprocessableEntity {
					t.Errorf("%s: status %d", name, p.Status)
					continue
				}
				for _, w := range append(tc.want, "Nothing was saved", `class="ferr"`) {
					if !strings.Contains(p.Body, w) {
						t.Errorf("%s: the page does not say %q", name, w)
					}
				}
			}
			// A taken extension is a conflict, shown next to the field.
			if p := admin.post("/people/"+s.activeUser(orgID, "bob@acme.test", "agent", "")+"/phone", phoneForm(nil), nil); p.Status != http.StatusSeeOther {
				t.Fatalf("bob takes 201: %d", p.Status)
			}
			if p := admin.post(path, phoneForm(nil), nil); p.Status != http.StatusConflict || !strings.Contains(p.Body, "already another user") {
				t.Errorf("taken extension: %d", p.Status)
			}
			if ps := s.phoneSettings(orgID, jane); ps.Extension != "" || ps.UpdatedAt != nil || ps.Voicemail.PINSet {
				t.Fatalf("refused forms changed the settings: %+v", ps)
			}

			// Greetings are judged by content: text named .wav is refused.
			for name, data := range map[string][]byte{
				"greeting.wav": []byte("RIFF but not really a wave file at all"),
				"greeting.mp3": bytes.Repeat([]byte{0}, 1000),
				"huge.wav":     phonetest.WAV(roster.MaxGreetingBytes/2 + 10),
				"huger.wav":    phonetest.WAV(3 << 20),
				"empty.wav":    nil,
			} {
				p := admin.upload(path+"/greeting", name, data)
				if p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.Body, "The greeting was not changed") {
					t.Errorf("greeting %s: %d", name, p.Status)
				}
			}
			if p := admin.post(path+"/greeting", url.Values{}, nil); p.Status != http.StatusUnprocessableEntity &&
				p.Status != http.StatusBadRequest {
				t.Errorf("greeting form without a file: %d", p.Status)
			}
			if _, err := s.app.Service.Greeting(ctx, service.Operator(orgID), jane); roster.ErrorKind(err) != roster.KindNotFound {
				t.Errorf("a refused greeting was stored: %v", err)
			}
			if p := admin.post(path+"/greeting/reset", url.Values{}, nil); p.Status != http.StatusSeeOther ||
				p.Header.Get("Location") != path {
				t.Errorf("resetting a default greeting: %d %s", p.Status, p.Header.Get("Location"))
			}

			// Org numbers: bad, duplicate, bad label.
			if p := admin.post("/phone-numbers", url.Values{"number": {"+1 555"}, "label": {"Sales"}}, nil); p.Status != http.StatusUnprocessableEntity ||
				!strings.Contains(p.Body, `value="&#43;1 555"`) || !strings.Contains(p.Body, `value="Sales"`) {
				t.Errorf("bad number: %d", p.Status)
			}
			if p := admin.post("/phone-numbers", url.Values{"number": {"+14155550100"}}, nil); p.Status != http.StatusSeeOther {
				t.Fatalf("good number: %d", p.Status)
			}
			if p := admin.post("/phone-numbers", url.Values{"number": {"+1 415 555 0100"}}, nil); p.Status != http.StatusConflict ||
				!strings.Contains(p.Body, "already one of this organisation") {
				t.Errorf("duplicate number: %d", p.Status)
			}
			numbers, _ := s.app.Service.PhoneNumbers(ctx, service.Operator(orgID))
			if len(numbers) != 1 {
				t.Fatalf("numbers: %+v", numbers)
			}
			if p := admin.post("/phone-numbers/"+numbers[0].ID, url.Values{"label": {strings.Repeat("x", 101)}}, nil); p.Status != http.StatusUnprocessableEntity ||
				!strings.Contains(p.Body, "at most 100") || !strings.Contains(p.Body, `value="`+strings.Repeat("x", 101)+`"`) {
				t.Errorf("long label: %d", p.Status)
			}
			for _, id := range []string{"nope", "01900000-0000-7000-8000-000000000000"} {
				if p := admin.post("/phone-numbers/"+id+"/delete", url.Values{}, nil); p.Status != http.StatusNotFound {
					t.Errorf("deleting number %s: %d", id, p.Status)
				}
			}
			if p := admin.post("/directory/settings", url.Values{"match": {"shoe_size"}}, nil); p.Status != http.StatusSeeOther {
				t.Errorf("bad directory mode: %d", p.Status)
			} else if dir := admin.get("/directory"); !strings.Contains(dir.Body, "must be one of") {
				t.Error("bad directory mode: the reason is not shown")
			}
			if m, _ := s.app.Service.DirectorySettings(ctx, service.Operator(orgID)); m != roster.DirectoryMatchLast {
				t.Errorf("directory mode changed to %s", m)
			}
			if p := admin.get("/directory?q=" + url.QueryEscape(strings.Repeat("a", 101))); p.Status != http.StatusUnprocessableEntity {
				t.Errorf("long directory search: %d", p.Status)
			}
			if p := admin.get("/people/" + jane + "/voicemail?before=" + url.QueryEscape("';--")); p.Status != http.StatusOK {
				t.Errorf("mangled voicemail cursor: %d", p.Status)
			}
			numbers, _ = s.app.Service.PhoneNumbers(ctx, service.Operator(orgID))
			if len(numbers) != 1 || numbers[0].Label != "" {
				t.Fatalf("numbers after refusals: %+v", numbers)
			}
		})
	}
}

// TestMobileQRCode: the QR code is a fresh PNG on each request that no
// cache keeps, and only for active users.
func TestMobileQRCode(t *testing.T) {
	s := startServer(t, "sqlite", false)
	ctx := context.Background()
	orgID := s.org("acme", roster.PlanStandard, map[string]int{"power_dialer": 5})
	jane := s.activeUser(orgID, "jane@acme.test", "agent", "power_dialer")
	admin := newClient(t, s)
	admin.signIn("admin@acme.test", apitest.AdminPassword)
	path := "/people/" + jane + "/phone/apps/mobile.png"
	a, b := admin.get(path), admin.get(path)
	for _, p := range []page{a, b} {
		if p.Status != http.StatusOK || p.Header.Get("Content-Type") != "image/png" || p.Header.Get("Cache-Control") != "no-store" ||
			!strings.HasPrefix(p.Body, "\x89PNG\r\n\x1a\n") {
			t.Fatalf("QR code: %d %v", p.Status, p.Header)
		}
	}
	if a.Body == b.Body {
		t.Fatal("two requests gave the same code")
	}
	page := admin.get("/people/" + jane + "/phone/apps?show=mobile")
	if page.Status != http.StatusOK || !strings.Contains(page.Body, `src="/people/`+jane+`/phone/apps/mobile.png?n=`) {
		t.Fatalf("apps page with the QR code: %d", page.Status)
	}
	events, err := s.app.Service.AuditEvents(ctx, service.Operator(orgID), roster.AuditFilter{TargetID: jane, Action: "provisioning.issued", Limit: 10})
	if err != nil || len(events.Items) != 2 {
		t.Fatalf("provisioning audit events: %d %v", len(events.Items), err)
	}
	if _, err := s.app.Service.DeactivateUser(ctx, service.Operator(orgID), jane); err != nil {
		t.Fatal(err)
	}
	if p := admin.get(path); p.Status != http.StatusConflict {
		t.Errorf("QR code of an inactive user: %d", p.Status)
	}
	if p := admin.get("/people/" + jane + "/phone/apps"); p.Status != http.StatusConflict {
		t.Errorf("apps page of an inactive user: %d", p.Status)
	}
}

// TestPhoneExtensionRace: admins saving the same extension for different
// people at once through the console: exactly one wins, the others are
// told it is taken, and the extension ends up with one user.
func TestPhoneExtensionRace(t *testing.T) {
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) {
			s := startServer(t, dialect, false)
			ctx := context.Background()
			orgID := s.org("acme", roster.PlanStandard, nil)
			const n = 6
			var ids []string
			for i := range n {
				ids = append(ids, s.activeUser(orgID, "p"+strconv.Itoa(i)+"@acme.test", "agent", ""))
			}
			statuses := make([]int, n)
			var wg sync.WaitGroup
			for i, id := range ids {
				c := newClient(t, s)
				c.signIn("admin@acme.test", apitest.AdminPassword)
				wg.Go(func() {
					statuses[i] = c.post("/people/"+id+"/phone", phoneForm(url.Values{"extension": {"777"}}), nil).Status
				})
			}
			wg.Wait()
			won := 0
			for _, st := range statuses {
				switch st {
				case http.StatusSeeOther:
					won++
				case http.StatusConflict:
				default:
					t.Errorf("concurrent save answered %d", st)
				}
			}
			holders := 0
			for _, id := range ids {
				if s.phoneSettings(orgID, id).Extension == "777" {
					holders++
				}
			}
			if won != 1 || holders != 1 {
				t.Fatalf("%d saves won and %d users hold 777 (statuses %v)", won, holders, statuses)
			}
			if u, err := s.app.DB.Reader().UserByExtension(ctx, orgID, "777"); err != nil || u.Extension != "777" {
				t.Fatalf("extension lookup: %v", err)
			}
		})
	}
}

// TestGreetingDownload: an uploaded greeting downloads as it was uploaded,
// for those who may read the user's phone settings only.
func TestGreetingDownload(t *testing.T) {
	s := startServer(t, "sqlite", false)
	orgID := s.org("acme", roster.PlanStandard, map[string]int{"power_dialer": 5})
	jane := s.activeUser(orgID, "jane@acme.test", "agent", "power_dialer")
	s.activeUser(orgID, "agent@acme.test", "agent", "")
	s.activeUser(orgID, "manager@acme.test", "manager", "")
	admin := newClient(t, s)
	admin.signIn("admin@acme.test", apitest.AdminPassword)
	path := "/people/" + jane + "/phone/greeting"
	if p := admin.get(path); p.Status != http.StatusNotFound || !strings.Contains(p.Body, "default greeting") {
		t.Fatalf("download with the default greeting: %d", p.Status)
	}
	wav := phonetest.WAV(2000)
	if p := admin.upload(path, "Hello There.WAV", wav); p.Status != http.StatusSeeOther {
		t.Fatalf("upload: %d %s", p.Status, p.Body)
	}
	if p := admin.get("/people/" + jane + "/phone"); !strings.Contains(p.Body, `href="`+path+`" download`) {
		t.Error("the settings page offers no download of the uploaded greeting")
	}
	mgr := newClient(t, s)
	mgr.signIn("manager@acme.test", apitest.UserPassword)
	for _, c := range []*client{admin, mgr} {
		p := c.get(path)
		if p.Status != http.StatusOK || p.Body != string(wav) || p.Header.Get("Content-Type") != "audio/wav" ||
			!strings.HasPrefix(p.Header.Get("Content-Disposition"), "attachment") || p.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("download: %d %v", p.Status, p.Header)
		}
	}
	agent := newClient(t, s)
	agent.signIn("agent@acme.test", apitest.UserPassword)
	if p := agent.get(path); p.Status != http.StatusForbidden {
		t.Errorf("another agent downloading the greeting: %d", p.Status)
	}
}
