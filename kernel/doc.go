// Package kernel speaks the Jupyter messaging protocol (version 5.3) over
// ZeroMQ: a pure wire codec (Decode, Encode), the five sockets of a
// connection file, and the handlers of every request. Cells run through an
// engine.Engine; this package never runs code itself.
//
// Serve owns every goroutine it starts: one reader per socket, the
// heartbeat echo, the executor that runs cells one at a time, and the
// stream flusher. Requests other than execute_request are answered from
// the socket readers, so kernel_info, complete, inspect, is_complete,
// history, interrupt and shutdown are answered while a cell runs.
package kernel
