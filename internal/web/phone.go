package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"roster/internal/roster"
	"roster/internal/service"
)

// phoneForm is the phone settings form as the person typed it, so that a
// refused form comes back with their input rather than the stored values.
// The voicemail PIN is never echoed back.
type phoneForm struct {
	Extension, CallerID            string
	Mobile, Landline, LinkedMobile string
	DisplayNumbers, CountryPrefix  string
	VoicemailOn                    bool
	Rings                          string
	VoicemailEmail                 string
	EmailOn, AttachAudio, ClearPIN bool
	ForwardOn                      bool
	ForwardMode                    string
	Destinations                   []string
	DoNotDisturb                   bool
	Language, TimeZone             string
	LockExtension, LockCallerID    bool
}

// formFromSettings fills the form with stored settings.
func formFromSettings(ps *roster.PhoneSettings) phoneForm {
	f := phoneForm{
		Extension: ps.Extension, CallerID: ps.CallerID, Mobile: ps.MobileNumber, Landline: ps.LandlineNumber,
		LinkedMobile: ps.LinkedMobileNumber, DisplayNumbers: strings.Join(ps.DisplayNumbers, "\n"),
		CountryPrefix: ps.CountryPrefix, VoicemailOn: ps.Voicemail.Enabled, Rings: strconv.Itoa(ps.Voicemail.Rings),
		VoicemailEmail: ps.Voicemail.Email, EmailOn: ps.Voicemail.EmailEnabled, AttachAudio: ps.Voicemail.AttachAudio,
		ForwardOn: ps.Forwarding.Enabled, ForwardMode: ps.Forwarding.Mode,
		Destinations: append([]string{}, ps.Forwarding.Destinations...), DoNotDisturb: ps.DoNotDisturb,
		Language: ps.Language, TimeZone: ps.TimeZone, LockExtension: ps.Locks.Extension, LockCallerID: ps.Locks.CallerID,
	}
	f.padDestinations()
	return f
}

// padDestinations gives the form its five destination slots.
func (f *phoneForm) padDestinations() {
	for len(f.Destinations) < roster.MaxForwardDestinations {
		f.Destinations = append(f.Destinations, "")
	}
}

// formFromRequest reads a posted phone settings form. Blank destination
// slots are dropped, so that the service's error for destination i is the
// slot shown at position i when the form comes back.
func formFromRequest(r *http.Request) phoneForm {
	on := func(name string) bool { return r.PostFormValue(name) != "" }
	f := phoneForm{
		Extension: r.PostFormValue("extension"), CallerID: r.PostFormValue("caller_id"),
		Mobile: r.PostFormValue("mobile_number"), Landline: r.PostFormValue("landline_number"),
		LinkedMobile: r.PostFormValue("linked_mobile_number"), DisplayNumbers: r.PostFormValue("display_numbers"),
		CountryPrefix: r.PostFormValue("country_prefix"), VoicemailOn: on("voicemail_enabled"),
		Rings: r.PostFormValue("voicemail_rings"), VoicemailEmail: r.PostFormValue("voicemail_email"),
		EmailOn: on("voicemail_email_enabled"), AttachAudio: on("voicemail_attach_audio"), ClearPIN: on("voicemail_pin_clear"),
		ForwardOn: on("forwarding_enabled"), ForwardMode: r.PostFormValue("forwarding_mode"),
		DoNotDisturb: on("do_not_disturb"), Language: r.PostFormValue("language"), TimeZone: r.PostFormValue("time_zone"),
		LockExtension: on("lock_extension"), LockCallerID: on("lock_caller_id"),
	}
	for _, d := range r.PostForm["forwarding_destination"] {
		if strings.TrimSpace(d) != "" {
			f.Destinations = append(f.Destinations, d)
		}
	}
	if len(f.Destinations) <= roster.MaxForwardDestinations {
		f.padDestinations()
	}
	return f
}

// splitNumbers reads a list typed one per line (commas also separate).
func splitNumbers(s string) []string {
	out := []string{}
	for _, line := range strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == '\r' || r == ',' }) {
		if line = strings.TrimSpace(line); line != "" {
			out = append(out, line)
		}
	}
	return out
}

