package interp

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestCursorConversions(t *testing.T) {
	code := "ä€😀x"
	for runes, bytes := range []int{0, 2, 5, 9, 10} {
		if got := byteOffset(code, runes); got != bytes {
			t.Errorf("byteOffset(%d) = %d, want %d", runes, got, bytes)
		}
		if got := runeOffset(code, bytes); got != runes {
			t.Errorf("runeOffset(%d) = %d, want %d", bytes, got, runes)
		}
	}
	if got := byteOffset(code, 99); got != len(code) {
		t.Errorf("byteOffset past the end = %d, want %d", got, len(code))
	}
}

func TestPagerQuery(t *testing.T) {
	for code, want := range map[string]string{
		"fmt.Println?": "fmt.Println", "?fmt.Println": "fmt.Println", " x? \n": "x",
		"x := a ? b": "", "fmt.Println(1)": "", "?": "", "a?\nb": "",
	} {
		got, ok := pagerQuery(code)
		if got != want || ok != (want != "") {
			t.Errorf("pagerQuery(%q) = %q, %v; want %q", code, got, ok, want)
		}
	}
}

func TestOutputKeepsOrderAndRunes(t *testing.T) {
	var sent []streamMsg
	o := newOutput(func(m streamMsg) error { sent = append(sent, m); return nil })
	euro := []byte("€")
	o.write(1, "stdout", []byte("a"))
	o.write(1, "stdout", []byte("b"))
	o.write(1, "stderr", []byte("c"))
	o.write(2, "stderr", append([]byte("d"), euro[:1]...))
	o.flush()
	o.write(2, "stderr", euro[1:])
	o.flush()
	want := []streamMsg{{1, "stdout", "ab"}, {1, "stderr", "c"}, {2, "stderr", "d"}, {2, "stderr", "€"}}
	if !reflect.DeepEqual(sent, want) {
		t.Fatalf("sent %+v, want %+v", sent, want)
	}
	for _, m := range sent {
		if !utf8.ValidString(m.Text) {
			t.Errorf("%q is not valid UTF-8", m.Text)
		}
	}
}

func TestOutputFlushesWhenFull(t *testing.T) {
	var sent []streamMsg
	o := newOutput(func(m streamMsg) error { sent = append(sent, m); return nil })
	line := []byte(strings.Repeat("x", 1023) + "\n")
	for i := 0; i < 2*maxPending/len(line); i++ {
		o.write(1, "stdout", line)
	}
	if len(sent) < 2 {
		t.Fatalf("sent %d frames before any flush, want the buffer sent as it fills", len(sent))
	}
}

func TestFrames(t *testing.T) {
	lines := []string{
		"cell[3]/_:2:5: panic: main.level2(...)\n",
		"cell[3]/_:5:1: panic: main.__cell3.func(...)\n",
		"cell[3]/_:5:1: panic: main.__cell3.func(...)\n",
		"59:3: panic: main.ParallelCollect(...)\n",
		"cell[3]/_:7:1: panic: main.__cell3(...)\n",
		"1:28: panic: main(...)\n",
	}
	want := []string{"cell[3] line 2: in level2", "cell[3] line 5: in a func literal", "cell[3] line 7"}
	if got := frames(lines, cellAt{}); !reflect.DeepEqual(got, want) {
		t.Errorf("frames = %q, want %q", got, want)
	}
	want[2] = "cell[3] line 9"
	if got := frames(lines, cellAt{cell: 3, line: 9}); !reflect.DeepEqual(got, want) {
		t.Errorf("frames at cell[3] line 9 = %q, want %q", got, want)
	}
	if got := frames(lines, cellAt{cell: 4, line: 9}); got[2] != "cell[3] line 7" {
		t.Errorf("the line of cell[4] moved a frame of cell[3]: %q", got)
	}
	for _, l := range lines {
		if !panicLine.MatchString(l) {
			t.Errorf("%q is not recognised as a panic line", l)
		}
	}
	if panicLine.MatchString("my own panic: text\n") {
		t.Error("ordinary stderr text taken for a panic line")
	}
}

