package wegotest

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"image"
	"image/color"
	"image/png"
	mrand "math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/wego-sdk/wego"
)

// Paths of the QR code and short URL endpoints the fake serves.
// PathShowQRCode is on mp.weixin.qq.com at WeChat: [Server.Settings] gives
// [Server.URL] as QRCodeImageBaseURL too.
const (
	PathQRCodeCreate = "/cgi-bin/qrcode/create"
	PathShowQRCode   = "/cgi-bin/showqrcode"
	PathShortURL     = "/cgi-bin/shorturl"
)

// WeChat's limits on QR codes, as the fake applies them.
const (
	maxTemporarySceneID = 1<<32 - 1 // QR_SCENE: 32 bits, not 0
	maxPermanentSceneID = 100000    // QR_LIMIT_SCENE
	maxSceneStrBytes    = 64        // QR_STR_SCENE, QR_LIMIT_STR_SCENE
	maxExpireSeconds    = 2592000   // 30 days
)

// QRCode is a QR code the account made with /cgi-bin/qrcode/create, as
// [Server.QRCode] tells it.
type QRCode struct {
	Ticket string
	// URL is what the code encodes, as WeChat's: "http://weixin.qq.com/q/02...".
	URL string
	// SceneID is the integer scene; 0 for a string scene.
	SceneID int64
	// SceneStr is the string scene; "" for an integer scene.
	SceneStr  string
	Permanent bool
	// Expires is when a temporary code stops working; zero for a permanent one.
	Expires time.Time
}

// Scene is the scene as the scan events carry it in EventKey: SceneStr,
// or SceneID in decimal.
func (q QRCode) Scene() string {
	if q.SceneStr != "" {
		return q.SceneStr
	}
	return strconv.FormatInt(q.SceneID, 10)
}

func (q QRCode) expired(now time.Time) bool {
	return !q.Permanent && !now.Before(q.Expires)
}

// qrState is the QR codes of the account, by ticket.
type qrState struct {
	mu    sync.Mutex
	codes map[string]*QRCode
}

func (s *Server) initQRCodes() {
	s.qrcodes.codes = make(map[string]*QRCode)
	routePost(s, PathQRCodeCreate, s.serveQRCodeCreate)
	s.route(PathShowQRCode, s.serveShowQRCode)
	s.routeJSON(PathShortURL, func(*http.Request, []byte) (any, int) {
		return nil, wego.CodeAPIUnsupported
	})
}

type qrCodeRequest struct {
	ExpireSeconds int64  `json:"expire_seconds"`
	ActionName    string `json:"action_name"`
	ActionInfo    struct {
		Scene struct {
			SceneID  int64  `json:"scene_id"`
			SceneStr string `json:"scene_str"`
		} `json:"scene"`
	} `json:"action_info"`
}

// serveQRCodeCreate is POST /cgi-bin/qrcode/create: an action_name other
// than WeChat's four is 40052 (invalid action name), a scene out of its
// range or missing 40053 (invalid action info). A temporary code lives
// expire_seconds, WeChat's default without it (wego.DefaultQRCodeExpiry),
// at most 30 days. Every call makes a new code with a new ticket.
func (s *Server) serveQRCodeCreate(req *qrCodeRequest) (any, int) {
	var q QRCode
	var str bool
	switch req.ActionName {
	case "QR_SCENE":
	case "QR_STR_SCENE":
		str = true
	case "QR_LIMIT_SCENE":
		q.Permanent = true
	case "QR_LIMIT_STR_SCENE":
		q.Permanent, str = true, true
	default:
		return nil, 40052
	}
	scene := req.ActionInfo.Scene
	if str {
		if scene.SceneStr == "" || len(scene.SceneStr) > maxSceneStrBytes {
			return nil, 40053
		}
		q.SceneStr = scene.SceneStr
	} else {
		most := int64(maxTemporarySceneID)
		if q.Permanent {
			most = maxPermanentSceneID
		}
		if scene.SceneID < 1 || scene.SceneID > most {
			return nil, 40053
		}
		q.SceneID = scene.SceneID
	}
	now := time.Now()
	var expire int64
	if !q.Permanent {
		expire = int64(wego.DefaultQRCodeExpiry / time.Second)
		if req.ExpireSeconds > 0 {
			expire = min(req.ExpireSeconds, maxExpireSeconds)
		}
		q.Expires = now.Add(time.Duration(expire) * time.Second)
	}
	qs := &s.qrcodes
	qs.mu.Lock()
	for {
		q.URL = "http://weixin.qq.com/q/02" + randomBase62(20)
		q.Ticket = qrTicket(q.URL, now, expire)
		if qs.codes[q.Ticket] == nil {
			break
		}
	}
	stored := q
	qs.codes[q.Ticket] = &stored
	qs.mu.Unlock()

	a := map[string]any{"ticket": q.Ticket, "url": q.URL}
	if !q.Permanent {
		a["expire_seconds"] = expire
	}
	return a, 0
}

