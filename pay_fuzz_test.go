package wego_test

import (
	"bytes"
	"errors"
	"os"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/wego-sdk/wego"
	"github.com/wego-sdk/wego/internal/xmlscan"
)

// FuzzParsePayNotify feeds arbitrary bodies to the notification parser.
// With resign set, a body that parses as a flat document is first signed
// with our key, so the fuzzer reaches past the signature into typing: a
// validly signed notification may be malformed or for another merchant,
// but never fails the signature, and nothing panics or leaks the key.
func FuzzParsePayNotify(f *testing.F) {
	for _, name := range []string{"notify_signed_md5.xml", "notify_signed_hmac_sha256.xml", "notify_signed_md5_tampered.xml", "notify_official_doc.xml"} {
		b, err := os.ReadFile("testdata/pay/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, false)
		f.Add(b, true)
	}
	f.Add([]byte("<xml><return_code>FAIL</return_code></xml>"), false)
	f.Add([]byte("<xml><total_fee>-1</total_fee><result_code>SUCCESS</result_code><return_code>SUCCESS</return_code></xml>"), true)
	md5Notify, err := os.ReadFile("testdata/pay/notify_signed_md5.xml")
	if err != nil {
		f.Fatal(err)
	}
	// Repeated elements, the genuine sign among them, are refused (more
	// in testdata/fuzz/FuzzParsePayNotify/repeated_*).
	f.Add(bytes.Replace(md5Notify, []byte("</xml>"), []byte("<sign>00000000000000000000000000000000</sign></xml>"), 1), false)
	f.Add(bytes.Replace(md5Notify, []byte("<xml>"), []byte("<xml><attach></attach>"), 1), false)
	c, err := wego.NewClient(wego.Settings{AppID: docAppID, AppSecret: "s", MchID: docMchID, MchSecret: docKey})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body []byte, resign bool) {
		signed := false
		if resign {
			body, signed = resignFlat(body)
		}
		n, err := c.ParsePayNotifyBody(body)
		if err == nil && repeatsElement(body) {
			t.Fatalf("accepted a notification with a repeated element:\n%q", body)
		}
		if err != nil {
			if n != nil {
				t.Fatal("a notification and an error")
			}
			if strings.Contains(err.Error(), docKey) {
				t.Fatalf("the key in an error: %v", err)
			}
			if signed && errors.Is(err, wego.ErrInvalidSignature) {
				t.Fatalf("a validly signed notification failed verification: %v\n%q", err, body)
			}
			return
		}
		if n.AppID != docAppID || n.MchID != docMchID {
			t.Fatalf("accepted for another merchant: %q %q", n.AppID, n.MchID)
		}
		if n.Paid() && n.TotalFee <= 0 {
			t.Fatalf("a paid notification without a positive amount: %d", n.TotalFee)
		}
		for k, v := range n.All() {
			if n.Get(k) == "" && v != "" {
				t.Fatalf("Get(%q) lost its value", k)
			}
		}
	})
}

