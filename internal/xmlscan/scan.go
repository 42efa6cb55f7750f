// Package xmlscan is a small, strict and allocation-light reader and writer
// for the XML that WeChat exchanges with servers: push messages, pay
// notifications and pay answers.
//
// Those documents have one shape: a root element (usually <xml>) whose
// children are leaf elements holding text or CDATA, sometimes grouped in
// container elements:
//
//	<xml>
//	  <MsgType><![CDATA[event]]></MsgType>
//	  <ScanCodeInfo><ScanType><![CDATA[qrcode]]></ScanType></ScanCodeInfo>
//	</xml>
//
// [Doc.Parse] reads such a document into a flat list of leaves, each named
// by its dotted path below the root ("MsgType", "ScanCodeInfo.ScanType"),
// in document order. It is the hot path of every push, so it makes one
// allocation per document once the [Doc] has been used (a Doc can be Reset
// and pooled), and lookups do not allocate.
//
// The reader is strict: anything that is not well-formed XML of that shape
// is a [*SyntaxError]. Document type declarations are refused outright, so
// entity expansion attacks cannot happen, and nesting depth, element count
// and name length are bounded.
//
// The Append functions write XML without encoding/xml into caller-owned
// buffers, making any string safe to carry: CDATA terminators are split and
// characters XML 1.0 cannot carry are replaced.
package xmlscan

