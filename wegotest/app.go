package wegotest

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
)

// PathPayNotify is the path of the notify_url [Server.Settings] gives as
// PayNotifyURL: [Server.AppURL] + PathPayNotify. Route it to the app's
// pay notification handler (wego's PayNotifyHandler) and set the app with
// [Server.SetApp]: [Server.PayOrder] then reaches it for every order
// placed without a NotifyURL of its own.
const PathPayNotify = "/pay/notify"

// ErrNoApp is returned by the methods that send to the app under test
// ([Server.Push], [Server.PayOrder], ...) when the target is a path, or a
// URL on [Server.AppURL], and no app was set with [Server.SetApp].
var ErrNoApp = errors.New("wegotest: no app under test (see Server.SetApp)")

// appHandler holds the app under test; swapped whole, so a request sees
// one app or the other.
type appHandler struct{ h http.Handler }

// startApp starts the loopback server of the app under test.
func (s *Server) startApp() {
	s.app = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a := s.appH.Load()
		if a == nil {
			http.Error(w, ErrNoApp.Error(), http.StatusServiceUnavailable)
			return
		}
		a.h.ServeHTTP(w, r)
	}))
	s.AppURL = s.app.URL
}

// closeApp stops the app server without waiting for handlers still
// running (a push handler held past its deadline, say): the listener and
// the connections close, the handlers see their request's context end.
func (s *Server) closeApp() { _ = s.app.Config.Close() }

// SetApp makes h the app under test, served at [Server.AppURL]: the
// handler the application gives http.ListenAndServe, usually a mux that
// routes "/wechat" to its push handler and [PathPayNotify] to its pay
// notification handler. A target path ("/wechat") given to [Server.Push],
// [Server.Deliver] or [Server.VerifyURL] is sent to it, and so are the pay
// notifications of orders placed with the notify_url of [Server.Settings].
// SetApp may be called again to swap apps (requests under way finish on
// the old one); SetApp(nil) removes the app, after which sending to it
// fails with [ErrNoApp].
func (s *Server) SetApp(h http.Handler) {
	if isNilHandler(h) {
		s.appH.Store(nil)
		return
	}
	s.appH.Store(&appHandler{h: h})
}

// destination is where a delivery goes: a URL, or a handler served on a
// loopback server of its own for each delivery.
type destination struct {
	url string
	h   http.Handler
}

// destination resolves the target of a delivery: an http.Handler, a path
// on AppURL ("/wechat", with a query if need be) or an absolute http(s)
// URL. what names the delivery in errors.
func (s *Server) destination(target any, what string) (destination, error) {
	switch t := target.(type) {
	case string:
		if strings.HasPrefix(t, "/") {
			if s.appH.Load() == nil {
				return destination{}, fmt.Errorf("%w: %s to %s", ErrNoApp, what, t)
			}
			return destination{url: s.AppURL + t}, nil
		}
		u, err := url.Parse(t)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return destination{}, fmt.Errorf("wegotest: %s target %q is neither a path (\"/wechat\") nor an absolute http(s) URL", what, t)
		}
		if s.appH.Load() == nil && (t == s.AppURL || strings.HasPrefix(t, s.AppURL+"/") || strings.HasPrefix(t, s.AppURL+"?")) {
			return destination{}, fmt.Errorf("%w: %s to %s", ErrNoApp, what, t)
		}
		return destination{url: t}, nil
	case http.Handler:
		if isNilHandler(t) {
			return destination{}, fmt.Errorf("wegotest: %s target is a nil handler", what)
		}
		return destination{h: t}, nil
	case nil:
		return destination{}, fmt.Errorf("wegotest: %s target is nil: give an http.Handler, a path on AppURL or a URL", what)
	}
	return destination{}, fmt.Errorf("wegotest: %s target must be an http.Handler, a path on AppURL or a URL, not %T", what, target)
}

// open returns the URL of one delivery and what to call once it is done.
// A handler gets a loopback server for the delivery, so that it is seen
// as WeChat sees it (an answer flushed before the handler returns counts);
// done closes the listener and the connection without waiting for the
// handler, which may run long after it answered, as ts.Close would.
func (d destination) open() (string, func()) {
	if d.h == nil {
		return d.url, func() {}
	}
	ts := httptest.NewServer(d.h)
	return ts.URL + "/", func() { _ = ts.Config.Close() }
}

// withQuery appends the encoded query q to u, which may carry one.
func withQuery(u, q string) string {
	if q == "" {
		return u
	}
	if strings.Contains(u, "?") {
		return u + "&" + q
	}
	return u + "?" + q
}
