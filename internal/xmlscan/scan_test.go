package xmlscan

import (
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// kv is one leaf: its dotted path and value.
type kv struct{ Path, Value string }

func leaves(d *Doc) []kv {
	var out []kv
	for p, v := range d.All() {
		out = append(out, kv{p, v})
	}
	return out
}

// stdLeaves flattens src with encoding/xml, an independent parser, into the
// leaves Doc.Parse should find: every element below the root without child
// elements, with its dotted path and its character data.
func stdLeaves(src []byte) (root string, out []kv, err error) {
	dec := xml.NewDecoder(strings.NewReader(string(src)))
	type open struct {
		name     string
		text     strings.Builder
		children bool
	}
	var stack []*open
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return root, out, nil
		}
		if err != nil {
			return "", nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			name := t.Name.Local
			if t.Name.Space != "" {
				name = t.Name.Space + ":" + name
			}
			if len(stack) == 0 {
				root = name
			} else {
				stack[len(stack)-1].children = true
			}
			stack = append(stack, &open{name: name})
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].text.Write(t)
			}
		case xml.EndElement:
			top := stack[len(stack)-1]
			if len(stack) > 1 && !top.children {
				names := make([]string, 0, len(stack)-1)
				for _, o := range stack[1:] {
					names = append(names, o.name)
				}
				out = append(out, kv{strings.Join(names, "."), top.text.String()})
			}
			stack = stack[:len(stack)-1]
		}
	}
}

func sampleFiles(t *testing.T) []string {
	t.Helper()
	var files []string
	for _, dir := range []string{"push", "pay"} {
		m, err := filepath.Glob(filepath.Join("testdata", dir, "*.xml"))
		require.NoError(t, err)
		require.NotEmpty(t, m, dir)
		files = append(files, m...)
	}
	return files
}

// TestParseSamples reads every push and pay sample published by WeChat and
// checks the leaves against encoding/xml.
func TestParseSamples(t *testing.T) {
	t.Parallel()
	for _, file := range sampleFiles(t) {
		t.Run(filepath.Base(file), func(t *testing.T) {
			t.Parallel()
			src, err := os.ReadFile(file)
			require.NoError(t, err)
			var d Doc
			require.NoError(t, d.Parse(src))
			root, want, err := stdLeaves(src)
			require.NoError(t, err)
			require.Equal(t, "xml", d.Root())
			require.Equal(t, root, d.Root())
			require.Equal(t, want, leaves(&d))
			require.Equal(t, len(want), d.Len())
			for i, w := range want {
				p, v := d.Leaf(i)
				require.Equal(t, w, kv{p, v})
			}
		})
	}
}

// TestParseOfficialFields checks the fields WeChat's documentation gives for
// each push sample (vectors.json, kind push_xml).
func TestParseOfficialFields(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile(filepath.Join("..", "..", "testdata", "vectors", "vectors.json"))
	require.NoError(t, err)
	var file struct {
		Vectors []struct {
			ID       string            `json:"id"`
			Kind     string            `json:"kind"`
			XMLFile  string            `json:"xml_file"`
			Expected map[string]string `json:"expected_fields"`
		} `json:"vectors"`
	}
	require.NoError(t, json.Unmarshal(raw, &file))
	n := 0
	for _, v := range file.Vectors {
		if v.Kind != "push_xml" {
			continue
		}
		n++
		t.Run(v.ID, func(t *testing.T) {
			src, err := os.ReadFile(filepath.Join("testdata", v.XMLFile))
			require.NoError(t, err)
			var d Doc
			require.NoError(t, d.Parse(src))
			require.NotEmpty(t, v.Expected)
			for path, want := range v.Expected {
				got, ok := d.Lookup(path)
				require.True(t, ok, path)
				require.Equal(t, want, got, path)
			}
		})
	}
	require.Positive(t, n)
}

