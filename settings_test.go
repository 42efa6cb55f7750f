package wego_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wego-sdk/wego"
)

func TestNewClientEmptySettings(t *testing.T) {
	t.Parallel()
	c, err := wego.NewClient(wego.Settings{})
	require.Nil(t, c)
	var ie *wego.InitError
	require.ErrorAs(t, err, &ie)
	assert.True(t, ie.Has("AppID"))
	assert.True(t, ie.Has("AppSecret"))
	assert.Len(t, ie.Problems, 2)
	assert.Contains(t, err.Error(), "AppID")
	assert.Contains(t, err.Error(), "AppSecret")
}

// writePair writes a self-signed certificate and its key as PEM files.
func writePair(t *testing.T) (certPath, keyPath string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "1900000109"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	kder, err := x509.MarshalECPrivateKey(key)
	require.NoError(t, err)
	dir := t.TempDir()
	certPath = filepath.Join(dir, "apiclient_cert.pem")
	keyPath = filepath.Join(dir, "apiclient_key.pem")
	require.NoError(t, os.WriteFile(certPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600))
	require.NoError(t, os.WriteFile(keyPath, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600))
	return certPath, keyPath
}

func TestSettingsValidation(t *testing.T) {
	t.Parallel()
	certPath, keyPath := writePair(t)
	otherCert, _ := writePair(t)
	const goodKey = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
	base := func() wego.Settings { return wego.Settings{AppID: "wx1", AppSecret: "s3cr3t-value"} }

	tests := []struct {
		name  string
		edit  func(*wego.Settings)
		wants []string // fields named in the InitError; none means valid
	}{
		{"minimal", func(*wego.Settings) {}, nil},
		{"everything", func(s *wego.Settings) {
			s.PayNotifyURL = "https://example.com/pay/notify"
			s.MchID, s.MchSecret = "1900000109", "192006250b4c09247ec02edce69f6a2d"
			s.CertPEMPath, s.KeyPEMPath = certPath, keyPath
			s.PushToken, s.PushEncodingAESKey = "pamtest", goodKey
		}, nil},
		{"push token alone is plain mode", func(s *wego.Settings) { s.PushToken = "t" }, nil},
		{"aes key too short", func(s *wego.Settings) { s.PushToken, s.PushEncodingAESKey = "t", goodKey[:42] }, []string{"PushEncodingAESKey"}},
		{"aes key not base64", func(s *wego.Settings) { s.PushToken, s.PushEncodingAESKey = "t", "!"+goodKey[1:] }, []string{"PushEncodingAESKey"}},
		{"aes key without token", func(s *wego.Settings) { s.PushEncodingAESKey = goodKey }, []string{"PushToken"}},
		{"mch id without secret", func(s *wego.Settings) { s.MchID = "1900000109" }, []string{"MchSecret"}},
		{"mch secret without id", func(s *wego.Settings) { s.MchSecret = "k" }, []string{"MchID"}},
		{"cert without key", func(s *wego.Settings) { s.CertPEMPath = certPath }, []string{"KeyPEMPath"}},
		{"key without cert", func(s *wego.Settings) { s.KeyPEMPath = keyPath }, []string{"CertPEMPath"}},
		{"pair that does not match", func(s *wego.Settings) { s.CertPEMPath, s.KeyPEMPath = otherCert, keyPath }, []string{"CertPEMPath"}},
		{"pair that does not exist", func(s *wego.Settings) { s.CertPEMPath, s.KeyPEMPath = "/nonexistent/c.pem", "/nonexistent/k.pem" }, []string{"CertPEMPath"}},
		{"relative notify url", func(s *wego.Settings) { s.PayNotifyURL = "example.com/pay/notify" }, []string{"PayNotifyURL"}},
		{"ftp notify url", func(s *wego.Settings) { s.PayNotifyURL = "ftp://example.com/n" }, []string{"PayNotifyURL"}},
		{"bad base urls", func(s *wego.Settings) { s.BaseURL, s.PayBaseURL = "::", "/pay" }, []string{"BaseURL", "PayBaseURL"}},
		{"unknown token endpoint", func(s *wego.Settings) { s.TokenEndpoint = 7 }, []string{"TokenEndpoint"}},
		{"previous aes key alone", func(s *wego.Settings) { s.PushToken, s.PushPreviousEncodingAESKey = "t", goodKey }, []string{"PushEncodingAESKey"}},
		{"previous aes key bad", func(s *wego.Settings) {
			s.PushToken, s.PushEncodingAESKey, s.PushPreviousEncodingAESKey = "t", goodKey, "short"
		}, []string{"PushPreviousEncodingAESKey"}},
		{"negative push deadline", func(s *wego.Settings) { s.PushDeadline = -1 }, []string{"PushDeadline"}},
		{"unknown pay sign type", func(s *wego.Settings) { s.PaySignType = "SHA1" }, []string{"PaySignType"}},
		{"token source told of rejections", func(s *wego.Settings) {
			s.AccessTokenSource = func(context.Context) (string, error) { return "t", nil }
			s.AccessTokenRejected = func(context.Context, string, int) {}
		}, nil},
		{"rejection hook without source", func(s *wego.Settings) {
			s.AccessTokenRejected = func(context.Context, string, int) {}
		}, []string{"AccessTokenSource"}},
		{"oauth", func(s *wego.Settings) {
			s.RegisterURL, s.OAuthBaseURL, s.OAuthScope = "https://m.example.com/", "http://127.0.0.1:8080", wego.ScopeBase
			s.RedirectPath, s.RedirectState = "/wechat/oauth?from=menu", "WEGO"
			s.SessionCookie, s.SessionMaxAge, s.UserInfoExpire = "sid", 30*24*time.Hour, -1
		}, nil},
		{"register url with a path", func(s *wego.Settings) { s.RegisterURL = "https://m.example.com/app" }, []string{"RegisterURL"}},
		{"register url with a query", func(s *wego.Settings) { s.RegisterURL = "https://m.example.com?a=1" }, []string{"RegisterURL"}},
		{"register url not absolute", func(s *wego.Settings) { s.RegisterURL = "m.example.com" }, []string{"RegisterURL"}},
		{"bad oauth base and scope", func(s *wego.Settings) { s.OAuthBaseURL, s.OAuthScope = "open.weixin.qq.com", "snsapi_login" }, []string{"OAuthBaseURL", "OAuthScope"}},
		{"redirect path without register url", func(s *wego.Settings) { s.RedirectPath = "/cb" }, []string{"RegisterURL"}},
		{"redirect path to another host", func(s *wego.Settings) {
			s.RegisterURL, s.RedirectPath = "https://m.example.com", "//evil.example/cb"
		}, []string{"RedirectPath"}},
		{"redirect path relative", func(s *wego.Settings) { s.RegisterURL, s.RedirectPath = "https://m.example.com", "cb" }, []string{"RedirectPath"}},
		{"redirect state not alphanumeric", func(s *wego.Settings) { s.RedirectState = "a&b" }, []string{"RedirectState"}},
		{"redirect state too long", func(s *wego.Settings) { s.RedirectState = strings.Repeat("a", 65) }, []string{"RedirectState"}},
		{"bad cookie name", func(s *wego.Settings) { s.SessionCookie = "a b" }, []string{"SessionCookie"}},
		{"session past the refresh token", func(s *wego.Settings) { s.SessionMaxAge = 31 * 24 * time.Hour }, []string{"SessionMaxAge"}},
		{"negative session age", func(s *wego.Settings) { s.SessionMaxAge = -time.Second }, []string{"SessionMaxAge"}},
		{"all at once", func(s *wego.Settings) {
			*s = wego.Settings{MchID: "1", PushEncodingAESKey: "short", PayNotifyURL: "nope"}
		}, []string{"AppID", "AppSecret", "MchSecret", "PushEncodingAESKey", "PushToken", "PayNotifyURL"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := base()
			tt.edit(&s)
			c, err := wego.NewClient(s)
			if tt.wants == nil {
				require.NoError(t, err)
				require.NotNil(t, c)
				return
			}
			var ie *wego.InitError
			require.ErrorAs(t, err, &ie)
			var got []string
			for _, p := range ie.Problems {
				got = append(got, p.Field)
				assert.NotEmpty(t, p.Reason)
			}
			assert.ElementsMatch(t, tt.wants, got)
			for _, secret := range []string{s.AppSecret, s.MchSecret, s.PushEncodingAESKey} {
				if len(secret) > 3 {
					assert.NotContains(t, err.Error(), secret, "settings errors never carry secrets")
				}
			}
		})
	}
}
