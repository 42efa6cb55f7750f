package xmlscan

import (
	"encoding/xml"
	"os"
	"testing"
)

// textMessage is a text push as WeChat sends it (about 300 bytes).
var textMessage = []byte(`<xml><ToUserName><![CDATA[gh_10f6c3c3ac5a]]></ToUserName>` +
	`<FromUserName><![CDATA[oyORnuP8q7ou2gfYjqLzSIWZf0rs]]></FromUserName>` +
	`<CreateTime>1409735668</CreateTime><MsgType><![CDATA[text]]></MsgType>` +
	`<Content><![CDATA[你好，请问今天的营业时间是几点到几点？]]></Content>` +
	`<MsgId>6054768590064713728</MsgId></xml>`)

func benchParse(b *testing.B, src []byte) {
	b.ReportAllocs()
	b.SetBytes(int64(len(src)))
	var d Doc
	for i := 0; i < b.N; i++ {
		if err := d.Parse(src); err != nil {
			b.Fatal(err)
		}
		if d.Get("MsgType") == "" {
			b.Fatal("no MsgType")
		}
	}
}

func BenchmarkParseText(b *testing.B) { benchParse(b, textMessage) }

func BenchmarkParseNested(b *testing.B) {
	src, err := os.ReadFile("testdata/push/event_pic_sysphoto.xml")
	if err != nil {
		b.Fatal(err)
	}
	benchParse(b, src)
}

func BenchmarkParseMassSendJobFinish(b *testing.B) {
	src, err := os.ReadFile("testdata/push/event_masssendjobfinish.xml")
	if err != nil {
		b.Fatal(err)
	}
	benchParse(b, src)
}

// BenchmarkParseTextEncodingXML is the baseline: the same message read
// with encoding/xml into a struct.
func BenchmarkParseTextEncodingXML(b *testing.B) {
	b.ReportAllocs()
	b.SetBytes(int64(len(textMessage)))
	var m struct {
		ToUserName, FromUserName, MsgType, Content string
		CreateTime, MsgId                          int64
	}
	for i := 0; i < b.N; i++ {
		if err := xml.Unmarshal(textMessage, &m); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkGet(b *testing.B) {
	b.ReportAllocs()
	var d Doc
	if err := d.Parse(textMessage); err != nil {
		b.Fatal(err)
	}
	for i := 0; i < b.N; i++ {
		if d.Get("MsgId") == "" || d.Get("MsgType") == "" {
			b.Fatal("missing")
		}
	}
}

func BenchmarkAppendCDATA(b *testing.B) {
	b.ReportAllocs()
	s := "你好，请问今天的营业时间是几点到几点？Opening hours: 9:00-18:00 <b>&</b>"
	b.SetBytes(int64(len(s)))
	buf := make([]byte, 0, 512)
	for i := 0; i < b.N; i++ {
		buf = AppendCDATA(buf[:0], s)
	}
}
