package connmgr

// ErrorKind identifies a kind of error returned by the connection manager. It
// implements error so that callers can test for it with errors.Is.
type ErrorKind string

// These constants are the kinds of error the package returns.
const (
	// ErrNotRunning means the manager is not running (Run has not started
	// or has returned), so the request cannot be served.
	ErrNotRunning = ErrorKind("ErrNotRunning")

	// ErrUnknownConn means no connection request has the given id.
	ErrUnknownConn = ErrorKind("ErrUnknownConn")

	// ErrNoOnionProxy means an .onion host was dialed without an onion
	// proxy or general proxy to resolve it.
	ErrNoOnionProxy = ErrorKind("ErrNoOnionProxy")

	// ErrSOCKSProtocol means the SOCKS5 proxy answered with bytes that do
	// not follow RFC 1928 or RFC 1929.
	ErrSOCKSProtocol = ErrorKind("ErrSOCKSProtocol")

	// ErrSOCKSAuth means the SOCKS5 proxy refused the offered methods or the
	// user name and password.
	ErrSOCKSAuth = ErrorKind("ErrSOCKSAuth")

	// ErrSOCKSConnect means the SOCKS5 proxy could not connect to the target
	// and replied with a non-zero reply code.
	ErrSOCKSConnect = ErrorKind("ErrSOCKSConnect")

	// ErrInvalidAddress means a host or port could not be parsed or is too
	// long for the SOCKS5 request.
	ErrInvalidAddress = ErrorKind("ErrInvalidAddress")

	// ErrInvalidBanTarget means a ban target is neither an IP address nor a
	// CIDR subnet.
	ErrInvalidBanTarget = ErrorKind("ErrInvalidBanTarget")

	// ErrCorruptFile means a state file (banlist.json, anchors.dat) is
	// larger than its bound or does not hold what it should.
	ErrCorruptFile = ErrorKind("ErrCorruptFile")
)

// Error returns the kind as a string.
func (e ErrorKind) Error() string {
	return string(e)
}

// Error is an error of a given kind with a description. It unwraps to its
// kind, so errors.Is(err, connmgr.ErrSOCKSAuth) works.
type Error struct {
	Err         error
	Description string
}

// Error returns the description.
func (e Error) Error() string {
	return e.Description
}

// Unwrap returns the kind of the error.
func (e Error) Unwrap() error {
	return e.Err
}

// makeError creates an Error of the given kind.
func makeError(kind ErrorKind, desc string) Error {
	return Error{Err: kind, Description: desc}
}