func TestParseNestedAndRepeated(t *testing.T) {
	t.Parallel()
	src := []byte(`<xml><ToUserName><![CDATA[toUser]]></ToUserName><CreateTime>1348831860</CreateTime>` +
		`<MsgType><![CDATA[event]]></MsgType><ScanCodeInfo><ScanType><![CDATA[qrcode]]></ScanType>` +
		`<ScanResult><![CDATA[1]]></ScanResult></ScanCodeInfo><SendPicsInfo><Count>2</Count><PicList>` +
		`<item><PicMd5Sum><![CDATA[abc]]></PicMd5Sum></item><item><PicMd5Sum><![CDATA[def]]></PicMd5Sum></item>` +
		`</PicList></SendPicsInfo></xml>`)
	var d Doc
	require.NoError(t, d.Parse(src))
	require.Equal(t, "event", d.Get("MsgType"))
	require.Equal(t, "1", d.Get("ScanCodeInfo.ScanResult"))
	require.Equal(t, "qrcode", d.Get("ScanCodeInfo.ScanType"))
	require.Equal(t, "abc", d.Get("SendPicsInfo.PicList.item.PicMd5Sum"), "first match")
	require.Equal(t, []string{"abc", "def"}, d.Values("SendPicsInfo.PicList.item.PicMd5Sum"))
	require.Equal(t, []string{"2"}, d.Values("SendPicsInfo.Count"))
	require.Nil(t, d.Values("PicMd5Sum"), "paths are full paths below the root")
	for _, container := range []string{"ScanCodeInfo", "SendPicsInfo", "SendPicsInfo.PicList", "SendPicsInfo.PicList.item", "xml", ""} {
		v, ok := d.Lookup(container)
		require.False(t, ok, container)
		require.Empty(t, v)
	}
	require.Equal(t, []kv{
		{"ToUserName", "toUser"},
		{"CreateTime", "1348831860"},
		{"MsgType", "event"},
		{"ScanCodeInfo.ScanType", "qrcode"},
		{"ScanCodeInfo.ScanResult", "1"},
		{"SendPicsInfo.Count", "2"},
		{"SendPicsInfo.PicList.item.PicMd5Sum", "abc"},
		{"SendPicsInfo.PicList.item.PicMd5Sum", "def"},
	}, leaves(&d))

	// Stopping an iteration early is honoured.
	n := 0
	for range d.All() {
		n++
		if n == 2 {
			break
		}
	}
	require.Equal(t, 2, n)
}

