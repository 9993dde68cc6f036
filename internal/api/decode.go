package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"roster/internal/roster"
)

// MaxBodyBytes bounds every JSON request body.
const MaxBodyBytes = 1 << 20

// decode reads a JSON object from r into dst. The body must be
// application/json, at most 1 MiB, one object with only known fields.
// With optional, an empty body leaves dst as it is.
func decode(w http.ResponseWriter, r *http.Request, dst any, optional bool) error {
	if r.ContentLength == 0 && optional {
		return nil
	}
	ct := r.Header.Get("Content-Type")
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
		return badRequest(http.StatusUnsupportedMediaType, "the body must be JSON with Content-Type: application/json")
	}
	body := http.MaxBytesReader(w, r.Body, MaxBodyBytes)
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return decodeError(err, optional)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return badRequest(http.StatusBadRequest, "the body must hold exactly one JSON object")
	}
	return nil
}

// decodeError explains why a body did not decode.
func decodeError(err error, optional bool) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var tooBig *http.MaxBytesError
	switch {
	case errors.Is(err, io.EOF):
		if optional {
			return nil
		}
		return badRequest(http.StatusBadRequest, "the body is empty; send a JSON object")
	case errors.As(err, &tooBig):
		return badRequest(http.StatusRequestEntityTooLarge, fmt.Sprintf("the body is larger than %d bytes", MaxBodyBytes))
	case errors.As(err, &syn), errors.Is(err, io.ErrUnexpectedEOF):
		return badRequest(http.StatusBadRequest, "the body is not valid JSON")
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			return badRequest(http.StatusBadRequest, "the body must be a JSON object")
		}
		return &httpError{status: http.StatusUnprocessableEntity, msg: "the request has invalid fields",
			fields: []roster.FieldError{{Field: field, Message: "must be a JSON " + jsonKind(typ.Type.Kind().String())}}}
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return &httpError{status: http.StatusBadRequest, msg: "unknown field " + name,
			fields: []roster.FieldError{{Field: name, Message: "is not a field of this request"}}}
	default:
		return badRequest(http.StatusBadRequest, "the body could not be read as JSON")
	}
}

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "string"
	case "bool":
		return "boolean"
	case "slice", "array":
		return "array"
	case "struct", "map":
		return "object"
	default:
		return "number"
	}
}
