package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/mattn/go-isatty"
	"github.com/schollz/progressbar/v3"

	"roster/internal/app"
	"roster/internal/roster"
	"roster/internal/service"
	"roster/internal/sheet"
)

// progress shows a bar on w when w is a terminal and stays silent
// otherwise, so that scripts and logs get only the final summary.
type progress struct{ bar *progressbar.ProgressBar }

func newProgress(w io.Writer, total int64, what string) *progress {
	f, ok := w.(*os.File)
	if !ok || !(isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd())) {
		return &progress{}
	}
	return &progress{bar: progressbar.NewOptions64(total, progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription(what), progressbar.OptionShowCount(), progressbar.OptionShowIts(),
		progressbar.OptionSetWidth(30), progressbar.OptionThrottle(100_000_000), progressbar.OptionClearOnFinish())}
}

// set moves the bar to done (of the total given at the start).
func (p *progress) set(done int64) {
	if p.bar != nil {
		_ = p.bar.Set64(done)
	}
}

func (p *progress) finish() {
	if p.bar != nil {
		_ = p.bar.Finish()
	}
}

// seedUsers adds synthetic users to an org, creating the org first when
// it does not exist, for demos and benchmarks.
func seedUsers(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	var slug string
	var users int
	var seed uint64
	a, err := open(ctx, "seed", args, stderr, getenv, func(fs *flag.FlagSet) {
		fs.StringVar(&slug, "org", "", "org slug; created (plan pro_plus, admin admin@<slug>.example) when missing")
		fs.IntVar(&users, "users", 1000, "how many users to add")
		fs.Uint64Var(&seed, "seed", 1, "random seed: the same seed draws the same people")
	})
	if err != nil {
		return err
	}
	defer a.Close()
	if slug == "" {
		return usageError("--org is required")
	}
	org, err := seedOrg(ctx, a, slug, stdout)
	if err != nil {
		return err
	}
	bar := newProgress(stderr, int64(users), "seeding")
	n, err := a.Service.SeedUsers(ctx, service.Operator(org.ID), service.SeedInput{OrgID: org.ID, Users: users, Seed: seed,
		Progress: func(done, _ int) { bar.set(int64(done)) }})
	bar.finish()
	if err != nil {
		return fmt.Errorf("after %d users: %w", n, err)
	}
	fmt.Fprintf(stdout, "Added %d users to %s.\n", n, org.Slug)
	return nil
}

// seedOrg returns the org with slug, creating it when it does not exist.
func seedOrg(ctx context.Context, a *app.App, slug string, stdout io.Writer) (*roster.Org, error) {
	org, err := a.Service.OrgBySlug(ctx, slug)
	if roster.ErrorKind(err) != roster.KindNotFound {
		return org, err
	}
	org, admin, link, err := a.Service.CreateOrg(ctx, service.NewOrg{Name: slug, Slug: slug, Plan: roster.PlanProPlus,
		AdminEmail: "admin@" + slug + ".example", AdminFirstName: "Org", AdminLastName: "Admin"})
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(stdout, "Created org %s with admin %s; set their password at:\n%s\n", org.Slug, admin.Email, link)
	return org, nil
}

