package wego

import (
	"errors"
	"fmt"
	"iter"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/wego-sdk/wego/internal/xmlscan"
)

// maxNotifyBody caps the body of a pay or refund notification; WeChat's
// are about 1 KiB.
const maxNotifyBody = 64 << 10

// Names of the notifications in errors, where endpoints go for calls.
const (
	payNotifyPay    = "pay notification"
	payNotifyRefund = "refund notification"
)

// PayNotify is a pay result notification (支付结果通知) whose sign, appid and
// mch_id were verified: the usual fields typed, and every field WeChat sent,
// declared here or not, through Get (Python wego WeChatPay).
//
// WeChat docs: https://pay.weixin.qq.com/wiki/doc/api/jsapi.php?chapter=9_7&index=8
type PayNotify struct {
	ResultCode    string // SUCCESS, or FAIL for a failed payment (see Paid)
	ErrCode       string
	ErrCodeDes    string
	AppID         string
	MchID         string
	DeviceInfo    string
	OpenID        string
	IsSubscribe   string
	TradeType     TradeType
	BankType      string
	FeeType       string
	TransactionID string
	OutTradeNo    string
	Attach        string
	TotalFee      int64 // fen: the order's amount
	// SettlementTotalFee is what the merchant settles (TotalFee less
	// non-recharge coupons); 0 when WeChat leaves it out.
	SettlementTotalFee int64
	CashFee            int64 // fen paid in cash
	CouponFee          int64
	TimeEnd            time.Time // when it was paid
	// SignType is the algorithm the sign verified with: the notification's
	// sign_type, or Settings.PaySignType when it names none.
	SignType SignType

	fields []payField
}

// Get returns the field name as WeChat sent it, "" when absent. The sign
// itself is not kept.
func (n *PayNotify) Get(name string) string {
	i, ok := slices.BinarySearchFunc(n.fields, name, func(f payField, name string) int { return strings.Compare(f.k, name) })
	if !ok {
		return ""
	}
	return n.fields[i].v
}

// All returns every signed field with a value, sorted by name (the order
// they are signed in); the sign itself is not kept.
func (n *PayNotify) All() iter.Seq2[string, string] {
	return func(yield func(string, string) bool) {
		for _, f := range n.fields {
			if !yield(f.k, f.v) {
				return
			}
		}
	}
}

// Paid reports whether the notification tells of a successful payment
// (result_code SUCCESS).
func (n *PayNotify) Paid() bool { return n.ResultCode == "SUCCESS" }

// Success returns the answer that tells WeChat the notification was
// handled, so it stops sending it. It may be called on a nil *PayNotify.
func (n *PayNotify) Success() []byte { return payNotifySuccess() }

// Fail returns the answer that tells WeChat the notification was not
// handled, so it sends it again later; msg says why (keep secrets out of
// it). It may be called on a nil *PayNotify, after ParsePayNotify failed.
func (n *PayNotify) Fail(msg string) []byte { return payNotifyFail(msg) }

func payNotifySuccess() []byte {
	return []byte("<xml><return_code><![CDATA[SUCCESS]]></return_code><return_msg><![CDATA[OK]]></return_msg></xml>")
}

func payNotifyFail(msg string) []byte {
	b := make([]byte, 0, 96+len(msg))
	b = append(b, "<xml><return_code><![CDATA[FAIL]]></return_code>"...)
	b = xmlscan.AppendElement(b, "return_msg", msg)
	return append(b, "</xml>"...)
}

// ParsePayNotify reads the pay notification WeChat posted in r (the body is
// capped at 64 KiB: [ErrBodyTooLarge]) and verifies it: its sign under the
// API key (with its sign_type, or Settings.PaySignType when it names none,
// as WeChat leaves it out for HMAC-SHA256 orders), and that appid and
// mch_id are ours. A notification with a nested or repeated element, sign
// included, is malformed ([ErrMalformedMessage]): its sign would not say
// which copy WeChat meant. Answer WeChat with [PayNotify.Success] or Fail,
// or let [Client.PayNotifyHandler] do all of it and de-duplicate.
//
// WeChat docs: https://pay.weixin.qq.com/wiki/doc/api/jsapi.php?chapter=9_7&index=8
func (c *Client) ParsePayNotify(r *http.Request) (*PayNotify, error) {
	body, err := readNotifyBody(r)
	if err != nil {
		return nil, err
	}
	return c.ParsePayNotifyBody(body)
}

// ParsePayNotifyBody is [Client.ParsePayNotify] for a body already read.
func (c *Client) ParsePayNotifyBody(body []byte) (*PayNotify, error) {
	if err := c.payConfigured(); err != nil {
		return nil, err
	}
	if len(body) > maxNotifyBody {
		return nil, errNotifyTooLarge
	}
	d := getPayDoc()
	defer putPayDoc(d)
	if err := d.Parse(body); err != nil {
		return nil, fmt.Errorf("%w: pay notification: %w", ErrMalformedMessage, err)
	}
	if err := payReturnCode(payNotifyPay, d); err != nil {
		return nil, err
	}
	fields, err := verifySigned(d, make([]payField, 0, d.Len()), c.s.MchSecret, c.s.PaySignType, payNotifyPay)
	if err != nil {
		return nil, err
	}
	if err := c.checkPayIDs(d.Get("appid"), d.Get("mch_id")); err != nil {
		return nil, err
	}
	return newPayNotify(fields, c.s.PaySignType)
}

