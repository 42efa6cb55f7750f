package wego

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"sync"

	"github.com/wego-sdk/wego/internal/xmlscan"
)

// Reasons for ErrMalformedMessage, built once: a flood of forged pushes
// makes no garbage.
var (
	errNoEncrypt      = fmt.Errorf("%w: no Encrypt element", ErrMalformedMessage)
	errBase64         = fmt.Errorf("%w: Encrypt is not valid base64", ErrMalformedMessage)
	errCipherLength   = fmt.Errorf("%w: ciphertext length is not a positive multiple of the AES block size", ErrMalformedMessage)
	errPadding        = fmt.Errorf("%w: bad PKCS#7 padding", ErrMalformedMessage)
	errTooShort       = fmt.Errorf("%w: decrypted message shorter than its header", ErrMalformedMessage)
	errLengthPrefix   = fmt.Errorf("%w: message length prefix beyond the decrypted data", ErrMalformedMessage)
	errBadSignature   = fmt.Errorf("%w: msg_signature does not match", ErrInvalidSignature)
	errBadTimestamp   = fmt.Errorf("%w: timestamp must be decimal digits", ErrMalformedMessage)
	errBadNonce       = fmt.Errorf("%w: nonce must be printable ASCII without XML markup characters", ErrMalformedMessage)
	errReplyTooLarge  = fmt.Errorf("%w: reply too large to encrypt", ErrMalformedMessage)
	errUnknownKeySlot = errors.New("wego: no such AES key slot")
)

const (
	encodingAESKeyLen = 43
	msgRandomLen      = 16 // random bytes that start every plaintext
	msgHeaderLen      = msgRandomLen + 4
	msgPadBlock       = 32 // WeChat pads to a multiple of 32 bytes, not of the AES block
	signatureHexLen   = 2 * sha1.Size
	maxKeys           = 2
)

// MsgCrypt encrypts and decrypts the messages WeChat exchanges with a server
// in safe mode (安全模式), WeChat's WXBizMsgCrypt scheme: AES-256-CBC keyed by
// the EncodingAESKey, with a SHA-1 signature over the token, timestamp, nonce
// and ciphertext.
//
// Create one with [NewMsgCrypt] per account and share it: a MsgCrypt is
// immutable and safe for concurrent use, and expands its AES keys once.
type MsgCrypt struct {
	token string
	appID string
	keys  [maxKeys]msgKey
	nkeys int
	// random supplies the 16 random bytes that start each plaintext.
	// crypto/rand by default; tests fix it to check WeChat's vectors.
	random io.Reader
}

// msgKey is one expanded EncodingAESKey.
type msgKey struct {
	block cipher.Block
	iv    [aes.BlockSize]byte // the first 16 bytes of the key, as WeChat does
}

// MsgCryptOption configures [NewMsgCrypt].
type MsgCryptOption func(*msgCryptOptions) error

type msgCryptOptions struct {
	previous string
}

// WithPreviousAESKey lets a [MsgCrypt] also read messages encrypted with the
// EncodingAESKey used before the current one, as WeChat asks of servers
// while a new key takes effect: a message the current key cannot decrypt is
// tried with the previous key, and the reply is encrypted with the key that
// worked. An empty or invalid key makes NewMsgCrypt fail; a key equal to the
// current one is ignored.
func WithPreviousAESKey(encodingAESKey string) MsgCryptOption {
	return func(o *msgCryptOptions) error {
		if encodingAESKey == "" {
			return fmt.Errorf("%w: previous key is empty", ErrInvalidAESKey)
		}
		o.previous = encodingAESKey
		return nil
	}
}

