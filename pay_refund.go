package wego

import (
	"context"
	"crypto/aes"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// RefundStatus is the state of a refund (refund_status).
type RefundStatus string

// The refund states of WeChat Pay v2.
const (
	RefundStatusSuccess     RefundStatus = "SUCCESS"     // refunded
	RefundStatusProcessing  RefundStatus = "PROCESSING"  // under way
	RefundStatusChange      RefundStatus = "CHANGE"      // failed: the payer's account cannot receive it; handle it offline
	RefundStatusRefundClose RefundStatus = "REFUNDCLOSE" // closed
)

// RefundRequest is a refund for [Client.RefundOrder]. Amounts are integers
// in fen.
//
// WeChat docs: https://pay.weixin.qq.com/wiki/doc/api/jsapi.php?chapter=9_4
type RefundRequest struct {
	TransactionID string // WeChat's order number, or
	OutTradeNo    string // the merchant's (one of them is required)
	OutRefundNo   string // required: the merchant's refund number; the same number refunds once
	TotalFee      int64  // required: the order's amount in fen
	RefundFee     int64  // required: the amount to refund in fen, at most TotalFee
	RefundFeeType string // currency, CNY when empty
	RefundDesc    string // shown to the payer
	RefundAccount string // which funds pay the refund, e.g. REFUND_SOURCE_RECHARGE_FUNDS
	NotifyURL     string // where WeChat posts the refund result; empty means the one set on the merchant platform
	OpUserID      string // the operator; Settings.MchID when empty, as in Python wego
	// Extra holds parameters this struct does not name. They are sent as given.
	Extra map[string]string
}

// Refund is WeChat's acceptance of a refund request. The refund itself
// completes later: see [Client.QueryRefund] and [Client.ParseRefundNotify].
type Refund struct {
	TransactionID       string
	OutTradeNo          string
	OutRefundNo         string
	RefundID            string // WeChat's refund number
	RefundFee           int64  // fen
	SettlementRefundFee int64
	TotalFee            int64
	SettlementTotalFee  int64
	CashFee             int64
	CashRefundFee       int64
	CouponRefundFee     int64
	// Fields is the whole verified answer.
	Fields map[string]string
}

// RefundOrder asks WeChat to refund an order (Python wego refund_order, 申请退款),
// over mutual TLS with the merchant's client certificate from
// Settings.CertPEMPath and KeyPEMPath. With Settings.Debug both amounts are
// forced to 1 fen, as the order's was.
//
// WeChat docs: https://pay.weixin.qq.com/wiki/doc/api/jsapi.php?chapter=9_4
func (c *Client) RefundOrder(ctx context.Context, r RefundRequest) (*Refund, error) {
	if err := c.payConfigured(); err != nil {
		return nil, err
	}
	p, err := OrderRef{TransactionID: r.TransactionID, OutTradeNo: r.OutTradeNo}.params()
	if err != nil {
		return nil, err
	}
	if r.OutRefundNo == "" {
		return nil, missing("out_refund_no")
	}
	if err := checkFen("total_fee", r.TotalFee); err != nil {
		return nil, err
	}
	if err := checkFen("refund_fee", r.RefundFee); err != nil {
		return nil, err
	}
	if r.RefundFee > r.TotalFee {
		return nil, fmt.Errorf("%w: refund_fee %d is more than total_fee %d", ErrInvalidAmount, r.RefundFee, r.TotalFee)
	}
	if r.OpUserID == "" {
		r.OpUserID = c.s.MchID
	}
	if c.s.Debug {
		r.TotalFee, r.RefundFee = 1, 1
	}
	for k, v := range map[string]string{
		"out_refund_no": r.OutRefundNo, "total_fee": strconv.FormatInt(r.TotalFee, 10),
		"refund_fee": strconv.FormatInt(r.RefundFee, 10), "refund_fee_type": r.RefundFeeType,
		"refund_desc": r.RefundDesc, "refund_account": r.RefundAccount, "notify_url": r.NotifyURL,
		"op_user_id": r.OpUserID,
	} {
		p[k] = v
	}
	addExtra(p, r.Extra)

	a, err := c.WeChat.Refund(ctx, p)
	if err != nil {
		return nil, err
	}
	rd := answerReader{m: a}
	out := &Refund{
		TransactionID: a["transaction_id"], OutTradeNo: a["out_trade_no"],
		OutRefundNo: a["out_refund_no"], RefundID: a["refund_id"],
		RefundFee: rd.fenOf("refund_fee"), SettlementRefundFee: rd.fenOf("settlement_refund_fee"),
		TotalFee: rd.fenOf("total_fee"), SettlementTotalFee: rd.fenOf("settlement_total_fee"),
		CashFee: rd.fenOf("cash_fee"), CashRefundFee: rd.fenOf("cash_refund_fee"),
		CouponRefundFee: rd.fenOf("coupon_refund_fee"), Fields: a,
	}
	if out.RefundID == "" {
		rd.fail("answer without refund_id")
	}
	if err := rd.answerErr(payPathRefund); err != nil {
		return nil, err
	}
	return out, nil
}

// RefundQuery names what [Client.QueryRefund] looks for: one of the four
// ids is required; WeChat uses refund_id first, then out_refund_no,
// transaction_id and out_trade_no.
type RefundQuery struct {
	RefundID      string
	OutRefundNo   string
	TransactionID string
	OutTradeNo    string
	// Offset skips that many refunds of an order with more than ten.
	Offset int
}

// RefundQueryResult lists the refunds of an order.
type RefundQueryResult struct {
	TransactionID      string
	OutTradeNo         string
	TotalFee           int64
	SettlementTotalFee int64
	CashFee            int64
	// TotalRefundCount is how many refunds the order has in all; Refunds
	// holds at most ten from Offset.
	TotalRefundCount int
	Refunds          []RefundItem
	// Fields is the whole verified answer.
	Fields map[string]string
}

// RefundItem is one refund in a [RefundQueryResult] (the fields WeChat
// suffixes with _$n).
type RefundItem struct {
	OutRefundNo         string
	RefundID            string
	RefundChannel       string // ORIGINAL or BALANCE
	RefundFee           int64
	SettlementRefundFee int64
	RefundStatus        RefundStatus
	RefundAccount       string
	RefundRecvAccount   string    // refund_recv_accout (sic): where the money went
	SuccessTime         time.Time // zero until SUCCESS
}

// maxRefundsPerAnswer bounds refund_count: WeChat answers at most ten.
const maxRefundsPerAnswer = 50

// QueryRefund asks WeChat for the refunds of an order (Python wego query_refund,
// 查询退款). It is retried when WeChat answers SYSTEMERROR.
//
// WeChat docs: https://pay.weixin.qq.com/wiki/doc/api/jsapi.php?chapter=9_5
func (c *Client) QueryRefund(ctx context.Context, q RefundQuery) (*RefundQueryResult, error) {
	if q.RefundID == "" && q.OutRefundNo == "" && q.TransactionID == "" && q.OutTradeNo == "" {
		return nil, missing("refund_id, out_refund_no, transaction_id or out_trade_no")
	}
	if q.Offset < 0 {
		return nil, fmt.Errorf("wego: refund query offset must not be negative")
	}
	p := map[string]string{
		"refund_id": q.RefundID, "out_refund_no": q.OutRefundNo,
		"transaction_id": q.TransactionID, "out_trade_no": q.OutTradeNo,
	}
	if q.Offset > 0 {
		p["offset"] = strconv.Itoa(q.Offset)
	}
	a, err := c.WeChat.RefundQuery(ctx, p)
	if err != nil {
		return nil, err
	}
	rd := answerReader{m: a}
	out := &RefundQueryResult{
		TransactionID: a["transaction_id"], OutTradeNo: a["out_trade_no"],
		TotalFee: rd.fenOf("total_fee"), SettlementTotalFee: rd.fenOf("settlement_total_fee"),
		CashFee: rd.fenOf("cash_fee"), Fields: a,
	}
	n := rd.countOf("refund_count")
	out.TotalRefundCount = rd.countOf("total_refund_count")
	if out.TotalRefundCount == 0 {
		out.TotalRefundCount = n
	}
	if n > maxRefundsPerAnswer {
		rd.fail("refund_count out of range")
		return nil, rd.answerErr(payPathRefundQuery)
	}
	for i := range n {
		s := "_" + strconv.Itoa(i)
		out.Refunds = append(out.Refunds, RefundItem{
			OutRefundNo: a["out_refund_no"+s], RefundID: a["refund_id"+s], RefundChannel: a["refund_channel"+s],
			RefundFee: rd.fenOf("refund_fee" + s), SettlementRefundFee: rd.fenOf("settlement_refund_fee" + s),
			RefundStatus: RefundStatus(a["refund_status"+s]), RefundAccount: a["refund_account"+s],
			RefundRecvAccount: a["refund_recv_accout"+s],
			SuccessTime:       rd.timeOf("refund_success_time"+s, time.DateTime),
		})
	}
	if err := rd.answerErr(payPathRefundQuery); err != nil {
		return nil, err
	}
	return out, nil
}

// RefundNotify is a refund notification (退款结果通知) after its req_info was
// decrypted: the typed fields, and every field through Get.
//
// WeChat docs: https://pay.weixin.qq.com/wiki/doc/api/jsapi.php?chapter=9_16&index=10
type RefundNotify struct {
	AppID               string
	MchID               string
	TransactionID       string
	OutTradeNo          string
	RefundID            string
	OutRefundNo         string
	TotalFee            int64
	SettlementTotalFee  int64
	RefundFee           int64
	SettlementRefundFee int64
	RefundStatus        RefundStatus
	SuccessTime         time.Time // zero unless SUCCESS
	RefundRecvAccount   string    // refund_recv_accout (sic)
	RefundAccount       string
	RefundRequestSource string // API or VENDOR_PLATFORM

	fields []payField // the decrypted fields, then the outer ones
}

// Get returns the field name of the decrypted req_info, or of the outer
// message (appid, mch_id, ...), "" when absent.
func (n *RefundNotify) Get(name string) string {
	for _, f := range n.fields {
		if f.k == name {
			return f.v
		}
	}
	return ""
}

// Success returns the answer that tells WeChat the notification was handled.
func (n *RefundNotify) Success() []byte { return payNotifySuccess() }

// Fail returns the answer that makes WeChat send the notification again later.
func (n *RefundNotify) Fail(msg string) []byte { return payNotifyFail(msg) }

// ParseRefundNotify reads a refund notification from r (its body is capped
// at 64 KiB), checks that it is for our appid and mch_id, and decrypts its
// req_info with the API key: a refund notification carries no sign, so only
// the key authenticates it. Answer WeChat with [RefundNotify.Success] or
// Fail, or use [Client.RefundNotifyHandler].
//
// WeChat docs: https://pay.weixin.qq.com/wiki/doc/api/jsapi.php?chapter=9_16&index=10
func (c *Client) ParseRefundNotify(r *http.Request) (*RefundNotify, error) {
	body, err := readNotifyBody(r)
	if err != nil {
		return nil, err
	}
	return c.ParseRefundNotifyBody(body)
}

// ParseRefundNotifyBody is [Client.ParseRefundNotify] for a body already
// read; a body over 64 KiB is refused ([ErrBodyTooLarge]). The message and
// its req_info must be flat, each field once: anything else wraps
// [ErrMalformedMessage].
func (c *Client) ParseRefundNotifyBody(body []byte) (*RefundNotify, error) {
	if err := c.payConfigured(); err != nil {
		return nil, err
	}
	if len(body) > maxNotifyBody {
		return nil, errNotifyTooLarge
	}
	d := getPayDoc()
	defer putPayDoc(d)
	if err := d.Parse(body); err != nil {
		return nil, fmt.Errorf("%w: refund notification: %w", ErrMalformedMessage, err)
	}
	if err := checkFlat(d, payNotifyRefund); err != nil {
		return nil, err
	}
	if err := payReturnCode(payNotifyRefund, d); err != nil {
		return nil, err
	}
	if err := c.checkPayIDs(d.Get("appid"), d.Get("mch_id")); err != nil {
		return nil, err
	}
	plain, err := DecryptRefundReqInfo(d.Get("req_info"), c.s.MchSecret)
	if err != nil {
		return nil, err
	}
	inner := getPayDoc()
	defer putPayDoc(inner)
	if err := inner.Parse(plain); err != nil {
		return nil, fmt.Errorf("%w: refund req_info: %w", ErrMalformedMessage, err)
	}
	// AES-ECB carries no MAC: blocks of a genuine req_info can be repeated
	// or moved, so a repeated field may be an attacker's.
	if err := checkFlat(inner, "refund req_info"); err != nil {
		return nil, err
	}
	n := &RefundNotify{AppID: d.Get("appid"), MchID: d.Get("mch_id")}
	n.fields = make([]payField, 0, inner.Len()+d.Len())
	var r fieldReader
	for k, v := range inner.All() {
		n.fields = append(n.fields, payField{k, v})
		switch k {
		case "transaction_id":
			n.TransactionID = v
		case "out_trade_no":
			n.OutTradeNo = v
		case "refund_id":
			n.RefundID = v
		case "out_refund_no":
			n.OutRefundNo = v
		case "total_fee":
			n.TotalFee = r.fen(k, v)
		case "settlement_total_fee":
			n.SettlementTotalFee = r.fen(k, v)
		case "refund_fee":
			n.RefundFee = r.fen(k, v)
		case "settlement_refund_fee":
			n.SettlementRefundFee = r.fen(k, v)
		case "refund_status":
			n.RefundStatus = RefundStatus(v)
		case "success_time":
			n.SuccessTime = r.time(k, v, time.DateTime)
		case "refund_recv_accout":
			n.RefundRecvAccount = v
		case "refund_account":
			n.RefundAccount = v
		case "refund_request_source":
			n.RefundRequestSource = v
		}
	}
	for k, v := range d.All() {
		if k != "req_info" {
			n.fields = append(n.fields, payField{k, v})
		}
	}
	if n.RefundID == "" || n.OutRefundNo == "" {
		r.fail("no refund_id or out_refund_no")
	}
	if err := r.messageErr(payNotifyRefund); err != nil {
		return nil, err
	}
	return n, nil
}

// DecryptRefundReqInfo decrypts the req_info of a refund notification: base64,
// then AES-256-ECB keyed with the lower-case hex MD5 of the API key
// (Settings.MchSecret), then PKCS#7 padding. It returns the inner XML
// (<root>...</root>).
//
// WeChat docs: https://pay.weixin.qq.com/wiki/doc/api/jsapi.php?chapter=9_16&index=10
func DecryptRefundReqInfo(reqInfo, apiKey string) ([]byte, error) {
	if reqInfo == "" {
		return nil, fmt.Errorf("%w: refund notification without req_info", ErrMalformedMessage)
	}
	buf, err := base64.StdEncoding.DecodeString(reqInfo)
	if err != nil {
		return nil, fmt.Errorf("%w: req_info is not base64", ErrMalformedMessage)
	}
	if len(buf) == 0 || len(buf)%aes.BlockSize != 0 {
		return nil, fmt.Errorf("%w: req_info is not whole AES blocks", ErrMalformedMessage)
	}
	sum := md5.Sum([]byte(apiKey))
	var key [md5.Size * 2]byte
	hex.Encode(key[:], sum[:])
	block, err := aes.NewCipher(key[:])
	if err != nil {
		return nil, err // cannot happen: the key is 32 bytes
	}
	for i := 0; i < len(buf); i += aes.BlockSize {
		block.Decrypt(buf[i:i+aes.BlockSize], buf[i:i+aes.BlockSize])
	}
	pad := int(buf[len(buf)-1])
	if pad == 0 || pad > aes.BlockSize {
		return nil, fmt.Errorf("%w: req_info padding (wrong API key?)", ErrMalformedMessage)
	}
	for _, b := range buf[len(buf)-pad:] {
		if int(b) != pad {
			return nil, fmt.Errorf("%w: req_info padding (wrong API key?)", ErrMalformedMessage)
		}
	}
	return buf[:len(buf)-pad], nil
}
