package mirror

import "reflect"

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

// merge builds the result of op over the workload xs, in input order,
// from outs, the output of each element (see ChunkOutcome), and keep, which
// elements are kept (nil: all).
func merge(op string, xs reflect.Value, blocks []reflect.Type, outs reflect.Value, keep []bool, decided bool) (reflect.Value, error) {
	rt := resultType(op, xs.Type().Elem(), blocks)
	n := xs.Len()
	kept := func(i int) bool { return keep == nil || keep[i] }
	switch op {
	case OpAnySatisfy, OpAllSatisfy, OpNoneSatisfy:
		return reflect.ValueOf(answer(op, decided)), nil
	case OpSelect, OpReject:
		res := reflect.MakeSlice(rt, 0, n)
		for i := 0; i < n; i++ {
			if kept(i) {
				res = reflect.Append(res, xs.Index(i))
			}
		}
		return res, nil
	case OpGroupedBy:
		res := reflect.MakeMap(rt)
		for i := 0; i < n; i++ {
			k := outs.Index(i)
			group := res.MapIndex(k)
			if !group.IsValid() {
				group = reflect.MakeSlice(rt.Elem(), 0, 1)
			}
			res.SetMapIndex(k, reflect.Append(group, xs.Index(i)))
		}
		return res, nil
	case OpFlatCollect:
		res := reflect.MakeSlice(rt, 0, n)
		for i := 0; i < n; i++ {
			res = reflect.AppendSlice(res, outs.Index(i))
		}
		return res, nil
	}
	if keep == nil && outs.Type() == rt { // collect, createMirror
		return outs, nil
	}
	res := reflect.MakeSlice(rt, 0, n)
	for i := 0; i < n; i++ {
		if kept(i) {
			res = reflect.Append(res, outs.Index(i))
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
	types := make([]reflect.Type, len(blocks))
	for k, b := range blocks {
		types[k] = b.Type()
	}
	n := xs.Len()
	outs := reflect.MakeSlice(reflect.SliceOf(outputType(op, types)), n, n)
	keep := make([]bool, n)
	decided := false
	for i := 0; i < n; i++ {
		s, fail := applyElement(op, info, blocks, xs.Index(i), i)
		if fail != nil {
			panic(fail.value)
		}
		keep[i] = s.keep
		if s.out.IsValid() && hasOutput(op) {
			outs.Index(i).Set(s.out)
		}
		if s.decided {
			decided = true
			break
		}
	}
	if !hasFlags(op) {
		keep = nil
	}
	return merge(op, xs, types, outs, keep, decided)
}
