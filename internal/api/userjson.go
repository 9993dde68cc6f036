package api

import (
	"errors"
	"net/http"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"

	"roster/internal/roster"
)

// The user list and a single user are written by hand rather than with
// encoding/json, whose reflection over roster.User and calls to (and
// compaction of) time.Time.MarshalJSON cost a large share of the server's
// CPU for a page of users. The bytes are exactly those
// json.NewEncoder(w).Encode writes, so clients see no change.
// userjson_test.go checks byte equality, and that every JSON field of
// roster.User is written: a field added to the struct fails the tests until
// it is added here too.

// maxPooledUserBuf is the largest buffer put back in userBufPool: a rare huge
// page must not keep its memory pinned for the life of the process.
const maxPooledUserBuf = 1 << 20

var userBufPool = sync.Pool{New: func() any {
	b := make([]byte, 0, 16<<10)
	return &b
}}

// writeUserPage answers a page of users as writeJSON would, in one Write.
func writeUserPage(w http.ResponseWriter, status int, page roster.Page[roster.User]) error {
	bp := userBufPool.Get().(*[]byte)
	b, err := appendUserPage((*bp)[:0], &page)
	if err == nil {
		err = writeJSONBytes(w, status, append(b, '\n'))
	}
	putUserBuf(bp, b)
	return err
}

// writeUser answers one user as writeJSON would, in one Write.
func writeUser(w http.ResponseWriter, status int, u *roster.User) error {
	bp := userBufPool.Get().(*[]byte)
	b, err := appendUser((*bp)[:0], u)
	if err == nil {
		err = writeJSONBytes(w, status, append(b, '\n'))
	}
	putUserBuf(bp, b)
	return err
}

// writeJSONBytes sends an encoded body with writeJSON's headers. The body is
// complete before the status goes out, so an encoding error can still be
// answered as a problem with a status of its own.
func writeJSONBytes(w http.ResponseWriter, status int, b []byte) error {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	// With its length known the body goes out as it is, not in chunks:
	// one write to the socket fewer for a page of users (three were: the
	// first 4 KB, the rest, and the last chunk's marker on its own).
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, err := w.Write(b)
	return err
}

// putUserBuf returns b, the grown buffer, to the pool in bp unless it is too
// big to keep.
func putUserBuf(bp *[]byte, b []byte) {
	if cap(b) > maxPooledUserBuf {
		return
	}
	*bp = b[:0]
	userBufPool.Put(bp)
}

// appendUserPage appends page as encoding/json encodes a
// roster.Page[roster.User]: nil items are null, empty ones [].
func appendUserPage(b []byte, page *roster.Page[roster.User]) ([]byte, error) {
	b = append(b, `{"items":`...)
	if page.Items == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i := range page.Items {
			if i > 0 {
				b = append(b, ',')
			}
			var err error
			if b, err = appendUser(b, &page.Items[i]); err != nil {
				return b, err
			}
		}
		b = append(b, ']')
	}
	b = append(b, `,"next_cursor":`...)
	b = appendJSONString(b, page.NextCursor)
	if page.PrevCursor != "" {
		b = append(b, `,"prev_cursor":`...)
		b = appendJSONString(b, page.PrevCursor)
	}
	return append(b, '}'), nil
}

// appendUser appends u as encoding/json encodes a *roster.User, in the
// struct's field order and with its omitempty fields left out when empty.
// Its error is encoding/json's: a time that RFC 3339 cannot express.
func appendUser(b []byte, u *roster.User) ([]byte, error) {
	if u == nil {
		return append(b, "null"...), nil
	}
	var err error
	b = append(b, `{"id":`...)
	b = appendJSONString(b, u.ID)
	b = append(b, `,"email":`...)
	b = appendJSONString(b, u.Email)
	b = append(b, `,"first_name":`...)
	b = appendJSONString(b, u.FirstName)
	b = append(b, `,"last_name":`...)
	b = appendJSONString(b, u.LastName)
	b = append(b, `,"status":`...)
	b = appendJSONString(b, string(u.Status))
	b = append(b, `,"role":`...)
	b = appendJSONString(b, u.Role)
	b = append(b, `,"license_type":`...)
	b = appendJSONString(b, u.LicenseType)
	if u.Extension != "" {
		b = append(b, `,"extension":`...)
		b = appendJSONString(b, u.Extension)
	}
	b = append(b, `,"last_login_at":`...)
	if u.LastLoginAt == nil {
		b = append(b, "null"...)
	} else if b, err = appendJSONTime(b, *u.LastLoginAt); err != nil {
		return b, err
	}
	b = append(b, `,"created_at":`...)
	if b, err = appendJSONTime(b, u.CreatedAt); err != nil {
		return b, err
	}
	b = append(b, `,"updated_at":`...)
	if b, err = appendJSONTime(b, u.UpdatedAt); err != nil {
		return b, err
	}
	if u.Presence != "" {
		b = append(b, `,"presence":`...)
		b = appendJSONString(b, string(u.Presence))
	}
	if len(u.Teams) > 0 {
		b = append(b, `,"teams":[`...)
		for i := range u.Teams {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"id":`...)
			b = appendJSONString(b, u.Teams[i].ID)
			b = append(b, `,"name":`...)
			b = appendJSONString(b, u.Teams[i].Name)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	return append(b, '}'), nil
}

// The errors time.Time.MarshalJSON gives for a time RFC 3339 cannot express.
var (
	errJSONTimeYear = errors.New("json: error calling MarshalJSON for type time.Time: Time.MarshalJSON: year outside of range [0,9999]")
	errJSONTimeZone = errors.New("json: error calling MarshalJSON for type time.Time: Time.MarshalJSON: timezone hour outside of range [0,23]")
)

// appendJSONTime appends t as time.Time.MarshalJSON does: quoted RFC 3339
// with as many fractional digits as needed, refusing what that format
// cannot hold (its checks are repeated here on the same bytes).
func appendJSONTime(b []byte, t time.Time) ([]byte, error) {
	b = append(b, '"')
	n0 := len(b)
	b = t.AppendFormat(b, time.RFC3339Nano)
	switch {
	case b[n0+len("9999")] != '-': // the year is not exactly four digits
		return b, errJSONTimeYear
	case b[len(b)-1] != 'Z':
		c := b[len(b)-len("Z07:00")]
		h := 10*(b[len(b)-len("07:00")]-'0') + (b[len(b)-len("7:00")] - '0')
		if ('0' <= c && c <= '9') || h >= 24 {
			return b, errJSONTimeZone
		}
	}
	return append(b, '"'), nil
}

// jsonSafe holds the ASCII bytes encoding/json writes as they are when it
// escapes HTML: everything from space up but the quote, the backslash and
// < > &. DEL (0x7f) is written as it is.
var jsonSafe = func() (s [utf8.RuneSelf]bool) {
	for c := ' '; c < utf8.RuneSelf; c++ {
		s[c] = true
	}
	for _, c := range `"\<>&` {
		s[c] = false
	}
	return s
}()

const hexDigits = "0123456789abcdef"

// appendJSONString appends s quoted as encoding/json writes a string with
// HTML escaping on: \b \f \n \r \t and \" \\ short, other control
// characters and < > & as \u00XX, U+2028 and U+2029 as \u2028 and \u2029,
// and each byte of invalid UTF-8 as \ufffd.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if jsonSafe[c] {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
