// Package kerneltest is a Jupyter client over real ZeroMQ for tests: it
// writes a connection file with random free loopback ports, starts a kernel
// (a command such as the dmirror binary, or an in-process function such as
// kernel.Serve with a fake engine), waits until the kernel answers
// kernel_info the way front ends check it, and then sends requests and
// collects their replies and iopub messages.
//
// Every received message is kept, keyed by its parent, so tests can check
// that a request was answered exactly once and on which channel.
package kerneltest
