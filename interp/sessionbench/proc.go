package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// kernelPID finds the kernel process started with connFile in its argv.
func kernelPID(connFile string) (int, error) {
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, d := range dirs {
		argv, err := os.ReadFile(filepath.Join(d, "cmdline"))
		if err != nil {
			continue
		}
		if bytes.Contains(argv, []byte(connFile)) {
			return strconv.Atoi(filepath.Base(d))
		}
	}
	return 0, fmt.Errorf("no process has %s in its argv", connFile)
}

// imagePID finds the image process (argv __image) whose parent is kernel.
func imagePID(kernel int) (int, error) {
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, d := range dirs {
		argv, err := os.ReadFile(filepath.Join(d, "cmdline"))
		if err != nil || !bytes.Contains(argv, []byte("__image")) {
			continue
		}
		if ppid, _ := statusField(filepath.Join(d, "status"), "PPid:"); ppid == uint64(kernel) {
			return strconv.Atoi(filepath.Base(d))
		}
	}
	return 0, fmt.Errorf("kernel %d has no image process", kernel)
}

// rss is a process's resident set in bytes.
func rss(pid int) (uint64, error) {
	kb, err := statusField(fmt.Sprintf("/proc/%d/status", pid), "VmRSS:")
	return kb << 10, err
}

// statusField reads the first number of a line of /proc/PID/status.
func statusField(path, key string) (uint64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) >= 2 && fields[0] == key {
			return strconv.ParseUint(fields[1], 10, 64)
		}
	}
	return 0, fmt.Errorf("%s: no %s", path, key)
}

// cpu is a process's user and system CPU time in seconds.
func cpu(pid int) (float64, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The fields after the command name, which is in parentheses.
	rest := string(data[bytes.LastIndexByte(data, ')')+2:])
	f := strings.Fields(rest)
	if len(f) < 13 {
		return 0, fmt.Errorf("pid %d: short stat", pid)
	}
	ut, _ := strconv.ParseFloat(f[11], 64)
	st, _ := strconv.ParseFloat(f[12], 64)
	return (ut + st) / 100, nil // USER_HZ is 100 on Linux
}
