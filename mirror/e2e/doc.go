// Package e2e tests the Parallel built-ins end to end: cells run through a
// real interp.Session (frontend, image process, the kernel's mirror pool and
// mirror processes), the way a notebook runs them. The test binary is
// re-executed as the image process and as the mirrors (see TestMain). It
// holds no code outside its tests.
package e2e
