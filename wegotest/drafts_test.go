package wegotest

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wego-sdk/wego"
	"github.com/wego-sdk/wego/internal/xmlscan"
)

const okNews = `{"title":"t","content":"<p>c</p>","thumb_media_id":"THUMB"}`

// The fake refuses what WeChat's pages on drafts refuse, with WeChat's
// codes, and keeps nothing of a refused draft.
func TestDraftAddRefusesWhatWeChatRefuses(t *testing.T) {
	t.Parallel()
	s, c := userClient(t)
	s.addImagesAs("T", "THUMB", "I", "I1", "I2")
	news := func(field string) string {
		return `{"articles":[{"title":"t","content":"c","thumb_media_id":"T",` + field + `}]}`
	}
	images := func(n int) string {
		return `{"articles":[{"article_type":"newspic","title":"t","content":"c","image_info":{"image_list":[` +
			strings.TrimSuffix(strings.Repeat(`{"image_media_id":"I"},`, n), ",") + `]}}]}`
	}
	for _, tt := range []struct {
		name string
		body string
		code int
	}{
		{"no articles", `{"articles":[]}`, 44003},
		{"nine articles", `{"articles":[` + strings.TrimSuffix(strings.Repeat(okNews+",", 9), ",") + `]}`, 45008},
		{"no title", `{"articles":[{"content":"c","thumb_media_id":"T"}]}`, 44003},
		{"no content", `{"articles":[{"title":"t","thumb_media_id":"T"}]}`, 44003},
		{"a 33-character title", `{"articles":[{"title":"` + strings.Repeat("标", 33) + `","content":"c","thumb_media_id":"T"}]}`, 45003},
		{"a 17-character author", news(`"author":"` + strings.Repeat("作", 17) + `"`), 45110},
		{"a 129-character digest", news(`"digest":"` + strings.Repeat("d", 129) + `"`), 45004},
		{"20000 characters of text", `{"articles":[{"title":"t","content":"<p>` + strings.Repeat("字", 20000) + `</p>","thumb_media_id":"T"}]}`, 45002},
		{"1 MB of HTML", `{"articles":[{"title":"t","content":"` + strings.Repeat("<br>", 1<<18) + `","thumb_media_id":"T"}]}`, 45002},
		{"a 1025-byte source URL", news(`"content_source_url":"` + strings.Repeat("u", 1025) + `"`), 45005},
		{"a news article without a cover", `{"articles":[{"title":"t","content":"c"}]}`, 40007},
		{"a type WeChat lacks", news(`"article_type":"video"`), 40097},
		{"a newspic without images", `{"articles":[{"article_type":"newspic","title":"t","content":"c"}]}`, 40097},
		{"21 images", images(21), 40097},
		{"a product card", news(`"product_info":{"footer_product_info":{"product_key":"PK"}}`), 53406},
		{"not JSON of articles", `{"articles":{}}`, 47001},
	} {
		assert.Equal(t, tt.code, post(t, c, PathDraftAdd, raw(tt.body), nil), tt.name)
	}
	assert.Empty(t, s.Drafts(), "nothing kept")
	assert.Equal(t, 0, post(t, c, PathDraftAdd, raw(`{"articles":[`+strings.TrimSuffix(strings.Repeat(okNews+",", 8), ",")+`]}`), nil))
	assert.Equal(t, 0, post(t, c, PathDraftAdd, raw(images(20)), nil))
	assert.Equal(t, 0, post(t, c, PathDraftAdd, raw(`{"articles":[{"title":"t","content":"`+strings.Repeat(`<b>字</b>&amp;`, 9999)+`","thumb_media_id":"T"}]}`), nil),
		"19998 characters of text in 220 KB of HTML")
	assert.Equal(t, 43002, get(t, c, PathDraftAdd, nil, nil), "add is a POST")
	assert.Equal(t, 43001, post(t, c, PathDraftCount, raw(`{}`), nil), "count is a GET")
	assert.Len(t, s.Drafts(), 3)
}

// A picture message's cover is its first image, as WeChat answers it.
func TestDraftNewsPicCoverIsTheFirstImage(t *testing.T) {
	t.Parallel()
	s, c := userClient(t)
	s.addImagesAs("T", "THUMB", "I", "I1", "I2")
	var a struct {
		MediaID string `json:"media_id"`
	}
	require.Equal(t, 0, post(t, c, PathDraftAdd, raw(`{"articles":[{"article_type":"newspic","title":"t","content":"c",
		"image_info":{"image_list":[{"image_media_id":"I1"},{"image_media_id":"I2"}]}}]}`), &a))
	d := s.Drafts()
	require.Len(t, d, 1)
	assert.Equal(t, a.MediaID, d[0].MediaID)
	assert.Len(t, a.MediaID, 64, "a media id of the shape of WeChat's")
	assert.Equal(t, "I1", d[0].Articles[0].ThumbMediaID)
	assert.Equal(t, []string{"I1", "I2"}, d[0].Articles[0].Images)
	assert.Equal(t, wego.ArticleNewsPic, d[0].Articles[0].Type)
}

