package slurme2e

import (
	"os"
	"testing"

	"github.com/dmirror/dmirror/kernel/kerneltest"
)

func TestMain(m *testing.M) {
	os.Exit(kerneltest.RunTests(m)) // removes the binary SharedBinary built
}
