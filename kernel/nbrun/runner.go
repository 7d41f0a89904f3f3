package nbrun

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/dmirror/dmirror/kernel/engine"
)

// runner executes the cells of one notebook.
type runner struct {
	nb     *notebook
	opts   *options
	eng    engine.Engine
	stderr io.Writer
}

// failure is the cell that stopped the run.
type failure struct {
	where string
	err   *engine.Error
}

// run executes the code cells in order and returns the failure that
// stopped it, if any. Cells after a failure, or after ctx is done, are left
// without outputs.
func (r *runner) run(ctx context.Context) *failure {
	total := 0
	for _, c := range r.nb.cells {
		if isCode(c) {
			total++
		}
	}
	outs := newOutputs()
	var stop *failure
	count, n := 0, 0
	start := time.Now()
	for i, cell := range r.nb.cells {
		if !isCode(cell) {
			continue
		}
		n++
		src, _ := sourceOf(cell) // checked when read
		if stop != nil || ctx.Err() != nil || strings.TrimSpace(src) == "" {
			cell["outputs"], cell["execution_count"] = []any{}, nil
			continue
		}
		count++
		if f := r.runCell(ctx, outs, i, cell, src, count, fmt.Sprintf("cell %d/%d", n, total)); f != nil {
			stop = f
		}
	}
	fmt.Fprintf(r.stderr, "dmirror run: %d of %d code cells run in %s\n", count, total, time.Since(start).Round(time.Millisecond))
	return stop
}

// runCell executes one cell, stores its outputs and reports it on stderr.
// It returns a failure when the cell failed and that stops the run.
func (r *runner) runCell(ctx context.Context, outs *outputs, idx int, cell map[string]any, src string, count int, where string) *failure {
	cctx, cancel := ctx, context.CancelFunc(func() {})
	if r.opts.timeout > 0 {
		cctx, cancel = context.WithTimeoutCause(ctx, r.opts.timeout, errTimeout)
	}
	defer cancel()
	where = fmt.Sprintf("%s (In[%d])", where, count)
	t0 := time.Now()
	sink := outs.start(idx)
	res := r.eng.Execute(cctx, engine.ExecuteRequest{Code: src, Count: count, StoreHistory: true}, sink)
	t1 := time.Now()
	cell["outputs"] = outs.finish(sink, res, count)
	cell["execution_count"] = count
	recordTiming(cell, t0, t1)
	took := t1.Sub(t0).Round(time.Millisecond)
	if res.Error == nil {
		note := ""
		if hasTag(cell, "raises-exception") {
			note = " (tagged raises-exception, but no error)"
		}
		fmt.Fprintf(r.stderr, "%s ok %s%s\n", where, took, note)
		return nil
	}
	summary := res.Error.Name + ": " + res.Error.Value
	if errors.Is(context.Cause(cctx), errTimeout) && ctx.Err() == nil {
		summary = fmt.Sprintf("timed out after %s (%s)", r.opts.timeout, summary)
	}
	switch {
	case hasTag(cell, "raises-exception"):
		fmt.Fprintf(r.stderr, "%s failed as expected (raises-exception) %s: %s\n", where, took, summary)
		return nil
	case r.opts.allowErrors:
		fmt.Fprintf(r.stderr, "%s FAILED %s: %s (--allow-errors: going on)\n", where, took, summary)
		return nil
	}
	fmt.Fprintf(r.stderr, "%s FAILED %s: %s\n", where, took, summary)
	return &failure{where: where, err: res.Error}
}

var errTimeout = errors.New("cell timeout")

func isCode(cell map[string]any) bool { return cell["cell_type"] == "code" }

// write stores the notebook where the options say.
func (r *runner) write(stdout io.Writer) error {
	b, err := r.nb.encode()
	if err != nil {
		return err
	}
	if r.opts.output == "-" {
		if _, err := stdout.Write(b); err != nil {
			return fmt.Errorf("write notebook to stdout: %w", err)
		}
		return nil
	}
	if err := writeFile(r.opts.output, b); err != nil {
		return err
	}
	fmt.Fprintf(r.stderr, "dmirror run: wrote %s\n", r.opts.output)
	return nil
}

// injectParameters inserts, after the cell tagged parameters, a cell
// tagged injected-parameters that sets the -p values, replacing one left
// by an earlier run.
func injectParameters(nb *notebook, params []param) error {
	if len(params) == 0 {
		return nil
	}
	at := -1
	for i, c := range nb.cells {
		if isCode(c) && hasTag(c, "parameters") {
			at = i
			break
		}
	}
	if at < 0 {
		return fmt.Errorf("-p %s given, but no code cell is tagged \"parameters\"", params[0].name)
	}
	src, _ := sourceOf(nb.cells[at])
	decls, err := parameterDecls(src)
	if err != nil {
		return err
	}
	code, err := injectedSource(params, decls)
	if err != nil {
		return err
	}
	cells := make([]map[string]any, 0, len(nb.cells)+1)
	for i, c := range nb.cells {
		if hasTag(c, "injected-parameters") {
			continue
		}
		cells = append(cells, c)
		if i == at {
			cells = append(cells, injectedCell(nb, code))
		}
	}
	nb.cells = cells
	return nil
}

func injectedCell(nb *notebook, code string) map[string]any {
	c := map[string]any{
		"cell_type":       "code",
		"execution_count": nil,
		"metadata":        map[string]any{"tags": []any{"injected-parameters"}},
		"outputs":         []any{},
		"source":          code,
	}
	if nb.minor >= 5 { // cell ids exist from nbformat 4.5 on
		id, taken := "injected-parameters", map[string]bool{}
		for _, other := range nb.cells {
			if s, ok := other["id"].(string); ok {
				taken[s] = true
			}
		}
		for k := 2; taken[id]; k++ {
			id = fmt.Sprintf("injected-parameters-%d", k)
		}
		c["id"] = id
	}
	return c
}

// recordTiming stores when the cell ran in its metadata, under the keys
// nbclient uses.
func recordTiming(cell map[string]any, start, end time.Time) {
	meta, ok := cell["metadata"].(map[string]any)
	if !ok {
		meta = map[string]any{}
		cell["metadata"] = meta
	}
	stamp := func(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000Z") }
	meta["execution"] = map[string]any{
		"iopub.status.busy":   stamp(start),
		"iopub.execute_input": stamp(start),
		"shell.execute_reply": stamp(end),
		"iopub.status.idle":   stamp(end),
	}
}
