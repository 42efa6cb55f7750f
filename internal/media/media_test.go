package media_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wego-sdk/wego/internal/media"
	"github.com/wego-sdk/wego/internal/mediatest"
)

func TestSniff(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		data []byte
		want media.Format
	}{
		{"jpeg", mediatest.JPEG(8, 8), media.JPEG},
		{"png", mediatest.PNG(8, 8), media.PNG},
		{"gif", mediatest.GIF(8, 8), media.GIF},
		{"bmp", mediatest.BMP(8, 8), media.BMP},
		{"amr", mediatest.AMR(10, false), media.AMR},
		{"amr-wb", mediatest.AMR(10, true), media.AMR},
		{"mp3 with ID3", mediatest.MP3(3, 100), media.MP3},
		{"mp3 bare", mediatest.MP3(3, 0), media.MP3},
		{"wav", mediatest.WAV(time.Second, false), media.WAV},
		{"wma", mediatest.WMA(time.Second, 10), media.WMA},
		{"mp4", mediatest.MP4(1000), media.MP4},
		{"text", []byte("hello, world"), media.Unknown},
		{"html", []byte("<html><body>"), media.Unknown},
		{"empty", nil, media.Unknown},
		{"mp3 layer II", []byte{0xFF, 0xFD, 0x90, 0x64, 0, 0, 0, 0}, media.Unknown},
		{"mp3 free format", []byte{0xFF, 0xFB, 0x00, 0x64, 0, 0, 0, 0}, media.Unknown},
		{"ftyp too short", []byte{0, 0, 0, 8, 'f', 't', 'y', 'p', 'i', 's', 'o', 'm'}, media.Unknown},
		{"AMR multichannel", []byte("#!AMR_MC1.0\n\x00\x00\x00\x01"), media.Unknown},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, media.Sniff(tt.data), tt.name)
		if len(tt.data) > media.SniffLen {
			assert.Equal(t, tt.want, media.Sniff(tt.data[:media.SniffLen]), "%s: from its first %d bytes", tt.name, media.SniffLen)
		}
	}
}

func TestByExtension(t *testing.T) {
	t.Parallel()
	for name, want := range map[string]media.Format{
		"a.jpg": media.JPEG, "a.JPEG": media.JPEG, "dir/a.png": media.PNG, "a.gif": media.GIF, "a.bmp": media.BMP,
		"a.amr": media.AMR, "a.Mp3": media.MP3, "a.wma": media.WMA, "a.wav": media.WAV, "a.mp4": media.MP4,
		"a.webp": media.Unknown, "jpg": media.Unknown, "": media.Unknown, "a.": media.Unknown, "a.mp4.txt": media.Unknown,
	} {
		assert.Equal(t, want, media.ByExtension(name), name)
	}
	assert.Equal(t, "image/jpeg", media.JPEG.ContentType())
	assert.Equal(t, "audio/amr", media.AMR.ContentType())
	assert.Equal(t, "application/octet-stream", media.Unknown.ContentType())
	assert.Equal(t, "MP3", media.MP3.String())
	assert.Equal(t, "unknown", media.Format(200).String())
}

// measure writes data to a meter of f in pieces of n bytes.
func measure(f media.Format, data []byte, n int) time.Duration {
	m := media.NewMeter(f)
	for len(data) > 0 {
		k := min(n, len(data))
		_, _ = m.Write(data[:k])
		data = data[k:]
	}
	return m.Duration()
}

