package mirror

import (
	"bufio"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// holderScript runs in the allocation's salloc, on the kernel's host: it
// says what Slurm granted, then holds the allocation. salloc releases it
// when it gets SIGHUP (release, or Pdeathsig when the kernel dies, kill -9
// too), or, should the signal not come, a few seconds after the command's
// stdin, a pipe from the kernel, ends. SIGHUP, because salloc 22.05 given
// SIGTERM or SIGINT revokes the allocation but waits for its command; and
// the command does not end at once with the kernel, because a salloc whose
// command ended as the signal came spun in wait4 (ECHILD) forever, holding
// a CPU (1 in 4 kills of the kernel here). Measured: salloc gone 4 to 155
// ms after kill -9 of the kernel, 8 of 8.
const holderScript = `echo "DMIRROR_ALLOC $SLURM_JOB_ID ${SLURM_NTASKS:-0} ${SLURM_CPUS_PER_TASK:-0} ${SLURM_JOB_CPUS_PER_NODE:-0} $SLURM_JOB_NODELIST"; cat >/dev/null; exec sleep 5`

// How long releasing an allocation waits for salloc at each step.
const releaseGrace = 5 * time.Second

// allocation is the Slurm job whose steps are the kernel's mirrors.
type allocation struct {
	job         string
	tasks       int // how many mirrors it holds (0: unknown)
	cpusPerTask int
	nodes       string   // Slurm's hostlist (n[1-2])
	facing      []string // the kernel's addresses the nodes reach; "" is every address
	env         []string // of Slurm's commands

	holder *exec.Cmd // salloc; nil when it is the kernel's own job
	stdin  *os.File  // our end of the holder's stdin
	done   chan struct{}
	// msgs holds salloc's messages: a file, not a pipe, because a salloc
	// whose stderr is a pipe to a dead kernel spins on the broken pipe
	// (SIGPIPE caught, the write retried) instead of exiting.
	msgs      *os.File
	once      sync.Once
	err       error
	condemned atomic.Bool
	lostMu    sync.Mutex
	lost      []string
	// granted: the holder's command runs; before, salloc waits in the
	// queue, and gets a second to give up when released.
	granted bool
}

// allocate makes the kernel's allocation for n mirrors, or takes the job
// the kernel runs in. It gives up after opts.Timeout with Slurm's message.
func allocate(ctx context.Context, opts SlurmOptions, env []string, n int, exclude []string) (*allocation, error) {
	if job := lookupEnv(env, "SLURM_JOB_ID"); job != "" {
		a := &allocation{job: job, nodes: lookupEnv(env, "SLURM_JOB_NODELIST"), env: env}
		a.setSize(lookupEnv(env, "SLURM_NTASKS"), lookupEnv(env, "SLURM_CPUS_PER_TASK"), lookupEnv(env, "SLURM_JOB_CPUS_PER_NODE"))
		a.facing = facingAddrs(ctx, env, a.nodes)
		return a, nil
	}
	args := []string{"--job-name=dmirror"}
	if !hasTaskCount(opts.Args) {
		args = append(args, "--ntasks="+strconv.Itoa(n))
	}
	if len(exclude) > 0 && !hasOption(opts.Args, "-x", "--exclude") {
		args = append(args, "--exclude="+strings.Join(exclude, ","))
	}
	args = append(append(args, opts.Args...), "--", "/bin/sh", "-c", holderScript)
	a := &allocation{env: env, done: make(chan struct{})}
	line, err := a.startHolder(args)
	if err != nil {
		return nil, err
	}
	t := time.NewTimer(opts.Timeout)
	defer t.Stop()
	select {
	case l := <-line:
		a.granted = true
		if err := a.parseGrant(l); err != nil {
			a.release()
			return nil, err
		}
	case <-a.done:
		msg := lastLines(a.messages(), 3)
		a.msgs.Close()
		return nil, fmt.Errorf("mirror: no Slurm allocation: %s %s", msg, slurmHint)
	case <-ctx.Done():
		a.release()
		return nil, fmt.Errorf("mirror: waiting for a Slurm allocation: %w", ctx.Err())
	case <-t.C:
		msg := lastLines(a.messages(), 2)
		a.release()
		return nil, fmt.Errorf("mirror: no Slurm allocation within %v (%s) %s", opts.Timeout, msg, slurmHint)
	}
	a.facing = facingAddrs(ctx, env, a.nodes)
	return a, nil
}

// startHolder starts salloc and returns the channel of its command's
// first line.
func (a *allocation) startHolder(args []string) (<-chan string, error) {
	inR, inW, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("mirror: pipe: %w", err)
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		closeFiles(inR, inW)
		return nil, fmt.Errorf("mirror: pipe: %w", err)
	}
	if a.msgs, err = os.CreateTemp("", "dmirror-salloc-"); err != nil {
		closeFiles(inR, inW, outR, outW)
		return nil, fmt.Errorf("mirror: salloc's messages: %w", err)
	}
	os.Remove(a.msgs.Name()) // open, it lives until closed
	cmd := exec.Command("salloc", args...)
	cmd.Env = a.env
	cmd.Stdin, cmd.Stdout, cmd.Stderr = inR, outW, a.msgs
	// Its own process group keeps a Ctrl-C meant for the kernel from
	// reaching it; the kernel's death ends it (SIGHUP: salloc then
	// releases the allocation; see holderScript).
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGHUP}
	cmd.WaitDelay = releaseGrace
	err = cmd.Start()
	closeFiles(inR, outW)
	if err != nil {
		closeFiles(inW, outR, a.msgs)
		return nil, fmt.Errorf("mirror: start salloc (Slurm's client commands must be on PATH): %w %s", err, slurmHint)
	}
	a.holder, a.stdin = cmd, inW
	line := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(outR)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "DMIRROR_ALLOC ") {
				line <- sc.Text()
				break
			}
		}
		io.Copy(io.Discard, outR) // until the holder ends
		outR.Close()
	}()
	go func() {
		a.err = cmd.Wait()
		close(a.done)
	}()
	return line, nil
}

