package wegotest

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/wego-sdk/wego"
)

// Paths of the material endpoints the fake serves. PathVideo is the
// fake's own: the address it answers for a video (media/get's video_url,
// get_material's down_url) serves the video's bytes there, without an
// access token, as WeChat's video hosts do.
const (
	PathMediaUpload        = "/cgi-bin/media/upload"
	PathMediaGet           = "/cgi-bin/media/get"
	PathMediaUploadImg     = "/cgi-bin/media/uploadimg"
	PathMaterialAddNews    = "/cgi-bin/material/add_news"
	PathMaterialUpdateNews = "/cgi-bin/material/update_news"
	PathMaterialAdd        = "/cgi-bin/material/add_material"
	PathMaterialGet        = "/cgi-bin/material/get_material"
	PathMaterialDel        = "/cgi-bin/material/del_material"
	PathMaterialCount      = "/cgi-bin/material/get_materialcount"
	PathMaterialBatchGet   = "/cgi-bin/material/batchget_material"
	PathVideo              = "/wegotest/video"
)

// WeChat's limits on materials, as the fake applies them (40005 for a
// file whose extension its type does not take, 40006 for one empty or
// over its size).
var (
	temporaryUploads = map[string]uploadRule{
		"image": {[]string{".png", ".jpeg", ".jpg", ".gif"}, 10 << 20},
		"voice": {[]string{".amr", ".mp3"}, 2 << 20},
		"video": {[]string{".mp4"}, 10 << 20},
		"thumb": {[]string{".jpg", ".jpeg"}, 64 << 10},
	}
	permanentUploads = map[string]uploadRule{
		"image": {[]string{".bmp", ".png", ".jpeg", ".jpg", ".gif"}, 10 << 20},
		"voice": {[]string{".mp3", ".wma", ".wav", ".amr"}, 2 << 20},
		"video": {[]string{".mp4"}, 10 << 20},
		"thumb": {[]string{".jpg", ".jpeg"}, 64 << 10},
	}
	contentPictures = uploadRule{[]string{".jpg", ".jpeg", ".png"}, 1<<20 - 1} // "under 1 MB"
)

const (
	temporaryMediaLife = 72 * time.Hour
	materialsPageMax   = 20
	maxNewsArticles    = 8
)

// contentTypes are the Content-Types the fake answers a file with, by its
// extension, when its upload named none.
var contentTypes = map[string]string{
	".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".gif": "image/gif", ".bmp": "image/bmp",
	".amr": "audio/amr", ".mp3": "audio/mpeg", ".wma": "audio/x-ms-wma", ".wav": "audio/wav", ".mp4": "video/mp4",
}

type uploadRule struct {
	exts []string
	max  int64
}

// StoredMedia is a material the fake keeps, as [Server.Media] tells it.
type StoredMedia struct {
	MediaID   string
	Type      wego.MediaType
	Permanent bool
	// Name and ContentType are what the upload's form gave the file; Data
	// is its bytes, as received.
	Name        string
	ContentType string
	Data        []byte
	Created     time.Time
	// Expires is when a temporary material stops working, three days after
	// Created ([Server.ExpireMedia] brings it forward); zero for a
	// permanent one.
	Expires time.Time
	// Title and Introduction are a permanent video's description.
	Title        string
	Introduction string
	// URL is a permanent image's address, as add_material answers it.
	URL string
	// News is a news material's articles ([Server.AddNewsMaterial]).
	News []wego.NewsArticle
}

func (m *StoredMedia) expired(now time.Time) bool {
	return !m.Permanent && !now.Before(m.Expires)
}

// listType is the list a permanent material appears in: thumbs among
// images, as WeChat counts and lists them.
func (m *StoredMedia) listType() wego.MediaType {
	if m.Type == wego.MediaThumb {
		return wego.MediaImage
	}
	return m.Type
}

