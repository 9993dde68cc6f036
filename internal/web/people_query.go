package web

import (
	"net/url"
	"strings"
	"unicode/utf8"

	"roster/internal/roster"
)

// peopleQuery is the People page's state, all of it in the URL so that a
// filtered view can be bookmarked and shared.
type peopleQuery struct {
	Tab     roster.Status // which status tab; active by default
	Q       string        // search: name, email or extension
	Role    string        // role key
	License string        // license type
	Sort    string        // store sort name with optional "-"
	Cursor  string        // keyset position of the page
	View    string        // "table" or "card"; empty = the remembered choice
}

// peopleSorts are the columns the page sorts by (the store's keyset sorts).
var peopleSorts = map[string]bool{"name": true, "email": true, "last_login_at": true, "created_at": true}

// maxSearch matches the service's limit on a search string.
const maxSearch = 200

// parsePeopleQuery reads the People page's query parameters. It never
// fails: anything it does not understand falls back to the default, so a
// mangled bookmark still opens a useful page. `status` is accepted as a
// synonym of `tab`.
func parsePeopleQuery(v url.Values) peopleQuery {
	q := peopleQuery{Tab: roster.StatusActive}
	tab := v.Get("tab")
	if tab == "" {
		tab = v.Get("status")
	}
	if s := roster.Status(tab); roster.ValidStatus(s) {
		q.Tab = s
	}
	q.Q = strings.TrimSpace(clip(v.Get("q"), maxSearch))
	q.Role = strings.TrimSpace(clip(v.Get("role"), 40))
	q.License = strings.TrimSpace(clip(v.Get("license"), 40))
	if s := v.Get("sort"); peopleSorts[strings.TrimPrefix(s, "-")] {
		q.Sort = s
	}
	if c := v.Get("cursor"); len(c) <= 1024 {
		q.Cursor = c
	}
	switch v.Get("view") {
	case "table", "card":
		q.View = v.Get("view")
	}
	return q
}

// clip cuts s to at most n bytes without splitting a character, and drops
// invalid UTF-8 so the value can be echoed into the page and the URL.
func clip(s string, n int) string {
	s = strings.ToValidUTF8(s, "")
	for len(s) > n {
		_, size := utf8.DecodeLastRuneInString(s)
		s = s[:len(s)-size]
	}
	return s
}

// filter is the store filter the query asks for.
func (q peopleQuery) filter(limit int) roster.UserFilter {
	return roster.UserFilter{Status: q.Tab, Role: q.Role, LicenseType: q.License, Query: q.Q, Sort: q.Sort,
		Limit: limit, Cursor: q.Cursor}
}

// values encodes the query without its cursor and view, which no link
// carries over by default.
func (q peopleQuery) values() url.Values {
	v := url.Values{}
	if q.Tab != roster.StatusActive {
		v.Set("tab", string(q.Tab))
	}
	for k, s := range map[string]string{"q": q.Q, "role": q.Role, "license": q.License, "sort": q.Sort} {
		if s != "" {
			v.Set(k, s)
		}
	}
	return v
}

// URL is the page's address with this query.
func (q peopleQuery) URL() string {
	v := q.values()
	if q.Cursor != "" {
		v.Set("cursor", q.Cursor)
	}
	if len(v) == 0 {
		return "/people"
	}
	return "/people?" + v.Encode()
}

// WithTab is the first page of another tab with the same filters.
func (q peopleQuery) WithTab(tab roster.Status) string {
	q.Tab, q.Cursor = tab, ""
	return q.URL()
}

// WithSort is the first page sorted by key, flipping the direction when
// the page is already sorted by it.
func (q peopleQuery) WithSort(key string) string {
	if q.Sort == key || (q.Sort == "" && key == "email") {
		key = "-" + key
	}
	q.Sort, q.Cursor = key, ""
	return q.URL()
}

// WithCursor is the page that starts at cursor.
func (q peopleQuery) WithCursor(cursor string) string {
	q.Cursor = cursor
	return q.URL()
}

// WithView switches between table and card view on the same page.
func (q peopleQuery) WithView(view string) string {
	v := q.values()
	if q.Cursor != "" {
		v.Set("cursor", q.Cursor)
	}
	v.Set("view", view)
	return "/people?" + v.Encode()
}

// SortState is the aria-sort value of a column.
func (q peopleQuery) SortState(key string) string {
	switch {
	case q.Sort == key || (q.Sort == "" && key == "email"):
		return "ascending"
	case q.Sort == "-"+key:
		return "descending"
	}
	return "none"
}

// Filtered reports whether any filter or search is on.
func (q peopleQuery) Filtered() bool { return q.Q != "" || q.Role != "" || q.License != "" }
