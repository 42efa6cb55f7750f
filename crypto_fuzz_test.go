package wego

import (
	"bytes"
	"encoding/base64"
	"errors"
	"testing"

	"github.com/wego-sdk/wego/internal/xmlscan"
)

// mcFuzzCheck checks one outcome of open against the reference: encrypt
// was signed correctly, so open must succeed exactly when the reference
// reads the plaintext, with the same message, and otherwise fail with one
// of the documented errors.
func mcFuzzCheck(t *testing.T, key []byte, encrypt string, plain []byte, err error) {
	ct, decErr := base64.StdEncoding.DecodeString(encrypt)
	var want []byte
	ok := false
	if decErr == nil && len(ct) > 0 && len(ct)%16 == 0 {
		want, ok = mcRefOpen(mcRawDecrypt(t, key, encrypt), mcAppID)
	}
	if ok != (err == nil) {
		t.Fatalf("open: %q, %v; reference: %q, %v", plain, err, want, ok)
	}
	if ok && !bytes.Equal(plain, want) {
		t.Fatalf("open: %q; reference: %q", plain, want)
	}
	if err != nil && !errors.Is(err, ErrMalformedMessage) && !errors.Is(err, ErrAppIDMismatch) {
		t.Fatalf("unexpected error %v", err)
	}
}

// FuzzDecrypt feeds arbitrary bodies and query parameters to Decrypt, which
// must never panic and must refuse anything not signed with the token. The
// same body is then signed correctly, to reach the decryption, and also
// encrypted as a raw plaintext, so that the fuzzer controls the padding,
// length prefix and appID that open checks; both are compared with a
// straightforward reference implementation.
func FuzzDecrypt(f *testing.F) {
	tm := newMCTamper(f)
	for _, v := range mcVectors(f, "msg_decrypt") {
		if v.Token == mcToken && v.EncodingAESKey == mcKey && v.AppID == mcAppID {
			f.Add([]byte(v.PostXML), v.MsgSignature, v.Timestamp, v.Nonce)
		}
	}
	good := mcRawEncrypt(tm.key, mcPlaintext("0123456789abcdef", "<xml/>", mcAppID))
	f.Add(mcEnvelope(good), mcRefSignature(mcToken, mcTS, mcNonce, good), mcTS, mcNonce)
	f.Add(mcPlaintext("0123456789abcdef", "<xml/>", mcAppID), "", mcTS, mcNonce)
	f.Add([]byte("<xml><Encrypt><![CDATA[!!!!]]></Encrypt></xml>"), "", "", "")
	f.Add([]byte("<xml><Encrypt></Encrypt></xml>"), "0", "1", "2")
	f.Fuzz(func(t *testing.T, body []byte, msgSignature, timestamp, nonce string) {
		plain, err := tm.m.Decrypt(msgSignature, timestamp, nonce, body)
		var d xmlscan.Doc
		encrypt, hasEncrypt := "", false
		if d.Parse(body) == nil {
			encrypt, hasEncrypt = d.Lookup("Encrypt")
		}
		switch {
		case err == nil:
			if !hasEncrypt || !validSignature(msgSignature, mcToken, timestamp, nonce, encrypt) {
				t.Fatalf("Decrypt accepted an unsigned message: %q", plain)
			}
		case !hasEncrypt:
			if !errors.Is(err, ErrMalformedMessage) {
				t.Fatalf("no Encrypt element, error %v", err)
			}
		}

		if hasEncrypt {
			sig := Signature(mcToken, timestamp, nonce, encrypt)
			plain, err = tm.m.Decrypt(sig, timestamp, nonce, body)
			mcFuzzCheck(t, tm.key, encrypt, plain, err)
		}

		// body as the plaintext, zero-extended to whole blocks.
		pt := append([]byte(nil), body...)
		for len(pt)%16 != 0 {
			pt = append(pt, 0)
		}
		if len(pt) == 0 {
			return
		}
		raw := mcRawEncrypt(tm.key, pt)
		plain, idx, err := tm.m.open(nil, Signature(mcToken, mcTS, mcNonce, raw), mcTS, mcNonce, raw)
		if idx != 0 {
			t.Fatalf("key index %d without a previous key", idx)
		}
		mcFuzzCheck(t, tm.key, raw, plain, err)
	})
}

// FuzzVerifyURL feeds arbitrary query parameters to VerifyURL, which must
// never panic, must refuse anything not signed with the token and, once
// signed, must agree with the reference decryption.
func FuzzVerifyURL(f *testing.F) {
	tm := newMCTamper(f)
	good := mcRawEncrypt(tm.key, mcPlaintext("0123456789abcdef", "1616140317555161061", mcAppID))
	f.Add(mcRefSignature(mcToken, mcTS, mcNonce, good), mcTS, mcNonce, good)
	f.Add("", "", "", "")
	f.Add("5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3", "1409659589", "263014780", "P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ==")
	f.Add("x", "1", "2", "AAAA")
	f.Fuzz(func(t *testing.T, msgSignature, timestamp, nonce, echostr string) {
		echo, err := tm.m.VerifyURL(msgSignature, timestamp, nonce, echostr)
		if err == nil && !validSignature(msgSignature, mcToken, timestamp, nonce, echostr) {
			t.Fatalf("VerifyURL accepted an unsigned echostr: %q", echo)
		}
		if err != nil && echo != "" {
			t.Fatalf("error %v with echo %q", err, echo)
		}
		echo, err = tm.m.VerifyURL(Signature(mcToken, timestamp, nonce, echostr), timestamp, nonce, echostr)
		mcFuzzCheck(t, tm.key, echostr, []byte(echo), err)
	})
}
