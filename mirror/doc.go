// Package mirror runs the Parallel* built-ins: it splits a workload into
// chunks and runs them in mirror processes, the dmirror binary re-executed in
// a worker mode, each holding a copy of the session's image (declarations
// replayed, values shipped by value), and reports failed mirrors the way
// DMirror's post-mortem debuggers do.
//
// Three places run this package, and a file's name says which: kernel_*.go
// run in the kernel process (the Pool, work sharing, Slurm placement),
// image_*.go in the image process (the Parallel* runtime behind the
// prelude), mirror_*.go in a mirror process (ServeWorker and its
// interpreter); files without a prefix are the contracts between them
// (messages, Job, codec, ops).
//
//   - The image process registers ImageExports (the binary package
//     dmirror/parallel behind the prelude's 10-parallel.gotxt). A call
//     splits its workload into chunks and encodes each chunk as one []T
//     value, with the locals its blocks capture (passed by the frontend's
//     __dmBlock options) and the current values of the globals the blocks
//     need, into a Job; anything that cannot be copied (a chan, a func, a
//     file, a mutex) fails the call before any mirror starts, naming the
//     variable. An empty workload starts no mirror. The chunks' outputs
//     come back as one []O value each, which are concatenated. Failed
//     mirrors make the call panic with *Error (ename MirrorError).
//   - The kernel runs Jobs on a Pool with the session's Decls, never
//     decoding elements, reporting output, displays and progress through
//     Events (CellEvents shows them in a cell: output tagged "[mirror N]",
//     a progress bar after about a second that the outcome replaces) and
//     showing RenderFailures(outcome.Failures). A warm mirror receives only
//     the declaration chunks after those it holds, compared by content
//     (declHashes), so the declarations of the running cell do not make it
//     rebuild.
//   - A mirror (ServeWorker) replays the declarations it has not seen,
//     sets the shipped globals, and runs its chunk as one generated
//     interpreted func that applies the blocks to every element (mirror_loop.go):
//     a func literal block is inlined there, because a call of an
//     interpreted func costs yaegi about a microsecond. A failing element
//     is re-run in a fresh interpreter under yaegi's debugger to recover
//     the interpreted frames and their locals. Each mirror's address space
//     is limited (childproc.MirrorMemoryEnv), so a runaway block fails its mirror with
//     "out of memory" rather than the machine; a mirror collects garbage
//     after a fixed allocation budget, on a P of its own while a long
//     chunk collects (tuneRuntime). A mirror reads and writes its frames
//     with raw system calls (frame.Quiet), so that a chunk's start does
//     not wake the Go runtime's monitor into a pace that costs the
//     computing cores; a timer (pulse) wakes it instead.
//
// The image contract: a mirror has every declaration the session made up
// to the call; a block sees the kernel's current values of the globals it
// uses and of the locals it captures, copied, never recomputed (cells are
// never re-run); writes a block makes to globals stay in its mirror; what a
// block displays (display.*) in a mirror is shown in the cell, its metadata
// naming the mirror ("dmirror": {"mirror": N}), except display.Clear, which
// is ignored in mirrors. Session-defined types travel both ways through
// package values, held in interfaces (any, map[string]any) too: a mirror
// decodes with its declared types known, as recursive ones (a *Node in a
// []any) need, and so does the image if ImageHooks.Decoder is set. A value
// of a session type held in an interface with methods (a session error
// type as error, a session interface) cannot travel, because yaegi holds
// it with interpreter state: the call fails naming the variable, element
// or results; nil ones travel.
//
// Chunks are balanced and contiguous (the remainder on the first ones), one
// per mirror, never empty; CreateMirror makes one chunk per element, run on
// up to DefaultCores mirrors at a time. A mirror left with nothing to do
// takes the second half of what is left of the running chunk with the most
// elements left, which that mirror gives away at its next tick (share.go):
// a slow core or costly elements do not keep a call waiting on one mirror
// while another idles. AnySatisfy, AllSatisfy and
// NoneSatisfy stop the other mirrors once the answer is known, and then do
// not report their failures; for the other ops, a failed mirror stops the
// others at once, as the call's result is lost. Interrupt (the context)
// stops every mirror within cancelGrace, killing and replacing one that
// does not stop. The pool replaces a mirror that died while idle before a
// call uses it.
//
// Mirrors run on this machine (child processes, interp/childproc) or as
// steps of a Slurm allocation (SlurmOptions, slurm*.go): a launcher starts
// them; a Slurm mirror dials the kernel back over TCP and both ends
// authenticate (auth.go) before the same frames flow as over pipes.
// Mirrors() lists where the pool's mirrors run (OpMirrors).
package mirror