// NewMsgCrypt returns a [MsgCrypt] for the account appID, with the token and
// the EncodingAESKey set in the server configuration (服务器配置) of the
// account. It fails with an error wrapping [ErrMissingParameter] when token
// or appID is empty, and wrapping [ErrInvalidAESKey] when the key is not 43
// characters of base64.
func NewMsgCrypt(token, encodingAESKey, appID string, opts ...MsgCryptOption) (*MsgCrypt, error) {
	if token == "" {
		return nil, missing("token")
	}
	if appID == "" {
		return nil, missing("appID")
	}
	var o msgCryptOptions
	for i, opt := range opts {
		if opt == nil {
			return nil, fmt.Errorf("%w: MsgCryptOption %d is nil", ErrMissingParameter, i)
		}
		if err := opt(&o); err != nil {
			return nil, err
		}
	}
	m := &MsgCrypt{token: token, appID: appID, random: rand.Reader}
	if err := m.keys[0].load(encodingAESKey, "key"); err != nil {
		return nil, err
	}
	m.nkeys = 1
	if o.previous != "" && o.previous != encodingAESKey {
		if err := m.keys[1].load(o.previous, "previous key"); err != nil {
			return nil, err
		}
		m.nkeys = 2
	}
	return m, nil
}

// load decodes and expands an EncodingAESKey: base64 of the 43 characters
// plus "=" gives the 32-byte AES-256 key, whose first 16 bytes are the IV.
// what names the key in error texts.
func (k *msgKey) load(encodingAESKey, what string) error {
	if len(encodingAESKey) != encodingAESKeyLen {
		return fmt.Errorf("%w: %s must be %d characters, not %d", ErrInvalidAESKey, what, encodingAESKeyLen, len(encodingAESKey))
	}
	var buf [64]byte
	src := append(buf[:0], encodingAESKey...)
	src = append(src, '=')
	var key [33]byte
	n, err := base64.StdEncoding.Decode(key[:], src)
	if err != nil || n != 32 {
		return fmt.Errorf("%w: %s is not base64 of 32 bytes", ErrInvalidAESKey, what)
	}
	block, err := aes.NewCipher(key[:32])
	if err != nil {
		return fmt.Errorf("%w: %s: %w", ErrInvalidAESKey, what, err)
	}
	k.block = block
	copy(k.iv[:], key[:aes.BlockSize])
	clear(key[:])
	clear(buf[:])
	return nil
}

// cryptDocPool holds the documents used to read encrypted envelopes.
var cryptDocPool = sync.Pool{New: func() any { return new(xmlscan.Doc) }}

// Decrypt verifies and decrypts a message WeChat pushed in safe mode.
// postBody is the whole POST body (the <xml> envelope with an <Encrypt>
// element, possibly beside plaintext fields in compatibility mode);
// msgSignature, timestamp and nonce are the msg_signature, timestamp and
// nonce query parameters. It returns the inner plaintext XML.
//
// The signature is checked before anything is decrypted; a mismatch gives
// an error wrapping [ErrInvalidSignature]. A message for another account
// gives [ErrAppIDMismatch], and anything unreadable an error wrapping
// [ErrMalformedMessage]. Decrypt does not check the timestamp against the
// clock, and reads a body of any size: limit it before.
func (m *MsgCrypt) Decrypt(msgSignature, timestamp, nonce string, postBody []byte) ([]byte, error) {
	d := cryptDocPool.Get().(*xmlscan.Doc)
	defer func() {
		d.Reset() // do not keep the message in the pool
		cryptDocPool.Put(d)
	}()
	if err := d.Parse(postBody); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformedMessage, err)
	}
	encrypt, ok := d.Lookup("Encrypt")
	if !ok {
		return nil, errNoEncrypt
	}
	plain, _, err := m.open(nil, msgSignature, timestamp, nonce, encrypt)
	return plain, err
}

// Encrypt encrypts a passive reply with the current key and returns the
// whole reply body WeChat expects in safe mode:
//
//	<xml>
//	<Encrypt><![CDATA[...]]></Encrypt>
//	<MsgSignature><![CDATA[...]]></MsgSignature>
//	<TimeStamp>...</TimeStamp>
//	<Nonce><![CDATA[...]]></Nonce>
//	</xml>
//
// timestamp and nonce are normally those of the request being answered.
// The timestamp must be decimal digits and the nonce printable ASCII
// without XML markup characters (< > & ] " '), as WeChat sends them;
// otherwise the error wraps [ErrMalformedMessage].
func (m *MsgCrypt) Encrypt(plainReplyXML []byte, timestamp, nonce string) ([]byte, error) {
	reply, err := m.seal(nil, plainReplyXML, timestamp, nonce, 0)
	if err != nil {
		return nil, err
	}
	return reply, nil
}

