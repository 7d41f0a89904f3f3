// Package interp runs notebook cells for the dmirror kernel. It has two
// halves that talk over frame pipes:
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
package interp
