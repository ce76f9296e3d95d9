package rpcjson

import (
	"crypto/rand"
	"encoding/hex"
	"os"
	"strings"

	"github.com/tern-org/ternd/internal/atomicfile"
)

const (
	// CookieUser is the user name of cookie authentication. The name only
	// helps recognise cookie logins in logs, as in bitcoind.
	CookieUser = "__cookie__"

	// CookieFileName is the cookie file's name inside the network data
	// directory.
	CookieFileName = ".cookie"

	// cookieSecretBytes is the number of random bytes in the secret
	// (printed as 64 hex characters).
	cookieSecretBytes = 32

	// maxCookieSize bounds what ReadCookie reads from the file.
	maxCookieSize = 4096
)

// WriteCookie writes a fresh cookie "__cookie__:<hex secret>" to path with
// mode 0600. The file is replaced atomically (see internal/atomicfile), so
// a reader never sees a half-written cookie. It returns the user and
// secret.
func WriteCookie(path string) (user, pass string, err error) {
	var secret [cookieSecretBytes]byte
	if _, err := rand.Read(secret[:]); err != nil {
		return "", "", err
	}
	pass = hex.EncodeToString(secret[:])
	if err := atomicfile.Write(path, []byte(CookieUser+":"+pass), 0o600); err != nil {
		return "", "", err
	}
	return CookieUser, pass, nil
}

// ReadCookie reads the user and secret from a cookie file: the first line,
// split at the first colon.
func ReadCookie(path string) (user, pass string, err error) {
	f, err := os.Open(path)
	if err != nil {
		return "", "", makeError(ErrBadCookie, "cannot read cookie file: %v", err)
	}
	defer f.Close()
	buf := make([]byte, maxCookieSize)
	n, _ := f.Read(buf)
	line, _, _ := strings.Cut(string(buf[:n]), "\n")
	line = strings.TrimRight(line, "\r")
	user, pass, ok := strings.Cut(line, ":")
	if !ok || user == "" || pass == "" {
		return "", "", makeError(ErrBadCookie, "cookie file %s does not hold user:password", path)
	}
	return user, pass, nil
}

// DeleteCookie removes the cookie file; a missing file is not an error.
func DeleteCookie(path string) error {
	if err := os.Remove(path); err != nil && !os.IsNotExist(err) {
		return err
	}
	return nil
}