// newPayNotify types the verified fields of a notification, which it keeps.
func newPayNotify(fields []payField, defaultSign SignType) (*PayNotify, error) {
	n := &PayNotify{SignType: defaultSign, fields: fields}
	var r fieldReader
	for _, f := range fields {
		k, v := f.k, f.v
		switch k {
		case "result_code":
			n.ResultCode = v
		case "err_code":
			n.ErrCode = v
		case "err_code_des":
			n.ErrCodeDes = v
		case "appid":
			n.AppID = v
		case "mch_id":
			n.MchID = v
		case "device_info":
			n.DeviceInfo = v
		case "openid":
			n.OpenID = v
		case "is_subscribe":
			n.IsSubscribe = v
		case "trade_type":
			n.TradeType = TradeType(v)
		case "bank_type":
			n.BankType = v
		case "fee_type":
			n.FeeType = v
		case "transaction_id":
			n.TransactionID = v
		case "out_trade_no":
			n.OutTradeNo = v
		case "attach":
			n.Attach = v
		case "total_fee":
			n.TotalFee = r.fen(k, v)
		case "settlement_total_fee":
			n.SettlementTotalFee = r.fen(k, v)
		case "cash_fee":
			n.CashFee = r.fen(k, v)
		case "coupon_fee":
			n.CouponFee = r.fen(k, v)
		case "time_end":
			n.TimeEnd = r.time(k, v, payTimeLayout)
		case "sign_type":
			n.SignType = SignType(v)
		}
	}
	if n.Paid() && (n.TotalFee <= 0 || n.OutTradeNo == "" || n.TransactionID == "") {
		r.fail("paid without total_fee, out_trade_no or transaction_id")
	}
	if err := r.messageErr(payNotifyPay); err != nil {
		return nil, err
	}
	return n, nil
}

// checkPayIDs checks that a notification is for our account and merchant.
func (c *Client) checkPayIDs(appID, mchID string) error {
	if appID != c.s.AppID {
		return fmt.Errorf("%w (pay message)", ErrAppIDMismatch)
	}
	if mchID != c.s.MchID {
		return fmt.Errorf("%w (pay message)", ErrMchIDMismatch)
	}
	return nil
}

// CheckPaidAmount checks that the amount a notification says was paid is
// orderTotalFee, the amount in fen of the merchant's own order for
// n.OutTradeNo: a notification is verified against the API key, but only
// the merchant knows what the goods cost. With Settings.Debug the expected
// amount is 1 fen, as UnifiedOrder forced it.
func (c *Client) CheckPaidAmount(n *PayNotify, orderTotalFee int64) error {
	if err := checkFen("order total_fee", orderTotalFee); err != nil {
		return err
	}
	want := orderTotalFee
	if c.s.Debug {
		want = 1
	}
	if n.TotalFee != want {
		return fmt.Errorf("%w: order %s: notified total_fee %d, order amount %d fen", ErrAmountMismatch, n.OutTradeNo, n.TotalFee, want)
	}
	return nil
}

// readNotifyBody reads a notification body, at most maxNotifyBody bytes.
func readNotifyBody(r *http.Request) ([]byte, error) {
	if r.Method != http.MethodPost {
		return nil, fmt.Errorf("%w: notification with method %s, want POST", ErrMalformedMessage, r.Method)
	}
	body, err := readCapped(r.Body, maxNotifyBody)
	if errors.Is(err, ErrResponseTooLarge) {
		return nil, errNotifyTooLarge
	}
	if err != nil {
		return nil, fmt.Errorf("wego: notification: %w", err)
	}
	return body, nil
}

var errNotifyTooLarge = fmt.Errorf("%w: a notification of more than %d bytes", ErrBodyTooLarge, maxNotifyBody)

// parseFenValue parses a non-negative amount in fen.
func parseFenValue(v string) (int64, bool) {
	n, err := strconv.ParseInt(v, 10, 64)
	return n, err == nil && n >= 0
}

// parsePayTime reads WeChat Pay's yyyyMMddHHmmss in China time. It is
// time.ParseInLocation(payTimeLayout, v, chinaTime) in a fifth of the time:
// it runs on every notification.
func parsePayTime(v string) (time.Time, bool) {
	if len(v) != len(payTimeLayout) {
		return time.Time{}, false
	}
	num := func(s string) int {
		n := 0
		for i := 0; i < len(s); i++ {
			if s[i] < '0' || s[i] > '9' {
				return -1
			}
			n = n*10 + int(s[i]-'0')
		}
		return n
	}
	y, mo, d, h, mi, sec := num(v[:4]), num(v[4:6]), num(v[6:8]), num(v[8:10]), num(v[10:12]), num(v[12:14])
	if y < 0 || mo < 1 || mo > 12 || d < 1 || h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 59 {
		return time.Time{}, false
	}
	t := time.Date(y, time.Month(mo), d, h, mi, sec, 0, chinaTime)
	return t, t.Day() == d // rejects 20140230, which time.Date would roll over
}
