package media_test

import (
	"testing"
	"time"

	"github.com/wego-sdk/wego/internal/media"
	"github.com/wego-sdk/wego/internal/mediatest"
)

// samples are files of every format, to seed the fuzzers besides
// testdata/fuzz.
func samples() [][]byte {
	return [][]byte{
		mediatest.JPEG(4, 4), mediatest.PNG(4, 4), mediatest.GIF(4, 4), mediatest.BMP(4, 4),
		mediatest.AMR(20, false), mediatest.AMR(20, true), mediatest.MP3(5, 40), mediatest.MP3(5, 0),
		mediatest.WAV(100*time.Millisecond, false), mediatest.WAV(100*time.Millisecond, true),
		mediatest.WMA(time.Second, 16), mediatest.MP4(64),
	}
}

// FuzzSniff gives Sniff any first bytes: it never panics, looks at the
// first SniffLen bytes only, and what it tells is a format with a name
// and a Content-Type.
func FuzzSniff(f *testing.F) {
	for _, s := range samples() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		got := media.Sniff(data)
		if len(data) > media.SniffLen && media.Sniff(data[:media.SniffLen]) != got {
			t.Fatalf("Sniff looked past %d bytes", media.SniffLen)
		}
		if got != media.Unknown && (got.String() == "unknown" || got.ContentType() == "application/octet-stream") {
			t.Fatalf("format %d has no name or Content-Type", got)
		}
	})
}

// voiceFormats are the formats a Meter measures, by the fuzzer's choice.
var voiceFormats = []media.Format{media.AMR, media.MP3, media.WAV, media.WMA}

// FuzzMeter writes any bytes to a Meter of any voice format, whole and in
// pieces of any size: it never panics, the pieces give the same Duration
// as the whole, the Duration never shrinks as bytes come, and for AMR it
// is at least MinDuration of the bytes' size.
func FuzzMeter(f *testing.F) {
	for i, s := range samples() {
		f.Add(byte(i), s, uint16(i*37))
	}
	f.Fuzz(func(t *testing.T, which byte, data []byte, cut uint16) {
		format := voiceFormats[int(which)%len(voiceFormats)]
		whole := media.NewMeter(format)
		_, _ = whole.Write(data)
		want := whole.Duration()
		if want < 0 {
			t.Fatalf("negative duration %v", want)
		}

		piece := int(cut)%97 + 1
		m := media.NewMeter(format)
		var last time.Duration
		for rest := data; len(rest) > 0; {
			k := min(piece, len(rest))
			_, _ = m.Write(rest[:k])
			rest = rest[k:]
			if d := m.Duration(); d < last {
				t.Fatalf("%v: duration went back from %v to %v", format, last, d)
			} else {
				last = d
			}
		}
		if got := m.Duration(); got != want {
			t.Fatalf("%v: %v in pieces of %d, %v whole", format, got, piece, want)
		}
		if format == media.AMR {
			if low := media.MinDuration(data, int64(len(data))); low > want {
				t.Fatalf("AMR of %d bytes: MinDuration %v, yet %v counted", len(data), low, want)
			}
		}
	})
}
