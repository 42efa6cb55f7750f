package xmlscan

import (
	"bytes"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// FuzzParseGenerated compares Doc.Parse with encoding/xml on documents of
// WeChat's shape. A plain byte fuzzer mostly makes garbage that both
// parsers refuse at the first bytes; here the fuzzer's bytes are the
// decisions of a generator (genDoc) that writes a well-formed push-like
// document, so that the comparison reaches every construct, and the
// generator knows the leaves the document holds. One input in eight plants
// one defect from the defects table in it.
//
// For every input:
//   - Doc.Parse and encoding/xml accept the document, or both refuse it
//     (a planted defect), except where the defects table says that one
//     of them is stricter by design;
//   - when Doc.Parse accepts it, it finds the generator's leaves and root,
//     line endings as written;
//   - when both accept it, Doc.Parse on the source with its line endings
//     normalised (normalizeNewlines) finds encoding/xml's leaves.
func FuzzParseGenerated(f *testing.F) {
	for _, in := range genSeeds() {
		f.Add(in)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		g := genDoc(in)
		src := g.src
		scannerAccepts, stdAccepts := true, true
		what := "well-formed document"
		if g.defect != nil {
			scannerAccepts, stdAccepts = g.defect.scannerAccepts, g.defect.stdAccepts
			what = "document with defect " + strconv.Quote(g.defect.name)
		}

		var d Doc
		err := d.Parse(src)
		if (err == nil) != scannerAccepts {
			t.Fatalf("Parse of %s %q: %v", what, src, err)
		}
		stdRoot, std, stdErr := stdLeaves(src)
		if (stdErr == nil) != stdAccepts {
			t.Fatalf("encoding/xml on %s %q: %v", what, src, stdErr)
		}
		var n Doc
		if errN := n.Parse(normalizeNewlines(src)); (err == nil) != (errN == nil) {
			t.Fatalf("%q as written: %v; with line endings normalised: %v", src, err, errN)
		}
		if err != nil {
			return
		}

		if d.Root() != g.root {
			t.Fatalf("%q: root %q, generator %q", src, d.Root(), g.root)
		}
		if got := leaves(&d); !slices.Equal(got, g.want) {
			t.Fatalf("%q:\nleaves    %q\ngenerator %q", src, got, g.want)
		}
		if stdErr != nil {
			return
		}
		if stdRoot != g.root {
			t.Fatalf("%q: encoding/xml root %q, generator %q", src, stdRoot, g.root)
		}
		if got := leaves(&n); !slices.Equal(got, std) {
			t.Fatalf("%q, line endings normalised:\nleaves       %q\nencoding/xml %q", src, got, std)
		}
	})
}

// TestGeneratorCoverage keeps genDoc honest: most random inputs make
// well-formed documents, which together hold every construct it knows, and
// the seed corpus plants every defect of the table.
func TestGeneratorCoverage(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(3, 4))
	wellFormed, total, maxDepth := 0, 0, 0
	var all bytes.Buffer
	for range 1000 {
		in := make([]byte, 1+r.IntN(1024))
		for i := range in {
			in[i] = byte(r.Uint32())
		}
		g := genDoc(in)
		total++
		if g.defect != nil {
			continue
		}
		wellFormed++
		all.Write(g.src)
		for _, l := range g.want {
			maxDepth = max(maxDepth, strings.Count(l.Path, ".")+1)
		}
	}
	if wellFormed*10 < total*8 {
		t.Errorf("%d well-formed documents out of %d", wellFormed, total)
	}
	if maxDepth < 4 {
		t.Errorf("leaves at most %d deep", maxDepth)
	}
	for _, s := range []string{
		"\xEF\xBB\xBF", "<?xml version=", "encoding=", "<![CDATA[", "]]]]><![CDATA[>", "<!--", "<?pi",
		"&amp;", "&lt;", "&quot;", "&#x", "&#0", "&#1", "\r\n", "\r", "\t",
		"/>", " />", "</ToUserName >", `="`, `='`, "中文", "😀", "名字", "a.b", "ns:Tag",
	} {
		if !bytes.Contains(all.Bytes(), []byte(s)) {
			t.Errorf("no well-formed document contains %q", s)
		}
	}
	if n := bytes.Count(all.Bytes(), []byte("<item>")); n < 50 {
		t.Errorf("repeated names: <item> only %d times", n)
	}

	planted := map[string]int{}
	for _, in := range genSeeds() {
		if g := genDoc(in); g.defect != nil {
			planted[g.defect.name]++
		}
	}
	for _, d := range defects {
		if planted[d.name] == 0 {
			t.Errorf("no seed plants defect %q", d.name)
		}
	}
}

