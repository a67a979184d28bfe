package server

import (
	"net"
	"net/http"
	"net/netip"
	"sort"
	"strconv"
	"strings"

	"github.com/sluicedata/sluice/internal/log"
	"github.com/sluicedata/sluice/internal/serde"
)

// pixelGIF is a 1x1 transparent GIF.
var pixelGIF = []byte{
	'G', 'I', 'F', '8', '9', 'a', 0x01, 0x00, 0x01, 0x00, 0x80, 0x00, 0x00, // header, screen, 2-colour table
	0x00, 0x00, 0x00, 0xff, 0xff, 0xff, // colour table
	0x21, 0xf9, 0x04, 0x01, 0x00, 0x00, 0x00, 0x00, // graphic control: colour 0 transparent
	0x2c, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, // image descriptor
	0x02, 0x02, 0x44, 0x01, 0x00, // image data
	0x3b, // trailer
}

// pixelFields are set by the server; query parameters of the same names
// are dropped so that a page cannot forge them.
var pixelFields = map[string]bool{"token": true, "received_at": true, "ip": true, "user_agent": true}

// receivedAtLayout is RFC 3339 with milliseconds.
const receivedAtLayout = "2006-01-02T15:04:05.000Z07:00"

func (s *Server) handlePixel(w http.ResponseWriter, r *http.Request, topic string) {
	ctx := r.Context()
	q := r.URL.Query()
	keys := make([]string, 0, len(q))
	for k := range q {
		if !pixelFields[k] {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	now := s.clock.Now().UTC()
	v := make([]byte, 0, 256)
	v = append(v, '{')
	for _, k := range keys {
		vals := q[k]
		v = serde.AppendQuoted(v, k)
		v = append(v, ':')
		v = serde.AppendQuoted(v, vals[len(vals)-1])
		v = append(v, ',')
	}
	v = append(v, `"received_at":"`...)
	v = now.AppendFormat(v, receivedAtLayout)
	v = append(v, `","ip":`...)
	v = serde.AppendQuoted(v, s.clientIP(r))
	v = append(v, `,"user_agent":`...)
	v = serde.AppendQuoted(v, r.UserAgent())
	v = append(v, '}')

	recs := []log.Record{{Value: v, Timestamp: now.UnixMilli()}}
	err := s.withPartitions(ctx, topic, func(n int32) (bool, error) {
		_, err := s.log.Append(ctx, topic, int32(s.rr.Add(1)%uint32(n)), recs)
		return err == nil, err
	})
	if err != nil {
		s.rejectIngest(w, r, err)
		return
	}
	s.m.ingestRecords.With(topic).Inc()
	s.m.ingestBytes.With(topic).Add(uint64(len(v)))
	h := w.Header()
	h.Set("Content-Type", "image/gif")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Length", strconv.Itoa(len(pixelGIF)))
	w.WriteHeader(http.StatusOK)
	w.Write(pixelGIF)
}

// clientIP is the address of the peer, or, when the peer is a trusted
// proxy, the right-most X-Forwarded-For address that is not one: every
// hop right of it was added by a proxy we trust, the ones left of it could
// be made up by the client.
func (s *Server) clientIP(r *http.Request) string {
	peer, ok := parseHop(r.RemoteAddr)
	if !ok {
		host, _, err := net.SplitHostPort(r.RemoteAddr)
		if err != nil {
			return r.RemoteAddr
		}
		return host
	}
	if !s.trusted(peer) {
		return peer.String()
	}
	client := peer
	hops := r.Header.Values("X-Forwarded-For")
	for i := len(hops) - 1; i >= 0; i-- {
		list := hops[i]
		for list != "" {
			var hop string
			if j := strings.LastIndexByte(list, ','); j >= 0 {
				hop, list = list[j+1:], list[:j]
			} else {
				hop, list = list, ""
			}
			a, ok := parseHop(strings.TrimSpace(hop))
			if !ok {
				return client.String() // garbage: believe no further
			}
			client = a
			if !s.trusted(a) {
				return client.String()
			}
		}
	}
	return client.String()
}

func (s *Server) trusted(a netip.Addr) bool {
	for _, p := range s.cfg.TrustedProxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// parseHop reads an address with or without a port.
func parseHop(s string) (netip.Addr, bool) {
	if a, err := netip.ParseAddr(s); err == nil {
		return a.Unmap(), true
	}
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap(), true
	}
	return netip.Addr{}, false
}
