package wire

import (
	"bytes"
	"crypto/sha3"
	"encoding/base32"
	"encoding/binary"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"
)

// NetAddress is a legacy (version 1) network address: services, an IPv6 or
// IPv4-mapped address and a port, with a timestamp in addr messages.
type NetAddress struct {
	// Timestamp is when the address was last seen. It is encoded only in
	// addr messages, as uint32 Unix seconds.
	Timestamp time.Time

	// Services are the services the node advertised.
	Services ServiceFlag

	// IP is the address; 4-byte and 16-byte forms are both accepted.
	IP net.IP

	// Port is the TCP port (big-endian on the wire).
	Port uint16
}

// HasService reports whether the address advertises service.
func (na *NetAddress) HasService(service ServiceFlag) bool {
	return na.Services&service == service
}

// AddService adds service to the advertised services.
func (na *NetAddress) AddService(service ServiceFlag) {
	na.Services |= service
}

// NewNetAddressIPPort returns an address with the current time.
func NewNetAddressIPPort(ip net.IP, port uint16, services ServiceFlag) *NetAddress {
	return NewNetAddressTimestamp(time.Now(), services, ip, port)
}

// NewNetAddressTimestamp returns an address with the given timestamp,
// rounded down to the second as the encoding keeps it.
func NewNetAddressTimestamp(timestamp time.Time, services ServiceFlag, ip net.IP,
	port uint16) *NetAddress {

	return &NetAddress{
		Timestamp: time.Unix(timestamp.Unix(), 0),
		Services:  services,
		IP:        ip,
		Port:      port,
	}
}

// NewNetAddress returns an address for a TCP address.
func NewNetAddress(addr *net.TCPAddr, services ServiceFlag) *NetAddress {
	return NewNetAddressIPPort(addr.IP, uint16(addr.Port), services)
}

// appendNetAddress appends a legacy address, with its timestamp when ts.
func appendNetAddress(dst []byte, na *NetAddress, ts bool) []byte {
	if ts {
		dst = appendU32(dst, uint32(na.Timestamp.Unix()))
	}
	dst = appendU64(dst, uint64(na.Services))
	var ip [16]byte
	if na.IP != nil {
		copy(ip[:], na.IP.To16())
	}
	dst = append(dst, ip[:]...)
	return binary.BigEndian.AppendUint16(dst, na.Port)
}

// decodeNetAddress reads a legacy address into na, with a timestamp when
// ts. ipBuf, if 16 bytes long, receives the IP so that a list of addresses
// shares one allocation.
func decodeNetAddress(d *decoder, na *NetAddress, ts bool, ipBuf []byte) {
	if ts {
		na.Timestamp = time.Unix(int64(d.u32()), 0)
	}
	na.Services = ServiceFlag(d.u64())
	b := d.next(16)
	if b == nil {
		return
	}
	if len(ipBuf) != 16 {
		ipBuf = make([]byte, 16)
	}
	copy(ipBuf, b)
	na.IP = net.IP(ipBuf)
	na.Port = d.u16BE()
}

// NetworkID is a BIP155 network identifier; it names an address's network.
type NetworkID uint8

// These constants are the BIP155 networks.
const (
	NetIPv4  NetworkID = 1
	NetIPv6  NetworkID = 2
	NetTorV2 NetworkID = 3 // obsolete: decoded, never encoded
	NetTorV3 NetworkID = 4
	NetI2P   NetworkID = 5
	NetCJDNS NetworkID = 6
)

// MaxAddrV2Size is the longest address an addrv2 entry may carry (Core's
// MAX_ADDRV2_SIZE); longer entries fail whatever the network.
const MaxAddrV2Size = 512

// netInfo holds each known network's name and address size.
var netInfo = map[NetworkID]struct {
	name string
	size int
}{
	NetIPv4:  {"ipv4", 4},
	NetIPv6:  {"ipv6", 16},
	NetTorV2: {"torv2", 10},
	NetTorV3: {"onion", 32},
	NetI2P:   {"i2p", 32},
	NetCJDNS: {"cjdns", 16},
}

