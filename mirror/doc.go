// Package mirror runs the Parallel* built-ins: it splits a workload into
// chunks and runs them in mirror processes, the dmirror binary re-executed in
// a worker mode, each holding a copy of the session's image (declarations
// replayed, values shipped by value), and reports failed mirrors the way
// DMirror's post-mortem debuggers do.
package mirror
