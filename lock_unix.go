//go:build unix

package main

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// lockFileName is the lock file inside the network data directory.
const lockFileName = ".lock"

// lockDataDir takes an exclusive advisory lock on DIR/.lock so two daemons
// never share a data directory (they would overwrite each other's cookie
// and database). The lock is held until the returned function is called or
// the process exits.
func lockDataDir(dir string) (func(), error) {
	path := filepath.Join(dir, lockFileName)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("cannot open lock file %s: %w", path, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, fmt.Errorf("cannot obtain a lock on data directory %s; ternd is probably "+
			"already running (or use another --datadir)", dir)
	}
	return func() {
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}
