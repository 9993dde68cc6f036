package store

import (
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestListedColsAreWhatListColsReads: a PostgreSQL search in email order
// selects listedCols in each range's branch and builds the list record
// from them after the page is cut (pgEmailSearchPage), so the two lists
// must name the same columns of users: one that listCols reads and
// listedCols lacks fails the query, one more is read for nothing.
func TestListedColsAreWhatListColsReads(t *testing.T) {
	c := &conn{dialect: postgres{}}
	var read []string
	for _, m := range regexp.MustCompile(`\bu\.(\w+)`).FindAllStringSubmatch(c.listCols("u.email"), -1) {
		read = append(read, m[1])
	}
	listed := strings.Split(listedCols, ", ")
	slices.Sort(read)
	slices.Sort(listed)
	if read = slices.Compact(read); !slices.Equal(read, listed) {
		t.Fatalf("listCols reads %v, listedCols names %v", read, listed)
	}
}
