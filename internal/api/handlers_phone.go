package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"roster/internal/roster"
	"roster/internal/service"
)

// phoneRoutes are the org's phone numbers, the directory and each user's
// phone identity: settings, greeting, voicemails and app provisioning.
func (a *API) phoneRoutes() []Route {
	return []Route{
		{"GET", "/api/v1/phone-numbers", false, a.listPhoneNumbers},
		{"POST", "/api/v1/phone-numbers", false, a.addPhoneNumber},
		{"PATCH", "/api/v1/phone-numbers/{id}", false, a.updatePhoneNumber},
		{"DELETE", "/api/v1/phone-numbers/{id}", false, a.deletePhoneNumber},
		{"GET", "/api/v1/extensions/next", false, a.nextExtension},
		{"GET", "/api/v1/directory", false, a.directory},
		{"GET", "/api/v1/directory/settings", false, a.directorySettings},
		{"PATCH", "/api/v1/directory/settings", false, a.setDirectorySettings},
		{"GET", "/api/v1/users/{id}/phone-settings", false, a.getPhoneSettings},
		{"PATCH", "/api/v1/users/{id}/phone-settings", false, a.patchPhoneSettings},
		{"GET", "/api/v1/me/phone-settings", false, a.getPhoneSettings},
		{"PATCH", "/api/v1/me/phone-settings", false, a.patchPhoneSettings},
		{"GET", "/api/v1/users/{id}/voicemail-greeting", false, a.getGreeting},
		{"PUT", "/api/v1/users/{id}/voicemail-greeting", false, a.putGreeting},
		{"DELETE", "/api/v1/users/{id}/voicemail-greeting", false, a.deleteGreeting},
		{"GET", "/api/v1/users/{id}/voicemails", false, a.listVoicemails},
		{"POST", "/api/v1/users/{id}/voicemails", false, a.addVoicemail},
		{"POST", "/api/v1/users/{id}/provisioning", false, a.createProvisioning},
		{"POST", "/api/v1/provisioning/redeem", true, a.redeemProvisioning},
	}
}

// phoneUserID is the {id} of /users/{id}/… or, on /me/…, the caller.
func phoneUserID(r *http.Request) string {
	if id := r.PathValue("id"); id != "" {
		return id
	}
	if p := principal(r); p != nil {
		return p.UserID
	}
	return ""
}

func (a *API) listPhoneNumbers(w http.ResponseWriter, r *http.Request) error {
	list, err := a.svc.PhoneNumbers(r.Context(), principal(r))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"items": list})
}

func (a *API) addPhoneNumber(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Number string `json:"number"`
		Label  string `json:"label"`
		Main   bool   `json:"main"`
	}
	if err := decode(w, r, &req, false); err != nil {
		return err
	}
	n, err := a.svc.AddPhoneNumber(r.Context(), principal(r), req.Number, req.Label, req.Main)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, n)
}

func (a *API) updatePhoneNumber(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Label *string `json:"label"`
		Main  *bool   `json:"main"`
	}
	if err := decode(w, r, &req, false); err != nil {
		return err
	}
	n, err := a.svc.UpdatePhoneNumber(r.Context(), principal(r), r.PathValue("id"), req.Label, req.Main)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, n)
}

func (a *API) deletePhoneNumber(w http.ResponseWriter, r *http.Request) error {
	if err := a.svc.DeletePhoneNumber(r.Context(), principal(r), r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *API) nextExtension(w http.ResponseWriter, r *http.Request) error {
	ext, err := a.svc.NextExtension(r.Context(), principal(r))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]string{"extension": ext})
}

func (a *API) directory(w http.ResponseWriter, r *http.Request) error {
	var v roster.Validation
	limit := queryInt(r, "limit", &v)
	if err := v.Err(); err != nil {
		return err
	}
	entries, match, err := a.svc.Directory(r.Context(), principal(r), r.URL.Query().Get("q"), limit)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"match": match, "items": entries})
}

func (a *API) directorySettings(w http.ResponseWriter, r *http.Request) error {
	match, err := a.svc.DirectorySettings(r.Context(), principal(r))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]string{"match": match})
}

