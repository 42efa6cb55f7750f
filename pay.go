package wego

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/wego-sdk/wego/internal/xmlscan"
)

// Paths of the WeChat Pay v2 endpoints.
const (
	payPathUnifiedOrder = "/pay/unifiedorder"
	payPathOrderQuery   = "/pay/orderquery"
	payPathCloseOrder   = "/pay/closeorder"
	payPathRefund       = "/secapi/pay/refund"
	payPathRefundQuery  = "/pay/refundquery"
	payPathDownloadBill = "/pay/downloadbill"
	payPathReport       = "/payitil/report"
)

// Size limits of pay answers: XML answers, and bills (a bill lists a day of
// transactions; a busy merchant's runs to megabytes).
const (
	maxPayAnswer = 1 << 20
	maxBill      = 256 << 20
)

// payCall describes one pay endpoint.
type payCall struct {
	path     string
	withCert bool // over mutual TLS with the merchant's client certificate
	read     bool // idempotent: retried when WeChat asks for a retry
	unsigned bool // WeChat does not sign the answer (payitil/report)
	bill     bool // a successful answer is a bill, not XML
}

// PayPost sends params, signed, as XML to the WeChat Pay endpoint path (e.g.
// "/pay/micropay") and returns the fields of the answer once its sign is
// verified. Parameters with an empty value are neither signed nor sent;
// appid, mch_id and nonce_str are added when params lacks them, and
// sign_type when the merchant signs with HMAC-SHA256; params is not
// modified. A return_code or result_code FAIL becomes a [*PayError]; an
// answer whose sign does not verify is an error wrapping
// [ErrInvalidSignature], never a result. It is the escape hatch for pay
// endpoints the SDK does not wrap.
//
// WeChat docs: https://pay.weixin.qq.com/wiki/doc/api/jsapi.php?chapter=4_3
func (w *WeChatAPI) PayPost(ctx context.Context, path string, params map[string]string) (map[string]string, error) {
	if !strings.HasPrefix(path, "/") {
		return nil, fmt.Errorf("wego: pay path %q must start with /", path)
	}
	return w.c.pay(ctx, payCall{path: path}, params)
}

// PayPostWithCert is [WeChatAPI.PayPost] over mutual TLS: the request
// presents the merchant's client certificate (Settings.CertPEMPath and
// KeyPEMPath), as the /secapi/ endpoints demand. The request goes to
// Settings.PaySecureBaseURL when set.
//
// WeChat docs: https://pay.weixin.qq.com/wiki/doc/api/jsapi.php?chapter=4_3
func (w *WeChatAPI) PayPostWithCert(ctx context.Context, path string, params map[string]string) (map[string]string, error) {
	if !strings.HasPrefix(path, "/") {
		return nil, fmt.Errorf("wego: pay path %q must start with /", path)
	}
	return w.c.pay(ctx, payCall{path: path, withCert: true}, params)
}

// UnifiedOrder sends params to /pay/unifiedorder (统一下单) and returns the
// verified answer (prepay_id, code_url, mweb_url). [Client.UnifiedOrder]
// is the typed form.
//
// WeChat docs: https://pay.weixin.qq.com/wiki/doc/api/jsapi.php?chapter=9_1
func (w *WeChatAPI) UnifiedOrder(ctx context.Context, params map[string]string) (map[string]string, error) {
	return w.c.pay(ctx, payCall{path: payPathUnifiedOrder}, params)
}

// OrderQuery sends params to /pay/orderquery (查询订单) and returns the
// verified answer. It is retried when WeChat answers SYSTEMERROR.
// [Client.QueryOrder] is the typed form.
//
// WeChat docs: https://pay.weixin.qq.com/wiki/doc/api/jsapi.php?chapter=9_2
func (w *WeChatAPI) OrderQuery(ctx context.Context, params map[string]string) (map[string]string, error) {
	return w.c.pay(ctx, payCall{path: payPathOrderQuery, read: true}, params)
}

