package xmlscan

import (
	"encoding/binary"
	"unicode/utf8"
)

// Classes of bytes in character data.
const (
	cPlain    = iota // printable ASCII with no meaning in text
	cSpace           // \t \n \r and space
	cLT              // '<': markup starts
	cAmp             // '&': a reference starts
	cRBracket        // ']': may start the forbidden "]]>"
	cCtrl            // ASCII control characters XML 1.0 does not allow
	cHigh            // first or later byte of a multi-byte UTF-8 sequence
)

// Byte tables, built once; they are never written after.
var (
	charClass = func() (t [256]uint8) {
		for c := 0; c < 256; c++ {
			switch {
			case c >= utf8.RuneSelf:
				t[c] = cHigh
			case c == '\t' || c == '\n' || c == '\r' || c == ' ':
				t[c] = cSpace
			case c < 0x20:
				t[c] = cCtrl
			case c == '<':
				t[c] = cLT
			case c == '&':
				t[c] = cAmp
			case c == ']':
				t[c] = cRBracket
			default:
				t[c] = cPlain
			}
		}
		return t
	}()
	// nameStart holds the ASCII bytes that may start a name, and every byte
	// >= 0x80 (those are checked as runes).
	nameStart = func() (t [256]bool) {
		for c := 0; c < 256; c++ {
			t[c] = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == ':' || c >= utf8.RuneSelf
		}
		return t
	}()
	// nameChar holds the bytes that may continue a name.
	nameChar = func() (t [256]bool) {
		for c := 0; c < 256; c++ {
			t[c] = nameStart[c] || c >= '0' && c <= '9' || c == '-' || c == '.'
		}
		return t
	}()
)

// isXMLChar reports whether r is a character XML 1.0 allows in a document:
// #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF].
func isXMLChar(r rune) bool {
	switch {
	case r >= 0x20 && r <= 0xD7FF:
		return true
	case r == '\t' || r == '\n' || r == '\r':
		return true
	case r >= 0xE000 && r <= 0xFFFD:
		return true
	case r >= 0x10000 && r <= utf8.MaxRune:
		return true
	}
	return false
}

// isCJK3 reports whether src[i:] starts with a three-byte sequence that
// needs no range check beyond its continuation bytes: U+1000-U+CFFF, which
// holds all of CJK. It is small enough to be inlined in scanning loops.
func isCJK3(src []byte, i int) bool {
	return len(src)-i >= 3 && src[i] >= 0xE1 && src[i] <= 0xEC && src[i+1]&0xC0 == 0x80 && src[i+2]&0xC0 == 0x80
}

// validRune decodes the multi-byte sequence at src[i] (src[i] >= 0x80) and
// reports its length and whether it is valid UTF-8 encoding an XML character.
func validRune(src []byte, i int) (int, bool) {
	if isCJK3(src, i) {
		return 3, true
	}
	r, n := utf8.DecodeRune(src[i:])
	if r == utf8.RuneError && n == 1 {
		return 1, false
	}
	return n, isXMLChar(r)
}

// validChars reports whether src[i:end] is valid UTF-8 made of XML
// characters; when not, it also returns the offset of the first bad byte.
func validChars(src []byte, i, end int) (int, bool) {
	src = src[:end]
	for i < end {
		// Skip eight printable ASCII bytes at a time: no byte has its high
		// bit set and none is below 0x20.
		for end-i >= 8 {
			x := binary.LittleEndian.Uint64(src[i:])
			if (x|(x-0x2020202020202020))&0x8080808080808080 != 0 {
				break
			}
			i += 8
		}
		if i == end {
			break
		}
		c := src[i]
		if c < utf8.RuneSelf {
			if charClass[c] == cCtrl {
				return i, false
			}
			i++
			continue
		}
		n, ok := validRune(src, i)
		if !ok {
			return i, false
		}
		i += n
	}
	return end, true
}