// VerifyURL answers the URL verification of safe mode where echostr is
// encrypted (WeCom and third-party platforms): it checks msgSignature over
// the token, timestamp, nonce and echostr, decrypts echostr and returns the
// plaintext to write back. Errors are those of [MsgCrypt.Decrypt].
//
// Official Accounts verify URLs in plain mode even when safe mode is on:
// they send a 3-part signature and a plaintext echostr, to be answered as
// is when [Signature](token, timestamp, nonce) matches.
func (m *MsgCrypt) VerifyURL(msgSignature, timestamp, nonce, echostr string) (string, error) {
	plain, _, err := m.open(nil, msgSignature, timestamp, nonce, echostr)
	if err != nil {
		return "", err
	}
	return string(plain), nil
}

// open verifies msgSignature over the token, timestamp, nonce and encrypt
// (the base64 content of the Encrypt element, or an encrypted echostr),
// then decrypts encrypt with the current key and, if that fails and a
// previous key is set, with the previous key. keyIndex tells which key
// worked: 0 current, 1 previous; pass it to seal to answer with that key.
//
// The ciphertext is decoded and decrypted in place in dst's backing array
// when cap(dst) >= base64.StdEncoding.DecodedLen(len(encrypt)), else in a
// new array. plain is a slice of that array, capacity-capped; it belongs to
// the caller, and MsgCrypt keeps no reference to it. A caller pooling dst
// must be done with plain before reusing dst (xmlscan.Doc.Parse copies what
// it keeps, so dst can go back to the pool right after parsing).
func (m *MsgCrypt) open(dst []byte, msgSignature, timestamp, nonce, encrypt string) (plain []byte, keyIndex int, err error) {
	if !validSignature(msgSignature, m.token, timestamp, nonce, encrypt) {
		return nil, 0, errBadSignature
	}
	buf := dst[:0]
	if n := base64.StdEncoding.DecodedLen(len(encrypt)); cap(buf) < n {
		buf = make([]byte, 0, n)
	}
	ct, err := decodeCiphertext(buf, encrypt)
	if err != nil {
		return nil, 0, err
	}
	plain, curErr := m.keys[0].decrypt(ct, m.appID)
	if curErr == nil || m.nkeys == 1 {
		return plain, 0, curErr
	}
	// Decrypting happened in place: decode the ciphertext again.
	if ct, err = decodeCiphertext(buf, encrypt); err != nil {
		return nil, 0, err
	}
	plain, prevErr := m.keys[1].decrypt(ct, m.appID)
	if prevErr == nil {
		return plain, 1, nil
	}
	if errors.Is(prevErr, ErrAppIDMismatch) {
		// Only a key that decrypts to a well-formed message gets this
		// far: report what that message said.
		return nil, 0, prevErr
	}
	return nil, 0, curErr
}

// decodeCiphertext decodes encrypt into buf (which has room for it) and
// checks that it is whole AES blocks.
func decodeCiphertext(buf []byte, encrypt string) ([]byte, error) {
	n, err := base64.StdEncoding.Decode(buf[:cap(buf)], []byte(encrypt))
	if err != nil {
		return nil, errBase64
	}
	if n == 0 || n%aes.BlockSize != 0 {
		return nil, errCipherLength
	}
	return buf[:n], nil
}

