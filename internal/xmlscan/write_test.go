package xmlscan

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
)

func TestAppendCDATA(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"", "<![CDATA[]]>"},
		{"hello 你好", "<![CDATA[hello 你好]]>"},
		{"a < b & c > d", "<![CDATA[a < b & c > d]]>"},
		{"]]>", "<![CDATA[]]]]><![CDATA[>]]>"},
		{"x]]></Content><MsgType>evil", "<![CDATA[x]]]]><![CDATA[></Content><MsgType>evil]]>"},
		{"]]]>", "<![CDATA[]]]]]><![CDATA[>]]>"},
		{"]]>]]>", "<![CDATA[]]]]><![CDATA[>]]]]><![CDATA[>]]>"},
		{"] ]> ]]", "<![CDATA[] ]> ]]]]>"},
		{"tab\tnl\ncr\r", "<![CDATA[tab\tnl\ncr\r]]>"},
		{"nul\x00bell\x07esc\x1b", "<![CDATA[nul\uFFFDbell\uFFFDesc\uFFFD]]>"},
		{"bad\xffutf8\xc3", "<![CDATA[bad\uFFFDutf8\uFFFD]]>"},
		{"noncharacters\uFFFE\uFFFF", "<![CDATA[noncharacters\uFFFD\uFFFD]]>"},
		{"surrogate\xed\xa0\x80", "<![CDATA[surrogate\uFFFD\uFFFD\uFFFD]]>"},
		{"emoji 😀 and \uFFFD", "<![CDATA[emoji 😀 and \uFFFD]]>"},
	}
	for _, tt := range tests {
		got := AppendCDATA([]byte("<"), tt.in)
		require.Equal(t, "<"+tt.want, string(got), "%q", tt.in)
	}
}

func TestAppendEscaped(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"", ""},
		{"1409304348", "1409304348"},
		{`a<b>&"c"'d'`, `a&lt;b&gt;&amp;"c"'d'`},
		{"]]>", "]]&gt;"},
		{"cr\r\nlf", "cr&#13;\nlf"},
		{"\x00\xff中", "\uFFFD\uFFFD中"},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, string(AppendEscaped(nil, tt.in)), "%q", tt.in)
	}
}

func TestAppendElements(t *testing.T) {
	t.Parallel()
	var b []byte
	b = AppendStart(b, "xml")
	b = AppendElement(b, "ToUserName", "toUser")
	b = AppendIntElement(b, "CreateTime", 1348831860)
	b = AppendIntElement(b, "Negative", -5)
	b = AppendTextElement(b, "TimeStamp", "1409304348")
	b = AppendStart(b, "Articles")
	b = AppendStart(b, "item")
	b = AppendElement(b, "Title", "")
	b = AppendEnd(b, "item")
	b = AppendEnd(b, "Articles")
	b = AppendEnd(b, "xml")
	require.Equal(t, `<xml><ToUserName><![CDATA[toUser]]></ToUserName><CreateTime>1348831860</CreateTime>`+
		`<Negative>-5</Negative><TimeStamp>1409304348</TimeStamp>`+
		`<Articles><item><Title><![CDATA[]]></Title></item></Articles></xml>`, string(b))
}

// roundTripInputs are strings a user may send in a reply, many of them
// hostile to a naive writer.
var roundTripInputs = []string{
	"",
	"plain",
	"你好，世界 😀",
	"]]>",
	"]]]]>>",
	"x]]></Content></xml><xml><Content>injected",
	"<![CDATA[nested]]>",
	"a & b < c > d ' \"",
	"&amp; &#x4e2d; &lol;",
	"line\r\nbreaks\rand\ttabs\n",
	"\x00\x01\x02\x08\x0b\x0c\x0e\x1f",
	"\xff\xfe\xc3\x28\xe4\xb8",
	"\uFFFE\uFFFF\uFFFD",
	"\xed\xa0\x80\xed\xbf\xbf",
	"<!DOCTYPE x [<!ENTITY y \"z\">]>",
	"<!-- comment -->",
	"<?xml version=\"1.0\"?>",
	strings.Repeat("]", 10) + ">" + strings.Repeat("]]>", 5),
}

