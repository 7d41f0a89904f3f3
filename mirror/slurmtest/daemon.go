package slurmtest

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// A daemon is one of the cluster's daemons, run as
//
//	unshare --pid --fork --kill-child --mount-proc [more namespaces] sh -c SCRIPT
//
// The shell is the first process of a new PID namespace: it says "up" on
// its stdout once it runs there (the namespaces exist), waits for a line on
// its stdin (the test process sets up what the namespaces need, a veth),
// runs the setup of the node, then the daemon in the background, and waits,
// reaping the orphans (slurmstepd's) as init does. Killing it with SIGKILL
// kills every process in the namespace; the kernel has reaped them all by
// the time unshare, its parent, sees it end.
type daemon struct {
	name   string
	cmd    *exec.Cmd
	stderr *tail
	pid1   int // the shell's pid in the test process's namespace; 0 if unknown

	done chan struct{} // closed once the daemon's unshare is reaped
	err  error         // cmd.Wait's, once done
}

// daemonScript is what every daemon's shell runs: $DMS_SETUP is the node's
// setup, "$@" the daemon.
const daemonScript = `echo up
read go || exit 1
eval "$DMS_SETUP" || exit 1
unset DMS_SETUP DMS_NODE DMS_ADDR DMS_PRIVATE
"$@" </dev/null >/dev/null & wait $!`

// nodeSetup gives a node its hostname, its address (with Netns: the veth
// the test process moved in is eth0), its private directories (a tmpfs on
// each of $DMS_PRIVATE) and the cgroup layout slurmd 22.05 needs to start:
// a tmpfs on /sys/fs/cgroup with an empty named v1 hierarchy, in the
// node's own mount namespace, enforcing nothing.
const nodeSetup = `hostname "$DMS_NODE" &&
if [ -n "$DMS_ADDR" ]; then
	ip addr add "$DMS_ADDR/24" dev eth0 && ip link set eth0 up && ip link set lo up || exit 1
fi &&
for d in $DMS_PRIVATE; do mount -t tmpfs dmirror-private "$d" || exit 1; done &&
mount -t tmpfs dmirror-slurmtest /sys/fs/cgroup &&
mkdir /sys/fs/cgroup/systemd &&
mount -t cgroup -o none,name=systemd cgroup /sys/fs/cgroup/systemd`

// startDaemon starts a daemon up to the point where its namespaces exist;
// go lets it run once the caller has prepared them. ns are more unshare
// flags, env the setup's variables.
func (c *Cluster) startDaemon(ctx context.Context, name string, ns, env []string, argv ...string) (d *daemon, goOn func() error, err error) {
	args := append([]string{"--pid", "--fork", "--kill-child", "--mount-proc"}, ns...)
	args = append(args, "--", c.tools.bin["sh"], "-c", daemonScript, "sh")
	cmd := exec.Command(c.tools.bin["unshare"], append(args, argv...)...)
	cmd.Env = append(os.Environ(), "PATH="+c.tools.path+":/usr/sbin:/sbin")
	cmd.Env = append(cmd.Env, env...)
	cmd.Dir = "/"
	// The death of the test process takes the daemon with it; unshare
	// passes it on to the namespace (--kill-child).
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	d = &daemon{name: name, cmd: cmd, stderr: &tail{}, done: make(chan struct{})}
	cmd.Stderr = d.stderr
	cmd.WaitDelay = time.Second // a process that kept the daemon's stderr must not hold up Wait
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", name, err)
	}
	up, w, err := os.Pipe()
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", name, err)
	}
	cmd.Stdout = w
	err = c.spawn.start(cmd)
	w.Close() // the child has its own copy
	if err != nil {
		up.Close()
		return nil, nil, fmt.Errorf("%s: %w", name, err)
	}
	go d.wait()
	if err := d.awaitUp(ctx, up); err != nil {
		d.kill()
		return nil, nil, err
	}
	goOn = func() error {
		_, err := stdin.Write([]byte("go\n"))
		return errors.Join(err, stdin.Close())
	}
	return d, goOn, nil
}

// awaitUp reads the shell's "up", then finds the shell's pid.
func (d *daemon) awaitUp(ctx context.Context, up *os.File) error {
	line := make(chan error, 1)
	go func() {
		defer up.Close()
		s := bufio.NewScanner(up)
		if s.Scan() && s.Text() == "up" {
			line <- nil
		} else {
			line <- fmt.Errorf("%s did not start: %s", d.name, d.stderr)
		}
		for s.Scan() { // nothing more is written; EOF when the daemon ends
		}
	}()
	select {
	case err := <-line:
		if err != nil {
			return err
		}
	case <-ctx.Done():
		return fmt.Errorf("%s did not start: %w", d.name, ctx.Err())
	}
	// unshare --fork has one child, the shell.
	pid := d.cmd.Process.Pid
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", pid, pid))
	if f := strings.Fields(string(b)); err == nil && len(f) == 1 {
		d.pid1, _ = strconv.Atoi(f[0])
	}
	return nil
}

func (d *daemon) wait() {
	d.err = d.cmd.Wait()
	close(d.done)
}

// exited reports whether the daemon ended, and how.
func (d *daemon) exited() error {
	select {
	case <-d.done:
		return fmt.Errorf("%s ended (%v): %s", d.name, d.err, d.stderr)
	default:
		return nil
	}
}

// killTimeout bounds the wait for a killed namespace: the kernel kills and
// reaps its processes in milliseconds.
const killTimeout = 10 * time.Second

// kill ends the daemon and everything in its namespace, and waits for it.
func (d *daemon) kill() {
	if d == nil {
		return
	}
	if d.pid1 != 0 {
		_ = syscall.Kill(d.pid1, syscall.SIGKILL) // gone already if it ended by itself
	} else {
		_ = d.cmd.Process.Kill()
	}
	select {
	case <-d.done:
	case <-time.After(killTimeout):
		_ = d.cmd.Process.Kill()
		<-d.done
	}
}

// spawner starts the daemons from one goroutine locked to its OS thread for
// the cluster's lifetime: PR_SET_PDEATHSIG fires when the thread that
// started a child ends, and Go ends the thread of a goroutine that exits
// while locked, which any code in the test process may do.
type spawner struct {
	reqs chan spawnReq
	done chan struct{}
}

type spawnReq struct {
	cmd *exec.Cmd
	err chan error
}

func newSpawner() *spawner {
	s := &spawner{reqs: make(chan spawnReq), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		runtime.LockOSThread() // never unlocked: the thread ends with the goroutine, after its children
		for r := range s.reqs {
			r.err <- r.cmd.Start()
		}
	}()
	return s
}

func (s *spawner) start(cmd *exec.Cmd) error {
	r := spawnReq{cmd: cmd, err: make(chan error, 1)}
	s.reqs <- r
	return <-r.err
}

// stop ends the spawner; every child it started must have ended.
func (s *spawner) stop() {
	if s == nil {
		return
	}
	close(s.reqs)
	<-s.done
}

// tail keeps the last bytes written to it: a daemon's stderr, for errors.
type tail struct {
	mu  sync.Mutex
	buf []byte
}

const tailSize = 4096

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if len(t.buf) > tailSize {
		t.buf = append(t.buf[:0], t.buf[len(t.buf)-tailSize:]...)
	}
	return len(p), nil
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return strings.TrimSpace(string(t.buf))
}
