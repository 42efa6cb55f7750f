package wego

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/wego-sdk/wego/internal/xmlscan"
)

// mcVector is one entry of testdata/vectors/vectors.json: values published
// by WeChat for its message crypto (see testdata/vectors/README.md).
type mcVector struct {
	ID             string `json:"id"`
	Kind           string `json:"kind"`
	Token          string `json:"token"`
	EncodingAESKey string `json:"encoding_aes_key"`
	AppID          string `json:"appid"`
	Timestamp      string `json:"timestamp"`
	Nonce          string `json:"nonce"`
	Random         string `json:"random"`
	Plaintext      string `json:"plaintext"`
	Encrypt        string `json:"encrypt"`
	MsgSignature   string `json:"msg_signature"`
	Signature      string `json:"signature"`
	ReplyXML       string `json:"reply_xml"`
	PostXML        string `json:"post_xml"`
	Echostr        string `json:"echostr"`
	EchostrPlain   string `json:"echostr_plain"`
}

// mcVectors returns the vectors of the given kinds.
func mcVectors(t testing.TB, kinds ...string) []mcVector {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "vectors", "vectors.json"))
	require.NoError(t, err)
	var file struct {
		Vectors []mcVector `json:"vectors"`
	}
	require.NoError(t, json.Unmarshal(raw, &file))
	var out []mcVector
	for _, v := range file.Vectors {
		if slices.Contains(kinds, v.Kind) {
			out = append(out, v)
		}
	}
	require.NotEmpty(t, out, "no vectors of kinds %v", kinds)
	return out
}

// mcFixedRandom stands in for crypto/rand: it always reads the same bytes,
// so encryption becomes deterministic. It keeps no state, so goroutines may
// share it.
type mcFixedRandom []byte

func (r mcFixedRandom) Read(p []byte) (int, error) {
	n := copy(p, r)
	if n < len(p) {
		return n, io.ErrUnexpectedEOF
	}
	return n, nil
}

func mcNew(t testing.TB, token, key, appID string, opts ...MsgCryptOption) *MsgCrypt {
	t.Helper()
	m, err := NewMsgCrypt(token, key, appID, opts...)
	require.NoError(t, err)
	return m
}

// mcEnvelope is the body WeChat posts in safe mode.
func mcEnvelope(encrypt string) []byte {
	return []byte("<xml><ToUserName><![CDATA[gh_10f6c3c3ac5a]]></ToUserName><Encrypt><![CDATA[" + encrypt + "]]></Encrypt></xml>")
}

// mcField reads one field of a reply envelope with an XML parser.
func mcField(t testing.TB, reply []byte, name string) string {
	t.Helper()
	var d xmlscan.Doc
	require.NoError(t, d.Parse(reply))
	v, ok := d.Lookup(name)
	require.True(t, ok, "no %s in %s", name, reply)
	return v
}

// mcRefSignature is WeChat's signature written the obvious way, as a
// reference for Signature.
func mcRefSignature(parts ...string) string {
	s := slices.Clone(parts)
	slices.Sort(s)
	sum := sha1.Sum([]byte(strings.Join(s, "")))
	return hex.EncodeToString(sum[:])
}

// mcRawKey decodes an EncodingAESKey the obvious way.
func mcRawKey(t testing.TB, encodingAESKey string) []byte {
	t.Helper()
	key, err := base64.StdEncoding.DecodeString(encodingAESKey + "=")
	require.NoError(t, err)
	require.Len(t, key, 32)
	return key
}

// mcRawEncrypt encrypts pt (a multiple of 16 bytes, padding included) with
// crypto/cipher's CBC: an implementation independent of MsgCrypt's.
func mcRawEncrypt(key, pt []byte) string {
	block, err := aes.NewCipher(key)
	if err != nil {
		panic(err)
	}
	ct := make([]byte, len(pt))
	cipher.NewCBCEncrypter(block, key[:16]).CryptBlocks(ct, pt)
	return base64.StdEncoding.EncodeToString(ct)
}

// mcRawDecrypt decrypts a base64 ciphertext with crypto/cipher's CBC.
func mcRawDecrypt(t testing.TB, key []byte, encrypt string) []byte {
	t.Helper()
	ct, err := base64.StdEncoding.DecodeString(encrypt)
	require.NoError(t, err)
	require.Zero(t, len(ct)%16)
	block, err := aes.NewCipher(key)
	require.NoError(t, err)
	pt := make([]byte, len(ct))
	cipher.NewCBCDecrypter(block, key[:16]).CryptBlocks(pt, ct)
	return pt
}

