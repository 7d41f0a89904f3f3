//go:build !race

package e2e

// raceEnabled: the mirrors this test binary starts are race builds too.
const raceEnabled = false
