// Package display turns Go values into MIME bundles for Jupyter, and gives
// cells their display API.
//
// Host side (compiled into dmirror): Render makes the execute_result of a
// cell's value; HTML, Markdown, PNG and friends build bundles; Progress is a
// bar updated in place with display ids. Exports registers the binary
// package "dmirror/display" that the prelude file 20-display.gotxt calls, so
// that cells write display.HTML("<b>hi</b>") without an import.
//
// Every bundle this package builds carries text/plain, so consoles and
// headless runs show something readable. Text data are strings, binary data
// (image/png, image/jpeg) are base64 strings, JSON data are decoded JSON
// values (maps, slices, float64...), as in the Jupyter protocol.
package display