// mcPlaintext lays out a message as WeChat does before encrypting it:
// random, big-endian length, message, appID, PKCS#7 padding to 32 bytes.
func mcPlaintext(random, msg, appID string) []byte {
	var b []byte
	b = append(b, random...)
	b = binary.BigEndian.AppendUint32(b, uint32(len(msg)))
	b = append(b, msg...)
	b = append(b, appID...)
	pad := 32 - len(b)%32
	return append(b, bytes.Repeat([]byte{byte(pad)}, pad)...)
}

// mcRefOpen reads a decrypted plaintext the obvious way (no constant time,
// no in-place tricks): the reference the fuzz targets compare open with.
func mcRefOpen(pt []byte, appID string) ([]byte, bool) {
	if len(pt) == 0 || len(pt)%16 != 0 {
		return nil, false
	}
	pad := int(pt[len(pt)-1])
	if pad < 1 || pad > 32 || pad > len(pt) {
		return nil, false
	}
	for _, b := range pt[len(pt)-pad:] {
		if int(b) != pad {
			return nil, false
		}
	}
	body := pt[:len(pt)-pad]
	if len(body) < 20 {
		return nil, false
	}
	n := int64(binary.BigEndian.Uint32(body[16:20]))
	if n > int64(len(body)-20) {
		return nil, false
	}
	if string(body[20+n:]) != appID {
		return nil, false
	}
	return body[20 : 20+n], true
}

func TestMsgCryptEncryptVectors(t *testing.T) {
	t.Parallel()
	for _, v := range mcVectors(t, "msg_encrypt") {
		t.Run(v.ID, func(t *testing.T) {
			t.Parallel()
			require.Len(t, v.Random, 16)
			m := mcNew(t, v.Token, v.EncodingAESKey, v.AppID)
			m.random = mcFixedRandom(v.Random)

			reply, err := m.Encrypt([]byte(v.Plaintext), v.Timestamp, v.Nonce)
			require.NoError(t, err)
			require.Equal(t, v.Encrypt, mcField(t, reply, "Encrypt"), "ciphertext byte for byte")
			require.Equal(t, v.MsgSignature, mcField(t, reply, "MsgSignature"))
			require.Equal(t, v.Timestamp, mcField(t, reply, "TimeStamp"))
			require.Equal(t, v.Nonce, mcField(t, reply, "Nonce"))
			if v.ReplyXML != "" {
				require.Equal(t, v.ReplyXML, string(reply), "envelope byte for byte")
			}

			// The reply is what WeChat reads: it decrypts back.
			plain, err := m.Decrypt(v.MsgSignature, v.Timestamp, v.Nonce, reply)
			require.NoError(t, err)
			require.Equal(t, v.Plaintext, string(plain))
		})
	}
}

func TestMsgCryptDecryptVectors(t *testing.T) {
	t.Parallel()
	for _, v := range mcVectors(t, "msg_decrypt") {
		t.Run(v.ID, func(t *testing.T) {
			t.Parallel()
			m := mcNew(t, v.Token, v.EncodingAESKey, v.AppID)
			body := []byte(v.PostXML)
			if len(body) == 0 {
				body = mcEnvelope(v.Encrypt)
			}
			plain, err := m.Decrypt(v.MsgSignature, v.Timestamp, v.Nonce, body)
			require.NoError(t, err)
			require.Equal(t, v.Plaintext, string(plain))

			// The random prefix decrypts as recorded, and encrypting again
			// with it gives WeChat's ciphertext byte for byte.
			pt := mcRawDecrypt(t, mcRawKey(t, v.EncodingAESKey), v.Encrypt)
			require.Equal(t, v.Random, string(pt[:16]))
			m.random = mcFixedRandom(v.Random)
			reply, err := m.Encrypt(plain, v.Timestamp, v.Nonce)
			require.NoError(t, err)
			require.Equal(t, v.Encrypt, mcField(t, reply, "Encrypt"))
			require.Equal(t, v.MsgSignature, mcField(t, reply, "MsgSignature"))

			got, idx, err := m.open(nil, v.MsgSignature, v.Timestamp, v.Nonce, v.Encrypt)
			require.NoError(t, err)
			require.Equal(t, 0, idx)
			require.Equal(t, v.Plaintext, string(got))
		})
	}
}

