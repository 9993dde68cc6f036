package store

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"roster/internal/roster"
)

// listCols are the people list's columns, named for the query that wraps
// the page (listPage): the ID, and the rest of the row as one record
// (parseListRecord), in which sortCol's value for the cursor comes last
// but for the user's teams (team_list). The role key is not joined in row
// by row (a join costs more than the rest of the row on SQLite) but
// filled in after (fillRoleKeys).
//
// A page in email order is read from an index alone (migration 0011):
// on SQLite the record of that order is the index's expression, so the
// two must stay the same; on PostgreSQL the index includes every column
// of users the record names, so a new one must join them
// (TestEmailPagesReadTheIndexAlone).
func (c *conn) listCols(sortCol string) string {
	nullable := func(col string) string { return `COALESCE(` + c.dialect.text(col) + `, '')` }
	return `u.id AS id, ` + c.dialect.concatWS(recordSep,
		`u.email`, `u.first_name`, `u.last_name`, `u.status`, `u.role_id`, `u.license_type`, `u.extension`,
		nullable(`u.last_login_at`), `u.created_at`, `u.updated_at`, nullable(`u.last_active_at`),
		nullable(sortCol), `u.team_list`) + ` AS rec`
}

// recordSep separates the fields of a list record. None of them holds
// it: names and team names refuse control characters
// (roster.ValidateName), emails are addresses, the rest are IDs, keys,
// digits and numbers, and the separators the stored keys use themselves
// (sort_name's and team_list's) are others.
const recordSep = 0x1d

// listRecord is one list record read: slices of the one string.
type listRecord struct {
	lastLogin sql.NullInt64
	sortVal   string
	teams     string
}

// parseListRecord fills u, a and r from one list record. Reading a row as
// one text value rather than a dozen columns is a third of a page's time
// on SQLite, whose driver allocates and locks for every column it returns.
func parseListRecord(rec string, u *roster.User, a *activity, r *listRecord) error {
	var f [12]string
	rest := rec
	for i := range f {
		var ok bool
		if f[i], rest, ok = strings.Cut(rest, string(rune(recordSep))); !ok {
			return fmt.Errorf("store: a list record has %d fields, want %d", i+1, len(f)+1)
		}
	}
	u.Email, u.FirstName, u.LastName, u.Status, u.RoleID = f[0], f[1], f[2], roster.Status(f[3]), f[4]
	u.LicenseType, u.Extension, r.sortVal, r.teams = f[5], f[6], f[11], rest
	var err error
	nullable := func(s string) sql.NullInt64 {
		if s == "" || err != nil {
			return sql.NullInt64{}
		}
		v, e := strconv.ParseInt(s, 10, 64)
		err = e
		return sql.NullInt64{Int64: v, Valid: e == nil}
	}
	r.lastLogin = nullable(f[7])
	created, updated := nullable(f[8]), nullable(f[9])
	a.lastActive = nullable(f[10])
	if err != nil || !created.Valid || !updated.Valid {
		return fmt.Errorf("store: a list record's times do not read (%v)", err)
	}
	u.CreatedAt, u.UpdatedAt = fromUS(created.Int64), fromUS(updated.Int64)
	return nil
}

// presenceCols and presenceJoins add what each user's presence is derived
// from to a page of users.
const (
	presenceCols  = `p.status, p.set_at, ps.dnd`
	presenceJoins = ` LEFT JOIN presence p ON p.user_id = u.id LEFT JOIN phone_settings ps ON ps.user_id = u.id `
)

// pageShape is how listPage reads a page.
type pageShape int

const (
	// walkRows reads rows off an index in list order and joins each
	// row's presence as it comes: only the page's rows are ever joined.
	walkRows pageShape = iota
	// sortRows sorts the matches (searches, a team's members), cuts the
	// page and joins after, as joining first would look up every match.
	sortRows
	// keysThenRows finds the page's keys and sort values first, then
	// reads the page's rows by key. Walking an index that holds every
	// column the conditions name, PostgreSQL tests the rows it passes on
	// the index alone (an index-only scan) instead of reading each; sorting
	// matches, it sorts their keys rather than whole rows.
	keysThenRows
)

