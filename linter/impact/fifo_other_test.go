//go:build !unix

package impact

import "errors"

func mkfifo(string) error { return errors.New("no FIFOs here") }
