// Package nbrun runs a notebook headless: `dmirror run`.
package nbrun

// TEMPORARY entry point so that main builds while the package is written;
// the owner of package nbrun replaces this file.

import (
	"context"
	"errors"
	"io"
)

// Main runs `dmirror run` with its arguments and returns the exit status.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) (int, error) {
	return 2, errors.New("nbrun: not implemented yet")
}
