package wego

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Sentinel errors for the cases the SDK reports without a WeChat error code.
// Test for them with [errors.Is].
var (
	// ErrMissingParameter is wrapped by errors about a required parameter left empty;
	// the error text names the parameter.
	ErrMissingParameter = errors.New("wego: missing required parameter")
	// ErrInvalidParameter is wrapped by errors about a parameter WeChat
	// would refuse (a remark or a name too long, a reserved group or tag,
	// an unknown language, a menu over WeChat's limits), found before
	// anything is sent; the error text names the parameter and says why,
	// e.g. "remark: 31 characters, at most 30", "button 2 › sub 4: name is
	// 61 bytes, at most 60".
	ErrInvalidParameter = errors.New("wego: invalid parameter")
	// ErrResponseTooLarge is returned when an answer from WeChat exceeds the size the SDK reads.
	ErrResponseTooLarge = errors.New("wego: response body too large")
	// ErrInvalidSignature is wrapped by every error about a push or pay
	// signature that does not verify, and by wegotest's check of a JS-SDK
	// signature (Server.VerifyJSSignature).
	ErrInvalidSignature = errors.New("wego: signature mismatch")
	// ErrAppIDMismatch is returned when an encrypted message or a pay
	// notification names another account than ours.
	ErrAppIDMismatch = errors.New("wego: message is for another appid")
	// ErrMalformedMessage is wrapped by errors about input from WeChat (or
	// from someone posing as WeChat) that cannot be parsed: bad XML, bad
	// base64, bad padding, wrong lengths.
	ErrMalformedMessage = errors.New("wego: malformed message")
	// ErrBodyTooLarge is returned when a request body sent to one of our
	// handlers is larger than the SDK accepts.
	ErrBodyTooLarge = errors.New("wego: request body too large")

	// ErrInvalidAESKey is wrapped by the error [NewMsgCrypt] returns for an
	// EncodingAESKey that is not 43 characters of base64 giving a 32-byte
	// key. The error text never contains the key.
	ErrInvalidAESKey = errors.New("wego: invalid EncodingAESKey")
	// ErrPushTooOld is returned when a push's timestamp is further from the
	// server's clock than [Settings].PushMaxAge: a replay, or a clock gone
	// wrong.
	ErrPushTooOld = errors.New("wego: push timestamp outside the accepted window")
	// ErrPushNotEncrypted is returned when a Client in safe mode (with
	// [Settings].PushEncodingAESKey) receives a push without encryption
	// and [Settings].PushAllowPlain is not set. Its signature does not
	// cover the body, so anyone who saw the URL could have written it.
	ErrPushNotEncrypted = errors.New("wego: plain push refused in safe mode")
	// ErrInvalidReply is wrapped by errors about a reply or a message WeChat
	// would refuse (too many news articles, a missing media id, a
	// customer-service type given as a passive reply or the other way
	// round); the SDK reports it before anything is sent.
	ErrInvalidReply = errors.New("wego: invalid reply")

	// ErrMchIDMismatch is returned when a pay notification names another
	// merchant (mch_id) than Settings.MchID.
	ErrMchIDMismatch = errors.New("wego: message is for another mch_id")
	// ErrInvalidAmount is wrapped by errors about a pay amount that is not
	// a positive number of fen, or a refund larger than its order.
	ErrInvalidAmount = errors.New("wego: invalid pay amount")
	// ErrAmountMismatch is returned by [Client.CheckPaidAmount] when the
	// amount WeChat says was paid is not the amount of the merchant's order.
	ErrAmountMismatch = errors.New("wego: paid amount differs from the order amount")
	// ErrNotSubscribed is returned when a call needs a follower and the user
	// does not follow the account: [WeChatUser.SetRemark] checks it before
	// writing, as Python wego does, and WeChat's own answer errcode 43004
	// (require subscribe) matches it too.
	ErrNotSubscribed = errors.New("wego: the user does not follow the account")
	// ErrGroupNotFound is wrapped by the errors of calls given a group by
	// name ([GroupName]) that no group of the account has; nothing was
	// written. The error text names the group.
	ErrGroupNotFound = errors.New("wego: no such group")
	// ErrTagNotFound is wrapped by the errors of calls given a tag by name
	// ([TagName]) that no tag of the account has; nothing was written. The
	// error text names the tag.
	ErrTagNotFound = errors.New("wego: no such tag")
	// ErrOutsideServiceWindow matches WeChat's refusal of a customer-service
	// message or typing status ([Client.SendMessage], [Client.Typing]):
	// errcode 45015, "response out of time limit or subscription is
	// canceled". WeChat takes them only within 48 hours of the user's last
	// message to the account (a minute after a menu click, a follow or a
	// scan), and never for a user who stopped following; it has one code
	// for both. Outside the window, send a template message
	// ([Client.SendTemplateMessage]).
	ErrOutsideServiceWindow = errors.New("wego: outside the 48-hour customer-service window")
	// ErrMassSendRepeated matches WeChat's refusal of a mass send whose
	// clientmsgid ([WithMassClientMsgID]) named another within 24 hours:
	// errcode 45065. The job of the first send exists; nothing more is
	// sent.
	ErrMassSendRepeated = errors.New("wego: a mass send with this clientmsgid exists")
	// ErrNoSubscription matches WeChat's refusal of a subscription notice
	// ([Client.SendSubscribeMessage]) to a user without a subscription to
	// its template: errcode 43101, the user refused it or has used up a
	// one-time subscription.
	ErrNoSubscription = errors.New("wego: the user has no subscription to the template")

	// ErrQRCodeTicketInvalid is wrapped by the error [Client.QRCodeImage]
	// returns when WeChat answers a QR code ticket with HTTP 404, as it
	// does for a ticket it does not know and for a temporary QR code past
	// its expiry: make a new QR code. The [*HTTPError] is reachable too.
	ErrQRCodeTicketInvalid = errors.New("wego: QR code ticket unknown or expired")

	// ErrPayNotConfigured is returned by pay calls on a Client without
	// Settings.MchID and MchSecret, and by refunds without the client
	// certificate (Settings.CertPEMPath and KeyPEMPath).
	ErrPayNotConfigured = errors.New("wego: pay is not configured")
)

