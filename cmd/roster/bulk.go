package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/mattn/go-isatty"
	"github.com/schollz/progressbar/v3"

	"roster/internal/app"
	"roster/internal/roster"
	"roster/internal/service"
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
