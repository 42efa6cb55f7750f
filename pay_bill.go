package wego

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// BillType selects the transactions of a bill (bill_type).
type BillType string

// The bill types of WeChat Pay v2.
const (
	BillTypeAll            BillType = "ALL"             // payments and refunds
	BillTypeSuccess        BillType = "SUCCESS"         // payments
	BillTypeRefund         BillType = "REFUND"          // refunds
	BillTypeRechargeRefund BillType = "RECHARGE_REFUND" // refunds of recharge coupons
)

// BillRequest asks [Client.DownloadBill] for the bill of one day.
//
// WeChat docs: https://pay.weixin.qq.com/wiki/doc/api/jsapi.php?chapter=9_6
type BillRequest struct {
	// Date is the day of the bill: its year, month and day in its own
	// location are used (WeChat's days are China days). Required.
	Date time.Time
	// Type is ALL when empty.
	Type BillType
	// Gzip asks WeChat to compress the bill (tar_type GZIP); the SDK unpacks it.
	Gzip bool
}

// Bill is a parsed bill (对账单): one row per transaction and the summary.
type Bill struct {
	// Columns are the column names of the rows, as WeChat printed them.
	Columns []string
	Rows    []BillRow
	Summary BillSummary
}

// BillRow is one transaction of a bill. Amounts are in fen; columns a bill
// type does not have are zero. Every column, typed here or not, is in
// Values, and [BillRow.Get] finds one by its Chinese name.
type BillRow struct {
	TradeTime          time.Time // 交易时间
	AppID              string    // 公众账号ID
	MchID              string    // 商户号
	SubMchID           string    // 特约商户号
	DeviceInfo         string    // 设备号
	TransactionID      string    // 微信订单号
	OutTradeNo         string    // 商户订单号
	OpenID             string    // 用户标识
	TradeType          TradeType // 交易类型
	TradeState         string    // 交易状态: SUCCESS, REFUND, REVOKED
	BankType           string    // 付款银行
	FeeType            string    // 货币种类
	SettlementTotalFee int64     // 应结订单金额
	CouponFee          int64     // 代金券金额
	RefundApplyTime    time.Time // 退款申请时间 (refund bills)
	RefundSuccessTime  time.Time // 退款成功时间 (refund bills)
	RefundID           string    // 微信退款单号
	OutRefundNo        string    // 商户退款单号
	RefundFee          int64     // 退款金额
	CouponRefundFee    int64     // 充值券退款金额
	RefundType         string    // 退款类型
	RefundStatus       string    // 退款状态
	Body               string    // 商品名称
	Attach             string    // 商户数据包
	// Fee is the service fee (手续费) in yuan exactly as printed, with five
	// decimals (e.g. "0.00006"): finer than a fen, so not an int64 of fen.
	Fee                string
	Rate               string // 费率, e.g. "0.60%"
	TotalFee           int64  // 订单金额
	RequestedRefundFee int64  // 申请退款金额
	RateRemark         string // 费率备注
	// Values holds every column, in the order of Bill.Columns, without
	// WeChat's leading backtick.
	Values []string

	columns []string
}

// Get returns the column named name (e.g. "商户订单号"), "" when the bill
// has no such column.
func (r *BillRow) Get(name string) string {
	for i, c := range r.columns {
		if c == name && i < len(r.Values) {
			return r.Values[i]
		}
	}
	return ""
}

// BillSummary is the last line of a bill.
type BillSummary struct {
	TradeCount         int    // 总交易单数
	SettlementTotalFee int64  // 应结订单总金额
	RefundFee          int64  // 退款总金额
	CouponRefundFee    int64  // 充值券退款总金额
	Fee                string // 手续费总金额, yuan with five decimals
	TotalFee           int64  // 订单总金额
	RequestedRefundFee int64  // 申请退款总金额
}