// qrTicket makes a ticket of the shape of WeChat's: standard base64 of a
// record holding the url, the creation time and the lifetime. Like most of
// WeChat's, it holds a "+", which a client that does not URL-escape the
// ticket turns into a space: the fake's always do, so such a client fails
// every time rather than now and then.
func qrTicket(u string, created time.Time, expire int64) string {
	for {
		b := []byte{0x81, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, byte(len(u))}
		_, _ = rand.Read(b[2:6])
		b = append(b, u...)
		b = append(b, 0x00, 0x02, 0x04)
		b = binary.LittleEndian.AppendUint32(b, uint32(created.Unix()))
		b = append(b, 0x03, 0x04)
		b = binary.LittleEndian.AppendUint32(b, uint32(expire))
		t := base64.StdEncoding.EncodeToString(b)
		if strings.Contains(t, "+") {
			return t
		}
	}
}

const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

func randomBase62(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = base62[int(b[i])%len(base62)]
	}
	return string(b)
}

// serveShowQRCode is GET /cgi-bin/showqrcode?ticket=...: the image of a
// QR code (a PNG), with no access token, as on mp.weixin.qq.com; HTTP 404
// and no body for an unknown ticket, or a temporary code past its expiry,
// as WeChat answers them.
func (s *Server) serveShowQRCode(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		w.WriteHeader(http.StatusMethodNotAllowed)
		return
	}
	q, ok := s.QRCode(r.URL.Query().Get("ticket"))
	if !ok || q.expired(time.Now()) {
		w.WriteHeader(http.StatusNotFound)
		return
	}
	img := qrImage(q.Ticket)
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Content-Length", strconv.Itoa(len(img)))
	w.Header().Set("Cache-Control", "max-age=604800")
	if r.Method == http.MethodGet {
		_, _ = w.Write(img)
	}
}

// qrImage draws a picture that looks like a QR code, the same for the
// same ticket: the three finder squares of a 25-module code and modules
// drawn from the ticket's hash, four pixels each, with a quiet zone. It
// is a real PNG (132×132, under 1 KB) but encodes nothing a scanner reads.
func qrImage(ticket string) []byte {
	const modules, quiet, scale = 25, 4, 4
	const side = (modules + 2*quiet) * scale
	img := image.NewPaletted(image.Rect(0, 0, side, side), color.Palette{color.White, color.Black})
	sum := sha256.Sum256([]byte(ticket))
	rng := mrand.New(mrand.NewChaCha8(sum))
	finder := func(x, y int) (dark, inFinder bool) {
		for _, o := range [][2]int{{0, 0}, {modules - 7, 0}, {0, modules - 7}} {
			dx, dy := x-o[0], y-o[1]
			if dx < -1 || dx > 7 || dy < -1 || dy > 7 {
				continue
			}
			if dx == -1 || dx == 7 || dy == -1 || dy == 7 { // the separator
				return false, true
			}
			ring := min(dx, dy, 6-dx, 6-dy)
			return ring != 1, true
		}
		return false, false
	}
	for y := range modules {
		for x := range modules {
			dark, fixed := finder(x, y)
			if !fixed {
				dark = rng.IntN(2) == 1
			}
			if !dark {
				continue
			}
			for py := range scale {
				for px := range scale {
					img.SetColorIndex((x+quiet)*scale+px, (y+quiet)*scale+py, 1)
				}
			}
		}
	}
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	_ = enc.Encode(&buf, img)
	return buf.Bytes()
}

