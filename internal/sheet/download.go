package sheet

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"
)

// Download streams a people export in format (a key of Formats) to an
// HTTP response, as the file users-<date>.<ext>; write fills it. The
// headers go out with the first byte, so an error found before then is
// returned for the caller to answer as usual. After it the status line has
// gone out and only a cut connection tells the client that the file is
// incomplete: the error is logged and the handler aborted.
func Download(w http.ResponseWriter, format string, date time.Time, log *slog.Logger, write func(Writer) error) error {
	kind, ok := Formats[format]
	if !ok {
		return fmt.Errorf("sheet: unknown format %q", format)
	}
	out := &lazyResponse{w: w, header: func(h http.Header) {
		h.Set("Content-Type", kind.ContentType)
		h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="users-%s.%s"`, date.UTC().Format(time.DateOnly), kind.Ext))
		h.Set("Cache-Control", "no-store")
	}}
	sw, err := NewWriter(format, out)
	if err != nil {
		return err
	}
	err = write(sw)
	if err == nil {
		err = sw.Close()
	}
	if err != nil && out.started {
		if out.writeErr != nil && errors.Is(err, out.writeErr) {
			// The client closed the connection: its doing, not the server's.
			log.Debug("export stopped: the client went away", "err", err)
		} else {
			log.Error("export failed mid-stream", "err", err)
		}
		panic(http.ErrAbortHandler)
	}
	return err
}

// lazyResponse sends the success headers with the first byte of the body.
type lazyResponse struct {
	w       http.ResponseWriter
	header  func(http.Header)
	started bool
	// writeErr is the first error writing to the client.
	writeErr error
}

func (l *lazyResponse) Write(p []byte) (int, error) {
	if !l.started {
		l.started = true
		l.header(l.w.Header())
		l.w.WriteHeader(http.StatusOK)
	}
	n, err := l.w.Write(p)
	if err != nil && l.writeErr == nil {
		l.writeErr = err
	}
	return n, err
}