func (m *StoredMedia) clone() StoredMedia {
	out := *m
	out.Data = slices.Clone(m.Data)
	out.News = slices.Clone(m.News)
	return out
}

// materialState is the account's materials, temporary and permanent, by
// media_id, and the order the permanent ones came in.
type materialState struct {
	mu        sync.Mutex
	media     map[string]*StoredMedia
	permanent []string // oldest first
}

func (s *Server) initMaterials() {
	s.materials.media = make(map[string]*StoredMedia)
	s.routeUpload(PathMediaUpload, temporaryUploads, s.serveMediaUpload)
	s.route(PathMediaGet, s.serveMediaGet)
	s.routeUpload(PathMediaUploadImg, nil, s.serveUploadImg)
	s.routeJSON(PathMaterialAddNews, func(*http.Request, []byte) (any, int) { return nil, wego.CodeAPIRetired })
	s.routeJSON(PathMaterialUpdateNews, func(*http.Request, []byte) (any, int) { return nil, wego.CodeAPIRetired })
	s.routeUpload(PathMaterialAdd, permanentUploads, s.serveMaterialAdd)
	s.route(PathMaterialGet, s.serveMaterialGet)
	routePost(s, PathMaterialDel, s.serveMaterialDel)
	s.routeGet(PathMaterialCount, s.serveMaterialCount)
	routePost(s, PathMaterialBatchGet, s.serveBatchGet)
	s.route(PathVideo, s.serveVideo)
}

// upload is the file of a multipart upload and its other form fields.
type upload struct {
	name        string
	contentType string
	data        []byte
	fields      map[string]string
}

// routeUpload registers a multipart upload behind the access token check:
// other methods get 43002, a type rules lacks 40004 (rules nil: the
// endpoint takes no type, and its rule is contentPictures), a body without
// a "media" file 41005, a file whose extension the type does not take
// 40005, and one empty or over the type's size 40006 (the fake stops
// reading there, as WeChat does).
func (s *Server) routeUpload(p string, rules map[string]uploadRule, fn func(typ string, u *upload) (any, int)) {
	s.route(p, func(w http.ResponseWriter, r *http.Request) {
		answer := func(out any, code int) {
			if code != 0 {
				writeJSON(w, errorBody(code, r))
				return
			}
			writeJSON(w, out)
		}
		if code := s.checkToken(r.URL.Query().Get("access_token")); code != 0 {
			answer(nil, code)
			return
		}
		if r.Method != http.MethodPost {
			answer(nil, 43002)
			return
		}
		typ, rule := "", contentPictures
		if rules != nil {
			var ok bool
			typ = r.URL.Query().Get("type")
			if rule, ok = rules[typ]; !ok {
				answer(nil, wego.CodeInvalidMediaType)
				return
			}
		}
		u, code := readUpload(r, rule)
		if code != 0 {
			answer(nil, code)
			return
		}
		answer(fn(typ, u))
	})
}

// readUpload parses the multipart body of r, keeping the file's bytes.
func readUpload(r *http.Request, rule uploadRule) (*upload, int) {
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, wego.CodeMediaDataMissing
	}
	u := &upload{fields: make(map[string]string)}
	found := false
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, wego.CodeMediaDataMissing
		}
		if part.FormName() != "media" || part.FileName() == "" || found {
			v, err := io.ReadAll(io.LimitReader(part, 64<<10))
			if err != nil {
				return nil, -1
			}
			u.fields[part.FormName()] = string(v)
			continue
		}
		found = true
		u.name = part.FileName()
		ext := strings.ToLower(path.Ext(u.name))
		if !slices.Contains(rule.exts, ext) {
			return nil, wego.CodeInvalidFileType
		}
		u.data, err = io.ReadAll(io.LimitReader(part, rule.max+1))
		if err != nil {
			return nil, -1 // the client gave up
		}
		if len(u.data) == 0 || int64(len(u.data)) > rule.max {
			return nil, wego.CodeInvalidFileSize
		}
		u.contentType = part.Header.Get("Content-Type")
		if u.contentType == "" || u.contentType == "application/octet-stream" {
			u.contentType = contentTypes[ext]
		}
	}
	if !found {
		return nil, wego.CodeMediaDataMissing
	}
	return u, 0
}

