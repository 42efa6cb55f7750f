package wego

import (
	"context"
	"encoding/json"
)

// GetCallbackIP returns WeChat's answer listing the addresses its servers
// push from (getcallbackip), as JSON: {"ip_list":["101.226.62.77",...]}.
//
// WeChat docs: https://developers.weixin.qq.com/doc/offiaccount/Basic_Information/Get_the_WeChat_server_IP_address.html
func (w *WeChatAPI) GetCallbackIP(ctx context.Context) (json.RawMessage, error) {
	var raw json.RawMessage
	if err := w.Get(ctx, "/cgi-bin/getcallbackip", nil, &raw); err != nil {
		return nil, err
	}
	return raw, nil
}

// GetWeChatServersList returns the IP addresses WeChat pushes messages from,
// so a server can allow only those (Python wego get_wechat_servers_list).
func (c *Client) GetWeChatServersList(ctx context.Context) ([]string, error) {
	raw, err := c.WeChat.GetCallbackIP(ctx)
	if err != nil {
		return nil, err
	}
	var a struct {
		IPList []string `json:"ip_list"`
	}
	if err := decodeJSON("/cgi-bin/getcallbackip", raw, &a); err != nil {
		return nil, err
	}
	return a.IPList, nil
}
