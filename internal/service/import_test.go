package service_test

import (
	"context"
	"io"
	"strings"
	"testing"

	"roster/internal/roster"
	"roster/internal/service"
	"roster/internal/store"
	"roster/internal/testdb"
)

// changingFile is a file that someone rewrites between the import's check
// and its use: each rewind gives the next version.
type changingFile struct {
	versions []string
	cur      *strings.Reader
}

func (f *changingFile) Read(p []byte) (int, error) { return f.cur.Read(p) }

func (f *changingFile) Seek(off int64, whence int) (int64, error) {
	if whence == io.SeekStart {
		f.cur, f.versions = strings.NewReader(f.versions[0]), f.versions[1:]
	}
	return f.cur.Seek(off, whence)
}

// TestImportFileChangedBetweenReads: the import reads its file twice, to
// check it and to store it; a file that differs the second time stores
// nothing.
func TestImportFileChangedBetweenReads(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		svc := service.New(service.Deps{Store: store.ServiceStore{DB: db}, Config: service.Config{BaseURL: "http://x", Argon: service.ArgonParams{MemoryKiB: 64, Time: 1, Threads: 1}}})
		org, _, _, err := svc.CreateOrg(ctx, service.NewOrg{Name: "Acme", Slug: "acme", Plan: roster.PlanProfessional, AdminEmail: "admin@acme.test"})
		if err != nil {
			t.Fatal(err)
		}
		op := service.Operator(org.ID)
		checked := "email,role\na@x.test,agent\nb@x.test,agent\n"
		for _, stored := range []string{
			"email,role\na@x.test,agent\nb@x.test,wizard\n",           // a row now wrong
			"email,role\na@x.test,agent\nb@x.test,agent\nc@x.test,\n", // one more row
			"email,role\na@x.test,agent\n",                            // one fewer
		} {
			f := &changingFile{versions: []string{checked, stored}, cur: strings.NewReader(checked)}
			if _, err := svc.ImportUsers(ctx, op, service.ImportInput{File: f}); err == nil || !strings.Contains(err.Error(), "changed") {
				t.Errorf("file changed to %q: err %v", stored, err)
			}
			counts, err := db.Reader().CountUsersByStatus(ctx, org.ID)
			if err != nil {
				t.Fatal(err)
			}
			if counts[roster.StatusPrepared] != 0 {
				t.Fatalf("file changed to %q: %d users stored", stored, counts[roster.StatusPrepared])
			}
		}
	})
}
