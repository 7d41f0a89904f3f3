//go:build race

package mirror

// raceEnabled: yaegi's debugger keeps its step state in unsynchronised
// fields (debugger.go: mode, running, fDepth), which the race detector
// reports; post-mortem runs are tested in mirror processes instead.
const raceEnabled = true
