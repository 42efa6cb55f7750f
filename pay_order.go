package wego

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"time"
)

// TradeType is how the user pays (trade_type).
type TradeType string

// The trade types of WeChat Pay v2.
const (
	TradeTypeJSAPI  TradeType = "JSAPI"  // in WeChat's browser or a mini program: WeixinJSBridge / wx.chooseWXPay
	TradeTypeNative TradeType = "NATIVE" // scanning a QR code that encodes code_url
	TradeTypeApp    TradeType = "APP"    // in a mobile app through the WeChat SDK
	TradeTypeMWeb   TradeType = "MWEB"   // H5 payment in a mobile browser outside WeChat: mweb_url
)

// TradeState is the state of an order (trade_state).
type TradeState string

// The trade states of WeChat Pay v2.
const (
	TradeStateSuccess    TradeState = "SUCCESS"    // paid
	TradeStateRefund     TradeState = "REFUND"     // paid, and refunded in part or whole
	TradeStateNotPay     TradeState = "NOTPAY"     // not paid yet
	TradeStateClosed     TradeState = "CLOSED"     // closed unpaid
	TradeStateRevoked    TradeState = "REVOKED"    // revoked (micropay)
	TradeStateUserPaying TradeState = "USERPAYING" // waiting for the user's password (micropay)
	TradeStatePayError   TradeState = "PAYERROR"   // the bank refused
)

// chinaTime is the zone of every time WeChat Pay prints (UTC+8, no DST).
var chinaTime = time.FixedZone("CST", 8*3600)

// payTimeLayout is how WeChat Pay writes times: yyyyMMddHHmmss.
const payTimeLayout = "20060102150405"

// UnifiedOrderRequest is an order to place with [Client.UnifiedOrder].
// Amounts are integers in fen (分); appid, mch_id, nonce_str and sign are
// added by the SDK.
//
// WeChat docs: https://pay.weixin.qq.com/wiki/doc/api/jsapi.php?chapter=9_1
type UnifiedOrderRequest struct {
	Body           string    // required: what is sold, e.g. "腾讯充值中心-QQ会员充值"
	OutTradeNo     string    // required: the merchant's order number, at most 32 characters
	TotalFee       int64     // required: amount in fen, positive
	SpbillCreateIP string    // required: the user's IP (APP, MWEB, JSAPI) or the server's (NATIVE)
	TradeType      TradeType // JSAPI when empty, as in Python wego
	OpenID         string    // required for JSAPI: the payer's openid under this AppID
	ProductID      string    // required for NATIVE: the merchant's product id
	NotifyURL      string    // where WeChat posts the result; empty means Settings.PayNotifyURL

	DeviceInfo string
	Detail     string // JSON goods detail
	Attach     string // returned as is in the query and the notification
	FeeType    string // currency, CNY when empty
	TimeStart  time.Time
	TimeExpire time.Time
	GoodsTag   string
	LimitPay   string // "no_credit" forbids credit cards
	SceneInfo  string // JSON, required by MWEB
	// Extra holds parameters this struct does not name (e.g. profit_sharing,
	// receipt). They are sent as given.
	Extra map[string]string
}

// UnifiedOrderResult is the answer to a placed order: what the payer's side
// needs for its trade type.
type UnifiedOrderResult struct {
	TradeType TradeType
	PrepayID  string
	// JSAPI holds the parameters of WeixinJSBridge's getBrandWCPayRequest
	// (its ChooseWXPay method gives those of the JS-SDK's wx.chooseWXPay);
	// set for JSAPI.
	JSAPI *JSAPIPayParams
	// App holds the parameters of the app SDK's PayReq; set for APP.
	App *AppPayParams
	// CodeURL is the weixin:// URL to show as a QR code; set for NATIVE.
	CodeURL string
	// MWebURL is the page to send a mobile browser to; set for MWEB.
	MWebURL string
	// Fields is the whole verified answer.
	Fields map[string]string
}

// JSAPIPayParams are the parameters of WeixinJSBridge.invoke(
// 'getBrandWCPayRequest', ...) (JSAPI 调起支付). Marshalled to JSON they are
// the object the bridge takes. PaySign signs the other five with the
// merchant's sign type, which must be the unified order's.
//
// WeChat docs: https://pay.weixin.qq.com/wiki/doc/api/jsapi.php?chapter=7_7&index=6
type JSAPIPayParams struct {
	AppID     string `json:"appId"`
	TimeStamp string `json:"timeStamp"`
	NonceStr  string `json:"nonceStr"`
	Package   string `json:"package"` // "prepay_id=..."
	SignType  string `json:"signType"`
	PaySign   string `json:"paySign"`
}