// patch turns the form into a service patch. Fields the page did not
// offer (a locked extension or caller ID, the locks for non-admins) stay
// nil, so they are left as they are; the service refuses them anyway.
func (f *phoneForm) patch(r *http.Request, admin bool) service.PhoneSettingsPatch {
	str := func(name, v string) *string {
		if _, ok := r.PostForm[name]; !ok {
			return nil
		}
		return &v
	}
	b := func(v bool) *bool { return &v }
	dests := []string{}
	for _, d := range f.Destinations {
		if strings.TrimSpace(d) != "" {
			dests = append(dests, d)
		}
	}
	display := splitNumbers(f.DisplayNumbers)
	// A ring count that is not a number is out of range, which the service
	// words as the field's error.
	rings, err := strconv.Atoi(strings.TrimSpace(f.Rings))
	if err != nil {
		rings = 0
	}
	p := service.PhoneSettingsPatch{
		Extension: str("extension", f.Extension), CallerID: str("caller_id", f.CallerID),
		MobileNumber: &f.Mobile, LandlineNumber: &f.Landline, LinkedMobileNumber: &f.LinkedMobile,
		DisplayNumbers: &display, CountryPrefix: &f.CountryPrefix,
		Voicemail: &service.VoicemailPatch{Enabled: b(f.VoicemailOn), Rings: &rings, Email: &f.VoicemailEmail,
			EmailEnabled: b(f.EmailOn), AttachAudio: b(f.AttachAudio)},
		Forwarding:   &service.ForwardingPatch{Enabled: b(f.ForwardOn), Mode: &f.ForwardMode, Destinations: &dests},
		DoNotDisturb: b(f.DoNotDisturb), Language: &f.Language, TimeZone: &f.TimeZone,
	}
	if pin := r.PostFormValue("voicemail_pin"); pin != "" {
		p.Voicemail.PIN = &pin
	} else if f.ClearPIN {
		empty := ""
		p.Voicemail.PIN = &empty
	}
	if admin {
		p.Locks = &service.LocksPatch{Extension: b(f.LockExtension), CallerID: b(f.LockCallerID)}
	}
	return p
}

// option is one entry of a select.
type option struct{ Value, Label string }

// phoneData is the phone settings page's template data.
type phoneData struct {
	User     roster.User
	Self     bool
	Settings *roster.PhoneSettings
	Form     phoneForm
	// Errs holds one message per field; Problem the form's overall message.
	Errs    map[string]string
	Problem string
	Numbers []roster.PhoneNumber
	Main    string
	// CanEdit: one's own settings, or telephony.manage; Admin: the latter,
	// which also edits locked choices and the locks.
	CanEdit, Admin bool
	ExtEditable    bool
	CallerEditable bool
	// Suggested is the next free extension, filled in when the user has
	// none yet.
	Suggested string
	Action    string
	Languages []option
	TimeZones []option
	Rings     []int
	// Active: only active users can set up an app.
	Active bool
}

// phoneTarget is the user whose phone page this is: the path's user, or
// the caller at /me/phone.
func phoneTarget(r *http.Request, s *session) string {
	if id := r.PathValue("id"); id != "" {
		return id
	}
	return s.P.UserID
}

// phonePath is where a user's phone settings live; one's own at /me/phone.
func phonePath(s *session, id string) string {
	if id == s.P.UserID {
		return "/me/phone"
	}
	return "/people/" + id + "/phone"
}

func (c *Console) phonePage(w http.ResponseWriter, r *http.Request, s *session) error {
	return c.renderPhone(w, r, s, phoneTarget(r, s), nil, nil, "", http.StatusOK)
}