// Pages of draft/batchget and freepublish/batchget take 1 to 20.
func TestDraftPagesAreOneToTwenty(t *testing.T) {
	t.Parallel()
	_, c := userClient(t)
	for _, path := range []string{PathDraftBatchGet, PathFreePublishBatchGet} {
		for _, body := range []string{`{"offset":0,"count":0}`, `{"offset":0,"count":21}`, `{"offset":-1,"count":1}`, `{"offset":0,"count":1,"no_content":2}`} {
			assert.Equal(t, 40097, post(t, c, path, raw(body), nil), path+" "+body)
		}
		var page struct {
			TotalCount int   `json:"total_count"`
			ItemCount  int   `json:"item_count"`
			Item       []any `json:"item"`
		}
		assert.Equal(t, 0, post(t, c, path, raw(`{"offset":5,"count":20}`), &page), path)
		assert.Zero(t, page.TotalCount)
		assert.NotNil(t, page.Item, "an empty list, not null")
	}
}

// freepublish/get takes publish_id as a string, as WeChat's page writes
// it, or as the number submit answers.
func TestFreePublishGetTakesTheIDEitherWay(t *testing.T) {
	t.Parallel()
	s, c := userClient(t)
	s.addImagesAs("T", "THUMB", "I", "I1", "I2")
	var added struct {
		MediaID string `json:"media_id"`
	}
	require.Equal(t, 0, post(t, c, PathDraftAdd, raw(`{"articles":[`+okNews+`]}`), &added))
	var submitted struct {
		PublishID any `json:"publish_id"`
		MsgDataID any `json:"msg_data_id"`
	}
	require.Equal(t, 0, post(t, c, PathFreePublishSubmit, map[string]string{"media_id": added.MediaID}, &submitted))
	id, ok := submitted.PublishID.(float64)
	require.True(t, ok, "a number: %v", submitted.PublishID)
	assert.IsType(t, float64(0), submitted.MsgDataID)
	for _, body := range []any{raw(`{"publish_id":` + formatID(id) + `}`), map[string]string{"publish_id": formatID(id)}} {
		var st struct {
			PublishID     string `json:"publish_id"`
			PublishStatus int    `json:"publish_status"`
			FailIdx       []int  `json:"fail_idx"`
		}
		require.Equal(t, 0, post(t, c, PathFreePublishGet, body, &st))
		assert.Equal(t, formatID(id), st.PublishID)
		assert.Equal(t, 1, st.PublishStatus)
		assert.NotNil(t, st.FailIdx)
	}
	status, ok := s.PublishStatus(formatID(id))
	assert.True(t, ok)
	assert.Equal(t, wego.PublishStatusPublishing, status)
}

// addImagesAs keeps a permanent image material under each of ids, so that
// requests written by hand can name them as covers.
func (s *Server) addImagesAs(ids ...string) {
	s.materials.mu.Lock()
	defer s.materials.mu.Unlock()
	for _, id := range ids {
		s.materials.media[id] = &StoredMedia{MediaID: id, Type: wego.MediaImage, Permanent: true, Name: id + ".jpg", Created: time.Now()}
		s.materials.permanent = append(s.materials.permanent, id)
	}
}

func formatID(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// The PUBLISHJOBFINISH the fake pushes has the shape of WeChat's sample.
func TestPublishEventIsWeChats(t *testing.T) {
	t.Parallel()
	s := New(t)
	job := &publishJob{publishID: "2247503051", articles: make([]draftArticle, 2), status: wego.PublishStatusSuccess}
	pub := &publication{articleID: "AID", articles: []publishedArticle{{URL: "u1"}, {URL: "u2"}}}
	var d xmlscan.Doc
	require.NoError(t, d.Parse(s.publishEvent(job, pub)))
	var got []string
	for k, v := range d.All() {
		if k != "CreateTime" {
			got = append(got, k+"="+v)
		}
	}
	assert.Equal(t, []string{
		"ToUserName=" + s.OriginalID, "FromUserName=mphelper", "MsgType=event", "Event=PUBLISHJOBFINISH",
		"PublishEventInfo.publish_id=2247503051", "PublishEventInfo.publish_status=0", "PublishEventInfo.article_id=AID",
		"PublishEventInfo.article_detail.count=2",
		"PublishEventInfo.article_detail.item.idx=1", "PublishEventInfo.article_detail.item.article_url=u1",
		"PublishEventInfo.article_detail.item.idx=2", "PublishEventInfo.article_detail.item.article_url=u2",
	}, got)

	job = &publishJob{publishID: "7", status: wego.PublishStatusOriginalFailed, failIdx: []int{1, 2}}
	require.NoError(t, d.Parse(s.publishEvent(job, nil)))
	assert.Equal(t, []string{"1", "2"}, d.Values("PublishEventInfo.fail_idx"))
	_, has := d.Lookup("PublishEventInfo.article_id")
	assert.False(t, has, "a failed job has no article")
}
