package kernelspec

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// isTemporary reports whether the binary at path will not outlive the
// command that built it: under a temporary directory or a go-build one.
func isTemporary(path string, tempDirs []string) bool {
	for _, elem := range strings.Split(filepath.ToSlash(path), "/") {
		if strings.HasPrefix(elem, "go-build") {
			return true
		}
	}
	for _, t := range tempDirs {
		if resolved, err := filepath.EvalSymlinks(t); err == nil {
			t = resolved
		}
		if rel, err := filepath.Rel(t, path); err == nil && !strings.HasPrefix(rel, "..") {
			return true
		}
	}
	return false
}

// copyFile copies src to dst with the given permissions.
func copyFile(src, dst string, perm os.FileMode) (err error) {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, perm)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := out.Close(); err == nil {
			err = cerr
		}
	}()
	_, err = io.Copy(out, in)
	return err
}

// pythonSysPrefix returns sys.prefix of the Python that runs the jupyter
// command on PATH (its #! line), as `jupyter kernelspec install
// --sys-prefix` would use, falling back to /usr/bin/python3.
func pythonSysPrefix() (string, error) {
	python := "/usr/bin/python3"
	if j, err := exec.LookPath("jupyter"); err == nil {
		if p, ok := shebangPython(j); ok {
			python = p
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, python, "-c", "import sys; print(sys.prefix)").Output()
	if err != nil {
		return "", fmt.Errorf("kernelspec: --sys-prefix: ask %s for sys.prefix: %w", python, err)
	}
	prefix := strings.TrimSpace(string(out))
	if prefix == "" {
		return "", errors.New("kernelspec: --sys-prefix: empty sys.prefix")
	}
	return prefix, nil
}

// shebangPython returns the interpreter named by the #! line of script.
func shebangPython(script string) (string, bool) {
	f, err := os.Open(script)
	if err != nil {
		return "", false
	}
	defer f.Close()
	buf := make([]byte, 256)
	n, err := io.ReadFull(f, buf)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
		return "", false
	}
	line, _, _ := strings.Cut(string(buf[:n]), "\n")
	fields := strings.Fields(strings.TrimPrefix(line, "#!"))
	if !strings.HasPrefix(line, "#!") || len(fields) == 0 {
		return "", false
	}
	if filepath.Base(fields[0]) == "env" && len(fields) > 1 {
		p, err := exec.LookPath(fields[1])
		return p, err == nil
	}
	return fields[0], true
}
