package mirror

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"runtime"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	yaegi "github.com/traefik/yaegi/interp"

	"github.com/dmirror/dmirror/interp/frontend"
	"github.com/dmirror/dmirror/interp/values"
)

// PackagePath is the import path of the binary package behind the
// prelude's Parallel built-ins (10-parallel.gotxt).
const PackagePath = "dmirror/parallel"

// ImageHooks connect the image-side runtime to the image process.
type ImageHooks struct {
	// Run runs a Job on the kernel's mirrors and returns its outcome.
	Run func(ctx context.Context, job *Job) (*Outcome, error)
	// Block returns the frontend's description of a block by ID.
	Block func(id int) (frontend.Block, bool)
	// Global returns the current value of a package variable.
	Global func(name string) (reflect.Value, bool)
	// Context returns the context of the running cell.
	Context func() context.Context
	// Decoder, if set, returns a decoder that knows the image's declared
	// types (values.KnownTypes), made before the running cell's body ran:
	// results holding a recursive session type in an interface (a *Node
	// returned as any) decode only with it. Without it such results fail
	// the call with an error that says so.
	Decoder func() *values.Decoder
}

// ImageExports returns the dmirror/parallel package for the image process:
// a Parallel call ships its workload, blocks, captured values and needed
// globals as a Job to h.Run.
func ImageExports(h ImageHooks) yaegi.Exports {
	rt := &imageRuntime{h: h}
	rt.cores.Store(int64(runtime.NumCPU()))
	return exportsOf(rt.call, rt)
}

// WorkerExports returns the dmirror/parallel package for mirrors: there a
// Parallel call made by a block runs sequentially, in order.
func WorkerExports() yaegi.Exports {
	rt := &imageRuntime{}
	rt.cores.Store(int64(runtime.NumCPU()))
	call := func(op string, xs any, blocks []any, opts []any) any {
		if _, err := parseOptions(opts); err != nil {
			panic(fmt.Errorf("%s: %w", opName(op), err))
		}
		fs := make([]reflect.Value, len(blocks))
		for k, b := range blocks {
			fs[k] = reflect.ValueOf(b)
		}
		res, err := runLocal(op, reflect.ValueOf(xs), fs)
		if err != nil {
			panic(fmt.Errorf("%s: %w", opName(op), err))
		}
		return res.Interface()
	}
	return exportsOf(call, rt)
}

func exportsOf(call func(string, any, []any, []any) any, rt *imageRuntime) yaegi.Exports {
	return yaegi.Exports{PackagePath + "/parallel": {
		"Call":            reflect.ValueOf(call),
		"Mirrors":         reflect.ValueOf(rt.mirrors),
		"DefaultCores":    reflect.ValueOf(rt.defaultCores),
		"SetDefaultCores": reflect.ValueOf(rt.setDefaultCores),
	}}
}

type imageRuntime struct {
	h     ImageHooks
	cores atomic.Int64
}

func (rt *imageRuntime) defaultCores() int { return int(rt.cores.Load()) }

func (rt *imageRuntime) setDefaultCores(n int) {
	if n < 1 {
		panic(fmt.Errorf("SetDefaultCores: need at least 1 mirror, got %d", n))
	}
	rt.cores.Store(int64(n))
}

// mirrors lists the kernel's mirrors (Mirrors() in a cell), one
// {node, launcher, process, state} each; in a mirror, where there is no
// pool, none.
func (rt *imageRuntime) mirrors() [][]string {
	if rt.h.Run == nil {
		return nil
	}
	ctx := context.Background()
	if rt.h.Context != nil {
		ctx = rt.h.Context()
	}
	out, err := rt.h.Run(ctx, &Job{Op: OpMirrors})
	if err != nil {
		panic(fmt.Errorf("Mirrors: %w", err))
	}
	list := make([][]string, len(out.Placement))
	for k, pl := range out.Placement {
		list[k] = []string{pl.Node, pl.Launcher, pl.Process, pl.State}
	}
	return list
}

// callOptions are the options of one call, parsed.
type callOptions struct {
	mirrors int
	timeout time.Duration
	blocks  []blockOption
}

type blockOption struct {
	id   int
	caps []any
}

