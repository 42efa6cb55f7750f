package wego_test

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wego-sdk/wego"
	"github.com/wego-sdk/wego/wegotest"
)

// The merchant of the pay doc's examples and of the notification vectors.
const (
	docAppID = "wx2421b1c4370ec43b"
	docMchID = "10000100"
	docKey   = "192006250b4c09247ec02edce69f6a2d"
)

func docClient(t testing.TB, edit ...func(*wego.Settings)) *wego.Client {
	t.Helper()
	s := wego.Settings{AppID: docAppID, AppSecret: "secret", MchID: docMchID, MchSecret: docKey}
	for _, e := range edit {
		e(&s)
	}
	c, err := wego.NewClient(s)
	require.NoError(t, err)
	return c
}

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/pay/" + name)
	require.NoError(t, err)
	return b
}

func notifyRequest(body []byte) *http.Request {
	return httptest.NewRequest(http.MethodPost, "/pay/notify", bytes.NewReader(body))
}

func TestParsePayNotifyVectors(t *testing.T) {
	t.Parallel()
	for _, v := range payVectors(t, "pay_notify") {
		t.Run(v.ID, func(t *testing.T) {
			t.Parallel()
			c := docClient(t)
			n, err := c.ParsePayNotify(notifyRequest(readFixture(t, strings.TrimPrefix(v.XMLFile, "pay/"))))
			if !v.ExpectValid {
				require.ErrorIs(t, err, wego.ErrInvalidSignature)
				assert.Nil(t, n)
				assert.NotContains(t, err.Error(), "F3F481B7", "the sign never appears in errors")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, "1409811653", n.OutTradeNo)
			assert.Equal(t, "1004400740201409030005092168", n.TransactionID)
			assert.Equal(t, int64(1), n.TotalFee)
			assert.Equal(t, int64(10), n.CouponFee)
			assert.Equal(t, wego.TradeTypeJSAPI, n.TradeType)
			assert.Equal(t, "支付测试", n.Attach)
			assert.Equal(t, time.Date(2014, 9, 3, 13, 15, 40, 0, time.FixedZone("CST", 8*3600)).Unix(), n.TimeEnd.Unix())
			assert.True(t, n.Paid())
			assert.Equal(t, "CASH", n.Get("coupon_type"), "fields without a typed name are there too")
			assert.Equal(t, "10000", n.Get("coupon_id"))
			assert.Empty(t, n.Get("no_such_field"))
			assert.Equal(t, wego.SignType(v.SignTypeOrDefault()), n.SignType)
		})
	}
}

// SignTypeOrDefault is the sign type a vector names, MD5 when it names none.
func (v payVector) SignTypeOrDefault() string {
	if v.SignType == "" && strings.Contains(v.XMLFile, "hmac") {
		return "HMAC-SHA256"
	}
	if v.SignType == "" {
		return "MD5"
	}
	return v.SignType
}

// signedNotify builds a notification signed with key; edit changes the
// fields before signing, after changes them after.
func signedNotify(key string, signType wego.SignType, edit, after func(map[string]string)) []byte {
	m := map[string]string{
		"appid": docAppID, "mch_id": docMchID, "nonce_str": "5d2b6c2a8db53831f7eda20af46e531c",
		"return_code": "SUCCESS", "result_code": "SUCCESS", "openid": "oUpF8uMEb4qRXf22hE3X68TekukE",
		"is_subscribe": "Y", "trade_type": "JSAPI", "bank_type": "CFT", "total_fee": "100", "fee_type": "CNY",
		"cash_fee": "100", "transaction_id": "1004400740201409030005092168", "out_trade_no": "1409811653",
		"time_end": "20140903131540",
	}
	if edit != nil {
		edit(m)
	}
	m["sign"] = wego.Sign(m, key, signType)
	if after != nil {
		after(m)
	}
	var b strings.Builder
	b.WriteString("<xml>")
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		b.WriteString("<" + k + "><![CDATA[" + m[k] + "]]></" + k + ">")
	}
	b.WriteString("</xml>")
	return []byte(b.String())
}