// genSeeds is the seed corpus of FuzzParseGenerated: the empty input
// (<xml></xml>), inputs of pseudo-random decisions of many lengths, and
// for each defect inputs that plant it.
func genSeeds() [][]byte {
	r := rand.New(rand.NewPCG(1, 2))
	random := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		return b
	}
	seeds := [][]byte{nil}
	for _, n := range []int{8, 16, 32, 64, 64, 128, 128, 256, 256, 512, 512, 1024, 2048} {
		b := random(n)
		b[0] %= defectMode // no defect
		seeds = append(seeds, b)
	}
	for i := range defects {
		for n := 0; n < 3; {
			b := append([]byte{defectMode, byte(i), byte(r.Uint32())}, random(200)...)
			if genDoc(b).defect != nil {
				seeds = append(seeds, b)
				n++
			}
		}
	}
	return seeds
}

// A first byte >= defectMode plants a defect: the second byte chooses it,
// the third where.
const defectMode = 224

// defectCtx is where in a document a defect is planted.
type defectCtx int

const (
	ctxDeclStart defectCtx = iota // before the XML declaration, when there is one
	ctxDeclAttrs                  // in the XML declaration, just after version
	ctxProlog                     // between the declaration and the root element
	ctxStartTag                   // in a start tag, after the name or an attribute
	ctxBetween                    // between child elements, the root's or a container's
	ctxText                       // in a leaf's value, between two pieces of it
	ctxEndName                    // in an end tag, just after the name
	ctxEpilog                     // after the root element
)

// defect is a flaw genDoc can plant in a document: text inserted at one of
// the places of its kind. Doc.Parse and encoding/xml both refuse most;
// where one is stricter by design, the comment says why.
type defect struct {
	name                       string
	ctx                        defectCtx
	text                       string
	scannerAccepts, stdAccepts bool
}

