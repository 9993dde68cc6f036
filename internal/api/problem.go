package api

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

	"roster/internal/roster"
)

// Problem is an RFC 9457 problem details body.
type Problem struct {
	Type     string              `json:"type"`
	Title    string              `json:"title"`
	Status   int                 `json:"status"`
	Detail   string              `json:"detail,omitempty"`
	Instance string              `json:"instance,omitempty"`
	Errors   []roster.FieldError `json:"errors,omitempty"`
	// Extra members (e.g. "available") are merged in when encoding.
	Extra map[string]any `json:"-"`
}

// MarshalJSON writes the standard members and the extension members flat,
// as RFC 9457 wants them.
func (p Problem) MarshalJSON() ([]byte, error) {
	m := map[string]any{"type": p.Type, "title": p.Title, "status": p.Status}
	for k, v := range p.Extra {
		m[k] = v
	}
	if p.Detail != "" {
		m["detail"] = p.Detail
	}
	if p.Instance != "" {
		m["instance"] = p.Instance
	}
	if len(p.Errors) > 0 {
		m["errors"] = p.Errors
	}
	return json.Marshal(m)
}

// kindStatus is the one map from error kind to HTTP status.
var kindStatus = map[roster.Kind]int{
	roster.KindInvalid:         http.StatusUnprocessableEntity,
	roster.KindNotFound:        http.StatusNotFound,
	roster.KindConflict:        http.StatusConflict,
	roster.KindLimitReached:    http.StatusConflict,
	roster.KindForbidden:       http.StatusForbidden,
	roster.KindUnauthenticated: http.StatusUnauthorized,
	roster.KindGone:            http.StatusGone,
	roster.KindRateLimited:     http.StatusTooManyRequests,
}

// Status returns the HTTP status for err: its kind's, or 500.
func Status(err error) int {
	var he *httpError
	if errors.As(err, &he) {
		return he.status
	}
	if s, ok := kindStatus[roster.ErrorKind(err)]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// httpError is a protocol-level error of this package (bad JSON, wrong
// content type, body too large) that has no domain kind.
type httpError struct {
	status int
	msg    string
	fields []roster.FieldError
}

func (e *httpError) Error() string { return e.msg }

func badRequest(status int, msg string) error { return &httpError{status: status, msg: msg} }

// ToProblem turns any error into the problem the client gets. Internal
// errors say nothing of their cause.
func ToProblem(err error) Problem {
	status := Status(err)
	p := Problem{Status: status, Title: http.StatusText(status), Type: "about:blank"}
	var re *roster.Error
	var he *httpError
	switch {
	case errors.As(err, &he):
		p.Type, p.Detail, p.Errors = problemType("bad_request"), he.msg, he.fields
	case errors.As(err, &re):
		p.Type, p.Detail, p.Errors, p.Extra = problemType(string(re.Kind)), re.Message, re.Fields, re.Extra
		if re.Kind == roster.KindLimitReached {
			p.Title = "Limit reached"
		}
	default:
		p.Detail = "something went wrong on our side; it has been logged"
	}
	return p
}

func problemType(kind string) string { return "urn:roster:problem:" + kind }

// writeProblem answers err as application/problem+json, logging 5xx.
func writeProblem(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	p := ToProblem(err)
	p.Instance = r.URL.Path
	if p.Status >= 500 {
		log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	if p.Status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="roster"`)
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}

// writeJSON answers v as JSON with status.
func writeJSON(w http.ResponseWriter, status int, v any) error {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	return json.NewEncoder(w).Encode(v)
}
