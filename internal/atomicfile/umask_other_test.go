//go:build !unix

package atomicfile

// setUmask does nothing where there is no umask.
func setUmask(int) func() { return func() {} }
