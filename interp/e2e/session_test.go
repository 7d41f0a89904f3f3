package e2e

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// section is one "-- name --" part of a txtar file.
type section struct{ name, text string }

// readTxtar splits a txtar file into its sections (the comment before the
// first one is dropped).
func readTxtar(t *testing.T, path string) []section {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []section
	for _, line := range strings.SplitAfter(string(data), "\n") {
		trimmed := strings.TrimRight(line, "\n")
		if strings.HasPrefix(trimmed, "-- ") && strings.HasSuffix(trimmed, " --") && len(trimmed) > 6 {
			out = append(out, section{name: trimmed[3 : len(trimmed)-3]})
			continue
		}
		if len(out) > 0 {
			out[len(out)-1].text += line
		}
	}
	return out
}

// TestSessionNeedsEarlierDecls runs the cells of testdata/long_session.txtar
// in one session, where later cells use earlier declarations through other
// declarations (the frontend checks a cell with the committed declarations
// it needs only), and compares what they print with `go run` of the same
// program.
func TestSessionNeedsEarlierDecls(t *testing.T) {
	k := start(t)
	var got strings.Builder
	var program string
	for _, s := range readTxtar(t, "testdata/long_session.txtar") {
		switch s.name {
		case "cell":
			got.WriteString(ok(t, k, s.text).Stream("stdout"))
		case "main.go":
			program = s.text
		}
	}
	if want := goStdout(t, program); got.String() != want {
		t.Errorf("the cells printed\n%s\ngo run printed\n%s", got.String(), want)
	}
}

// TestRunawayAppendFreesMemory: a cell appending to a slice without end is
// stopped with OutOfMemory, the image process gives its memory back at
// once (the idle image kept hundreds of megabytes after a 1 GiB limit,
// 750 MiB at the default one), and the next cell sees the image as it was.
// A loop that cannot end is stopped as a runaway long before the limit
// (at the default limit it ran for most of a minute first): with a 4 GiB
// limit the error must come from the runaway rule; a loop with a condition
// runs until the limit.
func TestRunawayAppendFreesMemory(t *testing.T) {
	tests := []struct {
		name  string
		limit uint64
		cell  string
		says  string // in the error
	}{
		{"endless", 4 << 30, "s := []int{}\nfor {\n\ts = append(s, 1)\n}", "a loop that cannot end"},
		{"bounded", 1 << 30, "s := []int{}\nfor i := 0; i < 1<<40; i++ {\n\ts = append(s, i)\n}", "over the image's limit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k := start(t, fmt.Sprintf("DMIRROR_IMAGE_MEMORY=%d", tt.limit))
			ok(t, k, "kept := 7")
			r := fails(t, k, tt.cell, "OutOfMemory")
			if msg := errorText(r); !strings.Contains(msg, tt.says) {
				t.Errorf("the error does not say %q:\n%s", tt.says, msg)
			}
			img, err := imageProcess(k.ConnFile)
			if err != nil {
				t.Fatal(err)
			}
			rss, err := statusKB(img, "VmRSS:")
			if err != nil {
				t.Fatal(err)
			}
			// An image process holds about 25 MiB after start-up.
			if rss<<10 > 128<<20 {
				t.Errorf("the idle image process holds %d MiB after the stopped cell, want under 128 MiB", rss>>10)
			}
			expect(t, k, "kept + 1", "8")
		})
	}
}

// imageProcess finds the image process of the kernel started with connFile.
func imageProcess(connFile string) (int, error) {
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	kernel := 0
	for _, d := range dirs {
		if argv, err := os.ReadFile(filepath.Join(d, "cmdline")); err == nil && bytes.Contains(argv, []byte(connFile)) {
			kernel, _ = strconv.Atoi(filepath.Base(d))
		}
	}
	if kernel == 0 {
		return 0, fmt.Errorf("no kernel process for %s", connFile)
	}
	for _, d := range dirs {
		argv, err := os.ReadFile(filepath.Join(d, "cmdline"))
		if err != nil || !bytes.Contains(argv, []byte("__image")) {
			continue
		}
		pid, _ := strconv.Atoi(filepath.Base(d))
		if ppid, err := statusKB(pid, "PPid:"); err == nil && int(ppid) == kernel {
			return pid, nil
		}
	}
	return 0, fmt.Errorf("kernel %d has no image process", kernel)
}

// statusKB reads the number of a line of /proc/PID/status.
func statusKB(pid int, key string) (uint64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if fields := strings.Fields(sc.Text()); len(fields) >= 2 && fields[0] == key {
			return strconv.ParseUint(fields[1], 10, 64)
		}
	}
	return 0, fmt.Errorf("pid %d: no %s", pid, key)
}

// TestRunawayGoroutineBetweenCells: a goroutine a cell started that grows
// the heap past the limit while no cell runs cannot be stopped alone
// (yaegi stops goroutines only by cancelling a cell): the image process
// ends instead of growing until the machine runs out of memory, and the
// next cell runs in a restarted image, saying why.
func TestRunawayGoroutineBetweenCells(t *testing.T) {
	k := start(t, fmt.Sprintf("DMIRROR_IMAGE_MEMORY=%d", 512<<20))
	ok(t, k, "kept := 7")
	img, err := imageProcess(k.ConnFile)
	if err != nil {
		t.Fatal(err)
	}
	ok(t, k, "go func() {\n\tvar s []int\n\tfor {\n\t\ts = append(s, 1)\n\t}\n}()")
	// Waiting a second at a time, so that an image process that does not
	// end fails the test at 2 GiB (closing the kernel ends it) rather than
	// taking the machine's memory.
	for deadline := time.Now().Add(testTimeout); !waitExit(t, img, time.Second); {
		if rss, err := statusKB(img, "VmRSS:"); err == nil && rss<<10 > 2<<30 {
			t.Fatalf("the image process holds %d MiB and still runs", rss>>10)
		}
		if time.Now().After(deadline) {
			t.Fatalf("the image process %d still runs after %v", img, testTimeout)
		}
	}
	r := ok(t, k, "kept + 1")
	if got := result(r); got != "8" {
		t.Errorf("kept + 1 = %q after the restart, want 8", got)
	}
	if note := r.Stream("stderr"); !strings.Contains(note, "OutOfMemory") || !strings.Contains(note, "goroutines started by cells grew the live heap") {
		t.Errorf("the next cell's stderr does not say why the image was restarted: %q", note)
	}
}

// waitExit waits for process pid to end (a zombie counts) through a pidfd
// (pidfd_open is system call 434 on every Linux architecture), which turns
// readable when the process ends, and reports whether it did within d.
func waitExit(t *testing.T, pid int, d time.Duration) bool {
	t.Helper()
	fd, _, errno := syscall.Syscall(434, uintptr(pid), 0, 0)
	if errno == syscall.ESRCH {
		return true
	}
	if errno != 0 {
		t.Fatalf("pidfd_open %d: %v", pid, errno)
	}
	defer syscall.Close(int(fd))
	var set syscall.FdSet
	set.Bits[fd/64] |= 1 << (fd % 64)
	tv := syscall.NsecToTimeval(d.Nanoseconds())
	n, err := syscall.Select(int(fd)+1, &set, nil, nil, &tv)
	if err != nil {
		t.Fatal(err)
	}
	return n == 1
}
