package slurmtest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

// tools are the programs the cluster runs, by absolute path.
type tools struct {
	bin  map[string]string
	path string // PATH for clients: the machine's, with the Slurm commands' directories
	// munge is the munge user's uid and gid, which munged runs as.
	mungeUID, mungeGID int
}

// sbinDirs hold the daemons, which a test's PATH often lacks.
var sbinDirs = []string{"/usr/sbin", "/sbin", "/usr/local/sbin"}

// programs returns the programs a cluster with these options needs.
func programs(opts Options) []string {
	p := []string{"slurmctld", "slurmd", "munged", "munge", "srun", "sbatch", "salloc", "squeue", "sinfo", "scancel", "scontrol", "unshare", "setpriv", "sh", "mount"}
	if opts.Netns {
		p = append(p, "ip")
	}
	return p
}

// Check says why this machine cannot run a cluster with these options
// (nil if it can): not root, a program missing, no munge user.
func Check(opts Options) error {
	if os.Geteuid() != 0 {
		return errors.New("slurmtest: a private Slurm cluster needs root (namespaces, mounts, munged as the munge user)")
	}
	if opts.Netns && opts.Nodes > 9 {
		return fmt.Errorf("slurmtest: at most 9 nodes with Netns, not %d", opts.Nodes)
	}
	for _, d := range opts.Private {
		if !filepath.IsAbs(d) || strings.ContainsAny(d, " \t\n") {
			return fmt.Errorf("slurmtest: private directory %q: want an absolute path without spaces", d)
		}
		if fi, err := os.Stat(d); err != nil || !fi.IsDir() {
			return fmt.Errorf("slurmtest: private directory %q: not a directory", d)
		}
	}
	_, err := findTools(opts)
	return err
}

// findTools looks the programs up in PATH and the sbin directories.
func findTools(opts Options) (tools, error) {
	dirs := append(filepath.SplitList(os.Getenv("PATH")), sbinDirs...)
	t := tools{bin: map[string]string{}}
	var missing []string
	for _, name := range programs(opts) {
		p := lookIn(dirs, name)
		if p == "" {
			missing = append(missing, name)
			continue
		}
		t.bin[name] = p
	}
	if len(missing) > 0 {
		return t, fmt.Errorf("slurmtest: not installed: %s (Debian: apt-get install slurm-wlm munge util-linux iproute2)", strings.Join(missing, ", "))
	}
	u, err := user.Lookup("munge")
	if err != nil {
		return t, fmt.Errorf("slurmtest: no munge user (Debian's munge package makes it): %w", err)
	}
	t.mungeUID, _ = strconv.Atoi(u.Uid)
	t.mungeGID, _ = strconv.Atoi(u.Gid)
	t.path = clientPath(t.bin["srun"])
	return t, nil
}

// lookIn finds an executable file called name in dirs.
func lookIn(dirs []string, name string) string {
	for _, d := range dirs {
		if d == "" {
			continue
		}
		p := filepath.Join(d, name)
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
			return p
		}
	}
	return ""
}

// clientPath is the machine's PATH with srun's directory added if missing.
func clientPath(srun string) string {
	path := os.Getenv("PATH")
	dir := filepath.Dir(srun)
	for _, d := range filepath.SplitList(path) {
		if d == dir {
			return path
		}
	}
	if path == "" {
		return dir
	}
	return path + string(filepath.ListSeparator) + dir
}

// machine is what slurmd -C reports of this machine.
type machine struct {
	cpus, boards, sockets, cores, threads, memMiB int
}

var slurmdC = regexp.MustCompile(`\b(CPUs|Boards|SocketsPerBoard|CoresPerSocket|ThreadsPerCore|RealMemory)=(\d+)`)

// hardware asks slurmd -C: a node line with this topology is what slurmd
// accepts without "reconfigured socket/core boundaries" complaints.
func hardware(ctx context.Context, t tools) (machine, error) {
	out, err := exec.CommandContext(ctx, t.bin["slurmd"], "-C").Output()
	if err != nil {
		return machine{}, fmt.Errorf("slurmtest: slurmd -C: %w", err)
	}
	var m machine
	fields := map[string]*int{"CPUs": &m.cpus, "Boards": &m.boards, "SocketsPerBoard": &m.sockets, "CoresPerSocket": &m.cores, "ThreadsPerCore": &m.threads, "RealMemory": &m.memMiB}
	for _, sm := range slurmdC.FindAllStringSubmatch(string(out), -1) {
		*fields[sm[1]], _ = strconv.Atoi(sm[2])
	}
	if m.cpus == 0 || m.memMiB == 0 || m.boards*m.sockets*m.cores*m.threads != m.cpus {
		return machine{}, fmt.Errorf("slurmtest: cannot read slurmd -C: %q", out)
	}
	return m, nil
}
