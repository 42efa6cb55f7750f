package wego_test

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/wego-sdk/wego"
	"github.com/wego-sdk/wego/wegotest"
)

// pushBench holds requests for the push benchmarks: a text message per
// request, each with its own MsgId so that de-duplication does its real work
// (a repeated MsgId would be answered from the store), and its own nonce
// and signature, as WeChat sends them (a plain push's signature is bound to
// the first body it came with).
type pushBench struct {
	token, aesKey, appID string
	crypt                *wego.MsgCrypt
	encrypted            bool
	timestamp            string
	seq                  int
}

func newPushBench(b *testing.B, encrypted bool) (*pushBench, wego.Settings) {
	srv := wegotest.New(b)
	s := srv.Settings()
	crypt, err := wego.NewMsgCrypt(s.PushToken, s.PushEncodingAESKey, s.AppID)
	require.NoError(b, err)
	pb := &pushBench{
		token: s.PushToken, aesKey: s.PushEncodingAESKey, appID: s.AppID, crypt: crypt,
		encrypted: encrypted, timestamp: strconv.FormatInt(time.Now().Unix(), 10),
	}
	if !encrypted {
		s.PushEncodingAESKey = "" // an account in plain mode; with a key, plain pushes are refused
	}
	return pb, s
}

// next returns the query and body of the next push.
func (pb *pushBench) next(b *testing.B) (string, []byte) {
	pb.seq++
	body := []byte("<xml><ToUserName><![CDATA[gh_e136c6e50636]]></ToUserName><FromUserName><![CDATA[oMgHVjngRipVsoxg6TuX3vz6glDg]]></FromUserName><CreateTime>1348831860</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[this is a test]]></Content><MsgId>" +
		strconv.Itoa(1e15+pb.seq) + "</MsgId></xml>")
	nonce := strconv.Itoa(1e9 + pb.seq)
	q := url.Values{"timestamp": {pb.timestamp}, "nonce": {nonce}, "signature": {wego.Signature(pb.token, pb.timestamp, nonce)}}
	if pb.encrypted {
		env, err := pb.crypt.Encrypt(body, pb.timestamp, nonce)
		require.NoError(b, err)
		sig := between(env, "<MsgSignature><![CDATA[", "]]>")
		enc := between(env, "<Encrypt><![CDATA[", "]]>")
		body = []byte("<xml><ToUserName><![CDATA[gh_e136c6e50636]]></ToUserName><Encrypt><![CDATA[" + enc + "]]></Encrypt></xml>")
		q.Set("encrypt_type", "aes")
		q.Set("msg_signature", sig)
	}
	return q.Encode(), body
}

func between(b []byte, start, end string) string {
	i := bytes.Index(b, []byte(start))
	j := bytes.Index(b[i+len(start):], []byte(end))
	return string(b[i+len(start) : i+len(start)+j])
}

// runPushBench sends b.N distinct text pushes through h (httptest recorder,
// no network), preparing them in batches outside the timer.
func runPushBench(b *testing.B, pb *pushBench, h http.Handler, check func(*testing.B, []byte)) {
	const batch = 512
	type req struct {
		query string
		body  []byte
	}
	reqs := make([]req, 0, batch)
	rec := httptest.NewRecorder()
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		if i%batch == 0 {
			b.StopTimer()
			reqs = reqs[:0]
			for range batch {
				q, body := pb.next(b)
				reqs = append(reqs, req{q, body})
			}
			b.StartTimer()
		}
		r := reqs[i%batch]
		hr := httptest.NewRequest(http.MethodPost, "/wechat?"+r.query, bytes.NewReader(r.body))
		rec.Body.Reset()
		h.ServeHTTP(rec, hr)
		if i == 0 {
			b.StopTimer()
			check(b, rec.Body.Bytes())
			b.StartTimer()
		}
	}
}

func benchmarkPushRoundTrip(b *testing.B, encrypted bool) {
	pb, s := newPushBench(b, encrypted)
	c, err := wego.NewClient(s)
	require.NoError(b, err)
	h := c.PushHandler(func(_ context.Context, p *wego.Push) (wego.Reply, error) {
		return wego.Text("you said: " + p.Content()), nil
	})
	runPushBench(b, pb, h, func(b *testing.B, out []byte) {
		if encrypted {
			plain, err := pb.crypt.Decrypt(between(out, "<MsgSignature><![CDATA[", "]]>"), between(out, "<TimeStamp>", "</TimeStamp>"), between(out, "<Nonce><![CDATA[", "]]>"), out)
			require.NoError(b, err)
			out = plain
		}
		require.Contains(b, string(out), "<Content><![CDATA[you said: this is a test]]></Content>")
	})
}

// BenchmarkPushPlainRoundTrip: an HTTP request through PushHandler with a
// text message in and a text reply out, plain mode.
func BenchmarkPushPlainRoundTrip(b *testing.B) { benchmarkPushRoundTrip(b, false) }

// BenchmarkPushEncryptedRoundTrip: the same in safe mode.
func BenchmarkPushEncryptedRoundTrip(b *testing.B) { benchmarkPushRoundTrip(b, true) }