// FuzzParseRefundNotify feeds arbitrary refund notifications to the parser.
// When inner is not empty it is encrypted with our key and put in place of
// REQ_INFO in outer, so the fuzzer reaches past the decryption into the
// decrypted fields. Nothing panics or leaks the key, and an accepted
// notification is ours, flat, each field once, and typed as Get reads it.
func FuzzParseRefundNotify(f *testing.F) {
	outer := refundOuter + "<req_info>REQ_INFO</req_info>"
	f.Add([]byte("<xml>"+outer+"</xml>"), []byte(refundInner))
	f.Add([]byte("<xml>"+outer+"</xml>"), []byte(strings.Replace(refundInner, "<root>", "<root><refund_fee>100</refund_fee>", 1)))
	f.Add([]byte("<xml>"+outer+"</xml>"), []byte(strings.Replace(refundInner, "<root>", "<root><refund><refund_fee>100</refund_fee></refund>", 1)))
	f.Add([]byte("<xml>"+outer+"<mch_id>10000101</mch_id></xml>"), []byte(refundInner))
	f.Add([]byte("<xml>"+outer+"<extra><a>1</a></extra></xml>"), []byte(refundInner))
	f.Add([]byte("<xml><return_code>FAIL</return_code><return_msg>x</return_msg></xml>"), []byte(nil))
	f.Add([]byte("<xml>"+outer+"</xml>"), []byte("<root><refund_id>1</refund_id></root>"))
	c := docClient(f)
	f.Fuzz(func(t *testing.T, body, inner []byte) {
		if len(inner) > 0 {
			body = bytes.ReplaceAll(body, []byte("REQ_INFO"), []byte(encryptReqInfo(inner, docKey)))
		}
		n, err := c.ParseRefundNotifyBody(body)
		if err != nil {
			if n != nil {
				t.Fatal("a notification and an error")
			}
			if strings.Contains(err.Error(), docKey) {
				t.Fatalf("the key in an error: %v", err)
			}
			var pe *wego.PayError
			var he *wego.HTTPError
			if !errors.Is(err, wego.ErrMalformedMessage) && !errors.Is(err, wego.ErrBodyTooLarge) && !errors.Is(err, wego.ErrAppIDMismatch) &&
				!errors.Is(err, wego.ErrMchIDMismatch) && !errors.As(err, &pe) && !errors.As(err, &he) {
				t.Fatalf("an error of no known kind: %v", err)
			}
			return
		}
		switch {
		case len(body) > 64<<10:
			t.Fatalf("accepted a body of %d bytes", len(body))
		case n.AppID != docAppID || n.MchID != docMchID:
			t.Fatalf("accepted for another merchant: %q %q", n.AppID, n.MchID)
		case n.RefundID == "" || n.OutRefundNo == "":
			t.Fatal("accepted without refund_id or out_refund_no")
		case !flatOnce(body) || len(inner) > 0 && !flatOnce(inner):
			t.Fatalf("accepted a notification with a nested or repeated element:\n%q\n%q", body, inner)
		case n.Get("refund_id") != n.RefundID || n.Get("refund_fee") != "" && n.Get("refund_fee") != strconv.FormatInt(n.RefundFee, 10):
			t.Fatalf("a typed field differs from Get: %q %d", n.RefundID, n.RefundFee)
		}
	})
}

// flatOnce reports whether body parses as a document without nested
// elements in which no element name appears twice.
func flatOnce(body []byte) bool {
	var d xmlscan.Doc
	if d.Parse(body) != nil {
		return false
	}
	for k := range d.All() {
		if strings.Contains(k, ".") {
			return false
		}
	}
	return !repeatsElement(body)
}

// repeatsElement reports whether body parses as a document in which an
// element name appears more than once.
func repeatsElement(body []byte) bool {
	var d xmlscan.Doc
	if d.Parse(body) != nil {
		return false
	}
	seen := map[string]bool{}
	for k := range d.All() {
		if seen[k] {
			return true
		}
		seen[k] = true
	}
	return false
}

// resignFlat rewrites a flat document with a valid MD5 sign under docKey;
// ok is false when body is not such a document (it is returned unchanged).
func resignFlat(body []byte) ([]byte, bool) {
	var d xmlscan.Doc
	if d.Parse(body) != nil || d.Len() == 0 {
		return body, false
	}
	fields := map[string]string{}
	for k, v := range d.All() {
		if strings.Contains(k, ".") || !xmlscan.IsValid(v) {
			return body, false
		}
		if _, dup := fields[k]; dup {
			return body, false
		}
		fields[k] = v
	}
	delete(fields, "sign")
	if t, ok := fields["sign_type"]; ok && t != "MD5" && t != "HMAC-SHA256" {
		return body, false
	}
	signType := wego.SignTypeMD5
	if fields["sign_type"] == "HMAC-SHA256" {
		signType = wego.SignTypeHMACSHA256
	}
	out := xmlscan.AppendStart(nil, "xml")
	for k, v := range fields {
		out = xmlscan.AppendElement(out, k, v)
	}
	out = xmlscan.AppendElement(out, "sign", wego.Sign(fields, docKey, signType))
	return xmlscan.AppendEnd(out, "xml"), true
}

