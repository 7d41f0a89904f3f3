// Package slurme2e tests mirrors placed through Slurm (DMIRROR_MIRRORS=slurm)
// through the real dmirror binary, a Jupyter client over ZeroMQ, and a
// private Slurm cluster started by the tests (mirror/slurmtest): on one node,
// and on two nodes in network namespaces, where a mirror's 127.0.0.1 is not
// the kernel's. It has only tests.
package slurme2e
