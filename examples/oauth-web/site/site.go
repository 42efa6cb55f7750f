// Package site is the web app of the oauth-web example: a page behind
// wego's LoginRequired that greets the WeChat user by nickname and avatar
// and carries the wx.config block of the JS-SDK. It is a package of its
// own so that the browser test in wego's e2e module serves the very same
// app.
package site

import (
	"encoding/json"
	"html/template"
	"log/slog"
	"net/http"

	"github.com/wego-sdk/wego"
)

// Paths of the app.
const (
	PathMe     = "/me"     // the page behind LoginRequired
	PathLogout = "/logout" // ends the session
)

// New returns the app's handler for the account of c. c's Settings need
// RegisterURL: the scheme and host the browser reaches the app on.
func New(c *wego.Client, registerURL string) http.Handler {
	mux := http.NewServeMux()
	mux.Handle(PathMe, c.LoginRequired(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		me(c, registerURL, w, r)
	})))
	mux.HandleFunc(PathLogout, func(w http.ResponseWriter, r *http.Request) {
		c.Logout(w, r)
		http.Redirect(w, r, "/", http.StatusSeeOther)
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		render(w, http.StatusOK, page{Title: "wego OAuth example"})
	})
	return mux
}

func me(c *wego.Client, registerURL string, w http.ResponseWriter, r *http.Request) {
	if wego.IsSnapshotVisit(r.Context()) {
		render(w, http.StatusOK, page{Title: "Welcome", Snapshot: true})
		return
	}
	u, ok := wego.UserFrom(r.Context())
	if !ok { // LoginRequired passes on only users and snapshot visits
		http.Error(w, "not logged in", http.StatusUnauthorized)
		return
	}
	p := page{Title: "Hello", OpenID: u.OpenID, Query: r.URL.RawQuery}
	if u.Profile != nil {
		p.Nickname, p.Avatar = u.Profile.Nickname, template.URL(u.Profile.HeadImgURL)
	}
	// wx.config signs the page's URL as the browser shows it.
	cfg, err := c.JSConfig(r.Context(), registerURL+r.URL.RequestURI())
	if err != nil {
		slog.ErrorContext(r.Context(), "oauth-web: JS-SDK config", "error", err)
		http.Error(w, "JS-SDK config unavailable", http.StatusBadGateway)
		return
	}
	b, err := json.Marshal(cfg)
	if err != nil {
		http.Error(w, "JS-SDK config unavailable", http.StatusInternalServerError)
		return
	}
	p.WXConfig, p.Config = string(b), cfg
	render(w, http.StatusOK, p)
}

type page struct {
	Title    string
	Snapshot bool
	OpenID   string
	Nickname string
	Avatar   template.URL
	Query    string
	WXConfig string         // JSON of wego.JSConfig, shown
	Config   *wego.JSConfig // the same, in the script (html/template writes it as JSON)
}

var tmpl = template.Must(template.New("page").Parse(`<!doctype html>
<html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>{{.Title}}</title></head>
<body>
{{- if .Snapshot}}
<p id="snapshot">You are viewing a Moments snapshot: open the page in full to log in.</p>
{{- else if .OpenID}}
<h1>Hello, <span id="nickname">{{.Nickname}}</span></h1>
{{- if .Avatar}}<img id="avatar" src="{{.Avatar}}" alt="avatar" width="64" height="64">{{end}}
<p>openid <code id="openid">{{.OpenID}}</code>{{if .Query}}, query <code id="query">{{.Query}}</code>{{end}}</p>
<pre id="wxconfig">{{.WXConfig}}</pre>
<script>
// With https://res.wx.qq.com/open/js/jweixin-1.6.0.js on the page:
// wx.config(Object.assign({debug: false, jsApiList: ["chooseWXPay", "scanQRCode"]}, CONFIG));
var CONFIG = {{.Config}};
</script>
<p><a href="/logout">Log out</a></p>
{{- else}}
<p><a href="/me?from=home">See who you are on WeChat</a></p>
{{- end}}
</body></html>
`))

func render(w http.ResponseWriter, status int, p page) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = tmpl.Execute(w, p)
}
