package mirror

// span is a contiguous range [lo, hi) of a workload.
type span struct{ lo, hi int }

// chunks splits n elements into at most k balanced contiguous spans, the
// remainder going to the first spans; no span is empty. perElement makes one
// span per element.
func chunks(n, k int, perElement bool) []span {
	if n <= 0 {
		return nil
	}
	if perElement {
		out := make([]span, n)
		for i := range out {
			out[i] = span{i, i + 1}
		}
		return out
	}
	if k < 1 {
		k = 1
	}
	if k > n {
		k = n
	}
	out := make([]span, 0, k)
	size, extra := n/k, n%k
	lo := 0
	for i := 0; i < k; i++ {
		hi := lo + size
		if i < extra {
			hi++
		}
		out = append(out, span{lo, hi})
		lo = hi
	}
	return out
}