func TestParseValues(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		src  string
		want []kv
		root string
	}{
		{"cdata", `<xml><a><![CDATA[x < y & z]]></a></xml>`, []kv{{"a", "x < y & z"}}, "xml"},
		{"text", `<xml><a>1348831860</a></xml>`, []kv{{"a", "1348831860"}}, "xml"},
		{"entities", `<xml><a>&lt;b&gt; &amp; &quot;q&quot; &apos;s&apos;</a></xml>`, []kv{{"a", `<b> & "q" 's'`}}, "xml"},
		{"char refs", `<xml><a>&#20013;&#x6587;&#65;&#x1F600;&#x0041;</a></xml>`, []kv{{"a", "中文A😀A"}}, "xml"},
		{"cdata split by writer", `<xml><a><![CDATA[x]]]]><![CDATA[>y]]></a></xml>`, []kv{{"a", "x]]>y"}}, "xml"},
		{"text and cdata", `<xml><a>pre<![CDATA[<mid>]]>post</a></xml>`, []kv{{"a", "pre<mid>post"}}, "xml"},
		{"comment splits text", `<xml><a>x<!-- note -->y</a></xml>`, []kv{{"a", "xy"}}, "xml"},
		{"pi in value", `<xml><a>x<?app data?>y</a></xml>`, []kv{{"a", "xy"}}, "xml"},
		{"whitespace kept in leaves", "<xml><a>  two\r\nlines \t</a></xml>", []kv{{"a", "  two\r\nlines \t"}}, "xml"},
		{"line endings kept as written", "<xml><a>1\r2\r\n3\n</a><b><![CDATA[\r\n]]></b></xml>", []kv{{"a", "1\r2\r\n3\n"}, {"b", "\r\n"}}, "xml"},
		{"cr references", "<xml><a>&#xD;&#13;\n</a></xml>", []kv{{"a", "\r\r\n"}}, "xml"},
		{"whitespace only leaf", "<xml><a> \n </a></xml>", []kv{{"a", " \n "}}, "xml"},
		{"empty", `<xml><a></a><b/><c /><d><![CDATA[]]></d></xml>`, []kv{{"a", ""}, {"b", ""}, {"c", ""}, {"d", ""}}, "xml"},
		{"empty root", `<xml></xml>`, nil, "xml"},
		{"self-closing root", `<xml/>`, nil, "xml"},
		{"other root", `<root><a>1</a></root>`, []kv{{"a", "1"}}, "root"},
		{"declaration", "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<xml><a>1</a></xml>\n", []kv{{"a", "1"}}, "xml"},
		{"bom", "\xEF\xBB\xBF<?xml version=\"1.0\"?><xml><a>1</a></xml>", []kv{{"a", "1"}}, "xml"},
		{"comments everywhere", "<!-- c --><xml><!-- c --><a>1</a><!-- c --></xml><!-- c -->", []kv{{"a", "1"}}, "xml"},
		{"attributes ignored", `<xml id="1" x:y='2'><a k = "v&amp;w">1</a></xml>`, []kv{{"a", "1"}}, "xml"},
		{"space in end tag", "<xml><a>1</a ></xml\n>", []kv{{"a", "1"}}, "xml"},
		{"utf8 names and values", `<xml><名字><![CDATA[微信]]></名字></xml>`, []kv{{"名字", "微信"}}, "xml"},
		{"dotted name", `<xml><a.b>1</a.b><a><b>2</b></a></xml>`, []kv{{"a.b", "1"}, {"a.b", "2"}}, "xml"},
		{"whitespace around", " \n<xml>\n\t<a>1</a>\n</xml>\n ", []kv{{"a", "1"}}, "xml"},
		{"empty cdata in container", `<xml><![CDATA[]]><a>1</a></xml>`, []kv{{"a", "1"}}, "xml"},
		{"entity then raw", `<xml><a>&amp;x</a><b>x&amp;</b></xml>`, []kv{{"a", "&x"}, {"b", "x&"}}, "xml"},
		{"leaf after nested", `<xml><a><b>1</b></a><c>2</c><d><e><f>3</f></e></d></xml>`, []kv{{"a.b", "1"}, {"c", "2"}, {"d.e.f", "3"}}, "xml"},
		{"del and bmp chars", "<xml><a>\x7f\uFFFD\uE000</a></xml>", []kv{{"a", "\x7f\uFFFD\uE000"}}, "xml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var d Doc
			err := d.Parse([]byte(tt.src))
			require.NoError(t, err)
			require.Equal(t, tt.root, d.Root())
			require.Equal(t, tt.want, leaves(&d))
		})
	}
}

