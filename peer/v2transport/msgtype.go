package v2transport

import "github.com/tern-org/ternd/wire"

// longTypeLen is the size of the long message type encoding: a zero byte
// and the command padded with NULs to wire.CommandSize bytes.
const longTypeLen = 1 + wire.CommandSize

// shortIDs is BIP324's table of 1-byte message type ids; the index is the
// id. Id 0 introduces a 12-byte command and ids above the table are
// undefined.
var shortIDs = [...]string{
	1: "addr", 2: "block", 3: "blocktxn", 4: "cmpctblock",
	5: "feefilter", 6: "filteradd", 7: "filterclear", 8: "filterload",
	9: "getblocks", 10: "getblocktxn", 11: "getdata", 12: "getheaders",
	13: "headers", 14: "inv", 15: "mempool", 16: "merkleblock",
	17: "notfound", 18: "ping", 19: "pong", 20: "sendcmpct",
	21: "tx", 22: "getcfilters", 23: "cfilter", 24: "getcfheaders",
	25: "cfheaders", 26: "getcfcheckpt", 27: "cfcheckpt", 28: "addrv2",
}

// shortIDOf maps the commands of shortIDs back to their ids.
var shortIDOf = func() map[string]byte {
	m := make(map[string]byte, len(shortIDs))
	for id, cmd := range shortIDs {
		if cmd != "" {
			m[cmd] = byte(id)
		}
	}
	return m
}()

// ShortMessageID returns the 1-byte id BIP324 assigns to command, or false
// when the command has none and is sent in the 13-byte form.
func ShortMessageID(command string) (byte, bool) {
	id, ok := shortIDOf[command]
	return id, ok
}

// AppendMessageType appends the encoding of command to dst: its 1-byte id
// when it has one, else a zero byte and the command padded with NULs to 12
// bytes. A command that is empty, longer than 12 bytes or not printable
// ASCII has no encoding and yields ErrBadCommand.
func AppendMessageType(dst []byte, command string) ([]byte, error) {
	if id, ok := shortIDOf[command]; ok {
		return append(dst, id), nil
	}
	if !validCommand(command) {
		return dst, errorf(ErrBadCommand, "v2transport: command %q cannot be encoded", command)
	}
	var long [longTypeLen]byte
	copy(long[1:], command)
	return append(dst, long[:]...), nil
}

// DecodeMessageType splits packet contents into the command and the
// payload, which aliases contents. Contents that are empty, start with an
// undefined short id, or hold a long form that is not 1 to 12 printable
// ASCII bytes followed only by NULs yield ErrUnknownMessageType.
func DecodeMessageType(contents []byte) (command string, payload []byte, err error) {
	if len(contents) == 0 {
		return "", nil, makeError(ErrUnknownMessageType, "v2transport: packet without message type")
	}
	if id := contents[0]; id != 0 {
		if int(id) < len(shortIDs) {
			return shortIDs[id], contents[1:], nil
		}
		return "", nil, errorf(ErrUnknownMessageType, "v2transport: undefined message type id %d", id)
	}
	if len(contents) < longTypeLen {
		return "", nil, makeError(ErrUnknownMessageType, "v2transport: truncated message type")
	}
	field := contents[1:longTypeLen]
	n := 0
	for n < len(field) && field[n] != 0 {
		n++
	}
	for _, b := range field[n:] {
		if b != 0 {
			return "", nil, makeError(ErrUnknownMessageType,
				"v2transport: message type has bytes after its NUL padding")
		}
	}
	command = string(field[:n])
	if !validCommand(command) {
		return "", nil, errorf(ErrUnknownMessageType, "v2transport: malformed message type %q", command)
	}
	return command, contents[longTypeLen:], nil
}

// validCommand reports whether command is 1 to 12 bytes of printable ASCII,
// the commands that have a 13-byte encoding.
func validCommand(command string) bool {
	if len(command) == 0 || len(command) > wire.CommandSize {
		return false
	}
	for i := 0; i < len(command); i++ {
		if command[i] < 0x20 || command[i] > 0x7e {
			return false
		}
	}
	return true
}
