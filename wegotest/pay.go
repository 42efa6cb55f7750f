package wegotest

import (
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wego-sdk/wego"
)

// Paths of the WeChat Pay v2 endpoints the fake serves. PathRefund is served
// on [Server.PaySecureURL], which demands the merchant's client certificate
// in the TLS handshake; on [Server.URL] it answers FAIL.
const (
	PathUnifiedOrder = "/pay/unifiedorder"
	PathOrderQuery   = "/pay/orderquery"
	PathCloseOrder   = "/pay/closeorder"
	PathRefund       = "/secapi/pay/refund"
	PathRefundQuery  = "/pay/refundquery"
	PathDownloadBill = "/pay/downloadbill"
	PathPayReport    = "/payitil/report"
)

// chinaTime is the zone of every time WeChat Pay prints.
var chinaTime = time.FixedZone("CST", 8*3600)

// payState is the merchant side of the fake: orders, refunds and the TLS
// listener for the certificate endpoints. Guarded by its own mutex.
type payState struct {
	certs  *payCerts
	secure *httptest.Server
	notify *http.Client // posts notifications to the merchant

	certsOwnedByTest atomic.Bool

	mu          sync.Mutex
	orders      map[string]*payOrder // by out_trade_no
	byTxn       map[string]*payOrder // by transaction_id
	refunds     map[string]*payRefund
	refundsByID map[string]*payRefund
	faults      map[string][]string // path → err_code answered next
}

// payOrder is one order.
type payOrder struct {
	outTradeNo, transactionID, prepayID string
	body, attach, openID                string
	tradeType                           wego.TradeType
	feeType, deviceInfo, notifyURL      string
	codeURL, mwebURL, productID         string
	totalFee, refunded                  int64
	signType                            wego.SignType
	state                               wego.TradeState // NOTPAY → SUCCESS (PayOrder) or CLOSED; REFUND once refunded
	paidAt                              time.Time
	notification                        []byte // the pay notification, once paid
	refunds                             []*payRefund
}

// payRefund is one refund of an order.
type payRefund struct {
	order                 *payOrder
	outRefundNo, refundID string
	refundFee             int64
	notifyURL             string
	status                wego.RefundStatus // PROCESSING until CompleteRefund
	created, successAt    time.Time
}

// startPay gives the server a merchant account, its certificates and the
// TLS listener for refunds, and routes the pay endpoints. It panics when the
// certificates cannot be made, as httptest does when it cannot listen.
func (s *Server) startPay() {
	s.MchID = "19" + randomDigits(8)
	s.MchSecret = randomHex(16)
	certs, err := newPayCerts(s.MchID)
	if err != nil {
		panic("wegotest: pay certificates: " + err.Error())
	}
	p := &s.pay
	p.certs = certs
	p.notify = &http.Client{Timeout: 10 * time.Second}
	p.orders = make(map[string]*payOrder)
	p.byTxn = make(map[string]*payOrder)
	p.refunds = make(map[string]*payRefund)
	p.refundsByID = make(map[string]*payRefund)
	p.faults = make(map[string][]string)

	p.secure = httptest.NewUnstartedServer(http.HandlerFunc(s.serve))
	p.secure.TLS = certs.serverTLS()
	// Handshakes without a certificate are the point of this listener;
	// keep them out of the test output.
	p.secure.Config.ErrorLog = log.New(io.Discard, "", 0)
	p.secure.StartTLS()
	s.PaySecureURL = p.secure.URL
	// The client of Settings trusts the CA, but has no client certificate:
	// the SDK adds the merchant's.
	if tr, ok := s.ts.Client().Transport.(*http.Transport); ok {
		tr.TLSClientConfig = certs.clientTLS()
	}

	s.routePay(PathUnifiedOrder, s.unifiedOrder)
	s.routePay(PathOrderQuery, s.orderQuery)
	s.routePay(PathCloseOrder, s.closeOrder)
	s.routePay(PathRefund, s.refund)
	s.routePay(PathRefundQuery, s.refundQuery)
	s.routePay(PathDownloadBill, s.downloadBill)
	s.routePay(PathPayReport, s.payReport)
}

// closePay stops the TLS listener and removes the certificate files,
// unless the test owns them (see keepPayCertsUntilEnd).
func (s *Server) closePay() {
	s.pay.secure.Close()
	if !s.pay.certsOwnedByTest.Load() {
		s.pay.certs.remove()
	}
}