func TestParseMalformed(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, src string }{
		{"empty", ``},
		{"only space", " \n"},
		{"only declaration", `<?xml version="1.0"?>`},
		{"text only", `hello`},
		{"text before root", `x<xml></xml>`},
		{"unclosed root", `<xml><a>1</a>`},
		{"unclosed leaf", `<xml><a>1</xml>`},
		{"mismatched", `<xml><a>1</b></xml>`},
		{"mismatched prefix", `<xml><ab>1</a></xml>`},
		{"mismatched longer", `<xml><a>1</ab></xml>`},
		{"end tag only", `</xml>`},
		{"extra end tag", `<xml></xml></xml>`},
		{"text after root", `<xml></xml>x`},
		{"second root", `<xml></xml><xml></xml>`},
		{"cdata after root", `<xml></xml><![CDATA[x]]>`},
		{"doctype", `<!DOCTYPE xml><xml></xml>`},
		{"entity decl", `<!ENTITY x "y"><xml></xml>`},
		{"billion laughs", `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]><xml><a>&lol2;</a></xml>`},
		{"doctype inside", `<xml><!DOCTYPE x></xml>`},
		{"undefined entity", `<xml><a>&lol;</a></xml>`},
		{"bare ampersand", `<xml><a>x & y</a></xml>`},
		{"unterminated entity", `<xml><a>&amp</a></xml>`},
		{"empty char ref", `<xml><a>&#;</a></xml>`},
		{"char ref zero", `<xml><a>&#0;</a></xml>`},
		{"char ref control", `<xml><a>&#x1;</a></xml>`},
		{"char ref surrogate", `<xml><a>&#xD800;</a></xml>`},
		{"char ref fffe", `<xml><a>&#xFFFE;</a></xml>`},
		{"char ref too big", `<xml><a>&#x110000;</a></xml>`},
		{"char ref huge", `<xml><a>&#99999999999999999999999;</a></xml>`},
		{"char ref bad digit", `<xml><a>&#12a;</a></xml>`},
		{"char ref upper X", `<xml><a>&#X41;</a></xml>`},
		{"invalid utf8 text", "<xml><a>\xff</a></xml>"},
		{"invalid utf8 cdata", "<xml><a><![CDATA[\xc3\x28]]></a></xml>"},
		{"encoded surrogate", "<xml><a>\xed\xa0\x80</a></xml>"},
		{"overlong", "<xml><a>\xc0\xaf</a></xml>"},
		{"truncated rune", "<xml><a>\xe4\xb8</a></xml>"},
		{"control char", "<xml><a>\x01</a></xml>"},
		{"nul in cdata", "<xml><a><![CDATA[\x00]]></a></xml>"},
		{"fffe in text", "<xml><a>\uFFFE</a></xml>"},
		{"ffff in cdata", "<xml><a><![CDATA[\uFFFF]]></a></xml>"},
		{"unterminated cdata", `<xml><a><![CDATA[x</a></xml>`},
		{"cdata terminator in text", `<xml><a>x]]>y</a></xml>`},
		{"text in root", `<xml>hello<a>1</a></xml>`},
		{"text in empty root", `<xml>hello</xml>`},
		{"cdata in root", `<xml><![CDATA[x]]></xml>`},
		{"entity in root", `<xml>&amp;</xml>`},
		{"mixed before", `<xml><a>x<b>1</b></a></xml>`},
		{"mixed after", `<xml><a><b>1</b>x</a></xml>`},
		{"mixed cdata", `<xml><a><b>1</b><![CDATA[x]]></a></xml>`},
		{"mixed entity", `<xml><a><b>1</b>&amp;</a></xml>`},
		{"unterminated comment", `<xml><!-- x</xml>`},
		{"double dash in comment", `<xml><!-- a -- b --></xml>`},
		{"comment ending in dash", `<xml><!-- a ---></xml>`},
		{"invalid char in comment", "<xml><!-- \x01 --></xml>"},
		{"misplaced declaration", `<xml><?xml version="1.0"?></xml>`},
		{"declaration after comment", `<!-- c --><?xml version="1.0"?><xml></xml>`},
		{"unterminated declaration", `<?xml version="1.0"<xml></xml>`},
		{"unterminated pi", `<xml><?pi x</xml>`},
		{"bad pi target", `<xml><?1pi?></xml>`},
		{"bad name", `<xml><1a>1</1a></xml>`},
		{"empty name", `<xml><>1</></xml>`},
		{"space before name", `< xml></xml>`},
		{"bad name char", `<xml><a!>1</a!></xml>`},
		{"unterminated start tag", `<xml><a`},
		{"unterminated end tag", `<xml><a>1</a`},
		{"garbage in end tag", `<xml><a>1</a x></xml>`},
		{"lt only", `<`},
		{"trailing lt", `<xml><a>1</a><`},
		{"attribute no value", `<xml a></xml>`},
		{"attribute unquoted", `<xml a=1></xml>`},
		{"attribute no space", `<xml a="1"b="2"></xml>`},
		{"attribute duplicate", `<xml a="1" a="2"></xml>`},
		{"attribute lt", `<xml a="<"></xml>`},
		{"attribute bad entity", `<xml a="&x;"></xml>`},
		{"attribute unterminated", `<xml a="1></xml>`},
		{"attribute entity past quote", `<xml a="&amp" b=";"></xml>`},
		{"bad self-closing", `<xml/ >`},
		{"invalid utf8 name", "<xml><a\xff>1</a\xff></xml>"},
		{"name too long", "<xml><" + strings.Repeat("a", MaxNameLen+1) + "/></xml>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var d Doc
			// A previous document must not survive a failed Parse.
			require.NoError(t, d.Parse([]byte(`<prev><a>1</a></prev>`)))
			err := d.Parse([]byte(tt.src))
			require.Error(t, err)
			var se *SyntaxError
			require.True(t, errors.As(err, &se), "%T %v", err, err)
			require.GreaterOrEqual(t, se.Offset, 0)
			require.LessOrEqual(t, se.Offset, max(len(tt.src), MaxSize))
			require.NotEmpty(t, se.Msg)
			require.True(t, strings.HasPrefix(err.Error(), "xmlscan: "), err.Error())
			require.Equal(t, 0, d.Len())
			require.Equal(t, "", d.Root())
			require.Equal(t, "", d.Get("a"))
		})
	}
}

