package api

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"os"
	"strconv"
	"time"

	"roster/internal/roster"
	"roster/internal/service"
	"roster/internal/sheet"
)

// bulkRoutes are the people list's export and import.
func (a *API) bulkRoutes() []Route {
	return []Route{
		{"GET", "/api/v1/users/export", false, a.exportUsers},
		{"POST", "/api/v1/users/import", false, a.importUsers},
	}
}

// exportFilter reads the people list's filters; status may list several
// statuses separated by commas. The service checks the rest.
func exportFilter(r *http.Request) (roster.UserFilter, error) {
	q := r.URL.Query()
	f := roster.UserFilter{Role: q.Get("role"), LicenseType: q.Get("license_type"), Query: q.Get("q"), Sort: q.Get("sort")}
	var err error
	f.Statuses, err = roster.ParseStatusList(q["status"])
	return f, err
}

func (a *API) exportUsers(w http.ResponseWriter, r *http.Request) error {
	format := r.URL.Query().Get("format")
	if format == "" {
		format = "csv"
	}
	if _, ok := sheet.Formats[format]; !ok {
		return &roster.Error{Kind: roster.KindInvalid, Message: "unknown export format",
			Fields: []roster.FieldError{{Field: "format", Message: "must be csv or xlsx"}}}
	}
	f, err := exportFilter(r)
	if err != nil {
		return err
	}
	return sheet.Download(w, format, time.Now(), a.log, func(sw sheet.Writer) error {
		_, err := a.svc.ExportUsers(r.Context(), principal(r), f, sw)
		return err
	})
}

// importFile returns the upload: the body itself (text/csv) or the first
// file part of a multipart/form-data form (what a browser sends).
func importFile(w http.ResponseWriter, r *http.Request) (*limitedFile, error) {
	if r.ContentLength > maxImportBody {
		return nil, errImportTooBig
	}
	body := http.MaxBytesReader(w, r.Body, maxImportBody)
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch {
	case err == nil && (mt == "text/csv" || mt == "application/csv" || mt == "text/plain"):
		if r.ContentLength > service.MaxImportBytes {
			return nil, errImportTooBig
		}
		return &limitedFile{r: body}, nil
	case err == nil && mt == "multipart/form-data" && params["boundary"] != "":
		mr := multipart.NewReader(body, params["boundary"])
		for {
			part, err := mr.NextPart()
			if errors.Is(err, io.EOF) {
				return nil, &roster.Error{Kind: roster.KindInvalid, Message: "no file in the form",
					Fields: []roster.FieldError{{Field: "file", Message: "attach a CSV file"}}}
			}
			if err != nil {
				var mbe *http.MaxBytesError
				if errors.As(err, &mbe) {
					return nil, errImportTooBig
				}
				return nil, badRequest(http.StatusBadRequest, "the multipart body is malformed: "+err.Error())
			}
			if part.FileName() != "" || part.FormName() == "file" {
				return &limitedFile{r: part}, nil
			}
		}
	}
	return nil, badRequest(http.StatusUnsupportedMediaType,
		"send the CSV file as the body with Content-Type: text/csv, or as the file field of multipart/form-data")
}

// maxImportBody leaves room for a multipart envelope around the file.
const maxImportBody = service.MaxImportBytes + 64<<10

var errImportTooBig = badRequest(http.StatusRequestEntityTooLarge,
	fmt.Sprintf("the file must be at most %d MB", service.MaxImportBytes>>20))

// limitedFile reads at most MaxImportBytes and remembers whether the
// upload was longer, so that the answer can say so whatever the reader of
// the file made of the cut.
type limitedFile struct {
	r        io.Reader
	n        int64
	exceeded bool
	readErr  error // the upload's own read error, if any
}

func (l *limitedFile) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	l.n += int64(n)
	var mbe *http.MaxBytesError
	if l.n > service.MaxImportBytes || errors.As(err, &mbe) {
		l.exceeded = true
		return n, errors.New("file too big")
	}
	if err != nil && !errors.Is(err, io.EOF) {
		l.readErr = err
	}
	return n, err
}

// spooledFile is an upload copied to a temporary file.
type spooledFile struct {
	*os.File
	// unlinked: the file's name was removed as soon as it was opened
	// (where the system allows it, as Unix does), so that not even a
	// crash leaves it behind.
	unlinked bool
}

// spool copies the upload to a temporary file, which the import reads
// twice (checked, then applied) by seeking to its start: held in memory
// instead, a 20 MB file would stay live for the whole import, and the
// garbage collector lets the heap grow twice what is live.
func spool(file *limitedFile) (*spooledFile, error) {
	f, err := os.CreateTemp("", "roster-import-*.csv")
	if err != nil {
		return nil, fmt.Errorf("spool the upload: %w", err)
	}
	sf := &spooledFile{File: f, unlinked: os.Remove(f.Name()) == nil}
	if _, err = io.Copy(f, file); err == nil {
		_, err = f.Seek(0, io.SeekStart)
	}
	switch {
	case file.exceeded:
		err = errImportTooBig
	case err != nil && file.readErr != nil:
		err = badRequest(http.StatusBadRequest, "the upload could not be read: "+file.readErr.Error())
	case err != nil:
		err = fmt.Errorf("spool the upload: %w", err)
	}
	if err != nil {
		sf.discard()
		return nil, err
	}
	return sf, nil
}

// discard closes and removes the temporary file.
func (sf *spooledFile) discard() {
	sf.Close()
	if !sf.unlinked {
		os.Remove(sf.Name())
	}
}

func (a *API) importUsers(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	var v roster.Validation
	flag := func(name string, def bool) bool {
		s := q.Get(name)
		if s == "" {
			return def
		}
		b, err := strconv.ParseBool(s)
		if err != nil {
			v.Add(name, "must be true or false")
		}
		return b
	}
	in := service.ImportInput{DryRun: flag("dry_run", false), Invite: flag("invite", false), Integration: q.Get("integration")}
	if err := v.Err(); err != nil {
		return err
	}
	file, err := importFile(w, r)
	if err != nil {
		return err
	}
	spooled, err := spool(file)
	if err != nil {
		return err
	}
	defer spooled.discard()
	in.File = spooled.File
	rep, err := a.svc.ImportUsers(r.Context(), principal(r), in)
	if err != nil {
		return err
	}
	if rep.Invited > 0 && !rep.DryRun {
		a.opt.Wake()
	}
	status := http.StatusOK
	if !rep.DryRun {
		status = http.StatusCreated
	}
	return writeJSON(w, status, rep)
}