// keepPayCertsUntilEnd leaves the certificate files of a server made by
// [New] in place until the test ends, so a test that closes the server
// early can still build clients from the Settings it took.
func (s *Server) keepPayCertsUntilEnd(tb testing.TB) {
	s.pay.certsOwnedByTest.Store(true)
	tb.Cleanup(s.pay.certs.remove)
}

// FailNextPay makes the next request to the pay endpoint path answer
// result_code FAIL with errCode (e.g. "SYSTEMERROR", "ORDERPAID") and
// WeChat's description of it, signed as a real answer. Calls queue up.
func (s *Server) FailNextPay(path, errCode string) {
	s.pay.mu.Lock()
	s.pay.faults[path] = append(s.pay.faults[path], errCode)
	s.pay.mu.Unlock()
}

// TradeState returns the trade_state of the order outTradeNo, or "" when
// there is none. An order starts [wego.TradeStateNotPay];
// [Server.PayOrder] makes it [wego.TradeStateSuccess], closeorder
// [wego.TradeStateClosed] and a refund [wego.TradeStateRefund].
func (s *Server) TradeState(outTradeNo string) wego.TradeState {
	s.pay.mu.Lock()
	defer s.pay.mu.Unlock()
	if o := s.pay.orders[outTradeNo]; o != nil {
		return o.state
	}
	return ""
}

// RefundStatus returns the refund_status of the refund outRefundNo, or ""
// when there is none: [wego.RefundStatusProcessing] until
// [Server.CompleteRefund] makes it [wego.RefundStatusSuccess].
func (s *Server) RefundStatus(outRefundNo string) wego.RefundStatus {
	s.pay.mu.Lock()
	defer s.pay.mu.Unlock()
	if rf := s.pay.refunds[outRefundNo]; rf != nil {
		return rf.status
	}
	return ""
}

// payReply is what a pay endpoint answers: fields of a successful answer, a
// business failure (result_code FAIL) or a communication failure
// (return_code FAIL); raw answers are sent as they are (bills).
type payReply struct {
	fields    map[string]string
	errCode   string // err_code, or downloadbill's error_code with returnMsg
	errDes    string
	returnMsg string
	raw       []byte
	unsigned  bool // payitil/report answers carry no sign
}

func fail(code, des string) payReply { return payReply{errCode: code, errDes: des} }
func refuse(msg string) payReply     { return payReply{returnMsg: msg} }

// errDescriptions are WeChat's texts for the err_code values FailNextPay
// injects.
var errDescriptions = map[string]string{
	"SYSTEMERROR":       "系统错误",
	"BIZERR_NEED_RETRY": "退款业务流程错误，需要商户触发重试来解决",
	"FREQUENCY_LIMITED": "频率限制",
	"ORDERPAID":         "该订单已支付",
	"ORDERCLOSED":       "该订单已关",
	"ORDERNOTEXIST":     "订单不存在",
	"NOTENOUGH":         "余额不足",
	"NOAUTH":            "商户无此接口权限",
}

// routePay registers a pay endpoint. It reads the XML request, checks it as
// WeChat does (POST, well-formed, our appid and mch_id, a valid sign under
// its sign_type), then lets fn answer; answers are signed with the
// request's sign type.
func (s *Server) routePay(path string, fn func(r *http.Request, req map[string]string) payReply) {
	s.route(path, func(w http.ResponseWriter, r *http.Request) {
		reply, signType := s.payRequest(path, r, fn)
		switch {
		case reply.raw != nil:
			w.Header().Set("Content-Type", "text/plain;charset=utf-8")
			_, _ = w.Write(reply.raw)
			return
		case reply.returnMsg != "":
			out := map[string]string{"return_code": "FAIL", "return_msg": reply.returnMsg}
			if reply.errCode != "" {
				out["error_code"] = reply.errCode // downloadbill's form
			}
			writePayXML(w, out)
			return
		}
		out := reply.fields
		if out == nil {
			out = map[string]string{}
		}
		out["return_code"], out["return_msg"] = "SUCCESS", "OK"
		if reply.unsigned {
			out["result_code"] = "SUCCESS"
			writePayXML(w, out)
			return
		}
		dropEmpty(out)
		out["appid"], out["mch_id"], out["nonce_str"] = s.AppID, s.MchID, randomHex(16)
		if reply.errCode != "" {
			out["result_code"], out["err_code"], out["err_code_des"] = "FAIL", reply.errCode, reply.errDes
		} else {
			out["result_code"] = "SUCCESS"
		}
		out["sign"] = wego.Sign(out, s.MchSecret, signType)
		writePayXML(w, out)
	})
}