func TestParsePayNotifyRejects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		settings func(*wego.Settings)
		body     []byte
		want     error
	}{
		{"wrong sign", nil, signedNotify(docKey, wego.SignTypeMD5, nil, func(m map[string]string) { m["sign"] = strings.Repeat("A", 32) }), wego.ErrInvalidSignature},
		{"signed with another key", nil, signedNotify("0123456789abcdef0123456789abcdef", wego.SignTypeMD5, nil, nil), wego.ErrInvalidSignature},
		{"no sign", nil, signedNotify(docKey, wego.SignTypeMD5, nil, func(m map[string]string) { delete(m, "sign") }), wego.ErrInvalidSignature},
		{"tampered total_fee", nil, signedNotify(docKey, wego.SignTypeMD5, nil, func(m map[string]string) { m["total_fee"] = "1" }), wego.ErrInvalidSignature},
		{"field added after signing", nil, signedNotify(docKey, wego.SignTypeMD5, nil, func(m map[string]string) { m["attach"] = "x" }), wego.ErrInvalidSignature},
		{"another mch_id, validly signed", nil, signedNotify(docKey, wego.SignTypeMD5, func(m map[string]string) { m["mch_id"] = "10000101" }, nil), wego.ErrMchIDMismatch},
		{"another appid, validly signed", nil, signedNotify(docKey, wego.SignTypeMD5, func(m map[string]string) { m["appid"] = "wx0000000000000000" }, nil), wego.ErrAppIDMismatch},
		{"HMAC sign without sign_type, merchant uses MD5", nil, signedNotify(docKey, wego.SignTypeHMACSHA256, nil, nil), wego.ErrInvalidSignature},
		{"MD5 sign without sign_type, merchant uses HMAC", func(s *wego.Settings) { s.PaySignType = wego.SignTypeHMACSHA256 }, signedNotify(docKey, wego.SignTypeMD5, nil, nil), wego.ErrInvalidSignature},
		{"unknown sign_type", nil, signedNotify(docKey, wego.SignTypeMD5, func(m map[string]string) { m["sign_type"] = "SHA1" }, nil), wego.ErrMalformedMessage},
		{"not XML", nil, []byte("appid=wx&sign=x"), wego.ErrMalformedMessage},
		{"doctype", nil, []byte(`<!DOCTYPE xml [<!ENTITY a "b">]><xml><appid>&a;</appid></xml>`), wego.ErrMalformedMessage},
		{"repeated field", nil, bytes.Replace(signedNotify(docKey, wego.SignTypeMD5, nil, nil), []byte("<xml>"), []byte("<xml><total_fee>1</total_fee>"), 1), wego.ErrMalformedMessage},
		{"nested field", nil, bytes.Replace(signedNotify(docKey, wego.SignTypeMD5, nil, nil), []byte("<xml>"), []byte("<xml><a><b>1</b></a>"), 1), wego.ErrMalformedMessage},
		{"negative amount, validly signed", nil, signedNotify(docKey, wego.SignTypeMD5, func(m map[string]string) { m["total_fee"] = "-5" }, nil), wego.ErrMalformedMessage},
		{"bad time_end, validly signed", nil, signedNotify(docKey, wego.SignTypeMD5, func(m map[string]string) { m["time_end"] = "yesterday" }, nil), wego.ErrMalformedMessage},
		{"too large", nil, append(bytes.Repeat([]byte(" "), 64<<10), signedNotify(docKey, wego.SignTypeMD5, nil, nil)...), wego.ErrBodyTooLarge},
		// A repeated sign is as malformed as any repeated field: keeping one
		// of the copies would let a forged one stand beside the genuine.
		{"repeated sign, the last one valid", nil, withFirst(signedNotify(docKey, wego.SignTypeMD5, nil, nil), "<sign>"+strings.Repeat("A", 32)+"</sign>"), wego.ErrMalformedMessage},
		{"repeated sign, the first one valid", nil, withLast(signedNotify(docKey, wego.SignTypeMD5, nil, nil), "<sign>"+strings.Repeat("A", 32)+"</sign>"), wego.ErrMalformedMessage},
		{"repeated sign, both valid", nil, withLast(signedNotify(docKey, wego.SignTypeMD5, nil, nil), "<sign>"+notifySign(signedNotify(docKey, wego.SignTypeMD5, nil, nil))+"</sign>"), wego.ErrMalformedMessage},
		{"repeated field, one copy empty", nil, withFirst(signedNotify(docKey, wego.SignTypeMD5, func(m map[string]string) { m["attach"] = "x" }, nil), "<attach></attach>"), wego.ErrMalformedMessage},
		{"repeated empty field", nil, withFirst(withFirst(signedNotify(docKey, wego.SignTypeMD5, nil, nil), "<attach/>"), "<attach></attach>"), wego.ErrMalformedMessage},
		{"repeated sign_type", nil, withFirst(signedNotify(docKey, wego.SignTypeMD5, func(m map[string]string) { m["sign_type"] = "MD5" }, nil), "<sign_type>HMAC-SHA256</sign_type>"), wego.ErrMalformedMessage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			edit := []func(*wego.Settings){}
			if tt.settings != nil {
				edit = append(edit, tt.settings)
			}
			c := docClient(t, edit...)
			n, err := c.ParsePayNotify(notifyRequest(tt.body))
			require.ErrorIs(t, err, tt.want)
			assert.Nil(t, n)
			assert.NotContains(t, err.Error(), docKey)

			// The handler answers FAIL and never calls the function.
			var calls atomic.Int32
			h := c.PayNotifyHandler(func(context.Context, *wego.PayNotify) error { calls.Add(1); return nil })
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, notifyRequest(tt.body))
			assert.Contains(t, rec.Body.String(), "<return_code><![CDATA[FAIL]]></return_code>")
			assert.Zero(t, calls.Load())
		})
	}
}