func TestMsgCryptURLVectors(t *testing.T) {
	t.Parallel()
	for _, v := range mcVectors(t, "url_verify_encrypted") {
		t.Run(v.ID, func(t *testing.T) {
			m := mcNew(t, v.Token, v.EncodingAESKey, v.AppID)
			echo, err := m.VerifyURL(v.MsgSignature, v.Timestamp, v.Nonce, v.Echostr)
			require.NoError(t, err)
			require.Equal(t, v.EchostrPlain, echo)

			_, err = m.VerifyURL(v.MsgSignature, v.Timestamp, v.Nonce+"1", v.Echostr)
			require.ErrorIs(t, err, ErrInvalidSignature)
		})
	}
	for _, v := range mcVectors(t, "url_verify_plain") {
		t.Run(v.ID, func(t *testing.T) {
			require.Equal(t, v.Signature, Signature(v.Token, v.Timestamp, v.Nonce))
			require.Equal(t, v.Signature, Signature(v.Nonce, v.Token, v.Timestamp), "order of the arguments does not matter")
			require.True(t, validSignature(v.Signature, v.Token, v.Timestamp, v.Nonce))
			require.False(t, validSignature(strings.ToUpper(v.Signature), v.Token, v.Timestamp, v.Nonce))
			require.False(t, validSignature(v.Signature[:39], v.Token, v.Timestamp, v.Nonce))
			require.False(t, validSignature(v.Signature, v.Token+"x", v.Timestamp, v.Nonce))
		})
	}
}