// decrypt decrypts ct in place and returns the message it carries, after
// checking the padding, the length prefix and the appID at the end.
func (k *msgKey) decrypt(ct []byte, appID string) ([]byte, error) {
	bs := aes.BlockSize
	// CBC from the last block backwards, so that each block's predecessor
	// is still ciphertext when it is XORed in: no copy, no allocation.
	for i := len(ct) - bs; i >= 0; i -= bs {
		b := ct[i : i+bs]
		k.block.Decrypt(b, b)
		if i == 0 {
			subtle.XORBytes(b, b, k.iv[:])
		} else {
			subtle.XORBytes(b, b, ct[i-bs:i])
		}
	}
	pad, ok := pkcs7Padding(ct)
	if !ok {
		return nil, errPadding
	}
	body := ct[:len(ct)-pad]
	if len(body) < msgHeaderLen {
		return nil, errTooShort
	}
	n := binary.BigEndian.Uint32(body[msgRandomLen:msgHeaderLen])
	if uint64(n) > uint64(len(body)-msgHeaderLen) {
		return nil, errLengthPrefix
	}
	end := msgHeaderLen + int(n)
	if string(body[end:]) != appID {
		return nil, ErrAppIDMismatch
	}
	return body[msgHeaderLen:end:end], nil
}

// pkcs7Padding returns the padding length at the end of b and whether it is
// valid PKCS#7 padding of 1 to 32 bytes. It reads the same bytes whatever
// their values, without branching on them.
func pkcs7Padding(b []byte) (int, bool) {
	n := len(b)
	if n == 0 {
		return 0, false
	}
	pad := int(b[n-1])
	limit := min(n, msgPadBlock)
	good := subtle.ConstantTimeLessOrEq(1, pad) & subtle.ConstantTimeLessOrEq(pad, limit)
	for i := 1; i <= limit; i++ {
		inPad := subtle.ConstantTimeLessOrEq(i, pad)
		same := subtle.ConstantTimeByteEq(b[n-i], byte(pad))
		good &= subtle.ConstantTimeSelect(inPad, same, 1)
	}
	return pad, good == 1
}

// Fixed parts of the encrypted reply, laid out as WeChat's sample code
// writes it.
const (
	sealHead      = "<xml>\n<Encrypt><![CDATA["
	sealSignature = "]]></Encrypt>\n<MsgSignature><![CDATA["
	sealTimestamp = "]]></MsgSignature>\n<TimeStamp>"
	sealNonce     = "</TimeStamp>\n<Nonce><![CDATA["
	sealTail      = "]]></Nonce>\n</xml>"
	sealFixedLen  = len(sealHead) + len(sealSignature) + signatureHexLen + len(sealTimestamp) + len(sealNonce) + len(sealTail)
)

// seal encrypts plain with key keyIndex (0 current, 1 previous: the index
// open returned for the request being answered) and appends the whole
// encrypted reply envelope to dst, returning the extended buffer.
//
// The plaintext is assembled and encrypted in dst's spare capacity beyond
// the envelope, so with a large enough dst (pooled by the caller) seal does
// not allocate; the bytes past len of the result hold only ciphertext.
// seal keeps no reference to dst or plain. On error it returns dst with
// its original length, so that a pooled buffer is not lost.
func (m *MsgCrypt) seal(dst, plain []byte, timestamp, nonce string, keyIndex int) ([]byte, error) {
	switch {
	case keyIndex < 0 || keyIndex >= m.nkeys:
		return dst, errUnknownKeySlot
	case timestamp == "":
		return dst, missing("timestamp")
	case nonce == "":
		return dst, missing("nonce")
	case !isDigits(timestamp):
		return dst, errBadTimestamp
	case !isPlainToken(nonce):
		return dst, errBadNonce
	case len(plain) > math.MaxInt32-len(m.appID)-2*msgPadBlock:
		return dst, errReplyTooLarge
	}
	size := msgHeaderLen + len(plain) + len(m.appID)
	pad := msgPadBlock - size%msgPadBlock
	size += pad
	envLen := sealFixedLen + base64.StdEncoding.EncodedLen(size) + len(timestamp) + len(nonce)

	start := len(dst)
	dst = slices.Grow(dst, envLen+size)
	// The plaintext goes after the room of the envelope, so that encoding
	// the ciphertext into the envelope cannot overwrite it.
	pt := dst[start+envLen : start+envLen+size]
	if _, err := io.ReadFull(m.random, pt[:msgRandomLen]); err != nil {
		return dst[:start], fmt.Errorf("wego: reading random bytes: %w", err)
	}
	binary.BigEndian.PutUint32(pt[msgRandomLen:msgHeaderLen], uint32(len(plain)))
	copy(pt[msgHeaderLen:], plain)
	copy(pt[msgHeaderLen+len(plain):], m.appID)
	for i := size - pad; i < size; i++ {
		pt[i] = byte(pad)
	}
	k := &m.keys[keyIndex]
	prev := k.iv[:]
	for i := 0; i < size; i += aes.BlockSize {
		b := pt[i : i+aes.BlockSize]
		subtle.XORBytes(b, b, prev)
		k.block.Encrypt(b, b)
		prev = b
	}

	dst = append(dst, sealHead...)
	encStart := len(dst)
	dst = base64.StdEncoding.AppendEncode(dst, pt)
	var sig [signatureHexLen]byte
	sum := sortedSHA1([]string{m.token, timestamp, nonce}, dst[encStart:], true)
	hex.Encode(sig[:], sum[:])
	dst = append(dst, sealSignature...)
	dst = append(dst, sig[:]...)
	dst = append(dst, sealTimestamp...)
	dst = append(dst, timestamp...)
	dst = append(dst, sealNonce...)
	dst = append(dst, nonce...)
	dst = append(dst, sealTail...)
	return dst, nil
}

