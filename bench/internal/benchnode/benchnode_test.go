package benchnode

import (
	"archive/tar"
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestCountReplies counts accepted and failed replies, single and batched.
func TestCountReplies(t *testing.T) {
	tests := []struct {
		name        string
		data        string
		ok, failed  int
		errContains string
		bad         bool
	}{
		{"single ok", `{"result":"ab","error":null,"id":1}`, 1, 0, "", false},
		{"single error", `{"result":null,"error":{"code":-26,"message":"min relay fee not met"},"id":1}`,
			0, 1, "-26", false},
		{"batch", `[{"jsonrpc":"2.0","result":"ab","id":1},{"jsonrpc":"2.0","error":{"code":-25,"message":"x"},"id":2},
			{"jsonrpc":"2.0","result":"cd","id":3}]`, 2, 1, "-25", false},
		{"empty", ``, 0, 0, "", true},
		{"garbage", `<html>`, 0, 0, "", true},
		{"bad batch", `[1,`, 0, 0, "", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ok, failed, msg, err := CountReplies([]byte(tc.data))
			if (err != nil) != tc.bad || ok != tc.ok || failed != tc.failed || !strings.Contains(msg, tc.errContains) {
				t.Fatalf("got %d %d %q %v", ok, failed, msg, err)
			}
		})
	}
}

// TestParseProc parses /proc lines, odd command names included.
func TestParseProc(t *testing.T) {
	stat := []byte("1234 (a (weird) name) S 1 1234 1234 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 9 0 1 2 3\n")
	cpu, err := ParseStatCPU(stat)
	if err != nil || cpu != 3*time.Second {
		t.Fatalf("cpu %v %v", cpu, err)
	}
	for _, bad := range []string{"1234 no paren", "1 (x) S 1 2"} {
		if _, err := ParseStatCPU([]byte(bad)); err == nil {
			t.Fatalf("%q parsed", bad)
		}
	}
	status := []byte("Name:\tbtcd\nVmHWM:\t  204800 kB\nVmRSS:\t  102400 kB\n")
	if ParseStatusKB(status, "VmRSS:") != 102400 || ParseStatusKB(status, "VmHWM:") != 204800 ||
		ParseStatusKB(status, "VmSwap:") != -1 {
		t.Fatal("status parse")
	}
	st, err := ReadProcStats(os.Getpid())
	if err != nil || st.RSSKB <= 0 || st.HWMKB < st.RSSKB {
		t.Fatalf("own stats %+v %v", st, err)
	}
}

// TestProcStatParsing reads this process's own /proc figures.
func TestProcStatParsing(t *testing.T) {
	st, err := ReadProcStats(os.Getpid())
	if err != nil {
		t.Skip("no /proc:", err)
	}
	if st.HWMKB <= 0 || st.RSSKB <= 0 || st.HWMKB < st.RSSKB {
		t.Fatalf("stats %+v", st)
	}
	cpu, err := ParseStatCPU([]byte("1 (a b) c) S 1 1 1 0 0 0 0 0 0 0 250 50 0 0"))
	if err != nil || cpu != 3*time.Second {
		t.Fatalf("cpu %v err %v", cpu, err)
	}
}

// TestExtractTar writes files and refuses names that leave the folder.
func TestExtractTar(t *testing.T) {
	mk := func(files map[string]string) *bytes.Buffer {
		var buf bytes.Buffer
		tw := tar.NewWriter(&buf)
		tw.WriteHeader(&tar.Header{Name: "sub/", Typeflag: tar.TypeDir, Mode: 0o755})
		for name, body := range files {
			tw.WriteHeader(&tar.Header{Name: name, Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(body))})
			tw.Write([]byte(body))
		}
		tw.Close()
		return &buf
	}
	dst := t.TempDir()
	if err := ExtractTar(mk(map[string]string{"sub/a.go": "package a\n", "go.mod": "module x\n"}), dst); err != nil {
		t.Fatal(err)
	}
	if data, err := os.ReadFile(filepath.Join(dst, "sub", "a.go")); err != nil || string(data) != "package a\n" {
		t.Fatalf("%q %v", data, err)
	}
	if err := ExtractTar(mk(map[string]string{"../evil": "x"}), t.TempDir()); err == nil {
		t.Fatal("escaping name accepted")
	}
}