// CloseOrder sends params to /pay/closeorder (关闭订单) and returns the
// verified answer. [Client.CloseOrder] is the typed form.
//
// WeChat docs: https://pay.weixin.qq.com/wiki/doc/api/jsapi.php?chapter=9_3
func (w *WeChatAPI) CloseOrder(ctx context.Context, params map[string]string) (map[string]string, error) {
	return w.c.pay(ctx, payCall{path: payPathCloseOrder}, params)
}

// Refund sends params to /secapi/pay/refund (申请退款) over mutual TLS with
// the merchant's client certificate and returns the verified answer.
// [Client.RefundOrder] is the typed form.
//
// WeChat docs: https://pay.weixin.qq.com/wiki/doc/api/jsapi.php?chapter=9_4
func (w *WeChatAPI) Refund(ctx context.Context, params map[string]string) (map[string]string, error) {
	return w.c.pay(ctx, payCall{path: payPathRefund, withCert: true}, params)
}

// RefundQuery sends params to /pay/refundquery (查询退款) and returns the
// verified answer. It is retried when WeChat answers SYSTEMERROR.
// [Client.QueryRefund] is the typed form.
//
// WeChat docs: https://pay.weixin.qq.com/wiki/doc/api/jsapi.php?chapter=9_5
func (w *WeChatAPI) RefundQuery(ctx context.Context, params map[string]string) (map[string]string, error) {
	return w.c.pay(ctx, payCall{path: payPathRefundQuery, read: true}, params)
}

// DownloadBill sends params to /pay/downloadbill (下载对账单) and returns the
// bill as WeChat's CSV text, unpacked when it came gzipped (tar_type
// GZIP). An error answer comes back as a [*PayError] whose ErrCode is
// WeChat's error_code (e.g. 20002, no bill).
//
// A gzipped bill may unpack to at most 256 MiB, the cap on a plain one:
// past it the error wraps [ErrResponseTooLarge]. It is unpacked twice, first
// only to measure it, then into a slice of its size: a small answer that
// unpacks to gigabytes (a gzip bomb) costs time, never memory, and a bill
// costs its size once. [Client.DownloadBill] parses the bill without
// holding its text.
//
// WeChat docs: https://pay.weixin.qq.com/wiki/doc/api/jsapi.php?chapter=9_6
func (w *WeChatAPI) DownloadBill(ctx context.Context, params map[string]string) ([]byte, error) {
	raw, err := w.c.downloadBill(ctx, params)
	if err != nil || !isGzip(raw) {
		return raw, err
	}
	return gunzipBill(raw)
}

// downloadBill sends params to /pay/downloadbill and returns the bill as
// WeChat answered it, gzipped or not.
func (c *Client) downloadBill(ctx context.Context, params map[string]string) ([]byte, error) {
	body, signType, err := c.payRequest(params)
	if err != nil {
		return nil, err
	}
	call := payCall{path: payPathDownloadBill, read: true, bill: true}
	var bill []byte
	err = c.payRetry(ctx, call, func() error {
		raw, err := c.payRoundTrip(ctx, call, body)
		if err != nil {
			return err
		}
		bill, err = payBillAnswer(call.path, raw, c.s.MchSecret, signType)
		return err
	})
	return bill, err
}

// PayReport sends params to /payitil/report (交易保障): the merchant's
// report of how long a pay call took. WeChat does not sign its answer.
// [Client.PayReport] is the typed form.
//
// WeChat docs: https://pay.weixin.qq.com/wiki/doc/api/jsapi.php?chapter=9_8
func (w *WeChatAPI) PayReport(ctx context.Context, params map[string]string) (map[string]string, error) {
	return w.c.pay(ctx, payCall{path: payPathReport, unsigned: true}, params)
}

