package web

import (
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"roster/internal/roster"
	"roster/internal/sheet"
)

// FuzzExportQuery: any query string is either refused or an export of
// known statuses, at least one, in a known format, with the page's
// filters clipped as the page clips them.
func FuzzExportQuery(f *testing.F) {
	for _, s := range []string{"", "status=active", "status=active&status=prepared&format=xlsx", "status=active,inactive,",
		"status=bogus", "format=pdf&status=active", "status=prepared&q=%ff&role=admin&team=t1&sort=-name",
		"status=active&status=active", "status=" + strings.Repeat(",", 100), "tab=invited&status=invited&cursor=x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		v, _ := url.ParseQuery(raw)
		q, err := parseExportQuery(v)
		if err != nil {
			if roster.ErrorKind(err) != roster.KindInvalid {
				t.Fatalf("refusal of %q is %v, not Invalid", raw, err)
			}
			return
		}
		if _, ok := sheet.Formats[q.Format]; !ok {
			t.Fatalf("format %q let through", q.Format)
		}
		fl := q.filter()
		if len(fl.Statuses) == 0 || fl.Status != "" || fl.Cursor != "" || fl.Limit != 0 || len(fl.Query) > maxSearch {
			t.Fatalf("filter of %q: %+v", raw, fl)
		}
		seen := map[roster.Status]bool{}
		for _, st := range fl.Statuses {
			if !roster.ValidStatus(st) || seen[st] {
				t.Fatalf("statuses of %q: %v", raw, fl.Statuses)
			}
			seen[st] = true
		}
	})
}

// FuzzImportUpload: any body under any content type gives the file of at
// most the size limit and a known mode, or a refusal naming the file field
// — never a panic.
func FuzzImportUpload(f *testing.F) {
	const b = "XyZ"
	part := func(name, file, body string) string {
		disp := `form-data; name="` + name + `"`
		if file != "" {
			disp += `; filename="` + file + `"`
		}
		return "--" + b + "\r\nContent-Disposition: " + disp + "\r\n\r\n" + body + "\r\n"
	}
	f.Add("multipart/form-data; boundary="+b, part("mode", "", "send")+part("file", "a.csv", "email\na@b.test")+"--"+b+"--\r\n")
	f.Add("multipart/form-data; boundary="+b, part("file", "", "")+"--"+b+"--\r\n")
	f.Add("multipart/form-data; boundary="+b, part("integration", "", strings.Repeat("x", 2000))+"--"+b)
	f.Add("multipart/form-data", "--"+b+"\r\n")
	f.Add("text/csv", "email\na@b.test\n")
	f.Add("multipart/form-data; boundary="+b, "--"+b+"\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\xff\"\r\n\r\n\x00\x01")
	f.Fuzz(func(t *testing.T, contentType, body string) {
		r := httptest.NewRequest("POST", "/people/import", strings.NewReader(body))
		r.Header.Set("Content-Type", contentType)
		form := &importForm{Mode: "prepare"}
		file, err := readUpload(httptest.NewRecorder(), r, form)
		if form.Mode != "prepare" && form.Mode != "send" {
			t.Fatalf("mode %q", form.Mode)
		}
		if err != nil {
			fe, ok := toFormError(err)
			if !ok || fe.Fields["file"] == "" {
				t.Fatalf("refusal %v names no file field", err)
			}
			return
		}
		if len(file) == 0 || len(file) > 20<<20 || len(form.FileName) > 200 || len(form.Integration) > 1024 {
			t.Fatalf("upload read as %d bytes, name %q", len(file), form.FileName)
		}
	})
}
