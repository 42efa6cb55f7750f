package wegotest

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/wego-sdk/wego"
)

// ErrNoOrder is returned for an out_trade_no or out_refund_no the platform
// does not know.
var ErrNoOrder = errors.New("wegotest: no such order or refund")

// PayOrder plays the user paying the order outTradeNo: the order goes from
// NOTPAY to SUCCESS with a new transaction_id, and WeChat's signed pay
// notification is posted to the order's notify_url (for an order placed
// with the PayNotifyURL of [Server.Settings], the app under test at
// [PathPayNotify]: see [Server.SetApp]). The notification is
// signed with the order's sign type and, as WeChat does, names no
// sign_type. It returns nil once the merchant answered SUCCESS, a
// [*NotifyRejectedError] when it answered FAIL (the order stays paid, as it
// would on WeChat, which then repeats the notification: see
// [Server.ResendPayNotify]), or the error of the delivery.
func (s *Server) PayOrder(outTradeNo string) error {
	p := &s.pay
	p.mu.Lock()
	o := p.orders[outTradeNo]
	switch {
	case o == nil:
		p.mu.Unlock()
		return fmt.Errorf("%w: %q", ErrNoOrder, outTradeNo)
	case o.state != wego.TradeStateNotPay:
		p.mu.Unlock()
		return fmt.Errorf("wegotest: order %q is %s, not %s", outTradeNo, o.state, wego.TradeStateNotPay)
	}
	o.state = wego.TradeStateSuccess
	o.transactionID = "42000" + randomDigits(23)
	o.paidAt = time.Now()
	p.byTxn[o.transactionID] = o
	o.notification = s.payNotificationLocked(o)
	body, to := o.notification, o.notifyURL
	p.mu.Unlock()
	return s.postNotify(to, body, "pay notification")
}

// ResendPayNotify posts the pay notification of the paid order outTradeNo
// again, byte for byte, as WeChat does when the merchant did not answer
// SUCCESS, or from another of its servers.
func (s *Server) ResendPayNotify(outTradeNo string) error {
	body, err := s.PayNotification(outTradeNo)
	if err != nil {
		return err
	}
	s.pay.mu.Lock()
	to := s.pay.orders[outTradeNo].notifyURL
	s.pay.mu.Unlock()
	return s.postNotify(to, body, "pay notification")
}

// DeliverPayNotify posts the pay notification of the paid order
// outTradeNo, byte for byte as [Server.PayOrder] sent it, to target
// instead of the order's notify_url: an http.Handler (such as wego's
// PayNotifyHandler; served on a loopback server for the delivery), a path
// on the app under test ([Server.SetApp]) or a URL. It plays the
// notification reaching another of the merchant's servers, or tests a
// handler alone. It returns what PayOrder returns for the delivery.
func (s *Server) DeliverPayNotify(target any, outTradeNo string) error {
	body, err := s.PayNotification(outTradeNo)
	if err != nil {
		return err
	}
	return s.postNotify(target, body, "pay notification")
}

// PayNotification returns the signed pay notification of the paid order
// outTradeNo, for tests that deliver it themselves.
func (s *Server) PayNotification(outTradeNo string) ([]byte, error) {
	s.pay.mu.Lock()
	defer s.pay.mu.Unlock()
	o := s.pay.orders[outTradeNo]
	if o == nil || o.notification == nil {
		return nil, fmt.Errorf("%w: no paid order %q", ErrNoOrder, outTradeNo)
	}
	return bytes.Clone(o.notification), nil
}

// payNotificationLocked builds the notification of a paid order; s.pay.mu
// is held.
func (s *Server) payNotificationLocked(o *payOrder) []byte {
	m := map[string]string{
		"return_code": "SUCCESS", "result_code": "SUCCESS",
		"appid": s.AppID, "mch_id": s.MchID, "nonce_str": randomHex(16),
		"openid": o.openID, "trade_type": string(o.tradeType), "fee_type": o.feeType,
		"total_fee": strconv.FormatInt(o.totalFee, 10), "out_trade_no": o.outTradeNo,
		"attach": o.attach, "device_info": o.deviceInfo,
	}
	for k, v := range o.paidFields() {
		m[k] = v
	}
	dropEmpty(m)
	m["sign"] = wego.Sign(m, s.MchSecret, o.signType)
	return encodePayXML("xml", m)
}

