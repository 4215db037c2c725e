package main

import (
	"fmt"
	"io"

	"gitlab.com/trustci/cicd/linter/report"
)

// say prints one of cilint's own messages. The format is ours; the
// arguments (paths from the command line, errors quoting them, values of
// flags) may hold control characters that a terminal would obey, so each
// text argument is cleaned as findings are (report.Clean).
func say(w io.Writer, format string, args ...any) {
	for i, a := range args {
		switch v := a.(type) {
		case string:
			args[i] = report.Clean(v)
		case error:
			args[i] = report.Clean(v.Error())
		case fmt.Stringer:
			args[i] = report.Clean(v.String())
		}
	}
	fmt.Fprintf(w, format, args...)
}
