package api

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"sort"
)

// The OpenAPI description is kept in parts, one per area of the API, so that
// each area documents its own routes next to the others without one huge
// file. 00_core.json is the base document; every later part may add tags,
// paths and components, and may not redefine any.
//
//go:embed openapi/*.json
var openAPIParts embed.FS

// openAPIDoc is the merged document, built once at start-up.
var openAPIDoc = mustMergeOpenAPI(openAPIParts)

// OpenAPIDocument returns the OpenAPI 3.1 description of the API.
func OpenAPIDocument() []byte { return openAPIDoc }

func (a *API) openAPI(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "application/json")
	_, err := w.Write(openAPIDoc)
	return err
}

// mustMergeOpenAPI merges the parts; a broken part is a programming error
// that the tests catch, so it panics.
func mustMergeOpenAPI(fsys fs.FS) []byte {
	b, err := mergeOpenAPI(fsys)
	if err != nil {
		panic("openapi: " + err.Error())
	}
	return b
}

// openAPIPart is what a part may hold beyond the base document.
type openAPIPart struct {
	Tags       []json.RawMessage                     `json:"tags"`
	Paths      map[string]json.RawMessage            `json:"paths"`
	Components map[string]map[string]json.RawMessage `json:"components"`
}

// addNew copies src's entries into dst and returns the first key that dst
// already had ("" when none): no part may describe a thing twice.
func addNew(dst, src map[string]json.RawMessage) string {
	for k, v := range src {
		if _, dup := dst[k]; dup {
			return k
		}
		dst[k] = v
	}
	return ""
}

// mergePathItem adds the operations of b to the path item a (nil when the
// path is new), so that an area may add a method to another area's path.
func mergePathItem(a, b json.RawMessage) (json.RawMessage, error) {
	if a == nil {
		return b, nil
	}
	var am, bm map[string]json.RawMessage
	if err := json.Unmarshal(a, &am); err != nil {
		return nil, err
	}
	if err := json.Unmarshal(b, &bm); err != nil {
		return nil, err
	}
	if k := addNew(am, bm); k != "" {
		return nil, fmt.Errorf("%s is already described", k)
	}
	return json.Marshal(am)
}

// mergeOpenAPI returns the base part with every other part's tags, paths
// and components added, or an error naming the part and the duplicate key.
func mergeOpenAPI(fsys fs.FS) ([]byte, error) {
	names, err := fs.Glob(fsys, "openapi/*.json")
	if err != nil || len(names) == 0 {
		return nil, fmt.Errorf("no parts found: %v", err)
	}
	sort.Strings(names)
	var base map[string]json.RawMessage
	all := openAPIPart{Paths: map[string]json.RawMessage{}, Components: map[string]map[string]json.RawMessage{}}
	for i, name := range names {
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		if i == 0 {
			if err := json.Unmarshal(data, &base); err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
		}
		var part openAPIPart
		dec := json.NewDecoder(bytes.NewReader(data))
		if i > 0 {
			dec.DisallowUnknownFields()
		}
		if err := dec.Decode(&part); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		all.Tags = append(all.Tags, part.Tags...)
		for p, v := range part.Paths {
			merged, err := mergePathItem(all.Paths[p], v)
			if err != nil {
				return nil, fmt.Errorf("%s: path %s: %w", name, p, err)
			}
			all.Paths[p] = merged
		}
		for kind, entries := range part.Components {
			if all.Components[kind] == nil {
				all.Components[kind] = map[string]json.RawMessage{}
			}
			if k := addNew(all.Components[kind], entries); k != "" {
				return nil, fmt.Errorf("%s: components.%s.%s is already defined", name, kind, k)
			}
		}
	}
	for key, v := range map[string]any{"tags": all.Tags, "paths": all.Paths, "components": all.Components} {
		raw, err := json.Marshal(v)
		if err != nil {
			return nil, err
		}
		base[key] = raw
	}
	var out bytes.Buffer
	raw, err := json.Marshal(base)
	if err != nil {
		return nil, err
	}
	if err := json.Indent(&out, raw, "", "  "); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}
