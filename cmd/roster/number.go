package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"roster/internal/service"
)

// splitNumbers separates phone numbers (arguments starting with +) from
// the flags, so that `number add --org acme +14155550100` and
// `number add +14155550100 --org acme` both work: the flag package stops
// at the first non-flag argument.
func splitNumbers(args []string) (numbers, rest []string) {
	for i, a := range args {
		afterFlag := i > 0 && strings.HasPrefix(args[i-1], "-") && !strings.Contains(args[i-1], "=") &&
			args[i-1] != "--main" && args[i-1] != "-main"
		if strings.HasPrefix(a, "+") && !afterFlag {
			numbers = append(numbers, a)
			continue
		}
		rest = append(rest, a)
	}
	return numbers, rest
}

// numberAdd adds phone numbers to an org as the operator.
func numberAdd(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	numbers, rest := splitNumbers(args)
	var org, label string
	var main bool
	a, err := open(ctx, "number add", rest, stderr, getenv, func(fs *flag.FlagSet) {
		fs.StringVar(&org, "org", "", "org slug")
		fs.StringVar(&label, "label", "", "what the number is for")
		fs.BoolVar(&main, "main", false, "make it the org's main number (the default caller ID)")
	})
	if err != nil {
		return err
	}
	defer a.Close()
	id, err := orgID(ctx, a, org)
	if err != nil {
		return err
	}
	if len(numbers) == 0 {
		return usageError("give the number to add in E.164 form, e.g. +14155550100")
	}
	if main && len(numbers) > 1 {
		// Each would take the main role from the one before.
		return usageError("--main takes one number: an org has one main number")
	}
	for _, n := range numbers {
		pn, err := a.Service.AddPhoneNumber(ctx, service.Operator(id), n, label, main)
		if err != nil {
			return fmt.Errorf("%s: %s", n, describe(err))
		}
		suffix := ""
		if pn.Main {
			suffix = " (main number)"
		}
		fmt.Fprintf(stdout, "Added %s to %s%s.\n", pn.Number, org, suffix)
	}
	return nil
}

// numberList prints an org's phone numbers.
func numberList(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	var org string
	a, err := open(ctx, "number list", args, stderr, getenv, func(fs *flag.FlagSet) {
		fs.StringVar(&org, "org", "", "org slug")
	})
	if err != nil {
		return err
	}
	defer a.Close()
	id, err := orgID(ctx, a, org)
	if err != nil {
		return err
	}
	list, err := a.Service.PhoneNumbers(ctx, service.Operator(id))
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NUMBER\tMAIN\tLABEL")
	for _, n := range list {
		m := ""
		if n.Main {
			m = "yes"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", n.Number, m, n.Label)
	}
	return tw.Flush()
}