// SettingProblem is one invalid or missing field of [Settings].
type SettingProblem struct {
	Field  string // the Settings field, e.g. "AppID"
	Reason string // what is wrong with it; never contains the field's value
}

// InitError is returned by [NewClient] and lists every problem found in the
// [Settings] at once, so a misconfigured deployment is fixed in one pass.
type InitError struct {
	Problems []SettingProblem
}

// Error lists the problems, field by field.
func (e *InitError) Error() string {
	var b strings.Builder
	b.WriteString("wego: invalid settings: ")
	for i, p := range e.Problems {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(p.Field)
		b.WriteString(": ")
		b.WriteString(p.Reason)
	}
	return b.String()
}

// Has reports whether field is among the problems.
func (e *InitError) Has(field string) bool {
	for _, p := range e.Problems {
		if p.Field == field {
			return true
		}
	}
	return false
}

// WeChat error codes the SDK acts on.
const (
	CodeSystemBusy          = -1    // 系统繁忙: retried with backoff for reads
	CodeInvalidCredential   = 40001 // access token invalid or not the latest
	CodeInvalidAccessToken  = 40014 // malformed access token
	CodeAccessTokenExpired  = 42001 // access token expired
	CodeAPIMinuteQuotaLimit = 45011 // API minute quota reached
	CodeRequireSubscribe    = 43004 // the user does not follow the account: matches ErrNotSubscribed
	CodeOutOfServiceWindow  = 45015 // a customer-service message outside the 48-hour window: matches ErrOutsideServiceWindow
	CodeUserRefuseMessage   = 43101 // a subscription notice without a subscription: matches ErrNoSubscription

	CodeInvalidOpenID       = 40003 // the openid is not the user access token's, or not of this account
	CodeInvalidCode         = 40029 // an OAuth code unknown or past its 5 minutes
	CodeInvalidRefreshToken = 40030 // an OAuth refresh token unknown or revoked
	CodeCodeUsed            = 40163 // an OAuth code already exchanged: a code works once
	CodeRefreshTokenExpired = 42002 // an OAuth refresh token past its 30 days
	CodeAPIUnauthorized     = 48001 // no permission: sns/userinfo with a snsapi_base token
	CodeAPIUnsupported      = 45103 // the endpoint was retired: shorturl (see Client.CreateShortURL)

	CodeInvalidMediaType = 40004 // a material's type is not one the endpoint takes
	CodeInvalidFileType  = 40005 // a material's file is not of a format its type takes
	CodeInvalidFileSize  = 40006 // a material's file is empty or over its type's size
	CodeInvalidMediaID   = 40007 // a media_id unknown, deleted, or a temporary material past its three days
	CodeMediaDataMissing = 41005 // an upload without its file (the form field "media")
	CodeAPIRetired       = 45106 // the endpoint was retired: add_news and update_news (see Client.AddPermanentMaterial)

	CodeMenuVersionNotExist = 46002 // trymatch: no conditional menu matches the user, who sees the default menu
	CodeMenuNotExist        = 46003 // the account has no menu: GetMenus answers an empty one

	CodeMassNoQuota           = 45028 // a mass send with no quota left (has no masssend quota)
	CodeMassClientMsgIDRepeat = 45065 // a mass send repeating a clientmsgid of the last 24 hours: matches ErrMassSendRepeated

	CodeDateFormatError = 61500 // analytics: begin_date or end_date is not a date as yyyy-MM-dd (时间参数格式异常)
	CodeDateRangeError  = 61501 // analytics: the dates span more days than the endpoint takes, or are out of its range (时间参数跨度异常)
)