// ChooseWXPay returns the same parameters for the JS-SDK's wx.chooseWXPay,
// for pages that call it (after wx.config, see [Client.JSConfig]) rather
// than WeixinJSBridge: the same values and the same signature, made over
// timeStamp, under the names the JS-SDK takes; the appId is wx.config's.
//
//	wx.chooseWXPay(Object.assign(params, {success: (res) => { ... }}))
//
// WeChat docs: https://developers.weixin.qq.com/doc/offiaccount/OA_Web_Apps/JS-SDK.html (微信支付)
func (p *JSAPIPayParams) ChooseWXPay() ChooseWXPayParams {
	if p == nil {
		return ChooseWXPayParams{}
	}
	return ChooseWXPayParams{Timestamp: p.TimeStamp, NonceStr: p.NonceStr, Package: p.Package, SignType: p.SignType, PaySign: p.PaySign}
}

// ChooseWXPayParams are the parameters of the JS-SDK's wx.chooseWXPay,
// made by [JSAPIPayParams.ChooseWXPay]. Marshalled to JSON they are the
// object it takes: {"timestamp":"1414587457","nonceStr":"...",
// "package":"prepay_id=...","signType":"MD5","paySign":"..."}.
//
// The timestamp is a JSON string, the digits paySign was made over:
// the JS-SDK hands it to the bridge as timeStamp: timestamp + "", which
// keeps a string as it is, and WeChat Pay checks the signature over those
// exact characters. (A number would come out as the same digits for any
// real Unix time, but only through a conversion the signature does not
// need.) signType is always set: the JS-SDK's default, SHA1, is not a
// WeChat Pay v2 sign type.
type ChooseWXPayParams struct {
	Timestamp string `json:"timestamp"`
	NonceStr  string `json:"nonceStr"`
	Package   string `json:"package"` // "prepay_id=..."
	SignType  string `json:"signType"`
	PaySign   string `json:"paySign"`
}

// AppPayParams are the parameters of the app SDK's PayReq (APP 调起支付);
// the JSON names are the ones the SDKs use.
//
// WeChat docs: https://pay.weixin.qq.com/wiki/doc/api/app/app.php?chapter=9_12&index=2
type AppPayParams struct {
	AppID     string `json:"appid"`
	PartnerID string `json:"partnerid"` // the MchID
	PrepayID  string `json:"prepayid"`
	Package   string `json:"package"` // always "Sign=WXPay"
	NonceStr  string `json:"noncestr"`
	Timestamp string `json:"timestamp"`
	Sign      string `json:"sign"`
}

// UnifiedOrder places an order (Python wego unified_order, 统一下单) and returns
// what the payer's side needs: for JSAPI the bridge parameters, for NATIVE
// the code_url, for APP the app parameters, for MWEB the mweb_url. With
// Settings.Debug the amount is forced to 1 fen and a warning logged.
//
// WeChat docs: https://pay.weixin.qq.com/wiki/doc/api/jsapi.php?chapter=9_1
func (c *Client) UnifiedOrder(ctx context.Context, o UnifiedOrderRequest) (*UnifiedOrderResult, error) {
	if err := c.payConfigured(); err != nil {
		return nil, err
	}
	if o.TradeType == "" {
		o.TradeType = TradeTypeJSAPI
	}
	if o.NotifyURL == "" {
		o.NotifyURL = c.s.PayNotifyURL
	}
	if err := o.check(); err != nil {
		return nil, err
	}
	fee := o.TotalFee
	if c.s.Debug {
		c.log.LogAttrs(ctx, slog.LevelWarn, "wego: Debug is on: order amount forced to 1 fen",
			slog.String("out_trade_no", o.OutTradeNo), slog.Int64("total_fee", o.TotalFee))
		fee = 1
	}
	p := map[string]string{
		"body": o.Body, "out_trade_no": o.OutTradeNo, "total_fee": strconv.FormatInt(fee, 10),
		"spbill_create_ip": o.SpbillCreateIP, "trade_type": string(o.TradeType), "openid": o.OpenID,
		"product_id": o.ProductID, "notify_url": o.NotifyURL, "device_info": o.DeviceInfo,
		"detail": o.Detail, "attach": o.Attach, "fee_type": o.FeeType, "time_start": payTime(o.TimeStart),
		"time_expire": payTime(o.TimeExpire), "goods_tag": o.GoodsTag, "limit_pay": o.LimitPay,
		"scene_info": o.SceneInfo,
	}
	addExtra(p, o.Extra)

	a, err := c.WeChat.UnifiedOrder(ctx, p)
	if err != nil {
		return nil, err
	}
	r := &UnifiedOrderResult{TradeType: TradeType(a["trade_type"]), PrepayID: a["prepay_id"],
		CodeURL: a["code_url"], MWebURL: a["mweb_url"], Fields: a}
	if r.TradeType == "" {
		r.TradeType = o.TradeType
	}
	if r.PrepayID == "" {
		return nil, &HTTPError{Endpoint: payPathUnifiedOrder, StatusCode: 200, Reason: "answer without prepay_id"}
	}
	switch r.TradeType {
	case TradeTypeJSAPI:
		r.JSAPI, err = c.JSAPIPayParams(r.PrepayID)
	case TradeTypeApp:
		r.App, err = c.AppPayParams(r.PrepayID)
	case TradeTypeNative:
		if r.CodeURL == "" {
			return nil, &HTTPError{Endpoint: payPathUnifiedOrder, StatusCode: 200, Reason: "NATIVE answer without code_url"}
		}
	case TradeTypeMWeb:
		if r.MWebURL == "" {
			return nil, &HTTPError{Endpoint: payPathUnifiedOrder, StatusCode: 200, Reason: "MWEB answer without mweb_url"}
		}
	}
	if err != nil {
		return nil, err
	}
	return r, nil
}