func TestParseErrorOffset(t *testing.T) {
	t.Parallel()
	tests := []struct {
		src    string
		offset int
	}{
		{"<xml><a>\x01</a></xml>", 8},
		{"<xml><a>1</b></xml>", 9},
		{"<xml><a>&bad;</a></xml>", 8},
		{"<xml></xml>x", 11},
		{"<xml><a><![CDATA[ok\xff]]></a></xml>", 19},
	}
	for _, tt := range tests {
		var d Doc
		err := d.Parse([]byte(tt.src))
		var se *SyntaxError
		require.ErrorAs(t, err, &se, tt.src)
		require.Equal(t, tt.offset, se.Offset, tt.src)
	}
}

// TestParseErrorNoInput checks that error texts never quote the document,
// which may hold secrets or user text.
func TestParseErrorNoInput(t *testing.T) {
	t.Parallel()
	const secret = "SECRETVALUE"
	for _, src := range []string{
		"<xml><" + secret + ">1</" + secret + "x></xml>",
		"<xml><a>" + secret + "&" + secret + ";</a></xml>",
		"<xml>" + secret + "</xml>",
		"<xml><a>" + secret + "\x01</a></xml>",
		"<!DOCTYPE " + secret + "><xml/>",
	} {
		var d Doc
		err := d.Parse([]byte(src))
		require.Error(t, err)
		require.NotContains(t, err.Error(), secret)
	}
}

func nest(depth int) string {
	var b strings.Builder
	for i := 0; i < depth; i++ {
		b.WriteString("<e>")
	}
	b.WriteString("v")
	for i := 0; i < depth; i++ {
		b.WriteString("</e>")
	}
	return b.String()
}

