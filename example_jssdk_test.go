package wego_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"

	"github.com/wego-sdk/wego"
	"github.com/wego-sdk/wego/wegotest"
)

// The endpoint a page asks for its wx.config with its own address
// (location.href): the signed configuration as JSON, or 400 for an address
// that is not a page's.
func ExampleClient_JSConfig() {
	srv := wegotest.NewServer() // a fake WeChat; use your own Settings in production
	defer srv.Close()
	c, err := wego.NewClient(srv.Settings())
	if err != nil {
		panic(err)
	}

	mux := http.NewServeMux() // your app's
	mux.HandleFunc("/wx-config", func(w http.ResponseWriter, r *http.Request) {
		cfg, err := c.JSConfig(r.Context(), r.URL.Query().Get("url"))
		switch {
		case errors.Is(err, wego.ErrMissingParameter), errors.Is(err, wego.ErrInvalidParameter):
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		case err != nil:
			http.Error(w, "WeChat is unavailable, try again", http.StatusBadGateway)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(cfg) // the page: wx.config({...cfg, jsApiList: [...]})
	})

	// The page at https://m.example.com/shop?item=1#reviews asks, as a
	// browser would.
	page := "https://m.example.com/shop?item=1#reviews"
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest("GET", "/wx-config?url="+url.QueryEscape(page), nil))
	var cfg wego.JSConfig
	_ = json.Unmarshal(rec.Body.Bytes(), &cfg)
	fmt.Println(rec.Code, cfg.AppID == srv.AppID)
	fmt.Println("wx.config accepts it:", srv.VerifyJSSignature(page, cfg.NonceStr, cfg.Timestamp, cfg.Signature) == nil)

	rec = httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest("GET", "/wx-config?url=/shop", nil))
	fmt.Print(rec.Code, " ", rec.Body.String())
	// Output:
	// 200 true
	// wx.config accepts it: true
	// 400 wego: invalid parameter: pageURL: "/shop" is not an absolute http or https URL (location.href of the page)
}

// WeChat's own example of the JS-SDK signature (附录1).
func ExampleJSSignature() {
	fmt.Println(wego.JSSignature(
		"sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg",
		"Wm3WZYTPz0wzccnW", 1414587457, "http://mp.weixin.qq.com?params=value"))
	// Output: 0f9de62fce790f9a083d5c99e95740ceb90c27ed
}

// A page that configured the JS-SDK pays with wx.chooseWXPay: the same
// signed parameters as WeixinJSBridge's, named as the JS-SDK names them.
func ExampleJSAPIPayParams_ChooseWXPay() {
	srv := wegotest.NewServer()
	defer srv.Close()
	c, _ := wego.NewClient(srv.Settings())

	p, err := c.JSAPIPayParams("wx201410272009395522657a690389285100") // the prepay_id of an order placed
	if err != nil {
		panic(err)
	}
	b, _ := json.Marshal(p.ChooseWXPay()) // the page: wx.chooseWXPay({...params, success: ...})
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	fmt.Println(keys)
	fmt.Println(m["timestamp"] == p.TimeStamp, m["paySign"] == p.PaySign)
	// Output:
	// [nonceStr package paySign signType timestamp]
	// true true
}

// The card api_ticket, for the card JS APIs' cardSign, is cached like the
// jsapi_ticket: many calls, one request to WeChat while it lives.
func ExampleClient_CardTicket() {
	srv := wegotest.NewServer() // a fake WeChat; use your own Settings in production
	defer srv.Close()
	c, err := wego.NewClient(srv.Settings())
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	first, err := c.CardTicket(ctx)
	if err != nil {
		panic(err)
	}
	again, _ := c.CardTicket(ctx)
	fmt.Println("same ticket:", first == again, "- ticket requests:", srv.Requests(wegotest.PathTicket))
	// Output: same ticket: true - ticket requests: 1
}
