package sheet

import (
	"bytes"
	"errors"
	"io"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestEscapeFormula(t *testing.T) {
	for _, c := range []struct{ in, out string }{
		{"=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"},
		{"+1 555", "'+1 555"},
		{"-2+3", "'-2+3"},
		{"@SUM(A1)", "'@SUM(A1)"},
		{"\tcmd", "'\tcmd"},
		{"\rcmd", "'\rcmd"},
		{"'=x", "''=x"}, // an apostrophe already there is kept, not eaten
		{"'plain", "'plain"},
		{"O'Brien", "O'Brien"},
		{"a=b", "a=b"},
		{"", ""},
		{"'", "'"},
	} {
		if got := EscapeFormula(c.in); got != c.out {
			t.Errorf("EscapeFormula(%q) = %q, want %q", c.in, got, c.out)
		}
		if back := UnescapeFormula(EscapeFormula(c.in)); back != c.in {
			t.Errorf("UnescapeFormula(EscapeFormula(%q)) = %q", c.in, back)
		}
	}
}

// FuzzEscapeRoundTrip: escaping is reversible for every string, and what
// it produces never starts like a formula.
func FuzzEscapeRoundTrip(f *testing.F) {
	for _, s := range []string{"=1+1", "''=x", "'", "-", "@", "plain", "'@'", "\t"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e := EscapeFormula(s)
		if UnescapeFormula(e) != s {
			t.Fatalf("round trip of %q gave %q", s, UnescapeFormula(e))
		}
		if e != "" && strings.ContainsRune(formulaStart, rune(e[0])) {
			t.Fatalf("escaped %q still starts with a formula character: %q", s, e)
		}
	})
}

func readAll(t *testing.T, in string) (header []string, rows [][]string, lines []int, err error) {
	t.Helper()
	r, err := NewReader(strings.NewReader(in))
	if err != nil {
		return nil, nil, nil, err
	}
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return r.Header(), rows, lines, nil
		}
		if err != nil {
			return r.Header(), rows, lines, err
		}
		rows = append(rows, rec)
		lines = append(lines, r.Line())
	}
}

func TestReader(t *testing.T) {
	h, rows, lines, err := readAll(t, "\uFEFFEmail;First Name;Last\r\n a@x.io ;'=Ann;\"Multi\nLine\"\r\n\r\n;;\r\nb@x.io;Bo\r\n")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(h, []string{"Email", "First Name", "Last"}) {
		t.Fatalf("header %q (byte-order mark or separator not handled)", h)
	}
	want := [][]string{{"a@x.io", "=Ann", "Multi\nLine"}, {"b@x.io", "Bo"}}
	if len(rows) != 2 || !slices.Equal(rows[0], want[0]) || !slices.Equal(rows[1], want[1]) {
		t.Fatalf("rows %q, want %q", rows, want)
	}
	if !slices.Equal(lines, []int{2, 6}) {
		t.Fatalf("lines %v, want [2 6]", lines)
	}

	for _, bad := range []struct{ name, in, want string }{
		{"empty", "", "empty"},
		{"blank", "\r\n  \n", "empty"},
		{"bare quote", "email\n\"a@x.io\n", "line 2"},
		{"latin-1", "email,first\na@x.io,Jos\xe9\n", "UTF-8"},
		{"huge cell", "email\n" + strings.Repeat("x", maxFieldBytes+1) + "\n", "longer"},
	} {
		_, _, _, err := readAll(t, bad.in)
		if err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%s: err %v, want one mentioning %q", bad.name, err, bad.want)
		}
	}
}