var defects = []defect{
	{name: "bare ampersand", ctx: ctxText, text: "& "},
	{name: "reference without semicolon", ctx: ctxText, text: "&#65 "},
	{name: "undefined entity", ctx: ctxText, text: "&nbsp;"},
	{name: "reference to NUL", ctx: ctxText, text: "&#0;"},
	{name: "reference to U+FFFE", ctx: ctxText, text: "&#xFFFE;"},
	{name: "reference past U+10FFFF", ctx: ctxText, text: "&#x110000;"},
	{name: "reference without digits", ctx: ctxText, text: "&#x;"},
	{name: "reference with upper X", ctx: ctxText, text: "&#X41;"},
	{name: "reference with bad digit", ctx: ctxText, text: "&#12a;"},
	// encoding/xml decodes a reference to a surrogate as U+FFFD; XML 1.0
	// allows no surrogate, written or referenced.
	{name: "reference to a surrogate", ctx: ctxText, text: "&#xD800;", stdAccepts: true},
	{name: "less-than in text", ctx: ctxText, text: "< "},
	{name: "CDATA terminator in text", ctx: ctxText, text: "]]>"},
	{name: "control character", ctx: ctxText, text: "\x01"},
	{name: "NUL", ctx: ctxText, text: "\x00"},
	{name: "invalid UTF-8", ctx: ctxText, text: "\xff"},
	{name: "encoded surrogate", ctx: ctxText, text: "\xed\xa0\x80"},
	{name: "U+FFFE", ctx: ctxText, text: "\uFFFE"},
	{name: "double hyphen in comment", ctx: ctxText, text: "<!-- a -- b -->"},
	{name: "comment ending in hyphen", ctx: ctxText, text: "<!-- a --->"},
	{name: "mismatched end tag", ctx: ctxEndName, text: "x"},
	{name: "name starting with a digit", ctx: ctxBetween, text: "<1a/>"},
	{name: "space before a name", ctx: ctxBetween, text: "< a/>"},
	{name: "broken empty-element tag", ctx: ctxBetween, text: "<a/ >"},
	// The scanner refuses mixed content: WeChat's elements hold text or
	// elements, never both. encoding/xml reads it.
	{name: "text beside elements", ctx: ctxBetween, text: "x", stdAccepts: true},
	{name: "CDATA beside elements", ctx: ctxBetween, text: "<![CDATA[x]]>", stdAccepts: true},
	{name: "reference beside elements", ctx: ctxBetween, text: "&amp;", stdAccepts: true},
	// The scanner's limits; encoding/xml has none so low.
	{name: "nested too deeply", ctx: ctxBetween, text: nest(MaxDepth), stdAccepts: true},
	{name: "name too long", ctx: ctxBetween, text: "<" + strings.Repeat("n", MaxNameLen+1) + "/>", stdAccepts: true},
	{name: "unquoted attribute", ctx: ctxStartTag, text: " k=v"},
	{name: "attribute without value", ctx: ctxStartTag, text: " k"},
	{name: "less-than in attribute", ctx: ctxStartTag, text: ` k="<"`},
	{name: "undefined entity in attribute", ctx: ctxStartTag, text: ` k="&x;"`},
	// Well-formedness constraints encoding/xml does not check: attribute
	// names unique in a tag, whitespace between attributes.
	{name: "duplicate attribute", ctx: ctxStartTag, text: ` k="1" k="2"`, stdAccepts: true},
	{name: "attributes without space", ctx: ctxStartTag, text: ` k="1"j="2"`, stdAccepts: true},
	// The scanner refuses document type declarations, and with them
	// entity expansion attacks; encoding/xml reads them as directives.
	{name: "DOCTYPE", ctx: ctxProlog, text: "<!DOCTYPE xml>", stdAccepts: true},
	// encoding/xml reads text beside the root element, a second root and
	// an XML declaration anywhere; XML 1.0 allows none of them.
	{name: "text before the root", ctx: ctxProlog, text: "x", stdAccepts: true},
	{name: "declaration after the start", ctx: ctxDeclStart, text: " ", stdAccepts: true},
	{name: "declaration after a comment", ctx: ctxProlog, text: `<!----><?xml version="1.0"?>`, stdAccepts: true},
	{name: "text after the root", ctx: ctxEpilog, text: "x", stdAccepts: true},
	{name: "second root", ctx: ctxEpilog, text: "<a/>", stdAccepts: true},
	{name: "element left open after the root", ctx: ctxEpilog, text: "<a>"},
	{name: "end tag after the root", ctx: ctxEpilog, text: "</xml>"},
	{name: "double hyphen in comment after the root", ctx: ctxEpilog, text: "<!--a--b-->"},
	// WeChat writes UTF-8 and the scanner reads UTF-8, whatever the
	// declaration says; encoding/xml refuses another encoding unless it is
	// given a CharsetReader. It reads the first encoding of a declaration,
	// and this one comes before any the generator writes.
	{name: "declared GBK", ctx: ctxDeclAttrs, text: ` encoding="GBK"`, scannerAccepts: true},
}

