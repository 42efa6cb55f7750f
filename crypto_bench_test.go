package wego

import (
	"testing"
)

// mcTextMessage is a text push as WeChat sends it (about 300 bytes).
var mcTextMessage = []byte(`<xml><ToUserName><![CDATA[gh_10f6c3c3ac5a]]></ToUserName>` +
	`<FromUserName><![CDATA[oyORnuP8q7ou2gfYjqLzSIWZf0rs]]></FromUserName>` +
	`<CreateTime>1409735668</CreateTime><MsgType><![CDATA[text]]></MsgType>` +
	`<Content><![CDATA[你好，请问今天的营业时间是几点到几点？]]></Content>` +
	`<MsgId>6054768590064713728</MsgId></xml>`)

// mcBenchPush returns a MsgCrypt and an encrypted push of mcTextMessage
// with its msg_signature and Encrypt value.
func mcBenchPush(b *testing.B) (m *MsgCrypt, body []byte, sig, encrypt string) {
	m = mcNew(b, mcToken, mcKey, mcAppID)
	reply, err := m.Encrypt(mcTextMessage, mcTS, mcNonce)
	if err != nil {
		b.Fatal(err)
	}
	encrypt = mcField(b, reply, "Encrypt")
	sig = mcField(b, reply, "MsgSignature")
	return m, mcEnvelope(encrypt), sig, encrypt
}

func BenchmarkDecrypt(b *testing.B) {
	m, body, sig, _ := mcBenchPush(b)
	b.ReportAllocs()
	b.SetBytes(int64(len(mcTextMessage)))
	for i := 0; i < b.N; i++ {
		if _, err := m.Decrypt(sig, mcTS, mcNonce, body); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncrypt(b *testing.B) {
	m := mcNew(b, mcToken, mcKey, mcAppID)
	b.ReportAllocs()
	b.SetBytes(int64(len(mcTextMessage)))
	for i := 0; i < b.N; i++ {
		if _, err := m.Encrypt(mcTextMessage, mcTS, mcNonce); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkOpen is the push layer's path: envelope already parsed, buffer
// pooled.
func BenchmarkOpen(b *testing.B) {
	m, _, sig, encrypt := mcBenchPush(b)
	buf := make([]byte, 0, 4096)
	b.ReportAllocs()
	b.SetBytes(int64(len(mcTextMessage)))
	for i := 0; i < b.N; i++ {
		if _, _, err := m.open(buf, sig, mcTS, mcNonce, encrypt); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSeal is the push layer's reply path into a pooled buffer.
func BenchmarkSeal(b *testing.B) {
	m := mcNew(b, mcToken, mcKey, mcAppID)
	buf := make([]byte, 0, 4096)
	b.ReportAllocs()
	b.SetBytes(int64(len(mcTextMessage)))
	for i := 0; i < b.N; i++ {
		var err error
		if buf, err = m.seal(buf[:0], mcTextMessage, mcTS, mcNonce, 0); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSignature(b *testing.B) {
	_, _, _, encrypt := mcBenchPush(b)
	b.Run("plain", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			mcSink = Signature(mcToken, mcTS, mcNonce)
		}
	})
	b.Run("safe", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			mcSink = Signature(mcToken, mcTS, mcNonce, encrypt)
		}
	})
}
