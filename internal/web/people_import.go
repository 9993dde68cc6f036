package web

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strings"

	"roster/internal/roster"
	"roster/internal/service"
)

// The Import page is two posts. The upload is checked with a dry run and
// the preview page carries the file back in a hidden field with its hash;
// Apply re-posts it. Nothing is kept between the two on the server, so any
// instance can apply what another previewed, and the apply checks every
// row again in the transaction that stores them.

// maxUploadBody leaves room for a multipart envelope around the file.
const maxUploadBody = service.MaxImportBytes + 64<<10

// maxApplyBody fits the file in unpadded URL-safe base64 (4/3 of it,
// nothing to escape in a urlencoded form) and the few other fields.
const maxApplyBody = (service.MaxImportBytes+2)/3*4 + 64<<10

// importForm is what the Import page shows: the choices, the preview of a
// checked file and why a step was refused.
type importForm struct {
	Mode        string // "prepare" or "send"
	Integration string
	FileName    string
	Report      *service.ImportReport
	// File and Sum are the previewed file (base64url) and its SHA-256,
	// carried to Apply.
	File, Sum string
	Err       *formError
}

// Invite reports whether the file's users are invited by default.
func (f *importForm) Invite() bool { return f.Mode == "send" }

// requireImport: importing creates users (users.manage) and may invite
// them (invites.send).
func requireImport(s *session) error {
	if err := s.P.Require(roster.PermUsersManage); err != nil {
		return err
	}
	return s.P.Require(roster.PermInvitesSend)
}

func (c *Console) importPage(w http.ResponseWriter, r *http.Request, s *session) error {
	if err := requireImport(s); err != nil {
		return err
	}
	c.render(w, r, s, http.StatusOK, "people_import", "Import people", &importForm{Mode: "prepare"})
	return nil
}

// importPreview checks an uploaded file with a dry run and shows what
// applying it would do, or every problem it has.
func (c *Console) importPreview(w http.ResponseWriter, r *http.Request, s *session) error {
	if err := requireImport(s); err != nil {
		return err
	}
	f := &importForm{Mode: "prepare"}
	file, err := readUpload(w, r, f)
	if err == nil {
		err = c.dryRun(r, s, f, file)
	}
	return c.showImport(w, r, s, f, err)
}

// importApply imports the file of a preview.
func (c *Console) importApply(w http.ResponseWriter, r *http.Request, s *session) error {
	if err := requireImport(s); err != nil {
		return err
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxApplyBody)
	if err := r.ParseForm(); err != nil {
		return roster.Errorf(roster.KindInvalid, "the form could not be read; upload the file again")
	}
	f := &importForm{Mode: modeOf(r.PostFormValue("mode")), Integration: r.PostFormValue("integration"),
		FileName: clip(r.PostFormValue("file_name"), 200)}
	file, err := base64.RawURLEncoding.DecodeString(r.PostFormValue("file"))
	if err != nil || len(file) == 0 || len(file) > service.MaxImportBytes || r.PostFormValue("sum") != fileSum(file) {
		return c.showImport(w, r, s, f, fieldErr("file", "the previewed file did not come back intact; upload it again"))
	}
	rep, err := c.svc.ImportUsers(r.Context(), s.P, service.ImportInput{File: bytes.NewReader(file), Invite: f.Invite(),
		Integration: f.Integration})
	if err != nil {
		// The org changed since the preview (an address taken, seats
		// gone): show the file's problems as a preview does.
		var re *roster.Error
		if errors.As(err, &re) && re.Kind == roster.KindInvalid && re.Extra["row_errors"] != nil {
			errs, _ := re.Extra["row_errors"].([]service.ImportError)
			n, _ := re.Extra["error_count"].(int)
			f.Report = &service.ImportReport{Errors: errs, ErrorCount: n}
			err = nil
		}
		return c.showImport(w, r, s, f, err)
	}
	if rep.Invited > 0 {
		c.opt.Wake()
	}
	tab := "prepared"
	if rep.Prepared == 0 {
		tab = "invited"
	}
	return c.redirectWith(w, r, "/people?tab="+tab, flash{Message: importedMessage(rep, f.FileName)})
}

