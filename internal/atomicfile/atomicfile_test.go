package atomicfile

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// onlyFile fails the test unless dir holds exactly the one named file, so
// no temporary file was left behind.
func onlyFile(t *testing.T, dir, name string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if len(names) != 1 || names[0] != name {
		t.Fatalf("directory holds %v, want only %s", names, name)
	}
}

// TestWrite replaces existing and missing files and checks content, mode
// and that nothing else is left in the directory.
func TestWrite(t *testing.T) {
	// The umask must not narrow the requested mode.
	defer setUmask(0o077)()
	tests := []struct {
		name  string
		old   []byte // nil: no file before
		data  []byte
		perm  fs.FileMode
		viaFn bool
	}{
		{"new file", nil, []byte("hello"), 0o600, false},
		{"replace", []byte("old content, longer than the new"), []byte("new"), 0o600, false},
		{"empty content", []byte("x"), nil, 0o600, false},
		{"wider mode", []byte("x"), []byte(`{"a":1}`), 0o644, false},
		{"narrower mode", nil, []byte("secret"), 0o400, false},
		{"stream new", nil, bytes.Repeat([]byte("0123456789"), 100000), 0o600, true},
		{"stream replace", []byte("old"), []byte("streamed"), 0o640, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "state.dat")
			if tc.old != nil {
				if err := os.WriteFile(path, tc.old, 0o666); err != nil {
					t.Fatal(err)
				}
			}
			var err error
			if tc.viaFn {
				err = WriteFunc(path, tc.perm, func(w io.Writer) error {
					// Several writes go through the buffer.
					for rest := tc.data; len(rest) > 0; {
						n := min(len(rest), 4093)
						if _, err := w.Write(rest[:n]); err != nil {
							return err
						}
						rest = rest[n:]
					}
					return nil
				})
			} else {
				err = Write(path, tc.data, tc.perm)
			}
			if err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(path)
			if err != nil || !bytes.Equal(got, tc.data) {
				t.Fatalf("content %d bytes (%v), want %d", len(got), err, len(tc.data))
			}
			fi, err := os.Stat(path)
			if err != nil || fi.Mode().Perm() != tc.perm {
				t.Fatalf("mode %v (%v), want %v", fi.Mode().Perm(), err, tc.perm)
			}
			onlyFile(t, dir, "state.dat")
		})
	}
	t.Logf("%d cases", len(tests))
}

// TestWriteFailures checks that every failure leaves the old file as it
// was, removes the temporary file and reports the cause.
func TestWriteFailures(t *testing.T) {
	errWriter := errors.New("writer failed")
	tests := []struct {
		name  string
		write func(path string) error
		want  error
	}{
		{"failing writer", func(path string) error {
			return WriteFunc(path, 0o600, func(w io.Writer) error {
				w.Write([]byte("partial"))
				return errWriter
			})
		}, errWriter},
		{"failing writer after a large write", func(path string) error {
			return WriteFunc(path, 0o600, func(w io.Writer) error {
				w.Write(make([]byte, 1<<20))
				return errWriter
			})
		}, errWriter},
		{"missing directory", func(path string) error {
			return Write(filepath.Join(filepath.Dir(path), "missing", "state.dat"), []byte("x"), 0o600)
		}, fs.ErrNotExist},
		{"missing directory, streamed", func(path string) error {
			return WriteFunc(filepath.Join(filepath.Dir(path), "missing", "state.dat"), 0o600,
				func(io.Writer) error { return nil })
		}, fs.ErrNotExist},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "state.dat")
			if err := os.WriteFile(path, []byte("old"), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := tc.write(path); !errors.Is(err, tc.want) {
				t.Fatalf("error %v, want %v", err, tc.want)
			}
			if got, err := os.ReadFile(path); err != nil || string(got) != "old" {
				t.Fatalf("old file changed: %q (%v)", got, err)
			}
			onlyFile(t, dir, "state.dat")
		})
	}
	t.Logf("%d cases", len(tests))
}

// TestWriteOverDirectory checks that a rename that fails (the target is a
// non-empty directory) removes the temporary file.
func TestWriteOverDirectory(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "state.dat")
	if err := os.MkdirAll(filepath.Join(path, "inside"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := Write(path, []byte("x"), 0o600); err == nil {
		t.Fatal("renamed over a non-empty directory")
	}
	onlyFile(t, dir, "state.dat")
}

// TestTempFileUnique checks that the temporary file has a unique name
// beside the target, so concurrent writers and a stale temporary file from
// a crash cannot collide with it.
func TestTempFileUnique(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "state.dat")
	// A temporary file left by an older writer after a crash.
	stale := path + ".tmp"
	if err := os.WriteFile(stale, []byte("stale"), 0o600); err != nil {
		t.Fatal(err)
	}
	var seen []string
	for i := 0; i < 2; i++ {
		err := WriteFunc(path, 0o600, func(w io.Writer) error {
			entries, _ := os.ReadDir(dir)
			for _, e := range entries {
				if e.Name() != "state.dat" && e.Name() != "state.dat.tmp" {
					seen = append(seen, e.Name())
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if len(seen) != 2 || seen[0] == seen[1] || !strings.HasPrefix(seen[0], "state.dat.tmp") {
		t.Fatalf("temporary files %v, want two distinct state.dat.tmp* names", seen)
	}
	if got, _ := os.ReadFile(stale); string(got) != "stale" {
		t.Fatal("a stale temporary file was overwritten")
	}
}
