package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"
)

// openGroupTestDB opens a SQLite database with one scratch table.
func openGroupTestDB(t *testing.T) *DB {
	t.Helper()
	return openGroupTestDBIn(t, t.TempDir())
}

// openGroupTestDBIn opens the SQLite database in dir, adding the scratch
// table if it has none.
func openGroupTestDBIn(t *testing.T, dir string) *DB {
	t.Helper()
	d, err := Open(t.Context(), "", dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	if _, err := d.db.Exec(`CREATE TABLE IF NOT EXISTS g (v INTEGER PRIMARY KEY)`); err != nil {
		t.Fatal(err)
	}
	return d
}

// holdWriter starts a transaction that keeps SQLite's writer until release
// is closed, so that transactions started meanwhile queue into one group.
func holdWriter(t *testing.T, d *DB) (release func(), done <-chan error) {
	t.Helper()
	started, hold, errc := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	go func() {
		errc <- d.Tx(context.Background(), func(c *Conn) error {
			close(started)
			<-hold
			_, err := c.exec(context.Background(), `INSERT INTO g VALUES (-1)`)
			return err
		})
	}()
	<-started
	return func() { close(hold) }, errc
}

// waitQueued waits until n transactions wait for the writer.
func waitQueued(t *testing.T, d *DB, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		d.group.mu.Lock()
		q := len(d.group.queue)
		d.group.mu.Unlock()
		if q == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d transactions queued, want %d", q, n)
		}
		time.Sleep(time.Millisecond)
	}
}

func committedValues(t *testing.T, d *DB) []int {
	t.Helper()
	rows, err := d.db.Query(`SELECT v FROM g ORDER BY v`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var vs []int
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		vs = append(vs, v)
	}
	return vs
}

// TestGroupCommitKeepsTransactionsApart queues transactions that succeed,
// fail after writing, break a constraint, panic, are cancelled before
// their turn or cancel themselves midway, and runs them as one group:
// each caller gets its own outcome and exactly the successful ones'
// writes are committed.
func TestGroupCommitKeepsTransactionsApart(t *testing.T) {
	d := openGroupTestDB(t)
	release, held := holdWriter(t, d)

	errFailed := errors.New("failed on purpose")
	const n = 40
	outcomes := make([]error, n)
	panics := make([]any, n)
	var wg sync.WaitGroup
	var want []int
	cancelled, cancelBeforeTurn := context.WithCancel(context.Background())
	for i := range n {
		ctx := context.Background()
		var fn func(c *Conn) error
		switch i % 6 {
		case 0: // succeeds
			want = append(want, i)
			fn = func(c *Conn) error { _, err := c.exec(ctx, `INSERT INTO g VALUES (?)`, i); return err }
		case 1: // writes, then fails
			fn = func(c *Conn) error {
				if _, err := c.exec(ctx, `INSERT INTO g VALUES (?)`, i); err != nil {
					return err
				}
				return errFailed
			}
		case 2: // writes, then breaks the primary key (the held writer's -1)
			fn = func(c *Conn) error {
				if _, err := c.exec(ctx, `INSERT INTO g VALUES (?)`, i); err != nil {
					return err
				}
				_, err := c.exec(ctx, `INSERT INTO g VALUES (-1)`)
				return err
			}
		case 3: // writes, then panics
			fn = func(c *Conn) error {
				if _, err := c.exec(ctx, `INSERT INTO g VALUES (?)`, i); err != nil {
					return err
				}
				panic(fmt.Sprintf("panic %d", i))
			}
		case 4: // its request is gone before its turn
			ctx = cancelled
			fn = func(c *Conn) error { _, err := c.exec(ctx, `INSERT INTO g VALUES (?)`, i); return err }
		case 5: // its request goes away while it writes: the write stands
			want = append(want, i)
			c, cancel := context.WithCancel(context.Background())
			ctx = c
			fn = func(c *Conn) error {
				cancel()
				_, err := c.exec(ctx, `INSERT INTO g VALUES (?)`, i)
				return err
			}
		}
		wg.Go(func() {
			defer func() { panics[i] = recover() }()
			outcomes[i] = d.Tx(ctx, fn)
		})
		waitQueued(t, d, i+1)
	}
	cancelBeforeTurn()
	release()
	wg.Wait()
	if err := <-held; err != nil {
		t.Fatalf("held transaction: %v", err)
	}

	for i := range n {
		err, p := outcomes[i], panics[i]
		switch i % 6 {
		case 0, 5:
			if err != nil || p != nil {
				t.Errorf("transaction %d: %v, panic %v; want success", i, err, p)
			}
		case 1:
			if !errors.Is(err, errFailed) {
				t.Errorf("transaction %d: %v, want its own error", i, err)
			}
		case 2:
			if !errors.Is(err, errUnique) {
				t.Errorf("transaction %d: %v, want a conflict", i, err)
			}
		case 3:
			if p != fmt.Sprintf("panic %d", i) {
				t.Errorf("transaction %d: panic %v, want its own", i, p)
			}
		case 4:
			if !errors.Is(err, context.Canceled) {
				t.Errorf("transaction %d: %v, want context.Canceled", i, err)
			}
		}
	}
	want = append([]int{-1}, want...)
	if got := committedValues(t, d); !slices.Equal(got, want) {
		t.Fatalf("committed %v\nwant      %v", got, want)
	}
}

