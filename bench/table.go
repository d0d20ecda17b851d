package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"
)

// table is one of the benchmark's reports.
type table struct {
	title   string
	columns []string // the header; nil for the first table's, whose rows add makes
	rows    [][]string
	notes   []string
}

var mainColumns = []string{"measure", "Shopkeeper", "reference", "ratio", "target", ""}

func (t *table) add(measure, value, reference, ratio, target string, met bool) {
	v := verdict(met)
	if target == "" {
		v = ""
	}
	t.rows = append(t.rows, []string{measure, value, reference, ratio, target, v})
}

// row adds a row of cells under columns.
func (t *table) row(cells ...string) { t.rows = append(t.rows, cells) }

func (t *table) note(s string) { t.notes = append(t.notes, s) }

// verdict is what the last column says of a target.
func verdict(met bool) string {
	if met {
		return "met"
	}
	return "MISSED"
}

func (t *table) print(w io.Writer) {
	fmt.Fprintln(w, t.title)
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	columns := t.columns
	if columns == nil {
		columns = mainColumns
	}
	rules := make([]string, len(columns))
	for i, c := range columns {
		rules[i] = strings.Repeat("-", utf8.RuneCountInString(c))
	}
	fmt.Fprintln(tw, strings.Join(columns, "\t"))
	fmt.Fprintln(tw, strings.Join(rules, "\t"))
	for _, r := range t.rows {
		// A row as wide as the header keeps every column aligned: tabwriter
		// aligns a column only across the lines that all have a cell in it.
		for len(r) < len(columns) {
			r = append(r, "")
		}
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

// usec is a duration in microseconds to a tenth, for CPU times of a request.
func usec(d time.Duration) string {
	return fmt.Sprintf("%.1f µs", float64(d)/float64(time.Microsecond))
}

func us(d time.Duration) string { return fmt.Sprintf("%.0f µs", float64(d)/float64(time.Microsecond)) }
func kb(n int) string           { return fmt.Sprintf("%.1f KB", float64(n)/1000) }
func mib(n int64) string        { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }

// count writes n ≥ 0 with thousands separators: 10,000.
func count(n int) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
