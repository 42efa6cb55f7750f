package media

import (
	"bytes"
	"encoding/binary"
	"math"
	"time"
)

// Meter measures the playing time of a voice file from its bytes, written
// to it in order, in pieces of any size: the same bytes give the same
// Duration however they are cut. It holds a few dozen bytes, never the
// file.
type Meter interface {
	// Write takes the next bytes of the file. It never fails.
	Write(p []byte) (int, error)
	// Duration is the playing time the bytes written so far tell: for WAV
	// and WMA, what their header says of the whole file, as soon as the
	// header was written (a WAV whose header leaves the length open: its
	// sound bytes counted so far); for AMR and MP3, the frames counted so
	// far, so a bound from below until every byte was written, and exact
	// then. 0 while nothing tells, and for bytes that are not of the format.
	Duration() time.Duration
}

// NewMeter returns a Meter for a voice format (AMR, MP3, WAV, WMA), nil
// for the others.
func NewMeter(f Format) Meter {
	switch f {
	case AMR:
		m := &amrMeter{}
		m.f.need = len(amrMagic)
		return m
	case MP3:
		m := &mp3Meter{}
		m.f.need = 4
		return m
	case WAV:
		m := &wavMeter{}
		m.f.need = 12
		return m
	case WMA:
		m := &wmaMeter{}
		m.f.need = 30
		return m
	}
	return nil
}

// MinDuration returns the least playing time a file of size bytes that
// starts with head can have, from its size alone: an AMR frame holds 20 ms
// of sound in at most 32 bytes (61 for AMR-WB), so an AMR file of more
// than 96 KB plays more than a minute. 0 for the other formats, whose
// frames can be long.
func MinDuration(head []byte, size int64) time.Duration {
	var magic, most int64
	switch {
	case bytes.HasPrefix(head, amrMagic):
		magic, most = int64(len(amrMagic)), int64(amrNBSize[7])
	case bytes.HasPrefix(head, amrWBMagic):
		magic, most = int64(len(amrWBMagic)), int64(amrWBSize[8])
	default:
		return 0
	}
	if size <= magic {
		return 0
	}
	frames := (size - magic) / most
	if frames > int64(math.MaxInt64/amrFrame) {
		return math.MaxInt64
	}
	return time.Duration(frames) * amrFrame
}

// framer feeds a parser the bytes written to it as the parser asks: need
// bytes at a time, collected in buf across writes, or skip bytes passed
// over. The parser is called with buf[:need] and sets what comes next; it
// may keep bytes at the start of buf by setting have.
type framer struct {
	buf  [72]byte
	have int
	need int
	skip uint64
	done bool // the parser wants nothing more
}

// feed gives p to got, and returns what is left of p when the parser is
// done before its end.
func (f *framer) feed(p []byte, got func(b []byte)) []byte {
	for len(p) > 0 && !f.done {
		if f.skip > 0 {
			k := uint64(len(p))
			if k > f.skip {
				k = f.skip
			}
			f.skip -= k
			p = p[k:]
			continue
		}
		if f.need <= f.have || f.need > len(f.buf) {
			f.done = true // a parser bug; stop rather than loop
			break
		}
		k := copy(f.buf[f.have:f.need], p)
		f.have += k
		p = p[k:]
		if f.have == f.need {
			f.have = 0
			got(f.buf[:f.need])
		}
	}
	return p
}

// AMR (RFC 4867 storage format): a magic line, then frames of 20 ms each,
// a header byte whose frame type gives the frame's length, header
// included.
const amrFrame = 20 * time.Millisecond

var (
	amrNBSize = [16]uint8{13, 14, 16, 18, 20, 21, 27, 32, 6, 1, 1, 1, 1, 1, 1, 1}
	amrWBSize = [16]uint8{18, 24, 33, 37, 41, 47, 51, 59, 61, 6, 1, 1, 1, 1, 1, 1}
)

type amrMeter struct {
	f      framer
	state  uint8 // 0 the magic, 1 the rest of AMR-WB's, 2 frames
	wb     bool
	frames int64
}

func (m *amrMeter) Write(p []byte) (int, error) {
	m.f.feed(p, m.got)
	return len(p), nil
}