// withFirst inserts element as the first child of a notification's root.
func withFirst(body []byte, element string) []byte {
	return bytes.Replace(body, []byte("<xml>"), []byte("<xml>"+element), 1)
}

// withLast inserts element as the last child of a notification's root.
func withLast(body []byte, element string) []byte {
	return bytes.Replace(body, []byte("</xml>"), []byte(element+"</xml>"), 1)
}

// notifySign returns the sign of a notification built by signedNotify.
func notifySign(body []byte) string {
	_, rest, _ := bytes.Cut(body, []byte("<sign><![CDATA["))
	sign, _, _ := bytes.Cut(rest, []byte("]]>"))
	return string(sign)
}

func TestParsePayNotifySignTypeFromSettings(t *testing.T) {
	t.Parallel()
	// WeChat leaves sign_type out of notifications of HMAC-SHA256 orders:
	// the merchant's sign type applies.
	c := docClient(t, func(s *wego.Settings) { s.PaySignType = wego.SignTypeHMACSHA256 })
	n, err := c.ParsePayNotify(notifyRequest(signedNotify(docKey, wego.SignTypeHMACSHA256, nil, nil)))
	require.NoError(t, err)
	assert.Equal(t, wego.SignTypeHMACSHA256, n.SignType)
	assert.Equal(t, int64(100), n.TotalFee)

	// A notification naming its sign_type verifies with it.
	n, err = c.ParsePayNotify(notifyRequest(signedNotify(docKey, wego.SignTypeMD5, func(m map[string]string) { m["sign_type"] = "MD5" }, nil)))
	require.NoError(t, err)
	assert.Equal(t, wego.SignTypeMD5, n.SignType)
}

func TestParsePayNotifyLowerCaseSign(t *testing.T) {
	t.Parallel()
	c := docClient(t)
	body := signedNotify(docKey, wego.SignTypeMD5, nil, func(m map[string]string) { m["sign"] = strings.ToLower(m["sign"]) })
	_, err := c.ParsePayNotify(notifyRequest(body))
	require.NoError(t, err, "hex digits compare without regard to case")
}

func TestParsePayNotifyMethodAndConfig(t *testing.T) {
	t.Parallel()
	c := docClient(t)
	_, err := c.ParsePayNotify(httptest.NewRequest(http.MethodGet, "/pay/notify", nil))
	require.ErrorIs(t, err, wego.ErrMalformedMessage)

	noPay, err := wego.NewClient(wego.Settings{AppID: docAppID, AppSecret: "s"})
	require.NoError(t, err)
	_, err = noPay.ParsePayNotify(notifyRequest(readFixture(t, "notify_signed_md5.xml")))
	require.ErrorIs(t, err, wego.ErrPayNotConfigured)
}

func TestPayNotifyAnswers(t *testing.T) {
	t.Parallel()
	var n *wego.PayNotify // answers work without a parsed notification
	assert.Equal(t, "<xml><return_code><![CDATA[SUCCESS]]></return_code><return_msg><![CDATA[OK]]></return_msg></xml>", string(n.Success()))
	assert.Equal(t, "<xml><return_code><![CDATA[FAIL]]></return_code><return_msg><![CDATA[bad]]]]><![CDATA[>]]></return_msg></xml>", string(n.Fail("bad]]>")),
		"the message cannot end the CDATA section")
}