// TestGroupCommitUnderLoad runs many concurrent transactions that each read
// a counter and write it back one higher: if grouping ever let two see the
// same value, or lost a committed one, the count would be short.
func TestGroupCommitUnderLoad(t *testing.T) {
	d := openGroupTestDB(t)
	if _, err := d.db.Exec(`INSERT INTO g VALUES (0)`); err != nil {
		t.Fatal(err)
	}
	const workers, each = 8, 50
	var wg sync.WaitGroup
	var failed sync.Map
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				err := d.Tx(context.Background(), func(c *Conn) error {
					var v int
					if err := c.row(context.Background(), `SELECT v FROM g`).Scan(&v); err != nil {
						return err
					}
					if i%5 == 4 { // every fifth writes and then fails
						if _, err := c.exec(context.Background(), `UPDATE g SET v = v + 1000`); err != nil {
							return err
						}
						return errors.New("undone")
					}
					_, err := c.exec(context.Background(), `UPDATE g SET v = ?`, v+1)
					return err
				})
				if (err != nil) != (i%5 == 4) {
					failed.Store(fmt.Sprint(w, i), err)
				}
			}
		})
	}
	wg.Wait()
	failed.Range(func(k, v any) bool { t.Errorf("transaction %v: %v", k, v); return true })
	if got, want := committedValues(t, d), []int{workers * each * 4 / 5}; !slices.Equal(got, want) {
		t.Fatalf("counter = %v, want %v", got, want)
	}
}

// TestTxAloneNeverGroups queues an ordinary transaction, one that must run
// alone, and two more ordinary ones: the one marked alone runs by itself
// (not detached, so in no group's savepoint), the first ordinary one too
// (the next in line cannot join it), and the last two together.
func TestTxAloneNeverGroups(t *testing.T) {
	d := openGroupTestDB(t)
	release, held := holdWriter(t, d)
	grouped := make([]bool, 4)
	var wg sync.WaitGroup
	for i := range 4 {
		fn := func(c *Conn) error {
			grouped[i] = c.detached
			_, err := c.exec(context.Background(), `INSERT INTO g VALUES (?)`, i)
			return err
		}
		wg.Go(func() {
			var err error
			if i == 1 {
				err = d.TxAlone(context.Background(), fn)
			} else {
				err = d.Tx(context.Background(), fn)
			}
			if err != nil {
				t.Errorf("transaction %d: %v", i, err)
			}
		})
		waitQueued(t, d, i+1)
	}
	release()
	wg.Wait()
	if err := <-held; err != nil {
		t.Fatal(err)
	}
	if want := []bool{false, false, true, true}; !slices.Equal(grouped, want) {
		t.Fatalf("grouped %v, want %v", grouped, want)
	}
	if got := committedValues(t, d); !slices.Equal(got, []int{-1, 0, 1, 2, 3}) {
		t.Fatalf("committed %v", got)
	}
}
