package slurmtest

import (
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// Names of what a cluster leaves on the machine while it runs carry the
// pid of the test process that made them, so that the next cluster can
// remove those of dead test processes: the bridge dms<pid>-<n> (base 36,
// to fit the 15 bytes of an interface name with the veths' n<i> suffix)
// and the directory dmirror-slurmtest-<pid>-*.
const (
	bridgePrefix = "dms"
	dirPrefix    = "dmirror-slurmtest-"
	subnetBase   = "10.213."
)

// network makes the bridge the nodes join and picks the addresses: a /24
// of 10.213.0.0/16 that no interface uses. Clusters started at the same
// time by other test processes pick under a lock, so they differ.
func (c *Cluster) network() error {
	unlock, err := lockMachine()
	if err != nil {
		return err
	}
	defer unlock()
	x, err := freeSubnet()
	if err != nil {
		return err
	}
	name := bridgePrefix + strconv.FormatInt(int64(os.Getpid()), 36) + "-" + strconv.FormatInt(int64(clusters.Add(1)), 36)
	host := fmt.Sprintf("%s%d.1", subnetBase, x)
	// A bridge without an address of its own takes the lowest of its
	// ports' and changes it when that port goes: nodes would then send to
	// a stale ARP entry and time out after a node dies (KillNode).
	mac := make([]byte, 6)
	if _, err := rand.Read(mac); err != nil {
		return fmt.Errorf("slurmtest: %w", err)
	}
	mac[0] = mac[0]&^1 | 2 // unicast, locally administered
	if err := ipCmd(c.tools, "link", "add", name, "address", net.HardwareAddr(mac).String(), "type", "bridge"); err != nil {
		return err
	}
	c.bridge = name
	if err := ipCmd(c.tools, "addr", "add", host+"/24", "dev", name); err != nil {
		return err
	}
	if err := ipCmd(c.tools, "link", "set", name, "up"); err != nil {
		return err
	}
	c.HostAddr = host
	for i := range c.Nodes {
		c.Nodes[i].Addr = fmt.Sprintf("%s%d.%d", subnetBase, x, 11+i)
	}
	return nil
}

// freeSubnet returns an X such that no interface has an address in
// 10.213.X.0/24.
func freeSubnet() (int, error) {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return 0, fmt.Errorf("slurmtest: %w", err)
	}
	used := map[int]bool{}
	for _, a := range addrs {
		if ipn, ok := a.(*net.IPNet); ok {
			if ip4 := ipn.IP.To4(); ip4 != nil && ip4[0] == 10 && ip4[1] == 213 {
				used[int(ip4[2])] = true
			}
		}
	}
	start := os.Getpid() % 150 // test processes starting together try different ones first
	for k := range 150 {
		if x := 100 + (start+k)%150; !used[x] {
			return x, nil
		}
	}
	return 0, errors.New("slurmtest: every 10.213.X.0/24 (X from 100 to 249) is in use")
}

// ipCmd runs ip (iproute2).
func ipCmd(t tools, args ...string) error {
	out, err := exec.Command(t.bin["ip"], args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("slurmtest: ip %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}

// deleteLinks deletes the nodes' veths and the bridge. A network namespace
// outlives its last process for a moment (the kernel cleans it up in the
// background), so the veths may still be there.
func (c *Cluster) deleteLinks() error {
	var errs []error
	for _, n := range c.Nodes {
		errs = append(errs, deleteLink(c.tools, c.bridge+n.Name))
	}
	return errors.Join(append(errs, deleteLink(c.tools, c.bridge))...)
}

// deleteLink deletes a network interface, if it exists.
func deleteLink(t tools, name string) error {
	if _, err := net.InterfaceByName(name); err != nil {
		return nil // never made, or gone
	}
	err := ipCmd(t, "link", "del", name)
	if _, gone := net.InterfaceByName(name); gone != nil {
		return nil // deleted, by us or by the kernel
	}
	return err
}

// lockMachine serializes what clusters of different test processes pick
// on this machine (subnets) and the sweep of dead ones, with a flock on
// the temporary directory itself, which leaves no lock file behind.
func lockMachine() (unlock func(), err error) {
	f, err := os.Open(os.TempDir())
	if err != nil {
		return nil, fmt.Errorf("slurmtest: lock: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("slurmtest: lock %s: %w", f.Name(), err)
	}
	return func() { f.Close() }, nil // closing the last descriptor releases the lock
}

// sweepDead removes the bridges and directories of clusters whose test
// process died without closing them (its daemons died with it). Best
// effort: what it cannot remove it leaves to the next sweep.
func sweepDead() {
	unlock, err := lockMachine()
	if err != nil {
		return
	}
	defer unlock()
	if ifs, err := net.Interfaces(); err == nil {
		for _, i := range ifs {
			if pid, ok := ownerPid(i.Name); ok && !alive(pid) {
				if ip := lookIn(append(filepath.SplitList(os.Getenv("PATH")), sbinDirs...), "ip"); ip != "" {
					_ = exec.Command(ip, "link", "del", i.Name).Run() // best effort
				}
			}
		}
	}
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), dirPrefix+"*"))
	for _, d := range dirs {
		rest := strings.TrimPrefix(filepath.Base(d), dirPrefix)
		pid, err := strconv.Atoi(strings.SplitN(rest, "-", 2)[0])
		if err == nil && !alive(pid) {
			// Its daemons died with it; an srun it started may not have.
			killWithConf(filepath.Join(d, "etc", "slurm.conf"))
			_ = os.RemoveAll(d) // best effort
		}
	}
}

// ownerPid reads the pid in a bridge name this package made.
func ownerPid(link string) (int, bool) {
	rest, ok := strings.CutPrefix(link, bridgePrefix)
	if !ok {
		return 0, false
	}
	pid36, _, ok := strings.Cut(rest, "-")
	if !ok {
		return 0, false
	}
	pid, err := strconv.ParseInt(pid36, 36, 32)
	return int(pid), err == nil && pid > 0
}

func alive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