// pay signs params, sends them and verifies the answer.
func (c *Client) pay(ctx context.Context, call payCall, params map[string]string) (map[string]string, error) {
	body, signType, err := c.payRequest(params)
	if err != nil {
		return nil, err
	}
	var out map[string]string
	err = c.payRetry(ctx, call, func() error {
		raw, err := c.payRoundTrip(ctx, call, body)
		if err != nil {
			return err
		}
		out, err = payAnswer(call, raw, c.s.MchSecret, signType)
		return err
	})
	return out, err
}

// payRetry runs try, and again after a backoff while a read is answered with
// a retryable [*PayError] (SYSTEMERROR and the like), as often as the JSON
// transport retries busy reads. Writes are sent once.
func (c *Client) payRetry(ctx context.Context, call payCall, try func() error) error {
	for n := 1; ; n++ {
		err := try()
		var pe *PayError
		if !call.read || n > c.busyRetries || !errors.As(err, &pe) || !pe.Retryable() {
			return err
		}
		c.log.LogAttrs(ctx, slog.LevelInfo, "wego: pay answered retry, retrying",
			slog.String("endpoint", call.path), slog.String("err_code", pe.ErrCode), slog.Int("attempt", n))
		if err := sleep(ctx, backoff(c.busyBackoff, n)); err != nil {
			return err
		}
	}
}

// payRequest builds the signed XML body of params, with appid, mch_id,
// nonce_str and (for HMAC-SHA256) sign_type filled in when absent. It
// returns the sign type the answer is verified with.
func (c *Client) payRequest(params map[string]string) ([]byte, SignType, error) {
	if err := c.payConfigured(); err != nil {
		return nil, "", err
	}
	signType := c.s.PaySignType
	if t, ok := params["sign_type"]; ok && t != "" {
		signType = SignType(t)
		if signType != SignTypeMD5 && signType != SignTypeHMACSHA256 {
			return nil, "", fmt.Errorf("wego: sign_type %q: must be MD5 or HMAC-SHA256", t)
		}
	}
	ps := getPayFields()
	defer putPayFields(ps)
	for k, v := range params {
		switch {
		case !xmlscan.IsName(k):
			return nil, "", fmt.Errorf("wego: pay parameter name %q is not an XML name", k)
		case !xmlscan.IsValid(v) || strings.IndexByte(v, '\r') >= 0:
			// XML would carry another value than the one signed: WeChat
			// would answer 签名错误.
			return nil, "", fmt.Errorf("wego: pay parameter %s holds a carriage return or characters XML cannot carry", k)
		}
		if v != "" && k != "sign" {
			*ps = append(*ps, payField{k, v})
		}
	}
	fill := func(k, v string) {
		if params[k] == "" {
			*ps = append(*ps, payField{k, v})
		}
	}
	fill("appid", c.s.AppID)
	fill("mch_id", c.s.MchID)
	fill("nonce_str", payNonce())
	if signType == SignTypeHMACSHA256 {
		fill("sign_type", string(signType))
	}
	slices.SortFunc(*ps, comparePayFields)
	var sign [sha256.Size * 2]byte
	n := signSorted(&sign, *ps, c.s.MchSecret, signType)

	b := make([]byte, 0, 512)
	b = xmlscan.AppendStart(b, "xml")
	for _, f := range *ps {
		b = xmlscan.AppendElement(b, f.k, f.v)
	}
	b = xmlscan.AppendElement(b, "sign", string(sign[:n]))
	b = xmlscan.AppendEnd(b, "xml")
	return b, signType, nil
}

// payDocPool recycles the parsed documents of pay answers and notifications.
var payDocPool = sync.Pool{New: func() any { return new(xmlscan.Doc) }}

func getPayDoc() *xmlscan.Doc { return payDocPool.Get().(*xmlscan.Doc) }

func putPayDoc(d *xmlscan.Doc) {
	d.Reset()
	payDocPool.Put(d)
}

