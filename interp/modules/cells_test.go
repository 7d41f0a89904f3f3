package modules

import (
	"context"
	"strings"
	"testing"

	"github.com/traefik/yaegi/interp"
	"github.com/traefik/yaegi/stdlib"
)

func TestCellsNeedNoGoCommandWithoutModules(t *testing.T) {
	c := NewCells(Options{GoCmd: "/nonexistent/go"})
	defer c.Close()
	p, err := c.Prepare(context.Background(), "import \"strings\"\nx := strings.ToUpper(\"a\")")
	if err != nil {
		t.Fatal(err)
	}
	if p.Code != "import \"strings\"\nx := strings.ToUpper(\"a\")" || len(c.Set().Modules()) != 0 {
		t.Errorf("Prepare changed a cell without modules: %+v", p)
	}
	if _, err := c.Prepare(context.Background(), "import \"example.com/m\""); err == nil || !strings.Contains(err.Error(), "/nonexistent/go") {
		t.Errorf("a module import without a go command: %v, want an error naming the command", err)
	}
	if _, err := c.Prepare(context.Background(), "%go get -x example.com/m"); err == nil {
		t.Error("a go get directive with a flag was accepted")
	}
}

func TestCellsPinAndImportThroughASource(t *testing.T) {
	proxy := fileProxy(t, map[string]map[string]string{
		"dmirror.test/greet@v1.0.0": {
			"go.mod": "module dmirror.test/greet\n",
			"g.go":   "package greet\n\nfunc Hello() string { return \"hello v1.0.0\" }\n",
		},
		"dmirror.test/greet@v1.1.0": {
			"go.mod": "module dmirror.test/greet\n",
			"g.go":   "package greet\n\nfunc Hello() string { return \"hello v1.1.0\" }\n",
		},
	})
	c := NewCells(Options{Env: testEnv("GOPROXY="+proxy, "GONOSUMDB=dmirror.test"), HasStd: hasStdlib})
	t.Cleanup(func() {
		if err := c.Close(); err != nil {
			t.Error(err)
		}
	})
	// The image process's interpreter exists before any module is known.
	src := NewSource(nil)
	i := interp.New(interp.Options{GoPath: GoPath, SourcecodeFilesystem: src.FS()})
	if err := i.Use(stdlib.Symbols); err != nil {
		t.Fatal(err)
	}

	cell := "%go get dmirror.test/greet@v1.0.0\nimport \"dmirror.test/greet\"\n"
	p, err := c.Prepare(context.Background(), cell)
	if err != nil {
		t.Fatal(err)
	}
	if p.Code != "\nimport \"dmirror.test/greet\"\n" {
		t.Errorf("code = %q: the directive line must be blanked", p.Code)
	}
	if len(p.Pinned) != 1 || p.Pinned[0].String() != "dmirror.test/greet@v1.0.0" {
		t.Errorf("pinned = %v", p.Pinned)
	}
	src.Update(c.Set().Modules()) // as the kernel sends them
	eval(t, i, p.Code)
	if got := eval(t, i, "greet.Hello()"); got != "hello v1.0.0" {
		t.Errorf("greet.Hello() = %v", got)
	}

	p, err = c.Prepare(context.Background(), "%go get dmirror.test/greet@v1.1.0")
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Changed) != 1 || p.Changed[0].String() != "dmirror.test/greet@v1.1.0" {
		t.Errorf("changed = %v, want greet@v1.1.0", p.Changed)
	}
}
