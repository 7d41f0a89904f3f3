// Package values encodes live Go values, as yaegi interpreters and the host
// hold them, so that another interpreter, usually in another process, gets
// an equal value of its own identical type: the kernel keeps the session's
// committed values encoded, and mirrors receive globals, captured locals and
// workload elements encoded and send results back the same way.
//
// The encoding is driven by the receiver's type: Encode writes a value of
// type T and Decode rebuilds it given the receiver's T (for example the type
// of interp.Globals()[name]). A value encoded as any (EncodeAs(x, any))
// decodes as any type it is assignable to, for senders that hold values
// only boxed in interfaces. Only the dynamic types held in interfaces are
// described on the wire: interpreted (unnamed) types structurally, binary
// named types by package path and name, resolved through yaegi's stdlib
// symbol table and any exports passed to RegisterExports. Recursive
// interpreted types cannot be rebuilt with reflect, so a Decoder resolves
// them among the types reachable from the target type and the known types
// it was given: KnownTypes collects those of an interpreter, from its
// globals and its declared type names (TypeNames finds them in source).
//
// Values that cannot be copied (non-nil chans and funcs, unsafe pointers,
// binary types with unexported state and no binary marshaller such as files,
// mutexes and connections) make Encode fail with an *UncopyableError before
// anything is written. Nil chans and funcs are zero values and copy as nil,
// as do nil values of interpreted interface types with methods (yaegi holds
// the others with interpreter state, which cannot be copied). Values nested deeper than 100,000 levels, such as longer linked
// lists, are refused rather than risk the stack.
// Within one encoded value, pointers to the same variable, the same map,
// and slices with the same array and length stay shared, and cycles
// through them are kept; a pointer into the middle of another value (&s[1],
// &x.F) gets its own copy. Separately encoded values share nothing. Errors
// made by errors.New travel as their message, and pointers held in exported
// variables of binary packages (io.EOF, os.Stdout) travel by name.
package values
