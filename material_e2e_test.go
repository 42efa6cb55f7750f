package wego_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wego-sdk/wego"
	"github.com/wego-sdk/wego/internal/mediatest"
	"github.com/wego-sdk/wego/wegotest"
)

// materialPaths are the material endpoints: a test of bad input checks
// that none of them, nor the token endpoints, saw a request.
var materialPaths = []string{
	wegotest.PathMediaUpload, wegotest.PathMediaGet, wegotest.PathMediaUploadImg, wegotest.PathMaterialAddNews,
	wegotest.PathMaterialUpdateNews, wegotest.PathMaterialAdd, wegotest.PathMaterialGet, wegotest.PathMaterialDel,
	wegotest.PathMaterialCount, wegotest.PathMaterialBatchGet,
}

func materialRequests(srv *wegotest.Server) int {
	n := srv.TokenRequests()
	for _, p := range materialPaths {
		n += srv.Requests(p)
	}
	return n
}

func apiCode(t *testing.T, err error) int {
	t.Helper()
	var ae *wego.APIError
	require.ErrorAs(t, err, &ae)
	return ae.Code
}

// A temporary material downloaded back is the file uploaded, byte for
// byte, whatever the reader it came from; a video comes back as its
// address, which serves its bytes.
func TestTemporaryMaterialRoundTrip(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	ctx := context.Background()
	tests := []struct {
		name   string
		typ    wego.MediaType
		file   []byte
		reader func(b []byte) io.Reader
	}{
		{"photo.jpg", wego.MediaImage, mediatest.JPEG(64, 48), func(b []byte) io.Reader { return bytes.NewReader(b) }},
		{"chart.png", wego.MediaImage, mediatest.PNG(40, 40), func(b []byte) io.Reader { return onlyReader{bytes.NewReader(b)} }},
		{"wave.gif", wego.MediaImage, mediatest.GIF(20, 20), func(b []byte) io.Reader { return bytes.NewBuffer(b) }},
		{"hello.amr", wego.MediaVoice, mediatest.AMR(2999, false), func(b []byte) io.Reader { return onlyReader{bytes.NewReader(b)} }},
		{"song.mp3", wego.MediaVoice, mediatest.MP3(2000, 600), func(b []byte) io.Reader { return bytes.NewReader(b) }},
		{"cover.jpg", wego.MediaThumb, mediatest.JPEG(16, 16), func(b []byte) io.Reader { return bytes.NewReader(b) }},
		{"clip.mp4", wego.MediaVideo, mediatest.MP4(200 << 10), func(b []byte) io.Reader { return onlyReader{bytes.NewReader(b)} }},
	}
	for _, tt := range tests {
		before := time.Now().Truncate(time.Second)
		m, err := c.AddTemporaryMaterial(ctx, tt.typ, wego.Media{Name: "uploads/" + tt.name, Body: tt.reader(tt.file)})
		require.NoError(t, err, tt.name)
		assert.Equal(t, tt.typ, m.Type)
		assert.WithinRange(t, m.CreatedAt, before, time.Now())
		assert.Equal(t, m.CreatedAt.Add(wego.TemporaryMediaLifetime), m.Expiry)
		stored, ok := srv.Media(m.MediaID)
		require.True(t, ok, tt.name)
		assert.Equal(t, tt.name, stored.Name, "the file's name, without its directory")
		assert.False(t, stored.Permanent)

		var buf bytes.Buffer
		got, err := c.GetTemporaryMaterial(ctx, m.MediaID, &buf)
		require.NoError(t, err, tt.name)
		if tt.typ == wego.MediaVideo {
			assert.Zero(t, buf.Len(), "a video comes as its address")
			resp, err := srv.Settings().HTTPClient.Get(got.VideoURL)
			require.NoError(t, err)
			body, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			require.NoError(t, err)
			assert.True(t, bytes.Equal(tt.file, body), "%s: the video's address serves its bytes", tt.name)
			continue
		}
		assert.True(t, bytes.Equal(tt.file, buf.Bytes()), "%s: %d bytes back for %d sent", tt.name, buf.Len(), len(tt.file))
		assert.Equal(t, int64(len(tt.file)), got.Written)
		assert.Equal(t, m.MediaID+tt.name[strings.LastIndex(tt.name, "."):], got.FileName, "WeChat names the file by its media_id")
		assert.NotEmpty(t, got.ContentType)
	}
	assert.Equal(t, len(tests), srv.Requests(wegotest.PathMediaUpload), "one request an upload")
}