// renderPhone shows a user's phone settings; form, when set, is what the
// person typed and errs why it was refused.
func (c *Console) renderPhone(w http.ResponseWriter, r *http.Request, s *session, id string, form *phoneForm,
	errs map[string]string, problem string, status int) error {
	ps, err := c.svc.PhoneSettings(r.Context(), s.P, id)
	if err != nil {
		return err
	}
	u, err := c.svc.User(r.Context(), s.P, id)
	if err != nil {
		return err
	}
	numbers, err := c.svc.PhoneNumbers(r.Context(), s.P)
	if err != nil {
		return err
	}
	admin := s.can(roster.PermTelephonyManage)
	d := &phoneData{User: *u, Self: id == s.P.UserID, Settings: ps, Errs: errs, Problem: problem, Numbers: numbers,
		Admin: admin, CanEdit: admin || id == s.P.UserID, Action: phonePath(s, id), Rings: ringChoices(),
		Active: u.Status == roster.StatusActive}
	if d.Errs == nil {
		d.Errs = map[string]string{}
	}
	d.ExtEditable = d.CanEdit && (admin || !ps.Locks.Extension)
	d.CallerEditable = d.CanEdit && (admin || !ps.Locks.CallerID)
	for _, n := range numbers {
		if n.Main {
			d.Main = n.Number
		}
	}
	if form != nil {
		d.Form = *form
	} else {
		d.Form = formFromSettings(ps)
		if ps.Extension == "" && d.ExtEditable && (admin || s.can(roster.PermUsersManage)) {
			if next, err := c.svc.NextExtension(r.Context(), s.P); err == nil {
				d.Suggested, d.Form.Extension = next, next
			}
		}
	}
	d.Languages = withCurrent(languageChoices, d.Form.Language)
	d.TimeZones = withCurrent(timeZoneChoices(), d.Form.TimeZone)
	title := "Phone settings of " + u.Name()
	if d.Self {
		title = "My phone settings"
	}
	c.render(w, r, s, status, "phone", title, d)
	return nil
}

func ringChoices() []int {
	var out []int
	for n := roster.MinVoicemailRings; n <= roster.MaxVoicemailRings; n++ {
		out = append(out, n)
	}
	return out
}

// withCurrent returns choices with cur added when it is not among them, so
// a value set through the API is never silently replaced by the first
// option.
func withCurrent(choices []option, cur string) []option {
	if cur == "" {
		return choices
	}
	for _, o := range choices {
		if o.Value == cur {
			return choices
		}
	}
	return append([]option{{cur, cur}}, choices...)
}

func (c *Console) phoneSubmit(w http.ResponseWriter, r *http.Request, s *session) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	id := phoneTarget(r, s)
	f := formFromRequest(r)
	_, err := c.svc.UpdatePhoneSettings(r.Context(), s.P, id, f.patch(r, s.can(roster.PermTelephonyManage)))
	if err != nil {
		errs, problem, ok := fieldErrors(err)
		if !ok {
			return err
		}
		return c.renderPhone(w, r, s, id, &f, errs, problem, statusOf(err))
	}
	return c.redirectWith(w, r, phonePath(s, id), flash{Message: "Phone settings saved."})
}

// fieldErrors turns a refusal of the user's input into messages per field
// (list entries like display_numbers[1] also under their list) and an
// overall message. Refusals that are not about the input (forbidden, not
// found) and our own failures are not form errors.
func fieldErrors(err error) (map[string]string, string, bool) {
	fe, ok := toFormError(err)
	if !ok {
		return nil, "", false
	}
	switch roster.ErrorKind(err) {
	case roster.KindForbidden, roster.KindUnauthenticated, roster.KindNotFound:
		return nil, "", false
	}
	errs := map[string]string{}
	for field, msg := range fe.Fields {
		errs[field] = msg
		if i := strings.IndexByte(field, '['); i > 0 {
			list := field[:i]
			n, _ := strconv.Atoi(strings.TrimSuffix(field[i+1:], "]"))
			entry := "entry " + strconv.Itoa(n+1) + " " + msg
			if errs[list] != "" {
				entry = errs[list] + "; " + entry
			}
			errs[list] = entry
		}
	}
	problem := "Nothing was saved. Fix the fields marked below."
	if len(fe.Fields) == 0 {
		problem = fe.Message
	}
	return errs, problem, true
}

// errNoFile is the greeting form sent without a file.
var errNoFile = errors.New("choose a WAV or MP3 file to upload")
