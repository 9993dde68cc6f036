package store

import (
	"database/sql"
	"errors"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	msqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"roster/internal/roster"
)

// dialect is everything that differs between SQLite and PostgreSQL.
type dialect interface {
	name() string
	rebind(query string) string
	forUpdate() string
	mapError(err error) error
	// joinAgg aggregates a text column's values into one space-separated string.
	joinAgg(col string) string
	// greatest is the larger of two non-null values.
	greatest(a, b string) string
	// concatWS joins the text of the expressions with the character sep
	// between them; NULLs are skipped, so callers COALESCE them.
	concatWS(sep byte, exprs ...string) string
	// text casts an integer expression to text.
	text(expr string) string
	// contains tests whether the text of col holds the one parameter's
	// text, taken literally. It is not a LIKE: SQLite prepares a statement
	// again whenever a LIKE's pattern parameter takes a new value (in case
	// an index could serve its prefix): 8 % of the CPU of searches by
	// email prefix, in a profile.
	contains(col string) string
}

var errNotFound = roster.ErrNotFound

// errUnique is what a unique-constraint violation becomes in both dialects.
var errUnique = &roster.Error{Kind: roster.KindConflict, Message: "already exists"}

// errGone is what a broken reference becomes in both dialects (a foreign
// key, or on SQLite the trigger that keeps a user's role in the user's
// org): another request changed a related row after this one read it,
// such as a role deleted while a user was being given it.
var errGone = &roster.Error{Kind: roster.KindConflict, Message: "a related record was changed by another request meanwhile; try again"}

type sqlite struct{}

func (sqlite) name() string           { return "sqlite" }
func (sqlite) rebind(q string) string { return q }
func (sqlite) forUpdate() string      { return "" }
func (sqlite) joinAgg(col string) string {
	return "group_concat(" + col + ", ' ')"
}
func (sqlite) greatest(a, b string) string { return "MAX(" + a + ", " + b + ")" }
func (sqlite) concatWS(sep byte, exprs ...string) string {
	return "concat_ws(char(" + strconv.Itoa(int(sep)) + "), " + strings.Join(exprs, ", ") + ")"
}
func (sqlite) text(expr string) string { return expr }

func (sqlite) contains(col string) string { return `instr(` + col + `, ?) > 0` }

func (sqlite) mapError(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return errNotFound
	}
	var se *msqlite.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return errUnique
		case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY, sqlite3.SQLITE_CONSTRAINT_TRIGGER:
			return errGone
		}
	}
	return err
}

type postgres struct{}

func (postgres) name() string      { return "postgres" }
func (postgres) forUpdate() string { return " FOR UPDATE" }
func (postgres) joinAgg(col string) string {
	return "string_agg(" + col + ", ' ')"
}
func (postgres) greatest(a, b string) string { return "GREATEST(" + a + ", " + b + ")" }
func (postgres) concatWS(sep byte, exprs ...string) string {
	return "concat_ws(chr(" + strconv.Itoa(int(sep)) + "), " + strings.Join(exprs, ", ") + ")"
}
func (postgres) text(expr string) string { return expr + "::text" }

func (postgres) contains(col string) string { return `strpos(` + col + `, ?) > 0` }

// rebind turns ? placeholders into $1, $2, … Queries in this package never
// put a ? inside a string literal.
func (postgres) rebind(q string) string {
	if !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 16)
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(q[i])
	}
	return b.String()
}

func (postgres) mapError(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return errNotFound
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "23505" {
		return errUnique
	}
	if errors.As(err, &pe) && pe.Code == "23503" {
		return errGone
	}
	// A NUL byte or invalid UTF-8 in a parameter (an ID from a URL, say)
	// can match no stored row: answer as for any other unknown key.
	if errors.As(err, &pe) && pe.Code == "22021" {
		return errNotFound
	}
	return err
}