// DownloadBill downloads and parses the bill of a day (Python wego download_bill,
// 下载对账单). A day without transactions is a [*PayError] with ErrCode
// "20002" (No Bill Exist). It is retried when WeChat answers SYSTEMERROR.
//
// A gzipped bill (Gzip) is parsed as it is unpacked, never held whole as
// text. A first pass that holds nothing checks its unpacked size (at most
// 256 MiB: [ErrResponseTooLarge]) and its lines (at most 64 KiB each:
// [ErrMalformedMessage]), so a gzip bomb costs time, not memory; then the
// Bill is all that is kept. A Bill takes about five times its bill's text
// (each row holds its typed fields and its Values), and its parse
// allocates about seven: rows grow by doubling, so that a bill of bad
// lines costs the rows parsed before the first bad one, never its count of
// lines.
//
// WeChat docs: https://pay.weixin.qq.com/wiki/doc/api/jsapi.php?chapter=9_6
func (c *Client) DownloadBill(ctx context.Context, r BillRequest) (*Bill, error) {
	if r.Date.IsZero() {
		return nil, missing("bill_date")
	}
	switch r.Type {
	case "":
		r.Type = BillTypeAll
	case BillTypeAll, BillTypeSuccess, BillTypeRefund, BillTypeRechargeRefund:
	default:
		return nil, fmt.Errorf("wego: unknown bill_type %q", r.Type)
	}
	p := map[string]string{"bill_date": r.Date.Format("20060102"), "bill_type": string(r.Type)}
	if r.Gzip {
		p["tar_type"] = "GZIP"
	}
	raw, err := c.downloadBill(ctx, p)
	if err != nil {
		return nil, err
	}
	if isGzip(raw) {
		return parseGzipBill(raw)
	}
	return ParseBill(raw)
}

// billSummaryHead is the first column of the summary's header line.
const billSummaryHead = "总交易单数"

// Bounds on a bill's lines.
const (
	// maxBillLine bounds a line, its line ending included. WeChat's are
	// under 1 KiB: 27 values, of which a product name of at most 128 bytes
	// and an attach of at most 127.
	maxBillLine = 64 << 10
	// maxBillLines bounds the lines of any bill.
	maxBillLines = 10_000_000
	// A bill has at most one line per billLineBytes bytes of text, past
	// its first freeBillLines lines. A parsed row takes about 500 bytes
	// before its values, and WeChat's narrowest row (the SUCCESS bill's
	// 20 values: a time, ids, amounts) over 150 bytes of text: the bound
	// keeps the parsed rows under eight times the text, where a bill of
	// empty rows ("`" and a line break) would take 250 times it.
	billLineBytes = 64
	freeBillLines = 4096
)

// checkBillLines refuses a bill of size bytes and lines lines that has
// more lines than its size allows.
func checkBillLines(size int64, lines int) error {
	switch {
	case lines > maxBillLines:
		return fmt.Errorf("%w: bill of more than %d lines", ErrMalformedMessage, maxBillLines)
	case lines > freeBillLines && int64(lines) > size/billLineBytes:
		return fmt.Errorf("%w: bill of %d lines in %d bytes: more than one line per %d bytes", ErrMalformedMessage, lines, size, billLineBytes)
	}
	return nil
}

// ParseBill parses a bill as [WeChatAPI.DownloadBill] returns it: a header
// line of column names, one line per transaction with a backtick before
// each value, then the summary's header and values. Columns are found by
// name, so every bill type parses. Values are split where a comma is
// followed by a backtick, so a value keeps its own commas (an attach
// holding JSON); a value holding a comma followed by a backtick cannot be
// split and makes its line malformed. A line may be at most 64 KiB long,
// and a bill of more than 4096 lines must have at least 64 bytes per line
// (WeChat's have over 150). Anything else is an error wrapping
// [ErrMalformedMessage] that names the line.
func ParseBill(data []byte) (*Bill, error) {
	lines := bytes.Count(data, []byte{'\n'})
	if len(data) > 0 && data[len(data)-1] != '\n' {
		lines++
	}
	if err := checkBillLines(int64(len(data)), lines); err != nil {
		return nil, err
	}
	return parseBill(&billLines{data: data}, lines)
}

