// Command jsapi-pay is a shop page that takes a WeChat Pay JSAPI payment
// inside WeChat's browser, and the notify endpoint that learns it was paid.
//
// With no environment set it runs offline against wegotest, the fake WeChat
// platform: it serves the shop as wegotest's app under test, places an
// order the way the page's button does, prints the parameters the page
// hands to WeixinJSBridge, has the fake platform pay the order (which posts
// the signed notification to the shop's notify endpoint, then repeats it as
// WeChat does), prints what the endpoint handled, and exits:
//
//	go run ./examples/jsapi-pay
//
// With WEGO_APP_ID, WEGO_APP_SECRET, WEGO_MCH_ID, WEGO_MCH_SECRET,
// WEGO_PAY_NOTIFY_URL (the public URL of /pay/notify) and PORT set it
// serves the shop for real on that port. The page takes the payer's openid
// from ?openid=; a real shop gets it from OAuth.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"sync"
	"time"

	"github.com/wego-sdk/wego"
	"github.com/wego-sdk/wego/wegotest"
)

func main() {
	var err error
	if real := os.Getenv("WEGO_MCH_ID") != "" && os.Getenv("PORT") != ""; real {
		err = serve()
	} else {
		err = offline()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "jsapi-pay:", err)
		os.Exit(1)
	}
}

// price is what the shop sells its one product for, in fen.
const price = 1990

// shop is the merchant: its orders and its HTTP routes.
type shop struct {
	c   *wego.Client
	out io.Writer

	mu     sync.Mutex
	orders map[string]*order // by out_trade_no
}

type order struct {
	amount int64 // fen
	paid   bool
	txn    string
}

func newShop(c *wego.Client, out io.Writer) *shop {
	return &shop{c: c, out: out, orders: map[string]*order{}}
}

func (s *shop) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", s.page)
	mux.HandleFunc("POST /order", s.placeOrder)
	mux.Handle("POST /pay/notify", s.c.PayNotifyHandler(s.paid))
	return mux
}

var pageTmpl = template.Must(template.New("page").Parse(`<!doctype html>
<meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>wego shop</title>
<h1>T恤 — {{.Yuan}} 元</h1>
<button id="pay">微信支付</button>
<p id="status"></p>
<script>
document.getElementById('pay').onclick = async () => {
  const r = await fetch('/order?openid={{.OpenID}}', {method: 'POST'});
  if (!r.ok) { document.getElementById('status').textContent = await r.text(); return; }
  const params = await r.json(); // appId, timeStamp, nonceStr, package, signType, paySign
  WeixinJSBridge.invoke('getBrandWCPayRequest', params, (res) => {
    // Only the notification (or an order query) proves payment; this just tells the user.
    document.getElementById('status').textContent =
      res.err_msg === 'get_brand_wcpay_request:ok' ? '支付完成，正在确认…' : '未支付';
  });
};
</script>
`))

// page is the shop page, opened in WeChat's browser.
func (s *shop) page(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = pageTmpl.Execute(w, map[string]any{"Yuan": fmt.Sprintf("%d.%02d", price/100, price%100), "OpenID": r.URL.Query().Get("openid")})
}