// The baselines below are the minimal standard-library pipeline the issue
// compares against: AES key expanded once, a flat XML scan, pooled buffers,
// no de-duplication, deadline or error handling. They exist to measure the
// SDK's ratio on the machine at hand.

var baselineBuf = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

func baselineField(doc []byte, name string) []byte {
	open := "<" + name + ">"
	i := bytes.Index(doc, []byte(open))
	if i < 0 {
		return nil
	}
	v := doc[i+len(open):]
	j := bytes.Index(v, []byte("</"+name+">"))
	if j < 0 {
		return nil
	}
	v = v[:j]
	if bytes.HasPrefix(v, []byte("<![CDATA[")) {
		v = v[9 : len(v)-3]
	}
	return v
}

func baselineSig(parts ...string) string {
	sort.Strings(parts)
	h := sha1.New()
	for _, p := range parts {
		io.WriteString(h, p)
	}
	return hex.EncodeToString(h.Sum(nil))
}

type baseline struct {
	token, appID string
	block        cipher.Block
	iv           []byte
}

func (bl *baseline) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	bp := baselineBuf.Get().(*[]byte)
	defer baselineBuf.Put(bp)
	buf := bytes.NewBuffer((*bp)[:0])
	buf.ReadFrom(r.Body)
	doc := buf.Bytes()
	ts, nonce := q.Get("timestamp"), q.Get("nonce")
	encrypted := q.Get("encrypt_type") == "aes"
	if encrypted {
		enc := baselineField(doc, "Encrypt")
		if subtle.ConstantTimeCompare([]byte(baselineSig(bl.token, ts, nonce, string(enc))), []byte(q.Get("msg_signature"))) != 1 {
			w.WriteHeader(403)
			return
		}
		ct := make([]byte, base64.StdEncoding.DecodedLen(len(enc)))
		n, _ := base64.StdEncoding.Decode(ct, enc)
		ct = ct[:n]
		cipher.NewCBCDecrypter(bl.block, bl.iv).CryptBlocks(ct, ct)
		ct = ct[:len(ct)-int(ct[len(ct)-1])]
		l := binary.BigEndian.Uint32(ct[16:20])
		doc = ct[20 : 20+l]
	} else if subtle.ConstantTimeCompare([]byte(baselineSig(bl.token, ts, nonce)), []byte(q.Get("signature"))) != 1 {
		w.WriteHeader(403)
		return
	}
	from, to, content := baselineField(doc, "FromUserName"), baselineField(doc, "ToUserName"), baselineField(doc, "Content")
	out := make([]byte, 0, 512)
	out = append(out, "<xml><ToUserName><![CDATA["...)
	out = append(out, from...)
	out = append(out, "]]></ToUserName><FromUserName><![CDATA["...)
	out = append(out, to...)
	out = append(out, "]]></FromUserName><CreateTime>"...)
	out = strconv.AppendInt(out, time.Now().Unix(), 10)
	out = append(out, "</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[you said: "...)
	out = append(out, content...)
	out = append(out, "]]></Content></xml>"...)
	if encrypted {
		pt := make([]byte, 20, 20+len(out)+len(bl.appID)+32)
		rand.Read(pt[:16])
		binary.BigEndian.PutUint32(pt[16:20], uint32(len(out)))
		pt = append(pt, out...)
		pt = append(pt, bl.appID...)
		pad := 32 - len(pt)%32
		pt = append(pt, bytes.Repeat([]byte{byte(pad)}, pad)...)
		cipher.NewCBCEncrypter(bl.block, bl.iv).CryptBlocks(pt, pt)
		enc := base64.StdEncoding.EncodeToString(pt)
		sig := baselineSig(bl.token, ts, nonce, enc)
		out = append(out[:0], "<xml><Encrypt><![CDATA["...)
		out = append(out, enc...)
		out = append(out, "]]></Encrypt><MsgSignature><![CDATA["...)
		out = append(out, sig...)
		out = append(out, "]]></MsgSignature><TimeStamp>"...)
		out = append(out, ts...)
		out = append(out, "</TimeStamp><Nonce><![CDATA["...)
		out = append(out, nonce...)
		out = append(out, "]]></Nonce></xml>"...)
	}
	w.Write(out)
}

func benchmarkBaseline(b *testing.B, encrypted bool) {
	pb, s := newPushBench(b, encrypted)
	key, err := base64.StdEncoding.DecodeString(pb.aesKey + "=")
	require.NoError(b, err)
	block, err := aes.NewCipher(key)
	require.NoError(b, err)
	h := &baseline{token: s.PushToken, appID: s.AppID, block: block, iv: key[:16]}
	runPushBench(b, pb, h, func(b *testing.B, out []byte) {
		require.NotEmpty(b, out)
	})
}

// BenchmarkPushBaselinePlain is the minimal pipeline, plain mode.
func BenchmarkPushBaselinePlain(b *testing.B) { benchmarkBaseline(b, false) }

// BenchmarkPushBaselineEncrypted is the minimal pipeline, safe mode.
func BenchmarkPushBaselineEncrypted(b *testing.B) { benchmarkBaseline(b, true) }
