// Package notebooks holds dmirror's example notebooks (tour.ipynb,
// speedup.ipynb). Its tests run every notebook twice, with `dmirror run`
// and with `jupyter nbconvert --execute` on the installed kernelspec, and
// check the outputs of both against expectations per cell (see
// expect_test.go).
package notebooks
