package sheet

import (
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestDownload: a file that is written whole goes out with its headers; an
// error before the first byte is returned with nothing sent, so the
// caller can still answer it; an error after the first byte aborts the
// handler, which cuts the connection.
func TestDownload(t *testing.T) {
	date := time.Date(2026, 11, 27, 23, 30, 0, 0, time.FixedZone("x", -3600))
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	boom := errors.New("boom")

	rec := httptest.NewRecorder()
	err := Download(rec, "csv", date, log, func(w Writer) error { return w.Write([]string{"email", "=1+1"}) })
	if err != nil || rec.Code != http.StatusOK || rec.Header().Get("Content-Disposition") != `attachment; filename="users-2026-11-28.csv"` ||
		!strings.HasPrefix(rec.Header().Get("Content-Type"), "text/csv") || rec.Body.String() != "email,'=1+1\r\n" {
		t.Errorf("whole file: err %v, status %d, headers %v, body %q", err, rec.Code, rec.Header(), rec.Body.String())
	}

	rec = httptest.NewRecorder()
	err = Download(rec, "xlsx", date, log, func(w Writer) error { return boom })
	if !errors.Is(err, boom) || rec.Header().Get("Content-Disposition") != "" || rec.Body.Len() != 0 {
		t.Errorf("error before the first byte: err %v, headers %v, %d bytes sent", err, rec.Header(), rec.Body.Len())
	}

	if err := Download(httptest.NewRecorder(), "ods", date, log, func(w Writer) error { return nil }); err == nil {
		t.Error("an unknown format was accepted")
	}

	rec = httptest.NewRecorder()
	func() {
		defer func() {
			if p := recover(); p != http.ErrAbortHandler {
				t.Errorf("error after the first byte: recovered %v, want http.ErrAbortHandler", p)
			}
		}()
		_ = Download(rec, "csv", date, log, func(w Writer) error {
			for i := range 2000 { // past the CSV writer's buffer
				if err := w.Write([]string{strings.Repeat("x", 50), string(rune('a' + i%26))}); err != nil {
					return err
				}
			}
			return boom
		})
	}()
	if rec.Body.Len() == 0 {
		t.Error("error after the first byte: nothing had been sent")
	}
}
