package web

import (
	"net/http"
	"strings"
	"testing"
)

// FuzzPhoneForm: any posted phone settings form reads into a form that can
// be shown again (five destination slots, or every typed destination) and
// a patch that carries only typed destinations and display numbers, in
// the order typed, and the locks only for admins.
func FuzzPhoneForm(f *testing.F) {
	for _, s := range []string{"", "extension=201&voicemail_rings=4&forwarding_destination=77&forwarding_destination=",
		"forwarding_destination=+1&forwarding_destination=%20&forwarding_destination=2&forwarding_destination=3&" +
			"forwarding_destination=4&forwarding_destination=5&forwarding_destination=6",
		"display_numbers=%2B14155550100%0D%0Anope,,%2B44&voicemail_rings=%ff", "voicemail_pin=&voicemail_pin_clear=1",
		"lock_extension=1&lock_caller_id=&caller_id=", "voicemail_rings=99999999999999999999999"} {
		f.Add(s, true)
		f.Add(s, false)
	}
	f.Fuzz(func(t *testing.T, raw string, admin bool) {
		r, err := http.NewRequest("POST", "/me/phone", strings.NewReader(raw))
		if err != nil {
			t.Skip()
		}
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if r.ParseForm() != nil {
			return
		}
		form := formFromRequest(r)
		typed := 0
		for _, d := range r.PostForm["forwarding_destination"] {
			if strings.TrimSpace(d) != "" {
				typed++
			}
		}
		if len(form.Destinations) != max(typed, 5) {
			t.Fatalf("%d destination slots for %d typed", len(form.Destinations), typed)
		}
		p := form.patch(r, admin)
		if len(*p.Forwarding.Destinations) != typed {
			t.Fatalf("patch has %d destinations for %d typed", len(*p.Forwarding.Destinations), typed)
		}
		for _, d := range append(*p.Forwarding.Destinations, *p.DisplayNumbers...) {
			if strings.TrimSpace(d) == "" {
				t.Fatal("a blank entry reached the patch")
			}
		}
		if (p.Locks != nil) != admin {
			t.Fatalf("locks in the patch of admin=%v", admin)
		}
		if _, sent := r.PostForm["extension"]; sent != (p.Extension != nil) {
			t.Fatal("the extension is patched without being sent, or dropped when sent")
		}
		if pin := r.PostFormValue("voicemail_pin"); pin != "" && (p.Voicemail.PIN == nil || *p.Voicemail.PIN != pin) {
			t.Fatal("a typed PIN was lost")
		}
	})
}
