package wegotest

import (
	"bytes"
	"compress/gzip"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/wego-sdk/wego"
)

// Bill columns, as WeChat prints them for each bill_type.
var (
	billColumnsAll = strings.Split("交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,"+
		"付款银行,货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,"+
		"商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注", ",")
	billColumnsSuccess = strings.Split("交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,"+
		"付款银行,货币种类,应结订单金额,代金券金额,商品名称,商户数据包,手续费,费率,订单金额,费率备注", ",")
	billColumnsRefund = strings.Split("交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,"+
		"付款银行,货币种类,应结订单金额,代金券金额,退款申请时间,退款成功时间,微信退款单号,商户退款单号,退款金额,充值券退款金额,"+
		"退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注", ",")
	billSummaryColumns = strings.Split("总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额", ",")
)

// billRow is one line of a bill before it is printed.
type billRow struct {
	at     time.Time
	values map[string]string
	fee    int64 // 手续费 in 0.00001 yuan, negative for refunds
	settle int64 // 应结订单金额, fen
	refund int64 // 退款金额, fen
	total  int64 // 订单金额, fen
}

// downloadBill is /pay/downloadbill: the orders paid and the refunds made
// on bill_date (China time), as WeChat's CSV text with a backtick before
// every value, gzipped when tar_type is GZIP.
func (s *Server) downloadBill(_ *http.Request, req map[string]string) payReply {
	day, err := time.ParseInLocation("20060102", req["bill_date"], chinaTime)
	if err != nil {
		return payReply{returnMsg: "invalid bill_date", errCode: "20001"}
	}
	billType := wego.BillType(req["bill_type"])
	var columns []string
	switch billType {
	case "", wego.BillTypeAll:
		billType, columns = wego.BillTypeAll, billColumnsAll
	case wego.BillTypeSuccess:
		columns = billColumnsSuccess
	case wego.BillTypeRefund, wego.BillTypeRechargeRefund:
		columns = billColumnsRefund
	default:
		return payReply{returnMsg: "invalid bill_type", errCode: "20001"}
	}
	if t := req["tar_type"]; t != "" && t != "GZIP" {
		return payReply{returnMsg: "invalid tar_type", errCode: "20001"}
	}

	rows := s.billRows(day, billType)
	if len(rows) == 0 {
		return payReply{returnMsg: "No Bill Exist", errCode: "20002"}
	}
	var b bytes.Buffer
	b.WriteString(strings.Join(columns, ",") + "\r\n")
	var sum billRow
	for _, r := range rows {
		for i, c := range columns {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString("`" + r.values[c])
		}
		b.WriteString("\r\n")
		sum.fee += r.fee
		sum.settle += r.settle
		sum.refund += r.refund
		sum.total += r.total
	}
	b.WriteString(strings.Join(billSummaryColumns, ",") + "\r\n")
	b.WriteString(strings.Join([]string{
		"`" + strconv.Itoa(len(rows)), "`" + yuan(sum.settle), "`" + yuan(sum.refund), "`0.00",
		"`" + feeYuan(sum.fee), "`" + yuan(sum.total), "`" + yuan(sum.refund),
	}, ",") + "\r\n")

	if req["tar_type"] == "GZIP" {
		var z bytes.Buffer
		zw := gzip.NewWriter(&z)
		_, _ = zw.Write(b.Bytes())
		_ = zw.Close()
		return payReply{raw: z.Bytes()}
	}
	return payReply{raw: b.Bytes()}
}

// billRows lists the lines of the bill of day: successful payments for ALL
// and SUCCESS, refunds for ALL and REFUND, by time.
func (s *Server) billRows(day time.Time, billType wego.BillType) []billRow {
	next := day.AddDate(0, 0, 1)
	on := func(t time.Time) bool { return !t.IsZero() && !t.Before(day) && t.Before(next) }
	s.pay.mu.Lock()
	defer s.pay.mu.Unlock()
	var rows []billRow
	for _, o := range s.pay.orders {
		if billType != wego.BillTypeRefund && billType != wego.BillTypeRechargeRefund && on(o.paidAt) {
			rows = append(rows, s.orderRowLocked(o, o.paidAt, "SUCCESS", o.totalFee, 0, nil))
		}
		if billType == wego.BillTypeSuccess {
			continue
		}
		for _, rf := range o.refunds {
			if on(rf.created) {
				rows = append(rows, s.orderRowLocked(o, rf.created, "REFUND", 0, rf.refundFee, rf))
			}
		}
	}
	slices.SortFunc(rows, func(a, b billRow) int { return a.at.Compare(b.at) })
	return rows
}

// orderRowLocked prints one bill line; s.pay.mu is held.
func (s *Server) orderRowLocked(o *payOrder, at time.Time, state string, settle, refund int64, rf *payRefund) billRow {
	// A 0.6 % rate: fen·6 in units of 0.00001 yuan.
	fee := settle*6 - refund*6
	v := map[string]string{
		"交易时间": at.In(chinaTime).Format(time.DateTime), "公众账号ID": s.AppID, "商户号": s.MchID,
		"特约商户号": "0", "设备号": o.deviceInfo, "微信订单号": o.transactionID, "商户订单号": o.outTradeNo,
		"用户标识": o.openID, "交易类型": string(o.tradeType), "交易状态": state, "付款银行": "CMC", "货币种类": o.feeType,
		"应结订单金额": yuan(settle), "代金券金额": "0.00", "微信退款单号": "0", "商户退款单号": "0",
		"退款金额": yuan(refund), "充值券退款金额": "0.00", "退款类型": "", "退款状态": "",
		"商品名称": o.body, "商户数据包": o.attach, "手续费": feeYuan(fee), "费率": "0.60%",
		"订单金额": yuan(settle), "申请退款金额": yuan(refund), "费率备注": "",
		"退款申请时间": "", "退款成功时间": "",
	}
	if rf != nil {
		v["微信退款单号"], v["商户退款单号"] = rf.refundID, rf.outRefundNo
		v["退款类型"], v["退款状态"] = "ORIGINAL", string(rf.status)
		v["退款申请时间"] = rf.created.In(chinaTime).Format(time.DateTime)
		if !rf.successAt.IsZero() {
			v["退款成功时间"] = rf.successAt.In(chinaTime).Format(time.DateTime)
		}
	}
	return billRow{at: at, values: v, fee: fee, settle: settle, refund: refund, total: settle}
}

// yuan prints fen as yuan with two decimals.
func yuan(fen int64) string { return decimal(fen, 2) }

// feeYuan prints an amount in 0.00001 yuan with five decimals, as the fee
// column is printed.
func feeYuan(v int64) string { return decimal(v, 5) }

func decimal(v int64, places int) string {
	sign := ""
	if v < 0 {
		sign, v = "-", -v
	}
	s := strconv.FormatInt(v, 10)
	if len(s) <= places {
		s = strings.Repeat("0", places-len(s)+1) + s
	}
	return sign + s[:len(s)-places] + "." + s[len(s)-places:]
}
