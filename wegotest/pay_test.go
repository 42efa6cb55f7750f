package wegotest

import (
	"bytes"
	"compress/gzip"
	"crypto/tls"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wego-sdk/wego"
)

// payPost signs fields (appid, mch_id and nonce_str added) and posts them
// to the pay endpoint at base+path, returning the raw answer.
func payPost(t *testing.T, hc *http.Client, base, path string, s *Server, fields map[string]string, signType wego.SignType) []byte {
	t.Helper()
	m := map[string]string{"appid": s.AppID, "mch_id": s.MchID, "nonce_str": randomHex(16)}
	for k, v := range fields {
		m[k] = v
	}
	if signType == wego.SignTypeHMACSHA256 {
		m["sign_type"] = string(signType)
	}
	if _, ok := m["sign"]; !ok {
		m["sign"] = wego.Sign(m, s.MchSecret, signType)
	}
	resp, err := hc.Post(base+path, "text/xml", bytes.NewReader(encodePayXML("xml", m)))
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return body
}

// payCall is payPost to the plain listener, with the answer parsed and its
// sign checked when it has one.
func payCall(t *testing.T, s *Server, path string, fields map[string]string, signType wego.SignType) map[string]string {
	t.Helper()
	a, err := parsePayXML(payPost(t, s.ts.Client(), s.URL, path, s, fields, signType))
	require.NoError(t, err)
	if sign, ok := a["sign"]; ok {
		assert.Equal(t, wego.Sign(a, s.MchSecret, signType), sign, "the fake signs its answers with the request's sign type")
	}
	return a
}

func newOrder(t *testing.T, s *Server, no string, fee string, notifyURL string) {
	t.Helper()
	a := payCall(t, s, PathUnifiedOrder, map[string]string{
		"body": "b", "out_trade_no": no, "total_fee": fee, "spbill_create_ip": "1.2.3.4",
		"notify_url": notifyURL, "trade_type": "JSAPI", "openid": "o",
	}, wego.SignTypeMD5)
	require.Equal(t, "SUCCESS", a["result_code"], a)
}

func TestPayRequestChecks(t *testing.T) {
	t.Parallel()
	s := New(t)
	order := map[string]string{"body": "b", "out_trade_no": "o1", "total_fee": "1", "spbill_create_ip": "1.2.3.4",
		"notify_url": "https://e.com/n", "trade_type": "JSAPI", "openid": "o"}
	with := func(k, v string) map[string]string {
		m := map[string]string{k: v}
		for a, b := range order {
			if a != k {
				m[a] = b
			}
		}
		return m
	}
	tests := []struct {
		name       string
		fields     map[string]string
		returnMsg  string // return_code FAIL
		errCode    string // result_code FAIL
		resultCode string
	}{
		{"valid", order, "", "", "SUCCESS"},
		{"wrong sign", with("sign", strings.Repeat("0", 32)), "签名错误", "", ""},
		{"wrong appid", with("appid", "wx0000"), "appid不存在", "", ""},
		{"wrong mch_id", with("mch_id", "1"), "商户号mch_id与appid不匹配", "", ""},
		{"unknown sign_type", with("sign_type", "SHA1"), "sign_type参数错误", "", ""},
		{"long nonce", with("nonce_str", strings.Repeat("n", 33)), "nonce_str参数错误", "", ""},
		{"missing body", with("body", ""), "", "LACK_PARAMS", "FAIL"},
		{"zero fee", with("total_fee", "0"), "", "PARAM_ERROR", "FAIL"},
		{"decimal fee", with("total_fee", "1.00"), "", "PARAM_ERROR", "FAIL"},
		{"JSAPI without openid", with("openid", ""), "", "PARAM_ERROR", "FAIL"},
		{"unknown trade_type", with("trade_type", "CASH"), "", "PARAM_ERROR", "FAIL"},
		{"relative notify_url", with("notify_url", "/n"), "", "PARAM_ERROR", "FAIL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := payCall(t, s, PathUnifiedOrder, tt.fields, wego.SignTypeMD5)
			if tt.returnMsg != "" {
				assert.Equal(t, "FAIL", a["return_code"])
				assert.Equal(t, tt.returnMsg, a["return_msg"])
				assert.NotContains(t, a, "sign", "a return_code FAIL answer is not signed")
				return
			}
			assert.Equal(t, "SUCCESS", a["return_code"])
			assert.Equal(t, tt.resultCode, a["result_code"])
			assert.Equal(t, tt.errCode, a["err_code"])
		})
	}

	resp, err := s.ts.Client().Get(s.URL + PathOrderQuery)
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Contains(t, string(body), "<return_code><![CDATA[FAIL]]>")
	resp, err = s.ts.Client().Post(s.URL+PathOrderQuery, "text/xml", strings.NewReader("<xml><a>"))
	require.NoError(t, err)
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Contains(t, string(body), "XML格式错误")
}

