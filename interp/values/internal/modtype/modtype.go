// Package modtype has types with unexported state, as compiled modules'
// types have, for the tests of package values (its import path, like a
// module's, has a dot in its first element).
package modtype

import "sync"

// Matrix is plain data behind unexported fields, as gonum's mat.Dense.
type Matrix struct {
	rows, cols int
	data       []float64
	name       *string
	Label      string
}

// New returns a rows×cols matrix with data.
func New(rows, cols int, data []float64, name string) *Matrix {
	return &Matrix{rows: rows, cols: cols, data: data, name: &name}
}

// At returns the element at i, j.
func (m *Matrix) At(i, j int) float64 { return m.data[i*m.cols+j] }

// Dims returns the dimensions.
func (m *Matrix) Dims() (int, int) { return m.rows, m.cols }

// Name returns the name.
func (m *Matrix) Name() string { return *m.name }

// Guarded holds a mutex: it must not be copied.
type Guarded struct {
	mu sync.Mutex
	n  int
}
