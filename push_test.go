package wego_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wego-sdk/wego"
	"github.com/wego-sdk/wego/wegotest"
)

// pushFixture is one plaintext push sample and what the SDK must make of it.
type pushFixture struct {
	file   string
	typ    string
	fields map[string]string // from the vectors' expected_fields, plus our own
}

// pushFixtures loads every push sample of testdata: the official ones
// (testdata/vectors/push, with expected fields from vectors.json) and ours
// (testdata/push).
func pushFixtures(t testing.TB) []pushFixture {
	t.Helper()
	raw, err := os.ReadFile("testdata/vectors/vectors.json")
	require.NoError(t, err)
	var doc struct {
		Vectors []struct {
			Kind    string            `json:"kind"`
			XMLFile string            `json:"xml_file"`
			Fields  map[string]string `json:"expected_fields"`
		} `json:"vectors"`
	}
	require.NoError(t, json.Unmarshal(raw, &doc))
	types := map[string]string{
		"text.xml": "text", "text_with_msgdataid.xml": "text", "image.xml": "image", "voice.xml": "voice",
		"video.xml": "video", "shortvideo.xml": "shortvideo", "location.xml": "location", "link.xml": "link",
		"event_subscribe.xml": "subscribe", "event_subscribe_qrscene.xml": "scan_subscribe",
		"event_unsubscribe.xml": "unsubscribe", "event_scan.xml": "scan", "event_location.xml": "user_location",
		"event_click.xml": "click", "event_view.xml": "view", "event_scancode_push.xml": "scancode_push",
		"event_scancode_waitmsg.xml": "scancode_waitmsg", "event_pic_sysphoto.xml": "pic_sysphoto",
		"event_location_select.xml":       "location_select",
		"event_templatesendjobfinish.xml": "templatesendjobfinish",
		"event_masssendjobfinish.xml":     "masssendjobfinish",
		"event_pic_photo_or_album.xml":    "pic_photo_or_album", "event_pic_weixin.xml": "pic_weixin",
	}
	var out []pushFixture
	for _, v := range doc.Vectors {
		if v.Kind != "push_xml" {
			continue
		}
		name := filepath.Base(v.XMLFile)
		out = append(out, pushFixture{file: filepath.Join("testdata/vectors/push", name), typ: types[name], fields: v.Fields})
	}
	out = append(out,
		pushFixture{file: "testdata/push/event_pic_photo_or_album.xml", typ: "pic_photo_or_album",
			fields: map[string]string{"SendPicsInfo.PicList.item.PicMd5Sum": "5a75aaca956d97be686719218f275c6b"}},
		pushFixture{file: "testdata/push/event_pic_weixin.xml", typ: "pic_weixin",
			fields: map[string]string{"SendPicsInfo.Count": "2"}},
		pushFixture{file: "testdata/push/voice_recognition.xml", typ: "voice",
			fields: map[string]string{"Recognition": "腾讯微信团队", "Format": "Format"}},
		pushFixture{file: "testdata/push/event_publishjobfinish.xml", typ: "publishjobfinish",
			fields: map[string]string{"PublishEventInfo.publish_id": "2247503051", "PublishEventInfo.article_detail.item.article_url": "ARTICLE_URL"}},
		pushFixture{file: "testdata/push/event_publishjobfinish_original_failed.xml", typ: "publishjobfinish",
			fields: map[string]string{"PublishEventInfo.publish_status": "2", "PublishEventInfo.fail_idx": "1"}},
		pushFixture{file: "testdata/push/event_subscribe_msg_popup.xml", typ: "subscribe_msg_popup_event",
			fields: map[string]string{"SubscribeMsgPopupEvent.List.PopupScene": "2"}},
		pushFixture{file: "testdata/push/event_subscribe_msg_change.xml", typ: "subscribe_msg_change_event",
			fields: map[string]string{"SubscribeMsgChangeEvent.List.SubscribeStatusString": "reject"}},
		pushFixture{file: "testdata/push/event_subscribe_msg_sent.xml", typ: "subscribe_msg_sent_event",
			fields: map[string]string{"SubscribeMsgSentEvent.List.MsgID": "1700827132819554304"}},
	)
	for _, f := range out {
		require.NotEmpty(t, f.typ, "no expected type for %s", f.file)
	}
	require.GreaterOrEqual(t, len(out), 24)
	return out
}