func TestCheckPaidAmount(t *testing.T) {
	t.Parallel()
	c := docClient(t)
	n, err := c.ParsePayNotify(notifyRequest(signedNotify(docKey, wego.SignTypeMD5, nil, nil)))
	require.NoError(t, err)
	require.NoError(t, c.CheckPaidAmount(n, 100))
	err = c.CheckPaidAmount(n, 10000)
	require.ErrorIs(t, err, wego.ErrAmountMismatch)
	assert.Contains(t, err.Error(), "1409811653")
	require.ErrorIs(t, c.CheckPaidAmount(n, 0), wego.ErrInvalidAmount)

	debug := docClient(t, func(s *wego.Settings) { s.Debug = true })
	n, err = debug.ParsePayNotify(notifyRequest(signedNotify(docKey, wego.SignTypeMD5, func(m map[string]string) { m["total_fee"] = "1" }, nil)))
	require.NoError(t, err)
	require.NoError(t, debug.CheckPaidAmount(n, 9900), "in Debug every order costs 1 fen")
}

func TestPayNotifyHandlerOncePerTransaction(t *testing.T) {
	t.Parallel()
	c := docClient(t)
	var calls atomic.Int32
	h := c.PayNotifyHandler(func(_ context.Context, n *wego.PayNotify) error {
		calls.Add(1)
		return c.CheckPaidAmount(n, 1)
	})
	body := readFixture(t, "notify_signed_md5.xml")
	for i := range 3 {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, notifyRequest(body))
		assert.Equal(t, http.StatusOK, rec.Code)
		assert.Contains(t, rec.Body.String(), "<return_code><![CDATA[SUCCESS]]></return_code>", "delivery %d", i+1)
	}
	assert.Equal(t, int32(1), calls.Load(), "three deliveries, one call")
}

// Copies of a notification arriving while the first is handled wait for
// it and answer as it did: WeChat may send from several servers at once.
func TestPayNotifyHandlerConcurrentCopies(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name   string
		result error
		answer string
	}{
		{"first succeeds", nil, "SUCCESS"},
		{"first fails", errors.New("no"), "FAIL"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := docClient(t)
			var calls atomic.Int32
			release := make(chan struct{})
			h := c.PayNotifyHandler(func(context.Context, *wego.PayNotify) error {
				calls.Add(1)
				<-release // the first run is slow: the copies arrive meanwhile
				return tt.result
			})
			body := readFixture(t, "notify_signed_md5.xml")
			answers := make([]string, 8)
			var wg sync.WaitGroup
			for i := range answers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					rec := httptest.NewRecorder()
					h.ServeHTTP(rec, notifyRequest(body))
					answers[i] = rec.Body.String()
				}()
			}
			time.Sleep(50 * time.Millisecond)
			close(release)
			wg.Wait()
			assert.Equal(t, int32(1), calls.Load(), "one run for all the copies")
			for _, a := range answers {
				assert.Contains(t, a, "<return_code><![CDATA["+tt.answer+"]]>")
			}
		})
	}
}

func TestPayNotifyHandlerFailureIsRetried(t *testing.T) {
	t.Parallel()
	c := docClient(t)
	var calls atomic.Int32
	h := c.PayNotifyHandler(func(context.Context, *wego.PayNotify) error {
		if calls.Add(1) == 1 {
			return errors.New("database down")
		}
		return nil
	})
	body := readFixture(t, "notify_signed_md5.xml")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, notifyRequest(body))
	assert.Contains(t, rec.Body.String(), "FAIL")
	assert.NotContains(t, rec.Body.String(), "database", "the application's error stays in the log")
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, notifyRequest(body))
	assert.Contains(t, rec.Body.String(), "SUCCESS")
	assert.Equal(t, int32(2), calls.Load(), "WeChat's repeat runs the function again after a failure")
}

func TestPayNotifyHandlerPanicAnswersFailAndIsRetried(t *testing.T) {
	t.Parallel()
	c := docClient(t)
	var calls atomic.Int32
	h := c.PayNotifyHandler(func(context.Context, *wego.PayNotify) error {
		if calls.Add(1) == 1 {
			panic("nil map")
		}
		return nil
	})
	body := readFixture(t, "notify_signed_md5.xml")
	rec := httptest.NewRecorder()
	require.NotPanics(t, func() { h.ServeHTTP(rec, notifyRequest(body)) })
	assert.Contains(t, rec.Body.String(), "FAIL")
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, notifyRequest(body))
	assert.Contains(t, rec.Body.String(), "SUCCESS")
	assert.Equal(t, int32(2), calls.Load(), "the claim of the panicked run was released")
}

// One store shared by several servers (as redisstore is) handles a
// notification once whichever server WeChat reaches.
func TestPayNotifyHandlersShareDedupStore(t *testing.T) {
	t.Parallel()
	store := wego.NewMemoryDedupStore(0)
	var calls atomic.Int32
	fn := func(context.Context, *wego.PayNotify) error { calls.Add(1); return nil }
	body := readFixture(t, "notify_signed_md5.xml")
	for range 3 { // three servers, each with its own Client
		c := docClient(t, func(s *wego.Settings) { s.DedupStore = store })
		rec := httptest.NewRecorder()
		c.PayNotifyHandler(fn).ServeHTTP(rec, notifyRequest(body))
		assert.Contains(t, rec.Body.String(), "SUCCESS")
	}
	assert.Equal(t, int32(1), calls.Load())
}