// parseOptions reads the options as the prelude flattens them: name, n, d,
// captures, for each option.
func parseOptions(flat []any) (callOptions, error) {
	var o callOptions
	if len(flat)%4 != 0 {
		return o, fmt.Errorf("malformed options (%d values)", len(flat))
	}
	for k := 0; k < len(flat); k += 4 {
		name, _ := flat[k].(string)
		n, _ := flat[k+1].(int)
		d, _ := flat[k+2].(time.Duration)
		caps, _ := flat[k+3].([]any)
		switch name {
		case "mirrors":
			if n < 1 {
				return o, fmt.Errorf("WithMirrors: need at least 1 mirror, got %d", n)
			}
			o.mirrors = n
		case "timeout":
			if d <= 0 {
				return o, fmt.Errorf("WithTimeout: need a positive duration, got %v", d)
			}
			o.timeout = d
		case "block":
			o.blocks = append(o.blocks, blockOption{id: n, caps: caps})
		default:
			return o, fmt.Errorf("unknown option %q", name)
		}
	}
	return o, nil
}

// call is a Parallel call in the image process.
func (rt *imageRuntime) call(op string, xs any, blocks []any, opts []any) any {
	res, err := rt.run(op, reflect.ValueOf(xs), blocks, opts)
	if err != nil {
		var me *Error
		if errors.As(err, &me) {
			panic(me)
		}
		panic(fmt.Errorf("%s: %w", opName(op), err))
	}
	return res.Interface()
}

func (rt *imageRuntime) run(op string, xs reflect.Value, blocks []any, flat []any) (reflect.Value, error) {
	opts, err := parseOptions(flat)
	if err != nil {
		return reflect.Value{}, err
	}
	types := make([]reflect.Type, len(blocks))
	for k, b := range blocks {
		types[k] = reflect.TypeOf(b)
	}
	if xs.Len() == 0 { // nothing to run: no mirror starts
		return merge(op, xs, types, reflect.MakeSlice(reflect.SliceOf(outputType(op, types)), 0, 0), nil, false)
	}
	job, err := rt.job(op, xs, opts)
	if err != nil {
		return reflect.Value{}, err
	}
	if len(job.Blocks) != len(blocks) {
		return reflect.Value{}, fmt.Errorf("%d blocks are described, the call has %d (was the call rewritten by dmirror?)", len(job.Blocks), len(blocks))
	}
	ctx := context.Background()
	if rt.h.Context != nil {
		ctx = rt.h.Context()
	}
	out, err := rt.h.Run(ctx, job)
	if err != nil {
		return reflect.Value{}, err
	}
	if len(out.Failures) > 0 {
		return reflect.Value{}, newError(op, out)
	}
	return mergeOutcome(rt.h.Decoder, op, xs, types, out)
}

// mergeOutcome decodes an Outcome into the op's result; dec, which may be
// nil, returns the image's decoder (see decodeValue).
func mergeOutcome(dec func() *values.Decoder, op string, xs reflect.Value, types []reflect.Type, out *Outcome) (reflect.Value, error) {
	n := xs.Len()
	if ops[op].deciding {
		return merge(op, xs, types, reflect.Value{}, nil, out.Decided)
	}
	st := reflect.SliceOf(outputType(op, types))
	outs := reflect.MakeSlice(st, 0, n)
	var keep []bool
	at := 0
	for _, ch := range out.Chunks {
		if ch.Lo != at || ch.Hi <= ch.Lo || ch.Hi > n {
			return reflect.Value{}, fmt.Errorf("the outcome's chunk %d-%d does not follow element %d", ch.Lo, ch.Hi, at)
		}
		at = ch.Hi
		if hasOutput(op) {
			v, err := decodeValue(dec, ch.Outputs, st)
			if err != nil {
				return reflect.Value{}, fmt.Errorf("results of elements %d to %d: %w", ch.Lo, ch.Hi-1, err)
			}
			if v.Len() != ch.Hi-ch.Lo {
				return reflect.Value{}, fmt.Errorf("%d results for elements %d to %d", v.Len(), ch.Lo, ch.Hi-1)
			}
			outs = reflect.AppendSlice(outs, v)
		}
		if hasFlags(op) {
			if len(ch.Flags) != ch.Hi-ch.Lo {
				return reflect.Value{}, fmt.Errorf("%d flags for elements %d to %d", len(ch.Flags), ch.Lo, ch.Hi-1)
			}
			keep = append(keep, ch.Flags...)
		}
	}
	if at != n {
		return reflect.Value{}, fmt.Errorf("the outcome covers %d of %d elements", at, n)
	}
	return merge(op, xs, types, outs, keep, false)
}