// explainCode says what an errcode whose errmsg leaves it unclear means,
// for the text of an [*APIError], as Python wego added it to its
// WegoApiError; "" for the others.
func explainCode(code int) string {
	switch code {
	case CodeDateFormatError:
		return "the dates are not yyyy-MM-dd (时间参数格式异常)"
	case CodeDateRangeError:
		return "the dates span more days than the endpoint takes in one call, begin_date is after end_date, or end_date is not before today in China (时间参数跨度异常)"
	}
	return ""
}

// APIError is an answer from a WeChat JSON endpoint whose errcode is not 0.
//
//	var ae *wego.APIError
//	if errors.As(err, &ae) && ae.Code == 45009 { ... }
type APIError struct {
	Code     int    // WeChat errcode
	Msg      string // WeChat errmsg
	Endpoint string // the path called, e.g. "/cgi-bin/getcallbackip"; never carries a query
}

// Error gives the endpoint, the errcode and the errmsg, secrets redacted,
// and for a few codes what they mean: "wego: /datacube/getusersummary:
// errcode 61501: date range error rid: ... (the dates span more days than
// the endpoint takes in one call, ...)".
func (e *APIError) Error() string {
	s := "wego: " + e.Endpoint + ": errcode " + strconv.Itoa(e.Code) + ": " + redact(e.Msg)
	if x := explainCode(e.Code); x != "" {
		s += " (" + x + ")"
	}
	return s
}

// Is lets [errors.Is] match the errcodes that a sentinel of the SDK stands
// for: 43004 (require subscribe) is [ErrNotSubscribed], 45015 (response
// out of time limit) [ErrOutsideServiceWindow], 43101 (user refuse to
// accept the msg) [ErrNoSubscription].
func (e *APIError) Is(target error) bool {
	switch target {
	case ErrNoSubscription:
		return e.Code == CodeUserRefuseMessage
	case ErrNotSubscribed:
		return e.Code == CodeRequireSubscribe
	case ErrOutsideServiceWindow:
		return e.Code == CodeOutOfServiceWindow
	case ErrMassSendRepeated:
		return e.Code == CodeMassClientMsgIDRepeat
	}
	return false
}

// TokenInvalid reports whether WeChat rejected the access token (40001, 40014,
// 42001). The transport refreshes the token and retries once on these codes.
func (e *APIError) TokenInvalid() bool {
	switch e.Code {
	case CodeInvalidCredential, CodeInvalidAccessToken, CodeAccessTokenExpired:
		return true
	}
	return false
}

// Retryable reports whether the same request may succeed when sent again
// later: WeChat was busy (-1) or a minute quota was reached (45011).
func (e *APIError) Retryable() bool {
	return e.Code == CodeSystemBusy || e.Code == CodeAPIMinuteQuotaLimit
}

// IsRetryable reports whether err, or an error it wraps, is an [*APIError]
// whose request may succeed later, or an [*HTTPError] with a 5xx status.
func IsRetryable(err error) bool {
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.Retryable()
	}
	var he *HTTPError
	if errors.As(err, &he) {
		return he.StatusCode >= 500
	}
	return false
}

// HTTPError is an answer that is not a WeChat answer at all: a status other
// than 200, or a body that cannot be decoded.
type HTTPError struct {
	Endpoint   string // path called, without query
	StatusCode int    // HTTP status; 200 when the body was the problem
	Reason     string // what was wrong, e.g. "unexpected status" or a decode error
}

// Error gives the endpoint, the status and what was wrong.
func (e *HTTPError) Error() string {
	return "wego: " + e.Endpoint + ": HTTP " + strconv.Itoa(e.StatusCode) + ": " + redact(e.Reason)
}

// PayError is a WeChat Pay answer with return_code or result_code FAIL. (An
// answer whose sign does not verify is never trusted: that error wraps
// [ErrInvalidSignature].)
type PayError struct {
	Endpoint   string // pay path, e.g. "/pay/unifiedorder"
	ReturnCode string // SUCCESS or FAIL: communication result
	ReturnMsg  string
	ResultCode string // SUCCESS or FAIL: business result
	ErrCode    string // e.g. ORDERPAID, SYSTEMERROR
	ErrCodeDes string
}

