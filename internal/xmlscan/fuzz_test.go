package xmlscan

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParse feeds arbitrary documents to Parse. It must never panic nor
// hang; what it accepts must be made of valid characters, and it must agree
// with encoding/xml on every document both accept.
func FuzzParse(f *testing.F) {
	for _, file := range []string{
		"testdata/push/text.xml",
		"testdata/push/event_pic_sysphoto.xml",
		"testdata/push/event_masssendjobfinish.xml",
		"testdata/pay/notify_signed_md5.xml",
	} {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range []string{
		`<xml><a>&amp;&#x4e2d;&#20013;</a><b><![CDATA[x]]]]><![CDATA[>]]></b></xml>`,
		`<?xml version="1.0"?><!-- c --><xml k="v"><a/><b>1</b ></xml>`,
		`<!DOCTYPE x [<!ENTITY a "b">]><xml>&a;</xml>`,
		"<xml><a>\xff</a></xml>",
		nest(MaxDepth + 1),
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		var d, n Doc
		err := d.Parse(src)
		// Line endings make no difference to what is well-formed.
		if errN := n.Parse(normalizeNewlines(src)); (err == nil) != (errN == nil) {
			t.Fatalf("as written: %v; with line endings normalised: %v", err, errN)
		}
		if err != nil {
			if _, ok := err.(*SyntaxError); !ok {
				t.Fatalf("error of type %T", err)
			}
			if d.Len() != 0 || d.Root() != "" {
				t.Fatal("failed Parse left leaves behind")
			}
			return
		}
		if !IsName(d.Root()) {
			t.Fatalf("root name %q", d.Root())
		}
		var got []kv
		for i := 0; i < d.Len(); i++ {
			p, v := d.Leaf(i)
			if !IsValid(v) || !utf8.ValidString(p) {
				t.Fatalf("leaf %q has invalid characters: %q", p, v)
			}
			if p == "" || strings.HasPrefix(p, ".") || strings.HasSuffix(p, ".") {
				t.Fatalf("bad path %q", p)
			}
			first := v
			for _, l := range got {
				if l.Path == p {
					first = l.Value
					break
				}
			}
			if w, ok := d.Lookup(p); !ok || w != first {
				t.Fatalf("Lookup(%q) = %q, %v; want %q", p, w, ok, first)
			}
			got = append(got, kv{p, v})
		}

		// Reparsing a copy into a used Doc gives the same leaves.
		var again Doc
		if err := again.Parse([]byte(`<x><y>1</y><z><w>2</w></z></x>`)); err != nil {
			t.Fatal(err)
		}
		if err := again.Parse(append([]byte(nil), src...)); err != nil {
			t.Fatalf("second parse: %v", err)
		}
		if again.Root() != d.Root() || again.Len() != d.Len() {
			t.Fatal("second parse differs")
		}
		for i := range got {
			p, v := again.Leaf(i)
			if (kv{p, v}) != got[i] {
				t.Fatalf("second parse leaf %d: %q=%q, want %q", i, p, v, got[i])
			}
		}

		// encoding/xml is more lenient in some ways (it reads DOCTYPE and
		// mixed content) and stricter in others (Unicode name classes); when
		// it reads the document too, the leaves must agree.
		// Namespace declarations make encoding/xml rename elements.
		root, std, err := stdLeaves(src)
		if err != nil || bytes.Contains(src, []byte("xmlns")) {
			return
		}
		if root != d.Root() {
			t.Fatalf("root %q, encoding/xml %q", d.Root(), root)
		}
		// Compare under encoding/xml's rule for line endings.
		norm := leaves(&n)
		if len(norm) != len(got) {
			t.Fatalf("normalising line endings changed the leaves %q into %q", got, norm)
		}
		if len(std) != len(norm) {
			t.Fatalf("leaves %q, encoding/xml %q", norm, std)
		}
		for i := range norm {
			if norm[i].Path != got[i].Path {
				t.Fatalf("normalising line endings changed leaf %d's path %q into %q", i, got[i].Path, norm[i].Path)
			}
			if norm[i] != std[i] {
				t.Fatalf("leaf %d: %q=%q, encoding/xml %q=%q", i, norm[i].Path, norm[i].Value, std[i].Path, std[i].Value)
			}
		}
	})
}

// normalizeNewlines returns a copy of src with each CRLF and each lone CR
// turned into LF, as XML 1.0 (section 2.11) has a processor do to its input
// before parsing. encoding/xml does it; Doc.Parse keeps line endings as
// written, so that a value reads back as it was sent (and signed), and is
// compared with encoding/xml on the normalised source. Normalising the
// values after parsing instead is wrong twice: a CR written as a reference
// (&#xD;, &#13;) is character data that XML keeps, and a CR and an LF that
// a comment, a processing instruction or a CDATA boundary separates in the
// source are two line ends, not one.
func normalizeNewlines(src []byte) []byte {
	out := make([]byte, 0, len(src))
	for i := 0; i < len(src); i++ {
		c := src[i]
		if c == '\r' {
			c = '\n'
			if i+1 < len(src) && src[i+1] == '\n' {
				i++
			}
		}
		out = append(out, c)
	}
	return out
}

// FuzzCDATA checks the writer: whatever the string, the document written
// with it is well-formed and reads back as Sanitize(s), and Sanitize only
// changes what XML cannot carry.
func FuzzCDATA(f *testing.F) {
	for _, s := range roundTripInputs {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var b []byte
		b = AppendStart(b, "xml")
		b = AppendElement(b, "c", s)
		b = AppendTextElement(b, "t", s)
		b = AppendEnd(b, "xml")
		var d Doc
		if err := d.Parse(b); err != nil {
			t.Fatalf("%q -> %q: %v", s, b, err)
		}
		want := Sanitize(s)
		if d.Len() != 2 || d.Get("c") != want || d.Get("t") != want {
			t.Fatalf("%q read back as %q", s, leaves(&d))
		}
		if !IsValid(want) || Sanitize(want) != want {
			t.Fatalf("Sanitize(%q) = %q is not clean", s, want)
		}
		if IsValid(s) != (want == s) {
			t.Fatalf("IsValid(%q) = %v but Sanitize gives %q", s, IsValid(s), want)
		}
		// One character, or one byte of invalid UTF-8, in; one character out.
		if utf8.RuneCountInString(want) != utf8.RuneCountInString(s) {
			t.Fatalf("Sanitize(%q) = %q changed the number of characters", s, want)
		}
		_, std, err := stdLeaves(b)
		if err != nil {
			t.Fatalf("encoding/xml rejects %q: %v", b, err)
		}
		lf := strings.ReplaceAll(strings.ReplaceAll(want, "\r\n", "\n"), "\r", "\n")
		if len(std) != 2 || std[0].Value != lf || std[1].Value != want {
			t.Fatalf("encoding/xml reads %q as %q", s, std)
		}
	})
}
