package wego

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
)

// The ticket types of [WeChatAPI.GetTicket].
const (
	// TicketJSAPI is the jsapi_ticket, which signs the JS-SDK's wx.config.
	TicketJSAPI = "jsapi"
	// TicketWXCard is the api_ticket of the card (卡券) JS APIs,
	// wx.chooseCard and wx.addCard.
	TicketWXCard = "wx_card"
)

const pathTicket = "/cgi-bin/ticket/getticket"

// GetTicket returns WeChat's answer to getticket for ticketType
// ([TicketJSAPI] or [TicketWXCard]), as JSON:
// {"errcode":0,"errmsg":"ok","ticket":"...","expires_in":7200}. Each call
// asks WeChat, which allows few of them a day: cache the ticket.
//
// WeChat docs: https://developers.weixin.qq.com/doc/offiaccount/OA_Web_Apps/JS-SDK.html (附录1)
func (w *WeChatAPI) GetTicket(ctx context.Context, ticketType string) (json.RawMessage, error) {
	return w.getTicket(ctx, ticketType, nil)
}

// getTicket is GetTicket, setting *usedToken (when not nil) to the access
// token of the answer.
func (w *WeChatAPI) getTicket(ctx context.Context, ticketType string, usedToken *string) (json.RawMessage, error) {
	if ticketType == "" {
		return nil, missing("type")
	}
	var raw json.RawMessage
	r := request{method: http.MethodGet, path: pathTicket, query: url.Values{"type": {ticketType}}, token: true, usedToken: usedToken}
	if err := w.c.doJSON(ctx, r, &raw); err != nil {
		return nil, err
	}
	return raw, nil
}