// payRequest checks one request and runs fn; it returns the reply and the
// sign type answers use.
func (s *Server) payRequest(path string, r *http.Request, fn func(*http.Request, map[string]string) payReply) (payReply, wego.SignType) {
	if r.Method != http.MethodPost {
		return refuse("请使用post方法"), wego.SignTypeMD5
	}
	if path == PathRefund && (r.TLS == nil || len(r.TLS.PeerCertificates) == 0) {
		return refuse("证书不存在或无效，请使用商户证书请求"), wego.SignTypeMD5
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil || len(body) == 0 {
		return refuse("post数据为空"), wego.SignTypeMD5
	}
	req, err := parsePayXML(body)
	if err != nil {
		return refuse("XML格式错误"), wego.SignTypeMD5
	}
	signType := wego.SignType(req["sign_type"])
	switch signType {
	case "":
		signType = wego.SignTypeMD5
	case wego.SignTypeMD5, wego.SignTypeHMACSHA256:
	default:
		return refuse("sign_type参数错误"), wego.SignTypeMD5
	}
	switch {
	case req["appid"] != s.AppID:
		return refuse("appid不存在"), signType
	case req["mch_id"] != s.MchID:
		return refuse("商户号mch_id与appid不匹配"), signType
	case req["nonce_str"] == "" || len(req["nonce_str"]) > 32:
		return refuse("nonce_str参数错误"), signType
	case req["sign"] != wego.Sign(req, s.MchSecret, signType):
		return refuse("签名错误"), signType
	}
	if path == PathRefund && r.TLS.PeerCertificates[0].Subject.CommonName != s.MchID {
		return refuse("证书与商户号不匹配"), signType
	}
	s.pay.mu.Lock()
	var fault string
	if q := s.pay.faults[path]; len(q) > 0 {
		fault = q[0]
		s.pay.faults[path] = q[1:]
	}
	s.pay.mu.Unlock()
	if fault != "" {
		des, ok := errDescriptions[fault]
		if !ok {
			des = fault
		}
		return fail(fault, des), signType
	}
	reply := fn(r, req)
	if path == PathDownloadBill && reply.errCode != "" && reply.returnMsg == "" {
		// downloadbill answers errors in its own form: return_code FAIL
		// with error_code.
		reply = payReply{returnMsg: reply.errDes, errCode: reply.errCode}
	}
	return reply, signType
}

// dropEmpty removes the fields without a value: WeChat leaves them out.
func dropEmpty(m map[string]string) {
	for k, v := range m {
		if v == "" {
			delete(m, k)
		}
	}
}

func writePayXML(w http.ResponseWriter, m map[string]string) {
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	_, _ = w.Write(encodePayXML("xml", m))
}

// unifiedOrder is /pay/unifiedorder: it creates an order in state NOTPAY,
// or answers the same prepay_id for a repeated identical request.
func (s *Server) unifiedOrder(_ *http.Request, req map[string]string) payReply {
	for _, k := range []string{"body", "out_trade_no", "total_fee", "spbill_create_ip", "notify_url", "trade_type"} {
		if req[k] == "" {
			return fail("LACK_PARAMS", "缺少参数"+k)
		}
	}
	fee, ok := parseFen(req["total_fee"])
	if !ok {
		return fail("PARAM_ERROR", "total_fee参数错误")
	}
	if len(req["out_trade_no"]) > 32 {
		return fail("PARAM_ERROR", "out_trade_no参数长度有误")
	}
	if u, err := url.Parse(req["notify_url"]); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fail("PARAM_ERROR", "notify_url参数格式错误")
	}
	tt := wego.TradeType(req["trade_type"])
	switch tt {
	case wego.TradeTypeJSAPI:
		if req["openid"] == "" {
			return fail("PARAM_ERROR", "JSAPI支付必须传openid")
		}
	case wego.TradeTypeNative:
		if req["product_id"] == "" {
			return fail("PARAM_ERROR", "NATIVE支付必须传product_id")
		}
	case wego.TradeTypeApp, wego.TradeTypeMWeb:
	default:
		return fail("PARAM_ERROR", "trade_type参数错误")
	}
	signType := wego.SignType(req["sign_type"])
	if signType == "" {
		signType = wego.SignTypeMD5
	}

	p := &s.pay
	p.mu.Lock()
	defer p.mu.Unlock()
	o := p.orders[req["out_trade_no"]]
	if o != nil {
		switch o.state {
		case wego.TradeStateSuccess, wego.TradeStateRefund:
			return fail("ORDERPAID", "该订单已支付")
		case wego.TradeStateClosed:
			return fail("ORDERCLOSED", "该订单已关")
		}
		if o.totalFee != fee || o.body != req["body"] || o.tradeType != tt || o.openID != req["openid"] {
			return fail("INVALID_REQUEST", "201 商户订单号重复")
		}
	} else {
		o = &payOrder{
			outTradeNo: req["out_trade_no"], prepayID: "wx" + time.Now().In(chinaTime).Format("20060102150405") + randomHex(10),
			body: req["body"], attach: req["attach"], openID: req["openid"], tradeType: tt,
			feeType: req["fee_type"], deviceInfo: req["device_info"], notifyURL: req["notify_url"],
			productID: req["product_id"], totalFee: fee, signType: signType, state: wego.TradeStateNotPay,
		}
		if o.feeType == "" {
			o.feeType = "CNY"
		}
		switch tt {
		case wego.TradeTypeNative:
			o.codeURL = "weixin://wxpay/bizpayurl?pr=" + randomHex(4)
		case wego.TradeTypeMWeb:
			o.mwebURL = "https://wx.tenpay.com/cgi-bin/mmpayweb-bin/checkmweb?prepay_id=" + o.prepayID + "&package=" + randomDigits(10)
		}
		p.orders[o.outTradeNo] = o
	}
	out := map[string]string{"trade_type": string(tt), "prepay_id": o.prepayID, "device_info": o.deviceInfo}
	if o.codeURL != "" {
		out["code_url"] = o.codeURL
	}
	if o.mwebURL != "" {
		out["mweb_url"] = o.mwebURL
	}
	return payReply{fields: out}
}