func TestPayNotifyHandlerWaitsForAnotherServer(t *testing.T) {
	t.Parallel()
	store := wego.NewMemoryDedupStore(0)
	a := docClient(t, func(s *wego.Settings) { s.DedupStore = store })
	b := docClient(t, func(s *wego.Settings) { s.DedupStore = store })
	var calls atomic.Int32
	release := make(chan struct{})
	slow := a.PayNotifyHandler(func(context.Context, *wego.PayNotify) error { calls.Add(1); <-release; return nil })
	fast := b.PayNotifyHandler(func(context.Context, *wego.PayNotify) error { calls.Add(1); return nil })
	body := readFixture(t, "notify_signed_md5.xml")

	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		slow.ServeHTTP(httptest.NewRecorder(), notifyRequest(body))
	}()
	time.Sleep(30 * time.Millisecond) // server a holds the claim
	go func() { time.Sleep(150 * time.Millisecond); close(release) }()
	rec := httptest.NewRecorder()
	fast.ServeHTTP(rec, notifyRequest(body))
	wg.Wait()
	assert.Contains(t, rec.Body.String(), "SUCCESS", "server b waited for server a's result")
	assert.Equal(t, int32(1), calls.Load())
}

func TestPayNotifyHandlerNilFunction(t *testing.T) {
	t.Parallel()
	rec := httptest.NewRecorder()
	docClient(t).PayNotifyHandler(nil).ServeHTTP(rec, notifyRequest(readFixture(t, "notify_signed_md5.xml")))
	assert.Contains(t, rec.Body.String(), "FAIL", "a handler without a function never claims success")
}

func TestDecryptRefundReqInfoVector(t *testing.T) {
	t.Parallel()
	for _, v := range payVectors(t, "refund_decrypt") {
		plain, err := wego.DecryptRefundReqInfo(v.ReqInfo, v.Key)
		require.NoError(t, err, v.ID)
		assert.Equal(t, v.Plaintext, string(plain))

		_, err = wego.DecryptRefundReqInfo(v.ReqInfo, "another-key-another-key-another-k")
		require.ErrorIs(t, err, wego.ErrMalformedMessage, "a wrong key does not decrypt")
	}
	for _, bad := range []string{"", "!!!", "YWJj", strings.Repeat("A", 24)} {
		_, err := wego.DecryptRefundReqInfo(bad, docKey)
		require.ErrorIs(t, err, wego.ErrMalformedMessage, bad)
	}
}

func refundNotifyBody(v payVector, appID, mchID string) []byte {
	return []byte("<xml><return_code>SUCCESS</return_code><appid><![CDATA[" + appID + "]]></appid><mch_id><![CDATA[" + mchID +
		"]]></mch_id><nonce_str><![CDATA[TeqClE3i0mvn3DrK]]></nonce_str><req_info><![CDATA[" + v.ReqInfo + "]]></req_info></xml>")
}

func TestParseRefundNotifyVector(t *testing.T) {
	t.Parallel()
	v := payVectors(t, "refund_decrypt")[0]
	c, err := wego.NewClient(wego.Settings{AppID: v.AppID, AppSecret: "s", MchID: v.MchID, MchSecret: v.Key})
	require.NoError(t, err)
	n, err := c.ParseRefundNotify(notifyRequest(refundNotifyBody(v, v.AppID, v.MchID)))
	require.NoError(t, err)
	for k, want := range v.ExpectedFields {
		assert.Equal(t, want, n.Get(k), k)
	}
	assert.Equal(t, "50300103182020010413419046597", n.RefundID)
	assert.Equal(t, "1234", n.OutRefundNo)
	assert.Equal(t, int64(1), n.RefundFee)
	assert.Equal(t, int64(1), n.TotalFee)
	assert.Equal(t, wego.RefundStatusSuccess, n.RefundStatus)
	assert.Equal(t, "招商银行信用卡8915", n.RefundRecvAccount)
	assert.Equal(t, "2020-01-04 18:34:24", n.SuccessTime.In(time.FixedZone("CST", 8*3600)).Format(time.DateTime))
	assert.Equal(t, v.MchID, n.Get("mch_id"), "outer fields through Get")

	_, err = c.ParseRefundNotify(notifyRequest(refundNotifyBody(v, v.AppID, "99999999")))
	require.ErrorIs(t, err, wego.ErrMchIDMismatch)
	_, err = c.ParseRefundNotify(notifyRequest(refundNotifyBody(v, "wx0000000000000000", v.MchID)))
	require.ErrorIs(t, err, wego.ErrAppIDMismatch)

	other, err := wego.NewClient(wego.Settings{AppID: v.AppID, AppSecret: "s", MchID: v.MchID, MchSecret: docKey})
	require.NoError(t, err)
	_, err = other.ParseRefundNotify(notifyRequest(refundNotifyBody(v, v.AppID, v.MchID)))
	require.ErrorIs(t, err, wego.ErrMalformedMessage, "another API key does not decrypt")
}