func TestParseLimits(t *testing.T) {
	t.Parallel()
	var d Doc

	require.NoError(t, d.Parse([]byte(nest(MaxDepth))))
	require.Equal(t, "v", d.Get(strings.TrimSuffix(strings.Repeat("e.", MaxDepth-1), ".")))
	err := d.Parse([]byte(nest(MaxDepth + 1)))
	var se *SyntaxError
	require.ErrorAs(t, err, &se)
	require.Contains(t, se.Msg, "nested too deeply")

	// A very deep document fails fast instead of exhausting anything.
	require.Error(t, d.Parse([]byte(strings.Repeat("<a>", 1<<20))))

	many := func(n int) []byte {
		return []byte("<xml>" + strings.Repeat("<a>1</a>", n-1) + "</xml>")
	}
	require.NoError(t, d.Parse(many(MaxElements)))
	require.Equal(t, MaxElements-1, d.Len())
	require.ErrorAs(t, d.Parse(many(MaxElements+1)), &se)
	require.Contains(t, se.Msg, "too many elements")

	attrs := func(n int) []byte {
		var b strings.Builder
		b.WriteString("<xml")
		for i := 0; i < n; i++ {
			b.WriteString(" a")
			b.WriteString(strings.Repeat("x", i))
			b.WriteString(`="1"`)
		}
		b.WriteString("/>")
		return []byte(b.String())
	}
	require.NoError(t, d.Parse(attrs(MaxAttributes)))
	require.ErrorAs(t, d.Parse(attrs(MaxAttributes+1)), &se)
	require.Contains(t, se.Msg, "too many attributes")

	require.NoError(t, d.Parse([]byte("<xml><"+strings.Repeat("n", MaxNameLen)+">1</"+strings.Repeat("n", MaxNameLen)+"></xml>")))
	require.Equal(t, "1", d.Get(strings.Repeat("n", MaxNameLen)))
}

// TestDocReuse checks what makes a Doc safe to pool: strings it returned
// outlive a Reset, a new Parse and changes to the source.
func TestDocReuse(t *testing.T) {
	t.Parallel()
	src := []byte(`<xml><MsgType><![CDATA[text]]></MsgType><Content>a&amp;b</Content><I><J>n</J></I></xml>`)
	var d Doc
	require.NoError(t, d.Parse(src))
	msgType, content, nested := d.Get("MsgType"), d.Get("Content"), d.Get("I.J")
	path, _ := d.Leaf(2)

	for i := range src {
		src[i] = 'X'
	}
	require.Equal(t, "text", d.Get("MsgType"), "Doc does not retain the source")
	d.Reset()
	require.Equal(t, 0, d.Len())
	require.NoError(t, d.Parse([]byte(`<yy><MsgType>zzzz</MsgType><Content>q&lt;</Content><K><L>m</L></K></yy>`)))
	require.Equal(t, "zzzz", d.Get("MsgType"))
	require.Equal(t, "q<", d.Get("Content"))
	require.Equal(t, "m", d.Get("K.L"))
	require.Equal(t, "", d.Get("I.J"))

	require.Equal(t, "text", msgType)
	require.Equal(t, "a&b", content)
	require.Equal(t, "n", nested)
	require.Equal(t, "I.J", path)
}

func TestDocOutOfRange(t *testing.T) {
	t.Parallel()
	var d Doc
	p, v := d.Leaf(0)
	require.Empty(t, p+v)
	require.NoError(t, d.Parse([]byte(`<xml><a>1</a></xml>`)))
	for _, i := range []int{-1, 1, 1 << 30} {
		p, v := d.Leaf(i)
		require.Empty(t, p+v)
	}
}

func TestParseAllocs(t *testing.T) {
	text, err := os.ReadFile("testdata/push/text.xml")
	require.NoError(t, err)
	nested, err := os.ReadFile("testdata/push/event_pic_sysphoto.xml")
	require.NoError(t, err)
	var d Doc
	for _, src := range [][]byte{text, nested} {
		require.NoError(t, d.Parse(src)) // warm the Doc's buffers
		allocs := testing.AllocsPerRun(100, func() {
			if err := d.Parse(src); err != nil {
				t.Fatal(err)
			}
		})
		require.Equal(t, 1.0, allocs, "one string per document")
	}
	require.NoError(t, d.Parse(text))
	allocs := testing.AllocsPerRun(100, func() {
		sinkMsgType = d.Get("MsgType")
		sinkFrom, _ = d.Lookup("FromUserName")
		sinkMissing = d.Get("Missing")
	})
	require.Equal(t, 0.0, allocs)
	require.Equal(t, "text", sinkMsgType)
	require.Equal(t, "fromUser", sinkFrom)
	require.Equal(t, "", sinkMissing)
}

var sinkMsgType, sinkFrom, sinkMissing string