func TestPayHMACAnswers(t *testing.T) {
	t.Parallel()
	s := New(t)
	a := payCall(t, s, PathUnifiedOrder, map[string]string{"body": "b", "out_trade_no": "h1", "total_fee": "3",
		"spbill_create_ip": "1.2.3.4", "notify_url": "https://e.com/n", "trade_type": "NATIVE", "product_id": "p"}, wego.SignTypeHMACSHA256)
	assert.Equal(t, "SUCCESS", a["result_code"])
	assert.Len(t, a["sign"], 64)
	assert.NotEmpty(t, a["code_url"])
}

func TestOrderStateMachine(t *testing.T) {
	t.Parallel()
	s := New(t)
	var notified [][]byte
	m := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		notified = append(notified, b)
		_, _ = w.Write([]byte("<xml><return_code><![CDATA[SUCCESS]]></return_code></xml>"))
	}))
	defer m.Close()

	newOrder(t, s, "sm", "250", m.URL)
	assert.Equal(t, wego.TradeStateNotPay, s.TradeState("sm"))
	assert.Empty(t, s.TradeState("unknown"))
	require.ErrorIs(t, s.PayOrder("unknown"), ErrNoOrder)
	_, err := s.PayNotification("sm")
	require.ErrorIs(t, err, ErrNoOrder, "no notification before payment")

	require.NoError(t, s.PayOrder("sm"))
	assert.Equal(t, wego.TradeStateSuccess, s.TradeState("sm"))
	require.Len(t, notified, 1)
	n, err := parsePayXML(notified[0])
	require.NoError(t, err)
	assert.Equal(t, wego.Sign(n, s.MchSecret, wego.SignTypeMD5), n["sign"])
	assert.Equal(t, "250", n["total_fee"])
	assert.Equal(t, "sm", n["out_trade_no"])
	assert.Len(t, n["transaction_id"], 28)
	require.Error(t, s.PayOrder("sm"))

	require.NoError(t, s.ResendPayNotify("sm"))
	require.Len(t, notified, 2)
	assert.Equal(t, notified[0], notified[1], "a repeat is the same notification")

	q := payCall(t, s, PathOrderQuery, map[string]string{"transaction_id": n["transaction_id"]}, wego.SignTypeMD5)
	assert.Equal(t, "SUCCESS", q["trade_state"])
	assert.Equal(t, n["time_end"], q["time_end"])

	c := payCall(t, s, PathCloseOrder, map[string]string{"out_trade_no": "sm"}, wego.SignTypeMD5)
	assert.Equal(t, "ORDERPAID", c["err_code"])
}

func TestNotifyDeliveryFailures(t *testing.T) {
	t.Parallel()
	s := New(t)
	answers := map[string]string{
		"/fail":  "<xml><return_code><![CDATA[FAIL]]></return_code><return_msg><![CDATA[no]]></return_msg></xml>",
		"/plain": "success",
	}
	m := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/500" {
			w.WriteHeader(500)
			return
		}
		_, _ = w.Write([]byte(answers[r.URL.Path]))
	}))
	defer m.Close()
	for path, check := range map[string]func(error){
		"/fail": func(err error) {
			var rej *NotifyRejectedError
			require.ErrorAs(t, err, &rej)
			assert.Equal(t, "no", rej.ReturnMsg)
		},
		"/plain": func(err error) { require.ErrorContains(t, err, "not XML") },
		"/500":   func(err error) { require.ErrorContains(t, err, "500") },
	} {
		newOrder(t, s, "d"+path[1:], "1", m.URL+path)
		check(s.PayOrder("d" + path[1:]))
		assert.Equal(t, wego.TradeStateSuccess, s.TradeState("d"+path[1:]), "the order is paid whatever the merchant answered")
	}
}