// listPage returns the page query: listCols, then the presence columns,
// of from and where, ordered by col and ID, read in the given shape.
func (c *conn) listPage(col, dir, from, where string, limit int, shape pageShape) string {
	cols := c.listCols(col)
	rest := `WHERE ` + where + ` ORDER BY ` + col + ` ` + dir + `, u.id ` + dir + ` LIMIT ` + strconv.Itoa(limit)
	switch {
	case shape == walkRows:
		return `SELECT ` + cols + `, ` + presenceCols + strings.TrimRight(from, " ") + presenceJoins + rest
	case shape == keysThenRows:
		return keysFirst(cols, col, dir, from, rest, "id")
	case c.dialect.name() == "sqlite":
		// SQLite builds each sorted row before it sorts (PostgreSQL puts the
		// record off until after the LIMIT): sort the matches' rowids and
		// keys alone, then read the page's rows again by rowid.
		return keysFirst(cols, col, dir, from, rest, "rowid")
	}
	return `SELECT u.id, u.rec, ` + presenceCols + ` FROM (SELECT ` + cols + `, ` + col + ` AS sort_val` + from + rest + `) u` +
		presenceJoins + `ORDER BY u.sort_val ` + dir + `, u.id ` + dir
}

// keysFirst returns a page query that finds the page's keys (key: rowid or
// id) and sort values first, from and rest, then reads their rows.
func keysFirst(cols, col, dir, from, rest, key string) string {
	return `SELECT ` + cols + `, ` + presenceCols + ` FROM (SELECT u.` + key + ` AS k, u.id AS id, ` + col + ` AS sort_val` +
		from + rest + `) s CROSS JOIN users u` + presenceJoins + `WHERE u.` + key + ` = s.k ORDER BY s.sort_val ` + dir + `, s.id ` + dir
}

// Separators of team_list's text (kept by the database's triggers, see
// migration 0007): team names cannot hold control characters
// (roster.ValidateName).
const (
	teamSep      = "\x1e"
	teamFieldSep = "\x1f"
)

// parseTeamList reads a user's team_list: each team is "d" (disabled) or
// "e", its ID, teamFieldSep and its name; teams are separated by teamSep.
// It never returns nil, so that callers can tell the teams were read.
func parseTeamList(s string) []roster.TeamRef {
	_, teams := appendTeamList(nil, s)
	return teams
}

// appendTeamList appends the teams of team_list s to block, in name order
// (sorted here, where a user's few teams sort for nothing, rather than in
// the query, where an ordered aggregate costs a sorter per row), and
// returns the longer block and the user's part of it. A page's users
// share one block rather than allocate a slice each.
func appendTeamList(block []roster.TeamRef, s string) (longer, teams []roster.TeamRef) {
	start := len(block)
	for p := range strings.SplitSeq(s, teamSep) {
		id, name, ok := strings.Cut(p, teamFieldSep)
		if !ok || id == "" {
			continue
		}
		block = append(block, roster.TeamRef{ID: id[1:], Name: name, Disabled: id[0] == 'd'})
	}
	teams = block[start:len(block):len(block)]
	if teams == nil {
		teams = []roster.TeamRef{}
	}
	if len(teams) > 1 {
		slices.SortFunc(teams, func(a, b roster.TeamRef) int {
			return cmp.Or(strings.Compare(roster.NameKey(a.Name), roster.NameKey(b.Name)), strings.Compare(a.ID, b.ID))
		})
	}
	return block, teams
}

const listFrom = ` FROM users u `