// check rejects an order WeChat would refuse, before it is sent.
func (o *UnifiedOrderRequest) check() error {
	switch {
	case o.Body == "":
		return missing("body")
	case o.OutTradeNo == "":
		return missing("out_trade_no")
	case o.SpbillCreateIP == "":
		return missing("spbill_create_ip")
	case o.NotifyURL == "":
		return missing("notify_url (UnifiedOrderRequest.NotifyURL or Settings.PayNotifyURL)")
	}
	if err := checkFen("total_fee", o.TotalFee); err != nil {
		return err
	}
	switch o.TradeType {
	case TradeTypeJSAPI:
		if o.OpenID == "" {
			return missing("openid (required for JSAPI)")
		}
	case TradeTypeNative:
		if o.ProductID == "" {
			return missing("product_id (required for NATIVE)")
		}
	case TradeTypeApp, TradeTypeMWeb:
	default:
		return fmt.Errorf("wego: unknown trade_type %q", o.TradeType)
	}
	return nil
}

// addExtra adds the parameters of extra that p has no value for; empty
// values are not sent.
func addExtra(p, extra map[string]string) {
	for k, v := range extra {
		if p[k] == "" {
			p[k] = v
		}
	}
}

// checkFen rejects an amount that is not a positive number of fen.
func checkFen(name string, fen int64) error {
	if fen <= 0 {
		return fmt.Errorf("%w: %s must be a positive number of fen, got %d", ErrInvalidAmount, name, fen)
	}
	return nil
}

// payTime writes t as WeChat Pay wants it, in China time; "" for the zero time.
func payTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(chinaTime).Format(payTimeLayout)
}

// JSAPIPayParams returns the bridge parameters for an order already placed
// (its prepay_id is valid for two hours), signed now with a new nonce and
// timestamp.
//
// WeChat docs: https://pay.weixin.qq.com/wiki/doc/api/jsapi.php?chapter=7_7&index=6
func (c *Client) JSAPIPayParams(prepayID string) (*JSAPIPayParams, error) {
	if err := c.checkPrepayID(prepayID); err != nil {
		return nil, err
	}
	p := &JSAPIPayParams{
		AppID:     c.s.AppID,
		TimeStamp: strconv.FormatInt(time.Now().Unix(), 10),
		NonceStr:  payNonce(),
		Package:   "prepay_id=" + prepayID,
		SignType:  string(c.s.PaySignType),
	}
	p.PaySign = c.signFields(
		payField{"appId", p.AppID}, payField{"nonceStr", p.NonceStr}, payField{"package", p.Package},
		payField{"signType", p.SignType}, payField{"timeStamp", p.TimeStamp})
	return p, nil
}

