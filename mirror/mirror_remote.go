package mirror

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"

	"github.com/dmirror/dmirror/interp/native"
)

// remotePortEnv names the variable that tells a mirror started as a Slurm
// step the port the kernel listens on; the mirror dials it at the address
// Slurm gives for the host srun ran on (slurmLaunchAddrEnv). The key and
// the step's token come on stdin, so that they are not in the step's
// environment, which Slurm records and other tools show.
const remotePortEnv = "DMIRROR_MIRROR_PORT"

// slurmLaunchAddrEnv is set by srun in every task: the address of the
// host srun ran on, as the node reaches it (127.0.0.1 on a node is not the
// kernel's host).
const slurmLaunchAddrEnv = "SLURM_LAUNCH_NODE_IPADDR"

// dialRemoteKernel connects a mirror running as a Slurm step to its kernel
// and authenticates both ends.
func dialRemoteKernel(ctx context.Context) (net.Conn, error) {
	key, token, err := readStepSecret(os.Stdin)
	if err != nil {
		return nil, err
	}
	host := os.Getenv(slurmLaunchAddrEnv)
	if host == "" {
		return nil, fmt.Errorf("%s is not set: a mirror with %s runs only as a Slurm step", slurmLaunchAddrEnv, remotePortEnv)
	}
	addr := net.JoinHostPort(host, os.Getenv(remotePortEnv))
	d := net.Dialer{Timeout: authTimeout}
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("dial the kernel: %w", err)
	}
	node := os.Getenv("SLURMD_NODENAME")
	if node == "" {
		node, _ = os.Hostname() // only shown to users
	}
	step := os.Getenv("SLURM_JOB_ID") + "." + os.Getenv("SLURM_STEP_ID")
	if err := dialKernel(c, key, hello{Token: token, Node: node, Step: step}); err != nil {
		c.Close()
		return nil, fmt.Errorf("kernel at %s: %w", addr, err)
	}
	return c, nil
}

// readStepSecret reads "KEY TOKEN\n" (hex key, decimal token) from r, a
// byte at a time: nothing after the line is consumed.
func readStepSecret(r io.Reader) ([]byte, uint64, error) {
	var line []byte
	b := make([]byte, 1)
	for len(line) < 256 {
		if _, err := r.Read(b); err != nil {
			return nil, 0, fmt.Errorf("read the kernel's key on stdin: %w", err)
		}
		if b[0] == '\n' {
			return parseStepSecret(string(line))
		}
		line = append(line, b[0])
	}
	return nil, 0, errors.New("read the kernel's key on stdin: line too long")
}

func parseStepSecret(line string) ([]byte, uint64, error) {
	f := strings.Fields(line)
	if len(f) != 2 {
		return nil, 0, errors.New("the kernel's key on stdin is malformed")
	}
	key, err := hex.DecodeString(f[0])
	if err != nil {
		return nil, 0, fmt.Errorf("the kernel's key on stdin: %w", err)
	}
	token, err := strconv.ParseUint(f[1], 10, 64)
	if err != nil {
		return nil, 0, fmt.Errorf("the step's token on stdin: %w", err)
	}
	return key, token, nil
}

func stepSecret(key []byte, token uint64) string {
	return hex.EncodeToString(key) + " " + strconv.FormatUint(token, 10) + "\n"
}

// genOnNode explains a plugin of compiled declarations that a mirror
// placed by Slurm does not find: the node does not share the kernel's
// files and nothing copied it there.
func genOnNode(path string) error {
	if os.Getenv(remotePortEnv) == "" {
		return nil // a local mirror: the kernel's own file
	}
	if _, err := os.Stat(path); err != nil {
		node, _ := os.Hostname() // only shown
		return fmt.Errorf("the compiled declarations %s are not on node %s (%w): the nodes must see the kernel's cache (%s) on a shared filesystem, or %s=DIR copies them to DIR on each node",
			path, node, err, native.CacheEnv, SlurmBroadcastEnv)
	}
	return nil
}
