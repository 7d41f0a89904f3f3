package slurmtest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// start starts munged, slurmctld and the nodes, and waits until every node
// is idle.
func (c *Cluster) start(ctx context.Context, opts Options) error {
	c.spawn = newSpawner()
	if err := c.startMunged(ctx); err != nil {
		return err
	}
	ctld, goOn, err := c.startDaemon(ctx, "slurmctld", nil, nil, c.tools.bin["slurmctld"], "-D", "-f", c.Conf)
	if err != nil {
		return err
	}
	c.ctld = ctld
	if err := goOn(); err != nil {
		return fmt.Errorf("slurmctld: %w", err)
	}
	// A slurmd that finds no slurmctld retries its registration a second
	// later: start the nodes once slurmctld answers.
	err = poll(ctx, func() (bool, error) {
		if err := ctld.exited(); err != nil {
			return false, fmt.Errorf("%w\n%s", err, c.logs())
		}
		out, err := c.Run(ctx, "scontrol", "ping")
		return err == nil && strings.Contains(out, "is UP"), nil
	})
	if err != nil {
		return fmt.Errorf("slurmctld: %w", err)
	}
	for _, n := range c.Nodes {
		if err := c.startNode(ctx, n, opts); err != nil {
			return err
		}
	}
	return c.waitIdle(ctx)
}

// startMunged starts munged as the munge user and waits until it answers.
func (c *Cluster) startMunged(ctx context.Context) error {
	dir := filepath.Join(c.Dir, "munge")
	d, goOn, err := c.startDaemon(ctx, "munged", nil, nil,
		c.tools.bin["setpriv"], "--reuid="+strconv.Itoa(c.tools.mungeUID), "--regid="+strconv.Itoa(c.tools.mungeGID), "--clear-groups",
		c.tools.bin["munged"], "--foreground",
		"--socket="+c.mungeSocket(), "--key-file="+filepath.Join(dir, "munge.key"),
		"--pid-file="+filepath.Join(dir, "munged.pid"), "--log-file="+filepath.Join(dir, "munged.log"),
		"--seed-file="+filepath.Join(dir, "munged.seed"))
	if err != nil {
		return err
	}
	c.munged = d
	if err := goOn(); err != nil {
		return fmt.Errorf("munged: %w", err)
	}
	err = poll(ctx, func() (bool, error) {
		if err := d.exited(); err != nil {
			return false, fmt.Errorf("%w\nmunged.log: %s", err, logTail(filepath.Join(dir, "munged.log")))
		}
		return c.Command(ctx, "munge", "-n", "-S", c.mungeSocket()).Run() == nil, nil
	})
	if err != nil {
		return fmt.Errorf("munged: %w", err)
	}
	return nil
}

// startNode starts a node's slurmd in its namespaces; with netns, joined to
// the bridge by a veth pair whose node end is eth0.
func (c *Cluster) startNode(ctx context.Context, n Node, opts Options) error {
	netns := opts.Netns
	ns := []string{"--uts"}
	env := []string{"DMS_SETUP=" + nodeSetup, "DMS_NODE=" + n.Name, "DMS_PRIVATE=" + strings.Join(opts.Private, " ")}
	if netns {
		ns = append(ns, "--net")
		env = append(env, "DMS_ADDR="+n.Addr)
	}
	d, goOn, err := c.startDaemon(ctx, "slurmd "+n.Name, ns, env, c.tools.bin["slurmd"], "-D", "-f", c.Conf, "-N", n.Name)
	if err != nil {
		return err
	}
	c.slurmds[n.Name] = d
	if netns {
		// unshare itself is in the node's network namespace.
		veth := c.bridge + n.Name
		if err := ipCmd(c.tools, "link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", strconv.Itoa(d.cmd.Process.Pid)); err != nil {
			return err
		}
		if err := ipCmd(c.tools, "link", "set", veth, "master", c.bridge, "up"); err != nil {
			return err
		}
	}
	if err := goOn(); err != nil {
		return fmt.Errorf("slurmd %s: %w", n.Name, err)
	}
	return nil
}

// waitIdle polls sinfo until every node is idle, failing at once when a
// daemon ends.
func (c *Cluster) waitIdle(ctx context.Context) error {
	var states string
	err := poll(ctx, func() (bool, error) {
		if err := c.daemonsExited(); err != nil {
			return false, err
		}
		out, err := c.Run(ctx, "sinfo", "-h", "-N", "-o", "%N %T")
		states = strings.TrimSpace(out)
		if err != nil {
			states = err.Error()
			return false, nil
		}
		idle := 0
		for _, l := range strings.Split(states, "\n") {
			if f := strings.Fields(l); len(f) == 2 && f[1] == "idle" {
				idle++
			}
		}
		return idle == len(c.Nodes), nil
	})
	if err != nil {
		return fmt.Errorf("nodes not idle: %w\nsinfo: %s\n%s", err, states, c.logs())
	}
	return nil
}

// daemonsExited returns an error naming the daemons that ended.
func (c *Cluster) daemonsExited() error {
	var errs []error
	for _, d := range c.daemons() {
		errs = append(errs, d.exited())
	}
	return errors.Join(errs...)
}

// daemons lists the daemons started so far: nodes first, munged last, the
// order in which Close kills them.
func (c *Cluster) daemons() []*daemon {
	var ds []*daemon
	for _, n := range c.Nodes {
		if d := c.slurmds[n.Name]; d != nil {
			ds = append(ds, d)
		}
	}
	for _, d := range []*daemon{c.ctld, c.munged} {
		if d != nil {
			ds = append(ds, d)
		}
	}
	return ds
}

// logs returns the end of every daemon's log, for errors.
func (c *Cluster) logs() string {
	var b strings.Builder
	files, _ := filepath.Glob(filepath.Join(c.Dir, "log", "*.log"))
	for _, f := range files {
		fmt.Fprintf(&b, "%s:\n%s\n", filepath.Base(f), logTail(f))
	}
	return b.String()
}

// logTail returns the last lines of a log file.
func logTail(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return strings.Join(lines[max(0, len(lines)-12):], "\n")
}