func (m *amrMeter) got(b []byte) {
	switch m.state {
	case 0:
		switch {
		case bytes.Equal(b, amrMagic):
			m.state, m.f.need = 2, 1
		case bytes.Equal(b, amrWBMagic[:len(amrMagic)]):
			m.state, m.f.need = 1, len(amrWBMagic)-len(amrMagic)
		default:
			m.f.done = true
		}
	case 1:
		if !bytes.Equal(b, amrWBMagic[len(amrMagic):]) {
			m.f.done = true
			return
		}
		m.wb, m.state, m.f.need = true, 2, 1
	default:
		ft := b[0] >> 3 & 0x0F
		size := amrNBSize[ft]
		if m.wb {
			size = amrWBSize[ft]
		}
		m.frames++
		m.f.skip = uint64(size - 1)
	}
}

func (m *amrMeter) Duration() time.Duration {
	return time.Duration(m.frames) * amrFrame
}

// MP3: ID3v2 tags, then MPEG audio Layer III frames, each with a 4-byte
// header that gives its length and its samples. Bytes between frames
// (tags, junk) are passed over byte by byte until a frame of the same
// version and sample rate as the first one starts.
type mp3Header struct {
	version uint8 // 3 MPEG-1, 2 MPEG-2, 0 MPEG-2.5
	rate    int   // samples a second
	length  int   // the frame's bytes, header included
	samples int   // samples in the frame
}

var (
	mp3Bitrates = [2][16]int{ // kbit/s by bitrate index: MPEG-1, then MPEG-2 and 2.5 (Layer III)
		{0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 0},
		{0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160, 0},
	}
	mp3Rates = [4][3]int{ // Hz by version and sample rate index
		0: {11025, 12000, 8000},
		2: {22050, 24000, 16000},
		3: {44100, 48000, 32000},
	}
)

// parseMP3Header reads the MPEG audio frame header at the start of b: a
// Layer III frame with a known bitrate (not free format) and sample rate.
func parseMP3Header(b []byte) (mp3Header, bool) {
	if len(b) < 4 || b[0] != 0xFF || b[1]&0xE0 != 0xE0 {
		return mp3Header{}, false
	}
	version := b[1] >> 3 & 3
	layer := b[1] >> 1 & 3
	bitrateIdx := b[2] >> 4
	rateIdx := b[2] >> 2 & 3
	if version == 1 || layer != 1 || bitrateIdx == 0 || bitrateIdx == 15 || rateIdx == 3 {
		return mp3Header{}, false
	}
	h := mp3Header{version: version, rate: mp3Rates[version][rateIdx]}
	padding := int(b[2] >> 1 & 1)
	if version == 3 {
		h.samples = 1152
		h.length = 144*1000*mp3Bitrates[0][bitrateIdx]/h.rate + padding
	} else {
		h.samples = 576
		h.length = 72*1000*mp3Bitrates[1][bitrateIdx]/h.rate + padding
	}
	return h, true
}

type mp3Meter struct {
	f      framer
	state  uint8 // 0 before frames (an ID3 tag may come), 1 the rest of an ID3 header, 2 frames
	first  mp3Header
	frames int64
	nanos  int64
}

func (m *mp3Meter) Write(p []byte) (int, error) {
	m.f.feed(p, m.got)
	return len(p), nil
}

func (m *mp3Meter) got(b []byte) {
	switch m.state {
	case 0:
		if string(b[:3]) == "ID3" {
			m.state, m.f.have, m.f.need = 1, 4, 10 // keep the 4 bytes, read the header's other 6
			return
		}
		m.state = 2
		m.frame(b)
	case 1:
		size := uint64(b[6]&0x7F)<<21 | uint64(b[7]&0x7F)<<14 | uint64(b[8]&0x7F)<<7 | uint64(b[9]&0x7F)
		if b[5]&0x10 != 0 { // a footer follows the tag
			size += 10
		}
		m.state, m.f.skip, m.f.need = 0, size, 4
	default:
		m.frame(b)
	}
}

// frame counts the frame whose header is b, or moves on one byte.
func (m *mp3Meter) frame(b []byte) {
	h, ok := parseMP3Header(b)
	if ok && m.frames > 0 && (h.version != m.first.version || h.rate != m.first.rate) {
		ok = false
	}
	if !ok {
		copy(m.f.buf[:3], b[1:4])
		m.f.have, m.f.need = 3, 4
		return
	}
	if m.frames == 0 {
		m.first = h
	}
	m.frames++
	if m.nanos < math.MaxInt64-int64(time.Second) {
		m.nanos += int64(h.samples) * int64(time.Second) / int64(h.rate)
	}
	m.f.skip, m.f.need = uint64(h.length-4), 4
}

func (m *mp3Meter) Duration() time.Duration { return time.Duration(m.nanos) }

