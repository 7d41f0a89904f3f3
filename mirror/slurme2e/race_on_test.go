//go:build race

package slurme2e

// raceEnabled: see TestSlurmCompiledOutput's fatal error case.
const raceEnabled = true