// gen writes a document from a fuzzer's bytes, one decision a byte, and
// records the leaves and root Doc.Parse must read from it.
//
// The documents have WeChat's shape (see the package comment) and go
// through every construct XML allows there: a byte order mark, an XML
// declaration, comments and processing instructions before, between,
// inside and after elements, attributes in either quotes with references,
// whitespace and CR/LF between elements and in values, containers three
// levels deep and leaves four, empty elements in three spellings, repeated
// and odd names, values made of text, CDATA sections (WeChat's writer's
// split "]]>" among them), entity and character references in every
// spelling, and characters from one to four bytes.
//
// Names stay where both parsers agree:
//   - encoding/xml reads names with the character classes of XML 1.0's
//     Appendix B, the scanner with any character past ASCII; names here
//     use ASCII, Latin-1 letters, the middle dot and CJK.
//   - encoding/xml resolves namespace prefixes: names here have no
//     xmlns attribute, no "xml:" prefix and at most one colon.
type gen struct {
	in  []byte
	pos int

	src   []byte
	root  string
	want  []kv
	path  []string
	elems int // elements written, the root included

	defect  *defect
	site    int // plant at the site-th place of defect.ctx; -1: only count
	sites   int // places of defect.ctx so far
	planted bool
}

// genDoc writes the document that the decisions in in describe.
func genDoc(in []byte) *gen {
	g := &gen{in: in}
	if len(in) < 3 || in[0] < defectMode {
		g.write()
		return g
	}
	// Count the places the defect may go, then write the same document
	// again with the defect at one of them: planting takes no decision.
	d := &defects[int(in[1])%len(defects)]
	count := &gen{in: in[3:], defect: d, site: -1}
	count.write()
	if count.sites == 0 {
		g.in = in[3:]
		g.write()
		return g
	}
	g = &gen{in: in[3:], defect: d, site: int(in[2]) % count.sites}
	g.write()
	return g
}

// next returns the next decision. Past the input every decision is the
// first choice, and no element is added (see element): any input makes a
// document, as small as the input is short.
func (g *gen) next() byte {
	if g.pos >= len(g.in) {
		return 0
	}
	g.pos++
	return g.in[g.pos-1]
}

func (g *gen) intn(n int) int            { return int(g.next()) % n }
func (g *gen) pick(from []string) string { return from[g.intn(len(from))] }
func (g *gen) emit(s string)             { g.src = append(g.src, s...) }

// place is a place where a defect of kind ctx may go.
func (g *gen) place(ctx defectCtx) {
	if g.defect == nil || g.defect.ctx != ctx {
		return
	}
	if g.sites == g.site {
		g.emit(g.defect.text)
		g.planted = true
	}
	g.sites++
}

var (
	genSpaces = []string{" ", "\n", "\t", "\r\n", "\r", "\n  ", "\r\n\t\t", "  \n"}
	// Element names: WeChat's, repeated on purpose, and odd valid ones.
	genNames = []string{
		"ToUserName", "FromUserName", "CreateTime", "MsgType", "Content", "MsgId",
		"Event", "EventKey", "item", "Count", "PicMd5Sum", "ScanType", "ScanResult",
		"a", "a.b", "_x", "x-y.z", "A1", "ns:Tag", ":a", "a:", "名字", "é·", "中文_1", "〇",
		strings.Repeat("n", MaxNameLen),
	}
	genContainers = []string{"ScanCodeInfo", "SendPicsInfo", "PicList", "item", "SendLocationInfo", "Articles", "a"}
	genRoots      = []string{"xml", "xml", "xml", "root", "Data", "名字"}
	// Pieces of raw text, none holding '<' or '&'. Lengths around eight
	// reach the scanner's eight-bytes-at-a-time loops.
	genWords = []string{
		"text", "1348831860", "oyORnuP8q7ou2gfYjqLzSIWZf0rs", "中文", "你好，请问今天的营业时间是几点到几点？",
		"😀", "é", "a b", "x>y", ">", "]", "]]", "'\"", "=;/?", "\u0085\u2028", "\uFFFD\uE000\uD7FF",
		"\U00010000\U0010FFFF", "\x7f", "abcdefg中", "abcdefgh", "abcdefghi]", "0123456789abcdef\t",
		"http://example.com/a?b=c#d",
	}
	// Contents of CDATA sections: anything but "]]>".
	genCDATA = []string{
		"", "text", "<a>&amp;</a>", "x]", "]", "]]", "] ]>", "\r\n", "\r", "中文😀",
		"&#13;", "<![CDATA[", "abcdefg]]x", "12345678\r\n12345678", "]]]]]",
	}
	genComments = []string{"", " c ", "a-b", "中文", "\r\n", "<xml>&nbsp;</xml>", "-x", "1234567-8"}
	genPIs      = []string{"<?pi?>", "<?pi data?>", "<?php echo 1 ?>", "<?x-y a?b?>", "<?_t \r\n<&>?>", "<?xml-stylesheet href=\"a\"?>", "<?目标 数据?>"}
	genEntities = []struct{ ref, val string }{
		{"&amp;", "&"}, {"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", `"`}, {"&apos;", "'"},
	}
	genRunes = []rune{'A', '\t', '\n', '\r', ' ', '<', '&', ']', '>', 0x7F, 0x80, 0xA0, 0x4E2D, 0xD7FF, 0xE000, 0xFFFD, 0x10000, 0x1F600, 0x10FFFF}
	genAttrs = []string{"k", "id", "xml:lang", "a-b", "名"}
	// Attribute values, written between double quotes; the generator
	// swaps &quot; and ' when it uses single quotes.
	genAttrValues = []string{"", "v", "a&amp;b", "&#x4e2d;&#20013;", "'", "&quot;", ">", "\r\n\t", "中文"}
)