func TestCSVWriterIsRFC4180(t *testing.T) {
	var b bytes.Buffer
	w := NewCSVWriter(&b)
	for _, row := range [][]string{{"email", "first_name"}, {"a@x.io", "Ann, \"Jr\""}, {"b@x.io", "=cmd|' /C calc'!A0"}, {"c@x.io", "Zoë\nnewline"}} {
		if err := w.Write(row); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	want := "email,first_name\r\na@x.io,\"Ann, \"\"Jr\"\"\"\r\nb@x.io,'=cmd|' /C calc'!A0\r\nc@x.io,\"Zoë\r\nnewline\"\r\n"
	if b.String() != want {
		t.Fatalf("CSV:\n%q\nwant\n%q", b.String(), want)
	}
	_, rows, _, err := readAll(t, b.String())
	if err != nil || rows[1][1] != "=cmd|' /C calc'!A0" || rows[2][1] != "Zoë\nnewline" {
		t.Fatalf("read back %q, %v", rows, err)
	}
}

func TestXLSXRoundTrip(t *testing.T) {
	var b bytes.Buffer
	w, err := NewXLSXWriter(&b)
	if err != nil {
		t.Fatal(err)
	}
	in := [][]string{{"email", "name", "ext"}, {"a@x.io", "=1+1", "0042"},
		// What XML or a spreadsheet would otherwise change: markup, edge
		// spaces, CR, control characters, text that looks like an escape.
		{"c@x.io", " lead", "trail\t"}, {"d@x.io", "a\r\nb", "bell\x07"},
		{"e@x.io", "_x0041_", "_x0041_x0042_"}, {"f@x.io", "_x005F_", "x_x12_"},
		{"g@x.io", "_x1_", "_x12345_ _xZZ_ _x_"},
		{"b@x.io", "Zoë <&> \"q\"", ""}}
	for _, row := range in {
		if err := w.Write(row); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	got, err := ReadXLSX(&b)
	if err != nil {
		t.Fatal(err)
	}
	// Trailing empty cells are not kept by spreadsheets.
	in[len(in)-1] = in[len(in)-1][:2]
	if len(got) != len(in) {
		t.Fatalf("rows %q, want %q", got, in)
	}
	for i := range in {
		if !slices.Equal(got[i], in[i]) {
			t.Fatalf("row %d: %q, want %q (leading zeros and formulas must stay text)", i, got[i], in[i])
		}
	}
}

// FuzzXLSXCell: any UTF-8 text short enough for a cell reads back as written.
func FuzzXLSXCell(f *testing.F) {
	for _, s := range []string{"_x0041_", "a\r\n", " x ", "\x00\x1f\uFFFE", "<&>", "_x1__x0_", "=1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if s == "" || !utf8.ValidString(s) || len(s) > 1000 {
			return
		}
		var b bytes.Buffer
		w, err := NewXLSXWriter(&b)
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Write([]string{s}); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		rows, err := ReadXLSX(&b)
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 1 || len(rows[0]) != 1 || rows[0][0] != s {
			t.Fatalf("wrote %q, read back %q", s, rows)
		}
	})
}

// TestXLSXStreams: the workbook goes out as rows arrive, not at Close, and
// nothing goes out before the first row (so that an error found first can
// still be answered instead of the file).
func TestXLSXStreams(t *testing.T) {
	var out countWriter
	w, err := NewXLSXWriter(&out)
	if err != nil {
		t.Fatal(err)
	}
	if out.n != 0 {
		t.Fatalf("%d bytes written before the first row", out.n)
	}
	row := []string{"someone@example.com", "Some", "One", "agent", "power_dialer", "2040"}
	const rows = 20_000
	for i := range rows {
		row[5] = strconv.Itoa(i)
		if err := w.Write(row); err != nil {
			t.Fatal(err)
		}
	}
	before := out.n
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	// Close adds what the compressor still holds and the zip's directory.
	if before < out.n*9/10 {
		t.Fatalf("only %d of %d bytes written before Close", before, out.n)
	}
	got, err := ReadXLSX(bytes.NewReader(out.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != rows || got[rows-1][5] != strconv.Itoa(rows-1) {
		t.Fatalf("read back %d rows, last %q", len(got), got[len(got)-1])
	}
}

type countWriter struct {
	bytes.Buffer
	n int
}

func (c *countWriter) Write(p []byte) (int, error) {
	c.n += len(p)
	return c.Buffer.Write(p)
}

// FuzzReader: whatever bytes arrive, the reader returns rows or an error
// and never panics or loops, and the cells it returns are UTF-8.
func FuzzReader(f *testing.F) {
	for _, s := range []string{
		"email,first_name\na@x.io,Ann\n",
		"\uFEFFemail;name\r\n\"a;b\";'=x\r\n",
		"email\n\"unterminated\n",
		"email,a\n1,2,3,4\n\n\n5\n",
		"\xff\xfe\x00e",
		"\"\"\"\n\"",
		"a\rb\rc",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := NewReader(bytes.NewReader(data))
		if err != nil {
			return
		}
		for range 100_000 {
			rec, err := r.Read()
			if err != nil {
				return
			}
			for _, c := range rec {
				if !utf8.ValidString(c) {
					t.Fatalf("cell %q is not UTF-8", c)
				}
			}
		}
		t.Fatal("reader did not stop")
	})
}
