//go:build !race

package frontend_test

// raceEnabled: see race_test.go.
const raceEnabled = false