// importedMessage is the confirmation after an import.
func importedMessage(rep *service.ImportReport, name string) string {
	var parts []string
	if rep.Prepared > 0 {
		parts = append(parts, plural(rep.Prepared, "prepared user", "prepared users"))
	}
	if rep.Invited > 0 {
		parts = append(parts, plural(rep.Invited, "invited user", "invited users"))
	}
	msg := "Imported " + strings.Join(parts, " and ")
	if name != "" {
		msg += " from " + name
	}
	return msg + "."
}

// dryRun previews file, keeping it in f for Apply when it can be applied.
func (c *Console) dryRun(r *http.Request, s *session, f *importForm, file []byte) error {
	rep, err := c.svc.ImportUsers(r.Context(), s.P, service.ImportInput{File: bytes.NewReader(file), DryRun: true,
		Invite: f.Invite(), Integration: f.Integration})
	if err != nil {
		return err
	}
	f.Report = rep
	if rep.Valid {
		f.File, f.Sum = base64.RawURLEncoding.EncodeToString(file), fileSum(file)
	}
	return nil
}

// showImport renders the Import page; a refusal the admin can fix (a bad
// file, a bad field, a shortage) is the page again with the reason, any
// other error the error page.
func (c *Console) showImport(w http.ResponseWriter, r *http.Request, s *session, f *importForm, err error) error {
	status := http.StatusOK
	if err != nil {
		fe, ok := toFormError(err)
		if !ok || api403or404(err) {
			return err
		}
		f.Err, status = fe, http.StatusUnprocessableEntity
	}
	if f.Report != nil && f.Report.ErrorCount > 0 {
		status = http.StatusUnprocessableEntity
	}
	c.render(w, r, s, status, "people_import", "Import people", f)
	return nil
}

// api403or404 reports errors that are no business of the form.
func api403or404(err error) bool {
	switch roster.ErrorKind(err) {
	case roster.KindForbidden, roster.KindNotFound, roster.KindUnauthenticated:
		return true
	}
	return false
}

// readUpload reads the multipart upload: the choices into f and the file's
// bytes, at most MaxImportBytes of them.
func readUpload(w http.ResponseWriter, r *http.Request, f *importForm) ([]byte, error) {
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" || params["boundary"] == "" {
		return nil, fieldErr("file", "choose a CSV file to upload")
	}
	mr := multipart.NewReader(http.MaxBytesReader(w, r.Body, maxUploadBody), params["boundary"])
	var file []byte
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, tooBigOr(err, "the upload could not be read; try again")
		}
		switch part.FormName() {
		case "file":
			f.FileName = clip(part.FileName(), 200)
			if file, err = io.ReadAll(io.LimitReader(part, service.MaxImportBytes+1)); err != nil {
				return nil, tooBigOr(err, "the upload could not be read; try again")
			}
			if len(file) > service.MaxImportBytes {
				return nil, fieldErr("file", fmt.Sprintf("the file must be at most %d MB", service.MaxImportBytes>>20))
			}
		case "mode", "integration":
			b, err := io.ReadAll(io.LimitReader(part, 1024))
			if err != nil {
				return nil, tooBigOr(err, "the upload could not be read; try again")
			}
			if part.FormName() == "mode" {
				f.Mode = modeOf(string(b))
			} else {
				f.Integration = clip(string(b), 1024)
			}
		}
	}
	if len(file) == 0 {
		return nil, fieldErr("file", "choose a CSV file to upload; this one is empty or missing")
	}
	return file, nil
}

// tooBigOr names an oversized upload, or says msg.
func tooBigOr(err error, msg string) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		msg = fmt.Sprintf("the file must be at most %d MB", service.MaxImportBytes>>20)
	}
	return fieldErr("file", msg)
}

func fieldErr(field, msg string) error {
	return &roster.Error{Kind: roster.KindInvalid, Message: msg, Fields: []roster.FieldError{{Field: field, Message: msg}}}
}

// modeOf is "send" for send, else "prepare": preparing is the safe default.
func modeOf(s string) string {
	if strings.TrimSpace(s) == "send" {
		return "send"
	}
	return "prepare"
}

func fileSum(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
