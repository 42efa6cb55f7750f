// Package mediatest makes small, valid media files of every format WeChat
// takes for materials, and readers of large videos that generate their
// bytes instead of holding them, for the tests of wego and wegotest.
package mediatest

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"time"
)

// picture is a w×h gradient.
func picture(w, h int) image.Image {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{uint8(x * 255 / max(w-1, 1)), uint8(y * 255 / max(h-1, 1)), 128, 255})
		}
	}
	return img
}

// JPEG returns a w×h JPEG.
func JPEG(w, h int) []byte {
	var b bytes.Buffer
	_ = jpeg.Encode(&b, picture(w, h), &jpeg.Options{Quality: 80})
	return b.Bytes()
}

// PNG returns a w×h PNG.
func PNG(w, h int) []byte {
	var b bytes.Buffer
	_ = png.Encode(&b, picture(w, h))
	return b.Bytes()
}

// GIF returns a w×h GIF.
func GIF(w, h int) []byte {
	var b bytes.Buffer
	_ = gif.Encode(&b, picture(w, h), nil)
	return b.Bytes()
}

// BMP returns a w×h 24-bit BMP.
func BMP(w, h int) []byte {
	row := (w*3 + 3) &^ 3
	size := 54 + row*h
	b := make([]byte, 54, size)
	copy(b, "BM")
	le := binary.LittleEndian
	le.PutUint32(b[2:], uint32(size))
	le.PutUint32(b[10:], 54)
	le.PutUint32(b[14:], 40)
	le.PutUint32(b[18:], uint32(w))
	le.PutUint32(b[22:], uint32(h))
	le.PutUint16(b[26:], 1)
	le.PutUint16(b[28:], 24)
	le.PutUint32(b[34:], uint32(row*h))
	for y := range h {
		line := make([]byte, row)
		for x := range w {
			line[3*x], line[3*x+1], line[3*x+2] = 128, uint8(y), uint8(x)
		}
		b = append(b, line...)
	}
	return b
}

// AMR returns an AMR-NB file of frames frames of 20 ms (12.2 kbit/s, 32
// bytes each), or an AMR-WB one (23.85 kbit/s, 61 bytes each).
func AMR(frames int, wb bool) []byte {
	magic, ft, size := "#!AMR\n", byte(7), 32
	if wb {
		magic, ft, size = "#!AMR-WB\n", 8, 61
	}
	b := []byte(magic)
	for i := range frames {
		b = append(b, ft<<3|0x04)
		for j := 1; j < size; j++ {
			b = append(b, byte(i+j))
		}
	}
	return b
}

// MP3Frame is the playing time of a frame of MP3: 1152 samples at 44.1 kHz.
const MP3Frame = 1152 * time.Second / 44100

// MP3 returns an MP3 file of frames MPEG-1 Layer III frames (128 kbit/s,
// 44.1 kHz, 417 or 418 bytes, MP3Frame each), after an ID3v2 tag of
// tagBytes bytes of content when tagBytes is more than 0.
func MP3(frames, tagBytes int) []byte {
	var b []byte
	if tagBytes > 0 {
		n := tagBytes
		b = append(b, 'I', 'D', '3', 4, 0, 0, byte(n>>21&0x7F), byte(n>>14&0x7F), byte(n>>7&0x7F), byte(n&0x7F))
		b = append(b, make([]byte, n)...)
	}
	// 128 kbit/s at 44.1 kHz gives 417.96 bytes a frame: a padded frame
	// every so often keeps the rate, as an encoder does.
	acc := 0
	for i := range frames {
		pad := 0
		acc += 144 * 128000 % 44100
		if acc >= 44100 {
			acc -= 44100
			pad = 1
		}
		b = append(b, 0xFF, 0xFB, 0x90|byte(pad<<1), 0x64)
		for j := 4; j < 417+pad; j++ {
			b = append(b, byte(i*7+j)&0x7F) // never 0xFF: no false frame starts
		}
	}
	return b
}

// WAV returns a WAV file of d of 8 kHz 16-bit mono sound (16000 bytes a
// second), with a LIST chunk before the data as many recorders write.
// With unknownLength, the data chunk's size is 0, as a file written while
// recording leaves it.
func WAV(d time.Duration, unknownLength bool) []byte {
	const byteRate = 16000
	n := int(d * byteRate / time.Second)
	n &^= 1
	le := binary.LittleEndian
	var b []byte
	b = append(b, "RIFF\x00\x00\x00\x00WAVE"...)
	b = append(b, "fmt "...)
	b = le.AppendUint32(b, 16)
	b = le.AppendUint16(b, 1)    // PCM
	b = le.AppendUint16(b, 1)    // mono
	b = le.AppendUint32(b, 8000) // Hz
	b = le.AppendUint32(b, byteRate)
	b = le.AppendUint16(b, 2)
	b = le.AppendUint16(b, 16)
	info := "INFOISFT\x0e\x00\x00\x00Lavf60.16.100\x00"
	b = append(b, "LIST"...)
	b = le.AppendUint32(b, uint32(len(info)))
	b = append(b, info...)
	b = append(b, "data"...)
	if unknownLength {
		b = le.AppendUint32(b, 0)
	} else {
		b = le.AppendUint32(b, uint32(n))
	}
	for i := range n {
		b = append(b, byte(i*13))
	}
	le.PutUint32(b[4:], uint32(len(b)-8))
	return b
}