// job encodes the call: elements, blocks with their captured values, and
// the globals the blocks need. Anything that cannot be copied fails the
// call here, before any mirror starts.
func (rt *imageRuntime) job(op string, xs reflect.Value, opts callOptions) (*Job, error) {
	job := &Job{Op: op, Mirrors: opts.mirrors, Timeout: opts.timeout, PerElement: op == OpCreateMirror, Globals: map[string][]byte{}}
	if job.Mirrors == 0 {
		job.Mirrors = rt.defaultCores()
	}
	var globals []string
	for _, bo := range opts.blocks {
		jb, names, err := rt.jobBlock(bo)
		if err != nil {
			return nil, err
		}
		job.Blocks = append(job.Blocks, jb)
		globals = append(globals, names...)
	}
	sort.Strings(globals)
	for _, name := range globals {
		if _, done := job.Globals[name]; done {
			continue
		}
		v, ok := rt.h.Global(name)
		if !ok {
			return nil, fmt.Errorf("global variable %s needed by the block is not defined", name)
		}
		data, err := encodeValue(v)
		if err != nil {
			return nil, fmt.Errorf("global variable %s (%s) cannot be sent to a mirror: %w", name, v.Type(), err)
		}
		job.Globals[name] = data
	}
	job.N = xs.Len()
	for _, sp := range chunks(job.N, job.Mirrors, job.PerElement) {
		data, err := encodeValue(xs.Slice(sp.lo, sp.hi))
		if err != nil {
			return nil, elementError(xs, sp, err)
		}
		job.Chunks = append(job.Chunks, JobChunk{Lo: sp.lo, Hi: sp.hi, Data: data})
	}
	return job, nil
}

// elementError names the first element of sp that cannot be encoded.
func elementError(xs reflect.Value, sp span, err error) error {
	for i := sp.lo; i < sp.hi; i++ {
		if _, ierr := encodeValue(xs.Index(i)); ierr != nil {
			return fmt.Errorf("element %d (%s) cannot be sent to a mirror: %w", i, xs.Type().Elem(), ierr)
		}
	}
	return fmt.Errorf("elements %d to %d (%s) cannot be sent to a mirror: %w", sp.lo, sp.hi-1, xs.Type(), err)
}

func (rt *imageRuntime) jobBlock(bo blockOption) (JobBlock, []string, error) {
	fb, ok := rt.h.Block(bo.id)
	if !ok {
		return JobBlock{}, nil, fmt.Errorf("block %d is not described", bo.id)
	}
	if len(fb.Captures) == 1 && isAnySlice(fb.Captures[0].Type) {
		// yaegi passes a lone []any argument of a variadic ...any
		// parameter as the whole variadic slice, as if spread with ...:
		// __dmBlock(id, cs) gives the elements of cs.
		bo.caps = []any{bo.caps}
	}
	if len(fb.Captures) != len(bo.caps) {
		return JobBlock{}, nil, fmt.Errorf("block at %s: %d captured variables described, %d given", fb.Pos, len(fb.Captures), len(bo.caps))
	}
	jb := JobBlock{ID: fb.ID, Expr: fb.Expr, Type: fb.Type, Pos: fb.Pos, File: fb.File, Line: fb.Line, Compiled: fb.Compiled}
	for k, c := range fb.Captures {
		data, err := encodeCapture(bo.caps[k])
		if err != nil {
			return JobBlock{}, nil, fmt.Errorf("variable %s (%s) captured by the block at %s cannot be sent to a mirror: %w", c.Name, c.Type, fb.Pos, err)
		}
		jb.Captures = append(jb.Captures, Capture{Name: c.Name, Type: c.Type, Value: data})
	}
	return jb, fb.Globals, nil
}

// encodeCapture encodes a captured local, which the options hold boxed in
// an any: boxed, so that the mirror decodes it as the variable's declared
// type, an interface (any, error) as well as a concrete type. yaegi's
// wrapper of a value of a session interface type with methods is not a
// value of the declared type but stands for it: it travels as itself (only
// a nil one copies).
func encodeCapture(x any) ([]byte, error) {
	v := reflect.ValueOf(x)
	switch {
	case !v.IsValid() || !isInterpWrapper(v.Type()):
		return encodeValue(reflect.ValueOf(&x).Elem())
	case isMethodWrapper(v.Type()):
		return nil, fmt.Errorf("cannot copy %s: %s", v.Type(), wrapperReason)
	}
	return encodeValue(v)
}

// isAnySlice says whether typ, a type's source, is a slice of the empty
// interface.
func isAnySlice(typ string) bool {
	switch strings.Join(strings.Fields(typ), "") {
	case "[]any", "[]interface{}":
		return true
	}
	return false
}