// parseGzipBill parses the gzipped bill raw as it is unpacked.
func parseGzipBill(raw []byte) (*Bill, error) {
	g, err := newBillGzip(raw)
	if err != nil {
		return nil, err
	}
	return parseBillTwice(g, func() error { return g.rewind(raw) })
}

// parseBillTwice parses the bill r reads in two passes: the first measures
// it without keeping anything; rewind then starts r again at the first
// byte, and the second parses it.
func parseBillTwice(r io.Reader, rewind func() error) (*Bill, error) {
	size, lines, err := measureBill(r)
	if err != nil {
		return nil, err
	}
	if err := checkBillLines(size, lines); err != nil {
		return nil, err
	}
	if err := rewind(); err != nil {
		return nil, err
	}
	// The buffer holds the longest line there can be: no more than the bill.
	buf := int(min(size, maxBillLine)) + 1
	return parseBill(&billLines{r: bufio.NewReaderSize(r, buf)}, lines)
}

// parseBill parses the bill l reads, of at most lines lines.
func parseBill(l *billLines, lines int) (*Bill, error) {
	header, err := l.next()
	if err == io.EOF {
		return nil, fmt.Errorf("%w: bill without header, rows or summary", ErrMalformedMessage)
	}
	if err != nil {
		return nil, err
	}
	b := &Bill{Columns: strings.Split(string(header), ",")}
	setters := make([]billSetter, len(b.Columns))
	for i, name := range b.Columns {
		b.Columns[i] = strings.TrimSpace(name)
		setters[i] = billColumns[b.Columns[i]]
	}
	// Rows grow by doubling up to the lines counted (less the header and
	// the summary): memory follows the rows parsed, never the count alone,
	// which a bill of bad lines has too.
	most := max(lines-3, 0)
	b.Rows = make([]BillRow, 0, min(most, 1024))
	var sumHeader string
	for {
		line, err := l.next()
		if err == io.EOF {
			return nil, fmt.Errorf("%w: bill without summary", ErrMalformedMessage)
		}
		if err != nil {
			return nil, err
		}
		if bytes.HasPrefix(line, []byte(billSummaryHead)) {
			sumHeader = string(line)
			break
		}
		values, err := billValues(line, len(b.Columns), l.no)
		if err != nil {
			return nil, err
		}
		if len(b.Rows) == cap(b.Rows) {
			b.Rows = slices.Grow(b.Rows, max(1, min(len(b.Rows), most-len(b.Rows))))
		}
		// Filled in place: a row on the stack would escape to the setters.
		b.Rows = append(b.Rows, BillRow{Values: values, columns: b.Columns})
		row := &b.Rows[len(b.Rows)-1]
		for j, set := range setters {
			if set != nil {
				if err := set(row, values[j]); err != nil {
					return nil, fmt.Errorf("%w: bill line %d: %s: %w", ErrMalformedMessage, l.no, b.Columns[j], err)
				}
			}
		}
	}
	line, err := l.next()
	if err == io.EOF {
		return nil, fmt.Errorf("%w: bill summary without values", ErrMalformedMessage)
	}
	if err != nil {
		return nil, err
	}
	if err := b.Summary.parse(sumHeader, line, l.no); err != nil {
		return nil, err
	}
	switch _, err := l.next(); {
	case err == nil:
		return nil, fmt.Errorf("%w: bill line %d: a line after the summary", ErrMalformedMessage, l.no)
	case err != io.EOF:
		return nil, err
	}
	return b, nil
}

// billLines reads the lines of a bill, from data or from r.
type billLines struct {
	data []byte        // the rest of the bill, when it is in memory
	r    *bufio.Reader // the bill, when it is read; its buffer holds maxBillLine+1 bytes, or the whole bill and one
	no   int           // the number of the line last read, from 1
}

// bom is the byte order mark a bill may start with.
const bom = "\xef\xbb\xbf"