// mediaIDChars are the characters of WeChat's media ids: base64url's.
const mediaIDChars = base62 + "-_"

func randomMediaID(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = mediaIDChars[int(b[i])%len(mediaIDChars)]
	}
	return string(b)
}

// store keeps m under a new media_id and returns it.
func (ms *materialState) store(m *StoredMedia) string {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	n := 64 // a temporary media_id
	if m.Permanent {
		n = 43
	}
	for {
		m.MediaID = randomMediaID(n)
		if ms.media[m.MediaID] == nil {
			break
		}
	}
	ms.media[m.MediaID] = m
	if m.Permanent {
		ms.permanent = append(ms.permanent, m.MediaID)
	}
	return m.MediaID
}

// serveMediaUpload is POST /cgi-bin/media/upload?type=...: a temporary
// material, kept three days. A thumb's id comes as thumb_media_id, as
// WeChat answers it.
func (s *Server) serveMediaUpload(typ string, u *upload) (any, int) {
	now := time.Now().Truncate(time.Second)
	id := s.materials.store(&StoredMedia{
		Type: wego.MediaType(typ), Name: u.name, ContentType: u.contentType, Data: u.data,
		Created: now, Expires: now.Add(temporaryMediaLife),
	})
	key := "media_id"
	if typ == "thumb" {
		key = "thumb_media_id"
	}
	return map[string]any{"type": typ, key: id, "created_at": now.Unix()}, 0
}

// serveUploadImg is POST /cgi-bin/media/uploadimg: a picture for the
// content of articles, outside the account's materials; its address is of
// the shape of WeChat's, and nothing is served there.
func (s *Server) serveUploadImg(_ string, u *upload) (any, int) {
	format := "jpg"
	if strings.ToLower(path.Ext(u.name)) == ".png" {
		format = "png"
	}
	return map[string]any{"url": "http://mmbiz.qpic.cn/mmbiz_" + format + "/" + randomBase62(54) + "/0"}, 0
}

// serveMaterialAdd is POST /cgi-bin/material/add_material?type=...: a
// permanent material; a video's description comes in the form field
// "description", JSON (47001 when it is not).
func (s *Server) serveMaterialAdd(typ string, u *upload) (any, int) {
	m := &StoredMedia{
		Type: wego.MediaType(typ), Permanent: true, Name: u.name, ContentType: u.contentType, Data: u.data,
		Created: time.Now().Truncate(time.Second),
	}
	if d, ok := u.fields["description"]; ok && typ == "video" {
		var desc struct {
			Title        string `json:"title"`
			Introduction string `json:"introduction"`
		}
		if json.Unmarshal([]byte(d), &desc) != nil {
			return nil, 47001
		}
		m.Title, m.Introduction = desc.Title, desc.Introduction
	}
	if typ == "image" {
		format := strings.TrimPrefix(strings.ToLower(path.Ext(u.name)), ".")
		m.URL = "http://mmbiz.qpic.cn/mmbiz_" + format + "/" + randomBase62(54) + "/0?wx_fmt=" + format
	}
	id := s.materials.store(m)
	a := map[string]any{"media_id": id}
	if m.URL != "" {
		a["url"] = m.URL
	}
	return a, 0
}

// find returns the material id: a temporary one when permanent is false,
// a permanent one otherwise; nil for none, and for a temporary one past
// its three days.
func (ms *materialState) find(id string, permanent bool) *StoredMedia {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	m := ms.media[id]
	if m == nil || m.Permanent != permanent || m.expired(time.Now()) {
		return nil
	}
	return m
}

