package mirror

import "fmt"

// Ops, as Job.Op names them.
const (
	OpCollect           = "collect"
	OpSelect            = "select"
	OpReject            = "reject"
	OpCollectThenSelect = "collectThenSelect"
	OpCollectThenReject = "collectThenReject"
	OpSelectThenCollect = "selectThenCollect"
	OpRejectThenCollect = "rejectThenCollect"
	OpFlatCollect       = "flatCollect"
	OpGroupedBy         = "groupedBy"
	OpAnySatisfy        = "anySatisfy"
	OpAllSatisfy        = "allSatisfy"
	OpNoneSatisfy       = "noneSatisfy"
	OpCreateMirror      = "createMirror"
	// OpMirrors is not a Parallel call: it asks the pool where its
	// mirrors run (Mirrors() in a cell), and starts none.
	OpMirrors = "mirrors"
)

// opInfo says how many blocks an op takes and, for the predicates, which
// answer of the predicate settles the whole call.
type opInfo struct {
	blocks   int
	decisive bool // anySatisfy etc.: the predicate answer that decides
	deciding bool // whether the op stops early at all
}

var ops = map[string]opInfo{
	OpCollect:           {blocks: 1},
	OpSelect:            {blocks: 1},
	OpReject:            {blocks: 1},
	OpCollectThenSelect: {blocks: 2},
	OpCollectThenReject: {blocks: 2},
	OpSelectThenCollect: {blocks: 2},
	OpRejectThenCollect: {blocks: 2},
	OpFlatCollect:       {blocks: 1},
	OpGroupedBy:         {blocks: 1},
	OpAnySatisfy:        {blocks: 1, deciding: true, decisive: true},
	OpAllSatisfy:        {blocks: 1, deciding: true, decisive: false},
	OpNoneSatisfy:       {blocks: 1, deciding: true, decisive: true},
	OpCreateMirror:      {blocks: 1},
}

func lookupOp(op string) (opInfo, error) {
	info, ok := ops[op]
	if !ok {
		return opInfo{}, fmt.Errorf("unknown op %q", op)
	}
	return info, nil
}

// answer turns Outcome.Decided into the result of a predicate op.
func answer(op string, decided bool) bool {
	if op == OpAnySatisfy {
		return decided
	}
	return !decided // allSatisfy and noneSatisfy hold unless an element decided otherwise
}

// opName is the name users know an op by, for error messages.
func opName(op string) string {
	if op == OpCreateMirror {
		return "CreateMirror"
	}
	return "Parallel" + string(op[0]-'a'+'A') + op[1:]
}