// Error gives the endpoint and the codes WeChat Pay answered.
func (e *PayError) Error() string {
	var b strings.Builder
	b.WriteString("wego: ")
	b.WriteString(e.Endpoint)
	b.WriteString(": ")
	if e.ReturnCode != "SUCCESS" {
		b.WriteString("return_code ")
		b.WriteString(e.ReturnCode)
		if e.ReturnMsg != "" {
			b.WriteString(": ")
			b.WriteString(redact(e.ReturnMsg))
		}
		return b.String()
	}
	b.WriteString("result_code ")
	b.WriteString(e.ResultCode)
	if e.ErrCode != "" {
		b.WriteString(": ")
		b.WriteString(e.ErrCode)
	}
	if e.ErrCodeDes != "" {
		b.WriteString(": ")
		b.WriteString(redact(e.ErrCodeDes))
	}
	return b.String()
}

// Retryable reports whether WeChat Pay asks the caller to try again with the
// same parameters (SYSTEMERROR, BIZERR_NEED_RETRY, FREQUENCY_LIMITED).
func (e *PayError) Retryable() bool {
	switch e.ErrCode {
	case "SYSTEMERROR", "BIZERR_NEED_RETRY", "FREQUENCY_LIMITED":
		return true
	}
	return false
}

// AmbiguousNameError is returned when a group or a tag given by name
// ([GroupName], [TagName]) names more than one: WeChat lets groups share a
// name, and Python wego silently took one of them. Nothing was written;
// name the one meant by its id ([GroupID], [TagID]).
type AmbiguousNameError struct {
	Kind string // "group" or "tag"
	Name string
	IDs  []int // the ids of every group or tag with that name, in WeChat's order
}

// Error names the ids that share the name.
func (e *AmbiguousNameError) Error() string {
	ids := make([]string, len(e.IDs))
	for i, id := range e.IDs {
		ids[i] = strconv.Itoa(id)
	}
	return fmt.Sprintf("wego: %d %ss are named %q (ids %s): give the %s by id",
		len(e.IDs), e.Kind, e.Name, strings.Join(ids, ", "), e.Kind)
}

// PartialError is returned by a call that sends a list of openids in
// WeChat's chunks ([Client.TagUsers], [Client.BlockUsers], ...) when a
// chunk failed after earlier ones went through: the first Done openids of
// the list were handled, the others not. Err is WeChat's answer to the
// failed chunk, reachable with [errors.As] and [errors.Is]. A call whose
// first chunk fails returns that error as it is.
type PartialError struct {
	Op    string // what the call does, e.g. "tag users"
	Done  int    // openids handled, from the start of the list
	Total int    // openids given
	Err   error
}

// Error says how far the call got and why it stopped.
func (e *PartialError) Error() string {
	return fmt.Sprintf("wego: %s: %d of %d openids done, then: %v", e.Op, e.Done, e.Total, e.Err)
}

// Unwrap returns the error of the failed chunk.
func (e *PartialError) Unwrap() error { return e.Err }

// missing returns an error wrapping [ErrMissingParameter] that names what is missing.
func missing(what string) error {
	return fmt.Errorf("%w: %s", ErrMissingParameter, what)
}

// invalid returns an error wrapping [ErrInvalidParameter] that names the
// parameter and says what is wrong with it.
func invalid(what, format string, args ...any) error {
	return fmt.Errorf("%w: %s: %s", ErrInvalidParameter, what, fmt.Sprintf(format, args...))
}

// secretNames are the query and JSON keys whose values never leave the SDK.
var secretNames = []string{"access_token", "secret", "appsecret", "refresh_token", "key", "sign", "paySign", "code"}

// redact replaces the values of secret query parameters and JSON string fields
// in s with REDACTED: "access_token=abc&x=1" becomes "access_token=REDACTED&x=1"
// and `"secret":"abc"` becomes `"secret":"REDACTED"`. Every error text and log
// line that may carry a URL or a body goes through it.
func redact(s string) string {
	if !strings.ContainsAny(s, "=:") {
		return s
	}
	for _, name := range secretNames {
		s = redactAfter(s, name+"=", "&# \t\n\"'")
		s = redactAfter(s, `"`+name+`":"`, `"`)
		s = redactAfter(s, `"`+name+`": "`, `"`)
	}
	return s
}

// redactAfter replaces what follows each occurrence of prefix, up to a byte in
// stop, with REDACTED. A prefix only counts at the start of a name: "xkey="
// does not match "key=".
func redactAfter(s, prefix, stop string) string {
	const mask = "REDACTED"
	from := 0
	for {
		i := strings.Index(s[from:], prefix)
		if i < 0 {
			return s
		}
		i += from
		start := i + len(prefix)
		if prefix[0] != '"' && i > 0 && isNameByte(s[i-1]) {
			from = start
			continue
		}
		end := start
		for end < len(s) && !strings.ContainsRune(stop, rune(s[end])) {
			end++
		}
		s = s[:start] + mask + s[end:]
		from = start + len(mask)
	}
}

func isNameByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}
