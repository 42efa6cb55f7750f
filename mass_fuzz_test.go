package wego_test

import (
	"strings"
	"testing"
)

// FuzzMassSendResult puts any bytes after a MASSSENDJOBFINISH event's
// MsgID: what parses as a push gives a result with no more check items
// than ArticleIdx elements start, or an error, never a panic.
func FuzzMassSendResult(f *testing.F) {
	xml := readFile(f, "testdata/vectors/push/event_masssendjobfinish.xml")
	_, rest, _ := strings.Cut(xml, "</MsgID>")
	rest, _, _ = strings.Cut(rest, "</xml>")
	f.Add(rest)
	f.Add(`<Status>send success</Status><TotalCount>2</TotalCount><FilterCount>2</FilterCount><SentCount>2</SentCount><ErrorCount>0</ErrorCount>`)
	f.Add(`<CopyrightCheckResult><ResultList><item><AuditState>x</AuditState></item></ResultList></CopyrightCheckResult>`)
	f.Add(`<TotalCount>-9223372036854775809</TotalCount>`)
	parse := plainPushParser(f)
	f.Fuzz(func(t *testing.T, fields string) {
		body := "<xml><ToUserName>gh</ToUserName><FromUserName>oAdmin</FromUserName><CreateTime>1</CreateTime>" +
			"<MsgType>event</MsgType><Event>MASSSENDJOBFINISH</Event><MsgID>1000001625</MsgID>" + fields + "</xml>"
		p, err := parse(body)
		if err != nil {
			return
		}
		r, err := p.MassSendResult()
		if err != nil {
			return
		}
		if r.MsgID != 1000001625 {
			t.Fatalf("MsgID %d", r.MsgID)
		}
		if n := strings.Count(fields, "<ArticleIdx>") + 1; len(r.CopyrightCheckResult.ResultList) > n {
			t.Fatalf("%d items from %d ArticleIdx elements", len(r.CopyrightCheckResult.ResultList), n-1)
		}
	})
}