// textWalkFrom is the FROM clause of a SQLite search that walks the email
// order testing the text on the index entries (textInWalk): the index that
// holds the text, named, because users_org_email_list (migration 0011)
// starts with the same columns, and without statistics of its own, as
// after that migration on a database analyzed before it, SQLite chose it
// and read every row it passed from the table.
const textWalkFrom = ` FROM users u INDEXED BY users_org_email_search `

// roleKeyCache remembers role keys by role ID for the people list, which
// would otherwise read the org's roles on every page. A role's key never
// changes and role IDs are never reused, so no entry is ever stale, in
// this process or beside others sharing the database.
type roleKeyCache struct {
	mu   sync.RWMutex
	keys map[string]string
}

// maxCachedRoles bounds the cache: past it, it starts again empty.
const maxCachedRoles = 10_000

// fill sets the role key of each user it knows and reports whether it
// knew them all: one lock for the page.
func (rc *roleKeyCache) fill(users []roster.User) bool {
	rc.mu.RLock()
	defer rc.mu.RUnlock()
	all := true
	for i := range users {
		k, ok := rc.keys[users[i].RoleID]
		users[i].Role, all = k, all && ok
	}
	return all
}

func (rc *roleKeyCache) add(keys map[string]string) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if rc.keys == nil || len(rc.keys)+len(keys) > maxCachedRoles {
		rc.keys = make(map[string]string, len(keys))
	}
	maps.Copy(rc.keys, keys)
}

// fillRoleKeys sets the role key of each user, from the cache where it
// can and otherwise from the org's roles (read once, and remembered).
func (c *Conn) fillRoleKeys(ctx context.Context, orgID string, users []roster.User) error {
	if c.roles.fill(users) {
		return nil
	}
	keys, err := c.roleKeys(ctx, orgID)
	if err != nil {
		return err
	}
	c.roles.add(keys)
	for i := range users {
		users[i].Role = keys[users[i].RoleID]
	}
	return nil
}

// roleKeys maps the org's role IDs to their keys.
func (c *Conn) roleKeys(ctx context.Context, orgID string) (map[string]string, error) {
	rows, err := c.query(ctx, `SELECT id, key FROM roles WHERE org_id = ?`, orgID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var id, key string
		if err := rows.Scan(&id, &key); err != nil {
			return nil, err
		}
		out[id] = key
	}
	return out, c.dialect.mapError(rows.Err())
}

// minTrigramQuery is the shortest fragment a trigram index can look up;
// shorter ones match too many rows to be worth an index anyway.
const minTrigramQuery = 3

// searchOrder is what a SQLite search's plan depends on of its page.
type searchOrder struct {
	// textInWalk: see Conn.textInWalk.
	textInWalk bool
	// byEmail: the page is in email order with no other condition than
	// its org's and its cursor's, so it can be drawn from the first
	// buckets of the matches (searchKeys).
	byEmail bool
	desc    bool  // the page is read in descending email order
	start   int64 // the email bucket of the page's cursor; -1 for none
	need    int   // the rows the page reads: its size and one more
}

// walksBucket reports whether a page in email order is read by walking
// its bucket's stretch of the email order (searchCondition) rather than
// from keys, the search keys read for it (searchKeys): when they all lie
// in one bucket that holds a page of them.
func (so searchOrder) walksBucket(keys []int64) bool {
	return so.byEmail && len(keys) >= so.need && keys[0]>>searchKeyBits == keys[len(keys)-1]>>searchKeyBits
}