func readFile(t testing.TB, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return string(b)
}

// pushSetup returns a fake platform in the given push mode and a client of
// it, configured as an account in that mode is: in plain mode without an
// EncodingAESKey (a client with one refuses plain pushes).
func pushSetup(t *testing.T, mode wegotest.PushMode, edit ...func(*wego.Settings)) (*wegotest.Server, *wego.Client) {
	t.Helper()
	if mode == wegotest.PushPlain {
		edit = append([]func(*wego.Settings){func(s *wego.Settings) { s.PushEncodingAESKey = "" }}, edit...)
	}
	srv, c := setup(t, edit...)
	srv.SetPushMode(mode)
	return srv, c
}

var modes = map[string]wegotest.PushMode{"safe": wegotest.PushSafe, "plain": wegotest.PushPlain, "compatible": wegotest.PushCompatible}

// Every message and event type makes a round trip through PushHandler and
// wegotest, in each of WeChat's three modes: WeChat signs (and encrypts) the
// push, the handler verifies, decrypts and parses it, the function sees the
// right type and fields, and its reply comes back (encrypted when the push
// was) addressed to the sender.
func TestPushRoundTripEveryType(t *testing.T) {
	t.Parallel()
	for name, mode := range modes {
		for _, fx := range pushFixtures(t) {
			t.Run(name+"/"+filepath.Base(fx.file), func(t *testing.T) {
				t.Parallel()
				srv, c := pushSetup(t, mode)
				xml := readFile(t, fx.file)
				var typ, from, to string
				var encrypted bool
				var fields map[string]string
				h := c.PushHandler(func(_ context.Context, p *wego.Push) (wego.Reply, error) {
					// A Push is valid during the call only: copy what the test checks.
					typ, from, to, encrypted = p.Type, p.FromUser, p.ToUser, p.Encrypted()
					fields = map[string]string{}
					for k := range fx.fields {
						fields[k] = p.Get(k)
					}
					return wego.Text("got " + p.Type + " from " + p.FromUser), nil
				})
				reply, err := srv.Push(h, wegotest.XMLMessage(xml))
				require.NoError(t, err)
				require.NotEmpty(t, from)
				assert.Equal(t, fx.typ, typ)
				assert.Equal(t, fx.fields, fields)
				assert.Equal(t, mode != wegotest.PushPlain, encrypted)
				assert.Equal(t, 1, reply.Attempts)
				assert.Equal(t, "text", reply.Get("MsgType"))
				assert.Equal(t, "got "+fx.typ+" from "+from, reply.Get("Content"))
				assert.Equal(t, from, reply.Get("ToUserName"), "the reply goes back to the sender")
				assert.Equal(t, to, reply.Get("FromUserName"))
				if mode == wegotest.PushSafe {
					assert.Contains(t, string(reply.Body), "<Encrypt>", "a safe-mode reply is encrypted")
				}
			})
		}
	}
}

func TestPushTypedAccessors(t *testing.T) {
	t.Parallel()
	check := func(file string, fn func(p *wego.Push)) {
		t.Helper()
		// A platform per sample: the doc's samples share one MsgId, and the
		// handler would rightly take the second for a retry of the first.
		srv, c := pushSetup(t, wegotest.PushSafe)
		called := false
		h := c.PushHandler(func(_ context.Context, p *wego.Push) (wego.Reply, error) {
			called = true
			fn(p) // a Push is valid during the call
			return nil, nil
		})
		reply, err := srv.Push(h, wegotest.XMLMessage(readFile(t, file)))
		require.NoError(t, err)
		require.True(t, called, file)
		assert.True(t, reply.Success(), "a nil reply answers success")
	}
	check("testdata/vectors/push/text.xml", func(p *wego.Push) {
		assert.Equal(t, "this is a test", p.Content())
		assert.Equal(t, "1234567890123456", p.MsgID())
		assert.Equal(t, time.Unix(1348831860, 0), p.CreateTime())
		assert.Equal(t, "text", p.MsgType())
	})
	check("testdata/vectors/push/event_subscribe_qrscene.xml", func(p *wego.Push) {
		assert.Equal(t, "123123", p.Scene())
		assert.Equal(t, "TICKET", p.Ticket())
		assert.Equal(t, "subscribe", p.Event())
		assert.Equal(t, "qrscene_123123", p.EventKey())
	})
	check("testdata/vectors/push/event_location.xml", func(p *wego.Push) {
		lat, lng, ok := p.Location()
		assert.True(t, ok)
		assert.InDelta(t, 23.137466, lat, 1e-9)
		assert.InDelta(t, 113.352425, lng, 1e-9)
	})
	check("testdata/vectors/push/location.xml", func(p *wego.Push) {
		lat, lng, ok := p.Location()
		assert.True(t, ok)
		assert.InDelta(t, 23.134521, lat, 1e-9)
		assert.InDelta(t, 113.358803, lng, 1e-9)
	})
	check("testdata/push/voice_recognition.xml", func(p *wego.Push) {
		assert.Equal(t, "腾讯微信团队", p.Recognition())
	})
	check("testdata/vectors/push/voice.xml", func(p *wego.Push) {
		assert.Equal(t, "media_id", p.MediaID())
		_, _, ok := p.Location()
		assert.False(t, ok)
	})
	check("testdata/vectors/push/event_scancode_waitmsg.xml", func(p *wego.Push) {
		assert.Equal(t, "2", p.Get("ScanCodeInfo.ScanResult"))
		assert.Equal(t, "qrcode", p.Get("ScanCodeInfo.ScanType"))
		_, ok := p.Lookup("ScanCodeInfo.Nope")
		assert.False(t, ok)
	})
	check("testdata/push/event_pic_weixin.xml", func(p *wego.Push) {
		assert.Equal(t, []string{"5a75aaca956d97be686719218f275c6b", "8e1a1f2b3c4d5e6f708192a3b4c5d6e7"},
			p.Values("SendPicsInfo.PicList.item.PicMd5Sum"))
		n := 0
		for range p.Fields() {
			n++
		}
		assert.Equal(t, 9, n)
	})
	check("testdata/vectors/push/event_templatesendjobfinish.xml", func(p *wego.Push) {
		assert.Equal(t, "200163836", p.MsgID(), "template job events carry MsgID")
	})
}

// A push WeChat delivers three times (its retries) reaches the function once
// and every delivery gets the same answer, also when the retries arrive while
// the first delivery is still running.
func TestPushRetriedCallsFnOnce(t *testing.T) {
	t.Parallel()
	for name, mode := range modes {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv, c := pushSetup(t, mode)
			var calls atomic.Int32
			h := c.PushHandler(func(_ context.Context, p *wego.Push) (wego.Reply, error) {
				n := calls.Add(1)
				time.Sleep(150 * time.Millisecond) // the retries arrive meanwhile
				return wego.Text(fmt.Sprintf("answer %d to %s", n, p.Content())), nil
			})
			msg := wegotest.TextMessage("oUser1", "hello")
			replies := make([]*wegotest.PushReply, 3)
			var wg sync.WaitGroup
			for i := range replies {
				wg.Add(1)
				go func() {
					defer wg.Done()
					time.Sleep(time.Duration(i) * 30 * time.Millisecond)
					r, err := srv.Deliver(h, msg)
					assert.NoError(t, err)
					replies[i] = r
				}()
			}
			wg.Wait()
			assert.Equal(t, int32(1), calls.Load())
			for _, r := range replies {
				require.NotNil(t, r)
				assert.Equal(t, "answer 1 to hello", r.Get("Content"))
			}
			// A late retry, after the first finished, is answered from the store.
			r, err := srv.Deliver(h, msg)
			require.NoError(t, err)
			assert.Equal(t, "answer 1 to hello", r.Get("Content"))
			assert.Equal(t, int32(1), calls.Load())

			// Another message is another call.
			_, err = srv.Deliver(h, wegotest.TextMessage("oUser1", "again"))
			require.NoError(t, err)
			assert.Equal(t, int32(2), calls.Load())
		})
	}
}

// Events carry no MsgId: two events of one user in one second (subscribe by
// scanning, then the LOCATION report) are two pushes, not a retry.
func TestPushEventsInOneSecondAreDistinct(t *testing.T) {
	t.Parallel()
	srv, c := pushSetup(t, wegotest.PushSafe)
	var types []string
	var mu sync.Mutex
	h := c.PushHandler(func(_ context.Context, p *wego.Push) (wego.Reply, error) {
		mu.Lock()
		types = append(types, p.Type)
		mu.Unlock()
		return nil, nil
	})
	sub := wegotest.EventMessage("oUser2", "subscribe", "qrscene_7").With("Ticket", "T")
	loc := wegotest.EventMessage("oUser2", "LOCATION", "").With("Latitude", "23.1").With("Longitude", "113.3").
		With("CreateTime", "1700000000")
	sub = sub.With("CreateTime", "1700000000")
	for _, m := range []wegotest.Message{sub, loc, sub} {
		_, err := srv.Deliver(h, m)
		require.NoError(t, err)
	}
	assert.Equal(t, []string{"scan_subscribe", "user_location"}, types)
}

// A function that panics, fails or overruns the deadline never makes the
// user see "该公众号暂时无法提供服务": the handler answers success in time.
func TestPushHandlerAlwaysAnswersInTime(t *testing.T) {
	t.Parallel()
	tests := map[string]wego.PushFunc{
		"panic": func(context.Context, *wego.Push) (wego.Reply, error) { panic("boom") },
		"error": func(context.Context, *wego.Push) (wego.Reply, error) { return nil, errors.New("db down") },
		"sleeps 10s": func(context.Context, *wego.Push) (wego.Reply, error) {
			time.Sleep(10 * time.Second)
			return wego.Text("too late"), nil
		},
		"invalid reply": func(context.Context, *wego.Push) (wego.Reply, error) { return wego.Image(""), nil },
	}
	for name, fn := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var logs syncBuffer
			srv, c := pushSetup(t, wegotest.PushSafe, func(s *wego.Settings) {
				s.Logger = slog.New(slog.NewTextHandler(&logs, nil))
			})
			begin := time.Now()
			reply, err := srv.Push(c.PushHandler(fn), wegotest.TextMessage("", "hi"))
			require.NoError(t, err)
			assert.True(t, reply.Success())
			assert.Equal(t, 1, reply.Attempts, "answered before WeChat's 5 s timeout: no retry")
			assert.Less(t, time.Since(begin), 5*time.Second)
			assert.Contains(t, logs.String(), "answered success", "the failure is logged")
		})
	}
}

func TestPushDeadlineCancelsContext(t *testing.T) {
	t.Parallel()
	srv, c := pushSetup(t, wegotest.PushPlain, func(s *wego.Settings) { s.PushDeadline = 100 * time.Millisecond })
	cancelled := make(chan error, 1)
	h := c.PushHandler(func(ctx context.Context, _ *wego.Push) (wego.Reply, error) {
		<-ctx.Done()
		cancelled <- ctx.Err()
		return nil, ctx.Err()
	})
	reply, err := srv.Push(h, wegotest.TextMessage("", "hi"))
	require.NoError(t, err)
	assert.True(t, reply.Success())
	assert.Less(t, reply.Took, time.Second)
	assert.ErrorIs(t, <-cancelled, context.DeadlineExceeded)
}

func TestPushReplies(t *testing.T) {
	t.Parallel()
	srv, c := pushSetup(t, wegotest.PushSafe)
	tests := []struct {
		name  string
		msg   wegotest.Message
		reply wego.Reply
		check func(t *testing.T, r *wegotest.PushReply)
	}{
		{"text", wegotest.TextMessage("", "x"), wego.Text("你好"), func(t *testing.T, r *wegotest.PushReply) {
			assert.Equal(t, "你好", r.Get("Content"))
		}},
		{"image", wegotest.TextMessage("", "x"), wego.Image("MEDIA1"), func(t *testing.T, r *wegotest.PushReply) {
			assert.Equal(t, "image", r.Get("MsgType"))
			assert.Equal(t, "MEDIA1", r.Get("Image.MediaId"))
		}},
		{"voice", wegotest.TextMessage("", "x"), wego.Voice("MEDIA2"), func(t *testing.T, r *wegotest.PushReply) {
			assert.Equal(t, "MEDIA2", r.Get("Voice.MediaId"))
		}},
		{"video", wegotest.TextMessage("", "x"), wego.Video("V", "title", ""), func(t *testing.T, r *wegotest.PushReply) {
			assert.Equal(t, "V", r.Get("Video.MediaId"))
			assert.Equal(t, "title", r.Get("Video.Title"))
			_, hasDesc := r.Lookup("Video.Description")
			assert.False(t, hasDesc, "empty optional fields are left out")
		}},
		{"music", wegotest.TextMessage("", "x"), wego.Music(wego.MusicReply{Title: "t", Description: "d", MusicURL: "http://m/1.mp3", HQMusicURL: "http://m/hq.mp3", ThumbMediaID: "TH"}),
			func(t *testing.T, r *wegotest.PushReply) {
				assert.Equal(t, "http://m/hq.mp3", r.Get("Music.HQMusicUrl"))
				assert.Equal(t, "TH", r.Get("Music.ThumbMediaId"))
			}},
		{"news to an event", wegotest.EventMessage("", "CLICK", "K"), wego.News(
			wego.Article{Title: "a", URL: "http://a"}, wego.Article{Title: "b", PicURL: "http://b.jpg"}),
			func(t *testing.T, r *wegotest.PushReply) {
				assert.Equal(t, "2", r.Get("ArticleCount"))
				assert.Equal(t, []string{"a", "b"}, r.Values("Articles.item.Title"))
			}},
		{"transfer", wegotest.TextMessage("", "x"), wego.TransferCustomerService("kf1@acct"), func(t *testing.T, r *wegotest.PushReply) {
			assert.Equal(t, "transfer_customer_service", r.Get("MsgType"))
			assert.Equal(t, "kf1@acct", r.Get("TransInfo.KfAccount"))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := c.PushHandler(func(context.Context, *wego.Push) (wego.Reply, error) { return tt.reply, nil })
			r, err := srv.Push(h, tt.msg)
			require.NoError(t, err)
			require.False(t, r.Success(), "expected a reply, got %q", r.Body)
			tt.check(t, r)
		})
	}
}

// WeChat refuses news replies of more than 8 articles, or of more than one
// to a user's message (45008): the SDK reports it before sending anything.
func TestPushNewsLimits(t *testing.T) {
	t.Parallel()
	srv, c := pushSetup(t, wegotest.PushPlain)
	articles := func(n int) []wego.Article {
		out := make([]wego.Article, n)
		for i := range out {
			out[i] = wego.Article{Title: fmt.Sprint(i)}
		}
		return out
	}
	limits := map[string]int{}
	h := c.PushHandler(func(_ context.Context, p *wego.Push) (wego.Reply, error) {
		_, err := p.ReplyNews()
		assert.ErrorIs(t, err, wego.ErrInvalidReply, "no articles")
		for n := 1; n <= 9; n++ {
			b, err := p.ReplyNews(articles(n)...)
			if err != nil {
				assert.ErrorIs(t, err, wego.ErrInvalidReply)
				assert.Nil(t, b)
				break
			}
			limits[p.Type] = n
		}
		return nil, nil
	})
	for _, m := range []wegotest.Message{
		wegotest.TextMessage("", "hi"),
		wegotest.MediaMessage("", "voice").With("MediaId", "m"),
		wegotest.MediaMessage("", "link").With("Url", "http://x"),
		wegotest.EventMessage("", "CLICK", "k"),
		wegotest.EventMessage("", "subscribe", ""),
	} {
		_, err := srv.Push(h, m)
		require.NoError(t, err)
	}
	assert.Equal(t, map[string]int{"text": 1, "voice": 1, "link": 1, "click": 8, "subscribe": 8}, limits)
}

// User text is data, never markup: "]]>" and control characters in a reply
// cannot end the CDATA section or break the XML.
func TestPushReplyCannotBeInjected(t *testing.T) {
	t.Parallel()
	for name, mode := range modes {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv, c := pushSetup(t, mode)
			evil := "a]]></Content><MsgType><![CDATA[image]]></MsgType><Content><![CDATA[b\x00\x01\x1b"
			h := c.PushHandler(func(_ context.Context, p *wego.Push) (wego.Reply, error) {
				return wego.Text(p.Content()), nil // echo the user's text
			})
			r, err := srv.Push(h, wegotest.TextMessage("", evil))
			require.NoError(t, err)
			assert.Equal(t, "text", r.Get("MsgType"))
			assert.Equal(t, []string{"text"}, r.Values("MsgType"), "no second MsgType was injected")
			assert.True(t, strings.HasPrefix(r.Get("Content"), "a]]></Content><MsgType>"), "the text comes back as text: %q", r.Get("Content"))
		})
	}
}

func TestPushURLVerification(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	h := c.PushHandler(func(context.Context, *wego.Push) (wego.Reply, error) { return nil, nil })
	require.NoError(t, srv.VerifyURL(h))

	// Someone else's token does not verify, and the error says what the
	// handler answered.
	other := wegotest.New(t)
	var ve *wegotest.VerifyError
	require.ErrorAs(t, other.VerifyURL(h), &ve)
	assert.Equal(t, http.StatusForbidden, ve.Status)
	assert.NotEmpty(t, ve.Echostr)
}

func TestPushRejectsForgeries(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	s := srv.Settings()
	s.PushEncodingAESKey = ""
	plain, err := wego.NewClient(s)
	require.NoError(t, err)
	var calls atomic.Int32
	fn := func(context.Context, *wego.Push) (wego.Reply, error) { calls.Add(1); return nil, nil }
	h, hp := c.PushHandler(fn), plain.PushHandler(fn)

	// A fake platform with other credentials stands for a forger.
	forger := wegotest.New(t)
	for name, mode := range modes {
		forger.SetPushMode(mode)
		for client, h := range map[string]http.Handler{"safe": h, "plain": hp} {
			r, err := forger.Deliver(h, wegotest.TextMessage("", "hi"))
			require.Error(t, err, name)
			require.NotNil(t, r, name)
			assert.Equal(t, http.StatusForbidden, r.Status, "%s push to a %s client", name, client)
		}
	}

	post := func(h http.Handler, query, body string) int {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/?"+query, strings.NewReader(body)))
		return rec.Code
	}
	now := fmt.Sprint(time.Now().Unix())
	signed := func(nonce string) string {
		return "signature=" + wego.Signature(srv.PushToken, now, nonce) + "&timestamp=" + now + "&nonce=" + nonce
	}
	sig := wego.Signature(srv.PushToken, now, "1")
	assert.Equal(t, http.StatusForbidden, post(hp, "timestamp="+now+"&nonce=1", "<xml/>"), "no signature")
	assert.Equal(t, http.StatusForbidden, post(hp, "signature="+sig+"&timestamp="+now+"&nonce=2", "<xml/>"), "signature over other values")
	old := fmt.Sprint(time.Now().Add(-time.Hour).Unix())
	oldSig := wego.Signature(srv.PushToken, old, "1")
	assert.Equal(t, http.StatusForbidden, post(hp, "signature="+oldSig+"&timestamp="+old+"&nonce=1", "<xml/>"), "replayed an hour later")
	assert.Equal(t, http.StatusBadRequest, post(hp, signed("3"), "<xml><MsgType>"), "malformed XML")
	assert.Equal(t, http.StatusBadRequest, post(hp, signed("4"), "<xml><MsgType>text</MsgType></xml>"), "no sender")
	big := "<xml><Content>" + strings.Repeat("a", 1<<20) + "</Content></xml>"
	assert.Equal(t, http.StatusRequestEntityTooLarge, post(hp, signed("5"), big))
	assert.Equal(t, http.StatusForbidden, post(h, signed("6"), "<xml><ToUserName>gh</ToUserName><FromUserName>o</FromUserName><MsgType>text</MsgType></xml>"),
		"a plain push to a safe-mode client")
	assert.Equal(t, http.StatusForbidden, post(h, "encrypt_type=aes&msg_signature="+sig+"&"+signed("1"),
		"<xml><ToUserName><![CDATA[gh]]></ToUserName><Encrypt><![CDATA[AAAA]]></Encrypt></xml>"), "wrong msg_signature")

	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPut, "/", nil))
	assert.Equal(t, http.StatusMethodNotAllowed, rec.Code)
	assert.Equal(t, int32(0), calls.Load(), "nothing forged reached the function")
}

func TestParsePushErrors(t *testing.T) {
	t.Parallel()
	srv, c := setup(t, func(s *wego.Settings) { s.PushEncodingAESKey = "" })
	now := fmt.Sprint(time.Now().Unix())
	req := func(nonce, body string) *http.Request {
		sig := wego.Signature(srv.PushToken, now, nonce)
		return httptest.NewRequest(http.MethodPost, "/?signature="+sig+"&timestamp="+now+"&nonce="+nonce, strings.NewReader(body))
	}
	_, err := c.ParsePush(req("a", "<xml><MsgType>text</MsgType>"))
	assert.ErrorIs(t, err, wego.ErrMalformedMessage)
	p, err := c.ParsePush(req("b", "<xml><ToUserName>gh</ToUserName><FromUserName>o</FromUserName><MsgType>text</MsgType><Content>&lt;hi&gt;</Content></xml>"))
	require.NoError(t, err)
	assert.Equal(t, "<hi>", p.Content())

	// Without PushToken nothing can be verified.
	s := srv.Settings()
	s.PushToken, s.PushEncodingAESKey = "", ""
	c2, err := wego.NewClient(s)
	require.NoError(t, err)
	_, err = c2.ParsePush(req("c", "<xml/>"))
	assert.ErrorContains(t, err, "PushToken")

	// The replay window can be turned off, for replaying fixtures.
	s = srv.Settings()
	s.PushEncodingAESKey, s.PushMaxAge = "", -1
	c3, err := wego.NewClient(s)
	require.NoError(t, err)
	old := "1409304348"
	oldSig := wego.Signature(srv.PushToken, old, "n")
	_, err = c3.ParsePush(httptest.NewRequest(http.MethodPost, "/?signature="+oldSig+"&timestamp="+old+"&nonce=n",
		strings.NewReader("<xml><ToUserName>gh</ToUserName><FromUserName>o</FromUserName><MsgType>text</MsgType></xml>")))
	require.NoError(t, err)
	_, err = c.ParsePush(httptest.NewRequest(http.MethodPost, "/?signature="+oldSig+"&timestamp="+old+"&nonce=n", strings.NewReader("<xml/>")))
	assert.ErrorIs(t, err, wego.ErrPushTooOld)
}

func TestPushRouter(t *testing.T) {
	t.Parallel()
	srv, c := pushSetup(t, wegotest.PushSafe)
	var r wego.PushRouter
	r.On(wego.PushText, func(_ context.Context, p *wego.Push) (wego.Reply, error) {
		return wego.Text("text: " + p.Content()), nil
	})
	r.On(wego.PushSubscribe, func(_ context.Context, p *wego.Push) (wego.Reply, error) { return wego.Text("welcome " + p.Type), nil })
	h := c.PushHandler(r.Handle)

	rep, err := srv.Push(h, wegotest.TextMessage("", "hi"))
	require.NoError(t, err)
	assert.Equal(t, "text: hi", rep.Get("Content"))
	rep, err = srv.Push(h, wegotest.EventMessage("", "subscribe", ""))
	require.NoError(t, err)
	assert.Equal(t, "welcome subscribe", rep.Get("Content"))
	// A follow from a QR code reaches the route for follows...
	rep, err = srv.Push(h, wegotest.EventMessage("", "subscribe", "qrscene_7").With("Ticket", "T"))
	require.NoError(t, err)
	assert.Equal(t, "welcome scan_subscribe", rep.Get("Content"))
	// ...unless it has a route of its own.
	r.On(wego.PushScanSubscribe, func(_ context.Context, p *wego.Push) (wego.Reply, error) { return wego.Text("scene " + p.Scene()), nil })
	rep, err = srv.Push(h, wegotest.EventMessage("", "subscribe", "qrscene_8").With("Ticket", "T"))
	require.NoError(t, err)
	assert.Equal(t, "scene 8", rep.Get("Content"))
	rep, err = srv.Push(h, wegotest.EventMessage("", "CLICK", "k"))
	require.NoError(t, err)
	assert.True(t, rep.Success(), "no route and no default: success")

	r.Default(func(_ context.Context, p *wego.Push) (wego.Reply, error) { return wego.Text("default " + p.Type), nil })
	rep, err = srv.Push(h, wegotest.EventMessage("", "CLICK", "k2"))
	require.NoError(t, err)
	assert.Equal(t, "default click", rep.Get("Content"))
}

// Two servers sharing a DedupStore (redisstore in production) handle a
// push WeChat delivered to both once; the second answers the first's reply.
func TestPushOnceAcrossServers(t *testing.T) {
	t.Parallel()
	srv := wegotest.New(t)
	store := wego.NewMemoryDedupStore(0)
	var calls atomic.Int32
	handlers := make([]http.Handler, 2)
	for i := range handlers {
		s := srv.Settings()
		s.DedupStore = store
		c, err := wego.NewClient(s)
		require.NoError(t, err)
		handlers[i] = c.PushHandler(func(_ context.Context, p *wego.Push) (wego.Reply, error) {
			calls.Add(1)
			time.Sleep(200 * time.Millisecond)
			return wego.Text(fmt.Sprintf("server %d: %s", i, p.Content())), nil
		})
	}
	msg := wegotest.TextMessage("", "hi")
	replies := make([]string, 2)
	var wg sync.WaitGroup
	for i, h := range handlers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			time.Sleep(time.Duration(i) * 50 * time.Millisecond)
			r, err := srv.Deliver(h, msg)
			assert.NoError(t, err)
			replies[i] = r.Get("Content")
		}()
	}
	wg.Wait()
	assert.Equal(t, int32(1), calls.Load())
	assert.Equal(t, "server 0: hi", replies[0])
	assert.Equal(t, replies[0], replies[1])
}

// During an EncodingAESKey change WeChat may still encrypt with the previous
// key: the handler decrypts with it and answers with it too.
func TestPushWithPreviousAESKey(t *testing.T) {
	t.Parallel()
	srv := wegotest.New(t) // encrypts with its own key: the "previous" one here
	other := wegotest.New(t)
	s := srv.Settings()
	s.PushEncodingAESKey, s.PushPreviousEncodingAESKey = other.PushEncodingAESKey, srv.PushEncodingAESKey
	c, err := wego.NewClient(s)
	require.NoError(t, err)
	h := c.PushHandler(func(_ context.Context, p *wego.Push) (wego.Reply, error) {
		return wego.Text("echo " + p.Content()), nil
	})
	reply, err := srv.Push(h, wegotest.TextMessage("", "old key"))
	require.NoError(t, err, "the reply decrypts with the previous key, which WeChat used")
	assert.Equal(t, "echo old key", reply.Get("Content"))

	s.PushPreviousEncodingAESKey = ""
	c, err = wego.NewClient(s)
	require.NoError(t, err)
	r, err := srv.Deliver(c.PushHandler(func(context.Context, *wego.Push) (wego.Reply, error) { return nil, nil }),
		wegotest.TextMessage("", "old key"))
	require.Error(t, err, "without the previous key the push does not decrypt")
	assert.Equal(t, http.StatusBadRequest, r.Status)
}

// WeChat waits 5 s for an answer and then delivers the push again, up to
// three times: wegotest does the same (its timeout shortened here), and the
// handler, whose function outlasts two timeouts, still runs it once.
func TestPushRetriedOnTimeout(t *testing.T) {
	t.Parallel()
	srv, c := pushSetup(t, wegotest.PushSafe)
	srv.SetPushTimeout(600 * time.Millisecond)
	var calls atomic.Int32
	h := c.PushHandler(func(_ context.Context, p *wego.Push) (wego.Reply, error) {
		calls.Add(1)
		time.Sleep(1500 * time.Millisecond) // ends in the middle of the third delivery's wait (1.2 s to 1.8 s)
		return wego.Text("slow " + p.Content()), nil
	})
	reply, err := srv.Push(h, wegotest.TextMessage("", "hi"))
	require.NoError(t, err)
	assert.Equal(t, 3, reply.Attempts, "delivered three times")
	assert.Equal(t, "slow hi", reply.Get("Content"))
	assert.Equal(t, int32(1), calls.Load())
}
