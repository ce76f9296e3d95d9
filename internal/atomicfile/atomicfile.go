package atomicfile

import (
	"bufio"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// Write replaces the file at path with data, atomically and durably as the
// package documentation describes. The file ends with exactly the
// permission bits perm, whatever the process umask. The directory of path
// must exist.
func Write(path string, data []byte, perm fs.FileMode) error {
	return replace(path, perm, func(f *os.File) error {
		_, err := f.Write(data)
		return err
	})
}

// WriteFunc is Write for content produced by write, which receives a
// buffered writer on the temporary file. An error from write, or from
// flushing what it wrote, leaves the file at path untouched and is
// returned unchanged.
func WriteFunc(path string, perm fs.FileMode, write func(io.Writer) error) error {
	return replace(path, perm, func(f *os.File) error {
		w := bufio.NewWriter(f)
		if err := write(w); err != nil {
			return err
		}
		return w.Flush()
	})
}

// replace writes a temporary file beside path with fill, gives it perm,
// syncs and closes it, renames it over path and syncs the directory. The
// temporary file is removed on any failure before the rename.
func replace(path string, perm fs.FileMode, fill func(*os.File) error) (err error) {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	closed := false
	defer func() {
		if err == nil {
			return
		}
		if !closed {
			f.Close()
		}
		os.Remove(tmp)
	}()
	if err := fill(f); err != nil {
		return err
	}
	// The mode is set before the fsync so that it is as durable as the
	// content.
	if err := f.Chmod(perm); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	closed = true
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	syncDir(dir)
	return nil
}

// syncDir fsyncs a directory so that a rename in it is durable. It is best
// effort: the new content is already in place, and some systems cannot
// sync a directory, so a failure is not reported.
func syncDir(dir string) {
	d, err := os.Open(dir)
	if err != nil {
		return
	}
	d.Sync()
	d.Close()
}
