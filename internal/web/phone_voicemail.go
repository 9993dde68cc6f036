package web

import (
	"errors"
	"io"
	"net/http"
	"time"

	"roster/internal/phone"
	"roster/internal/roster"
)

// maxGreetingUpload bounds a greeting form: the largest greeting the
// service accepts plus room for the multipart framing.
const maxGreetingUpload = roster.MaxGreetingBytes + 64<<10

// greetingSubmit takes an uploaded greeting and hands its bytes to the
// service, which judges them by content, not by name or declared type.
func (c *Console) greetingSubmit(w http.ResponseWriter, r *http.Request, s *session) error {
	id := r.PathValue("id")
	refuse := func(msg string) error {
		return c.renderPhone(w, r, s, id, nil, map[string]string{"audio": msg},
			"The greeting was not changed: "+msg+".", http.StatusUnprocessableEntity)
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxGreetingUpload)
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return refuse("must be at most 5 MB")
		}
		return roster.Errorf(roster.KindInvalid, "the upload could not be read")
	}
	defer func() { _ = r.MultipartForm.RemoveAll() }()
	file, _, err := r.FormFile("audio")
	if err != nil {
		return refuse(errNoFile.Error())
	}
	defer func() { _ = file.Close() }()
	data, err := io.ReadAll(io.LimitReader(file, roster.MaxGreetingBytes+1))
	if err != nil {
		return roster.Errorf(roster.KindInvalid, "the upload could not be read")
	}
	if _, err := c.svc.SetGreeting(r.Context(), s.P, id, data); err != nil {
		errs, _, ok := fieldErrors(err)
		if !ok {
			return err
		}
		return refuse(errs["audio"])
	}
	return c.redirectWith(w, r, phonePath(s, id), flash{Message: "The new voicemail greeting is in place."})
}

// greetingFile lets whoever may read the settings download the uploaded
// greeting to check it (the console plays no media itself).
func (c *Console) greetingFile(w http.ResponseWriter, r *http.Request, s *session) error {
	g, err := c.svc.Greeting(r.Context(), s.P, r.PathValue("id"))
	if err != nil {
		return err
	}
	ext := ".wav"
	if g.ContentType != phone.AudioWAV {
		ext = ".mp3"
	}
	h := w.Header()
	h.Set("Content-Type", g.ContentType)
	h.Set("Content-Disposition", `attachment; filename="greeting`+ext+`"`)
	h.Set("Cache-Control", "no-store")
	_, err = w.Write(g.Data)
	return err
}

// greetingResetSubmit goes back to the default greeting.
func (c *Console) greetingResetSubmit(w http.ResponseWriter, r *http.Request, s *session) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	id := r.PathValue("id")
	if err := c.svc.DeleteGreeting(r.Context(), s.P, id); err != nil {
		return c.refuse(w, r, phonePath(s, id), err)
	}
	return c.redirectWith(w, r, phonePath(s, id), flash{Message: "Callers now hear the default greeting."})
}

// voicemailData is the voicemail messages page's template data.
type voicemailData struct {
	User     roster.User
	Self     bool
	Messages []roster.Voicemail
	Next     string
	First    string
	Phone    string
}

// Duration formats a message's length, e.g. "1m5s".
func (voicemailData) Duration(seconds int) string {
	return (time.Duration(seconds) * time.Second).String()
}

// voicemailPage lists a user's voicemail messages, newest first (seed
// 002's message icon).
func (c *Console) voicemailPage(w http.ResponseWriter, r *http.Request, s *session) error {
	id := r.PathValue("id")
	u, err := c.svc.User(r.Context(), s.P, id)
	if err != nil {
		return err
	}
	cursor := r.URL.Query().Get("before")
	page, err := c.svc.Voicemails(r.Context(), s.P, id, cursor, pageSize)
	if roster.ErrorKind(err) == roster.KindInvalid && cursor != "" {
		// A cursor from a mangled link: start from the newest.
		cursor = ""
		page, err = c.svc.Voicemails(r.Context(), s.P, id, "", pageSize)
	}
	if err != nil {
		return err
	}
	d := &voicemailData{User: *u, Self: id == s.P.UserID, Messages: page.Items, Phone: phonePath(s, id)}
	if page.NextCursor != "" {
		d.Next = "/people/" + id + "/voicemail?before=" + page.NextCursor
	}
	if cursor != "" {
		d.First = "/people/" + id + "/voicemail"
	}
	c.render(w, r, s, http.StatusOK, "voicemail", "Voicemail of "+u.Name(), d)
	return nil
}