// next returns the next line that is not blank, without its line ending
// (\n or \r\n), or io.EOF after the last. The line is valid until the
// next call. A line longer than maxBillLine is malformed.
func (l *billLines) next() ([]byte, error) {
	for {
		var line []byte
		if l.r != nil {
			var err error
			line, err = l.r.ReadSlice('\n')
			switch {
			case err == bufio.ErrBufferFull:
				return nil, errBillLineTooLong(l.no + 1)
			case err == io.EOF && len(line) == 0:
				return nil, io.EOF
			case err != nil && err != io.EOF:
				return nil, err
			}
		} else {
			if len(l.data) == 0 {
				return nil, io.EOF
			}
			line = l.data
			if i := bytes.IndexByte(l.data, '\n'); i >= 0 {
				line = l.data[:i+1]
			}
			l.data = l.data[len(line):]
		}
		l.no++
		if len(line) > maxBillLine {
			return nil, errBillLineTooLong(l.no)
		}
		if l.no == 1 {
			line = bytes.TrimPrefix(line, []byte(bom))
		}
		line = bytes.TrimSuffix(line, []byte{'\n'})
		line = bytes.TrimRight(line, "\r")
		if len(bytes.TrimSpace(line)) > 0 {
			return line, nil
		}
	}
}

func errBillLineTooLong(no int) error {
	return fmt.Errorf("%w: bill line %d: longer than %d bytes", ErrMalformedMessage, no, maxBillLine)
}

// measureBill reads the unpacked bill r to its end and returns its size and
// its number of lines, failing as soon as a line is longer than
// maxBillLine. It reads through a window smaller than that, keeping
// nothing: a longer line spans windows.
func measureBill(r io.Reader) (size int64, lines int, err error) {
	// 8 KiB, a small object: a window of 32 KiB would be a large one,
	// slower to get than the reads it saves.
	buf := make([]byte, 8<<10)
	run := 0 // bytes of the line under way
	for {
		n, err := r.Read(buf)
		chunk := buf[:n]
		size += int64(n)
		if i := bytes.IndexByte(chunk, '\n'); i < 0 {
			run += n
		} else {
			if run+i+1 > maxBillLine {
				return 0, 0, errBillLineTooLong(lines + 1)
			}
			lines += bytes.Count(chunk, []byte{'\n'})
			run = n - 1 - bytes.LastIndexByte(chunk, '\n')
		}
		if run > maxBillLine {
			return 0, 0, errBillLineTooLong(lines + 1)
		}
		if err == io.EOF {
			if run > 0 {
				lines++
			}
			return size, lines, nil
		}
		if err != nil {
			return 0, 0, err
		}
	}
}

// gunzipBill unpacks the gzipped bill raw into a slice of its size. It
// unpacks twice, first only to measure: read once into a growing buffer, a
// bill would cost about five times its size, and a bomb of 300 KiB the
// cap's five times (1.4 GiB).
func gunzipBill(raw []byte) ([]byte, error) {
	g, err := newBillGzip(raw)
	if err != nil {
		return nil, err
	}
	n, err := io.Copy(io.Discard, g)
	if err != nil {
		return nil, err
	}
	if err := g.rewind(raw); err != nil {
		return nil, err
	}
	bill := make([]byte, n)
	switch _, err := io.ReadFull(g, bill); err {
	case nil:
		return bill, nil
	case io.EOF, io.ErrUnexpectedEOF: // shorter than measured: cannot happen
		return nil, errBillGzip(err)
	default:
		return nil, err
	}
}

// billGzip unpacks a gzipped bill, failing past maxBill unpacked bytes.
// Its errors are those of the endpoint: an *HTTPError for a stream that is
// not gzip, [ErrResponseTooLarge] past the cap.
type billGzip struct {
	zr   gzip.Reader
	src  bytes.Reader
	left int64 // the bytes it may still unpack
}

func newBillGzip(raw []byte) (*billGzip, error) {
	g := new(billGzip)
	return g, g.rewind(raw)
}

// rewind starts unpacking raw again from its first byte.
func (g *billGzip) rewind(raw []byte) error {
	g.src.Reset(raw)
	g.left = maxBill
	if err := g.zr.Reset(&g.src); err != nil {
		return errBillGzip(err)
	}
	return nil
}