// placeOrder places a JSAPI order for the payer and answers the
// parameters of getBrandWCPayRequest as JSON.
func (s *shop) placeOrder(w http.ResponseWriter, r *http.Request) {
	openID := r.URL.Query().Get("openid")
	if openID == "" {
		http.Error(w, "openid required (a real shop gets it from OAuth)", http.StatusBadRequest)
		return
	}
	ip, _, _ := net.SplitHostPort(r.RemoteAddr)
	no := time.Now().Format("20060102150405") + randomHex(4)
	s.mu.Lock()
	s.orders[no] = &order{amount: price}
	s.mu.Unlock()

	res, err := s.c.UnifiedOrder(r.Context(), wego.UnifiedOrderRequest{
		Body: "wego shop-T恤", OutTradeNo: no, TotalFee: price, SpbillCreateIP: ip, OpenID: openID,
	})
	if err != nil {
		var pe *wego.PayError
		if errors.As(err, &pe) {
			http.Error(w, "WeChat Pay: "+pe.ErrCodeDes, http.StatusBadGateway)
			return
		}
		http.Error(w, "could not place the order", http.StatusBadGateway)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Out-Trade-No", no)
	_ = json.NewEncoder(w).Encode(res.JSAPI)
}

// paid handles a verified pay notification: the amount must be the order's,
// and the goods are delivered once (the handler calls this once per
// payment however often WeChat repeats it).
func (s *shop) paid(_ context.Context, n *wego.PayNotify) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.orders[n.OutTradeNo]
	if o == nil {
		return fmt.Errorf("unknown order %s", n.OutTradeNo)
	}
	if err := s.c.CheckPaidAmount(n, o.amount); err != nil {
		return err
	}
	o.paid, o.txn = true, n.TransactionID
	fmt.Fprintf(s.out, "notification handled: order %s paid %d fen by %s, transaction %s, at %s\n",
		n.OutTradeNo, n.TotalFee, n.OpenID, n.TransactionID, n.TimeEnd.Format(time.DateTime))
	return nil
}

// offline runs the whole flow against wegotest and returns.
func offline() error {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	srv := wegotest.NewServer()
	defer srv.Close()
	fmt.Println("jsapi-pay against wegotest, the offline fake platform (set WEGO_* and PORT to serve for real)")

	// The shop is wegotest's app under test, served at srv.AppURL; the
	// settings' PayNotifyURL is srv.AppURL + "/pay/notify".
	c, err := wego.NewClient(srv.Settings())
	if err != nil {
		return err
	}
	sh := newShop(c, os.Stdout)
	srv.SetApp(sh.routes())

	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.AppURL+"/?openid=oDemoPayer", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Printf("1. shop page served (%d bytes) with a pay button calling WeixinJSBridge\n", len(page))

	req, _ = http.NewRequestWithContext(ctx, http.MethodPost, srv.AppURL+"/order?openid=oDemoPayer", nil)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("order: %s: %s", resp.Status, body)
	}
	no := resp.Header.Get("X-Out-Trade-No")
	fmt.Printf("2. order %s placed; getBrandWCPayRequest parameters:\n   %s\n", no, strings.TrimSpace(string(body)))

	fmt.Println("3. the payer pays; WeChat posts the signed notification to /pay/notify")
	if err := srv.PayOrder(no); err != nil {
		return fmt.Errorf("pay: %w", err)
	}
	for range 2 {
		if err := srv.ResendPayNotify(no); err != nil {
			return fmt.Errorf("repeat: %w", err)
		}
	}
	fmt.Println("4. WeChat repeated the notification twice; each repeat was answered SUCCESS without handling it again")

	o, err := c.QueryOrder(ctx, wego.OrderRef{OutTradeNo: no})
	if err != nil {
		return err
	}
	sh.mu.Lock()
	paid := sh.orders[no].paid
	sh.mu.Unlock()
	fmt.Printf("5. order query: %s; shop marks the order paid: %t\n", o.TradeState, paid)
	fmt.Println("done")
	return nil
}

// serve runs the shop for real until interrupted.
func serve() error {
	s := wego.Settings{
		AppID: os.Getenv("WEGO_APP_ID"), AppSecret: os.Getenv("WEGO_APP_SECRET"),
		MchID: os.Getenv("WEGO_MCH_ID"), MchSecret: os.Getenv("WEGO_MCH_SECRET"),
		PayNotifyURL: os.Getenv("WEGO_PAY_NOTIFY_URL"),
		Logger:       slog.New(slog.NewTextHandler(os.Stderr, nil)),
	}
	if s.PayNotifyURL == "" {
		return errors.New("WEGO_PAY_NOTIFY_URL is required: the public URL of /pay/notify")
	}
	c, err := wego.NewClient(s)
	if err != nil {
		return err
	}
	hs := &http.Server{Addr: ":" + os.Getenv("PORT"), Handler: newShop(c, os.Stdout).routes(), ReadHeaderTimeout: 10 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = hs.Shutdown(shutdown)
	}()
	fmt.Println("shop on", hs.Addr)
	if err := hs.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