// An expired temporary material answers 40007, as an unknown one does.
func TestTemporaryMaterialExpires(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	ctx := context.Background()
	m, err := c.AddTemporaryMaterial(ctx, wego.MediaImage, wego.Media{Name: "cat.jpg", Body: bytes.NewReader(jpegFile)})
	require.NoError(t, err)
	_, err = c.GetTemporaryMaterial(ctx, m.MediaID, io.Discard)
	require.NoError(t, err)
	srv.ExpireMedia()
	var buf bytes.Buffer
	_, err = c.GetTemporaryMaterial(ctx, m.MediaID, &buf)
	assert.Equal(t, wego.CodeInvalidMediaID, apiCode(t, err))
	assert.Zero(t, buf.Len())
	_, err = c.GetTemporaryMaterial(ctx, "nonexistent", &buf)
	assert.Equal(t, wego.CodeInvalidMediaID, apiCode(t, err))
}

// Permanent materials: added from files of every type, read back (the
// files byte for byte, a video as its description and address), counted,
// listed and deleted.
func TestPermanentMaterials(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	ctx := context.Background()
	files := []struct {
		name string
		typ  wego.MediaType
		data []byte
	}{
		{"标志 logo.bmp", wego.MediaImage, mediatest.BMP(10, 10)},
		{"photo.jpeg", wego.MediaImage, mediatest.JPEG(20, 20)},
		{"cover.jpg", wego.MediaThumb, mediatest.JPEG(8, 8)},
		{"memo.wav", wego.MediaVoice, mediatest.WAV(2*time.Second, false)},
		{"memo.wma", wego.MediaVoice, mediatest.WMA(59*time.Second, 2000)},
		{"memo.amr", wego.MediaVoice, mediatest.AMR(100, true)},
	}
	ids := map[string]string{}
	for _, f := range files {
		m, err := c.AddOtherMaterial(ctx, wego.OtherMaterial{Type: f.typ, Media: wego.Media{Name: f.name, Body: bytes.NewReader(f.data)}})
		require.NoError(t, err, f.name)
		ids[f.name] = m.MediaID
		if f.typ == wego.MediaImage {
			assert.Regexp(t, `^http://mmbiz\.qpic\.cn/`, m.URL, "an image comes with its address")
		} else {
			assert.Empty(t, m.URL)
		}
		var buf bytes.Buffer
		got, err := c.GetPermanentMaterial(ctx, m.MediaID, &buf)
		require.NoError(t, err, f.name)
		assert.True(t, bytes.Equal(f.data, buf.Bytes()), "%s comes back byte for byte", f.name)
		assert.Equal(t, wego.PermanentMaterial{Written: int64(len(f.data)), ContentType: got.ContentType, FileName: f.name}, *got)
	}

	video := mediatest.MP4(64 << 10)
	v, err := c.AddOtherMaterial(ctx, wego.OtherMaterial{Type: wego.MediaVideo, Media: wego.Media{Name: "open.mp4", Body: bytes.NewReader(video)},
		Title: "开业", Introduction: "第一天 & <更多>"})
	require.NoError(t, err)
	got, err := c.GetPermanentMaterial(ctx, v.MediaID, io.Discard)
	require.NoError(t, err)
	require.NotNil(t, got.Video)
	assert.Equal(t, "开业", got.Video.Title)
	assert.Equal(t, "第一天 & <更多>", got.Video.Description)
	resp, err := srv.Settings().HTTPClient.Get(got.Video.DownURL)
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.True(t, bytes.Equal(video, body), "down_url serves the video")

	url, err := c.UploadContentPicture(ctx, wego.Media{Name: "inline.png", Body: bytes.NewReader(pngFile)})
	require.NoError(t, err)
	assert.Regexp(t, `^http://mmbiz\.qpic\.cn/mmbiz_png/\w+/0$`, url)

	long := "<p>" + strings.Repeat("很长的文章。", 30000) + "</p>" // 540 KB: more than an error answer is read
	news, err := srv.AddNewsMaterial(wego.NewsArticle{Title: "旧文", ThumbMediaID: ids["cover.jpg"], Content: long, ShowCoverPic: true})
	require.NoError(t, err)
	got, err = c.GetPermanentMaterial(ctx, news, io.Discard)
	require.NoError(t, err)
	require.Len(t, got.News, 1)
	assert.Equal(t, "旧文", got.News[0].Title)
	assert.True(t, got.News[0].ShowCoverPic)
	assert.Equal(t, long, got.News[0].Content)
	assert.NotEmpty(t, got.News[0].URL)

	n, err := c.GetMaterialsCount(ctx)
	require.NoError(t, err)
	assert.Equal(t, wego.MaterialsCount{Voice: 3, Video: 1, Image: 3, News: 1}, *n, "the thumb counts among images")

	var images []string
	for m, err := range c.Materials(ctx, wego.MediaImage) {
		require.NoError(t, err)
		images = append(images, m.Name)
	}
	assert.Equal(t, []string{"cover.jpg", "photo.jpeg", "标志 logo.bmp"}, images, "newest first, the thumb among them")
	page, err := c.GetMaterialsList(ctx, wego.MediaNews, 0, 20)
	require.NoError(t, err)
	require.Len(t, page.Items, 1)
	assert.Equal(t, "旧文", page.Items[0].News[0].Title)

	require.NoError(t, c.DeleteMaterial(ctx, ids["photo.jpeg"]))
	_, err = c.GetPermanentMaterial(ctx, ids["photo.jpeg"], io.Discard)
	assert.Equal(t, wego.CodeInvalidMediaID, apiCode(t, err))
	assert.Equal(t, wego.CodeInvalidMediaID, apiCode(t, c.DeleteMaterial(ctx, ids["photo.jpeg"])), "deleted once")
	n, err = c.GetMaterialsCount(ctx)
	require.NoError(t, err)
	assert.Equal(t, 2, n.Image)

	temp, err := c.AddTemporaryMaterial(ctx, wego.MediaImage, wego.Media{Name: "t.jpg", Body: bytes.NewReader(jpegFile)})
	require.NoError(t, err)
	_, err = c.GetPermanentMaterial(ctx, temp.MediaID, io.Discard)
	assert.Equal(t, wego.CodeInvalidMediaID, apiCode(t, err), "a temporary media_id is no permanent material")
	assert.Equal(t, wego.CodeInvalidMediaID, apiCode(t, c.DeleteMaterial(ctx, temp.MediaID)))
}

