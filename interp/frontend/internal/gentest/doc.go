// Package gentest is the generation of interp/frontend's
// testdata/genrun/session.txtar, compiled into the frontend's tests as the
// image process loads a generation: TestGenerationInYaegi checks that it
// is up to date (go test -run TestGenerationInYaegi -update-gen writes it).
package gentest
