package store

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"roster/internal/roster"
)

// minTrigramQuery is the shortest fragment a trigram index can look up;
// shorter ones match too many rows to be worth an index anyway.
const minTrigramQuery = 3

// searchCondition returns the FROM clause and the WHERE condition with its
// arguments that keep the users whose search text contains q (already
// trimmed and lower-cased).
//
// The LIKE is the definition of a match on both databases. On PostgreSQL a
// pg_trgm GIN index serves it directly. SQLite's LIKE cannot use an index,
// so there the FTS5 trigram table finds the candidate rows and the LIKE
// re-checks them, in one of two plans:
//   - few matches: start from them (the CROSS JOIN fixes that order) and
//     sort them; the cost grows with the number of matches;
//   - many matches: walk the org in list order, keeping rows that are among
//     the matches, until the page is full; the denser the matches, the
//     sooner it stops.
//
// Fragments too short for trigrams take the walk with the LIKE alone,
// which is correct, only slower.
func (c *Conn) searchCondition(ctx context.Context, q string) (from, cond string, args []any, err error) {
	like := `u.search LIKE ? ESCAPE '\'`
	pattern := "%" + likeEscape(q) + "%"
	if c.dialect.name() != "sqlite" || utf8.RuneCountInString(q) < minTrigramQuery {
		return userFrom, like, []any{pattern}, nil
	}
	phrase := ftsPhrase(q)
	var n int
	err = c.row(ctx, `SELECT COUNT(*) FROM (SELECT rowid FROM users_search WHERE users_search MATCH ? LIMIT ?)`,
		phrase, manyMatches).Scan(&n)
	if err != nil {
		return "", "", nil, c.dialect.mapError(err)
	}
	if n >= manyMatches {
		return userFrom, `u.rowid IN (SELECT rowid FROM users_search WHERE users_search MATCH ?) AND ` + like,
			[]any{phrase, pattern}, nil
	}
	return ` FROM users_search CROSS JOIN users u JOIN roles r ON r.id = u.role_id `,
		`users_search MATCH ? AND u.rowid = users_search.rowid AND ` + like,
		[]any{phrase, pattern}, nil
}

// manyMatches is where SQLite search switches from sorting the matches to
// walking the org in order: sorting costs about 5 µs a match, the walk
// about 1 µs a row, so at 2,000 matches a 100,000-user org costs about
// the same either way.
const manyMatches = 2000

// ftsPhrase quotes q as one FTS5 phrase: with the trigram tokenizer a
// phrase matches wherever q occurs as a substring, and quoting keeps FTS5
// operators and punctuation in q literal.
func ftsPhrase(q string) string {
	return `"` + strings.ReplaceAll(q, `"`, `""`) + `"`
}

// ExplainListUsers returns the database's plan for the query ListUsers runs
// for f: SQLite's EXPLAIN QUERY PLAN, or PostgreSQL's EXPLAIN ANALYZE (which
// runs it). The benchmark prints it next to its timings.
func (c *Conn) ExplainListUsers(ctx context.Context, orgID string, f roster.UserFilter) (string, error) {
	q, args, _, _, err := c.listUsersQuery(ctx, orgID, f)
	if err != nil {
		return "", err
	}
	prefix, col := "EXPLAIN (ANALYZE, BUFFERS) ", 0
	if c.dialect.name() == "sqlite" {
		prefix, col = "EXPLAIN QUERY PLAN ", 3
	}
	rows, err := c.query(ctx, prefix+q, args...)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return "", err
	}
	var b strings.Builder
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return "", err
		}
		fmt.Fprintf(&b, "%s\n", vals[col])
	}
	return b.String(), c.dialect.mapError(rows.Err())
}
