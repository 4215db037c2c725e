package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
)

// newFlags is a command's flag set: its errors go to stderr, and its
// usage is the command's text followed by the flags.
func newFlags(name, usage string, stderr io.Writer) *flag.FlagSet {
	fl := flag.NewFlagSet(name, flag.ContinueOnError)
	fl.SetOutput(stderr)
	fl.Usage = func() {
		fmt.Fprint(stderr, usage)
		fl.PrintDefaults()
	}
	return fl
}

// parseFlags parses args into fl. When it returns false the command ends
// with code: success for -h (the usage was asked for), else a usage error
// (the flag package has already said what was wrong).
func parseFlags(fl *flag.FlagSet, args []string) (code int, ok bool) {
	if err := fl.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK, false
		}
		return exitUsage, false
	}
	return 0, true
}
