package wego

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"slices"
	"strings"
	"sync"
)

// Sign returns the WeChat Pay v2 signature of params under the API key key
// (安全规范, 签名算法): the parameters with a non-empty value, except sign,
// sorted by name in byte order and joined as "k1=v1&k2=v2", then "&key=" and
// the key appended, hashed with MD5 or HMAC-SHA256 (keyed with key) and
// written as upper-case hex. An unknown signType gives "", which verifies
// nothing.
//
// WeChat docs: https://pay.weixin.qq.com/wiki/doc/api/jsapi.php?chapter=4_3
func Sign(params map[string]string, key string, signType SignType) string {
	ps := getPayFields()
	for k, v := range params {
		if v != "" && k != "sign" {
			*ps = append(*ps, payField{k, v})
		}
	}
	slices.SortFunc(*ps, comparePayFields)
	var sum [sha256.Size * 2]byte
	n := signSorted(&sum, *ps, key, signType)
	putPayFields(ps)
	return string(sum[:n])
}

// MakeSign signs params with the merchant's API key (Settings.MchSecret)
// and the merchant's signature algorithm (Settings.PaySignType, MD5 unless
// set), as Python wego's make_sign. Use it to sign parameters the SDK does not
// send for you; requests sent through the SDK are signed already. On a
// Client without Settings.MchSecret it returns "", which verifies nothing.
//
// WeChat docs: https://pay.weixin.qq.com/wiki/doc/api/jsapi.php?chapter=4_3
func (c *Client) MakeSign(params map[string]string) string {
	if c.s.MchSecret == "" {
		return ""
	}
	return Sign(params, c.s.MchSecret, c.s.PaySignType)
}

// payField is one parameter of a signed message.
type payField struct{ k, v string }

func comparePayFields(a, b payField) int { return strings.Compare(a.k, b.k) }

// signPairPool and signBufPool keep the scratch space of signing: a sign runs on
// every pay request and notification, and needs no garbage.
var (
	signPairPool = sync.Pool{New: func() any { s := make([]payField, 0, 32); return &s }}
	signBufPool  = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}
)

func getPayFields() *[]payField { return signPairPool.Get().(*[]payField) }

func putPayFields(ps *[]payField) {
	clear(*ps) // drop references to the strings
	*ps = (*ps)[:0]
	signPairPool.Put(ps)
}

// signSorted writes the upper-case hex signature of pairs, which are sorted
// by name and hold only non-empty values other than sign, into dst and
// returns its length (0 for an unknown signType).
func signSorted(dst *[sha256.Size * 2]byte, pairs []payField, key string, signType SignType) int {
	bp := signBufPool.Get().(*[]byte)
	b := (*bp)[:0]
	for _, p := range pairs {
		b = append(b, p.k...)
		b = append(b, '=')
		b = append(b, p.v...)
		b = append(b, '&')
	}
	b = append(b, "key="...)
	b = append(b, key...)
	var n int
	switch signType {
	case SignTypeMD5:
		sum := md5.Sum(b)
		n = upperHex(dst[:], sum[:])
	case SignTypeHMACSHA256:
		m := hmac.New(sha256.New, []byte(key))
		m.Write(b)
		var sum [sha256.Size]byte
		n = upperHex(dst[:], m.Sum(sum[:0]))
	}
	clear(b) // the buffer held the API key
	*bp = b[:0]
	signBufPool.Put(bp)
	return n
}

// upperHex writes src as upper-case hex into dst and returns the length.
func upperHex(dst, src []byte) int {
	const digits = "0123456789ABCDEF"
	for i, c := range src {
		dst[2*i] = digits[c>>4]
		dst[2*i+1] = digits[c&0x0f]
	}
	return 2 * len(src)
}

// paySignMatches reports in constant time whether got, as received from
// WeChat, is the signature computed into want. Hex digits are compared
// without regard to case.
func paySignMatches(want []byte, got string) bool {
	if len(want) == 0 || len(got) != len(want) {
		return false
	}
	var up [sha256.Size * 2]byte
	for i := 0; i < len(got); i++ {
		c := got[i]
		if 'a' <= c && c <= 'f' {
			c -= 'a' - 'A'
		}
		up[i] = c
	}
	return subtle.ConstantTimeCompare(want, up[:len(got)]) == 1
}

// payNonceAlphabet is what nonce_str is drawn from (WeChat allows up to 32
// letters and digits).
const payNonceAlphabet = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"

// payNonce returns 32 letters and digits drawn uniformly with crypto/rand.
func payNonce() string {
	var out [32]byte
	var buf [64]byte
	n := 0
	for n < len(out) {
		_, _ = rand.Read(buf[:]) // never fails (crypto/rand panics rather)
		for _, c := range buf {
			if c >= 248 { // 248 = 4·62: reject to stay uniform
				continue
			}
			out[n] = payNonceAlphabet[int(c)%len(payNonceAlphabet)]
			n++
			if n == len(out) {
				break
			}
		}
	}
	return string(out[:])
}