// findOrderLocked looks an order up by transaction_id (first, as WeChat
// does) or out_trade_no; s.pay.mu is held.
func (s *Server) findOrderLocked(transactionID, outTradeNo string) *payOrder {
	if transactionID != "" {
		o := s.pay.byTxn[transactionID]
		if o == nil || (outTradeNo != "" && o.outTradeNo != outTradeNo) {
			return nil
		}
		return o
	}
	return s.pay.orders[outTradeNo]
}

var tradeStateDesc = map[wego.TradeState]string{
	wego.TradeStateNotPay:  "订单未支付",
	wego.TradeStateSuccess: "支付成功",
	wego.TradeStateClosed:  "订单已关闭",
	wego.TradeStateRefund:  "订单发生过退款，退款详情请查询退款单",
}

// orderQuery is /pay/orderquery.
func (s *Server) orderQuery(_ *http.Request, req map[string]string) payReply {
	if req["transaction_id"] == "" && req["out_trade_no"] == "" {
		return fail("LACK_PARAMS", "缺少参数out_trade_no或transaction_id")
	}
	s.pay.mu.Lock()
	defer s.pay.mu.Unlock()
	o := s.findOrderLocked(req["transaction_id"], req["out_trade_no"])
	if o == nil {
		return fail("ORDERNOTEXIST", "订单不存在")
	}
	out := map[string]string{
		"out_trade_no": o.outTradeNo, "trade_state": string(o.state), "trade_state_desc": tradeStateDesc[o.state],
		"total_fee": strconv.FormatInt(o.totalFee, 10), "fee_type": o.feeType, "attach": o.attach,
		"device_info": o.deviceInfo, "openid": o.openID, "trade_type": string(o.tradeType),
	}
	if !o.paidAt.IsZero() {
		for k, v := range o.paidFields() {
			out[k] = v
		}
	}
	return payReply{fields: out}
}

