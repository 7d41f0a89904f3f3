package slurme2e

import (
	"archive/zip"
	"fmt"
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

// TestSlurmGenerationBroadcast: nodes that do not see the kernel's cache
// of compiled code (each covers it with a tmpfs of its own) run the
// compiled declarations when DMIRROR_SLURM_BCAST names node-local storage
// (also private to each node): the image binary and each generation's
// plugin are copied there, the mirrors load the plugin from there and not
// from the kernel's path, stay warm across generations, and print what go
// run prints. Without DMIRROR_SLURM_BCAST, the call fails saying what to
// do.
func TestSlurmGenerationBroadcast(t *testing.T) {
	cache, bcast := t.TempDir(), t.TempDir()
	c := slurmtest.Start(t, slurmtest.Options{Nodes: 2, Netns: true, Private: []string{cache, bcast}})
	args := "DMIRROR_SLURM_ARGS=--ntasks-per-node=1"
	t.Run("broadcast", func(t *testing.T) {
		k := startKernel(t, c, args, "DMIRROR_SLURM_BCAST="+bcast, "DMIRROR_CACHE="+cache)
		k.run(t, "import (\n\t\"os\"\n\t\"path/filepath\"\n\t\"strings\"\n)")
		var warm []string
		for i, name := range []string{"generation1.txtar", "generation2.txtar"} {
			p := readProgram(t, name)
			want := goRun(t, p)
			k.run(t, p.decls)
			if got := k.run(t, p.cell); got != want {
				t.Errorf("generation %d: the cell printed %q, go run %q", i+1, got, want)
			}
			plugins, _ := filepath.Glob(filepath.Join(cache, "*", "gen-*", "gen.so"))
			if len(plugins) != i+1 {
				t.Fatalf("the kernel's cache holds plugins %v, want %d", plugins, i+1)
			}
			// On each node: where the mirror's binary is, how many plugins
			// it mapped and how many of those are in the broadcast
			// directory, and whether it sees the kernel's cache. The block
			// walks the maps by recursion, not with a loop, so that it is
			// not compiled into a generation of its own, which would add
			// a plugin.
			got := k.run(t, fmt.Sprintf(`fmt.Println(ParallelCollect([]int{1, 2}, func(int) string {
	exe, _ := os.Executable()
	maps, _ := os.ReadFile("/proc/self/maps")
	seen := map[string]bool{}
	sos, inBcast := 0, 0
	var walk func(lines []string)
	walk = func(lines []string) {
		if len(lines) == 0 {
			return
		}
		if f := strings.Fields(lines[0]); len(f) == 6 && strings.HasSuffix(f[5], ".so") && !seen[f[5]] {
			seen[f[5]] = true
			sos++
			if filepath.Dir(f[5]) == %q {
				inBcast++
			}
		}
		walk(lines[1:])
	}
	walk(strings.Split(string(maps), "\n"))
	ents, _ := os.ReadDir(%q)
	return fmt.Sprintf("%%s %%d %%d %%d", filepath.Dir(exe), sos, inBcast, len(ents))
}, WithMirrors(2)))`, bcast, cache))
			line := fmt.Sprintf("%s %d %d 0", bcast, i+1, i+1)
			if want := "[" + line + " " + line + "]\n"; got != want {
				t.Errorf("generation %d: the mirrors said %q, want %q (binary's dir, plugins mapped, of them in the broadcast directory, entries of the kernel's cache)", i+1, got, want)
			}
			now := stepsOf(k.mirrors(t))
			if i == 0 {
				warm = now
			} else if !slices.Equal(now, warm) {
				t.Errorf("steps %v on the second generation, want the warm %v", now, warm)
			}
		}
		// The copies are on the nodes only.
		if ents, err := os.ReadDir(bcast); err != nil || len(ents) != 0 {
			t.Errorf("the kernel sees %d entries in the nodes' broadcast directory (%v), want none", len(ents), err)
		}
	})
	t.Run("no broadcast", func(t *testing.T) {
		k := startKernel(t, c, args, "DMIRROR_CACHE="+cache)
		p := readProgram(t, "generation1.txtar")
		k.run(t, p.decls)
		_, value := k.errorOf(t, p.cell)
		t.Log(value)
		for _, want := range []string{cache, "DMIRROR_SLURM_BCAST"} {
			if !strings.Contains(value, want) {
				t.Errorf("error %q, want it to say %q", value, want)
			}
		}
	})
}