// isDigits reports whether s is non-empty decimal digits.
func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// isPlainToken reports whether s is non-empty printable ASCII without the
// characters that mean something in XML, so that it can be written as is.
func isPlainToken(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c <= ' ' || c >= 0x7f:
			return false
		case c == '<' || c == '>' || c == '&' || c == ']' || c == '"' || c == '\'':
			return false
		}
	}
	return s != ""
}

// Signature returns WeChat's signature of parts: the lowercase hex SHA-1 of
// their concatenation in bytewise (lexicographic) order. In plain mode the
// parts are the token, timestamp and nonce of a push or a URL
// verification, and the result is its signature parameter; in safe mode
// the encrypted message is a fourth part, giving msg_signature.
//
// Compare the result with the received signature in constant time
// (crypto/subtle.ConstantTimeCompare), not with ==.
func Signature(parts ...string) string {
	sum := sortedSHA1(parts, nil, false)
	var out [signatureHexLen]byte
	hex.Encode(out[:], sum[:])
	return string(out[:])
}

// validSignature reports, in constant time, whether signature is the
// lowercase hex [Signature] of parts. The push layer uses it for the plain
// signature parameter.
func validSignature(signature string, parts ...string) bool {
	if len(signature) != signatureHexLen {
		return false
	}
	sum := sortedSHA1(parts, nil, false)
	var want, got [signatureHexLen]byte
	hex.Encode(want[:], sum[:])
	copy(got[:], signature)
	return subtle.ConstantTimeCompare(want[:], got[:]) == 1
}

// sortedSHA1 returns the SHA-1 of parts, plus extra when withExtra,
// concatenated in bytewise order. It does not allocate for up to eight
// parts: strings are streamed through a stack buffer instead of being
// converted to byte slices.
func sortedSHA1(parts []string, extra []byte, withExtra bool) [sha1.Size]byte {
	var arr [8]string
	sorted := arr[:0]
	if len(parts) > len(arr) {
		sorted = make([]string, 0, len(parts))
	}
	sorted = append(sorted, parts...)
	slices.Sort(sorted)
	h := sha1.New()
	var buf [256]byte
	n := 0
	for i := 0; i <= len(sorted); i++ {
		if withExtra && (i == len(sorted) || string(extra) < sorted[i]) {
			h.Write(buf[:n])
			n = 0
			h.Write(extra)
			withExtra = false
		}
		if i == len(sorted) {
			break
		}
		for s := sorted[i]; s != ""; {
			c := copy(buf[n:], s)
			n += c
			s = s[c:]
			if n == len(buf) {
				h.Write(buf[:])
				n = 0
			}
		}
	}
	h.Write(buf[:n])
	var sum [sha1.Size]byte
	h.Sum(sum[:0])
	return sum
}
