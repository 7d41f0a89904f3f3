// Package interp runs notebook cells for the dmirror kernel. It has two
// halves that talk over frame pipes (protocol.go), and a file's name says
// which process it runs in: session*.go the kernel's, image_*.go the image
// process's:
//
//   - Session (kernel process) implements engine.Engine: it compiles cells
//     with package frontend, holds the committed image (declarations and
//     encoded values) and the mirror pool, and relays what the image process
//     produces to the front end. It never runs user code, so a cell that
//     overflows the stack, panics in a goroutine or exits kills only the image
//     process, which the Session restarts and restores.
//   - The image process (ServeImage, the hidden mode ImageMode) holds the
//     live yaegi interpreter, runs plans, captures output per cell, reads
//     stdin through input requests, and restores touched values when a cell
//     fails, so that the image is exactly as it was before the cell.
//
// What cells see differs from compiled Go in a few documented ways:
//
//   - os.Stdout and os.Stderr are not *os.File but a type with the methods
//     code writing to them uses (Write, WriteString, Fd, Name, Sync, Close),
//     so that output is attributed to its cell; os.Stdin likewise reads
//     through input requests.
//   - Interrupting a cell stops every interpreted goroutine, also those that
//     earlier cells started: yaegi cancels per interpreter.
//   - A panic's traceback names the cell's statement that was running (the
//     image process marks each top-level statement of a cell), but, for the
//     frames of funcs, the line where the func's body starts: yaegi does not
//     report the statement that failed.
//   - Values that cannot be copied out of the image process (channels,
//     funcs, mutexes...) live only there; a crash loses them, and the cell's
//     error names them.
package interp