// serveMediaGet is GET /cgi-bin/media/get?media_id=...: a temporary
// material's bytes, with WeChat's headers (Content-Disposition naming the
// file MEDIA_ID.ext); for a video, {"video_url":...} instead. 40007 for a
// media_id the account does not have among its temporary materials, or
// one past its three days.
func (s *Server) serveMediaGet(w http.ResponseWriter, r *http.Request) {
	if code := s.checkToken(r.URL.Query().Get("access_token")); code != 0 {
		writeJSON(w, errorBody(code, r))
		return
	}
	if r.Method != http.MethodGet {
		writeJSON(w, errorBody(43001, r))
		return
	}
	m := s.materials.find(r.URL.Query().Get("media_id"), false)
	switch {
	case m == nil:
		writeJSON(w, errorBody(wego.CodeInvalidMediaID, r))
	case m.Type == wego.MediaVideo:
		writeJSON(w, map[string]any{"video_url": s.videoURL(m.MediaID)})
	default:
		writeFile(w, m, m.MediaID+path.Ext(m.Name))
	}
}

func (s *Server) videoURL(id string) string {
	return s.URL + PathVideo + "?media_id=" + id
}

// writeFile answers m's bytes as WeChat answers a material's.
func writeFile(w http.ResponseWriter, m *StoredMedia, name string) {
	w.Header().Set("Content-Type", m.ContentType)
	disposition := `attachment; filename="` + name + `"` // as WeChat writes it, quoted, UTF-8 as it is
	if strings.ContainsFunc(name, func(r rune) bool { return r < 0x20 || r == 0x7F || r == '"' || r == '\\' }) {
		disposition = mime.FormatMediaType("attachment", map[string]string{"filename": name})
	}
	w.Header().Set("Content-Disposition", disposition)
	w.Header().Set("Content-Length", strconv.Itoa(len(m.Data)))
	w.Header().Set("Cache-Control", "no-cache, must-revalidate")
	_, _ = w.Write(m.Data)
}

// serveMaterialGet is POST /cgi-bin/material/get_material {"media_id":...}:
// a permanent material: news as {"news_item":[...]}, a video as
// {"title","description","down_url"}, the others as their bytes. 40007
// for a media_id the account does not have among its permanent materials.
func (s *Server) serveMaterialGet(w http.ResponseWriter, r *http.Request) {
	if code := s.checkToken(r.URL.Query().Get("access_token")); code != 0 {
		writeJSON(w, errorBody(code, r))
		return
	}
	var req mediaIDRequest
	if code := readJSONBody(r, &req); code != 0 {
		writeJSON(w, errorBody(code, r))
		return
	}
	m := s.materials.find(req.MediaID, true)
	switch {
	case m == nil:
		writeJSON(w, errorBody(wego.CodeInvalidMediaID, r))
	case m.Type == wego.MediaNews:
		writeJSON(w, map[string]any{"news_item": newsItems(m.News)})
	case m.Type == wego.MediaVideo:
		writeJSON(w, map[string]any{"title": m.Title, "description": m.Introduction, "down_url": s.videoURL(m.MediaID)})
	default:
		writeFile(w, m, m.Name)
	}
}

