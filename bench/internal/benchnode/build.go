package benchnode

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// FindRepo walks up from the working folder to the folder whose go.mod
// declares module github.com/tern-org/ternd.
func FindRepo() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		data, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && bytes.Contains(data, []byte("module github.com/tern-org/ternd\n")) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("ternd repository not found above the working folder; use -repo")
		}
		dir = parent
	}
}

// BuildTernd builds the ternd of repo into dir: with from "head", from a
// copy of the committed HEAD (so other people's unfinished edits in the
// working tree do not break or change the build), otherwise from the
// working tree.
func BuildTernd(ctx context.Context, repo, from, dir string) (string, error) {
	bin := filepath.Join(dir, "ternd-bin")
	src := repo
	if from == "head" {
		src = filepath.Join(dir, "src")
		if err := GitArchive(ctx, repo, src); err != nil {
			return "", err
		}
		defer os.RemoveAll(src)
	}
	var rev []byte
	if out, err := exec.Command("git", "-C", repo, "rev-parse", "--short", "HEAD").Output(); err == nil {
		rev = bytes.TrimSpace(out)
	}
	Logf("building ternd (%s, HEAD %s)", from, rev)
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, ".")
	cmd.Dir = src
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ternd (%s): %v\n%s", from, err, out)
	}
	return bin, nil
}

// GitArchive extracts the committed HEAD of repo into dst.
func GitArchive(ctx context.Context, repo, dst string) error {
	cmd := exec.CommandContext(ctx, "git", "-C", repo, "archive", "--format=tar", "HEAD")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	pipe, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	extractErr := ExtractTar(pipe, dst)
	io.Copy(io.Discard, pipe)
	if err := cmd.Wait(); err != nil {
		return fmt.Errorf("git archive: %v: %s", err, stderr.Bytes())
	}
	return extractErr
}

// ExtractTar writes the regular files and folders of a tar stream under
// dst, refusing names that leave it.
func ExtractTar(r io.Reader, dst string) error {
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		name := filepath.Clean(h.Name)
		if !filepath.IsLocal(name) {
			return fmt.Errorf("tar: bad name %q", h.Name)
		}
		path := filepath.Join(dst, name)
		switch h.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(path, 0o755); err != nil {
				return err
			}
		case tar.TypeReg:
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				return err
			}
			f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, os.FileMode(h.Mode)&0o777|0o600)
			if err != nil {
				return err
			}
			_, err = io.Copy(f, tr)
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				return err
			}
		}
	}
}

// InstallBtcd returns <repo>/tools/bin/btcd, installing the pinned release
// there when it is missing.
func InstallBtcd(repo string) (string, error) {
	dir := filepath.Join(repo, "tools", "bin")
	bin := filepath.Join(dir, "btcd")
	if st, err := os.Stat(bin); err == nil && !st.IsDir() {
		return bin, nil
	}
	Logf("installing btcd %s into %s", BtcdVersion, dir)
	cmd := exec.Command("go", "install", "github.com/btcsuite/btcd@"+BtcdVersion,
		"github.com/btcsuite/btcd/cmd/btcctl@"+BtcdVersion)
	cmd.Env = append(os.Environ(), "GOBIN="+dir)
	cmd.Dir = repo
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go install btcd %s: %v\n%s", BtcdVersion, err, out)
	}
	return bin, nil
}

// LoadAvg returns the first three fields of /proc/loadavg.
func LoadAvg() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(data))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}