func (g *billGzip) Read(p []byte) (int, error) {
	if g.left == 0 { // at the cap: one byte more is too much
		var one [1]byte
		n, err := g.zr.Read(one[:])
		switch {
		case n > 0:
			return 0, errBillTooLarge
		case err != nil && err != io.EOF:
			return 0, errBillGzip(err)
		}
		return 0, err
	}
	if int64(len(p)) > g.left {
		p = p[:g.left]
	}
	n, err := g.zr.Read(p)
	g.left -= int64(n)
	if err != nil && err != io.EOF {
		err = errBillGzip(err)
	}
	return n, err
}

var errBillTooLarge = fmt.Errorf("wego: %s: %w: a gzipped bill unpacks to more than %d bytes", payPathDownloadBill, ErrResponseTooLarge, maxBill)

func errBillGzip(err error) error {
	return &HTTPError{Endpoint: payPathDownloadBill, StatusCode: http.StatusOK, Reason: "invalid gzip: " + err.Error()}
}

// billValues splits a line into want values. Each value starts with a
// backtick, so values are split where a comma is followed by a backtick:
// a comma inside a value (an attach holding JSON, a product name) stays in
// it. A value that itself holds ",`" cannot be told from two values: its
// line has more values than columns and is refused as malformed, never
// shifted into the next column.
func billValues(line []byte, want, lineNo int) ([]string, error) {
	if len(line) == 0 || line[0] != '`' {
		return nil, fmt.Errorf("%w: bill line %d: values must start with a backtick", ErrMalformedMessage, lineNo)
	}
	values := strings.Split(string(line[1:]), ",`")
	if len(values) != want {
		hint := ""
		if len(values) > want {
			hint = ` (or a value holds ",` + "`" + `")`
		}
		return nil, fmt.Errorf("%w: bill line %d: %d values for %d columns%s", ErrMalformedMessage, lineNo, len(values), want, hint)
	}
	return values, nil
}

// parse reads the summary's header and its line of values, line lineNo.
func (s *BillSummary) parse(header string, line []byte, lineNo int) error {
	names := strings.Split(header, ",")
	values, err := billValues(line, len(names), lineNo)
	if err != nil {
		return err
	}
	for i, name := range names {
		v := values[i]
		var err error
		switch strings.TrimSpace(name) {
		case "总交易单数":
			var n int64
			n, err = strconv.ParseInt(v, 10, 32)
			if err == nil && n < 0 {
				err = fmt.Errorf("negative")
			}
			s.TradeCount = int(n)
		case "应结订单总金额":
			s.SettlementTotalFee, err = parseYuan(v)
		case "退款总金额":
			s.RefundFee, err = parseYuan(v)
		case "充值券退款总金额":
			s.CouponRefundFee, err = parseYuan(v)
		case "手续费总金额":
			s.Fee = v
		case "订单总金额":
			s.TotalFee, err = parseYuan(v)
		case "申请退款总金额":
			s.RequestedRefundFee, err = parseYuan(v)
		}
		if err != nil {
			return fmt.Errorf("%w: bill summary: %s: %w", ErrMalformedMessage, name, err)
		}
	}
	return nil
}

// billSetter stores one column's value into a row.
type billSetter func(r *BillRow, v string) error