// AppPayParams returns the app SDK's parameters for an order already placed.
//
// WeChat docs: https://pay.weixin.qq.com/wiki/doc/api/app/app.php?chapter=9_12&index=2
func (c *Client) AppPayParams(prepayID string) (*AppPayParams, error) {
	if err := c.checkPrepayID(prepayID); err != nil {
		return nil, err
	}
	p := &AppPayParams{
		AppID:     c.s.AppID,
		PartnerID: c.s.MchID,
		PrepayID:  prepayID,
		Package:   "Sign=WXPay",
		NonceStr:  payNonce(),
		Timestamp: strconv.FormatInt(time.Now().Unix(), 10),
	}
	p.Sign = c.signFields(
		payField{"appid", p.AppID}, payField{"noncestr", p.NonceStr}, payField{"package", p.Package},
		payField{"partnerid", p.PartnerID}, payField{"prepayid", p.PrepayID}, payField{"timestamp", p.Timestamp})
	return p, nil
}

// checkPrepayID checks what signing the payer's parameters needs.
func (c *Client) checkPrepayID(prepayID string) error {
	if err := c.payConfigured(); err != nil {
		return err
	}
	if prepayID == "" {
		return missing("prepay_id")
	}
	return nil
}

// signFields signs fields with the merchant's key and sign type.
func (c *Client) signFields(fields ...payField) string {
	fields = slices.DeleteFunc(fields, func(f payField) bool { return f.v == "" })
	slices.SortFunc(fields, comparePayFields)
	var sign [sha256.Size * 2]byte
	return string(sign[:signSorted(&sign, fields, c.s.MchSecret, c.s.PaySignType)])
}

// OrderRef names an order by WeChat's transaction_id or the merchant's
// out_trade_no; one of them is required, and WeChat prefers
// transaction_id when both are given.
type OrderRef struct {
	TransactionID string
	OutTradeNo    string
}

func (r OrderRef) params() (map[string]string, error) {
	if r.TransactionID == "" && r.OutTradeNo == "" {
		return nil, missing("out_trade_no or transaction_id")
	}
	p := make(map[string]string, 8)
	if r.TransactionID != "" {
		p["transaction_id"] = r.TransactionID
	}
	if r.OutTradeNo != "" {
		p["out_trade_no"] = r.OutTradeNo
	}
	return p, nil
}

// Order is the state of an order as [Client.QueryOrder] reports it.
type Order struct {
	TradeState     TradeState
	TradeStateDesc string
	OutTradeNo     string
	TransactionID  string // set once paid
	TradeType      TradeType
	OpenID         string
	IsSubscribe    string // "Y" when the payer follows the account
	BankType       string
	FeeType        string
	Attach         string
	DeviceInfo     string
	TotalFee       int64 // fen
	CashFee        int64 // fen paid in cash
	// SettlementTotalFee is the amount the merchant settles (TotalFee less
	// non-recharge coupons), in fen; 0 when WeChat leaves it out.
	SettlementTotalFee int64
	CouponFee          int64
	TimeEnd            time.Time // when it was paid; zero before
	// Fields is the whole verified answer.
	Fields map[string]string
}

// QueryOrder asks WeChat for the state of an order (Python wego query_order, 查询订单).
// It is retried when WeChat answers SYSTEMERROR.
//
// WeChat docs: https://pay.weixin.qq.com/wiki/doc/api/jsapi.php?chapter=9_2
func (c *Client) QueryOrder(ctx context.Context, ref OrderRef) (*Order, error) {
	p, err := ref.params()
	if err != nil {
		return nil, err
	}
	a, err := c.WeChat.OrderQuery(ctx, p)
	if err != nil {
		return nil, err
	}
	r := answerReader{m: a}
	o := &Order{
		TradeState: TradeState(a["trade_state"]), TradeStateDesc: a["trade_state_desc"],
		OutTradeNo: a["out_trade_no"], TransactionID: a["transaction_id"], TradeType: TradeType(a["trade_type"]),
		OpenID: a["openid"], IsSubscribe: a["is_subscribe"], BankType: a["bank_type"], FeeType: a["fee_type"],
		Attach: a["attach"], DeviceInfo: a["device_info"],
		TotalFee: r.fenOf("total_fee"), CashFee: r.fenOf("cash_fee"),
		SettlementTotalFee: r.fenOf("settlement_total_fee"), CouponFee: r.fenOf("coupon_fee"),
		TimeEnd: r.timeOf("time_end", payTimeLayout), Fields: a,
	}
	if o.TradeState == "" {
		r.fail("answer without trade_state")
	}
	if err := r.answerErr(payPathOrderQuery); err != nil {
		return nil, err
	}
	return o, nil
}