// searchCondition returns the FROM clause and its arguments, and the WHERE
// condition and its arguments, that keep the users whose search text
// contains q (already trimmed and lower-cased), on SQLite, and on
// PostgreSQL for fragments too short for trigrams (longer ones are planned
// by pgSearchPage).
//
// A match is search text that holds q as it is (dialect.contains; the
// LIKE '%q%' that PostgreSQL's trigram index serves is the same test).
// On SQLite the FTS5 trigram table finds the candidate rows and the test
// re-checks them (the tokenizer folds case its own way), in one of three
// plans:
//   - few matches: start from them (the CROSS JOIN fixes that order; the
//     matches found while counting them are passed back in as a JSON
//     array, so the trigram index is read once) and sort them; the cost
//     grows with the number of matches;
//   - in email order with no other condition: the matches of the first
//     buckets that can fill the page, however many match in all
//     (searchKeys), passed in and sorted the same way; the index's
//     rowids name each match's email bucket, so it is known without
//     reading the row (migration 0010). When the first bucket alone
//     holds a page of matches, as an email prefix's do, the page is read
//     instead by walking that bucket's stretch of the email order on the
//     index that holds the text (textInWalk's), testing it there;
//   - many matches: walk the org in list order, keeping rows that are among
//     the matches, until the page is full; the denser the matches, the
//     sooner it stops. When the page is in email order with no other
//     condition, the walk's index holds the text and the walk tests it
//     there (textInWalk).
//
// Fragments too short for trigrams take the walk with the test alone,
// which is correct, only slower.
func (c *Conn) searchCondition(ctx context.Context, q string, so searchOrder) (from string, fromArgs []any, cond string, args []any, partial bool, err error) {
	match := c.dialect.contains("u.search")
	if utf8.RuneCountInString(q) < minTrigramQuery {
		from := listFrom
		if so.textInWalk {
			from = textWalkFrom
		}
		return from, nil, match, []any{q}, false, nil
	}
	phrase := ftsPhrase(q)
	keys, partial, err := c.searchKeys(ctx, phrase, so)
	if err != nil {
		return "", nil, "", nil, false, err
	}
	switch {
	case so.walksBucket(keys):
		// The page is drawn from one bucket that holds at least a page
		// of matches (an email prefix's, say): walk its stretch of the
		// email order on the index that holds the text, testing each
		// entry there, until the page is full. Emails that share a
		// prefix are neighbours, so the walk passes about as many
		// entries as the page has rows; at worst it passes the bucket,
		// at about 0.2 µs an entry against 5 µs a match for looking up
		// and sorting every match (the largest bucket of the benchmark's
		// 100,000 users holds 3,528; docs/benchmarks.md).
		lo, hi := bucketRange(keys[0] >> searchKeyBits)
		cond, args := `u.email >= ?`, []any{lo}
		if hi != "" {
			cond, args = cond+` AND u.email < ?`, append(args, hi)
		}
		return textWalkFrom, nil, cond + ` AND ` + match, append(args, q), partial, nil
	case so.byEmail || len(keys) < manyMatches:
	case so.textInWalk:
		return textWalkFrom, nil, match, []any{q}, false, nil
	default:
		// The unary + keeps the planner from fetching the matches by rowid
		// and sorting them all, which the row counts of ANALYZE lead it to.
		return listFrom, nil, `+u.rowid IN (SELECT rowid & ` + strconv.FormatInt(searchRowMask, 10) +
			` FROM users_search WHERE users_search MATCH ?) AND ` + match, []any{phrase, q}, false, nil
	}
	ids := make([]byte, 0, 8*len(keys)+2)
	ids = append(ids, '[')
	for i, k := range keys {
		if i > 0 {
			ids = append(ids, ',')
		}
		ids = strconv.AppendInt(ids, k&searchRowMask, 10)
	}
	return ` FROM json_each(?) AS m CROSS JOIN users u `, []any{string(append(ids, ']'))},
		`u.rowid = m.value AND ` + match, []any{q}, partial, nil
}

// A user's search key, the rowid of the user's entry in SQLite's trigram
// index, is the user's email bucket (emailBucket) above searchKeyBits bits
// of the user's rowid (migration 0010), so that the index yields its
// matches bucket by bucket in email order. SQLite gives rowids in order
// from 1: they reach 2^42 only after as many inserts.
const (
	searchKeyBits = 42
	searchRowMask = 1<<searchKeyBits - 1
)