// paidFields are the fields an order has once paid.
func (o *payOrder) paidFields() map[string]string {
	return map[string]string{
		"transaction_id": o.transactionID,
		"time_end":       o.paidAt.In(chinaTime).Format("20060102150405"),
		"bank_type":      "CMC",
		"cash_fee":       strconv.FormatInt(o.totalFee, 10),
		"is_subscribe":   "Y",
	}
}

// closeOrder is /pay/closeorder: NOTPAY → CLOSED.
func (s *Server) closeOrder(_ *http.Request, req map[string]string) payReply {
	if req["out_trade_no"] == "" {
		return fail("LACK_PARAMS", "缺少参数out_trade_no")
	}
	s.pay.mu.Lock()
	defer s.pay.mu.Unlock()
	o := s.pay.orders[req["out_trade_no"]]
	switch {
	case o == nil:
		return fail("ORDERNOTEXIST", "订单不存在")
	case o.state == wego.TradeStateSuccess || o.state == wego.TradeStateRefund:
		return fail("ORDERPAID", "订单已支付，不能发起关单")
	case o.state == wego.TradeStateClosed:
		return fail("ORDERCLOSED", "订单已关闭，无法重复关闭")
	}
	o.state = wego.TradeStateClosed
	return payReply{fields: map[string]string{"result_msg": "OK"}}
}

// refund is /secapi/pay/refund, reached with the client certificate only.
// A repeated out_refund_no with the same amounts answers the same refund.
func (s *Server) refund(_ *http.Request, req map[string]string) payReply {
	for _, k := range []string{"out_refund_no", "total_fee", "refund_fee"} {
		if req[k] == "" {
			return fail("PARAM_ERROR", "缺少参数"+k)
		}
	}
	if req["transaction_id"] == "" && req["out_trade_no"] == "" {
		return fail("PARAM_ERROR", "缺少参数out_trade_no或transaction_id")
	}
	total, ok1 := parseFen(req["total_fee"])
	fee, ok2 := parseFen(req["refund_fee"])
	if !ok1 || !ok2 {
		return fail("PARAM_ERROR", "total_fee或refund_fee参数错误")
	}
	s.pay.mu.Lock()
	defer s.pay.mu.Unlock()
	o := s.findOrderLocked(req["transaction_id"], req["out_trade_no"])
	switch {
	case o == nil:
		return fail("ORDERNOTEXIST", "订单不存在")
	case o.state != wego.TradeStateSuccess && o.state != wego.TradeStateRefund:
		return fail("TRADE_STATE_ERROR", "订单状态错误")
	case total != o.totalFee:
		return fail("PARAM_ERROR", "订单金额或退款金额与之前请求不一致，请核实后再试")
	}
	rf := s.pay.refunds[req["out_refund_no"]]
	if rf != nil {
		if rf.order != o || rf.refundFee != fee {
			return fail("PARAM_ERROR", "订单金额或退款金额与之前请求不一致，请核实后再试")
		}
	} else {
		if fee > o.totalFee-o.refunded {
			return fail("NOTENOUGH", "申请退款金额超过订单可退金额")
		}
		rf = &payRefund{
			order: o, outRefundNo: req["out_refund_no"], refundID: "50" + randomDigits(27),
			refundFee: fee, notifyURL: req["notify_url"], status: wego.RefundStatusProcessing, created: time.Now(),
		}
		o.refunded += fee
		o.state = wego.TradeStateRefund
		o.refunds = append(o.refunds, rf)
		s.pay.refunds[rf.outRefundNo] = rf
		s.pay.refundsByID[rf.refundID] = rf
	}
	return payReply{fields: map[string]string{
		"transaction_id": o.transactionID, "out_trade_no": o.outTradeNo,
		"out_refund_no": rf.outRefundNo, "refund_id": rf.refundID,
		"refund_fee": strconv.FormatInt(rf.refundFee, 10), "settlement_refund_fee": strconv.FormatInt(rf.refundFee, 10),
		"total_fee": strconv.FormatInt(o.totalFee, 10), "settlement_total_fee": strconv.FormatInt(o.totalFee, 10),
		"cash_fee": strconv.FormatInt(o.totalFee, 10), "cash_refund_fee": strconv.FormatInt(rf.refundFee, 10),
		"refund_channel": "ORIGINAL", "coupon_refund_fee": "0",
	}}
}

