// Package sheet reads and writes the tabular files of Roster's bulk work:
// CSV (RFC 4180, UTF-8) and Excel .xlsx, both written row by row onto the
// output as rows arrive, so that an export of any size needs little memory
// and starts at once, with spreadsheet formula injection neutralised on the
// way out and undone on the way back in.
package sheet

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
)

// Writer writes one table, row by row. Close finishes the file; until
// then the output may be incomplete.
type Writer interface {
	Write(cells []string) error
	Close() error
}

// Formats are the export formats by name, with their media type and file
// extension.
var Formats = map[string]struct{ ContentType, Ext string }{
	"csv":  {"text/csv; charset=utf-8", "csv"},
	"xlsx": {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"},
}

// NewWriter returns a writer of format ("csv" or "xlsx") onto w.
func NewWriter(format string, w io.Writer) (Writer, error) {
	switch format {
	case "csv":
		return NewCSVWriter(w), nil
	case "xlsx":
		return NewXLSXWriter(w)
	}
	return nil, fmt.Errorf("unknown format %q", format)
}

// formulaStart holds the characters that make a spreadsheet treat a cell
// as a formula (OWASP's list: = + - @, and tab and carriage return, which
// some programs strip before looking).
const formulaStart = "=+-@\t\r"

// needsEscape reports whether s would be read as a formula, or is the
// escaped form of one (so that escaping stays reversible).
func needsEscape(s string) bool {
	for strings.HasPrefix(s, "'") {
		s = s[1:]
	}
	return s != "" && strings.ContainsRune(formulaStart, rune(s[0]))
}

// EscapeFormula neutralises a cell that a spreadsheet would evaluate by
// prefixing it with an apostrophe, the mark spreadsheets read as "this is
// text". UnescapeFormula undoes it exactly.
func EscapeFormula(s string) string {
	if needsEscape(s) {
		return "'" + s
	}
	return s
}

// UnescapeFormula returns s as it was before EscapeFormula.
func UnescapeFormula(s string) string {
	if strings.HasPrefix(s, "'") && needsEscape(s[1:]) {
		return s[1:]
	}
	return s
}

// csvWriter writes RFC 4180 CSV: CRLF line ends, quotes where needed.
type csvWriter struct{ w *csv.Writer }

// NewCSVWriter returns a CSV writer onto w.
func NewCSVWriter(w io.Writer) Writer {
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	return &csvWriter{cw}
}

func (c *csvWriter) Write(cells []string) error {
	esc := make([]string, len(cells))
	for i, s := range cells {
		esc[i] = EscapeFormula(s)
	}
	return c.w.Write(esc)
}

func (c *csvWriter) Close() error {
	c.w.Flush()
	return c.w.Error()
}

// ReadXLSX returns every row of the first sheet of an .xlsx file, cells
// unescaped. It is for tests and small files: it holds the sheet in memory.
func ReadXLSX(r io.Reader) ([][]string, error) {
	f, err := excelize.OpenReader(r)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	rows, err := f.GetRows(f.GetSheetName(0))
	if err != nil {
		return nil, err
	}
	for _, row := range rows {
		for i := range row {
			row[i] = UnescapeFormula(row[i])
		}
	}
	return rows, nil
}

// Reader reads a CSV file: a header row, then records. It accepts what
// spreadsheets and peer systems write: a UTF-8 byte-order mark, CRLF or
// LF, comma or semicolon separators (guessed from the header), quoted
// fields with embedded newlines, and rows shorter or longer than the
// header.
type Reader struct {
	r      *csv.Reader
	header []string
	line   int
}

// ErrNotUTF8 is returned for files that are not UTF-8 text.
var ErrNotUTF8 = errors.New("the file is not UTF-8 text; save it as \"CSV UTF-8\"")

// maxFieldBytes bounds one cell so that a file of one enormous field
// cannot pass for a sheet.
const maxFieldBytes = 64 << 10

// NewReader reads the header row of r.
func NewReader(r io.Reader) (*Reader, error) {
	br := &peekReader{r: r}
	first, err := br.peek(4096)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	first = bytes.TrimPrefix(first, []byte("\uFEFF"))
	br.buf = first
	if len(bytes.TrimSpace(first)) == 0 {
		return nil, errors.New("the file is empty; its first row must name the columns")
	}
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = false
	headerLine, _, _ := bytes.Cut(first, []byte("\n"))
	if bytes.Count(headerLine, []byte(";")) > bytes.Count(headerLine, []byte(",")) {
		cr.Comma = ';'
	}
	sr := &Reader{r: cr}
	h, err := sr.next()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("the file is empty; its first row must name the columns")
		}
		return nil, err
	}
	sr.header = h
	return sr, nil
}

// Header returns the header row as written.
func (r *Reader) Header() []string { return r.header }

// Line returns the line on which the last record returned by Read started.
func (r *Reader) Line() int { return r.line }

// Read returns the next record, cells trimmed and unescaped, or io.EOF.
// Blank lines are skipped. A malformed record is an error naming its line.
func (r *Reader) Read() ([]string, error) {
	for {
		rec, err := r.next()
		if err != nil {
			return nil, err
		}
		blank := true
		for _, c := range rec {
			if c != "" {
				blank = false
				break
			}
		}
		if !blank {
			return rec, nil
		}
	}
}

func (r *Reader) next() ([]string, error) {
	rec, err := r.r.Read()
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return nil, fmt.Errorf("line %d: %v", pe.StartLine, pe.Err)
		}
		return nil, err
	}
	r.line, _ = r.r.FieldPos(0)
	for i, c := range rec {
		if len(c) > maxFieldBytes {
			return nil, fmt.Errorf("line %d: a cell is longer than %d bytes", r.line, maxFieldBytes)
		}
		if !utf8.ValidString(c) {
			return nil, fmt.Errorf("line %d: %w", r.line, ErrNotUTF8)
		}
		rec[i] = UnescapeFormula(strings.TrimSpace(c))
	}
	return rec, nil
}

// peekReader lets NewReader look at the start of the input (to drop a
// byte-order mark and guess the separator) and then read it all.
type peekReader struct {
	r   io.Reader
	buf []byte
}

func (p *peekReader) peek(n int) ([]byte, error) {
	b := make([]byte, n)
	m, err := io.ReadFull(p.r, b)
	if errors.Is(err, io.ErrUnexpectedEOF) {
		err = io.EOF
	}
	return b[:m], err
}

func (p *peekReader) Read(b []byte) (int, error) {
	if len(p.buf) > 0 {
		n := copy(b, p.buf)
		p.buf = p.buf[n:]
		return n, nil
	}
	return p.r.Read(b)
}