// payAnswer checks an XML answer: return_code, then the sign (or, for an
// unsigned answer, that it is flat, each field once), then result_code, and
// returns its fields.
func payAnswer(call payCall, raw []byte, key string, signType SignType) (map[string]string, error) {
	d := getPayDoc()
	defer putPayDoc(d)
	if err := d.Parse(raw); err != nil {
		return nil, &HTTPError{Endpoint: call.path, StatusCode: http.StatusOK, Reason: "invalid XML: " + err.Error()}
	}
	if err := payReturnCode(call.path, d); err != nil {
		return nil, err
	}
	what := "answer of " + call.path
	if call.unsigned {
		if err := checkFlat(d, what); err != nil {
			return nil, err
		}
	} else if err := verifyPayDoc(d, key, signType, what); err != nil {
		return nil, err
	}
	if rc, ok := d.Lookup("result_code"); ok && rc != "SUCCESS" {
		return nil, payErrorOf(call.path, d)
	}
	out := make(map[string]string, d.Len())
	for k, v := range d.All() {
		out[k] = v
	}
	return out, nil
}

// payReturnCode turns a return_code other than SUCCESS into a *PayError.
func payReturnCode(path string, d *xmlscan.Doc) error {
	rc, ok := d.Lookup("return_code")
	switch {
	case !ok:
		return &HTTPError{Endpoint: path, StatusCode: http.StatusOK, Reason: "answer without return_code"}
	case rc != "SUCCESS":
		return payErrorOf(path, d)
	}
	return nil
}

func payErrorOf(path string, d *xmlscan.Doc) *PayError {
	code := d.Get("err_code")
	if code == "" {
		code = d.Get("error_code") // downloadbill's name for it
	}
	return &PayError{
		Endpoint:   path,
		ReturnCode: d.Get("return_code"),
		ReturnMsg:  d.Get("return_msg"),
		ResultCode: d.Get("result_code"),
		ErrCode:    code,
		ErrCodeDes: d.Get("err_code_des"),
	}
}

// verifyPayDoc checks the sign of a flat pay message under key (see
// verifySigned).
func verifyPayDoc(d *xmlscan.Doc, key string, signType SignType, what string) error {
	ps := getPayFields()
	defer putPayFields(ps)
	var err error
	*ps, err = verifySigned(d, (*ps)[:0], key, signType, what)
	return err
}

// verifySigned appends the signed fields of d (non-empty, not sign) to dst,
// sorted by name, and checks their sign under key. The sign type is the
// message's sign_type when it names one, otherwise signType. A message
// with nested or repeated elements is malformed, whether the repeated
// element is sign, a field with a value or an empty one: its sign would not
// say which copy WeChat meant, and a forged copy could stand beside a
// genuine one. what names the message in errors.
func verifySigned(d *xmlscan.Doc, dst []payField, key string, signType SignType, what string) ([]payField, error) {
	var got string
	signs, empty := 0, false
	for i := range d.Len() {
		k, v := d.Leaf(i)
		switch {
		case strings.IndexByte(k, '.') >= 0:
			return dst, fmt.Errorf("%w: nested element in %s", ErrMalformedMessage, what)
		case k == "sign":
			if signs++; signs > 1 {
				return dst, fmt.Errorf("%w: repeated element sign in %s", ErrMalformedMessage, what)
			}
			got = v
			continue
		case k == "sign_type" && v != "":
			signType = SignType(v)
			if signType != SignTypeMD5 && signType != SignTypeHMACSHA256 {
				return dst, fmt.Errorf("%w: unknown sign_type in %s", ErrMalformedMessage, what)
			}
		}
		// Empty fields are not signed, but they join the search for
		// repeats before they are dropped.
		empty = empty || v == ""
		dst = append(dst, payField{k, v})
	}
	if err := sortUnrepeated(dst, what); err != nil {
		return dst, err
	}
	if empty {
		dst = slices.DeleteFunc(dst, func(f payField) bool { return f.v == "" })
	}
	if got == "" {
		return dst, fmt.Errorf("%w: %s without sign", ErrInvalidSignature, what)
	}
	var want [sha256.Size * 2]byte
	n := signSorted(&want, dst, key, signType)
	if !paySignMatches(want[:n], got) {
		return dst, fmt.Errorf("%w: %s", ErrInvalidSignature, what)
	}
	return dst, nil
}