func TestMsgCryptRoundTripPushSamples(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob(filepath.Join("testdata", "vectors", "push", "*.xml"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	m := mcNew(t, "pamtest", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", "wxb11529c136998cb6")
	key := mcRawKey(t, "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG")
	for _, file := range files {
		msg, err := os.ReadFile(file)
		require.NoError(t, err)
		reply, err := m.Encrypt(msg, "1409304348", "xxxxxx")
		require.NoError(t, err, file)
		encrypt := mcField(t, reply, "Encrypt")
		sig := mcField(t, reply, "MsgSignature")
		require.Equal(t, mcRefSignature("pamtest", "1409304348", "xxxxxx", encrypt), sig)

		// An independent CBC decryption finds WeChat's layout.
		pt := mcRawDecrypt(t, key, encrypt)
		got, ok := mcRefOpen(pt, "wxb11529c136998cb6")
		require.True(t, ok, file)
		require.Equal(t, msg, got)
		require.Zero(t, len(pt)%32, "padded to 32 bytes")

		plain, err := m.Decrypt(sig, "1409304348", "xxxxxx", reply)
		require.NoError(t, err, file)
		require.Equal(t, msg, plain)

		again, err := m.Encrypt(msg, "1409304348", "xxxxxx")
		require.NoError(t, err)
		require.NotEqual(t, encrypt, mcField(t, again, "Encrypt"), "fresh random bytes each time")
	}
}

// mcTamper builds a MsgCrypt with a known key and a helper that signs any
// ciphertext, so that tests reach the decryption behind the signature.
type mcTamper struct {
	m     *MsgCrypt
	key   []byte
	appID string
}

const (
	mcToken = "spamtest"
	mcKey   = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
	mcAppID = "wx2c2769f8efd9abc2"
	mcTS    = "1409735669"
	mcNonce = "1320562132"
)

func newMCTamper(t testing.TB) mcTamper {
	return mcTamper{m: mcNew(t, mcToken, mcKey, mcAppID), key: mcRawKey(t, mcKey), appID: mcAppID}
}

// decrypt signs encrypt correctly and decrypts it.
func (tm mcTamper) decrypt(encrypt string) ([]byte, error) {
	sig := mcRefSignature(mcToken, mcTS, mcNonce, encrypt)
	return tm.m.Decrypt(sig, mcTS, mcNonce, mcEnvelope(encrypt))
}

func TestMsgCryptTampering(t *testing.T) {
	t.Parallel()
	tm := newMCTamper(t)
	const msg = "<xml><Content><![CDATA[hello]]></Content></xml>"
	pt := mcPlaintext("0123456789abcdef", msg, mcAppID)
	good := mcRawEncrypt(tm.key, pt)
	plain, err := tm.decrypt(good)
	require.NoError(t, err)
	require.Equal(t, msg, string(plain))

	ct, err := base64.StdEncoding.DecodeString(good)
	require.NoError(t, err)
	flip := func(i int) string {
		c := slices.Clone(ct)
		c[i] ^= 0x80
		return base64.StdEncoding.EncodeToString(c)
	}
	// withPad lays out msg (lengthened with spaces so that the total is
	// whole blocks) followed by pad instead of the right padding.
	withPad := func(pad []byte) string {
		m := msg
		for (20+len(m)+len(mcAppID)+len(pad))%16 != 0 {
			m += " "
		}
		b := mcPlaintext("0123456789abcdef", m, mcAppID)
		b = b[:len(b)-int(b[len(b)-1])]
		return mcRawEncrypt(tm.key, append(b, pad...))
	}
	blockOf := func(n int, v byte) []byte { return bytes.Repeat([]byte{v}, n) }
	lengthBeyond := []byte("0123456789abcdef\x00\x00\x00\x64abc")
	lengthBeyond = append(lengthBeyond, blockOf(9, 9)...)
	// Three bytes follow the header and the prefix says four.
	oneBeyond := []byte("0123456789abcdef\x00\x00\x00\x04abc")
	oneBeyond = append(oneBeyond, blockOf(9, 9)...)

	tests := []struct {
		name    string
		encrypt string
		want    error
		reason  string
	}{
		{"length prefix flipped", flip(0), ErrMalformedMessage, "length prefix"}, // CBC: flips plaintext byte 16, the top byte of the length
		{"last block flipped", flip(len(ct) - 1), ErrMalformedMessage, "padding"},
		// Flipping ciphertext byte 54 garbles plaintext block 3 (inside the
		// message) and flips plaintext byte 70 (inside the appID).
		{"appID byte flipped", flip(54), ErrAppIDMismatch, ""},
		{"truncated by a block", base64.StdEncoding.EncodeToString(ct[:len(ct)-16]), nil, ""},
		{"one block", base64.StdEncoding.EncodeToString(ct[:16]), nil, ""},
		{"not a block multiple", base64.StdEncoding.EncodeToString(ct[:len(ct)-1]), ErrMalformedMessage, "block size"},
		{"empty", "", ErrMalformedMessage, "block size"},
		{"truncated base64", good[:len(good)-3], ErrMalformedMessage, "base64"},
		{"bad base64", "!!!!" + good[4:], ErrMalformedMessage, "base64"},
		{"url-safe base64", strings.NewReplacer("+", "-", "/", "_").Replace(good) + "-_", ErrMalformedMessage, "base64"},
		{"pad 0", withPad(blockOf(16, 0)), ErrMalformedMessage, "padding"},
		{"pad 33", withPad(blockOf(33, 33)), ErrMalformedMessage, "padding"},
		{"pad 255", withPad(blockOf(255, 255)), ErrMalformedMessage, "padding"},
		{"pad bytes differ", withPad([]byte{8, 8, 8, 9, 8, 8, 8, 8}), ErrMalformedMessage, "padding"},
		{"pad bytes differ at the start", withPad(append([]byte{31}, blockOf(31, 32)...)), ErrMalformedMessage, "padding"},
		{"pad longer than data", mcRawEncrypt(tm.key, blockOf(16, 32)), ErrMalformedMessage, "padding"},
		{"no room for header", mcRawEncrypt(tm.key, append(blockOf(19, 'r'), blockOf(13, 13)...)), ErrMalformedMessage, "shorter than its header"},
		{"length beyond data", mcRawEncrypt(tm.key, lengthBeyond), ErrMalformedMessage, "length prefix"},
		{"length one beyond data", mcRawEncrypt(tm.key, oneBeyond), ErrMalformedMessage, "length prefix"},
		{"other appID", mcRawEncrypt(tm.key, mcPlaintext("0123456789abcdef", msg, "wx0000000000000000")), ErrAppIDMismatch, ""},
		{"appID prefix", mcRawEncrypt(tm.key, mcPlaintext("0123456789abcdef", msg, mcAppID[:10])), ErrAppIDMismatch, ""},
		{"appID extended", mcRawEncrypt(tm.key, mcPlaintext("0123456789abcdef", msg, mcAppID+"x")), ErrAppIDMismatch, ""},
		{"no appID", mcRawEncrypt(tm.key, mcPlaintext("0123456789abcdef", msg, "")), ErrAppIDMismatch, ""},
		{"other key", mcRawEncrypt(mcRawKey(t, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"), pt), nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plain, err := tm.decrypt(tt.encrypt)
			require.Error(t, err)
			require.Nil(t, plain)
			if tt.want != nil {
				require.ErrorIs(t, err, tt.want)
			} else {
				require.True(t, errors.Is(err, ErrMalformedMessage) || errors.Is(err, ErrAppIDMismatch), err)
			}
			require.NotErrorIs(t, err, ErrInvalidSignature)
			require.Contains(t, err.Error(), tt.reason)
		})
	}

	// A 16-byte-block PKCS#7 padding (as some encoders write) is accepted.
	b := mcPlaintext("0123456789abcdef", msg, mcAppID)
	b = b[:len(b)-int(b[len(b)-1])]
	p16 := 16 - len(b)%16
	plain, err = tm.decrypt(mcRawEncrypt(tm.key, append(b, bytes.Repeat([]byte{byte(p16)}, p16)...)))
	require.NoError(t, err)
	require.Equal(t, msg, string(plain))
}

func TestMsgCryptSignatureChecks(t *testing.T) {
	t.Parallel()
	v := mcVectors(t, "msg_decrypt")[0]
	m := mcNew(t, v.Token, v.EncodingAESKey, v.AppID)
	body := []byte(v.PostXML)
	_, err := m.Decrypt(v.MsgSignature, v.Timestamp, v.Nonce, body)
	require.NoError(t, err)

	flipped := []byte(v.MsgSignature)
	flipped[7] ^= 1
	tests := []struct{ name, sig, ts, nonce string }{
		{"flipped signature", string(flipped), v.Timestamp, v.Nonce},
		{"empty signature", "", v.Timestamp, v.Nonce},
		{"upper-case signature", strings.ToUpper(v.MsgSignature), v.Timestamp, v.Nonce},
		{"short signature", v.MsgSignature[:39], v.Timestamp, v.Nonce},
		{"long signature", v.MsgSignature + "0", v.Timestamp, v.Nonce},
		{"other timestamp", v.MsgSignature, v.Timestamp + "0", v.Nonce},
		{"other nonce", v.MsgSignature, v.Timestamp, "1"},
		{"plain signature", Signature(v.Token, v.Timestamp, v.Nonce), v.Timestamp, v.Nonce},
	}
	for _, tt := range tests {
		_, err := m.Decrypt(tt.sig, tt.ts, tt.nonce, body)
		require.ErrorIs(t, err, ErrInvalidSignature, tt.name)
		require.NotContains(t, err.Error(), v.Token, tt.name)
	}

	// The signature covers the Encrypt element: another ciphertext under
	// the old signature is refused before any decryption.
	other := mcNew(t, v.Token, v.EncodingAESKey, v.AppID)
	reply, err := other.Encrypt([]byte("<xml/>"), v.Timestamp, v.Nonce)
	require.NoError(t, err)
	_, err = m.Decrypt(v.MsgSignature, v.Timestamp, v.Nonce, reply)
	require.ErrorIs(t, err, ErrInvalidSignature)

	// Another token signs differently.
	wrongToken := mcNew(t, v.Token+"x", v.EncodingAESKey, v.AppID)
	_, err = wrongToken.Decrypt(v.MsgSignature, v.Timestamp, v.Nonce, body)
	require.ErrorIs(t, err, ErrInvalidSignature)
}

func TestMsgCryptEnvelope(t *testing.T) {
	t.Parallel()
	tm := newMCTamper(t)
	for _, body := range []string{
		``,
		`not xml`,
		`<xml><Encrypt>`,
		`<xml><Encrypt><![CDATA[x]]></Encrypt></xml><xml/>`,
		`<!DOCTYPE x [<!ENTITY a "b">]><xml><Encrypt>&a;</Encrypt></xml>`,
	} {
		_, err := tm.m.Decrypt("0000000000000000000000000000000000000000", mcTS, mcNonce, []byte(body))
		require.ErrorIs(t, err, ErrMalformedMessage, body)
		var se *xmlscan.SyntaxError
		require.ErrorAs(t, err, &se, body)
	}
	for _, body := range []string{`<xml/>`, `<xml><ToUserName>x</ToUserName></xml>`, `<xml><A><Encrypt>x</Encrypt></A></xml>`} {
		_, err := tm.m.Decrypt("0000000000000000000000000000000000000000", mcTS, mcNonce, []byte(body))
		require.ErrorIs(t, err, ErrMalformedMessage, body)
		require.Contains(t, err.Error(), "no Encrypt element")
	}
}

func TestMsgCryptKeyRotation(t *testing.T) {
	t.Parallel()
	const (
		oldKey = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
		newKey = "kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR"
	)
	oldOnly := mcNew(t, mcToken, oldKey, mcAppID)
	newOnly := mcNew(t, mcToken, newKey, mcAppID)
	both := mcNew(t, mcToken, newKey, mcAppID, WithPreviousAESKey(oldKey))
	request := []byte("<xml><Content><![CDATA[from an old-key client]]></Content></xml>")

	fromOld, err := oldOnly.Encrypt(request, mcTS, mcNonce)
	require.NoError(t, err)
	enc := mcField(t, fromOld, "Encrypt")
	sig := mcField(t, fromOld, "MsgSignature")

	_, err = newOnly.Decrypt(sig, mcTS, mcNonce, fromOld)
	require.ErrorIs(t, err, ErrMalformedMessage, "the new key alone cannot read it")

	plain, idx, err := both.open(nil, sig, mcTS, mcNonce, enc)
	require.NoError(t, err)
	require.Equal(t, 1, idx, "decrypted with the previous key")
	require.Equal(t, request, plain)

	// The reply goes out under the key that worked.
	reply, err := both.seal(nil, []byte("<xml>reply</xml>"), mcTS, mcNonce, idx)
	require.NoError(t, err)
	replySig := mcField(t, reply, "MsgSignature")
	got, err := oldOnly.Decrypt(replySig, mcTS, mcNonce, reply)
	require.NoError(t, err)
	require.Equal(t, "<xml>reply</xml>", string(got))
	_, err = newOnly.Decrypt(replySig, mcTS, mcNonce, reply)
	require.Error(t, err, "the new key cannot read a reply sealed with the old one")

	// Messages under the current key decrypt with index 0 and replies use it.
	fromNew, err := newOnly.Encrypt(request, mcTS, mcNonce)
	require.NoError(t, err)
	_, idx, err = both.open(nil, mcField(t, fromNew, "MsgSignature"), mcTS, mcNonce, mcField(t, fromNew, "Encrypt"))
	require.NoError(t, err)
	require.Equal(t, 0, idx)
	reply, err = both.Encrypt([]byte("<xml>r</xml>"), mcTS, mcNonce)
	require.NoError(t, err)
	_, err = newOnly.Decrypt(mcField(t, reply, "MsgSignature"), mcTS, mcNonce, reply)
	require.NoError(t, err)

	// Under neither key: the error of the current key is reported.
	third := mcNew(t, mcToken, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", mcAppID)
	fromThird, err := third.Encrypt(request, mcTS, mcNonce)
	require.NoError(t, err)
	_, err = both.Decrypt(mcField(t, fromThird, "MsgSignature"), mcTS, mcNonce, fromThird)
	require.ErrorIs(t, err, ErrMalformedMessage)
	// Well padded under the current key but with a length prefix beyond the
	// data: that is the reason given, not what the old key made of it.
	pt := append([]byte("0123456789abcdef\x00\x00\x01\x00abc"), bytes.Repeat([]byte{9}, 9)...)
	badLen := mcRawEncrypt(mcRawKey(t, newKey), pt)
	_, err = both.Decrypt(mcRefSignature(mcToken, mcTS, mcNonce, badLen), mcTS, mcNonce, mcEnvelope(badLen))
	require.ErrorIs(t, err, ErrMalformedMessage)
	require.Contains(t, err.Error(), "length prefix")

	// A well-formed message for another account under the old key says so.
	otherApp := mcNew(t, mcToken, oldKey, "wx0000000000000000")
	fromOtherApp, err := otherApp.Encrypt(request, mcTS, mcNonce)
	require.NoError(t, err)
	_, err = both.Decrypt(mcField(t, fromOtherApp, "MsgSignature"), mcTS, mcNonce, fromOtherApp)
	require.ErrorIs(t, err, ErrAppIDMismatch)

	// Without a previous key there is no slot 1. Errors hand the buffer
	// back as it was.
	buf := append(make([]byte, 0, 64), "keep"...)
	out, err := newOnly.seal(buf, request, mcTS, mcNonce, 1)
	require.Error(t, err)
	require.Equal(t, "keep", string(out))
	out, err = both.seal(buf, request, mcTS, mcNonce, -1)
	require.Error(t, err)
	require.Equal(t, "keep", string(out))
	broken := mcNew(t, mcToken, newKey, mcAppID)
	broken.random = mcFixedRandom(nil)
	out, err = broken.seal(buf, request, mcTS, mcNonce, 0)
	require.ErrorIs(t, err, io.ErrUnexpectedEOF)
	require.Equal(t, "keep", string(out))

	// seal appends after what dst holds.
	out, err = both.seal(buf, request, mcTS, mcNonce, 0)
	require.NoError(t, err)
	require.True(t, bytes.HasPrefix(out, []byte("keep<xml>\n<Encrypt>")))
	plain, err = newOnly.Decrypt(mcField(t, out[4:], "MsgSignature"), mcTS, mcNonce, out[4:])
	require.NoError(t, err)
	require.Equal(t, request, plain)

	// A previous key equal to the current one adds nothing.
	same := mcNew(t, mcToken, newKey, mcAppID, WithPreviousAESKey(newKey))
	require.Equal(t, 1, same.nkeys)
	require.Equal(t, 2, both.nkeys)
}

func TestNewMsgCryptErrors(t *testing.T) {
	t.Parallel()
	const secretKey = "SecretKeyxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx1"
	require.Len(t, secretKey, 43)
	tests := []struct {
		name               string
		token, key, appID  string
		opts               []MsgCryptOption
		want               error
		mustNotMentionText string
	}{
		{"empty token", "", mcKey, mcAppID, nil, ErrMissingParameter, ""},
		{"empty appID", mcToken, mcKey, "", nil, ErrMissingParameter, ""},
		{"empty key", mcToken, "", mcAppID, nil, ErrInvalidAESKey, ""},
		{"42 characters", mcToken, secretKey[:42], mcAppID, nil, ErrInvalidAESKey, secretKey[:42]},
		{"44 characters", mcToken, secretKey + "=", mcAppID, nil, ErrInvalidAESKey, secretKey},
		{"padded 43", mcToken, secretKey[:42] + "=", mcAppID, nil, ErrInvalidAESKey, secretKey[:42]},
		{"not base64", mcToken, secretKey[:42] + "!", mcAppID, nil, ErrInvalidAESKey, secretKey[:42]},
		{"url-safe alphabet", mcToken, secretKey[:42] + "-", mcAppID, nil, ErrInvalidAESKey, secretKey[:42]},
		{"empty previous", mcToken, mcKey, mcAppID, []MsgCryptOption{WithPreviousAESKey("")}, ErrInvalidAESKey, ""},
		{"bad previous", mcToken, mcKey, mcAppID, []MsgCryptOption{WithPreviousAESKey(secretKey[:42] + "!")}, ErrInvalidAESKey, secretKey[:42]},
		{"nil option", mcToken, mcKey, mcAppID, []MsgCryptOption{nil}, ErrMissingParameter, ""},
	}
	for _, tt := range tests {
		m, err := NewMsgCrypt(tt.token, tt.key, tt.appID, tt.opts...)
		require.Nil(t, m, tt.name)
		require.ErrorIs(t, err, tt.want, tt.name)
		if tt.mustNotMentionText != "" {
			require.NotContains(t, err.Error(), tt.mustNotMentionText, tt.name)
		}
		require.Equal(t, strings.ToLower(err.Error()[:5]), err.Error()[:5])
	}
	m, err := NewMsgCrypt(mcToken, mcKey, mcAppID, WithPreviousAESKey("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"))
	require.NoError(t, err)
	require.NotNil(t, m)
}

func TestMsgCryptEncryptArguments(t *testing.T) {
	t.Parallel()
	m := mcNew(t, mcToken, mcKey, mcAppID)
	msg := []byte("<xml/>")
	tests := []struct {
		ts, nonce string
		want      error
	}{
		{"", mcNonce, ErrMissingParameter},
		{mcTS, "", ErrMissingParameter},
		{"14097356x9", mcNonce, ErrMalformedMessage},
		{"-1", mcNonce, ErrMalformedMessage},
		{"1409735669</TimeStamp><Injected>", mcNonce, ErrMalformedMessage},
		{mcTS, "a]]>b", ErrMalformedMessage},
		{mcTS, "a<b", ErrMalformedMessage},
		{mcTS, "a b", ErrMalformedMessage},
		{mcTS, "中文", ErrMalformedMessage},
		{mcTS, "a\x00", ErrMalformedMessage},
	}
	for _, tt := range tests {
		out, err := m.Encrypt(msg, tt.ts, tt.nonce)
		require.ErrorIs(t, err, tt.want, "%q %q", tt.ts, tt.nonce)
		require.Nil(t, out)
	}
	for _, nonce := range []string{"1320562132", "aB3-_.~!xYz", "n0nce=+/"} {
		reply, err := m.Encrypt(msg, mcTS, nonce)
		require.NoError(t, err, nonce)
		require.Equal(t, nonce, mcField(t, reply, "Nonce"))
		plain, err := m.Decrypt(mcField(t, reply, "MsgSignature"), mcTS, nonce, reply)
		require.NoError(t, err)
		require.Equal(t, msg, plain)
	}

	// Encrypt carries any bytes, even an empty reply or invalid UTF-8.
	for _, msg := range [][]byte{nil, {}, []byte("\xff\x00]]>"), bytes.Repeat([]byte("长"), 10000)} {
		reply, err := m.Encrypt(msg, mcTS, mcNonce)
		require.NoError(t, err)
		plain, err := m.Decrypt(mcField(t, reply, "MsgSignature"), mcTS, mcNonce, reply)
		require.NoError(t, err)
		require.Equal(t, len(msg), len(plain))
		require.True(t, bytes.Equal(msg, plain))
	}

	// A failing random source fails the encryption.
	broken := mcNew(t, mcToken, mcKey, mcAppID)
	broken.random = mcFixedRandom("short")
	_, err := broken.Encrypt(msg, mcTS, mcNonce)
	require.ErrorIs(t, err, io.ErrUnexpectedEOF)
}

// TestMsgCryptPlaintextLengths checks the padding arithmetic at every
// length around the 32-byte boundaries against the reference layout.
func TestMsgCryptPlaintextLengths(t *testing.T) {
	t.Parallel()
	m := mcNew(t, mcToken, mcKey, mcAppID)
	m.random = mcFixedRandom("0123456789abcdef")
	key := mcRawKey(t, mcKey)
	for n := 0; n <= 100; n++ {
		msg := strings.Repeat("m", n)
		reply, err := m.Encrypt([]byte(msg), mcTS, mcNonce)
		require.NoError(t, err)
		enc := mcField(t, reply, "Encrypt")
		require.Equal(t, mcRawEncrypt(key, mcPlaintext("0123456789abcdef", msg, mcAppID)), enc, "length %d", n)
		plain, err := m.Decrypt(mcField(t, reply, "MsgSignature"), mcTS, mcNonce, reply)
		require.NoError(t, err)
		require.Equal(t, msg, string(plain))
	}
}

func TestSignature(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("L", 1000)
	cases := [][]string{
		nil,
		{""},
		{"a"},
		{"b", "a"},
		{"token", "1409304348", "xxxxxx"},
		{"token", "1409304348", "xxxxxx", long},
		{long, long + "x", "a", "", ""},
		{"9", "10", "1", "a", "B", "中", "ä"},
		{"1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12"},
		strings.Split(strings.Repeat("z,y,", 50), ","),
	}
	for _, parts := range cases {
		want := mcRefSignature(parts...)
		orig := slices.Clone(parts)
		require.Equal(t, want, Signature(parts...), "%q", parts)
		require.Equal(t, orig, parts, "Signature does not reorder the caller's slice")
		rev := slices.Clone(parts)
		slices.Reverse(rev)
		require.Equal(t, want, Signature(rev...))
		require.True(t, validSignature(want, parts...))
	}
	// sortedSHA1 with the fourth part given as bytes, at every position.
	for _, enc := range []string{"", "0", "Z", "a", "zzz", long} {
		parts := []string{"token", "1409304348", "xxxxxx"}
		want := mcRefSignature(append(slices.Clone(parts), enc)...)
		sum := sortedSHA1(parts, []byte(enc), true)
		require.Equal(t, want, hex.EncodeToString(sum[:]), "%q", enc)
	}
}

func TestCryptAllocs(t *testing.T) {
	v := mcVectors(t, "msg_decrypt")[0]
	m := mcNew(t, v.Token, v.EncodingAESKey, v.AppID)
	require.Equal(t, 1.0, testing.AllocsPerRun(100, func() {
		mcSink = Signature(v.Token, v.Timestamp, v.Nonce, v.Encrypt)
	}), "Signature: only its result")
	require.Equal(t, 0.0, testing.AllocsPerRun(100, func() {
		mcSinkBool = validSignature(v.MsgSignature, v.Token, v.Timestamp, v.Nonce, v.Encrypt)
	}))
	require.True(t, mcSinkBool)

	// The hot path of the push layer: with pooled buffers, nothing.
	buf := make([]byte, 0, 4096)
	require.Equal(t, 0.0, testing.AllocsPerRun(100, func() {
		plain, _, err := m.open(buf, v.MsgSignature, v.Timestamp, v.Nonce, v.Encrypt)
		if err != nil || len(plain) == 0 {
			t.Fatal(err)
		}
	}))
	m.random = mcFixedRandom(v.Random)
	out := make([]byte, 0, 4096)
	require.Equal(t, 0.0, testing.AllocsPerRun(100, func() {
		var err error
		if out, err = m.seal(out[:0], []byte(v.Plaintext), v.Timestamp, v.Nonce, 0); err != nil {
			t.Fatal(err)
		}
	}))
	require.Equal(t, v.Encrypt, mcField(t, out, "Encrypt"))
}

var (
	mcSink     string
	mcSinkBool bool
)

func TestMsgCryptConcurrent(t *testing.T) {
	t.Parallel()
	const oldKey = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	m := mcNew(t, mcToken, mcKey, mcAppID, WithPreviousAESKey(oldKey))
	old := mcNew(t, mcToken, oldKey, mcAppID)
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for g := 0; g < 16; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				msg := []byte(fmt.Sprintf("<xml><Content>%d-%d</Content></xml>", g, i))
				sender := m
				if i%2 == 1 {
					sender = old
				}
				reply, err := sender.Encrypt(msg, mcTS, mcNonce)
				if err != nil {
					errs <- err
					return
				}
				var d xmlscan.Doc
				if err := d.Parse(reply); err != nil {
					errs <- err
					return
				}
				plain, idx, err := m.open(nil, d.Get("MsgSignature"), mcTS, mcNonce, d.Get("Encrypt"))
				if err != nil || !bytes.Equal(plain, msg) || idx != i%2 {
					errs <- fmt.Errorf("goroutine %d message %d: %q, key %d, %v", g, i, plain, idx, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