// CompleteRefund makes the refund outRefundNo succeed and, when the refund
// request named a notify_url, posts WeChat's refund notification there: its
// req_info encrypted with AES-256-ECB under the lower-case hex MD5 of the
// API key. It returns what [Server.PayOrder] returns for the delivery.
func (s *Server) CompleteRefund(outRefundNo string) error {
	p := &s.pay
	p.mu.Lock()
	rf := p.refunds[outRefundNo]
	if rf == nil {
		p.mu.Unlock()
		return fmt.Errorf("%w: %q", ErrNoOrder, outRefundNo)
	}
	if rf.status != wego.RefundStatusSuccess {
		rf.status = wego.RefundStatusSuccess
		rf.successAt = time.Now()
	}
	to := rf.notifyURL
	var body []byte
	if to != "" {
		body = s.refundNotificationLocked(rf)
	}
	p.mu.Unlock()
	if to == "" {
		return nil
	}
	return s.postNotify(to, body, "refund notification")
}

// RefundNotification returns a refund notification for outRefundNo in its
// current state, for tests that deliver it themselves.
func (s *Server) RefundNotification(outRefundNo string) ([]byte, error) {
	s.pay.mu.Lock()
	defer s.pay.mu.Unlock()
	rf := s.pay.refunds[outRefundNo]
	if rf == nil {
		return nil, fmt.Errorf("%w: %q", ErrNoOrder, outRefundNo)
	}
	return s.refundNotificationLocked(rf), nil
}

// DeliverRefundNotify posts a refund notification for outRefundNo in its
// current state to target, as [Server.DeliverPayNotify] does for a pay
// notification; the refund need not have named a notify_url (WeChat then
// uses the one set on the merchant platform).
func (s *Server) DeliverRefundNotify(target any, outRefundNo string) error {
	body, err := s.RefundNotification(outRefundNo)
	if err != nil {
		return err
	}
	return s.postNotify(target, body, "refund notification")
}

// refundNotificationLocked builds a refund notification; s.pay.mu is held.
func (s *Server) refundNotificationLocked(rf *payRefund) []byte {
	o := rf.order
	info := map[string]string{
		"transaction_id": o.transactionID, "out_trade_no": o.outTradeNo,
		"refund_id": rf.refundID, "out_refund_no": rf.outRefundNo,
		"total_fee": strconv.FormatInt(o.totalFee, 10), "settlement_total_fee": strconv.FormatInt(o.totalFee, 10),
		"refund_fee": strconv.FormatInt(rf.refundFee, 10), "settlement_refund_fee": strconv.FormatInt(rf.refundFee, 10),
		"refund_status": string(rf.status), "refund_recv_accout": "支付用户的零钱",
		"refund_account": "REFUND_SOURCE_UNSETTLED_FUNDS", "refund_request_source": "API",
	}
	if !rf.successAt.IsZero() {
		info["success_time"] = rf.successAt.In(chinaTime).Format(time.DateTime)
	}
	return encodePayXML("xml", map[string]string{
		"return_code": "SUCCESS", "appid": s.AppID, "mch_id": s.MchID, "nonce_str": randomHex(16),
		"req_info": encryptReqInfo(encodePayXML("root", info), s.MchSecret),
	})
}

// encryptReqInfo is WeChat's refund notification encryption: PKCS#7, then
// AES-256-ECB keyed with the lower-case hex MD5 of the API key, then base64.
func encryptReqInfo(plain []byte, apiKey string) string {
	sum := md5.Sum([]byte(apiKey))
	block, _ := aes.NewCipher([]byte(hex.EncodeToString(sum[:]))) // 32 bytes: cannot fail
	pad := aes.BlockSize - len(plain)%aes.BlockSize
	buf := append(bytes.Clone(plain), bytes.Repeat([]byte{byte(pad)}, pad)...)
	for i := 0; i < len(buf); i += aes.BlockSize {
		block.Encrypt(buf[i:i+aes.BlockSize], buf[i:i+aes.BlockSize])
	}
	return base64.StdEncoding.EncodeToString(buf)
}

// postNotify posts a notification to the merchant (a notify_url, or the
// target of a Deliver method) and reads its answer; what names it in
// errors.
func (s *Server) postNotify(target any, body []byte, what string) error {
	dst, err := s.destination(target, what)
	if err != nil {
		return err
	}
	to, done := dst.open()
	defer done()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, to, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("wegotest: %s: notify_url: %w", what, err)
	}
	req.Header.Set("Content-Type", "text/xml")
	req.Header.Set("User-Agent", "Mozilla/4.0") // what WeChat's notifier sends
	resp, err := s.pay.notify.Do(req)
	if err != nil {
		return fmt.Errorf("wegotest: deliver %s: %w", what, err)
	}
	defer resp.Body.Close()
	return payNotifyAnswer(resp)
}