// emailBucket is the bucket of an email in the email order, as
// users.email_bucket computes it (SQLite migration 0010): the code points
// of its first three characters, seven bits each, with 127 for a
// character past ASCII and for every one after it, and 0 for those past
// its end. An email that sorts before another (SQLite compares text as
// bytes, which for UTF-8 is code point order) is in the same bucket or an
// earlier one; the reverse does not hold within a bucket.
func emailBucket(email string) int64 {
	var b int64
	n, capped := 0, false
	for _, r := range email {
		if n == 3 {
			break
		}
		c := int64(r)
		if capped || c >= 127 {
			c, capped = 127, true
		}
		b = b<<7 | c
		n++
	}
	for ; n < 3; n++ {
		b <<= 7
		if capped {
			b |= 127
		}
	}
	return b
}

// bucketRange returns the emails of bucket b (emailBucket) as a stretch
// of the email order: those from lo and before hi ("" for no end).
func bucketRange(b int64) (lo, hi string) {
	var p []byte
	// inc is the first text after every one that starts with p.
	inc := func() string {
		if len(p) == 0 {
			return ""
		}
		q := slices.Clone(p)
		q[len(q)-1]++ // an ASCII character before 127: one more is still one byte
		return string(q)
	}
	for _, c := range [3]int64{b >> 14, b >> 7 & 127, b & 127} {
		switch c {
		case 127:
			// This character and those after it are 127 or past ASCII:
			// in UTF-8 their first byte is 0x7f or more.
			return string(p) + "\x7f", inc()
		case 0:
			// The email ends here.
			return string(p), string(p) + "\x00"
		}
		p = append(p, byte(c))
	}
	return string(p), inc()
}

// searchKeys returns the trigram index's rowids (search keys) of the
// users whose text holds phrase, in the page's direction, and whether it
// left some out.
//
// For a page in email order (so.byEmail) they are those the page can
// draw its rows from: the keys of the buckets from the page's cursor on,
// until those after the cursor's bucket hold so.need keys and the bucket
// ends. The rows of a later bucket sort after all of them, and those of
// an earlier bucket before the cursor. The index is read in key order and
// no further, so the cost is that of the page, however many match. Keys
// of other orgs' users, and matches of the index that the text's test
// rejects, can leave the page short of rows; the caller then reads it
// again from all the matches.
//
// Otherwise they are all the matches, up to manyMatches: as many tell
// the caller to walk the list instead.
func (c *Conn) searchKeys(ctx context.Context, phrase string, so searchOrder) (keys []int64, partial bool, err error) {
	limit := manyMatches
	if so.byEmail {
		limit = -1 // none: the buckets decide
	}
	q := `SELECT rowid FROM users_search WHERE users_search MATCH ? AND rowid >= ? ORDER BY rowid LIMIT ?`
	bound := int64(0)
	if so.start >= 0 {
		bound = so.start << searchKeyBits
	}
	if so.desc {
		q = `SELECT rowid FROM users_search WHERE users_search MATCH ? AND rowid <= ? ORDER BY rowid DESC LIMIT ?`
		bound = math.MaxInt64
		if so.start >= 0 {
			bound = (so.start+1)<<searchKeyBits - 1
		}
	}
	rows, err := c.query(ctx, q, phrase, bound, limit)
	if err != nil {
		return nil, false, err
	}
	defer rows.Close()
	keys = make([]int64, 0, so.need+16)
	last, counted := int64(-1), 0
	for rows.Next() {
		var k int64
		if err := rows.Scan(&k); err != nil {
			return nil, false, err
		}
		b := k >> searchKeyBits
		if so.byEmail && counted >= so.need && b != last {
			return keys, true, nil
		}
		keys, last = append(keys, k), b
		// The cursor's bucket holds rows before it too: they are read but
		// not counted.
		if b != so.start {
			counted++
		}
		// A page's worth in the first bucket read: the page lies in it,
		// and searchCondition walks it rather than sort its keys, so the
		// rest of them are not needed.
		if counted == so.need && so.walksBucket(keys) {
			return keys, true, nil
		}
	}
	return keys, false, c.dialect.mapError(rows.Err())
}

