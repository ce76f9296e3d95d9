package main

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
)

// logRotator is an io.Writer that appends to a log file and, when the file
// would grow past maxSize bytes, renames it to name.1 (shifting name.1 to
// name.2 and so on, dropping the oldest beyond maxFiles) and starts a new
// one. It is deliberately small: size-based only, no compression, no extra
// dependencies.
//
// logRotator is safe for concurrent use; the btclog backend already
// serialises writes but the rotator does not rely on it.
type logRotator struct {
	mu       sync.Mutex
	path     string
	maxSize  int64
	maxFiles int
	f        *os.File
	size     int64
}

// newLogRotator opens (appending) or creates the log file at path, creating
// its directory. maxSize is the size at which the file is rotated and
// maxFiles the number of rotated files kept besides the current one.
func newLogRotator(path string, maxSize int64, maxFiles int) (*logRotator, error) {
	if maxSize <= 0 || maxFiles < 0 {
		return nil, fmt.Errorf("invalid log rotation limits %d/%d", maxSize, maxFiles)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	r := &logRotator{path: path, maxSize: maxSize, maxFiles: maxFiles}
	if err := r.open(); err != nil {
		return nil, err
	}
	return r, nil
}

// open opens the current file for appending. Must be called with mu held
// (or before the rotator is shared).
func (r *logRotator) open() error {
	f, err := os.OpenFile(r.path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return err
	}
	r.f, r.size = f, st.Size()
	return nil
}

// Write appends p, rotating first if p would take the file past maxSize.
// A single write larger than maxSize still goes into one (fresh) file so
// log lines are never split.
func (r *logRotator) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.f == nil {
		return 0, os.ErrClosed
	}
	if r.size > 0 && r.size+int64(len(p)) > r.maxSize {
		if err := r.rotate(); err != nil {
			return 0, err
		}
	}
	n, err := r.f.Write(p)
	r.size += int64(n)
	return n, err
}

// rotate shifts the rotated files up by one and starts a new current file.
// Must be called with mu held.
func (r *logRotator) rotate() error {
	if err := r.f.Close(); err != nil {
		return err
	}
	r.f = nil
	if r.maxFiles == 0 {
		if err := os.Remove(r.path); err != nil && !os.IsNotExist(err) {
			return err
		}
		return r.open()
	}
	os.Remove(fmt.Sprintf("%s.%d", r.path, r.maxFiles))
	for i := r.maxFiles - 1; i >= 1; i-- {
		from := fmt.Sprintf("%s.%d", r.path, i)
		if _, err := os.Stat(from); err == nil {
			if err := os.Rename(from, fmt.Sprintf("%s.%d", r.path, i+1)); err != nil {
				return err
			}
		}
	}
	if err := os.Rename(r.path, r.path+".1"); err != nil {
		return err
	}
	return r.open()
}

// Close closes the current file; later writes fail.
func (r *logRotator) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.f == nil {
		return nil
	}
	err := r.f.Close()
	r.f = nil
	return err
}
