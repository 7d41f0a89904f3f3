package values

import (
	"bytes"
	"encoding/gob"
	"fmt"
	"reflect"
	"testing"
)

// elem is shaped like an interpreted struct (unnamed, yaegi's renamed
// unexported field) and like a typical workload element.
type elem = struct {
	ID      int
	Name    string
	Score   float64
	Tags    []string
	Xhidden int
}

func benchElems() []elem {
	es := make([]elem, 1000)
	for i := range es {
		es[i] = elem{ID: i, Name: fmt.Sprintf("item-%d", i), Score: float64(i) / 3, Tags: []string{"a", "bb"}, Xhidden: -i}
	}
	return es
}

func benchStructs() []elem {
	es := make([]elem, 100_000)
	for i := range es {
		es[i] = elem{ID: i, Name: "item", Score: float64(i) / 3, Tags: []string{"a"}, Xhidden: -i}
	}
	return es
}

func benchInts() []int {
	xs := make([]int, 1_000_000)
	for i := range xs {
		xs[i] = i * 7919
	}
	return xs
}

// codecCase is one workload encoded and decoded by this package and by
// encoding/gob, the baseline, in the same run.
type codecCase struct {
	name           string
	encode, decode func(b *testing.B)
	gobEnc, gobDec func(b *testing.B)
}

var benchCases = []*codecCase{
	{
		// Job.Elements: 1,000 small elements, each encoded on its own.
		name: "1000elems",
		encode: func(b *testing.B) {
			es := benchElems()
			for b.Loop() {
				for i := range es {
					if _, err := Encode(reflect.ValueOf(&es[i]).Elem()); err != nil {
						b.Fatal(err)
					}
				}
			}
		},
		decode: func(b *testing.B) {
			enc := encodeEach(b, benchElems())
			t := reflect.TypeFor[elem]()
			for b.Loop() {
				for _, data := range enc {
					if _, err := Decode(data, t); err != nil {
						b.Fatal(err)
					}
				}
			}
		},
		gobEnc: func(b *testing.B) {
			es := benchElems()
			for b.Loop() {
				for i := range es {
					var buf bytes.Buffer
					if err := gob.NewEncoder(&buf).Encode(&es[i]); err != nil {
						b.Fatal(err)
					}
				}
			}
		},
		gobDec: func(b *testing.B) {
			var enc [][]byte
			for _, e := range benchElems() {
				var buf bytes.Buffer
				if err := gob.NewEncoder(&buf).Encode(e); err != nil {
					b.Fatal(err)
				}
				enc = append(enc, buf.Bytes())
			}
			for b.Loop() {
				for _, data := range enc {
					var e elem
					if err := gob.NewDecoder(bytes.NewReader(data)).Decode(&e); err != nil {
						b.Fatal(err)
					}
				}
			}
		},
	},
	{
		// A chunk of a workload: 100,000 small structs in one slice.
		name: "1e5structs",
		encode: func(b *testing.B) {
			xs := reflect.ValueOf(benchStructs())
			for b.Loop() {
				if _, err := Encode(xs); err != nil {
					b.Fatal(err)
				}
			}
		},
		decode: func(b *testing.B) {
			data, err := Encode(reflect.ValueOf(benchStructs()))
			if err != nil {
				b.Fatal(err)
			}
			t := reflect.TypeFor[[]elem]()
			for b.Loop() {
				if _, err := Decode(data, t); err != nil {
					b.Fatal(err)
				}
			}
		},
		gobEnc: func(b *testing.B) {
			xs := benchStructs()
			for b.Loop() {
				var buf bytes.Buffer
				if err := gob.NewEncoder(&buf).Encode(xs); err != nil {
					b.Fatal(err)
				}
			}
		},
		gobDec: func(b *testing.B) {
			var buf bytes.Buffer
			if err := gob.NewEncoder(&buf).Encode(benchStructs()); err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				var xs []elem
				if err := gob.NewDecoder(bytes.NewReader(buf.Bytes())).Decode(&xs); err != nil {
					b.Fatal(err)
				}
			}
		},
	},
	{
		name: "1e6ints",
		encode: func(b *testing.B) {
			xs := reflect.ValueOf(benchInts())
			for b.Loop() {
				if _, err := Encode(xs); err != nil {
					b.Fatal(err)
				}
			}
		},
		decode: func(b *testing.B) {
			data, err := Encode(reflect.ValueOf(benchInts()))
			if err != nil {
				b.Fatal(err)
			}
			t := reflect.TypeFor[[]int]()
			for b.Loop() {
				if _, err := Decode(data, t); err != nil {
					b.Fatal(err)
				}
			}
		},
		gobEnc: func(b *testing.B) {
			xs := benchInts()
			for b.Loop() {
				var buf bytes.Buffer
				if err := gob.NewEncoder(&buf).Encode(xs); err != nil {
					b.Fatal(err)
				}
			}
		},
		gobDec: func(b *testing.B) {
			var buf bytes.Buffer
			if err := gob.NewEncoder(&buf).Encode(benchInts()); err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				var xs []int
				if err := gob.NewDecoder(bytes.NewReader(buf.Bytes())).Decode(&xs); err != nil {
					b.Fatal(err)
				}
			}
		},
	},
}

func encodeEach(b *testing.B, es []elem) [][]byte {
	var enc [][]byte
	for i := range es {
		data, err := Encode(reflect.ValueOf(&es[i]).Elem())
		if err != nil {
			b.Fatal(err)
		}
		enc = append(enc, data)
	}
	return enc
}

// BenchmarkCodec runs each workload with encoding/gob (the baseline) and
// then with this package, and reports for the latter the ratio of its time
// to the baseline's in the same run (below 1 is faster than gob).
func BenchmarkCodec(b *testing.B) {
	for _, c := range benchCases {
		for _, op := range []struct {
			name      string
			base, run func(*testing.B)
		}{{"encode", c.gobEnc, c.encode}, {"decode", c.gobDec, c.decode}} {
			var baseNs float64
			b.Run(c.name+"/"+op.name+"/gob", func(b *testing.B) {
				op.base(b)
				baseNs = nsPerOp(b) // the last, measured, run wins
			})
			b.Run(c.name+"/"+op.name+"/values", func(b *testing.B) {
				op.run(b)
				if baseNs > 0 {
					b.ReportMetric(nsPerOp(b)/baseNs, "x-gob")
				}
			})
		}
	}
}

func nsPerOp(b *testing.B) float64 {
	return float64(b.Elapsed().Nanoseconds()) / float64(b.N)
}