// encryptReqInfo is WeChat's encryption of a refund notification's
// req_info: PKCS#7, AES-256-ECB keyed with the hex MD5 of the API key, base64.
func encryptReqInfo(plain []byte, apiKey string) string {
	sum := md5.Sum([]byte(apiKey))
	block, err := aes.NewCipher([]byte(hex.EncodeToString(sum[:])))
	if err != nil {
		panic(err) // cannot happen: the key is 32 bytes
	}
	pad := aes.BlockSize - len(plain)%aes.BlockSize
	buf := append(bytes.Clone(plain), bytes.Repeat([]byte{byte(pad)}, pad)...)
	for i := 0; i < len(buf); i += aes.BlockSize {
		block.Encrypt(buf[i:i+aes.BlockSize], buf[i:i+aes.BlockSize])
	}
	return base64.StdEncoding.EncodeToString(buf)
}

// refundNotifyOf is a refund notification for docClient whose req_info is
// inner encrypted with docKey; outer holds the other fields, written
// before it, e.g. "<appid>...</appid>".
func refundNotifyOf(outer, inner string) []byte {
	return []byte("<xml>" + outer + "<req_info><![CDATA[" + encryptReqInfo([]byte(inner), docKey) + "]]></req_info></xml>")
}

const (
	refundOuter = "<return_code>SUCCESS</return_code><appid><![CDATA[" + docAppID + "]]></appid><mch_id><![CDATA[" + docMchID +
		"]]></mch_id><nonce_str><![CDATA[TeqClE3i0mvn3DrK]]></nonce_str>"
	refundInner = "<root>\n<out_refund_no><![CDATA[1234]]></out_refund_no>\n<refund_fee><![CDATA[1]]></refund_fee>\n" +
		"<refund_id><![CDATA[50300103182020010413419046597]]></refund_id>\n<refund_status><![CDATA[SUCCESS]]></refund_status>\n" +
		"<total_fee><![CDATA[1]]></total_fee>\n<transaction_id><![CDATA[4200000483202001042069747825]]></transaction_id>\n</root>"
)

func TestParseRefundNotifyRejects(t *testing.T) {
	t.Parallel()
	c := docClient(t)
	n, err := c.ParseRefundNotifyBody(refundNotifyOf(refundOuter, refundInner))
	require.NoError(t, err, "the notification the cases below spoil")
	assert.Equal(t, int64(1), n.RefundFee)

	inner := func(old, new string) string { return strings.Replace(refundInner, old, new, 1) }
	tests := []struct {
		name string
		body []byte
		want error
	}{
		// AES-ECB carries no MAC: whole blocks of a genuine req_info can be
		// repeated or moved, so a repeated field may come from an attacker.
		{"repeated field in req_info", refundNotifyOf(refundOuter, inner("<root>", "<root><refund_fee>100</refund_fee>")), wego.ErrMalformedMessage},
		{"repeated field in req_info, one copy empty", refundNotifyOf(refundOuter, inner("<root>", "<root><refund_status></refund_status>")), wego.ErrMalformedMessage},
		{"repeated field in req_info, same value", refundNotifyOf(refundOuter, inner("</root>", "<refund_id>50300103182020010413419046597</refund_id></root>")), wego.ErrMalformedMessage},
		{"nested element in req_info", refundNotifyOf(refundOuter, inner("<root>", "<root><refund><refund_fee>100</refund_fee></refund>")), wego.ErrMalformedMessage},
		{"repeated outer appid", refundNotifyOf(refundOuter+"<appid>wx0000000000000000</appid>", refundInner), wego.ErrMalformedMessage},
		{"repeated outer req_info", refundNotifyOf(refundOuter+"<req_info>"+encryptReqInfo([]byte(refundInner), docKey)+"</req_info>", refundInner), wego.ErrMalformedMessage},
		{"repeated outer field, one copy empty", refundNotifyOf(refundOuter+"<nonce_str/>", refundInner), wego.ErrMalformedMessage},
		{"nested outer element", refundNotifyOf(refundOuter+"<extra><a>1</a></extra>", refundInner), wego.ErrMalformedMessage},
		{"too large", append(bytes.Repeat([]byte(" "), 64<<10), refundNotifyOf(refundOuter, refundInner)...), wego.ErrBodyTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			n, err := c.ParseRefundNotifyBody(tt.body)
			require.ErrorIs(t, err, tt.want)
			assert.Nil(t, n)
			assert.NotContains(t, err.Error(), docKey)

			var calls atomic.Int32
			h := c.RefundNotifyHandler(func(context.Context, *wego.RefundNotify) error { calls.Add(1); return nil })
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, notifyRequest(tt.body))
			assert.Contains(t, rec.Body.String(), "<return_code><![CDATA[FAIL]]></return_code>")
			assert.Zero(t, calls.Load())
		})
	}
}

