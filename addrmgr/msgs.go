package addrmgr

import (
	"time"

	"github.com/tern-org/ternd/wire"
)

// AddrMessages builds the messages that carry addrs to a peer: addrv2 when
// the peer sent sendaddrv2, else addr v1 with only the IPv4 and IPv6
// addresses (Tor v3 cannot be expressed there). Each message holds at most
// wire.MaxAddrPerMsg addresses; an empty list gives no message.
func AddrMessages(addrs []*wire.NetAddressV2, v2 bool) []wire.Message {
	var out []wire.Message
	if v2 {
		var m *wire.MsgAddrV2
		for _, na := range addrs {
			if m == nil || len(m.AddrList) == wire.MaxAddrPerMsg {
				m = wire.NewMsgAddrV2()
				out = append(out, m)
			}
			m.AddrList = append(m.AddrList, na)
		}
		return out
	}
	var m *wire.MsgAddr
	for _, na := range addrs {
		legacy, ok := na.ToLegacy()
		if !ok {
			continue
		}
		if m == nil || len(m.AddrList) == wire.MaxAddrPerMsg {
			m = wire.NewMsgAddr()
			out = append(out, m)
		}
		m.AddrList = append(m.AddrList, legacy)
	}
	return out
}

// FromAddrMsg converts the addresses of an addr v1 message for
// AddAddresses.
func FromAddrMsg(msg *wire.MsgAddr) []*wire.NetAddressV2 {
	out := make([]*wire.NetAddressV2, 0, len(msg.AddrList))
	for _, na := range msg.AddrList {
		out = append(out, wire.NetAddressV2FromLegacy(na))
	}
	return out
}

// FilterByTokens keeps the addresses the peer's token bucket allows, one
// token each, as Core does for incoming addr and addrv2; the rest are
// dropped (and counted in the second result). Whitelisted peers should
// skip the filter.
func FilterByTokens(addrs []*wire.NetAddressV2, bucket *TokenBucket, now time.Time) (
	[]*wire.NetAddressV2, int) {

	kept := addrs[:0:0]
	dropped := 0
	for _, na := range addrs {
		if bucket.Allow(now) {
			kept = append(kept, na)
		} else {
			dropped++
		}
	}
	return kept, dropped
}