func (g *gen) write() {
	if g.intn(4) == 3 {
		g.emit("\xEF\xBB\xBF")
	}
	if g.intn(3) != 0 {
		g.declaration()
	}
	g.misc(ctxProlog)
	g.root = g.pick(genRoots)
	g.elems++
	g.emit("<" + g.root)
	g.attributes()
	if g.intn(16) == 15 {
		g.emit("/>")
	} else {
		g.emit(">")
		g.children(g.intn(10))
		g.endTag(g.root)
	}
	g.misc(ctxEpilog)
}

func (g *gen) declaration() {
	g.place(ctxDeclStart)
	q := `"`
	if g.intn(4) == 3 {
		q = "'"
	}
	g.emit("<?xml version=" + q + "1.0" + q)
	g.place(ctxDeclAttrs)
	switch g.intn(4) {
	case 1:
		g.emit(" encoding=" + q + "UTF-8" + q)
	case 2:
		g.emit(" encoding=" + q + "utf-8" + q + " standalone=" + q + "yes" + q)
	case 3:
		g.emit(g.pick(genSpaces) + "encoding" + g.pick(genSpaces) + "=" + q + "UTF-8" + q + g.pick(genSpaces))
	}
	g.emit("?>")
}

// misc writes whitespace, comments and processing instructions, as found
// around the root element and between elements.
func (g *gen) misc(ctx defectCtx) {
	g.place(ctx)
	for range g.intn(4) {
		switch g.intn(4) {
		case 0, 1:
			g.emit(g.pick(genSpaces))
		case 2:
			g.emit("<!--" + g.pick(genComments) + "-->")
		case 3:
			g.emit(g.pick(genPIs))
		}
		g.place(ctx)
	}
}

// attributes writes the attributes of a start tag, after its name.
func (g *gen) attributes() {
	g.place(ctxStartTag)
	used := map[string]bool{}
	for range g.intn(3) {
		name := g.pick(genAttrs)
		if used[name] {
			continue
		}
		used[name] = true
		g.emit(g.pick(genSpaces) + name)
		if g.intn(4) == 3 {
			g.emit(g.pick(genSpaces))
		}
		g.emit("=")
		if g.intn(4) == 3 {
			g.emit(g.pick(genSpaces))
		}
		v := g.pick(genAttrValues)
		if g.intn(2) == 1 {
			g.emit(`'` + strings.NewReplacer("'", "&apos;", "&quot;", `"`).Replace(v) + `'`)
		} else {
			g.emit(`"` + v + `"`)
		}
		g.place(ctxStartTag)
	}
	if g.intn(4) == 3 {
		g.emit(g.pick(genSpaces))
	}
}

