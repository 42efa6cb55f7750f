// Package htmltext counts the text of an article's HTML as WeChat's
// editor counts its words. The SDK checks drafts with it before sending
// and wegotest refuses with it what WeChat would, so both apply one rule.
package htmltext

import (
	"strings"
	"unicode/utf8"
)

// Chars counts the characters of text in HTML content, as WeChat's
// editor counts an article's words: tags left out, an entity (&amp;,
// &#8220;) one character.
func Chars(content string) int {
	n := 0
	for i := 0; i < len(content); {
		switch c := content[i]; {
		case c == '<':
			end := strings.IndexByte(content[i:], '>')
			if end < 0 {
				return n + utf8.RuneCountInString(content[i:])
			}
			i += end + 1
			continue
		case c == '&':
			if end := strings.IndexByte(content[i:], ';'); end > 1 && end <= 10 && entityName(content[i+1:i+end]) {
				n++
				i += end + 1
				continue
			}
		}
		_, size := utf8.DecodeRuneInString(content[i:])
		n++
		i += size
	}
	return n
}

func entityName(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '#' && i == 0) {
			return false
		}
	}
	return true
}
