package wegotest

import (
	"net"
	"net/http"
)

// errmsgs are the errmsg texts WeChat answers for the errcodes the fake
// answers or [Server.FailNext] is commonly given, as WeChat's API writes
// them (the English column of its global return codes, 全局返回码, where no
// answer was seen, and for the codes of the user, group, tag, menu and
// typing pages, which that list lacks, their description shortened as
// WeChat's other English errmsgs are; the draft and publishing codes as
// their pages write them, in Chinese where they do, and 45110 as WeChat
// answers it); WeChat appends " rid: ..." (" hint: [...]" in older
// answers). Newer 40001 answers go on with ", could get access_token by
// getStableAccessToken, more details at ..."; the fake keeps the text that
// every answer starts with. 40164 names the caller's address: see errMsg.
//
// The 100xx codes are not answers of the API but of the authorize page
// of web authorization (网页授权), an HTML page on open.weixin.qq.com:
// 10003 and 10005 with the text that page shows, the others with their
// description in WeChat's page on web authorization.
var errmsgs = map[int]string{
	-1:    "system error",
	10003: "redirect_uri 参数错误",
	10005: "Scope 参数错误或没有 Scope 权限",
	10010: "scope不能为空",
	10011: "redirect_uri不能为空",
	10012: "appid不能为空",
	10016: "不支持微信开放平台的Appid，请使用公众号Appid",
	40001: "invalid credential, access_token is invalid or not latest",
	40002: "invalid grant_type",
	40003: "invalid openid",
	40004: "invalid media type",
	40005: "invalid file type",
	40006: "invalid file size",
	40007: "invalid media_id",
	40008: "invalid message type",
	40013: "invalid appid",
	40014: "invalid access_token",
	40016: "invalid button size",
	40017: "invalid button type",
	40018: "invalid button name size",
	40019: "invalid button key size",
	40020: "invalid button url size",
	40021: "invalid menu version",
	40022: "invalid sub button level",
	40023: "invalid sub button size",
	40024: "invalid sub button type",
	40025: "invalid sub button name size",
	40026: "invalid sub button key size",
	40027: "invalid sub button url size",
	40029: "invalid code",
	40030: "invalid refresh_token",
	40032: "invalid openid list size",
	40050: "invalid group id",
	40051: "invalid group name",
	40052: "invalid action name",
	40053: "invalid action info",
	40037: "invalid template_id",
	40092: "invalid remark name",
	40097: "invalid args",
	40114: "invalid index value",
	40125: "invalid appsecret",
	40130: "invalid openid list size, at least two openid",
	40132: "invalid username",
	40163: "code been used",
	40246: "invalid keyword_name_list",
	41001: "access_token missing",
	41002: "appid missing",
	41003: "refresh_token missing",
	41004: "appsecret missing",
	41008: "missing code",
	41005: "media data missing",
	41009: "missing openid",
	42001: "access_token expired",
	42002: "refresh_token expired",
	43001: "require GET method",
	43002: "require POST method",
	43004: "require subscribe",
	43101: "user refuse to accept the msg",
	44002: "empty post data",
	44003: "empty news data",
	44004: "empty content",
	45002: "content size out of limit",
	45003: "title size out of limit",
	45004: "description size out of limit",
	45005: "url size out of limit",
	45008: "article size out of limit",
	45009: "reach max api daily quota limit",
	45011: "api minute-quota reach limit  mustslower  retry next minute",
	45015: "response out of time limit or subscription is canceled",
	45028: "has no masssend quota",
	45047: "out of response count limit",
	45056: "too many tags now, no need to add new",
	45057: "can't delete the tag that has too many fans",
	45058: "can't modify sys tag",
	45059: "too many tags on the user",
	45065: "clientmsgid exist",
	45066: "same clientmsgid retry too fast",
	45067: "clientmsgid size out of limit",
	45072: "invalid command",
	45080: "no message exchanged with the user in the last 30 seconds",
	45081: "already typing",
	45103: "This API has been unsupported",
	45106: "This API has been unsupported",
	45110: "author size out of limit",
	45157: "invalid tag name",
	45158: "tag name too long",
	45159: "invalid tag id",
	45166: "invalid content",
	46002: "menu version no exist",
	46003: "menu no exist",
	46004: "user no exist",
	47001: "data format error",
	47003: "argument invalid!",
	48001: "api unauthorized",
	48004: "api forbidden for irregularities, view detail on mp.weixin.qq.com",
	49003: "not match openid with appid",
	50001: "user unauthorized",
	50002: "user limited",
	53404: "账号已被限制带货能力",
	53405: "插入商品信息有误",
	53406: "请先开通带货能力",
	53503: "该草稿未通过发布检查",
	53504: "需前往公众平台官网使用草稿",
	53505: "请手动保存成功后再发表",
	53600: "Article ID 无效",
	61500: "date format error",
	61501: "date range error",
	65301: "conditional menu of menuid no exist",
	65302: "no such user",
	65303: "no default menu, conditional menu not allowed",
	65304: "match rule empty",
	65305: "conditional menu count limit",
	65306: "account not allowed conditional menu",
	65307: "conditional menu empty",
	65308: "button without response type",
	65309: "conditional menu switched off",
	65310: "country required with province or city",
	65311: "province required with city",
	65312: "invalid country",
	65313: "invalid province",
	65314: "invalid city",
	65316: "too many url domains in conditional menus",
	65317: "invalid url",
	65320: "match rule with privacy info not allowed",
	88000: "without comment privilege",
	// The wxaapi/newtmpl codes of subscription notices, as their pages
	// describe them.
	200014: "模版 tid 参数错误",
	200016: "start 参数错误",
	200017: "limit 参数错误",
	200018: "类目 ids 缺失",
	200019: "类目 ids 不合法",
	200020: "关键词列表 kidList 参数错误",
	200021: "场景描述 sceneDesc 参数错误",
}

// errMsg returns the errmsg WeChat answers with errcode to a caller at
// remoteIP, without the rid; "" for a code the table lacks.
func errMsg(errcode int, remoteIP string) string {
	if errcode == 40164 {
		ip := net.ParseIP(remoteIP)
		if ip == nil {
			return "invalid ip, not in whitelist"
		}
		if v4 := ip.To4(); v4 != nil {
			return "invalid ip " + v4.String() + " ipv6 ::ffff:" + v4.String() + ", not in whitelist"
		}
		return "invalid ip " + ip.String() + " ipv6 " + ip.String() + ", not in whitelist"
	}
	return errmsgs[errcode]
}

// errorBody is WeChat's answer errcode to r, its errmsg ending in a rid
// as WeChat's do.
func errorBody(code int, r *http.Request) map[string]any {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	msg := errMsg(code, host)
	if msg == "" {
		msg = "error"
	}
	return errorAnswer(code, msg)
}

// errorAnswer is WeChat's answer errcode with msg, for an errmsg that says
// more than the table's ("argument invalid! data.thing1.value is empty"),
// ending in a rid.
func errorAnswer(code int, msg string) map[string]any {
	return map[string]any{"errcode": code, "errmsg": msg + " rid: " + randomHex(4) + "-" + randomHex(4) + "-" + randomHex(4)}
}