import (
	"bytes"
	"encoding/binary"
	"iter"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Limits applied by [Doc.Parse]. WeChat documents stay far below them.
const (
	// MaxDepth is the deepest nesting accepted; the root element is at depth 1.
	MaxDepth = 16
	// MaxElements is the most elements, the root included, in one document.
	MaxElements = 1024
	// MaxNameLen is the longest element or attribute name, in bytes.
	MaxNameLen = 256
	// MaxAttributes is the most attributes on one element. Attributes are
	// checked for well-formedness and otherwise ignored.
	MaxAttributes = 16
	// MaxSize is the largest document, in bytes.
	MaxSize = 1 << 28
)

// SyntaxError reports a document that is not well-formed XML, uses a
// feature the scanner refuses, or exceeds a limit. Its text never quotes
// the document.
type SyntaxError struct {
	Offset int    // byte offset in the document where the problem was found
	Msg    string // what is wrong
}

// Error gives the problem and where it was found.
func (e *SyntaxError) Error() string {
	return "xmlscan: " + e.Msg + " at offset " + strconv.Itoa(e.Offset)
}

// Doc is a parsed document: its root name and its leaves in document order.
//
// The zero Doc is empty and ready for [Doc.Parse]. A Doc is not safe for
// concurrent use while it is being parsed; once parsed, its read methods may
// be called concurrently. The strings a Doc returns are immutable copies:
// they stay valid after the source is modified and after the Doc is Reset
// and reused, which makes Docs safe to pool. A Doc must not be copied once
// used: copies would share its buffers.
type Doc struct {
	s      string // the source followed by the bytes in aux; every span points into it
	root   span
	leaves []leaf
	aux    []byte // scratch: decoded values and nested paths, copied into s at the end of Parse
}

// leaf is one element without child elements.
type leaf struct {
	path, value span
}

// span is the byte range [off, end). While parsing, off and end carry
// auxFlag when they index Doc.aux instead of the source; Parse rebases
// them onto Doc.s.
type span struct {
	off, end uint32
}

const auxFlag = 1 << 31

// maxAux bounds the scratch bytes of one document.
const maxAux = 1 << 30

// Reset empties d, keeping its buffers for the next [Doc.Parse].
// Buffers grown by an unusually large document are dropped so that a
// pooled Doc does not pin them.
func (d *Doc) Reset() {
	d.s = ""
	d.root = span{}
	if cap(d.leaves) > 256 {
		d.leaves = nil
	} else {
		d.leaves = d.leaves[:0]
	}
	if cap(d.aux) > 64<<10 {
		d.aux = nil
	} else {
		d.aux = d.aux[:0]
	}
}

// Parse resets d and reads src into it. On error d is left empty.
// d does not retain src: the caller may reuse it as soon as Parse returns.
//
// Leaf values are the element's character data exactly as written, with
// entity and character references decoded and CDATA sections unwrapped;
// whitespace and line endings are kept. Whitespace between elements is
// ignored, as are comments, processing instructions and attributes (after
// being checked). Non-whitespace text directly inside the root element or
// beside child elements (mixed content) is an error.
func (d *Doc) Parse(src []byte) error {
	d.Reset()
	if len(src) > MaxSize {
		return &SyntaxError{Offset: MaxSize, Msg: "document too large"}
	}
	p := parser{src: src, d: d}
	if err := p.document(); err != nil {
		d.Reset()
		return err
	}
	d.finish(src)
	return nil
}

// finish copies the source and the scratch bytes into one string and points
// every span into it: the only allocation of a Parse into a used Doc.
func (d *Doc) finish(src []byte) {
	var b strings.Builder
	b.Grow(len(src) + len(d.aux))
	b.Write(src)
	b.Write(d.aux)
	d.s = b.String()
	base := uint32(len(src))
	for i := range d.leaves {
		l := &d.leaves[i]
		l.path = rebase(l.path, base)
		l.value = rebase(l.value, base)
	}
	d.aux = d.aux[:0]
}

func rebase(s span, base uint32) span {
	if s.off&auxFlag != 0 {
		return span{off: s.off&^auxFlag + base, end: s.end&^auxFlag + base}
	}
	return s
}

func (d *Doc) str(s span) string { return d.s[s.off:s.end] }

// Root returns the name of the root element, "" for an empty Doc.
func (d *Doc) Root() string { return d.str(d.root) }

// Len returns the number of leaves.
func (d *Doc) Len() int { return len(d.leaves) }

// Leaf returns the dotted path and the value of the i-th leaf in document
// order. It returns "", "" when i is out of range.
func (d *Doc) Leaf(i int) (path, value string) {
	if i < 0 || i >= len(d.leaves) {
		return "", ""
	}
	l := &d.leaves[i]
	return d.str(l.path), d.str(l.value)
}

// Lookup returns the value of the first leaf whose dotted path is path,
// e.g. "MsgType" or "ScanCodeInfo.ScanResult", and whether there is one.
// Container elements are not leaves: looking them up finds nothing.
// Lookup does not allocate.
func (d *Doc) Lookup(path string) (string, bool) {
	for i := range d.leaves {
		l := &d.leaves[i]
		if d.s[l.path.off:l.path.end] == path {
			return d.s[l.value.off:l.value.end], true
		}
	}
	return "", false
}

// Get returns the value of the first leaf whose dotted path is path, or ""
// when there is none. Use [Doc.Lookup] to tell an empty leaf from a missing
// one. Get does not allocate.
func (d *Doc) Get(path string) string {
	v, _ := d.Lookup(path)
	return v
}

// Values returns the values of every leaf whose dotted path is path, in
// document order, e.g. each "PicList.item.PicMd5Sum"; nil when there is none.
func (d *Doc) Values(path string) []string {
	var out []string
	for i := range d.leaves {
		l := &d.leaves[i]
		if d.s[l.path.off:l.path.end] == path {
			out = append(out, d.str(l.value))
		}
	}
	return out
}

// All returns an iterator over every leaf's dotted path and value, in
// document order.
func (d *Doc) All() iter.Seq2[string, string] {
	return func(yield func(string, string) bool) {
		for i := range d.leaves {
			l := &d.leaves[i]
			if !yield(d.str(l.path), d.str(l.value)) {
				return
			}
		}
	}
}

// frame is an open element.
type frame struct {
	name     span // in the source
	children bool // has child elements: a container, not a leaf
	content  bool // has character data other than whitespace
}

// Kinds of the value collected for the innermost open element.
const (
	valNone = iota // nothing yet: the value is ""
	valSrc         // one contiguous raw run of the source: p.valOff:p.valEnd
	valAux         // decoded or concatenated: d.aux[p.auxMark:]
)

type parser struct {
	src   []byte
	d     *Doc
	stack [MaxDepth]frame
	depth int
	count int

	// Value of the innermost open element while it has no child element.
	valKind        int
	valOff, valEnd int
	auxMark        int // len(d.aux) when that element opened
}

func (p *parser) fail(off int, msg string) error {
	return &SyntaxError{Offset: off, Msg: msg}
}

func (p *parser) document() error {
	src := p.src
	i := 0
	if bytes.HasPrefix(src, []byte("\xEF\xBB\xBF")) {
		i = 3
	}
	if len(src) >= i+6 && string(src[i:i+5]) == "<?xml" && isSpace(src[i+5]) {
		end := bytes.Index(src[i+6:], []byte("?>"))
		if end < 0 {
			return p.fail(len(src), "unterminated XML declaration")
		}
		end += i + 6
		if off, ok := validChars(src, i+6, end); !ok {
			return p.fail(off, "invalid character in XML declaration")
		}
		i = end + 2
	}
	var err error
	if i, err = p.misc(i, false); err != nil {
		return err
	}
	if i == len(src) {
		return p.fail(i, "no root element")
	}
	if i, err = p.root(i); err != nil {
		return err
	}
	_, err = p.misc(i, true)
	return err
}

// misc skips whitespace, comments and processing instructions outside the
// root element. It stops at the root start tag, or at the end when after.
func (p *parser) misc(i int, after bool) (int, error) {
	src := p.src
	var err error
	for {
		i = skipSpace(src, i)
		if i == len(src) {
			return i, nil
		}
		if src[i] != '<' {
			if after {
				return i, p.fail(i, "text after the root element")
			}
			return i, p.fail(i, "text before the root element")
		}
		switch {
		case hasPrefixAt(src, i, "<!--"):
			if i, err = p.comment(i); err != nil {
				return i, err
			}
		case hasPrefixAt(src, i, "<?"):
			if i, err = p.procInst(i); err != nil {
				return i, err
			}
		case hasPrefixAt(src, i, "<!"):
			return i, p.fail(i, "markup declarations (DOCTYPE, ENTITY, CDATA outside the root) are not allowed")
		case after:
			return i, p.fail(i, "element after the root element")
		default:
			return i, nil
		}
	}
}

// root reads the root element starting at its '<' and returns the offset
// just after its end tag.
func (p *parser) root(i int) (int, error) {
	src := p.src
	i, empty, err := p.startTag(i)
	if err != nil {
		return i, err
	}
	p.d.root = p.stack[0].name
	if empty {
		p.depth = 0
		return i, nil
	}
	for {
		if i >= len(src) {
			return i, p.fail(i, "unclosed element")
		}
		if src[i] != '<' {
			if i, err = p.text(i); err != nil {
				return i, err
			}
			continue
		}
		if i+1 >= len(src) {
			return i, p.fail(i, "unexpected end of document")
		}
		switch src[i+1] {
		case '/':
			if i, err = p.endTag(i); err != nil {
				return i, err
			}
			if p.depth == 0 {
				return i, nil
			}
		case '!':
			switch {
			case hasPrefixAt(src, i, "<![CDATA["):
				i, err = p.cdata(i)
			case hasPrefixAt(src, i, "<!--"):
				i, err = p.comment(i)
			default:
				err = p.fail(i, "markup declarations (DOCTYPE, ENTITY) are not allowed")
			}
			if err != nil {
				return i, err
			}
		case '?':
			if i, err = p.procInst(i); err != nil {
				return i, err
			}
		default:
			parent := &p.stack[p.depth-1]
			if parent.content {
				return i, p.fail(i, "element beside text (mixed content)")
			}
			if !parent.children {
				parent.children = true
				p.d.aux = p.d.aux[:p.auxMark] // drop the parent's whitespace value
			}
			if i, empty, err = p.startTag(i); err != nil {
				return i, err
			}
			if empty {
				if err = p.closeElement(i); err != nil {
					return i, err
				}
			}
		}
	}
}

// startTag reads a start tag or empty-element tag at src[i] == '<', pushes
// the element and returns the offset after the tag and whether it was an
// empty-element tag (<a/>).
func (p *parser) startTag(i int) (int, bool, error) {
	src := p.src
	if p.depth == MaxDepth {
		return i, false, p.fail(i, "elements nested too deeply")
	}
	if p.count == MaxElements {
		return i, false, p.fail(i, "too many elements")
	}
	p.count++
	nameStart := i + 1
	j, err := p.name(nameStart)
	if err != nil {
		return j, false, err
	}
	p.stack[p.depth] = frame{name: span{uint32(nameStart), uint32(j)}}
	p.depth++
	p.valKind = valNone
	p.auxMark = len(p.d.aux)

	if j < len(src) {
		switch src[j] {
		case '>':
			return j + 1, false, nil
		case '/':
			if j+1 < len(src) && src[j+1] == '>' {
				return j + 2, true, nil
			}
		}
	}
	return p.attributes(j)
}

// attributes reads the rest of a start tag after its name at src[j]:
// attributes, then '>' or "/>".
func (p *parser) attributes(j int) (int, bool, error) {
	src := p.src
	var attrs [MaxAttributes]span
	nattr := 0
	for {
		k := skipSpace(src, j)
		if k >= len(src) {
			return k, false, p.fail(k, "unterminated start tag")
		}
		switch src[k] {
		case '>':
			return k + 1, false, nil
		case '/':
			if k+1 < len(src) && src[k+1] == '>' {
				return k + 2, true, nil
			}
			return k, false, p.fail(k, "malformed start tag")
		}
		if k == j {
			return k, false, p.fail(k, "missing whitespace before attribute")
		}
		if nattr == MaxAttributes {
			return k, false, p.fail(k, "too many attributes")
		}
		end, err := p.name(k)
		if err != nil {
			return end, false, err
		}
		a := span{uint32(k), uint32(end)}
		for _, b := range attrs[:nattr] {
			if bytes.Equal(src[a.off:a.end], src[b.off:b.end]) {
				return k, false, p.fail(k, "duplicate attribute")
			}
		}
		attrs[nattr] = a
		nattr++
		if j, err = p.attrValue(end); err != nil {
			return j, false, err
		}
	}
}

// attrValue reads `S? = S? "value"` (or 'value') and checks the value.
func (p *parser) attrValue(i int) (int, error) {
	src := p.src
	i = skipSpace(src, i)
	if i >= len(src) || src[i] != '=' {
		return i, p.fail(i, "attribute without value")
	}
	i = skipSpace(src, i+1)
	if i >= len(src) || (src[i] != '"' && src[i] != '\'') {
		return i, p.fail(i, "attribute value not quoted")
	}
	q := src[i]
	end := bytes.IndexByte(src[i+1:], q)
	if end < 0 {
		return len(src), p.fail(len(src), "unterminated attribute value")
	}
	end += i + 1
	for j := i + 1; j < end; {
		c := src[j]
		switch charClass[c] {
		case cPlain, cSpace, cRBracket:
			j++
		case cLT:
			return j, p.fail(j, "'<' in attribute value")
		case cAmp:
			var err error
			if j, _, _, err = p.entity(j); err != nil {
				return j, err
			}
			if j > end {
				return j, p.fail(end, "malformed reference")
			}
		case cCtrl:
			return j, p.fail(j, "invalid character")
		default: // cHigh
			n, ok := validRune(src, j)
			if !ok {
				return j, p.fail(j, "invalid UTF-8 or character")
			}
			j += n
		}
	}
	return end + 1, nil
}

// endTag reads an end tag at src[i:] == "</", checks it closes the
// innermost open element and pops it.
func (p *parser) endTag(i int) (int, error) {
	src := p.src
	f := &p.stack[p.depth-1]
	name := src[f.name.off:f.name.end]
	j := i + 2
	if !bytes.HasPrefix(src[j:], name) {
		return i, p.fail(i, "mismatched end tag")
	}
	j += len(name)
	j = skipSpace(src, j)
	if j >= len(src) {
		return j, p.fail(j, "unterminated end tag")
	}
	if src[j] != '>' {
		if nameChar[src[j]] {
			return i, p.fail(i, "mismatched end tag")
		}
		return j, p.fail(j, "malformed end tag")
	}
	return j + 1, p.closeElement(j + 1)
}

// closeElement pops the innermost element, recording it as a leaf when it
// has no child elements and is not the root.
func (p *parser) closeElement(i int) error {
	f := &p.stack[p.depth-1]
	if p.depth > 1 && !f.children {
		if err := p.addLeaf(i); err != nil {
			return err
		}
	}
	p.depth--
	return nil
}

func (p *parser) addLeaf(i int) error {
	d := p.d
	var value span
	switch p.valKind {
	case valSrc:
		value = span{uint32(p.valOff), uint32(p.valEnd)}
	case valAux:
		value = span{uint32(p.auxMark) | auxFlag, uint32(len(d.aux)) | auxFlag}
	}
	var path span
	if p.depth == 2 {
		path = p.stack[1].name
	} else {
		start := len(d.aux)
		for k := 1; k < p.depth; k++ {
			if k > 1 {
				d.aux = append(d.aux, '.')
			}
			n := p.stack[k].name
			d.aux = append(d.aux, p.src[n.off:n.end]...)
		}
		path = span{uint32(start) | auxFlag, uint32(len(d.aux)) | auxFlag}
	}
	if len(d.aux) > maxAux {
		return p.fail(i, "document too large")
	}
	d.leaves = append(d.leaves, leaf{path: path, value: value})
	return nil
}

// name reads an XML name starting at src[i] and returns the offset after it.
func (p *parser) name(i int) (int, error) {
	src := p.src
	if i >= len(src) || !nameStart[src[i]] {
		return i, p.fail(i, "invalid name")
	}
	j := i
	for j < len(src) && nameChar[src[j]] {
		if src[j] < utf8.RuneSelf {
			j++
			continue
		}
		n, ok := validRune(src, j)
		if !ok {
			return j, p.fail(j, "invalid UTF-8 or character in name")
		}
		j += n
	}
	if j-i > MaxNameLen {
		return i, p.fail(i, "name too long")
	}
	return j, nil
}

// text reads character data up to the next '<' (or the end) inside the
// innermost open element. Only whitespace may stand directly inside the
// root or beside child elements.
func (p *parser) text(i int) (int, error) {
	src := p.src
	f := &p.stack[p.depth-1]
	container := f.children || p.depth == 1
	run := i // start of the current raw run
	content := false
loop:
	for i < len(src) {
		at := i
		c := src[i]
		switch charClass[c] {
		case cSpace:
			i++
			continue
		case cLT:
			break loop
		case cCtrl:
			return i, p.fail(i, "invalid character")
		case cPlain:
			i++
		case cRBracket:
			if hasPrefixAt(src, i, "]]>") {
				return i, p.fail(i, "']]>' in text")
			}
			i++
		case cAmp:
			if container {
				return i, p.textError(i)
			}
			p.addRaw(run, i)
			next, r, raw, err := p.entity(i)
			if err != nil {
				return next, err
			}
			p.addByte(raw, r)
			i = next
			run = i
		default: // cHigh
			n, ok := validRune(src, i)
			if !ok {
				return i, p.fail(i, "invalid UTF-8 or character")
			}
			i += n
		}
		if container {
			return at, p.textError(at)
		}
		content = true
	}
	if !container {
		f.content = f.content || content
		p.addRaw(run, i)
	}
	return i, nil
}

func (p *parser) textError(i int) error {
	if p.depth == 1 {
		return p.fail(i, "text directly inside the root element")
	}
	return p.fail(i, "text beside child elements (mixed content)")
}

// cdata reads a CDATA section at src[i:] == "<![CDATA[", checking its
// characters on the way to the terminator.
func (p *parser) cdata(i int) (int, error) {
	src := p.src
	start := i + len("<![CDATA[")
	j := start
	for {
		// Skip eight bytes at a time while none is ']', non-ASCII or a
		// control character.
		for len(src)-j >= 8 {
			x := binary.LittleEndian.Uint64(src[j:])
			y := x ^ 0x5D5D5D5D5D5D5D5D // zero bytes where x has ']'
			if (x|(x-0x2020202020202020)|(y-0x0101010101010101)&^y)&0x8080808080808080 != 0 {
				break
			}
			j += 8
		}
		if j >= len(src) {
			return len(src), p.fail(i, "unterminated CDATA section")
		}
		c := src[j]
		if c >= utf8.RuneSelf {
			if isCJK3(src, j) {
				j += 3
				continue
			}
			n, ok := validRune(src, j)
			if !ok {
				return j, p.fail(j, "invalid UTF-8 or character")
			}
			j += n
			continue
		}
		if c == ']' && hasPrefixAt(src, j, "]]>") {
			break
		}
		if charClass[c] == cCtrl {
			return j, p.fail(j, "invalid character")
		}
		j++
	}
	if j == start {
		return j + 3, nil // an empty section adds nothing anywhere
	}
	f := &p.stack[p.depth-1]
	if f.children || p.depth == 1 {
		return i, p.textError(i)
	}
	f.content = true
	p.addRaw(start, j)
	return j + 3, nil
}

// comment skips a comment at src[i:] == "<!--".
func (p *parser) comment(i int) (int, error) {
	src := p.src
	start := i + 4
	end := bytes.Index(src[start:], []byte("--"))
	if end < 0 {
		return len(src), p.fail(i, "unterminated comment")
	}
	end += start
	if end+2 >= len(src) || src[end+2] != '>' {
		return end, p.fail(end, "'--' inside comment")
	}
	if off, ok := validChars(src, start, end); !ok {
		return off, p.fail(off, "invalid UTF-8 or character")
	}
	return end + 3, nil
}

// procInst skips a processing instruction at src[i:] == "<?".
func (p *parser) procInst(i int) (int, error) {
	src := p.src
	j, err := p.name(i + 2)
	if err != nil {
		return j, err
	}
	if j-(i+2) == 3 && strings.EqualFold(string(src[i+2:j]), "xml") {
		return i, p.fail(i, "XML declaration not at the start of the document")
	}
	end := bytes.Index(src[j:], []byte("?>"))
	if end < 0 {
		return len(src), p.fail(i, "unterminated processing instruction")
	}
	end += j
	if end > j && !isSpace(src[j]) {
		return j, p.fail(j, "malformed processing instruction")
	}
	if off, ok := validChars(src, j, end); !ok {
		return off, p.fail(off, "invalid UTF-8 or character")
	}
	return end + 2, nil
}

// entity decodes the reference at src[i] == '&'. It returns the offset
// after the ';' and either a single byte (raw, r < 0x80) or a rune.
func (p *parser) entity(i int) (next int, r rune, raw []byte, err error) {
	src := p.src
	j := i + 1
	if j < len(src) && src[j] == '#' {
		j++
		hex := j < len(src) && src[j] == 'x'
		if hex {
			j++
		}
		digits := j
		for ; j < len(src); j++ {
			c := src[j]
			var v rune
			switch {
			case c >= '0' && c <= '9':
				v = rune(c - '0')
			case hex && c >= 'a' && c <= 'f':
				v = rune(c-'a') + 10
			case hex && c >= 'A' && c <= 'F':
				v = rune(c-'A') + 10
			default:
				goto end
			}
			if r <= utf8.MaxRune {
				if hex {
					r = r<<4 | v
				} else {
					r = r*10 + v
				}
			}
		}
	end:
		if j == digits || j >= len(src) || src[j] != ';' {
			return i, 0, nil, p.fail(i, "malformed character reference")
		}
		if !isXMLChar(r) {
			return i, 0, nil, p.fail(i, "character reference to an invalid character")
		}
		return j + 1, r, nil, nil
	}
	k := bytes.IndexByte(src[j:min(len(src), j+5)], ';')
	if k < 0 {
		return i, 0, nil, p.fail(i, "malformed entity reference")
	}
	switch string(src[j : j+k]) {
	case "amp":
		raw = ampBytes
	case "lt":
		raw = ltBytes
	case "gt":
		raw = gtBytes
	case "quot":
		raw = quotBytes
	case "apos":
		raw = aposBytes
	default:
		return i, 0, nil, p.fail(i, "unknown entity")
	}
	return j + k + 1, 0, raw, nil
}

var (
	ampBytes  = []byte("&")
	ltBytes   = []byte("<")
	gtBytes   = []byte(">")
	quotBytes = []byte(`"`)
	aposBytes = []byte("'")
)

// addRaw adds src[off:end] to the value of the innermost open element.
func (p *parser) addRaw(off, end int) {
	if off == end {
		return
	}
	switch p.valKind {
	case valNone:
		p.valKind, p.valOff, p.valEnd = valSrc, off, end
	case valSrc:
		p.toAux()
		p.d.aux = append(p.d.aux, p.src[off:end]...)
	default:
		p.d.aux = append(p.d.aux, p.src[off:end]...)
	}
}

// addByte adds a decoded reference (raw when not nil, else r) to the value
// of the innermost open element.
func (p *parser) addByte(raw []byte, r rune) {
	if p.valKind != valAux {
		p.toAux()
	}
	if raw != nil {
		p.d.aux = append(p.d.aux, raw...)
	} else {
		p.d.aux = utf8.AppendRune(p.d.aux, r)
	}
}

// toAux moves the value collected so far into d.aux, which ends at
// p.auxMark while the innermost element has no child.
func (p *parser) toAux() {
	if p.valKind == valSrc {
		p.d.aux = append(p.d.aux, p.src[p.valOff:p.valEnd]...)
	}
	p.valKind = valAux
}

func hasPrefixAt(src []byte, i int, prefix string) bool {
	return len(src)-i >= len(prefix) && string(src[i:i+len(prefix)]) == prefix
}

func isSpace(c byte) bool { return c == ' ' || c == '\n' || c == '\t' || c == '\r' }

func skipSpace(src []byte, i int) int {
	for i < len(src) && isSpace(src[i]) {
		i++
	}
	return i
}