// messages returns the last of what salloc said.
func (a *allocation) messages() string {
	st, err := a.msgs.Stat()
	if err != nil {
		return ""
	}
	off := max(st.Size()-4096, 0)
	b := make([]byte, st.Size()-off)
	n, _ := a.msgs.ReadAt(b, off)
	return string(b[:n])
}

// parseGrant reads the holder's line: job, tasks, CPUs per task, CPUs per
// node, nodes.
func (a *allocation) parseGrant(line string) error {
	f := strings.Fields(line)
	if len(f) != 6 || f[1] == "" {
		return fmt.Errorf("mirror: salloc's command said %q", line)
	}
	a.job, a.nodes = f[1], f[5]
	a.setSize(f[2], f[3], f[4])
	return nil
}

// setSize sets how many mirrors the allocation holds from Slurm's
// SLURM_NTASKS, SLURM_CPUS_PER_TASK and SLURM_JOB_CPUS_PER_NODE ("2(x2),1").
func (a *allocation) setSize(ntasks, cpusPerTask, cpusPerNode string) {
	a.cpusPerTask, _ = strconv.Atoi(cpusPerTask)
	if t, _ := strconv.Atoi(ntasks); t > 0 {
		a.tasks = t
		return
	}
	cpus := 0
	for _, part := range strings.Split(cpusPerNode, ",") {
		n, times := part, "1"
		if i := strings.Index(part, "(x"); i >= 0 {
			n, times = part[:i], strings.TrimSuffix(part[i+2:], ")")
		}
		c, _ := strconv.Atoi(n)
		k, _ := strconv.Atoi(times)
		cpus += c * k
	}
	a.tasks = cpus / max(a.cpusPerTask, 1)
}

// condemn marks an allocation that lost node: Slurm ends a job whose
// node failed, so the launcher makes a new one without it. The kernel's
// own job (no holder) is kept: it cannot be replaced.
func (a *allocation) condemn(node string) {
	if a == nil || a.holder == nil {
		return
	}
	a.lostMu.Lock()
	defer a.lostMu.Unlock()
	if node != "" && !slices.Contains(a.lost, node) {
		a.lost = append(a.lost, node)
	}
	a.condemned.Store(true)
}

func (a *allocation) isCondemned() bool { return a != nil && a.condemned.Load() }

func (a *allocation) lostNodes() []string {
	a.lostMu.Lock()
	defer a.lostMu.Unlock()
	return slices.Clone(a.lost)
}

func (a *allocation) ended() bool {
	if a.holder == nil {
		return false
	}
	select {
	case <-a.done:
		return true
	default:
		return false
	}
}