// refundQuery is /pay/refundquery: by refund_id, out_refund_no,
// transaction_id or out_trade_no, in WeChat's order of priority.
func (s *Server) refundQuery(_ *http.Request, req map[string]string) payReply {
	s.pay.mu.Lock()
	defer s.pay.mu.Unlock()
	var list []*payRefund
	var o *payOrder
	switch {
	case req["refund_id"] != "":
		if rf := s.pay.refundsByID[req["refund_id"]]; rf != nil {
			o, list = rf.order, []*payRefund{rf}
		}
	case req["out_refund_no"] != "":
		if rf := s.pay.refunds[req["out_refund_no"]]; rf != nil {
			o, list = rf.order, []*payRefund{rf}
		}
	case req["transaction_id"] != "" || req["out_trade_no"] != "":
		if o = s.findOrderLocked(req["transaction_id"], req["out_trade_no"]); o != nil {
			list = o.refunds
		}
	default:
		return fail("PARAM_ERROR", "缺少参数refund_id、out_refund_no、transaction_id或out_trade_no")
	}
	if len(list) == 0 {
		return fail("REFUNDNOTEXIST", "不存在退款单")
	}
	out := map[string]string{
		"transaction_id": o.transactionID, "out_trade_no": o.outTradeNo,
		"total_fee": strconv.FormatInt(o.totalFee, 10), "cash_fee": strconv.FormatInt(o.totalFee, 10),
		"refund_count": strconv.Itoa(len(list)), "total_refund_count": strconv.Itoa(len(list)),
	}
	for i, rf := range list {
		n := "_" + strconv.Itoa(i)
		out["out_refund_no"+n] = rf.outRefundNo
		out["refund_id"+n] = rf.refundID
		out["refund_channel"+n] = "ORIGINAL"
		out["refund_fee"+n] = strconv.FormatInt(rf.refundFee, 10)
		out["settlement_refund_fee"+n] = strconv.FormatInt(rf.refundFee, 10)
		out["refund_status"+n] = string(rf.status)
		out["refund_account"+n] = "REFUND_SOURCE_UNSETTLED_FUNDS"
		out["refund_recv_accout"+n] = "支付用户的零钱"
		if !rf.successAt.IsZero() {
			out["refund_success_time"+n] = rf.successAt.In(chinaTime).Format(time.DateTime)
		}
	}
	return payReply{fields: out}
}

// payReport is /payitil/report (交易保障): it checks the required fields
// and answers SUCCESS, unsigned as WeChat does.
func (s *Server) payReport(_ *http.Request, req map[string]string) payReply {
	for _, k := range []string{"interface_url", "execute_time", "return_code", "result_code", "user_ip"} {
		if req[k] == "" {
			return fail("PARAM_ERROR", "缺少参数"+k)
		}
	}
	if _, err := strconv.ParseUint(req["execute_time"], 10, 32); err != nil {
		return fail("PARAM_ERROR", "execute_time参数错误")
	}
	return payReply{unsigned: true}
}

// parseFen parses a positive amount in fen written as WeChat wants it:
// decimal digits, no sign, no leading zero.
func parseFen(s string) (int64, bool) {
	if s == "" || s[0] == '0' || len(s) > 15 {
		return 0, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil && n > 0
}

// payNotifyAnswer reads a merchant's answer to a notification.
func payNotifyAnswer(resp *http.Response) error {
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	if err != nil {
		return fmt.Errorf("wegotest: read notify answer: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("wegotest: notify answered HTTP %d: %q", resp.StatusCode, excerpt(body))
	}
	m, err := parsePayXML(body)
	if err != nil {
		return fmt.Errorf("wegotest: notify answer is not XML: %q", excerpt(body))
	}
	if m["return_code"] != "SUCCESS" {
		return &NotifyRejectedError{ReturnCode: m["return_code"], ReturnMsg: m["return_msg"]}
	}
	return nil
}

// NotifyRejectedError is returned by the methods that send notifications
// when the merchant answered, but not SUCCESS. WeChat would send the
// notification again later.
type NotifyRejectedError struct {
	ReturnCode string
	ReturnMsg  string
}

// Error gives what the merchant answered.
func (e *NotifyRejectedError) Error() string {
	return "wegotest: merchant answered the notification " + e.ReturnCode + ": " + e.ReturnMsg
}