// WMA returns a WMA file whose header says it plays d, with a preroll of
// 3 s as encoders write, and a data object of dataBytes bytes.
func WMA(d time.Duration, dataBytes int) []byte {
	le := binary.LittleEndian
	header := []byte{0x30, 0x26, 0xB2, 0x75, 0x8E, 0x66, 0xCF, 0x11, 0xA6, 0xD9, 0x00, 0xAA, 0x00, 0x62, 0xCE, 0x6C}
	props := []byte{0xA1, 0xDC, 0xAB, 0x8C, 0x47, 0xA9, 0xCF, 0x11, 0x8E, 0xE4, 0x00, 0xC0, 0x0C, 0x20, 0x53, 0x65}
	content := []byte{0x33, 0x26, 0xB2, 0x75, 0x8E, 0x66, 0xCF, 0x11, 0xA6, 0xD9, 0x00, 0xAA, 0x00, 0x62, 0xCE, 0x6C}
	data := []byte{0x36, 0x26, 0xB2, 0x75, 0x8E, 0x66, 0xCF, 0x11, 0xA6, 0xD9, 0x00, 0xAA, 0x00, 0x62, 0xCE, 0x6C}
	const preroll = 3000 // ms

	var objs []byte
	// A Content Description Object first, so the file properties are not
	// the first object.
	title := []byte("w\x00e\x00g\x00o\x00\x00\x00")
	objs = append(objs, content...)
	objs = le.AppendUint64(objs, uint64(24+10+len(title)))
	objs = le.AppendUint16(objs, uint16(len(title)))
	objs = append(objs, make([]byte, 8)...)
	objs = append(objs, title...)
	// File Properties Object.
	objs = append(objs, props...)
	objs = le.AppendUint64(objs, 104)
	objs = append(objs, make([]byte, 16)...)                               // file id
	objs = le.AppendUint64(objs, 0)                                        // file size, set below
	objs = le.AppendUint64(objs, 0)                                        // creation date
	objs = le.AppendUint64(objs, 1)                                        // data packets
	objs = le.AppendUint64(objs, uint64((d+preroll*time.Millisecond)/100)) // play duration, 100 ns
	objs = le.AppendUint64(objs, uint64(d/100))                            // send duration
	objs = le.AppendUint64(objs, preroll)
	objs = le.AppendUint32(objs, 2) // seekable
	objs = le.AppendUint32(objs, 3200)
	objs = le.AppendUint32(objs, 3200)
	objs = le.AppendUint32(objs, 128000)

	var b []byte
	b = append(b, header...)
	b = le.AppendUint64(b, uint64(30+len(objs)))
	b = le.AppendUint32(b, 2)
	b = append(b, 0x01, 0x02)
	b = append(b, objs...)
	b = append(b, data...)
	b = le.AppendUint64(b, uint64(50+dataBytes))
	b = append(b, make([]byte, 26)...)
	for i := range dataBytes {
		b = append(b, byte(i*5))
	}
	return b
}

// MP4 returns an MP4 of size bytes: an ftyp box and an mdat box of
// generated bytes (not a playable film: WeChat and the SDK check the
// container's first box).
func MP4(size int) []byte {
	b := make([]byte, size)
	_, _ = NewVideo(int64(size)).ReadAt(b, 0)
	return b
}

// videoHead is the start of the videos: an ftyp box (isom, compatible
// with mp41) and the header of an mdat box.
var videoHead = []byte{
	0, 0, 0, 28, 'f', 't', 'y', 'p', 'i', 's', 'o', 'm', 0, 0, 2, 0,
	'i', 's', 'o', 'm', 'i', 's', 'o', '2', 'm', 'p', '4', '1',
	0, 0, 0, 0, 'm', 'd', 'a', 't',
}

// Video is an MP4 of any size whose bytes are generated as they are read,
// never held: byte i is the same for every reader of the same size. It is
// an io.Reader (from the start, once) and an io.ReaderAt (give it to
// io.NewSectionReader for a reader that can seek and tell its size).
type Video struct {
	size, off int64
}

// NewVideo returns a video of size bytes (at least the 36 of its boxes'
// headers).
func NewVideo(size int64) *Video {
	return &Video{size: max(size, int64(len(videoHead)))}
}

// Size is the video's size in bytes.
func (v *Video) Size() int64 { return v.size }

// Read reads the next bytes.
func (v *Video) Read(p []byte) (int, error) {
	n, err := v.ReadAt(p, v.off)
	v.off += int64(n)
	return n, err
}

// ReadAt reads the bytes at off.
func (v *Video) ReadAt(p []byte, off int64) (int, error) {
	if off >= v.size {
		return 0, io.EOF
	}
	n := len(p)
	if int64(n) > v.size-off {
		n = int(v.size - off)
	}
	mdat := v.size - 28
	if mdat > 0xFFFFFFFF {
		mdat = 1 // a 64-bit size would follow; no test needs one
	}
	for i := range n {
		at := off + int64(i)
		switch {
		case at < 28:
			p[i] = videoHead[at]
		case at < 32:
			p[i] = byte(mdat >> (8 * (31 - at)))
		case at < int64(len(videoHead)):
			p[i] = videoHead[at]
		default:
			p[i] = byte(at*31 + at>>9)
		}
	}
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}
