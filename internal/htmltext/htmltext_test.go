package htmltext

import "testing"

func TestChars(t *testing.T) {
	for _, tt := range []struct {
		html string
		want int
	}{
		{"", 0},
		{"字", 1},
		{`<p style="color:#333">a&amp;b</p>`, 3},
		{"&#8220;引&#x201D;", 3},
		{"a & b", 5},               // a bare ampersand is a character
		{"&notanentityatall;", 18}, // too long to be an entity
		{"<b>open", 4},             // an unclosed tag: the rest counts as text
	} {
		if got := Chars(tt.html); got != tt.want {
			t.Errorf("Chars(%q) = %d, want %d", tt.html, got, tt.want)
		}
	}
}