func TestWriterRoundTrip(t *testing.T) {
	t.Parallel()
	for _, s := range roundTripInputs {
		var b []byte
		b = AppendStart(b, "xml")
		b = AppendElement(b, "c", s)
		b = AppendTextElement(b, "t", s)
		b = AppendStart(b, "n")
		b = AppendElement(b, "c", s)
		b = AppendEnd(b, "n")
		b = AppendEnd(b, "xml")

		var d Doc
		require.NoError(t, d.Parse(b), "%q -> %q", s, b)
		want := Sanitize(s)
		require.Equal(t, []kv{{"c", want}, {"t", want}, {"n.c", want}}, leaves(&d), "%q", s)
		require.True(t, utf8.ValidString(want))
		require.True(t, IsValid(want))
		require.Equal(t, IsValid(s), want == s)

		// An independent parser reads the same document and values; it
		// turns CR into LF inside CDATA, as XML requires.
		root, std, err := stdLeaves(b)
		require.NoError(t, err, "%q -> %q", s, b)
		require.Equal(t, "xml", root)
		lf := strings.ReplaceAll(strings.ReplaceAll(want, "\r\n", "\n"), "\r", "\n")
		require.Equal(t, []kv{{"c", lf}, {"t", want}, {"n.c", lf}}, std, "%q", s)
	}
}

func TestSanitize(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"", ""},
		{"ok 中文 😀 \t\r\n", "ok 中文 😀 \t\r\n"},
		{"]]>", "]]>"},
		{"a\x00b", "a\uFFFDb"},
		{"\x7f", "\x7f"},
		{"\xff\xfe", "\uFFFD\uFFFD"},
		{"\xe4\xb8", "\uFFFD\uFFFD"},
		{"\uFFFF!", "\uFFFD!"},
		{"\U0010FFFF", "\U0010FFFF"},
	}
	for _, tt := range tests {
		got := Sanitize(tt.in)
		require.Equal(t, tt.want, got, "%q", tt.in)
		require.Equal(t, got, Sanitize(got), "idempotent")
	}
}

func TestSanitizeNoAllocs(t *testing.T) {
	s := "nothing to replace: 中文"
	require.Equal(t, 0.0, testing.AllocsPerRun(10, func() { sinkMsgType = Sanitize(s) }))
}

func TestIsName(t *testing.T) {
	t.Parallel()
	for _, ok := range []string{"xml", "MsgType", "Location_X", "out_trade_no", "a-b.c:d", "_x", "名字", "x1", strings.Repeat("n", MaxNameLen)} {
		require.True(t, IsName(ok), ok)
		var d Doc
		b := AppendStart(nil, ok)
		b = AppendElement(b, ok, "v")
		b = AppendEnd(b, ok)
		require.NoError(t, d.Parse(b), ok)
		require.Equal(t, ok, d.Root())
		require.Equal(t, "v", d.Get(ok))
	}
	for _, bad := range []string{"", "1a", "-a", ".a", "a b", "a>", "a/", "a\x00", "\xff", "a\xff", "<a", strings.Repeat("n", MaxNameLen+1)} {
		require.False(t, IsName(bad), "%q", bad)
	}
}

func TestAppendNoAllocs(t *testing.T) {
	buf := make([]byte, 0, 1024)
	s := "你好 ]]> <world> & \x00"
	allocs := testing.AllocsPerRun(100, func() {
		b := AppendStart(buf[:0], "xml")
		b = AppendElement(b, "Content", s)
		b = AppendTextElement(b, "TimeStamp", s)
		b = AppendIntElement(b, "CreateTime", 1348831860)
		_ = AppendEnd(b, "xml")
	})
	require.Equal(t, 0.0, allocs)
}
