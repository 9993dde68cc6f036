package api_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"roster/internal/api"
	"roster/internal/apitest"
	"roster/internal/roster"
	"roster/internal/testdb"
)

// httpMethods are the keys of an OpenAPI path item that are operations.
var httpMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

// openAPIDoc parses the embedded OpenAPI document.
func openAPIDoc(t *testing.T) map[string]any {
	t.Helper()
	var doc map[string]any
	dec := json.NewDecoder(bytes.NewReader(api.OpenAPIDocument()))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("openapi.json is not valid JSON: %v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		t.Fatalf("openapi.json holds more than one JSON value")
	}
	return doc
}

// operation is one operation of the document.
type operation struct {
	method, path string
	pathItem     map[string]any
	op           map[string]any
}

func (o operation) String() string { return o.method + " " + o.path }

// operations lists the document's operations, sorted by path and method.
func operations(t *testing.T, doc map[string]any) []operation {
	t.Helper()
	paths, ok := doc["paths"].(map[string]any)
	if !ok {
		t.Fatalf("the document has no paths object")
	}
	var out []operation
	for path, item := range paths {
		pi, ok := item.(map[string]any)
		if !ok {
			t.Fatalf("path %s is not an object", path)
		}
		for _, m := range httpMethods {
			if v, ok := pi[m]; ok {
				op, ok := v.(map[string]any)
				if !ok {
					t.Fatalf("%s %s is not an object", strings.ToUpper(m), path)
				}
				out = append(out, operation{method: strings.ToUpper(m), path: path, pathItem: pi, op: op})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].path != out[j].path {
			return out[i].path < out[j].path
		}
		return out[i].method < out[j].method
	})
	return out
}

// resolve follows a local JSON pointer such as "#/components/schemas/User".
func resolve(doc map[string]any, ref string) (any, bool) {
	ptr, ok := strings.CutPrefix(ref, "#/")
	if !ok {
		return nil, false
	}
	var cur any = doc
	for _, tok := range strings.Split(ptr, "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		switch c := cur.(type) {
		case map[string]any:
			v, ok := c[tok]
			if !ok {
				return nil, false
			}
			cur = v
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(c) {
				return nil, false
			}
			cur = c[i]
		default:
			return nil, false
		}
	}
	return cur, true
}

// deref returns v, or what its $ref points to (following chains). A value
// that is not an object or does not resolve is reported and read as {}.
func deref(t *testing.T, doc map[string]any, v any) map[string]any {
	t.Helper()
	for range 10 {
		m, ok := v.(map[string]any)
		if !ok {
			t.Errorf("expected an object, got %T", v)
			return map[string]any{}
		}
		ref, ok := m["$ref"].(string)
		if !ok {
			return m
		}
		if v, ok = resolve(doc, ref); !ok {
			t.Errorf("$ref %q does not resolve", ref)
			return map[string]any{}
		}
	}
	t.Errorf("$ref chain too long")
	return map[string]any{}
}

func TestOpenAPIVersion(t *testing.T) {
	doc := openAPIDoc(t)
	v, _ := doc["openapi"].(string)
	if !strings.HasPrefix(v, "3.1") {
		t.Fatalf(`"openapi" is %q, want 3.1.x`, v)
	}
	info, _ := doc["info"].(map[string]any)
	title, _ := info["title"].(string)
	version, _ := info["version"].(string)
	if title == "" || version == "" {
		t.Fatalf("info needs a title and a version: %v", info)
	}
}

