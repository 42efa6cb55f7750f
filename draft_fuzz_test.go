package wego_test

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/wego-sdk/wego"
)

// FuzzDraftArticleJSON loads any bytes as an article WeChat answered and
// validates it: nothing panics, a refusal wraps one of the two sentinels,
// and an article that validates marshals, as json.Marshal and as the SDK
// sends it, and loads back equal, what WeChat answers about it aside.
func FuzzDraftArticleJSON(f *testing.F) {
	f.Add([]byte(newsArticleJSON))
	f.Add([]byte(newsPicArticleJSON))
	f.Add([]byte(`{"title":"t","content":"<p>&amp;</p>","thumb_media_id":"T","need_open_comment":"1","url":"u","is_deleted":true}`))
	f.Add([]byte(`{"article_type":"newspic","title":"t","content":"c","image_info":{"image_list":[]},"cover_info":{"crop_percent_list":[{"ratio":"1_1","x1":"0.","y1":"0","x2":"1","y2":"1"}]}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var a wego.DraftArticle
		if json.Unmarshal(data, &a) != nil {
			return
		}
		if err := a.Validate(); err != nil {
			checkRefusal(t, err)
			return
		}
		a.URL, a.ThumbURL, a.Deleted = "", "", false // answered, never sent
		var back wego.DraftArticle
		roundTrip(t, a, &back)
		if !reflect.DeepEqual(a, back) {
			t.Fatalf("article changed on the way back:\n%#v\n%#v", a, back)
		}
	})
}

// FuzzPublishResult puts any bytes inside a PUBLISHJOBFINISH event's
// PublishEventInfo: what parses as a push gives a result with its
// publish_id, or an error, never a panic.
func FuzzPublishResult(f *testing.F) {
	f.Add(`<publish_id>2247503051</publish_id><publish_status>0</publish_status><article_id><![CDATA[A]]></article_id><article_detail><count>1</count><item><idx>1</idx><article_url><![CDATA[U]]></article_url></item></article_detail>`)
	f.Add(`<publish_id>1</publish_id><publish_status>2</publish_status><fail_idx>1</fail_idx><fail_idx>2</fail_idx>`)
	f.Add(`<publish_id>1</publish_id><publish_status>-9223372036854775809</publish_status>`)
	parse := plainPushParser(f)
	f.Fuzz(func(t *testing.T, info string) {
		body := "<xml><ToUserName>gh</ToUserName><FromUserName>mphelper</FromUserName><CreateTime>1</CreateTime>" +
			"<MsgType>event</MsgType><Event>PUBLISHJOBFINISH</Event><PublishEventInfo>" + info + "</PublishEventInfo></xml>"
		p, err := parse(body)
		if err != nil {
			return
		}
		r, err := p.PublishResult()
		if err != nil {
			return
		}
		if r.PublishID == "" {
			t.Fatalf("a result without publish_id: %+v", r)
		}
	})
}
