// Package roster holds Roster's domain: its types, statuses, permissions,
// validation rules and the few kinds of error every other package speaks.
// It imports nothing outside the standard library and knows nothing of HTTP
// or SQL.
package roster

import (
	"errors"
	"fmt"
)

// Kind classifies an error so that each interface (REST, console, SCIM, CLI)
// can answer it in its own way from one place.
type Kind string

// The error kinds. Anything that is not a *Error is internal.
const (
	KindInvalid         Kind = "invalid"         // bad input; carries field errors
	KindNotFound        Kind = "not_found"       // absent, or in another tenant
	KindConflict        Kind = "conflict"        // state forbids it (last admin, duplicate…)
	KindLimitReached    Kind = "limit_reached"   // seats or trial allowance exhausted
	KindForbidden       Kind = "forbidden"       // authenticated but lacks a permission
	KindUnauthenticated Kind = "unauthenticated" // no or bad credentials
	KindGone            Kind = "gone"            // token expired, cancelled or used
	KindRateLimited     Kind = "rate_limited"    // too many attempts
)

// FieldError names one invalid input field.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Error is Roster's application error.
type Error struct {
	Kind    Kind
	Message string
	Fields  []FieldError
	// Extra carries machine-readable details (e.g. "available": 2) that the
	// interfaces add to their answer.
	Extra map[string]any
}

func (e *Error) Error() string { return string(e.Kind) + ": " + e.Message }

// Errorf returns an *Error of the given kind.
func Errorf(kind Kind, format string, args ...any) *Error {
	return &Error{Kind: kind, Message: fmt.Sprintf(format, args...)}
}

// Sentinel errors that stores and services return (wrapped or bare) and
// callers test with errors.Is.
var (
	ErrNotFound = &Error{Kind: KindNotFound, Message: "not found"}
	ErrConflict = &Error{Kind: KindConflict, Message: "conflict"}
)

// Is makes errors.Is(err, ErrNotFound) true for any *Error of the same kind.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Kind == e.Kind && (t == ErrNotFound || t == ErrConflict)
}

// ErrorKind returns the kind of err, or "" when err is not a Roster error
// (which the interfaces treat as internal).
func ErrorKind(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return ""
}

// Validation accumulates field errors and turns them into one Invalid error.
type Validation struct{ fields []FieldError }

// Add records that field is invalid.
func (v *Validation) Add(field, format string, args ...any) {
	v.fields = append(v.fields, FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
}

// Check adds err's message under field when err is non-nil.
func (v *Validation) Check(field string, err error) {
	if err != nil {
		v.Add(field, "%s", err.Error())
	}
}

// Err returns nil when nothing was added, else an Invalid *Error.
func (v *Validation) Err() error {
	if len(v.fields) == 0 {
		return nil
	}
	return &Error{Kind: KindInvalid, Message: "the request has invalid fields", Fields: v.fields}
}
