package mirror

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"

	"github.com/dmirror/dmirror/interp/childproc"
	"github.com/dmirror/dmirror/interp/stdpipe"
)

// RelayMode is the hidden command a Slurm step runs: the relay, which
// runs the mirror (WorkerMode, the arguments that follow) as its child.
//
// A local mirror's fd 1 and 2 are pipes the kernel reads; a Slurm step's
// go to srun, which the kernel does not show. So the relay gives the
// mirror pipes as fd 1 and 2 and passes their read ends down too: the
// mirror reads them itself and sends what compiled code wrote there as
// output frames over its connection, drained before each write of
// interpreted code, in the order written (stdpipe.Inherit). When the
// mirror dies, what it left unread, such as the Go runtime's report of a
// fatal error or of a panic in a compiled goroutine, written as the
// process died, is still in the pipes, and what it had read but not sent
// is in its journal: the relay copies both to srun (Leftover), whose
// output the kernel keeps to explain the death (stepDeath).
//
// The relay is the step's task and the mirror its child, not the other
// way round: slurmstepd kills whatever is left of a step once its task
// has exited, which a relay started by the mirror would be. And the
// relay does not read the pipes while the mirror lives: two readers
// would reorder what each read.
const RelayMode = "__mirror-relay"

// The relay passes the read ends of the mirror's fd 1 and 2 and its
// journal from relayFD on, and says so with relayEnv.
const (
	relayFD  = 3
	relayEnv = "DMIRROR_MIRROR_RELAY"
)

// ServeRelay runs args (a hidden mode and its arguments) as its child with
// pipes as fd 1 and 2, waits for it, copies what it left in them to its
// own stdout and stderr, and exits as the child did, so that srun reports
// the mirror's end. SIGTERM (Slurm's time limit, scancel --signal) is
// passed on.
func ServeRelay(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return errors.New("mirror relay: no mode to run")
	}
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("mirror relay: %w", err)
	}
	pipes, err := stdpipe.NewChildPipes()
	if err != nil {
		return fmt.Errorf("mirror relay: %w", err)
	}
	defer pipes.Close()
	cmd := exec.Command(exe, args...)
	cmd.Env = append(withoutVar(os.Environ(), childproc.ModeEnv), childproc.ModeEnv+"="+args[0], relayEnv+"=1")
	cmd.Stdin = os.Stdin // the step's secret, then EOF
	cmd.Stdout, cmd.Stderr = pipes.Stdout(), pipes.Stderr()
	cmd.ExtraFiles = pipes.ExtraFiles() // from relayFD on
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	err = cmd.Start()
	pipes.Started()
	if err != nil {
		return fmt.Errorf("mirror relay: start the mirror: %w", err)
	}
	stop := context.AfterFunc(ctx, func() {
		cmd.Process.Signal(syscall.SIGTERM) // an error means it ended
	})
	cmd.Wait() // its status is ProcessState's
	stop()
	if err := pipes.Leftover(os.Stdout, os.Stderr); err != nil {
		fmt.Fprintf(os.Stderr, "dmirror: mirror relay: %v\n", err)
	}
	exitAs(cmd.ProcessState)
	return nil
}

// exitAs ends the process as st ended: with its exit status, or killed by
// its signal.
func exitAs(st *os.ProcessState) {
	ws, ok := st.Sys().(syscall.WaitStatus)
	if ok && ws.Signaled() {
		signal.Reset(ws.Signal())
		syscall.Kill(os.Getpid(), ws.Signal()) // if it does not end the process, the exit below does
		os.Exit(128 + int(ws.Signal()))
	}
	os.Exit(st.ExitCode())
}

// withoutVar returns env without name's entries.
func withoutVar(env []string, name string) []string {
	var out []string
	for _, e := range env {
		if !strings.HasPrefix(e, name+"=") {
			out = append(out, e)
		}
	}
	return out
}

// relayedPipes returns the pipes of this mirror's fd 1 and 2 that its
// relay passed down, or nil when it has no relay.
func relayedPipes() ([]*stdpipe.Pipe, error) {
	if os.Getenv(relayEnv) == "" {
		return nil, nil
	}
	os.Unsetenv(relayEnv) // processes cells start have no relay
	return stdpipe.Inherit(relayFD)
}