// pgSearchPage returns a PostgreSQL search page in one statement, planned
// the same two ways as on SQLite. The org's matches, up to manyMatches of
// them, are read once into m, by the trigram indexes of the email ranges
// (pgRangeBranches) and the table in table order (a third of the cost of
// looking each up by primary key), keeping only matchCols. With fewer,
// the page's keys are cut from them and its rows read by key; with that
// many, the org is walked in list order, keeping the rows that match,
// until the page is full (on the email order that walk reads only the
// covering index, migration 0008). Each branch is gated by the count of
// m, a condition PostgreSQL checks once before running its branch at all,
// so only one runs. PostgreSQL's own estimate of how many rows LIKE
// '%…%' keeps is too rough to choose: for fragments with a few hundred
// matches it would walk the email index past tens of thousands of rows.
// Before, the count was a query of its own, and the few-matches plan read
// the matches a second time.
//
// where and args are the page's other conditions, the org's among them.
func (c *Conn) pgSearchPage(col, dir, orgID, q, where string, args []any, limit int) (string, []any) {
	count := `(SELECT COUNT(*) FROM m) `
	// The walk tests the text with strpos, which the trigram index cannot
	// serve and whose selectivity PostgreSQL does not try to guess (a
	// third): with the LIKE, it estimated a handful of matches for some
	// fragments and chose to read the whole org in parallel and sort it,
	// and a generic plan fetched and sorted every match.
	walk := c.listPage(col, dir, listFrom, where+` AND `+c.dialect.contains("u.search")+` AND `+count+`>= `+strconv.Itoa(manyMatches), limit, keysThenRows)
	sorted := c.listPage(col, dir, ` FROM m u `, where+` AND `+count+`< `+strconv.Itoa(manyMatches), limit, keysThenRows)
	branches, all := pgRangeBranches(matchCols, "ASC", orgID, q, nil)
	sql := `WITH m AS MATERIALIZED (SELECT * FROM (` + strings.Join(branches, " UNION ALL ") + `) r LIMIT ` +
		strconv.Itoa(manyMatches) + `) (` + walk + `) UNION ALL (` + sorted + `)`
	all = append(append(all, args...), q)
	return sql, append(all, args...)
}

// emailRangeBounds split the email order into the ranges that PostgreSQL
// migration 0010 gives a trigram index each: before '0', from each bound
// to the next, and from '{' on. Most emails start with a letter, and the
// letters are grouped by how often names start with them, so that each
// range holds a few hundredths of a typical org: a page is drawn from few
// ranges, and a search passes few empty ones.
const emailRangeBounds = "0abdgjkmnrst{"

// pgRangeBranches returns a SELECT of cols for each range of emails
// (emailRangeBounds), in the order of dir, of the org's users whose text
// contains q, and their arguments. Each branch names its range as its
// trigram index does (migration 0010), which is how PostgreSQL knows it
// may use that index; users have no other trigram index. more, when not
// nil, adds conditions to a range's branch (lo and hi are its bounds, ""
// where it has none) and appends their arguments.
func pgRangeBranches(cols, dir, orgID, q string, more func(lo, hi string, args []any) (string, []any)) ([]string, []any) {
	pattern := "%" + likeEscape(q) + "%"
	n := len(emailRangeBounds) + 1
	branches := make([]string, 0, n)
	args := make([]any, 0, 5*n)
	for i := range n {
		r := i
		if dir == "DESC" {
			r = n - 1 - i
		}
		var lo, hi string
		cond := `org_id = ?`
		if r > 0 {
			lo = emailRangeBounds[r-1 : r]
			cond += ` AND email >= '` + lo + `'`
		}
		if r < n-1 {
			hi = emailRangeBounds[r : r+1]
			cond += ` AND email < '` + hi + `'`
		}
		cond += ` AND search LIKE ? ESCAPE '\'`
		args = append(args, orgID, pattern)
		if more != nil {
			var extra string
			extra, args = more(lo, hi, args)
			cond += extra
		}
		branches = append(branches, `SELECT `+cols+` FROM users WHERE `+cond)
	}
	return branches, args
}

