package vm_test

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"sync"
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
			callFiles := ip.FileSet().Base()
			v, err := ip.EvalWithContext(context.Background(), name+"()")
			if err != nil || fmt.Sprint(v) != "2" {
				t.Fatalf("cell %d: %v, %v", n, v, err)
			}
			if forget {
				vm.Forget(ip, name)
				vm.ForgetFiles(ip, callFiles)
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

// TestGlobals compares Globals with the interpreter's own Globals: the same
// values (settable, the same storage) for variables and constants, nothing
// for funcs, types and unknown names.
func TestGlobals(t *testing.T) {
	ip, err := vm.New(vm.Config{Stdout: io.Discard, Stderr: io.Discard, Exports: exports()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ip.Eval("type pt struct{ x, y int }\nvar a = 3\nvar p = pt{1, 2}\nvar e error\nconst k = \"k\"\nfunc f() int { return a }"); err != nil {
		t.Fatal(err)
	}
	names := []string{"a", "p", "e", "k", "f", "pt", "missing"}
	got, want := vm.Globals(ip, names), ip.Globals()
	for _, n := range names {
		g, ok := got[n]
		w, wok := want[n]
		if ok != wok {
			t.Errorf("%s: found %v, Interpreter.Globals found %v", n, ok, wok)
			continue
		}
		if !ok {
			continue
		}
		if g.Type() != w.Type() || fmt.Sprint(g) != fmt.Sprint(w) || g.CanSet() != w.CanSet() {
			t.Errorf("%s: %v (%v, settable %v), want %v (%v, settable %v)", n, g, g.Type(), g.CanSet(), w, w.Type(), w.CanSet())
		}
		if g.CanAddr() && w.CanAddr() && g.Addr().Pointer() != w.Addr().Pointer() {
			t.Errorf("%s: not the same variable", n)
		}
	}
	got["a"].SetInt(9)
	if v, err := ip.Eval("f()"); err != nil || fmt.Sprint(v) != "9" {
		t.Errorf("after setting a through Globals, f() = %v, %v; want 9", v, err)
	}
}

// TestForgetWhileGlobalsRead forgets cells while another goroutine reads
// globals, as a goroutine of an earlier cell does through a Parallel call
// (run with -race). Evaluations are kept apart from the reads: yaegi
// itself declares symbols without its lock.
func TestForgetWhileGlobalsRead(t *testing.T) {
	ip, err := vm.New(vm.Config{Stdout: io.Discard, Stderr: io.Discard, Exports: exports()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ip.Eval("var counter int"); err != nil {
		t.Fatal(err)
	}
	var evalMu sync.RWMutex
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-stop:
				return
			default:
			}
			evalMu.RLock()
			_, ok := vm.Globals(ip, []string{"counter"})["counter"]
			evalMu.RUnlock()
			if !ok {
				t.Error("counter is not a global")
				return
			}
		}
	}()
	for n := 1; n <= 200; n++ {
		name := fmt.Sprintf("__cell%d", n)
		evalMu.Lock()
		if _, err := ip.Eval(fmt.Sprintf("func %s() { counter++ }", name)); err != nil {
			t.Fatal(err)
		}
		if _, err := ip.EvalWithContext(context.Background(), name+"()"); err != nil {
			t.Fatal(err)
		}
		evalMu.Unlock()
		vm.Forget(ip, name)
	}
	close(stop)
	<-done
	if v, err := ip.Eval("counter"); err != nil || fmt.Sprint(v) != "200" {
		t.Errorf("counter = %v, %v; want 200", v, err)
	}
}