// String returns Bitcoin Core's name of the network ("ipv4", "ipv6",
// "onion", "i2p", "cjdns"; "torv2" for the obsolete Tor v2).
func (n NetworkID) String() string {
	if info, ok := netInfo[n]; ok {
		return info.name
	}
	return "unknown(" + strconv.Itoa(int(n)) + ")"
}

// AddrSize returns the address length BIP155 requires for the network, or 0
// for an unknown network.
func (n NetworkID) AddrSize() int {
	return netInfo[n].size
}

// IsKnown reports whether n is a network of BIP155.
func (n NetworkID) IsKnown() bool {
	_, ok := netInfo[n]
	return ok
}

// onionCatPrefix is the IPv6 prefix (fd87:d87e:eb43::/48) Tor v2 addresses
// used inside legacy addr messages.
var onionCatPrefix = []byte{0xfd, 0x87, 0xd8, 0x7e, 0xeb, 0x43}

// NetworkOfIP returns the network of a legacy address: IPv4 for an IPv4 or
// IPv4-mapped address, Tor v2 for the OnionCat range, IPv6 otherwise.
func NetworkOfIP(ip net.IP) NetworkID {
	if ip.To4() != nil {
		return NetIPv4
	}
	if len(ip) == 16 && bytes.HasPrefix(ip, onionCatPrefix) {
		return NetTorV2
	}
	return NetIPv6
}

// NetAddressV2 is a BIP155 network address.
type NetAddressV2 struct {
	// Timestamp is when the address was last seen (uint32 on the wire).
	Timestamp time.Time

	// Services are the advertised services (a CompactSize on the wire).
	Services ServiceFlag

	// Network is the address's network.
	Network NetworkID

	// Addr is the raw address; its length is Network.AddrSize().
	Addr []byte

	// Port is the port (big-endian on the wire; 0 for I2P).
	Port uint16
}

// NewNetAddressV2 returns a BIP155 address after checking the address
// length for its network.
func NewNetAddressV2(network NetworkID, addr []byte, port uint16, services ServiceFlag,
	timestamp time.Time) (*NetAddressV2, error) {

	if !network.IsKnown() || network == NetTorV2 {
		return nil, errorf(ErrInvalidAddress, "cannot create an address on network %v", network)
	}
	if len(addr) != network.AddrSize() {
		return nil, errorf(ErrInvalidAddress, "%v address must be %d bytes, got %d",
			network, network.AddrSize(), len(addr))
	}
	return &NetAddressV2{
		Timestamp: time.Unix(timestamp.Unix(), 0),
		Services:  services,
		Network:   network,
		Addr:      append([]byte(nil), addr...),
		Port:      port,
	}, nil
}

// NetAddressV2FromLegacy converts a legacy address: IPv4-mapped addresses
// become IPv4 and Tor v2 OnionCat addresses stay IPv6 (Tor v2 is obsolete).
func NetAddressV2FromLegacy(na *NetAddress) *NetAddressV2 {
	v2 := &NetAddressV2{Timestamp: na.Timestamp, Services: na.Services, Port: na.Port}
	if ip4 := na.IP.To4(); ip4 != nil {
		v2.Network, v2.Addr = NetIPv4, append([]byte(nil), ip4...)
	} else {
		v2.Network, v2.Addr = NetIPv6, append([]byte(nil), na.IP.To16()...)
	}
	return v2
}

// ToLegacy converts an IPv4 or IPv6 address to a legacy address; other
// networks cannot be expressed and return false.
func (na *NetAddressV2) ToLegacy() (*NetAddress, bool) {
	switch na.Network {
	case NetIPv4, NetIPv6:
		if len(na.Addr) != na.Network.AddrSize() {
			return nil, false
		}
		return &NetAddress{
			Timestamp: na.Timestamp,
			Services:  na.Services,
			IP:        net.IP(append([]byte(nil), na.Addr...)),
			Port:      na.Port,
		}, true
	}
	return nil, false
}