// pgEmailSearchPage returns a PostgreSQL search page in email order with
// no other condition than the org's and the cursor's (after, when
// hasCursor). The matches are read range by range of emails in the page's
// direction (pgRangeBranches), each range through its own trigram index
// and sorted, until the page is full: a branch per range, joined by UNION
// ALL, whose Append runs its branches in the order given and stops
// pulling once the LIMIT is met, so the ranges after the page are never
// read, and only the matches in the ranges before its end are read from
// the table. An ORDER BY over the union would start every branch (a merge
// of sorted inputs needs the first row of each); the order of the ranges
// makes it unneeded. With a cursor, a range entirely before it is skipped
// by a condition on the parameters alone, which PostgreSQL tests once
// before running the branch. Each branch keeps the listed columns of its
// matches (listedCols) and cuts its own page: the rows are in hand as
// the branch tests their text, where reading the page's rows again by
// primary key after was a third of a name fragment's time (1.8 → 1.2 ms
// in PostgreSQL on average over the benchmark's twelve,
// docs/benchmarks.md); the cut lets PostgreSQL sort a range's matches by
// keeping the top of them only, and the list record is built once the
// page is cut, of its rows alone.
//
// A fragment with few matches passes through every range, each a look-up
// in a small index when it holds none: one extension took 0.27 ms in
// PostgreSQL against 0.22 ms through the one index over everyone's text
// (docs/benchmarks.md).
func (c *Conn) pgEmailSearchPage(dir, orgID, q string, hasCursor bool, after cursor, need int) (string, []any) {
	var more func(lo, hi string, args []any) (string, []any)
	if hasCursor {
		more = func(lo, hi string, args []any) (string, []any) {
			cond, op := ` AND (email, id) > (?, ?)`, ``
			if dir == "DESC" {
				cond = ` AND (email, id) < (?, ?)`
			}
			args = append(args, after.Val, after.ID)
			switch {
			case dir == "ASC" && hi != "":
				op = ` AND CAST(? AS text) < '` + hi + `'`
			case dir == "DESC" && lo != "":
				op = ` AND CAST(? AS text) >= '` + lo + `'`
			}
			if op != "" {
				args = append(args, after.Val)
			}
			return cond + op, args
		}
	}
	branches, args := pgRangeBranches(listedCols, dir, orgID, q, more)
	for i, b := range branches {
		branches[i] = `(` + b + ` ORDER BY email ` + dir + `, id ` + dir + ` LIMIT ` + strconv.Itoa(need) + `)`
	}
	rows := `SELECT * FROM (` + strings.Join(branches, " UNION ALL ") + `) b LIMIT ` + strconv.Itoa(need)
	return `SELECT ` + c.listCols("u.email") + `, ` + presenceCols + ` FROM (` + rows + `) u` +
		presenceJoins + `ORDER BY u.email ` + dir + `, u.id ` + dir, args
}

// listedCols are the columns of users that listCols reads
// (TestListedColsAreWhatListColsReads keeps the two in step).
const listedCols = `id, email, first_name, last_name, status, role_id, license_type, extension, last_login_at, created_at, updated_at, last_active_at, team_list`

// matchCols are the columns of users that a PostgreSQL search keeps of
// each match (see pgSearchPage): those a page's conditions and orders
// name. The page's rows are read again by key, so the matches need not
// carry the rest.
const matchCols = `id, org_id, email, sort_name, created_at, last_login_at, status, role_id, license_type`

