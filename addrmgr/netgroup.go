package addrmgr

import (
	"net"
	"net/netip"
	"strconv"

	"github.com/tern-org/ternd/wire"
)

// ipOf returns the IP of an IPv4 or IPv6 address, unmapping IPv4-mapped
// IPv6 addresses.
func ipOf(na *wire.NetAddressV2) (netip.Addr, bool) {
	switch na.Network {
	case wire.NetIPv4, wire.NetIPv6:
		ip, ok := netip.AddrFromSlice(na.Addr)
		if !ok {
			return netip.Addr{}, false
		}
		return ip.Unmap(), true
	}
	return netip.Addr{}, false
}

// prefixes of addresses that are never routable on the public internet, as
// in Bitcoin Core's CNetAddr::IsRoutable and IsValid.
var unroutable = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("10.0.0.0/8"),          // RFC1918
	netip.MustParsePrefix("100.64.0.0/10"),       // RFC6598
	netip.MustParsePrefix("127.0.0.0/8"),         // local
	netip.MustParsePrefix("169.254.0.0/16"),      // RFC3927
	netip.MustParsePrefix("172.16.0.0/12"),       // RFC1918
	netip.MustParsePrefix("192.0.2.0/24"),        // RFC5737
	netip.MustParsePrefix("192.168.0.0/16"),      // RFC1918
	netip.MustParsePrefix("198.18.0.0/15"),       // RFC2544
	netip.MustParsePrefix("198.51.100.0/24"),     // RFC5737
	netip.MustParsePrefix("203.0.113.0/24"),      // RFC5737
	netip.MustParsePrefix("224.0.0.0/3"),         // multicast and reserved
	netip.MustParsePrefix("::/128"),              // unspecified
	netip.MustParsePrefix("::1/128"),             // local
	netip.MustParsePrefix("fe80::/10"),           // RFC4862
	netip.MustParsePrefix("fc00::/7"),            // RFC4193
	netip.MustParsePrefix("2001:10::/28"),        // RFC4843
	netip.MustParsePrefix("2001:20::/28"),        // RFC7343
	netip.MustParsePrefix("2001:db8::/32"),       // RFC3849
	netip.MustParsePrefix("ff00::/8"),            // multicast
	netip.MustParsePrefix("fd87:d87e:eb43::/48"), // OnionCat (Tor v2)
}

// IsRoutable reports whether the address may be stored and relayed: a
// public IPv4 or IPv6 address, or a Tor v3 address, with a non-zero port.
func IsRoutable(na *wire.NetAddressV2) bool {
	if na == nil || na.Port == 0 {
		return false
	}
	switch na.Network {
	case wire.NetTorV3:
		return len(na.Addr) == 32
	case wire.NetIPv4, wire.NetIPv6:
		if len(na.Addr) != na.Network.AddrSize() {
			return false
		}
		ip, ok := ipOf(na)
		return ok && routableIP(ip)
	}
	return false
}

// routableIP reports whether ip is outside every unroutable range.
func routableIP(ip netip.Addr) bool {
	for _, p := range unroutable {
		if p.Contains(ip) {
			return false
		}
	}
	return true
}

// GroupKey returns the network group of an address, Bitcoin Core's
// GetGroup without an ASMap: "ipv4:a.b" for the /16 of an IPv4 address (and
// of the IPv4 address inside 6to4 and Teredo addresses), "ipv6:xxxx:xxxx"
// for the /32 of an IPv6 address, "onion:x" for Tor v3 (the network and the
// first four bits of the key, as Core groups onion addresses), "local" and
// "unroutable" for addresses that are never stored.
func GroupKey(na *wire.NetAddressV2) string {
	if na == nil {
		return "unroutable"
	}
	switch na.Network {
	case wire.NetTorV3:
		if len(na.Addr) == 0 {
			return "unroutable"
		}
		return "onion:" + strconv.FormatUint(uint64(na.Addr[0]>>4), 16)
	case wire.NetIPv4, wire.NetIPv6:
		ip, ok := ipOf(na)
		if !ok {
			return "unroutable"
		}
		return ipGroup(ip, routableIP(ip))
	}
	return "unroutable"
}

// ipGroup returns the group of an IP address; routable says whether the
// address is public.
func ipGroup(ip netip.Addr, routable bool) string {
	if ip.IsLoopback() {
		return "local"
	}
	if !routable {
		return "unroutable"
	}
	if ip.Is4() {
		b := ip.As4()
		return "ipv4:" + strconv.Itoa(int(b[0])) + "." + strconv.Itoa(int(b[1]))
	}
	b := ip.As16()
	switch {
	case b[0] == 0x20 && b[1] == 0x02: // 6to4 embeds an IPv4 address.
		return "ipv4:" + strconv.Itoa(int(b[2])) + "." + strconv.Itoa(int(b[3]))
	case b[0] == 0x20 && b[1] == 0x01 && b[2] == 0 && b[3] == 0: // Teredo.
		return "ipv4:" + strconv.Itoa(int(b[12]^0xff)) + "." + strconv.Itoa(int(b[13]^0xff))
	}
	return "ipv6:" + strconv.FormatUint(uint64(b[0])<<8|uint64(b[1]), 16) + ":" +
		strconv.FormatUint(uint64(b[2])<<8|uint64(b[3]), 16)
}

// NetAddrGroupKey is GroupKey for a net.Addr whose String is host:port (a
// *net.TCPAddr or an Addr), so that the connection manager can use it as its
// GroupKey. Hosts that do not parse get their own group.
func NetAddrGroupKey(a net.Addr) string {
	na, err := ParseNetAddr(a.String(), 0)
	if err != nil {
		return "host:" + a.String()
	}
	return GroupKey(na)
}

// ParseNetAddr parses host:port (an IP address or a v3 .onion name) into an
// address with the given services and the zero time.
func ParseNetAddr(hostport string, services wire.ServiceFlag) (*wire.NetAddressV2, error) {
	host, portStr, err := net.SplitHostPort(hostport)
	if err != nil {
		return nil, makeError(ErrInvalidHost, err.Error())
	}
	port, err := strconv.ParseUint(portStr, 10, 16)
	if err != nil {
		return nil, makeError(ErrInvalidHost, "invalid port in "+hostport)
	}
	network, raw, err := wire.ParseHost(host)
	if err != nil {
		return nil, makeError(ErrInvalidHost, err.Error())
	}
	if network == wire.NetCJDNS {
		// An fc00::/8 address typed by hand is an IPv6 address here.
		network = wire.NetIPv6
	}
	if ip4 := net.IP(raw).To4(); network == wire.NetIPv6 && ip4 != nil {
		network, raw = wire.NetIPv4, ip4
	}
	return &wire.NetAddressV2{Services: services, Network: network,
		Addr: append([]byte(nil), raw...), Port: uint16(port)}, nil
}

// Addr adapts a wire address to net.Addr ("tcp", host:port), for dialing
// through connmgr; .onion hosts stay names for the proxy to resolve.
type Addr struct {
	*wire.NetAddressV2
}

// Network returns "tcp".
func (a Addr) Network() string { return "tcp" }

// String returns host:port.
func (a Addr) String() string { return a.NetAddressV2.String() }