func TestMeters(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		format media.Format
		data   []byte
		want   time.Duration
	}{
		{"amr 60 s", media.AMR, mediatest.AMR(3000, false), 60 * time.Second},
		{"amr 60.02 s", media.AMR, mediatest.AMR(3001, false), 60*time.Second + 20*time.Millisecond},
		{"amr-wb 2 s", media.AMR, mediatest.AMR(100, true), 2 * time.Second},
		{"mp3 100 frames", media.MP3, mediatest.MP3(100, 0), 100 * mediatest.MP3Frame},
		{"mp3 behind a 3000-byte ID3 tag", media.MP3, mediatest.MP3(2300, 3000), 2300 * mediatest.MP3Frame},
		{"wav 61 s", media.WAV, mediatest.WAV(61*time.Second, false), 61 * time.Second},
		{"wav of unknown length, counted", media.WAV, mediatest.WAV(3*time.Second, true), 3 * time.Second},
		{"wma 59 s", media.WMA, mediatest.WMA(59*time.Second, 100), 59 * time.Second},
		{"wma broadcast: no duration", media.WMA, broadcast(mediatest.WMA(59*time.Second, 100)), 0},
		{"not amr", media.AMR, []byte("#!AMX\nxxxxxxxx"), 0},
		{"not wav", media.WAV, mediatest.AMR(10, false), 0},
		{"not wma", media.WMA, mediatest.WAV(time.Second, false), 0},
		{"not mp3", media.MP3, bytes.Repeat([]byte{0xFF}, 1000), 0},
	}
	for _, tt := range tests {
		for _, n := range []int{1, 3, 7, 512, len(tt.data) + 1} {
			assert.Equal(t, tt.want, measure(tt.format, tt.data, n), "%s, %d bytes a write", tt.name, n)
		}
	}
	assert.Nil(t, media.NewMeter(media.JPEG))
}

// broadcast sets the Broadcast flag of a WMA from mediatest: its header
// then tells no duration.
func broadcast(wma []byte) []byte {
	wma[30+44+88] |= 1 // the header object, the content description, the flags in the file properties
	return wma
}

// An MP3's frames are found again past junk between them, and junk that
// looks like a frame of another sample rate does not count.
func TestMP3MeterResyncs(t *testing.T) {
	t.Parallel()
	a := mediatest.MP3(10, 0)
	junk := []byte("TAG junk between frames \xFF\xFB\x98\x64") // \x98: 32 kHz, not the first frame's 44.1
	data := append(append(append([]byte(nil), a...), junk...), a...)
	assert.Equal(t, 20*mediatest.MP3Frame, measure(media.MP3, data, 5))
}

// A WAV header partly written tells nothing yet; the data chunk's size
// tells the whole as soon as it arrives.
func TestWAVMeterFromTheHeader(t *testing.T) {
	t.Parallel()
	data := mediatest.WAV(90*time.Second, false)
	m := media.NewMeter(media.WAV)
	_, _ = m.Write(data[:20])
	assert.Zero(t, m.Duration())
	_, _ = m.Write(data[20:100])
	assert.Equal(t, 90*time.Second, m.Duration(), "from its first 100 bytes")
}

func TestMinDuration(t *testing.T) {
	t.Parallel()
	nb := mediatest.AMR(1, false)
	assert.Equal(t, 60*time.Second, media.MinDuration(nb, 6+3000*32), "96 KB of AMR-NB is at least 60 s")
	assert.Greater(t, media.MinDuration(nb, 6+3001*32), 60*time.Second)
	assert.Equal(t, 2*time.Second, media.MinDuration(mediatest.AMR(1, true), 9+100*61))
	assert.Zero(t, media.MinDuration(nb, 3))
	assert.Zero(t, media.MinDuration(mediatest.MP3(1, 0), 1<<30), "no bound for MP3")
	assert.Positive(t, media.MinDuration(nb, 1<<62), "no overflow")
}

func TestMP4Video(t *testing.T) {
	t.Parallel()
	v := mediatest.MP4(100)
	require.Len(t, v, 100)
	assert.Equal(t, media.MP4, media.Sniff(v))
	assert.Equal(t, "mdat", string(v[32:36]))
	assert.Equal(t, []byte{0, 0, 0, 72}, v[28:32], "mdat's size: the file after the ftyp box")
}
