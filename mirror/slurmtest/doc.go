// Package slurmtest starts a private Slurm cluster for a test run: its own
// munged, slurmctld and one slurmd per node, on one machine, as root, with no
// systemd and nothing written outside a temporary directory. Tests of the
// Slurm launcher run mirrors on it; the ipyparallel baseline of the mirror
// benchmark runs its engines on it (IpyparallelSlurm).
//
// It does not install Slurm: .ci/test installs Debian's slurm-wlm and munge.
// Without root or without those programs, Start fails the test, unless
// DMIRROR_SLURM_TESTS=optional, when it skips it saying why (CI must run the
// Slurm tests, a developer's laptop may not be able to).
//
// # How the cluster is laid out
//
// Everything lives in one temporary directory (Cluster.Dir):
//
//	etc/slurm.conf          the whole configuration; clients find it through SLURM_CONF (Cluster.Env)
//	munge/                  munged's key (made for this cluster), socket, pid, log and seed
//	state/                  slurmctld's StateSaveLocation
//	spool/NODE/             each slurmd's SlurmdSpoolDir (its sockets, the batch scripts)
//	log/                    slurmctld.log and slurmd-NODE.log
//
// Processes, each the first process (pid 1, a shell that starts the daemon
// and reaps orphans, as init does) of its own PID namespace, so that killing
// it ends everything that started inside, whatever state it is in:
//
//   - munged, as the munge user, with its own key and socket (AuthInfo=socket=…):
//     it does not meet a munged the distribution may run.
//   - slurmctld, on a free TCP port of the machine (SlurmctldPort).
//   - one slurmd per node (n1, n2, …), in its own mount and UTS namespaces with
//     the hostname of its node. slurmd 22.05 always loads a cgroup plugin and
//     exits when it does not find the layout it expects; each node therefore
//     mounts a tmpfs on /sys/fs/cgroup holding an empty named v1 hierarchy
//     (name=systemd), enough for the plugin, and nothing is enforced:
//     ProctrackType=proctrack/linuxproc, TaskPlugin=task/none.
//
// Nodes share the machine's network by default (slurmd on a free port each,
// NodeAddr=127.0.0.1). With Options.Netns each node has its own network
// namespace, joined by a veth pair to a bridge on which the machine is
// 10.213.X.1 and node i is 10.213.X.(10+i) (X is picked among the /24s no
// interface uses): on a node, 127.0.0.1 is the node itself, not the machine
// that runs the kernel, and a task reaches the machine only at the address
// Slurm gives it, SLURM_LAUNCH_NODE_IPADDR (Cluster.HostAddr), as on a real
// cluster. All nodes share the machine's filesystem, as nodes of a site share
// a network filesystem: a binary under /tmp is found on every node, except
// in the directories of Options.Private, which each node covers with a tmpfs
// of its own, as node-local storage (sbcast's target) or a directory the
// nodes do not see.
//
// Slurm's CPUs are per node: every node declares the machine's cores (or
// Options.CPUs), so two nodes on a 2-core machine offer 4 CPUs. Memory is
// not a consumable resource (SelectTypeParameters=CR_CPU).
//
// # What a site has instead
//
// A site runs these daemons under systemd on separate machines: one munge key
// distributed to all of them, slurmctld on a head node (often with slurmdbd
// for accounting), slurmd on each compute node with cgroup enforcement
// (proctrack/cgroup, task/cgroup and task/affinity) and /etc/slurm/slurm.conf
// (or a configless setup) instead of SLURM_CONF; home and project
// directories on a shared filesystem (NFS, Lustre, GPFS) or node-local
// storage filled by sbcast; partitions, accounts, QOS and time limits;
// firewalls that may confine srun's connect-back ports to SrunPortRange. The
// private cluster has none of the policy, and the same protocol: srun,
// salloc, sbatch, squeue and scancel behave as there.
//
// # Timing
//
// On a 2-core VM a cluster starts in 0.35 s (one node) to 0.45 s (two in
// network namespaces) and Close takes 0.1 to 0.2 s, plus up to 3 s when it
// must cancel jobs that do not end at once. Slurm's
// scheduling defaults are kept, as a site has them: salloc and srun get
// their allocation at once (srun -n1 hostname takes 35 to 55 ms), a batch
// job waits up to 3 s for the scheduler (batch_sched_delay), and sbatch
// --wait polls at 2, 4, 8 s, so tests poll squeue instead (WaitNoJobs).
// Options.Config changes any of it.
//
// # Ending
//
// Close (registered by Start with t.Cleanup) cancels the jobs, kills each
// namespace's first process (which ends every process in it, jobs and steps
// included, and with the last of a node's processes its network namespace),
// kills and reports any process outside still carrying this cluster's
// SLURM_CONF (an srun or a kernel the test left running), deletes the veths
// and the bridge, and removes the directory. If the test binary dies, its
// daemons die with it (PR_SET_PDEATHSIG), and the next New, in any test
// process, removes what it left: its bridge, its directory and the
// processes it started with the cluster's SLURM_CONF.
package slurmtest
