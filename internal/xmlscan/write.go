package xmlscan

import (
	"strconv"
	"unicode/utf8"
)

// Writing modes of appendClean.
const (
	modeCDATA = iota // inside a CDATA section: split "]]>"
	modeText         // character data: escape & < > and \r
	modeClean        // only replace what XML cannot carry
)

// special[mode][c] is true for the bytes appendClean must look at.
var special = func() (t [3][256]bool) {
	for c := 0; c < 256; c++ {
		bad := c >= utf8.RuneSelf || charClass[c] == cCtrl
		t[modeCDATA][c] = bad || c == ']'
		t[modeText][c] = bad || c == '&' || c == '<' || c == '>' || c == '\r'
		t[modeClean][c] = bad
	}
	return t
}()

// replacement stands for each character XML 1.0 cannot carry, as
// encoding/xml does.
const replacement = "\uFFFD"

// appendClean appends s to dst in the given mode, replacing each byte of
// invalid UTF-8 and each character XML 1.0 does not allow (control
// characters other than \t \n \r, U+FFFE, U+FFFF) with U+FFFD.
func appendClean(dst []byte, s string, mode int) []byte {
	sp := &special[mode]
	run := 0
	for i := 0; i < len(s); {
		c := s[i]
		if !sp[c] {
			i++
			continue
		}
		var rep string
		n := 1
		switch {
		case c >= utf8.RuneSelf:
			var r rune
			r, n = utf8.DecodeRuneInString(s[i:])
			if (r != utf8.RuneError || n > 1) && isXMLChar(r) {
				i += n
				continue
			}
			rep = replacement
		case c == ']':
			if len(s)-i < 3 || s[i+1] != ']' || s[i+2] != '>' {
				i++
				continue
			}
			// End the section after "]]" and carry ">" in a new one, so
			// the text cannot close the section early.
			rep, n = "]]]]><![CDATA[>", 3
		case c == '&':
			rep = "&amp;"
		case c == '<':
			rep = "&lt;"
		case c == '>':
			rep = "&gt;"
		case c == '\r':
			rep = "&#13;" // a raw CR would be read back as LF by other parsers
		default:
			rep = replacement
		}
		dst = append(dst, s[run:i]...)
		dst = append(dst, rep...)
		i += n
		run = i
	}
	return append(dst, s[run:]...)
}

// AppendCDATA appends s to dst as a CDATA section and returns the extended
// buffer. Any "]]>" in s is split across two sections so that s cannot end
// the section and inject markup, and each character XML 1.0 cannot carry
// (invalid UTF-8, control characters other than \t \n \r, U+FFFE, U+FFFF)
// is replaced with U+FFFD. Reading the section back gives [Sanitize](s).
// Carriage returns are written as is: [Doc.Parse] keeps them, while other
// XML parsers read them as line feeds.
func AppendCDATA(dst []byte, s string) []byte {
	dst = append(dst, "<![CDATA["...)
	dst = appendClean(dst, s, modeCDATA)
	return append(dst, "]]>"...)
}

// AppendEscaped appends s to dst as character data: & < > are written as
// entity references, carriage returns as &#13;, and characters XML 1.0
// cannot carry are replaced with U+FFFD. Reading it back gives [Sanitize](s).
func AppendEscaped(dst []byte, s string) []byte {
	return appendClean(dst, s, modeText)
}

// AppendStart appends the start tag <name>. name is written verbatim and
// must be a valid name (see [IsName]); element names are meant to be
// constants of the caller, not outside input.
func AppendStart(dst []byte, name string) []byte {
	dst = append(dst, '<')
	dst = append(dst, name...)
	return append(dst, '>')
}

// AppendEnd appends the end tag </name>. name is written verbatim, as in
// [AppendStart].
func AppendEnd(dst []byte, name string) []byte {
	dst = append(dst, "</"...)
	dst = append(dst, name...)
	return append(dst, '>')
}

// AppendElement appends <name><![CDATA[value]]></name>, value written as by
// [AppendCDATA]. This is how WeChat writes string fields.
func AppendElement(dst []byte, name, value string) []byte {
	dst = AppendStart(dst, name)
	dst = AppendCDATA(dst, value)
	return AppendEnd(dst, name)
}

// AppendTextElement appends <name>value</name>, value written as by
// [AppendEscaped]. Use it for plain fields such as timestamps.
func AppendTextElement(dst []byte, name, value string) []byte {
	dst = AppendStart(dst, name)
	dst = AppendEscaped(dst, value)
	return AppendEnd(dst, name)
}

// AppendIntElement appends <name>v</name> with v in decimal, as WeChat
// writes numeric fields (CreateTime, total_fee).
func AppendIntElement(dst []byte, name string, v int64) []byte {
	dst = AppendStart(dst, name)
	dst = strconv.AppendInt(dst, v, 10)
	return AppendEnd(dst, name)
}

// Sanitize returns s with each byte of invalid UTF-8 and each character
// XML 1.0 cannot carry replaced with U+FFFD: the value a document written
// with [AppendCDATA] or [AppendEscaped] gives back. It returns s itself when
// nothing needs replacing.
func Sanitize(s string) string {
	if IsValid(s) {
		return s
	}
	return string(appendClean(make([]byte, 0, len(s)+8), s, modeClean))
}

// IsValid reports whether s is valid UTF-8 made only of characters XML 1.0
// allows, so that it is written and read back unchanged.
func IsValid(s string) bool {
	sp := &special[modeClean]
	for i := 0; i < len(s); {
		c := s[i]
		if !sp[c] {
			i++
			continue
		}
		if c < utf8.RuneSelf {
			return false
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && n == 1) || !isXMLChar(r) {
			return false
		}
		i += n
	}
	return true
}

// IsName reports whether s is an element name [Doc.Parse] accepts: ASCII
// letters, '_' or ':' first, then also digits, '-' and '.', or non-ASCII
// characters, at most [MaxNameLen] bytes.
func IsName(s string) bool {
	if s == "" || len(s) > MaxNameLen || s[0] < utf8.RuneSelf && !nameStart[s[0]] {
		return false
	}
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if !nameChar[c] {
				return false
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && n == 1) || !isXMLChar(r) {
			return false
		}
		i += n
	}
	return true
}