func TestSecureListener(t *testing.T) {
	t.Parallel()
	s := New(t)
	settings := s.Settings()
	cert, err := tls.LoadX509KeyPair(settings.CertPEMPath, settings.KeyPEMPath)
	require.NoError(t, err)
	tr := s.ts.Client().Transport.(*http.Transport).Clone()
	tr.TLSClientConfig.Certificates = []tls.Certificate{cert}
	withCert := &http.Client{Transport: tr}
	defer tr.CloseIdleConnections()

	// Without the certificate: no handshake, no request.
	_, err = s.ts.Client().Post(s.PaySecureURL+PathRefund, "text/xml", strings.NewReader("<xml/>"))
	require.ErrorContains(t, err, "tls")
	assert.Zero(t, s.Requests(PathRefund))

	// With it: a WeChat answer (no such order).
	a, err := parsePayXML(payPost(t, withCert, s.PaySecureURL, PathRefund, s, map[string]string{
		"out_trade_no": "none", "out_refund_no": "r", "total_fee": "1", "refund_fee": "1"}, wego.SignTypeMD5))
	require.NoError(t, err)
	assert.Equal(t, "ORDERNOTEXIST", a["err_code"])
	assert.Equal(t, 1, s.Requests(PathRefund))

	// The other pay endpoints answer on the secure listener too.
	a, err = parsePayXML(payPost(t, withCert, s.PaySecureURL, PathOrderQuery, s, map[string]string{"out_trade_no": "none"}, wego.SignTypeMD5))
	require.NoError(t, err)
	assert.Equal(t, "ORDERNOTEXIST", a["err_code"])
}

func TestCertificateFilesRemovedOnClose(t *testing.T) {
	t.Parallel()
	s := NewServer()
	settings := s.Settings()
	_, err := os.Stat(settings.CertPEMPath)
	require.NoError(t, err)
	_, err = wego.NewClient(settings)
	require.NoError(t, err, "the files load as a pair")
	s.Close()
	_, err = os.Stat(settings.CertPEMPath)
	require.True(t, errors.Is(err, os.ErrNotExist), "Close removes the certificate files")
	_, err = os.Stat(settings.KeyPEMPath)
	require.True(t, errors.Is(err, os.ErrNotExist))
	s.Close() // twice is harmless
}

func TestCertificateFilesOfNewLiveUntilTestEnd(t *testing.T) {
	t.Parallel()
	var path string
	t.Run("inner", func(t *testing.T) {
		s := New(t)
		path = s.Settings().CertPEMPath
		s.Close()
		_, err := os.Stat(path)
		require.NoError(t, err, "a test may still build clients after closing early")
	})
	_, err := os.Stat(path)
	require.True(t, errors.Is(err, os.ErrNotExist), "removed when the test ended")
}

func TestBillGzipAndErrors(t *testing.T) {
	t.Parallel()
	s := New(t)
	m := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte("<xml><return_code>SUCCESS</return_code></xml>"))
	}))
	defer m.Close()
	newOrder(t, s, "b1", "123", m.URL)
	require.NoError(t, s.PayOrder("b1"))
	s.pay.mu.Lock()
	day := s.pay.orders["b1"].paidAt.In(chinaTime).Format("20060102")
	s.pay.mu.Unlock()

	raw := payPost(t, s.ts.Client(), s.URL, PathDownloadBill, s, map[string]string{"bill_date": day, "bill_type": "ALL", "tar_type": "GZIP"}, wego.SignTypeMD5)
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	require.NoError(t, err)
	text, err := io.ReadAll(zr)
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(string(text)), "\r\n")
	require.Len(t, lines, 4)
	assert.True(t, strings.HasPrefix(lines[0], "交易时间,公众账号ID"))
	assert.Contains(t, lines[1], "`b1,")
	assert.Contains(t, lines[1], "`1.23,")
	assert.Equal(t, "`1,`1.23,`0.00,`0.00,`0.00738,`1.23,`0.00", lines[3])

	for fields, code := range map[string]string{"20200230": "20001", "20000101": "20002"} {
		a, err := parsePayXML(payPost(t, s.ts.Client(), s.URL, PathDownloadBill, s, map[string]string{"bill_date": fields}, wego.SignTypeMD5))
		require.NoError(t, err)
		assert.Equal(t, "FAIL", a["return_code"])
		assert.Equal(t, code, a["error_code"])
	}
}

func TestDecimal(t *testing.T) {
	t.Parallel()
	for v, want := range map[int64]string{0: "0.00", 1: "0.01", 99: "0.99", 100: "1.00", 12345: "123.45", -5: "-0.05"} {
		assert.Equal(t, want, yuan(v))
	}
	assert.Equal(t, "0.00006", feeYuan(6))
	assert.Equal(t, "-1.00000", feeYuan(-100000))
}

func TestEncryptReqInfoRoundTrip(t *testing.T) {
	t.Parallel()
	const key = "192006250b4c09247ec02edce69f6a2d"
	for _, plain := range []string{"", "<root></root>", strings.Repeat("x", 16), "中文<root><a>1</a></root>"} {
		got, err := wego.DecryptRefundReqInfo(encryptReqInfo([]byte(plain), key), key)
		require.NoError(t, err)
		assert.Equal(t, plain, string(got))
	}
}
