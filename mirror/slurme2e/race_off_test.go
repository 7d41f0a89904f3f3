//go:build !race

package slurme2e

const raceEnabled = false