// add_news and update_news are retired: the calls check their articles,
// send them, and get WeChat's 45106.
func TestNewsMaterialCallsAreRetired(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	ctx := context.Background()
	_, err := c.AddPermanentMaterial(ctx, []wego.NewsArticle{newsMaterialArticle})
	assert.Equal(t, wego.CodeAPIRetired, apiCode(t, err))
	assert.Contains(t, err.Error(), "This API has been unsupported")
	news, err := srv.AddNewsMaterial(newsMaterialArticle)
	require.NoError(t, err)
	assert.Equal(t, wego.CodeAPIRetired, apiCode(t, c.UpdateMaterial(ctx, news, 0, newsMaterialArticle)))
	assert.Equal(t, 1, srv.Requests(wegotest.PathMaterialAddNews))
	assert.Equal(t, 1, srv.Requests(wegotest.PathMaterialUpdateNews))
}

// Materials walks every page, 20 a page, newest first, and a token that
// expires in the middle neither loses nor repeats a material.
func TestMaterialsWalksEveryPage(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	ctx := context.Background()
	var want []string
	for i := range 45 {
		m, err := c.AddOtherMaterial(ctx, wego.OtherMaterial{Type: wego.MediaImage,
			Media: wego.Media{Name: fmt.Sprintf("p%02d.png", i), Body: bytes.NewReader(pngFile)}})
		require.NoError(t, err)
		want = append([]string{m.MediaID}, want...)
	}
	before := srv.Requests(wegotest.PathMaterialBatchGet)
	var got []string
	for m, err := range c.Materials(ctx, wego.MediaImage) {
		require.NoError(t, err)
		got = append(got, m.MediaID)
		if len(got) == 20 {
			srv.ExpireTokens()
		}
	}
	assert.Equal(t, want, got)
	assert.Equal(t, 4, srv.Requests(wegotest.PathMaterialBatchGet)-before, "three pages, one asked again after the token expired")

	n := 0
	for range c.Materials(ctx, wego.MediaImage) {
		n++
		if n == 25 {
			break
		}
	}
	assert.Equal(t, 25, n, "breaking out stops the walk")
	for _, err := range c.Materials(ctx, wego.MediaVoice) {
		require.NoError(t, err)
		t.Fatal("no voices")
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	for _, err := range c.Materials(cancelled, wego.MediaImage) {
		require.ErrorIs(t, err, context.Canceled)
	}
}

// A file over its type's size fails before anything is sent when its
// size is known: a 50 MB video, whose bytes are generated and never held.
func TestUploadOverTheLimitSendsNothing(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	ctx := context.Background()
	const size = 50 << 20
	for name, m := range map[string]wego.Media{
		"Size given":          {Name: "big.mp4", Body: mediatest.NewVideo(size), Size: size},
		"a reader that seeks": {Name: "big.mp4", Body: io.NewSectionReader(mediatest.NewVideo(size), 0, size)},
	} {
		_, err := c.AddTemporaryMaterial(ctx, wego.MediaVideo, m)
		require.ErrorIs(t, err, wego.ErrInvalidParameter, name)
		assert.Contains(t, err.Error(), `media "big.mp4": 52428800 bytes; a temporary video is at most 10 MB (10485760 bytes)`, name)
		_, err = c.AddOtherMaterial(ctx, wego.OtherMaterial{Type: wego.MediaVideo, Media: m, Title: "big"})
		require.ErrorIs(t, err, wego.ErrInvalidParameter, name)
	}
	assert.Zero(t, materialRequests(srv), "no request, not even for a token")
}

// A file whose size nothing tells is counted as it goes, and the upload
// aborted past the limit, with the same error; the fake keeps nothing.
func TestUploadOfUnknownSizeIsCutAtTheLimit(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	ctx := context.Background()
	_, err := c.AddTemporaryMaterial(ctx, wego.MediaVideo, wego.Media{Name: "big.mp4", Body: onlyReader{mediatest.NewVideo(11 << 20)}})
	require.ErrorIs(t, err, wego.ErrInvalidParameter)
	assert.Contains(t, err.Error(), `media "big.mp4": more than 10485760 bytes; a temporary video is at most 10 MB`)

	m, err := c.AddTemporaryMaterial(ctx, wego.MediaVideo, wego.Media{Name: "fits.mp4", Body: onlyReader{mediatest.NewVideo(10 << 20)}})
	require.NoError(t, err, "10 MB exactly is allowed")
	stored, ok := srv.Media(m.MediaID)
	require.True(t, ok)
	assert.Len(t, stored.Data, 10<<20)

	_, err = c.AddTemporaryMaterial(ctx, wego.MediaVideo, wego.Media{Name: "liar.mp4", Body: onlyReader{mediatest.NewVideo(4096)}, Size: 1000})
	require.ErrorIs(t, err, wego.ErrInvalidParameter)
	assert.Contains(t, err.Error(), "Media.Size: 1000, yet")
	_, err = c.AddTemporaryMaterial(ctx, wego.MediaVideo, wego.Media{Name: "short.mp4", Body: onlyReader{mediatest.NewVideo(4096)}, Size: 5000})
	require.ErrorIs(t, err, wego.ErrInvalidParameter)
	assert.Contains(t, err.Error(), "Media.Size: 5000, yet media \"short.mp4\" ended after 4096 bytes")
}

// A voice over 60 s is refused before any byte is sent when its length can
// be known first (a reader that seeks is read through once; a header that
// tells; an AMR too big to play under a minute), and cut as it goes
// otherwise.
func TestVoiceOverAMinute(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	ctx := context.Background()
	amr61 := mediatest.AMR(3050, false)
	mp361 := mediatest.MP3(2336, 0) // 61.02 s
	wav61 := mediatest.WAV(61*time.Second, false)
	wma61 := mediatest.WMA(61*time.Second, 100)
	refused := []struct {
		name      string
		permanent bool
		m         wego.Media
		says      string
	}{
		{"an AMR that seeks", false, wego.Media{Name: "a.amr", Body: bytes.NewReader(amr61)}, "plays at least 1m1s"},
		{"an AMR of known size", false, wego.Media{Name: "a.amr", Body: onlyReader{bytes.NewReader(amr61)}, Size: int64(len(amr61))}, "plays at least 1m1s"},
		{"an MP3 that seeks", false, wego.Media{Name: "a.mp3", Body: bytes.NewReader(mp361)}, "plays 1m1.02s"},
		{"a WAV whose header tells", true, wego.Media{Name: "a.wav", Body: onlyReader{bytes.NewReader(wav61)}}, "plays 1m1s"},
		{"a WMA whose header tells", true, wego.Media{Name: "a.wma", Body: onlyReader{bytes.NewReader(wma61)}}, "plays 1m1s"},
	}
	for _, tt := range refused {
		var err error
		if tt.permanent {
			_, err = c.AddOtherMaterial(ctx, wego.OtherMaterial{Type: wego.MediaVoice, Media: tt.m})
		} else {
			_, err = c.AddTemporaryMaterial(ctx, wego.MediaVoice, tt.m)
		}
		require.ErrorIs(t, err, wego.ErrInvalidParameter, tt.name)
		assert.Contains(t, err.Error(), tt.says, tt.name)
		assert.Contains(t, err.Error(), "plays at most 1m0s", tt.name)
	}
	assert.Zero(t, materialRequests(srv), "refused before any byte was sent")

	_, err := c.AddTemporaryMaterial(ctx, wego.MediaVoice, wego.Media{Name: "a.mp3", Body: onlyReader{bytes.NewReader(mp361)}})
	require.ErrorIs(t, err, wego.ErrInvalidParameter)
	assert.Contains(t, err.Error(), "plays at least 1m", "counted as it went, and cut")

	m, err := c.AddTemporaryMaterial(ctx, wego.MediaVoice, wego.Media{Name: "ok.amr", Body: onlyReader{bytes.NewReader(mediatest.AMR(3000, false))}})
	require.NoError(t, err, "60 s exactly is allowed")
	_, ok := srv.Media(m.MediaID)
	assert.True(t, ok)
}

// A rejected token is replaced and an upload that seeks sent again, whole;
// one that cannot seek gets the rejection, and the next call a new token;
// a download is asked again.
func TestUploadAfterTheTokenExpired(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	expired := func(t *testing.T) (*wegotest.Server, *wego.Client) {
		srv, c := setup(t)
		_, err := c.AccessToken(ctx)
		require.NoError(t, err)
		srv.ExpireTokens()
		return srv, c
	}
	t.Run("a body that seeks", func(t *testing.T) {
		t.Parallel()
		srv, c := expired(t)
		m, err := c.AddTemporaryMaterial(ctx, wego.MediaImage, wego.Media{Name: "cat.jpg", Body: bytes.NewReader(jpegFile)})
		require.NoError(t, err)
		stored, _ := srv.Media(m.MediaID)
		assert.True(t, bytes.Equal(jpegFile, stored.Data), "sent again from the start")
		assert.Equal(t, 2, srv.Requests(wegotest.PathMediaUpload))
	})
	t.Run("a body read once", func(t *testing.T) {
		t.Parallel()
		srv, c := expired(t)
		_, err := c.AddTemporaryMaterial(ctx, wego.MediaImage, wego.Media{Name: "cat.jpg", Body: onlyReader{bytes.NewReader(jpegFile)}})
		assert.Equal(t, wego.CodeAccessTokenExpired, apiCode(t, err))
		_, err = c.AddTemporaryMaterial(ctx, wego.MediaImage, wego.Media{Name: "cat.jpg", Body: onlyReader{bytes.NewReader(jpegFile)}})
		require.NoError(t, err, "the token was replaced for the next call")
		assert.Equal(t, 2, srv.Requests(wegotest.PathMediaUpload))
	})
	t.Run("a download", func(t *testing.T) {
		t.Parallel()
		srv, c := expired(t)
		_, err := c.GetPermanentMaterial(ctx, "nonexistent", io.Discard)
		assert.Equal(t, wego.CodeInvalidMediaID, apiCode(t, err), "asked again with a new token")
		assert.Equal(t, 2, srv.Requests(wegotest.PathMaterialGet))
	})
}

// Uploads and downloads keep the access token out of their errors.
func TestMaterialErrorsKeepTheTokenOut(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	ctx := context.Background()
	tok, err := c.AccessToken(ctx)
	require.NoError(t, err)
	srv.Close()
	_, err = c.AddTemporaryMaterial(ctx, wego.MediaImage, wego.Media{Name: "cat.jpg", Body: bytes.NewReader(jpegFile)})
	require.Error(t, err)
	assert.NotContains(t, err.Error(), tok)
	assert.Contains(t, err.Error(), "access_token=REDACTED")
	_, err = c.GetTemporaryMaterial(ctx, "M", io.Discard)
	require.Error(t, err)
	assert.NotContains(t, err.Error(), tok)
}

// Faults on the material paths are WeChat's answers, typed.
func TestMaterialFaults(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	ctx := context.Background()
	m, err := c.AddTemporaryMaterial(ctx, wego.MediaImage, wego.Media{Name: "cat.jpg", Body: bytes.NewReader(jpegFile)})
	require.NoError(t, err)
	srv.FailNext(wegotest.PathMediaGet, -1)
	var buf bytes.Buffer
	_, err = c.GetTemporaryMaterial(ctx, m.MediaID, &buf)
	require.NoError(t, err, "a busy WeChat is asked again")
	assert.True(t, bytes.Equal(jpegFile, buf.Bytes()))

	srv.FailNext(wegotest.PathMediaUpload, -1)
	_, err = c.AddTemporaryMaterial(ctx, wego.MediaImage, wego.Media{Name: "cat.jpg", Body: bytes.NewReader(jpegFile)})
	assert.Equal(t, -1, apiCode(t, err), "an upload is a write: not sent again")
	srv.FailNext(wegotest.PathMaterialAdd, 45009)
	_, err = c.AddOtherMaterial(ctx, wego.OtherMaterial{Type: wego.MediaImage, Media: wego.Media{Name: "cat.jpg", Body: bytes.NewReader(jpegFile)}})
	assert.Equal(t, 45009, apiCode(t, err))
	assert.Contains(t, err.Error(), "reach max api daily quota limit")
}

// A download from wegotest reaches the writer in pieces, not at the end.
func TestMaterialDownloadStreams(t *testing.T) {
	t.Parallel()
	_, c := setup(t)
	ctx := context.Background()
	img := append(append([]byte(nil), jpegFile...), make([]byte, 4<<20)...)
	m, err := c.AddOtherMaterial(ctx, wego.OtherMaterial{Type: wego.MediaImage, Media: wego.Media{Name: "big.jpg", Body: bytes.NewReader(img)}})
	require.NoError(t, err)
	w := &countingWriter{}
	got, err := c.GetPermanentMaterial(ctx, m.MediaID, w)
	require.NoError(t, err)
	assert.Equal(t, int64(len(img)), got.Written)
	assert.Greater(t, w.writes, 4, "written in pieces as they came")
	assert.Less(t, w.largest, 1<<20, "never the whole file at once")
}

type countingWriter struct {
	writes, largest int
}

func (w *countingWriter) Write(p []byte) (int, error) {
	w.writes++
	w.largest = max(w.largest, len(p))
	return len(p), nil
}

// The upload reaches the server while the reader is still giving bytes:
// nothing is buffered whole.
func TestUploadStreamsToTheServer(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	ctx := context.Background()
	r := &gatedReader{video: mediatest.NewVideo(4 << 20), half: 2 << 20, srv: srv}
	_, err := c.AddTemporaryMaterial(ctx, wego.MediaVideo, wego.Media{Name: "v.mp4", Body: r})
	require.NoError(t, err)
	assert.True(t, r.sawRequest, "the server had the request before the reader gave its second half")
}

// gatedReader gives half a video, then waits until the server counts the
// request, then gives the rest.
type gatedReader struct {
	video      *mediatest.Video
	half       int64
	read       int64
	srv        *wegotest.Server
	sawRequest bool
}

func (g *gatedReader) Read(p []byte) (int, error) {
	if g.read >= g.half && !g.sawRequest {
		deadline := time.Now().Add(5 * time.Second)
		for g.srv.Requests(wegotest.PathMediaUpload) == 0 && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
		}
		g.sawRequest = g.srv.Requests(wegotest.PathMediaUpload) > 0
	}
	n, err := g.video.Read(p)
	g.read += int64(n)
	return n, err
}