func TestCompileError(t *testing.T) {
	e := compileError(4, errors.New("cell[4]/_:2:10: cannot use \"s\" (type stringT) as type intT in return argument"))
	if e.Name != "CompileError" || !strings.HasPrefix(e.Value, "cannot use") || e.Traceback[0] != `cell[4] line 2: cannot use "s" (type stringT) as type intT in return argument` {
		t.Errorf("got %+v", e)
	}
	e = compileError(4, fmt.Errorf("the interpreter failed on this code: nil reflect type"))
	if e.Traceback[0] != "cell[4]: the interpreter failed on this code: nil reflect type" {
		t.Errorf("got %+v", e)
	}
}

func TestDeathError(t *testing.T) {
	for report, want := range map[string]string{
		"runtime: goroutine stack exceeds 268435456-byte limit\nfatal error: stack overflow\n": "StackOverflow",
		"fatal error: runtime: out of memory\n":                                                "OutOfMemory",
		"panic: boom\n\ngoroutine 7 [running]:\n":                                              "GoroutinePanic",
		"": "ImageProcessDied",
	} {
		if got := deathError(report, nil).Name; got != want {
			t.Errorf("deathError(%q) = %s, want %s", report, got, want)
		}
	}
	if i := crashStart([]byte("user text\nfatal error: stack overflow")); i != 10 {
		t.Errorf("crashStart = %d, want 10", i)
	}
	if i := crashStart([]byte("no crash: panic: here")); i != -1 {
		t.Errorf("crashStart found a crash mid-line at %d", i)
	}
}

func TestOutputSplitsHugeWrites(t *testing.T) {
	var sent []streamMsg
	o := newOutput(func(m streamMsg) error { sent = append(sent, m); return nil })
	huge := strings.Repeat("é", maxFrameText) // 2 bytes a rune: twice the frame size
	o.write(1, "stdout", []byte(huge))
	o.flush()
	var got strings.Builder
	for _, m := range sent {
		if len(m.Text) > maxFrameText || !utf8.ValidString(m.Text) {
			t.Fatalf("a frame of %d bytes, valid UTF-8 %v", len(m.Text), utf8.ValidString(m.Text))
		}
		got.WriteString(m.Text)
	}
	if len(sent) < 2 || got.String() != huge {
		t.Errorf("%d frames, text intact %v", len(sent), got.String() == huge)
	}
}

func TestMaxStackStaysUnderTheMemoryLimit(t *testing.T) {
	for _, tc := range []struct {
		limit uint64
		want  int
	}{
		{0, imageMaxStack},
		{16 << 30, imageMaxStack},
		{256 << 20, 64 << 20},
		{32 << 20, 16 << 20},
	} {
		if got := maxStack(tc.limit); got != tc.want {
			t.Errorf("maxStack(%d MiB) = %d MiB, want %d MiB", tc.limit>>20, got>>20, tc.want>>20)
		}
	}
}

func TestMarkLines(t *testing.T) {
	body := "/*line cell[3]/_.go:1:1*/package main\nfunc __cell3() any {\n/*line cell[3]/_.go:1:1*/   \nx  = 1\nfor i := range 3 {\n\tf(i)\n}\n\nif x > 0 { x++ }; x += 2\n__dmV := x; return __dmV\n}\nfunc other() { g() }\n"
	want := "/*line cell[3]/_.go:1:1*/package main\nfunc __cell3() any {\n/*line cell[3]/_.go:1:1*/   \n__dmAt(3, 2); x  = 1\n__dmAt(3, 3); for i := range 3 {\n\tf(i)\n}\n\n__dmAt(3, 7); if x > 0 { x++ }; x += 2\n__dmAt(3, 8); __dmV := x; return __dmV\n}\nfunc other() { g() }\n"
	if got := markLines(body, "__cell3", 3); got != want {
		t.Errorf("markLines =\n%s\nwant\n%s", got, want)
	}
	for _, src := range []string{"package main\nfunc __cell3() {", "package main\nfunc other() { g() }"} {
		if got := markLines(src, "__cell3", 3); got != src {
			t.Errorf("markLines changed %q into %q", src, got)
		}
	}
}
