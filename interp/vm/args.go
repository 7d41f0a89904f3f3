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
// it once, before any cell runs.
func SetProgramArgs() {
	os.Args = []string{ProgramName}
	flag.CommandLine.Init(ProgramName, flag.ExitOnError)
}