// children writes n child elements of the innermost open element, with
// whatever may stand between them.
func (g *gen) children(n int) {
	g.between()
	for i := range n {
		g.element(i == 0 && len(g.path) > 0)
		g.between()
	}
}

func (g *gen) between() {
	g.place(ctxBetween)
	g.misc(ctxBetween)
}

func (g *gen) endTag(name string) {
	g.emit("</" + name)
	g.place(ctxEndName)
	if g.intn(4) == 3 {
		g.emit(g.pick(genSpaces))
	}
	g.emit(">")
}

// maxGenElements bounds a document far below MaxElements.
const maxGenElements = 300

// element writes an element, unless the document is long enough or the
// input is used up and the element is not the first child of a container.
func (g *gen) element(first bool) {
	if !first && (g.elems >= maxGenElements || g.pos >= len(g.in)) {
		return
	}
	g.elems++
	kind := g.intn(8)
	var name string
	if kind >= 6 && len(g.path) < 3 {
		name = g.pick(genContainers)
	} else {
		name = g.pick(genNames)
	}
	g.path = append(g.path, name)
	defer func() { g.path = g.path[:len(g.path)-1] }()
	g.emit("<" + name)
	g.attributes()
	switch {
	case kind == 5: // empty-element tag
		g.emit("/>")
		g.leaf("")
	case kind >= 6 && len(g.path) <= 3: // container: one child at least
		g.emit(">")
		g.children(1 + g.intn(5)) // one at least, or it would be a leaf
		g.endTag(name)
	default:
		g.emit(">")
		g.leaf(g.value())
		g.endTag(name)
	}
}

func (g *gen) leaf(value string) {
	g.want = append(g.want, kv{strings.Join(g.path, "."), value})
}

// value writes the content of a leaf and returns the value it holds.
func (g *gen) value() string {
	var v strings.Builder
	g.place(ctxText)
	for range g.intn(8) {
		switch g.intn(10) {
		case 0, 1:
			w := g.pick(genWords)
			for i := 0; i < len(w); i++ {
				// '>' after "]]" would close a CDATA section never opened.
				if w[i] == '>' && bytes.HasSuffix(g.src, []byte("]]")) {
					g.emit("&gt;")
				} else {
					g.src = append(g.src, w[i])
				}
			}
			v.WriteString(w)
		case 2:
			s := g.pick(genSpaces)
			g.emit(s)
			v.WriteString(s)
		case 3:
			e := genEntities[g.intn(len(genEntities))]
			g.emit(e.ref)
			v.WriteString(e.val)
		case 4:
			r := genRunes[g.intn(len(genRunes))]
			g.emit(g.charRef(r))
			v.WriteRune(r)
		case 5, 6:
			c := g.pick(genCDATA)
			g.emit("<![CDATA[" + c + "]]>")
			v.WriteString(c)
		case 7:
			// WeChat's writer carries "]]>" in two sections.
			g.emit("<![CDATA[x]]]]><![CDATA[>y]]>")
			v.WriteString("x]]>y")
		case 8:
			g.emit("<!--" + g.pick(genComments) + "-->")
		case 9:
			g.emit(g.pick(genPIs))
		}
		g.place(ctxText)
	}
	return v.String()
}

// charRef spells a reference to r in one of the ways XML allows.
func (g *gen) charRef(r rune) string {
	zeros := strings.Repeat("0", g.intn(4))
	switch g.intn(3) {
	case 0:
		return "&#" + zeros + strconv.Itoa(int(r)) + ";"
	case 1:
		return "&#x" + zeros + strconv.FormatInt(int64(r), 16) + ";"
	default:
		return "&#x" + zeros + strings.ToUpper(strconv.FormatInt(int64(r), 16)) + ";"
	}
}
