// Package media tells the format of a media file from its first bytes and
// measures the playing time of a voice file from its bytes, for the checks
// wego makes before it uploads a file to WeChat. Everything here reads
// outside input: it never panics, whatever the bytes, and is fuzzed.
package media

import (
	"bytes"
	"net/http"
	"path/filepath"
	"strings"
)

// Format is a file format WeChat takes for materials.
type Format uint8

// The formats WeChat takes: images, voice and video.
const (
	Unknown Format = iota
	JPEG
	PNG
	GIF
	BMP
	AMR
	MP3
	WMA
	WAV
	MP4
)

// formatInfo is what is known of a format: its name in messages, the
// extensions that name it and the Content-Type it is sent with.
var formatInfo = [...]struct {
	name        string
	exts        []string
	contentType string
}{
	Unknown: {"unknown", nil, "application/octet-stream"},
	JPEG:    {"JPEG", []string{".jpg", ".jpeg"}, "image/jpeg"},
	PNG:     {"PNG", []string{".png"}, "image/png"},
	GIF:     {"GIF", []string{".gif"}, "image/gif"},
	BMP:     {"BMP", []string{".bmp"}, "image/bmp"},
	AMR:     {"AMR", []string{".amr"}, "audio/amr"},
	MP3:     {"MP3", []string{".mp3"}, "audio/mpeg"},
	WMA:     {"WMA", []string{".wma"}, "audio/x-ms-wma"},
	WAV:     {"WAV", []string{".wav"}, "audio/wav"},
	MP4:     {"MP4", []string{".mp4"}, "video/mp4"},
}

// String is the format's name, as messages write it: "JPEG", "MP3".
func (f Format) String() string {
	if int(f) >= len(formatInfo) {
		return "unknown"
	}
	return formatInfo[f].name
}

// ContentType is the MIME type the format is sent with:
// "application/octet-stream" for Unknown.
func (f Format) ContentType() string {
	if int(f) >= len(formatInfo) {
		return formatInfo[Unknown].contentType
	}
	return formatInfo[f].contentType
}

// ByExtension returns the format the extension of a file name names,
// whatever its case: "cat.JPG" is JPEG. Unknown for any other.
func ByExtension(name string) Format {
	ext := strings.ToLower(filepath.Ext(name))
	if ext == "" {
		return Unknown
	}
	for f, info := range formatInfo {
		for _, e := range info.exts {
			if e == ext {
				return Format(f)
			}
		}
	}
	return Unknown
}

// SniffLen is how many first bytes of a file Sniff needs at most.
const SniffLen = 512

// Magic numbers net/http does not know.
var (
	amrMagic   = []byte("#!AMR\n")
	amrWBMagic = []byte("#!AMR-WB\n")
	// asfHeader is the GUID of the ASF Header Object, the start of every
	// WMA (and WMV) file: 75B22630-668E-11CF-A6D9-00AA0062CE6C.
	asfHeader = []byte{0x30, 0x26, 0xB2, 0x75, 0x8E, 0x66, 0xCF, 0x11, 0xA6, 0xD9, 0x00, 0xAA, 0x00, 0x62, 0xCE, 0x6C}
)

// Sniff returns the format of a file that starts with head (its first
// SniffLen bytes, or all of it when shorter), from the content alone:
// images and WAV as [net/http.DetectContentType] tells them, AMR, MP3,
// WMA and MP4 by their own magic numbers. Unknown for anything else.
//
// MP3 is an ID3v2 tag or an MPEG Layer III frame header at the start; MP4
// is a file whose first box is "ftyp" (ISO base media, whatever its brand).
func Sniff(head []byte) Format {
	if len(head) > SniffLen {
		head = head[:SniffLen]
	}
	switch {
	case bytes.HasPrefix(head, amrMagic), bytes.HasPrefix(head, amrWBMagic):
		return AMR
	case bytes.HasPrefix(head, asfHeader):
		return WMA
	case isMP4(head):
		return MP4
	case bytes.HasPrefix(head, []byte("ID3")):
		return MP3
	}
	if _, ok := parseMP3Header(head); ok {
		return MP3
	}
	switch http.DetectContentType(head) {
	case "image/jpeg":
		return JPEG
	case "image/png":
		return PNG
	case "image/gif":
		return GIF
	case "image/bmp":
		return BMP
	case "audio/wave":
		return WAV
	}
	return Unknown
}

// isMP4 reports whether head starts with an ftyp box: a 32-bit size of at
// least 8 (the box's header and a brand), "ftyp", and a brand of four
// printable characters.
func isMP4(head []byte) bool {
	if len(head) < 12 || string(head[4:8]) != "ftyp" {
		return false
	}
	size := uint32(head[0])<<24 | uint32(head[1])<<16 | uint32(head[2])<<8 | uint32(head[3])
	if size < 12 {
		return false
	}
	for _, c := range head[8:12] {
		if c < 0x20 || c > 0x7E {
			return false
		}
	}
	return true
}