// i2pEncoding is the lower-case, unpadded base32 of I2P and Tor names.
var i2pEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// Host returns the address as text: an IP address, a v3 ".onion" name, a
// ".b32.i2p" name, or an IPv6 address for CJDNS.
func (na *NetAddressV2) Host() string {
	switch na.Network {
	case NetIPv4, NetIPv6, NetCJDNS:
		return net.IP(na.Addr).String()
	case NetTorV3:
		if s, err := EncodeOnionV3(na.Addr); err == nil {
			return s
		}
	case NetTorV2:
		return i2pEncoding.EncodeToString(na.Addr) + ".onion"
	case NetI2P:
		return i2pEncoding.EncodeToString(na.Addr) + ".b32.i2p"
	}
	return fmt.Sprintf("%v:%x", na.Network, na.Addr)
}

// String returns host:port.
func (na *NetAddressV2) String() string {
	return net.JoinHostPort(na.Host(), strconv.Itoa(int(na.Port)))
}

// HasService reports whether the address advertises service.
func (na *NetAddressV2) HasService(service ServiceFlag) bool {
	return na.Services&service == service
}

// ParseHost turns a host name as Host prints it (an IP address, a v3
// ".onion" name or a ".b32.i2p" name) into a network and raw address.
func ParseHost(host string) (NetworkID, []byte, error) {
	lower := strings.ToLower(host)
	switch {
	case strings.HasSuffix(lower, ".onion"):
		pub, err := DecodeOnionV3(lower)
		if err != nil {
			return 0, nil, err
		}
		return NetTorV3, pub, nil
	case strings.HasSuffix(lower, ".b32.i2p"):
		raw, err := i2pEncoding.DecodeString(strings.TrimSuffix(lower, ".b32.i2p"))
		if err != nil || len(raw) != 32 {
			return 0, nil, errorf(ErrInvalidAddress, "invalid I2P name %q", host)
		}
		return NetI2P, raw, nil
	}
	ip := net.ParseIP(host)
	if ip == nil {
		return 0, nil, errorf(ErrInvalidAddress, "invalid host %q", host)
	}
	if ip4 := ip.To4(); ip4 != nil {
		return NetIPv4, ip4, nil
	}
	if ip[0] == 0xfc {
		return NetCJDNS, ip, nil
	}
	return NetIPv6, ip, nil
}

// onionV3Version is the version byte of Tor v3 onion names.
const onionV3Version = 3

// onionChecksum returns the two checksum bytes of a v3 onion name:
// SHA3-256(".onion checksum" || pubkey || version)[:2].
func onionChecksum(pub []byte) [2]byte {
	h := sha3.New256()
	h.Write([]byte(".onion checksum"))
	h.Write(pub)
	h.Write([]byte{onionV3Version})
	var sum [2]byte
	copy(sum[:], h.Sum(nil))
	return sum
}

// EncodeOnionV3 returns the ".onion" name of a 32-byte Tor v3 public key:
// base32(pubkey || checksum || version), 56 characters.
func EncodeOnionV3(pub []byte) (string, error) {
	if len(pub) != 32 {
		return "", errorf(ErrInvalidAddress, "tor v3 key must be 32 bytes, got %d", len(pub))
	}
	sum := onionChecksum(pub)
	raw := make([]byte, 0, 35)
	raw = append(append(append(raw, pub...), sum[:]...), onionV3Version)
	return i2pEncoding.EncodeToString(raw) + ".onion", nil
}