// The notify side end to end: wegotest pays an order and posts its signed
// notification to the merchant's handler; repeats reach the function once.
func TestPayNotifyEndToEnd(t *testing.T) {
	t.Parallel()
	for _, st := range []wego.SignType{wego.SignTypeMD5, wego.SignTypeHMACSHA256} {
		t.Run(string(st), func(t *testing.T) {
			t.Parallel()
			srv, c := setup(t, func(s *wego.Settings) { s.PaySignType = st })
			var mu sync.Mutex
			var got []*wego.PayNotify
			notify := httptest.NewServer(c.PayNotifyHandler(func(_ context.Context, n *wego.PayNotify) error {
				if err := c.CheckPaidAmount(n, 2990); err != nil {
					return err
				}
				mu.Lock()
				got = append(got, n)
				mu.Unlock()
				return nil
			}))
			t.Cleanup(notify.Close)

			ctx := context.Background()
			_, err := c.UnifiedOrder(ctx, wego.UnifiedOrderRequest{
				Body: "T恤", OutTradeNo: "e2e-" + string(st), TotalFee: 2990, SpbillCreateIP: "1.2.3.4",
				OpenID: "oUser", NotifyURL: notify.URL, Attach: "size=L",
			})
			require.NoError(t, err)
			require.NoError(t, srv.PayOrder("e2e-"+string(st)))
			require.NoError(t, srv.ResendPayNotify("e2e-"+string(st)))
			require.NoError(t, srv.ResendPayNotify("e2e-"+string(st)))

			mu.Lock()
			defer mu.Unlock()
			require.Len(t, got, 1, "three deliveries, one call")
			n := got[0]
			assert.Equal(t, "size=L", n.Attach)
			assert.Equal(t, int64(2990), n.TotalFee)
			assert.Equal(t, st, n.SignType)
			assert.Equal(t, wego.TradeStateSuccess, srv.TradeState("e2e-"+string(st)))

			body, err := srv.PayNotification("e2e-" + string(st))
			require.NoError(t, err)
			assert.NotContains(t, string(body), "sign_type", "WeChat names no sign_type: the merchant's applies")
		})
	}
}

func TestPayNotifyEndToEndRejectsWrongAmount(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	var calls atomic.Int32
	notify := httptest.NewServer(c.PayNotifyHandler(func(_ context.Context, n *wego.PayNotify) error {
		calls.Add(1)
		return c.CheckPaidAmount(n, 5000) // the merchant's order is 50 yuan
	}))
	t.Cleanup(notify.Close)
	_, err := c.UnifiedOrder(context.Background(), wego.UnifiedOrderRequest{
		Body: "x", OutTradeNo: "cheap", TotalFee: 1, SpbillCreateIP: "1.2.3.4", OpenID: "o", NotifyURL: notify.URL,
	})
	require.NoError(t, err)
	err = srv.PayOrder("cheap")
	var rej *wegotest.NotifyRejectedError
	require.ErrorAs(t, err, &rej, "the handler answered FAIL")
	assert.Equal(t, "FAIL", rej.ReturnCode)
}

