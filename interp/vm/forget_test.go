package vm_test

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"testing"

	"github.com/dmirror/dmirror/interp/vm"
)

// liveHeap is the heap in use after two collections.
func liveHeap() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// TestForget runs 1,000 cells as the image process does (a body func
// evaluated, then called) in two interpreters, one that forgets each body
// func after its call: its heap must grow less than a quarter as much,
// and the funcs and closures that cells keep must still work.
func TestForget(t *testing.T) {
	growth := func(forget bool) float64 {
		ip, err := vm.New(vm.Config{Stdout: io.Discard, Stderr: io.Discard, Exports: exports()})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ip.Eval("var keep []func() int\nfunc twice(x int) int { return 2 * x }"); err != nil {
			t.Fatal(err)
		}
		cell := func(n int) {
			name := fmt.Sprintf("__cell%d", n)
			src := fmt.Sprintf("/*line cell[%d]/_.go:1:1*/package main\nfunc %s() any {\n\tif len(keep) < 3 {\n\t\tk := %d\n\t\tkeep = append(keep, func() int { return twice(k) })\n\t}\n\treturn 1 + 1\n}\n", n, name, n)
			if _, err := ip.Eval(src); err != nil {
				t.Fatal(err)
			}
			v, err := ip.EvalWithContext(context.Background(), name+"()")
			if err != nil || fmt.Sprint(v) != "2" {
				t.Fatalf("cell %d: %v, %v", n, v, err)
			}
			if forget {
				vm.Forget(ip, name)
			}
		}
		for n := 1; n <= 100; n++ {
			cell(n)
		}
		h0 := liveHeap()
		for n := 101; n <= 1100; n++ {
			cell(n)
		}
		h1 := liveHeap()
		v, err := ip.Eval("keep[0]() + keep[2]()")
		if err != nil || fmt.Sprint(v) != "8" {
			t.Fatalf("closures kept by cells: %v, %v; want 8", v, err)
		}
		runtime.KeepAlive(ip)
		return (float64(h1) - float64(h0)) / 1000
	}
	kept, forgotten := growth(false), growth(true)
	t.Logf("heap growth per cell: %.0f bytes kept, %.0f bytes forgotten", kept, forgotten)
	if forgotten > kept/4 {
		t.Errorf("heap growth per cell %.0f bytes with Forget, %.0f without: want less than a quarter", forgotten, kept)
	}
}