// CloseOrder closes an unpaid order (Python wego close_order, 关闭订单), so it can
// no longer be paid. A paid order answers a [*PayError] with ErrCode
// ORDERPAID.
//
// WeChat docs: https://pay.weixin.qq.com/wiki/doc/api/jsapi.php?chapter=9_3
func (c *Client) CloseOrder(ctx context.Context, outTradeNo string) error {
	if outTradeNo == "" {
		return missing("out_trade_no")
	}
	_, err := c.WeChat.CloseOrder(ctx, map[string]string{"out_trade_no": outTradeNo})
	return err
}

// PayReportRequest is a report to [Client.PayReport] (交易保障) on one call
// to a pay endpoint.
//
// WeChat docs: https://pay.weixin.qq.com/wiki/doc/api/jsapi.php?chapter=9_8
type PayReportRequest struct {
	InterfaceURL string        // required: the full URL called, e.g. https://api.mch.weixin.qq.com/pay/unifiedorder
	ExecuteTime  time.Duration // required: how long the call took (sent in ms)
	ReturnCode   string        // required: the answer's return_code
	ReturnMsg    string
	ResultCode   string // required: the answer's result_code
	ErrCode      string
	ErrCodeDes   string
	OutTradeNo   string
	UserIP       string    // required: the IP of the server that made the call
	Time         time.Time // when the call was made; empty means now
	DeviceInfo   string
}

// PayReport reports one pay call's duration and result to WeChat (Python wego
// pay_report, 交易保障).
//
// WeChat docs: https://pay.weixin.qq.com/wiki/doc/api/jsapi.php?chapter=9_8
func (c *Client) PayReport(ctx context.Context, r PayReportRequest) error {
	switch {
	case r.InterfaceURL == "":
		return missing("interface_url")
	case r.ReturnCode == "":
		return missing("return_code")
	case r.ResultCode == "":
		return missing("result_code")
	case r.UserIP == "":
		return missing("user_ip")
	case r.ExecuteTime < 0:
		return fmt.Errorf("wego: execute_time must not be negative")
	}
	if r.Time.IsZero() {
		r.Time = time.Now()
	}
	p := map[string]string{
		"interface_url": r.InterfaceURL, "execute_time": strconv.FormatInt(r.ExecuteTime.Milliseconds(), 10),
		"return_code": r.ReturnCode, "return_msg": r.ReturnMsg, "result_code": r.ResultCode,
		"err_code": r.ErrCode, "err_code_des": r.ErrCodeDes, "out_trade_no": r.OutTradeNo,
		"user_ip": r.UserIP, "time": payTime(r.Time), "device_info": r.DeviceInfo,
	}
	_, err := c.WeChat.PayReport(ctx, p)
	return err
}

// fieldReader converts the values of a verified pay message and keeps the
// first problem: WeChat signed the message, so a value that does not
// convert makes it malformed, never a silent zero.
type fieldReader struct{ problem string }

func (r *fieldReader) fail(problem string) {
	if r.problem == "" {
		r.problem = problem
	}
}

// fen reads an amount in fen; empty is 0.
func (r *fieldReader) fen(name, v string) int64 {
	if v == "" {
		return 0
	}
	n, ok := parseFenValue(v)
	if !ok {
		r.fail("bad " + name)
	}
	return n
}

// time reads a China time in layout; empty is the zero time.
func (r *fieldReader) time(name, v, layout string) time.Time {
	if v == "" {
		return time.Time{}
	}
	var t time.Time
	var err error
	if layout == payTimeLayout {
		var ok bool
		if t, ok = parsePayTime(v); !ok {
			err = errBadTime
		}
	} else {
		t, err = time.ParseInLocation(layout, v, chinaTime)
	}
	if err != nil {
		r.fail("bad " + name)
	}
	return t
}

var errBadTime = errors.New("bad time")

// answerErr is the problem of an answer from path, nil without one.
func (r *fieldReader) answerErr(path string) error {
	if r.problem == "" {
		return nil
	}
	return &HTTPError{Endpoint: path, StatusCode: http.StatusOK, Reason: r.problem}
}

// messageErr is the problem of a notification, nil without one.
func (r *fieldReader) messageErr(what string) error {
	if r.problem == "" {
		return nil
	}
	return fmt.Errorf("%w: %s: %s", ErrMalformedMessage, what, r.problem)
}

// answerReader is a fieldReader over the fields of an answer.
type answerReader struct {
	fieldReader
	m map[string]string
}

func (r *answerReader) fenOf(name string) int64 { return r.fen(name, r.m[name]) }

func (r *answerReader) countOf(name string) int { return int(r.fen(name, r.m[name])) }

func (r *answerReader) timeOf(name, layout string) time.Time { return r.time(name, r.m[name], layout) }
