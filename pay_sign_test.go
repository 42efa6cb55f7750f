package wego_test

import (
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wego-sdk/wego"
)

// payVector is a pay entry of testdata/vectors/vectors.json (WeChat's
// published values and some derived from them; see its README).
type payVector struct {
	ID             string            `json:"id"`
	Kind           string            `json:"kind"`
	Official       bool              `json:"official"`
	Key            string            `json:"key"`
	SignType       string            `json:"sign_type"`
	Params         map[string]string `json:"params"`
	ExpectedSign   string            `json:"expected_sign"`
	AppID          string            `json:"appid"`
	MchID          string            `json:"mch_id"`
	ReqInfo        string            `json:"req_info"`
	Plaintext      string            `json:"plaintext"`
	ExpectedFields map[string]string `json:"expected_fields"`
	XMLFile        string            `json:"xml_file"`
	ExpectValid    bool              `json:"expect_valid"`
}

func payVectors(t *testing.T, kind string) []payVector {
	t.Helper()
	raw, err := os.ReadFile("testdata/vectors/vectors.json")
	require.NoError(t, err)
	var file struct {
		Vectors []payVector `json:"vectors"`
	}
	require.NoError(t, json.Unmarshal(raw, &file))
	var out []payVector
	for _, v := range file.Vectors {
		if v.Kind == kind {
			out = append(out, v)
		}
	}
	require.NotEmpty(t, out, "no vectors of kind %s", kind)
	return out
}

func TestSignVectors(t *testing.T) {
	t.Parallel()
	vs := append(payVectors(t, "pay_sign"), payVectors(t, "jsapi_paysign")...)
	var official int
	for _, v := range vs {
		t.Run(v.ID, func(t *testing.T) {
			t.Parallel()
			require.NotEmpty(t, v.ExpectedSign)
			assert.Equal(t, v.ExpectedSign, wego.Sign(v.Params, v.Key, wego.SignType(v.SignType)))
		})
		if v.Official {
			official++
		}
	}
	assert.Equal(t, 2, official, "the doc's MD5 and HMAC-SHA256 examples are among the vectors")
}

func TestSignRules(t *testing.T) {
	t.Parallel()
	const key = "192006250b4c09247ec02edce69f6a2d"
	base := map[string]string{"appid": "wxd930ea5d5a258f4f", "mch_id": "10000100", "device_info": "1000", "body": "test", "nonce_str": "ibuaiVcKdpRxkhJA"}
	want := "9A0A8659F005D6984697E2CA0A9CF3B7" // the doc's example
	with := func(k, v string) map[string]string {
		m := map[string]string{k: v}
		for a, b := range base {
			m[a] = b
		}
		return m
	}
	tests := []struct {
		name   string
		params map[string]string
		same   bool
	}{
		{"doc example", base, true},
		{"empty value skipped", with("attach", ""), true},
		{"sign skipped", with("sign", "ANYTHING"), true},
		{"non-empty value counts", with("attach", "x"), false},
		{"names are case-sensitive", with("Sign", "x"), false},
		{"a space is a value", with("attach", " "), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := wego.Sign(tt.params, key, wego.SignTypeMD5)
			if tt.same {
				assert.Equal(t, want, got)
			} else {
				assert.NotEqual(t, want, got)
				assert.Len(t, got, 32)
			}
		})
	}
	// Byte order, not locale order: upper-case sorts before lower-case.
	m := map[string]string{"b": "1", "B": "2", "a": "3"}
	assert.Equal(t, upperMD5("B=2&a=3&b=1&key=k"), wego.Sign(m, "k", wego.SignTypeMD5))
	assert.Empty(t, wego.Sign(base, key, "SHA1"), "an unknown sign type signs nothing")
	assert.Len(t, wego.Sign(base, key, wego.SignTypeHMACSHA256), 64)
}

func upperMD5(s string) string {
	sum := md5.Sum([]byte(s))
	return strings.ToUpper(hex.EncodeToString(sum[:]))
}

func TestMakeSignUsesMerchantSettings(t *testing.T) {
	t.Parallel()
	params := map[string]string{"test1": "test1", "test2": "test2"}
	for _, tt := range []struct {
		signType wego.SignType
		want     string
	}{
		{"", "1E3A8D73B5A4AEE787C0F68B5DAB8520"}, // MD5 by default, as in Python wego
		{wego.SignTypeMD5, "1E3A8D73B5A4AEE787C0F68B5DAB8520"},
		{wego.SignTypeHMACSHA256, "EDAC6D70D2FDF5A2382F8204FC96A1918017E46ACC5297F565ED1A7610ACF659"},
	} {
		c, err := wego.NewClient(wego.Settings{AppID: "wx1", AppSecret: "s", MchID: "10000100",
			MchSecret: "192006250b4c09247ec02edce69f6a2d", PaySignType: tt.signType})
		require.NoError(t, err)
		assert.Equal(t, tt.want, c.MakeSign(params), string(tt.signType))
	}
	noPay, err := wego.NewClient(wego.Settings{AppID: "wx1", AppSecret: "s"})
	require.NoError(t, err)
	assert.Empty(t, noPay.MakeSign(params), "no API key, no sign")
}

// order12 is a unified order of 12 signed fields, as sent for a JSAPI payment.
func order12() map[string]string {
	return map[string]string{
		"appid": "wx2421b1c4370ec43b", "mch_id": "10000100", "nonce_str": "1add1a30ac87aa2db72f57a2375d8fec",
		"body": "JSAPI支付测试", "out_trade_no": "1415659990", "total_fee": "1",
		"spbill_create_ip": "14.23.150.211", "notify_url": "http://wxpay.wxutil.com/pub_v2/pay/notify.v2.php",
		"trade_type": "JSAPI", "openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o", "attach": "支付测试",
		"device_info": "1000",
	}
}

var sink string

func BenchmarkSignMD5(b *testing.B) {
	params := order12()
	b.ReportAllocs()
	for range b.N {
		sink = wego.Sign(params, "192006250b4c09247ec02edce69f6a2d", wego.SignTypeMD5)
	}
}

// BenchmarkSignMD5Baseline is the least a signature costs: the keys sorted
// in a stack array, the string built in a stack buffer, MD5, hex: one
// allocation, for the result. BenchmarkSignMD5 is held to 1.5× of it.
func BenchmarkSignMD5Baseline(b *testing.B) {
	params := order12()
	const key = "192006250b4c09247ec02edce69f6a2d"
	b.ReportAllocs()
	for range b.N {
		var keyArr [16]string
		keys := keyArr[:0]
		for k, v := range params {
			if v != "" && k != "sign" {
				keys = append(keys, k)
			}
		}
		slices.Sort(keys)
		var buf [1024]byte
		s := buf[:0]
		for _, k := range keys {
			s = append(s, k...)
			s = append(s, '=')
			s = append(s, params[k]...)
			s = append(s, '&')
		}
		s = append(s, "key="...)
		s = append(s, key...)
		sum := md5.Sum(s)
		var h [32]byte
		hex.Encode(h[:], sum[:])
		for i, c := range h {
			if c >= 'a' {
				h[i] = c - 'a' + 'A'
			}
		}
		sink = string(h[:])
	}
}

func BenchmarkSignHMACSHA256(b *testing.B) {
	params := order12()
	b.ReportAllocs()
	for range b.N {
		sink = wego.Sign(params, "192006250b4c09247ec02edce69f6a2d", wego.SignTypeHMACSHA256)
	}
}
