package web_test

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"roster/internal/apitest"
	"roster/internal/phone/phonetest"
	"roster/internal/roster"
	"roster/internal/service"
	"roster/internal/testdb"
)

// phoneSettings reads a user's phone settings through the service as the
// org's operator would.
func (s *server) phoneSettings(orgID, userID string) *roster.PhoneSettings {
	s.t.Helper()
	ps, err := s.app.Service.PhoneSettings(context.Background(), service.Operator(orgID), userID)
	if err != nil {
		s.t.Fatal(err)
	}
	return ps
}

// value is the current value of a form field.
func (tb *tab) value(sel string) string {
	tb.t.Helper()
	return js[string](tb, `document.querySelector(`+quote(sel)+`).value`)
}

func quote(s string) string {
	return "`" + strings.ReplaceAll(s, "`", "\\`") + "`"
}

// TestConsolePhoneFlow walks an admin and a user through every phone
// identity page: org numbers, a user's phone settings with refused and
// accepted input, the greeting upload, app set-up codes, voicemail
// messages, the directory and one's own settings at /me/phone. It runs on
// both databases.
func TestConsolePhoneFlow(t *testing.T) {
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) {
			s := startServer(t, dialect, false)
			ctx := context.Background()
			orgID := s.org("acme", roster.PlanStandard, map[string]int{"power_dialer": 5})
			jane := s.activeUser(orgID, "jane@acme.test", "agent", "power_dialer")
			b := newBrowser(t)
			admin := b.tab(t, s, "admin")
			admin.signIn("admin@acme.test", apitest.AdminPassword)
			admin.wantText("nav.nav", "Phone numbers", "Directory", "My phone")

			// Org numbers: a bad number is refused next to its field and
			// keeps what was typed.
			admin.open("/phone-numbers")
			admin.wantText("main", "No numbers yet")
			admin.check("phone-numbers-empty")
			admin.fill("#number", "+1 555")
			admin.fill("#label", "Sales line")
			admin.submit("form.add-number button.primary")
			admin.wantText("form.add-number .ferr", "number")
			if v := admin.value("#number"); v != "+1 555" {
				t.Fatalf("refused number form kept %q", v)
			}
			if v := admin.value("#label"); v != "Sales line" {
				t.Fatalf("refused number form kept label %q", v)
			}
			admin.check("phone-numbers-error")
			if n, _ := s.app.Service.PhoneNumbers(ctx, service.Operator(orgID)); len(n) != 0 {
				t.Fatalf("a refused number was stored: %+v", n)
			}
			admin.fill("#number", "+1 (415) 555-0100")
			admin.submit("form.add-number button.primary")
			admin.wantText(".flash", "+14155550100 is added as the main number")
			admin.fill("#number", "+44 20 7183 8750")
			admin.fill("#label", "London")
			admin.submit("form.add-number button.primary")
			admin.fill("#number", "+1 212 555 0199")
			admin.submit("form.add-number button.primary")
			admin.wantText("table.numbers", "+14155550100", "+442071838750", "+12125550199", "Main number")
			if v := admin.value(`input[aria-label="Label of +442071838750"]`); v != "London" {
				t.Fatalf("label of the London number: %q", v)
			}
			// Make London the main number, label the first one, delete one.
			admin.submit(`button[aria-label="Make +442071838750 the main number"]`)
			admin.wantText(".flash", "+442071838750 is now the main number")
			admin.fill(`input[aria-label="Label of +14155550100"]`, "Sales")
			admin.submit(`tr:has(input[aria-label="Label of +14155550100"]) .inline-form button`)
			admin.wantText(".flash", "label of +14155550100 is saved")
			admin.do(chromedp.Click(chromedp.CSS(`button[aria-label="Delete +12125550199"]`), chromedp.NodeVisible),
				chromedp.Poll[chromedp.Void](`document.querySelector("dialog[open]")`))
			admin.wantText("dialog[open]", "Delete +12125550199?", "main number instead")
			admin.check("phone-numbers-delete-dialog")
			admin.submit("dialog[open] button.danger")
			admin.wantText(".flash", "+12125550199 is deleted")
			if strings.Contains(admin.text("table.numbers"), "+12125550199") {
				t.Fatal("deleted number still listed")
			}
			admin.check("phone-numbers")
			numbers, err := s.app.Service.PhoneNumbers(ctx, service.Operator(orgID))
			if err != nil || len(numbers) != 2 || numbers[0].Number != "+442071838750" || !numbers[0].Main {
				t.Fatalf("numbers after the page: %+v, %v", numbers, err)
			}

			// Jane's phone settings: the extension is pre-filled with the
			// next free one; the caller ID defaults to the main number.
			admin.open("/people/" + jane + "/phone")
			if v := admin.value("#extension"); v != "100" {
				t.Fatalf("extension pre-filled with %q, want 100", v)
			}
			admin.wantText("#extension-hint", "Suggested: 100")
			if v := admin.value("#caller_id"); v != "" {
				t.Fatalf("caller ID select starts at %q, want the main number", v)
			}
			admin.wantText("#caller_id", "Main number (+442071838750)")
			if v := admin.value("#voicemail_rings"); v != "4" {
				t.Fatalf("rings default %q", v)
			}
			admin.check("phone-settings")

			// Bad input: each error next to its field, typed values kept,
			// nothing saved.
			admin.fill("#extension", "911")
			admin.fill("#mobile_number", "12345")
			admin.fill("#dest-0", "+1 415 555 0123")
			admin.fill("#dest-2", "77")
			admin.fill("#voicemail_pin", "12")
			admin.choose("#time_zone", "Europe/Paris")
			admin.do(chromedp.Click(chromedp.CSS(`input[name=forwarding_enabled]`)))
			admin.submit("form.phone button.primary")
			admin.wantText("#phone-problem", "Nothing was saved")
			admin.wantText("form.phone", "emergency number", "must be 4 to 12 digits")
			for sel, want := range map[string]string{"#extension": "911", "#mobile_number": "12345", "#dest-0": "+1 415 555 0123",
				"#dest-1": "77", "#time_zone": "Europe/Paris", "#voicemail_pin": ""} {
				if v := admin.value(sel); v != want {
					t.Errorf("refused form shows %s = %q, want %q", sel, v, want)
				}
			}
			if !js[bool](admin, `document.querySelector("#mobile_number").getAttribute("aria-invalid") === "true" &&
				document.querySelector("#extension").getAttribute("aria-invalid") === "true" &&
				document.querySelector("#dest-0").getAttribute("aria-invalid") === null`) {
				t.Error("the invalid fields are not the ones marked")
			}
			// Each error is read out with its field.
			if got := js[string](admin, `document.querySelector("#mobile_number").getAttribute("aria-describedby").split(" ")
				.map(id => document.getElementById(id).innerText).join(" ")`); !strings.Contains(got, "E.164") {
				t.Errorf("the mobile number field is described by %q", got)
			}
			admin.check("phone-settings-errors")
			if ps := s.phoneSettings(orgID, jane); ps.Extension != "" || ps.TimeZone != "UTC" || ps.UpdatedAt != nil {
				t.Fatalf("a refused form changed the settings: %+v", ps)
			}

			// Formats fixed, the internal destination 77 still names no one.
			admin.fill("#extension", "100")
			admin.fill("#mobile_number", "+1 415 555 0111")
			admin.fill("#voicemail_pin", "4321")
			admin.submit("form.phone button.primary")
			admin.wantText("#dest-1 + .ferr", "is not an extension in this organisation")
			if ps := s.phoneSettings(orgID, jane); ps.Extension != "" || ps.Voicemail.PINSet || ps.UpdatedAt != nil {
				t.Fatalf("a refused form changed the settings: %+v", ps)
			}

			// Good input is saved; the PIN is never shown back.
			admin.fill("#dest-1", "+44 20 7946 0000")
			admin.fill("#voicemail_pin", "4321")
			admin.choose("#caller_id", "+14155550100")
			admin.choose("#voicemail_rings", "6")
			admin.choose("#language", "fr")
			admin.do(chromedp.Click(chromedp.CSS(`input[name=forwarding_mode][value=sequential]`)),
				chromedp.Click(chromedp.CSS(`input[name=do_not_disturb]`)),
				chromedp.Click(chromedp.CSS(`input[name=lock_extension]`)))
			admin.submit("form.phone button.primary")
			admin.wantText(".flash", "Phone settings saved")
			ps := s.phoneSettings(orgID, jane)
			if ps.Extension != "100" || ps.CallerID != "+14155550100" || ps.MobileNumber != "+14155550111" ||
				ps.Voicemail.Rings != 6 || !ps.Voicemail.PINSet || !ps.Forwarding.Enabled || ps.Forwarding.Mode != "sequential" ||
				strings.Join(ps.Forwarding.Destinations, ",") != "+14155550123,+442079460000" || !ps.DoNotDisturb ||
				ps.Language != "fr" || ps.TimeZone != "Europe/Paris" || !ps.Locks.Extension || ps.Locks.CallerID {
				t.Fatalf("saved settings: %+v", ps)
			}
			if v := admin.value("#voicemail_pin"); v != "" {
				t.Fatalf("the PIN field shows %q", v)
			}
			admin.wantText("#voicemail_pin-hint", "A PIN is set; it is never shown")
			if strings.Contains(js[string](admin, `document.documentElement.outerHTML`), "4321") {
				t.Fatal("the page carries the PIN")
			}

			// Greeting: a text file named .wav is refused by its content.
			dir := t.TempDir()
			fake := filepath.Join(dir, "greeting.wav")
			real := filepath.Join(dir, "hello.wav")
			if err := os.WriteFile(fake, []byte("not audio at all, whatever the name says"), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(real, phonetest.WAV(8000), 0o644); err != nil {
				t.Fatal(err)
			}
			admin.do(chromedp.SetUploadFiles(chromedp.CSS("#audio"), []string{fake}))
			admin.submit(`form[enctype="multipart/form-data"] button`)
			admin.wantText("section.box .ferr", "WAV or MP3")
			admin.wantText("#greeting-state", "default greeting")
			admin.check("phone-greeting-refused")
			if _, err := s.app.Service.Greeting(ctx, service.Operator(orgID), jane); roster.ErrorKind(err) != roster.KindNotFound {
				t.Fatalf("a refused greeting was stored: %v", err)
			}
			admin.do(chromedp.SetUploadFiles(chromedp.CSS("#audio"), []string{real}))
			admin.submit(`form[enctype="multipart/form-data"] button`)
			admin.wantText(".flash", "new voicemail greeting is in place")
			admin.wantText("#greeting-state", "uploaded")
			g, err := s.app.Service.Greeting(ctx, service.Operator(orgID), jane)
			if err != nil || g.ContentType != "audio/wav" || len(g.Data) != len(phonetest.WAV(8000)) {
				t.Fatalf("stored greeting: %v", err)
			}
			admin.do(chromedp.Click(chromedp.CSS(`[data-opens=dlg-greeting-reset]`), chromedp.NodeVisible),
				chromedp.Poll[chromedp.Void](`document.querySelector("dialog[open]")`))
			admin.wantText("dialog[open]", "The uploaded greeting is deleted")
			admin.check("phone-greeting-reset-dialog")
			admin.submit(`dialog[open] button.danger`)
			admin.wantText(".flash", "default greeting")
			admin.wantText("#greeting-state", "default greeting")

			// App set-up: the QR code image and the desktop link, each with
			// its expiry; the desktop link redeems once.
			admin.submit(`a[href="/people/` + jane + `/phone/apps"]`)
			admin.wantText("main", "Mobile app", "Desktop app")
			admin.submit(`a[href$="/phone/apps?show=mobile"]`)
			admin.do(chromedp.Poll[chromedp.Void](`document.querySelector("img.qr").complete && document.querySelector("img.qr").naturalWidth > 0`))
			admin.wantText("#mobile-expiry", "Scan it with the mobile app before", "UTC")
			admin.check("phone-apps-qr")
			admin.submit("form[action$='/phone/apps'] button")
			link := admin.text("#desktop-link")
			if !strings.HasPrefix(link, "roster-desktop://provision?") || !strings.Contains(link, "token=rsp_") {
				t.Fatalf("desktop link %q", link)
			}
			admin.wantText("#desktop-expiry", "It works once, until")
			admin.check("phone-apps")
			u, err := url.Parse(link)
			if err != nil {
				t.Fatal(err)
			}
			prof, err := s.app.Service.RedeemProvisioning(ctx, u.Query().Get("token"), "127.0.0.1")
			if err != nil || prof.Extension != "100" || prof.CallerID != "+14155550100" || prof.Email != "jane@acme.test" {
				t.Fatalf("redeemed profile %+v, %v", prof, err)
			}
			if _, err := s.app.Service.RedeemProvisioning(ctx, u.Query().Get("token"), "127.0.0.1"); roster.ErrorKind(err) != roster.KindGone {
				t.Fatalf("second redemption: %v", err)
			}

			// Voicemail messages, reached from the message icon on People.
			for i, caller := range []string{"+14155550142", "+442079460123"} {
				at := time.Date(2026, 11, 20+i, 9, 30, 0, 0, time.UTC)
				if _, err := s.app.Service.AddVoicemail(ctx, service.Operator(orgID), jane, service.NewVoicemail{CallerNumber: caller,
					CallerName: "Caller " + caller[len(caller)-3:], DurationSeconds: 65, Transcription: "Please call me back",
					ReceivedAt: &at}); err != nil {
					t.Fatal(err)
				}
			}
			admin.open("/people?q=100")
			admin.wantText("table.people", "jane@acme.test", "100")
			if n := js[int](admin, `document.querySelectorAll("table.people tbody tr").length`); n != 1 {
				t.Fatalf("search by extension found %d rows", n)
			}
			admin.check("people-extension")
			admin.submit(`a[aria-label="Voicemail of jane@acme.test"]`)
			admin.wantText("table.voicemails", "Caller 123", "+442079460123", "Caller 142", "1m5s", "Please call me back")
			if first := js[string](admin, `document.querySelector("table.voicemails tbody tr").innerText`); !strings.Contains(first, "+442079460123") {
				t.Fatalf("newest message is not first: %s", first)
			}
			admin.check("voicemail")

			// The directory: last name by default, first name when chosen.
			admin.open("/directory?q=JA")
			admin.wantText("table.directory", "jane, Test", "100")
			admin.check("directory")
			admin.do(chromedp.Click(chromedp.CSS(`input[name=match][value=first_name]`)))
			admin.submit(`form[action="/directory/settings"] button`)
			admin.wantText(".flash", "Directory matching is saved")
			admin.wantText("#match-now", "First name")
			admin.open("/directory?q=ja")
			admin.wantText("main", "No one in the directory matches")
			admin.open("/directory?q=te")
			admin.wantText("table.directory", "jane, Test")

			// Jane edits her own settings at /me/phone; the extension her
			// admin reserved is read-only and there are no locks to set.
			jt := b.tab(t, s, "jane")
			jt.signIn("jane@acme.test", apitest.UserPassword)
			jt.wantText("nav.nav", "My phone", "Directory")
			if strings.Contains(jt.text("nav.nav"), "Phone numbers") {
				t.Fatal("an agent is offered Phone numbers")
			}
			jt.submit(`nav.nav a[href="/me/phone"]`)
			jt.wantText("h1", "My phone settings")
			jt.wantText("form.phone", "Reserved by your admin")
			if js[bool](jt, `document.querySelector("#extension") !== null || document.querySelector("input[name=lock_extension]") !== null`) {
				t.Fatal("the reserved extension or the locks are editable by the user")
			}
			jt.check("me-phone")
			jt.do(chromedp.Click(chromedp.CSS(`input[name=do_not_disturb]`)))
			jt.choose("#time_zone", "America/New_York")
			jt.submit("form.phone button.primary")
			jt.wantText(".flash", "Phone settings saved")
			if p := jt.path(); p != "/me/phone" {
				t.Fatalf("after saving at %s", p)
			}
			ps = s.phoneSettings(orgID, jane)
			if ps.DoNotDisturb || ps.TimeZone != "America/New_York" || ps.Extension != "100" || !ps.Voicemail.PINSet ||
				ps.Forwarding.Mode != "sequential" {
				t.Fatalf("after jane saved: %+v", ps)
			}
			jt.submit(`a[href="/people/` + jane + `/voicemail"]`)
			jt.wantText("h1", "My voicemail messages")
			jt.wantText("table.voicemails", "Please call me back")

			// A manager reads Jane's settings but is offered nothing to change.
			s.activeUser(orgID, "lead@acme.test", "manager", "")
			lead := b.tab(t, s, "manager")
			lead.signIn("lead@acme.test", apitest.UserPassword)
			lead.open("/people/" + jane + "/phone")
			lead.wantText("main", "You can read these settings", "Reserved by an admin")
			if js[bool](lead, `document.querySelector("form.phone button, #audio, input[name=lock_extension]") !== null ||
				[...document.querySelectorAll("form.phone fieldset")].some(f => !f.disabled)`) {
				t.Fatal("a manager is offered changes to someone's phone settings")
			}
			if v := lead.value("#time_zone"); v != "America/New_York" {
				t.Fatalf("manager sees time zone %q", v)
			}
			lead.check("phone-settings-readonly")
		})
	}
}