// QRCode returns the QR code with ticket, made with
// /cgi-bin/qrcode/create, expired or not, and whether there is one.
func (s *Server) QRCode(ticket string) (QRCode, bool) {
	qs := &s.qrcodes
	qs.mu.Lock()
	defer qs.mu.Unlock()
	q, ok := qs.codes[ticket]
	if !ok {
		return QRCode{}, false
	}
	return *q, true
}

// ExpireQRCodes makes every temporary QR code made so far expired, as if
// its expire_seconds had passed: its image answers 404 and
// [Server.ScanQRCode] refuses it. Permanent codes stay.
func (s *Server) ExpireQRCodes() {
	qs := &s.qrcodes
	qs.mu.Lock()
	defer qs.mu.Unlock()
	now := time.Now()
	for _, q := range qs.codes {
		if !q.Permanent && q.Expires.After(now) {
			q.Expires = now
		}
	}
}

// ScanQRCode plays the user openid scanning the QR code with ticket, and
// pushes to target (a path on the app under test, a URL or an
// http.Handler, as for [Server.Push]) what WeChat pushes then:
//
//   - for a user who does not follow the account (unknown to it, or a
//     former follower), the user follows, and the event is subscribe with
//     EventKey "qrscene_" + the scene and Ticket (wego's
//     PushScanSubscribe). The user is a follower from then on, with
//     SubscribeScene ADD_SCENE_QR_CODE, QRScene or QRSceneStr the code's
//     scene and SubscribeTime now, before the push is sent (WeChat's user
//     is following when the event arrives); a former follower keeps the
//     rest of what the account knew.
//   - for a follower, SCAN with EventKey the scene and Ticket (wego's
//     PushScan); the user does not change.
//
// It returns the app's answer, as Push does. A ticket no QR code has, or
// a temporary code past its expiry (WeChat tells the user the code
// expired), is an error and nothing is pushed; so is an empty openid.
func (s *Server) ScanQRCode(target any, ticket, openid string) (*PushReply, error) {
	if openid == "" {
		return nil, fmt.Errorf("wegotest: ScanQRCode: empty openid")
	}
	q, ok := s.QRCode(ticket)
	switch {
	case !ok:
		return nil, fmt.Errorf("wegotest: ScanQRCode: no QR code has ticket %q", ticket)
	case q.expired(time.Now()):
		return nil, fmt.Errorf("wegotest: ScanQRCode: the QR code expired at %s; WeChat shows the user so and pushes nothing", q.Expires.Format(time.RFC3339))
	}
	var msg Message
	if s.users.followFromQRCode(openid, q) {
		msg = EventMessage(openid, EventScan, q.Scene())
	} else {
		msg = EventMessage(openid, EventSubscribe, "qrscene_"+q.Scene())
	}
	return s.Push(target, msg.With("Ticket", q.Ticket))
}

// followFromQRCode reports whether openid follows the account already;
// when not, it makes the user a follower who came by the QR code q.
func (us *userState) followFromQRCode(openid string, q QRCode) (already bool) {
	us.mu.Lock()
	defer us.mu.Unlock()
	i, ok := us.index[openid]
	if ok && us.fans[i].subscribed {
		return true
	}
	if !ok {
		i = len(us.fans)
		us.index[openid] = i
		us.fans = append(us.fans, fan{openID: openid, more: &User{OpenID: openid, Language: defaultLanguage}})
	}
	u := us.edit(i)
	u.SubscribeTime = time.Now().Truncate(time.Second)
	u.SubscribeScene = sceneQRCode
	u.QRScene, u.QRSceneStr = int(q.SceneID), q.SceneStr
	us.fans[i].subscribed = true
	us.followers++
	return false
}
