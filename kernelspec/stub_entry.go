// Package kernelspec installs dmirror's Jupyter kernelspec.
package kernelspec

// TEMPORARY entry point so that main builds while the package is written;
// the owner of package kernelspec replaces this file.

import "errors"

// Options says where to install.
type Options struct {
	User      bool
	SysPrefix bool
	Prefix    string
}

// Install writes the kernelspec and returns its directory.
func Install(opts Options) (string, error) { return "", errors.New("kernelspec: not implemented yet") }