func (a *API) setDirectorySettings(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Match string `json:"match"`
	}
	if err := decode(w, r, &req, false); err != nil {
		return err
	}
	match, err := a.svc.SetDirectorySettings(r.Context(), principal(r), req.Match)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]string{"match": match})
}

func (a *API) getPhoneSettings(w http.ResponseWriter, r *http.Request) error {
	ps, err := a.svc.PhoneSettings(r.Context(), principal(r), phoneUserID(r))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, ps)
}

func (a *API) patchPhoneSettings(w http.ResponseWriter, r *http.Request) error {
	var req service.PhoneSettingsPatch
	if err := decode(w, r, &req, false); err != nil {
		return err
	}
	ps, err := a.svc.UpdatePhoneSettings(r.Context(), principal(r), phoneUserID(r), req)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, ps)
}

func (a *API) getGreeting(w http.ResponseWriter, r *http.Request) error {
	g, err := a.svc.Greeting(r.Context(), principal(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", g.ContentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(g.Data)))
	w.Header().Set("Cache-Control", "private, no-store")
	w.WriteHeader(http.StatusOK)
	_, err = w.Write(g.Data)
	return err
}

// maxGreetingBody bounds a greeting upload: 5 MB of audio in base64 plus
// the JSON around it.
const maxGreetingBody = roster.MaxGreetingBytes/3*4 + 64<<10

func (a *API) putGreeting(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Audio []byte `json:"audio"`
	}
	if err := decodeLimited(w, r, &req, maxGreetingBody); err != nil {
		return err
	}
	if len(req.Audio) == 0 {
		return &roster.Error{Kind: roster.KindInvalid, Message: "the request has invalid fields",
			Fields: []roster.FieldError{{Field: "audio", Message: "is required: a base64-encoded WAV or MP3 file"}}}
	}
	ps, err := a.svc.SetGreeting(r.Context(), principal(r), r.PathValue("id"), req.Audio)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, ps)
}

// decodeLimited is decode for the one body allowed to exceed MaxBodyBytes.
func decodeLimited(w http.ResponseWriter, r *http.Request, dst any, limit int64) error {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		return badRequest(http.StatusUnsupportedMediaType, "the body must be JSON with Content-Type: application/json")
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, limit))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return &httpError{status: http.StatusRequestEntityTooLarge, msg: fmt.Sprintf("the body is larger than %d bytes", limit),
				fields: []roster.FieldError{{Field: "audio", Message: "must be at most 5 MB"}}}
		}
		if strings.Contains(err.Error(), "illegal base64") {
			return &httpError{status: http.StatusUnprocessableEntity, msg: "the request has invalid fields",
				fields: []roster.FieldError{{Field: "audio", Message: "must be standard base64"}}}
		}
		return decodeError(err, false)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return badRequest(http.StatusBadRequest, "the body must hold exactly one JSON object")
	}
	return nil
}

func (a *API) deleteGreeting(w http.ResponseWriter, r *http.Request) error {
	if err := a.svc.DeleteGreeting(r.Context(), principal(r), r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *API) listVoicemails(w http.ResponseWriter, r *http.Request) error {
	var v roster.Validation
	limit := queryInt(r, "limit", &v)
	if err := v.Err(); err != nil {
		return err
	}
	page, err := a.svc.Voicemails(r.Context(), principal(r), r.PathValue("id"), r.URL.Query().Get("cursor"), limit)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, page)
}

func (a *API) addVoicemail(w http.ResponseWriter, r *http.Request) error {
	var req service.NewVoicemail
	if err := decode(w, r, &req, false); err != nil {
		return err
	}
	vm, err := a.svc.AddVoicemail(r.Context(), principal(r), r.PathValue("id"), req)
	if err != nil {
		return err
	}
	a.opt.Wake()
	return writeJSON(w, http.StatusCreated, vm)
}

func (a *API) createProvisioning(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		App string `json:"app"`
	}
	if err := decode(w, r, &req, false); err != nil {
		return err
	}
	out, err := a.svc.CreateProvisioning(r.Context(), principal(r), r.PathValue("id"), req.App)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, out)
}

func (a *API) redeemProvisioning(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Token string `json:"token"`
	}
	if err := decode(w, r, &req, false); err != nil {
		return err
	}
	profile, err := a.svc.RedeemProvisioning(r.Context(), req.Token, ClientIP(r))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, profile)
}
