package modules

import (
	"context"
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"strings"
	"testing"
)

func TestImporterTypeChecksModulePackages(t *testing.T) {
	r := newResolver(t, Options{Env: testEnv()})
	if _, err := r.Get(context.Background(), "github.com/google/uuid@v1.6.0"); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Require(context.Background(), "github.com/google/uuid"); err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	im := NewImporter(fset, importer.ForCompiler(fset, "source", nil), r.Set)

	// A cell that uses the module, checked as the frontend would.
	cell := `package cell
import "github.com/google/uuid"
var id = uuid.New()
var s string = id.String()`
	f, err := parseFile(fset, cell)
	if err != nil {
		t.Fatal(err)
	}
	conf := types.Config{Importer: im}
	info := &types.Info{Types: map[ast.Expr]types.TypeAndValue{}}
	if _, err := conf.Check("cell", fset, []*ast.File{f}, info); err != nil {
		t.Fatal(err)
	}
	p, err := im.Import("github.com/google/uuid")
	if err != nil {
		t.Fatal(err)
	}
	if obj := p.Scope().Lookup("New"); obj == nil || obj.Type().String() != "func() github.com/google/uuid.UUID" {
		t.Errorf("uuid.New: %v", obj)
	}
	if _, err := im.Import("github.com/google/uuid/nope"); err == nil {
		t.Error("import of a package the module lacks succeeded")
	}
	if _, err := im.Import("example.com/not/resolved"); err == nil || !strings.Contains(err.Error(), "not in the session's modules") {
		t.Errorf("import of an unresolved package: %v", err)
	}
}

func parseFile(fset *token.FileSet, src string) (*ast.File, error) {
	return parser.ParseFile(fset, "cell.go", src, 0)
}
