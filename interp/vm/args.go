package vm

import (
	"flag"
	"os"
)

// ProgramName is os.Args[0] for cells: the base name `go run main.go`
// gives its program.
const ProgramName = "main"

// SetProgramArgs makes this process's arguments those of a program run
// without arguments, as cells see them: os.Args is [ProgramName] and the
// flag package's command line, which flag.Parse reads, has that name. It
// is for the processes that run cells (the image process and mirrors),
// whose own arguments (the hidden mode) are not the cell program's; call
// it once, before any cell runs. The command line is a new one: the
// process's holds flags its packages define (testing/quick's
// -quickchecks), which a program's does not have. It continues on an
// error (it prints the error and the usage first): the cells' flag.Parse
// exits through the interpreter's os.Exit instead, not the process's.
func SetProgramArgs() {
	os.Args = []string{ProgramName}
	flag.CommandLine = flag.NewFlagSet(ProgramName, flag.ContinueOnError)
	// As the flag package's own command line: flag.Usage, which a program
	// may replace, prints the usage.
	flag.CommandLine.Usage = func() { flag.Usage() }
}
