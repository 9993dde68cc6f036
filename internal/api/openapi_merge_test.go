package api

import (
	"encoding/json"
	"strings"
	"testing"
	"testing/fstest"
)

func TestMergeOpenAPIAddsParts(t *testing.T) {
	fsys := fstest.MapFS{
		"openapi/00_core.json":  {Data: []byte(`{"openapi":"3.1.0","tags":[{"name":"a"}],"paths":{"/a":{}},"components":{"schemas":{"A":{}}}}`)},
		"openapi/10_teams.json": {Data: []byte(`{"tags":[{"name":"b"}],"paths":{"/b":{}},"components":{"schemas":{"B":{}},"parameters":{"P":{}}}}`)},
	}
	b, err := mergeOpenAPI(fsys)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		OpenAPI    string                                `json:"openapi"`
		Tags       []map[string]string                   `json:"tags"`
		Paths      map[string]any                        `json:"paths"`
		Components map[string]map[string]json.RawMessage `json:"components"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.OpenAPI != "3.1.0" || len(doc.Tags) != 2 || len(doc.Paths) != 2 ||
		len(doc.Components["schemas"]) != 2 || len(doc.Components["parameters"]) != 1 {
		t.Fatalf("merged document: %s", b)
	}
}

func TestMergeOpenAPIRefusesDuplicatesAndUnknownKeys(t *testing.T) {
	core := &fstest.MapFile{Data: []byte(`{"openapi":"3.1.0","paths":{"/a":{"get":{}}},"components":{"schemas":{"A":{}}}}`)}
	for name, part := range map[string]string{
		"path ":       `{"paths":{"/a":{"get":{}}}}`,
		"components.": `{"components":{"schemas":{"A":{}}}}`,
		"unknown":     `{"info":{}}`,
	} {
		_, err := mergeOpenAPI(fstest.MapFS{"openapi/00_core.json": core, "openapi/10_x.json": {Data: []byte(part)}})
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("part %s: error %v, want one mentioning %q", part, err, name)
		}
	}
}

func TestMergeOpenAPIAddsMethodsToAPath(t *testing.T) {
	fsys := fstest.MapFS{
		"openapi/00_core.json": {Data: []byte(`{"openapi":"3.1.0","paths":{"/a":{"get":{"operationId":"getA"}}}}`)},
		"openapi/10_x.json":    {Data: []byte(`{"paths":{"/a":{"post":{"operationId":"postA"}}}}`)},
	}
	b, err := mergeOpenAPI(fsys)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Paths map[string]map[string]map[string]string `json:"paths"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Paths["/a"]["get"]["operationId"] != "getA" || doc.Paths["/a"]["post"]["operationId"] != "postA" {
		t.Fatalf("merged paths: %s", b)
	}
}
