//go:build race

package frontend_test

// raceEnabled: yaegi v0.16.1 races on its own state when interpreted
// goroutines start closures (interp/image_run.go getFunc), which the race
// detector reports as a failure of whatever test runs such a cell.
const raceEnabled = true