// manyMatches is where a search switches from sorting the matches to
// walking the org in order: sorting costs about 5 µs a match, the walk
// about 1 µs a row, so at 2,000 matches a 100,000-user org costs about
// the same either way.
const manyMatches = 2000

// textInWalk reports whether a SQLite search's walk would read an index
// that holds the search text: the email order's (migration 0009), when
// the page has no other condition than its org (where holds only that).
// The walk then tests the text on the index entries, at about a third of
// the cost an entry of looking each up among the trigram index's matches.
// With another condition SQLite walks that condition's index instead,
// where testing the text means reading each row, and the look-up first is
// cheaper. The switch-over stays at manyMatches: a walk's length depends
// on where the matches fall in the order, and matches that cluster (a
// first name at the start of the emails: "maria", 1,013 matches, the
// 101st at entry 63,479 of 100,000) make a long walk whatever it costs
// an entry.
func (c *Conn) textInWalk(col string, where []string) bool {
	return c.dialect.name() == "sqlite" && col == "u.email" && len(where) == 1
}

// ftsPhrase quotes q as one FTS5 phrase: with the trigram tokenizer a
// phrase matches wherever q occurs as a substring, and quoting keeps FTS5
// operators and punctuation in q literal.
func ftsPhrase(q string) string {
	return `"` + strings.ReplaceAll(q, `"`, `""`) + `"`
}

// ExplainListUsers returns the database's plan for the query ListUsers runs
// for f: SQLite's EXPLAIN QUERY PLAN, or PostgreSQL's EXPLAIN ANALYZE (which
// runs it). The benchmark prints it next to its timings.
//
// On PostgreSQL the query is prepared and the plan is that of executing
// it, the generic plan that the server runs (see Open): EXPLAIN of the
// query itself would plan it for its values, a plan that never runs.
func (d *DB) ExplainListUsers(ctx context.Context, orgID string, f roster.UserFilter) (string, error) {
	if d.dialect.name() == "sqlite" {
		c := d.Reader()
		lq, err := c.listUsersQuery(ctx, orgID, f, true)
		if err != nil {
			return "", err
		}
		return c.explain(ctx, "EXPLAIN QUERY PLAN "+lq.sql, 3, lq.args)
	}
	// One session prepares and executes, outside any transaction: a
	// prepared statement outlives a rollback, and in a transaction that
	// an error had aborted the DEALLOCATE would fail and leave it behind
	// on a pooled connection, where the next PREPARE would clash with it.
	sc, err := d.db.Conn(ctx)
	if err != nil {
		return "", err
	}
	defer sc.Close()
	c := &Conn{conn{q: sc, dialect: d.dialect, roles: d.roles}}
	lq, err := c.listUsersQuery(ctx, orgID, f, true)
	if err != nil {
		return "", err
	}
	if _, err := c.exec(ctx, `PREPARE roster_explain AS `+lq.sql); err != nil {
		return "", err
	}
	defer c.exec(context.WithoutCancel(ctx), `DEALLOCATE roster_explain`)
	// EXECUTE takes no parameters of its own: its values are written in
	// as literals.
	vals := make([]string, len(lq.args))
	for i, a := range lq.args {
		switch v := a.(type) {
		case string:
			vals[i] = `'` + strings.ReplaceAll(v, `'`, `''`) + `'`
		case int, int64:
			vals[i] = fmt.Sprint(v)
		default:
			return "", fmt.Errorf("store: explain: a value of type %T", a)
		}
	}
	return c.explain(ctx, `EXPLAIN (ANALYZE, BUFFERS) EXECUTE roster_explain(`+strings.Join(vals, ", ")+`)`, 0, nil)
}

// explain runs an EXPLAIN statement and returns column col of its rows,
// one line each.
func (c *Conn) explain(ctx context.Context, q string, col int, args []any) (string, error) {
	rows, err := c.query(ctx, q, args...)
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
