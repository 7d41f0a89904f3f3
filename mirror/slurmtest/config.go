package slurmtest

import (
	"crypto/rand"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// configure makes the directories, the munge key and slurm.conf, and with
// Netns the bridge the nodes will join.
func (c *Cluster) configure(opts Options, hw machine) error {
	if err := os.Chmod(c.Dir, 0o755); err != nil { // munged and jobs of other users read below it
		return fmt.Errorf("slurmtest: %w", err)
	}
	for i := 1; i <= opts.Nodes; i++ {
		c.Nodes = append(c.Nodes, Node{Name: "n" + strconv.Itoa(i), Addr: "127.0.0.1"})
	}
	dirs := []string{"etc", "state", "log", "munge"}
	for _, n := range c.Nodes {
		dirs = append(dirs, filepath.Join("spool", n.Name))
	}
	for _, d := range dirs {
		if err := os.MkdirAll(filepath.Join(c.Dir, d), 0o755); err != nil {
			return fmt.Errorf("slurmtest: %w", err)
		}
	}
	if len(c.mungeSocket()) > 100 { // sun_path holds 108 bytes; slurmd's step sockets are longer
		return fmt.Errorf("slurmtest: %s is too long a path for unix sockets: set TMPDIR to a shorter directory", c.Dir)
	}
	if err := c.mungeKey(); err != nil {
		return err
	}
	ports, err := freePorts(1 + opts.Nodes)
	if err != nil {
		return err
	}
	ctldHost := "localhost"
	if opts.Netns {
		if err := c.network(); err != nil {
			return err
		}
		// "localhost" passes slurmctld's check that it runs on SlurmctldHost;
		// the address in parentheses is what the nodes dial.
		ctldHost = "localhost(" + c.HostAddr + ")"
	}
	conf := c.slurmConf(opts, hw, ctldHost, ports)
	if err := os.WriteFile(c.Conf, []byte(conf), 0o644); err != nil {
		return fmt.Errorf("slurmtest: %w", err)
	}
	return nil
}

func (c *Cluster) mungeSocket() string { return filepath.Join(c.Dir, "munge", "munge.socket") }

// mungeKey writes a fresh key readable by munged only; munged refuses a key
// or directory others may write.
func (c *Cluster) mungeKey() error {
	dir := filepath.Join(c.Dir, "munge")
	key := make([]byte, 1024)
	if _, err := rand.Read(key); err != nil {
		return fmt.Errorf("slurmtest: munge key: %w", err)
	}
	path := filepath.Join(dir, "munge.key")
	if err := os.WriteFile(path, key, 0o400); err != nil {
		return fmt.Errorf("slurmtest: munge key: %w", err)
	}
	for _, p := range []string{dir, path} {
		if err := os.Chown(p, c.tools.mungeUID, c.tools.mungeGID); err != nil {
			return fmt.Errorf("slurmtest: munge key: %w", err)
		}
	}
	// Clients (srun, slurmd) reach the socket inside; they cannot list it.
	return os.Chmod(dir, 0o711)
}

// freePorts returns n TCP ports nobody listens on now. They are free only
// until someone else takes them; slurmctld or slurmd would then fail to
// start, naming the port in its log.
func freePorts(n int) ([]int, error) {
	var ports []int
	for range n {
		l, err := net.Listen("tcp", ":0")
		if err != nil {
			return nil, fmt.Errorf("slurmtest: pick a port: %w", err)
		}
		defer l.Close() // held until all are picked, so that they differ
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// slurmConf is the configuration: the spike's (../shared/research/slurm-spike.md),
// with ports, paths and nodes of this cluster.
func (c *Cluster) slurmConf(opts Options, hw machine, ctldHost string, ports []int) string {
	d := c.Dir
	topo := fmt.Sprintf("CPUs=%d Boards=%d SocketsPerBoard=%d CoresPerSocket=%d ThreadsPerCore=%d", hw.cpus, hw.boards, hw.sockets, hw.cores, hw.threads)
	if opts.CPUs != hw.cpus {
		topo = fmt.Sprintf("CPUs=%d Boards=1 SocketsPerBoard=1 CoresPerSocket=%d ThreadsPerCore=1", opts.CPUs, opts.CPUs)
	}
	lines := []string{
		"# written by github.com/dmirror/dmirror/mirror/slurmtest",
		"ClusterName=dmirrortest",
		"SlurmctldHost=" + ctldHost,
		"SlurmctldPort=" + strconv.Itoa(ports[0]),
		"SlurmdPort=" + strconv.Itoa(ports[1]),
		"SlurmUser=root",
		"SlurmdUser=root",
		"AuthType=auth/munge",
		"AuthInfo=socket=" + c.mungeSocket(),
		"CredType=cred/munge",
		"MailProg=/bin/true", // Debian has no /usr/bin/mail by default; slurmctld complains without one
		"StateSaveLocation=" + d + "/state",
		"SlurmdSpoolDir=" + d + "/spool/%n",
		"SlurmctldPidFile=" + d + "/slurmctld.pid",
		"SlurmdPidFile=" + d + "/spool/%n/slurmd.pid",
		"SlurmctldLogFile=" + d + "/log/slurmctld.log",
		"SlurmdLogFile=" + d + "/log/slurmd-%n.log",
		"SlurmctldDebug=info",
		"SlurmdDebug=info",
		// No cgroup enforcement: the nodes' cgroup layout is a stand-in.
		"ProctrackType=proctrack/linuxproc",
		"TaskPlugin=task/none",
		"JobAcctGatherType=jobacct_gather/none",
		// CPUs are the only consumable: a job without --mem does not take a
		// whole node.
		"SelectType=select/cons_tres",
		"SelectTypeParameters=CR_CPU",
		"SchedulerType=sched/backfill",
		"AccountingStorageType=accounting_storage/none",
		"JobCompType=jobcomp/none",
		"MpiDefault=none",
		"ReturnToService=2",
	}
	mem := hw.memMiB / len(c.Nodes)
	for i, n := range c.Nodes {
		line := fmt.Sprintf("NodeName=%s NodeAddr=%s %s RealMemory=%d State=UNKNOWN", n.Name, n.Addr, topo, mem)
		if opts.Netns {
			line = fmt.Sprintf("NodeName=%s NodeHostname=%s NodeAddr=%s %s RealMemory=%d State=UNKNOWN", n.Name, n.Name, n.Addr, topo, mem)
		} else {
			// One machine, one address: each slurmd on its own port
			// (Debian builds Slurm with --enable-multiple-slurmd).
			line = fmt.Sprintf("NodeName=%s NodeHostname=localhost NodeAddr=%s Port=%d %s RealMemory=%d State=UNKNOWN", n.Name, n.Addr, ports[1+i], topo, mem)
		}
		lines = append(lines, line)
	}
	lines = append(lines, "PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP")
	lines = append(lines, opts.Config...)
	return strings.Join(lines, "\n") + "\n"
}
