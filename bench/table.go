package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// table is the benchmark's one report.
type table struct {
	title string
	rows  [][]string
	notes []string
}

func (t *table) add(measure, value, reference, ratio, target string, met bool) {
	verdict := "met"
	if !met {
		verdict = "MISSED"
	}
	if target == "" {
		verdict = ""
	}
	t.rows = append(t.rows, []string{measure, value, reference, ratio, target, verdict})
}

func (t *table) note(s string) { t.notes = append(t.notes, s) }

func (t *table) print(w io.Writer) {
	fmt.Fprintln(w, t.title)
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "measure\tShopkeeper\treference\tratio\ttarget\t")
	fmt.Fprintln(tw, "-------\t----------\t---------\t-----\t------\t")
	for _, r := range t.rows {
		fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	tw.Flush()
	for _, n := range t.notes {
		fmt.Fprintln(w, "note:", n)
	}
}

func f0(v float64) string { return fmt.Sprintf("%.0f", v) }
func f1(v float64) string { return fmt.Sprintf("%.1f", v) }

func ratio(a, b float64) string {
	if b == 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.2f", a/b)
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond)) }
func kb(n int) string           { return fmt.Sprintf("%.1f KB", float64(n)/1000) }
func mib(n int64) string        { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }
