package mirror

import (
	"fmt"
	"reflect"
)

// perElement gives the outcome of each element of a workload: out decodes
// (or returns) the element's output and keep says whether it was kept.
type perElement struct {
	out  func(i int) (reflect.Value, error)
	keep func(i int) bool
}

// resultType is the Go type of the value an op returns, from the element
// type and the blocks' func types.
func resultType(op string, elem reflect.Type, blocks []reflect.Type) reflect.Type {
	switch op {
	case OpSelect, OpReject:
		return reflect.SliceOf(elem)
	case OpFlatCollect:
		return blocks[0].Out(0)
	case OpSelectThenCollect, OpRejectThenCollect:
		return reflect.SliceOf(blocks[1].Out(0))
	case OpGroupedBy:
		return reflect.MapOf(blocks[0].Out(0), reflect.SliceOf(elem))
	case OpAnySatisfy, OpAllSatisfy, OpNoneSatisfy:
		return reflect.TypeOf(false)
	}
	return reflect.SliceOf(blocks[0].Out(0)) // collect, collectThen*, createMirror
}

// outputType is the type of one element's encoded output.
func outputType(op string, blocks []reflect.Type) reflect.Type {
	if op == OpSelectThenCollect || op == OpRejectThenCollect {
		return blocks[1].Out(0)
	}
	return blocks[0].Out(0)
}

// merge builds the result of op over the workload xs, in input order.
func merge(op string, xs reflect.Value, blocks []reflect.Type, pe perElement, decided bool) (reflect.Value, error) {
	rt := resultType(op, xs.Type().Elem(), blocks)
	n := xs.Len()
	switch op {
	case OpAnySatisfy, OpAllSatisfy, OpNoneSatisfy:
		return reflect.ValueOf(answer(op, decided)), nil
	case OpSelect, OpReject:
		res := reflect.MakeSlice(rt, 0, n)
		for i := 0; i < n; i++ {
			if pe.keep(i) {
				res = reflect.Append(res, xs.Index(i))
			}
		}
		return res, nil
	case OpGroupedBy:
		res := reflect.MakeMap(rt)
		for i := 0; i < n; i++ {
			k, err := pe.out(i)
			if err != nil {
				return reflect.Value{}, fmt.Errorf("key of element %d: %w", i, err)
			}
			group := res.MapIndex(k)
			if !group.IsValid() {
				group = reflect.MakeSlice(rt.Elem(), 0, 1)
			}
			res.SetMapIndex(k, reflect.Append(group, xs.Index(i)))
		}
		return res, nil
	}
	res := reflect.MakeSlice(rt, 0, n)
	for i := 0; i < n; i++ {
		if !pe.keep(i) {
			continue
		}
		v, err := pe.out(i)
		if err != nil {
			return reflect.Value{}, fmt.Errorf("result of element %d: %w", i, err)
		}
		if op == OpFlatCollect {
			res = reflect.AppendSlice(res, v)
		} else {
			res = reflect.Append(res, v)
		}
	}
	return res, nil
}

// runLocal runs op sequentially in this interpreter: inside a mirror, a
// Parallel call made by a block runs this way.
func runLocal(op string, xs reflect.Value, blocks []reflect.Value) (reflect.Value, error) {
	info, err := lookupOp(op)
	if err != nil {
		return reflect.Value{}, err
	}
	n := xs.Len()
	steps := make([]step, n)
	decided := false
	for i := 0; i < n; i++ {
		s, fail := applyElement(op, info, blocks, xs.Index(i), i)
		if fail != nil {
			panic(fail.value)
		}
		steps[i] = s
		if s.decided {
			decided = true
			break
		}
	}
	types := make([]reflect.Type, len(blocks))
	for k, b := range blocks {
		types[k] = b.Type()
	}
	pe := perElement{
		out:  func(i int) (reflect.Value, error) { return steps[i].out, nil },
		keep: func(i int) bool { return steps[i].keep },
	}
	return merge(op, xs, types, pe, decided)
}
