package service_test

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/metrics"
	"strconv"
	"sync"
	"testing"
	"time"

	"roster/internal/procstat"
	"roster/internal/roster"
	"roster/internal/service"
	"roster/internal/sheet"
	"roster/internal/store"
	"roster/internal/testdb"
)

// BenchmarkBulkMemory reports the memory an xlsx export of a 100,000-user
// org and an import of a 100,000-row CSV take, on SQLite (or
// ROSTER_BENCH_DIALECT), as peak-heap-MB (live and garbage Go heap), and
// peak-go-MB (everything the Go runtime holds from the OS), each above
// what the process held before; peak-rss-MB is the whole process's
// resident memory at its peak. ROSTER_BENCH_USERS changes the size. It
// measures memory, not time; run it once:
//
//	go test -run '^$' -bench BenchmarkBulkMemory -benchtime 1x ./internal/service/
func BenchmarkBulkMemory(b *testing.B) {
	n := 100_000
	if v, err := strconv.Atoi(os.Getenv("ROSTER_BENCH_USERS")); err == nil && v > 0 {
		n = v
	}
	dialect := cmp.Or(os.Getenv("ROSTER_BENCH_DIALECT"), "sqlite")
	ctx := context.Background()
	db := testdb.Open(b, dialect)
	svc := service.New(service.Deps{Store: store.ServiceStore{DB: db}, Config: service.Config{BaseURL: "http://x", Argon: service.ArgonParams{MemoryKiB: 64, Time: 1, Threads: 1}}})
	newOrg := func(slug string) *service.Principal {
		org, _, _, err := svc.CreateOrg(ctx, service.NewOrg{Name: slug, Slug: slug, Plan: roster.PlanProPlus, AdminEmail: "admin@" + slug + ".test"})
		if err != nil {
			b.Fatal(err)
		}
		return service.Operator(org.ID)
	}
	full := newOrg("full")
	if _, err := svc.SeedUsers(ctx, full, service.SeedInput{OrgID: full.OrgID, Users: n, Seed: 1}); err != nil {
		b.Fatal(err)
	}

	b.Run("export-xlsx", func(b *testing.B) {
		for b.Loop() {
			m := startMemWatch()
			w, err := sheet.NewWriter("xlsx", io.Discard)
			if err != nil {
				b.Fatal(err)
			}
			rows, err := svc.ExportUsers(ctx, full, roster.UserFilter{}, w)
			if err == nil {
				err = w.Close()
			}
			if err != nil || rows != n+1 { // and the admin
				b.Fatalf("exported %d rows, %v", rows, err)
			}
			m.report(b)
		}
	})

	var file bytes.Buffer
	file.WriteString("email,first_name,last_name,role,status\n")
	for i := range n {
		fmt.Fprintf(&file, "imported%06d@import.example,Imported,Number %d,agent,prepared\n", i, i)
	}
	b.Run("import-csv", func(b *testing.B) {
		i := 0
		for b.Loop() {
			i++
			p := newOrg(fmt.Sprintf("import%d", i))
			m := startMemWatch()
			// Not a Seeker, as an upload is: the import keeps the bytes.
			rep, err := svc.ImportUsers(ctx, p, service.ImportInput{File: io.MultiReader(bytes.NewReader(file.Bytes()))})
			if err != nil || rep.Rows != n {
				b.Fatalf("imported %+v, %v", rep, err)
			}
			m.report(b)
		}
	})
}

// memWatch samples the process's memory until report.
type memWatch struct {
	heap0, go0       uint64
	peakHeap, peakGo uint64
	peakKB           int64
	stop             chan struct{}
	done             sync.WaitGroup
}

var memSamples = []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/memory/classes/total:bytes"}, {Name: "/memory/classes/heap/released:bytes"}}

// goMemory returns the Go heap's objects and what the runtime holds from
// the OS, less what it has handed back.
func goMemory() (heap, total uint64) {
	metrics.Read(memSamples)
	return memSamples[0].Value.Uint64(), memSamples[1].Value.Uint64() - memSamples[2].Value.Uint64()
}

func startMemWatch() *memWatch {
	runtime.GC()
	m := &memWatch{stop: make(chan struct{})}
	m.heap0, m.go0 = goMemory()
	m.done.Add(1)
	go func() {
		defer m.done.Done()
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			h, g := goMemory()
			m.peakHeap, m.peakGo = max(m.peakHeap, h), max(m.peakGo, g)
			m.peakKB = max(m.peakKB, procstat.RSSKB(os.Getpid()))
			select {
			case <-m.stop:
				return
			case <-t.C:
			}
		}
	}()
	return m
}

func (m *memWatch) report(b *testing.B) {
	close(m.stop)
	m.done.Wait()
	mb := func(v, base uint64) float64 { return float64(int64(v)-int64(base)) / (1 << 20) }
	b.ReportMetric(mb(m.peakHeap, m.heap0), "peak-heap-MB")
	b.ReportMetric(mb(m.peakGo, m.go0), "peak-go-MB")
	b.ReportMetric(float64(m.peakKB)/1024, "peak-rss-MB")
}
