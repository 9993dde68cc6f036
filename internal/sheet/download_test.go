package sheet

import (
	"bytes"
	"errors"
	"fmt"
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

// goneWriter is a response whose client closed the connection after some
// bytes: every write after the first fails as the socket's would.
type goneWriter struct {
	*httptest.ResponseRecorder
	writes int
}

var errGone = errors.New("write: broken pipe")

func (g *goneWriter) Write(p []byte) (int, error) {
	if g.writes++; g.writes > 1 {
		return 0, errGone
	}
	return g.ResponseRecorder.Write(p)
}

// An export whose client goes away half-way is cut like any other, but
// logged as the client's doing; a failure of the server's own, after the
// first byte as well, is still logged as an error.
func TestDownloadClientGone(t *testing.T) {
	date := time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)
	rows := func(fail error) func(w Writer) error {
		return func(w Writer) error {
			for i := range 20000 { // past the writers' buffers, many times
				if err := w.Write([]string{strings.Repeat("x", 50), string(rune('a' + i%26))}); err != nil {
					return fmt.Errorf("row %d: %w", i, err)
				}
			}
			return fail
		}
	}
	for _, c := range []struct {
		name  string
		fmt   string
		w     http.ResponseWriter
		fail  error
		level string
	}{
		{"client gone, csv", "csv", &goneWriter{ResponseRecorder: httptest.NewRecorder()}, nil, "level=DEBUG"},
		{"client gone, xlsx", "xlsx", &goneWriter{ResponseRecorder: httptest.NewRecorder()}, nil, "level=DEBUG"},
		{"server failure, csv", "csv", httptest.NewRecorder(), errors.New("database gone"), "level=ERROR"},
	} {
		var logs bytes.Buffer
		log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
		func() {
			defer func() {
				if p := recover(); p != http.ErrAbortHandler {
					t.Errorf("%s: recovered %v, want http.ErrAbortHandler", c.name, p)
				}
			}()
			_ = Download(c.w, c.fmt, date, log, rows(c.fail))
		}()
		out := logs.String()
		if !strings.Contains(out, c.level) || strings.Count(out, "level=") != 1 {
			t.Errorf("%s: want one line at %s, logged:\n%s", c.name, c.level, out)
		}
	}
}