// billColumns maps the column names of every bill type to their field.
var billColumns = map[string]billSetter{
	"交易时间":     billTime(func(r *BillRow) *time.Time { return &r.TradeTime }),
	"公众账号ID":   billString(func(r *BillRow) *string { return &r.AppID }),
	"商户号":      billString(func(r *BillRow) *string { return &r.MchID }),
	"特约商户号":    billString(func(r *BillRow) *string { return &r.SubMchID }),
	"子商户号":     billString(func(r *BillRow) *string { return &r.SubMchID }),
	"设备号":      billString(func(r *BillRow) *string { return &r.DeviceInfo }),
	"微信订单号":    billString(func(r *BillRow) *string { return &r.TransactionID }),
	"商户订单号":    billString(func(r *BillRow) *string { return &r.OutTradeNo }),
	"用户标识":     billString(func(r *BillRow) *string { return &r.OpenID }),
	"交易类型":     func(r *BillRow, v string) error { r.TradeType = TradeType(v); return nil },
	"交易状态":     billString(func(r *BillRow) *string { return &r.TradeState }),
	"付款银行":     billString(func(r *BillRow) *string { return &r.BankType }),
	"货币种类":     billString(func(r *BillRow) *string { return &r.FeeType }),
	"应结订单金额":   billYuan(func(r *BillRow) *int64 { return &r.SettlementTotalFee }),
	"总金额":      billYuan(func(r *BillRow) *int64 { return &r.SettlementTotalFee }),
	"代金券金额":    billYuan(func(r *BillRow) *int64 { return &r.CouponFee }),
	"企业红包金额":   billYuan(func(r *BillRow) *int64 { return &r.CouponFee }),
	"退款申请时间":   billTime(func(r *BillRow) *time.Time { return &r.RefundApplyTime }),
	"退款成功时间":   billTime(func(r *BillRow) *time.Time { return &r.RefundSuccessTime }),
	"微信退款单号":   billString(func(r *BillRow) *string { return &r.RefundID }),
	"商户退款单号":   billString(func(r *BillRow) *string { return &r.OutRefundNo }),
	"退款金额":     billYuan(func(r *BillRow) *int64 { return &r.RefundFee }),
	"充值券退款金额":  billYuan(func(r *BillRow) *int64 { return &r.CouponRefundFee }),
	"企业红包退款金额": billYuan(func(r *BillRow) *int64 { return &r.CouponRefundFee }),
	"退款类型":     billString(func(r *BillRow) *string { return &r.RefundType }),
	"退款状态":     billString(func(r *BillRow) *string { return &r.RefundStatus }),
	"商品名称":     billString(func(r *BillRow) *string { return &r.Body }),
	"商户数据包":    billString(func(r *BillRow) *string { return &r.Attach }),
	"手续费":      billString(func(r *BillRow) *string { return &r.Fee }),
	"费率":       billString(func(r *BillRow) *string { return &r.Rate }),
	"订单金额":     billYuan(func(r *BillRow) *int64 { return &r.TotalFee }),
	"申请退款金额":   billYuan(func(r *BillRow) *int64 { return &r.RequestedRefundFee }),
	"费率备注":     billString(func(r *BillRow) *string { return &r.RateRemark }),
}

func billString(field func(*BillRow) *string) billSetter {
	return func(r *BillRow, v string) error { *field(r) = v; return nil }
}

func billYuan(field func(*BillRow) *int64) billSetter {
	return func(r *BillRow, v string) (err error) { *field(r), err = parseYuan(v); return err }
}

// billTime reads "2006-01-02 15:04:05" in China time; empty is the zero time.
func billTime(field func(*BillRow) *time.Time) billSetter {
	return func(r *BillRow, v string) error {
		if v == "" {
			return nil
		}
		t, err := time.ParseInLocation(time.DateTime, v, chinaTime)
		if err != nil {
			return fmt.Errorf("not a time")
		}
		*field(r) = t
		return nil
	}
}

// parseYuan reads an amount in yuan with at most two decimals ("12.30",
// "-0.01", "5") as fen, without floating point. Empty is 0.
func parseYuan(v string) (int64, error) {
	if v == "" {
		return 0, nil
	}
	s, neg := v, false
	if s[0] == '-' {
		s, neg = s[1:], true
	}
	whole, frac, dot := strings.Cut(s, ".")
	if whole == "" || len(frac) > 2 || (dot && frac == "") || len(whole) > 15 {
		return 0, fmt.Errorf("not an amount in yuan")
	}
	for len(frac) < 2 {
		frac += "0"
	}
	var n int64
	for _, c := range whole + frac {
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("not an amount in yuan")
		}
		n = n*10 + int64(c-'0')
	}
	if neg {
		n = -n
	}
	return n, nil
}
