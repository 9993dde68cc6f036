package sheet

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
)

// An .xlsx file is a zip of XML parts. excelize writes a workbook only
// once it is complete, zipping it into memory first (about 70 MB for
// 100,000 users, and nothing sent until the last row is in). So excelize
// supplies every part of a one-sheet workbook except the rows, and the
// sheet's rows are deflated straight onto the output as they arrive: the
// memory is the compressor's, whatever the number of rows, and the first
// bytes leave with the header row.

// xlsxSheetPart is the part excelize's new workbook keeps its only sheet in.
const xlsxSheetPart = "xl/worksheets/sheet1.xml"

// xlsxWriter writes one sheet of text cells.
type xlsxWriter struct {
	out   io.Writer
	parts *zip.Reader // excelize's empty workbook
	head  []byte      // the sheet part up to and including <sheetData>
	tail  []byte      // the sheet part from </sheetData>

	zw    *zip.Writer // nil until the first row
	sheet io.Writer   // the sheet part inside zw
	row   int
	cols  []string // column names by index: A, B, …
	buf   []byte
}

// NewXLSXWriter returns an .xlsx writer onto w. Every cell is a text cell.
// Nothing is written to w before the first row, so that an error found
// before then can still be answered in place of the file.
func NewXLSXWriter(w io.Writer) (Writer, error) {
	parts, head, tail, err := xlsxTemplate()
	if err != nil {
		return nil, err
	}
	return &xlsxWriter{out: w, parts: parts, head: head, tail: tail}, nil
}

// dimensionElem is the sheet's stated used range; it is optional, and the
// template's ("A1") would be wrong once rows are added.
var dimensionElem = regexp.MustCompile(`<dimension [^>]*?(/>|></dimension>)`)

// xlsxTemplate returns excelize's empty one-sheet workbook, and its sheet
// part split where the rows go.
func xlsxTemplate() (parts *zip.Reader, head, tail []byte, err error) {
	f := excelize.NewFile()
	defer f.Close()
	b, err := f.WriteToBuffer()
	if err != nil {
		return nil, nil, nil, err
	}
	parts, err = zip.NewReader(bytes.NewReader(b.Bytes()), int64(b.Len()))
	if err != nil {
		return nil, nil, nil, err
	}
	rc, err := parts.Open(xlsxSheetPart)
	if err != nil {
		return nil, nil, nil, err
	}
	defer rc.Close()
	part, err := io.ReadAll(rc)
	if err != nil {
		return nil, nil, nil, err
	}
	part = dimensionElem.ReplaceAll(part, nil)
	for _, empty := range []string{"<sheetData></sheetData>", "<sheetData/>"} {
		if h, t, ok := bytes.Cut(part, []byte(empty)); ok {
			head = append(h[:len(h):len(h)], "<sheetData>"...)
			return parts, head, append([]byte("</sheetData>"), t...), nil
		}
	}
	return nil, nil, nil, errors.New("xlsx: the workbook template has no empty sheetData")
}

// start writes every part but the sheet's rows and opens the sheet part.
func (x *xlsxWriter) start() error {
	x.zw = zip.NewWriter(x.out)
	for _, p := range x.parts.File {
		if p.Name == xlsxSheetPart {
			continue
		}
		if err := x.zw.Copy(p); err != nil {
			return err
		}
	}
	var err error
	if x.sheet, err = x.zw.CreateHeader(&zip.FileHeader{Name: xlsxSheetPart, Method: zip.Deflate}); err != nil {
		return err
	}
	_, err = x.sheet.Write(x.head)
	return err
}

func (x *xlsxWriter) Write(cells []string) error {
	if x.zw == nil {
		if err := x.start(); err != nil {
			return err
		}
	}
	if x.row == excelize.TotalRows {
		return fmt.Errorf("an .xlsx sheet holds at most %d rows", excelize.TotalRows)
	}
	x.row++
	b := append(x.buf[:0], `<row r="`...)
	b = strconv.AppendInt(b, int64(x.row), 10)
	b = append(b, `">`...)
	for i, s := range cells {
		s = EscapeFormula(s)
		if s == "" {
			continue
		}
		col, err := x.column(i)
		if err != nil {
			return err
		}
		b = append(b, `<c r="`...)
		b = append(b, col...)
		b = strconv.AppendInt(b, int64(x.row), 10)
		b = append(b, `" t="inlineStr"><is><t`...)
		if edgeSpace(s) {
			b = append(b, ` xml:space="preserve"`...)
		}
		b = append(b, '>')
		b = appendCellText(b, truncateCell(s))
		b = append(b, `</t></is></c>`...)
	}
	b = append(b, `</row>`...)
	x.buf = b
	_, err := x.sheet.Write(b)
	return err
}

func (x *xlsxWriter) Close() error {
	if x.zw == nil {
		if err := x.start(); err != nil {
			return err
		}
	}
	if _, err := x.sheet.Write(x.tail); err != nil {
		return err
	}
	return x.zw.Close()
}

// column returns the name of the i-th column (from 0).
func (x *xlsxWriter) column(i int) (string, error) {
	for len(x.cols) <= i {
		name, err := excelize.ColumnNumberToName(len(x.cols) + 1)
		if err != nil {
			return "", err
		}
		x.cols = append(x.cols, name)
	}
	return x.cols[i], nil
}

// edgeSpace reports whether s starts or ends with white space, which a
// spreadsheet drops unless told to preserve it.
func edgeSpace(s string) bool {
	isSpace := func(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }
	return isSpace(s[0]) || isSpace(s[len(s)-1])
}

// truncateCell cuts s to the characters (UTF-16 units) a cell can hold, as
// excelize does: a longer cell makes the file unreadable to Excel.
func truncateCell(s string) string {
	if len(s) <= excelize.TotalCellChars { // never more units than bytes
		return s
	}
	n := 0
	for i, r := range s {
		w := 1
		if r > 0xFFFF {
			w = 2
		}
		if n+w > excelize.TotalCellChars {
			return s[:i]
		}
		n += w
	}
	return s
}

// appendCellText appends s as the text of a cell: XML-escaped, and with
// what XML cannot carry (control characters) written as ECMA-376 escapes
// _xHHHH_, an underscore that would start such an escape being escaped
// itself (_x005F_), so that a spreadsheet reads back exactly s.
func appendCellText(b []byte, s string) []byte {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == '_' && startsEscape(s[i+1:]):
			b = append(b, "_x005F_"...)
		case r == '&':
			b = append(b, "&amp;"...)
		case r == '<':
			b = append(b, "&lt;"...)
		case r == '>':
			b = append(b, "&gt;"...)
		case r == '\r': // a literal one would be read as a line feed
			b = append(b, "&#xD;"...)
		case r == '\t' || r == '\n':
			b = append(b, byte(r))
		case r < 0x20 || r == 0xFFFE || r == 0xFFFF:
			b = fmt.Appendf(b, "_x%04X_", r)
		default: // invalid UTF-8 becomes U+FFFD here
			b = utf8.AppendRune(b, r)
		}
		i += size
	}
	return b
}

// startsEscape reports whether s begins with the rest of an _xHHHH_
// escape: "xHHHH_", or "xH_" to "xHHH_", which LibreOffice reads as
// escapes too.
func startsEscape(s string) bool {
	if len(s) < 3 || s[0] != 'x' {
		return false
	}
	for i := 1; i < len(s) && i <= 5; i++ {
		c := s[i]
		switch {
		case c == '_':
			return i > 1
		case i == 5 || !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'):
			return false
		}
	}
	return false
}