// checkFlat reports a document with nested or repeated elements as
// malformed, as verifySigned does for signed messages: WeChat's pay
// messages are flat, and of a repeated field no one could say which copy
// counts. what names the document in errors.
func checkFlat(d *xmlscan.Doc, what string) error {
	ps := getPayFields()
	defer putPayFields(ps)
	for k, v := range d.All() {
		if strings.IndexByte(k, '.') >= 0 {
			return fmt.Errorf("%w: nested element in %s", ErrMalformedMessage, what)
		}
		*ps = append(*ps, payField{k, v})
	}
	return sortUnrepeated(*ps, what)
}

// sortUnrepeated sorts fields by name and reports a name that occurs twice
// as malformed; what names the document in errors.
func sortUnrepeated(fields []payField, what string) error {
	slices.SortFunc(fields, comparePayFields)
	for i := 1; i < len(fields); i++ {
		if fields[i].k == fields[i-1].k {
			return fmt.Errorf("%w: repeated element %s in %s", ErrMalformedMessage, fields[i].k, what)
		}
	}
	return nil
}

// payBillAnswer returns raw when it is a bill, gzipped or not, and the
// *PayError of an XML error answer otherwise.
func payBillAnswer(path string, raw []byte, key string, signType SignType) ([]byte, error) {
	if isGzip(raw) {
		return raw, nil
	}
	if t := bytes.TrimLeft(raw, " \t\r\n"); bytes.HasPrefix(t, []byte("<xml>")) {
		_, err := payAnswer(payCall{path: path}, raw, key, signType)
		if err == nil {
			err = &HTTPError{Endpoint: path, StatusCode: http.StatusOK, Reason: "XML answer without a bill"}
		}
		return nil, err
	}
	return raw, nil
}

// isGzip reports whether raw starts as a gzip stream does.
func isGzip(raw []byte) bool { return len(raw) >= 2 && raw[0] == 0x1f && raw[1] == 0x8b }

// payRoundTrip posts body to the pay endpoint and returns the answer of a
// 200 response.
func (c *Client) payRoundTrip(ctx context.Context, call payCall, body []byte) ([]byte, error) {
	base, hc := c.payBaseURL, c.http
	if call.withCert {
		if c.certHTTP == nil {
			return nil, fmt.Errorf("%w: the client certificate (Settings.CertPEMPath and KeyPEMPath) is required for /secapi/ endpoints", ErrPayNotConfigured)
		}
		base, hc = c.paySecureBase, c.certHTTP
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+call.path, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("wego: %s: %w", call.path, redactURLError(err))
	}
	req.Header.Set("Content-Type", "text/xml; charset=utf-8")
	limit := int64(maxPayAnswer)
	if call.bill {
		limit = maxBill
	}
	return c.roundTrip(ctx, hc, req, call.path, limit)
}

// certHTTPClient returns a client that presents cert, built from hc: its
// *http.Transport is cloned (keeping its proxy, timeouts and trusted roots)
// and given the certificate. A transport of another type is used as given
// and must present the certificate itself.
func certHTTPClient(hc *http.Client, cert *tls.Certificate) *http.Client {
	rt := hc.Transport
	if rt == nil {
		rt = http.DefaultTransport
	}
	tr, ok := rt.(*http.Transport)
	if !ok {
		return hc
	}
	tr = tr.Clone()
	if tr.TLSClientConfig == nil {
		tr.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	tr.TLSClientConfig.Certificates = []tls.Certificate{*cert}
	out := *hc
	out.Transport = tr
	return &out
}

// payConfigured reports whether the Client has the merchant's credentials.
func (c *Client) payConfigured() error {
	if c.s.MchID == "" || c.s.MchSecret == "" {
		return fmt.Errorf("%w: Settings.MchID and MchSecret are required", ErrPayNotConfigured)
	}
	return nil
}
