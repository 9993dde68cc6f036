package web

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestCookieFlags: the console's own cookies carry the session cookie's
// flags, Secure included when Roster is served over https, and a flash
// message is shown once.
func TestCookieFlags(t *testing.T) {
	for _, secure := range []bool{false, true} {
		c := &Console{opt: Options{SecureCookies: secure}}
		rec := httptest.NewRecorder()
		c.setFlash(rec, flash{Message: "Saved <b>"})
		ck := rec.Header().Get("Set-Cookie")
		if !strings.Contains(ck, "HttpOnly") || !strings.Contains(ck, "SameSite=Lax") || strings.Contains(ck, "Secure") != secure {
			t.Fatalf("secure=%v: cookie %q", secure, ck)
		}
		req := httptest.NewRequest("GET", "/people", nil)
		req.Header.Set("Cookie", strings.Split(ck, ";")[0])
		rec = httptest.NewRecorder()
		f := c.takeFlash(rec, req)
		if f == nil || f.Message != "Saved <b>" {
			t.Fatalf("flash read back as %+v", f)
		}
		if cleared := rec.Header().Get("Set-Cookie"); !strings.Contains(cleared, "Max-Age=0") {
			t.Fatalf("flash not cleared: %q", cleared)
		}
	}
	// A forged or mangled flash cookie is ignored, not shown.
	c := &Console{}
	for _, v := range []string{"%%%", "bm90IGpzb24", ""} {
		req := httptest.NewRequest("GET", "/", nil)
		req.AddCookie(&http.Cookie{Name: flashCookie, Value: v})
		if f := c.takeFlash(httptest.NewRecorder(), req); f != nil {
			t.Fatalf("cookie %q gave flash %+v", v, f)
		}
	}
}