// DecodeOnionV3 returns the public key of a v3 ".onion" name after checking
// its length, version and checksum. Case is ignored.
func DecodeOnionV3(name string) ([]byte, error) {
	lower := strings.ToLower(name)
	label, ok := strings.CutSuffix(lower, ".onion")
	if !ok || len(label) != 56 {
		return nil, errorf(ErrInvalidAddress, "%q is not a v3 onion name", name)
	}
	raw, err := i2pEncoding.DecodeString(label)
	if err != nil || len(raw) != 35 {
		return nil, errorf(ErrInvalidAddress, "%q is not valid base32", name)
	}
	pub := raw[:32]
	if raw[34] != onionV3Version {
		return nil, errorf(ErrInvalidAddress, "onion name %q has version %d", name, raw[34])
	}
	if sum := onionChecksum(pub); sum[0] != raw[32] || sum[1] != raw[33] {
		return nil, errorf(ErrInvalidAddress, "onion name %q has a bad checksum", name)
	}
	return pub, nil
}

// decodeNetAddressV2 reads one addrv2 entry into na. It returns false, with
// no error, for an entry of an unknown network and for entries Core keeps
// but never uses (see validV2Encoding), which are skipped.
func decodeNetAddressV2(d *decoder, na *NetAddressV2) bool {
	na.Timestamp = time.Unix(int64(d.u32()), 0)
	na.Services = ServiceFlag(d.varInt())
	na.Network = NetworkID(d.u8())
	// From a slice the address is a reference that MsgAddrV2.decode copies
	// into one buffer; from a stream it is copied here.
	addr := d.varBytesRef(MaxAddrV2Size, "addrv2 address")
	if d.r != nil && addr != nil {
		addr = append([]byte(nil), addr...)
	}
	na.Port = d.u16BE()
	if d.err != nil {
		return false
	}
	if !na.Network.IsKnown() {
		return false
	}
	if len(addr) != na.Network.AddrSize() {
		d.fail(errorf(ErrInvalidAddress, "BIP155 %v address with length %d (should be %d)",
			na.Network, len(addr), na.Network.AddrSize()))
		return false
	}
	if !validV2Encoding(na.Network, addr) {
		return false
	}
	na.Addr = addr
	return true
}

// Prefixes that must not appear inside a BIP155 IPv6 address: Bitcoin Core
// treats such entries as invalid, since another network has its own id.
var (
	ipv4InIPv6Prefix     = []byte{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff}
	internalInIPv6Prefix = []byte{0xfd, 0x6b, 0x88, 0xc0, 0x87, 0x24}
)

// validV2Encoding reports whether Bitcoin Core would keep an addrv2 entry of
// the right length: IPv6 must not embed IPv4, Tor v2 (OnionCat) or internal
// addresses, and CJDNS must be in fc00::/8.
func validV2Encoding(network NetworkID, addr []byte) bool {
	switch network {
	case NetIPv6:
		return !bytes.HasPrefix(addr, ipv4InIPv6Prefix) && !bytes.HasPrefix(addr, onionCatPrefix) &&
			!bytes.HasPrefix(addr, internalInIPv6Prefix)
	case NetCJDNS:
		return addr[0] == 0xfc
	}
	return true
}

// appendNetAddressV2 appends an addrv2 entry.
func appendNetAddressV2(dst []byte, na *NetAddressV2) ([]byte, error) {
	if !na.Network.IsKnown() || na.Network == NetTorV2 {
		return nil, errorf(ErrInvalidAddress, "cannot encode an address on network %v", na.Network)
	}
	if len(na.Addr) != na.Network.AddrSize() {
		return nil, errorf(ErrInvalidAddress, "%v address must be %d bytes, got %d",
			na.Network, na.Network.AddrSize(), len(na.Addr))
	}
	dst = appendU32(dst, uint32(na.Timestamp.Unix()))
	dst = AppendVarInt(dst, uint64(na.Services))
	dst = append(dst, byte(na.Network))
	dst = AppendVarBytes(dst, na.Addr)
	return binary.BigEndian.AppendUint16(dst, na.Port), nil
}
