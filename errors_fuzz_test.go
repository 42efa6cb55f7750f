package wego

import (
	"strings"
	"testing"
)

// FuzzRedact checks that a secret after a secret name never survives
// redaction, wherever it sits in the text, and that redact never panics.
func FuzzRedact(f *testing.F) {
	f.Add("https://api.weixin.qq.com/cgi-bin/getcallbackip?", "&x=1", "ACCESS_TOKENabc123")
	f.Add(`{"appid":"wx1",`, `}`, "s3cr3tvalue")
	f.Add("", "", "0123456789")
	f.Fuzz(func(t *testing.T, before, after, secret string) {
		if len(secret) < 8 || strings.ContainsAny(secret, "&#\"' \t\n") || strings.Contains(secret, "REDACTED") {
			return
		}
		for _, form := range []string{"access_token=%s", `"secret":"%s"`, "secret=%s"} {
			in := before + " " + strings.Replace(form, "%s", secret, 1) + "&" + after
			out := redact(in)
			if strings.Contains(out, strings.Replace(form, "%s", secret, 1)) {
				t.Fatalf("secret survived: %q -> %q", in, out)
			}
			if redact(out) != out {
				t.Fatalf("redact is not idempotent on %q", out)
			}
		}
	})
}

// FuzzCheckEnvelope feeds arbitrary answers to the errcode decoder.
func FuzzCheckEnvelope(f *testing.F) {
	f.Add([]byte(`{"errcode":40001,"errmsg":"invalid credential"}`))
	f.Add([]byte(`{"errcode":0,"errmsg":"ok"}`))
	f.Add([]byte(`{"ip_list":["1.2.3.4"]}`))
	f.Add([]byte(`{"errcode":"x"}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		err := checkEnvelope("/p", body)
		if err != nil && !strings.HasPrefix(err.Error(), "wego: /p: ") {
			t.Fatalf("error without endpoint: %v", err)
		}
	})
}