// WAV: a RIFF header, then chunks; "fmt " gives the bytes of sound a
// second, "data" the bytes of sound. A data chunk of size 0 or 0xFFFFFFFF
// (a file written as it was recorded) is counted as it comes.
type wavMeter struct {
	f        framer
	state    uint8 // 0 the RIFF header, 1 a chunk header, 2 the fmt fields, 3 sound bytes counted
	byteRate uint64
	fmtRest  uint64 // the fmt chunk's bytes after the 16 read
	sound    uint64 // bytes of sound: the data chunk's size, or counted
}

func (m *wavMeter) Write(p []byte) (int, error) {
	if m.state == 3 {
		m.sound += uint64(len(p))
		return len(p), nil
	}
	rest := m.f.feed(p, m.got)
	if m.state == 3 {
		m.sound += uint64(len(rest))
	}
	return len(p), nil
}

func (m *wavMeter) got(b []byte) {
	le := binary.LittleEndian
	switch m.state {
	case 0:
		if string(b[:4]) != "RIFF" || string(b[8:12]) != "WAVE" {
			m.f.done = true
			return
		}
		m.state, m.f.need = 1, 8
	case 1:
		size := uint64(le.Uint32(b[4:8]))
		switch string(b[:4]) {
		case "fmt ":
			if size < 16 {
				m.f.done = true
				return
			}
			m.fmtRest = size - 16 + size&1
			m.state, m.f.need = 2, 16
		case "data":
			m.f.done = true
			if m.byteRate == 0 { // no fmt before the sound: nothing tells its rate
				return
			}
			if size == 0 || size == 0xFFFFFFFF {
				m.state = 3
				return
			}
			m.sound = size
		default:
			m.f.skip, m.f.need = size+size&1, 8
		}
	case 2:
		m.byteRate = uint64(le.Uint32(b[8:12]))
		m.state, m.f.skip, m.f.need = 1, m.fmtRest, 8
	}
}

func (m *wavMeter) Duration() time.Duration {
	if m.byteRate == 0 {
		return 0
	}
	return perSecond(m.sound, m.byteRate)
}

// perSecond is the time n units take at rate units a second, without
// overflow (capped at the longest Duration).
func perSecond(n, rate uint64) time.Duration {
	secs := n / rate
	if secs > uint64(math.MaxInt64/int64(time.Second))-1 {
		return math.MaxInt64
	}
	return time.Duration(secs)*time.Second + time.Duration(n%rate*uint64(time.Second)/rate)
}

// WMA: an ASF Header Object holding objects, among them the File
// Properties Object, which gives the play duration (in 100 ns) and the
// preroll (in ms) to take from it; its Broadcast flag says they are not
// set.
var asfFileProperties = []byte{0xA1, 0xDC, 0xAB, 0x8C, 0x47, 0xA9, 0xCF, 0x11, 0x8E, 0xE4, 0x00, 0xC0, 0x0C, 0x20, 0x53, 0x65}

type wmaMeter struct {
	f     framer
	state uint8  // 0 the header object, 1 an object's header, 2 the file properties
	left  uint64 // bytes of the header object not yet read
	dur   time.Duration
}

func (m *wmaMeter) Write(p []byte) (int, error) {
	m.f.feed(p, m.got)
	return len(p), nil
}

func (m *wmaMeter) got(b []byte) {
	le := binary.LittleEndian
	switch m.state {
	case 0:
		size := le.Uint64(b[16:24])
		if !bytes.Equal(b[:16], asfHeader) || size < 30 {
			m.f.done = true
			return
		}
		m.left = size - 30
		m.state, m.f.need = 1, 24
	case 1:
		size := le.Uint64(b[16:24])
		if m.left < 24 || size < 24 || size > m.left {
			m.f.done = true
			return
		}
		m.left -= size
		if bytes.Equal(b[:16], asfFileProperties) {
			if size < 24+68 {
				m.f.done = true
				return
			}
			m.state, m.f.need = 2, 68
			return
		}
		m.f.skip, m.f.need = size-24, 24
	case 2:
		m.f.done = true
		if le.Uint32(b[64:68])&1 != 0 { // Broadcast: durations not set
			return
		}
		play := perSecond(le.Uint64(b[40:48]), 10_000_000)
		preroll := perSecond(le.Uint64(b[56:64]), 1000)
		if play > preroll {
			m.dur = play - preroll
		}
	}
}

func (m *wmaMeter) Duration() time.Duration { return m.dur }
