package main

import (
	"fmt"
	"io"
	"strings"
)

// printTable writes the one markdown table: a row per attack, before beside
// after.
func printTable(w io.Writer, selected []int, rows [][2]measure) {
	fmt.Fprintln(w, "| attack | outcome before | outcome after | CPU s before / after | wall s before / after | peak RSS MiB before / after |")
	fmt.Fprintln(w, "| --- | --- | --- | ---: | ---: | ---: |")
	for k, r := range rows {
		b, a := r[0], r[1]
		fmt.Fprintf(w, "| %s | %s | %s | %.2f / %.2f | %.3f / %.3f | %s / %s |\n",
			cell(attacks[selected[k]].name), cell(b.outcome), cell(a.outcome),
			b.cpu, a.cpu, b.wall.Seconds(), a.wall.Seconds(), mib(b.hwm), mib(a.hwm))
	}
}

// cell keeps a value from breaking the markdown row.
func cell(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ").Replace(s)
}

func mib(n int64) string {
	if n < 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.1f", float64(n)/(1<<20))
}