// release gives the allocation back: the holder's stdin ends, salloc
// releases it and exits; a salloc that does not is terminated, then
// killed, and the job cancelled.
func (a *allocation) release() error {
	if a.holder == nil {
		return nil
	}
	var err error
	a.once.Do(func() {
		// SIGHUP: salloc ends its command and releases the allocation, or
		// withdraws its request; a salloc still waiting (for the queue, or
		// retrying to read its configuration) gets a second to give up.
		grace := releaseGrace
		if !a.granted {
			grace = time.Second
		}
		a.holder.Process.Signal(syscall.SIGHUP) // an error means it ended
		a.stdin.Close()
		if a.wait(grace) {
			a.msgs.Close()
			return
		}
		a.holder.Process.Kill()
		<-a.done
		defer a.msgs.Close()
		job := a.job
		if m := pendingJob.FindStringSubmatch(a.messages()); job == "" && m != nil {
			job = m[1]
		}
		if job != "" {
			ctx, cancel := context.WithTimeout(context.Background(), releaseGrace)
			defer cancel()
			if out, cerr := slurmCommand(ctx, a.env, "scancel", job).CombinedOutput(); cerr != nil {
				err = fmt.Errorf("mirror: cancel Slurm job %s: %v: %s", job, cerr, out)
			}
		}
	})
	return err
}

// pendingJob finds the job salloc asked for in its messages.
var pendingJob = regexp.MustCompile(`(?:Pending|Granted) job allocation (\d+)`)

func (a *allocation) wait(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-a.done:
		return true
	case <-t.C:
		return false
	}
}

// facingAddrs returns the kernel's addresses that the nodes reach it at:
// for each node's address (sinfo's NodeAddr), the local address of the
// route to it. If the nodes cannot be looked up, it listens on every
// address ("").
func facingAddrs(ctx context.Context, env []string, nodes string) []string {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	out, err := slurmCommand(ctx, env, "sinfo", "-h", "-N", "-n", nodes, "-o", "%o").Output()
	if err != nil {
		return []string{""}
	}
	var addrs []string
	seen := map[string]bool{}
	for _, na := range strings.Fields(string(out)) {
		ip := localAddrToward(na)
		if ip == "" {
			return []string{""}
		}
		if !seen[ip] {
			seen[ip] = true
			addrs = append(addrs, ip)
		}
	}
	if len(addrs) == 0 {
		return []string{""}
	}
	return addrs
}

// localAddrToward returns the local address of the route to host ("" if
// there is none): a UDP socket is connected, which sends nothing.
func localAddrToward(host string) string {
	c, err := net.Dial("udp", net.JoinHostPort(host, "9"))
	if err != nil {
		return ""
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).IP.String()
}

// broadcast copies file (a binary, a plugin) to dir on every node of a
// (sbcast) and returns the copy's path, named by the file's content so
// that kernels do not overwrite one another's, with its extension (.so).
func broadcast(ctx context.Context, a *allocation, env []string, file, dir string, timeout time.Duration) (string, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return "", fmt.Errorf("mirror: read %s to broadcast it: %w", file, err)
	}
	dest := filepath.Join(dir, fmt.Sprintf("dmirror-%d-%.16x%s", os.Getuid(), sha256.Sum256(data), filepath.Ext(file)))
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	out, err := slurmCommand(ctx, env, "sbcast", "--jobid="+a.job, "--force", "--preserve", file, dest).CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("mirror: copy %s to %s on the nodes of Slurm job %s (%s): %v: %s", file, dest, a.job, SlurmBroadcastEnv, err, lastLines(string(out), 3))
	}
	return dest, nil
}

// hasOption says whether args set the option short or long.
func hasOption(args []string, short, long string) bool {
	for _, a := range args {
		if a == short || a == long || strings.HasPrefix(a, long+"=") || (strings.HasPrefix(a, short) && !strings.HasPrefix(a, "--")) {
			return true
		}
	}
	return false
}

func hasTaskCount(args []string) bool {
	for _, a := range args {
		if a == "-n" || strings.HasPrefix(a, "--ntasks=") || a == "--ntasks" || (strings.HasPrefix(a, "-n") && !strings.HasPrefix(a, "--")) {
			return true
		}
	}
	return false
}

func lookupEnv(env []string, name string) string {
	v := ""
	for _, e := range env {
		if strings.HasPrefix(e, name+"=") {
			v = e[len(name)+1:]
		}
	}
	return v
}

func closeFiles(fs ...*os.File) {
	for _, f := range fs {
		f.Close() // a pipe end: nothing to do about a failed close
	}
}