// readJSONBody reads a POSTed JSON body as routePost does: 43002 for
// another method, 44002 for an empty body, 47001 for one not of out's
// shape.
func readJSONBody(r *http.Request, out any) int {
	if r.Method != http.MethodPost {
		return 43002
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	switch {
	case err != nil:
		return -1
	case len(bytes.TrimSpace(body)) == 0:
		return 44002
	case json.Unmarshal(body, out) != nil:
		return 47001
	}
	return 0
}

// newsArticle is a news material's article as WeChat writes it.
type newsArticle struct {
	Title              string `json:"title"`
	ThumbMediaID       string `json:"thumb_media_id"`
	ShowCoverPic       int    `json:"show_cover_pic"`
	Author             string `json:"author"`
	Digest             string `json:"digest"`
	Content            string `json:"content"`
	URL                string `json:"url"`
	ContentSourceURL   string `json:"content_source_url"`
	ThumbURL           string `json:"thumb_url"`
	NeedOpenComment    int    `json:"need_open_comment"`
	OnlyFansCanComment int    `json:"only_fans_can_comment"`
}

func flag(b bool) int {
	if b {
		return 1
	}
	return 0
}

func newsItems(articles []wego.NewsArticle) []newsArticle {
	out := make([]newsArticle, len(articles))
	for i, a := range articles {
		out[i] = newsArticle{
			Title: a.Title, ThumbMediaID: a.ThumbMediaID, ShowCoverPic: flag(a.ShowCoverPic), Author: a.Author,
			Digest: a.Digest, Content: a.Content, URL: a.URL, ContentSourceURL: a.ContentSourceURL, ThumbURL: a.ThumbURL,
			NeedOpenComment: flag(a.NeedOpenComment), OnlyFansCanComment: flag(a.OnlyFansCanComment),
		}
	}
	return out
}

// serveMaterialDel is POST /cgi-bin/material/del_material: 40007 for a
// media_id the account does not have among its permanent materials.
func (s *Server) serveMaterialDel(req *mediaIDRequest) (any, int) {
	ms := &s.materials
	ms.mu.Lock()
	defer ms.mu.Unlock()
	m := ms.media[req.MediaID]
	if m == nil || !m.Permanent {
		return nil, wego.CodeInvalidMediaID
	}
	delete(ms.media, req.MediaID)
	ms.permanent = slices.DeleteFunc(ms.permanent, func(id string) bool { return id == req.MediaID })
	return answerOK, 0
}

// serveMaterialCount is GET /cgi-bin/material/get_materialcount; thumbs
// count among images.
func (s *Server) serveMaterialCount(url.Values) (any, int) {
	ms := &s.materials
	ms.mu.Lock()
	defer ms.mu.Unlock()
	n := map[wego.MediaType]int{}
	for _, id := range ms.permanent {
		n[ms.media[id].listType()]++
	}
	return map[string]int{
		"voice_count": n[wego.MediaVoice], "video_count": n[wego.MediaVideo],
		"image_count": n[wego.MediaImage], "news_count": n[wego.MediaNews],
	}, 0
}

type batchGetRequest struct {
	Type   string `json:"type"`
	Offset int    `json:"offset"`
	Count  int    `json:"count"`
}

// serveBatchGet is POST /cgi-bin/material/batchget_material: count (1 to
// 20) permanent materials of type (image with the thumbs, video, voice or
// news) from offset, newest first. 40004 for another type, 40097 (invalid
// args) for a count out of range or a negative offset.
func (s *Server) serveBatchGet(req *batchGetRequest) (any, int) {
	typ := wego.MediaType(req.Type)
	switch {
	case typ != wego.MediaImage && typ != wego.MediaVideo && typ != wego.MediaVoice && typ != wego.MediaNews:
		return nil, wego.CodeInvalidMediaType
	case req.Count < 1 || req.Count > materialsPageMax || req.Offset < 0:
		return nil, 40097
	}
	ms := &s.materials
	ms.mu.Lock()
	defer ms.mu.Unlock()
	var all []*StoredMedia
	for i := len(ms.permanent) - 1; i >= 0; i-- {
		if m := ms.media[ms.permanent[i]]; m.listType() == typ {
			all = append(all, m)
		}
	}
	items := []map[string]any{}
	for _, m := range all[min(req.Offset, len(all)):min(req.Offset+req.Count, len(all))] {
		item := map[string]any{"media_id": m.MediaID, "update_time": m.Created.Unix()}
		if typ == wego.MediaNews {
			item["content"] = map[string]any{
				"news_item": newsItems(m.News), "create_time": m.Created.Unix(), "update_time": m.Created.Unix(),
			}
		} else {
			item["name"] = m.Name
			item["url"] = m.URL
		}
		items = append(items, item)
	}
	return map[string]any{"total_count": len(all), "item_count": len(items), "item": items}, 0
}

// serveVideo is GET /wegotest/video?media_id=...: a video's bytes, at the
// address media/get and get_material answer for it, without an access
// token; 404 for an unknown video, or a temporary one past its three days.
func (s *Server) serveVideo(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("media_id")
	ms := &s.materials
	ms.mu.Lock()
	m := ms.media[id]
	ms.mu.Unlock()
	if m == nil || m.Type != wego.MediaVideo || m.expired(time.Now()) {
		w.WriteHeader(http.StatusNotFound)
		return
	}
	writeFile(w, m, m.MediaID+".mp4")
}

// Media returns the material with media_id, temporary or permanent,
// expired or not, and whether there is one: what an upload stored (the
// file's name, Content-Type and bytes as received), a video's
// description, a news material's articles. The result is a copy.
func (s *Server) Media(mediaID string) (StoredMedia, bool) {
	ms := &s.materials
	ms.mu.Lock()
	defer ms.mu.Unlock()
	m, ok := ms.media[mediaID]
	if !ok {
		return StoredMedia{}, false
	}
	return m.clone(), true
}

// ExpireMedia makes every temporary material uploaded so far expired, as
// if its three days had passed: media/get answers 40007 for it, as WeChat
// does. Permanent materials stay.
func (s *Server) ExpireMedia() {
	ms := &s.materials
	ms.mu.Lock()
	defer ms.mu.Unlock()
	now := time.Now()
	for _, m := range ms.media {
		if !m.Permanent && m.Expires.After(now) {
			m.Expires = now
		}
	}
}

// AddMaterial adds a permanent material of type typ (image, voice, video
// or thumb) named name with content data to the account, as if uploaded
// with add_material, and returns its media_id: a test's cover image for
// a draft, without going through the SDK. data is kept as given and not
// checked.
func (s *Server) AddMaterial(typ wego.MediaType, name string, data []byte) string {
	return s.materials.store(&StoredMedia{Type: typ, Name: name, ContentType: http.DetectContentType(data),
		Data: append([]byte(nil), data...), Permanent: true, Created: time.Now()})
}

// AddNewsMaterial adds a news material of articles to the account, as one
// made before WeChat retired add_news on 2022-02-28 (or in the console):
// get_material, batchget_material, get_materialcount and del_material
// see it. It returns its media_id, or an error, and adds nothing, for no
// articles, more than 8, or an article without a title. An article
// without a URL gets one of the shape of WeChat's.
func (s *Server) AddNewsMaterial(articles ...wego.NewsArticle) (string, error) {
	switch {
	case len(articles) == 0:
		return "", fmt.Errorf("wegotest: AddNewsMaterial: no articles")
	case len(articles) > maxNewsArticles:
		return "", fmt.Errorf("wegotest: AddNewsMaterial: %d articles, WeChat allows %d", len(articles), maxNewsArticles)
	}
	news := slices.Clone(articles)
	for i := range news {
		if news[i].Title == "" {
			return "", fmt.Errorf("wegotest: AddNewsMaterial: article %d has no title", i)
		}
		if news[i].URL == "" {
			news[i].URL = "http://mp.weixin.qq.com/s?__biz=" + randomBase62(16) + "&mid=" + strconv.Itoa(100000000+i) + "&idx=" + strconv.Itoa(i+1) + "#rd"
		}
	}
	return s.materials.store(&StoredMedia{
		Type: wego.MediaNews, Permanent: true, News: news, Created: time.Now().Truncate(time.Second),
	}), nil
}

// permanentMaterial tells whether mediaID is a permanent material of the
// account, and its type ("image", "voice", "video", "thumb", "news"): what
// WeChat checks of a thumb_media_id, which must be permanent.
func (s *Server) permanentMaterial(mediaID string) (kind string, ok bool) {
	m := s.materials.find(mediaID, true)
	if m == nil {
		return "", false
	}
	return string(m.Type), true
}
