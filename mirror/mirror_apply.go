package mirror

import (
	"fmt"
	"reflect"
)

// callFailure is a block call that panicked: which block, with which
// arguments, and the panic value.
type callFailure struct {
	block int
	args  []reflect.Value
	value any
}

// callBlock calls an interpreted block, turning a panic into a
// *callFailure.
func callBlock(block int, f reflect.Value, args ...reflect.Value) (out reflect.Value, fail *callFailure) {
	defer func() {
		if r := recover(); r != nil {
			fail = &callFailure{block: block, args: args, value: r}
		}
	}()
	res := f.Call(args)
	if len(res) != 1 {
		return reflect.Value{}, &callFailure{block: block, args: args, value: fmt.Sprintf("block returned %d values, want 1", len(res))}
	}
	return res[0], nil
}

// step is the outcome of one element: its output (when the op produces one
// for it), whether it is kept (filtering ops) and whether it settles a
// predicate op.
type step struct {
	out     reflect.Value
	keep    bool
	decided bool
}

// applyElement runs the op's blocks on element x at position idx.
func applyElement(op string, info opInfo, blocks []reflect.Value, x reflect.Value, idx int) (step, *callFailure) {
	switch op {
	case OpCollect, OpFlatCollect, OpGroupedBy:
		out, fail := callBlock(0, blocks[0], x)
		return step{out: out, keep: true}, fail
	case OpCreateMirror:
		args := []reflect.Value{x}
		if blocks[0].Type().NumIn() == 2 {
			args = append(args, reflect.ValueOf(idx))
		}
		out, fail := callBlock(0, blocks[0], args...)
		return step{out: out, keep: true}, fail
	case OpSelect, OpReject:
		p, fail := callBlock(0, blocks[0], x)
		if fail != nil {
			return step{}, fail
		}
		return step{keep: p.Bool() == (op == OpSelect)}, nil
	case OpCollectThenSelect, OpCollectThenReject:
		r, fail := callBlock(0, blocks[0], x)
		if fail != nil {
			return step{}, fail
		}
		p, fail := callBlock(1, blocks[1], r)
		if fail != nil {
			return step{}, fail
		}
		keep := p.Bool() == (op == OpCollectThenSelect)
		if !keep {
			return step{}, nil
		}
		return step{out: r, keep: true}, nil
	case OpSelectThenCollect, OpRejectThenCollect:
		p, fail := callBlock(0, blocks[0], x)
		if fail != nil {
			return step{}, fail
		}
		if p.Bool() != (op == OpSelectThenCollect) {
			return step{}, nil
		}
		out, fail := callBlock(1, blocks[1], x)
		return step{out: out, keep: true}, fail
	case OpAnySatisfy, OpAllSatisfy, OpNoneSatisfy:
		p, fail := callBlock(0, blocks[0], x)
		if fail != nil {
			return step{}, fail
		}
		return step{decided: p.Bool() == info.decisive}, nil
	}
	return step{}, &callFailure{value: fmt.Sprintf("unknown op %q", op)}
}

// hasOutput says whether Outcome.Outputs carries values for op.
func hasOutput(op string) bool {
	switch op {
	case OpSelect, OpReject, OpAnySatisfy, OpAllSatisfy, OpNoneSatisfy:
		return false
	}
	return true
}

// hasFlags says whether Outcome.Flags carries values for op.
func hasFlags(op string) bool {
	switch op {
	case OpSelect, OpReject, OpCollectThenSelect, OpCollectThenReject, OpSelectThenCollect, OpRejectThenCollect:
		return true
	}
	return false
}
