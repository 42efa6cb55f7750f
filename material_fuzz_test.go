package wego_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wego-sdk/wego"
	"github.com/wego-sdk/wego/internal/mediatest"
)

// uploadRecorder is a transport that takes an upload whole, as a server
// that reads every byte, and keeps the file it carried.
type uploadRecorder struct {
	requests int
	file     []byte
	err      error // what reading the body gave
}

func (u *uploadRecorder) RoundTrip(r *http.Request) (*http.Response, error) {
	u.requests++
	body, err := io.ReadAll(r.Body)
	_ = r.Body.Close()
	if err != nil {
		u.err = err
		return nil, err
	}
	_, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil {
		return nil, err
	}
	mr := multipart.NewReader(bytes.NewReader(body), params["boundary"])
	for {
		p, err := mr.NextPart()
		if err != nil {
			break
		}
		if p.FormName() == "media" {
			u.file, _ = io.ReadAll(p)
		}
	}
	answer := `{"type":"image","media_id":"M","created_at":1714550400}`
	return &http.Response{StatusCode: 200, Status: "200 OK", Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(strings.NewReader(answer)), ContentLength: int64(len(answer)), Request: r}, nil
}

var (
	fuzzNames = []string{"a.jpg", "a.jpeg", "a.png", "a.gif", "a.bmp", "a.amr", "a.mp3", "a.wma", "a.wav", "a.mp4", "a.txt", "noext"}
	fuzzTypes = []wego.MediaType{wego.MediaImage, wego.MediaVoice, wego.MediaVideo, wego.MediaThumb}
)

// FuzzUploadCheck uploads any bytes under any name, as a temporary or a
// permanent material of any type, from a reader that seeks or one that
// does not: the SDK never panics, and either refuses the file with an
// error wrapping ErrInvalidParameter (before sending, or cutting the
// upload) or sends exactly the bytes it was given.
func FuzzUploadCheck(f *testing.F) {
	for i, s := range [][]byte{
		mediatest.JPEG(4, 4), mediatest.PNG(4, 4), mediatest.GIF(2, 2), mediatest.BMP(2, 2), mediatest.AMR(40, false),
		mediatest.MP3(6, 30), mediatest.WMA(2*time.Second, 8), mediatest.WAV(50*time.Millisecond, false), mediatest.MP4(80),
	} {
		f.Add(uint8(i), uint8(i), false, true, s)
	}
	rec := &uploadRecorder{}
	c, err := wego.NewClient(wego.Settings{
		AppID: "wx1", AppSecret: "secret", HTTPClient: &http.Client{Transport: rec},
		AccessTokenSource: func(context.Context) (string, error) { return "TOKEN", nil },
	})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, name, typ uint8, permanent, seeks bool, data []byte) {
		*rec = uploadRecorder{} // the fuzz function runs one input at a time in a process
		var err error
		m := wego.Media{Name: fuzzNames[int(name)%len(fuzzNames)], Body: bytes.NewReader(data)}
		if !seeks {
			m.Body = onlyReader{bytes.NewReader(data)}
		}
		mt := fuzzTypes[int(typ)%len(fuzzTypes)]
		if permanent {
			_, err = c.AddOtherMaterial(context.Background(), wego.OtherMaterial{Type: mt, Media: m})
		} else {
			_, err = c.AddTemporaryMaterial(context.Background(), mt, m)
		}
		switch {
		case err == nil:
			if rec.requests != 1 || !bytes.Equal(rec.file, data) {
				t.Fatalf("%d requests; %d bytes sent for %d given", rec.requests, len(rec.file), len(data))
			}
		case !errors.Is(err, wego.ErrInvalidParameter):
			t.Fatalf("refused without ErrInvalidParameter: %v", err)
		case rec.requests > 0 && rec.err == nil:
			t.Fatalf("refused (%v) after the whole upload was sent", err)
		}
	})
}