// TestOpenAPIRoutes checks that the document describes exactly the routes the
// API registers, and that exactly the public ones need no credentials.
func TestOpenAPIRoutes(t *testing.T) {
	doc := openAPIDoc(t)
	documented := map[string]operation{}
	for _, o := range operations(t, doc) {
		documented[o.String()] = o
	}
	registered := map[string]api.Route{}
	for _, rt := range api.New(api.Options{}).Routes() {
		key := rt.Method + " " + rt.Path
		if _, dup := registered[key]; dup {
			t.Errorf("route %s is registered twice", key)
		}
		registered[key] = rt
	}
	var missing, extra []string
	for k := range registered {
		if _, ok := documented[k]; !ok {
			missing = append(missing, k)
		}
	}
	for k := range documented {
		if _, ok := registered[k]; !ok {
			extra = append(extra, k)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	for _, k := range missing {
		t.Errorf("route %s is not in openapi.json", k)
	}
	for _, k := range extra {
		t.Errorf("openapi.json describes %s, which is not a route", k)
	}

	global, _ := doc["security"].([]any)
	if len(global) == 0 {
		t.Errorf("the document has no global security requirement")
	}
	schemes := map[string]bool{}
	for _, req := range global {
		for name := range req.(map[string]any) {
			schemes[name] = true
		}
	}
	if !schemes["bearerAuth"] || !schemes["sessionCookie"] {
		t.Errorf("global security %v, want bearerAuth and sessionCookie", global)
	}
	for k, rt := range registered {
		o, ok := documented[k]
		if !ok {
			continue
		}
		sec, overridden := o.op["security"].([]any)
		switch {
		case rt.Public && (!overridden || len(sec) != 0):
			t.Errorf("%s is public but does not override security with []", k)
		case !rt.Public && overridden && len(sec) == 0:
			t.Errorf("%s needs credentials but its security is []", k)
		}
		desc, _ := o.op["description"].(string)
		if rt.Public && !strings.Contains(strings.ToLower(desc), "public") {
			t.Errorf("%s is public but its description does not say so", k)
		}
	}
}

var pathParamRE = regexp.MustCompile(`\{([^}]+)\}`)

// TestOpenAPIOperations checks each operation's identity, documentation,
// parameters, bodies and responses.
func TestOpenAPIOperations(t *testing.T) {
	doc := openAPIDoc(t)
	ids := map[string]string{}
	for _, o := range operations(t, doc) {
		id, _ := o.op["operationId"].(string)
		if id == "" {
			t.Errorf("%s has no operationId", o)
		} else if prev, dup := ids[id]; dup {
			t.Errorf("operationId %q is used by %s and %s", id, prev, o)
		} else {
			ids[id] = o.String()
		}
		if s, _ := o.op["summary"].(string); strings.TrimSpace(s) == "" {
			t.Errorf("%s has no summary", o)
		}
		if s, _ := o.op["description"].(string); strings.TrimSpace(s) == "" {
			t.Errorf("%s has no description", o)
		}

		// Path parameters: declared on the path item or the operation.
		declared := map[string]bool{}
		for _, list := range []any{o.pathItem["parameters"], o.op["parameters"]} {
			params, _ := list.([]any)
			for _, p := range params {
				pm := deref(t, doc, p)
				if name, _ := pm["name"].(string); pm["in"] == "path" {
					if pm["required"] != true {
						t.Errorf("%s: path parameter %v must be required", o, pm["name"])
					}
					declared[name] = true
				}
			}
		}
		for _, m := range pathParamRE.FindAllStringSubmatch(o.path, -1) {
			if !declared[m[1]] {
				t.Errorf("%s: path parameter {%s} is not declared", o, m[1])
			}
			delete(declared, m[1])
		}
		for name := range declared {
			t.Errorf("%s: path parameter %q is not in the path", o, name)
		}

		// Request bodies are closed JSON objects, or file uploads.
		if rb, ok := o.op["requestBody"]; ok {
			content, _ := deref(t, doc, rb)["content"].(map[string]any)
			mt, _ := content["application/json"].(map[string]any)
			if _, csv := content["text/csv"]; csv && mt == nil {
				// A file upload (the users import): nothing to close.
			} else if mt == nil {
				t.Errorf("%s: the request body is not application/json", o)
			} else {
				s := deref(t, doc, mt["schema"])
				if s["type"] != "object" || s["additionalProperties"] != false {
					t.Errorf("%s: the request body schema must be an object with additionalProperties: false", o)
				}
			}
		}

		// Responses: at least one 2xx; errors are problems.
		responses, _ := o.op["responses"].(map[string]any)
		success := false
		for code, r := range responses {
			n, err := strconv.Atoi(code)
			if err != nil {
				if code != "default" {
					t.Errorf("%s: response key %q is not a status code", o, code)
				}
				continue
			}
			resp := deref(t, doc, r)
			if d, _ := resp["description"].(string); d == "" {
				t.Errorf("%s %d: the response has no description", o, n)
			}
			switch {
			case n >= 200 && n < 300:
				success = true
			case n >= 400:
				content, _ := resp["content"].(map[string]any)
				mt, _ := content["application/problem+json"].(map[string]any)
				if mt == nil || len(content) != 1 {
					t.Errorf("%s %d: an error response must be application/problem+json only", o, n)
					continue
				}
				if !isProblem(t, doc, mt["schema"]) {
					t.Errorf("%s %d: the error schema is not #/components/schemas/Problem", o, n)
				}
			}
		}
		if !success {
			t.Errorf("%s has no 2xx response", o)
		}
	}
}

// isProblem reports whether schema is the Problem schema or extends it.
func isProblem(t *testing.T, doc map[string]any, schema any) bool {
	const problem = "#/components/schemas/Problem"
	m, _ := schema.(map[string]any)
	if m == nil {
		return false
	}
	if m["$ref"] == problem {
		return true
	}
	s := deref(t, doc, m)
	all, _ := s["allOf"].([]any)
	return slices.ContainsFunc(all, func(v any) bool {
		sub, _ := v.(map[string]any)
		return sub != nil && sub["$ref"] == problem
	})
}

// TestOpenAPIRefs checks that every $ref in the document points at
// something that exists under components.
func TestOpenAPIRefs(t *testing.T) {
	doc := openAPIDoc(t)
	n := 0
	var walk func(at string, v any)
	walk = func(at string, v any) {
		switch v := v.(type) {
		case map[string]any:
			if ref, ok := v["$ref"]; ok {
				n++
				s, _ := ref.(string)
				if !strings.HasPrefix(s, "#/components/") {
					t.Errorf("%s: $ref %v does not point under #/components/", at, ref)
				} else if _, ok := resolve(doc, s); !ok {
					t.Errorf("%s: $ref %q does not resolve", at, s)
				}
			}
			for k, c := range v {
				walk(at+"/"+k, c)
			}
		case []any:
			for i, c := range v {
				walk(at+"/"+strconv.Itoa(i), c)
			}
		}
	}
	walk("#", doc)
	if n == 0 {
		t.Fatalf("the document has no $ref at all")
	}

	comps, _ := doc["components"].(map[string]any)
	schemes, _ := comps["securitySchemes"].(map[string]any)
	bearer, _ := schemes["bearerAuth"].(map[string]any)
	if bearer["type"] != "http" || bearer["scheme"] != "bearer" {
		t.Errorf("bearerAuth = %v, want http bearer", bearer)
	}
	cookie, _ := schemes["sessionCookie"].(map[string]any)
	if cookie["type"] != "apiKey" || cookie["in"] != "cookie" || cookie["name"] != api.SessionCookie {
		t.Errorf("sessionCookie = %v, want an apiKey in cookie %s", cookie, api.SessionCookie)
	}
}

// TestOpenAPIEnums checks the enums that mirror the domain's catalogues.
func TestOpenAPIEnums(t *testing.T) {
	doc := openAPIDoc(t)
	enum := func(name string) []string {
		t.Helper()
		s, ok := resolve(doc, "#/components/schemas/"+name)
		if !ok {
			t.Fatalf("no schema %s", name)
		}
		var out []string
		for _, v := range s.(map[string]any)["enum"].([]any) {
			out = append(out, v.(string))
		}
		return out
	}
	var perms []string
	for _, p := range roster.AllPermissions() {
		perms = append(perms, string(p))
	}
	if got := enum("PermissionName"); !slices.Equal(got, perms) {
		t.Errorf("PermissionName enum %v, want the catalogue %v", got, perms)
	}
	statuses := enum("UserStatus")
	for _, s := range statuses {
		if !roster.ValidStatus(roster.Status(s)) {
			t.Errorf("UserStatus enum has unknown status %q", s)
		}
	}
	if len(statuses) != 4 {
		t.Errorf("UserStatus enum %v, want the 4 statuses", statuses)
	}
}

// TestOpenAPIServed fetches the document from the running API.
func TestOpenAPIServed(t *testing.T) {
	e := apitest.New(t, testdb.Open(t, "sqlite"))
	res := e.Do("GET", "/api/v1/openapi.json", "", nil).Want(http.StatusOK)
	if ct := res.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q, want application/json", ct)
	}
	if !bytes.Equal(res.Body, api.OpenAPIDocument()) {
		t.Errorf("the served document (%d bytes) differs from openapi.json (%d bytes)", len(res.Body), len(api.OpenAPIDocument()))
	}
}