func TestRefundNotifyEndToEnd(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	var got atomic.Pointer[wego.RefundNotify]
	var calls atomic.Int32
	notify := httptest.NewServer(c.RefundNotifyHandler(func(_ context.Context, n *wego.RefundNotify) error {
		calls.Add(1)
		got.Store(n)
		return nil
	}))
	t.Cleanup(notify.Close)
	ctx := context.Background()
	paidOrder(t, srv, c, "r-e2e", 1000)
	_, err := c.RefundOrder(ctx, wego.RefundRequest{OutTradeNo: "r-e2e", OutRefundNo: "rf-e2e", TotalFee: 1000, RefundFee: 300, NotifyURL: notify.URL})
	require.NoError(t, err)
	require.NoError(t, srv.CompleteRefund("rf-e2e"))
	body, err := srv.RefundNotification("rf-e2e")
	require.NoError(t, err)
	rec := httptest.NewRecorder()
	c.RefundNotifyHandler(func(context.Context, *wego.RefundNotify) error { return nil }).ServeHTTP(rec, notifyRequest(body))
	assert.Contains(t, rec.Body.String(), "SUCCESS")

	n := got.Load()
	require.NotNil(t, n)
	assert.Equal(t, int32(1), calls.Load())
	assert.Equal(t, "rf-e2e", n.OutRefundNo)
	assert.Equal(t, int64(300), n.RefundFee)
	assert.Equal(t, wego.RefundStatusSuccess, n.RefundStatus)
	assert.False(t, n.SuccessTime.IsZero())
}

// notify16 is a pay notification of 16 fields, sign included.
func notify16() []byte {
	return signedNotify(docKey, wego.SignTypeMD5, func(m map[string]string) {
		delete(m, "is_subscribe")
		m["attach"] = "支付测试"
	}, nil)
}

func BenchmarkPayNotify(b *testing.B) {
	c := docClient(b)
	body := notify16()
	n, err := c.ParsePayNotifyBody(body)
	require.NoError(b, err)
	fields := 0
	for range n.All() {
		fields++
	}
	require.Equal(b, 15, fields, "16 fields, the sign not kept")
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if _, err := c.ParsePayNotifyBody(body); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPayNotifyBaseline is the least parse + verify can cost: a flat
// scan of <name><![CDATA[value]]></name> into a stack array, sort, MD5,
// compare. BenchmarkPayNotify is held to 3× of it.
func BenchmarkPayNotifyBaseline(b *testing.B) {
	body := notify16()
	b.ReportAllocs()
	for range b.N {
		if !flatScanVerify(body, docKey) {
			b.Fatal("baseline does not verify")
		}
	}
}

func flatScanVerify(body []byte, key string) bool {
	type kv struct{ k, v []byte }
	var arr [32]kv
	fields := arr[:0]
	var sign []byte
	rest := body[len("<xml>"):]
	for len(rest) > 0 && rest[0] == '<' && rest[1] != '/' {
		end := bytes.IndexByte(rest, '>')
		name := rest[1:end]
		rest = rest[end+1:]
		var tagBuf [64]byte
		closeAt := bytes.Index(rest, append(append(append(tagBuf[:0], "</"...), name...), '>'))
		val := rest[:closeAt]
		val = bytes.TrimSuffix(bytes.TrimPrefix(val, []byte("<![CDATA[")), []byte("]]>"))
		rest = rest[closeAt+len(name)+3:]
		if string(name) == "sign" {
			sign = val
		} else if len(val) > 0 {
			fields = append(fields, kv{name, val})
		}
	}
	slices.SortFunc(fields, func(a, b kv) int { return bytes.Compare(a.k, b.k) })
	var buf [1024]byte
	s := buf[:0]
	for _, f := range fields {
		s = append(append(append(append(s, f.k...), '='), f.v...), '&')
	}
	s = append(append(s, "key="...), key...)
	sum := md5.Sum(s)
	const hexd = "0123456789ABCDEF"
	var h [32]byte
	for i, c := range sum {
		h[2*i], h[2*i+1] = hexd[c>>4], hexd[c&15]
	}
	return bytes.Equal(h[:], sign)
}

func TestPayNotifyTimeEnd(t *testing.T) {
	t.Parallel()
	c := docClient(t)
	for v, ok := range map[string]bool{
		"20140903131540": true, "20240229235959": true, "20230229000000": false, "20141301000000": false,
		"2014090313154": false, "2014090313154x": false, "20140903246000": false, "+0140903131540": false,
	} {
		n, err := c.ParsePayNotifyBody(signedNotify(docKey, wego.SignTypeMD5, func(m map[string]string) { m["time_end"] = v }, nil))
		if !ok {
			require.ErrorIs(t, err, wego.ErrMalformedMessage, v)
			continue
		}
		require.NoError(t, err, v)
		want, err := time.ParseInLocation("20060102150405", v, time.FixedZone("CST", 8*3600))
		require.NoError(t, err)
		assert.True(t, want.Equal(n.TimeEnd), v)
	}
}
