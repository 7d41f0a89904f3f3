package interp

import (
	"context"
	"os"
	"testing"
)

// TestModulesInCells imports a Go module in cells through the whole
// session with compiled packages turned off (the fallback): `%go get` pins
// a version, the frontend type-checks the import, the image process and
// the mirrors load its sources, and a later `%go get` moves the session to
// another version. The module comes from the module cache or, if absent,
// through the module proxy.
func TestModulesInCells(t *testing.T) {
	if testing.Short() {
		t.Skip("fetches a module")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	eng, err := NewSession(context.Background(), SessionOptions{Executable: exe, Env: append(os.Environ(), NativeEnv+"=0")})
	if err != nil {
		t.Fatal(err)
	}
	s := eng.(*Session)
	t.Cleanup(func() { s.Close() })
	steps := []struct{ code, result, ename, stderr string }{
		{code: "%go get github.com/google/uuid@v1.4.0\nimport \"github.com/google/uuid\"", stderr: "go get: github.com/google/uuid@v1.4.0\n" +
			"note: imported packages run interpreted from source, not compiled (DMIRROR_NATIVE=0): slower, and packages with assembly, cgo or unsafe cannot load\n"},
		{code: `int(uuid.MustParse("f47ac10b-58cc-4372-a567-0e02b2c3d479").Version())`, result: "4"},
		// Mirrors load the same package to run the block.
		{code: `ParallelCollect([]string{"f47ac10b-58cc-4372-a567-0e02b2c3d479", "6ba7b810-9dad-11d1-80b4-00c04fd430c8"},
	func(s string) int { return int(uuid.MustParse(s).Version()) })`, result: "[4 1]"},
		// NewV7 appeared in v1.5.0.
		{code: "_, err := uuid.NewV7()", ename: "CompileError"},
		{code: "%go get github.com/google/uuid@v1.6.0", stderr: "go get: github.com/google/uuid@v1.6.0\n"},
		{code: "v7, err := uuid.NewV7()\nint(v7.Version())", result: "7"},
		{code: `int(uuid.MustParse("f47ac10b-58cc-4372-a567-0e02b2c3d479").Version())`, result: "4"},
		{code: "%go get -u github.com/google/uuid", ename: "ModuleError"},
	}
	for i, st := range steps {
		res, out := execCell(t, s, i+1, st.code)
		if st.ename != "" {
			if res.Error == nil || res.Error.Name != st.ename {
				t.Fatalf("cell %d %q: got %v, want %s", i+1, st.code, res.Error, st.ename)
			}
			continue
		}
		if res.Error != nil {
			t.Fatalf("cell %d %q failed: %v", i+1, st.code, res.Error)
		}
		if got := plain(res); got != st.result {
			t.Errorf("cell %d result %q, want %q", i+1, got, st.result)
		}
		if got := out.Text("stderr"); got != st.stderr {
			t.Errorf("cell %d stderr %q, want %q", i+1, got, st.stderr)
		}
	}
}
