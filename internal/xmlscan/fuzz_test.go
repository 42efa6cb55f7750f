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
		var d Doc
		if err := d.Parse(src); err != nil {
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
		if len(std) != len(got) {
			t.Fatalf("leaves %q, encoding/xml %q", got, std)
		}
		for i := range got {
			// encoding/xml turns CR and CRLF into LF; this scanner keeps them.
			v := strings.ReplaceAll(strings.ReplaceAll(got[i].Value, "\r\n", "\n"), "\r", "\n")
			if got[i].Path != std[i].Path || v != std[i].Value {
				t.Fatalf("leaf %d: %q=%q, encoding/xml %q=%q", i, got[i].Path, got[i].Value, std[i].Path, std[i].Value)
			}
		}
	})
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