// importUsers imports a CSV file into an org as the operator, all or
// nothing, printing each problem with its row and column.
func importUsers(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	var slug, integration string
	var dryRun, invite bool
	// The file comes after the flags: roster import --org acme users.csv.
	var path string
	if n := len(args); n > 0 && !strings.HasPrefix(args[n-1], "-") {
		path, args = args[n-1], args[:n-1]
	}
	a, err := open(ctx, "import", args, stderr, getenv, func(fs *flag.FlagSet) {
		fs.StringVar(&slug, "org", "", "org slug")
		fs.BoolVar(&dryRun, "dry-run", false, "check the file and report; change nothing")
		fs.BoolVar(&invite, "invite", false, "invite users whose row does not say (default: prepare them)")
		fs.StringVar(&integration, "integration", "", "the CRM integration invitees first sign in with")
	})
	if err != nil {
		return err
	}
	defer a.Close()
	if path == "" {
		return usageError("name the CSV file: roster import --org S FILE")
	}
	id, err := orgID(ctx, a, slug)
	if err != nil {
		return err
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.Size() > service.MaxImportBytes {
		return fmt.Errorf("%s is %d MB; the limit is %d MB", path, st.Size()>>20, service.MaxImportBytes>>20)
	}
	var bar *progress
	rep, err := a.Service.ImportUsers(ctx, service.Operator(id), service.ImportInput{File: f, DryRun: dryRun,
		Invite: invite, Integration: integration, Progress: func(done, total int) {
			if bar == nil {
				bar = newProgress(stderr, int64(total), "importing")
			}
			bar.set(int64(done))
		}})
	if bar != nil {
		bar.finish()
	}
	if rep != nil && len(rep.IgnoredColumns) > 0 {
		fmt.Fprintf(stderr, "ignored columns: %s\n", strings.Join(rep.IgnoredColumns, ", "))
	}
	if rep != nil && rep.ErrorCount > 0 {
		for _, e := range rep.Errors {
			where := "file"
			if e.Row > 0 {
				where = fmt.Sprintf("row %d", e.Row)
			}
			if e.Column != "" {
				where += ", " + e.Column
			}
			fmt.Fprintf(stderr, "%s: %s\n", where, e.Message)
		}
		if rep.ErrorCount > len(rep.Errors) {
			fmt.Fprintf(stderr, "… and %d more\n", rep.ErrorCount-len(rep.Errors))
		}
		return fmt.Errorf("%d problem(s) in %s; nothing was imported", rep.ErrorCount, path)
	}
	if err != nil {
		var re *roster.Error
		if errors.As(err, &re) && re.Kind == roster.KindInvalid && len(re.Fields) > 0 && re.Fields[0].Field != "file" {
			return fmt.Errorf("nothing was imported: %w", err)
		}
		return err
	}
	verb := "Imported"
	if dryRun {
		verb = "Would import"
	}
	fmt.Fprintf(stdout, "%s %d users into %s: %d invited, %d prepared.\n", verb, rep.Rows, slug, rep.Invited, rep.Prepared)
	return nil
}

// exportUsers writes an org's users as CSV or .xlsx to a file or stdout.
func exportUsers(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	var slug, format, out, status, role, license, q, sortBy string
	a, err := open(ctx, "export", args, stderr, getenv, func(fs *flag.FlagSet) {
		fs.StringVar(&slug, "org", "", "org slug")
		fs.StringVar(&format, "format", "csv", "csv or xlsx")
		fs.StringVar(&out, "out", "", "file to write (default: users-<org>.<format>; - for standard output)")
		fs.StringVar(&status, "status", "", "only these statuses, comma-separated (e.g. active,prepared)")
		fs.StringVar(&role, "role", "", "only this role key")
		fs.StringVar(&license, "license-type", "", "only this license type")
		fs.StringVar(&q, "q", "", "only users whose name, email or extension contains this")
		fs.StringVar(&sortBy, "sort", "", "email (default), name, created_at or last_login_at; - for descending")
	})
	if err != nil {
		return err
	}
	defer a.Close()
	id, err := orgID(ctx, a, slug)
	if err != nil {
		return err
	}
	if _, ok := sheet.Formats[format]; !ok {
		return usageError("--format must be csv or xlsx")
	}
	f := roster.UserFilter{Role: role, LicenseType: license, Query: q, Sort: sortBy}
	for _, s := range strings.Split(status, ",") {
		if s = strings.TrimSpace(s); s != "" {
			f.Statuses = append(f.Statuses, roster.Status(s))
		}
	}
	if out == "" {
		out = "users-" + slug + "." + format
	}
	var w io.Writer = stdout
	var file *os.File
	if out != "-" {
		// Write next to the target and rename at the end, so that a failed
		// export never leaves a file that looks complete.
		if file, err = os.CreateTemp(filepath.Dir(out), ".roster-export-*"); err != nil {
			return err
		}
		defer os.Remove(file.Name())
		defer file.Close()
		w = file
	}
	bw := bufio.NewWriterSize(w, 256<<10)
	sw, err := sheet.NewWriter(format, bw)
	if err != nil {
		return err
	}
	total := 0
	if counts, err := a.Service.CountUsersByStatus(ctx, service.Operator(id)); err == nil {
		for _, n := range counts {
			total += n
		}
	}
	counted := &countingWriter{w: sw, bar: newProgress(stderr, int64(total), "exporting")}
	n, err := a.Service.ExportUsers(ctx, service.Operator(id), f, counted)
	counted.bar.finish()
	if err != nil {
		return err
	}
	if err := sw.Close(); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	if file != nil {
		if err := file.Close(); err != nil {
			return err
		}
		if err := os.Rename(file.Name(), out); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "Exported %d users to %s.\n", n, out)
	}
	return nil
}

// countingWriter moves the progress bar as rows are written.
type countingWriter struct {
	w   sheet.Writer
	n   int64
	bar *progress
}

func (c *countingWriter) Write(cells []string) error {
	if c.n > 0 { // the first row is the header
		c.bar.set(c.n)
	}
	c.n++
	return c.w.Write(cells)
}
