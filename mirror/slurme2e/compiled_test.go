package slurme2e

import (
	"archive/zip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/dmirror/dmirror/kernel/kerneltest"
	"github.com/dmirror/dmirror/mirror/slurmtest"
)

// TestSlurmCompiledCode: a cell that imports a module moves the image
// process and the mirrors to an image binary with the package compiled in
// (Pool.SetExe): the steps of the dmirror binary end, and the steps placed
// afterwards run the image binary, on both nodes, and call the compiled
// code.
func TestSlurmCompiledCode(t *testing.T) {
	c := slurmtest.Start(t, slurmtest.Options{Nodes: 2, Netns: true})
	proxy := t.TempDir()
	writeModule(t, proxy, "example.com/square", "v1.0.0", map[string]string{
		"go.mod":    "module example.com/square\n\ngo 1.21\n",
		"square.go": "package square\n\n// Of returns x*x + 1, compiled.\nfunc Of(x int) int { return x*x + 1 }\n",
	})
	k := startKernel(t, c, "DMIRROR_SLURM_ARGS=--ntasks-per-node=1",
		"GOPROXY=file://"+filepath.ToSlash(proxy), "GONOSUMDB=example.com")
	// Mirrors of the dmirror binary first, which the import replaces.
	k.run(t, "_ = ParallelCollect([]int{1, 2}, func(x int) int { return x }, WithMirrors(2))")
	before := stepsOf(k.mirrors(t))
	k.run(t, "import (\n\t\"os\"\n\t\"example.com/square\"\n)")
	got := k.run(t, "fmt.Println(ParallelCollect([]int{1, 2, 3, 4}, func(x int) int { return square.Of(x) }, WithMirrors(2)))")
	if got != "[2 5 10 17]\n" {
		t.Errorf("printed %q, want [2 5 10 17]", got)
	}
	exes := k.run(t, "fmt.Println(ParallelCollect([]int{1, 2}, func(int) string { exe, _ := os.Executable(); return exe }, WithMirrors(2)))")
	if strings.Contains(exes, kerneltest.SharedBinary(t)) || strings.Count(exes, "/image") != 2 {
		t.Errorf("the mirrors ran %q, want the image binary", exes)
	}
	var nodes []string
	for _, m := range k.mirrors(t) {
		nodes = append(nodes, m.node)
		if slices.Contains(before, strings.TrimPrefix(m.process, "step ")) {
			t.Errorf("mirror %+v of the dmirror binary is still in the pool", m)
		}
	}
	if strings.Join(nodes, " ") != "n1 n2" && strings.Join(nodes, " ") != "n2 n1" {
		t.Errorf("mirrors on %v, want n1 and n2", nodes)
	}
}

// writeModule puts a module version into a file-system module proxy (as
// interp/e2e does).
func writeModule(t *testing.T, proxy, path, version string, files map[string]string) {
	t.Helper()
	dir := filepath.Join(proxy, path, "@v")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(name, data string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("list", version+"\n")
	write(version+".info", `{"Version":"`+version+`","Time":"2024-01-01T00:00:00Z"}`)
	write(version+".mod", files["go.mod"])
	f, err := os.Create(filepath.Join(dir, version+".zip"))
	if err != nil {
		t.Fatal(err)
	}
	z := zip.NewWriter(f)
	for name, data := range files {
		w, err := z.Create(path + "@" + version + "/" + name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(data)); err != nil {
			t.Fatal(err)
		}
	}
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}