// FuzzParseBill feeds arbitrary bills to the bill parser: no panic, a bill
// that parses has rows of its columns' width, and the parse of a gzipped
// bill as it is unpacked, in two passes over a reader, agrees with
// ParseBill.
func FuzzParseBill(f *testing.F) {
	f.Add([]byte("交易时间,公众账号ID,商户订单号,应结订单金额,手续费\r\n`2024-01-02 10:00:00,`wx1,`o1,`12.30,`0.07380\r\n" +
		"总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额\r\n`1,`12.30,`0.00,`0.00,`0.07380,`12.30,`0.00\r\n"))
	f.Add([]byte("应结订单金额\n`-0.29\n总交易单数\n`1\n"))
	f.Add([]byte("\ufeff退款申请时间,退款金额\r\n`,`\r\n总交易单数\r\n`0\r\n"))
	f.Add([]byte("商品名称,商户数据包\r\n`T恤, 白色,`{\"a\":1,\"b\":[2,3]}\r\n总交易单数,备注\r\n`1,`a,b\r\n"))
	f.Add([]byte(`{"colors":["red","blue"]}`))
	f.Add([]byte("a,`b"))
	f.Add([]byte("\ufeff\r\n商户数据包\r\n\r\n`x\r\n总交易单数\r\n`1\r\n`2\r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		checkBillValue(t, data)
		b, err := wego.ParseBill(data)
		checkBillTwice(t, data, b, err)
		if err != nil {
			if !errors.Is(err, wego.ErrMalformedMessage) {
				t.Fatalf("error without ErrMalformedMessage: %v", err)
			}
			return
		}
		for i, r := range b.Rows {
			if len(r.Values) != len(b.Columns) {
				t.Fatalf("row %d has %d values for %d columns", i, len(r.Values), len(b.Columns))
			}
			for j, c := range b.Columns {
				if r.Get(c) != r.Values[j] && !containsBefore(b.Columns, c, j) {
					t.Fatalf("Get(%q) is not column %d", c, j)
				}
			}
		}
		if b.Summary.TradeCount < 0 {
			t.Fatal("negative trade count")
		}
	})
}

// checkBillTwice parses data in two passes over a reader, as
// Client.DownloadBill parses a gzipped bill once unpacked, in reads of 1 to
// 13 bytes, and checks that it gives b, or fails as ParseBill did.
func checkBillTwice(t *testing.T, data []byte, b *wego.Bill, err error) {
	tb, terr := wego.ParseBillTwice(data, 1+len(data)%13)
	switch {
	case (err == nil) != (terr == nil):
		t.Fatalf("ParseBill: %v; in two passes: %v", err, terr)
	case terr != nil && !errors.Is(terr, wego.ErrMalformedMessage):
		t.Fatalf("in two passes: error without ErrMalformedMessage: %v", terr)
	case !reflect.DeepEqual(b, tb):
		t.Fatalf("in two passes, another bill:\n%+v\n%+v", b, tb)
	}
}

// checkBillValue puts data, less its line breaks, as the attach of a row:
// it comes back intact, or the row is refused when it holds ",`", WeChat's
// field boundary.
func checkBillValue(t *testing.T, data []byte) {
	v := string(bytes.ReplaceAll(bytes.ReplaceAll(data, []byte("\r"), nil), []byte("\n"), nil))
	if len(v) > 60_000 {
		return // past the length of a bill line
	}
	bill := "交易时间,商户数据包,应结订单金额\r\n`2024-01-02 10:00:00,`" + v + ",`1.00\r\n总交易单数\r\n`1\r\n"
	b, err := wego.ParseBill([]byte(bill))
	if strings.Contains(v, ",`") {
		if !errors.Is(err, wego.ErrMalformedMessage) {
			t.Fatalf("a value holding \",`\" was not refused: %v", err)
		}
		return
	}
	if err != nil {
		t.Fatalf("a row with attach %q: %v", v, err)
	}
	if got := b.Rows[0].Attach; got != v || b.Rows[0].SettlementTotalFee != 100 {
		t.Fatalf("attach %q came back as %q", v, got)
	}
}

// containsBefore reports whether c is among cols[:j] (a repeated column
// name: Get finds the first).
func containsBefore(cols []string, c string, j int) bool {
	for _, x := range cols[:j] {
		if x == c {
			return true
		}
	}
	return false
}
